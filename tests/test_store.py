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


def followed_in_table(database) -> set[str]:
    """The follows table, read straight from the file as a user would."""
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT creator FROM follows")}


def test_an_undone_follow_leaves_the_follows_table(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        creator = f"demo:{item.creator}"
        follow = feed.toggle_follow(item.id)
        feed.flush()
        assert feed.store.follows() == {creator}
        feed.undo_event(follow.id)
        feed.flush()
        assert feed.store.follows() == set() == feed.state.followed
    with Feed.open(isolated_home, clock=clock) as feed:
        assert feed.store.follows() == set() == feed.state.followed


def test_an_undone_unfollow_brings_the_creator_back_from_the_first_follow(isolated_home, clock):
    from tuifeed.clock import iso_utc

    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        creator = f"demo:{item.creator}"
        follow = feed.toggle_follow(item.id)
        clock.advance(60)
        unfollow = feed.toggle_follow(item.id)
        feed.flush()
        assert feed.store.follows() == set()
        feed.undo_event(unfollow.id)  # the undo and the unfollow may share a batch or not
        feed.flush()
        assert feed.store.follows() == {creator} == feed.state.followed
        with sqlite3.connect(feed.locations.database) as connection:
            since = connection.execute("SELECT since FROM follows").fetchone()[0]
        assert since == iso_utc(follow.ts)


def test_a_follow_and_its_undo_in_one_batch(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock, flush_interval=60) as feed:
        item = feed.start()
        feed.undo_event(feed.toggle_follow(item.id).id)
        feed.flush()
        assert feed.store.follows() == set()


def test_another_items_undo_leaves_the_follows_alone(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        feed.toggle_follow(item.id)
        feed.undo_event(feed.toggle_like(item.id).id)
        feed.flush()
        assert feed.store.follows() == {f"demo:{item.creator}"}


def test_follows_written_by_an_older_tuifeed_are_put_right_at_the_next_open(isolated_home,
                                                                              clock):
    from tuifeed.clock import iso_utc

    with Feed.open(isolated_home, clock=clock) as feed:
        first = feed.start()
        second = feed.next()
        kept = feed.toggle_follow(first.id)
        undone = feed.toggle_follow(second.id)
    # What an older tuifeed left: the follow undone in the log but still in the table, a
    # follow stored by name, and a follow the log knows nothing of.
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        connection.execute("INSERT INTO event_undos VALUES (?, '2026-01-01T00:00:00Z')",
                           (undone.id,))
        connection.execute("DELETE FROM follows WHERE creator = ?", (f"demo:{first.creator}",))
        connection.execute("INSERT INTO follows VALUES (?, ?)", (first.creator, iso_utc(kept.ts)))
        connection.execute("INSERT INTO follows VALUES ('web:Music', '2026-01-01T00:00:00Z')")
        connection.execute("DELETE FROM meta WHERE key = 'follows_from_log'")
    assert followed_in_table(isolated_home / "tuifeed.db") == {
        first.creator, f"demo:{second.creator}", "web:Music"}
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.flush()
        assert feed.state.followed == {f"demo:{first.creator}"}
        assert feed.store.follows() == {f"demo:{first.creator}", "web:Music"}


def test_a_version_1_database_follows_by_key_after_the_upgrade(tmp_path):
    import shutil
    from pathlib import Path

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(Path(__file__).parent / "fixtures" / "tuifeed-v1.db", home / "tuifeed.db")
    with Feed.open(home) as feed:
        feed.flush()
        # Its follow was by name, and the demo's creators arrived only after the migration.
        assert feed.store.follows() == {"demo:inkandowl"} == feed.state.followed


def test_a_write_waiting_for_another_process_says_so_once_someone_listens(tmp_path,
                                                                        monkeypatch):
    """A wait begun while no one could be told (the TUI's screen is Textual's) is said once
    someone listens (the screen given back at the quit): it went unsaid to the end."""
    import threading

    from tuifeed.store import connection as store_connection

    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(store_connection, "wait_notice", None)
    said: list[str] = []
    writer = store_connection.connect(path)
    waiting = threading.Thread(target=store_connection.begin_writing, args=(writer, path))
    waiting.start()
    waiting.join(2.5)  # one busy timeout (2 s) gone by: waiting, and no one told
    assert waiting.is_alive() and said == []
    store_connection.wait_notice = said.append  # someone listens now
    waiting.join(2.5)
    assert said == [store_connection.WAITING.format(path=path)]
    holder.execute("COMMIT")
    waiting.join(30)
    assert not waiting.is_alive()
    writer.execute("COMMIT")
    writer.close()
    holder.close()
    assert said == [store_connection.WAITING.format(path=path)]  # once
