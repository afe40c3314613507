"""Opening the feed after the first frame: the screen is drawn first, then a thread imports
what the feed needs (numpy, the ranker, the store: most of start-up), opens the feed and
loads the thumbnails' widget, and posts each as a typed message (`FeedOpened`,
`PicturesReady`, or `OpeningFailed`). Keys pressed meanwhile wait in the app's queue of
waiting keys (tui/queueing.py) and act, in order, once the first card is in.

A thread of its own rather than one of Textual's workers: those are joined when the app
ends, so a viewer quitting while the opening waits for another process's write lock could
not get the terminal back; run_app waits for this one after the screen is given back, and
says why (see `FeedOpening.wait`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from tuifeed.tui.graphics import Graphics, image_widget_for

if TYPE_CHECKING:
    from textual.widget import Widget

    from tuifeed.feed import Feed

OPENING_NOTE = "Opening your feed…"  # the card's place and the title's, meanwhile
FIRST_CARD_PATIENCE = 5.0  # seconds the pictures' imports wait for the first card at most
# Modules the feed's keys and screens need, loaded in the opening thread once the feed is
# open, so that no key waits for an import on the UI thread.
LATER_MODULES = ("tuifeed.tui.screens.algorithm", "tuifeed.tui.screens.confirm",
                 "tuifeed.tui.screens.help", "tuifeed.tui.screens.history",
                 "tuifeed.tui.screens.recipes", "tuifeed.tui.screens.why",
                 "tuifeed.tui.fetcher", "tuifeed.ranking.steering", "tuifeed.playback")


class FeedOpened(Message):
    """The feed is open (its first card comes from the first ranking)."""

    def __init__(self, feed: Feed) -> None:
        super().__init__()
        self.feed = feed


class PicturesReady(Message):
    """The widget that draws thumbnails as the terminal can (None: text only)."""

    def __init__(self, image_widget: type[Widget] | None) -> None:
        super().__init__()
        self.image_widget = image_widget


class OpeningFailed(Message):
    """The feed could not be opened: the app ends, and the CLI says why in one line."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class OpeningWaits(Message):
    """Opening waits for another process to finish writing (said on screen)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class FeedOpening:
    """Opens the feed with `open_feed` in a thread, posting what it has through `post`."""

    def __init__(self, open_feed: Callable[[], Feed], graphics: Graphics | None,
                 post: Callable[[Message], object] | None = None) -> None:
        self._open_feed = open_feed
        self._graphics = graphics
        self.post = post or (lambda message: None)
        self.feed: Feed | None = None
        self.error: BaseException | None = None
        self.waiting: str | None = None  # what the opening waits for, if it waits
        self._say: Callable[[str], None] | None = None  # once the screen is gone (wait)
        self._lock = threading.Lock()
        # Set once the first card is on screen: the pictures' imports wait for it, so they
        # never slow the first ranking down (both want the interpreter).
        self.card_shown = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="open the feed",
                                            daemon=True)
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        from tuifeed.store import connection

        connection.wait_notice = self._waits  # said on screen (run_app restores the CLI's)
        try:
            feed = self._open_feed()
        except BaseException as error:  # noqa: BLE001 - every failure is said, by the CLI
            self.error = error
            self.post(OpeningFailed(error))
            return
        finally:
            connection.wait_notice = None
        self.feed = feed
        # From here on the UI thread owns it and must never wait: its first event ids are
        # reserved now, here (a write), and the next ones by its writer's thread.
        feed.interactive()
        self.post(FeedOpened(feed))
        self.card_shown.wait(FIRST_CARD_PATIENCE)
        self.post(PicturesReady(image_widget_for(self._graphics)))
        import importlib

        for module in LATER_MODULES:
            importlib.import_module(module)

    def _waits(self, text: str) -> None:
        with self._lock:
            self.waiting = text
            if self._say is not None:
                self._say(text)
                return
        self.post(OpeningWaits(text))

    def wait(self, say: Callable[[str], None]) -> Feed | None:
        """The feed once the thread is done (None if it failed or never started). The screen
        is gone by now: if the opening waits for another process, `say` says so."""
        if self._thread is None:
            return self.feed
        self.card_shown.set()  # no card is coming
        with self._lock:
            self._say = say
            if self.waiting and self._thread.is_alive():
                say(self.waiting)
        self._thread.join()
        return self.feed
