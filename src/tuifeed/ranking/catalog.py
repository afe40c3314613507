"""The candidates as numpy columns that grow, so one scoring pass covers a million items.

Rows are the store's item codes minus one: assigned once, in insertion order, so a row, a
topic code or a creator code never changes while the app runs or between runs. Items that
arrive are appended (`extend`); nothing already learned or masked is renumbered. Topics are a
sparse item x topic matrix in CSR form (row pointers, topic codes, weights), never dense.
Only what ranking needs lives here (no titles or descriptions: at 100k items they would
double the time to open); an item's full record is read on demand (`item_at`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from tuifeed.models import Item, creator_key
from tuifeed.ranking.item_index import ItemIndex
from tuifeed.ranking.word_term import WordMatrix, words_of

__all__ = ["Catalog", "CatalogRows", "CodedTexts", "creator_key"]

# Quality is likes per view, smoothed as if each item had this many extra average views.
QUALITY_SMOOTHING_VIEWS = 200.0
# An item whose duration no source gave (YouTube feeds send none) is taken to be this long
# when a dwell is turned into a fraction watched, until playback or a later fetch says.
UNKNOWN_DURATION = 60.0
ITEM_CACHE_SIZE = 2048
# Texts are read into words this many items at a time: reading a million at once made five
# million token objects at once (300 MB at the peak of opening); the matrix is the same.
WORDS_BATCH = 50_000
# Lengths are learned in bands on a log scale: band b holds durations in
# (SHORTEST_BAND * 2^(b-1), SHORTEST_BAND * 2^b] seconds (band 0: up to 5 s, 1: 5-10 s,
# 2: 10-20 s, 3: 20-40 s, ...); the last band takes everything longer.
SHORTEST_BAND = 5.0
LENGTH_BANDS = 10


def length_band(duration):
    """The band of each duration (see SHORTEST_BAND); -1 where it is unknown (NaN or <= 0)."""
    duration = np.asarray(duration, dtype=np.float64)
    known = np.isfinite(duration) & (duration > 0)
    safe = np.where(known, duration, SHORTEST_BAND)
    bands = np.clip(np.ceil(np.log2(safe / SHORTEST_BAND) - 1e-9), 0, LENGTH_BANDS - 1)
    return np.where(known, bands, -1).astype(np.int8)


def band_label(band: int) -> str:
    """ "10-20 s", "up to 5 s", "over 21 min" """
    if band < 0:
        return "unknown length"
    high = SHORTEST_BAND * 2 ** band
    if band == 0:
        return f"up to {high:g} s"
    low = high / 2
    if band == LENGTH_BANDS - 1:
        return f"over {_seconds(low)}"
    return f"{_seconds(low)}-{_seconds(high)}"


def _seconds(value: float) -> str:
    return f"{value:g} s" if value < 120 else f"{value / 60:g} min"


def contiguous(rows: np.ndarray | slice | None, size: int) -> tuple[int, int] | None:
    """(start, stop) when `rows` is a slice of consecutive rows of `size` (a ranking's
    block): their entries are then one run of a CSR matrix's, read without gathering."""
    if not isinstance(rows, slice):
        return None
    start, stop, step = rows.indices(size)
    return (start, max(start, stop)) if step == 1 else None


