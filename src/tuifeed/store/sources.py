"""The sources the viewer added: one row each, with what the last fetch said."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from tuifeed.clock import iso_utc
from tuifeed.errors import TuifeedError
from tuifeed.store.connection import writing


@dataclass(frozen=True)
class SourceRow:
    name: str
    kind: str
    url: str
    added: str
    last_fetch: str | None
    last_error: str
    validators: dict[str, tuple[str, str]]
    items: int = 0

    def as_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "url": self.url, "added": self.added,
                "last_fetch": self.last_fetch, "last_error": self.last_error,
                "items": self.items}


def list_sources(connection: sqlite3.Connection, include_removed: bool = False) -> list[SourceRow]:
    rows = connection.execute(
        "SELECT s.name, s.kind, s.url, s.added, s.last_fetch, s.last_error, s.validators,"
        " (SELECT count(*) FROM items i WHERE i.source = s.name)"
        " FROM sources s WHERE s.removed = 0 OR ? ORDER BY s.added, s.name",
        (include_removed,))
    return [SourceRow(name, kind, url, added, last_fetch, error, _validators(validators),
                      count)
            for name, kind, url, added, last_fetch, error, validators, count in rows]


def _validators(text: str) -> dict[str, tuple[str, str]]:
    try:
        data = json.loads(text)
        return {str(url): (str(pair[0]), str(pair[1])) for url, pair in data.items()}
    except (ValueError, TypeError, AttributeError, IndexError):
        return {}  # unreadable validators only cost one unconditional GET


def live_source_names(connection: sqlite3.Connection) -> frozenset[str]:
    return frozenset(row[0] for row in connection.execute(
        "SELECT name FROM sources WHERE removed = 0"))


def add_source(connection: sqlite3.Connection, name: str, kind: str, url: str,
               now: float) -> SourceRow:
    """A new source; a removed one of the same name and URL comes back with its items."""
    existing = connection.execute("SELECT url, removed FROM sources WHERE name = ?",
                                  (name,)).fetchone()
    if existing is not None and not (existing[1] and existing[0] == url):
        raise TuifeedError(f"a source named {name!r} already exists; choose another --name")
    duplicate = connection.execute("SELECT name FROM sources WHERE url = ? AND removed = 0",
                                   (url,)).fetchone()
    if duplicate is not None:
        raise TuifeedError(f"{url} is already a source, named {duplicate[0]!r}")
    with writing(connection):
        if existing is not None:
            connection.execute("UPDATE sources SET removed = 0, kind = ? WHERE name = ?",
                               (kind, name))
        else:
            connection.execute("INSERT INTO sources(name, kind, url, added) VALUES (?, ?, ?, ?)",
                               (name, kind, url, iso_utc(now)))
    return next(row for row in list_sources(connection) if row.name == name)


def remove_source(connection: sqlite3.Connection, name: str) -> SourceRow:
    """Stop showing a source's items. The items stay (the viewer's events refer to them)."""
    row = next((row for row in list_sources(connection) if row.name == name), None)
    if row is None:
        known = ", ".join(source.name for source in list_sources(connection)) or "none"
        raise TuifeedError(f"no source named {name!r} (sources: {known})")
    with writing(connection):
        connection.execute("UPDATE sources SET removed = 1 WHERE name = ?", (name,))
    return row


def record_fetch(connection: sqlite3.Connection, name: str, now: float, error: str,
                 validators: dict[str, tuple[str, str]] | None) -> None:
    record_fetches(connection, [(name, now, error, validators)])


def record_fetches(connection: sqlite3.Connection,
                   fetches: Iterable[tuple[str, float, str, dict[str, tuple[str, str]] | None]]
                   ) -> None:
    """How each fetch went (name, time, error, validators or None to keep the old ones), in
    one transaction."""
    with writing(connection):
        for name, now, error, validators in fetches:
            if validators is None:
                connection.execute(
                    "UPDATE sources SET last_fetch = ?, last_error = ? WHERE name = ?",
                    (iso_utc(now), error, name))
            else:
                connection.execute(
                    "UPDATE sources SET last_fetch = ?, last_error = ?, validators = ? "
                    "WHERE name = ?", (iso_utc(now), error, json.dumps(validators), name))


def ensure_sources(connection: sqlite3.Connection, names: set[str], now: float,
                   kind: str = "demo", url: str | None = None) -> None:
    """Rows for sources that items name but nobody added (the demo, a simulation's items)."""
    with writing(connection):
        connection.executemany(
            "INSERT OR IGNORE INTO sources(name, kind, url, added) VALUES (?, ?, ?, ?)",
            [(name, kind, url or f"{kind}:{name}", iso_utc(now)) for name in sorted(names)])
