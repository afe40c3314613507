"""Dwell is time looked at: it pauses while another screen covers the card (issue 10)."""

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Static

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.tui import make_app

SIZE = (100, 40)


def open_app(home: Path, clock: VirtualClock):
    return make_app(Feed.open(home, clock=clock, seed=1), headless=True, tick_seconds=None)


def dwells(database: Path) -> list[tuple[str, float]]:
    """(item, seconds) of every dwell, oldest first, read straight from the SQLite file."""
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT item_id, value FROM events WHERE kind = 'dwell' ORDER BY id").fetchall()


def shown_time(app) -> str:
    """The autoplay bar's time, e.g. "0:03" of "0:03 / 0:42"."""
    return str(app.query_one("#elapsed", Static).content).split(" / ")[0]


# name: (keys that open it, the screen then on top, keys that close it)
OVERLAYS = {
    "my algorithm": (["a"], "AlgorithmScreen", ["escape"]),
    "history": (["h"], "HistoryScreen", ["escape"]),
    "help": (["question_mark"], "HelpScreen", ["escape"]),
    "recipe picker": (["r"], "RecipePicker", ["escape"]),
    # Picked from the picker, which opens on the recipe in use: the next one.
    "compare": (["c", "down", "enter"], "CompareScreen", ["escape"]),
    "command palette": (["ctrl+p"], "CommandPalette", ["escape"]),
    "two stacked": (["a", "ctrl+p"], "CommandPalette", ["escape", "escape"]),
}


@pytest.mark.parametrize("overlay", OVERLAYS)
async def test_time_under_an_overlay_is_not_dwell(isolated_home, clock, overlay):
    opening, on_top, closing = OVERLAYS[overlay]
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SIZE) as pilot:
        first = app.feed.current
        clock.advance(3)
        for key in opening:
            await pilot.press(key)
            clock.advance(90)
        assert type(app.screen).__name__ == on_top
        assert app.feed.elapsed() == 3
        for key in closing:
            await pilot.press(key)
        assert len(app.screen_stack) == 1
        clock.advance(5)
        await pilot.press("j")
        app.feed.flush()
        assert dwells(isolated_home / "tuifeed.db") == [(first.id, 8.0)]


async def test_stacked_overlays_resume_once_the_feed_is_back(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(2)
        await pilot.press("h", "question_mark")  # Help over History
        clock.advance(60)
        await pilot.press("escape")  # back to History: still covered
        clock.advance(60)
        assert app.feed.elapsed() == 2
        await pilot.press("escape")
        clock.advance(1)
        assert app.feed.elapsed() == 3


async def test_why_this_keeps_counting(isolated_home, clock):
    """Why this? is about the card on screen: reading it is still looking at the card.
    Another screen over it (the command palette, here) pauses, as anywhere else."""
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SIZE) as pilot:
        first = app.feed.current
        clock.advance(3)
        await pilot.press("w")
        clock.advance(20)
        await pilot.press("ctrl+p")
        assert len(app.screen_stack) == 3
        clock.advance(100)
        await pilot.press("escape")  # back to Why this?: counting again
        clock.advance(10)
        await pilot.press("escape")
        clock.advance(5)
        await pilot.press("j")
        app.feed.flush()
        assert dwells(isolated_home / "tuifeed.db") == [(first.id, 38.0)]


async def test_quitting_under_an_overlay_counts_up_to_the_overlay(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SIZE) as pilot:
        first = app.feed.current
        clock.advance(4)
        await pilot.press("a")
        clock.advance(180)
        await pilot.press("ctrl+q")
    assert dwells(isolated_home / "tuifeed.db") == [(first.id, 4.0)]


async def test_the_autoplay_bar_stops_while_covered(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SIZE) as pilot:
        assert app.feed.current.duration > 6  # so the bar does not loop in this test
        clock.advance(3)
        app.tick()
        assert shown_time(app) == "0:03"
        await pilot.press("question_mark")
        clock.advance(40)
        app.tick()
        assert shown_time(app) == "0:03"
        await pilot.press("escape")
        clock.advance(2)
        app.tick()
        assert shown_time(app) == "0:05"


def test_pausing_is_idempotent_and_a_new_card_starts_at_zero(feed, clock):
    feed.start()
    clock.advance(2)
    feed.pause_dwell()
    clock.advance(10)
    feed.pause_dwell()  # a second cover does not move the moment it was covered
    clock.advance(10)
    assert feed.elapsed() == 2
    feed.next()  # under the cover (History's jump): the new card waits to be seen
    clock.advance(30)
    assert feed.elapsed() == 0
    feed.resume_dwell()
    feed.resume_dwell()
    clock.advance(4)
    assert feed.elapsed() == 4
