"""What the log taught, kept at a clean close (feed/checkpoint.py): an open that uses it has
to the last bit what an open reading and learning the whole log has (the model, the viewer
state, the views, the log's columns, the queue and every term of it); a checkpoint that no
longer matches the home (an event or a steering written elsewhere, a catalogue changed, another
recipe) or that cannot be read is not used."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VirtualClock, iso_utc
from tuifeed.feed.checkpoint import catalogue_path, checkpoint_path
from tuifeed.store import database
from tuifeed.store.array_file import read_arrays
from tuifeed.store.writer import INSERT_EVENT

ACTIONS = st.lists(st.tuples(
    st.sampled_from(["next", "next", "next", "like", "save", "dislike", "follow", "play",
                     "undo", "reset", "pause", "resume", "forget", "boost", "previous"]),
    st.floats(0.2, 40.0),  # seconds on the card before it
    st.integers(0, 10_000),  # which event, topic or the like the action picks
), min_size=1, max_size=14)


def learned(feed: Feed) -> dict:
    """Everything an open learns from the log, as comparable values (word arrays by word:
    word codes follow set order, which differs between processes)."""
    words = feed.catalog.word_matrix.words
    model = {}
    for name, value in vars(feed.model).items():
        if isinstance(value, np.ndarray):
            model[name] = (dict(zip(words, value.tolist())) if name.startswith("word_")
                           else (value.dtype.str, value.tobytes()))
    log = feed.log_columns().columns()
    state = feed.state
    catalog = feed.catalog
    columns = ("creator_codes", "main_topic", "published", "duration", "views", "likes",
               "short_form", "topic_ptr", "topic_codes", "length_band", "source_codes",
               "language_codes")
    return {
        "catalogue": (catalog.ids, catalog.creators, catalog.topics, catalog.source_names,
                      catalog.language_names,
                      [(getattr(catalog, name).dtype.str, getattr(catalog, name).tobytes())
                       for name in columns],
                      [catalog.word_matrix.words_at(row) for row in range(len(catalog))],
                      derived_by_word(catalog.word_matrix)),
        "model": model, "anchor": feed.model.anchor,
        "state": (state.seen, state.liked, state.disliked, state.saved, state.followed,
                  state.shown, state.impressions,
                  state.seen_mask(feed.catalog.index, len(feed.catalog)).tobytes(),
                  state.disliked_mask(feed.catalog.index, len(feed.catalog)).tobytes()),
        "views": (feed.views.superseded, feed.views._watched),
        "log": [(value.dtype.str, value.tobytes()) if isinstance(value, np.ndarray) else value
                for value in (log.ids, log.ts, log.kinds, log.values, log.rows, log.undone,
                              log.kind_names, log.sessions, log.session_names)],
        "latest": feed.latest_time,
        "queue": [(entry.item.id, entry.score, entry.explore, entry.contributions)
                  for entry in feed.upcoming(12)],
    }


def derived_by_word(matrix) -> tuple:
    """What ranking derives from the word matrix, by word (word codes differ between
    processes): each entry's weight, and each word's postings."""
    weights, order, starts = matrix.derived()
    return (weights.dtype.str, weights.tobytes(),
            {word: order[starts[code]: starts[code + 1]].tolist()
             for code, word in enumerate(matrix.words)})


def open_both(home: Path, **options) -> tuple[dict, dict, bool]:
    """What an open learns with the checkpoint and the catalogue kept there, and with them
    set aside; and whether the first used the checkpoint (and the catalogue kept: see
    catalogue_was_kept)."""
    paths = [checkpoint_path(home / "tuifeed.db"), catalogue_path(home / "tuifeed.db")]
    with_it = Feed.open(home, clock=VirtualClock(), seed=1, **options)
    used = with_it._read_at_open[2]
    open_both.catalogue_kept = with_it._keeping_catalogue is None
    open_both.words = list(with_it.catalog.word_matrix.words)  # in code order
    first = learned(with_it)
    with_it.writer.close()
    with_it.store.close()  # no clean close: what is kept stays as it is
    if with_it._keeping_catalogue is not None:
        with_it._keeping_catalogue.join()
    for path in paths:
        if path.exists():
            shutil.move(path, path.with_name(path.name + ".aside"))
    without = Feed.open(home, clock=VirtualClock(), seed=1, **options)
    assert not without._read_at_open[2] and without._keeping_catalogue is not None
    second = learned(without)
    without.writer.close()
    without.store.close()
    without._keeping_catalogue.join()
    for path in paths:
        aside = path.with_name(path.name + ".aside")
        if aside.exists():
            if path.exists():  # what the second open kept
                path.unlink()
            shutil.move(aside, path)
    return first, second, used


def play(feed: Feed, clock: VirtualClock, actions) -> None:
    feed.start()
    for action, seconds, pick in actions:
        clock.advance(seconds)
        item = feed.current
        topics = feed.catalog.topics
        if action == "next":
            feed.next()
        elif action == "previous":
            feed.previous()
        elif action in ("like", "save", "dislike", "follow"):
            getattr(feed, f"toggle_{action}")(item.id)
        elif action == "play":
            feed.signal(item.id, "play")
            feed.signal(item.id, "watch", (pick % 100) / 100)
        elif action == "undo":
            done = [event.id for event in feed.events]
            if done:
                feed.undo_event(done[pick % len(done)])
        elif action in ("reset", "pause", "resume"):
            if action != "resume" or feed.steering.paused_since is not None:
                if action != "pause" or feed.steering.paused_since is None:
                    feed.steer(action)
        elif action == "forget":
            feed.steer("forget", "topic", topics[pick % len(topics)])
        elif action == "boost":
            feed.steer("boost", "topic", topics[pick % len(topics)], 1 + pick % 2)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=1, max_size=3))
def test_an_open_from_the_checkpoint_learns_to_the_bit_what_the_whole_log_teaches(sessions):
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        clock = VirtualClock()
        for actions in sessions:
            with Feed.open(home, clock=clock, seed=1, flush_interval=0.05) as feed:
                play(feed, clock, actions)
            with_it, without, used = open_both(home)
            assert used and open_both.catalogue_kept  # what the close kept holds, and is used
            assert with_it == without


def test_an_open_from_what_was_kept_reads_no_item_and_no_event(tmp_path, monkeypatch):
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, flush_interval=0.05) as feed:
        play(feed, clock, [("next", 3.0, 0), ("like", 2.0, 0), ("next", 9.0, 0)])
        liked = {item for item in feed.state.liked}

    def unread(*args):
        raise AssertionError("the log was read")

    monkeypatch.setattr(database.Store, "event_table", unread)
    monkeypatch.setattr(database.Store, "whole_catalogue", unread)
    with Feed.open(tmp_path, clock=clock) as feed:
        assert feed.state.liked == liked and len(feed.events) == 7  # with the last dwell
        assert [event.kind for event in feed.events][-4:] == ["like", "dwell", "impression",
                                                              "dwell"]


def test_the_log_read_after_a_close_is_the_sessions_whole_log(tmp_path):
    """The close learns the whole log again for what it keeps, and that log takes the place
    of the one read at open (so the two are not held side by side): what the feed lists
    after it is every event, undone ones apart, as the database has them."""
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, flush_interval=0.05) as feed:
        play(feed, clock, [("next", 3.0, 0), ("like", 2.0, 0), ("next", 9.0, 0)])
    with Feed.open(tmp_path, clock=clock, flush_interval=0.05) as feed:  # from the checkpoint
        play(feed, clock, [("like", 1.0, 0), ("next", 4.0, 0)])
        feed.undo_event(feed.events[-1].id)
        shown = [(event.id, event.kind, event.item_id) for event in feed.events]
        undone = [event.id for event in feed.undone_events]
    with sqlite3.connect(tmp_path / "tuifeed.db") as connection:
        logged = connection.execute(
            "SELECT id, kind, item_id FROM events WHERE id NOT IN "
            "(SELECT event_id FROM event_undos) ORDER BY id").fetchall()
    assert undone and [(event.id, event.kind, event.item_id) for event in feed.events] \
        == logged == shown + [logged[-1]]  # and the dwell the close recorded
    assert [event.id for event in feed.undone_events] == undone


def _home_with_a_session(home: Path) -> VirtualClock:
    clock = VirtualClock()
    with Feed.open(home, clock=clock, seed=1, flush_interval=0.05) as feed:
        play(feed, clock, [("next", 4.0, 0), ("like", 1.0, 0), ("play", 2.0, 70),
                           ("next", 30.0, 0), ("next", 1.0, 0), ("save", 3.0, 0)])
    return clock


def _written_elsewhere(home: Path, statement: str, parameters=()) -> None:
    with sqlite3.connect(home / "tuifeed.db") as connection:
        connection.execute(statement, parameters)


@pytest.mark.parametrize("change", ["event", "undo", "catalogue", "steering", "recipe",
                                    "new item", "refetched", "topic removed", "topic added",
                                    "creator renamed"])
def test_a_checkpoint_that_no_longer_matches_the_home_is_not_used(tmp_path, change):
    clock = _home_with_a_session(tmp_path)
    with Feed.open(tmp_path, clock=clock) as feed:
        watched = feed.events[-1].item_id
        last = max(event.id for event in feed.events)
        before = learned(feed)
    options = {}
    if change == "event":  # another process liked something
        _written_elsewhere(tmp_path, INSERT_EVENT,
                           (last + 100, iso_utc(clock.now() + 5), "demo:0007", "like", None,
                            "elsewhere"))
    elif change == "undo":
        _written_elsewhere(tmp_path, "INSERT INTO event_undos(event_id, ts) VALUES (?, ?)",
                           (last, iso_utc(clock.now() + 5)))
    elif change == "catalogue":  # a fetch said the video lasts longer
        _written_elsewhere(tmp_path, "UPDATE items SET duration = duration * 3 WHERE id = ?",
                           (watched,))
    elif change == "steering":
        _written_elsewhere(tmp_path, "INSERT INTO steering(id, ts, action) VALUES (?, ?, ?)",
                           (last + 100, iso_utc(clock.now() + 5), "reset"))
    elif change == "recipe":
        options["recipe"] = "explore"
    elif change in ("new item", "refetched"):  # a fetch by another process
        store = database.Store(tmp_path / "tuifeed.db")
        with Feed.open(tmp_path, clock=clock) as feed:
            item = feed.item(watched)
        if change == "new item":
            item = replace(item, id="demo:new", title="a new video about swamps")
        store.add_items([replace(item, title=item.title + " again", duration=77.0)])
        store.close()
    elif change == "topic removed":
        _written_elsewhere(tmp_path, "DELETE FROM item_topics WHERE item = (SELECT code FROM"
                           " items WHERE id = ?) AND position = 0", (watched,))
    elif change == "topic added":
        _written_elsewhere(tmp_path, "INSERT INTO item_topics(item, position, topic) SELECT"
                           " code, 9, 1 FROM items WHERE id = ?", (watched,))
    else:
        _written_elsewhere(tmp_path, "UPDATE creators SET name = 'someone else' WHERE code ="
                           " (SELECT creator FROM items WHERE id = ?)", (watched,))
    with_it, without, used = open_both(tmp_path, **options)
    assert not used and with_it == without
    if change not in ("event", "undo", "steering", "recipe"):
        assert not open_both.catalogue_kept  # read again
    if change not in ("event", "undo", "steering", "recipe", "creator renamed"):
        assert with_it["catalogue"] != before["catalogue"]  # (a name is not ranked on)
    if change == "event":
        assert "demo:0007" in with_it["state"][1]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped", "empty", "directory"])
def test_a_damaged_checkpoint_is_a_rebuild_never_an_error(tmp_path, damage):
    clock = _home_with_a_session(tmp_path)
    for path in (checkpoint_path(tmp_path / "tuifeed.db"),
                 catalogue_path(tmp_path / "tuifeed.db")):
        data = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
        elif damage == "flipped":  # a byte of an array changed: the archive's checksum says so
            middle = bytearray(data)
            middle[len(data) // 2] ^= 0xFF
            path.write_bytes(bytes(middle))
        elif damage == "empty":
            path.write_bytes(b"")
        else:
            path.unlink()
            path.mkdir()
    with_it, without, used = open_both(tmp_path)
    assert not used and not open_both.catalogue_kept and with_it == without
    with Feed.open(tmp_path, clock=clock, flush_interval=0.05) as feed:  # and on it goes
        feed.start()
    if damage != "directory":
        assert open_both(tmp_path)[2]  # the clean close wrote a good one again
        assert open_both.catalogue_kept

SESSION = """
import sys
from tuifeed import Feed
from tuifeed.clock import VirtualClock
clock = VirtualClock()
with Feed.open(sys.argv[1], clock=clock, seed=1, flush_interval=0.05) as feed:
    feed.start()
    for step in range(12):
        clock.advance(3.0 + step)
        if step % 3 == 0:
            feed.toggle_like(feed.current.id)
        feed.next()
