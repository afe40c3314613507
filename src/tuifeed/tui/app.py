"""FeedApp: the card, the queue beside it, and the keys that drive the Feed facade.

Its first frame needs Textual and the widgets only: what the feed needs (numpy, the ranker,
the store, Pillow, textual-image) loads after it, in the thread that opens the feed
(tui/opening.py), and the screens load when first opened (that thread loads them too).
"""

from __future__ import annotations

import asyncio
import gc
import json
import signal
import sys
from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING

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
from tuifeed.tui.collector import Collector, keep_out_of_full_passes
from tuifeed.tui.commands import FeedCommands
from tuifeed.tui.feed_screen import PALETTE_KEY
from tuifeed.tui.graphics import Graphics, TerminalProbe, choose_image_widget
from tuifeed.tui.opening import (OPENING_NOTE, FeedOpened, FeedOpening, OpeningFailed,
                                 OpeningWaits, PicturesReady)
from tuifeed.tui.player import PlaybackProgress, PlayJob, Playing
from tuifeed.tui.queueing import Queueing, in_order
from tuifeed.tui.quitting import quitting
from tuifeed.tui.strip_cycles import free_whole_strips
from tuifeed.tui.widgets.card import VideoCard
from tuifeed.tui.widgets.keybar import KeyBar
from tuifeed.tui.widgets.queue import QueuePanel

if TYPE_CHECKING:
    from tuifeed.feed import Feed
    from tuifeed.tui.fetcher import CatalogueFetched, FetchJob, FetchProgress

NARROW_WIDTH = 70  # below this the queue panel hides and the card takes the screen
SHORT_HEIGHT = 30  # below this, screens drop what can be read elsewhere (see app.tcss)
TICK_SECONDS = 0.25
CATALOGUE_RETRY = 0.05  # seconds: new videos wait this long for a ranking to end, again
QUEUE_TICKS = 4  # Up next is re-ranked with the card's dwell so far after a second without keys
FEED_ACTIONS = frozenset({"next", "previous", "like", "dislike", "save", "follow", "why",
                          "algorithm", "recipe", "compare", "history", "play", "open_page"})


free_whole_strips()  # lines drawn whole are freed without the collector (tui/strip_cycles.py)


