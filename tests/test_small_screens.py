"""Every screen stays readable at 80x24 and 60x20: what a viewer sees, read off the screen.

Pilot drives the real app on a real SQLite home; the text is the rendered screen (the same
render the SVG screenshots use). The snapshots at the end pin the main screens' pictures.
"""

import io

import pytest
from rich.console import Console
from textual.widgets._toast import Toast

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.ranking.compare import move_label
from tuifeed.tui import make_app
from tuifeed.tui.script import screen_text, settle
from tuifeed.tui.widgets.queue import QueuePanel

SIZES = [(80, 24), (60, 20)]


def open_app(home, clock):
    return make_app(Feed.open(home, clock=clock, seed=1), headless=True, tick_seconds=None)


def footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("size", SIZES)
async def test_the_footer_always_shows_help_and_quit(isolated_home, clock, size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        for keys in ([], ["a"], ["h"]):  # the feed, My algorithm, History
            await pilot.press(*keys)
            await pilot.pause()
            line = footer_line(app)
            assert "? Help" in line and "q Quit" in line, line
            assert line.rstrip().endswith("palette")
            await pilot.press("escape")
        await pilot.press("w")  # over Why this?, q closes it and says so
        await pilot.pause()
        line = footer_line(app)
        assert "q Close" in line and "? Help" in line, line


@pytest.mark.parametrize("size", SIZES)
async def test_the_help_lists_every_screens_keys(isolated_home, clock, size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "tuifeed keys" in screen_text(app)
        help_keys = app.screen.query_one("#help-keys")
        console = Console(width=help_keys.content_size.width, record=True,
                          color_system=None, file=io.StringIO())
        console.print(help_keys.content)  # all of it, also what needs a scroll to see
        listed = console.export_text().lower()
        for words in ("not interested", "save / unsave", "start over", "mute a word",
                      "undo the selected event", "filter the history", "command palette",
                      "quit", "open the video"):
            assert words in listed, words


@pytest.mark.parametrize("size", SIZES)
async def test_compare_shows_both_queues_titles_and_whole_moves(isolated_home, clock, size):
    from tuifeed.ranking.compare import compare

    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        feed = app.feed
        rows = compare(feed.upcoming(200), feed.recipe_queue("fresh", 200))[:5]
        await pilot.press("c", "down", "enter")  # the picker opens on for-you; fresh is next
        await pilot.pause()
        shown = screen_text(app)
        assert "for-you beside fresh" in shown
        for left, right in rows:
            for title in (left.entry.item.title, right.entry.item.title):
                assert title[:24] in shown, title  # not cut to a letter
            assert f"{move_label(right.move)} " in shown


@pytest.mark.parametrize("size", SIZES)
async def test_my_algorithm_keeps_the_steering_column_and_many_interests(isolated_home, clock,
                                                                         size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        topic = app.feed.current.topics[0]
        await pilot.press("a")
        screen = app.screen
        await pilot.press(*["down"] * screen._rows.index(("topic", topic)), "m")
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert any("steering" in line and "interest" in line for line in lines)
        muted = [line for line in lines if f"#{topic}" in line and "muted" in line]
        assert muted, "the muted topic's row says so"
        interests = [line for line in lines if line.startswith("│  #") or
                     line.startswith("│  @")]
        assert len(interests) >= 8


@pytest.mark.parametrize("size", SIZES)
async def test_why_this_keeps_the_evidence_readable(isolated_home, clock, size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        explanation = app.feed.why(app.feed.current.id)
        await pilot.press("w")
        await pilot.pause()
        shown = screen_text(app)
        first = explanation.lines[0]
        assert first.sentence[:30] in shown  # a sentence, not a column of 6 letters
        assert f"{first.value:+.3f}" in shown


@pytest.mark.parametrize("size", SIZES)
async def test_history_fits_the_width_and_marks_an_undone_event(isolated_home, clock, size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size) as pilot:
        liked = app.feed.current
        await pilot.press("l", "h", "u")  # the like is the newest event: undo it
        await pilot.pause()
        lines = screen_text(app).splitlines()
        row = next(line for line in lines if "like undone" in line)
        assert liked.title[:15] in row
        assert all(line.endswith("│") for line in lines[1:-2])  # nothing beyond the border


async def test_up_next_fills_a_tall_screen(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.query_one(QueuePanel)
        queue = app.feed.upcoming(panel.content_size.height // 2)
        shown = screen_text(app)
        assert len(queue) == 18  # 38 rows inside its border, two lines an entry
        assert all(entry.item.title[:20] in shown for entry in queue)


@pytest.mark.parametrize("size", SIZES)
async def test_a_toast_hides_neither_the_timer_nor_up_next(isolated_home, clock, size):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("s", "l")
        await pilot.pause(0.2)
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 1  # the second answer replaced the first
        toast = toasts[0].region
        for selector in ("#elapsed", "#progress", "#title", "#queue"):
            widget = app.query_one(selector)
            if widget.display:
                assert not toast.overlaps(widget.region), selector


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("keys", [[], ["a"], ["w"], ["c", "down", "enter"]],
                         ids=["feed", "algorithm", "why", "compare"])
def test_main_screens_snapshot(isolated_home, snap_compare, size, keys):
    async def run_before(pilot):
        await settle(pilot.app, pilot)
        await pilot.press(*keys)
        await pilot.pause()

    app = open_app(isolated_home, VirtualClock())
    assert snap_compare(app, terminal_size=size, run_before=run_before)