"""


def test_a_checkpoint_written_by_another_process_holds_its_words_by_name(tmp_path):
    """Word codes follow the order of a set of strings, which differs between processes:
    the word affinities are kept by word, so another process's checkpoint still gives this
    one's model to the bit."""
    import json
    import os
    import subprocess
    import sys

    environment = {**os.environ, "PYTHONHASHSEED": "7"}
    subprocess.run([sys.executable, "-c", SESSION, str(tmp_path)], check=True, timeout=120,
                   env=environment)
    _, arrays = read_arrays(checkpoint_path(tmp_path / "tuifeed.db"))
    words = json.loads(arrays["facts"].tobytes())["model"]["words"]
    with_it, without, used = open_both(tmp_path)  # its catalogue and words, kept
    assert used and open_both.catalogue_kept and open_both.words == words
    assert with_it == without
    catalogue_path(tmp_path / "tuifeed.db").unlink()  # its words are read in this process
    with_it, without, used = open_both(tmp_path)
    assert words != open_both.words  # another order: the test means it
    assert sorted(words) == sorted(open_both.words)
    assert used and with_it == without
    assert any(with_it["model"]["word_long"].values())


def test_another_database_put_in_the_place_of_one_does_not_take_what_it_kept(tmp_path):
    """Two homes whose catalogues changed alike (one change each) but not in the same way:
    one's database copied over the other's is read, not taken for what the other kept."""
    homes = [tmp_path / "one", tmp_path / "two"]
    for home, item in zip(homes, ("demo:0001", "demo:0002")):
        _home_with_a_session(home)
        _written_elsewhere(home, "UPDATE items SET duration = 500 WHERE id = ?", (item,))
        Feed.open(home, clock=VirtualClock()).close()  # each keeps its catalogue as changed
        assert open_both(home)[2] and open_both.catalogue_kept
    assert not (homes[0] / "tuifeed.db-wal").exists()  # closed: the file is all of it
    shutil.copy(homes[1] / "tuifeed.db", homes[0] / "tuifeed.db")
    with_it, without, used = open_both(homes[0])
    assert not open_both.catalogue_kept and not used and with_it == without


