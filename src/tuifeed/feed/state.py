"""What the log says about the viewer, and the records the session keeps."""

from __future__ import annotations

from collections.abc import Mapping, MutableSet
from dataclasses import dataclass, field, replace

import numpy as np

from tuifeed.models import FOLLOW_KINDS, Event, Item
from tuifeed.ranking import Context, Ranked
from tuifeed.ranking.catalog import creator_key
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.item_set import ItemSet

RECENT_CARDS = 50  # the most a recipe's diversity_window may look back


@dataclass
class ViewerState:
    """What the event log says about the viewer right now."""

    # The items seen, liked, turned down and saved. Learning and the checkpoint make each an
    # ItemSet: a mask over catalogue rows that answers as a set of ids (at a million events,
    # 612k seen: sets of ids took 0.15 s of each reopen), and the ranker reads masks.
    seen: MutableSet[str] = field(default_factory=set)
    liked: MutableSet[str] = field(default_factory=set)
    disliked: MutableSet[str] = field(default_factory=set)
    saved: MutableSet[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)  # creator keys
    # The last cards shown (impressions that count), oldest first, and how many in all: the
    # diversity penalty and the exploration draw depend on them, so the queue depends only
    # on the log, not on a session's trail, and a reopened home ranks the same.
    shown: list[str] = field(default_factory=list)
    impressions: int = 0

    def apply(self, event: Event, item: Item) -> None:
        kind, item_id = event.kind, event.item_id
        if kind not in FOLLOW_KINDS:  # anything done to an item means it was seen
            self.seen.add(item_id)
        if kind == "impression":
            self.impressions += 1
            self.shown.append(item_id)
            del self.shown[:-RECENT_CARDS]
        if kind == "like":
            self.liked.add(item_id)
        elif kind == "unlike":
            self.liked.discard(item_id)
        elif kind == "dislike":
            self.disliked.add(item_id)
        elif kind == "undislike":
            self.disliked.discard(item_id)
        elif kind == "save":
            self.saved.add(item_id)
        elif kind == "unsave":
            self.saved.discard(item_id)
        elif kind == "follow":
            self.followed.add(creator_key(item))
        elif kind == "unfollow":
            self.followed.discard(creator_key(item))

    def seen_mask(self, index: Mapping[str, int], size: int) -> np.ndarray:
        """The items seen, as a (new) mask over the `size` catalogue rows (`index`: an item
        id's row)."""
        return _mask(self.seen, index, size)

    def disliked_mask(self, index: Mapping[str, int], size: int) -> np.ndarray:
        """The items turned down, the same way (an item not in the catalogue has no row: it
        is left out)."""
        return _mask(self.disliked, index, size)


def _mask(item_ids: MutableSet[str], index: Mapping[str, int], size: int) -> np.ndarray:
    """A new mask over `size` catalogue rows: a copy of an ItemSet's own, or made from a
    plain set of ids (a state made by hand)."""
    if isinstance(item_ids, ItemSet):
        return item_ids.mask(size)
    mask = np.zeros(size, dtype=bool)
    rows = rows_of(index, item_ids)
    mask[rows[rows >= 0]] = True
    return mask


@dataclass(frozen=True)
class HistoryEntry:
    event: Event
    item: Item | None
    undone: bool


_NOTHING = np.zeros(0, dtype=bool)


def kept_context(context: Context) -> Context:
    """What Why this? reads of a ranking's context once the ranking is done: the moment, the
    cards before, the seed and the follows of it. The masks and boosts over the catalogue
    (2.5 MiB at a million items) are not kept."""
    return replace(context, candidates=_NOTHING, seen=_NOTHING, topic_boosts=None,
                   creator_boosts=None)


@dataclass(frozen=True)
class Placement:
    """How a card was ranked at the moment it was shown: kept so "why" can replay it exactly."""

    ranked: Ranked
    context: Context
    last_event_id: int  # the newest event the ranker knew of then
    # What leaving the card before counted as, when the queue was ranked ahead of the key
    # (feed/queue.py): a dwell (and a skip) of that moment, ids below 0. Empty when the card
    # was ranked after the card before was left (its events are then in the log).
    assumed: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        # Kept for every card of the session: with the masks, 500 MiB after 200 keys at a
        # million items.
        object.__setattr__(self, "context", kept_context(self.context))

