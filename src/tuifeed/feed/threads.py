"""Work on the feed in other threads, which closing the feed waits for.

The feed's SQLite connection is shared with the threads that read the feed for the TUI
(Up next's ranking, learning, My algorithm's examples, Why this?). Closed under a query
running in one of them, it crashed the process: `a` and `q` typed together ended on a
segmentation fault in 5 quits out of 10. Work handed to a thread through `ThreadWork.wrap`
is counted while it runs; `close` lets no more of it start and waits for what runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")


class ThreadWork:
    """The work on the feed running in other threads, for closing to wait for."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running = 0
        self._closed = False

    @property
    def running(self) -> int:
        return self._running

    def wrap(self, work: Callable[[], Result]) -> Callable[[], Result | None]:
        """`work`, counted while it runs; once closing has begun it does nothing (None)."""
        def counted() -> Result | None:
            with self._changed:
                if self._closed:
                    return None
                self._running += 1
            try:
                return work()
            finally:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()

        return counted

    def close(self) -> None:
        """No more work starts; returns once the running work has ended. Never call it from
        wrapped work (it would wait for itself)."""
        with self._changed:
            self._closed = True
            self._changed.wait_for(lambda: self._running == 0)
