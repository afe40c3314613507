"""A picture drawn with coloured half cells, for terminals that draw neither Sixel nor Kitty
graphics: each cell is `▀`, its colour the upper pixel and its background the lower one.

The lines are made where the picture is decoded, in a worker (`HalfcellPicture.prepare`):
the UI thread, painting a card, only looks them up. (textual-image's half-cell widget made
them while painting: 20 ms of every `j` on the UI thread at 120x40.) A picture whose lines
are not made at the widget's size (the card was resized since) is blank for the frame it
takes a worker of the widget's own to make them. The picture keeps its shape: a landscape
thumbnail in the portrait card is as wide as the card and centred (textual-image's widget
stretched it to fill).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from tuifeed.tui.widgets.drawings import Drawings, DrawsLater, fitted

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

UPPER_HALF, LOWER_HALF = "▀", "▄"
BLANK = Segment(" ")


def halfcell_lines(picture: Picture, columns: int, rows: int) -> list[Strip]:
    """The picture fitted in `columns` x `rows` cells (its shape kept, centred: see
    drawings.fitted), as lines of half cells; where it does not reach, the card shows."""
    if columns <= 0 or rows <= 0:
        return []
    data = fitted(picture, columns, rows * 2).tobytes()  # RGBA
    stride = columns * 4
    colours: dict[bytes, Color] = {}

    def colour(offset: int) -> Color | None:
        if data[offset + 3] == 0:  # outside the picture
            return None
        key = data[offset: offset + 3]
        found = colours.get(key)
        if found is None:
            found = colours[key] = Color.from_rgb(*key)
        return found

    lines = []
    for row in range(rows):
        upper, lower = row * 2 * stride, (row * 2 + 1) * stride
        segments = [_cell(colour(upper + 4 * x), colour(lower + 4 * x)) for x in range(columns)]
        lines.append(Strip(Segment.simplify(segments), columns))
    return lines


def _cell(upper: Color | None, lower: Color | None) -> Segment:
    if upper is None and lower is None:
        return BLANK
    if upper is None:
        return Segment(LOWER_HALF, Style(color=lower))
    return Segment(UPPER_HALF, Style(color=upper, bgcolor=lower))


class HalfcellPicture(DrawsLater, Widget):
    """Shows `image` (a decoded picture, or None) in half cells, fitted in the widget."""

    drawings: Drawings[list[Strip]] = Drawings()  # one for the app (one card widget)

    def __init__(self, image: Picture | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._image = image

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
        cls.drawings.make(picture, size, partial(halfcell_lines, picture, *size))

    def render_line(self, y: int) -> Strip:
        size = (self.content_size.width, self.content_size.height)
        picture = self._image
        lines = None if picture is None else self.drawings.get(picture, size)
        if lines is None:
            if picture is not None:
                self.draw_later(picture, size, partial(self.prepare, picture, size))
            return Strip.blank(size[0])
        return lines[y] if 0 <= y < len(lines) else Strip.blank(size[0])
