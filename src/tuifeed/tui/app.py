"""FeedApp: the card, the queue beside it, and the keys that drive the Feed facade."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Callable
from functools import partial

from rich.markup import escape
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text
from tuifeed.feed import Feed
from tuifeed.ranking.catalog import creator_key
from tuifeed.ranking.steering import describe
from tuifeed.tui.fetcher import CatalogueFetched, FetchJob, FetchProgress
from tuifeed.tui.graphics import choose_image_widget
from tuifeed.tui.player import PlaybackProgress, PlayJob, Playing
from tuifeed.tui.queueing import Queueing, in_order
from tuifeed.tui.commands import FeedCommands
from tuifeed.tui.screens.algorithm import AlgorithmScreen
from tuifeed.tui.screens.confirm import ConfirmScreen
from tuifeed.tui.screens.help import HelpScreen
from tuifeed.tui.screens.history import HistoryScreen
from tuifeed.tui.screens.recipes import CompareScreen, RecipePicker
from tuifeed.tui.screens.why import WhyScreen
from tuifeed.tui.widgets.card import VideoCard
from tuifeed.tui.widgets.keybar import KeyBar
from tuifeed.tui.widgets.queue import QueuePanel

NARROW_WIDTH = 70  # below this the queue panel hides and the card takes the screen
SHORT_HEIGHT = 30  # below this, screens drop what can be read elsewhere (see app.tcss)
TICK_SECONDS = 0.25
CATALOGUE_RETRY = 0.05  # seconds: new videos wait this long for a ranking to end, again
QUEUE_TICKS = 4  # Up next is re-ranked with the card's dwell so far once a second
FEED_ACTIONS = frozenset({"next", "previous", "like", "dislike", "save", "follow", "why",
                          "algorithm", "recipe", "compare", "history", "play", "open_page"})


class FeedApp(Playing, Queueing, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "tuifeed"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {FeedCommands}

    # In the order of importance: a narrow footer shows the first ones that fit (KeyBar).
    BINDINGS = [
        Binding("j", "next", "Next"),
        Binding("down,space", "next", "Next", show=False),
        Binding("l", "like", "Like"),
        Binding("x", "dislike", "Not interested"),
        Binding("w", "why", "Why this?"),
        Binding("a", "algorithm", "My algorithm"),
        Binding("s", "save", "Save"),
        Binding("f", "follow", "Follow"),
        Binding("k", "previous", "Prev"),
        Binding("up", "previous", "Prev", show=False),
        Binding("enter,p", "play", "Play"),
        Binding("r", "recipe", "Recipe"),
        Binding("c", "compare", "Compare"),
        Binding("h", "history", "History"),
        Binding("o", "open_page", "Open page", show=False),
        Binding("u", "fetch", "Fetch"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, feed: Feed, image_widget: type[Widget] | None = None,
                 tick_seconds: float | None = TICK_SECONDS, scripted: bool = False,
                 fetch_on_start: bool = False) -> None:
        super().__init__()
        self.feed = feed
        feed.interactive()  # from here on the UI thread owns it: it must never wait
        self.fetch_on_start = fetch_on_start
        self._fetch_job: FetchJob | None = None
        self._ticks = 0
        self.fetch_status = ""
        # A scripted run must draw the same screen every time: no toasts (they expire on
        # wall-clock time) and no blinking cursors.
        self.scripted = scripted
        self._image_widget = image_widget
        self._tick_seconds = tick_seconds
        self._log_notice = ""
        self._play_job: PlayJob | None = None
        self._playing: PlaybackProgress | None = None  # the last position mpv reported
        self.init_queueing()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="log-notice", markup=False)
        with Horizontal(id="main"):
            yield VideoCard(self._image_widget, id="card")
            yield QueuePanel(id="queue")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The feed's keys work on the feed itself, not under another screen (and hide there)."""
        if action in FEED_ACTIONS and len(self.screen_stack) > 1:
            return False
        return True

    def on_mount(self) -> None:
        self.show_recipe_title()
        queue = self.query_one("#queue")
        queue.border_title = "Up next"
        queue.border_subtitle = "▲▼ moved · • new · ✦ exploring"
        for warning in self.feed.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        if self.feed.current is None:  # the first card comes from the first ranking
            self._waiting.append(self._advance_now)
        self.refresh_feed()
        self.screen_change_signal.subscribe(self, self.pause_dwell_when_covered, immediate=True)
        if self._tick_seconds:
            self.set_interval(self._tick_seconds, self.tick)
        if self.fetch_on_start and self.feed.sources():
            self.action_fetch()
        if not self.scripted and not self.is_headless:
            # Closing the terminal, or `kill`: quit as `q` does, so the card's dwell is kept.
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(number, partial(self.exit, return_code=128 + number))

    def notify(self, message: str, **kwargs) -> None:  # type: ignore[override]
        """Toasts sit low on the left, over the card's bottom border (app.tcss), one line each;
        a new answer to a key replaces the last one, so they never pile up over the card."""
        if self.scripted:
            return
        if kwargs.get("severity", "information") == "information":
            for shown in list(self._notifications):
                if shown.severity == "information":
                    self._unnotify(shown, refresh=False)
        super().notify(message, **kwargs)

    def on_descendant_mount(self, event: events.DescendantMount) -> None:
        if self.scripted and hasattr(event.control, "cursor_blink"):
            event.control.cursor_blink = False

    def show_recipe_title(self) -> None:
        # Titles are markup: a recipe's name (a file name of the viewer's) is escaped.
        status = f" · {self.fetch_status}" if self.fetch_status else ""
        self.sub_title = escape(f"{clean_text(self.feed.recipe.name)} · "
                                f"{len(self.feed.catalog):,} videos"
                                f"{status}")

    async def action_quit(self) -> None:
        """Quit at once: a fetch under way is cancelled (what it stored stays)."""
        if self._fetch_job is not None:
            self._fetch_job.cancel()
        self.exit()

    def on_unmount(self) -> None:
        if self._fetch_job is not None:
            self._fetch_job.cancel()
        self.stop_playback()
        self.feed.close()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    # -- drawing ------------------------------------------------------------------------------

    def refresh_feed(self) -> None:
        """Redraw the card and the queue from the feed (after every action)."""
        feed = self.feed
        item = feed.current
        card = self.query_one(VideoCard)
        card.show(
            item, feed.clock.now(),
            liked=item is not None and item.id in feed.state.liked,
            saved=item is not None and item.id in feed.state.saved,
            disliked=item is not None and item.id in feed.state.disliked,
            following=item is not None and creator_key(item) in feed.state.followed,
            ranking=bool(self._waiting),
        )
        card.border_title = f"#{feed.position + 1} of this session"
        card.show_progress(feed.elapsed())
        self.request_queue()  # Up next follows from a worker (QueueRanked)
        self.show_log_notice()

    def show_queue(self, queue: list) -> None:
        """Up next, as a worker ranked it."""
        self.screen_stack[0].query_one(QueuePanel).show(queue)  # another screen may be up
        self.prefetch_pictures(queue[:3])

    def prefetch_pictures(self, queue: list) -> None:
        """The pictures of these cards, fetched and decoded ahead, so `j` shows them at once."""
        self.screen_stack[0].query_one(VideoCard).prefetch([entry.item for entry in queue])

    def show_log_notice(self) -> None:
        """A write that cannot happen now (a full disk, a read-only or locked database), or an
        import by another tuifeed, is said the moment it is known and stays on screen while it
        holds. The events wait in memory meanwhile (see Feed.write_problem)."""
        feed = self.feed
        notes = [feed.write_problem or ""]
        if feed.log_changed_elsewhere:
            notes.append("another tuifeed imported into this log: restart to see it here "
                         "(your own events are kept either way)")
        text = " · ".join(note for note in notes if note)
        if text == self._log_notice:
            return
        if text and not self._log_notice:
            self.notify(text, title="Your log", severity="error", markup=False, timeout=15)
        elif self._log_notice and not text:
            self.notify("Your log is written again: nothing was lost", markup=False, timeout=5)
        self._log_notice = text
        notice = self.query_one("#log-notice", Static)
        notice.update(f"⚠ {text}" if text else "")
        notice.set_class(bool(text), "-shown")

    def tick(self) -> None:
        self.show_log_notice()
        if not self.tick_playback():
            self.query_one(VideoCard).show_progress(self.feed.elapsed())
        self._ticks += 1
        if self._ticks % QUEUE_TICKS == 0:
            self.refresh_queue()

    def refresh_queue(self) -> None:
        """Up next is the queue if you leave now: lingering moves it, live."""
        if self.screen is self.screen_stack[0]:
            self.request_queue()

    def pause_dwell_when_covered(self, top: Screen) -> None:
        """Dwell is time looked at: any screen over the feed (the command palette too) pauses
        it and the autoplay bar. Why this? does not: the card stays its subject."""
        if top is self.screen_stack[0] or isinstance(top, WhyScreen):
            self.feed.resume_dwell()
        else:
            self.feed.pause_dwell()

    # -- actions ------------------------------------------------------------------------------

    @in_order
    def action_next(self) -> None:
        self.advance()

    @in_order
    def action_previous(self) -> None:
        self.feed.previous()
        self.refresh_feed()

    @in_order
    def action_like(self) -> None:
        if (item := self.feed.current) is not None:
            event = self.feed.toggle_like(item.id)
            self.notify("Liked: you will see more like this" if event.kind == "like"
                        else "Like removed", timeout=2)
            self.refresh_feed()

    @in_order
    def action_dislike(self) -> None:
        """Not interested: the card goes. On a card marked so (back with k), x takes it back."""
        if (item := self.feed.current) is None:
            return
        event = self.feed.toggle_dislike(item.id)
        if event.kind == "undislike":
            self.notify("Not interested taken back", timeout=2)
            self.refresh_feed()
            return
        self.notify("Not interested (k, then x, takes it back)", timeout=3)
        self.action_next()

    @in_order
    def action_save(self) -> None:
        if (item := self.feed.current) is not None:
            event = self.feed.toggle_save(item.id)
            self.notify("Saved" if event.kind == "save" else "No longer saved", timeout=2)
            self.refresh_feed()

    @in_order
    def action_follow(self) -> None:
        if (item := self.feed.current) is not None:
            event = self.feed.toggle_follow(item.id)
            verb = "Following" if event.kind == "follow" else "Unfollowed"
            self.notify(f"{verb} @{item.creator}", markup=False, timeout=2)
            self.refresh_feed()

    @in_order
    def action_why(self) -> None:
        if (item := self.feed.current) is not None:
            feed = self.feed

            def explained(tries: int = 3):  # in a worker; again if the feed moved meanwhile
                for _ in range(tries):
                    version = feed.version
                    explanation = feed.why(item.id)
                    if feed.version == version:
                        break
                return explanation

            self.push_screen(WhyScreen(explained, feed.clock.now()))

    @in_order
    def action_algorithm(self) -> None:
        self.push_screen(AlgorithmScreen(self.feed), lambda _: self.refresh_feed())

    @in_order
    def action_history(self) -> None:
        self.push_screen(HistoryScreen(self.feed), lambda _: self.refresh_feed())

    @in_order
    def action_recipe(self) -> None:
        self.push_screen(RecipePicker(self.feed, "Switch recipe"), self.switch_recipe)

    def switch_recipe(self, name: str | None) -> None:
        """Use another recipe live; a broken one is reported and the current one stays."""
        if not name or name == self.feed.recipe.name:
            return
        try:
            self.feed.use_recipe(name)
        except TuifeedError as error:
            self.notify(str(error), title="Recipe not switched", severity="error", markup=False)
            return
        self.show_recipe_title()
        self.notify(f"Recipe: {name}", markup=False, timeout=2)
        self.refresh_feed()

    @in_order
    def action_compare(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.push_screen(CompareScreen(self.feed, name))

        self.push_screen(RecipePicker(self.feed, "Compare with", others_only=True), chosen)

    def steer(self, *args) -> None:
        """Steering from the command palette (the My algorithm screen has its own keys)."""
        try:
            record = self.feed.steer(*args)
        except TuifeedError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.notify(describe(record), markup=False, timeout=2)
        self.refresh_feed()

    def undo_steering(self) -> None:
        try:
            record = self.feed.undo_steering()
        except TuifeedError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.notify(f"undid: {describe(record)}", markup=False, timeout=2)
        self.refresh_feed()

    def compare_with(self, name: str) -> None:
        self.push_screen(CompareScreen(self.feed, name))

    def confirm_reset(self, then: Callable[[], object] | None = None) -> None:
        """Start over as a new viewer, once the viewer said yes (`then` runs after it)."""
        def answered(yes: bool | None) -> None:
            if yes:
                self.steer("reset")
                if then is not None:
                    then()

        self.push_screen(ConfirmScreen(
            "Start over as a new viewer?",
            "What you did so far stops counting: nothing is learned from it and it no longer "
            "marks cards as seen. Boosts, forgets and a pause end; follows and mutes stay. "
            "Your history keeps every event, and u in My algorithm undoes this."), answered)

    def mute_word(self) -> None:
        """From the palette: My algorithm, with its field for a word open."""
        screen = AlgorithmScreen(self.feed)
        self.push_screen(screen, lambda _: self.refresh_feed())
        screen.call_after_refresh(screen.action_mute_word)

    # -- fetching -----------------------------------------------------------------------------

    def action_fetch(self) -> None:
        """Fetch every source in a worker; new videos join the queue when it is done."""
        if any(worker.group == "fetch" and worker.is_running for worker in self.workers):
            self.notify("Already fetching", timeout=2)
            return
        self.fetch_status = "fetching…"
        self.show_recipe_title()
        self._fetch_job = FetchJob(self.feed, self.post_message)
        self.run_worker(self._fetch_job.run, thread=True, exclusive=True, group="fetch",
                        exit_on_error=False)

    @on(FetchProgress)
    def show_fetch_progress(self, message: FetchProgress) -> None:
        self.fetch_status = f"fetching {message.done}/{message.total}"
        self.show_recipe_title()
        if message.report.error:  # one line per broken source; its text came from outside
            self.notify(message.report.line(), severity="warning", markup=False, timeout=8)

    @on(CatalogueFetched)
    def take_in_fetched(self, message: CatalogueFetched) -> None:
        if self._ranking is not None:  # the ranking reads the catalogue: it grows after
            self._fetched_waiting.append(message)
            return
        if self.catalogue_in_use():  # Why this? reads it: a moment later
            self.set_timer(CATALOGUE_RETRY, partial(self.take_in_fetched, message))
            return
        added = self.feed.take_in(message.batches)
        failed = sum(bool(report.error) for report in message.reports)
        self.fetch_status = (f"+{added} new" if added else "up to date") + (
            f", {failed} failed" if failed else "")
        self.show_recipe_title()
        if added:
            self.refresh_feed()

    @on(Worker.StateChanged)
    def fetch_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "fetch" and event.state == WorkerState.ERROR:
            self.fetch_status = "fetch failed"
            self.show_recipe_title()
            self.notify(f"Fetch failed: {event.worker.error}", severity="error", markup=False)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self.screen is self.screen_stack[0]:  # only on the feed itself
            self.action_next()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.screen is self.screen_stack[0]:
            self.action_previous()


def make_app(feed: Feed, *, headless: bool = False,
             tick_seconds: float | None = TICK_SECONDS, scripted: bool = False,
             fetch_on_start: bool = False) -> FeedApp:
    """The one app factory, used by the CLI and by every TUI test."""
    return FeedApp(feed, image_widget=choose_image_widget(headless), tick_seconds=tick_seconds,
                   scripted=scripted, fetch_on_start=fetch_on_start)


def run_app(feed: Feed) -> int:
    """Run the TUI; the exit status: 1 after a crash or when records went to a rescue file."""
    from tuifeed.store import connection

    shown = len(feed.warnings)
    notice, connection.wait_notice = connection.wait_notice, None  # the screen is Textual's
    try:
        # The image protocol is detected here, before Textual takes over the terminal.
        app = make_app(feed, fetch_on_start=True)
        # What opening read (the catalogue, the log's columns, the model) lives as long as
        # the app: the collector's full passes would walk it again and again between keys
        # (50 ms a pass at a million items), so it is moved out of their way.
        gc.freeze()
        app.run()
    finally:
        connection.wait_notice = notice
        feed.close()
    for warning in feed.warnings[shown:]:  # after the screen is given back
        print(f"tuifeed: {warning}", file=sys.stderr)
    if app.return_code and app.return_code > 128:  # ended by a signal, as q would have
        return app.return_code
    if app.return_code:
        print("tuifeed: the feed stopped on an error (above; please report it). Your events "
              "up to it were saved.", file=sys.stderr)
        return app.return_code
    return 1 if feed.rescued is not None or feed.lost else 0
