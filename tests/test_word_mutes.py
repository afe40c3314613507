"""Word mutes catch what a viewer means: plurals, simple inflections, case, accents and
look-alike spellings, in titles, descriptions and tags; never a longer word containing it."""

from __future__ import annotations

import tempfile
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.catalogue.topics import normalise_topic
from tuifeed.clock import VirtualClock
from tuifeed.models import Item

from test_growing_catalogue import add, fetched

CAUGHT = ["My cats", "CATS!!", "c@t compilation", "caaaat video", "the cat's toy",
          "Cat-lover diaries", "ÇAT"]
KEPT = ["concatenate strings", "Catalina island", "bobcat sighting", "catfish", "Caught it",
        "category theory", "Cathy and Cate"]


def queue_ids(feed: Feed) -> set[str]:
    feed._queue_cache = None
    return {entry.item.id for entry in feed.upcoming(2000)}


def test_the_issue_s_examples_in_titles_descriptions_and_tags(feed):
    texts = CAUGHT + KEPT
    add(feed, [fetched(number, title=text) for number, text in enumerate(texts)]
        + [fetched(100 + number, title="A quiet day", description=f"then: {text}")
           for number, text in enumerate(texts)]
        + [fetched(200 + number, title="Untitled", topics=[text])
           for number, text in enumerate(texts)])
    before = queue_ids(feed)
    feed.steer("mute", "word", "cat")
    after = queue_ids(feed)
    for offset in (0, 100, 200):
        for number, text in enumerate(texts):
            item_id = f"t:{offset + number}"
            assert item_id in before
            assert (item_id in after) == (text in KEPT), (offset, text)
    hidden = set(feed.mute_hides()[("word", "cat")])
    assert {f"t:{o + n}" for o in (0, 100, 200) for n in range(len(CAUGHT))} <= hidden


@pytest.mark.parametrize(("muted", "caught", "kept"), [
    ("chat", ["Chattes et chiens", "les chats du quartier", "CHAT!"], ["chateau", "chaton"]),
    ("cheval", ["Des chevaux sauvages"], ["chevalier"]),
    ("gâteau", ["Gateaux au chocolat", "GÂTEAU"], ["gâte"]),
    ("hike", ["Hiking the ridge", "we hiked", "h1king in 2024"], ["hiker's guide", "hi"]),
    ("puppy", ["Puppies!!", "puppy's first snow", "pupppppy"], ["pup"]),
    ("love", ["1ove songs", "l0ve", "LOVVVE"], ["glove", "lover"]),
    ("stress", ["$tre$$ relief"], ["stretch"]),
    ("cat video", ["my cats' videos"], ["video of a cat"]),
])
def test_french_and_english_inflections_and_look_alikes(isolated_home, clock, muted, caught,
                                                         kept):
    with Feed.open(isolated_home, clock=clock) as feed:
        add(feed, [fetched(number, title=text) for number, text in enumerate(caught + kept)])
        feed.steer("mute", "word", muted)
        shown = queue_ids(feed)
        assert [text for number, text in enumerate(caught) if f"t:{number}" in shown] == []
        assert all(f"t:{len(caught) + number}" in shown for number in range(len(kept)))


def test_a_mute_catches_items_that_arrive_after_it(feed):
    feed.steer("mute", "word", "pottery")
    add(feed, [fetched(1, title="Throwing POTTERIES"), fetched(2, title="Potter at work")])
    shown = queue_ids(feed)
    assert "t:1" not in shown and "t:2" in shown


def test_a_refetched_title_is_read_again(feed):
    add(feed, [fetched(1, title="Sunset")])
    feed.steer("mute", "word", "cat")
    assert "t:1" in queue_ids(feed)
    add(feed, [fetched(1, title="Sunset with my cats")])  # the same item, retitled...
    code = feed.catalog.index["t:1"] + 1  # ...which a fetch reports as refreshed
    feed.take_in([feed.store.catalogue_rows(codes=[code], topics_known=len(feed.catalog.topics),
                                            creators_known=len(feed.catalog.creators))])
    assert "t:1" not in queue_ids(feed)


# -- the property: hidden exactly when a variant of the word is there ----------------------

FILLER = "bdfghjkmnpqrtuvwxyz"  # filler words are drawn from letters the muted word lacks
LOOK = {"a": "@", "o": "0", "i": "1", "l": "1", "e": "3", "s": "$"}
ACCENT = {"a": "\u00e0", "e": "\u00e9", "i": "\u00ee", "o": "\u00f4", "u": "\u00fb", "c": "\u00e7"}
# Real words whose inflections take each rule, and made-up ones.
REAL_WORDS = ["cat", "box", "wish", "church", "boss", "puppy", "spy", "hike", "stop", "wolf",
              "knife", "cheval", "gateau", "jeu", "chat", "chien", "love"]
MUTED = st.sampled_from(REAL_WORDS) | st.text("acehilnorst", min_size=3, max_size=7)


