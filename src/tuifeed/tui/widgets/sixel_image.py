"""textual-image's Sixel widget, with the cursor left where Textual expects it after a picture.

Imported only once the terminal has been probed: importing textual_image.widget queries it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual_image.widget.sixel import Image as _TextualSixelImage
from textual_image.widget.sixel import _ImageSixelImpl, _NoopRenderable


class _SixelCanvas(_ImageSixelImpl):
    """Paints the Sixel data as the last line of its region claims: a strip as wide as the
    picture, after which the cursor stands just right of the picture on its last row.

    textual-image 0.12 ends the strip by moving to the row *below* the picture. Textual's
    full-screen frames write each line as one run (one cursor move, then every widget's
    segments in turn), so everything right of the picture on its last row was written one row
    too low and overwritten by the next line: those cells stayed unpainted on the first frame
    (white cells in xterm, whose blank screen is white) until a partial redraw repainted them.
    """

    def _get_sixel_segments(self, sixel_data: str) -> Iterable[Segment]:
        *picture, _below = super()._get_sixel_segments(sixel_data)
        visible = self.screen.find_widget(self).visible_region
        after = Control.move_to(visible.right, visible.bottom - 1).segment.text
        return [*picture, Segment(after, style=Style())]


class SixelThumbnailImage(_TextualSixelImage, Renderable=_NoopRenderable):
    """textual-image's Sixel widget drawing through _SixelCanvas."""

    def compose(self) -> ComposeResult:
        yield _SixelCanvas(self.image, self._sixel_options)
