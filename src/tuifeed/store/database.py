"""Opening, creating and upgrading the database, and reading what it holds."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING
from dataclasses import dataclass
from pathlib import Path

from tuifeed.clock import iso_utc
from tuifeed.errors import DamagedDatabase, StoreFailure, TuifeedError
from tuifeed.models import Event, Item, SteeringAction
from tuifeed.store.connection import (BUSY_TIMEOUT_MS, connect, store_failure,
                                      writing)
from tuifeed.store.items import Added, add_items, item_by_code, load_rows
from tuifeed.store.schema import MAX_ID, MIGRATIONS, SCHEMA_VERSION
from tuifeed.store.soundness import forget, note_sound, unchanged_since_sound
from tuifeed.store.sources import live_source_names

if TYPE_CHECKING:  # numpy loads only where it is used: `tuifeed fetch` needs none of it
    import numpy as np

    from tuifeed.ranking.catalog import CatalogRows
    from tuifeed.store.event_table import EventTable

SQLITE_HEADER = b"SQLite format 3\x00"
KEPT_BESIDE = ("-catalogue", "-learned")  # feed/checkpoint.py's files beside the database
def check_is_database(path: Path) -> None:
    """Refuse to open (and so overwrite) a file that is not an SQLite database."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DamagedDatabase(path, "it is not a tuifeed database: not SQLite")


def set_aside(path: Path, moment: float) -> Path:
    """Rename a damaged database (and its WAL and shared-memory files) out of the way."""
    suffix = ".damaged-" + iso_utc(moment)[:19].replace(":", "").replace("-", "")
    target = path.with_name(path.name + suffix)
    for companion in ("", "-wal", "-shm"):
        source = path.with_name(path.name + companion)
        if source.exists():
            source.rename(path.with_name(path.name + suffix + companion))
    forget(path)
    for kept in KEPT_BESIDE:  # what was read from it and kept for its next open
        try:
            path.with_name(path.name + kept).unlink()
        except OSError:
            pass
    return target


def open_store(path: Path, moment: float, reset_db: bool) -> "Store":
    """The database at `path`; a damaged one is refused (DamagedDatabase), or with
    `reset_db` set aside (renamed, never deleted) for a fresh one."""
    try:
        return Store(path)
    except DamagedDatabase:
        if not reset_db:
            raise
        set_aside(path, moment)
        return Store(path)


# "2026-01-01T12:00:00.250000Z" to Unix seconds, computed by SQLite (faster than in Python).
UNIX_TS = ("CAST(strftime('%s', substr(ts, 1, 19)) AS INTEGER)"  # whole seconds (never rounded up)
           " + CAST(substr(ts, 20, 7) AS REAL)")


@dataclass(frozen=True)
class EventColumns:
    ts: np.ndarray
    item_ids: np.ndarray  # of str
    kinds: np.ndarray  # of str
    values: np.ndarray  # NaN where an event has no value


# The events retention may delete: all but follows and unfollows (following is a state, and
# the log is what says it).
FORGETTABLE = "kind NOT IN ('follow', 'unfollow')"