def once_open(action: Callable) -> Callable:
    """A key that needs the feed: pressed while it opens, it waits its turn with the others
    (see tui/opening.py; the feed's own keys wait with in_order)."""
    @wraps(action)
    def gated(self, *args) -> None:
        if self.feed is None:
            self._waiting.append(partial(gated, self, *args))
            return
        action(self, *args)
    return gated


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
        PALETTE_KEY,  # in the order typed, not Textual's priority key (tui/feed_screen.py)
    ]

    def __init__(self, feed: Feed | None, image_widget: type[Widget] | None = None,
                 tick_seconds: float | None = TICK_SECONDS, scripted: bool = False,
                 fetch_on_start: bool = False, opening: FeedOpening | None = None,
                 typed: bytes = b"") -> None:
        """With `feed` open already, or without one (None) and an `opening` that opens it
        after the first frame (see tui/opening.py); `typed`: keys read before the app took
        the terminal (while it was asked about pictures), pressed once it has."""
        super().__init__()
        self.feed = feed
        self._opening = opening
        self._typed = typed
        if feed is not None:
            feed.interactive()  # from here on the UI thread owns it: it must never wait
        self.fetch_on_start = fetch_on_start
        self._before_first_card = True  # see first_card_shown
        self._fetch_job: FetchJob | None = None
        self._ticks = 0  # since the last redraw of the feed: Up next was ranked then
        self.collector = Collector()  # its full passes wait for a pause (tui/collector.py)
        self.fetch_status = ""
        # A scripted run must draw the same screen every time: no toasts (they expire on
        # wall-clock time) and no blinking cursors.
        self.scripted = scripted
        self._image_widget = image_widget
        self._tick_seconds = tick_seconds
        self._log_notice = ""
        self._play_job: PlayJob | None = None
        self._playing: PlaybackProgress | None = None  # the last position mpv reported
        # How a write kept waiting by another process is said once the screen is given back
        # (run_app's: the CLI's line on standard error), while the app ends.
        self.wait_notice: Callable[[str], None] | None = None
        self.init_queueing()
        if feed is None:  # the first card comes once the feed is open: keys wait behind it
            self._waiting.append(self._advance_now)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="log-notice", markup=False)
        with Horizontal(id="main"):
            yield VideoCard(self._image_widget, pictures_coming=self.feed is None, id="card")
            yield QueuePanel(id="queue")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The feed's keys work on the feed itself, not under another screen (and hide there).
        Once the viewer has quit, no key acts: one typed behind the q would open a screen in
        an app that is closing (Textual mounts nothing after `exit`)."""
        if quitting(self):
            return False
        if action in FEED_ACTIONS and len(self.screen_stack) > 1:
            return False
        return True

    def on_mount(self) -> None:
        queue = self.query_one("#queue")
        queue.border_title = "Up next"
        queue.border_subtitle = "▲▼ moved · • new · ✦ exploring"
        if not self.scripted and not self.is_headless:
            # Closing the terminal, or `kill`: quit as `q` does, so the card's dwell is kept.
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(number, partial(self.exit, return_code=128 + number))
        self.press_typed()
        if self.feed is not None:
            self.start_feed()
            return
        self.sub_title = OPENING_NOTE
        self.query_one(VideoCard).show_note(OPENING_NOTE)

    def on_ready(self) -> None:
        """The first frame is out: the feed opens now, behind it (see tui/opening.py)."""
        if self._opening is not None:
            self._opening.start()

    def press_typed(self) -> None:
        """Keys typed before the app had the terminal, pressed now, in order."""
        typed, self._typed = self._typed, b""
        if not typed:
            return
        from textual._xterm_parser import XTermParser

        parser = XTermParser()
        text = typed.decode("utf-8", "replace")
        for event in [*parser.feed(text), *parser.feed("")]:
            if isinstance(event, events.Key):
                self.post_message(event)

    def start_feed(self) -> None:
        """The feed is open: its title, its warnings, the first card (from the first
        ranking) and the ticks; the rest follows the first card (first_card_shown)."""
        self.show_recipe_title()
        for warning in self.feed.warnings:
            self.notify(warning, severity="warning", markup=False, timeout=10)
        if self.feed.current is None:  # the first card, from the first ranking, started
            if self._advance_now not in self._waiting:  # now: the card says "Opening…"
                self._waiting.append(self._advance_now)  # till then, and no frame is
            self.request_queue()  # drawn to compete with it (0.1 s at a million items)
        else:
            self.refresh_feed()
        self.screen_change_signal.subscribe(self, self.pause_dwell_when_covered, immediate=True)
        self.pause_dwell_when_covered(self.screen)  # opened under Help, say
        if self._tick_seconds:
            self.set_interval(self._tick_seconds, self.tick)

    def first_card_shown(self) -> None:
        """What waited for the first card starts once it is on screen (neither slows it
        down): the thumbnails' imports (tui/opening.py), then the fetch on start."""
        if self._opening is not None:
            self._opening.card_shown.set()
        if self.fetch_on_start and self.feed.sources():
            self.action_fetch()

    def on_feed_opened(self, message: FeedOpened) -> None:
        self.feed = message.feed  # (interactive already: see FeedOpening)
        self.start_feed()

    async def on_pictures_ready(self, message: PicturesReady) -> None:
        self._image_widget = message.image_widget  # the player plays in it too (Playing)
        await self.screen_stack[0].query_one(VideoCard).use_image_widget(message.image_widget)

    def on_opening_waits(self, message: OpeningWaits) -> None:
        waiting = message.text.replace("Ctrl-C stops", "q quits")  # Ctrl-C is Textual's
        self.query_one(VideoCard).show_note(f"{OPENING_NOTE}\n{waiting}")

    def on_opening_failed(self, message: OpeningFailed) -> None:
        """Said by the CLI, in one line, once the screen is given back (see run_app)."""
        self._waiting.clear()
        self.exit(return_code=1)

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
        if self.feed is None:
            return
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
        """The screen is given back by now: a write still waiting for another process's lock
        (the closing feed's, a fetch's) is said there."""
        from tuifeed.store import connection

        connection.wait_notice = self.wait_notice
        if self._fetch_job is not None:
            self._fetch_job.cancel()
        self.stop_playback()
        if self.feed is not None:
            self.feed.close()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    # -- drawing ------------------------------------------------------------------------------

    def refresh_feed(self) -> None:
        """Redraw the card and the queue from the feed (after every action)."""
        from tuifeed.ranking.catalog import creator_key

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
        if self._before_first_card and self._advance_now not in self._waiting:
            self._before_first_card = False  # the first ranking is in: the card, or none
            self.call_after_refresh(self.first_card_shown)
        card.show_progress(feed.elapsed())
        self.request_queue_after_paint()  # Up next follows from a worker (QueueRanked)
        self._ticks = 0
        self.collector.drew()
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
        if self._ticks >= QUEUE_TICKS:  # (a key redraws the feed, and Up next is ranked)
            self._ticks = 0
            self.collector.idle()
            self.refresh_queue()

    def refresh_queue(self) -> None:
        """Up next is the queue if you leave now: lingering moves it, live."""
        if self.screen is self.screen_stack[0] and self.feed is not None:
            self.request_queue()

    def pause_dwell_when_covered(self, top: Screen) -> None:
        """Dwell is time looked at: any screen over the feed (the command palette too) pauses
        it and the autoplay bar. Why this? does not: the card stays its subject."""
        why = sys.modules.get("tuifeed.tui.screens.why")  # not loaded: not on screen either
        if top is self.screen_stack[0] or why is not None and isinstance(top, why.WhyScreen):
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
        from tuifeed.tui.screens.why import WhyScreen

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
        from tuifeed.tui.screens.algorithm import AlgorithmScreen

        self.push_screen(AlgorithmScreen(self.feed), lambda _: self.refresh_feed())

    @in_order
    def action_history(self) -> None:
        from tuifeed.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(self.feed), lambda _: self.refresh_feed())

    @in_order
    def action_recipe(self) -> None:
        from tuifeed.tui.screens.recipes import RecipePicker

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
        from tuifeed.tui.screens.recipes import CompareScreen, RecipePicker

        def chosen(name: str | None) -> None:
            if name:
                self.push_screen(CompareScreen(self.feed, name))

        self.push_screen(RecipePicker(self.feed, "Compare with", others_only=True), chosen)

    def steer(self, *args) -> None:
        """Steering from the command palette (the My algorithm screen has its own keys)."""
        from tuifeed.ranking.steering import describe

        try:
            record = self.feed.steer(*args)
        except TuifeedError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.notify(describe(record), markup=False, timeout=2)
        self.refresh_feed()

    def undo_steering(self) -> None:
        from tuifeed.ranking.steering import describe

        try:
            record = self.feed.undo_steering()
        except TuifeedError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        self.notify(f"undid: {describe(record)}", markup=False, timeout=2)
        self.refresh_feed()

    def compare_with(self, name: str) -> None:
        from tuifeed.tui.screens.recipes import CompareScreen

        self.push_screen(CompareScreen(self.feed, name))

    def confirm_reset(self, then: Callable[[], object] | None = None) -> None:
        """Start over as a new viewer, once the viewer said yes (`then` runs after it)."""
        from tuifeed.tui.screens.confirm import ConfirmScreen

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
        from tuifeed.tui.screens.algorithm import AlgorithmScreen

        screen = AlgorithmScreen(self.feed)
        self.push_screen(screen, lambda _: self.refresh_feed())
        screen.call_after_refresh(screen.action_mute_word)

    # -- fetching -----------------------------------------------------------------------------

    @once_open
    def action_fetch(self) -> None:
        """Fetch every source in a worker; new videos join the queue when it is done."""
        from tuifeed.tui.fetcher import FetchJob

        if any(worker.group == "fetch" and worker.is_running for worker in self.workers):
            self.notify("Already fetching", timeout=2)
            return
        self.fetch_status = "fetching…"
        self.show_recipe_title()
        self._fetch_job = FetchJob(self.feed, self.post_message)
        self.run_worker(self._fetch_job.run, thread=True, exclusive=True, group="fetch",
                        exit_on_error=False)

    def on_fetch_progress(self, message: FetchProgress) -> None:
        self.fetch_status = f"fetching {message.done}/{message.total}"
        self.show_recipe_title()
        if message.report.error:  # one line per broken source; its text came from outside
            self.notify(message.report.line(), severity="warning", markup=False, timeout=8)

    def on_catalogue_fetched(self, message: CatalogueFetched) -> None:
        self.take_in_fetched(message)

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

    @once_open
    def action_play(self) -> None:
        """Play the card (Playing.action_play), once the feed is open."""
        super().action_play()

    @once_open
    def action_open_page(self) -> None:
        """Open the card's page (Playing.action_open_page), once the feed is open."""
        super().action_open_page()

    def action_help(self) -> None:
        from tuifeed.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if self.screen is self.screen_stack[0]:  # only on the feed itself
            self.action_next()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if self.screen is self.screen_stack[0]:
            self.action_previous()


