"""Playback for the TUI: mpv in its own window runs in a worker thread and reports back as
typed messages; mpv in the terminal runs with the app suspended. Either way the Feed hears
of the start and the end on the UI thread (see Feed.playback_started/playback_ended)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.binding import Binding
from textual.app import ComposeResult
from textual.containers import Vertical

from tuifeed.playback import Playback, PlaybackResult
from tuifeed.timewords import clock_time


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
            self.result = PlaybackResult(False, 0.0, None, f"error: {error}")
        self.done.set()
        self._post(PlaybackEnded(item_id, self.result))
        return self.result

    def stop(self) -> None:
        self.playback.stop()


class ResumeScreen(ModalScreen[bool]):
    """Offer to resume where the viewer stopped: enter resumes, b begins again."""

    BINDINGS = [
        Binding("enter,r", "choose(True)", "Resume"),
        Binding("b,0", "choose(False)", "From the beginning"),
        Binding("escape", "dismiss_none", "Cancel"),
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

    def action_choose(self, resume: bool) -> None:
        self.dismiss(resume)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)  # type: ignore[arg-type]
