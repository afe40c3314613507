"""Shared fixtures: every test gets its own home and a virtual clock; nothing touches ~."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from tuifeed import Feed
from tuifeed.clock import VirtualClock


# Property tests draw their examples from a fixed seed (the same run on every machine) and
# keep no example database.
settings.register_profile("tuifeed", derandomize=True, database=None)
settings.load_profile("tuifeed")


def pytest_configure(config: pytest.Config) -> None:
    """What Hypothesis caches (constants found in the source, Unicode tables) goes to a
    temporary folder of this run, removed at its end, not into .hypothesis beside the
    repository."""
    config.hypothesis_storage = Path(tempfile.mkdtemp(prefix="tuifeed-hypothesis-"))
    set_hypothesis_home_dir(config.hypothesis_storage)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(config.hypothesis_storage, ignore_errors=True)


# The files whose tests take longest (a benchmark each: 40-90 s on this 2-core machine),
# run first: the suite's processes each take a file at a time, and one of these taken
# last kept the other process idle for a minute at the end.
LONGEST_FIRST = ("test_bench.py", "test_taste.py", "test_bench_command.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: else as found


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TUIFEED_HOME at a temporary folder so no test can write to the real one."""
    home = tmp_path / "home"
    monkeypatch.setenv("TUIFEED_HOME", str(home))
    # A safety net, inherited by the CLI processes tests start: an HTTP request for any host
    # but this machine goes to a proxy on a closed local port and fails there, so no test
    # can reach beyond 127.0.0.1 even by mistake.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # pytest-xdist's workers set COLUMNS=80 and LINES=24, which an app started in a
    # pseudo-terminal would take over the terminal's own size.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    return home


@pytest.fixture(autouse=True)
def keys_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """After pressing keys or pausing, a test reads the screen as a person does once it is
    drawn: Up next ranked (a worker does it) and the keys waiting for it served
    (tui/queueing.py). `Pilot.press.unsettled` presses without waiting."""
    from textual.pilot import Pilot

    press = Pilot.press

    async def press_and_settle(self: Pilot, *keys: str) -> None:
        await press(self, *keys)
        if self.app.is_running:
            await self.pause()  # which settles (below)

    press_and_settle.unsettled = press  # type: ignore[attr-defined]
    monkeypatch.setattr(Pilot, "press", press_and_settle)
    pause = Pilot.pause

    async def pause_and_settle(self: Pilot, delay: float | None = None) -> None:
        await pause(self, delay)
        settle = getattr(self.app, "settle_queue", None)
        if settle is not None and self.app.is_running:
            await settle()
            await pause(self)

    monkeypatch.setattr(Pilot, "pause", pause_and_settle)
    # And a test starts where a person does: the first card is shown (it comes from the
    # first ranking, in a worker).
    from contextlib import asynccontextmanager

    from textual.app import App

    run_test = App.run_test

    @asynccontextmanager
    async def run_test_settled(self: App, *args, **kwargs):
        async with run_test(self, *args, **kwargs) as pilot:
            settle = getattr(self, "settle_queue", None)
            if settle is not None:
                await settle()
                await pilot.pause()
            yield pilot

    monkeypatch.setattr(App, "run_test", run_test_settled)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def feed(isolated_home: Path, clock: VirtualClock) -> Iterator[Feed]:
    opened = Feed.open(isolated_home, clock=clock, seed=7)
    yield opened
    opened.close()


def event_counts(database: Path) -> dict[str, int]:
    """kind -> count, read straight from the SQLite file as a user would."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT kind, count(*) FROM events GROUP BY kind").fetchall()
    return dict(rows)


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1, stopped after the test (see tests/loopback.py)."""
    from loopback import LoopbackServer

    with LoopbackServer() as running:
        yield running


@pytest.fixture
def rankings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread of every ranking the scorer makes from here on."""
    from tuifeed.ranking import scorer

    threads: list[str] = []
    real = scorer.rank

    def counted(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    # rank is imported by name where it is used: count it in each of those places.
    import tuifeed.feed.core
    import tuifeed.feed.queue
    import tuifeed.feed.steering
    for module in (scorer, tuifeed.feed.core, tuifeed.feed.queue, tuifeed.feed.steering):
        monkeypatch.setattr(module, "rank", counted)
    return threads


def calls_recorded(monkeypatch: pytest.MonkeyPatch, owner, name: str, what) -> list:
    """`what(*arguments)` of every call of `owner.name` from here on (a module's function, or
    a class's method: its arguments then start with the instance); the call itself
    unchanged."""
    recorded: list = []
    real = getattr(owner, name)

    def recording(*args, **kwargs):
        recorded.append(what(*args))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return recorded


def threads_calling(monkeypatch: pytest.MonkeyPatch, owner, name: str) -> list[str]:
    """The thread of every call of `owner.name` from here on."""
    return calls_recorded(monkeypatch, owner, name,
                          lambda *args: threading.current_thread().name)


def import_without_terminal(name: str):
    """A module that loads textual_image.widget, imported with standard output seen as no
    terminal: textual-image then asks the terminal nothing (and assumes VT340 cells)."""
    import importlib
    import io
    import sys

    saved = sys.__stdout__
    sys.__stdout__ = io.StringIO()  # type: ignore[misc]
    try:
        return importlib.import_module(name)
    finally:
        sys.__stdout__ = saved  # type: ignore[misc]
