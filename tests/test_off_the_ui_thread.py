"""What grows with the log or the library runs off the UI thread. Learning again from the
whole log (a recipe switch, an undo, a forget, a reset) runs in a worker in the app: what it
learns is what learning at once would give, the events logged while it runs are taught to
it, an answer overtaken by another change is not used, and the feed's keys pressed meanwhile
wait for it and act in order. Compare ranks in a worker, History reads the log in one."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.pilot import Pilot

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.feed.relearning import LearningJob
from tuifeed.ranking.interests import FAMILIES
from tuifeed.tui import make_app


def assert_same_learning(feed: Feed, expected: Feed) -> None:
    """Bitwise the same model, viewer state and views."""
    model, reference = feed.model, expected.model
    assert model.recipe.name == reference.recipe.name and model.anchor == reference.anchor
    for family in FAMILIES:
        for part in ("short", "long", "support"):
            attribute = f"{family}_{part}"
            assert np.array_equal(getattr(model, attribute), getattr(reference, attribute))
    assert np.array_equal(model.creator_impressions, reference.creator_impressions)
    assert feed.state == expected.state
    assert feed.views.superseded == expected.views.superseded


def play(feed: Feed, clock: VirtualClock) -> None:
    """A few cards looked at and reacted to."""
    feed.start()
    for seconds, kind in ((12, "like"), (1, None), (30, "save"), (4, "dislike"), (8, None)):
        clock.advance(seconds)
        if kind == "dislike":
            feed.toggle_dislike(feed.current.id)
        elif kind:
            feed.signal(feed.current.id, kind)
        feed.next()


def test_learning_in_a_worker_gives_what_learning_at_once_gives(tmp_path: Path):
    """The same actions on two homes: one learns at once, the other takes a job, logs more
    while it would run, and takes its answer: model, state and views agree to the bit."""
    feeds, clocks = [], []
    for name in ("at-once", "in-a-worker"):
        clock = VirtualClock()
        feed = Feed.open(tmp_path / name, clock=clock, seed=5)
        play(feed, clock)
        feeds.append(feed)
        clocks.append(clock)
    at_once, deferred = feeds
    deferred.defer_learning = True
    at_once.use_recipe("explore")
    deferred.use_recipe("explore")
    assert deferred.learning_due and not at_once.learning_due
    job = deferred.learning_job()
    for feed, clock in zip(feeds, clocks):  # logged while the job would run
        clock.advance(6)
        feed.signal(feed.current.id, "like")
        clock.advance(20)
        feed.next()
    assert deferred.accept_learning(job.run())
    assert not deferred.learning_due
    assert_same_learning(deferred, at_once)
    assert [entry.item.id for entry in deferred.upcoming(8)] == \
        [entry.item.id for entry in at_once.upcoming(8)]
    for feed in feeds:
        feed.close()


def test_an_answer_overtaken_by_an_undo_or_steering_is_not_taken(feed: Feed):
    play(feed, feed.clock)  # type: ignore[arg-type]
    feed.defer_learning = True
    feed.use_recipe("explore")
    job = feed.learning_job()
    feed.undo_event(feed.events[-1].id)  # reaches back into the log: learn again
    assert not feed.accept_learning(job.run())
    assert feed.learning_due
    job = feed.learning_job()
    feed.steer("boost", "topic", feed.catalog.topics[0], 1.0)  # steering while learning
    assert not feed.accept_learning(job.run())
    assert feed.accept_learning(feed.learning_job().run())
    assert not feed.learning_due


def open_app(home: Path, clock: VirtualClock):
    return make_app(Feed.open(home, clock=clock, seed=3), headless=True, tick_seconds=None)


@pytest.fixture
def learnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every learning job run from here on."""
    threads: list[str] = []
    real = LearningJob.run

    def counted(job):
        threads.append(threading.current_thread().name)
        return real(job)

    monkeypatch.setattr(LearningJob, "run", counted)
    return threads


async def test_a_recipe_switch_learns_in_a_worker_and_keys_wait_for_it(isolated_home, clock,
                                                                       learnings):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        feed = app.feed
        await app.settle_queue()
        learnings.clear()  # (opening learned at once, before the app)
        liked = feed.current.id
        app.switch_recipe("explore")
        assert feed.learning_due  # nothing learned on the UI thread yet
        await Pilot.press.unsettled(pilot, "l", "j")  # they wait for it, then act in order
        await app.settle_queue()
        assert learnings and threading.main_thread().name not in learnings
        assert feed.recipe.name == "explore" and feed.model.recipe.name == "explore"
        like = [event for event in feed.events if event.kind == "like"][-1]
        assert like.item_id == liked and feed.current.id != liked
        assert liked in feed.state.liked


