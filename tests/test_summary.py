"""Your algorithm in words: every number the summary quotes is recomputed here from the log
(read from SQLite), from the profile, or from a second feed that lived only until yesterday;
the card is valid SVG whatever the names hold."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from xml.etree import ElementTree

import pytest

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.ranking.words import matches

from test_growing_catalogue import add, fetched

DAY = 86_400.0
SVG = "{http://www.w3.org/2000/svg}"


def by_topic(feed: Feed, topic: str, count: int) -> list[str]:
    return [item.id for item in feed.catalog.items if topic in item.topics][:count]


def live(feed: Feed, clock: VirtualClock, until_yesterday: bool = False) -> None:
    """Two days ago: cooking liked. Yesterday, late: one alligator card. Today: more
    alligators, birds liked, hiking skipped four times in five."""
    for item_id in by_topic(feed, "cooking", 3):
        feed.signal(item_id, "impression")
        clock.advance(20)
        feed.signal(item_id, "dwell", 20)
        feed.signal(item_id, "like")
    clock.advance(DAY - 300)
    first, *rest = by_topic(feed, "alligators", 4)
    feed.signal(first, "impression")
    feed.signal(first, "dwell", 15)
    if until_yesterday:
        return
    clock.advance(DAY)
    for item_id in rest + by_topic(feed, "birds", 2):
        feed.signal(item_id, "impression")
        clock.advance(30)
        feed.signal(item_id, "dwell", 30)
        feed.signal(item_id, "like")
    for number, item_id in enumerate(by_topic(feed, "hiking", 5)):
        feed.signal(item_id, "impression")
        clock.advance(1)
        feed.signal(item_id, "dwell", 1 if number else 40)
        if number:
            feed.signal(item_id, "skip")


def topics_of(database) -> dict[str, list[str]]:
    with sqlite3.connect(database) as connection:
        return {item_id: json.loads(topics) for item_id, topics in
                connection.execute("SELECT id, topics FROM item_list")}


def logged(database, kind: str) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [item_id for (item_id,) in connection.execute(
            "SELECT item_id FROM events WHERE kind = ? ORDER BY id", (kind,))]


def test_every_number_quoted_is_the_log_s_the_profile_s_or_yesterday_s(tmp_path):
    clock, then = VirtualClock(), VirtualClock()
    with Feed.open(tmp_path / "now", clock=clock, seed=1) as feed, \
            Feed.open(tmp_path / "yesterday", clock=then, seed=1) as yesterday:
        live(feed, clock)
        live(yesterday, then, until_yesterday=True)
        then.advance(clock.now() - DAY - then.now())
        feed.steer("mute", "word", "cat")
        feed.flush()
        sentences = feed.summary()
        facts = feed.summary_facts()
        profile = {(i.kind, i.name): i for i in feed.profile()}
        before = {(i.kind, i.name): i.total for i in yesterday.profile()}
    # Every rise is measured against what a feed that lived only until yesterday learned.
    assert sum(1 for value in before.values() if value) >= 5
    for rise in facts.rises:
        assert rise.before == pytest.approx(before.get((rise.kind, rise.name), 0.0), abs=1e-9)
        assert rise.now == profile[(rise.kind, rise.name)].total
    database = tmp_path / "now" / "tuifeed.db"
    topics = topics_of(database)
    text = " ".join(sentences)

    lately = re.search(r"Lately mostly ([#@])(\S+) \(([-+]\d+\.\d\d)\) and ([#@])(\S+) "
                       r"\(([-+]\d+\.\d\d)\)", text)
    assert lately, text
    top = sorted(profile.values(), key=lambda i: -i.short)[:2]
    assert [(lately[2], float(lately[3])), (lately[5], float(lately[6]))] == \
        [(i.name, round(i.short, 2)) for i in top]

    rising = re.search(r"([#@])(\S+) rising since yesterday: ([-+]\d+\.\d\d) a day ago, "
                       r"([-+]\d+\.\d\d) now", text)
    assert rising, text
    kind = "topic" if rising[1] == "#" else "creator"
    assert float(rising[3]) == round(before.get((kind, rising[2]), 0.0), 2)
    assert float(rising[4]) == round(profile[(kind, rising[2])].total, 2)
    rises = {key: interest.total - before.get(key, 0.0) for key, interest in profile.items()
             if key not in {(i.kind, i.name) for i in top}}
    assert (kind, rising[2]) == max(rises, key=rises.get)

    shown = Counter(topic for item_id in logged(database, "impression")
                    for topic in topics[item_id])
    skipped = Counter(topic for item_id in logged(database, "skip") for topic in topics[item_id])
    assert f"You skip #hiking within 2 s: {skipped['hiking']} of the {shown['hiking']} " \
           f"#hiking cards you were shown." in sentences
    assert (skipped["hiking"], shown["hiking"]) == (4, 5)

    last = [topics[item_id][0] for item_id in logged(database, "impression")][-50:]
    (main, count), = Counter(last).most_common(1)
    assert f"Of your last {len(last)} cards, {count} were #{main} " \
           f"({count / len(last):.0%})." in sentences

    with sqlite3.connect(database) as connection:
        texts = [f"{title}\n{description}\n{' '.join(json.loads(tags))}"
                 for title, description, tags
                 in connection.execute("SELECT title, description, topics FROM item_list")]
    cats = sum(matches("cat", text) for text in texts)
    assert f"Your steering: mute word cat (hides {cats} items)." in sentences


def test_skips_recorded_without_a_showing_are_not_said_to_be_of_the_cards_shown(tmp_path):
    """Skips signalled by hand (or imported) with fewer showings of the topic: the sentence
    gives both numbers as they are, never "7 of the 1 cards you were shown"."""
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, seed=1) as feed:
        hiking = by_topic(feed, "hiking", 4)
        feed.signal(hiking[0], "impression")
        for item_id in hiking:
            clock.advance(5)
            feed.signal(item_id, "skip")
        feed.flush()
        sentences = feed.summary()
    assert ("You skip #hiking within 2 s: 4 times, though only 1 #hiking card was shown "
            "here (skips recorded by hand or imported count too).") in sentences
    assert not any("of the 1 #hiking cards" in sentence for sentence in sentences)


@pytest.mark.parametrize("cards", [1, 2])
def test_the_last_cards_sentence_agrees_with_its_numbers(tmp_path, cards):
    """One card: "Your last card was #x", never "Of your last 1 cards"; one of two on the
    main topic: "1 was", never "1 were"."""
    with Feed.open(tmp_path, clock=VirtualClock(), seed=1) as feed:
        shown = [feed.next() for _ in range(cards)]
        feed.flush()
        sentences = feed.summary()
    main = [item.topics[0] for item in shown]
    if cards == 1:
        assert f"Your last card was #{main[0]}." in sentences
    else:
        (topic, count), = Counter(main).most_common(1)
        verb = "was" if count == 1 else "were"
        assert f"Of your last 2 cards, {count} {verb} #{topic} ({count / 2:.0%})." in sentences
    assert not any("last 1 cards" in sentence or " 1 were " in sentence
                   for sentence in sentences)


def test_a_new_viewer_is_told_nothing_is_learned_yet(feed):
    assert feed.summary() == ["Nothing learned yet: watch, like or skip a few videos first."]


def run(home, now: float, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": repr(now)}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def lived_home(isolated_home, clock):
    """A home with a past, one creator's name full of markup and XML, and a mute."""
    with Feed.open(isolated_home, clock=clock, seed=1) as feed:
        add(feed, [fetched(1, title="Odd one", creator="web:odd", name='<b>"A&B"</b> [red]x')])
        live(feed, clock)
        for _ in range(3):
            feed.signal("t:1", "like")
        feed.steer("mute", "word", "cat")
        summary = feed.summary()
        found = feed.profile()
    return isolated_home, clock.now(), summary, found


