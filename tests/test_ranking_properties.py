"""Properties of the ranker that must hold for any catalogue and any history (hypothesis)."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.models import Item
from tuifeed.signals import KINDS

TOPICS = ["alligators", "cooking", "cats", "space", "music", "birds", "snow"]

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
        Item(id=f"p:{number:03d}", title=f"Video {number}", creator=f"creator{creator}",
             topics=tuple(sorted(topics)), description="", duration=float(duration),
             published=VIRTUAL_EPOCH - age, views=views, likes=int(views * rate))
        for number, (creator, topics, duration, age, views, rate) in enumerate(shapes)
    ]


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


@PROPERTY_SETTINGS
@given(histories)
def test_contributions_add_up_to_the_score_and_order_the_queue(history):
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            queue = feed.upcoming(len(feed.catalog))
            for entry in queue:
                assert sum(entry.contributions.values()) == entry.score
                assert entry.explore == (entry.contributions["exploration"] != 0)
            # Without diversity and exploration, the queue is exactly score order.
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
