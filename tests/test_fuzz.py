"""Fuzzing under one rule: whatever the input, it is taken, or refused with one line and exit 2
(nothing written); never a traceback, and the home keeps working. Plus a round trip of every
text a viewer can type, through export and import."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.errors import TuifeedError
from tuifeed.store.portable import export_file, import_file

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Anything JSON can carry, hostile numbers and text included (lone surrogates, escapes, markup).
TEXT = st.text(st.characters(exclude_categories=()), max_size=30) | st.sampled_from([
    "", " ", "\x1b[31mred\x1b[0m", "[bold]x[/]", "\u202eevil", "a\u2028b", "\udcff",
    "0999-01-01T00:00:00Z", "3000-01-01T00:00:00Z", "2026-13-45T99:00:00Z", "1e308", "NaN"])
NUMBER = st.integers() | st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63), 10**400]) | \
    st.floats(allow_nan=True, allow_infinity=True)
SCALAR = st.none() | st.booleans() | NUMBER | TEXT
JSON_VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)

VALID = {
    "item": {"type": "item", "id": "demo:0001", "source": "demo", "title": "t", "creator": "c",
             "topics": ["cats"], "description": "", "duration": 10, "published": "",
             "views": 1, "likes": 0, "thumbnail": "", "url": "", "creator_id": ""},
    "event": {"type": "event", "id": 5, "ts": "2026-01-02T00:00:00Z", "item_id": "demo:0001",
              "kind": "dwell", "value": 3.5, "session_id": "s", "undone": False},
    "steering": {"type": "steering", "id": 3, "ts": "2026-01-02T00:00:00Z", "action": "boost",
                 "target": "topic", "name": "cats", "amount": 1.0, "undone": False},
    "follow": {"type": "follow", "creator": "demo:gatorgrace", "since": "2026-01-02T00:00:00Z"},
    "recipe": {"type": "recipe", "name": "mine", "toml": "[terms]\ntopic = 1.0\n"},
}
HEADER = {"type": "header", "format": "tuifeed-export", "version": 1,
          "exported_at": "2026-01-01T00:00:00Z", "first_run": ""}


@st.composite
def fuzzed_line(draw) -> str:
    """A valid record with some fields replaced by anything, or a line of raw text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=40)).replace("\n", " ")
    kind = draw(st.sampled_from(sorted(VALID)))
    record = dict(VALID[kind])
    for name in draw(st.lists(st.sampled_from(sorted(record)), max_size=3, unique=True)):
        record[name] = draw(JSON_VALUE)
    return json.dumps(record, allow_nan=True)


def log_state(home: Path) -> tuple:
    """What an import must leave alone when it refuses: the log and the viewer's recipes."""
    with contextlib.closing(sqlite3.connect(home / "tuifeed.db")) as connection:
        rows = tuple(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("events", "event_undos", "steering", "follows"))
    recipes = sorted(path.name for path in (home / "config" / "recipes").glob("*.toml"))
    return rows, tuple(recipes)


def home_works(home: Path) -> None:
    with Feed.open(home, clock=VirtualClock()) as feed:
        assert feed.upcoming(3)
        feed.signal(feed.upcoming(1)[0].item.id, "like")
        assert feed.flush()


@FUZZ
@given(lines=st.lists(fuzzed_line(), min_size=1, max_size=4))
def test_any_import_file_is_taken_or_refused_in_one_line_and_the_home_works(
        isolated_home, tmp_path, lines):
    Feed.open(isolated_home, clock=VirtualClock()).close()
    source = tmp_path / "fuzz.jsonl"
    source.write_text("\n".join([json.dumps(HEADER), *lines]) + "\n", encoding="utf-8",
                      errors="surrogatepass")
    before = log_state(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        try:
            import_file(feed.store, feed.locations.recipes, source)
        except TuifeedError as error:
            assert "\n" not in str(error) and str(error)
            assert log_state(isolated_home) == before
    home_works(isolated_home)


# -- every CLI argument -------------------------------------------------------------------

ARGUMENT = TEXT | st.sampled_from(["demo:0001", "like", "dwell", "watch", "-1", "1e400",
                                   "--help-me", "topic", "word", "creator", "alligators"])
COMMANDS = st.one_of(
    st.tuples(st.just("signal"), ARGUMENT, ARGUMENT) | st.tuples(
        st.just("signal"), st.just("demo:0001"), st.sampled_from(["dwell", "watch"]), ARGUMENT),
    st.tuples(st.just("steer"), st.sampled_from(["mute", "unmute", "forget"]),
              st.sampled_from(["topic", "creator", "word"]), ARGUMENT),
    st.tuples(st.just("steer"), st.just("boost"), st.sampled_from(["topic", "creator"]),
              ARGUMENT, ARGUMENT),
    st.tuples(st.just("forget"), st.just("--before"), ARGUMENT),
    st.tuples(st.just("rank"), st.just("--limit"), ARGUMENT),
    st.tuples(st.just("rank"), st.just("--recipe"), ARGUMENT),
    st.tuples(st.just("why"), ARGUMENT),
    st.tuples(st.just("history"), st.just("--kind"), ARGUMENT),
    st.tuples(st.just("import"), ARGUMENT),
    st.tuples(st.just("export"), ARGUMENT),
    st.tuples(st.just("recipes"), st.just("show"), ARGUMENT),
)


def run_in_process(args: list[str]) -> tuple[int, str]:
    from tuifeed.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["tuifeed", *args]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
                code = 0
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        sys.argv = saved
    return code, stderr.getvalue()


@FUZZ
@given(args=COMMANDS)
def test_any_command_line_is_taken_or_refused_in_one_line_exit_2_and_the_home_works(
        isolated_home, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # an export to a relative path lands in the test's folder
    Feed.open(isolated_home, clock=VirtualClock()).close()
    before = log_state(isolated_home)
    code, stderr = run_in_process(list(args))
    assert "Traceback" not in stderr and "internal error" not in stderr, (args, stderr)
    if code != 0:
        assert code == 2, (args, code, stderr)
        assert len(stderr.strip().splitlines()) == 1, (args, stderr)
        assert log_state(isolated_home) == before, args
    home_works(isolated_home)


# -- every text a viewer can type, through export and import ------------------------------

TYPED = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(TYPED, min_size=1, max_size=6))
def test_typed_words_survive_export_and_import_exactly(tmp_path, words):
    first, second = tmp_path / "first", tmp_path / "second"
    for home in (first, second):
        if home.exists():
            import shutil

            shutil.rmtree(home)
    with Feed.open(first, clock=VirtualClock()) as feed:
        for word in words:
            try:
                feed.steer("mute", "word", word)
            except TuifeedError:
                assume(False)  # only whitespace or control characters: refused, fine
        kept = [(action.action, action.name) for action in feed.steering_log]
        feed.flush()
        export = tmp_path / "export.jsonl"
        export_file(feed.store, feed.locations.recipes, feed.clock.now(), export)
    with Feed.open(second, clock=VirtualClock()) as feed:
        added = import_file(feed.store, feed.locations.recipes, export)
        again = import_file(feed.store, feed.locations.recipes, export)
    assert added["steering"] == len(words) and again["steering"] == 0
    with Feed.open(second, clock=VirtualClock()) as feed:
        assert [(action.action, action.name) for action in feed.steering_log] == kept
        assert all("\x1b" not in name and "\u202e" not in name for _, name in kept)
