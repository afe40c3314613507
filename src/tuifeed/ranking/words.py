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
from functools import lru_cache
from collections.abc import Callable
from itertools import product

# A word: letters, and the look-alike characters that may stand for letters inside one.
_WORD = re.compile(r"(?:[^\W\d_]|[013@$])+")
_NO_LETTER = re.compile(r"[013@$]+")
_LOOK_ALIKE = {"@": ("a",), "0": ("o",), "3": ("e",), "$": ("s",), "1": ("i", "l")}
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
_STRETCH = re.compile(r"(.)\1\1+")
MAX_CHOICES = 4  # ambiguous characters in one word beyond these are read one way only
MIN_STEM = 3  # an inflection is taken off only when this much of the word remains
SIBILANT_ENDS = ("s", "x", "z", "ch", "sh")


def words(text: str) -> list[str]:
    """The words of a text as written (look-alike characters kept inside them); a run with
    no letter ("10", "$$") is a number or a mark, not a word."""
    return [word for word in _WORD.findall(text) if not _NO_LETTER.fullmatch(word)]


def fold(word: str) -> str:
    """Case folded, accents removed."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def spellings(word: str) -> set[str]:
    """The letter-only spellings a word may stand for: look-alikes read as letters, a
    stretched letter read once or twice (a word without a letter has none)."""
    word = fold(word)
    if word.isalpha() and not _STRETCH.search(word):
        return {word}  # most words: letters only, none stretched
    if not any(char.isalpha() for char in word):
        return set()
    starts = [word]
    if word[0] in "@$" and len(word) > 1:
        starts.append(word.lstrip("@$"))  # @chef is a mention of chef; $ may just be a mark
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
    first time the word is met."""

    def __init__(self) -> None:
        self._rows: dict[str, list[int]] = {}  # a word, case folded -> rows holding it
        self._words: dict[str, list[str]] = {}  # a base form -> the words standing for it
        self.size = 0  # rows indexed: 0..size-1

    def add(self, row: int, *texts: str) -> None:
        if row != self.size:
            raise ValueError("rows are indexed in order, without gaps")
        index = self._rows
        for word in set(_WORD.findall("\n".join(texts).casefold())):
            rows = index.get(word)
            if rows is None:
                rows = index[word] = []
                for key in word_keys(word):  # none for a number or a mark alone
                    self._words.setdefault(key, []).append(word)
            rows.append(row)
        self.size += 1

    def rows(self, muted: str, text_of: Callable[[int], str]) -> list[int]:
        """The rows a mute on `muted` hides; a phrase's rows hold each of its words, and are
        read again (`text_of`) to check they hold them in a row."""
        keys = mute_keys(muted)
        if not keys or not all(keys):
            return []
        found = [{row for key in choice for word in self._words.get(key, ())
                  for row in self._rows[word]} for choice in keys]
        rows = sorted(set.intersection(*found))
        if len(keys) == 1:
            return rows
        return [row for row in rows if holds_phrase(keys, text_of(row))]