def entries_of(ptr: np.ndarray, rows: np.ndarray | slice
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of a CSR matrix's pointers, the entries of the `rows` given (an array, or a slice of
    rows), each row's in order; for each entry its place in `rows`; each row's count."""
    if isinstance(rows, slice):
        start, stop, step = rows.indices(len(ptr) - 1)
        if step == 1:
            stop = max(start, stop)
            counts = np.diff(ptr[start: stop + 1])
            return (np.arange(ptr[start], ptr[stop]),
                    np.repeat(np.arange(stop - start), counts), counts)
        rows = np.arange(start, stop, step)
    rows = np.asarray(rows, dtype=np.int64)
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    total = int(counts.sum())
    entries = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
    return entries, np.repeat(np.arange(len(rows)), counts), counts


TOTALS_BLOCK = 65_536


def ordered_totals(codes: np.ndarray, values: np.ndarray, of_entry: np.ndarray,
                   size: int) -> np.ndarray:
    """np.bincount(codes, values[of_entry], minlength=size), a block of entries at a time:
    np.add.at adds in entry order as bincount does, so each total is the very same sum,
    without a gathered array as long as the entries (16 MiB at 2M)."""
    totals = np.zeros(size)
    for start in range(0, len(codes), TOTALS_BLOCK):
        part = slice(start, start + TOTALS_BLOCK)
        np.add.at(totals, codes[part], values[of_entry[part]])
    return totals


class Column:
    """A numpy column that is appended to in amortised O(1), never rebuilt. An empty column
    extended by an array that owns its memory takes that array itself: the caller hands it
    over (Catalog._append makes each one for it; a slice of kept rows is a view, copied)."""

    def __init__(self, dtype, fill=0) -> None:
        self._data = np.full(16, fill, dtype=dtype)
        self._fill = fill
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=self._data.dtype)
        if not self.size and len(values) > len(self._data) and _own(values):
            self._data, self.size = values, len(values)  # taken as it is (a catalogue read
            return  # whole: 12 copies of a million rows saved)
        needed = self.size + len(values)
        if needed > len(self._data):
            grown = np.full(max(needed, 2 * len(self._data)), self._fill, self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size: needed] = values
        self.size = needed

    def truncate(self, size: int) -> None:
        self.size = size


def _own(values: np.ndarray) -> bool:
    """An array nothing else refers to through its memory (made for the call, not a view of
    another), contiguous and writable: a column may take it rather than copy it."""
    return (values.base is None and values.flags.c_contiguous and values.flags.writeable
            and values.ndim == 1)


@dataclass(frozen=True, eq=False)  # (an array's == is not a truth: compare list(...))
class CodedTexts:
    """Many texts drawn from a few distinct ones (the source or the language of each item):
    each text as its code into `names`. A million source names as a list of strings took
    0.3 s to read back and code again at every open; as codes, a slice of an array."""

    codes: np.ndarray  # int32, each in 0..len(names) - 1
    names: list[str]

    @classmethod
    def of(cls, texts: Sequence[str]) -> "CodedTexts":
        known: dict[str, int] = {}
        codes = np.fromiter((known.setdefault(text, len(known)) for text in texts), np.int32,
                            len(texts))
        return cls(codes, list(known))

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return CodedTexts(self.codes[at], self.names)
        return self.names[int(self.codes[at])]

    def __iter__(self) -> Iterator[str]:
        return map(self.names.__getitem__, self.codes.tolist())

    def recoded(self, code_of: Callable[[str], int]) -> np.ndarray:
        """Each text's code as `code_of` gives it (int32), asked once per name present, in
        the order of the names (as `sorted(set(texts))` would ask)."""
        present = np.flatnonzero(np.bincount(self.codes, minlength=len(self.names)))
        lookup = np.full(len(self.names), -1, np.int32)
        for code in sorted(present.tolist(), key=self.names.__getitem__):
            lookup[code] = code_of(self.names[code])
        return lookup[self.codes]


def _codes_of(texts: Sequence[str], code_of: Callable[[str], int]) -> np.ndarray:
    """Each text's code (int32), `code_of` asked once per distinct text, in sorted order."""
    if isinstance(texts, CodedTexts):
        return texts.recoded(code_of)
    lookup = {name: code_of(name) for name in sorted(set(texts))}
    return np.fromiter(map(lookup.__getitem__, texts), np.int32, len(texts))


