"""A picture drawn with coloured half cells, for terminals that draw neither Sixel nor Kitty
graphics: each cell is `▀`, its colour the upper pixel and its background the lower one.

The lines are made where the picture is decoded, in a worker (`HalfcellPicture.prepare`):
the UI thread, painting a card, only looks them up. (textual-image's half-cell widget made
them while painting: 20 ms of every `j` on the UI thread at 120x40.) A picture whose lines
are not made at the widget's size (the card was resized since) is blank for the frame it
takes a worker of the widget's own to make them. The picture fills the widget, as
textual-image's did at a width and height of 100%.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import partial
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

DRAWING_GROUP = "picture lines"  # the workers making lines the paint found missing
KEPT_DRAWINGS = 12  # the card on screen, the ones prefetched, a few behind (per size)
UPPER_HALF = "▀"


def halfcell_lines(picture: Picture, columns: int, rows: int) -> list[Strip]:
    """The picture stretched to `columns` x `rows` cells, as lines of half cells."""
    from PIL import Image

    if columns <= 0 or rows <= 0:
        return []
    pixels = picture.convert("RGB").resize((columns, rows * 2), Image.Resampling.BICUBIC)
    data = pixels.tobytes()
    stride = columns * 3
    colours: dict[bytes, Color] = {}

    def colour(offset: int) -> Color:
        key = data[offset: offset + 3]
        found = colours.get(key)
        if found is None:
            found = colours[key] = Color.from_rgb(*key)
        return found

    lines = []
    for row in range(rows):
        upper, lower = row * 2 * stride, (row * 2 + 1) * stride
        segments = [Segment(UPPER_HALF, Style(color=colour(upper + 3 * x),
                                              bgcolor=colour(lower + 3 * x)))
                    for x in range(columns)]
        lines.append(Strip(Segment.simplify(segments), columns))
    return lines


class _Drawings:
    """The lines made for recent (picture, size) pairs, shared by the workers that make them
    and the UI thread that paints them. A picture is held with its lines, so its id is not
    reused while they are kept."""

    def __init__(self, capacity: int = KEPT_DRAWINGS) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[int, int, int], tuple[Picture, list[Strip]]] = (
            OrderedDict())
        self._capacity = capacity

    def get(self, picture: Picture, columns: int, rows: int) -> list[Strip] | None:
        key = (id(picture), columns, rows)
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def make(self, picture: Picture, columns: int, rows: int) -> list[Strip]:
        lines = self.get(picture, columns, rows)
        if lines is None:
            lines = halfcell_lines(picture, columns, rows)
            with self._lock:
                self._kept[(id(picture), columns, rows)] = (picture, lines)
                while len(self._kept) > self._capacity:
                    self._kept.popitem(last=False)
        return lines


class HalfcellPicture(Widget):
    """Shows `image` (a decoded picture, or None) in half cells, filling the widget."""

    drawings = _Drawings()  # one for the app: pictures are decoded for one card widget

    class Drawn(Message):
        """A worker made the lines the paint found missing."""

    def __init__(self, image: Picture | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._image = image
        self._making: tuple[int, int, int] | None = None  # the lines a worker is making

    @property
    def image(self) -> Picture | None:
        return self._image

    @image.setter
    def image(self, picture: Picture | None) -> None:
        if picture is not self._image:
            self._image = picture
            self.refresh()

    @classmethod
    def prepare(cls, picture: Picture, size: tuple[int, int]) -> None:
        """Make the picture's lines for a widget of `size` (columns, rows) now, in any thread,
        so painting it takes nothing but a look-up."""
        cls.drawings.make(picture, *size)

    def render_line(self, y: int) -> Strip:
        width, height = self.content_size
        picture = self._image
        lines = None if picture is None else self.drawings.get(picture, width, height)
        if lines is None:
            if picture is not None:
                self._make_soon(picture, width, height)
            return Strip.blank(width)
        return lines[y] if 0 <= y < len(lines) else Strip.blank(width)

    def _make_soon(self, picture: Picture, width: int, height: int) -> None:
        making = (id(picture), width, height)
        if self._making != making:
            self._making = making
            self.run_worker(partial(self._make, picture, width, height), group=DRAWING_GROUP,
                            thread=True, exit_on_error=False)

    def _make(self, picture: Picture, width: int, height: int) -> None:  # in the worker
        self.drawings.make(picture, width, height)
        self.post_message(self.Drawn())

    def on_halfcell_picture_drawn(self, message: Drawn) -> None:
        message.stop()
        self._making = None
        self.refresh()