def inflected(word: str, form: str) -> str:
    """English and French inflections written out the way a grammar book would, not as
    tuifeed reads them."""
    if form == "plural" and word.endswith(("al", "eau", "eu")):
        return word[:-2] + "aux" if word.endswith("al") else word + "x"
    if form == "plural" and word.endswith(("f", "fe")) and word[-3:-1] != "ff":
        return word.rstrip("e")[:-1] + "ves"
    if form == "feminine" and word[-1] in "tnl":
        return word + word[-1] + "e"
    if form == "plural":
        if word.endswith(("s", "x", "z", "ch", "sh")):
            return word + "es"
        if word.endswith("y") and word[-2] not in "aeiou":
            return word[:-1] + "ies"
        return word + "s"
    if form in ("ing", "ed"):
        if word.endswith("e") and len(word) >= 4:
            return word[:-1] + form
        if word in ("stop", "chat"):  # a short vowel before one consonant doubles it
            return word + word[-1] + form
        return word + form
    return word


@pytest.mark.parametrize("word", REAL_WORDS)
def test_every_grammar_book_form_of_a_word_is_caught(word):
    from tuifeed.ranking.words import matches

    for form in ("same", "plural", "ing", "ed", "feminine"):
        assert matches(word, f"look: {inflected(word, form)}!"), (word, form)


@st.composite
def variants(draw, word: str) -> str:
    """The word as someone dodging a filter, or just writing, might spell it."""
    form = draw(st.sampled_from(["same", "plural", "plural", "ing", "ed", "feminine"]))
    text = inflected(word, form)
    letters = list(text)
    for index in range(len(letters)):
        change = draw(st.sampled_from(["keep", "keep", "upper", "accent", "look", "stretch"]))
        char = letters[index]
        if change == "upper":
            letters[index] = char.upper()
        elif change == "accent" and char in ACCENT:
            letters[index] = ACCENT[char]
        elif change == "look" and char in LOOK and 0 < index < len(letters) - 1:
            letters[index] = LOOK[char]
        elif change == "stretch":
            letters[index] = char * draw(st.integers(3, 5))
    return "".join(letters)


@st.composite
def non_variants(draw, word: str) -> str:
    """Longer words that contain the word (never one of its inflections), or unrelated ones."""
    kind = draw(st.sampled_from(["prefix", "suffix", "both", "unrelated"]))
    filler = st.text("".join(c for c in FILLER if c not in word), min_size=1, max_size=4)
    # A suffix starting with none of the letters an inflection or a stretch starts with.
    suffix = st.text("bcghjkmopqruwz", min_size=1, max_size=4).filter(
        lambda tail: tail[0] != word[-1])
    if kind == "unrelated":
        return draw(filler)
    text = word
    if kind in ("prefix", "both"):
        text = draw(filler) + text
    if kind in ("suffix", "both"):
        text += draw(suffix)
    return text.upper() if draw(st.booleans()) else text


@st.composite
def catalogues(draw):
    word = draw(MUTED)
    filler = st.text("".join(c for c in FILLER if c not in word), min_size=2, max_size=6)
    items, expected = [], set()
    for number in range(draw(st.integers(1, 6))):
        carries = draw(st.booleans())
        core = draw(variants(word) if carries else non_variants(word))
        field = draw(st.sampled_from(["title", "description", "tag"]))
        around = draw(st.sampled_from(["{} ", "#{}!! ", "{}, ", "{}'s ", "({}) "]))
        text = " ".join(draw(st.lists(filler, max_size=2))) + " " + around.format(core)
        topics = (normalise_topic(core),) if field == "tag" else ("misc",)
        items.append(Item(id=f"p:{number}", title=text if field == "title" else "clip",
                          creator="someone", topics=topics,
                          description=text if field == "description" else "",
                          duration=30.0, published=0.0, views=10, likes=1, source="web"))
        if carries:
            expected.add(f"p:{number}")
    return word, items, expected


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(catalogues())
def test_a_word_mute_hides_exactly_the_items_with_a_variant_of_the_word(case):
    word, items, expected = case
    with tempfile.TemporaryDirectory() as home, \
            Feed.open(home, clock=VirtualClock(), catalogue=items) as feed:
        feed.steer("mute", "word", word)
        assert set(feed.mute_hides()[("word", word)]) == expected
        assert queue_ids(feed) == {item.id for item in items} - expected


def test_accents_in_the_muted_word_or_the_text_are_ignored():
    from tuifeed.ranking.words import matches

    assert matches("cafe", unicodedata.normalize("NFD", "Un CAFÉ noir"))
    assert matches("café", "cafe au lait") and not matches("café", "cafeteria")
    assert not matches("cat", "\u0130cat") and not matches("cat", "x\u0301cat")
    from tuifeed.ranking.words import WordIndex

    index = WordIndex()
    index.extend(0, ["\u0130cat", "x\u0301cat", "C\u0041\u0308T\u0301"])
    assert index.rows("cat", lambda row: "") == [2]


# The index reads the catalogue its own (faster) way: it must find what reading each text
# word by word finds, whatever the text holds.
ANY_TEXT = st.text(st.sampled_from(list("cats CATÇ@$013_-'2x9 éèﬁßİıœ\u0301\u00aaſ#!.\n猫😺")),
                   max_size=24)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(ANY_TEXT, min_size=1, max_size=8),
       st.sampled_from(["cat", "cats", "c@t", "ca", "ſcat", "çat", "cat cat"]))
def test_the_index_finds_what_reading_each_text_finds(texts, muted):
    from tuifeed.ranking.words import WordIndex, matches

    index = WordIndex()
    index.extend(0, texts)
    assert index.rows(muted, texts.__getitem__) == \
        [row for row, text in enumerate(texts) if matches(muted, text)]
