"""Whether the database needs its integrity check at open, without reading all of it.

`PRAGMA quick_check` reads every page: 0.6-0.8 s for a million items and a million events, on
every open, every command. It is needed only when the file may have been damaged since a
check last passed. So a tuifeed that closes the database cleanly (everything written, no
other connection left, SQLite having moved the write-ahead log into the file and removed it)
notes beside it what the file looks like then: a `tuifeed.db-sound` file holding its device,
inode, size and modification time. An open that finds the file exactly as noted skips the
check; anything else (no note, a crash, another program or a copy writing the file, a
truncation, a file put in its place) runs it, and a file that fails it is refused as before.

The note is trusted only when it is younger than the file's last change by at least one
tick of the file system's clock (the "racily clean" rule of git's index): a write made in
the same tick as the note could not be told apart by its time, so a note that cannot be
made strictly younger is not kept.

What this gives up: damage that keeps a file's size and time (a disk's own bit rot under an
unchanged file) is no longer found at open; SQLite still reports it when the damaged page is
read (the feed reads every item and event at open, and turns that error into the same
"damaged" refusal; a write that meets it keeps its records in memory and a rescue file).
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

SUFFIX = "-sound"
ATTEMPTS = 5
TICK = 0.004  # seconds between attempts to make the note strictly younger than the file


def note_path(database: Path) -> Path:
    return database.with_name(database.name + SUFFIX)


def _looks(stat: os.stat_result) -> dict:
    return {"device": stat.st_dev, "inode": stat.st_ino, "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns}


def unchanged_since_sound(database: Path) -> bool:
    """Whether the file is exactly as a clean close left it (see the module's text)."""
    note = note_path(database)
    try:
        made = note.stat()
        if not stat.S_ISREG(made.st_mode):  # a FIFO would block the open
            return False
        noted = json.loads(note.read_text(encoding="utf-8"))
        made = made.st_mtime_ns
        now = _looks(database.stat())
    except (OSError, ValueError):
        return False
    return (isinstance(noted, dict) and noted == now
            and made > now["mtime_ns"])


def forget(database: Path) -> None:
    try:
        note_path(database).unlink()
    except OSError:
        pass


def note_sound(database: Path) -> bool:
    """After a clean close: note the file as it is, if SQLite left it whole (no write-ahead
    log still holding pages: another connection is open, or the log could not be moved).
    Returns whether the note was kept."""
    note = note_path(database)
    try:
        wal = database.with_name(database.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            forget(database)
            return False
        looks = _looks(database.stat())
        partial = note.with_name(note.name + ".partial")
        partial.write_text(json.dumps(looks), encoding="utf-8")
        os.replace(partial, note)
        for _ in range(ATTEMPTS):
            if note.stat().st_mtime_ns > looks["mtime_ns"]:
                return True
            time.sleep(TICK)
            os.utime(note)  # now, by the file system's clock
    except OSError:
        pass
    forget(database)
    return False
