"""A view counts once: when the player reported how much of a video was watched, the card's
dwell in the same view does not teach the model as well.

A view of a card runs from the previous leave (every leave records a dwell) to its own dwell,
within one session. When the item was played in it (`play`, or a `watch` reported), the
player measures the view: its `watch` teaches, the dwell does not, also when the viewer moved
on while mpv was still playing in its window (the watch then arrives after the dwell). The
rule reads only the log, so a restart learns exactly what the session learned.
"""

from __future__ import annotations

from collections.abc import Iterable

from tuifeed.models import Event

SUPERSEDED_REASON = "its view is counted by the player's watch (a view counts once)"


class ViewTracker:
    """Follows the log in order and names the dwells a watch supersedes."""

    def __init__(self) -> None:
        self._watched: dict[str, set[str]] = {}  # session -> items played since its last leave
        self.superseded: set[int] = set()

    def watched_in_view(self, session_id: str, item_id: str) -> bool:
        return item_id in self._watched.get(session_id, ())

    def add(self, event: Event) -> bool:
        """Take the next event; True if it is a dwell superseded by a watch."""
        if event.kind in ("play", "watch"):
            self._watched.setdefault(event.session_id, set()).add(event.item_id)
        elif event.kind == "dwell":
            watched = self._watched.pop(event.session_id, set())
            if event.item_id in watched:
                self.superseded.add(event.id)
                return True
        return False


def superseded_dwells(events: Iterable[Event]) -> ViewTracker:
    """A tracker fed with the whole log: its `superseded` holds the dwell ids not learned from."""
    tracker = ViewTracker()
    for event in events:
        tracker.add(event)
    return tracker
