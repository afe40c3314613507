"""Workers that read the feed: each in a thread that closing the feed waits for
(feed/threads.py), and one at a time for a screen's own work."""

from __future__ import annotations

from collections.abc import Callable

from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker


def run_feed_work(node: DOMNode, work: Callable[[], object], **options) -> Worker:
    """Run `work`, which reads the app's feed, in a worker thread (`options` go to
    `run_worker`); the feed's close waits for it, and once closing has begun it never
    starts. Its errors are the caller's to say (Worker.StateChanged)."""
    return node.run_worker(node.app.feed.threads.wrap(work), thread=True,
                           exit_on_error=False, **options)


class WorkLane:
    """A screen's jobs run in a worker thread one at a time, so no two of them read the feed
    at once; of the jobs of one kind asked while another runs, only the latest runs (a
    newer ask makes an older one moot). Each job's answer is posted to the screen."""

    def __init__(self, screen: Screen, group: str) -> None:
        self.screen, self.group = screen, group
        self._asked: dict[str, Callable[[], Message]] = {}  # kind -> job, waiting its turn
        self._running: Worker | None = None

    @property
    def busy(self) -> bool:
        """A job runs or waits (scripts settle on this)."""
        return self._running is not None or bool(self._asked)

    def ask(self, kind: str, job: Callable[[], Message]) -> None:
        self._asked.pop(kind, None)
        self._asked[kind] = job
        self._start_next()

    def finished(self, worker: Worker) -> None:
        """A worker of the screen's changed to a final state: the next job's turn."""
        if worker is self._running and worker.is_finished:
            self._running = None
            self._start_next()

    def _start_next(self) -> None:
        if self._running is not None or not self._asked:
            return
        kind = next(iter(self._asked))
        job = self._asked.pop(kind)
        screen = self.screen
        self._running = run_feed_work(screen, lambda: screen.post_message(job()), name=kind,
                                      group=self.group)
