"""Word mutes that catch what a viewer means: a muted word hides its plurals and simple
inflections (English and French), whatever the case and accents, and its look-alike spellings,
but never a longer word that merely contains it.

A text is cut into words; each word is reduced to the few base forms it may be spelt from
(`word_keys`); a mute on a word hides an item when one of the muted word's spellings
(`mute_keys`) is among the base forms of the item's words. The rules, all of them:
- case and accents are ignored (Café = cafe), œ and æ are oe and ae;
- look-alikes inside a word that has a letter: @ a, 0 o, 1 i or l, 3 e, $ s; a leading @
  (a mention) or $ may also just be dropped;
- a letter stretched to three or more (caaat, cattt) counts once or twice;
- plurals: -s, -es after s x z ch sh (boxes), -ies (puppies: puppy), -ves (wolves: wolf,
  knives: knife), French -x after a vowel pair (jeux: jeu, chevaux: cheval);
- inflections: -ing and -ed (hiking: hike, stopped: stop), the possessive 's (the apostrophe
  cuts words), French feminines with a doubled consonant (chatte: chat, chienne: chien);
- a muted word is taken as the base form: `cat` hides cats, `cats` hides cats but not cat.
Digits other than 0, 1 and 3, hyphens, apostrophes, underscores and anything not a letter cut
words, so "cat-lover" holds the word cat and "concatenate" does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache, reduce
from itertools import chain, count, islice, product

import numpy as np

# A word: letters, and the look-alike characters that may stand for letters inside one.
_WORD = re.compile(r"(?:[^\W_2456789]|[@$])+")
_LETTER = re.compile(r"[^\W\d_\u00aa\u017f]")
# The index reads a whole catalogue with \w+ (much faster than _WORD's alternation), then
# cuts each distinct run at _CUT once: @ and $ are first written as the letters they stand
# for, ª and ſ, which only look-alike reading tells from a plain a and s.
_SCAN = re.compile(r"\w+")
_CUT = re.compile(r"[_2456789]+")
_PROTECT = str.maketrans({"\u00aa": "\ue000", "\u017f": "\ue001"})  # through NFKD and casefold
_RESTORE = str.maketrans({"\ue000": "\u00aa", "\ue001": "\u017f"})
_PLAIN = re.compile(r"[^\W\d_\u00aa\u017f]+")  # letters only, no look-alike
_LOOK_ALIKE = {"@": ("a",), "0": ("o",), "3": ("e",), "$": ("s",), "1": ("i", "l"),
               "\u00aa": ("a",), "\u017f": ("s",)}
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_STRETCH = re.compile(r"(.)\1\1+")
_ACCENTS = re.compile(r"[\u0300-\u036f]+")  # the combining diacritical marks
MAX_CHOICES = 4  # ambiguous characters in one word beyond these are read one way only
MIN_STEM = 3  # an inflection is taken off only when this much of the word remains
SIBILANT_ENDS = ("s", "x", "z", "ch", "sh")


def prepare(text: str) -> str:
    """Case folded and decomposed, the common accents dropped, before it is cut into words
    (so "İcat" is one word, as written, not "i" and "cat")."""
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text.casefold()))


def marked(text: str) -> str:
    """@ and $ written as ª and ſ (str.replace: translate is slow on long texts)."""
    if "@" in text:
        text = text.replace("@", "\u00aa")
    return text.replace("$", "\u017f") if "$" in text else text


def words(text: str) -> list[str]:
    """The words of a text, folded (look-alike characters kept inside them); a run with no
    letter ("10", "$$") is a number or a mark, not a word."""
    return [word for word in _WORD.findall(prepare(text)) if _LETTER.search(word)]


def fold(word: str) -> str:
    """Case folded, accents removed (ª and ſ, which stand for @ and $, are kept)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize(
        "NFKD", word.translate(_PROTECT).casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed
                   if not unicodedata.combining(char)).translate(_RESTORE)


def spellings(word: str) -> set[str]:
    """The letter-only spellings a word may stand for: look-alikes read as letters, a
    stretched letter read once or twice (a word without a letter has none)."""
    leading = word[:1] in "@$\u00aa\u017f" and len(word) > 1
    word = fold(marked(word))
    if not leading and _PLAIN.fullmatch(word) and not _STRETCH.search(word):
        return {word}  # most words: letters only, none stretched
    if not _LETTER.search(word):
        return set()
    starts = [word]
    if leading:
        starts.append(word.lstrip("\u00aa\u017f"))  # @chef is a mention of chef
    found: set[str] = set()
    for start in starts:
        ambiguous = [index for index, char in enumerate(start)
                     if len(_LOOK_ALIKE.get(char, ())) > 1][:MAX_CHOICES]
        options = [_LOOK_ALIKE[char] if index in ambiguous else _LOOK_ALIKE[char][:1]
                   if char in _LOOK_ALIKE else (char,) for index, char in enumerate(start)]
        for letters in product(*options):
            found |= unstretched("".join(letters))
    return {spelling for spelling in found if spelling.isalpha()}


def unstretched(word: str) -> set[str]:
    """A letter written three times or more read once and twice (each run on its own, up to
    MAX_CHOICES runs; further runs are read once)."""
    runs = list(_STRETCH.finditer(word))
    if not runs:
        return {word}
    results = set()
    for lengths in product(*([(1, 2)] * min(len(runs), MAX_CHOICES))):
        pieces, last = [], 0
        for number, run in enumerate(runs):
            size = lengths[number] if number < MAX_CHOICES else 1
            pieces += [word[last: run.start()], run.group(1) * size]
            last = run.end()
        pieces.append(word[last:])
        results.add("".join(pieces))
    return results


