"""'Why this?': the current card's rank and score, each term as a bar with its evidence."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tuifeed.ranking.explain import Explanation
from tuifeed.timewords import ago
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.lane import run_feed_work
from tuifeed.tui.quitting import unless_quitting
from tuifeed.tui.widgets.keybar import KeyBar

BAR_CELLS = 10


def signed_bar(value: float, scale: float) -> Text:
    """Positive terms grow right in green, negative ones in red; the width is the weight."""
    cells = min(round(abs(value) / scale * BAR_CELLS), BAR_CELLS) if scale else 0
    if value >= 0:
        return Text(" " * BAR_CELLS + "│" + "█" * cells, "green")
    return Text(" " * (BAR_CELLS - cells) + "█" * cells + "│", "red")


NARROW_WHY = 90  # columns: below, each term's evidence goes under its number, not beside it
TERM_CELLS = 14  # the longest term's name (boost_creator) and a space


def evidence_text(line, now: float, current: bool = False) -> Text:
    """A term's sentence and the events behind it (the strongest three, two not counted)."""
    detail = Text(line.sentence)
    for evidence in line.evidence[:3]:
        if evidence.event_id < 0:  # not recorded yet: the card on screen, left now; or, for
            # the card on screen, the card before as it stood when Up next was ranked
            when = "of the card before, as Up next counted it" if current \
                else "if you leave now"
            detail.append(f"\n  {evidence.kind} {when} · ", "dim")
        else:
            detail.append(f"\n  event {evidence.event_id} · {evidence.kind} · "
                          f"{ago(now - evidence.ts)} · ", "dim")
        detail.append(evidence.title, "dim italic")
        detail.append(f" ({evidence.weight:+.2f})", "dim")
    for ignored in line.ignored[:2]:
        detail.append(f"\n  not counted: event {ignored.evidence.event_id} · "
                      f"{ignored.evidence.kind} · {ignored.reason}", "dim strike")
    return detail


def explanation_view(explanation: Explanation, now: float, width: int = 120) -> Group:
    """Rich renderables only; untrusted titles always go in as Text, never as markup.

    On a narrow screen (under NARROW_WHY columns) the evidence of each term is written
    under its name, value and bar, across the whole width, instead of in a fourth column."""
    item = explanation.item
    header = Text.assemble((item.title, "bold"), "\n", (f"@{item.creator}", "bold"), "  ",
                           " ".join(f"#{topic}" for topic in item.topics))
    if explanation.status == "queued":
        place = f"#{explanation.rank} in your queue"
    elif explanation.status == "current":
        place = f"on screen now, ranked #{explanation.rank} when it was shown"
    else:
        place = explanation.status
    summary = Text(f"{place} · score {explanation.score:+.3f} = the sum of these terms",
                   "italic")
    scale = max((abs(line.value) for line in explanation.lines), default=1.0) or 1.0
    narrow = width < NARROW_WHY
    table = Table(show_header=False, box=None, expand=True, padding=(0, 1))
    table.add_column("term", style="bold", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("bar", no_wrap=True)
    if not narrow:
        table.add_column("evidence", ratio=1)
    terms: list = [table] if not narrow else []
    for line in explanation.lines:
        detail = evidence_text(line, now, explanation.status == "current")
        cells = (Text(line.name), Text(f"{line.value:+.3f}"), signed_bar(line.value, scale))
        if not narrow:
            table.add_row(*cells, detail)
            continue
        row = Table(show_header=False, box=None, padding=(0, 1))
        row.add_column("term", style="bold", no_wrap=True, width=TERM_CELLS)
        row.add_column("value", justify="right", no_wrap=True)
        row.add_column("bar", no_wrap=True)
        row.add_row(*cells)
        terms += [row, Padding(detail, (0, 0, 0, 3))]
    parts = [header, Text(), summary, Text(), *terms]
    if explanation.slot:
        parts += [Text(), Text(f"Placed by {explanation.slot}", "italic")]
    if explanation.what_if:
        parts += [Text(), Text("What would change it", "bold")]
        parts += [Text(f"• {sentence}") for sentence in explanation.what_if]
    if explanation.steering:
        parts += [Text(), Text("Your steering", "bold")]
        parts += [Text(f"• {sentence}") for sentence in explanation.steering]
    return Group(*parts)


class WhyScreen(FeedScreen, ModalScreen[None]):
    """Why this? for one card. The explanation is worked out in a worker (over a long log
    and a large catalogue it takes a while); the screen says so until it comes."""

    BINDINGS = [Binding("escape,w,q", "dismiss", "Close"),
                Binding("question_mark", "app.help", "Help")]

    class Explained(Message):
        def __init__(self, explanation: Explanation) -> None:
            super().__init__()
            self.explanation = explanation

    def __init__(self, explanation: Explanation | Callable[[], Explanation],
                 now: float) -> None:
        super().__init__()
        self.explanation = None if callable(explanation) else explanation
        self._explain = explanation if callable(explanation) else None
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="why-body") as body:
            body.border_title = "Why this?"
            body.border_subtitle = "escape to close"
            yield Static(Text("Working out why…", "dim italic"), id="why-text")
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        if self._explain is not None:
            run_feed_work(self, self._work_out, group="why")
        self.lay_out(self.app.size.width)

    def _work_out(self) -> None:  # in the worker thread
        self.post_message(self.Explained(self._explain()))

    @on(Explained)
    @unless_quitting
    def show_explanation(self, message: Explained) -> None:
        self.explanation = message.explanation
        self.lay_out(self.app.size.width)

    @on(Worker.StateChanged)
    @unless_quitting
    def explaining_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "why" and event.state == WorkerState.ERROR:
            self.query_one("#why-text", Static).update(
                Text(f"Why this? failed: {event.worker.error}", "red"))

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out(event.size.width)

    def lay_out(self, width: int) -> None:
        """The terms laid out for the width there is (see explanation_view)."""
        if self.explanation is not None:
            self.query_one("#why-text", Static).update(
                explanation_view(self.explanation, self.now, width))

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
