"""The help screen: every key, and what tuifeed records when you press it."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("j  ↓  space  wheel", "next card", "dwell (and skip if under 2 s), impression of the next"),
    ("k  ↑  wheel", "previous card", "dwell"),
    ("l", "like / unlike", "like or unlike"),
    ("x", "not interested", "dislike; the card goes and its creator sinks"),
    ("s", "save", "save"),
    ("f", "follow / unfollow creator", "follow or unfollow"),
    ("w", "why this? every term of the card's score", "nothing"),
    ("a", "my algorithm: interests, diversity, steering", "steering you do there"),
    ("h", "history: filter, jump to an item, undo an event", "undo"),
    ("r / c", "switch recipe / compare with another", "nothing"),
    ("u", "fetch every source now (also at start)", "nothing; new videos join the queue"),
    ("ctrl+p", "command palette", "as the command"),
    ("?", "this help", "nothing"),
    ("q", "quit", "dwell of the card on screen; every event is written"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        table = Table(title="tuifeed keys", expand=True, show_edge=False)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("does")
        table.add_column("records", style="dim")
        for keys, does, records in KEYS:
            table.add_row(keys, does, records)
        with VerticalScroll(id="help-body"):
            yield Static(table)
            yield Static(
                "A card on screen is playing: the bar shows autoplay. How long you linger is "
                "recorded as dwell and is the strongest signal the feed learns from.\n"
                "Press escape to close.",
                id="help-note",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
