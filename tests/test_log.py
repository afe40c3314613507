"""The behaviour log you own: durable under SIGKILL, migrated safely, shared by processes,
exportable and importable without loss, and never deleted when damaged."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tuifeed import Feed
from tuifeed.errors import DamagedDatabase
from tuifeed.store import SCHEMA_VERSION
from tuifeed.store.writer import FLUSH_INTERVAL

from conftest import event_counts

FIXTURES = Path(__file__).parent / "fixtures"
NOW = "2026-03-01T12:00:00Z"


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": NOW}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


RECORDER = """
import sys, time
from tuifeed import Feed
feed = Feed.open(sys.argv[1])
items = [entry.item.id for entry in feed.upcoming(300)]
for number in range(int(sys.argv[2])):
    event = feed.signal(items[number % len(items)], "dwell", 1.5)
    print(event.id, time.monotonic(), flush=True)
    time.sleep(float(sys.argv[3]))
feed.close()
"""


def test_sigkill_loses_at_most_the_last_flush_interval(tmp_path):
    home = tmp_path / "home"
    process = subprocess.Popen([sys.executable, "-c", RECORDER, str(home), "100000", "0.002"],
                               stdout=subprocess.PIPE, text=True)
    recorded = []
    for line in process.stdout:  # paced by the child itself: no sleeping here
        event_id, moment = line.split()
        recorded.append((int(event_id), float(moment)))
        if len(recorded) >= 400:
            break
    killed_at = time.monotonic()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with sqlite3.connect(home / "tuifeed.db") as connection:
        stored = {row[0] for row in connection.execute("SELECT id FROM events")}
    old_enough = [event_id for event_id, moment in recorded
                  if moment < killed_at - FLUSH_INTERVAL - 0.05]
    assert len(old_enough) > 100
    missing = [event_id for event_id in old_enough if event_id not in stored]
    assert missing == []


def test_two_processes_write_to_one_home_without_lock_errors(tmp_path):
    home = tmp_path / "home"
    Feed.open(home).close()  # create the database first, as a running TUI would have
    writers = [subprocess.Popen([sys.executable, "-c", RECORDER, str(home), "300", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for writer, (_stdout, stderr) in zip(writers, outputs):
        assert writer.returncode == 0, stderr
        assert "locked" not in stderr
    ids = [int(line.split()[0]) for stdout, _ in outputs for line in stdout.splitlines()]
    assert len(ids) == len(set(ids)) == 600
    with sqlite3.connect(home / "tuifeed.db") as connection:
        stored = sorted(row[0] for row in connection.execute("SELECT id FROM events"))
    assert stored == sorted(ids)


def test_a_version_1_database_is_upgraded_after_a_backup(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURES / "tuifeed-v1.db", home / "tuifeed.db")
    original = (home / "tuifeed.db").read_bytes()
    with Feed.open(home) as feed:
        assert feed.store.schema_version == SCHEMA_VERSION
        assert [event.id for event in feed.events] == [1, 2, 3, 4, 5, 6, 7]
        assert "demo:0200" in feed.state.liked and feed.state.followed == {"demo:inkandowl"}
        assert feed.upcoming(5)
    backup = home / "tuifeed.db.v1.bak"
    with sqlite3.connect(backup) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        assert connection.execute("SELECT count(*) FROM events").fetchone()[0] == 7
    assert backup.stat().st_size <= len(original) * 2
    with sqlite3.connect(home / "tuifeed.db") as connection:
        views = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'view'")}
        watch = connection.execute("SELECT * FROM daily_watch_by_topic").fetchall()
    assert {"event_log", "daily_watch_by_topic", "creator_engagement"} <= views
    assert ("2026-01-01", "alligators", 20.0, 1) in watch


def test_export_then_import_gives_the_same_history_and_queue(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    top = json.loads(run_cli("rank", "--limit", "3", "--json", home=first).stdout)
    for entry, kind, value in zip(top, ("like", "dwell", "dislike"), (None, "25", None)):
        assert run_cli("signal", entry["id"], kind, *([value] if value else []),
                       home=first).returncode == 0
    assert run_cli("steer", "boost", "topic", "cats", "1.5", home=first).returncode == 0
    assert run_cli("steer", "mute", "word", "trout", home=first).returncode == 0
    assert run_cli("steer", "undo", home=first).returncode == 0
    (first / "config" / "recipes").mkdir(parents=True)
    (first / "config" / "recipes" / "mine.toml").write_text("[terms]\nnovelty = 1.0\n")
    export = tmp_path / "log.jsonl"
    assert run_cli("export", str(export), home=first).returncode == 0
    result = run_cli("import", str(export), home=second)
    assert result.returncode == 0, result.stderr
    assert "3 new events" in result.stdout and "1 new recipes" in result.stdout
    again = run_cli("import", str(export), home=second)
    assert "0 new events" in again.stdout and "0 new steering actions" in again.stdout
    for command in (("history", "--json"), ("rank", "--limit", "30", "--json"),
                    ("steer", "show", "--json"), ("rank", "--recipe", "mine", "--json")):
        assert run_cli(*command, home=second).stdout == run_cli(*command, home=first).stdout


@pytest.mark.parametrize(("content", "message"), [
    ('{"type": "header", "format": "tuifeed-export", "version": 1, "exported_at": '
     '"2026-01-01T00:00:00Z", "first_run": ""}\n{"type": "event", "id": 1}\n',
     "line 3: event has no 'ts'"),
    ('{"type": "header", "format": "tuifeed-export", "version": 1, "exported_at": '
     '"2026-01-01T00:00:00Z", "first_run": ""}\nnot json\n', "line 3: not JSON"),
    ('{"type": "event"}\n', "line 1: event has no 'id'"),
    ('', "no tuifeed export header"),
])
def test_a_malformed_import_names_the_line_and_imports_nothing(tmp_path, content, message):
    home = tmp_path / "home"
    good = ('{"type": "event", "id": 9, "ts": "2026-01-01T00:00:00Z", "item_id": "demo:0001", '
            '"kind": "like", "value": null, "session_id": "x", "undone": false}\n')
    source = tmp_path / "broken.jsonl"
    source.write_text(good + content if content.startswith('{"type": "header"') else content)
    result = run_cli("import", str(source), home=home)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert event_counts(home / "tuifeed.db") == {}


def test_a_damaged_database_is_refused_then_set_aside_never_deleted(tmp_path):
    home = tmp_path / "home"
    assert run_cli("signal", "demo:0001", "like", home=home).returncode == 0
    database = home / "tuifeed.db"
    data = database.read_bytes()
    database.write_bytes(data[: len(data) // 2])  # a truncated copy
    damaged = database.read_bytes()
    result = run_cli("rank", home=home)
    assert result.returncode == 2
    assert "cannot be read" in result.stderr and "--reset-db" in result.stderr
    assert database.read_bytes() == damaged
    result = run_cli("--reset-db", "rank", "--limit", "1", home=home)
    assert result.returncode == 0, result.stderr
    aside = [path for path in home.iterdir() if ".damaged-" in path.name and
             not path.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged
    assert event_counts(database) == {}


def test_history_cli_filters_and_flags_undone_events(isolated_home):
    with Feed.open(isolated_home) as feed:
        first, second = [entry.item.id for entry in feed.upcoming(2)]
        like = feed.signal(first, "like")
        feed.signal(second, "dwell", 12)
        feed.undo_event(like.id)
        with pytest.raises(Exception, match="already undone"):
            feed.undo_event(like.id)
    history = json.loads(run_cli("history", "--json", home=isolated_home).stdout)
    assert [entry["kind"] for entry in history] == ["dwell", "like"]
    assert [entry["undone"] for entry in history] == [False, True]
    likes = json.loads(run_cli("history", "--kind", "like", "--json", home=isolated_home).stdout)
    assert [entry["id"] for entry in likes] == [like.id]
    with Feed.open(isolated_home) as feed:
        assert first not in feed.state.liked


def test_forget_before_deletes_old_events_only(isolated_home):
    assert run_cli("signal", "demo:0001", "like", home=isolated_home).returncode == 0
    result = run_cli("forget", "--before", "2026-01-01", home=isolated_home)
    assert result.returncode == 0 and "deleted 0 events" in result.stdout
    result = run_cli("forget", "--before", "2026-03-02", home=isolated_home)
    assert "deleted 1 events" in result.stdout
    assert event_counts(isolated_home / "tuifeed.db") == {}
    assert run_cli("forget", "--before", "soon", home=isolated_home).returncode == 2


def test_damaged_database_error_type(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "tuifeed.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    with pytest.raises(DamagedDatabase):
        Feed.open(home)


def test_retention_keeps_follows(isolated_home):
    assert run_cli("signal", "demo:0001", "follow", home=isolated_home).returncode == 0
    assert run_cli("signal", "demo:0001", "like", home=isolated_home).returncode == 0
    result = run_cli("forget", "--before", "2026-03-02", home=isolated_home)
    assert "deleted 1 events" in result.stdout  # the like; the follow is a state and stays
    with Feed.open(isolated_home) as feed:
        creator = feed.item("demo:0001")
        assert f"demo:{creator.creator}" in feed.state.followed
        assert feed.store.follows() == {f"demo:{creator.creator}"}


@pytest.mark.parametrize("date", ["0999-01-01", "1969-12-31", "0100-06-01"])
def test_forget_before_an_impossible_year_deletes_nothing(isolated_home, date):
    assert run_cli("signal", "demo:0001", "like", home=isolated_home).returncode == 0
    result = run_cli("forget", "--before", date, home=isolated_home)
    assert result.returncode == 2 and "outside the times tuifeed keeps" in result.stderr
    assert event_counts(isolated_home / "tuifeed.db") == {"like": 1}


def test_export_refuses_the_database_its_companions_links_and_devices(isolated_home, tmp_path):
    assert run_cli("signal", "demo:0001", "like", home=isolated_home).returncode == 0
    database = isolated_home / "tuifeed.db"
    before = database.read_bytes()
    link = tmp_path / "link.jsonl"
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    link.symlink_to(precious)
    for target, message in ((database, "own database"),
                            (isolated_home / "tuifeed.db-wal", "own database"),
                            (link, "is a link"), (tmp_path, "is not a regular file"),
                            (Path("/dev/null"), "not a regular file")):
        result = run_cli("export", str(target), home=isolated_home)
        assert result.returncode == 2 and message in result.stderr, (target, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert database.read_bytes() == before and precious.read_text() == "keep me"
    assert run_cli("export", "", home=isolated_home).returncode == 2


# -- the log as columns: History's filters ----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tuifeed.feed.log import LogColumns  # noqa: E402
from tuifeed.models import Event  # noqa: E402
from tuifeed.ranking.catalog import creator_key  # noqa: E402
from tuifeed.sources.demo import load_demo_catalogue  # noqa: E402
from tuifeed.ranking import Catalog  # noqa: E402

DEMO = load_demo_catalogue(1_700_000_000.0)[:12]
KINDS = ["impression", "dwell", "like", "skip", "follow"]
EVENT = st.tuples(st.integers(0, 5), st.sampled_from(KINDS),
                  st.sampled_from([item.id for item in DEMO] + ["gone:1"]))


def reference(events, undone_ids, catalog, limit, kind, topic, creator):
    """The plain reading: sort everything by (time, id) falling, keep what passes."""
    picked = []
    for event in sorted(events, key=lambda event: (event.ts, event.id), reverse=True):
        item = catalog.item(event.item_id) if event.item_id in catalog.index else None
        if kind is not None and event.kind != kind:
            continue
        if topic is not None and (item is None or topic not in item.topics):
            continue
        if creator is not None and (item is None or creator not in (item.creator,
                                                                     creator_key(item))):
            continue
        picked.append((event.id, event.id in undone_ids))
    return picked[:limit] if limit is not None else picked


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENT, max_size=30), st.lists(EVENT, max_size=10), st.data())
def test_history_filters_over_columns_match_the_plain_reading(first, later, data):
    catalog = Catalog.from_items(DEMO)
    # Ids unique but not in time order (an import brings old events with new ids).
    made = [Event(id=100 - number, ts=1_700_000_000.0 + step, item_id=item_id, kind=kind,
                  value=None, session_id="s") for number, (step, kind, item_id) in
            enumerate(first)]
    undone_ids = set(data.draw(st.sets(st.sampled_from([e.id for e in made]))
                               if made else st.just(set())))
    log = LogColumns.of_events([e for e in made if e.id not in undone_ids],
                     [e for e in made if e.id in undone_ids], catalog)
    added = [Event(id=200 + number, ts=1_700_000_010.0 + step, item_id=item_id, kind=kind,
                   value=None, session_id="s") for number, (step, kind, item_id) in
             enumerate(later)]
    for event in added:
        log.add(event)
    everything = [*made, *added]
    if added and data.draw(st.booleans()):
        gone = data.draw(st.sampled_from(added)).id
        log.mark_undone(gone)
        undone_ids.add(gone)
    limit = data.draw(st.none() | st.integers(0, 10))
    kind = data.draw(st.none() | st.sampled_from(KINDS + ["share"]))
    topic = data.draw(st.none() | st.sampled_from(
        sorted({topic for item in DEMO for topic in item.topics}) + ["nothing"]))
    creator = data.draw(st.none() | st.sampled_from(
        [DEMO[0].creator, creator_key(DEMO[1]), "nobody"]))
    rows = log.newest_first(limit, kind=kind, topic=topic, creator=creator)
    got = [(log.event_at(row).id, log.undone_at(row)) for row in rows]
    assert got == reference(everything, undone_ids, catalog, limit, kind, topic, creator)


def test_history_sees_events_as_they_happen_and_undone_ones_flagged(feed):
    first = feed.upcoming(2)
    like = feed.signal(first[0].item.id, "like")
    assert [entry.event.id for entry in feed.history(limit=1)] == [like.id]
    skip = feed.signal(first[1].item.id, "skip")
    feed.undo_event(like.id)
    entries = feed.history(limit=2)
    assert [(entry.event.id, entry.undone) for entry in entries] == [(skip.id, False),
                                                                     (like.id, True)]
    assert [entry.event.id for entry in feed.history(kind="like")] == [like.id]


def history(model, events, kind: str, name: str, now: float, points: int) -> list[float]:
    """The plain reading of a sparkline: every event touching the interest, weighed at every
    point by the model's decay, one matrix (what Feed.interest_history did before)."""
    import numpy as np

    from tuifeed.ranking.interests import touching

    subject = {"topics": [name]} if kind == "topic" else {"creator": name}
    touching_events = [(event.ts, strength) for event, _, strength, _ in
                       touching(events, model.catalog, model.recipe, **subject)]
    if not touching_events:
        return [0.0] * points
    times = np.array([moment for moment, _ in touching_events])
    strengths = np.array([strength for _, strength in touching_events])
    moments = np.linspace(times.min(), max(now, times.max()), points)
    ages = moments[:, None] - times[None, :]
    weights = np.where(ages >= 0, model.decay(np.maximum(ages, 0.0)), 0.0)
    return [float(value) for value in weights @ strengths]