@dataclass
class CatalogRows:
    """Items as the store hands them over, by code ascending (new ones, or changed ones).

    Topic and creator codes are the store's (1-based); `topic_ptr` delimits each item's
    topics in `topic_codes`, main topic first.
    """

    codes: np.ndarray
    ids: list[str]
    sources: Sequence[str]  # a list, or CodedTexts
    creator_codes: np.ndarray
    published: np.ndarray  # NaN when unknown
    duration: np.ndarray  # NaN when unknown
    views: np.ndarray  # NaN when unknown
    likes: np.ndarray
    short_form: np.ndarray
    topic_ptr: np.ndarray
    topic_codes: np.ndarray
    new_topics: list[str] = field(default_factory=list)  # names of topic codes not yet known
    new_creators: list[tuple[str, str]] = field(default_factory=list)  # (key, name)
    texts: list[str] | None = None  # title and description, for the words term
    languages: Sequence[str] | None = None  # primary language subtags; "" (or None) unknown
    # Or the texts as runs, each one string of consecutive texts joined by `text_separator`
    # (a million texts as objects made the peak of opening; a run becomes texts when read).
    text_runs: list[str] | None = None
    text_separator: str = "\x1f"

    def __len__(self) -> int:
        return len(self.codes)

    def texts_between(self, start: int, stop: int) -> Iterator[list[str]]:
        """The texts of rows start..stop, WORDS_BATCH at a time at most ("" where none)."""
        if self.texts is None and self.text_runs is not None:
            offset = 0
            for run in self.text_runs:
                if offset >= stop:
                    break
                size = run.count(self.text_separator) + 1
                if offset + size > start:
                    texts = run.split(self.text_separator)
                    yield from _batches(texts[max(start - offset, 0): stop - offset])
                offset += size
            return
        texts = self.texts if self.texts is not None else [""] * len(self)
        yield from _batches(texts[start:stop])

    def all_texts(self) -> list[str] | None:
        if self.texts is None and self.text_runs is not None:
            return [text for texts in self.texts_between(0, len(self)) for text in texts]
        return self.texts


def _batches(texts: list[str]) -> Iterator[list[str]]:
    for part in range(0, len(texts), WORDS_BATCH):
        yield texts[part: part + WORDS_BATCH]


