"""Fetching every source at once: one HTTP client, each source on its own, results stored.

A broken source (404, timeout, bad XML, a 50 MB body) ends as one line in its report and in
`sources list`; it never stops the others. Items are stored as each source finishes, so a
slow server does not hold back what the fast ones brought; how each fetch went (its time,
error and validators) is written for all of them at the end, in one transaction rather than
one a source, and also when the fetch is cut short.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tuifeed.sources.base import ACCEPT, FetchError, Outcome, conditional_fetch
from tuifeed.errors import TuifeedError
from tuifeed.sources.http import HttpClient
from tuifeed.store.database import Store
from tuifeed.store.items import known_topics
from tuifeed.store.sources import SourceRow, list_sources, record_fetches
from tuifeed.text import clean_text

ERROR_LIMIT = 300
FEED_PARSERS = {"youtube": ("tuifeed.sources.youtube", "parse_youtube"),
                "rss": ("tuifeed.sources.feeds", "parse_feed"),
                "jsonfeed": ("tuifeed.sources.feeds", "parse_json_feed")}
MAX_ITEMS_PER_FETCH = 2000  # one source cannot flood the catalogue in one fetch
# Environment overrides for the HTTP client (slow links, tests): seconds and a count.
TIMEOUT_ENV, RETRIES_ENV = "TUIFEED_FETCH_TIMEOUT", "TUIFEED_FETCH_RETRIES"


def client_settings(environ: Mapping[str, str]) -> dict:
    """HttpClient options from the environment; a value that is not a number is ignored."""
    settings: dict = {}
    try:
        settings["timeout"] = min(max(float(environ[TIMEOUT_ENV]), 0.1), 300.0)
    except (KeyError, ValueError):
        pass
    try:
        settings["retries"] = min(max(int(environ[RETRIES_ENV]), 0), 10)
    except (KeyError, ValueError):
        pass
    return settings


@dataclass
class SourceReport:
    """How fetching one source went, as `tuifeed fetch`, the TUI and `sources list` tell it."""

    name: str
    kind: str
    new: int = 0
    refreshed: int = 0
    unchanged: bool = False
    error: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    new_codes: list[int] = field(default_factory=list)
    refreshed_codes: list[int] = field(default_factory=list)

    def line(self) -> str:
        if self.error:
            return f"{self.name}: failed: {self.error}"
        if self.unchanged:
            return f"{self.name}: unchanged"
        return f"{self.name}: {self.new} new, {self.refreshed} updated"


Progress = Callable[[SourceReport, int, int], None]  # report, done, total


async def fetch_outcome(row: SourceRow, http: HttpClient, cache: Path,
                        known_ids: set[str]) -> Outcome:
    """One source's items, by its kind. Each kind's module loads when a source needs it, and
    a feed's parser (lxml with it) once its first answer is in: the requests go out first."""
    if row.kind in FEED_PARSERS:
        module, function = FEED_PARSERS[row.kind]
        return await conditional_fetch(row.url, http, row.validators, ACCEPT[row.kind],
                                       lambda: getattr(importlib.import_module(module), function))
    if row.kind == "peertube":
        from tuifeed.sources.peertube import fetch as fetch_peertube

        return await fetch_peertube(row.url, http, row.validators, known=known_ids)
    if row.kind == "folder":
        from tuifeed.sources.folder import fetch as fetch_folder

        return await fetch_folder(row.url, http, row.validators, cache_dir=cache / "folder")
    return Outcome(unchanged=True)  # the demo: installed once, nothing to fetch


def fetch_home(home, clock, names: set[str] | None = None, *, reset_db: bool = False,
               progress: Progress | None = None) -> list[SourceReport]:
    """`tuifeed fetch`: open the home's database and fetch its sources (no Feed needed)."""
    from tuifeed.locations import Locations
    from tuifeed.store.database import open_store

    locations = Locations.resolve(home)
    locations.prepare()
    store = open_store(locations.database, clock.now(), reset_db)
    try:
        return asyncio.run(fetch_sources(store, locations.cache, clock.now, names=names,
                                         progress=progress))
    finally:
        store.close()


