"""What steering reaches: how many items each mute hides now (and which), and boosts or mutes
of a topic or creator no item has yet, which apply when a source brings one."""

from __future__ import annotations

import json
import sqlite3

from tuifeed import Feed
from tuifeed.ranking.words import matches

from test_fetch import tuifeed


def item_texts(database) -> dict[str, str]:
    """id -> title, description and tags, read straight from the SQLite file."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id, title, description, topics FROM item_list")
        return {item_id: "\n".join((title, description, " ".join(json.loads(topics))))
                for item_id, title, description, topics in rows}


def test_steer_show_counts_and_lists_what_each_mute_hides(isolated_home):
    assert tuifeed("steer", "mute", "word", "Cat", home=isolated_home).returncode == 0
    assert tuifeed("steer", "mute", "topic", "birds", home=isolated_home).returncode == 0
    database = isolated_home / "tuifeed.db"
    texts = item_texts(database)
    with sqlite3.connect(database) as connection:
        birds = {item_id for item_id, topics in connection.execute(
            "SELECT id, topics FROM item_list") if "birds" in json.loads(topics)}
    cats = {item_id for item_id, text in texts.items() if matches("Cat", text)}
    assert cats and birds

    shown = json.loads(tuifeed("steer", "show", "--json", home=isolated_home).stdout)
    by_mute = {(mute["target"], mute["name"]): mute for mute in shown["mutes"]}
    assert set(by_mute[("word", "Cat")]["hidden"]) == cats
    assert by_mute[("word", "Cat")]["hides"] == len(cats)
    assert set(by_mute[("topic", "birds")]["hidden"]) == birds

    text = tuifeed("steer", "show", home=isolated_home).stdout
    lines = text.splitlines()
    head = lines.index(f"  mute word Cat: hides {len(cats)} items now")
    listed = [line.split()[0] for line in lines[head + 1: head + 4]]
    assert len(listed) == 3 and set(listed) <= cats
    assert lines[head + 4] == f"      and {len(cats) - 3} more (--json lists every one)"
    assert f"  mute topic birds: hides {len(birds)} items now" in lines
    ranked = json.loads(tuifeed("rank", "--limit", "500", "--json", home=isolated_home).stdout)
    assert not {entry["id"] for entry in ranked} & (cats | birds)


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "Studio",
    "items": [
        {"id": "p1", "title": "Throwing a bowl on the wheel", "tags": ["Pottery"],
         "url": "https://example.invalid/p1", "date_published": "2026-10-31T10:00:00Z",
         "authors": [{"name": "Clay Ada"}],
         "attachments": [{"url": "https://example.invalid/p1.mp4", "mime_type": "video/mp4",
                          "duration_in_seconds": 40}]},
        {"id": "p2", "title": "Trimming day", "tags": ["pottery"],
         "url": "https://example.invalid/p2", "date_published": "2026-10-31T11:00:00Z",
         "authors": [{"name": "Kiln Kim"}],
         "attachments": [{"url": "https://example.invalid/p2.mp4", "mime_type": "video/mp4",
                          "duration_in_seconds": 30}]},
    ],
}


def test_steering_what_no_item_has_yet_applies_when_a_source_brings_it(server, isolated_home):
    boost = tuifeed("steer", "boost", "topic", "#Pottery", "2", home=isolated_home)
    assert boost.returncode == 0, boost.stderr
    assert boost.stdout.splitlines() == ["steering 1: boost #pottery +2",
                                         "no item has #pottery yet; applies when one arrives"]
    mute = tuifeed("steer", "mute", "creator", "@Kiln Kim", home=isolated_home)
    assert mute.stdout.splitlines()[1] == "no item has @Kiln Kim yet; applies when one arrives"
    # A known name says nothing more; a near miss of one is taken for a typo, unless --new.
    assert tuifeed("steer", "boost", "topic", "birds", "1",
                   home=isolated_home).stdout.count("\n") == 1
    typo = tuifeed("steer", "mute", "topic", "aligators", home=isolated_home)
    assert typo.returncode == 2 and typo.stderr == (
        "tuifeed: unknown topic 'aligators'; did you mean alligators? (to mute a topic no item "
        "has yet, add --new)\n")
    insisted = tuifeed("steer", "mute", "topic", "aligators", "--new", home=isolated_home)
    assert insisted.stdout.splitlines()[1] == "no item has #aligators yet; applies when one arrives"
    assert tuifeed("steer", "undo", home=isolated_home).returncode == 0

    server.route("/studio.json", json.dumps(JSON_FEED), content_type="application/feed+json")
    assert tuifeed("sources", "add", server.url("/studio.json"), "--kind", "jsonfeed",
                   home=isolated_home).returncode == 0
    fetched = tuifeed("fetch", home=isolated_home)
    assert fetched.returncode == 0, fetched.stderr

    ranked = json.loads(tuifeed("rank", "--limit", "500", "--json", home=isolated_home).stdout)
    ids = [entry["id"] for entry in ranked]
    pottery = [entry for entry in ranked if "pottery" in entry["topics"]]
    assert [entry["creator"] for entry in pottery] == ["Clay Ada"]  # Kiln Kim's is muted
    assert pottery[0]["contributions"]["boost_topic"] > 0
    assert ids.index(pottery[0]["id"]) < 3  # a +2 boost lifts it to the top of the queue
    shown = json.loads(tuifeed("steer", "show", "--json", home=isolated_home).stdout)
    kiln = next(mute for mute in shown["mutes"] if mute["name"] == "Kiln Kim")
    assert kiln["hides"] == 1
    # Unmuting finds the name it was muted under.
    assert tuifeed("steer", "unmute", "creator", "Kiln Kim", home=isolated_home).returncode == 0


def test_unmute_or_forget_of_a_name_nobody_has_is_refused(isolated_home):
    result = tuifeed("steer", "unmute", "topic", "aligators", home=isolated_home)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == "tuifeed: unknown topic 'aligators'; did you mean alligators?"
    result = tuifeed("steer", "forget", "topic", "pottery", home=isolated_home)
    assert result.returncode == 2 and "unknown topic 'pottery'" in result.stderr


def test_a_note_only_for_what_no_item_has(feed: Feed):
    assert feed.steering_note(feed.steer("boost", "topic", "cats", 1)) is None
    assert feed.steering_note(feed.steer("mute", "word", "zzyzx")) is None  # words: no note
    note = feed.steering_note(feed.steer("mute", "topic", "Salsa Dancing"))
    assert note == "no item has #salsa-dancing yet; applies when one arrives"
