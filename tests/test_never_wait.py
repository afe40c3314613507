"""Up next is ranked in a worker: the UI thread never ranks after a key, j brings what Up
next shows, keys pressed while a ranking is under way act in the order they were pressed,
and the card a queue ranked ahead placed is explained exactly."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.feed.queue import RankedQueue
from tuifeed.tui import make_app
from tuifeed.tui.widgets.queue import QueuePanel


def open_app(home: Path, clock: VirtualClock):
    return make_app(Feed.open(home, clock=clock, seed=3), headless=True, tick_seconds=None)


async def test_keys_never_rank_on_the_ui_thread_and_rank_once_each(isolated_home, clock,
                                                                    rankings):
    """Each key ranks once, in a worker: the queue for the card after it (x ranks twice: the
    card it brings needs the queue without the creator you turned down, then Up next)."""
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.settle_queue()
        per_key = {}
        for number, key in enumerate(["j", "l", "j", "s", "j", "k", "j", "x", "j", "f"]):
            clock.advance(3)  # a look of 3 s: no fast skip now; the tick re-ranks Up next
            app.refresh_queue()
            await app.settle_queue()
            rankings.clear()
            await pilot.press(key)  # settles: the key's ranking is done before the next
            per_key[number, key] = list(rankings)
        main = threading.main_thread().name
        assert all(main not in threads for threads in per_key.values())
        assert {key: len(threads) for key, threads in per_key.items()} == {
            key: 2 if key[1] == "x" else 1 for key in per_key}


async def test_a_key_waiting_for_the_ranking_under_way_costs_no_extra_ranking(
        isolated_home, clock, monkeypatch):
    """j, then j again while the first j's Up next is still being ranked: the second key
    waits for that ranking and moves on with it; then its own queue is ranked. Two rankings
    in all (the waiting key had the same state ranked once more before it was served: three,
    and it waited for both)."""
    import tuifeed.feed.queue

    gate = threading.Event()
    started: list[int] = []
    real = tuifeed.feed.queue.rank

    def gated(*args, **kwargs):
        started.append(1)
        assert gate.wait(30)
        return real(*args, **kwargs)

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.settle_queue()
        monkeypatch.setattr(tuifeed.feed.queue, "rank", gated)
        await Pilot.press.unsettled(pilot, "j")  # brought at once: Up next was ranked
        while not started:  # its Up next is being ranked (held at the gate)
            await asyncio.sleep(0.005)
        await Pilot.press.unsettled(pilot, "j")  # waits for that ranking
        await asyncio.sleep(0.05)
        assert app.feed.position == 1
        gate.set()
        await app.settle_queue()
        assert app.feed.position == 2
        assert len(started) == 2


async def test_j_brings_the_first_card_up_next_shows(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        panel = app.query_one(QueuePanel)
        for _ in range(6):
            await app.settle_queue()
            shown_first = panel._queue[0].item.id
            clock.advance(1.5)  # lingering less than a fast skip's 2 s: still the same queue
            await pilot.press("j")
            assert app.feed.current.id == shown_first


async def test_keys_pressed_while_ranking_act_in_order(isolated_home, clock):
    """j l j x j as fast as they come (no waiting between them): the events are those of
    the same keys pressed one at a time, in the same order, on the same cards."""
    def session(home: Path, settle_each: bool):
        async def run() -> list[tuple[str, str]]:
            app = make_app(Feed.open(home, clock=VirtualClock(), seed=5), headless=True,
                           tick_seconds=None)
            async with app.run_test(size=(100, 40)) as pilot:
                await app.settle_queue()
                for key in ["j", "l", "j", "x", "j", "s", "k", "j"]:
                    if settle_each:
                        await pilot.press(key)
                    else:
                        await Pilot.press.unsettled(pilot, key)
                        assert app.is_running
                await app.settle_queue()
                await pilot.pause()
                feed = app.feed
                return [(event.kind, event.item_id) for event in feed.events]
        return run

    fast = await session(isolated_home / "fast", settle_each=False)()
    slow = await session(isolated_home / "slow", settle_each=True)()
    assert fast == slow
    assert [kind for kind, _ in fast].count("impression") == 6  # the start and five j (x too)


async def test_a_queue_ranked_before_a_change_is_not_used(feed, clock):
    """A worker's answer counts only while nothing changed since its job was taken."""
    feed.start()
    job = feed.queue_job(8)
    ranked = job.run()
    feed.signal(ranked[0].item.id, "dislike")  # changes the queue
    assert not feed.accept_queue(RankedQueue(job, ranked))
    assert feed.ranked_ahead() is None
    fresh = feed.queue_job(8)
    assert feed.accept_queue(RankedQueue(fresh, fresh.run()))
    assert feed.ranked_ahead() is not None


