"""A view counts once: when the player reported how much of a video was watched, the card's
dwell in the same view does not teach the model as well.

A view of a card runs from the previous leave (every leave records a dwell) to its own dwell,
within one session. When the item was played in it (`play`, or a `watch` reported), the
player measures the view: its `watch` teaches, the dwell does not, also when the viewer moved
on while mpv was still playing in its window (the watch then arrives after the dwell). The
rule reads only the log, so a restart learns exactly what the session learned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

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


def tracker_of_columns(ids: np.ndarray, dwell: np.ndarray, played: np.ndarray,
                       sessions: np.ndarray, items: np.ndarray,
                       name_of_session: Callable[[int], str],
                       item_at: Callable[[int], str]) -> ViewTracker:
    """superseded_dwells() over a log in columns (in log order): each event's id, whether it
    is a dwell, whether a play or a watch, its session and item as integer keys. The same
    rule in numpy passes: a view is the stretch of a session before one of its dwells, so
    a dwell is superseded when a play or watch of its item has the same session and the same
    count of the session's dwells before it. `name_of_session(key)` and `item_at(position)`
    name the few items the sessions watched since their last dwell."""
    tracker = ViewTracker()
    count = len(ids)
    if count == 0:
        return tracker
    order = np.argsort(sessions, kind="stable")  # each session's events together, in order
    session, is_dwell = sessions[order], dwell[order]
    starts = np.flatnonzero(np.r_[True, session[1:] != session[:-1]])
    lengths = np.diff(np.r_[starts, count])
    before = np.cumsum(is_dwell) - is_dwell  # dwells before each event, over all sessions
    view = before - np.repeat(before[starts], lengths)  # ... within its session
    fresh = np.r_[True, (session[1:] != session[:-1]) | (view[1:] != view[:-1])]
    stretch = np.cumsum(fresh) - 1  # one number per (session, view)
    # Items numbered 0..distinct-1, so a (stretch, item) key fits an int64 up to 3e9 events.
    item = np.unique(items, return_inverse=True)[1].reshape(count)[order]
    width = int(item.max()) + 1
    keys = stretch * width + item
    is_played = played[order]
    superseded = is_dwell.astype(bool) & np.isin(keys, keys[is_played])
    tracker.superseded = set(ids[order][superseded].tolist())
    views = np.repeat(view[starts + lengths - 1] + is_dwell[starts + lengths - 1], lengths)
    for position in order[is_played & (view == views)].tolist():  # since the last dwell
        tracker._watched.setdefault(name_of_session(int(sessions[position])), set()).add(
            item_at(position))
    return tracker

