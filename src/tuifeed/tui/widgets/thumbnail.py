"""A video's thumbnail, drawn with textual-image, or a placeholder when it cannot be."""

from __future__ import annotations

from PIL import Image as PILImage
from PIL import UnidentifiedImageError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Static

from tuifeed.models import Item

# Thumbnails are portrait (9:16). A terminal cell is about twice as tall as it is wide.
ASPECT = 9 / 16
CELL_ASPECT = 2.0


def fit_portrait(width: int, height: int, max_share: float = 0.5) -> tuple[int, int]:
    """The largest 9:16 box, in cells, within height rows and max_share of width columns."""
    columns = min(int(width * max_share), round(height * CELL_ASPECT * ASPECT))
    rows = min(height, round(columns / ASPECT / CELL_ASPECT))
    return max(columns, 0), max(rows, 0)


def load_picture(path: str) -> PILImage.Image | None:
    """The decoded image, or None when it is missing or unreadable (never an exception)."""
    if not path:
        return None
    try:
        with PILImage.open(path) as picture:
            picture.load()
            return picture.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError):
        return None


class Thumbnail(Container):
    """Holds an image widget and a text placeholder, and shows whichever fits the item."""

    def __init__(self, image_widget: type[Widget] | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._image_widget = image_widget

    def compose(self) -> ComposeResult:
        if self._image_widget is not None:
            yield self._image_widget(id="thumbnail-image")  # type: ignore[call-arg]
        yield Static(id="thumbnail-placeholder")

    def show(self, item: Item) -> None:
        picture = load_picture(item.thumbnail) if self._image_widget else None
        placeholder = self.query_one("#thumbnail-placeholder", Static)
        placeholder.display = picture is None
        placeholder.update(self._placeholder(item))
        if self._image_widget is not None:
            image = self.query_one("#thumbnail-image")
            image.display = picture is not None
            image.image = picture  # type: ignore[attr-defined]

    @staticmethod
    def _placeholder(item: Item) -> Text:
        topic = item.topics[0] if item.topics else "video"
        return Text.assemble("\n\n▶\n\n", (f"#{topic}", "bold"), "\n(no picture)", justify="center")
