"""Item id -> catalogue row, in 12 bytes an item instead of a dictionary's 60.

A million items' ids held in a dict cost 40 MiB of table and 28 MiB of row numbers (an int
object each beyond 256). Here the index is two numpy arrays over the catalogue's own list of
ids: each id's hash (Python's, of this process), sorted, and the row of each. A lookup is a
binary search for the hash and a comparison of the id found with the one asked for, so it
answers exactly as the dict did: the row of the last item given with that id, or nothing.
`rows_of` looks up many ids at once, in numpy (a log of a million events at open).

The table is made when first asked (or by `ready`), not when ids are added: at a million
items it takes 0.17 s, and Feed.open has a thread of its own make it while the log and the
model are read. The first ranking's context (the cards shown last, on the UI thread) waits
for it if it is not done.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import repeat
from operator import eq
from threading import Lock

import numpy as np

_NOT_FOUND = -1


class ItemIndex(Mapping):
    """Rows by item id over `ids` (the catalogue's list, which only grows by appending: the
    ids are appended there first, then `add`ed here)."""

    def __init__(self, ids: list[str]) -> None:
        self._ids = ids
        # (hashes sorted, the row of each; equal hashes in row order), replaced whole so a
        # reader in another thread sees one or the other.
        self._table = (np.zeros(0, np.int64), np.zeros(0, np.int32))
        self._size = 0  # ids[:size] are in the table
        self._given = 0  # ids[:given] were added (the rest of them go in when next asked)
        self._lock = Lock()  # one thread makes the table; the others wait for it
        self._distinct: tuple[int, int] | None = None  # (size, how many distinct ids)

    def add(self, start: int) -> None:
        """Index ids[start:] (rows start, start + 1, ...); start is how many are indexed."""
        with self._lock:
            if start != self._given:
                raise ValueError("item ids must be indexed in order, each once")
            self._given = len(self._ids)

    def ready(self) -> None:
        """Make the table now (in a thread of one's own, say), so no lookup waits for it."""
        self._current()

    def _current(self) -> tuple[np.ndarray, np.ndarray]:
        """The table, with every id added so far."""
        if self._size != self._given:
            with self._lock:
                if self._size != self._given:
                    self._table = self._with(self._size, self._given)
                    self._size = self._given
        return self._table

    def _with(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """The table with ids[start:stop] put in."""
        new = self._ids[start:stop]
        hashes = np.fromiter(map(hash, new), np.int64, len(new))
        order = np.argsort(hashes)  # (a stable sort of a million: 4 times as long)
        if (np.diff(hashes[order]) == 0).any():  # equal hashes (an id given twice): rows
            order = np.argsort(hashes, kind="stable")  # ascending
        dtype = np.int32 if stop <= np.iinfo(np.int32).max else np.int64
        hashes, rows = hashes[order], (order + start).astype(dtype)
        known, known_rows = self._table
        known_rows = known_rows.astype(dtype, copy=False)
        if len(known):  # after the equal hashes already there: rows stay ascending
            at = np.searchsorted(known, hashes, side="right")
            hashes, rows = np.insert(known, at, hashes), np.insert(known_rows, at, rows)
        return hashes, rows

    # -- one id ---------------------------------------------------------------------------------

    def _find(self, item_id) -> int:
        hashes, rows = self._current()
        code = hash(item_id)
        position = int(np.searchsorted(hashes, code, side="right")) - 1
        ids = self._ids
        while position >= 0 and hashes[position] == code:  # the last given first
            row = int(rows[position])
            if ids[row] == item_id:
                return row
            position -= 1
        return _NOT_FOUND

    def __getitem__(self, item_id) -> int:
        row = self._find(item_id)
        if row < 0:
            raise KeyError(item_id)
        return row

    def get(self, item_id, default=None):
        row = self._find(item_id)
        return default if row < 0 else row

    def __contains__(self, item_id) -> bool:
        return self._find(item_id) >= 0

    def __len__(self) -> int:
        """How many distinct ids (an id given twice is one key, as in a dict)."""
        hashes, rows = self._current()
        if self._distinct is None or self._distinct[0] != len(hashes):
            last = self._last_of_its_id(hashes, rows)
            self._distinct = (len(hashes), int(np.count_nonzero(last)))
        return self._distinct[1]

    def __iter__(self) -> Iterator[str]:
        """The ids in the order first given, once each (a dict's keys)."""
        return iter(dict.fromkeys(self._ids[: self._given]))

    def _last_of_its_id(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each entry of the table, whether no later row holds the same id."""
        last = np.ones(len(hashes), dtype=bool)
        ids = self._ids
        for position in np.flatnonzero(hashes[:-1] == hashes[1:]).tolist():  # (rare)
            later = position + 1
            while later < len(hashes) and hashes[later] == hashes[position]:
                if ids[int(rows[later])] == ids[int(rows[position])]:
                    last[position] = False
                    break
                later += 1
        return last

    # -- many ids -------------------------------------------------------------------------------

    def rows_of(self, item_ids: Iterable[str]) -> np.ndarray:
        """The row of each id (int64), -1 where there is none: what [index.get(id, -1) for
        id in item_ids] gives, in numpy."""
        item_ids = item_ids if isinstance(item_ids, list) else list(item_ids)
        count = len(item_ids)
        if not count:
            return np.zeros(0, np.int64)
        hashes, rows = self._current()
        codes = np.fromiter(map(hash, item_ids), np.int64, count)
        position = np.searchsorted(hashes, codes, side="right") - 1
        found = position >= 0
        found[found] = hashes[position[found]] == codes[found]
        result = np.full(count, _NOT_FOUND, np.int64)
        result[found] = rows[position[found]]
        # The last row of that hash must be the id asked for; else (a different id with the
        # same hash, rare) it is looked up one by one.
        asked = np.flatnonzero(found)
        same = np.fromiter(map(eq, map(self._ids.__getitem__, result[asked].tolist()),
                               map(item_ids.__getitem__, asked.tolist())), bool, len(asked))
        for at in asked[~same].tolist():
            result[at] = self._find(item_ids[at])
        return result


def rows_of(index: Mapping[str, int], item_ids: Iterable[str]) -> np.ndarray:
    """The row of each id in `index` (int64), -1 where it has none; an ItemIndex answers in
    numpy, any other mapping one id at a time."""
    if isinstance(index, ItemIndex):
        return index.rows_of(item_ids)
    item_ids = item_ids if isinstance(item_ids, list) else list(item_ids)
    return np.fromiter(map(index.get, item_ids, repeat(_NOT_FOUND)), np.int64, len(item_ids))