def base_forms(word: str) -> set[str]:
    """A letter-only word and what it may be an inflection of (the rules in the docstring)."""
    forms = {word}

    def strip(suffix: str, *endings: str, keep: int = MIN_STEM) -> str | None:
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            root = word[: len(word) - len(suffix)]
            forms.update(root + ending for ending in endings or ("",))
            return root
        return None

    if not word.endswith("ss"):
        strip("s", keep=2)
    if word[:-2].endswith(SIBILANT_ENDS):
        strip("es")  # boxes, wishes; "hates" is hate's plural, not hat's
    strip("ies", "y", keep=2)  # spies: spy
    strip("ves", "f", "fe", keep=2)  # lives: life
    for plural in ("eux", "aux", "oux"):
        strip("x", keep=2) if word.endswith(plural) else None
    strip("aux", "al", keep=2)
    for suffix in ("ing", "ed"):
        root = strip(suffix, "", "e")
        if root and root[-1] == root[-2] and root[-1] not in "aeiouls":
            forms.add(root[:-1])  # stopped, running; not "called" nor "passed"
    for feminine in ("tte", "nne", "lle"):
        for ending in (feminine, feminine + "s"):
            strip(ending, feminine[0], keep=2)  # chatte: chat, chiennes: chien
    return forms


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """Every base form a word as written may stand for (see the module's docstring)."""
    return frozenset(form for spelling in spellings(word) for form in base_forms(spelling))


def text_keys(*texts: str) -> set[str]:
    """The base forms of every word in these texts."""
    return {key for text in texts for word in words(text) for key in word_keys(word)}


def mute_keys(phrase: str) -> list[frozenset[str]]:
    """The spellings each word of a muted word or phrase may stand for (none for a text
    without a letter: the caller refuses such a mute)."""
    return [frozenset(spellings(word)) for word in words(phrase)]


def holds_phrase(keys: list[frozenset[str]], text: str) -> bool:
    """Whether the text has the muted words in a row, each in one of its forms."""
    found = [word_keys(word) for word in words(text)]
    return any(all(keys[offset] & found[start + offset] for offset in range(len(keys)))
               for start in range(len(found) - len(keys) + 1))


def matches(muted: str, text: str) -> bool:
    """Whether a mute on `muted` hides an item with this text."""
    keys = mute_keys(muted)
    return bool(keys) and all(keys) and holds_phrase(keys, text)


class WordIndex:
    """Every word of every item -> the rows holding it, and every base form -> the words
    that may stand for it: built once per item, as items arrive, so a word mute costs a
    look-up, not a pass over every title. A word's base forms are worked out once, the
    first time the word is met; the rest runs in C (re, set, dict, numpy), since a large
    catalogue holds millions of words."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # a word as written, case folded -> its number
        self._words: dict[str, list[str]] = {}  # a base form -> the words standing for it
        self._batches: list[tuple[np.ndarray, np.ndarray]] = []  # (word numbers, rows)
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None  # by word number
        self.size = 0  # rows indexed: 0..size-1

    def extend(self, first: int, texts: Sequence[str]) -> None:
        """Index rows first, first+1, ... whose whole texts (title, description, tags) these
        are."""
        if first != self.size:
            raise ValueError("rows are indexed in order, without gaps")
        found = [set(_SCAN.findall(marked(prepare(text)))) for text in texts]
        known = len(self._ids)
        # setdefault hands a new word the next unused number: numbers are unique, not dense.
        numbers = np.fromiter(map(self._ids.setdefault, chain.from_iterable(found),
                                  count(known)), np.int64)
        rows = np.repeat(np.arange(first, first + len(texts), dtype=np.int64),
                         np.fromiter(map(len, found), np.int64, len(found)))
        for word in islice(self._ids, known, None):
            for part in _CUT.split(word):
                for key in word_keys(part):  # none for a number or a mark alone
                    self._words.setdefault(key, []).append(word)
        self._batches.append((numbers, rows))
        self._sorted = None
        self.size += len(texts)

    def _rows_of(self, words: list[str]) -> np.ndarray:
        if self._sorted is None:
            numbers = np.concatenate([batch[0] for batch in self._batches] or [np.empty(0, int)])
            rows = np.concatenate([batch[1] for batch in self._batches] or [np.empty(0, int)])
            order = np.argsort(numbers)
            self._sorted = (numbers[order], rows[order])
            self._batches = [self._sorted]
        numbers, rows = self._sorted
        wanted = np.array([self._ids[word] for word in words], dtype=np.int64)
        starts = np.searchsorted(numbers, wanted, "left")
        ends = np.searchsorted(numbers, wanted, "right")
        return np.unique(np.concatenate([rows[a:b] for a, b in zip(starts, ends)]
                                        or [np.empty(0, int)]))

    def rows(self, muted: str, text_of: Callable[[int], str]) -> list[int]:
        """The rows a mute on `muted` hides; a phrase's rows hold each of its words, and are
        read again (`text_of`) to check they hold them in a row."""
        keys = mute_keys(muted)
        if not keys or not all(keys):
            return []
        found = [self._rows_of([word for key in choice for word in self._words.get(key, ())])
                 for choice in keys]
        rows = [int(row) for row in reduce(np.intersect1d, found)]
        if len(keys) == 1:
            return rows
        return [row for row in rows if holds_phrase(keys, text_of(row))]
