"""The CLI as a user runs it: a real process, a real home, one clear line on a mistake."""

import json
import os
import subprocess
import sys

import pytest


def tuifeed(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_rank_json_lists_the_queue_with_contributions(isolated_home):
    result = tuifeed("rank", "--limit", "5", "--json", home=isolated_home)
    assert result.returncode == 0, result.stderr
    queue = json.loads(result.stdout)
    assert [entry["rank"] for entry in queue] == [1, 2, 3, 4, 5]
    for entry in queue:
        assert {"id", "title", "creator", "topics", "score", "contributions", "explore"} <= set(entry)
        assert sum(entry["contributions"].values()) == pytest.approx(entry["score"])


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
