"""A video's thumbnail, drawn with textual-image, or a placeholder while it loads or when it
cannot be. Finding, downloading and decoding happen in workers, never on the UI thread.

Pillow and textual-image load in those workers: the first frame waits for neither, and the
image widget may arrive after it (`use_image_widget`, once the terminal's answers are in).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

    from tuifeed.catalogue.thumbnails import ThumbnailCache
    from tuifeed.models import Item

# Thumbnails are portrait (9:16). A terminal cell is about twice as tall as it is wide.
ASPECT = 9 / 16
CELL_ASPECT = 2.0
# Pixels: sharp enough for Sixel or Kitty at the largest card, small enough to redraw fast.
MAX_PICTURE = (540, 960)
# What a worker does with a picture it decoded: its drawing made for the size the card has
# then (Thumbnail._preparing), which it returns (None: none made).
Preparing = Callable[["Picture"], "tuple[int, int] | None"]
# Decoded pictures kept: the card on screen, the few prefetched after it, a few behind it.
KEPT_PICTURES = 8


def fit_portrait(width: int, height: int, max_share: float = 0.5) -> tuple[int, int]:
    """The largest 9:16 box, in cells, within height rows and max_share of width columns."""
    columns = min(int(width * max_share), round(height * CELL_ASPECT * ASPECT))
    rows = min(height, round(columns / ASPECT / CELL_ASPECT))
    return max(columns, 0), max(rows, 0)


class Thumbnail(Container):
    """Holds an image widget and a text placeholder, and shows whichever fits the item."""

    @dataclass
    class Loaded(Message):
        """A worker has the picture of an item's thumbnail source, or None when it has none."""

        item_id: str
        source: str
        picture: Picture | None
        prepared: tuple[int, int] | None = None  # the size its drawing was made at

    def __init__(self, image_widget: type[Widget] | None, pictures_coming: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._image_widget = image_widget
        # The image widget is on its way (use_image_widget): the placeholder says loading.
        self._pictures_coming = pictures_coming and image_widget is None
        self._item: Item | None = None
        self._cache: ThumbnailCache | None = None
        self._pictures: OrderedDict[str, Picture] = OrderedDict()  # source -> picture
        self._prefetching: list[str] = []  # the sources the latest prefetch was asked for

    @property
    def draws_pictures(self) -> bool:
        return self._image_widget is not None

    @property
    def cache(self) -> ThumbnailCache:
        """One cache for the session, so a URL that failed is not asked for on every card."""
        if self._cache is None:
            from tuifeed.catalogue.thumbnails import ThumbnailCache

            self._cache = ThumbnailCache(
                self.app.feed.locations.cache / "thumbnails")  # type: ignore[attr-defined]
        return self._cache

    def compose(self) -> ComposeResult:
        if self._image_widget is not None:
            yield self._image_widget(id="thumbnail-image")  # type: ignore[call-arg]
        yield Static(id="thumbnail-placeholder")

    async def use_image_widget(self, image_widget: type[Widget] | None) -> None:
        """Draw pictures with this widget from now on (it came after the first frame); the
        card on screen, if any, is shown again with it."""
        coming, self._pictures_coming = self._pictures_coming, False
        if not self.is_attached:  # the app quits (q came first): nothing more is drawn
            return
        if image_widget is None or self._image_widget is not None:
            if coming and self._item is not None:  # no pictures after all: said so
                self.show(self._item)
            return
        self._image_widget = image_widget
        picture = image_widget(id="thumbnail-image")  # type: ignore[call-arg]
        picture.display = False
        await self.mount(picture, before=0)
        if self._item is not None:
            self.show(self._item)

    def show(self, item: Item) -> None:
        """The picture at once when it is decoded already, else the placeholder until it is."""
        self._item = item
        source = item.thumbnail
        picture = self._pictures.get(source)
        if picture is not None:
            self._pictures.move_to_end(source)
        loading = (picture is None and bool(source)
                   and (self.draws_pictures or self._pictures_coming))
        self._draw(picture, self._placeholder(item, loading))
        if loading and self.draws_pictures:
            self._load(self.cache, item, self._preparing())

    def prefetch(self, items: list[Item]) -> None:
        """Download and decode the pictures of the cards coming next, so they show at once."""
        if not self.draws_pictures:
            return
        wanted = [item for item in items if item.thumbnail and item.thumbnail not in self._pictures]
        sources = [item.thumbnail for item in wanted]
        # Asked already (a redraw after a like): running, or done and found no picture.
        if not wanted or sources == self._prefetching:
            return
        self._prefetching = sources
        self._prefetch(self.cache, wanted, self._preparing())

    def on_resize(self) -> None:
        """The pictures kept, other than the one on screen (its widget asks for its own), are
        prepared again at the new size, so the next cards still paint at once."""
        others = [picture for source, picture in self._pictures.items()
                  if self._item is None or source != self._item.thumbnail]
        prepare = self._preparing()
        if others and prepare is not None:
            self._prepare_again(others, prepare)

    @work(thread=True, group="prepare again", exit_on_error=False)
    def _prepare_again(self, pictures: list[Picture], prepare: Preparing) -> None:
        for picture in pictures:
            if get_current_worker().is_cancelled:
                return
            prepare(picture)

    def _preparing(self) -> Preparing | None:
        """What a worker does with a picture it decoded, before posting it: the image
        widget's drawing of it made ahead (a half-cell picture's lines, a Sixel or Kitty
        encoding) at the size the picture is drawn when the worker gets to it (a resize
        meanwhile counts), so painting the card only looks it up. Returns that size."""
        prepare = getattr(self._image_widget, "prepare", None)
        if prepare is None:
            return None

        def preparing(picture: Picture) -> tuple[int, int] | None:
            size = self.content_size  # (read whole: a resize on the UI thread replaces it)
            if not (size.width and size.height):
                return None
            try:
                prepare(picture, (size.width, size.height))
            except Exception:  # noqa: BLE001 - the picture is still posted: its widget tries
                return None  # itself when painting it, and stays blank if it cannot
            return size.width, size.height
        return preparing

    @work(thread=True, exclusive=True, group="thumbnail", exit_on_error=False)
    def _load(self, cache: ThumbnailCache, item: Item, prepare: Preparing | None) -> None:
        from tuifeed.catalogue.thumbnails import picture_for

        worker = get_current_worker()
        picture = picture_for(cache, item.thumbnail, MAX_PICTURE, lambda: worker.is_cancelled)
        prepared = prepare(picture) if picture is not None and prepare is not None else None
        # Posted even when cancelled: the picture is kept for when the viewer comes back.
        self.post_message(self.Loaded(item.id, item.thumbnail, picture, prepared))

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def _prefetch(self, cache: ThumbnailCache, items: list[Item],
                  prepare: Preparing | None) -> None:
        from tuifeed.catalogue.thumbnails import picture_for

        worker = get_current_worker()

        def cancelled() -> bool:
            return worker.is_cancelled

        cache.download_now([item.thumbnail for item in items], cancelled)  # side by side
        for item in items:
            if cancelled():
                return
            picture = picture_for(cache, item.thumbnail, MAX_PICTURE, cancelled)
            prepared = prepare(picture) if picture is not None and prepare is not None else None
            self.post_message(self.Loaded(item.id, item.thumbnail, picture, prepared))

    def on_thumbnail_loaded(self, message: Loaded) -> None:
        if message.picture is not None:
            self._pictures[message.source] = message.picture
            self._pictures.move_to_end(message.source)
            while len(self._pictures) > KEPT_PICTURES:
                self._pictures.popitem(last=False)
        item = self._item
        if item is None or (item.id, item.thumbnail) != (message.item_id, message.source):
            # A prefetch (or the viewer moved on): made at a size the card no longer has (a
            # resize came while it worked), it is made again at this one.
            prepare = self._preparing()
            if (message.picture is not None and prepare is not None and message.prepared
                    != (self.content_size.width, self.content_size.height)):
                self._prepare_again([message.picture], prepare)
            return
        self._draw(message.picture, self._placeholder(item, loading=False))

    def _draw(self, picture: Picture | None, placeholder_text: Text) -> None:
        placeholder = self.query_one("#thumbnail-placeholder", Static)
        placeholder.display = picture is None
        placeholder.update(placeholder_text)
        if self._image_widget is not None:
            image = self.query_one("#thumbnail-image")
            image.display = picture is not None
            image.image = picture  # type: ignore[attr-defined]

    @staticmethod
    def _placeholder(item: Item, loading: bool) -> Text:
        topic = item.topics[0] if item.topics else "video"
        note = "\n(loading…)" if loading else "\n(no picture)"
        return Text.assemble("\n\n▶\n\n", (f"#{topic}", "bold"), note, justify="center")
