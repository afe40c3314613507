"""The CLI as a user runs it: a real process, a real home, one clear line on a mistake."""

import json
import os
import subprocess
import sys

import pytest


def tuifeed(*args: str, home) -> subprocess.CompletedProcess:
    # A frozen clock: freshness and ages must not drift between two commands of one test.
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": "2026-03-01T12:00:00Z"}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_rank_json_lists_the_queue_with_contributions(isolated_home):
    result = tuifeed("rank", "--limit", "5", "--json", home=isolated_home)
    assert result.returncode == 0, result.stderr
    queue = json.loads(result.stdout)
    assert [entry["rank"] for entry in queue] == [1, 2, 3, 4, 5]
    for entry in queue:
        assert {"id", "title", "creator", "topics", "score", "contributions",
                "explore"} <= set(entry)
    # The scores explain the order: outside exploration slots they never rise.
    placed = [entry["score"] for entry in queue if not entry["explore"]]
    assert placed == sorted(placed, reverse=True)
    why = json.loads(tuifeed("why", queue[0]["id"], "--json", home=isolated_home).stdout)
    assert why["rank"] == 1 and why["contributions"] == queue[0]["contributions"]


def test_signal_then_rank_reacts(isolated_home):
    top = json.loads(tuifeed("rank", "--limit", "1", "--json", home=isolated_home).stdout)[0]
    result = tuifeed("signal", top["id"], "dislike", home=isolated_home)
    assert result.returncode == 0, result.stderr
    after = json.loads(tuifeed("rank", "--limit", "10", "--json", home=isolated_home).stdout)
    assert top["id"] not in [entry["id"] for entry in after]
    assert top["creator"] not in [entry["creator"] for entry in after]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("signal", "demo:9999", "like"), "unknown item 'demo:9999'"),
        (("signal", "demo:0001", "adore"), "unknown kind 'adore'"),
        (("signal", "demo:0001", "dwell"), "dwell needs a value"),
        (("signal", "demo:0001", "watch", "lots"), "watch needs a number"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(isolated_home, args, message):
    result = tuifeed(*args, home=isolated_home)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_home_that_is_a_file_gives_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("keep me")
    result = tuifeed("rank", home=blocker)
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr
    assert blocker.read_text() == "keep me"


def test_steer_commands_change_the_queue_and_undo_restores_it(isolated_home):
    before = json.loads(tuifeed("rank", "--limit", "20", "--json", home=isolated_home).stdout)
    result = tuifeed("steer", "mute", "topic", before[0]["topics"][0], home=isolated_home)
    assert result.returncode == 0, result.stderr
    muted = json.loads(tuifeed("rank", "--limit", "20", "--json", home=isolated_home).stdout)
    assert all(before[0]["topics"][0] not in entry["topics"] for entry in muted)
    boosted = tuifeed("steer", "boost", "creator", "gatorgrace", "-1.5", home=isolated_home)
    assert boosted.returncode == 0
    shown = json.loads(tuifeed("steer", "show", "--json", home=isolated_home).stdout)
    assert shown["boosts"] == [{"target": "creator", "name": "gatorgrace", "amount": -1.5}]
    assert [entry["text"] for entry in shown["log"]] == [
        f"mute #{before[0]['topics'][0]}", "boost @gatorgrace -1.5"]
    for _ in range(2):
        assert tuifeed("steer", "undo", home=isolated_home).returncode == 0
    after = json.loads(tuifeed("rank", "--limit", "20", "--json", home=isolated_home).stdout)
    assert after == before
    result = tuifeed("steer", "undo", home=isolated_home)
    assert result.returncode == 2 and "nothing to undo" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("steer", "boost", "topic", "aligators", "1"), "did you mean alligators?"),
    (("steer", "boost", "topic", "cats", "5"), "from -2 to +2"),
    (("steer", "mute", "planet", "x"), "'planet' is not one of 'topic', 'creator', 'word'"),
    (("rank", "--recipe", "nope"), "unknown recipe 'nope'"),
    (("recipes", "show", "nope"), "unknown recipe 'nope'"),
])
def test_steering_mistakes_give_one_line_and_exit_2(isolated_home, args, message):
    result = tuifeed(*args, home=isolated_home)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_recipes_list_show_and_a_users_own_recipe(isolated_home):
    listed = tuifeed("recipes", "list", home=isolated_home).stdout
    for name in ("for-you", "fresh", "popular", "explore", "following", "chronological"):
        assert name in listed
    source = tuifeed("recipes", "show", "for-you", home=isolated_home).stdout
    assert "[signals]" in source and "like = 1.0" in source
    own = isolated_home / "config" / "recipes"
    own.mkdir(parents=True)
    (own / "gators.toml").write_text(source.replace('name = "for-you"', 'name = "gators"'))
    assert "gators" in tuifeed("recipes", "list", home=isolated_home).stdout
    queue = json.loads(tuifeed("rank", "--recipe", "gators", "--json", home=isolated_home).stdout)
    default = json.loads(tuifeed("rank", "--json", home=isolated_home).stdout)
    assert queue == default  # a copy ranks exactly like the original


def test_a_bad_recipe_file_names_file_line_and_key(isolated_home):
    own = isolated_home / "config" / "recipes"
    own.mkdir(parents=True)
    (own / "typo.toml").write_text('name = "typo"\n\n[terms]\ntopik = 2.0\n')
    (own / "wrong.toml").write_text('[terms]\ntopic = 1.0\nfreshness = "high"\n')
    (own / "syntax.toml").write_text('[terms\ntopic = 1\n')
    result = tuifeed("rank", "--recipe", "typo", home=isolated_home)
    assert result.returncode == 2
    assert "typo.toml, line 4: unknown key terms.topik" in result.stderr
    result = tuifeed("rank", "--recipe", "wrong", home=isolated_home)
    assert "wrong.toml, line 3: terms.freshness must be a number" in result.stderr
    result = tuifeed("rank", "--recipe", "syntax", home=isolated_home)
    assert result.returncode == 2 and "syntax.toml" in result.stderr and "line 1" in result.stderr


def test_rank_compare_shows_both_queues_with_moves(isolated_home):
    result = tuifeed("rank", "--limit", "5", "--recipe", "for-you", "--compare", "popular",
                     "--json", home=isolated_home)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["recipe"] == "for-you" and data["compare"] == "popular"
    assert len(data["rows"]) == 5
    for row in data["rows"]:
        other = row["popular"]
        if other["rank_in_for-you"] is not None:
            assert other["move"] == other["rank_in_for-you"] - other["rank"]
    text = tuifeed("rank", "--limit", "5", "--compare", "chronological", home=isolated_home)
    assert "chronological (move against for-you)" in text.stdout


def test_a_remembered_recipe_that_broke_falls_back_with_a_warning(isolated_home):
    own = isolated_home / "config" / "recipes"
    own.mkdir(parents=True)
    (own / "mine.toml").write_text("[terms]\nnovelty = 1.0\n")
    from tuifeed import Feed

    with Feed.open(isolated_home) as feed:
        feed.use_recipe("mine")
    (own / "mine.toml").write_text("[terms]\nnovelty = 'lots'\n")
    result = tuifeed("rank", "--limit", "1", home=isolated_home)
    assert result.returncode == 0
    assert "mine.toml, line 2: terms.novelty must be a number" in result.stderr
    assert "using for-you" in result.stderr
