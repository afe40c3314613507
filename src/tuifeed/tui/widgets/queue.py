"""The upcoming queue beside the card, with each item's move since the last re-rank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.cache import LRUCache
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

from tuifeed.tui.format import clock_time

if TYPE_CHECKING:
    from tuifeed.ranking import Ranked


def moves(previous: list[str], current: list[str]) -> dict[str, int | None]:
    """How many places each item rose (+) or fell (-); None for an item new to the list.

    Items that left the queue (now the current card, say) are dropped from the old order
    first, so advancing by one card is not counted as every item moving up.
    """
    kept = [item_id for item_id in previous if item_id in set(current)]
    old_place = {item_id: place for place, item_id in enumerate(kept)}
    return {
        item_id: (old_place[item_id] - place if item_id in old_place else None)
        for place, item_id in enumerate(current)
    }


LINES_PER_ENTRY = 2
STRIPS_KEPT = 512  # drawn lines kept: a tall Up next's lines, twice over, and more


class QueuePanel(Widget):
    """Up next: rank, move marker, title, creator, duration; one card per two lines."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._queue: list[Ranked] = []
        self._changes: dict[str, int | None] = {}
        self._lines_cache: tuple[int, list[tuple[Text, ...]]] | None = None  # (width, lines)
        self._strips: LRUCache[tuple, Strip] = LRUCache(STRIPS_KEPT)

    def fits(self, least: int) -> int:
        """How many entries to show: as many as the panel's height holds, at least `least`."""
        return max(least, self.content_size.height // LINES_PER_ENTRY)

    def on_resize(self) -> None:
        # Taller now: ask the app for a longer queue, whose extra entries are not news (no •).
        if self.screen is self.app.screen and len(self._queue) < self.fits(0):
            self._queue, self._lines_cache = [], None
            self.app.refresh_queue()  # type: ignore[attr-defined]

    def show(self, queue: list[Ranked]) -> None:
        ids = [entry.item.id for entry in queue]
        shown = [entry.item.id for entry in self._queue]
        self._changes = moves(shown, ids) if shown else {}
        for item_id in ids[len(shown):]:  # a longer queue than before: its tail is not news
            if self._changes.get(item_id, 0) is None:
                del self._changes[item_id]
        self._queue = queue
        self._lines_cache = None
        self.refresh()

    def render(self) -> Text:
        """Up next as one text (what render_line draws, line by line)."""
        lines = self._lines(max(self.content_size.width, 10))
        return Text("\n").join(Text("").join(parts) for parts in lines)

    def render_line(self, y: int) -> Strip:
        """Line `y`, each of its parts drawn once per text and width. A `j` moves every
        entry up a place: its rank is drawn apart from the rest of its title line, so the
        rest (and its second line) are drawn as before, one line higher. (Drawn whole, the
        list took 6.4 ms a draw at 120x40, two draws a key; 5.2 ms now, most of it Textual's
        own work on each line: border, padding, colours.)"""
        if self.text_selection is not None:  # text selected with the mouse: drawn over the
            return super().render_line(y)  # whole list, as Textual draws it (nothing kept)
        width = self.size.width
        if self._lines_cache is None or self._lines_cache[0] != width:
            self._lines_cache = (width, self._lines(max(width, 10)))
        lines = self._lines_cache[1]
        parts = lines[y] if y < len(lines) else ()
        style, left, strips = self.visual_style, width, []
        for part in parts:
            key = (part.plain, tuple(part.spans), str(part.style), left, style)
            strip = self._strips.get(key)
            if strip is None:
                drawn = Visual.to_strips(self, visualize(self, part), left, 1, style,
                                         apply_selection=False)
                strip = self._strips[key] = drawn[0] if drawn else Strip([])
            strips.append(strip)
            left -= strip.cell_length
        # Each character's place in the text (what selecting text with the mouse reads), as
        # the whole list drawn at once gives it: the parts were drawn on their own.
        return Strip.join(strips).apply_offsets(0, y)

    def _lines(self, width: int) -> list[tuple[Text, ...]]:
        """Each line's parts: a title line is its rank and the rest, truncated to `width`
        together; a creator's line is one part (an empty queue: one line saying so)."""
        lines = []
        for entry in self._queue:
            rank = Text(f"{entry.rank:>2} ", "dim")
            rank.truncate(width)
            title = Text(style="dim")  # (the whole line's base style, as the rank's)
            title.append_text(self._marker(self._changes.get(entry.item.id, 0), entry.explore))
            title.append(entry.item.title, "bold")
            title.truncate(max(width - rank.cell_len, 0), overflow="ellipsis")
            topic = f" · #{entry.item.topics[0]}" if entry.item.topics else ""
            # No-break spaces: a leading plain space would be dropped when the line renders.
            byline = Text(f"\u00a0\u00a0\u00a0\u00a0@{entry.item.creator} · "
                          f"{clock_time(entry.item.duration)}{topic}", "dim")
            byline.truncate(width, overflow="ellipsis")
            lines += [(rank, title), (byline,)]
        return lines or [(Text("The queue is empty.", "dim"),)]

    @staticmethod
    def _marker(change: int | None, explore: bool) -> Text:
        if explore:
            return Text("✦ ", "magenta")
        if change is None:
            return Text("• ", "cyan")
        if change > 0:
            return Text(f"▲{change} ", "green")
        if change < 0:
            return Text(f"▼{-change} ", "red")
        return Text("  ")
