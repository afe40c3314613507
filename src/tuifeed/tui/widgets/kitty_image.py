"""textual-image's Kitty-graphics widget, with each picture encoded ahead, off the UI thread.

textual-image encodes a picture as PNG (in base64) while painting it: 32 ms of the UI thread
for every card at 120x40 (340x600 pixels). Here the workers that decode a card's picture
encode it too (`KittyThumbnailImage.prepare`, as the half-cell and Sixel widgets' drawings
are made), and painting sends what was made; a picture not made ahead (the card was resized
since) is blank for the frame it takes a worker of the widget's own to encode it.

Imported only once the terminal has been probed: importing textual_image.widget queries it.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.console import RenderResult
from textual_image._pixeldata import PixelData
from textual_image._terminal import get_cell_size
from textual_image.renderable.tgp import Image as _TextualKittyRenderable
from textual_image.widget import TGPImage

from tuifeed.tui.widgets.drawings import Drawings, DrawsLater, fitted

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

ENCODINGS: Drawings[str] = Drawings()  # the PNGs in base64, per (picture, pixel size)


def png_base64(picture: Picture, size: tuple[int, int]) -> str:
    """The picture fitted in `size` pixels (its shape kept, centred on transparency: see
    drawings.fitted), as the PNG (in base64) the terminal is sent."""
    return PixelData(fitted(picture, *size)).to_base64()


class _Encoded:
    """Stands in for textual-image's pixel data while a picture is sent: its encoding, made
    already, is what scaling it and encoding it gives."""

    def __init__(self, encoded: str) -> None:
        self._encoded = encoded

    def scaled(self, width: int, height: int) -> _Encoded:
        return self

    def to_base64(self) -> str:
        return self._encoded


class _PreparedKittyRenderable(_TextualKittyRenderable):
    """textual-image's renderable, sending the encoding made ahead when there is one."""

    def __init__(self, image, width=None, height=None) -> None:
        super().__init__(image, width, height)
        self._picture = image

    def _send_image_to_terminal(self, width: int, height: int) -> None:
        encoded = ENCODINGS.make(self._picture, (width, height),
                                 partial(png_base64, self._picture, (width, height)))
        pixels, self._image_data = self._image_data, _Encoded(encoded)
        try:
            super()._send_image_to_terminal(width, height)
        finally:
            self._image_data = pixels


class KittyThumbnailImage(DrawsLater, TGPImage, Renderable=_PreparedKittyRenderable):
    """textual-image's Kitty-graphics widget sending pictures encoded ahead."""

    @classmethod
    def prepare(cls, picture: Picture, size: tuple[int, int]) -> None:
        """Encode the picture for a widget of `size` (columns, rows), now, in any thread."""
        pixels = pixel_size(size)
        ENCODINGS.make(picture, pixels, partial(png_base64, picture, pixels))

    def render(self) -> RenderResult:
        picture = self.image
        size = (self.content_size.width, self.content_size.height)
        if picture is not None and ENCODINGS.get(picture, pixel_size(size)) is None:
            self.draw_later(picture, size, partial(self.prepare, picture, size))
            return ""  # blank for the frame it takes
        return super().render()


def pixel_size(size: tuple[int, int]) -> tuple[int, int]:
    """The pixels of `size` cells: the picture is fitted in them (textual-image's widget,
    at a width and height of 100%, places an image of that size)."""
    cell = get_cell_size()
    return size[0] * cell.width, size[1] * cell.height
