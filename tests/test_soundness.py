"""The integrity check at open runs only when the file may have changed since a clean close
(store/soundness.py): reopening a big home does not read all of it, and damage done after a
close, however soon, is still refused."""

from __future__ import annotations

import os
import shutil

import pytest

from tuifeed.clock import VirtualClock
from tuifeed.errors import DamagedDatabase
from tuifeed.feed import Feed
from tuifeed.store import database
from tuifeed.store.soundness import note_path


@pytest.fixture
def checks(monkeypatch):
    """How many times an open ran the integrity check."""
    counted = []
    original = database.Store._check_integrity

    def counting(self):
        counted.append(self.path)
        return original(self)

    monkeypatch.setattr(database.Store, "_check_integrity", counting)
    return counted


def _session(home, likes: int = 1) -> None:
    with Feed.open(home, clock=VirtualClock(), flush_interval=0.05) as feed:
        for entry in feed.upcoming(likes):
            feed.signal(entry.item.id, "like")


def test_a_reopen_after_a_clean_close_skips_the_check_and_any_change_brings_it_back(
        tmp_path, checks):
    home = tmp_path / "home"
    _session(home)  # created: nothing to check
    _session(home)
    assert len(checks) == 1  # the first reopen checks (no note yet), then notes it sound
    _session(home)
    _session(home)
    assert len(checks) == 1
    database_file = home / "tuifeed.db"
    os.utime(database_file)  # touched by another program: checked again
    _session(home)
    assert len(checks) == 2
    copy = tmp_path / "copy"
    shutil.copytree(home, copy)  # another file (inode), with the note beside it: checked
    _session(copy)
    assert len(checks) == 3


def test_damage_written_right_after_a_clean_close_is_refused(tmp_path, checks):
    home = tmp_path / "home"
    _session(home)
    _session(home, likes=5)
    database_file = home / "tuifeed.db"
    assert note_path(database_file).exists()
    data = bytearray(database_file.read_bytes())  # at once: within the same clock tick
    data[4096:8192] = b"\xff" * 4096
    database_file.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabase):
        Feed.open(home, clock=VirtualClock())
    assert checks[-1] == database_file
    with pytest.raises(DamagedDatabase):  # still, the second time
        Feed.open(home, clock=VirtualClock())


def test_a_session_that_did_not_close_cleanly_leaves_the_check_to_the_next_open(
        tmp_path, checks):
    home = tmp_path / "home"
    _session(home)
    _session(home)
    before = len(checks)
    crashed = Feed.open(home, clock=VirtualClock(), flush_interval=0.05)
    crashed.signal(crashed.upcoming(1)[0].item.id, "save")
    assert crashed.flush()
    crashed.writer.close()
    crashed.store.connection.close()  # a crash: no clean close (the log stays beside it)
    _session(home)
    assert len(checks) == before + 1
    with Feed.open(home, clock=VirtualClock()) as feed:
        assert [event.kind for event in feed.events][-2:] == ["save", "like"]


def test_a_file_set_aside_takes_its_note_away(tmp_path):
    home = tmp_path / "home"
    _session(home)
    _session(home)
    database_file = home / "tuifeed.db"
    assert note_path(database_file).exists()
    database.set_aside(database_file, 0.0)
    assert not note_path(database_file).exists()
