"""The help screen: every key of every screen, and what tuifeed records when you press it."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tuifeed.tui.commands import SCREEN_TITLES
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.quitting import unless_quitting
from tuifeed.tui.screens.algorithm import AlgorithmScreen
from tuifeed.tui.screens.history import HistoryScreen
from tuifeed.tui.widgets.keybar import KeyBar

KEYS = [
    ("j  ↓  space  wheel", "next card", "dwell (and skip if under 2 s), impression of the next"),
    ("k  ↑  wheel", "previous card", "dwell"),
    ("l", "like / unlike", "like or unlike"),
    ("x", "not interested (moves on); on a card marked so, takes it back",
     "dislike or undislike"),
    ("s", "save / unsave", "save or unsave"),
    ("f", "follow / unfollow creator", "follow or unfollow"),
    ("enter  p", "play with mpv (offers to resume)", "play, then watch and complete"),
    ("o", "open the video's web page", "nothing"),
    ("w", "why this? every term of the card's score", "nothing"),
    ("a", "my algorithm: interests, diversity, steering", "steering you do there"),
    ("h", "history: filter, jump to an item, undo an event", "undo"),
    ("r / c", "switch recipe / compare with another", "nothing"),
    ("u", "fetch every source now (also at start)", "nothing; new videos join the queue"),
    ("ctrl+p", "command palette: every action of the screen, by name", "as the action"),
    ("?", "this help", "nothing"),
    ("q", "quit (on Why this?, Compare and this help: close)",
     "dwell of the card on screen; every event is written"),
]
NARROW_HELP = 80  # columns: below, what a key records goes under what it does
KEY_CELLS = 18  # "j  ↓  space  wheel": every table's key column, so they line up


def screen_keys(screen: str, bindings: list[Binding]) -> list[tuple[str, str]]:
    """A screen's own keys, from its bindings: the help can never miss one. Described as
    the command palette names them."""
    keys: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for binding in bindings:
        shown = [key.replace("question_mark", "?").replace("equals_sign", "=")
                 .replace("plus", "+").replace("minus", "-").replace("slash", "/")
                 .replace("escape", "esc") for key in binding.key.split(",")]
        keys.setdefault(binding.action, []).extend(shown)
        described.setdefault(binding.action, SCREEN_TITLES.get((screen, binding.action),
                                                               binding.description))
    return [("  ".join(keys[action]), described[action]) for action in keys]


def help_view(width: int) -> Group:
    """Every key: the feed's with what each records, then My algorithm's and History's."""
    narrow = width < NARROW_HELP
    feed = Table(title="tuifeed keys", expand=True, show_edge=False)
    feed.add_column("key", style="bold cyan", no_wrap=True, width=KEY_CELLS)
    feed.add_column("does", ratio=1)
    if not narrow:
        feed.add_column("records", style="dim", ratio=1)
    for keys, does, records in KEYS:
        if narrow:
            feed.add_row(keys, Text.assemble(does, "\n", (f"records: {records}", "dim")))
        else:
            feed.add_row(keys, does, records)
    parts: list = [feed]
    for title, screen in (("On My algorithm (a)", AlgorithmScreen),
                          ("In History (h)", HistoryScreen)):
        table = Table(title=title, expand=True, show_edge=False, show_header=False)
        table.add_column("key", style="bold cyan", no_wrap=True, width=KEY_CELLS)
        table.add_column("does", ratio=2)
        name = screen.__name__.removesuffix("Screen")
        for keys, does in screen_keys(name, screen.BINDINGS):
            table.add_row(keys, does)
        parts += [Text(), table]
    return Group(*parts)


class HelpScreen(FeedScreen, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(id="help-keys")
            yield Static(
                "A card on screen is playing: the bar shows autoplay. How long you linger is "
                "recorded as dwell and is the strongest signal the feed learns from.\n"
                "Press escape to close.",
                id="help-note",
            )
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#help-keys", Static).update(help_view(self.app.size.width))

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#help-keys", Static).update(help_view(event.size.width))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
