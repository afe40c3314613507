"""Pictures in half cells: drawn as textual-image draws them, made off the UI thread, and the
lines Textual draws freed without the cyclic collector (so its full passes can wait for a
pause in the keys)."""

from __future__ import annotations

import gc
import threading

import pytest
from PIL import Image
from rich.console import Console
from rich.segment import Segment
from textual.strip import Strip

import tuifeed.tui.widgets.halfcell as halfcell
from tuifeed import Feed
from tuifeed.tui import make_app
from tuifeed.tui.collector import Collector
from tuifeed.tui.script import settle
from tuifeed.tui.strip_cycles import _divide, free_whole_strips
from tuifeed.tui.widgets.halfcell import HalfcellPicture, halfcell_lines
from tuifeed.tui.widgets.thumbnail import Thumbnail

from conftest import threads_calling


def picture(width: int = 90, height: int = 160) -> Image.Image:
    """A gradient with a red block: no two neighbouring cells alike."""
    drawn = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    drawn.paste((200, 40, 90), (0, 0, width // 3, height // 4))
    return drawn


def cells(lines) -> list[list[tuple]]:
    """Each line as (character, colour, background) per cell."""
    return [[(character, segment.style.color.triplet, segment.style.bgcolor.triplet)
             for segment in line if segment.text != "\n" for character in segment.text]
            for line in lines]


@pytest.mark.parametrize("size", [(9, 8), (18, 16), (27, 24)])
def test_a_picture_is_drawn_as_textual_image_draws_it(size):
    """In a box of its own shape (9:16 here: a half cell is square), the very cells of
    textual-image's own half-cell renderable, rendered by Rich."""
    from textual_image._terminal import get_cell_size
    from textual_image.renderable.halfcell import Image as TextualImageHalfcell

    get_cell_size()  # (not a terminal here: its default, asked of nobody)
    columns, rows = size
    source = picture()
    console = Console(width=columns, height=rows, color_system="truecolor")
    reference = console.render_lines(TextualImageHalfcell(source, columns, rows),
                                      console.options.update(width=columns, height=rows),
                                      pad=False, new_lines=False)
    ours = halfcell_lines(source, columns, rows)
    assert [line.cell_length for line in ours] == [columns] * rows
    assert cells(ours) == cells(reference)


def painted(lines) -> list[list[bool]]:
    """Per half cell (two rows a line), whether the picture colours it."""
    grid = []
    for line in lines:
        upper, lower = [], []
        for segment in line:
            for _ in segment.text:
                style = segment.style
                upper.append(segment.text[0] == "▀" and style is not None)
                lower.append(style is not None and (
                    segment.text[0] == "▄" or style.bgcolor is not None))
        grid += [upper, lower]
    return grid


@pytest.mark.parametrize(("source", "box", "reach"), [
    ((160, 90), (18, 16), (18, 10)),  # landscape in a portrait card: as wide, 10 of 32 high
    ((90, 160), (30, 8), (9, 16)),  # portrait in a wide box: as high, 9 of 30 wide
])
def test_a_picture_keeps_its_shape_centred_in_the_card(source, box, reach):
    """textual-image stretched a landscape thumbnail (PeerTube's, YouTube's 4:3) to the
    portrait card; it is now as large as the card holds it with its shape kept, centred,
    and the card shows around it (cells without colour)."""
    grid = painted(halfcell_lines(picture(*source), *box))
    rows = [y for y, row in enumerate(grid) if any(row)]
    columns = [x for x in range(box[0]) if any(row[x] for row in grid)]
    assert (len(columns), len(rows)) == reach
    assert rows == list(range(rows[0], rows[0] + len(rows)))  # one band, no gaps
    assert abs(rows[0] - (len(grid) - rows[-1] - 1)) <= 1  # centred
    assert abs(columns[0] - (box[0] - columns[-1] - 1)) <= 1
    assert all(all(row[columns[0]: columns[-1] + 1]) for row in grid[rows[0]: rows[-1] + 1])


def test_no_room_draws_nothing():
    assert halfcell_lines(picture(), 0, 5) == [] and halfcell_lines(picture(), 5, 0) == []


async def test_the_ui_thread_never_draws_a_picture(isolated_home, clock, monkeypatch):
    """The lines of every card's picture are made in the workers that decode it; painting
    the card only looks them up."""
    drawn_in = threads_calling(monkeypatch, halfcell, "halfcell_lines")
    app = make_app(Feed.open(isolated_home, clock=clock, seed=1), headless=True,
                   tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(4):
            await pilot.press("j")
            await settle(app, pilot)
        image = app.query_one(Thumbnail).query_one("#thumbnail-image", HalfcellPicture)
        assert image.display and image.image is not None
        assert image.render_line(0).cell_length == image.content_size.width > 0
    assert len(drawn_in) >= 5  # the first card and four more
    assert threading.main_thread().name not in drawn_in


def test_a_line_drawn_whole_is_freed_without_the_collector():
    """Textual's divide kept a whole line in its own cache: a reference cycle a line."""
    free_whole_strips()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        line = Strip([Segment("hello "), Segment("world")])
        assert line.divide([11]) == [line]
        assert line.divide([11, 40]) == [line]  # cuts past the end are dropped, as before
        del line
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("cuts", [[11], [3, 11], [0, 11], [4], [2, 5, 11, 20], [], [11, 11]])
def test_a_line_is_divided_as_textual_divides_it(cuts):
    free_whole_strips()
    segments = [Segment("hello "), Segment("world")]
    ours = Strip(segments).divide(cuts)
    textuals = _divide(Strip(segments), cuts)
    assert [(part.text, part.cell_length) for part in ours] == [
        (part.text, part.cell_length) for part in textuals]


def test_the_full_pass_waits_for_a_pause_after_keys():
    """Collector: nothing before a key has redrawn; the full pass at the pause after one."""
    class Node:
        def __init__(self) -> None:
            self.me = self

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        collector = Collector()
        Node()  # garbage, in a cycle: only a pass frees it
        collector.idle()  # no key since: no pass
        assert gc.collect() > 0  # the node was still there
        Node()
        collector.drew()
        collector.idle()
        assert gc.collect() == 0  # freed by the pass at the pause
    finally:
        if was_enabled:
            gc.enable()


async def test_a_picture_that_cannot_be_drawn_leaves_the_card_working(isolated_home, clock,
                                                                      monkeypatch):
    """Drawing raising (a picture Pillow decoded but cannot scale, say): the card is shown,
    the picture's place stays blank, keys go on, and nothing is drawn again and again."""
    def broken(*args):
        raise OSError("cannot draw this")

    monkeypatch.setattr(halfcell, "halfcell_lines", broken)
    app = make_app(Feed.open(isolated_home, clock=clock, seed=1), headless=True,
                   tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        first = app.feed.current
        await pilot.press("j")
        await settle(app, pilot)
        assert app.is_running and app.feed.current != first
        image = app.query_one(Thumbnail).query_one("#thumbnail-image", HalfcellPicture)
        placeholder = app.query_one(Thumbnail).query_one("#thumbnail-placeholder")
        assert image.display and not placeholder.display  # decoded: no "(loading…)" left
        assert image.render_line(0).text.strip() == ""
