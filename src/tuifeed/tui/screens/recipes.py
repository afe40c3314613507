"""Choosing a recipe (to switch to, or to compare with), and the side-by-side comparison."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList
from textual.widgets.option_list import Option

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text
from tuifeed.feed import Feed
from tuifeed.ranking.compare import compare, move_label
from tuifeed.ranking.recipe import load_recipe, recipe_names

COMPARE_ROWS = 20
COMPARE_DEPTH = 200


class RecipePicker(ModalScreen[str | None]):
    """A list of recipes; returns the chosen name (None on escape)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, feed: Feed, title: str) -> None:
        super().__init__()
        self.feed = feed
        self.title_text = title

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

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class CompareScreen(ModalScreen[None]):
    """The current recipe's queue beside another's, each item with its move."""

    BINDINGS = [Binding("escape,c,q", "close", "Close")]

    def __init__(self, feed: Feed, other: str) -> None:
        super().__init__()
        self.feed = feed
        self.other = other

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-body") as body:
            other = clean_text(self.other)  # a file name of the viewer's
            body.border_title = escape(f"{clean_text(self.feed.recipe.name)} beside {other}")
            body.border_subtitle = escape(f"moves: where {other} puts each item, "
                                          f"against {clean_text(self.feed.recipe.name)}")
            yield DataTable(id="comparison", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        feed = self.feed
        try:
            other_queue = feed.recipe_queue(self.other, COMPARE_DEPTH)
        except TuifeedError as error:  # a broken recipe file: say which, keep the feed
            self.notify(str(error), title="Cannot compare", severity="error", markup=False)
            self.dismiss(None)
            return
        table = self.query_one(DataTable)
        table.add_columns(Text("#"), Text(feed.recipe.name), Text("move"),
                          Text(clean_text(self.other)))
        rows = compare(feed.upcoming(COMPARE_DEPTH), other_queue)
        for index, (left, right) in enumerate(rows[:COMPARE_ROWS], start=1):
            table.add_row(
                Text(str(index)),
                Text(left.entry.item.title if left else ""),
                Text(move_label(right.move) if right else ""),
                Text(right.entry.item.title if right else ""),
            )

    def action_close(self) -> None:
        self.dismiss(None)
