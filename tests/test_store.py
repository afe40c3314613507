"""The SQLite file: schema, WAL, batched writes, and refusing what it must not overwrite."""

import os
import sqlite3

import pytest

from tuifeed import Feed
from tuifeed.errors import TuifeedError
from tuifeed.store import SCHEMA_VERSION

from conftest import event_counts


def test_schema_version_and_tables_are_recorded(feed):
    with sqlite3.connect(feed.locations.database) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        meta = dict(connection.execute("SELECT key, value FROM meta"))
        columns = [row[1] for row in connection.execute("PRAGMA table_info(events)")]
    assert {"items", "events", "follows", "meta"} <= tables
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert columns == ["id", "ts", "item_id", "kind", "value", "session_id"]


def test_events_reach_disk_without_close_after_a_flush(feed):
    item = feed.start()
    feed.signal(item.id, "like")
    feed.flush()
    assert event_counts(feed.locations.database) == {"impression": 1, "like": 1}
    with sqlite3.connect(feed.locations.database) as connection:
        ts, session = connection.execute("SELECT ts, session_id FROM events").fetchone()
    assert ts.endswith("Z") and session == feed.session_id


def test_follow_fills_the_follows_table(feed):
    item = feed.start()
    feed.toggle_follow(item.id)
    feed.flush()
    assert feed.store.follows() == {f"demo:{item.creator}"}  # demo items: source:name
    feed.toggle_follow(item.id)
    feed.flush()
    assert feed.store.follows() == set()


def test_a_file_in_the_databases_place_is_refused_and_untouched(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    impostor = home / "tuifeed.db"
    impostor.write_text("my shopping list\n")
    with pytest.raises(TuifeedError, match="not a tuifeed database"):
        Feed.open(home)
    assert impostor.read_text() == "my shopping list\n"


def test_a_file_as_home_is_refused(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(TuifeedError, match="is a file, not a folder"):
        Feed.open(not_a_folder)


def test_a_home_that_cannot_be_created_is_refused():
    # /proc refuses new folders even to root, so this holds wherever the tests run.
    with pytest.raises(TuifeedError, match="cannot create /proc/tuifeed-home"):
        Feed.open("/proc/tuifeed-home")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_home_is_refused(tmp_path):
    home = tmp_path / "locked"
    home.mkdir(mode=0o500)
    with pytest.raises(TuifeedError, match="not writable"):
        Feed.open(home)


def test_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "tuifeed.db") as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = (home / "tuifeed.db").read_bytes()
    with pytest.raises(TuifeedError, match="newer tuifeed"):
        Feed.open(home)
    assert (home / "tuifeed.db").read_bytes() == before
