"""The history screen: your log, newest first, filtered; jump to an item or undo an event."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input

from tuifeed.errors import TuifeedError
from tuifeed.feed import Feed, HistoryEntry
from tuifeed.timewords import ago
from tuifeed.tui.widgets.keybar import KeyBar

SHOWN = 500  # rows drawn at most; filter to go further back


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

    def compose(self) -> ComposeResult:
        with Vertical(id="history-body"):
            yield Input(placeholder="filter: kind:like  topic:cats  creator:gatorgrace",
                        id="history-filter")
            yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#history-body").border_title = "History"
        table = self.query_one("#history", DataTable)
        table.add_columns("when", "kind", "value", "title", "creator", "")
        self.refresh_rows()
        table.focus()

    def refresh_rows(self) -> None:
        filters = parse_filter(self.query_one("#history-filter", Input).value)
        self.entries = self.feed.history(limit=SHOWN, **filters)
        table = self.query_one("#history", DataTable)
        row = table.cursor_row
        table.clear()
        now = self.feed.clock.now()
        for entry in self.entries:
            event, item = entry.event, entry.item
            style = "dim strike" if entry.undone else ""
            table.add_row(
                Text(ago(now - event.ts), style),
                Text(event.kind, style),
                Text("" if event.value is None else f"{event.value:g}", style),
                Text(item.title if item else event.item_id, style),
                Text(f"@{item.creator}" if item else "", style),
                Text("undone" if entry.undone else "", "yellow"),
            )
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
