"""The Feed's catalogue controls: sources added and removed, items taken in as they arrive."""

from __future__ import annotations

from tuifeed.ranking.catalog import CatalogRows
from tuifeed.store.sources import SourceRow, list_sources


class Catalogue:
    """Mixed into Feed: the growing catalogue and the sources that feed it."""

    def sources(self) -> list[SourceRow]:
        return list_sources(self.store.connection)

    def new_rows(self, store=None, refreshed=()) -> CatalogRows:
        """What the store holds that the catalogue does not yet: items added since (by any
        process), and the `refreshed` codes of known items. Safe to call from a worker with
        its own `store`."""
        catalog = self.catalog
        rows = (store or self.store).catalogue_rows(
            after=len(catalog), topics_known=len(catalog.topics),
            creators_known=len(catalog.creators))
        if refreshed:
            changed = (store or self.store).catalogue_rows(
                codes=[code for code in refreshed if code <= len(catalog)],
                topics_known=len(catalog.topics), creators_known=len(catalog.creators))
            catalog.extend(changed)  # known rows only: no new numbering
        return rows

    def take_in(self, rows: CatalogRows) -> tuple[int, int]:
        """Append new items (and refresh changed ones); the queue includes them from the
        next ranking on. Nothing learned is renumbered."""
        added = self.catalog.extend(rows)
        self.live_sources = self.store.live_sources()
        self.model.grow()
        self._mute_cache = None
        self._queue_cache = None
        return added

    def refresh_catalogue(self) -> tuple[int, int]:
        return self.take_in(self.new_rows())