def test_a_queue_ranked_ahead_places_the_same_card_as_ranking_on_the_key(isolated_home):
    """With no time passing between the ranking and the key, the queue ranked ahead and the
    queue ranked on the key place the same card with the same numbers, and Why this? says
    the same."""
    results = []
    for ahead in (False, True):
        clock = VirtualClock()
        with Feed.open(isolated_home / str(ahead), clock=clock, seed=9) as feed:
            feed.start()
            for step in range(5):
                clock.advance(1 + step * 2.5)
                if ahead:
                    job = feed.queue_job(8)
                    assert feed.accept_queue(RankedQueue(job, job.run()))
                feed.next()
            why = feed.why(feed.current.id)
            results.append((feed.current.id, why.score,
                            [(line.name, line.value) for line in why.lines],
                            sorted(len(line.evidence) for line in why.lines)))
    assert results[0] == results[1]


def test_the_card_placed_ahead_is_explained_with_the_dwell_the_queue_counted(isolated_home):
    """The dwell Up next counted when it was ranked is what placed the card: Why this? lists
    it (not the longer one recorded on the key) and its numbers add up to the score."""
    clock = VirtualClock()
    with Feed.open(isolated_home, clock=clock, seed=2) as feed:
        feed.start()
        clock.advance(30)  # a long look at the first card
        left = feed.current
        job = feed.queue_job(8)
        assert feed.accept_queue(RankedQueue(job, job.run()))
        clock.advance(5)  # the key comes five seconds after Up next was ranked
        feed.next()
        assert feed.current.id == job.run()[0].item.id
        why = feed.why(feed.current.id)
        assert why.score == pytest.approx(sum(line.value for line in why.lines))
        assumed = [evidence for line in why.lines for evidence in line.evidence
                   if evidence.event_id < 0]
        recorded = [event for event in feed.events if event.item_id == left.id
                    and event.kind == "dwell"]
        assert recorded and recorded[-1].value == pytest.approx(35.0)
        assert assumed  # the card shares a learned term with the first one
        assert {evidence.value for evidence in assumed if evidence.kind == "dwell"} == {30.0}


async def test_a_word_mute_in_force_is_indexed_in_a_worker(isolated_home, monkeypatch):
    """Opening with a word mute in force: the catalogue's words are indexed off the UI
    thread (seconds at 100,000 items), and Up next hides what the mute catches."""
    from tuifeed.ranking import words

    with Feed.open(isolated_home, clock=VirtualClock(), seed=3) as feed:
        feed.steer("mute", "word", "cat")
        hidden = set(feed.mute_hides()[("word", "cat")])
    assert hidden
    threads = []
    extend = words.WordIndex.extend

    def recorded(self, first, texts):
        threads.append(threading.current_thread().name)
        return extend(self, first, texts)

    monkeypatch.setattr(words.WordIndex, "extend", recorded)
    app = open_app(isolated_home, VirtualClock())
    async with app.run_test(size=(100, 40)) as pilot:
        await app.settle_queue()
        await pilot.pause()
        queue = app.query_one(QueuePanel)._queue
        assert len(queue) >= 8 and not {entry.item.id for entry in queue} & hidden
    assert threads and threading.main_thread().name not in threads


async def test_new_videos_wait_for_the_ranking_under_way(isolated_home, monkeypatch):
    """A fetch that ends while a worker ranks does not grow the catalogue under it: its
    videos are taken in when the ranking is done, and the next ranking has them."""
    from tuifeed.bench_catalogue import synthetic_library
    from tuifeed.feed.queue import QueueJob
    from tuifeed.store.sources import ensure_sources
    from tuifeed.tui.fetcher import CatalogueFetched

    app = open_app(isolated_home, VirtualClock())
    async with app.run_test(size=(100, 40)) as pilot:
        feed = app.feed
        before = len(feed.catalog)
        gate, real = threading.Event(), QueueJob.run
        ranked_over: list[int] = []  # each ranking's catalogue, in items

        def held(job):
            gate.wait(30)
            ranked_over.append(len(job.context.candidates))
            return real(job)

        monkeypatch.setattr(QueueJob, "run", held)
        await Pilot.press.unsettled(pilot, "l")  # a like: Up next is ranked again (held)
        assert app._ranking is not None
        ensure_sources(feed.store.connection, {"big"}, feed.clock.now(), kind="rss")
        feed.store.add_items(synthetic_library(5, 3))
        app.post_message(CatalogueFetched(feed.new_rows(), []))
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert len(feed.catalog) == before  # held back while the ranking reads it
        gate.set()
        await pilot.pause()  # settles
        assert len(feed.catalog) == before + 5
        assert app._ranking is None and feed.ranked_ahead() is not None
        assert ranked_over[-1] == before + 5  # the ranking Up next shows had them


