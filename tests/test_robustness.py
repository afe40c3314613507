"""Inputs that used to break things: clocks set back, degenerate recipes, hostile imports,
same-instant steering, broken recipes in the TUI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuifeed import Feed
from tuifeed.clock import VirtualClock

from conftest import event_counts


def run(*args: str, home: Path, now: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home)}
    if now:
        env["TUIFEED_NOW"] = now
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_a_clock_set_before_the_newest_event_still_ranks_and_explains(isolated_home):
    assert run("signal", "demo:0096", "like", home=isolated_home,
               now="2026-06-01T00:00:00Z").returncode == 0
    for command in (("rank", "--json"), ("why", "demo:0030"), ("profile",)):
        result = run(*command, home=isolated_home, now="2026-01-01T00:00:00Z")
        assert result.returncode == 0, result.stderr
    queue = json.loads(run("rank", "--json", home=isolated_home,
                           now="2026-01-01T00:00:00Z").stdout)
    assert len(queue) == 10
    result = run("open", "--clock", "virtual", "--keys", "j w escape q", home=isolated_home)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("[exploration]\nrate = nan\n", "exploration.rate must be a finite number"),
    ("[exploration]\nrate = 2\n", "exploration.rate must be from 0 to 1"),
    ("[terms]\ndiversity_window = inf\n", "terms.diversity_window must be a finite number"),
    ("[terms]\ndiversity_window = 2.5\n", "terms.diversity_window must be a whole number"),
    ("[memory]\naffinity_scale = 0\n", "memory.affinity_scale must be from"),
])
def test_degenerate_recipe_numbers_are_refused(isolated_home, content, message):
    folder = isolated_home / "config" / "recipes"
    folder.mkdir(parents=True)
    (folder / "odd.toml").write_text(content)
    result = run("rank", "--recipe", "odd", home=isolated_home)
    assert result.returncode == 2 and message in result.stderr
    listed = run("recipes", "list", home=isolated_home)
    assert listed.returncode == 0 and "for-you" in listed.stdout and "(broken)" in listed.stdout


HEADER = {"type": "header", "format": "tuifeed-export", "version": 1,
          "exported_at": "2026-01-01T00:00:00Z", "first_run": ""}
EVENT = {"type": "event", "id": 1, "ts": "2026-01-01T00:00:00Z", "item_id": "demo:0001",
         "kind": "like", "value": None, "session_id": "s", "undone": False}
ITEM = {"type": "item", "id": "x:1", "source": "feed", "title": "t", "creator": "c",
        "topics": ["cats"], "description": "", "duration": 20, "published": "2026-01-01T00:00:00Z",
        "views": 5, "likes": 1, "thumbnail": "", "url": ""}


@pytest.mark.parametrize(("bad", "message"), [
    ({**HEADER, "first_run": "yesterday"}, "first_run must be Unix seconds"),
    ({**EVENT, "kind": "adore"}, "unknown kind 'adore'"),
    ({**EVENT, "kind": "dwell", "value": -3}, "finite number >= 0"),
    ({**ITEM, "views": -1}, "views and likes must be whole numbers from 0"),
    ({**ITEM, "views": 10**30}, "views and likes must be whole numbers from 0"),
    ({"type": "steering", "id": 1, "ts": "2026-01-01T00:00:00Z", "action": "explode",
      "target": "", "name": "", "amount": None, "undone": False}, "unknown steering"),
    ({"type": "recipe", "name": "../../etc/x", "toml": ""}, "is not a file name"),
    ({"type": "recipe", "name": "odd", "toml": "[terms]\ntopic = nan\n"}, "must be a finite"),
    ({**EVENT, "ts": "soon"}, "is not a date"),
])
def test_an_import_with_a_bad_value_names_it_and_imports_nothing(tmp_path, bad, message):
    home = tmp_path / "home"
    source = tmp_path / "in.jsonl"
    records = [HEADER, EVENT, bad] if bad["type"] != "header" else [bad, EVENT]
    source.write_text("\n".join(json.dumps(record) for record in records) + "\n")
    result = run("import", str(source), home=home)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert event_counts(home / "tuifeed.db") == {}


def test_imported_text_is_cleaned_and_times_normalised(tmp_path):
    home = tmp_path / "home"
    source = tmp_path / "in.jsonl"
    event = {**EVENT, "item_id": "demo:0001\x1b]0;PWNED\x07", "session_id": "s\x1b[2J",
             "ts": "2025-01-03T10:00:00+05:00"}
    steering = {"type": "steering", "id": 1, "ts": "2025-01-03T10:00:00Z", "action": "mute",
                "target": "word", "name": "evil\x1b]0;STEER\x07", "amount": None, "undone": False}
    source.write_text("\n".join(json.dumps(r) for r in (HEADER, event, steering)) + "\n")
    assert run("import", str(source), home=home).returncode == 0
    history = run("history", "--json", home=home).stdout
    shown = run("steer", "show", home=home).stdout
    assert "\x1b" not in history + shown
    entry = json.loads(history)[0]
    assert entry["item_id"] == "demo:0001" and entry["ts"] == "2025-01-03T05:00:00.000000Z"
    assert "mute word evil" in shown


def test_events_at_the_instant_of_a_reset_survive_a_restart_unchanged(isolated_home):
    clock = VirtualClock()
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.steer("reset")
        feed.signal("demo:0200", "like")  # same virtual instant as the reset
        session = ([e.item.id for e in feed.upcoming(20)], set(feed.state.seen),
                   [(i.name, i.total) for i in feed.profile()])
    with Feed.open(isolated_home, clock=clock) as feed:
        assert ([e.item.id for e in feed.upcoming(20)], set(feed.state.seen),
                [(i.name, i.total) for i in feed.profile()]) == session
    assert "demo:0200" in session[1]


def test_why_says_when_a_mute_or_the_recipe_hides_an_item(isolated_home):
    assert run("steer", "mute", "creator", "inkandowl", home=isolated_home).returncode == 0
    assert "hidden by one of your mutes" in run("why", "demo:0096", home=isolated_home).stdout
    result = run("why", "demo:0200", "--recipe", "following", home=isolated_home)
    assert "left out by the recipe" in result.stdout


def test_compare_with_a_broken_recipe_reports_it_and_keeps_the_feed(isolated_home, tmp_path):
    folder = isolated_home / "config" / "recipes"
    folder.mkdir(parents=True)
    (folder / "aaa.toml").write_text("not = = toml\n")
    transcript = tmp_path / "t.jsonl"
    # The picker opens on the recipe in use: home goes to the first, the broken one.
    result = run("open", "--clock", "virtual", "--keys", "c home enter j q", "--transcript",
                 str(transcript), home=isolated_home)
    assert result.returncode == 0, result.stderr
    steps = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert steps[4]["key"] == "j" and steps[-2]["key"] == "q"
    assert steps[4]["current"] != steps[0]["current"]


def test_unwritable_transcript_and_undecodable_keys_file(tmp_path):
    home = tmp_path / "home"
    result = run("open", "--keys", "q", "--transcript", "/proc/nope.jsonl", home=home)
    assert result.returncode == 2 and "cannot write /proc/nope.jsonl" in result.stderr
    keys = tmp_path / "keys"
    keys.write_bytes(b"\xff\xfe j")
    result = run("open", "--keys-file", str(keys), home=home)
    assert result.returncode == 2 and "cannot read" in result.stderr
    assert not home.exists()
