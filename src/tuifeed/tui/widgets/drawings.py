"""Drawings of pictures made ahead, shared by the workers that make them and the UI thread
that paints them: a half-cell picture's lines (widgets/halfcell.py), a Sixel picture's
encoding (widgets/sixel_image.py). Painting a card then only looks its picture up.

A drawing is kept with its picture, so the picture's id is not reused while it is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar

from textual.message import Message

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

KEPT_DRAWINGS = 12  # the card on screen, the ones prefetched, a few behind (per size)
Drawing = TypeVar("Drawing")


class Drawings(Generic[Drawing]):
    """The drawings made for recent (picture, how it is drawn) pairs."""

    def __init__(self, capacity: int = KEPT_DRAWINGS) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple, tuple[Picture, Drawing]] = OrderedDict()
        self._capacity = capacity

    def get(self, picture: Picture, how: Hashable) -> Drawing | None:
        key = (id(picture), how)
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or kept[0] is not picture:
                return None
            self._kept.move_to_end(key)
            return kept[1]

    def make(self, picture: Picture, how: Hashable,
             draw: Callable[[], Drawing]) -> Drawing:
        """The drawing kept, or `draw()`n now (in any thread) and kept."""
        drawing = self.get(picture, how)
        if drawing is None:
            drawing = draw()
            with self._lock:
                self._kept[(id(picture), how)] = (picture, drawing)
                while len(self._kept) > self._capacity:
                    self._kept.popitem(last=False)
        return drawing


def fitted(picture: Picture, width: int, height: int) -> Picture:
    """The picture as large as `width` x `height` pixels hold it with its shape kept (a
    landscape thumbnail in a portrait card is not stretched), centred on a transparent
    canvas of that size (RGBA): what each widget draws, the canvas showing the card behind."""
    from PIL import Image

    scale = min(width / max(picture.width, 1), height / max(picture.height, 1))
    size = (min(width, max(1, round(picture.width * scale))),
            min(height, max(1, round(picture.height * scale))))
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.paste(picture.convert("RGB").resize(size, Image.Resampling.BICUBIC),
                 ((width - size[0]) // 2, (height - size[1]) // 2))
    return canvas


DRAWING_GROUP = "picture drawing"  # the workers making drawings the paint found missing


class DrawsLater:
    """Mixed into a picture widget: a drawing its paint finds missing (the card was resized
    since it was made, say) is made by a worker, and the widget painted again once it is in.
    (Its handler goes by name: Textual's @on is not seen in a mixin.)"""

    class Drawn(Message):
        """A worker made the drawing the paint found missing."""

    def draw_later(self, picture: Picture, how: Hashable, make: Callable[[], object]) -> None:
        """Have `make()` (which keeps the drawing of `picture` drawn `how`) run in a worker,
        once until it is done."""
        wanted = (id(picture), how)
        if getattr(self, "_drawing_later", None) != wanted:
            self._drawing_later = wanted
            self.run_worker(partial(self._draw_later, make),  # type: ignore[attr-defined]
                            group=DRAWING_GROUP, thread=True, exit_on_error=False)

    def _draw_later(self, make: Callable[[], object]) -> None:  # in the worker
        make()
        self.post_message(self.Drawn())  # type: ignore[attr-defined]

    def on_draws_later_drawn(self, message: Drawn) -> None:
        message.stop()
        self._drawing_later = None
        self.refresh()  # type: ignore[attr-defined]
