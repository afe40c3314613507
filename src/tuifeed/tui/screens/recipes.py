"""Choosing a recipe (to switch to, or to compare with), and the side-by-side comparison."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.worker import Worker, WorkerState

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text
from tuifeed.feed import Feed
from tuifeed.ranking.compare import Placed, compare, move_label
from tuifeed.ranking.recipe import load_recipe, recipe_names
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.lane import run_feed_work
from tuifeed.tui.quitting import unless_quitting
from tuifeed.tui.widgets.keybar import KeyBar

COMPARE_ROWS = 20
COMPARE_DEPTH = 200
COMPARE_MAX_WIDTH = 110  # the body's width at most, in columns
SIDE_BY_SIDE = 100  # columns: a narrower screen stacks the two queues, two lines a rank
RANK_CELLS = 3
MOVE_CELLS = 4


class RecipePicker(FeedScreen, ModalScreen[str | None]):
    """A list of recipes; returns the chosen name (None on escape)."""

    BINDINGS = [Binding("escape,q", "dismiss_none", "Close"),
                Binding("question_mark", "app.help", "Help")]

    def __init__(self, feed: Feed, title: str, others_only: bool = False) -> None:
        super().__init__()
        self.feed = feed
        self.title_text = title
        self.others_only = others_only  # comparing: the recipe in use is not a choice

    def compose(self) -> ComposeResult:
        options = []
        for name in recipe_names(self.feed.locations.recipes):
            try:
                description = load_recipe(name, self.feed.locations.recipes).description
            except TuifeedError as error:  # a broken file is listed, with its problem
                description = str(error)
            label = Text.assemble(("● " if name == self.feed.recipe.name else "  "),
                                  (clean_text(name), "bold"), "  ",
                                  (clean_text(description), "dim"))
            options.append(Option(label, id=name))
        with Vertical(id="picker-body") as body:
            body.border_title = self.title_text
            yield OptionList(*options, id="recipes")
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        """Open on the recipe in use: enter alone changes nothing."""
        recipes = self.query_one("#recipes", OptionList)
        try:
            recipes.highlighted = recipes.get_option_index(self.feed.recipe.name)
        except OptionDoesNotExist:  # the recipe in use has no file (it broke since)
            pass

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.others_only and event.option.id == self.feed.recipe.name:
            self.notify(f"{clean_text(self.feed.recipe.name)} is the recipe in use: pick "
                        f"another to compare with", markup=False, timeout=3)
            return
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class CompareScreen(FeedScreen, ModalScreen[None]):
    """The current recipe's queue beside another's, each item with its move.

    Side by side when the screen is wide enough for two readable titles (SIDE_BY_SIDE
    columns); narrower, each rank takes two lines: this recipe's item, then the other's with
    its move, so no title is cut to a letter and nothing needs a sideways scroll."""

    BINDINGS = [Binding("escape,c,q", "close", "Close"),
                Binding("question_mark", "app.help", "Help")]

    def __init__(self, feed: Feed, other: str) -> None:
        super().__init__()
        self.feed = feed
        self.other = other
        self._rows: list[tuple[Placed | None, Placed | None]] = []
        self._width = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-body") as body:
            other = clean_text(self.other)  # a file name of the viewer's
            body.border_title = escape(f"{clean_text(self.feed.recipe.name)} beside {other}")
            body.border_subtitle = escape(f"moves: where {other} puts each item, "
                                          f"against {clean_text(self.feed.recipe.name)}")
            yield DataTable(id="comparison", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    class Compared(Message):
        """The worker ranked both queues."""

        def __init__(self, rows: list[tuple[Placed | None, Placed | None]]) -> None:
            super().__init__()
            self.rows = rows

    @unless_quitting
    def on_mount(self) -> None:
        """Both queues are ranked in a worker (the other recipe's model is learned from the
        whole log): what they need is taken here, and a broken recipe is said at once."""
        feed = self.feed
        try:
            theirs = feed.recipe_queue_job(self.other, COMPARE_DEPTH)
        except TuifeedError as error:  # a broken recipe file: say which, keep the feed
            self.notify(str(error), title="Cannot compare", severity="error", markup=False)
            self.dismiss(None)
            return
        mine = feed.queue_job(COMPARE_DEPTH)
        self.query_one(DataTable).loading = True
        run_feed_work(self, lambda: self.post_message(self.Compared(
            compare(mine.run(), theirs())[:COMPARE_ROWS])), name="compare", group="compare")

    @on(Compared)
    @unless_quitting
    def show_comparison(self, message: Compared) -> None:
        self.query_one(DataTable).loading = False
        self._rows = message.rows
        self.lay_out(self.app.size.width)

    @on(Worker.StateChanged)
    @unless_quitting
    def comparing_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "compare" and event.state == WorkerState.ERROR:
            self.notify(f"Compare failed: {event.worker.error}", title="Cannot compare",
                        severity="error", markup=False)
            self.dismiss(None)

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out(event.size.width)

    def lay_out(self, screen_width: int) -> None:
        """Fill the table for this width: two title columns, or two lines a rank."""
        if not self._rows or screen_width == self._width:
            return
        self._width = screen_width
        side_by_side = screen_width >= SIDE_BY_SIDE
        self.set_class(not side_by_side, "-stacked")
        body = min(screen_width * 9 // 10, COMPARE_MAX_WIDTH) if side_by_side else screen_width
        mine, theirs = clean_text(self.feed.recipe.name), clean_text(self.other)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # Border (2), the scrollbar (2), and a cell's padding (2 a column) are not for text.
        if side_by_side:
            title = (body - 4 - 4 * 2 - RANK_CELLS - MOVE_CELLS) // 2
            table.add_column(Text("#"), width=RANK_CELLS)
            table.add_column(Text(mine), width=title)
            table.add_column(Text("move"), width=MOVE_CELLS)
            table.add_column(Text(theirs), width=title)
        else:
            title = body - 4 - 2 * 2 - RANK_CELLS
            table.add_column(Text("#"), width=RANK_CELLS)
            table.add_column(Text.assemble(mine, (f" / move, {theirs}", "italic")), width=title)
        for index, (left, right) in enumerate(self._rows, start=1):
            first = Text(left.entry.item.title if left else "")
            move = Text(move_label(right.move) if right else "")
            second = Text(right.entry.item.title if right else "", "italic")
            if side_by_side:
                cells = [fitted(first, title), move, fitted(second, title)]
                table.add_row(Text(str(index)), *cells)
                continue
            move.append(" " * (MOVE_CELLS + 1 - move.cell_len))
            move.append_text(second)
            table.add_row(Text(str(index)),
                          Text("\n").join([fitted(first, title), fitted(move, title)]),
                          height=2)

    def action_close(self) -> None:
        self.dismiss(None)


def fitted(text: Text, cells: int) -> Text:
    """The text cut to `cells` terminal cells (wide characters count two), with an ellipsis."""
    text = text.copy()
    text.truncate(max(cells, 1), overflow="ellipsis")
    return text
