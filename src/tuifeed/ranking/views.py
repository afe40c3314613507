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
    # (At a million events each array here is 8 MB: the ones done with go at once, since
    # this runs as the app quits, beside everything it holds.)
    order = np.argsort(sessions, kind="stable")  # each session's events together, in order
    session, is_dwell = sessions[order], dwell[order]
    changed = np.r_[True, session[1:] != session[:-1]]
    del session
    starts = np.flatnonzero(changed)
    lengths = np.diff(np.r_[starts, count])
    before = np.cumsum(is_dwell) - is_dwell  # dwells before each event, over all sessions
    view = before - np.repeat(before[starts], lengths)  # ... within its session
    del before
    changed[1:] |= view[1:] != view[:-1]
    stretch = np.cumsum(changed) - 1  # one number per (session, view)
    del changed
    # Items as their keys less the least: a (stretch, item) key fits an int64 while events
    # times (catalogue rows + items not in it) stay under 9.2e18.
    low = int(items.min())
    keys = stretch * (int(items.max()) - low + 1)
    del stretch
    keys += items[order] - low
    is_played = played[order]
    played_keys = np.unique(keys[is_played])  # few: a dwell is looked up among them
    dwelling = np.flatnonzero(is_dwell)
    dwell_keys = keys[dwelling]
    del keys
    at = np.searchsorted(played_keys, dwell_keys)
    found = at < len(played_keys)
    found[found] = played_keys[at[found]] == dwell_keys[found]
    tracker.superseded = set(ids[order[dwelling[found]]].tolist())
    del dwelling, dwell_keys, at, found
    views = np.repeat(view[starts + lengths - 1] + is_dwell[starts + lengths - 1], lengths)
    for position in order[is_played & (view == views)].tolist():  # since the last dwell
        tracker._watched.setdefault(name_of_session(int(sessions[position])), set()).add(
            item_at(position))
    return tracker

