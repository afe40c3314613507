"""Closing the feed waits for the work other threads do with it (feed/threads.py)."""

from __future__ import annotations

import asyncio
import threading

from textual.pilot import Pilot

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.feed.explaining import Explaining
from tuifeed.feed.threads import ThreadWork
from tuifeed.tui import make_app

from conftest import event_counts


def test_closing_waits_for_the_work_running_and_starts_no_more():
    work = ThreadWork()
    inside, release, done = threading.Event(), threading.Event(), []

    def held() -> str:
        inside.set()
        release.wait(30)
        done.append("held")
        return "answer"

    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(work.wrap(held)()))
    worker.start()
    assert inside.wait(30) and work.running == 1
    closing = threading.Thread(target=work.close)
    closing.start()
    closing.join(0.2)
    assert closing.is_alive() and done == []  # it waits for the work, however long
    release.set()
    closing.join(30)
    worker.join(30)
    assert not closing.is_alive() and done == ["held"] and answers == ["answer"]
    late = work.wrap(lambda: done.append("late"))
    assert late() is None and done == ["held"]  # after closing, work never starts
    assert work.running == 0


def test_a_failing_work_is_counted_out():
    work = ThreadWork()

    def fails() -> None:
        raise ValueError("no")

    try:
        work.wrap(fails)()
    except ValueError:
        pass
    assert work.running == 0
    work.close()  # returns: nothing runs


async def test_quitting_while_my_algorithm_reads_the_feed_waits_for_its_query(
        isolated_home, monkeypatch):
    """`a` and `q` typed together: My algorithm's examples are read in a worker thread from
    the feed's SQLite connection, and the app's quit closed that connection under them (a
    segmentation fault in a real terminal, 5 quits in 10). Now the close waits: the
    examples are read whole from an open database, and the session's events are kept."""
    read, inside, release = [], threading.Event(), threading.Event()
    real = Explaining.examples

    def held(self, *args, **kwargs):
        inside.set()
        release.wait(30)
        try:
            read.append(real(self, *args, **kwargs))
        except Exception as error:  # noqa: BLE001 - what the test looks at
            read.append(error)
        return read[-1] if isinstance(read[-1], list) else []

    monkeypatch.setattr(Explaining, "examples", held)
    app = make_app(Feed.open(isolated_home, clock=VirtualClock(), seed=3), headless=True,
                   tick_seconds=None)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("l")
            await Pilot.press.unsettled(pilot, "a")
            for _ in range(3000):
                if inside.is_set():  # the examples' worker is reading
                    break
                await asyncio.sleep(0.01)
            assert inside.is_set()
            app.exit()
            threading.Timer(0.3, release.set).start()  # once the app has begun to close
    finally:
        release.set()
    assert read and all(isinstance(examples, list) and examples for examples in read)
    assert event_counts(isolated_home / "tuifeed.db")["like"] == 1
