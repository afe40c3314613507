"""The whole event log read as columns, straight from SQLite: no object per event.

A million events arrive in a few aggregate strings (ids, items, kinds, sessions, undone flags,
times: parsed by numpy and a dictionary per distinct text); values travel as integers
(store/exact_reals.py). Times and values are the doubles `Store.events()` gives (see
`_times`): every number downstream stays identical to the last bit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tuifeed.ranking.item_index import rows_of
from tuifeed.store.exact_reals import read_reals

SEPARATOR = "\x1f"  # unit separator: joins texts in an aggregate (see _split)


@dataclass(frozen=True)
class EventTable:
    """Every logged event, undone ones too, in id order."""

    ids: np.ndarray  # int64
    ts: np.ndarray  # float64, Unix seconds (as Store.events() gives them)
    values: np.ndarray  # float64, NaN where the event has none
    kinds: np.ndarray  # int32 codes into kind_names
    kind_names: list[str]
    sessions: np.ndarray  # int32 codes into session_names
    session_names: list[str]
    item_rows: np.ndarray  # int64: the item's row in the catalogue given, -1 if not there
    other_items: dict[int, str]  # position -> item id, where the row is -1
    undone: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.ids)


def _split(joined: str | None, count: int) -> list[str] | None:
    """An aggregate of texts back into `count` texts; None if a text held the separator."""
    if count == 0:
        return []
    parts = (joined or "").split(SEPARATOR)
    return parts if len(parts) == count else None


def read_event_table(connection: sqlite3.Connection, unix_ts: str,
                     item_rows: Mapping[str, int]) -> EventTable:
    """Every event with its undone flag, in id order, as one consistent snapshot.

    `unix_ts` is the SQL expression turning the stored `ts` into Unix seconds; `item_rows`
    gives an item's row in the catalogue (a dictionary look-up beats a join by far)."""
    began = not connection.in_transaction
    if began:
        connection.execute("BEGIN")  # one snapshot for every query below (WAL)
    try:
        return _read(connection, unix_ts, item_rows)
    finally:
        if began and connection.in_transaction:
            connection.execute("COMMIT")


CHUNK = 100_000  # events read at a time: the texts of a million at once made the peak of
# opening (a text object per event for kinds, sessions and items: 250 MB more at a million)


def _read(connection: sqlite3.Connection, unix_ts: str,
          item_rows: Mapping[str, int]) -> EventTable:
    count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    kinds_seen: dict[str, int] = {}  # names by first appearance, over every chunk
    sessions_seen: dict[str, int] = {}
    other_items: dict[int, str] = {}
    parts: list[tuple[np.ndarray, ...]] = []
    done, after = 0, -(2 ** 63)
    while done < count:
        ids, undone, ts, kinds, sessions, rows = _read_chunk(
            connection, unix_ts, item_rows, after, min(CHUNK, count - done), done,
            kinds_seen, sessions_seen, other_items)
        if not len(ids):
            raise sqlite3.DatabaseError("the events table changed while it was read")
        parts.append((ids, undone, ts, kinds, sessions, rows))
        done, after = done + len(ids), int(ids[-1])
    ids, undone, ts, kinds, sessions, rows = (
        np.concatenate([part[column] for part in parts]) if parts else empty
        for column, empty in enumerate((np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0),
                                        np.zeros(0, np.int32), np.zeros(0, np.int32),
                                        np.zeros(0, np.int64))))
    del parts
    values = read_reals(connection, "value", "events", "id", count)
    return EventTable(ids=ids, ts=ts, values=values,
                      kinds=kinds, kind_names=list(kinds_seen), sessions=sessions,
                      session_names=list(sessions_seen), item_rows=rows,
                      other_items=other_items, undone=undone)


