"""What the log teaches, from its columns: numpy passes where a loop over a million event
objects took seconds. Each function gives exactly what the plain reading gives (the loops
that feed ViewerState.apply, ViewTracker.add and InterestModel.rebuild one event at a time;
tests/test_learning_columns.py compares them):

- the views: which logged dwells a player's watch supersedes (ranking/views.py);
- the viewer state: seen, liked, disliked, saved, followed, the last cards shown;
- which events the model learns from (Feed.teaches), and the model learned from them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tuifeed.feed.log import LogView
from tuifeed.feed.state import RECENT_CARDS, ViewerState
from tuifeed.models import FOLLOW_KINDS
from tuifeed.ranking import Catalog, InterestModel, Recipe
from tuifeed.ranking.item_set import ItemSet
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import ViewTracker, tracker_of_columns

# A toggle's state is its last event: (on, off) kinds, the ViewerState set they keep.
TOGGLES = (("like", "unlike", "liked"), ("dislike", "undislike", "disliked"),
           ("save", "unsave", "saved"))


def of_kinds(log: LogView, names) -> np.ndarray:
    return log.of_kind(set(names))


def counted(log: LogView) -> np.ndarray:
    """A mask: the events that count (not undone)."""
    return ~log.undone


def views(log: LogView, item_at: Callable[[int], str]) -> ViewTracker:
    """The view tracker fed with every event that counts, in log order."""
    kept = np.flatnonzero(counted(log))
    keys = log.rows[kept]  # (a copy of its own)
    # An item not in the catalogue still has its views: it is keyed by its id, apart.
    unknown = keys < 0
    if unknown.any():
        names = [item_at(int(position)) for position in kept[unknown].tolist()]
        codes = {name: code for code, name in enumerate(dict.fromkeys(names))}
        keys[unknown] = -1 - np.fromiter(map(codes.__getitem__, names), np.int64, len(names))
    sessions = log.sessions[kept] if log.sessions is not None else np.zeros(len(kept),
                                                                              np.int32)
    return tracker_of_columns(
        log.ids[kept], of_kinds(log, {"dwell"})[kept], of_kinds(log, {"play", "watch"})[kept],
        sessions, keys, lambda code: log.session_names[code],
        lambda position: item_at(int(kept[position])))


def in_steering(log: LogView, steering: SteeringState) -> np.ndarray:
    """A mask: the events the steering lets exist for the ranker (SteeringState.counts)."""
    if steering.reset_at is None:
        return np.ones(len(log.ids), dtype=bool)
    return log.ts > steering.reset_at


def learnable(log: LogView, steering: SteeringState) -> np.ndarray:
    """A mask: SteeringState.learns_from, for every event."""
    keep = in_steering(log, steering)
    if steering.paused_since is not None:
        keep &= log.ts < steering.paused_since
    for start, end in steering.paused_periods:
        keep &= ~((log.ts >= start) & (log.ts < end))
    return keep


def teaching(log: LogView, steering: SteeringState, superseded: set[int]) -> np.ndarray:
    """A mask: the logged events the model learns from (Feed.teaches), undone ones aside."""
    keep = counted(log) & learnable(log, steering)
    if superseded:
        ids = np.fromiter(superseded, np.int64, len(superseded))
        keep &= ~(of_kinds(log, {"dwell"}) & np.isin(log.ids, ids))
    return keep


def learned_model(catalog: Catalog, recipe: Recipe, log: LogView, mask: np.ndarray,
                  forgotten) -> InterestModel:
    """InterestModel.rebuild over the events of the mask, in log order."""
    model = InterestModel(catalog, recipe)
    model.rebuild_rows(log.rows[mask], log.ts[mask], list(log.kind_names), log.kinds[mask],
                       log.values[mask], forgotten)
    return model


def viewer_state(log: LogView, steering: SteeringState, catalog: Catalog) -> ViewerState:
    """ViewerState.apply over every event that counts, whose item is in the catalogue, and
    that the steering lets exist (follows and unfollows always do)."""
    follows = of_kinds(log, FOLLOW_KINDS)
    applied = counted(log) & (log.rows >= 0) & (follows | in_steering(log, steering))
    rows, kinds = log.rows[applied], log.kinds[applied]
    names = list(log.kind_names)
    ids = catalog.ids
    state = ViewerState()

    def codes(*wanted: str) -> list[int]:
        return [code for code, name in enumerate(names) if name in wanted]

    seen = rows[~np.isin(kinds, codes(*FOLLOW_KINDS))]  # of_rows marks them: no sort needed
    state.seen = ItemSet.of_rows(catalog.index, ids, seen)
    shown = rows[np.isin(kinds, codes("impression"))]
    state.impressions = len(shown)
    state.shown = [ids[row] for row in shown[-RECENT_CARDS:].tolist()]
    for on, off, attribute in TOGGLES:
        setattr(state, attribute, ItemSet.of_rows(catalog.index, ids,
                                                  _last_on(rows, kinds, codes(on), codes(off))))
    creators = catalog.creator_codes[rows]
    state.followed = {catalog.creators[code] for code in
                      _last_on(creators, kinds, codes("follow"), codes("unfollow")).tolist()}
    return state


def _last_on(keys: np.ndarray, kinds: np.ndarray, on: list[int], off: list[int]) -> np.ndarray:
    """The keys whose last event among the `on` and `off` kinds is an `on` one."""
    toggles = np.isin(kinds, on + off)
    keys, kinds = keys[toggles][::-1], kinds[toggles][::-1]
    unique, last = np.unique(keys, return_index=True)  # first from the end: the last
    return unique[np.isin(kinds[last], on)]
