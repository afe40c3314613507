"""'My algorithm': your algorithm in words, what the ranker learned about you, what each interest
brings next, how varied your feed is, and the controls.

Every control here goes through Feed.steer, so it shows in "Why this?" and undoes with `u`.
What grows with the log or the library (the profile, the summary, the trends, what a mute
hides, the examples, which rank) is worked out in workers; the screen paints what comes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from tuifeed.feed import Feed
from tuifeed.text import clean_text
from tuifeed.feed.explaining import BOOST_STEP, Example
from tuifeed.ranking.profile import Diversity, Interest
from tuifeed.ranking.steering import BOOST_LIMIT, subject_text
from tuifeed.ranking.summary import summarise
from tuifeed.timewords import ago
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.lane import WorkLane
from tuifeed.tui.queueing import Relearned
from tuifeed.tui.quitting import unless_quitting
from tuifeed.tui.widgets.keybar import KeyBar

SPARKS = "▁▂▃▄▅▆▇█"
BAR_CELLS = 8
STEERING_LINES = 8  # beyond these, a pointer to `tuifeed steer show`
EXAMPLES = 3  # items shown for the selected interest
# Rows of the interest table at most: the strongest learned interests (`tuifeed profile`
# lists them all), then topics nothing was learned about yet (to boost or mute them here).
LEARNED_ROWS = 100
UNLEARNED_TOPIC_ROWS = 200
SMALL_HEIGHT = 30  # below this many rows the summary keeps to its first lines
COLUMNS = ("interest", "short", "long", "total", "events", "trend", "steering")
# Narrower screens drop the columns `tuifeed profile` also shows, so steering stays in view.
DROPPED_BELOW = {"trend": 100, "events": 70}


def interest_columns(width: int) -> tuple[str, ...]:
    """The interest table's columns that fit a screen `width` columns wide."""
    return tuple(name for name in COLUMNS if width >= DROPPED_BELOW.get(name, 0))


def bar(value: float, scale: float) -> Text:
    cells = min(round(abs(value) / scale * BAR_CELLS), BAR_CELLS) if scale else 0
    return Text("█" * cells, "green" if value >= 0 else "red")


def sparkline(values: list[float]) -> Text:
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return Text(SPARKS[0] * len(values), "dim")
    return Text("".join(SPARKS[round((value - low) / (high - low) * (len(SPARKS) - 1))]
                        for value in values), "cyan")


@dataclass(frozen=True)
class ScreenFacts:
    """What the screen shows that is learned from the log (gathered in a worker)."""

    hides: dict[tuple[str, str], int]  # mute -> how many items it hides now
    summary: list[str]
    learned: list[Interest]  # the strongest LEARNED_ROWS
    learned_in_all: int
    trends: dict[tuple[str, str], list[float]]  # each learned interest's sparkline values
    diversity: Diversity

    @classmethod
    def gather(cls, feed: Feed) -> "ScreenFacts":
        everything, meter = feed.profile(), feed.recent_diversity()
        learned = everything[:LEARNED_ROWS]
        return cls({mute: len(ids) for mute, ids in feed.mute_hides().items()},
                   summarise(feed.summary_facts(everything, meter)), learned, len(everything),
                   {(interest.kind, interest.name): feed.interest_history(interest.kind,
                                                                           interest.name, 16)
                    for interest in learned},
                   meter)


class FactsGathered(Message):
    def __init__(self, facts: ScreenFacts, asked: int) -> None:
        super().__init__()
        self.facts, self.asked = facts, asked


class ExamplesFound(Message):
    def __init__(self, selected: tuple[str, str], found: list[Example], asked: int) -> None:
        super().__init__()
        self.selected, self.found, self.asked = selected, found, asked