async def test_undo_and_reset_from_the_screens_learn_in_a_worker(isolated_home, clock,
                                                                 learnings):
    from tuifeed.tui.screens.algorithm import AlgorithmScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        learnings.clear()  # (opening learned at once, before the app)
        await pilot.press("l", "j", "s")
        await pilot.press("h")
        await pilot.press("u")  # undo the newest event (the save) from History
        assert not feed.state.saved
        await pilot.press("escape", "a")
        assert isinstance(app.screen, AlgorithmScreen)
        await pilot.press("R")
        await pilot.press("y")  # start over as a new viewer
        assert feed.steering.reset_at is not None and not feed.state.liked
        assert "learning again" not in str(app.screen.query_one("#algorithm-body")
                                           .border_subtitle)
        assert len(learnings) >= 2 and threading.main_thread().name not in learnings


async def test_compare_ranks_in_a_worker(isolated_home, clock, rankings):
    from tuifeed.tui.screens.recipes import CompareScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.settle_queue()
        threads = rankings
        threads.clear()
        app.compare_with("chronological")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and len(screen._rows) == 20
        assert threads and threading.main_thread().name not in threads
        mine = [left.entry.item.id for left, _ in screen._rows if left]
        assert mine == [entry.item.id for entry in app.feed.upcoming(20)]
        published = [right.entry.item.published for _, right in screen._rows if right]
        assert published == sorted(published, reverse=True)  # chronological: newest first


@given(st.lists(st.tuples(st.integers(0, 7), st.booleans(), st.booleans()), max_size=40),
       st.booleans())
def test_the_disliked_mask_follows_dislikes_undislikes_and_new_items(steps, by_rows):
    """The mask handed to a ranking equals the one made from the ids turned down, whenever
    it is asked for, as dislikes come and go and items arrive (ranking_context asks at every
    key): held by rows (an ItemSet, as learning and the checkpoint make it) or as ids."""
    from tuifeed.feed.state import ViewerState
    from tuifeed.models import Event
    from tuifeed.ranking.item_index import ItemIndex
    from tuifeed.ranking.item_set import ItemSet

    ids = [f"v{row}" for row in range(4)]
    index = ItemIndex(ids)
    index.add(0)
    state, expected_ids = ViewerState(), set()
    if by_rows:
        state.disliked = ItemSet(index, ids, np.zeros(len(ids), dtype=bool))
    for number, (row, dislike, ask) in enumerate(steps):
        while row >= len(ids):  # items arrive
            ids.append(f"v{len(ids)}")
            index.add(len(ids) - 1)
        event = Event(id=number + 1, ts=float(number), item_id=f"v{row}",
                      kind="dislike" if dislike else "undislike", value=None, session_id="s")
        state.apply(event, None)  # type: ignore[arg-type]  (no follow: the item is not read)
        (expected_ids.add if dislike else expected_ids.discard)(f"v{row}")
        if ask:
            expected = np.zeros(len(ids), dtype=bool)
            expected[[int(item_id[1:]) for item_id in expected_ids]] = True
            assert np.array_equal(state.disliked_mask(index, len(ids)), expected)
            assert set(state.disliked) == expected_ids


async def test_history_reads_the_log_in_a_worker_and_filters_there(isolated_home, clock,
                                                                   monkeypatch):
    from textual.widgets import DataTable

    from tuifeed.tui.screens.history import HistoryScreen

    threads: list[str] = []
    real = Feed.history

    def counted(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Feed, "history", counted)
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l", "j", "j", "s")
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        kinds = [entry.event.kind for entry in screen.entries]
        assert kinds[0] == "save" and "like" in kinds
        assert screen.query_one("#history", DataTable).row_count == len(kinds)
        await pilot.press("slash", *"kind:like")
        assert [entry.event.kind for entry in screen.entries] == ["like"]
        assert screen.query_one("#history", DataTable).row_count == 1
    assert len(threads) >= 2 and threading.main_thread().name not in threads


def test_a_queue_a_worker_ranked_while_the_feed_changed_is_not_kept(feed, monkeypatch):
    """A screen's worker ranks Up next's first 1000 (My algorithm's examples) while the
    viewer boosts a topic: what it ranked is not taken for the queue afterwards."""
    import tuifeed.feed.core as core

    feed.start()
    started, release = threading.Event(), threading.Event()
    real = core.rank

    def held(*args, **kwargs):
        ranked = real(*args, **kwargs)
        started.set()
        release.wait(10)
        return ranked

    monkeypatch.setattr(core, "rank", held)
    worker = threading.Thread(target=feed.upcoming, args=(20,))
    worker.start()
    assert started.wait(10)
    monkeypatch.setattr(core, "rank", real)
    before = [entry.item.id for entry in feed.upcoming(20)]
    last = feed.item(before[-1])
    feed.steer("boost", "topic", last.topics[0], 2.0)  # while the worker still ranks
    release.set()
    worker.join()
    after = [entry.item.id for entry in feed.upcoming(20)]
    feed._queue_cache = None
    assert after == [entry.item.id for entry in feed.upcoming(20)]  # ranked anew
    assert after != before
