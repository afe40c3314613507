"""The whole log at a glance: every event (undone ones too) as columns, read straight from
SQLite (store/event_table.py) and kept up to date, for learning and for the screens that read
all of it. History's filters become a few numpy passes over a million rows instead of a
Python loop and a re-sort on every keystroke; an event becomes an object only when asked for
(`event_at`, and `EventsView`, which is what `Feed.events` is)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np

from tuifeed.models import Event
from tuifeed.store.event_table import EventTable
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.item_index import rows_of


_ID, _TS, _KIND = (attrgetter(name) for name in ("id", "ts", "kind"))
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
    sessions: np.ndarray | None = None  # codes into session_names
    session_names: tuple[str, ...] = ()

    def kinds_with(self, kinds: list[str]) -> tuple[list[str], list[int]]:
        """The kind names, with any of `kinds` not among them after; and each one's code."""
        names = list(self.kind_names)
        codes = []
        for kind in kinds:
            if kind not in names:
                names.append(kind)
            codes.append(names.index(kind))
        return names, codes

    def of_kind(self, names, part: slice = slice(None)) -> np.ndarray:
        """A mask: the events (of `part` of the log) of any of these kinds."""
        return np.isin(self.kinds[part], [code for code, name in enumerate(self.kind_names)
                                          if name in names])