def test_profile_opens_with_the_summary_and_writes_it_as_an_svg_card(lived_home, tmp_path):
    home, now, summary, found = lived_home
    card = tmp_path / "card.svg"
    result = run(home, now, "profile", "--card", str(card))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[: len(summary)] == summary and lines[len(summary)] == ""
    assert lines[len(summary) + 1].startswith("interest")
    assert lines[-1] == f"card written to {card}"

    root = ElementTree.parse(card).getroot()  # well-formed: every name escaped
    texts = [element.text or "" for element in root.iter(f"{SVG}text")]
    assert texts[0] == "My tuifeed algorithm"
    body = " ".join(texts[2: texts.index("Strongest interests")])
    assert body == " ".join(summary)
    odd = next(i for i in found if i.kind == "creator" and i.name.startswith("<b>"))
    assert '@<b>"A&B"</b> [red]x' in texts and odd in found[:5]
    interests = texts[texts.index("Strongest interests") + 1:]
    assert interests[1::2] == [f"{i.total:+.2f}" for i in found[:5]]


def test_the_card_as_text_and_bad_targets(lived_home, tmp_path):
    home, now, summary, _ = lived_home
    card = tmp_path / "card.txt"
    assert run(home, now, "profile", "--card", str(card)).returncode == 0
    written = card.read_text("utf-8").splitlines()
    assert written[0].startswith("My tuifeed algorithm, ") and written[2: 2 + len(summary)] \
        == summary
    for target, message in [(home / "tuifeed.db", "is tuifeed's own database"),
                            (tmp_path, "is not a regular file")]:
        result = run(home, now, "profile", "--card", str(target))
        assert result.returncode == 2 and result.stdout == ""
        assert message in result.stderr and len(result.stderr.splitlines()) == 1
