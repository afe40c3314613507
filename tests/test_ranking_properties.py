"""Properties of the ranker that must hold for any catalogue and any history (hypothesis)."""

from __future__ import annotations

import math
import sqlite3
import tempfile
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.models import Item
from tuifeed.signals import KINDS

TOPICS = ["alligators", "cooking", "cats", "space", "music", "birds", "snow"]
# Title words: lower case, no stop word, no plural, so the words term reads them as written.
WORDS = ["swamp", "kitchen", "orbit", "guitar", "feeder", "powder", "tent", "harbour"]
LANGUAGES = ["en", "fr", ""]  # by creator; "": its source did not say

item_shapes = st.tuples(
    st.integers(0, 5),  # creator
    st.sets(st.sampled_from(TOPICS), min_size=1, max_size=3),
    st.integers(5, 180),  # duration
    st.floats(0, 30 * 86400),  # age at the start
    st.integers(0, 5_000_000),  # views
    st.floats(0, 0.2),  # like rate
)
event_shapes = st.tuples(
    st.integers(0, 10_000),  # item, modulo the catalogue's size
    st.sampled_from(sorted(KINDS)),
    st.floats(0, 400),  # value for dwell (seconds) and watch (fraction / 100)
    st.floats(0, 7200),  # seconds since the previous event
)
histories = st.tuples(st.lists(item_shapes, min_size=2, max_size=30),
                      st.lists(event_shapes, max_size=25), st.integers(0, 2**16))

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


def make_catalogue(shapes) -> list[Item]:
    return [
        Item(id=f"p:{number:03d}", title=title_of(creator, duration), creator=f"creator{creator}",
             topics=tuple(sorted(topics)), description="", duration=float(duration),
             published=VIRTUAL_EPOCH - age, views=views, likes=int(views * rate),
             language=LANGUAGES[creator % len(LANGUAGES)])
        for number, (creator, topics, duration, age, views, rate) in enumerate(shapes)
    ]


def title_of(creator: int, duration: int) -> str:
    """A title of two or three words, shared by items of a creator or of a length."""
    return " ".join(dict.fromkeys([WORDS[creator % len(WORDS)], WORDS[duration % 5],
                                   WORDS[(creator + duration) % 3 + 5]]))


def band_of(duration: float) -> int:
    """The length band: the first b with duration <= 5 * 2^b, at most 9."""
    band = 0
    while duration > 5 * 2 ** band and band < 9:
        band += 1
    return band


def replay(home: str, history) -> Feed:
    shapes, events, seed = history
    clock = VirtualClock()
    feed = Feed.open(home, clock=clock, seed=seed, catalogue=make_catalogue(shapes))
    for index, kind, value, pause in events:
        clock.advance(pause)
        item_id = feed.catalog.items[index % len(feed.catalog)].id
        number = None if KINDS[kind] is None else (value / 100 if kind == "watch" else value)
        feed.signal(item_id, kind, number)
    return feed


