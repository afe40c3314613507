"""textual-image's Sixel widget, with the cursor left where Textual expects it after a picture,
and the picture encoded off the UI thread.

textual-image encodes a picture as Sixel while painting it: 110 ms of the UI thread for
every card at 120x40 (340x600 pixels), each `j` held back by it. Here the encoding is made
where the picture is decoded, in a worker (`SixelThumbnailImage.prepare`, as the half-cell
widget's lines are), or by a worker of the widget's own when the paint finds it missing
(blank meanwhile); painting only looks it up.

Imported only once the terminal has been probed: importing textual_image.widget queries it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.dom import NoScreen
from textual.geometry import Region
from textual.strip import Strip
from textual_image._sixel import image_to_sixels
from textual_image._terminal import get_cell_size
from textual_image.widget.sixel import Image as _TextualSixelImage
from textual_image.widget.sixel import _ImageSixelImpl, _NoopRenderable

from tuifeed.tui.widgets.drawings import Drawings, DrawsLater, fitted

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

Background = tuple[int, int, int, float]
# How a picture is encoded: its size in pixels, the part of it shown (pixels: left, top,
# right, bottom) and the background its transparent pixels are laid on.
Encoding = tuple[tuple[int, int], tuple[int, int, int, int], Background]


def encode(picture: Picture, how: Encoding) -> str:
    """The picture as Sixel data (any thread): fitted in its size in pixels (its shape kept,
    centred: see drawings.fitted), cropped to the part shown, laid on its background."""
    size, box, background = how
    shown = fitted(picture, *size)
    if box != (0, 0, *size):
        shown = shown.crop(box)
    return image_to_sixels(shown, None, background)


class _SixelCanvas(DrawsLater, _ImageSixelImpl):
    """Paints the Sixel data as the last line of its region claims: a strip as wide as the
    picture, after which the cursor stands just right of the picture on its last row.

    textual-image 0.12 ends the strip by moving to the row *below* the picture. Textual's
    full-screen frames write each line as one run (one cursor move, then every widget's
    segments in turn), so everything right of the picture on its last row was written one row
    too low and overwritten by the next line: those cells stayed unpainted on the first frame
    (white cells in xterm, whose blank screen is white) until a partial redraw repainted them.
    """

    encodings: Drawings[str] = Drawings()  # one for the app (one card widget)
    background: Background | None = None  # the canvas's, once one is on screen (prepare)

    def render_lines(self, crop: Region) -> list[Strip]:
        try:
            if not self.image or not self.screen.is_active:
                return []
        except NoScreen:  # not on a screen (yet, or any more)
            return []
        picture = self.image
        background = self._get_background_rgba()
        type(self).background = background
        how = encoding_of(picture, crop, self.content_size, background)
        data = self.encodings.get(picture, how)
        if data is None:
            self.draw_later(picture, how, partial(self.encodings.make, picture, how,
                                                  partial(encode, picture, how)))
            return [Strip.blank(crop.width)] * crop.height
        return [Strip([])] * (crop.height - 1) + [
            Strip(self._get_sixel_segments(data), cell_length=crop.width)]

    def _get_sixel_segments(self, sixel_data: str) -> Iterable[Segment]:
        *picture, _below = super()._get_sixel_segments(sixel_data)
        visible = self.screen.find_widget(self).visible_region
        after = Control.move_to(visible.right, visible.bottom - 1).segment.text
        return [*picture, Segment(after, style=Style())]


def encoding_of(picture: Picture, crop: Region, content: tuple[int, int],
                background: Background) -> Encoding:
    """How a canvas of `content` cells showing its `crop` encodes the picture: fitted in the
    canvas's pixels."""
    cell = get_cell_size()
    size = (content[0] * cell.width, content[1] * cell.height)
    box = (crop.x * cell.width, crop.y * cell.height, crop.right * cell.width,
           crop.bottom * cell.height)
    return size, box, background


class SixelThumbnailImage(_TextualSixelImage, Renderable=_NoopRenderable):
    """textual-image's Sixel widget drawing through _SixelCanvas."""

    def compose(self) -> ComposeResult:
        yield _SixelCanvas(self.image, self._sixel_options)

    @classmethod
    def prepare(cls, picture: Picture, size: tuple[int, int]) -> None:
        """Encode the picture for a widget of `size` (columns, rows), whole, now, in any
        thread (once a canvas has said its background), so painting it is a look-up."""
        background = _SixelCanvas.background
        if background is not None and all(size):
            how = encoding_of(picture, Region(0, 0, *size), size, background)
            _SixelCanvas.encodings.make(picture, how, partial(encode, picture, how))
