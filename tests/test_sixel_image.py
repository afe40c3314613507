"""Sixel thumbnails: a full-screen frame paints every cell beside the picture where it belongs.

The frame Textual writes is replayed on a small cell grid (cursor moves and text; the Sixel
data itself is skipped), as a terminal would place it. With textual-image's own widget the
cells right of the picture on its last row were written one row too low, so a terminal showed
its blank there (white cells in xterm) until a partial redraw.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from conftest import calls_recorded, import_without_terminal, threads_calling

SCREEN = (40, 12)
PICTURE = (12, 6)  # cells
UNPAINTED = "\0"


@pytest.fixture(scope="module")
def sixel_image():
    return import_without_terminal("tuifeed.tui.widgets.sixel_image").SixelThumbnailImage


class PictureBesideText(App):
    CSS = f"""
    #row {{ height: {PICTURE[1]}; }}
    #picture {{ width: {PICTURE[0]}; height: {PICTURE[1]}; }}
    #text {{ width: 1fr; }}
    #below {{ height: 1fr; }}
    """

    def __init__(self, image_widget) -> None:
        super().__init__()
        self.image_widget = image_widget

    def compose(self) -> ComposeResult:
        with Horizontal(id="row"):
            yield self.image_widget(Image.new("RGB", (90, 160), (200, 40, 90)), id="picture")
            yield Static("\n".join(f"line{y}" for y in range(PICTURE[1])), id="text")
        yield Static("under", id="below")


def replay(frame: str, width: int, height: int) -> tuple[list[list[str]], int]:
    """The cells a terminal shows after `frame` on a blank screen, and how many Sixel images
    it held. Only what Textual and textual-image send is understood: cursor positions,
    colours (ignored), new lines, Sixel data (skipped) and text of single-width cells."""
    grid = [[UNPAINTED] * width for _ in range(height)]
    row = column = images = 0
    token = re.compile(r"\x1bP.*?\x1b\\|\x1b\[(\d+);(\d+)H|\x1b\[[0-9;?]*[A-Za-z]|\r|\n|.",
                       re.DOTALL)
    for match in token.finditer(frame):
        text = match.group(0)
        if text.startswith("\x1bP"):
            images += 1
        elif match.group(1):
            row, column = int(match.group(1)) - 1, int(match.group(2)) - 1
        elif text == "\n":
            row += 1
        elif text == "\r":
            column = 0
        elif not text.startswith("\x1b"):
            assert cell_len(text) == 1, f"unexpected wide or control text {text!r}"
            if row < height and column < width:
                grid[row][column] = text
            column += 1
    return grid, images


async def test_a_full_frame_paints_every_cell_beside_the_sixel_picture(sixel_image):
    app = PictureBesideText(sixel_image)
    async with app.run_test(size=SCREEN) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()  # the picture encoded (off the UI thread)
        await pilot.pause()
        picture = app.query_one("#picture").region
        text = app.query_one("#text").region
        update = app.screen._compositor.render_update(full=True)
        frame = update.render_segments(app.console)

    width, height = SCREEN
    grid, images = replay(frame, width, height)
    assert images == 1
    assert picture.size == PICTURE and text.x == picture.right
    for y in range(picture.y, picture.bottom):  # the text beside each row, its last one too
        line = "".join(grid[y][text.x:text.right])
        assert line.startswith(f"line{y - picture.y}"), (y, line)
    outside = [(x, y) for y in range(height) for x in range(width)
               if not picture.contains(x, y) and grid[y][x] == UNPAINTED]
    assert outside == []  # no cell left to the terminal's blank screen
    assert "".join(grid[picture.bottom][:5]) == "under"



def test_in_terminal_playback_draws_with_the_thumbnails_protocol(sixel_image):
    """mpv inside the terminal uses what the thumbnails found the terminal draws: Sixel where
    ours (a subclass of textual-image's) draws, Kitty graphics, else text (it always chose
    text in a Sixel terminal: the name of our widget was not textual-image's)."""
    import textual_image.widget as widgets

    from tuifeed.playback.config import PlayerConfig
    from tuifeed.playback.mpv import terminal_vo
    from tuifeed.tui.graphics import graphics_protocol

    plain = {"TERM": "xterm-256color"}
    assert terminal_vo(PlayerConfig(), graphics_protocol(sixel_image), plain) == "sixel"
    assert terminal_vo(PlayerConfig(), graphics_protocol(widgets.TGPImage), plain) == "kitty"
    for drawn_as_text in (widgets.HalfcellImage, widgets.UnicodeImage, None):
        assert terminal_vo(PlayerConfig(), graphics_protocol(drawn_as_text), plain) == "tct"


async def test_cards_are_encoded_ahead_and_never_on_the_ui_thread(sixel_image, isolated_home,
                                                                   clock, monkeypatch):
    """textual-image encoded each card's picture while painting it (110 ms at 120x40). Here
    the workers that decode the pictures encode them; once the first card is on screen,
    each next card's picture is encoded before it is shown, and painting only looks it up."""
    import threading

    import tuifeed.tui.widgets.sixel_image as sixel_module
    from tuifeed import Feed
    from tuifeed.tui.app import FeedApp
    from tuifeed.tui.script import settle

    encoded_in = threads_calling(monkeypatch, sixel_module, "encode")
    late = calls_recorded(monkeypatch, sixel_module._SixelCanvas, "draw_later",
                          lambda canvas, picture, how, make: how)
    app = FeedApp(Feed.open(isolated_home, clock=clock, seed=1), image_widget=sixel_image,
                  tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        late.clear()
        for _ in range(4):
            await pilot.press("j")
            await settle(app, pilot)
            update = app.screen._compositor.render_update(full=True)
            assert "\x1bP" in update.render_segments(app.console)  # the picture, in Sixel
        assert late == []  # every card's picture was ready when it was painted
    assert len(encoded_in) >= 5  # the first card and the four after it
    assert threading.main_thread().name not in encoded_in