class AlgorithmScreen(FeedScreen, Screen[None]):
    """The summary in words, interests as short/long bars with their trend, what the selected
    one brings next, the diversity meter, recipe and steering."""

    DEFAULT_CSS = """
    #summary { height: auto; max-height: 5; margin-bottom: 1; }
    #algorithm-steering { height: auto; margin-top: 1; }
    #algorithm-steering > #steering-state { width: 1fr; margin-top: 0; padding-right: 2; }
    #examples { width: 1fr; height: auto; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    BINDINGS = [
        Binding("escape,a", "close", "Back"),
        Binding("plus,equals_sign", "boost(1)", "Boost"),
        Binding("minus", "boost(-1)", "Lower"),
        Binding("m", "mute", "Mute/unmute"),
        Binding("f", "forget", "Forget"),
        Binding("p", "pause", "Pause/resume"),
        Binding("R", "reset", "Start over"),
        Binding("u", "undo", "Undo"),
        Binding("slash", "mute_word", "Mute a word"),
        Binding("v", "reveal", "Show a hidden item"),
    ]

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed
        self._rows: list[tuple[str, str]] = []  # (kind, name) per table row
        self._hides: dict[tuple[str, str], int] = {}  # mute -> how many items it hides now
        self._columns: tuple[str, ...] = COLUMNS
        self._facts: ScreenFacts | None = None  # the latest gathered
        self._facts_asked = self._examples_asked = 0  # asked of the workers (the latest counts)
        self._lane = WorkLane(self, "algorithm")  # one worker at a time reads the feed

    def compose(self) -> ComposeResult:
        with Vertical(id="algorithm-body"):
            yield Static(id="summary")
            yield DataTable(id="interests", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="algorithm-facts"):
                yield Static(id="diversity")
                yield Static(id="recipe-weights")
            with Horizontal(id="algorithm-steering"):
                yield Static(id="steering-state")
                yield Static(id="examples")
            yield Input(placeholder="a word to mute (titles, descriptions, tags), then enter",
                        id="mute-word")
        yield KeyBar()

    @unless_quitting
    def on_mount(self) -> None:
        self.query_one("#algorithm-body").border_title = "My algorithm"
        table = self.query_one("#interests", DataTable)
        self._columns = interest_columns(self.app.size.width)
        table.add_columns(*self._columns)
        self.query_one("#mute-word", Input).display = False
        self.refresh_view()
        table.focus()

    def on_resize(self, event: events.Resize) -> None:
        # On a small terminal the table needs the rows: the summary keeps to its first lines
        # (`tuifeed profile` has it whole) and the diversity meter and the recipe's weights
        # give way (the summary quotes the diversity; the recipe's name stays at the bottom).
        small = event.size.height < SMALL_HEIGHT
        summary = self.query_one("#summary")
        summary.styles.max_height = 2 if small else 5
        summary.styles.margin = (0, 0, 0 if small else 1, 0)
        self.query_one("#algorithm-facts").display = not small
        columns = interest_columns(event.size.width)
        if columns != self._columns:
            self._columns = columns
            table = self.query_one("#interests", DataTable)
            table.clear(columns=True)
            table.add_columns(*columns)
            self._fill_interests()

    # -- drawing ------------------------------------------------------------------------------

    @unless_quitting
    def on_relearned(self, _: Relearned) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        """Paint what is at hand now, and have the rest gathered in a worker."""
        feed = self.feed
        self._show_subtitle()
        self.query_one("#recipe-weights", Static).update(self._recipe_table())
        self.query_one("#steering-state", Static).update(self._steering_text())
        if self._facts is None:
            self.query_one("#summary", Static).update(Text("Reading your history…",
                                                           "dim italic"))
        self._facts_asked += 1
        asked = self._facts_asked
        feed.log_columns().columns()  # new events folded in here, not in the worker
        self._lane.ask("facts", lambda: FactsGathered(ScreenFacts.gather(feed), asked))

    def _show_subtitle(self) -> None:
        feed, facts = self.feed, self._facts
        shown = ""
        if facts is not None and facts.learned_in_all > len(facts.learned):
            shown = (f" · the strongest {len(facts.learned)} of {facts.learned_in_all:,} "
                     f"interests (tuifeed profile lists all)")
        self.query_one("#algorithm-body").border_subtitle = escape(
            f"recipe {clean_text(feed.recipe.name)}"
            + (" · learning paused" if feed.steering.paused else "")
            + (" · learning again from your history…" if feed.learning_due else "") + shown)

    @on(FactsGathered)
    @unless_quitting
    def paint_facts(self, message: FactsGathered) -> None:
        if message.asked != self._facts_asked:  # steered since: newer facts are coming
            return
        facts = self._facts = message.facts
        self._hides = facts.hides
        self.query_one("#summary", Static).update(Text(" ".join(facts.summary), "italic"))
        self._fill_interests()
        self._show_examples()
        self.query_one("#diversity", Static).update(self._diversity_text())
        self.query_one("#steering-state", Static).update(self._steering_text())
        self._show_subtitle()

    def _fill_interests(self) -> None:
        feed, facts = self.feed, self._facts
        if facts is None:
            return
        table = self.query_one("#interests", DataTable)
        selected = self._rows[table.cursor_row] if self._rows and table.row_count else None
        learned = facts.learned
        rows = [(interest.kind, interest.name) for interest in learned]
        current = feed.current
        # Steered subjects no interest holds, word mutes among them (so each has a row to
        # select, see what it hides, reveal it or lift it).
        steered = sorted({*feed.steering.boosts, *feed.steering.mutes})
        extra = [("creator", current.creator)] if current is not None else []
        extra += steered
        shown = set(rows)
        for row in extra:
            if row not in shown:
                rows.append(row)
                shown.add(row)
        unlearned = (("topic", topic) for topic in feed.catalog.topics
                     if ("topic", topic) not in shown)
        rows += islice(unlearned, UNLEARNED_TOPIC_ROWS)
        values = {(interest.kind, interest.name): interest for interest in learned}
        scale = max((max(abs(i.short), abs(i.long)) for i in learned), default=1.0) or 1.0
        table.clear()
        self._rows = rows
        for kind, name in rows:
            interest = values.get((kind, name))
            label = Text(clean_text(subject_text(kind, name)), "bold" if interest else "dim")
            steering = self._steering_of(kind, name)
            if interest is None:
                cells = {"interest": label, "steering": steering}
            else:
                cells = {"interest": label, "short": bar(interest.short, scale),
                         "long": bar(interest.long, scale),
                         "total": Text(f"{interest.total:+.2f}"),
                         "events": Text(str(interest.events)), "steering": steering}
                if "trend" in self._columns:
                    cells["trend"] = sparkline(facts.trends[kind, name])
            table.add_row(*(cells.get(column, "") for column in self._columns))
        if selected in rows:
            table.move_cursor(row=rows.index(selected))

    def _steering_of(self, kind: str, name: str) -> Text:
        steering = self.feed.steering
        parts = []
        if (kind, name) in steering.boosts:
            parts.append(f"boost {steering.boosts[(kind, name)]:+g}")
        if (kind, name) in steering.mutes:
            parts.append(f"muted, hides {self._hides.get((kind, name), 0)}")
        if kind == "topic" and name in steering.forgotten:
            parts.append("forgotten")
        return Text(" · ".join(parts), "yellow")

    def _diversity_text(self) -> Text:
        meter = self._facts.diversity  # type: ignore[union-attr]
        text = Text("Diversity of your last cards\n", "bold")
        if meter.cards == 0:
            text.append("nothing shown yet")
            return text
        filled = round(meter.evenness * 20)
        text.append("█" * filled, "green")
        text.append("░" * (20 - filled), "dim")
        text.append(f" evenness {meter.evenness:.2f}\n")
        text.append(f"{meter.cards} cards, {meter.topics} topics; top #{meter.top_topic} "
                    f"{meter.top_share:.0%}\n")
        text.append(meter.verdict, "italic")
        return text

    def _recipe_table(self) -> Text:
        """The recipe's weights as one wrapped paragraph: they fit a small terminal."""
        recipe = self.feed.recipe
        text = Text(f"Recipe {recipe.name}\n", "bold")
        weights = {**recipe.terms, "exploration": recipe.exploration.get("rate", 0.0)}
        for name, value in weights.items():
            text.append(name, "dim")
            text.append(f"\u00a0{value:g}   ")  # a no-break space keeps name and value together
        return text

    def _steering_text(self) -> Text:
        """What is in force, as `tuifeed steer show` has it (the state, not the latest log
        entries): a pause and a start-over first (they concern the whole feed), then one line
        a topic, creator or word with all that holds for it."""
        steering, now = self.feed.steering, self.feed.clock.now()
        lines: list[tuple[str, str]] = []  # (subject, what holds for it)
        if steering.paused_since is not None:
            lines.append(("learning paused", f" {ago(now - steering.paused_since)}"))
        if steering.reset_at is not None:
            lines.append(("started over", f" {ago(now - steering.reset_at)}"))
        for entry in steering.in_force():
            holds = [f"boost {entry.boost:+g}"] if entry.boost is not None else []
            if entry.muted:
                holds.append(f"muted, hides {self._hides.get((entry.target, entry.name), 0)}")
            if entry.forgotten_at is not None:
                holds.append(f"forgotten {ago(now - entry.forgotten_at)}")
            lines.append((clean_text(subject_text(entry.target, entry.name)),
                          ": " + ", ".join(holds)))
        text = Text("Steering in force (u undoes the latest):", "bold")
        if not lines:
            text.append("\nnone: the recipe alone decides", "dim")
        shown = lines if len(lines) <= STEERING_LINES else lines[:STEERING_LINES - 1]
        for subject, holds in shown:
            text.append("\n  ")
            text.append(subject, "bold yellow")
            text.append(holds, "yellow")
        if len(shown) < len(lines):
            text.append(f"\n  and {len(lines) - len(shown)} more: tuifeed steer show lists all",
                        "dim")
        return text

    def _show_examples(self) -> None:
        """What the selected interest brings next, with ranks now and one boost step up; for
        a mute, the best items it hides (found in a worker: they rank)."""
        selected = self._selected()
        examples = self.query_one("#examples", Static)
        if selected is None:
            examples.update("")
            return
        examples.update(Text(f"Next from {clean_text(subject_text(*selected))}: looking…",
                             "dim", no_wrap=True, overflow="ellipsis"))
        self._examples_asked += 1
        asked, feed = self._examples_asked, self.feed
        feed.log_columns().columns()  # new events folded in here, not in the worker
        self._lane.ask("examples", lambda: ExamplesFound(
            selected, feed.examples(*selected, count=EXAMPLES), asked))

    @on(Worker.StateChanged)
    @unless_quitting
    def _lane_moves_on(self, event: Worker.StateChanged) -> None:
        self._lane.finished(event.worker)
        if event.worker.group == "algorithm" and event.state == WorkerState.ERROR:
            problem = f"My algorithm could not be worked out: {event.worker.error}"
            self.notify(problem, severity="error", markup=False)
            if self._facts is None:
                self.query_one("#summary", Static).update(Text(
                    f"{problem} (a reopened screen tries again)", "red"))

    @property
    def working(self) -> bool:
        """Facts or examples are being worked out (scripts settle on this)."""
        return self._lane.busy

    @on(ExamplesFound)
    @unless_quitting
    def paint_examples(self, message: ExamplesFound) -> None:
        if message.asked == self._examples_asked and message.selected == self._selected():
            self.query_one("#examples", Static).update(
                self._examples_text(message.selected, message.found))

    def _examples_text(self, selected: tuple[str, str], found: list[Example]) -> Text:
        subject = clean_text(subject_text(*selected))
        if selected in self.feed.steering.mutes:
            count = self._hides.get(selected, 0)
            text = Text(f"{subject} hides {count} item{'' if count == 1 else 's'}", "bold",
                        no_wrap=True, overflow="ellipsis")
            text.append(": v shows the first, once" if found else "", "dim")
            for example in found:
                text.append(f"\n  {clean_text(example.item.title)}")
            return text
        boost = self.feed.steering.boosts.get(selected, 0.0)
        step = min(boost + BOOST_STEP, BOOST_LIMIT)
        text = Text(f"Next from {subject}", "bold", no_wrap=True, overflow="ellipsis")
        if not found:
            text.append("\n  nothing in the queue's first 1000", "dim")
            return text
        if selected[0] in ("topic", "creator") and step != boost:
            text.append(f": rank now → with boost {step:+g}", "dim")
        for example in found:
            text.append(f"\n  #{example.rank:<4}", "bold")
            if selected[0] in ("topic", "creator") and step != boost:
                moved = "-" if example.boosted_rank is None else f"#{example.boosted_rank}"
                text.append(f"→ {moved:<5}", "cyan")
            text.append(clean_text(example.item.title))
        return text

    @on(DataTable.RowHighlighted, "#interests")
    def _selection_moved(self) -> None:
        self._show_examples()

    # -- controls -----------------------------------------------------------------------------

    def _selected(self) -> tuple[str, str] | None:
        table = self.query_one("#interests", DataTable)
        return self._rows[table.cursor_row] if self._rows else None

    def _steer(self, *args) -> None:
        self.app.steer(*args)  # type: ignore[attr-defined]  (reports errors, redraws the feed)
        self.refresh_view()

    def action_boost(self, direction: int) -> None:
        if (selected := self._selected()) is None:
            return
        current = self.feed.steering.boosts.get(selected, 0.0)
        amount = max(-BOOST_LIMIT, min(BOOST_LIMIT, current + direction * BOOST_STEP))
        self._steer("boost", *selected, amount)

    def action_mute(self) -> None:
        if (selected := self._selected()) is None:
            return
        self._steer("unmute" if selected in self.feed.steering.mutes else "mute", *selected)

    def action_forget(self) -> None:
        if (selected := self._selected()) is not None:
            self._steer("forget", *selected)

    def action_pause(self) -> None:
        self._steer("resume" if self.feed.steering.paused else "pause")

    def action_reset(self) -> None:
        """Start over, once the viewer said yes (a question, as everywhere)."""
        self.app.confirm_reset(then=self.refresh_view)  # type: ignore[attr-defined]

    def action_undo(self) -> None:
        self.app.undo_steering()  # type: ignore[attr-defined]
        self.refresh_view()

    def action_reveal(self) -> None:
        """Show the best item the selected mute hides, once, as the current card."""
        selected = self._selected()
        if selected is None or selected not in self.feed.steering.mutes:
            self.notify("select a muted topic, creator or word to show what it hides",
                        severity="warning", markup=False)
            return
        item = self.feed.reveal(*selected)
        if item is None:
            self.notify(f"{subject_text(*selected)} hides nothing you have not dismissed",
                        severity="warning", markup=False)
            return
        self.dismiss(None)

    def action_mute_word(self) -> None:
        field = self.query_one("#mute-word", Input)
        field.display = True
        field.focus()
        # The catalogue's words indexed in a worker while the word is typed: not when the
        # screen opens (at a million items the index held 1.26 GiB and took 6-11 s, for
        # every viewer who only looked).
        self.app.index_words()

    @on(Input.Submitted, "#mute-word")
    def mute_word(self, event: Input.Submitted) -> None:
        event.input.display = False
        event.input.value = ""
        if event.value.strip():
            self._steer("mute", "word", event.value.strip())
        self.query_one("#interests", DataTable).focus()

    def action_close(self) -> None:
        field = self.query_one("#mute-word", Input)
        if field.display:
            field.display = False
            self.query_one("#interests", DataTable).focus()
            return
        self.dismiss(None)
