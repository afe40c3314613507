"""Learning one event adds to the event's own topics, words and creator only, and gives the
very numbers the general sums give (bincounts over whole families): hypothesis, to the bit."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed.clock import VIRTUAL_EPOCH
from tuifeed.models import Event, Item
from tuifeed.ranking import InterestModel, load_recipe
from tuifeed.ranking import interests
from tuifeed.ranking.catalog import Catalog
from tuifeed.signals import KINDS

TOPICS = ["alligators", "cooking", "cats", "space", "swamp"]
# Titles with a word given twice, words shared with the topics, and one with no words.
TITLES = ["swamp swamp orbit", "cats and more cats", "orbit", "", "space cooking swamp"]
EVENTS = st.lists(st.tuples(
    st.integers(0, 11),  # item; 10 and 11 are not in the catalogue
    st.sampled_from(sorted(KINDS)),
    st.floats(0, 400),  # a dwell's seconds, a watch's fraction times 100
    st.one_of(st.floats(0, 30), st.floats(0, 400 * 86400), st.just(0.0)),  # after the last
), min_size=1, max_size=30)


def catalogue() -> Catalog:
    items = [Item(id=f"p:{number}", title=TITLES[number % 5], creator=f"c{number % 3}",
                  topics=tuple(TOPICS[(number + step) % 5] for step in range(number % 4)),
                  description="", duration=float(10 + 20 * number),
                  published=VIRTUAL_EPOCH - 86400, views=100, likes=5)
             for number in range(10)]
    return Catalog.from_items(items)


def learned(catalog: Catalog, events: list[Event], at_once: bool) -> InterestModel:
    model = InterestModel(catalog, load_recipe("for-you"))
    if at_once:
        model.rebuild(events, {})
    else:
        for event in events:
            model.add(event)
    return model


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS, st.booleans())
def test_one_event_at_a_time_gives_the_general_sums_to_the_bit(shapes, at_once):
    """One at a time (each event's codes added in place), or all at once (a batch whose
    creators may repeat, or may all differ)."""
    catalog = catalogue()
    moment, events = VIRTUAL_EPOCH, []
    for number, (item, kind, value, later) in enumerate(shapes, start=1):
        moment += later
        events.append(Event(id=number, ts=moment, item_id=f"p:{item}" if item < 10 else
                            f"gone:{item}", kind=kind,
                            value=None if KINDS[kind] is None else
                            value / 100 if kind == "watch" else value))
    fast = learned(catalog, events, at_once)
    with mock.patch.object(interests, "FEW_CODES", 0):  # every sum the general way
        general = learned(catalog, events, at_once)
    arrays = [name for name, value in vars(general).items() if isinstance(value, np.ndarray)]
    assert {"topic_short", "word_long", "creator_impressions"} <= set(arrays)
    for name in arrays:
        assert np.array_equal(getattr(fast, name), getattr(general, name)), name
        assert getattr(fast, name).dtype == getattr(general, name).dtype, name
    assert fast.anchor == general.anchor
    if any(event.item_id in catalog.index for event in events):  # something was learned
        assert general.creator_support.any()


def test_one_event_touches_only_its_own_codes():
    """The sums a like of item 4 adds: its creator's, its topics', its words' entries move,
    and no other (a word given twice in its title is counted once per item, as before)."""
    catalog = catalogue()
    model = InterestModel(catalog, load_recipe("for-you"))
    model.add(Event(id=1, ts=VIRTUAL_EPOCH, item_id="p:4", kind="like"))
    item = catalog.item("p:4")
    topics = {catalog.topics[code] for code in np.flatnonzero(model.topic_support)}
    assert topics == set(item.topics)
    creators = np.flatnonzero(model.creator_support)
    assert creators.tolist() == [catalog.creator_codes[catalog.index["p:4"]]]
    words = {catalog.word_matrix.words[code] for code in np.flatnonzero(model.word_support)}
    assert words and words <= set(" ".join([item.title, *item.topics]).split())
    assert (model.word_short[model.word_support > 0] > 0).all()
