"""Topics across sources: one spelling for a tag, and topics guessed for items without tags.

"Alligators", "#alligators" and " alligators " are one topic. An item that arrives without
tags (YouTube and most RSS feeds send none) gets topics from its own text, so the ranker can
link it to what the viewer already likes:
1. hashtags in the title or description ("#cats");
2. words of the title that are already topics of the catalogue, singular or plural;
3. failing both, the two longest words of the title that are not stop words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable

MAX_TOPICS = 6
MAX_TOPIC_LENGTH = 40

_SEPARATORS = re.compile(r"[\s_/]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_HASHTAG = re.compile(r"(?<![\w&])#(\w[\w-]{1,38})")
_WORD = re.compile(r"[^\W\d_][\w'-]*")

# Common words of the catalogue's languages (English, French, German, Spanish) that say
# nothing about what a video is about.
STOP_WORDS = frozenset("""
a an and are as at be but by for from has have how i in is it its my new no not of on or our
out so than that the this to up was we what when where which who why will with you your
video videos official full part episode ep live today day week best top first one two three
vs via just more most very like get got make made can all about into over after before
le la les un une des du de et ou en au aux pour par sur dans avec sans est sont pas plus
mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs ce cet cette ces qui que quoi
der die das ein eine und oder mit von zu im ist nicht
el los las una y o con por para del al es
""".split())


def normalise_topic(value: object) -> str:
    """The one spelling of a tag: NFKC, case folded, no leading '#', words joined by '-'."""
    if isinstance(value, str) and value.isascii() and value.isalnum():  # most words and tags
        return value.lower()[:MAX_TOPIC_LENGTH]  # what the general rule below gives them
    return _normalised(value)


def _normalised(value: object) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).casefold().strip()
    text = text.lstrip("#").strip()
    text = _SEPARATORS.sub("-", text)
    text = _EDGE_PUNCTUATION.sub("", text)
    text = "".join(char for char in text if char.isprintable())
    return text[:MAX_TOPIC_LENGTH].strip("-")


def normalise_topics(values: Iterable[object]) -> tuple[str, ...]:
    """Tags normalised, deduplicated in order, empty ones dropped, at most MAX_TOPICS."""
    seen: dict[str, None] = {}
    for value in values:
        topic = normalise_topic(value)
        if topic and topic not in seen:
            seen[topic] = None
    return tuple(seen)[:MAX_TOPICS]


def singular(word: str) -> str:
    """A crude singular that is enough to meet plurals: cats -> cat, boxes -> box."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def derive_topics(title: str, description: str, known: Container[str] | dict[str, str],
                  limit: int = 3) -> tuple[str, ...]:
    """Topics for an item that came without tags (see the module's docstring).

    `known` maps the singular of every catalogue topic to the topic itself.
    """
    found = normalise_topics(match.group(1) for text in (title, description)
                             for match in _HASHTAG.finditer(text))[:limit]
    if found:
        return found
    words = [normalise_topic(word) for word in _WORD.findall(title)]
    matched = normalise_topics(known[singular(word)] for word in words  # type: ignore[index]
                               if singular(word) in known)
    if matched:
        return matched[:limit]
    candidates = [word for word in dict.fromkeys(words)
                  if len(word) >= 4 and word not in STOP_WORDS and not word.isdigit()]
    candidates.sort(key=len, reverse=True)
    return tuple(candidates[:2])