async def test_a_ranked_queue_leaves_no_model_behind_for_the_collector(isolated_home, clock):
    """Each key's ranking copies the model (megabytes at a million items). Once ranked, the
    copy is freed at once: neither the finished worker (which outlives its run in cycles the
    collector frees only on a full pass, rare once the app froze what it read) nor the
    answer kept as Up next holds it. With the collector off, 20 keys leave no copies."""
    import gc

    from tuifeed.ranking.interests import InterestModel

    app = open_app(isolated_home, clock)
    feed = app.feed
    async with app.run_test(size=(120, 40)) as pilot:
        gc.collect()
        gc.disable()
        try:
            for _ in range(20):
                clock.advance(4)
                await pilot.press("j")
            models = [o for o in gc.get_objects() if isinstance(o, InterestModel)]
        finally:
            gc.enable()
        assert feed.ranked_ahead() is not None  # Up next is ranked and kept
        assert len(models) <= 2, len(models)  # the feed's, and one a ranking may hold
    feed.close()


async def test_up_next_is_ranked_again_for_the_dwell_only_after_a_second_without_keys(
        isolated_home, clock, rankings):
    """The tick (four a second) re-ranks Up next with the dwell so far once a second has
    passed without a key; a key's own ranking starts the second again, so keys pressed
    faster than that cost one ranking each and no more."""
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await app.settle_queue()
        for _ in range(3):
            await pilot.press("j")
            rankings.clear()
            for _ in range(3):  # three quarters of a second on the card: nothing new
                app.tick()
            await app.settle_queue()
            assert rankings == []
        app.tick()  # the fourth: a second without a key
        await app.settle_queue()
        assert len(rankings) == 1
        rankings.clear()
        for _ in range(3):
            app.tick()
        await app.settle_queue()
        assert rankings == []


async def test_keys_waiting_for_a_ranking_when_the_viewer_quits_open_nothing(
        isolated_home, monkeypatch):
    """j, then My algorithm, typed while Up next is ranked, then q: the ranking comes in
    after the quit. The app ends as asked, with no error and no screen opened; the key
    served before the quit is kept."""
    from tuifeed.feed.queue import QueueJob

    app = open_app(isolated_home, VirtualClock())
    gate, real = threading.Event(), QueueJob.run
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            monkeypatch.setattr(QueueJob, "run", lambda job: (gate.wait(30), real(job))[1])
            await Pilot.press.unsettled(pilot, "l", "j", "a")  # j and a wait for the ranking
            assert app._ranking is not None and len(app._waiting) == 2
            app.exit()  # q
            gate.set()
            for _ in range(50):
                await asyncio.sleep(0.01)
    finally:
        gate.set()
    assert app.return_code == 0 and len(app.screen_stack) <= 1
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        assert connection.execute(
            "SELECT count(*) FROM events WHERE kind = 'like'").fetchone() == (1,)


@pytest.mark.parametrize("key", ["question_mark", "a", "h", "r", "c", "w"])
async def test_a_key_typed_behind_the_quit_opens_no_screen(isolated_home, key):
    """q and then another key, typed together: the second reaches the app after it was
    told to exit. It opens nothing (Textual mounts no screen after `exit`, and said so
    with a traceback, seen in a real terminal for ?, a, h, r and c)."""
    app = open_app(isolated_home, VirtualClock())
    async with app.run_test(size=(100, 40)):
        for typed in ("q", key):  # in one read, as a terminal hands them on
            app.post_message(events.Key(typed, None))
        for _ in range(50):  # both handled, and the exit (Pilot would not wait)
            await asyncio.sleep(0.01)
    assert app.return_code == 0 and len(app.screen_stack) <= 1


@pytest.mark.parametrize("action", ["help", "algorithm", "history", "recipe", "compare",
                                    "why"])
async def test_a_screen_opening_as_the_terminal_closes_ends_nothing_badly(isolated_home,
                                                                         action):
    """A key opened a screen, and the terminal closed before it was drawn (SIGHUP, SIGTERM:
    the app exits as q would): the screen's widgets are never mounted, Textual mounting
    nothing once told to exit. Its own start found none (a traceback and exit status 1 in
    a real terminal, 14 of 27 tries): the app ends with the signal's status."""
    app = open_app(isolated_home, VirtualClock())
    async with app.run_test(size=(100, 40)):
        await app.run_action(action)  # the screen is pushed: its widgets come later
        app.exit(return_code=128 + 15)
        for _ in range(50):
            await asyncio.sleep(0.01)
    assert app.return_code == 143
