"""One background writer: the UI thread only enqueues; events reach SQLite in batches."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from tuifeed.clock import iso_utc
from tuifeed.models import FOLLOW_KINDS, Event, EventUndo, ResumePoint, SteeringAction
from tuifeed.store import connection as store_connection
from tuifeed.store.connection import WAITING, connect, describe_failure, is_busy
from tuifeed.store.database import (FOLLOWS_FROM_LOG, MAX_ID, next_free_id, rebuild_follows,
                                    refresh_follows, reserve_ids)


@dataclass(frozen=True)
class MetaValue:
    """A setting kept in the meta table (the recipe chosen), written like an event: the UI
    thread never waits for it."""

    key: str
    value: str


class RebuildFollows:
    """Queued first by every writer: rebuilds the follows table from the log, once per
    database (see database.rebuild_follows). It waits for the first batch with something
    else in it (or a flush, or the close): a writer takes no write lock of its own before
    anything is written, so an interactive session's first reservation of ids, made at start
    without waiting (IdAllocator.impatient), never finds its own writer holding the lock and
    counts on a band of its own as if another process did."""


@dataclass(frozen=True)
class ReserveIds:
    """A block of ids for an allocator on another thread (the UI's), reserved within the
    writer's own transaction so that thread never writes to SQLite; `deliver` gets the first
    id once the reservation is committed."""

    table: str
    count: int
    deliver: Callable[[int], None]


# What the writer knows how to store; the last two are work done in its transactions.
Record = (Event | SteeringAction | EventUndo | ResumePoint | MetaValue | RebuildFollows
          | ReserveIds)
_NOT_RECORDS = (RebuildFollows, ReserveIds)  # never handed back, never counted as waiting
INSERT_EVENT = ("INSERT INTO events(id, ts, item_id, kind, value, session_id)"
                " VALUES (?, ?, ?, ?, ?, ?)")


def event_row(event: Event) -> tuple:
    return (event.id, iso_utc(event.ts), event.item_id, event.kind, event.value,
            event.session_id)

FLUSH_INTERVAL = 0.2  # seconds; the bound is 250 ms
RETRY_INTERVAL = 1.0  # seconds between attempts while the database cannot be written
CLOSE_PATIENCE = 30.0  # seconds a closing session waits for another process's write lock


def storable(record: Record) -> bool:
    """Whether SQLite can take the record: text that is UTF-8, ids that fit (the Feed checks
    this where values enter; this keeps one bad record from blocking the others)."""
    if isinstance(record, _NOT_RECORDS):
        return True
    values = [getattr(record, field.name) for field in fields(record)]
    texts = [value for value in values if isinstance(value, str)]
    numbers = [value for value in values if isinstance(value, int)]
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return all(-2**63 <= number < 2**63 for number in numbers)


class EventWriter:
    """Batches records off the calling thread and writes them at least every FLUSH_INTERVAL.

    Nothing is dropped: a batch that cannot be written (a full disk, a read-only file, a lock
    held by another process) stays in memory, `problem` says why, and it is tried again every
    RETRY_INTERVAL until it lands. What is still unwritten when the writer closes is handed back
    by close() (the Feed saves it to a rescue file).
    """

    def __init__(self, path: Path, flush_interval: float = FLUSH_INTERVAL) -> None:
        self._path = path
        self._interval = flush_interval
        self._queue: queue.Queue[Record | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="tuifeed-writer", daemon=True)
        self._closed = False
        self._unwritten: list[Record] = []  # in order; only the writer thread touches it
        self._final: list[Record] = []  # handed back by close()
        self._refused: list[Record] = []  # cannot be stored at all (see storable)
        self._patience: float | None = CLOSE_PATIENCE  # set by close()
        self._give_up = threading.Event()
        self._finished = threading.Event()  # set once _final is known
        self.problem: str | None = None  # why records wait in memory, while they do
        self.waiting = 0  # how many records wait (read from other threads)
        self.busy = False  # the problem is another process's write lock
        self.generation: str | None = None  # meta log_generation, as last seen
        self._queue.put(RebuildFollows())  # off the calling thread, with the first batch
        self._thread.start()

    def write(self, record: Record) -> None:
        """Cheap and non-blocking: called from the UI thread."""
        if self._closed:
            raise RuntimeError("the event writer is closed")
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record enqueued so far is on disk (or `timeout`): True if it is."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout) and self.problem is None

    def close(self, patience: float | None = CLOSE_PATIENCE) -> list[Record]:
        """Write what is left, waiting up to `patience` seconds (None: as long as it takes)
        for another process's lock, and stop; returns the records that could not be written.
        Interrupted (Ctrl-C), it gives up at once and raises; close() again returns them."""
        if not self._closed:
            self._closed = True
            self._patience = patience
            self._queue.put(None)
        # Waiting on an Event, not Thread.join: a join interrupted by Ctrl-C marks the thread
        # as stopped while it still runs (CPython 3.11's bpo-45274 handling).
        try:
            while not self._finished.wait(0.1):
                pass
        except KeyboardInterrupt:  # stop waiting; what is unwritten is left in _final
            self._give_up.set()
            self._finished.wait()
            raise
        return self._final

    def _run(self) -> None:
        connection = None
        try:
            connection = connect(self._path)
            stop = False
            while not stop:
                timeout = RETRY_INTERVAL if self._writing_due() else self._interval
                try:
                    entries = [self._queue.get(timeout=timeout)]
                except queue.Empty:
                    entries = []
                while True:  # take whatever else is queued: one transaction a batch
                    try:
                        entries.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                waiters = [entry for entry in entries if isinstance(entry, threading.Event)]
                stop = None in entries
                for entry in entries:
                    if entry is not None and not isinstance(entry, threading.Event):
                        (self._unwritten if storable(entry) else self._refused).append(entry)
                if self._refused and self.problem is None:
                    self.problem = (f"{len(self._refused)} records hold what SQLite cannot "
                                    f"store; they will be saved to a rescue file")
                if self._writing_due() or self._unwritten and (waiters or stop):
                    self._attempt(connection, patience=self._patience if stop else 0.0)
                elif not entries:
                    self._watch_generation(connection)
                for waiter in waiters:
                    waiter.set()
        except sqlite3.Error as error:  # cannot even connect: everything is handed back
            self._set_problem(error)
        finally:
            self._final = self._drain_queue()
            if connection is not None:
                connection.close()
            self._finished.set()

    def _writing_due(self) -> bool:
        """Something waits to be written besides the rebuild of the follows table (which
        goes with it; see RebuildFollows)."""
        return any(not isinstance(record, RebuildFollows) for record in self._unwritten)

    def _drain_queue(self) -> list[Record]:
        """Everything not written: the unwritten batch and whatever is still queued."""
        left = [*self._refused, *self._unwritten]
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(entry, threading.Event):
                entry.set()
            elif entry is not None:
                left.append(entry)
        return [record for record in left if not isinstance(record, _NOT_RECORDS)]

    def _attempt(self, connection: sqlite3.Connection, patience: float | None) -> None:
        """Try to write every unwritten record, in one transaction; keep them on failure.
        A lock held by another process is waited out for up to `patience` seconds."""
        deadline = None if patience is None else time.monotonic() + patience
        said = False
        while True:
            try:
                self._write_batch(connection, self._unwritten)
            except sqlite3.Error as error:
                self._set_problem(error)
                if self.busy and not self._give_up.is_set() and (
                        deadline is None or time.monotonic() < deadline):
                    notice = store_connection.wait_notice
                    if not said and notice is not None:  # (once there is someone to tell:
                        notice(WAITING.format(path=self._path))  # the TUI's screen is
                        said = True  # given back before it closes)
                    continue
                return
            self._unwritten = []
            self.waiting, self.busy = 0, False
            self.problem = None if not self._refused else self.problem
            return

    def _set_problem(self, error: sqlite3.Error) -> None:
        self.busy = is_busy(error)
        self.waiting = sum(1 for record in self._unwritten
                           if not isinstance(record, _NOT_RECORDS))
        self.problem = describe_failure(error, self._path)

    def _watch_generation(self, connection: sqlite3.Connection) -> None:
        """Note when another process changes the log under this session (an import)."""
        try:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'log_generation'").fetchone()
        except sqlite3.Error:
            return
        self.generation = row[0] if row else None

    def _write_batch(self, connection: sqlite3.Connection, records: list[Record]) -> None:
        """One transaction a batch, so a retry never writes anything twice."""
        if all(isinstance(record, RebuildFollows) for record in records) and \
                connection.execute("SELECT 1 FROM meta WHERE key = ?",
                                   (FOLLOWS_FROM_LOG,)).fetchone():
            return  # a flush or close with nothing to write: no write lock taken for it
        connection.execute("BEGIN IMMEDIATE")  # a busy database: _attempt tries again
        try:
            events = [record for record in records if isinstance(record, Event)]
            connection.execute("SAVEPOINT batch_events")
            try:  # the fast path: one executemany for the batch's events
                connection.executemany(INSERT_EVENT, [event_row(event) for event in events])
            except sqlite3.IntegrityError:  # an id clash: go one by one (see _write_one)
                connection.execute("ROLLBACK TO batch_events")
                for event in events:
                    self._write_one(connection, event)
            connection.execute("RELEASE batch_events")
            # The follows table follows the log: the creators of follows, unfollows and undos of
            # either in this batch get their rows recomputed from the log (so nothing drifts).
            follows = {event.item_id for event in events if event.kind in FOLLOW_KINDS}
            undone = []
            for record in records:
                if isinstance(record, SteeringAction):
                    self._write_steering(connection, record)
                elif isinstance(record, ResumePoint):
                    self._write_resume_point(connection, record)
                elif isinstance(record, MetaValue):
                    connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                       (record.key, record.value))
                elif isinstance(record, EventUndo):
                    connection.execute(
                        "INSERT OR IGNORE INTO event_undos(event_id, ts) VALUES (?, ?)",
                        (record.event_id, iso_utc(record.ts)))
                    undone.append(record.event_id)
            if undone:
                follows.update(item_id for (item_id,) in connection.execute(
                    f"SELECT item_id FROM events WHERE id IN ({', '.join('?' * len(undone))})"
                    " AND kind IN ('follow', 'unfollow')", undone))
            if any(isinstance(record, RebuildFollows) for record in records):
                rebuild_follows(connection)  # a no-op once done
            refresh_follows(connection, follows)
            reserved = [(record, reserve_ids(connection, record.table, record.count))
                        for record in records if isinstance(record, ReserveIds)
                        and next_free_id(connection, record.table) + record.count <= MAX_ID]
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:  # SQLite may have rolled back already (a full disk)
                connection.execute("ROLLBACK")
            raise
        for record, first in reserved:
            record.deliver(first)

    @staticmethod
    def _write_resume_point(connection: sqlite3.Connection, point: ResumePoint) -> None:
        if point.position <= 0:
            connection.execute("DELETE FROM resume_points WHERE item_id = ?", (point.item_id,))
            return
        connection.execute(
            "INSERT INTO resume_points(item_id, position, duration, updated) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(item_id) DO UPDATE SET position = excluded.position,"
            " duration = excluded.duration, updated = excluded.updated",
            (point.item_id, point.position, point.duration, iso_utc(point.ts)))

    @staticmethod
    def _write_one(connection: sqlite3.Connection, event: Event) -> None:
        row = event_row(event)
        try:
            connection.execute(INSERT_EVENT, row)
        except sqlite3.IntegrityError:
            # Another process took this id first; keep the event under a fresh one.
            connection.execute(
                "INSERT INTO events(ts, item_id, kind, value, session_id) VALUES (?, ?, ?, ?, ?)",
                row[1:])

    @staticmethod
    def _write_steering(connection: sqlite3.Connection, action: SteeringAction) -> None:
        """A new action is inserted; an undone one has its `undone` flag set, where the same
        action (same time and content) is already stored, so an undo never flags another."""
        row = (iso_utc(action.ts), action.action, action.target, action.name, action.amount)
        if action.undone and connection.execute(
                "UPDATE steering SET undone = 1 WHERE id = ? AND ts = ? AND action = ?"
                " AND target = ? AND name = ? AND amount IS ?", (action.id, *row)).rowcount:
            return
        try:
            connection.execute(
                "INSERT INTO steering(id, ts, action, target, name, amount, undone)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (action.id, *row, int(action.undone)))
        except sqlite3.IntegrityError:  # the id was taken behind the allocator's back
            connection.execute(
                "INSERT INTO steering(ts, action, target, name, amount, undone)"
                " VALUES (?, ?, ?, ?, ?, ?)", (*row, int(action.undone)))
