"""A yes/no question before an action that changes a lot at once (starting over)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.widgets.keybar import KeyBar


class ConfirmScreen(FeedScreen, ModalScreen[bool]):
    """Returns True for `y` (or enter), False for `n`, escape or q: no is the default."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape,q", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str) -> None:
        super().__init__()
        self.question, self.detail = question, detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-body"):
            yield Static(self.question, id="confirm-question", markup=False)
            yield Static(self.detail, id="confirm-detail", markup=False)
            yield Static("y: yes · n or escape: no", id="confirm-keys", markup=False)
        yield KeyBar()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
