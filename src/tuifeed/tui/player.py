"""Playback in the TUI (the Playing mixin of FeedApp): mpv in its own window runs in a worker
thread and reports back as typed messages; mpv in the terminal runs with the app suspended.
Either way the Feed hears of the start and the end on the UI thread (see
Feed.playback_started/playback_ended)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from tuifeed.errors import TuifeedError
from tuifeed.timewords import clock_time
from tuifeed.tui.feed_screen import FeedScreen
from tuifeed.tui.graphics import graphics_protocol
from tuifeed.tui.widgets.card import VideoCard
from tuifeed.tui.widgets.keybar import KeyBar

if TYPE_CHECKING:  # mpv's side loads with the first playback, not before the first frame
    from tuifeed.playback import Playback, PlaybackResult

PLAYER_WAIT = 5.0  # seconds quitting waits for mpv to stop, so the watch is recorded


class PlaybackStarted(Message):
    def __init__(self, item_id: str) -> None:
        super().__init__()
        self.item_id = item_id


class PlaybackProgress(Message):
    def __init__(self, item_id: str, position: float, duration: float | None,
                 paused: bool) -> None:
        super().__init__()
        self.item_id, self.position, self.duration, self.paused = (item_id, position, duration,
                                                                    paused)


class PlaybackEnded(Message):
    def __init__(self, item_id: str, result: PlaybackResult) -> None:
        super().__init__()
        self.item_id, self.result = item_id, result


class PlayJob:
    """One playback in a window, run in a worker thread; posts the messages above."""

    def __init__(self, item_id: str, playback: Playback,
                 post: Callable[[Message], object]) -> None:
        self.item_id, self.playback, self._post = item_id, playback, post
        self.result: PlaybackResult | None = None
        self.done = threading.Event()
        self.announced = False  # the UI recorded the `play`

    def run(self) -> PlaybackResult:
        item_id = self.item_id
        try:
            self.result = self.playback.run(
                on_progress=lambda position, duration, paused: self._post(
                    PlaybackProgress(item_id, position, duration, paused)),
                on_started=lambda: self._post(PlaybackStarted(item_id)))
        except Exception as error:  # mpv would not start: a playback that never began
            from tuifeed.playback import PlaybackResult

            self.result = PlaybackResult(False, 0.0, None, f"error: {error}")
        self.done.set()
        self._post(PlaybackEnded(item_id, self.result))
        return self.result

    def stop(self) -> None:
        self.playback.stop()


class ResumeScreen(FeedScreen, ModalScreen[bool]):
    """Offer to resume where the viewer stopped: enter resumes, b begins again."""

    BINDINGS = [
        Binding("enter,r", "choose(True)", "Resume"),
        Binding("b,0", "choose(False)", "From the beginning"),
        Binding("escape,q", "dismiss_none", "Cancel"),
    ]

    def __init__(self, title: str, position: float) -> None:
        super().__init__()
        self._title, self._position = title, position

    def compose(self) -> ComposeResult:
        with Vertical(id="resume-body"):
            yield Static(f"You stopped at {clock_time(self._position)}.", markup=False)
            yield Static(self._title, id="resume-title", markup=False)
            yield Static("enter: resume there · b: from the beginning · escape: cancel",
                         id="resume-keys", markup=False)
        yield KeyBar()

    def action_choose(self, resume: bool) -> None:
        self.dismiss(resume)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]


class Playing:
    """Mixed into FeedApp: `enter`/`p` plays the card, `o` opens its page; the messages above
    come back here. Expects the app's `feed`, `_image_widget`, `scripted`, `_play_job` and
    `_playing`."""

    def action_play(self) -> None:
        """Play the card with mpv: in a window when there is a display (the feed stays), else
        in the terminal (the feed steps aside until mpv ends). Offers to resume."""
        item = self.feed.current
        if item is None:
            return
        if self._play_job is not None:
            self.notify("Already playing: quit mpv first", timeout=3)
            return
        position = self.feed.resume_at(item.id)
        if position is None:
            self.start_playback(item.id, resume=False)
            return
        self.push_screen(ResumeScreen(item.title, position),
                         lambda resume: None if resume is None
                         else self.start_playback(item.id, resume=resume))

    def start_playback(self, item_id: str, resume: bool) -> None:
        try:
            playback = self.feed.playback(item_id, resume=resume,
                                          graphics=graphics_protocol(self._image_widget),
                                          quiet=self.scripted)
            playback.player()
        except TuifeedError as error:
            from tuifeed.playback import web_url

            hint = (" Press o to open its page in a browser."
                    if web_url(self.feed.item(item_id)) else "")
            self.notify(f"{error}.{hint}", title="Cannot play", severity="error",
                        markup=False, timeout=12)
            return
        if playback.mode == "window":
            job = PlayJob(item_id, playback, self.post_message)
            self._play_job = job
            self.run_worker(job.run, thread=True, group="playback", exit_on_error=False)
            self.notify("Playing in mpv: how much you watch teaches the ranker", timeout=3)
            return
        self.feed.pause_dwell()
        try:
            try:
                with self.suspend():
                    result = playback.run(on_started=lambda: self.feed.playback_started(item_id))
            except SuspendNotSupported:  # headless (scripts, tests): no terminal to hand over
                result = playback.run(on_started=lambda: self.feed.playback_started(item_id))
        finally:
            self.feed.resume_dwell()
        self.finish_playback(item_id, result)
        self.refresh()

    def on_playback_started(self, message: PlaybackStarted) -> None:
        job = self._play_job
        if job is not None and job.item_id == message.item_id and not job.announced:
            job.announced = True
            self.feed.playback_started(message.item_id)

    def on_playback_progress(self, message: PlaybackProgress) -> None:
        self._playing = message
        self.tick_playback()

    def tick_playback(self) -> bool:
        """Show mpv's real position on the card it plays, if it is on screen: True if so."""
        playing = self._playing
        if playing is None or self.feed.current is None or \
                playing.item_id != self.feed.current.id:
            return False
        self.query_one(VideoCard).show_playback(playing.position, playing.duration,
                                                playing.paused)
        return True

    def on_playback_ended(self, message: PlaybackEnded) -> None:
        if self._play_job is not None and self._play_job.item_id == message.item_id:
            self.finish_playback(message.item_id, message.result)

    def finish_playback(self, item_id: str, result) -> None:
        """Record what the player reported, once, and say it."""
        job = self._play_job
        if job is not None and result.started and not job.announced:  # quit before it was heard
            job.announced = True
            self.feed.playback_started(item_id)
        self._play_job = None
        self._playing = None
        if not result.started:
            from tuifeed.playback import not_played

            self.notify(not_played(result), title="Not played", severity="error",
                        markup=False, timeout=8)
            return
        self.feed.playback_ended(item_id, result)
        share = f"{result.fraction:.0%}" if result.fraction is not None else "some"
        self.notify(f"Watched {share}" + (", to the end" if result.completed else ""),
                    timeout=3)
        if self.is_running:
            self.refresh_feed()

    def action_open_page(self) -> None:
        """Open the card's web page in a browser (when there is no player, say)."""
        item = self.feed.current
        if item is None:
            return
        try:
            page = self.feed.web_page(item.id)
        except TuifeedError as error:
            self.notify(str(error), severity="warning", markup=False, timeout=5)
            return

        def open_page() -> None:
            import webbrowser

            webbrowser.open(page)

        self.run_worker(open_page, thread=True, group="browser", exit_on_error=False)
        self.notify("Opened in your browser", timeout=3)

    def stop_playback(self) -> None:
        """Quitting stops mpv (and ends it if it does not answer); how far it got counts."""
        job = self._play_job
        if job is None:
            return
        job.stop()
        if not job.done.wait(PLAYER_WAIT):
            job.playback.kill()  # ended, with what it last said
            job.done.wait(PLAYER_WAIT)
        if job.result is not None and self._play_job is job:
            self.finish_playback(job.item_id, job.result)