def test_interest_sparklines_over_columns_match_the_event_by_event_reading(feed, clock):
    """The vectorised series equals the plain reading (history above) over the events the model
    learns from, through likes, dwells, a follow, an undo, a pause, a forget and new events."""

    queue = feed.upcoming(12)
    for number, ranked in enumerate(queue):
        item_id = ranked.item.id
        feed.signal(item_id, "impression")
        if number == 8:  # played: the view's dwell is superseded by the watch
            feed.signal(item_id, "watch", 0.9)
        feed.signal(item_id, "dwell", 3.0 + number * 7)
        if number % 3 == 0:
            feed.signal(item_id, "like")
        clock.advance(600)
        if number == 4:
            feed.steer("pause")
        if number == 6:
            feed.steer("resume")
    feed.signal(queue[1].item.id, "follow")
    feed.undo_event(feed.history(kind="like", limit=1)[0].event.id)
    topic = queue[0].item.topics[0]
    feed.steer("forget", "topic", topic)
    feed.signal(queue[0].item.id, "like")
    feed.interest_history("topic", topic, 16)  # the signals so far, grouped and kept ...
    for ranked in queue[:3]:  # ... and those logged since, read apart
        feed.signal(ranked.item.id, "watch", 0.7)
        feed.signal(ranked.item.id, "dwell", 30.0)  # superseded by the watch
        last_like = feed.signal(ranked.item.id, "like")
        clock.advance(300)
    feed.interest_history("topic", topic, 16)
    feed.undo_event(last_like.id)  # the same log, read again from the start
    subjects = {(interest.kind, interest.name) for interest in feed.profile()[:8]}
    for paused_or_played in (queue[5].item, queue[8].item):
        subjects |= {("topic", paused_or_played.topics[0]),
                     ("creator", creator_key(paused_or_played))}
    subjects |= {("topic", topic), ("creator", creator_key(queue[1].item)),
                 ("creator", queue[2].item.creator), ("topic", "no-such-topic")}
    for kind, name in sorted(subjects):
        learned = [event for event in feed.events if feed.teaches(event) and not (
            kind == "topic" and event.ts <= feed.steering.forgotten.get(name, -1))]
        expected = history(feed.model, learned, kind, name, clock.now(), 16)
        assert feed.interest_history(kind, name, 16) == pytest.approx(expected, rel=1e-9,
                                                                       abs=1e-12), (kind, name)


