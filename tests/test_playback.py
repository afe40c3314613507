"""Playback through the real mpv (--vo=null --ao=null) and its real JSON IPC: play, watch and
complete events, a seek and a quit halfway, resuming, refused addresses, no player, the
browser fallback, a view counted once, and the TUI after in-terminal playback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.errors import TuifeedError
from tuifeed.models import Item

needs_mpv = pytest.mark.skipif(shutil.which("mpv") is None,
                               reason="mpv is not installed (.ci/run installs it)")


def configure(home: Path, *, speed: float = 1.0, command: str = "mpv") -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "tuifeed.toml").write_text(
        f'[player]\ncommand = "{command}"\nmode = "terminal"\nvo = "null"\n'
        f'extra_args = ["--ao=null", "--speed={speed}"]\n', encoding="utf-8")


def run(*args: str, home: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, timeout=120,
                          env={**os.environ, "TUIFEED_HOME": str(home), **(env or {})})


def kinds(home: Path) -> list[tuple[str, float | None]]:
    with sqlite3.connect(home / "tuifeed.db") as connection:
        return connection.execute("SELECT kind, value FROM events ORDER BY id").fetchall()


class Watched:
    """Runs a playback in a thread, as the TUI does, and follows what mpv reports."""

    def __init__(self, playback) -> None:
        self.playback = playback
        self.position = 0.0
        self.started = threading.Event()
        self.result = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        self.result = self.playback.run(on_progress=self._progress, on_started=self.started.set)

    def _progress(self, position, duration, paused) -> None:
        self.position = position

    def wait_for(self, position: float, seconds: float = 15.0) -> None:
        deadline = time.monotonic() + seconds
        while self.position < position and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.position >= position, self.position

    def finish(self):
        self.thread.join(30)
        assert not self.thread.is_alive()
        return self.result


@needs_mpv
def test_playing_a_demo_clip_records_play_watch_and_complete(isolated_home):
    configure(isolated_home, speed=4)
    result = run("play", "demo:0003", home=isolated_home)
    assert result.returncode == 0, result.stderr
    assert "watched 100%" in result.stdout and "played to the end" in result.stdout
    assert kinds(isolated_home) == [("play", None), ("watch", 1.0), ("complete", None)]


@needs_mpv
def test_a_seek_and_a_quit_halfway_give_a_watch_near_one_half(isolated_home):
    configure(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        watching = Watched(feed.playback("demo:0007"))
        assert watching.started.wait(15)
        feed.playback_started("demo:0007")
        watching.wait_for(0.2)
        watching.playback.send("seek", 50, "absolute-percent")
        watching.wait_for(4.0)
        watching.playback.stop()
        result = watching.finish()
        events = feed.playback_ended("demo:0007", result)
    assert result.reason == "quit" and not result.completed
    assert [event.kind for event in events] == ["watch"]
    assert 0.45 <= events[0].value <= 0.65
    assert [kind for kind, _ in kinds(isolated_home)] == ["play", "watch"]


@needs_mpv
def test_the_resume_position_round_trips_and_playback_starts_there(isolated_home):
    configure(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        watching = Watched(feed.playback("demo:0002"))
        watching.wait_for(0.2)
        watching.playback.send("seek", 70, "absolute-percent")
        watching.wait_for(5.6)
        watching.playback.stop()
        stopped = watching.finish()
        feed.playback_ended("demo:0002", stopped)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:  # kept in SQLite
        resume = feed.resume_at("demo:0002")
        assert resume == pytest.approx(stopped.position, abs=0.01) and resume >= 5.0
        assert feed.resume_at("demo:0003") is None
        playback = feed.playback("demo:0002")
        assert playback.start == resume
        assert feed.playback("demo:0002", resume=False).start == 0.0
        watching = Watched(playback)
        assert watching.started.wait(15)
        time.sleep(0.3)
        watching.playback.stop()
        assert watching.finish().position >= resume - 0.2
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:  # playing on resets it
        assert feed.resume_at("demo:0002") is not None
        configure(isolated_home, speed=8)
        result = feed.playback("demo:0002").run()
        feed.playback_ended("demo:0002", result)
        assert result.completed and feed.resume_at("demo:0002") is None


@pytest.mark.parametrize("address", [
    "-oops.mp4", "--script=/tmp/evil.lua", "http://example.org/a\nb.mp4",
    "https://example.org/\x1b[31m.mp4", "ftp://example.org/a.mp4", "javascript:alert(1)",
    "relative/clip.mp4", "/no/such/file.mp4", "file:///no/such/file.mp4", "http:///nohost",
])
def test_an_address_that_is_not_a_plain_url_or_file_is_refused_before_mpv_runs(
        isolated_home, tmp_path, address):
    marker = tmp_path / "mpv-ran"
    fake = tmp_path / "fake-mpv"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake.chmod(0o755)
    configure(isolated_home, command=str(fake))
    item = Item(id="odd:1", title="odd", creator="someone", topics=("odd",), description="",
                duration=10.0, published=0.0, views=0, likes=0, source="odd", url=address)
    with Feed.open(isolated_home, clock=VirtualClock(), catalogue=[item]) as feed:
        with pytest.raises(TuifeedError, match="refused|no such file|no host"):
            feed.playback("odd:1").run()
    assert not marker.exists()
    result = run("play", "odd:1", home=isolated_home)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr and not marker.exists()


def test_mpv_gets_an_argument_list_with_the_address_after_a_double_dash(isolated_home):
    configure(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        playback = feed.playback("demo:0001")
    arguments = playback.arguments("/usr/bin/mpv", Path("/private/socket"))
    assert arguments[-2:] == ["--", playback.address]
    assert all(argument.startswith("--") for argument in arguments[1:-1])
    assert "--input-ipc-server=/private/socket" in arguments


def test_no_player_is_one_line_with_the_install_hint_and_the_browser_fallback(
        isolated_home, tmp_path):
    configure(isolated_home, command="tuifeed-no-such-player")
    result = run("play", "demo:0001", home=isolated_home)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "apt install mpv" in result.stderr
    web = Item(id="web:1", title="on the web", creator="someone", topics=("web",),
               description="", duration=30.0, published=0.0, views=0, likes=0, source="web",
               url="http://127.0.0.1:9/video.mp4", page_url="http://127.0.0.1:9/watch/1")
    Feed.open(isolated_home, clock=VirtualClock(), catalogue=[web]).close()
    result = run("play", "web:1", home=isolated_home)
    assert result.returncode == 2 and "tuifeed play web:1 --browser" in result.stderr
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f"#!/bin/sh\nprintf '%s' \"$1\" > {opened}\n")
    browser.chmod(0o755)
    result = run("play", "web:1", "--browser", home=isolated_home,
                 env={"BROWSER": str(browser)})
    assert result.returncode == 0, result.stderr
    assert wait_for_file(opened).read_text() == "http://127.0.0.1:9/watch/1"
    result = run("play", "demo:0001", "--browser", home=isolated_home)
    assert result.returncode == 2 and "no web page" in result.stderr


def wait_for_file(path: Path, seconds: float = 10.0) -> Path:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path


@needs_mpv
def test_a_view_is_counted_once_the_watch_not_also_the_dwell(isolated_home):
    configure(isolated_home, speed=8)
    clock = VirtualClock()
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        result = feed.playback(item.id).run(on_started=lambda: feed.playback_started(item.id))
        feed.playback_ended(item.id, result)
        clock.advance(25)
        feed.next()
        dwell = next(event for event in reversed(feed.events)
                     if event.kind == "dwell" and event.item_id == item.id)
        assert dwell.value == 25.0
        learned = feed.model.at(clock.now()).topic
        without = feed.learned_model(without_event=dwell.id).at(clock.now()).topic
        assert learned == pytest.approx(without)  # the dwell taught nothing
        explanation = feed.why(item.id)
        reasons = [entry.reason for line in explanation.lines for entry in line.ignored]
        assert any("a view counts once" in reason for reason in reasons)
        # A card left without playing still teaches through its dwell.
        other = feed.current
        clock.advance(25)
        feed.next()
        plain = next(event for event in reversed(feed.events)
                     if event.kind == "dwell" and event.item_id == other.id)
        assert feed.model.at(clock.now()).topic != pytest.approx(
            feed.learned_model(without_event=plain.id).at(clock.now()).topic)
    session_model = feed.model.at(clock.now()).topic  # closing recorded the last dwell too
    with Feed.open(isolated_home, clock=clock) as again:  # a restart learns the same
        assert again.model.at(clock.now()).topic == pytest.approx(session_model)


@needs_mpv
async def test_the_tui_comes_back_intact_after_in_terminal_playback(isolated_home):
    from tuifeed.tui import make_app
    from tuifeed.tui.widgets.card import VideoCard

    configure(isolated_home, speed=8)
    feed = Feed.open(isolated_home, clock=VirtualClock(), seed=1)
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        title = feed.current.title
        before = app.query_one(VideoCard).query_one("#title").render()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and feed.current.title == title
        assert app.query_one(VideoCard).query_one("#title").render() == before
        assert [event.kind for event in feed.events[-3:]] == ["play", "watch", "complete"]
        await pilot.press("j")
        await pilot.pause()
        assert feed.current.title != title  # keys still drive the feed
        await pilot.press("q")


def test_moving_on_while_mpv_plays_in_a_window_still_counts_the_view_once(isolated_home):
    """The watch arrives after the card was left: the dwell of that view still does not
    teach, and a restart agrees."""
    from tuifeed.playback import PlaybackResult

    clock = VirtualClock()
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        feed.playback_started(item.id)
        clock.advance(30)
        feed.next()  # the viewer moves on; mpv still plays in its window
        dwell = next(event for event in reversed(feed.events) if event.kind == "dwell")
        feed.playback_ended(item.id, PlaybackResult(True, 6.0, 8.0, "quit"))
        now = clock.now()
        assert feed.model.at(now).topic == pytest.approx(
            feed.learned_model(without_event=dwell.id).at(now).topic)
        watch = feed.events[-1]
        assert watch.kind == "watch" and watch.value == 0.75
        assert feed.model.at(now).topic != pytest.approx(
            feed.learned_model(without_event=watch.id).at(now).topic)  # the watch teaches
    learned = feed.model.at(clock.now()).topic
    with Feed.open(isolated_home, clock=clock) as again:
        assert again.model.at(clock.now()).topic == pytest.approx(learned)


# -- found by attacking the above ---------------------------------------------------------


@pytest.mark.parametrize(("setting", "message"), [
    ("extra_args = 5", "must be a list"),
    ('extra_args = ["--"]', "must be an mpv option"),
    ('extra_args = ["--input-ipc-server=/tmp/x"]', "may not set --input-ipc-server"),
    ('command = ""', "must name a program"),
    ('mode = "cinema"', "player.mode must be one of"),
])
def test_a_bad_player_setting_is_one_line_exit_2(isolated_home, setting, message):
    (isolated_home / "config").mkdir(parents=True)
    (isolated_home / "config" / "tuifeed.toml").write_text(f"[player]\n{setting}\n")
    result = run("play", "demo:0002", home=isolated_home)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1


@needs_mpv
def test_seeking_to_the_end_is_a_full_watch_but_not_a_completion(isolated_home):
    configure(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        watching = Watched(feed.playback("demo:0004"))
        watching.wait_for(0.2)
        watching.playback.send("seek", 99, "absolute-percent")
        result = watching.finish()  # it reaches the end by itself
        events = feed.playback_ended("demo:0004", result)
    assert result.reason == "eof" and not result.completed
    assert [(event.kind, event.value) for event in events] == [("watch", 1.0)]


@needs_mpv
def test_sigterm_to_a_playing_command_stops_mpv_and_records_the_watch(isolated_home, tmp_path):
    configure(isolated_home)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    command = subprocess.Popen(
        [sys.executable, "-m", "tuifeed", "play", "demo:0009"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TUIFEED_HOME": str(isolated_home), "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and ("play", None) not in kinds_if_any(isolated_home):
        time.sleep(0.05)
    time.sleep(1.0)
    command.send_signal(subprocess.signal.SIGTERM)
    out, err = command.communicate(timeout=30)
    assert command.returncode == 143, err
    recorded = kinds(isolated_home)
    assert recorded[0] == ("play", None) and recorded[1][0] == "watch"
    assert 0.05 < recorded[1][1] < 0.6
    assert subprocess.run(["pgrep", "-f", "demo/clips/clip-"], capture_output=True).returncode == 1
    assert not list(scratch.iterdir())  # the private socket folder is gone


def kinds_if_any(home: Path) -> list:
    try:
        return kinds(home)
    except sqlite3.Error:
        return []


def test_a_display_that_does_not_answer_gets_no_window(isolated_home):
    """A DISPLAY left over from an ended session: auto plays in the terminal; a window asked
    for explicitly is refused in one line."""
    from tuifeed.playback import PlayerConfig

    gone = {"DISPLAY": ":55", "WAYLAND_DISPLAY": ""}
    assert PlayerConfig().chosen_mode(gone) == "terminal"
    config = isolated_home / "config"
    config.mkdir(parents=True)
    (config / "tuifeed.toml").write_text('[player]\nmode = "window"\n')
    result = run("play", "demo:0003", home=isolated_home, env=gone)
    assert result.returncode == 2 and "no display answers at :55" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and kinds(isolated_home) == []


def test_scripted_runs_play_without_picture_or_sound(isolated_home):
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        arguments = feed.playback("demo:0001", quiet=True).arguments("mpv", Path("/s"))
    assert arguments[-4:] == ["--vo=null", "--ao=null", "--", arguments[-1]]
