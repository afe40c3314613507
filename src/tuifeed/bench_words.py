"""Word mutes at catalogue scale: the index of every item's base forms against a plain
whole-word regex pass over the titles (what a word mute cost before), in the same run."""

from __future__ import annotations

import random
import re
import tempfile
import time

from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.models import Item

WORD_ITEMS = 100_000
MUTED = ("cat", "hike", "gateau", "love", "box")


def wordy_catalogue(size: int, seed: int) -> list[Item]:
    """Items with titles of 4-9 words, descriptions of 10-30 and 1-3 tags, from a vocabulary
    of made-up words in which the muted words and their variants are sprinkled."""
    generator = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyzéè"
    vocabulary = ["".join(generator.choice(letters) for _ in range(generator.randint(3, 10)))
                  for _ in range(20_000)]
    vocabulary += ["cats", "CAT", "c@t", "caaat", "hiking", "hiked", "gâteaux", "l0ve", "boxes",
                   "concatenate", "Catalina"] * 20

    def words(low: int, high: int) -> str:
        return " ".join(generator.choice(vocabulary) for _ in range(generator.randint(low, high)))

    return [Item(id=f"w:{number}", title=words(4, 9), creator=f"c{number % 997}",
                 topics=tuple(dict.fromkeys(generator.choice(vocabulary).casefold()
                                            for _ in range(generator.randint(1, 3)))),
                 description=words(10, 30), duration=30.0,
                 published=VIRTUAL_EPOCH - generator.uniform(0, 30 * 86400), views=100, likes=5)
            for number in range(size)]


def regex_pass(connection, word: str) -> list[int]:
    """The reference: a whole-word, case-blind regex over every title (no variants, no
    descriptions or tags)."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    return [code for code, title in connection.execute("SELECT code, title FROM items")
            if pattern.search(title)]


def bench_words(size: int = WORD_ITEMS, seed: int = 0, workdir: str | None = None) -> dict:
    from tuifeed.feed import Feed

    with tempfile.TemporaryDirectory(dir=workdir) as home, \
            Feed.open(home, clock=VirtualClock(), seed=seed,
                      catalogue=wordy_catalogue(size, seed)) as feed:
        connection = feed.store.connection
        start = time.perf_counter()
        reference = [regex_pass(connection, word) for word in MUTED]
        reference_ms = (time.perf_counter() - start) * 1000 / len(MUTED)
        feed.upcoming(10)
        start = time.perf_counter()
        feed.steer("mute", "word", MUTED[0])
        feed.upcoming(10)
        first_ms = (time.perf_counter() - start) * 1000  # builds the index
        timings = []
        for word in MUTED[1:]:
            start = time.perf_counter()
            feed.steer("mute", "word", word)
            feed.upcoming(10)
            timings.append((time.perf_counter() - start) * 1000)
        hidden = {word: int(feed.items_of("word", word).sum()) for word in MUTED}
    next_ms = sorted(timings)[len(timings) // 2]
    return {"items": size, "regex_pass_ms": reference_ms, "first_mute_ms": first_ms,
            "next_mute_ms": next_ms, "first_ratio": first_ms / reference_ms,
            "next_ratio": next_ms / reference_ms,
            "hidden": hidden, "regex_hidden": {word: len(codes)
                                               for word, codes in zip(MUTED, reference)}}


def words_report(words: dict) -> list[str]:
    caught = ", ".join(f"{word} {words['hidden'][word]:,} (regex {words['regex_hidden'][word]:,})"
                       for word in words["hidden"])
    return [
        f"Word mutes over {words['items']:,} items (titles, descriptions, tags) against one "
        f"whole-word regex pass over the titles ({words['regex_pass_ms']:.0f} ms):",
        f"  the first word mute, indexing every item  {words['first_mute_ms']:.0f} ms "
        f"({words['first_ratio']:.1f}x); each later one {words['next_mute_ms']:.1f} ms "
        f"({words['next_ratio']:.3f}x)",
        f"  items hidden: {caught}",
    ]
