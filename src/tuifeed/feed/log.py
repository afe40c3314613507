"""The whole log at a glance: every event (undone ones too) as columns, for the screens that
read all of it. History's filters become a few numpy passes over a million rows instead of
a Python loop and a re-sort on every keystroke."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import attrgetter

import numpy as np

from tuifeed.models import Event
from tuifeed.ranking.catalog import Catalog


_ID, _TS, _KIND, _ITEM = (attrgetter(name) for name in ("id", "ts", "kind", "item_id"))
_VALUE = attrgetter("value")  # None becomes NaN in a float array


@dataclass(frozen=True)
class LogView:
    ids: np.ndarray
    ts: np.ndarray
    kinds: np.ndarray  # codes into kind_names
    values: np.ndarray
    rows: np.ndarray
    undone: np.ndarray
    kind_names: tuple[str, ...]

    def of_kind(self, names, part: slice = slice(None)) -> np.ndarray:
        """A mask: the events (of `part` of the log) of any of these kinds."""
        return np.isin(self.kinds[part], [code for code, name in enumerate(self.kind_names)
                                          if name in names])


class LogColumns:
    """Events in columns, kept up to date as events are added and undone.

    Rows are in the order events arrived (`event_at(row)` is the object behind one);
    `newest_first()` picks rows by time, then id, newest first, through filters.
    """

    def __init__(self, events: Sequence[Event], undone: Sequence[Event],
                 catalog: Catalog) -> None:
        self._catalog = catalog
        self._events: list[Event] = [*events, *undone]
        self.kinds: list[str] = []  # kind names, by code
        self._kind_code: dict[str, int] = {}
        self._ids, self._ts, self._kinds, self._values = self._columns_of(self._events)
        count = len(self._events)
        self._undone = np.zeros(count, dtype=bool)
        self._undone[len(events):] = True
        self._rows = np.full(count, -1, dtype=np.int64)  # catalogue rows, -1 unknown
        self._rows_at = -1  # the catalogue version the rows were looked up at
        self._rows_size = 0  # and its size then
        self._order: np.ndarray | None = None  # rows newest first, made when first needed
        self._by_id: np.ndarray | None = None  # rows in id order, for finding one by id
        self._pending: list[Event] = []  # added since the columns were last extended
        self._item_rows()  # now, so that the first filter by topic or creator is quick too

    def _code_of(self, kind: str) -> int:
        code = self._kind_code.get(kind)
        if code is None:
            code = self._kind_code[kind] = len(self.kinds)
            self.kinds.append(kind)
        return code

    # -- changes ------------------------------------------------------------------------------

    def add(self, event: Event) -> None:
        """A new event: O(1) now, folded into the columns when they are next read."""
        self._pending.append(event)

    def mark_undone(self, event_id: int) -> None:
        self._catch_up()
        rows = self._rows_with_id(event_id)
        self._undone[rows] = True

    # -- reading ------------------------------------------------------------------------------

    def event_at(self, row: int) -> Event:
        return self._events[row]

    def undone_at(self, row: int) -> bool:
        return bool(self._undone[row])

    def newest_first(self, limit: int | None = None, *, kind: str | None = None,
                     topic: str | None = None, creator: str | None = None) -> np.ndarray:
        """Rows of the events that pass every filter given, newest first: a kind, a topic
        the event's item carries, a creator (key or display name) of the event's item."""
        self._catch_up()
        order = self._newest_order()
        keep = np.ones(len(self._events), dtype=bool)
        if kind is not None:
            code = self._kind_code.get(kind)
            if code is None:
                return order[:0]
            keep &= self._kinds == code
        if topic is not None or creator is not None:
            items = self._items_matching(topic, creator)
            rows = self._item_rows()
            keep &= (rows >= 0) & items[np.maximum(rows, 0)]
        chosen = order[keep[order]]
        return chosen if limit is None else chosen[:limit]

    def columns(self) -> LogView:
        """Every event's id, time, kind code, value (NaN for none), catalogue row (-1 for an
        item not in the catalogue) and undone flag, as of now (read only)."""
        self._catch_up()
        return LogView(self._ids, self._ts, self._kinds, self._values, self._item_rows(),
                       self._undone, tuple(self.kinds))

    # -- inside -------------------------------------------------------------------------------

    def _catch_up(self) -> None:
        if not self._pending:
            return
        added, self._pending = self._pending, []
        count = len(added)
        self._events.extend(added)
        ids, ts, kinds, values = self._columns_of(added)
        self._ids = np.concatenate([self._ids, ids])
        self._ts = np.concatenate([self._ts, ts])
        self._kinds = np.concatenate([self._kinds, kinds])
        self._values = np.concatenate([self._values, values])
        self._undone = np.concatenate([self._undone, np.zeros(count, dtype=bool)])
        self._rows = np.concatenate([self._rows, np.full(count, -1, dtype=np.int64)])
        self._rows_at = -1
        self._order = self._by_id = None

    def _columns_of(self, events: Sequence[Event]) -> tuple[np.ndarray, ...]:
        """ids, times, kind codes and values (NaN for none) of these events."""
        count = len(events)
        for kind in dict.fromkeys(map(_KIND, events)):  # every kind gets its code first
            self._code_of(kind)
        code_of = self._kind_code
        return (np.fromiter(map(_ID, events), np.int64, count),
                np.fromiter(map(_TS, events), np.float64, count),
                np.fromiter(map(code_of.__getitem__, map(_KIND, events)), np.int32, count),
                np.array(list(map(_VALUE, events)), dtype=np.float64))

    def _newest_order(self) -> np.ndarray:
        if self._order is None:
            self._order = np.lexsort((-self._ids, -self._ts))  # time, then id, both falling
        return self._order

    def _rows_with_id(self, event_id: int) -> np.ndarray:
        if self._by_id is None:
            self._by_id = np.argsort(self._ids, kind="stable")
        ids = self._ids[self._by_id]
        start, end = np.searchsorted(ids, [event_id, event_id + 1])
        return self._by_id[start:end]

    def _item_rows(self) -> np.ndarray:
        """Each event's catalogue row, looked up again only for events whose item was not
        in the catalogue when last looked (items arrive with fetches)."""
        catalog = self._catalog
        if self._rows_at != catalog.version:
            if len(catalog) < self._rows_size:  # rows went away: look every one up again
                self._rows[:] = -1
            index = catalog.index
            missing = np.flatnonzero(self._rows < 0)
            events = self._events
            item_ids = map(_ITEM, map(events.__getitem__, missing.tolist()))
            self._rows[missing] = np.fromiter(map(index.get, item_ids, repeat(-1)), np.int64,
                                              len(missing))
            self._rows_at, self._rows_size = catalog.version, len(catalog)
        return self._rows

    def _items_matching(self, topic: str | None, creator: str | None) -> np.ndarray:
        """A mask over catalogue rows: items with this topic and by this creator."""
        catalog = self._catalog
        items = np.ones(len(catalog), dtype=bool)
        if topic is not None:
            code = catalog.topic_index.get(topic)
            items &= catalog.rows_with_topic(code) if code is not None else False
        if creator is not None:
            items &= np.isin(catalog.creator_codes, catalog.creators_named(creator))
        return items
