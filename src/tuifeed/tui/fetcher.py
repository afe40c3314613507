"""Fetching sources from the TUI: in a worker thread, with progress and results as messages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from textual.message import Message

from tuifeed.catalogue.fetching import SourceReport, fetch_sources
from tuifeed.feed import Feed
from tuifeed.ranking.catalog import CatalogRows
from tuifeed.store.database import Store


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


def fetch_in_worker(feed: Feed, post) -> None:
    """The worker's body: fetch with a connection of its own, then read what arrived.

    It only reads the catalogue's sizes; the UI thread takes the rows in (Feed.take_in).
    """
    store = Store.attach(feed.locations.database)
    try:
        reports = asyncio.run(fetch_sources(
            store, feed.locations.cache, feed.clock.now,
            progress=lambda report, done, total: post(FetchProgress(report, done, total))))
        refreshed = [code for report in reports for code in report.refreshed_codes]
        batches = feed.new_rows(store, refreshed)
    finally:
        store.close()
    post(CatalogueFetched(batches, reports))
