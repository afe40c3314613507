"""One background writer: the UI thread only enqueues; events reach SQLite in batches."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from pathlib import Path

from tuifeed.clock import iso_utc
from tuifeed.models import FOLLOW_KINDS, Event, EventUndo, SteeringAction
from tuifeed.store.database import FOLLOWS_FROM_LOG, connect, rebuild_follows, refresh_follows


class RebuildFollows:
    """Queued first by every writer: rebuilds the follows table from the log, once per
    database (see database.rebuild_follows)."""


Record = Event | SteeringAction | EventUndo | RebuildFollows  # what the writer knows how to store
INSERT_EVENT = ("INSERT INTO events(id, ts, item_id, kind, value, session_id)"
                " VALUES (?, ?, ?, ?, ?, ?)")


def event_row(event: Event) -> tuple:
    return (event.id, iso_utc(event.ts), event.item_id, event.kind, event.value,
            event.session_id)

FLUSH_INTERVAL = 0.2  # seconds; the bound is 250 ms
BUSY_RETRIES = 60  # each after the connection's own 10 s busy timeout


class EventWriter:
    """Batches events off the calling thread and writes them at least every FLUSH_INTERVAL."""

    def __init__(self, path: Path, flush_interval: float = FLUSH_INTERVAL) -> None:
        self._path = path
        self._interval = flush_interval
        self._queue: queue.Queue[Record | threading.Event | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="tuifeed-writer", daemon=True)
        self._closed = False
        self.error: Exception | None = None
        self._queue.put(RebuildFollows())  # off the calling thread, before any event
        self._thread.start()

    def write(self, record: Record) -> None:
        """Cheap and non-blocking: called from the UI thread."""
        if self._closed:
            raise RuntimeError("the event writer is closed")
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> None:
        """Block until every event enqueued so far is on disk."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        connection = connect(self._path)
        try:
            stop = False
            while not stop:
                pending: list[Record] = []
                waiters: list[threading.Event] = []
                try:
                    first = self._queue.get(timeout=self._interval)
                except queue.Empty:
                    continue
                entries = [first]
                # Take whatever else is already queued: one transaction a batch.
                while True:
                    try:
                        entries.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                for entry in entries:
                    if entry is None:
                        stop = True
                    elif isinstance(entry, threading.Event):
                        waiters.append(entry)
                    else:
                        pending.append(entry)
                if pending:
                    self._write_with_retries(connection, pending)
                for waiter in waiters:
                    waiter.set()
        finally:
            connection.close()

    def _write_with_retries(self, connection: sqlite3.Connection, records: list[Record]) -> None:
        """Another process holding the database only delays a batch; other errors are kept
        in `error` (the app stays up and says so on quit)."""
        for attempt in range(BUSY_RETRIES):
            try:
                self._write_batch(connection, records)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    self.error = error
                    return
                time.sleep(min(0.05 * (attempt + 1), 1.0))
            except sqlite3.Error as error:
                self.error = error
                return
        self.error = sqlite3.OperationalError(f"database stayed locked; {len(records)} "
                                              f"events not written")

    def _write_batch(self, connection: sqlite3.Connection, records: list[Record]) -> None:
        """One transaction a batch, so a retry never writes anything twice."""
        if all(isinstance(record, RebuildFollows) for record in records) and \
                connection.execute("SELECT 1 FROM meta WHERE key = ?",
                                   (FOLLOWS_FROM_LOG,)).fetchone():
            return  # the usual start: nothing to rebuild, and no write lock taken for it
        connection.execute("BEGIN IMMEDIATE")
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
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

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
        """A new action is inserted; a known one (undo) only has its `undone` flag updated."""
        connection.execute(
            "INSERT INTO steering(id, ts, action, target, name, amount, undone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET undone = excluded.undone",
            (action.id, iso_utc(action.ts), action.action, action.target, action.name,
             action.amount, int(action.undone)),
        )
