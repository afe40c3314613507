"""The Feed's catalogue controls: sources added and removed, fetched, and their items taken in
as they arrive, without renumbering anything the model or the masks depend on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tuifeed.errors import TuifeedError
from tuifeed.ranking.catalog import CatalogRows
from tuifeed.sources.demo import DEMO_SOURCE, install_demo
from tuifeed.store.database import Store
from tuifeed.store.sources import SourceRow, add_source, list_sources, remove_source

if TYPE_CHECKING:  # the network side (httpx, lxml) loads when a source is added or fetched
    from tuifeed.catalogue.fetching import Progress, SourceReport
    from tuifeed.sources.http import HttpClient


class Catalogue:
    """Mixed into Feed: the growing catalogue and the sources that feed it."""

    def sources(self) -> list[SourceRow]:
        return list_sources(self.store.connection)

    def add_source(self, url: str, name: str | None = None, kind: str | None = None,
                   http: HttpClient | None = None) -> SourceRow:
        """Add a source (the kind detected when not given); its items come with the next fetch."""
        from tuifeed.catalogue.registry import (check_name, default_name, guess_kind,
                                                source_address)

        if url.strip() in ("demo", "demo:") and kind in (None, "demo"):
            return self._reinstall_demo()
        name = check_name(name) if name else None
        kind = kind or guess_kind(url) or self._ask_server(source_address("rss", url), http)
        address = source_address(kind, url)
        taken = {row.name for row in list_sources(self.store.connection, include_removed=True)}
        name = name or default_name(kind, address, taken)
        return add_source(self.store.connection, name, kind, address, self.clock.now())

    def _ask_server(self, url: str, http: HttpClient | None) -> str:
        from tuifeed.catalogue.registry import detect_kind
        from tuifeed.sources.base import FetchError
        from tuifeed.sources.http import HttpClient

        async def ask() -> str:
            client = http or HttpClient(retries=1, timeout=10.0)
            try:
                return await detect_kind(url, client)
            finally:
                if http is None:
                    await client.aclose()

        try:
            return asyncio.run(ask())
        except FetchError as error:
            raise TuifeedError(f"cannot tell what kind of source this is: {error}") from None

    def _reinstall_demo(self) -> SourceRow:
        add_source(self.store.connection, DEMO_SOURCE, "demo", "demo:", self.clock.now())
        install_demo(self.store.connection, float(self.store.get_meta("first_run") or 0),
                     self.clock.now())
        self.refresh_catalogue()
        return next(row for row in self.sources() if row.name == DEMO_SOURCE)

    def remove_source(self, name: str) -> SourceRow:
        """Stop showing a source's items; they and the viewer's events about them stay."""
        row = remove_source(self.store.connection, name)
        self.live_sources = self.store.live_sources()
        self._queue_changed()
        return row

    def fetch(self, names: set[str] | None = None, progress: Progress | None = None,
              http: HttpClient | None = None) -> list[SourceReport]:
        """Fetch every source now (blocking: the CLI's way; the TUI does it in a worker)."""
        from tuifeed.catalogue.fetching import fetch_sources

        reports = asyncio.run(fetch_sources(self.store, self.locations.cache, self.clock.now,
                                            names=names, progress=progress, http=http))
        self.take_in(self.new_rows(reports=reports))
        return reports

    def new_rows(self, store: Store | None = None,
                 reports: Sequence[SourceReport] = ()) -> list[CatalogRows]:
        """What the store holds that the catalogue lacks: the known items a fetch refreshed
        (from its `reports`), then every item added since (by any process). Reads only: a
        worker may call it with its own `store`, then hand the rows to take_in on the UI
        thread."""
        store = store or self.store
        catalog = self.catalog
        known = dict(topics_known=len(catalog.topics), creators_known=len(catalog.creators))
        batches = []
        changed = [code for report in reports for code in report.refreshed_codes
                   if code <= len(catalog)]
        if changed:
            batches.append(store.catalogue_rows(codes=changed, **known))
        batches.append(store.catalogue_rows(after=len(catalog), **known))
        return batches

    def take_in(self, batches: Sequence[CatalogRows]) -> int:
        """Append new items and refresh changed ones; the queue includes them from the next
        ranking on. Returns how many items are new."""
        added = changed = 0
        for rows in batches:
            new, renewed = self.catalog.extend(rows)
            added, changed = added + new, changed + renewed
        if changed:  # a known item's text may have changed: its words are read again
            self._words = None
        self.live_sources = self.store.live_sources()
        self.model.grow()
        self._mute_cache = None
        self._queue_changed()
        return added

    def refresh_catalogue(self) -> int:
        return self.take_in(self.new_rows())
