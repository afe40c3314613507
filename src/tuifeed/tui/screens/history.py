"""The history screen: your log, newest first, filtered; jump to an item or undo an event."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input

from tuifeed.errors import TuifeedError
from tuifeed.feed import Feed, HistoryEntry
from tuifeed.timewords import ago
from tuifeed.tui.screens.recipes import fitted
from tuifeed.tui.widgets.keybar import KeyBar

SHOWN = 500  # rows drawn at most; filter to go further back
WHEN_CELLS = 11  # "59 min ago"
WHAT_CELLS = 17  # "impression undone"
CREATOR_BELOW = 70  # columns: a narrower screen shows no creator column


def parse_filter(text: str) -> dict[str, str]:
    """"kind:like topic:cats creator:@sam" -> {"kind": "like", ...}; other words are ignored."""
    found = {}
    for word in text.split():
        key, _, value = word.partition(":")
        if key in ("kind", "topic", "creator") and value:
            found[key] = value.lstrip("#@")
    return found


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,h", "close", "Back"),
        Binding("enter", "jump", "Show this item"),
        Binding("u", "undo", "Undo event"),
        Binding("slash", "filter", "Filter"),
    ]

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed
        self.entries: list[HistoryEntry] = []
        self._width = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="history-body"):
            yield Input(placeholder="filter: kind:like  topic:cats  creator:gatorgrace",
                        id="history-filter")
            yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#history-body").border_title = "History"
        self.refresh_rows()
        self.query_one("#history", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self.refresh_rows()

    def refresh_rows(self) -> None:
        """The log fitted to the screen's width: titles and creators are cut (…) to the room
        there is, and under CREATOR_BELOW columns the creator gives its room to the title."""
        filters = parse_filter(self.query_one("#history-filter", Input).value)
        self.entries = self.feed.history(limit=SHOWN, **filters)
        table = self.query_one("#history", DataTable)
        row = table.cursor_row
        self._width = width = self.app.size.width
        table.clear(columns=True)
        with_creator = width >= CREATOR_BELOW
        # The body's border and padding (4), the scrollbar (2), each column's padding (2).
        room = width - 6 - 2 * (4 if with_creator else 3) - WHEN_CELLS - WHAT_CELLS
        title = room * 2 // 3 if with_creator else room
        table.add_column("when", width=WHEN_CELLS)
        table.add_column("what", width=WHAT_CELLS)
        table.add_column("title", width=max(title, 8))
        if with_creator:
            table.add_column("creator", width=max(room - title, 6))
        now = self.feed.clock.now()
        for entry in self.entries:
            event, item = entry.event, entry.item
            style = "dim strike" if entry.undone else ""
            what = Text(event.kind + ("" if event.value is None else f" {event.value:g}"),
                        style)
            if entry.undone:
                what.append(" undone", "yellow")
            cells = [Text(ago(now - event.ts), style), what,
                     fitted(Text(item.title if item else event.item_id, style), title)]
            if with_creator:
                cells.append(fitted(Text(f"@{item.creator}" if item else "", style),
                                    room - title))
            table.add_row(*cells)
        self.query_one("#history-body").border_subtitle = (
            f"{len(self.entries)} events" + (" (filtered)" if filters else ""))
        if self.entries:
            table.move_cursor(row=min(row, len(self.entries) - 1))

    def _selected(self) -> HistoryEntry | None:
        table = self.query_one("#history", DataTable)
        return self.entries[table.cursor_row] if self.entries else None

    @on(Input.Changed, "#history-filter")
    def filter_changed(self) -> None:
        self.refresh_rows()

    @on(Input.Submitted, "#history-filter")
    def filter_done(self) -> None:
        self.query_one("#history", DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#history-filter", Input).focus()

    @on(DataTable.RowSelected)
    def action_jump(self) -> None:
        entry = self._selected()
        if entry is None or entry.item is None:
            return
        self.feed.jump_to(entry.item.id)
        self.dismiss(None)

    def action_undo(self) -> None:
        entry = self._selected()
        if entry is None:
            return
        try:
            self.feed.undo_event(entry.event.id)
        except TuifeedError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.notify(f"undid {entry.event.kind} (event {entry.event.id}); the queue is recomputed",
                    markup=False, timeout=2)
        self.refresh_rows()
        self.app.refresh_feed()  # type: ignore[attr-defined]

    def action_close(self) -> None:
        self.dismiss(None)