def test_why_evidence_over_columns_matches_the_event_by_event_reading(feed, clock):
    """Every learned term's evidence, read from the log's columns, is evidence_for's over the
    events themselves: the same events, weights, reasons and order, through undos, a pause,
    a forget, a start-over, a watch-superseded dwell and the card being left now."""
    from dataclasses import replace

    from tuifeed.feed.evidence import ColumnEvidence
    from tuifeed.ranking.explain import evidence_for, learned_subject, summarise

    queue = feed.upcoming(14)
    for number, ranked in enumerate(queue):
        item_id = ranked.item.id
        feed.signal(item_id, "impression")
        if number == 8:
            feed.signal(item_id, "watch", 0.9)
        feed.signal(item_id, "dwell", 2.0 + number * 5)
        if number % 3 == 0:
            feed.signal(item_id, "like")
        if number == 10:
            feed.signal(item_id, "follow")
        clock.advance(600)
        if number in (1, 4):
            feed.steer("pause")  # the first pause ends before the start-over: both apply
        if number in (2, 6):
            feed.steer("resume")
        if number == 3:
            feed.steer("reset")
    feed.undo_event(feed.history(kind="like", limit=1)[0].event.id)
    liked_then = next(entry.event for entry in feed.history(kind="like")
                      if entry.event.item_id == queue[9].item.id)
    feed.undo_event(liked_then.id)  # undone, and before the forget of its topic: both apply
    feed.steer("forget", "topic", queue[9].item.topics[0])
    feed.signal(queue[9].item.id, "like")
    feed.start()  # a card on screen: leaving it now would record a dwell and a skip
    leaving = feed._leaving_events()
    superseded = set(feed.views.superseded) | feed._superseded(leaving)
    # A recipe that learns from follows too (for-you does not): they must then teach about
    # the creator only.
    recipe = replace(feed.recipe, signals={**feed.recipe.signals, "follow": 1.5})
    columns = ColumnEvidence(feed.log_columns().columns(), feed.catalog, feed.model,
                             recipe, feed.steering, superseded, extra=leaving)
    now = clock.now()
    checked = 0
    for ranked in queue:
        row = feed.catalog.index[ranked.item.id]
        for term in ("topic", "creator", "length", "source", "words"):
            subject = learned_subject(term, row, ranked.item, feed.catalog)
            if subject is None:
                continue
            expected = evidence_for([*feed.events, *leaving], feed.catalog, feed.model,
                                    recipe, now, steering=feed.steering,
                                    undone=feed.undone_events,
                                    superseded=feed._superseded([*feed.events, *leaving]),
                                    **subject)
            told = columns(now, **subject)
            assert told.sentence == summarise(expected[0], now), (term, subject)
            assert told.not_counted == len(expected[1])
            got = (told.found, told.ignored)
            for mine, theirs in zip(got, expected, strict=True):
                assert len(mine) == len(theirs), (term, subject)
                for a, b in zip(mine, theirs, strict=True):
                    a, b = getattr(a, "evidence", a), getattr(b, "evidence", b)
                    assert (a.event_id, a.kind, a.item_id, a.about, a.value, a.ts) == \
                        (b.event_id, b.kind, b.item_id, b.about, b.value, b.ts)
                    assert a.weight == pytest.approx(b.weight, rel=1e-12, abs=1e-15)
            assert [entry.reason for entry in got[1]] == [entry.reason for entry in expected[1]]
            checked += len(got[0]) + len(got[1])
    assert checked > 50  # the terms had evidence to compare, counted and not


