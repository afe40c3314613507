"""The upcoming queue beside the card, with each item's move since the last re-rank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
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


class QueuePanel(Widget):
    """Up next: rank, move marker, title, creator, duration; one card per two lines."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._queue: list[Ranked] = []
        self._changes: dict[str, int | None] = {}

    def fits(self, least: int) -> int:
        """How many entries to show: as many as the panel's height holds, at least `least`."""
        return max(least, self.content_size.height // LINES_PER_ENTRY)

    def on_resize(self) -> None:
        # Taller now: ask the app for a longer queue, whose extra entries are not news (no •).
        if self.screen is self.app.screen and len(self._queue) < self.fits(0):
            self._queue = []
            self.app.refresh_queue()  # type: ignore[attr-defined]

    def show(self, queue: list[Ranked]) -> None:
        ids = [entry.item.id for entry in queue]
        shown = [entry.item.id for entry in self._queue]
        self._changes = moves(shown, ids) if shown else {}
        for item_id in ids[len(shown):]:  # a longer queue than before: its tail is not news
            if self._changes.get(item_id, 0) is None:
                del self._changes[item_id]
        self._queue = queue
        self.refresh()

    def render(self) -> Text:
        width = max(self.content_size.width, 10)
        lines = []
        for entry in self._queue:
            title = Text(f"{entry.rank:>2} ", "dim")
            title.append_text(self._marker(self._changes.get(entry.item.id, 0), entry.explore))
            title.append(entry.item.title, "bold")
            topic = f" · #{entry.item.topics[0]}" if entry.item.topics else ""
            # No-break spaces: a leading plain space would be dropped when the line renders.
            byline = Text(f"\u00a0\u00a0\u00a0\u00a0@{entry.item.creator} · "
                          f"{clock_time(entry.item.duration)}{topic}", "dim")
            for line in (title, byline):
                line.truncate(width, overflow="ellipsis")
                lines.append(line)
        if not lines:
            return Text("The queue is empty.", "dim")
        return Text("\n").join(lines)

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