class LogColumns:
    """Events in columns, kept up to date as events are added and undone.

    Rows are in the order events arrived: those read at start in id order, then those added
    (`event_at(row)` is the event behind one); `newest_first()` picks rows by time, then id,
    newest first, through filters.
    """

    def __init__(self, table: EventTable, catalog: Catalog) -> None:
        self._catalog = catalog
        self._loaded = len(table)  # rows below this were read from the store
        self._added: list[Event] = []  # the events behind the rows after them
        self.kinds: list[str] = list(table.kind_names)  # kind names, by code
        self._kind_code = {kind: code for code, kind in enumerate(self.kinds)}
        self.session_names: list[str] = list(table.session_names)
        self._session_code = {name: code for code, name in enumerate(self.session_names)}
        self._ids, self._ts, self._values = table.ids, table.ts, table.values
        self._kinds, self._sessions = table.kinds, table.sessions
        self._undone = table.undone.copy()
        self._item_of = table.item_rows  # each read row's catalogue row then, -1 if none
        self._other_items = table.other_items  # and the item id where there was none
        self._rows = table.item_rows.copy()  # catalogue rows now, -1 unknown
        self._rows_at = catalog.version  # the catalogue version the rows were looked up at
        self._rows_size = len(catalog)  # and its size then
        self._order: np.ndarray | None = None  # rows newest first, made when first needed
        self._by_id: np.ndarray | None = None  # rows in id order, for finding one by id
        self._pending: list[Event] = []  # added since the columns were last extended
        self.undos = 0  # events marked undone since the log was read

    @classmethod
    def of_events(cls, events: Sequence[Event], undone: Sequence[Event],
                  catalog: Catalog) -> "LogColumns":
        """Columns of these events (and undone ones after them), as if read from a store."""
        everything = [*events, *undone]
        count = len(everything)
        kind_names = list(dict.fromkeys(map(_KIND, everything)))
        session_names = list(dict.fromkeys(event.session_id for event in everything))
        rows = rows_of(catalog.index, [event.item_id for event in everything])
        table = EventTable(
            ids=np.fromiter(map(_ID, everything), np.int64, count),
            ts=np.fromiter(map(_TS, everything), np.float64, count),
            values=np.array([np.nan if event.value is None else event.value
                             for event in everything], dtype=np.float64).reshape(count),
            kinds=np.fromiter((kind_names.index(event.kind) for event in everything),
                              np.int32, count), kind_names=kind_names,
            sessions=np.fromiter((session_names.index(event.session_id)
                                  for event in everything), np.int32, count),
            session_names=session_names, item_rows=rows,
            other_items={position: everything[position].item_id
                         for position in np.flatnonzero(rows < 0).tolist()},
            undone=np.arange(count) >= len(events))
        return cls(table, catalog)

    def _code_of(self, kind: str) -> int:
        code = self._kind_code.get(kind)
        if code is None:
            code = self._kind_code[kind] = len(self.kinds)
            self.kinds.append(kind)
        return code

    def _session_of(self, name: str) -> int:
        code = self._session_code.get(name)
        if code is None:
            code = self._session_code[name] = len(self.session_names)
            self.session_names.append(name)
        return code

    def __len__(self) -> int:
        return len(self._ids) + len(self._pending)

    # -- changes ------------------------------------------------------------------------------

    def add(self, event: Event) -> None:
        """A new event: O(1) now, folded into the columns when they are next read."""
        self._pending.append(event)

    def mark_undone(self, event_id: int) -> None:
        self._catch_up()
        rows = self._rows_with_id(event_id)
        self._undone[rows] = True
        self.undos += 1

    # -- reading ------------------------------------------------------------------------------

    def event_at(self, row: int) -> Event:
        if row >= self._loaded:
            self._catch_up()
            return self._added[row - self._loaded]
        value = float(self._values[row])
        return Event(id=int(self._ids[row]), ts=float(self._ts[row]),
                     item_id=self.item_id_at(row), kind=self.kinds[self._kinds[row]],
                     value=None if value != value else value,
                     session_id=self.session_names[self._sessions[row]])

    def item_id_at(self, row: int) -> str:
        if row >= self._loaded:
            self._catch_up()
            return self._added[row - self._loaded].item_id
        found = int(self._item_of[row])
        return self._catalog.ids[found] if found >= 0 else self._other_items[row]

    def item_reader(self) -> Callable[[int], str]:
        """`item_id_at` for the rows there are now, safe to call from another thread while
        this one adds events (feed/relearning.py)."""
        self._catch_up()
        loaded, added = self._loaded, tuple(self._added)
        item_of, others, catalog = self._item_of, self._other_items, self._catalog

        def item_at(row: int) -> str:
            if row >= loaded:
                return added[row - loaded].item_id
            found = int(item_of[row])
            return catalog.ids[found] if found >= 0 else others[row]
        return item_at

    def newest_id(self) -> int:
        """The id of the newest event logged, undone or not (0 for none), without folding
        new events into the columns."""
        if self._pending:
            return self._pending[-1].id
        if self._added:
            return self._added[-1].id
        return int(self._ids[-1]) if len(self._ids) else 0

    def undone_at(self, row: int) -> bool:
        return bool(self._undone[row])

    def rows_with_id(self, event_id: int) -> np.ndarray:
        """The rows holding this event id (one, or none)."""
        self._catch_up()
        return self._rows_with_id(event_id)

    def latest(self, horizon: float) -> float:
        """The latest time logged (undone events too) not after `horizon`; 0 for none."""
        self._catch_up()
        times = self._ts[self._ts <= horizon]
        return float(times.max()) if len(times) else 0.0

    def newest_first(self, limit: int | None = None, *, kind: str | None = None,
                     topic: str | None = None, creator: str | None = None) -> np.ndarray:
        """Rows of the events that pass every filter given, newest first: a kind, a topic
        the event's item carries, a creator (key or display name) of the event's item."""
        self._catch_up()
        order = self._newest_order()
        keep = np.ones(len(self._ids), dtype=bool)
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
        item not in the catalogue), undone flag and session code, as of now (read only)."""
        self._catch_up()
        return LogView(self._ids, self._ts, self._kinds, self._values, self._item_rows(),
                       self._undone, tuple(self.kinds), self._sessions,
                       tuple(self.session_names))

    # -- inside -------------------------------------------------------------------------------

    def _catch_up(self) -> None:
        if not self._pending:
            return
        added, self._pending = self._pending, []
        count = len(added)
        self._added.extend(added)
        for kind in dict.fromkeys(map(_KIND, added)):  # every kind gets its code first
            self._code_of(kind)
        code_of = self._kind_code
        self._ids = np.concatenate([self._ids, np.fromiter(map(_ID, added), np.int64, count)])
        self._ts = np.concatenate([self._ts, np.fromiter(map(_TS, added), np.float64, count)])
        self._kinds = np.concatenate([self._kinds, np.fromiter(
            map(code_of.__getitem__, map(_KIND, added)), np.int32, count)])
        self._values = np.concatenate([self._values,
                                       np.array(list(map(_VALUE, added)), dtype=np.float64)])
        self._sessions = np.concatenate([self._sessions, np.fromiter(
            (self._session_of(event.session_id) for event in added), np.int32, count)])
        self._undone = np.concatenate([self._undone, np.zeros(count, dtype=bool)])
        self._rows = np.concatenate([self._rows, np.full(count, -1, dtype=np.int64)])
        self._rows_at = -1
        self._order = self._by_id = None

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
            missing = np.flatnonzero(self._rows < 0)
            self._rows[missing] = rows_of(catalog.index,
                                          list(map(self.item_id_at, missing.tolist())))
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


class EventsView(Sequence):
    """The logged events that count (or the undone ones), in log order, as a read-only
    sequence whose events are made only when read: what `Feed.events` is. Indexing finds a
    row with numpy; iterating makes one event object at a time."""

    def __init__(self, log: LogColumns, undone: bool) -> None:
        self._log, self._undone = log, undone
        self._key: tuple[int, int] | None = None
        self._rows = np.zeros(0, dtype=np.int64)

    def rows(self) -> np.ndarray:
        """The log rows of these events, in order."""
        log = self._log
        key = (len(log), log.undos)
        if key != self._key:
            flags = log.columns().undone
            self._rows = np.flatnonzero(flags if self._undone else ~flags)
            self._key = key
        return self._rows

    def __len__(self) -> int:
        return len(self.rows())

    def __getitem__(self, position):  # type: ignore[override]
        rows = self.rows()
        if isinstance(position, slice):
            return [self._log.event_at(row) for row in rows[position].tolist()]
        return self._log.event_at(int(rows[position]))

    def __iter__(self) -> Iterator[Event]:
        event_at = self._log.event_at
        return (event_at(row) for row in self.rows().tolist())

    def __reversed__(self) -> Iterator[Event]:
        event_at = self._log.event_at
        return (event_at(row) for row in reversed(self.rows().tolist()))