def expected_terms(feed: Feed, entry, above: list) -> dict[str, float]:
    """Every term of one queue entry, recomputed here from the raw events, the item's numbers
    and the recipe's weights, with none of the scorer's or the model's code."""
    recipe, catalog, now = feed.recipe, feed.catalog, feed.clock.now()
    memory, signals, item = recipe.memory, recipe.signals, entry.item
    topic_affinity: dict[str, float] = {}
    creator_affinity: dict[str, float] = {}
    band_affinity: dict[int, float] = {}
    word_affinity: dict[str, float] = {}
    source_affinity: dict[str, float] = {}
    language_affinity: dict[str, float] = {}
    shown_creators = set()
    watched_since_leave: set[str] = set()  # a view counts once: a watch silences its dwell
    for event in feed.events:
        target = feed.item(event.item_id)
        if event.kind == "impression":
            shown_creators.add(target.creator_id or f"{target.source}:{target.creator}")
        if event.kind in ("play", "watch"):
            watched_since_leave.add(event.item_id)
        if event.kind == "dwell":
            superseded = event.item_id in watched_since_leave
            watched_since_leave = set()
            if superseded:
                continue
        if event.kind in ("dwell", "watch"):
            fraction = event.value / target.duration if event.kind == "dwell" else event.value
            strength = signals[event.kind] * (min(fraction, signals["max_watch_fraction"])
                                              - signals["dwell_baseline"])
        else:
            strength = signals.get(event.kind, 0.0)
        age = max(now - event.ts, 0.0)
        weight = strength * (
            memory["short_weight"] * 2 ** (-age / (memory["short_half_life_minutes"] * 60))
            + memory["long_weight"] * 2 ** (-age / (memory["long_half_life_days"] * 86400)))
        key = target.creator_id or f"{target.source}:{target.creator}"
        creator_affinity[key] = creator_affinity.get(key, 0.0) + weight
        if event.kind not in ("follow", "unfollow"):
            for topic in target.topics:
                topic_affinity[topic] = topic_affinity.get(topic, 0.0) + weight
            band = band_of(target.duration)
            band_affinity[band] = band_affinity.get(band, 0.0) + weight
            source_affinity[target.source] = source_affinity.get(target.source, 0.0) + weight
            if target.language:  # an item of unknown language teaches no language
                language_affinity[target.language] = (
                    language_affinity.get(target.language, 0.0) + weight)
            for word in set(target.title.split()):
                word_affinity[word] = word_affinity.get(word, 0.0) + weight
    scale = memory["affinity_scale"]
    key = item.creator_id or f"{item.source}:{item.creator}"
    views, likes = catalog.views, catalog.likes
    mean_rate = (likes.sum() + 1) / (views.sum() + 1)
    rate = (item.likes + 200 * mean_rate) / (item.views + 200)
    age_days = max(now - item.published, 0.0) / 86400
    before = [feed.item(item_id) for item_id in feed.state.shown][
        -int(recipe.term("diversity_window")):] + [earlier.item for earlier in above]
    main = item.topics[0] if item.topics else None

    def repeats(count: int) -> float:  # 1 + decay + decay^2 + ..., a term per earlier card
        return sum(recipe.term("diversity_decay") ** power for power in range(count))

    # Words weigh by rarity: idf = log(items / items with the word), normalised per item.
    everything = [feed.item(item_id) for item_id in catalog.ids]
    frequency = {word: sum(word in other.title.split() for other in everything)
                 for word in item.title.split()}
    idf = {word: math.log(len(everything) / count) for word, count in frequency.items()}
    words = sum(idf[word] * math.tanh(word_affinity.get(word, 0.0) / scale) for word in idf)
    words = words / sum(idf.values()) if sum(idf.values()) else 0.0
    # The same-creator penalty shrinks with a positive taste for the creator.
    relief = min(max(1 - recipe.term("diversity_creator_taste") * max(
        math.tanh(creator_affinity.get(key, 0.0) / scale), 0.0), 0.0), 1.0)

    terms = {
        "topic": recipe.term("topic") * sum(math.tanh(topic_affinity.get(topic, 0.0) / scale)
                                            for topic in item.topics) / len(item.topics),
        "creator": recipe.term("creator") * math.tanh(creator_affinity.get(key, 0.0) / scale),
        "length": recipe.term("length") * math.tanh(
            band_affinity.get(band_of(item.duration), 0.0) / scale),
        "words": recipe.term("words") * words,
        "source": recipe.term("source") * math.tanh(
            source_affinity.get(item.source, 0.0) / scale),
        "language": recipe.term("language") * math.tanh(
            language_affinity.get(item.language, 0.0) / scale) if item.language else 0.0,
        "freshness": recipe.term("freshness") * 2 ** (
            -age_days / recipe.term("freshness_half_life_days")),
        "recency": -recipe.term("recency") * age_days,
        "quality": recipe.term("quality") * min(max(math.log2(rate / mean_rate), -1), 1),
        "popularity": recipe.term("popularity") * min(max(math.log10(item.views + 1) / 7, 0), 1),
        "novelty": recipe.term("novelty") * (key not in shown_creators),
        "short_form": recipe.term("short_form") * item.short_form,
        "following": recipe.term("following") * (key in feed.state.followed),
        "boost_topic": 0.0,  # these histories steer nothing
        "boost_creator": 0.0,
        "seen": recipe.term("seen") * (item.id in feed.state.seen),
        "diversity": -(recipe.term("diversity_creator") * relief * repeats(sum(
            (other.creator_id or f"{other.source}:{other.creator}") == key for other in before))
            + recipe.term("diversity_topic") * repeats(sum(
                bool(other.topics) and other.topics[0] == main for other in before))),
    }
    return terms


TOLERANCE = 1e-8