class Store:
    """The SQLite file: schema, catalogue, events and follows (events are written by
    EventWriter)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        check_is_database(path)
        try:
            self.connection = connect(path)
            if not unchanged_since_sound(path):  # see store/soundness.py
                self._check_integrity()
            self._migrate()  # first, so a newer database is refused before anything is written
            self.connection.execute("PRAGMA journal_mode = WAL")
        except sqlite3.Error as error:  # damaged, or only busy, read-only, on a full disk
            raise store_failure(error, path) from None

    @classmethod
    def attach(cls, path: Path) -> "Store":
        """A second connection to a database another Store already opened and checked (for a
        worker thread): no integrity check, no migration."""
        store = cls.__new__(cls)
        store.path = path
        store.connection = connect(path)
        return store

    def _check_integrity(self) -> None:
        if self.schema_version == 0:
            return  # new or empty: nothing to check
        problems = [row[0] for row in self.connection.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            forget(self.path)
            raise DamagedDatabase(self.path, problems[0])

    def close(self, sound: bool = False) -> None:
        """Close; `sound`: everything this process wrote is written and nothing went wrong,
        so the next open may skip the integrity check while the file stays as it is now
        (store/soundness.py)."""
        self.connection.close()
        if sound:
            note_sound(self.path)

    # -- schema -------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return self.connection.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise TuifeedError(
                f"{self.path} was written by a newer tuifeed (schema {version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade tuifeed"
            )
        if version == SCHEMA_VERSION:
            return
        if version > 0:
            self._backup(version)
        # One transaction; a second process waits here.
        with writing(self.connection, self.path) as connection:
            version = self.schema_version  # another process may have upgraded it meanwhile
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target]:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {target}")
            connection.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    def _backup(self, version: int) -> Path:
        """Copy the database aside before upgrading it: <name>.v<version>.bak."""
        target = self.path.with_name(f"{self.path.name}.v{version}.bak")
        with connect(target) as copy:
            self.connection.backup(copy)
        copy.close()
        return target

    # -- meta ---------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with writing(self.connection, self.path):
            self.connection.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value)
            )

    # -- the catalogue (see store/items.py) and its sources (store/sources.py) --------------

    def add_items(self, items: Sequence[Item], derived: Sequence[bool] | None = None) -> Added:
        return add_items(self.connection, items, derived)

    def catalogue_rows(self, **where) -> CatalogRows:
        return load_rows(self.connection, **where)

    def whole_catalogue(self) -> CatalogRows:
        """catalogue_rows() of every item, read in a few aggregates (at start)."""
        from tuifeed.store.catalogue_table import read_catalogue

        return read_catalogue(self.connection)

    def item_by_code(self, code: int) -> Item:
        return item_by_code(self.connection, code)

    def live_sources(self) -> frozenset[str]:
        return live_source_names(self.connection)

    # -- events and follows -------------------------------------------------------------------

    def events(self) -> list[Event]:
        rows = self.connection.execute(
            f"SELECT id, {UNIX_TS}, item_id, kind, value, session_id FROM events ORDER BY id")
        return [Event(id=row[0], ts=row[1], item_id=row[2], kind=row[3], value=row[4],
                      session_id=row[5]) for row in rows]

    def events_after(self, event_id: int) -> list[Event]:
        """The events with a higher id than `event_id`, in id order (what a session added)."""
        rows = self.connection.execute(
            f"SELECT id, {UNIX_TS}, item_id, kind, value, session_id FROM events WHERE id > ?"
            " ORDER BY id", (event_id,))
        return [Event(id=row[0], ts=row[1], item_id=row[2], kind=row[3], value=row[4],
                      session_id=row[5]) for row in rows]

    def event_table(self, item_rows: Mapping[str, int]) -> EventTable:
        """Every event, undone ones too, as columns (see store/event_table.py); `item_rows`
        maps an item id to its catalogue row."""
        from tuifeed.store.event_table import read_event_table

        return read_event_table(self.connection, UNIX_TS, item_rows)

    def event_columns(self) -> EventColumns:
        """The log as columns, for learning from millions of events without an object each."""
        import numpy as np

        rows = self.connection.execute(
            f"SELECT {UNIX_TS}, item_id, kind, ifnull(value, -1.0) FROM events"
            " WHERE id NOT IN (SELECT event_id FROM event_undos) ORDER BY id"
        ).fetchall()
        table = np.array(rows, dtype=[("ts", "f8"), ("item_id", "O"), ("kind", "O"),
                                      ("value", "f8")])
        values = table["value"]
        values[values < 0] = np.nan  # values are never negative: -1 stood for "none"
        return EventColumns(table["ts"], table["item_id"], table["kind"], values)

    def count_events_before(self, moment: float) -> int:
        """How many events delete_events_before(moment) would remove."""
        return self.connection.execute(f"SELECT count(*) FROM events WHERE ts < ? AND "
                                       f"{FORGETTABLE}", (iso_utc(moment),)).fetchone()[0]

    def delete_events_before(self, moment: float) -> int:
        """Retention: remove events older than `moment` (and their undo flags) for good,
        all but follows and unfollows (see FORGETTABLE)."""
        cutoff = iso_utc(moment)
        with writing(self.connection, self.path):
            self.connection.execute(
                "DELETE FROM event_undos WHERE event_id IN"
                f" (SELECT id FROM events WHERE ts < ? AND {FORGETTABLE})", (cutoff,))
            return self.connection.execute(
                f"DELETE FROM events WHERE ts < ? AND {FORGETTABLE}", (cutoff,)).rowcount

    def undone_event_ids(self) -> set[int]:
        return {row[0] for row in self.connection.execute("SELECT event_id FROM event_undos")}

    def steering(self) -> list[SteeringAction]:
        rows = self.connection.execute(
            f"SELECT id, {UNIX_TS}, action, target, name, amount, undone FROM steering ORDER BY id"
        )
        return [
            SteeringAction(id=row[0], ts=row[1], action=row[2], target=row[3],
                           name=row[4], amount=row[5], undone=bool(row[6]))
            for row in rows
        ]

    def follows(self) -> set[str]:
        """The creator keys followed now ("demo:gatorgrace", "youtube:UC..."): the follows
        table, which the writer keeps equal to the log (see refresh_follows)."""
        return {row[0] for row in self.connection.execute("SELECT creator FROM follows")}


FOLLOWS_FROM_LOG = "follows_from_log"  # meta key: set once the table was rebuilt from the log
# Follow and unfollow events with their creator and undone flag: every one (a scan of the
# log), or those of some creators, found through their items (CROSS JOIN keeps that order: a few
# milliseconds where a scan of two million events takes half a second).
FOLLOW_COLUMNS = "SELECT c.key, e.ts, e.kind, e.id IN (SELECT event_id FROM event_undos)"
ALL_FOLLOW_EVENTS = (
    f"{FOLLOW_COLUMNS} FROM events e JOIN items i ON i.id = e.item_id"
    " JOIN creators c ON c.code = i.creator"
    " WHERE e.kind IN ('follow', 'unfollow') ORDER BY e.id")
FOLLOW_EVENTS_OF = (
    f"{FOLLOW_COLUMNS} FROM creators c CROSS JOIN items i CROSS JOIN events e"
    " WHERE c.key IN ({keys}) AND i.creator = c.code AND e.item_id = i.id"
    " AND e.kind IN ('follow', 'unfollow') ORDER BY e.id")


def refresh_follows(connection: sqlite3.Connection,
                    item_ids: Collection[str] | None = None) -> None:
    """Make the follows table say what the log says, for the creators of `item_ids` (None: for
    every creator the log has a follow or an unfollow of). Run inside a write transaction.

    The log decides as the feed's ViewerState does: its follow and unfollow events not undone,
    in id order, whatever the steering (a reset keeps follows); a creator is followed since the
    follow that began the current run. A row the log says nothing about stays: a follow from
    before the log, one imported without its events, one whose events retention deleted.
    """
    if item_ids is None:
        scope: dict[str, str | None] = {}
        rows = connection.execute(ALL_FOLLOW_EVENTS)
    else:
        if not item_ids:
            return
        marks = ", ".join("?" * len(item_ids))
        scope = dict.fromkeys((key for (key,) in connection.execute(
            "SELECT DISTINCT c.key FROM items i JOIN creators c ON c.code = i.creator"
            f" WHERE i.id IN ({marks})", list(item_ids))), None)
        if not scope:
            return
        rows = connection.execute(FOLLOW_EVENTS_OF.format(keys=", ".join("?" * len(scope))),
                                  list(scope))
    for creator, ts, kind, undone in rows:
        since = scope.setdefault(creator, None)
        if undone:
            continue
        scope[creator] = (since or ts) if kind == "follow" else None
    connection.executemany("DELETE FROM follows WHERE creator = ?",
                           [(creator,) for creator, since in scope.items() if since is None])
    connection.executemany(
        "INSERT INTO follows(creator, since) VALUES (?, ?)"
        " ON CONFLICT(creator) DO UPDATE SET since = excluded.since",
        [(creator, since) for creator, since in scope.items() if since is not None])


def rebuild_follows(connection: sqlite3.Connection) -> None:
    """Once per database (run inside a write transaction): follows written by an older
    tuifeed kept undone follows, and a follow stored by creator name whose items arrived after
    the schema 4 migration (the demo of a version 1 database) was never given its key."""
    if connection.execute("SELECT 1 FROM meta WHERE key = ?", (FOLLOWS_FROM_LOG,)).fetchone():
        return
    named = ("creator NOT IN (SELECT key FROM creators)"
             " AND creator IN (SELECT name FROM creators)")
    connection.execute(
        "INSERT OR IGNORE INTO follows(creator, since)"
        " SELECT (SELECT key FROM creators WHERE name = f.creator ORDER BY code LIMIT 1), since"
        f" FROM follows f WHERE {named}")
    connection.execute(f"DELETE FROM follows WHERE {named}")
    refresh_follows(connection)
    connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, '1')",
                       (FOLLOWS_FROM_LOG,))


ReserveLater = Callable[[str, int, Callable[[int], None]], None]


class IdAllocator:
    """Hands out ids from blocks reserved in the database (see reserve_ids), shared by every
    process on it, so two sessions never hand out the same id.

    A patient allocator (the CLI) waits for another process's write lock to reserve. An
    impatient one (the TUI's, which must never wait) reserves its first block without
    waiting when it is made impatient (at start, see `impatient`), then asks for each next
    block when half of the current one is used through `reserve_later` (the event writer,
    which reserves it in its own transaction, off the UI thread). Only if a block runs out
    before the next arrived does it count on unreserved, in a band of its own (by process
    id) so that two such processes still do not meet.
    """

    def __init__(self, store: Store, table: str, block: int = 1024,
                 patient: bool = True) -> None:
        self._store, self._table, self._block = store, table, block
        self.patient = patient
        self._next = self._end = 0
        self._spare: int | None = None  # the first id of a next block, reserved ahead
        self._asked = False  # a next block was asked of reserve_later and has not come
        self._reserve_later: ReserveLater | None = None
        self.reserved = True  # False while ids are counted on without a reservation

    def impatient(self, reserve_later: ReserveLater | None = None) -> None:
        """From now on never wait: the first block now (without waiting for a lock), the
        next ones through `reserve_later(table, count, deliver)`, or else without waiting."""
        self.patient = False
        self._reserve_later = reserve_later
        if self._next >= self._end:
            self._take_block()

    def __call__(self) -> int:
        if self._next >= self._end:
            if self._spare is not None:
                self._next, self._end, self._spare = self._spare, self._spare + self._block, None
                self._asked, self.reserved = False, True
            else:
                self._take_block()
        elif not self.patient and self._spare is None and not self._asked and \
                self._end - self._next <= self._block // 2:
            self._ask_for_next_block()
        self._next += 1
        return self._next - 1

    def _ask_for_next_block(self) -> None:
        if self._reserve_later is None:
            self._spare = self._try_reserve()
            return
        self._asked = True
        self._reserve_later(self._table, self._block, self._deliver)

    def _deliver(self, first: int) -> None:
        """Called on the writer's thread: one attribute set, which the UI thread reads."""
        self._spare = first

    def _take_block(self) -> None:
        if self.patient:
            with writing(self._store.connection, self._store.path) as connection:
                first = reserve_ids(connection, self._table, self._block)
            self.reserved = True
        else:
            # Without waiting: at start (see impatient), or when the block asked for has not
            # come in time (a lock held elsewhere), where the band of our own is the answer.
            reserved = None if self._asked else self._try_reserve()
            self.reserved = reserved is not None
            first = reserved if reserved is not None else self._unreserved_start()
        self._next, self._end = first, first + self._block

    def _try_reserve(self) -> int | None:
        """A block, if the database gives one at once (no waiting); else None."""
        connection = self._store.connection
        connection.execute("PRAGMA busy_timeout = 0")
        try:
            connection.execute("BEGIN IMMEDIATE")  # read and move the pointer under one lock
            try:
                first = reserve_ids(connection, self._table, self._block)
                connection.execute("COMMIT")
            finally:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
            return first
        except sqlite3.Error:  # busy, full, read-only
            return None
        finally:
            connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _unreserved_start(self) -> int:
        try:
            base = next_free_id(self._store.connection, self._table)
        except sqlite3.Error:
            base = 1
        return max(self._end, base) + (os.getpid() % 4096 + 1) * self._block

    def release(self) -> None:
        """Give back what is unused, if no other process reserved after it: the spare block,
        and the end of the current one when the spare follows it."""
        if not self.reserved:
            return
        pointer = self._spare + self._block if self._spare is not None else self._end
        back = self._next if self._spare in (None, self._end) else self._spare
        if back >= pointer:
            return
        key = f"next_{self._table}_id"
        try:
            with self._store.connection as connection:
                connection.execute("UPDATE meta SET value = ? WHERE key = ? AND value = ?",
                                   (str(back), key, str(pointer)))
        except sqlite3.Error:
            return  # a courtesy: the ids stay reserved, and unused
        if back == self._next:
            self._end = self._next
        self._spare = None


def next_free_id(connection: sqlite3.Connection, table: str) -> int:
    """The first id neither used in `table` nor reserved by a session (a read: no lock)."""
    stored = connection.execute("SELECT value FROM meta WHERE key = ?",
                                (f"next_{table}_id",)).fetchone()
    highest = connection.execute(f"SELECT coalesce(max(id), 0) FROM {table}"
                                 f" WHERE id <= {MAX_ID}").fetchone()[0]
    return max(int(stored[0]) if stored else 1, highest + 1)


def reserve_ids(connection: sqlite3.Connection, table: str, count: int) -> int:
    """Inside a write transaction: reserve `count` fresh ids for `table` (events or steering),
    shared by every process on this database. Returns the first."""
    key = f"next_{table}_id"
    first = next_free_id(connection, table)
    if first + count > MAX_ID:
        raise StoreFailure(f"the {table} log has used every id up to {MAX_ID}; export it and "
                           f"import it into a new home to renumber it")
    connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                       (key, str(first + count)))
    return first
