"""The current item as a large card: thumbnail, title, creator, topics, stats, autoplay bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from tuifeed.timewords import ago
from tuifeed.tui.format import clock_time, compact_count
from tuifeed.tui.widgets.thumbnail import Thumbnail, fit_portrait

if TYPE_CHECKING:
    from tuifeed.models import Item


class VideoCard(Vertical):
    """Shows one item. Untrusted text goes in as rich Text, so no markup is ever interpreted."""

    def __init__(self, image_widget: type[Widget] | None, pictures_coming: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._image_widget = image_widget
        self._pictures_coming = pictures_coming  # see Thumbnail.use_image_widget
        self.item: Item | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="card-body"):
            yield Thumbnail(self._image_widget, self._pictures_coming, id="thumbnail")
            with Vertical(id="details"):
                yield Static(id="title")
                yield Static(id="byline")
                yield Static(id="topics")
                yield Static(id="stats")
                yield Static(id="badges")
                yield Static(id="description")
        with Horizontal(id="playback"):
            yield ProgressBar(total=100, show_eta=False, show_percentage=False, id="progress")
            yield Static(id="elapsed")

    def on_resize(self) -> None:
        self.fit_thumbnail()

    def fit_thumbnail(self) -> None:
        """Keep the thumbnail portrait and as large as the card allows."""
        body = self.query_one("#card-body").size
        share = 0.4 if self.app.has_class("-narrow") else 0.5
        columns, rows = fit_portrait(body.width, body.height, share)
        thumbnail = self.query_one(Thumbnail)
        thumbnail.styles.width = columns
        thumbnail.styles.height = rows

    def show(self, item: Item | None, now: float, *, liked: bool, saved: bool,
             following: bool, disliked: bool = False, ranking: bool = False) -> None:
        """Fill the card; the thumbnail is redrawn only when the item or its picture changes."""
        if item is None:
            self.show_note("Ranking your feed…" if ranking else
                           "Nothing to show with this recipe.\nPress r to switch recipe, or a "
                           "to review your mutes.")
            return
        if self.item is None or (self.item.id, self.item.thumbnail) != (item.id, item.thumbnail):
            self.query_one(Thumbnail).show(item)
        self.item = item
        self.query_one("#title", Static).update(Text(item.title, style="bold"))
        self.query_one("#byline", Static).update(Text.assemble(
            ("@", "dim"), (item.creator, "bold"),
            ("  ✓ following" if following else "", "green"),
        ))
        self.query_one("#topics", Static).update(
            Text("  ".join(f"#{topic}" for topic in item.topics), style="italic")
        )
        self.query_one("#stats", Static).update(Text(
            f"{clock_time(item.duration)} · {compact_count(item.views)} views · "
            f"{compact_count(item.likes)} likes · {ago(now - item.published)}"
        ))
        badges = Text()
        badges.append("♥ liked  " if liked else "", "bold red")
        badges.append("★ saved  " if saved else "", "bold yellow")
        badges.append("✗ not interested (x takes it back)" if disliked else "", "bold magenta")
        self.query_one("#badges", Static).update(badges)
        self.query_one("#description", Static).update(Text(item.description, style="dim"))

    def show_note(self, text: str) -> None:
        """A line in place of the card, while there is none (the feed opening, say)."""
        self.query_one("#title", Static).update(Text(text, "bold"))

    async def use_image_widget(self, image_widget: type[Widget] | None) -> None:
        await self.query_one(Thumbnail).use_image_widget(image_widget)

    def prefetch(self, items: list[Item]) -> None:
        """Get the thumbnails of the next few cards ready (call after every redraw)."""
        self.query_one(Thumbnail).prefetch(items)

    def show_progress(self, elapsed: float) -> None:
        """Autoplay: the bar loops over the item's duration, as a clip replays."""
        if self.item is None:
            return
        from tuifeed.ranking.catalog import UNKNOWN_DURATION  # loaded with the feed

        known = self.item.duration > 0
        # Unknown length (YouTube feeds send none): loop as the ranker assumes it lasts.
        duration = max(self.item.duration, 1.0) if known else UNKNOWN_DURATION
        position = elapsed % duration
        self.query_one("#progress", ProgressBar).update(total=duration, progress=position)
        self.query_one("#elapsed", Static).update(
            f"{clock_time(position) if position >= 1 else '0:00'} / "
            f"{clock_time(duration) if known else '?:??'}"
        )

    def show_playback(self, position: float, duration: float | None, paused: bool) -> None:
        """The player's real position, while mpv plays the card in a window."""
        total = duration if duration and duration > 0 else max(position, 1.0)
        self.query_one("#progress", ProgressBar).update(total=total, progress=min(position,
                                                                                   total))
        mark = "⏸" if paused else "▶"
        self.query_one("#elapsed", Static).update(
            f"{mark} {clock_time(position) if position >= 1 else '0:00'} / "
            f"{clock_time(duration) if duration else '?:??'}")
