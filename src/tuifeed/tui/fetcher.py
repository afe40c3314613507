"""Fetching sources from the TUI: in a worker thread, with progress and results as messages."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the network side loads in the worker, after the first frame
    from tuifeed.catalogue.fetching import SourceReport
    from tuifeed.feed import Feed
    from tuifeed.ranking.catalog import CatalogRows


@dataclass
class FetchProgress(Message):
    """One source finished (or failed)."""

    report: SourceReport
    done: int
    total: int


@dataclass
class CatalogueFetched(Message):
    """Every source is done: the rows to take in, read on the worker's own connection."""

    batches: list[CatalogRows]
    reports: list[SourceReport]


class FetchJob:
    """One fetch of every source, run by a worker thread, that the app can cancel at once
    (quitting must not wait for a slow server's timeouts and retries)."""

    def __init__(self, feed: Feed, post) -> None:
        self.feed, self.post = feed, post
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._cancelled = False
        # Cancelled, its writes stop waiting for another process's lock: the loop cannot
        # cancel a write blocked on the lock, and the thread would outlive the session.
        self._give_up = threading.Event()

    def run(self) -> None:
        """The worker's body: fetch with a connection of its own, then read what arrived.
        It only reads the catalogue's sizes; the UI thread takes the rows in (Feed.take_in)."""
        from tuifeed.catalogue.fetching import fetch_sources
        from tuifeed.store.database import Store

        feed = self.feed
        store = Store.attach(feed.locations.database)
        store.connection.give_up = self._give_up
        loop = asyncio.new_event_loop()
        try:
            self._task = loop.create_task(fetch_sources(
                store, feed.locations.cache, feed.clock.now,
                progress=lambda report, done, total: self.post(
                    FetchProgress(report, done, total))))
            self._loop = loop
            if self._cancelled:
                self._task.cancel()
            try:
                reports = loop.run_until_complete(self._task)
            except asyncio.CancelledError:
                return  # what finished is stored; the next fetch or open takes it in
            batches = feed.new_rows(store, reports)
        finally:
            self._loop = None
            loop.close()
            store.close()
        self.post(CatalogueFetched(batches, reports))

    def cancel(self) -> None:
        self._cancelled = True
        self._give_up.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop closed meanwhile: nothing left to cancel
                pass
