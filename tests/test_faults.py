"""Nothing lost, whatever happens: a full disk, a lock held by another process, a read-only
database, a truncated WAL, an import beside an open session, times and ids out of range,
closing the terminal. Faults are real: SQLite's own SQLITE_FULL (a page limit on the writer's
connection), a small tmpfs filled up, another process holding the write lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tuifeed.store.writer as writer_module
from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.store.schema import MIGRATIONS
from tuifeed.store.portable import import_file

from conftest import event_counts


def run(*args: str, home: Path, env: dict | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, timeout=timeout,
                          env={**os.environ, "TUIFEED_HOME": str(home), **(env or {})})


def stored_ids(database: Path, table: str = "events") -> set[int]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute(f"SELECT id FROM {table}")}


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def writer_connections(monkeypatch) -> list[sqlite3.Connection]:
    """The connections event writers open, so a test can make SQLite itself refuse to grow
    the database (PRAGMA max_page_count: SQLITE_FULL, as on a full disk)."""
    opened: list[sqlite3.Connection] = []
    real = writer_module.connect

    def spy(path):
        connection = real(path)
        opened.append(connection)
        return connection

    monkeypatch.setattr(writer_module, "connect", spy)
    return opened


def fill_up(connection: sqlite3.Connection) -> None:
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")


def take_the_free_pages(database: Path) -> None:
    """Fill the database's free pages with a filler table, without growing the file: the
    events written next soon find no room."""
    connection = sqlite3.connect(database, isolation_level=None)  # each insert commits
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS filler(data BLOB)")
        fill_up(connection)
        while True:
            connection.execute("INSERT INTO filler VALUES (zeroblob(512))")
    except sqlite3.OperationalError as error:
        assert "full" in str(error)
    finally:
        connection.close()


def make_room(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA max_page_count = 1073741823")


# -- a full disk --------------------------------------------------------------------------


def test_a_full_disk_is_reported_at_once_and_the_events_land_once_there_is_room(
        isolated_home, writer_connections):
    feed = Feed.open(isolated_home, clock=VirtualClock(), flush_interval=0.05)
    feed.start()
    assert feed.flush() and feed.write_problem is None
    fill_up(writer_connections[0])
    for _ in range(400):  # enough events to need new pages
        feed.next()
    assert not feed.flush()
    assert "is full" in feed.write_problem and "wait in memory" in feed.write_problem
    make_room(writer_connections[0])
    assert wait_until(feed.flush)  # retried on its own, no action needed
    assert feed.write_problem is None
    assert stored_ids(feed.store.path) == {event.id for event in feed.events}
    feed.close()
    assert feed.rescued is None and not feed.warnings


def test_quitting_on_a_full_disk_saves_a_rescue_file_that_imports_once(
        isolated_home, writer_connections):
    feed = Feed.open(isolated_home, clock=VirtualClock(), flush_interval=0.05)
    feed.start()
    feed.flush()
    fill_up(writer_connections[0])
    for _ in range(300):
        feed.next()
    feed.steer("mute", "word", "spiders")
    feed.close()
    assert feed.rescued is not None and feed.rescued.parent == isolated_home
    assert str(feed.rescued) in feed.warnings[-1] and "tuifeed import" in feed.warnings[-1]
    database = feed.store.path
    missing = {event.id for event in feed.events} - stored_ids(database)
    assert len(missing) > 250  # the fault really kept them out of the database
    lines = [json.loads(line) for line in feed.rescued.read_text().splitlines()]
    assert {line["type"] for line in lines} == {"header", "event", "steering"}

    with Feed.open(isolated_home, clock=VirtualClock()) as later:  # room again (a new writer)
        added = import_file(later.store, later.locations.recipes, feed.rescued)
        again = import_file(later.store, later.locations.recipes, feed.rescued)
    assert added["event"] == len(missing) and added["steering"] == 1
    assert again["event"] == again["steering"] == 0
    with sqlite3.connect(database) as connection:
        kinds = dict(connection.execute("SELECT kind, count(*) FROM events GROUP BY kind"))
        muted = connection.execute("SELECT name FROM steering WHERE action = 'mute'").fetchall()
    assert sum(kinds.values()) == len(feed.events) and muted == [("spiders",)]


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 3 MB tmpfs: a real filesystem that fills up (needs root and mount)."""
    point = tmp_path / "small"
    point.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point)],
            capture_output=True).returncode != 0:
        pytest.skip("mounting a small filesystem needs root")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill_disk(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def test_a_headless_session_on_a_full_filesystem_exits_1_and_keeps_every_event(
        small_disk, tmp_path):
    """The disk fills while the database is in use (another process keeps it open, so its
    WAL index exists): the session's events go to a rescue file, the exit status is 1, and
    the rescue imports once there is room."""
    home = small_disk / "home"
    assert run("signal", "demo:0001", "like", home=home).returncode == 0
    reader = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys\n"
         f"connection = sqlite3.connect({str(home / 'tuifeed.db')!r})\n"
         "connection.execute('SELECT count(*) FROM events').fetchall()\n"
         "print('open', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        filler = fill_disk(small_disk)
        rescue_folder = tmp_path / "tmp"
        rescue_folder.mkdir()
        result = run("open", "--clock", "virtual", "--keys", "j j l j j q", home=home,
                     env={"TMPDIR": str(rescue_folder)})
    finally:
        reader.communicate("")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "is full" in result.stderr
    rescued = list(rescue_folder.glob("rescued-*.jsonl")) + list(home.glob("rescued-*.jsonl"))
    assert len(rescued) == 1 and str(rescued[0]) in result.stderr
    filler.unlink()
    result = run("import", str(rescued[0]), home=home)
    assert result.returncode == 0, result.stderr
    counts = event_counts(home / "tuifeed.db")
    assert counts["like"] == 2 and counts["impression"] >= 5


def test_a_disk_full_before_tuifeed_starts_is_one_line_and_exit_1(small_disk):
    home = small_disk / "home"
    assert run("signal", "demo:0001", "like", home=home).returncode == 0
    filler = fill_disk(small_disk)
    result = run("signal", "demo:0002", "like", home=home)
    assert result.returncode == 1 and "is full" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    filler.unlink()
    assert run("signal", "demo:0002", "like", home=home).returncode == 0
    assert event_counts(home / "tuifeed.db") == {"like": 2}


# -- locks, read-only files, damage -------------------------------------------------------


def hold_lock(database: Path, seconds: float, how: str = "IMMEDIATE") -> subprocess.Popen:
    """Another process holding the write lock for `seconds`; returns once it holds it."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"connection = sqlite3.connect({str(database)!r})\n"
         f"connection.execute('BEGIN {how}')\n"
         "print('held', flush=True)\n"
         f"time.sleep({seconds})\n"
         "connection.rollback()\n"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_command_waits_for_another_process_and_says_so(isolated_home):
    assert run("rank", home=isolated_home).returncode == 0
    holder = hold_lock(isolated_home / "tuifeed.db", 120)  # until the command waits
    command = subprocess.Popen(
        [sys.executable, "-m", "tuifeed", "signal", "demo:0002", "like"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TUIFEED_HOME": str(isolated_home)})
    try:
        said = command.stderr.readline()
    finally:
        holder.terminate()
        holder.wait()
    out, err = command.communicate(timeout=60)
    assert command.returncode == 0, said + err
    assert "waiting for another tuifeed to finish writing" in said
    assert "recorded like" in out
    assert event_counts(isolated_home / "tuifeed.db") == {"like": 1}


def test_a_locked_database_is_never_called_damaged_nor_set_aside(isolated_home):
    assert run("signal", "demo:0002", "like", home=isolated_home).returncode == 0
    holder = hold_lock(isolated_home / "tuifeed.db", 3, "EXCLUSIVE")
    result = run("--reset-db", "rank", "--limit", "1", home=isolated_home)
    holder.wait()
    assert result.returncode == 0 and "damaged" not in result.stderr
    assert not list(isolated_home.glob("*.damaged-*"))
    assert event_counts(isolated_home / "tuifeed.db") == {"like": 1}


def test_a_read_only_home_is_named_as_such_and_nothing_is_set_aside(small_disk):
    home = small_disk / "home"
    assert run("signal", "demo:0002", "like", home=home).returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        for args in (("rank",), ("--reset-db", "signal", "demo:0003", "like")):
            result = run(*args, home=home)
            assert result.returncode == 2, result.stderr
            assert "not writable" in result.stderr and len(result.stderr.splitlines()) == 1
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert not list(home.glob("*.damaged-*"))
    assert event_counts(home / "tuifeed.db") == {"like": 1}


def test_only_real_damage_is_set_aside(isolated_home):
    assert run("signal", "demo:0002", "like", home=isolated_home).returncode == 0
    database = isolated_home / "tuifeed.db"
    data = bytearray(database.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a page of garbage
    database.write_bytes(bytes(data))
    result = run("rank", home=isolated_home)
    assert result.returncode == 2 and "--reset-db" in result.stderr
    assert run("--reset-db", "rank", home=isolated_home).returncode == 0
    aside = [path.name for path in isolated_home.glob("tuifeed.db.damaged-*")]
    assert len([name for name in aside if not name.endswith(("-wal", "-shm"))]) == 1


def test_a_truncated_wal_loses_only_its_torn_tail(isolated_home, tmp_path):
    """A crash mid-write leaves a WAL cut short: the database still opens, every transaction
    before the tear is there, and new events are written."""
    feed = Feed.open(isolated_home, clock=VirtualClock(), flush_interval=0.05)
    feed.start()
    for _ in range(50):
        feed.next()
    assert feed.flush()
    copy = tmp_path / "crashed"
    copy.mkdir()
    shutil.copy(feed.store.path, copy / "tuifeed.db")
    wal = feed.store.path.with_name("tuifeed.db-wal").read_bytes()
    assert len(wal) > 10_000
    (copy / "tuifeed.db-wal").write_bytes(wal[: len(wal) - 3000])
    feed.close()
    result = run("signal", "demo:0005", "save", home=copy)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy / "tuifeed.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    assert 1 < count <= len(feed.events) + 1


# -- an import beside an open session -----------------------------------------------------


def test_an_import_beside_an_open_session_overwrites_nothing_and_is_noticed(
        isolated_home, tmp_path):
    session = Feed.open(isolated_home, clock=VirtualClock(), flush_interval=0.05)
    session.start()
    first = session.steer("mute", "topic", session.catalog.topics[0])
    session.next()
    assert session.flush()
    # An export from elsewhere whose ids are the ones this session holds next.
    export = tmp_path / "other.jsonl"
    lines = [{"type": "header", "format": "tuifeed-export", "version": 1,
              "exported_at": "2026-01-01T00:00:00Z", "first_run": ""}]
    lines += [{"type": "steering", "id": first.id + n, "ts": f"2025-0{n}-01T00:00:00Z",
               "action": "boost", "target": "topic", "name": "imported", "amount": 1.0,
               "undone": False} for n in range(1, 4)]
    lines += [{"type": "event", "id": session.events[-1].id + n, "ts": "2025-01-01T00:00:00Z",
               "item_id": "demo:0300", "kind": "like", "value": None, "session_id": "other",
               "undone": False} for n in range(1, 4)]
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert run("import", str(export), home=isolated_home).returncode == 0

    second = session.steer("mute", "topic", session.catalog.topics[1])
    session.undo_steering()
    session.signal("demo:0001", "like")
    assert session.flush()
    assert wait_until(lambda: session.log_changed_elsewhere, 5)
    session.close()
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        steering = connection.execute(
            "SELECT id, action, name, undone FROM steering ORDER BY id").fetchall()
        likes = connection.execute(
            "SELECT session_id FROM events WHERE kind = 'like'").fetchall()
    mutes = [row for row in steering if row[1] == "mute"]
    assert mutes == [(first.id, "mute", first.name, 0), (second.id, "mute", second.name, 1)]
    assert sorted(row[2] for row in steering if row[1] == "boost") == ["imported"] * 3
    assert all(row[3] == 0 for row in steering if row[1] == "boost")  # the undo hit its own
    assert sorted(session_id for (session_id,) in likes) == sorted(
        ["other"] * 3 + [session.session_id])


# -- times and ids out of range -----------------------------------------------------------


def build_version_4(database: Path) -> None:
    """A database as tuifeed 0.1 (schema 4) left it after importing hostile times and ids."""
    with sqlite3.connect(database) as connection:
        for target in range(1, 5):
            for statement in MIGRATIONS[target]:
                connection.execute(statement)
        connection.execute("PRAGMA user_version = 4")
        rows = [(1, "2026-01-05T10:00:00.000000Z", "like"),
                (2, "999-01-01T00:00:00.000000Z", "save"),  # year 999, unpadded
                (3, "", "like"),
                (4, "3000-01-01T00:00:00.000000Z", "like"),
                (2**53 - 1, "2026-01-06T09:00:00.000000Z", "save"),
                (2**53, "2026-01-06T09:30:00.000000Z", "save"),
                (2**63 - 1, "2026-01-06T10:00:00.000000Z", "dislike")]
        connection.executemany(
            "INSERT INTO events(id, ts, item_id, kind, session_id)"
            " VALUES (?, ?, 'demo:0001', ?, 'old')",
            rows)
        connection.execute("INSERT INTO event_undos(event_id, ts) VALUES (?, ?)",
                           (2**63 - 1, "2026-01-06T10:00:01.000000Z"))
        connection.execute("INSERT INTO meta(key, value) VALUES ('next_events_id', ?)",
                           (str(2**63),))


def test_schema_5_moves_old_out_of_range_times_and_ids_into_range(isolated_home):
    isolated_home.mkdir()
    build_version_4(isolated_home / "tuifeed.db")
    result = run("signal", "demo:0002", "like", home=isolated_home,
                 env={"TUIFEED_NOW": "2026-02-01T00:00:00Z"})
    assert result.returncode == 0, result.stderr
    assert (isolated_home / "tuifeed.db.v4.bak").exists()
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        rows = connection.execute("SELECT id, ts, kind FROM events ORDER BY id").fetchall()
        undone = connection.execute("SELECT event_id FROM event_undos").fetchall()
    times = {kind_id: ts for kind_id, ts, _ in rows}
    assert times[1] == "2026-01-05T10:00:00.000000Z"
    assert times[2] == times[3] == "1970-01-01T00:00:00.000000Z"
    assert times[4] == "2099-12-31T23:59:59.999999Z"
    assert max(times) < 2**52 and [row[2] for row in rows] == [
        "like", "save", "like", "like", "save", "save", "dislike", "like"]
    assert [row[0] for row in rows[:7]] == [1, 2, 3, 4, 5, 6, 7]  # room to grow again
    assert undone == [(rows[6][0],)]  # the undo follows its renumbered event
    # The new event has today's time, not 2099's, and every later command works.
    assert rows[-1][1].startswith("2026-02-01")
    result = run("forget", "--before", "2000-01-01", home=isolated_home)
    assert result.returncode == 0 and "deleted 2 events" in result.stdout  # the 1970 pair


@pytest.mark.parametrize(("args", "env", "message"), [
    (("forget", "--before", "0999-01-01"), {}, "outside the times tuifeed keeps"),
    (("forget", "--before", "3000-01-01"), {}, "outside the times tuifeed keeps"),
    (("forget", "--before", ""), {}, "is not a date"),
    (("rank",), {"TUIFEED_NOW": "0999-01-01"}, "outside the times tuifeed keeps"),
    (("rank",), {"TUIFEED_NOW": "1e308"}, "outside the times tuifeed keeps"),
    (("steer", "mute", "word", "cats\udcff"), {}, "not UTF-8"),
    (("signal", "demo:0001", "dwell", "1" * 400), {}, "finite number"),
    (("export", ""), {}, "needs a file name"),
    (("open", "--keys", "j \udcff q"), {}, "not UTF-8"),
])
def test_out_of_range_input_is_one_line_exit_2_and_writes_nothing(
        isolated_home, args, env, message):
    assert run("signal", "demo:0001", "like", home=isolated_home).returncode == 0
    before = (event_counts(isolated_home / "tuifeed.db"),
              stored_ids(isolated_home / "tuifeed.db", "steering"))
    result = subprocess.run(
        [sys.executable, "-m", "tuifeed", *[os.fsencode(arg) for arg in args]],
        capture_output=True, env={**os.environ, "TUIFEED_HOME": str(isolated_home), **env},
        timeout=60)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and message in stderr, stderr
    assert "\x1b" not in stderr
    assert len(stderr.splitlines()) == 1
    assert (event_counts(isolated_home / "tuifeed.db"),
            stored_ids(isolated_home / "tuifeed.db", "steering")) == before


def test_events_imported_from_the_future_do_not_date_the_viewers_own(isolated_home, tmp_path):
    export = tmp_path / "future.jsonl"
    export.write_text("\n".join(json.dumps(line) for line in [
        {"type": "header", "format": "tuifeed-export", "version": 1,
         "exported_at": "2099-01-01T00:00:00Z", "first_run": ""},
        {"type": "event", "id": 1, "ts": "2099-01-01T00:00:00Z", "item_id": "demo:0001",
         "kind": "like", "value": None, "session_id": "x", "undone": False}]) + "\n")
    assert run("import", str(export), home=isolated_home).returncode == 0
    result = run("signal", "demo:0002", "like", home=isolated_home,
                 env={"TUIFEED_NOW": "2026-03-01T00:00:00Z"})
    assert result.returncode == 0, result.stderr
    history = run("history", "--json", home=isolated_home).stdout
    times = sorted(entry["ts"][:4] for entry in json.loads(history))
    assert times == ["2026", "2099"]


# -- closing the terminal -----------------------------------------------------------------


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_closing_the_terminal_records_the_dwell_like_q(isolated_home, number):
    """The real TUI in a pseudo-terminal (its controlling terminal, as in a terminal window),
    ended by the signal a closed window (SIGHUP) or `kill` (SIGTERM) sends."""
    import pty

    assert run("rank", home=isolated_home).returncode == 0
    environment = {**os.environ, "TUIFEED_HOME": str(isolated_home), "TERM": "xterm-256color"}
    child, terminal = pty.fork()
    if child == 0:  # the child: becomes tuifeed, never returns
        os.execve(sys.executable, [sys.executable, "-m", "tuifeed"], environment)
    database = isolated_home / "tuifeed.db"
    output = bytearray()

    def drain() -> None:
        while _readable(terminal):
            try:
                output.extend(os.read(terminal, 65536))
            except OSError:
                return

    try:
        def shown() -> bool:
            drain()
            return event_counts(database).get("impression", 0) >= 1
        assert wait_until(shown, 30), output.decode("utf-8", "replace")[-2000:]
        time.sleep(1.5)
        os.kill(child, number)
        ended: list[int] = []

        def reaped() -> bool:
            drain()
            pid, code = os.waitpid(child, os.WNOHANG)
            if pid == child:
                ended.append(os.waitstatus_to_exitcode(code))
            return bool(ended)
        assert wait_until(reaped, 20)
        status = ended[0]
    finally:
        try:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(terminal)
    with sqlite3.connect(database) as connection:
        dwells = [value for (value,) in connection.execute(
            "SELECT value FROM events WHERE kind = 'dwell'")]
    assert len(dwells) == 1 and dwells[0] >= 1.0
    assert status == 128 + number  # ended by the signal, having done what q does


def _readable(descriptor: int) -> bool:
    import select

    return bool(select.select([descriptor], [], [], 0)[0])


# -- the TUI says it at once --------------------------------------------------------------


async def test_the_tui_shows_a_full_disk_while_it_lasts_and_says_when_it_is_over(
        isolated_home, writer_connections):
    from textual.widgets import Static

    from tuifeed.tui import make_app

    feed = Feed.open(isolated_home, clock=VirtualClock(), flush_interval=0.05)
    app = make_app(feed, headless=True, tick_seconds=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        notice = app.query_one("#log-notice", Static)
        assert not notice.display
        take_the_free_pages(feed.store.path)
        fill_up(writer_connections[0])
        for _ in range(150):  # till the events fill what room the pages have left
            await pilot.press("j")
            if feed.writer.problem is not None:
                break
        assert wait_until(lambda: feed.writer.problem is not None, 5)
        await pilot.pause(0.2)
        shown = str(notice.render())
        assert notice.display and "is full" in shown and "wait in memory" in shown
        make_room(writer_connections[0])
        assert wait_until(lambda: feed.writer.problem is None, 5)
        await pilot.pause(0.2)
        assert not notice.display
        await pilot.press("q")
    assert feed.rescued is None
    assert stored_ids(feed.store.path) == {event.id for event in feed.events}


# -- found by attacking the above ---------------------------------------------------------


@pytest.mark.parametrize("option", ["--transcript", "--screenshot"])
@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_a_transcript_or_screenshot_never_overwrites_the_database(isolated_home, option, suffix):
    assert run("signal", "demo:0096", "like", home=isolated_home).returncode == 0
    target = isolated_home / f"tuifeed.db{suffix}"
    result = run("open", "--keys", "j q", option, str(target), home=isolated_home)
    assert result.returncode == 2 and "own database" in result.stderr
    assert event_counts(isolated_home / "tuifeed.db") == {"like": 1}


def test_export_never_writes_through_a_link_left_at_its_scratch_name(isolated_home, tmp_path):
    assert run("signal", "demo:0096", "like", home=isolated_home).returncode == 0
    target = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.partial").symlink_to(isolated_home / "tuifeed.db")
    result = run("export", str(target), home=isolated_home)
    assert result.returncode == 0, result.stderr
    assert event_counts(isolated_home / "tuifeed.db") == {"like": 1}
    assert '"type": "event"' in target.read_text()
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".partial")
                and not path.is_symlink()]


def test_two_commands_waiting_on_one_lock_get_distinct_ids(isolated_home):
    assert run("rank", home=isolated_home).returncode == 0
    holder = hold_lock(isolated_home / "tuifeed.db", 3)
    commands = [subprocess.Popen(
        [sys.executable, "-m", "tuifeed", "steer", "mute", "word", word],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TUIFEED_HOME": str(isolated_home)}) for word in ("alpha", "beta")]
    said = [command.communicate(timeout=60)[0] for command in commands]
    holder.wait()
    assert all(command.returncode == 0 for command in commands)
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        stored = dict(connection.execute("SELECT name, id FROM steering"))
    assert said == [f"steering {stored['alpha']}: mute word alpha\n",
                    f"steering {stored['beta']}: mute word beta\n"]
    assert stored["alpha"] != stored["beta"]


def test_times_stop_at_the_end_of_2099_and_still_round_trip(isolated_home, tmp_path):
    late = {"TUIFEED_NOW": "2099-12-31T23:59:59.999999Z"}
    for _ in range(2):
        assert run("signal", "demo:0096", "like", home=isolated_home, env=late).returncode == 0
    assert run("rank", home=isolated_home,
               env={"TUIFEED_NOW": "4102444799.9999996"}).returncode == 2
    export = tmp_path / "late.jsonl"
    assert run("export", str(export), home=isolated_home).returncode == 0
    result = run("import", str(export), home=tmp_path / "other")
    assert result.returncode == 0, result.stderr
    assert event_counts(tmp_path / "other" / "tuifeed.db") == {"like": 2}


def test_fifos_where_files_are_expected_are_refused_or_skipped(isolated_home, tmp_path):
    assert run("signal", "demo:0096", "like", home=isolated_home).returncode == 0
    recipes = isolated_home / "config" / "recipes"
    recipes.mkdir(parents=True)
    os.mkfifo(recipes / "evil.toml")
    result = run("export", str(tmp_path / "out.jsonl"), home=isolated_home, timeout=30)
    assert result.returncode == 0, result.stderr
    os.mkfifo(isolated_home / "tuifeed.db-journal")
    result = run("rank", home=isolated_home, timeout=30)
    assert result.returncode == 2 and "tuifeed.db-journal is not a regular file" in result.stderr


def test_ctrl_c_while_a_command_waits_records_nothing_and_says_nothing_was(isolated_home):
    assert run("rank", home=isolated_home).returncode == 0
    holder = hold_lock(isolated_home / "tuifeed.db", 120)  # until it is let go, below
    command = subprocess.Popen(
        [sys.executable, "-m", "tuifeed", "signal", "demo:0007", "like"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TUIFEED_HOME": str(isolated_home)})
    try:
        said = ""
        while "waiting for another tuifeed" not in said:  # it waits, having said so
            line = command.stderr.readline()
            assert line, said
            said += line
        command.send_signal(signal.SIGINT)
        out, err = command.communicate(timeout=30)
        err = said + err
    finally:
        holder.terminate()
        holder.wait()
    assert command.returncode == 1 and "Traceback" not in err
    assert "waiting for another tuifeed" in err and "recorded" not in out
    assert event_counts(isolated_home / "tuifeed.db") == {}
    assert run("signal", "demo:0007", "like", home=isolated_home).returncode == 0


def test_ctrl_c_while_closing_waits_saves_the_events_to_a_private_rescue_file(isolated_home):
    import _thread

    feed = Feed.open(isolated_home, clock=VirtualClock())
    feed.start()
    feed.next()  # ids reserved, events made; now another process takes the lock
    holder = hold_lock(isolated_home / "tuifeed.db", 120)  # until it is let go, below
    timer = threading.Timer(2.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            feed.close()
    finally:
        holder.terminate()  # the lock is given back: the rescue file is imported below
        holder.wait()
    assert feed.rescued is not None and feed.rescued.parent == isolated_home
    assert oct(feed.rescued.stat().st_mode & 0o777) == "0o600"
    assert "interrupted" in feed.warnings[-1]
    assert run("import", str(feed.rescued), home=isolated_home).returncode == 0
    kinds: dict[str, int] = {}
    for event in feed.events:
        kinds[event.kind] = kinds.get(event.kind, 0) + 1
    assert event_counts(isolated_home / "tuifeed.db") == kinds  # every event, once


def test_the_ui_threads_ids_never_write_and_never_wait_even_under_a_held_lock(isolated_home):
    """An interactive session's ids: its connection issues no write after the first block
    (the writer thread reserves the next ones), and while another process holds the write
    lock, ids keep coming (from the session's own band) and stay distinct; once the lock
    is gone a reserved block arrives and is used."""
    from tuifeed.store.database import IdAllocator, Store, next_free_id
    from tuifeed.store.writer import EventWriter, ReserveIds

    Feed.open(isolated_home, clock=VirtualClock()).close()  # a home with its database
    database = isolated_home / "tuifeed.db"
    store = Store(database)
    writer = EventWriter(database, flush_interval=0.01)
    allocator = IdAllocator(store, "events", block=8)
    allocator.impatient(lambda table, count, deliver:
                        writer.write(ReserveIds(table, count, deliver)))
    statements: list[str] = []
    store.connection.set_trace_callback(statements.append)
    try:
        ids = [allocator() for _ in range(5)]  # past half the block: the next is asked for
        assert writer.flush()
        ids += [allocator() for _ in range(11)]  # into the delivered block
        assert allocator.reserved
        assert not [s for s in statements if s.split()[0].upper() in
                    ("BEGIN", "INSERT", "UPDATE", "DELETE", "REPLACE", "PRAGMA")], statements
        holder = hold_lock(database, 3)
        ids += [allocator() for _ in range(40)]  # blocks run out while the lock is held
        assert holder.poll() is None  # none of that waited for the lock
        holder.wait()
        assert writer.flush()
        ids += [allocator() for _ in range(8)]
    finally:
        store.connection.set_trace_callback(None)
        writer.close()
    assert len(set(ids)) == len(ids)
    assert allocator.reserved  # back on a reserved block once the lock was gone
    assert next_free_id(store.connection, "events") > ids[-1]
    store.close()