async def fetch_sources(store: Store, cache: Path, now: Callable[[], float], *,
                        names: set[str] | None = None, progress: Progress | None = None,
                        http: HttpClient | None = None) -> list[SourceReport]:
    """Fetch every live source (or those named) concurrently and store what they bring."""
    rows = list_sources(store.connection)
    unknown = sorted((names or set()) - {row.name for row in rows})
    if unknown:
        raise TuifeedError(f"no source named {unknown[0]!r}")
    rows = [row for row in rows if names is None or row.name in names]
    known_ids = {row[0] for row in store.connection.execute(
        "SELECT id FROM items WHERE source IN (SELECT name FROM sources WHERE kind = 'peertube')"
        " AND topics_derived = 0")}  # details already read
    words: dict[str, str] = {}  # singular -> topic, read once the first items arrive
    client = http or HttpClient(**client_settings(os.environ))
    # Catalogue data: no fsync at each transaction (WAL stays consistent; a power cut can only
    # lose the last sources' items, which the next fetch brings again).
    store.connection.execute("PRAGMA synchronous = NORMAL")
    reports: list[SourceReport] = []
    fetched: list[tuple[str, float, str, dict | None]] = []  # for record_fetches
    arrived: list[tuple[SourceRow, Outcome, SourceReport]] = []  # parsed, not yet stored

    async def one(row: SourceRow) -> SourceReport:
        started = time.perf_counter()
        report = SourceReport(row.name, row.kind)
        try:
            outcome = await fetch_outcome(row, client, cache, known_ids)
        except FetchError as error:
            report.error = clean_text(str(error), limit=ERROR_LIMIT)
        except Exception as error:  # noqa: BLE001 - one source's bug must not stop the rest
            report.error = clean_text(f"unexpected {type(error).__name__}: {error}",
                                      limit=ERROR_LIMIT)
        else:
            report.unchanged = outcome.unchanged
            report.notes = [clean_text(note, limit=ERROR_LIMIT) for note in outcome.notes]
            if outcome.items:
                # Stored together with the sources whose answers were read in the same turn
                # of the loop, by the first of them to go on: one upsert for all of them.
                arrived.append((row, outcome, report))
                await asyncio.sleep(0)
                store_arrived()
        fetched.append((row.name, now(), report.error,
                        None if report.error or (outcome.unchanged and not outcome.validators)
                        else outcome.validators))
        report.seconds = time.perf_counter() - started
        reports.append(report)
        if progress is not None:
            progress(report, len(reports), len(rows))
        return report

    def store_arrived() -> None:
        """The items of every source that arrived and is not stored yet, in one transaction;
        each report gets the codes of its own."""
        if not arrived:
            return
        batch = arrived[:]
        arrived.clear()
        from tuifeed.catalogue.ingest import Addresses, to_items, vocabulary  # once needed

        if not words:
            words.update(vocabulary(known_topics(store.connection)))
        items, derived, owners = [], [], []
        for row, outcome, report in batch:
            if len(outcome.items) > MAX_ITEMS_PER_FETCH:
                report.notes.append(f"kept the first {MAX_ITEMS_PER_FETCH} of "
                                    f"{len(outcome.items)} entries")
                del outcome.items[MAX_ITEMS_PER_FETCH:]
            addresses = Addresses([Path(row.url), cache / "folder"] if row.kind == "folder"
                                  else ())
            own, guessed = to_items(outcome.items, row.name, now(), words, addresses)
            if addresses.dropped:
                report.notes.append(f"dropped {addresses.dropped} addresses that were not "
                                    f"http(s) (javascript:, data:, file: or a local path from "
                                    f"the web)")
            # The next source's titles may meet this one's topics, as if stored one by one.
            words.update(vocabulary(topic for item in own for topic in item.topics))
            items += own
            derived += guessed
            owners.append((report, own))
        try:
            added = store.add_items(items, derived)
        except sqlite3.Error as error:
            for report, _ in owners:
                report.error = clean_text(f"could not store its videos: {error}",
                                          limit=ERROR_LIMIT)
            return
        new = set(added.new)
        for report, own in owners:
            codes = {added.codes[item.id] for item in own}
            report.new_codes = sorted(code for code in codes if code in new)
            report.refreshed_codes = sorted(code for code in codes if code not in new)
            report.new, report.refreshed = len(report.new_codes), len(report.refreshed_codes)

    try:
        await asyncio.gather(*(one(row) for row in rows))
    finally:
        try:  # a full disk or a database locked too long must not hide the reports
            store_arrived()  # what a fetch cut short had read is kept all the same
            record_fetches(store.connection, fetched)
        except sqlite3.Error:
            pass
        finally:
            if http is None:
                await client.aclose()
    order = {row.name: position for position, row in enumerate(rows)}
    return sorted(reports, key=lambda report: order[report.name])