def make_app(feed: Feed | None, *, headless: bool = False,
             tick_seconds: float | None = TICK_SECONDS, scripted: bool = False,
             fetch_on_start: bool = False, open_feed: Callable[[], Feed] | None = None,
             graphics: Graphics | TerminalProbe | None = None) -> FeedApp:
    """The one app factory, used by the CLI and by every TUI test.

    With a `feed`, the app shows it at once (the thumbnails' widget chosen now, asking the
    terminal). Without one, `open_feed` opens it after the first frame (tui/opening.py),
    and the thumbnails draw as `graphics` says the terminal can (a TerminalProbe asked
    while Textual loaded; None: half cells, asking nothing)."""
    if feed is not None:
        return FeedApp(feed, image_widget=choose_image_widget(headless),
                       tick_seconds=tick_seconds, scripted=scripted,
                       fetch_on_start=fetch_on_start)
    if open_feed is None:
        raise ValueError("make_app needs a feed, or open_feed to open one")
    typed = b""
    if isinstance(graphics, TerminalProbe):
        graphics, typed = graphics.result(), graphics.typed
    opening = FeedOpening(open_feed, None if headless else graphics)
    app = FeedApp(None, tick_seconds=tick_seconds, scripted=scripted,
                  fetch_on_start=fetch_on_start, opening=opening, typed=typed)
    opening.post = app.post_message
    return app