def test_why_lists_the_strongest_evidence_and_counts_it_all(feed, clock):
    """A term with more evidence than is listed: the strongest EVIDENCE_LISTED events, in
    order, and a sentence that counts every one."""
    from tuifeed.ranking.explain import EVIDENCE_LISTED

    item = feed.upcoming(1)[0].item
    creator_items = [row for row in feed.catalog.ids
                     if feed.item(row).creator == item.creator and row != item.id]
    for number in range(EVIDENCE_LISTED + 30):
        feed.signal(creator_items[number % len(creator_items)], "like")
        clock.advance(60)
    line = next(line for line in feed.why(item.id).lines if line.name == "creator")
    assert len(line.evidence) == EVIDENCE_LISTED
    weights = [abs(evidence.weight) for evidence in line.evidence]
    assert weights == sorted(weights, reverse=True)
    assert line.sentence.startswith(f"{EVIDENCE_LISTED + 30} likes on @")


def test_event_strengths_kept_between_whys_follow_new_events_and_the_recipe(feed, clock):
    """Why this? keeps every logged event's strength between calls (feed/evidence.py
    LogStrengths): after new events and under another recipe's weights it tells what a
    fresh reading of the columns tells."""
    from dataclasses import replace

    from tuifeed.feed.evidence import ColumnEvidence, LogStrengths

    kept = LogStrengths()
    queue = feed.upcoming(6)

    def told(strengths, recipe=None):
        columns = ColumnEvidence(feed.log_columns().columns(), feed.catalog, feed.model,
                                 recipe or feed.recipe, feed.steering,
                                 set(feed.views.superseded), strengths=strengths)
        return [columns(clock.now(), topics=ranked.item.topics) for ranked in queue]

    for step, ranked in enumerate(queue):
        clock.advance(30)
        feed.signal(ranked.item.id, "dwell", 3.0 + 7 * step)
        feed.signal(ranked.item.id, "like" if step % 2 else "skip")
        assert told(kept) == told(None)
    assert any(term.found for term in told(kept))
    heavier = replace(feed.recipe, signals={**feed.recipe.signals, "like": 2.5, "dwell": 3.0})
    assert told(kept, heavier) == told(None, heavier) != told(None)
