"""CLI tables measured in terminal cells; read-only commands create nothing; replay and the
README's recipe copy work with the viewer's files as they are (real processes, real homes)."""

import json
import os
import sqlite3
import subprocess
import sys

from conftest import event_counts
from rich.cells import cell_len

from tuifeed import Feed
from tuifeed.clock import VirtualClock

WIDE_CREATORS = ("猫まみれ", "上海咖啡")


def tuifeed(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": "2026-03-01T12:00:00Z"}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def like_wide_creators(home) -> None:
    """Like a video by each creator whose name is in wide (two-cell) characters."""
    queue = json.loads(tuifeed("rank", "--limit", "300", "--json", home=home).stdout)
    for creator in WIDE_CREATORS:
        item = next(entry for entry in queue if entry["creator"] == creator)
        assert tuifeed("signal", item["id"], "like", home=home).returncode == 0


def test_profile_columns_stay_straight_with_wide_names(isolated_home):
    like_wide_creators(isolated_home)
    result = tuifeed("profile", home=isolated_home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()  # the summary in words, then the table
    at = next(number for number, line in enumerate(lines) if "total" in line and "short" in line)
    header, *rows = lines[at:]
    total_ends = cell_len(header[:header.index("total") + len("total")])
    wide = [row for row in rows if any(name in row for name in WIDE_CREATORS)]
    assert len(wide) == len(WIDE_CREATORS)
    for row in rows:
        number = row.split()[-5] if "█" in row else row.split()[-4]  # total, short, long, events
        assert cell_len(row[:row.index(number) + len(number)]) == total_ends, row


def test_rank_compare_columns_stay_straight_with_wide_titles(isolated_home):
    compared = json.loads(tuifeed("rank", "--compare", "fresh", "--limit", "30", "--json",
                                  home=isolated_home).stdout)
    result = tuifeed("rank", "--compare", "fresh", "--limit", "30", home=isolated_home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:]
    starts = set()
    wide_rows = 0
    for line, row in zip(lines, compared["rows"], strict=True):
        left, right = row["for-you"]["title"], row["fresh"]["title"]
        assert line[4:].startswith(left[:12])
        wide_rows += any(cell_len(char) == 2 for char in left)
        starts.add(cell_len(line[:line.rindex(right[:8])]))  # where the second title begins
    assert wide_rows > 0  # the demo's CJK and emoji titles are among them
    assert len(starts) == 1, starts


def test_recipes_show_creates_no_database(isolated_home):
    result = tuifeed("recipes", "show", "for-you", home=isolated_home)
    assert result.returncode == 0, result.stderr
    assert "[terms]" in result.stdout or "terms" in result.stdout
    assert not (isolated_home / "tuifeed.db").exists()


def test_the_readmes_recipe_copy_works_as_written(isolated_home, tmp_path):
    """README: mkdir -p the recipes folder, then redirect `recipes show` into it."""
    folder = isolated_home / "config" / "recipes"
    env = {**os.environ, "TUIFEED_HOME": str(isolated_home)}
    command = (f'mkdir -p "{folder}" && "{sys.executable}" -m tuifeed recipes show for-you '
               f'> "{folder}/mine.toml"')
    done = subprocess.run(["sh", "-c", command], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    listed = tuifeed("recipes", "list", home=isolated_home)
    assert "mine" in listed.stdout and "(broken)" not in listed.stdout
    assert tuifeed("rank", "--recipe", "mine", "--limit", "3", home=isolated_home).returncode == 0


def test_replay_skips_a_broken_recipe_with_one_line(isolated_home):
    folder = isolated_home / "config" / "recipes"
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("[terms\ntopic = 1\n", "utf-8")
    queue = json.loads(tuifeed("rank", "--limit", "3", "--json", home=isolated_home).stdout)
    for entry in queue:
        tuifeed("signal", entry["id"], "impression", home=isolated_home)
    result = tuifeed("replay", home=isolated_home)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 1 and "broken" in warnings[0], result.stderr
    assert "for-you" in result.stdout
    alone = tuifeed("replay", "--recipe", "broken", home=isolated_home)
    assert alone.returncode == 2 and "broken" in alone.stderr


def test_event_log_filters_undone_as_a_text_parameter(isolated_home):
    """Datasette passes a filter's value as text (?undone=1): the typed column matches it."""
    item = json.loads(tuifeed("rank", "--limit", "1", "--json", home=isolated_home).stdout)[0]
    tuifeed("signal", item["id"], "like", home=isolated_home)
    tuifeed("signal", item["id"], "save", home=isolated_home)
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        like_id = connection.execute("SELECT id FROM events WHERE kind = 'like'").fetchone()[0]
    from tuifeed import Feed

    with Feed.open(isolated_home) as feed:
        feed.undo_event(like_id)
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        undone = connection.execute("SELECT kind FROM event_log WHERE undone = ?",
                                    ("1",)).fetchall()
        kept = connection.execute("SELECT kind FROM event_log WHERE undone = ?",
                                  ("0",)).fetchall()
    assert undone == [("like",)]
    assert ("save",) in kept


def in_a_terminal(home, answer: str, *args: str) -> tuple[int, str]:
    """`tuifeed ARGS` with a pseudo-terminal for stdin and stdout, typing `answer` when it
    asks [y/N]."""
    import pty
    import select

    controller, terminal = pty.openpty()
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": "2026-03-01T12:00:00Z"}
    process = subprocess.Popen([sys.executable, "-m", "tuifeed", *args],
                               stdin=terminal, stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    shown = b""
    answered = False
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            process.kill()
            raise AssertionError(f"no answer from tuifeed: {shown!r}")
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the process ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if not answered and b"[y/N]" in shown:
            os.write(controller, answer.encode() + b"\n")
            answered = True
    os.close(controller)
    return process.wait(timeout=60), shown.decode("utf-8", "replace")


def test_steer_reset_asks_first_in_a_terminal(isolated_home):
    code, shown = in_a_terminal(isolated_home, "n", "steer", "reset")
    assert "Start over as a new viewer?" in shown and code != 0
    state = json.loads(tuifeed("steer", "show", "--json", home=isolated_home).stdout)
    assert not state.get("reset_at")
    code, shown = in_a_terminal(isolated_home, "y", "steer", "reset")
    assert code == 0, shown
    state = json.loads(tuifeed("steer", "show", "--json", home=isolated_home).stdout)
    assert state.get("reset_at")
    code, shown = in_a_terminal(isolated_home, "", "steer", "reset", "--yes")
    assert code == 0 and "[y/N]" not in shown


def test_forget_before_a_date_asks_first_in_a_terminal_and_says_how_many(isolated_home):
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:  # 2026-01-01
        first = feed.start()
        feed.signal(first.id, "like")
        feed.signal(first.id, "follow")
    count = event_counts(isolated_home / "tuifeed.db")
    assert count["like"] == count["follow"] == count["impression"] == 1
    forgettable = sum(count.values()) - 1
    code, shown = in_a_terminal(isolated_home, "n", "forget", "--before", "2026-06-01")
    assert f"Delete {forgettable} events before 2026-06-01 for good?" in shown and code != 0
    assert event_counts(isolated_home / "tuifeed.db") == count  # nothing deleted
    code, shown = in_a_terminal(isolated_home, "y", "forget", "--before", "2026-06-01")
    assert code == 0 and f"deleted {forgettable} events before 2026-06-01" in shown
    assert event_counts(isolated_home / "tuifeed.db") == {"follow": 1}  # follows stay
    code, shown = in_a_terminal(isolated_home, "", "forget", "--before", "2026-06-01")
    assert code == 0 and "no events before 2026-06-01" in shown and "[y/N]" not in shown