class Catalog:
    """Items indexed 0..n-1 with their topic and creator codes and numeric features."""

    def __init__(self, load_item: Callable[[int], Item] | None = None) -> None:
        self._load_item = load_item
        self._items: OrderedDict[int, Item] = OrderedDict()
        self._items_lock = threading.Lock()
        self.ids: list[str] = []
        self.index = ItemIndex(self.ids)  # item id -> row, as a dict would answer
        self.source_names: list[str] = []  # the sources' names, indexed by source code
        self._source_codes = Column(np.int32)
        self.language_names: list[str] = []  # languages met ("en", "fr"), by language code
        self._language_codes = Column(np.int32, -1)  # -1: no source said
        self.topics: list[str] = []
        self.topic_index: dict[str, int] = {}
        self.creators: list[str] = []  # keys: "youtube:UC...", "demo:gatorgrace"
        self.creator_names: list[str] = []
        self.creator_index: dict[str, int] = {}
        self._creator_codes = Column(np.int32)
        self._main_topic = Column(np.int32, -1)
        self._published = Column(np.float64)
        self._duration = Column(np.float64)
        self._duration_known = Column(bool)
        self._views = Column(np.float64)
        self._likes = Column(np.float64)
        self._short_form = Column(bool)
        self._topic_ptr = Column(np.int64)
        self._topic_ptr.extend([0])
        self._topic_codes = Column(np.int32)
        self._topic_rows = Column(np.int32)
        self._length_band = Column(np.int8, -1)  # (LENGTH_BANDS of them)
        self.word_matrix = WordMatrix()
        self.version = 0  # bumped whenever rows are added or change

    @classmethod
    def from_items(cls, items: Sequence[Item]) -> "Catalog":
        """A catalogue held in memory (simulations, replay and tests), same numbering rules."""
        catalog = cls()
        topic_codes: dict[str, int] = {}
        creator_codes: dict[str, int] = {}
        new_topics, new_creators = [], []
        ptr, codes = [0], []
        for item in items:
            for topic in dict.fromkeys(item.topics):
                if topic not in topic_codes:
                    topic_codes[topic] = len(topic_codes) + 1
                    new_topics.append(topic)
                codes.append(topic_codes[topic])
            ptr.append(len(codes))
            key = creator_key(item)
            if key not in creator_codes:
                creator_codes[key] = len(creator_codes) + 1
                new_creators.append((key, item.creator))
        n = len(items)
        rows = CatalogRows(
            codes=np.arange(1, n + 1), ids=[item.id for item in items],
            sources=[item.source for item in items],
            creator_codes=np.fromiter((creator_codes[creator_key(item)] for item in items),
                                      np.int64, n),
            published=np.fromiter((item.published for item in items), np.float64, n),
            duration=np.fromiter((item.duration or np.nan for item in items), np.float64, n),
            views=np.fromiter((item.views for item in items), np.float64, n),
            likes=np.fromiter((item.likes for item in items), np.float64, n),
            short_form=np.fromiter((item.short_form for item in items), bool, n),
            topic_ptr=np.array(ptr, np.int64), topic_codes=np.array(codes, np.int64),
            new_topics=new_topics, new_creators=new_creators,
            texts=[f"{item.title}\n{item.description}" for item in items],
            languages=[item.language for item in items],
        )
        catalog.extend(rows)
        catalog._items.update((row, item) for row, item in enumerate(items))
        catalog._load_item = None
        catalog._keep_all = True
        return catalog

    _keep_all = False

    def __len__(self) -> int:
        return len(self.ids)

    # -- columns ------------------------------------------------------------------------------

    @property
    def creator_codes(self) -> np.ndarray:
        return self._creator_codes.values

    @property
    def main_topic(self) -> np.ndarray:
        """The first topic of each item, its main one (used by the diversity window); -1 if none."""
        return self._main_topic.values

    @property
    def published(self) -> np.ndarray:
        return self._published.values

    @property
    def duration(self) -> np.ndarray:
        """Seconds, with UNKNOWN_DURATION where no source said (see duration_known)."""
        return self._duration.values

    @property
    def duration_known(self) -> np.ndarray:
        return self._duration_known.values

    @property
    def length_band(self) -> np.ndarray:
        """Each item's length band (see length_band()); -1 where no source gave a duration."""
        return self._length_band.values

    @property
    def views(self) -> np.ndarray:
        return self._views.values

    @property
    def likes(self) -> np.ndarray:
        return self._likes.values

    @property
    def short_form(self) -> np.ndarray:
        return self._short_form.values

    @property
    def source_codes(self) -> np.ndarray:
        return self._source_codes.values

    @property
    def language_codes(self) -> np.ndarray:
        """Each item's language code (an index into language_names), -1 when unknown."""
        return self._language_codes.values

    def _language_code(self, name: str | None) -> int:
        if not name:
            return -1
        if name not in self.language_names:
            self.language_names.append(name)
        return self.language_names.index(name)

    def from_sources(self, names: set[str] | frozenset[str]) -> np.ndarray:
        """A mask over items: those brought by one of these sources."""
        wanted = np.fromiter((name in names for name in self.source_names), bool,
                             len(self.source_names))
        return wanted[self.source_codes]  # (a look-up: np.isin took 20 ms at 1M items)

    def creator_names_at(self, rows: np.ndarray) -> set[str]:
        """The creators' display names of the items at these rows, as their records name
        them (a record's name is its creator's, but for items held in memory)."""
        if self._keep_all:
            return {self._items[row].creator for row in set(np.asarray(rows).tolist())}
        present = np.zeros(len(self.creators), dtype=bool)
        present[self.creator_codes[rows]] = True
        return {self.creator_names[code] for code in np.flatnonzero(present).tolist()}

    def creators_named(self, name: str) -> list[int]:
        """Creator codes whose key or display name is `name` (steering goes by either)."""
        if name in self.creator_index:
            return [self.creator_index[name]]
        return [code for code, shown in enumerate(self.creator_names) if shown == name]

    def _source_code(self, name: str) -> int:
        if name not in self.source_names:
            self.source_names.append(name)
        return self.source_names.index(name)

    # -- the sparse item x topic matrix -------------------------------------------------------

    @property
    def topic_ptr(self) -> np.ndarray:
        return self._topic_ptr.values

    @property
    def topic_codes(self) -> np.ndarray:
        return self._topic_codes.values

    @property
    def topic_rows(self) -> np.ndarray:
        """The row of each entry of topic_codes (the matrix in coordinate form)."""
        return self._topic_rows.values

    def spread_topics(self, per_topic: np.ndarray, rows: np.ndarray | slice | None = None
                      ) -> np.ndarray:
        """Per item, the average of `per_topic` over the item's topics (0 for none); for
        every item, or for the `rows` given (each the very number of the whole: its topics
        summed in the same order)."""
        # Each entry weighs 1 / its item's topics: worked out here, not kept (16 MiB at 1M).
        ptr = self.topic_ptr
        if rows is None:
            counts = np.diff(ptr)
            weights = np.repeat(1.0 / np.maximum(counts, 1), counts)
            weights *= per_topic[self.topic_codes]
            return np.bincount(self.topic_rows, weights, minlength=len(self))
        block = contiguous(rows, len(self))
        if block is not None:  # a ranking's block: its entries are one run (the same sums)
            start, stop = block
            first, last = ptr[start], ptr[stop]
            local = self.topic_rows[first:last] - start
            weights = (1.0 / np.maximum(np.diff(ptr[start: stop + 1]), 1))[local]
            weights *= per_topic[self.topic_codes[first:last]]
            return np.bincount(local, weights, minlength=stop - start)
        entries, local, counts = entries_of(ptr, rows)
        weights = np.repeat(1.0 / np.maximum(counts, 1), counts)
        weights *= per_topic[self.topic_codes[entries]]
        return np.bincount(local, weights, minlength=len(counts))

    def topic_totals(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per topic, the sum of `values` over the given rows' topics (each topic counted
        in full for every item carrying it)."""
        n_topics = len(self.topics)
        if len(rows) * 4 < len(self):  # few rows: gather their own entries
            ptr = self.topic_ptr
            starts, ends = ptr[rows], ptr[rows + 1]
            counts = ends - starts
            if not counts.sum():
                return np.zeros(n_topics)
            entry = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            return np.bincount(self.topic_codes[entry], np.repeat(values, counts),
                               minlength=n_topics)
        per_item = np.bincount(rows, values, minlength=len(self))
        return ordered_totals(self.topic_codes, per_item, self.topic_rows, n_topics)

    def rows_with_topic(self, code: int) -> np.ndarray:
        """A mask over items: those carrying this topic."""
        mask = np.zeros(len(self), dtype=bool)
        mask[self.topic_rows[self.topic_codes == code]] = True
        return mask

    def topics_of(self, row: int) -> tuple[str, ...]:
        ptr = self.topic_ptr
        return tuple(self.topics[code] for code in self.topic_codes[ptr[row]: ptr[row + 1]])

    # -- items --------------------------------------------------------------------------------

    def item(self, item_id: str) -> Item:
        return self.item_at(self.index[item_id])

    def item_at(self, row: int) -> Item:
        """The full record of one item, read from the store on demand (kept in a small cache;
        a ranking worker and the UI thread both read it, hence the lock)."""
        with self._items_lock:
            cached = self._items.get(row)
            if cached is not None:
                if not self._keep_all:
                    self._items.move_to_end(row)
                return cached
            if self._load_item is None:
                raise KeyError(row)
            item = self._load_item(row + 1)
            self._items[row] = item
            if len(self._items) > ITEM_CACHE_SIZE:
                self._items.popitem(last=False)
            return item

    @property
    def items(self) -> "_ItemList":
        return _ItemList(self)

    # -- growing ------------------------------------------------------------------------------

    def extend(self, rows: CatalogRows) -> tuple[int, int]:
        """Take in new and changed rows; returns (added, changed)."""
        for name in rows.new_topics:
            if name not in self.topic_index:
                self.topic_index[name] = len(self.topics)
                self.topics.append(name)
        for key, name in rows.new_creators:
            if key not in self.creator_index:
                self.creator_index[key] = len(self.creators)
                self.creators.append(key)
                self.creator_names.append(name)
        if not len(rows):
            return 0, 0
        n = len(self)
        positions = rows.codes - 1
        fresh = positions >= n
        changed = np.flatnonzero(~fresh)
        if changed.size:
            self._update(rows, changed)
        added = np.flatnonzero(fresh)
        if added.size:
            if positions[added[0]] != n or (np.diff(positions[added]) != 1).any():
                raise ValueError("catalogue rows must arrive in code order without gaps")
            self._append(rows, added)
        self.version += 1
        return int(added.size), int(changed.size)

    def _append(self, rows: CatalogRows, picked: np.ndarray) -> None:
        """New rows, in one pass of numpy (`picked` is a contiguous run of the batch)."""
        first, start, stop = len(self), int(picked[0]), int(picked[-1]) + 1
        self.ids.extend(rows.ids[start:stop])
        self.index.add(first)
        self._source_codes.extend(_codes_of(rows.sources[start:stop], self._source_code))
        languages = rows.languages[start:stop] if rows.languages is not None else []
        self._language_codes.extend(_codes_of(languages, self._language_code)
                                    if len(languages) else np.full(stop - start, -1))
        self._creator_codes.extend(rows.creator_codes[start:stop] - 1)
        self._published.extend(np.nan_to_num(rows.published[start:stop], nan=0.0))
        duration = rows.duration[start:stop]
        known = np.isfinite(duration) & (duration > 0)
        self._duration_known.extend(known)
        self._duration.extend(np.where(known, duration, UNKNOWN_DURATION))
        self._length_band.extend(length_band(duration))
        if rows.texts is None and rows.text_runs is None:  # no text (kept words come apart)
            self.word_matrix.extend_empty(stop - start)
        else:
            for texts in rows.texts_between(start, stop):  # a token object each, a batch at
                self.word_matrix.extend(texts)  # a time
        self._views.extend(np.nan_to_num(rows.views[start:stop], nan=0.0))
        self._likes.extend(np.nan_to_num(rows.likes[start:stop], nan=0.0))
        self._short_form.extend(rows.short_form[start:stop])
        ptr = rows.topic_ptr[start: stop + 1]
        counts = np.diff(ptr)
        codes = rows.topic_codes[ptr[0]: ptr[-1]] - 1
        has = counts > 0
        main = np.full(len(counts), -1, dtype=np.int64)
        main[has] = rows.topic_codes[ptr[:-1][has]] - 1
        self._main_topic.extend(main)
        self._topic_codes.extend(codes)
        self._topic_rows.extend(np.repeat(np.arange(first, first + len(counts),
                                                    dtype=np.int32), counts))
        self._topic_ptr.extend(self._topic_ptr.values[-1] + np.cumsum(counts))

    def _update(self, rows: CatalogRows, picked: np.ndarray) -> None:
        """Rows already known whose numbers or topics changed (a later fetch)."""
        targets = rows.codes[picked] - 1
        for position, row in zip(picked, targets):
            self._source_codes.values[row] = self._source_code(rows.sources[position])
            if rows.languages is not None and rows.languages[position]:
                self._language_codes.values[row] = self._language_code(rows.languages[position])
            with self._items_lock:
                self._items.pop(int(row), None)
        self._creator_codes.values[targets] = rows.creator_codes[picked] - 1
        published = rows.published[picked]
        self._published.values[targets] = np.where(np.isfinite(published), published,
                                                   self._published.values[targets])
        duration = rows.duration[picked]
        known = np.isfinite(duration) & (duration > 0)
        self._duration.values[targets[known]] = duration[known]
        self._duration_known.values[targets[known]] = True
        self._length_band.values[targets[known]] = length_band(duration[known])
        all_texts = rows.all_texts()
        if all_texts is not None:
            matrix = self.word_matrix
            changed = {int(row): all_texts[position] for position, row in zip(picked, targets)
                       if words_of(all_texts[position]) != matrix.words_at(int(row))}
            if changed:
                matrix.replace(changed)
        for column, values in ((self._views, rows.views[picked]),
                               (self._likes, rows.likes[picked])):
            finite = np.isfinite(values)
            column.values[targets[finite]] = values[finite]
        self._short_form.values[targets] = rows.short_form[picked]
        self._replace_topics(rows, picked, targets)

    def _replace_topics(self, rows: CatalogRows, picked: np.ndarray, targets: np.ndarray) -> None:
        ptr = self.topic_ptr
        new = {int(row): rows.topic_codes[rows.topic_ptr[p]: rows.topic_ptr[p + 1]] - 1
               for p, row in zip(picked, targets)}
        if all(np.array_equal(codes, self.topic_codes[ptr[row]: ptr[row + 1]])
               for row, codes in new.items()):
            return
        # Rare (a source sent new tags for a known item): rebuild the matrix in one pass.
        per_row = [new.get(row, self.topic_codes[ptr[row]: ptr[row + 1]])
                   for row in range(len(self))]
        counts = np.fromiter((len(codes) for codes in per_row), np.int64, len(per_row))
        for column in (self._topic_codes, self._topic_rows):
            column.truncate(0)
        self._topic_ptr.truncate(0)
        self._topic_ptr.extend(np.concatenate([[0], np.cumsum(counts)]))
        if counts.sum():
            self._topic_codes.extend(np.concatenate(per_row))
            self._topic_rows.extend(np.repeat(np.arange(len(per_row)), counts))
        self._main_topic.values[:] = [codes[0] if len(codes) else -1 for codes in per_row]

    def freshness(self, now: float, half_life_days: float,
                  rows: np.ndarray | slice | None = None) -> np.ndarray:
        """2^(-age / half-life) for every item (1 for an item dated after `now`), or for the
        `rows` given.

        2^(-(now - published)/h) = 2^((published - p0)/h) * 2^(-(now - p0)/h): the first
        factor is kept until the catalogue changes, so a key press pays one multiply."""
        seconds = half_life_days * 86400.0
        # One tuple, read and replaced whole: rankings in other threads (a block of this one,
        # Compare's other recipe with another half-life) never see one's origin with
        # another's factor.
        kept = self._freshness
        if kept is None or kept[0] != (self.version, seconds):
            origin = float(self.published.max()) if len(self) else 0.0
            kept = self._freshness = ((self.version, seconds), origin,
                                      np.exp2((self.published - origin) / seconds))
        _, origin, factor = kept
        factor = factor if rows is None else factor[rows]
        return np.minimum(factor * np.exp2(-(now - origin) / seconds), 1.0)

    _freshness: tuple[tuple[int, float], float, np.ndarray] | None = None

    _features: tuple[int, np.ndarray, np.ndarray] | None = None

    @property
    def quality(self) -> np.ndarray:
        """Each item's likes per view against the catalogue's, smoothed, in [-1, 1]."""
        return self._item_features()[1]

    @property
    def popularity(self) -> np.ndarray:
        """Each item's views on a log scale, in [0, 1]."""
        return self._item_features()[2]

    def _item_features(self) -> tuple[int, np.ndarray, np.ndarray]:
        """Item-only features, weighted by the recipe: worked out when first asked after the
        catalogue changed (not while a home opens and learns: 16 MiB at 1M items)."""
        features = self._features
        if features is None or features[0] != self.version:
            views, likes = self.views, self.likes
            mean_rate = (likes.sum() + 1.0) / (views.sum() + 1.0)
            rate = ((likes + QUALITY_SMOOTHING_VIEWS * mean_rate)
                    / (views + QUALITY_SMOOTHING_VIEWS))
            features = self._features = (
                self.version, np.clip(np.log2(rate / mean_rate), -1.0, 1.0),
                np.clip(np.log10(views + 1) / 7, 0.0, 1.0))
        return features


class _ItemList(Sequence):
    """catalog.items[row]: items by row, read on demand."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def __len__(self) -> int:
        return len(self._catalog)

    def __getitem__(self, row):  # type: ignore[override]
        if isinstance(row, slice):
            return [self._catalog.item_at(r) for r in range(len(self))[row]]
        return self._catalog.item_at(range(len(self))[row])  # IndexError past the end

    def __iter__(self):
        return (self._catalog.item_at(row) for row in range(len(self)))


