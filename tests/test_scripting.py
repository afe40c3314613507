"""Scripted sessions (tuifeed open) and offline replay (tuifeed replay), as testers use them."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.errors import TuifeedError
from tuifeed.models import Item
from tuifeed.ranking.replay import replay
from tuifeed.ranking.recipe import load_recipe
from tuifeed.store import writer as writer_module
from tuifeed.store.writer import EventWriter
from tuifeed.tui.script import parse_script, run_script


def tuifeed(*args: str, home: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=300, cwd=cwd)


SCRIPT = "j wait:12 l j wait:3 w escape snap:after-why j x wait:30 q"


def read_transcript(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_same_keys_and_seed_give_byte_identical_transcripts(tmp_path):
    outputs = []
    for name in ("one", "two"):
        transcript = tmp_path / f"{name}.jsonl"
        result = tuifeed("open", "--keys", SCRIPT, "--clock", "virtual", "--seed", "4",
                         "--size", "90x30", "--transcript", str(transcript),
                         home=tmp_path / name, cwd=tmp_path)  # snap: writes where it runs
        assert (tmp_path / "after-why.svg").exists()
        assert result.returncode == 0, result.stderr
        outputs.append(transcript.read_bytes())
    assert outputs[0] == outputs[1]
    steps = read_transcript(tmp_path / "one.jsonl")
    assert [step["key"] for step in steps] == ["(start)", *SCRIPT.split(), "(end)"]
    kinds = [event["kind"] for step in steps for event in step["events"]]
    assert {"impression", "dwell", "like", "dislike"} <= set(kinds)
    why = next(step for step in steps if step["key"] == "w")
    assert "Why this?" in why["screen"] and "score" in why["screen"]
    end = steps[-1]  # quitting writes the dwell of the card on screen
    assert [event["kind"] for event in end["events"]] == ["dwell"]
    assert end["events"][0]["value"] == 30.0


def test_a_writer_still_starting_when_the_session_does_changes_no_id(tmp_path, monkeypatch):
    """The ids a fresh home's session hands out do not depend on how fast its event writer
    starts. Under load the writer's first transaction could still hold the write lock when
    the session reserved its first ids without waiting: it then counted on the band kept for
    a lock held by another process (ids from the process id, in the thousands or millions),
    and two runs of one script differed. Here the writer is held wherever it is when the
    session becomes interactive, for as long as that takes."""
    steps = parse_script("j l wait:3 j x q")

    def session(home: Path) -> list[dict]:
        feed = Feed.open(home, clock=VirtualClock(), seed=4, flush_interval=0.01)
        return asyncio.run(run_script(feed, steps, (90, 30)))

    plain = session(tmp_path / "plain")
    settled, release = threading.Event(), threading.Event()  # the writer is where it waits
    rebuild, watch = writer_module.rebuild_follows, EventWriter._watch_generation
    interactive = Feed.interactive

    def rebuild_held(connection):  # inside the writer's transaction: the lock is held
        settled.set()
        release.wait(30)
        rebuild(connection)

    def watch_noted(self, connection):  # idle, holding nothing
        settled.set()
        watch(self, connection)

    def interactive_while_held(self):
        assert settled.wait(30), "the writer never started"
        interactive(self)
        release.set()

    monkeypatch.setattr(writer_module, "rebuild_follows", rebuild_held)
    monkeypatch.setattr(EventWriter, "_watch_generation", watch_noted)
    monkeypatch.setattr(Feed, "interactive", interactive_while_held)
    held = session(tmp_path / "held")
    ids = [event["id"] for entry in held for event in entry["events"]]
    assert ids == list(range(1, len(ids) + 1))
    assert held == plain
    with Feed.open(tmp_path / "held") as feed:  # the follows table was rebuilt all the same
        assert feed.store.get_meta("follows_from_log") == "1"
        assert [event.id for event in feed.store.events()] == ids


def test_a_script_that_likes_two_items_of_a_topic_moves_that_topic_up(tmp_path):
    home = tmp_path / "home"
    with Feed.open(tmp_path / "probe", clock=VirtualClock()) as feed:
        topics = {item.id: set(item.topics) for item in feed.catalog.items}
    transcript = tmp_path / "t.jsonl"
    # Like the first card, move to the next (the queue now leads with its topics), like it.
    result = tuifeed("open", "--keys", "wait:20 l j wait:20 l", "--clock", "virtual",
                     "--transcript", str(transcript), home=home)
    assert result.returncode == 0, result.stderr
    start, _, first_like, moved, _, second_like = read_transcript(transcript)[:6]
    assert [e["kind"] for e in first_like["events"]] == ["like"]
    assert [e["kind"] for e in second_like["events"]] == ["like"]
    shared = topics[start["current"]] & topics[moved["current"]]
    assert shared, "the second card liked shares a topic with the first"

    def share(ids: list[str]) -> int:
        return sum(bool(shared & topics[item_id]) for item_id in ids)

    assert share(second_like["upcoming"]) > share(start["upcoming"])


def test_screenshots_are_valid_svg(tmp_path):
    shot = tmp_path / "final.svg"
    result = tuifeed("open", "--keys", "j wait:2 snap:middle a escape", "--clock", "virtual",
                     "--screenshot", str(shot), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    for path in (shot, tmp_path / "middle.svg"):
        root = ElementTree.parse(path).getroot()
        assert root.tag.endswith("svg")
        assert "tuifeed" in path.read_text("utf-8")


@pytest.mark.parametrize(("keys", "message"), [
    ("j jj q", "step 2 ('jj'): unknown key"),
    ("j wait:soon", "step 2 ('wait:soon'): wait takes seconds"),
    ("wait:-1", "step 1 ('wait:-1'): wait must be from 0"),
    ("snap:../x", "step 1 ('snap:../x'): snap takes a file name"),
    ("", "the script is empty"),
])
def test_a_script_error_names_its_position_and_writes_nothing(tmp_path, keys, message):
    home = tmp_path / "home"
    result = tuifeed("open", "--keys", keys, "--clock", "virtual", home=home)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not home.exists()


def test_keys_file_with_comments_and_bad_size(tmp_path):
    script = tmp_path / "keys.txt"
    script.write_text("# open, like, quit\nj  # next\nl\nq\n")
    assert [step.argument for step in parse_script(script.read_text())] == ["j", "l", "q"]
    result = tuifeed("open", "--keys-file", str(script), "--size", "tiny",
                     home=tmp_path / "home")
    assert result.returncode == 2 and "--size takes WIDTHxHEIGHT" in result.stderr


def test_key_names_follow_textual():
    steps = parse_script("j question_mark escape ctrl+p space enter up shift+tab")
    assert [step.kind for step in steps] == ["key"] * 8
    with pytest.raises(TuifeedError, match="step 1"):
        parse_script("ctrl+")
    with pytest.raises(TuifeedError, match="step 1"):
        parse_script("hyperdrive+j")


def synthetic_log(tmp_path: Path):
    """Views fall with the item number; the viewer likes every even-numbered card."""
    catalogue = [Item(id=f"s:{number:02d}", title=f"Video {number}", creator=f"c{number % 4}",
                      topics=(f"t{number % 3}",), description="", duration=30.0,
                      published=1_700_000_000.0, views=10_000_000 // (number + 1), likes=0)
                 for number in range(40)]
    clock = VirtualClock()
    feed = Feed.open(tmp_path / "home", clock=clock, catalogue=catalogue)
    for item in catalogue:
        feed.signal(item.id, "impression")
        clock.advance(5)
        if int(item.id[2:]) % 2 == 0:
            feed.signal(item.id, "like")
        clock.advance(5)
    return feed


def test_replay_scores_a_recipe_that_ranks_engaged_items_first_as_perfect(tmp_path):
    (tmp_path / "home" / "config" / "recipes").mkdir(parents=True)
    feed = synthetic_log(tmp_path)
    # Pure popularity, nothing learned: the next card shown is always the most viewed left,
    # so every engaged card was ranked first.
    oracle = feed.locations.recipes / "oracle.toml"
    oracle.write_text("[terms]\ntopic = 0\ncreator = 0\nfreshness = 0\nquality = 0\n"
                      "popularity = 1\nnovelty = 0\ndiversity_window = 0\n"
                      "[exploration]\nrate = 0\n")
    result = replay(feed.events, feed.catalog, load_recipe("oracle", feed.locations.recipes))
    assert result.shown == 40 and result.engaged == 20
    assert result.ndcg == 1.0 and result.hit_rate == 1.0
    # Newest first ranks by publish time, all equal here: ties go to catalogue order, which
    # is this order too; an inverted popularity recipe puts engaged cards last.
    upside_down = feed.locations.recipes / "upside-down.toml"
    upside_down.write_text(oracle.read_text().replace("popularity = 1", "popularity = -1"))
    worst = replay(feed.events, feed.catalog, load_recipe("upside-down", feed.locations.recipes))
    assert worst.ndcg < 0.2
    feed.close()


def test_replay_cli_prints_a_table_and_json(tmp_path):
    feed = synthetic_log(tmp_path)
    feed.close()
    result = tuifeed("replay", "--recipe", "for-you", "--recipe", "popular", "--json",
                     home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [entry["recipe"] for entry in data] == ["for-you", "popular"]
    for entry in data:
        assert 0 <= entry["ndcg"] <= 1 and 0 <= entry["coverage"] <= 1
    table = tuifeed("replay", home=tmp_path / "home").stdout
    assert "NDCG@10" in table and "chronological" in table