def test_a_database_set_aside_takes_what_was_kept_for_it_away(tmp_path):
    _home_with_a_session(tmp_path)
    kept = [checkpoint_path(tmp_path / "tuifeed.db"), catalogue_path(tmp_path / "tuifeed.db")]
    assert all(path.exists() for path in kept)
    database.set_aside(tmp_path / "tuifeed.db", 0.0)
    assert not any(path.exists() for path in kept)


def test_a_fifo_in_the_place_of_a_kept_file_is_passed_by(tmp_path):
    """A hostile home may hold a FIFO where a kept file belongs: opening must not wait on
    it (reading one blocks until someone writes)."""
    import os

    from tuifeed.store.soundness import note_path

    _home_with_a_session(tmp_path)
    database_file = tmp_path / "tuifeed.db"
    for path in (checkpoint_path(database_file), catalogue_path(database_file),
                 note_path(database_file)):
        path.unlink()
        os.mkfifo(path)
    with_it, without, used = open_both(tmp_path)
    assert not used and not open_both.catalogue_kept and with_it == without


def test_the_catalogue_kept_gives_each_item_its_source_and_language(tmp_path):
    """Sources and languages are kept as codes into their names: an open from what was kept
    codes them as an open reading every item does."""
    from tuifeed.models import Item

    items = [Item(id=f"t:{number}", title=f"Harbour {number}", creator=f"c{number % 5}",
                  topics=("snow",), description="", duration=9.0, published=0.0, views=10,
                  likes=1, source=["folder:b", "folder:a", "folder:c"][number % 3],
                  language=["fr", "", "en", "pt"][number % 4]) for number in range(40)]
    clock = VirtualClock()
    Feed.open(tmp_path, clock=clock, seed=1, catalogue=items).close()
    with Feed.open(tmp_path, clock=clock, seed=1) as feed:
        feed.start()
    with_it, without, used = open_both(tmp_path)
    assert used and open_both.catalogue_kept and with_it == without
    names, codes = with_it["catalogue"][3], with_it["catalogue"][5][10]
    assert len(names) == 4  # the demo's and these three
    sources = np.frombuffer(codes[1], np.dtype(codes[0]))
    with Feed.open(tmp_path, clock=clock, seed=1) as feed:
        rows = feed.catalog.index.rows_of([item.id for item in items])
        assert [names[code] for code in sources[rows].tolist()] == \
            [item.source for item in items]
