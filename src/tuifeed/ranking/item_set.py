"""A set of item ids held as a mask over catalogue rows.

The items a viewer has seen are most of a large log's items (612k of a million): made as a
Python set of their ids, they took 0.11 s of every reopen (the liked, disliked and saved
ones 0.04 s more), and the ranker reads them as masks anyway (ViewerState.seen_mask). Here
the mask is the set: a membership test looks the id's row up in the catalogue's index. An
id no row holds (an item the catalogue lacks) is kept in a set beside the mask, so the set
answers as a set of ids would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, MutableSet, Sequence

import numpy as np


class ItemSet(MutableSet):
    """Item ids: those with a catalogue row as `mask[row]`, the others in a set until the
    catalogue has them. Rows past the mask's end (items that arrived since) are not in it
    until added. Each id has one row at most (the store's item ids are unique)."""

    def __init__(self, index: Mapping[str, int], ids: Sequence[str], mask: np.ndarray) -> None:
        self._index, self._ids = index, ids  # (the catalogue's own, which only grow)
        self._mask = mask  # replaced whole when it grows: read it once (see _copy)
        self._others: set[str] = set()  # ids without a row when they were added
        # Changes come from the UI thread's events, and from any thread that settles the
        # others in (a worker copying the mask): one at a time, so none is lost.
        self._lock = threading.Lock()

    @classmethod
    def of_rows(cls, index: Mapping[str, int], ids: Sequence[str],
                rows: np.ndarray) -> ItemSet:
        """The items at these catalogue rows (each below len(ids))."""
        mask = np.zeros(len(ids), dtype=bool)
        mask[rows] = True
        return cls(index, ids, mask)

    @classmethod
    def _from_iterable(cls, values: Iterable[str]) -> set[str]:
        return set(values)  # what `a - b`, `a & b` give: a plain set

    def _row(self, item_id: str) -> int:
        return self._index.get(item_id, -1)

    def __contains__(self, item_id: object) -> bool:
        if self._others and item_id in self._others:
            return True
        row = self._row(item_id) if isinstance(item_id, str) else -1
        mask = self._mask
        return 0 <= row < len(mask) and bool(mask[row])

    def add(self, item_id: str) -> None:
        with self._lock:
            self._add(item_id)

    def _add(self, item_id: str) -> None:
        row = self._row(item_id)
        if row < 0:
            self._others.add(item_id)
            return
        if row >= len(self._mask):  # replaced whole: a reader elsewhere sees one or the other
            grown = self._copy(row + 1)
            grown[row] = True
            self._mask = grown
        else:
            self._mask[row] = True

    def discard(self, item_id: str) -> None:
        with self._lock:
            self._others.discard(item_id)
            row = self._row(item_id)
            if 0 <= row < len(self._mask):
                self._mask[row] = False

    def _settle(self) -> None:
        """Ids held without a row that the catalogue has now go into the mask."""
        if not self._others:
            return
        with self._lock:
            for item_id in [item_id for item_id in self._others if item_id in self._index]:
                self._others.discard(item_id)
                self._add(item_id)

    def __len__(self) -> int:
        self._settle()
        return int(np.count_nonzero(self._mask)) + len(self._others)

    def __iter__(self) -> Iterator[str]:
        """Those with a row in row order, then the others."""
        self._settle()
        yield from map(self._ids.__getitem__, np.flatnonzero(self._mask).tolist())
        yield from list(self._others)

    def __copy__(self) -> ItemSet:
        """Another set of the same ids, its own from here on (over the same catalogue)."""
        copied = ItemSet(self._index, self._ids, self._copy(len(self._mask)))
        copied._others = set(self._others)
        return copied

    def __deepcopy__(self, memo: dict) -> ItemSet:
        return self.__copy__()  # (the catalogue's index and ids are shared, never copied)

    def __repr__(self) -> str:
        return f"ItemSet({len(self)} items)"

    def mask(self, size: int) -> np.ndarray:
        """A copy of the mask over `size` rows (rows beyond it: False)."""
        self._settle()
        return self._copy(size)

    def _copy(self, size: int) -> np.ndarray:
        held = self._mask  # (once: the UI thread may put a longer one in meanwhile)
        mask = np.zeros(max(size, len(held)), dtype=bool)
        mask[: len(held)] = held
        return mask[:size]

    def rows(self) -> np.ndarray | None:
        """The rows held, ascending; None when some ids have no row."""
        self._settle()
        return None if self._others else np.flatnonzero(self._mask)
