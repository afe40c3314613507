"""The history screen: your log, newest first, filtered; jump to an item or undo an event.

The rows are read in a worker (the log's columns, and the items from the database), one
reading at a time, the latest filter's last; the screen paints what comes back."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input
from textual.worker import Worker, WorkerState

from tuifeed.errors import TuifeedError
from tuifeed.feed import Feed, HistoryEntry
from tuifeed.timewords import ago
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.lane import WorkLane
from tuifeed.tui.quitting import unless_quitting
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


class HistoryRead(Message):
    def __init__(self, entries: list[HistoryEntry], filters: dict[str, str]) -> None:
        super().__init__()
        self.entries, self.filters = entries, filters


class HistoryScreen(FeedScreen, Screen[None]):
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
        self._filters: dict[str, str] = {}  # those the entries were read with
        self._width = 0
        self._lane = WorkLane(self, "history")  # one reading of the log at a time

    def compose(self) -> ComposeResult:
        with Vertical(id="history-body"):
            yield Input(placeholder="filter: kind:like  topic:cats  creator:gatorgrace",
                        id="history-filter")
            yield DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#history-body").border_title = "History"
        self.query_one("#history-body").border_subtitle = "reading…"
        self.refresh_rows()
        self.query_one("#history", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            self._fill()

    def refresh_rows(self) -> None:
        """Read the log again, as filtered, in a worker (HistoryRead brings it)."""
        filters = parse_filter(self.query_one("#history-filter", Input).value)
        feed = self.feed
        feed.log_columns().columns()  # new events folded in here, not in the worker
        self._lane.ask("rows", lambda: HistoryRead(feed.history(limit=SHOWN, **filters),
                                                   filters))

    @on(HistoryRead)
    @unless_quitting
    def rows_read(self, message: HistoryRead) -> None:
        self.entries, self._filters = message.entries, message.filters
        self._fill()

    @on(Worker.StateChanged)
    @unless_quitting
    def _lane_moves_on(self, event: Worker.StateChanged) -> None:
        self._lane.finished(event.worker)
        if event.worker.group == "history" and event.state == WorkerState.ERROR:
            self.notify(f"History could not be read: {event.worker.error}", severity="error",
                        markup=False)

    @property
    def working(self) -> bool:
        """The log is being read (scripts settle on this)."""
        return self._lane.busy

    def _fill(self) -> None:
        """The entries fitted to the screen's width: titles and creators are cut (…) to the
        room there is, and under CREATOR_BELOW columns the creator gives its room to the
        title."""
        filters = self._filters
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
