"""Connections to the database: shared settings, patient write transactions, and what an
SQLite error means for the viewer (damage, or only a busy, read-only or full database)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tuifeed.errors import DamagedDatabase, StoreFailure, TuifeedError

BUSY_TIMEOUT_MS = 2_000  # then a writer says it waits, and waits on (see begin_writing)
WAITING = "waiting for another tuifeed to finish writing to {path} (Ctrl-C stops)"
# Called once with WAITING when a write has to wait for another process (the CLI prints it).
wait_notice: Callable[[str], None] | None = None


class Connection(sqlite3.Connection):
    """An SQLite connection whose waiting writes can be given up (see begin_writing)."""

    # Set, a write that has to wait for another process gives up (WriteAbandoned) instead:
    # a fetch cancelled at the quit must not go on waiting for as long as a lock is held.
    give_up: threading.Event | None = None


class WriteAbandoned(sqlite3.OperationalError):
    """A write that would have waited for another process was given up (its connection's
    give_up is set)."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the settings every tuifeed connection shares."""
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False,
                                 factory=Connection)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def _code(error: BaseException) -> str:
    return getattr(error, "sqlite_errorname", "") or ""


def is_busy(error: BaseException) -> bool:
    """Another process holds the write lock: a matter of waiting, never of damage."""
    return _code(error).startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def is_damage(error: BaseException) -> bool:
    return _code(error).startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def _disk_full(path: Path) -> bool:
    """SQLite reports some writes to a full disk as input/output errors (the WAL index)."""
    import shutil

    try:
        return shutil.disk_usage(Path(path).parent).free < 64 * 1024
    except OSError:
        return False


def describe_failure(error: sqlite3.Error, path: Path) -> str:
    """One line saying why the database could not be used, in the viewer's terms."""
    from tuifeed.text import clean_text

    code = _code(error)
    full = code.startswith("SQLITE_FULL") or code.startswith("SQLITE_IOERR") and _disk_full(path)
    shown = clean_text(str(path))  # a home named by the user may hold anything
    if full:
        return f"the disk holding {shown} is full"
    if is_busy(error):
        return f"another tuifeed is writing to {shown}"
    if code.startswith("SQLITE_READONLY"):
        return f"{shown} is read-only (check its permissions, and its folder's)"
    if code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return f"{shown} cannot be opened (check its permissions, and its folder's)"
    if code.startswith("SQLITE_IOERR"):
        return f"{shown} could not be read or written (input/output error: {error})"
    return f"{shown}: {error}"


def store_failure(error: sqlite3.Error, path: Path) -> TuifeedError:
    """The TuifeedError for a database that cannot be used: damage (DamagedDatabase, which
    --reset-db may set aside) only when SQLite says the file is corrupt or not a database."""
    if is_damage(error):
        return DamagedDatabase(path, str(error))
    code = _code(error)
    return StoreFailure(describe_failure(error, path),
                        exit_code=2 if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN",
                                                        "SQLITE_PERM")) else 1)


def begin_writing(connection: sqlite3.Connection, path: Path | str = "the database") -> None:
    """BEGIN IMMEDIATE, waiting for as long as another process writes (saying so once, through
    wait_notice): a busy database only delays a write. Unless the connection's give_up is
    set: then a write that finds the database busy raises WriteAbandoned (within
    BUSY_TIMEOUT_MS of it being set)."""
    said = False
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            give_up = getattr(connection, "give_up", None)
            if give_up is not None and give_up.is_set():
                raise WriteAbandoned(f"gave up waiting for another tuifeed to finish writing "
                                     f"to {path}") from error
            if not said and wait_notice is not None:  # (said once there is someone to tell)
                wait_notice(WAITING.format(path=path))
                said = True


@contextmanager
def writing(connection: sqlite3.Connection, path: Path | str = "the database"
            ) -> Iterator[sqlite3.Connection]:
    """One write transaction, begun patiently (see begin_writing), committed or rolled back."""
    begin_writing(connection, path)
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # SQLite may have rolled back itself (a full disk)
            connection.execute("ROLLBACK")
        raise