def _read_chunk(connection: sqlite3.Connection, unix_ts: str, item_rows: Mapping[str, int],
                after: int, limit: int, first: int, kinds_seen: dict[str, int],
                sessions_seen: dict[str, int], other_items: dict[int, str]
                ) -> tuple[np.ndarray, ...]:
    """The `limit` events after id `after` (the `first`-th on), in id order: ids, undone
    flags, times, kind and session codes (names added to the dictionaries as met), catalogue
    rows (items not in the catalogue added to `other_items` by position)."""
    chunk = f"(SELECT id, item_id, kind, session_id, ts FROM events WHERE id > {after:d}" \
        f" ORDER BY id LIMIT {limit:d})"
    (count, ids_text, items_text, undone_text, kinds_text, sessions_text,
     ts_text) = connection.execute(
        f"SELECT count(*), group_concat(id), group_concat(item_id, '{SEPARATOR}'),"
        " group_concat(id IN (SELECT event_id FROM event_undos)),"
        f" group_concat(kind, '{SEPARATOR}'), group_concat(session_id, '{SEPARATOR}'),"
        f" group_concat(ts, '') FROM {chunk}").fetchone()

    def integers(text: str | None) -> np.ndarray:
        """A comma-separated aggregate of integers (parsed in C: a million in milliseconds)."""
        if not count:
            return np.zeros(0, np.int64)
        parsed = np.fromstring(text, dtype=np.int64, sep=",")
        if len(parsed) != count:
            raise sqlite3.DatabaseError("the events table changed while it was read")
        return parsed

    ids, undone = integers(ids_text), integers(undone_text).astype(bool)
    if (np.diff(ids) <= 0).any():
        raise sqlite3.DatabaseError("the events came out of id order")
    kinds, sessions = _split(kinds_text, count), _split(sessions_text, count)
    items = _split(items_text, count)
    del kinds_text, sessions_text, items_text
    if kinds is None or sessions is None or items is None:  # a text held the separator
        fetched = connection.execute(f"SELECT kind, session_id, item_id FROM {chunk}").fetchall()
        kinds, sessions, items = ([row[part] for row in fetched] for part in range(3))
    ts = _times(connection, ts_text, ids, unix_ts)
    rows = rows_of(item_rows, items)
    other_items.update((first + int(position), items[position])
                       for position in np.flatnonzero(rows < 0).tolist())
    return (ids, undone, ts, _codes(kinds, kinds_seen), _codes(sessions, sessions_seen), rows)


def _codes(texts: list[str], seen: dict[str, int]) -> np.ndarray:
    """Each text's code: its place among the distinct texts met so far (new ones added)."""
    for name in dict.fromkeys(texts):
        seen.setdefault(name, len(seen))
    return np.fromiter(map(seen.__getitem__, texts), np.int32, len(texts))


TIME_WIDTH = 27  # "2026-01-01T12:00:00.250000Z" (the schema keeps every stored time so)
# Whole seconds from 1970 from which a time read here equals SQLite's `UNIX_TS` to the bit:
# whole seconds plus the fraction, each exact or correctly rounded, then one rounded sum.
# SQLite's fraction may be 1 ulp off the correctly rounded one, which from 2^16 seconds on
# never changes the sum's rounding (a sum of n + k/10^6 is never within 2^-52 of a rounding
# boundary of the sum unless exactly on one, where both fractions are exact).
EXACT_FROM = 2 ** 16


def _times(connection: sqlite3.Connection, joined: str | None, ids: np.ndarray,
           unix_ts: str) -> np.ndarray:
    """Each event's time as Unix seconds, parsed by numpy from the stored texts; those that
    are not plain (out of range, or a text of another width) are computed by SQLite."""
    count = len(ids)
    if count == 0:
        return np.zeros(0)
    raw = np.frombuffer((joined or "").encode("ascii", "replace"), dtype=np.uint8)
    if len(raw) != count * TIME_WIDTH:  # some text is not of the fixed width: ask SQLite
        return np.fromiter((row[0] for row in connection.execute(
            f"SELECT {unix_ts} FROM events WHERE id >= {int(ids[0]):d} AND id <= {int(ids[-1]):d}"
            " ORDER BY id")), np.float64, count)
    chars = raw.reshape(count, TIME_WIDTH)

    def number(start: int, width: int) -> np.ndarray:
        value = np.zeros(count, dtype=np.int64)
        for position in range(start, start + width):
            value *= 10
            value += chars[:, position]
            value -= ord("0")
        return value

    digits = [*range(0, 4), *range(5, 7), *range(8, 10), *range(11, 13), *range(14, 16),
              *range(17, 19), *range(20, 26)]
    marks = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 26: "Z"}
    year, month, day = number(0, 4), number(5, 2), number(8, 2)
    hour, minute, second, micros = number(11, 2), number(14, 2), number(17, 2), number(20, 6)
    plain = np.ones(count, dtype=bool)
    for position in digits:
        plain &= (chars[:, position] >= ord("0")) & (chars[:, position] <= ord("9"))
    for position, mark in marks.items():
        plain &= chars[:, position] == ord(mark)
    shifted = year - (month <= 2)
    era = shifted // 400
    of_era = shifted - era * 400
    of_year = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    days = era * 146097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[
        np.clip(month - 1, 0, 11)] + ((month == 2) & leap)
    plain &= ((month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days) & (hour <= 23)
              & (minute <= 59) & (second <= 59) & (seconds >= EXACT_FROM))
    ts = seconds.astype(np.float64) + micros / 1e6
    odd = np.flatnonzero(~plain)
    if len(odd):
        for start in range(0, len(odd), 500):
            chunk = ids[odd[start: start + 500]].tolist()
            found = dict(connection.execute(
                f"SELECT id, {unix_ts} FROM events WHERE id IN ({','.join('?' * len(chunk))})",
                chunk))
            ts[odd[start: start + 500]] = [found[event_id] for event_id in chunk]
    return ts
