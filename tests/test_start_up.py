"""Start-up: the first frame is drawn before the feed is open (tui/opening.py). The feed opens
behind it; keys pressed meanwhile wait and act, in order, on the first cards once they are
in; a feed that cannot be opened still ends in one line and its exit code; the terminal is
asked about pictures without waiting on a query it never answers (tui/graphics.py)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
import threading

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from tuifeed import Feed
from tuifeed.bench_app import terminal_env
from tuifeed.bench_terminal import Terminal
from tuifeed.clock import VirtualClock
from tuifeed.tui import make_app
from tuifeed.tui.graphics import DEFAULT_CELL, Graphics, queries, read_answers
from tuifeed.tui.opening import OPENING_NOTE
from tuifeed.tui.widgets.queue import QueuePanel

from conftest import event_counts, threads_calling

# Pilot as Textual ships it: conftest's own waits for the first card before a test starts,
# and these tests hold the feed back to press keys before there is one.
RUN_TEST, PRESS, PAUSE = App.run_test, Pilot.press, Pilot.pause


@pytest.fixture
def unsettled(monkeypatch):
    monkeypatch.setattr(App, "run_test", RUN_TEST)
    monkeypatch.setattr(Pilot, "press", PRESS)
    monkeypatch.setattr(Pilot, "pause", PAUSE)


def held_back(home) -> tuple[threading.Event, list[Feed], App]:
    """The app on a feed that opens once the test says go, and the feed it opened."""
    go = threading.Event()
    opened: list[Feed] = []

    def open_feed() -> Feed:
        assert go.wait(30), "the test never let the feed open"
        opened.append(Feed.open(home, clock=VirtualClock(), seed=3))
        return opened[-1]

    return go, opened, make_app(None, headless=True, tick_seconds=None, open_feed=open_feed)


async def test_keys_pressed_while_the_feed_opens_act_in_order_once_it_is_in(
        isolated_home, unsettled):
    go, opened, app = held_back(isolated_home)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        # The first frame: the feed's own screen, saying it opens, with no feed behind it.
        assert app.feed is None
        assert str(app.query_one("#title", Static).content) == OPENING_NOTE
        assert app.query_one(QueuePanel).border_title == "Up next"
        assert app.sub_title == OPENING_NOTE
        await pilot.press("l", "j", "s")  # like the first card, next, save the second
        await pilot.pause()
        assert app.feed is None and not opened  # nothing acted yet, nothing lost either
        go.set()
        await app.settle_queue()
        await pilot.pause()
        feed = app.feed
        assert feed is opened[0] and feed.position == 1
        first, second = feed.trail
        assert first in feed.state.liked and first not in feed.state.saved
        assert second in feed.state.saved and second not in feed.state.liked
        card_title = str(app.query_one("#title", Static).content)
        assert card_title == feed.item(second).title
        # The thumbnails' widget came after the first frame and draws the card's picture.
        for _ in range(500):
            if app.query("#thumbnail-image") and app.query_one("#thumbnail-image").display:
                break
            await PAUSE(pilot, 0.01)
        assert app.query_one("#thumbnail-image").display
        assert not app.query_one("#thumbnail-placeholder").display
        await pilot.press("q")
    counts = event_counts(isolated_home / "tuifeed.db")
    assert counts["like"] == 1 and counts["save"] == 1 and counts["impression"] == 2


async def test_pictures_that_come_as_the_viewer_quits_end_nothing_badly(
        isolated_home, unsettled, monkeypatch):
    """The pictures' widget comes from the opening thread after the first card: a viewer
    quick to quit can have it arrive behind the q (seen in a real terminal, 1 run in 20).
    The feed ends as asked, with no error, and draws nothing more."""
    from tuifeed.tui import opening
    from tuifeed.tui.widgets.halfcell import HalfcellPicture

    release = threading.Event()
    monkeypatch.setattr(opening, "image_widget_for",
                        lambda graphics: (release.wait(30), HalfcellPicture)[1])
    go, opened, app = held_back(isolated_home)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            go.set()
            await app.settle_queue()
            assert app.feed.position == 0 and not app.query("#thumbnail-image")
            app.exit()  # q, and behind it in the queue the pictures
            app.post_message(opening.PicturesReady(HalfcellPicture))
            await pilot.pause()
    finally:
        release.set()
    assert app.return_code == 0 and not app.query("#thumbnail-image")
    assert event_counts(isolated_home / "tuifeed.db")["impression"] == 1


async def test_opening_reserves_no_event_ids_on_the_ui_thread(isolated_home, unsettled,
                                                               monkeypatch):
    """Ids are reserved by a write: the feed's first block is taken in the thread that opens
    it, and the UI thread, which owns it from then on, never writes for one."""
    from tuifeed.store import database

    reserved_in = threads_calling(monkeypatch, database, "reserve_ids")
    go, opened, app = held_back(isolated_home)
    async with app.run_test(size=(100, 40)) as pilot:
        go.set()
        await app.settle_queue()
        await pilot.press("j", "l", "j")
        await app.settle_queue()
        assert app.feed.position == 2 and app.feed.close_patience is not None
    assert reserved_in and threading.main_thread().name not in reserved_in


async def test_a_fetch_asked_for_while_the_feed_opens_runs_once_it_is_open(
        isolated_home, unsettled):
    go, opened, app = held_back(isolated_home)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("u", "j")
        assert app.fetch_status == "" and app.feed is None
        go.set()
        await app.settle_queue()
        for _ in range(500):
            if app.fetch_status and not app.fetch_status.startswith("fetching"):
                break  # done ("fetching…", then "fetching 1/1", while it runs)
            await PAUSE(pilot, 0.01)
        assert app.fetch_status == "up to date"  # the demo's source: nothing new
        assert app.feed.position == 1  # and j acted too
        await pilot.press("q")


async def test_quitting_before_the_feed_is_open_records_nothing_and_closes_it(
        isolated_home, unsettled):
    go, opened, app = held_back(isolated_home)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j", "q")
    go.set()
    assert app._opening.wait(lambda text: None) is opened[0]  # as run_app does: then closed
    opened[0].close()
    assert event_counts(isolated_home / "tuifeed.db") == {}


async def test_a_feed_that_cannot_open_ends_the_app_with_its_error(isolated_home, unsettled):
    from tuifeed.errors import TuifeedError

    def open_feed() -> Feed:
        raise TuifeedError("the feed cannot be opened here")

    app = make_app(None, headless=True, tick_seconds=None, open_feed=open_feed)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        for _ in range(200):
            if not app.is_running:
                break
            await PAUSE(pilot, 0.01)
    assert app.return_code == 1
    assert str(app._opening.error) == "the feed cannot be opened here"


# -- the real command in a pseudo-terminal ----------------------------------------------------


def damage(database) -> None:
    data = bytearray(database.read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a page of garbage
    database.write_bytes(bytes(data))


def tuifeed_in_terminal(home, stdin_is_terminal: bool) -> tuple[int, str]:
    """`tuifeed` with standard output and error on a pseudo-terminal (Textual draws there),
    standard input too or not; its exit status and everything it wrote."""
    main, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tuifeed", "--home", str(home)],
        stdin=secondary if stdin_is_terminal else subprocess.DEVNULL, stdout=secondary,
        stderr=secondary, env={**terminal_env(), "TERM": "xterm-256color"},
        start_new_session=True)
    os.close(secondary)
    output = bytearray()
    try:
        while select.select([main], [], [], 30)[0]:
            try:
                chunk = os.read(main, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    finally:
        status = process.wait(30)
        os.close(main)
    return status, output.decode("utf-8", "replace")


def test_a_damaged_database_found_after_the_first_frame_is_one_line_and_exit_2(
        isolated_home):
    assert Feed.open(isolated_home, clock=VirtualClock()).close() is None
    damage(isolated_home / "tuifeed.db")
    status, output = tuifeed_in_terminal(isolated_home, stdin_is_terminal=False)
    assert status == 2
    assert "Opening your feed" in output  # the first frame came first
    said = output[output.rindex("\x1b[?1049l"):]  # after the screen was given back
    lines = [line for line in said.split("\r\n") if "tuifeed:" in line]
    assert len(lines) == 1 and "--reset-db" in lines[0] and "Traceback" not in output
    assert not list(isolated_home.glob("*.damaged-*"))  # nothing set aside unasked


def test_a_damaged_database_found_after_the_first_frame_is_offered_a_fresh_start(
        isolated_home):
    """A person is there: asked, as before the first frame was drawn first; yes sets the
    damaged file aside and the feed starts on a fresh one."""
    assert Feed.open(isolated_home, clock=VirtualClock()).close() is None
    damage(isolated_home / "tuifeed.db")
    terminal = Terminal([sys.executable, "-m", "tuifeed", "--home", str(isolated_home)],
                        terminal_env(), 100, 30)
    try:
        terminal.wait_for("Set it aside now and start a fresh one?", 30)
        terminal.press(b"y\r")
        terminal.wait_for("#1 of this session", 30)
    finally:
        terminal.close()
    assert terminal.exit_status == 0
    assert len([path for path in isolated_home.glob("tuifeed.db.damaged-*")
                if not path.name.endswith(("-wal", "-shm"))]) == 1
    assert event_counts(isolated_home / "tuifeed.db")["impression"] == 1


def test_a_key_typed_before_the_first_frame_is_not_lost(isolated_home):
    """Typed at once, while the terminal is asked about pictures and before Textual reads
    it: whoever reads it, the key acts once the first card is in."""
    assert Feed.open(isolated_home, clock=VirtualClock()).close() is None
    terminal = Terminal([sys.executable, "-m", "tuifeed", "--home", str(isolated_home)],
                        terminal_env(), 100, 30)
    try:
        terminal.press(b"j")
        terminal.wait_for("#2 of this session", 30)
    finally:
        terminal.close()
    assert terminal.exit_status == 0
    assert event_counts(isolated_home / "tuifeed.db")["impression"] == 2


def test_quitting_while_another_process_holds_the_database_says_why_it_waits(
        isolated_home):
    """Another tuifeed holds the write lock when q is pressed: closing waits for it to
    write the session's last records (and a fetch under way for its own). The viewer, given
    the terminal back, is told why the prompt does not come yet (they waited in silence:
    the notice is off while Textual has the screen, and was put back only after the app's
    end), and nothing is lost."""
    assert Feed.open(isolated_home, clock=VirtualClock()).close() is None
    database = isolated_home / "tuifeed.db"
    terminal = Terminal([sys.executable, "-m", "tuifeed", "--home", str(isolated_home)],
                        terminal_env(), 100, 30)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], "
         "isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('held', flush=True); "
         "sys.stdin.readline()", str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        terminal.wait_for("#1 of this session", 30)
        assert holder.stdout.readline() == "held\n"
        terminal.press(b"l")
        terminal.press(b"q")
        for _ in range(300):  # said once the screen is given back: not in a frame
            if b"waiting for another tuifeed" in terminal.transcript:
                break
            for _ in terminal.frames(0.1):
                pass
        holder.stdin.write("\n")  # the other process lets go
        holder.stdin.flush()
    finally:
        holder.stdin.close()
        holder.wait(30)
        terminal.close(b"")
    said = bytes(terminal.transcript)
    assert terminal.exit_status == 0
    assert said.rindex(b"\x1b[?1049l") < said.index(b"waiting for another tuifeed")
    assert b"Ctrl-C" not in said[said.rindex(b"\x1b[?1049l"):]  # (it would not stop it)
    assert event_counts(database)["like"] == 1


# -- asking the terminal about pictures -------------------------------------------------------


def test_the_answers_say_what_the_terminal_draws():
    kitty_ok = b"\x1b_Gi=31;OK\x1b\\"
    assert read_answers(kitty_ok + b"\x1b[?62;22c", (9, 18)) == Graphics(False, True, (9, 18))
    assert read_answers(b"\x1b[?62;4;22c", None) == Graphics(True, False, DEFAULT_CELL)
    refused = b"\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[6;20;10t\x1b[?1;2c"
    assert read_answers(refused, None) == Graphics(False, False, (10, 20))
    assert queries(None).endswith(b"\x1b[16t\x1b[c")  # the cell size only when unknown
    assert b"\x1b[16t" not in queries((10, 20)) and queries((10, 20)).endswith(b"\x1b[c")


def test_a_terminal_that_never_answers_the_graphics_query_is_not_waited_for(tmp_path):
    """The bench's terminal answers device attributes and ignores the Kitty query, as xterm
    does: the answer to the first ends the asking, however patient it is (here 600 s), and
    keys typed meanwhile are handed on."""
    program = tmp_path / "ask.py"
    program.write_text(textwrap.dedent("""
        import os, sys, tty
        from tuifeed.tui.graphics import ask_terminal
        tty.setcbreak(0)
        os.write(1, b"ready\\n")
        os.read(0, 1)  # the test's go: a key typed before the question
        graphics, typed = ask_terminal(patience=600)
        print(f"sixel={graphics.sixel} kitty={graphics.kitty} cell={graphics.cell} "
              f"typed={typed!r}", flush=True)
        os.read(0, 1)
    """))
    terminal = Terminal([sys.executable, str(program)], terminal_env(), 80, 24)
    try:
        terminal.wait_for("ready", 30)
        terminal.press(b".x")  # "." lets it ask, "x" waits in the terminal's input
        frame = terminal.wait_for("typed=", 30)
    finally:
        terminal.close()
    assert "sixel=False kitty=False cell=(10, 20) typed=b'x'" in frame.text


def test_the_first_frame_needs_neither_numpy_nor_pillow_nor_the_feed(isolated_home, tmp_path):
    """What is loaded when the real `tuifeed` has its first frame out (Textual's Ready),
    before the feed's opening starts: Textual, the CLI and the widgets, nothing more."""
    found = tmp_path / "loaded.txt"
    program = tmp_path / "first_frame.py"
    program.write_text(textwrap.dedent(f"""
        import sys
        from tuifeed.cli import run
        from tuifeed.tui.app import FeedApp

        ready = FeedApp.on_ready

        def on_ready(self):
            heavy = sorted(name for name in sys.modules if name.split(".")[0] in (
                "numpy", "PIL", "textual_image", "httpx", "sqlite_utils") or name.startswith((
                "tuifeed.feed", "tuifeed.ranking", "tuifeed.store.database",
                "tuifeed.catalogue", "tuifeed.sources", "tuifeed.tui.screens",
                "tuifeed.playback", "tuifeed.models")))
            with open({str(found)!r}, "w") as file:
                file.write(repr(heavy) + chr(10))
            ready(self)

        FeedApp.on_ready = on_ready
        sys.argv = ["tuifeed", "--home", {str(isolated_home)!r}]
        run()
    """))
    terminal = Terminal([sys.executable, str(program)], terminal_env(), 100, 30)
    try:
        terminal.wait_for("#1 of this session", 30)  # and the feed opened after it
    finally:
        terminal.close()
    assert terminal.exit_status == 0
    assert found.read_text() == "[]\n"


def test_the_bench_times_the_first_frame_and_the_first_card_apart(isolated_home):
    from tuifeed.bench_app import session
    from tuifeed.bench_catalogue import _tuifeed

    assert Feed.open(isolated_home, clock=VirtualClock()).close() is None
    figures = session(_tuifeed(home=isolated_home), 0, pictures=False)
    assert 0 < figures["first_frame_s"] <= figures["first_card_s"]
