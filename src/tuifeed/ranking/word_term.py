"""The words of an item's title and description, as the ranker's `words` term sees them.

Items from real sources often come without tags; their words still say what they are about.
A word is a run of letters, case folded (NFKC), a crude singular, at least three letters, and
not a stop word of the catalogue's languages (English, French, German, Spanish). Scripts
written without spaces (Chinese, Japanese, Korean) give their character pairs instead, so
"今日の街歩き" and "街歩きの日常" share 街歩 and 歩き.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import chain

import numpy as np

MAX_WORDS = 32  # an item's first distinct words; a long description says no more

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# Runs of letters, apostrophes splitting them (l'eau -> l, eau; the lone l is too short),
# and apart, runs of an unspaced script.
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W\d_{_CJK}]+")
_UNSPACED = re.compile(rf"[{_CJK}]")
_CACHE_LIMIT = 200_000  # distinct tokens remembered (a catalogue repeats its words a lot)

# Words that say nothing about what a video is about: English and French in full, the
# commonest German and Spanish ones (the languages the catalogue and its sources use most).
STOP_WORDS = frozenset("""
a about above after again against all almost also am an and any are aren as at be because
been before being below between both but by can could did didn do does doesn doing don down
during each even ever every few for from further get gets got had has have having he her here
hers herself him himself his how i if in into is isn it its itself just let ll me more most
much must my myself never new no nor not now of off on once one only or other our ours
ourselves out over own part really same see she should so some still such than that the their
theirs them themselves then there these they thing things this those through to too two under
until up upon us very via was we were what when where which while who whom why will with
within without would yet you your yours yourself yourselves
video videos official full episode ep live today day days week best top first last next three
vs like make made making way time times lot lots ever gonna wanna let's it's i'm don't can't
won't that's you're we're they're i've
au aux avec ce ceci cela celle celles celui ces cet cette chez comme comment dans de des du
elle elles en encore entre est et été être eu il ils je la le les leur leurs lui ma mais me
même mes moi mon ne ni nos notre nous on ont ou où par pas peu plus pour pourquoi quand que
quel quelle quelles quels qui quoi sa sans se ses si son sont sous sur ta te tes toi ton tous
tout toute toutes très tu un une vos votre vous voici voilà déjà aussi alors avoir fait faire
bien ça cest c'est j'ai qu'il qu'elle n'est vidéo vidéos nouvelle nouveau nouvel jour
der die das den dem des ein eine einer eines und oder mit von zu zum zur im ist nicht auf für
sich auch als aus bei nach wie wir ihr sie es noch nur schon
el la los las un una unos unas y o con por para del al es en lo que se su sus como más pero
muy ya este esta esto nuevo nueva vídeo
""".split())


def singular(word: str) -> str:
    """Enough of a singular for plurals to meet: gators -> gator, boxes -> box."""
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _word(token: str) -> tuple[str, ...]:
    """What one token gives: its word, its character pairs, or nothing (a stop word)."""
    if _UNSPACED.match(token):
        return tuple(token[i:i + 2] for i in range(max(len(token) - 1, 1)))
    if len(token) < 3 or token in STOP_WORDS:
        return ()
    word = singular(token)
    return () if word in STOP_WORDS else (word,)


_known: dict[str, tuple[str, ...]] = {}


def words_of(text: str) -> tuple[str, ...]:
    """The distinct words of a text, in order of first appearance (at most MAX_WORDS)."""
    found: dict[str, None] = {}
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold()):
        words = _known.get(token)
        if words is None:
            words = _word(token)
            if len(_known) < _CACHE_LIMIT:
                _known[token] = words
        for word in words:
            found[word] = None
        if len(found) >= MAX_WORDS:
            break
    return tuple(found)[:MAX_WORDS]


class WordMatrix:
    """The sparse item x word matrix, grown with the catalogue (codes never renumbered).

    An item's words are weighted by their rarity, idf = log(items / items with the word),
    normalised to sum to 1 over the item: a word most videos share says little. The weights
    change as the catalogue grows, so they are derived again when it does (`weights`).
    """

    def __init__(self) -> None:
        from tuifeed.ranking.catalog import Column

        self.words: list[str] = []
        self.index: dict[str, int] = {}
        self._ptr = Column(np.int64)
        self._ptr.extend([0])
        self._codes = Column(np.int32)
        self._rows = Column(np.int32)
        self._derived: tuple[int, np.ndarray, np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return self._ptr.size - 1

    @classmethod
    def of_arrays(cls, words: list[str], ptr: np.ndarray, codes: np.ndarray,
                  rows: np.ndarray, derived: tuple | None = None) -> "WordMatrix":
        """The matrix `arrays()` gave, in another process (feed/checkpoint.py), with what
        `derived()` gave of it there, if given (it is not made again)."""
        matrix = cls()
        matrix.words = list(words)
        matrix.index = {word: code for code, word in enumerate(matrix.words)}
        matrix._ptr.truncate(0)
        matrix._ptr.extend(ptr)
        matrix._codes.extend(codes)
        matrix._rows.extend(rows)
        if derived is not None:
            matrix._derived = (len(codes), *derived)
        return matrix

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The words and the matrix (pointers, word codes, item rows), as copies."""
        return list(self.words), self.ptr.copy(), self.codes.copy(), self.rows.copy()

    @property
    def ptr(self) -> np.ndarray:
        return self._ptr.values

    @property
    def codes(self) -> np.ndarray:
        return self._codes.values

    @property
    def rows(self) -> np.ndarray:
        return self._rows.values

    def _code(self, word: str) -> int:
        code = self.index.get(word)
        if code is None:
            code = self.index[word] = len(self.words)
            self.words.append(word)
        return code

    def extend(self, texts: Sequence[str]) -> None:
        """Append items' texts, each read as words_of() reads it, in one pass over all of
        them: a hundred thousand items at open must not cost a second. Each distinct token
        is read once; the rest is dictionary look-ups and numpy."""
        first = len(self)
        # Whitespace splits for free (in C); each distinct piece is then read once, as
        # words_of() reads a text (NFKC, case folded, _TOKEN), and remembered.
        joined = " \x00 ".join(texts)
        if joined.count("\x00") != len(texts) - 1:  # cleaned text has none; be sure
            joined = " \x00 ".join(text.replace("\x00", " ") for text in texts)
        tokens = (joined + " \x00").split()
        known: dict[str, tuple[int, ...]] = {"\x00": (-1,)}  # a token's word codes; -1 ends
        for token in set(tokens).difference(known):
            if token.isdigit():  # a number: no word (common: "Day 27", "#22")
                known[token] = ()
                continue
            if token.isascii() and token.isalpha():  # most tokens: no regex, no NFKC
                parts = [token.lower()]
            else:
                parts = _TOKEN.findall(unicodedata.normalize("NFKC", token).casefold())
            known[token] = tuple(dict.fromkeys(
                self._code(word) for part in parts for word in _word(part)))
        flat = np.fromiter(chain.from_iterable(map(known.__getitem__, tokens)), np.int64)
        ends = flat < 0
        items = (np.cumsum(ends) - ends)[~ends]  # each entry's item, counted from `first`
        codes = flat[~ends]
        # Each word once an item, in order of first appearance, at most MAX_WORDS of them.
        _, firsts = np.unique(items * (len(self.words) + 1) + codes, return_index=True)
        firsts.sort()
        items, codes = items[firsts], codes[firsts]
        counts = np.bincount(items, minlength=len(texts))
        kept = np.arange(len(items)) - (np.cumsum(counts) - counts)[items] < MAX_WORDS
        items, codes = items[kept], codes[kept]
        counts = np.bincount(items, minlength=len(texts))
        self._codes.extend(codes)
        self._rows.extend(items + first)
        self._ptr.extend(self.ptr[-1] + np.cumsum(counts))
        self._derived = None

    def extend_empty(self, count: int) -> None:
        """Append items without text: what extend([""] * count) gives, reading nothing."""
        self._ptr.extend(np.full(count, self.ptr[-1]))
        self._derived = None

    def replace(self, changed: dict[int, str]) -> None:
        """New texts for known rows (a later fetch): the matrix is laid out again, once."""
        ptr, codes = self.ptr, self.codes
        per_item = [[self._code(word) for word in words_of(changed[row])] if row in changed
                    else codes[ptr[row]: ptr[row + 1]].tolist() for row in range(len(self))]
        counts = np.fromiter(map(len, per_item), np.int64, len(per_item))
        for column in (self._codes, self._rows, self._ptr):
            column.truncate(0)
        self._ptr.extend(np.concatenate([[0], np.cumsum(counts)]))
        self._codes.extend([code for item_codes in per_item for code in item_codes])
        self._rows.extend(np.repeat(np.arange(len(per_item)), counts))
        self._derived = None

    def words_at(self, row: int) -> tuple[str, ...]:
        ptr = self.ptr
        return tuple(self.words[code] for code in self.codes[ptr[row]: ptr[row + 1]])

    def _derive(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each entry's weight (idf normalised over its item), and the entries by word
        (the postings: entry numbers sorted by word, and where each word's run starts)."""
        if self._derived is None or self._derived[0] != len(self.codes):
            codes, rows = self.codes, self.rows
            frequency = np.bincount(codes, minlength=len(self.words))
            idf = np.log(max(len(self), 1) / np.maximum(frequency, 1))[codes]
            totals = np.bincount(rows, idf, minlength=len(self))
            weights = np.divide(idf, totals[rows], out=np.zeros(len(codes)),
                                where=totals[rows] > 0)
            order = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[order], np.arange(len(self.words) + 1))
            self._derived = (len(codes), weights, order, starts)
        return self._derived[1:]

    def derived(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What ranking derives from the matrix (each entry's weight, the postings' order
        and starts): 0.1 s of a million-item home's first ranking, kept with it instead."""
        return self._derive()

    def weights(self) -> np.ndarray:
        """Each entry's weight: the word's idf over the sum of its item's."""
        return self._derive()[0]

    def spread(self, per_word: np.ndarray, items: int, rows: np.ndarray | slice | None = None
               ) -> np.ndarray:
        """Per item, the idf-weighted mean of `per_word` over its words. Only words whose
        value is not 0 are visited (through their postings): a viewer has touched a few
        hundred words, and a million-item catalogue is not walked entry by entry. With
        `rows`, for those items only: the very numbers of the whole (the same words summed
        in the same order)."""
        weights, order, starts = self._derive()
        if rows is not None:
            from tuifeed.ranking.catalog import contiguous, entries_of

            block = contiguous(rows, len(self.ptr) - 1)
            if block is not None:  # a ranking's block: one run of entries (the same sums)
                start, stop = block
                first, last = self.ptr[start], self.ptr[stop]
                values = per_word[self.codes[first:last]]
                touched = values != 0
                return np.bincount(self.rows[first:last][touched] - start,
                                   weights[first:last][touched] * values[touched],
                                   minlength=stop - start)
            entries, local, counts = entries_of(self.ptr, rows)
            values = per_word[self.codes[entries]]
            touched = values != 0  # (as flatnonzero reads them: NaN counts)
            return np.bincount(local[touched], weights[entries[touched]] * values[touched],
                               minlength=len(counts))
        touched = np.flatnonzero(per_word)
        if not len(touched):
            return np.zeros(items)
        lengths = starts[touched + 1] - starts[touched]
        entries = order[np.repeat(starts[touched] - np.cumsum(lengths) + lengths, lengths)
                        + np.arange(lengths.sum())]
        # Each item's words summed in the item's own order, not in word-code order: the codes
        # depend on the order items arrived, and the same history must give the same score
        # to the last bit in every home (an exported log imported elsewhere).
        entries.sort()
        return np.bincount(self.rows[entries], weights[entries] * per_word[self.codes[entries]],
                           minlength=items)

    def totals(self, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Per word, the sum of `values` over the given rows' words (each word in full).
        Summed a block of rows at a time, in order (np.add.at adds as bincount would: the
        same sums, without arrays as long as every entry of a million events)."""
        from tuifeed.ranking.catalog import TOTALS_BLOCK, entries_of

        totals = np.zeros(len(self.words))
        values = np.asarray(values)
        for start in range(0, len(rows), TOTALS_BLOCK):
            part = slice(start, start + TOTALS_BLOCK)
            entries, local, _ = entries_of(self.ptr, rows[part])
            np.add.at(totals, self.codes[entries], values[part][local])
        return totals