@PROPERTY_SETTINGS
@given(histories)
def test_every_term_is_the_recipe_applied_to_the_raw_events_and_numbers(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            queue = feed.upcoming(min(len(feed.catalog), 12))
            for position, entry in enumerate(queue):
                expected = expected_terms(feed, entry, queue[:position])
                # Within rounding: the recomputation adds the same numbers in another order
                # (event by event, term by term), which moves the last bits; a term read
                # wrong is off by far more (one event weighs at least ~1e-6 here).
                for name, value in expected.items():
                    assert entry.contributions[name] == pytest.approx(value, rel=1e-9,
                                                                      abs=TOLERANCE), name
                # Exploration is a slot, not a term: its item's score is its own terms.
                assert "exploration" not in entry.contributions
                assert entry.score == pytest.approx(sum(expected.values()), rel=1e-9,
                                                    abs=TOLERANCE)


@PROPERTY_SETTINGS
@given(histories)
def test_scores_never_rise_down_the_queue_outside_exploration_slots(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            placed = [entry.score for entry in feed.upcoming(len(feed.catalog))
                      if not entry.explore]
            assert all(later <= earlier for earlier, later in zip(placed, placed[1:]))
            # Without diversity and exploration, the queue is exactly item-score order.
            feed.recipe = replace(feed.recipe, exploration={},
                                  terms={**feed.recipe.terms, "diversity_window": 0})
            feed._queue_cache = None
            scores = [entry.score for entry in feed.upcoming(len(feed.catalog))]
            assert scores == sorted(scores, reverse=True)


@PROPERTY_SETTINGS
@given(histories)
def test_the_queue_is_a_permutation_of_the_unseen_candidates(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            queue = [entry.item.id for entry in feed.upcoming(len(feed.catalog))]
            unseen = {item.id for item in feed.catalog.items} - feed.state.seen
            unseen -= feed.state.disliked
            if unseen:
                assert len(queue) == len(set(queue))
                assert set(queue) == unseen
            # A shorter limit is a prefix of a longer one.
            feed._queue_cache = None
            assert [entry.item.id for entry in feed.upcoming(3)] == queue[:3]


@PROPERTY_SETTINGS
@given(histories)
def test_a_disliked_item_never_comes_back(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            disliked = set(feed.state.disliked)
            assert not disliked & {entry.item.id for entry in feed.upcoming(len(feed.catalog))}
            shown = [feed.start()]
            for _ in range(2 * len(feed.catalog)):  # go through everything, then the re-runs
                shown.append(feed.next())
            assert not disliked & {item.id for item in shown if item is not None}


@PROPERTY_SETTINGS
@given(histories)
def test_every_piece_of_evidence_names_a_real_event(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            feed.flush()
            with sqlite3.connect(feed.locations.database) as connection:
                stored = {row[0]: row[1:] for row in
                          connection.execute("SELECT id, item_id, kind FROM events")}
            for item in feed.catalog.items:
                for line in feed.why(item.id).lines:
                    for evidence in line.evidence:
                        assert stored[evidence.event_id] == (evidence.item_id, evidence.kind)


@PROPERTY_SETTINGS
@given(st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.floats(0, 500),
                          st.integers(5, 180)), min_size=1, max_size=40))
def test_vectorised_signal_strengths_match_the_scalar_rule(events):
    import numpy as np

    from tuifeed.ranking.interests import signal_strength, signal_strengths
    from tuifeed.ranking.recipe import load_recipe

    recipe = load_recipe("for-you")
    kinds = [kind for kind, _, _ in events]
    values = np.array([value if KINDS[kind] else np.nan for kind, value, _ in events])
    durations = np.array([float(duration) for _, _, duration in events])
    vector = signal_strengths(recipe, kinds, values, durations)
    for index, (kind, value, duration) in enumerate(events):
        scalar = signal_strength(recipe, kind, value if KINDS[kind] else None, float(duration))
        assert vector[index] == scalar


@PROPERTY_SETTINGS
@given(histories)
def test_learning_from_columns_matches_learning_from_events(history):
    import numpy as np

    from tuifeed.ranking import InterestModel

    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            feed.flush()
            columns = feed.store.event_columns()
            model = InterestModel(feed.catalog, feed.recipe)
            model.rebuild_columns(columns.ts, columns.item_ids, columns.kinds, columns.values)
            reference = InterestModel(feed.catalog, feed.recipe)
            reference.rebuild(feed.events)
            for name in ("topic_short", "topic_long", "creator_short", "creator_long"):
                assert np.allclose(getattr(model, name), getattr(reference, name),
                                   rtol=1e-9, atol=1e-12)
            assert (model.topic_support == reference.topic_support).all()


steering_shapes = st.lists(st.tuples(st.integers(0, 25),  # after which event
                                     st.sampled_from(["reset", "pause", "resume", "forget"]),
                                     st.sampled_from(TOPICS)), max_size=4)


@PROPERTY_SETTINGS
@given(histories, steering_shapes)
def test_evidence_is_only_what_the_model_learned_from(history, steering):
    shapes, events, seed = history
    with tempfile.TemporaryDirectory() as home:
        clock = VirtualClock()
        with Feed.open(home, clock=clock, seed=seed, catalogue=make_catalogue(shapes)) as feed:
            actions = sorted(steering)

            def steer_until(position: int) -> None:
                while actions and actions[0][0] <= position:
                    _, action, topic = actions.pop(0)
                    if action != "forget":
                        feed.steer(action)
                    elif topic in feed.catalog.topic_index:
                        feed.steer("forget", "topic", topic)

            for position, (index, kind, value, pause) in enumerate(events):
                steer_until(position)
                clock.advance(pause)
                item_id = feed.catalog.items[index % len(feed.catalog)].id
                number = None if KINDS[kind] is None else (value / 100 if kind == "watch"
                                                           else value)
                feed.signal(item_id, kind, number)
            steer_until(len(events) + 100)  # the rest, after the last event
            state = feed.steering
            for item in feed.catalog.items:
                for line in feed.why(item.id).lines:
                    for evidence in line.evidence:
                        event = next(e for e in feed.events if e.id == evidence.event_id)
                        assert state.learns_from(event)
                        if line.name == "topic":
                            about = evidence.about.replace("#", "").split(", ")
                            assert all(event.ts > state.forgotten.get(t, -1) for t in about)
                    for ignored in line.ignored:
                        assert ignored.reason
                    if line.name in ("topic", "creator") and not line.evidence:
                        assert line.value == 0  # nothing counted, nothing learned