def run_app(feed: Feed | Callable[[], Feed], probe: TerminalProbe | None = None) -> int:
    """Run the TUI on an open feed, or on one `feed()` opens after the first frame (see
    tui/opening.py; `probe` asked the terminal about pictures meanwhile); then the exit
    status: 1 after a crash or when records went to a rescue file. A feed that could not
    be opened raises its error once the screen is given back (the CLI says it in one
    line)."""
    from tuifeed.store import connection

    notice, connection.wait_notice = connection.wait_notice, None  # the screen is Textual's
    opening: FeedOpening | None = None
    opened, shown = None, 0  # the warnings said already
    try:
        if callable(feed):
            app = make_app(None, fetch_on_start=True, graphics=probe,
                           open_feed=partial(_opened_and_frozen, feed))
            opening = app._opening
        else:
            opened, shown = feed, len(feed.warnings)
            # The image protocol is detected here, before Textual takes over the terminal.
            app = make_app(feed, fetch_on_start=True)
            keep_out_of_full_passes()
        if notice is not None:  # (Ctrl-C does not stop a wait once the app has ended)
            app.wait_notice = lambda text: notice(text.replace(" (Ctrl-C stops)", ""))
        app.run()
    finally:
        if opening is not None:  # the screen is gone; an opening under way ends first
            opened = opening.wait(lambda text: print(f"tuifeed: {text}", file=sys.stderr))
        connection.wait_notice = notice  # closing may wait for another process: said
        if opened is not None:
            opened.close()
    if opened is None:  # never opened: its error, said by the CLI
        if opening is not None and opening.error is not None:
            raise opening.error
        return app.return_code or 0
    for warning in opened.warnings[shown:]:  # after the screen is given back
        print(f"tuifeed: {warning}", file=sys.stderr)
    for line in opened.lost:  # the last resort: neither the database nor a file took them
        print(json.dumps(line, ensure_ascii=True), file=sys.stderr)
    if app.return_code and app.return_code > 128:  # ended by a signal, as q would have
        return app.return_code
    if app.return_code:
        print("tuifeed: the feed stopped on an error (above; please report it). Your events "
              "up to it were saved.", file=sys.stderr)
        return app.return_code
    return 1 if opened.rescued is not None or opened.lost else 0


def _opened_and_frozen(open_feed: Callable[[], Feed]) -> Feed:
    """Open the feed (in the opening thread), then move what it read out of the collector's
    way (see run_app). The collector, off while modules load (the CLI's run_feed), is on
    again once the feed's are in, before the feed is read; what the modules hold lives as
    long as the process and is frozen first, or the first collection after would walk it
    all at once."""
    import tuifeed.feed  # noqa: F401

    gc.freeze()
    gc.enable()
    feed = open_feed()
    keep_out_of_full_passes()
    return feed
