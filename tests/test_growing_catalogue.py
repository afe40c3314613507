"""The catalogue grows: stable codes, sparse topics, creators by channel, the demo as a source."""

from __future__ import annotations

import sqlite3

import numpy as np

from tuifeed import Feed
from tuifeed.catalogue.ingest import to_items, vocabulary
from tuifeed.sources.base import FetchedItem
from tuifeed.store.sources import ensure_sources


def fetched(number: int, *, topics=(), creator="youtube:UC1", name="Music", title=None,
            **extra) -> FetchedItem:
    return FetchedItem(id=f"t:{number}", title=title or f"Video {number}", creator_id=creator,
                       creator_name=name, topics=tuple(topics), **extra)


def add(feed: Feed, records: list[FetchedItem], source: str = "web") -> None:
    """What a fetch does: clean, normalise, store; then the open feed takes the rows in."""
    ensure_sources(feed.store.connection, {source}, feed.clock.now(), kind="rss")
    words = vocabulary(feed.catalog.topics)
    items, derived = to_items(records, source, feed.clock.now(), words)
    feed.store.add_items(items, derived)
    feed.refresh_catalogue()


def test_codes_are_assigned_once_in_insertion_order(feed):
    before = list(feed.catalog.ids)
    add(feed, [fetched(1), fetched(2)])
    assert feed.catalog.ids[: len(before)] == before  # nothing renumbered
    assert feed.catalog.ids[-2:] == ["t:1", "t:2"]
    with sqlite3.connect(feed.locations.database) as connection:
        codes = dict(connection.execute("SELECT id, code FROM items WHERE id LIKE 't:%'"))
    assert codes == {"t:1": len(before) + 1, "t:2": len(before) + 2}
    add(feed, [fetched(2, title="Renamed"), fetched(3)])  # a refetch keeps the code
    assert feed.catalog.index["t:2"] == len(before) + 1
    assert feed.item("t:2").title == "Renamed"


def test_topics_are_normalised_so_sources_meet(feed):
    add(feed, [fetched(1, topics=["Alligators"]),
               fetched(2, topics=["#alligators ", "Swamp Life"])])
    assert feed.item("t:1").topics == ("alligators",)
    assert feed.item("t:2").topics == ("alligators", "swamp-life")
    assert feed.catalog.topics.count("alligators") == 1  # the demo's own topic, shared


def test_items_without_tags_get_topics_from_their_text(feed):
    add(feed, [fetched(1, title="Three alligators at dawn"),
               fetched(2, title="Harbour", description="a calm day #Sailing"),
               fetched(3, title="Quiet morning in Marseille")])
    assert feed.item("t:1").topics == ("alligators",)  # a title word that is a known topic
    assert feed.item("t:2").topics == ("sailing",)  # a hashtag
    assert feed.item("t:3").topics == ("marseille", "morning")  # long words, no stop words


def test_creators_are_told_apart_by_channel_not_by_name(feed):
    add(feed, [fetched(1, creator="youtube:UCa", name="Music"),
               fetched(2, creator="peertube:tube.example:music", name="Music")])
    rows = [feed.catalog.index["t:1"], feed.catalog.index["t:2"]]
    codes = feed.catalog.creator_codes[rows]
    assert codes[0] != codes[1]
    feed.signal("t:1", "like")
    creator_affinity = feed.model.at(feed.clock.now()).creator
    assert creator_affinity[codes[0]] > 0 and creator_affinity[codes[1]] == 0


def test_the_sparse_topic_matrix_matches_a_dense_one_built_from_the_items(feed):
    add(feed, [fetched(n, topics=[f"tag{n % 7}", f"tag{n % 3}", "alligators"][: 1 + n % 3])
               for n in range(40)])
    catalog = feed.catalog
    dense = np.zeros((len(catalog), len(catalog.topics)))
    for row, item in enumerate(catalog.items):
        for topic in item.topics:
            dense[row, catalog.topic_index[topic]] = 1 / len(item.topics)
    values = np.random.default_rng(3).normal(size=len(catalog.topics))
    assert np.allclose(catalog.spread_topics(values), dense @ values)
    rows = np.array([0, 5, len(catalog) - 1, len(catalog) - 1])
    weights = np.array([1.0, -2.0, 0.5, 0.25])
    hot = (dense > 0).astype(float)
    assert np.allclose(catalog.topic_totals(rows, weights), hot[rows].T @ weights)
    many = np.arange(len(catalog))  # the path for many rows gives the same sums
    assert np.allclose(catalog.topic_totals(many, np.ones(len(many))), hot.sum(axis=0))


def test_what_was_learned_survives_growth_and_new_items_reach_the_queue(feed):
    first = feed.start()
    feed.signal(first.id, "like")
    topic = first.topics[0]
    code = feed.catalog.topic_index[topic]
    before = feed.model.at(feed.clock.now()).topic[code]
    add(feed, [fetched(n, topics=[topic, "brand-new-topic"]) for n in range(5)])
    assert feed.model.at(feed.clock.now()).topic[code] == before
    queue = [entry.item.id for entry in feed.upcoming(len(feed.catalog))]
    assert {f"t:{n}" for n in range(5)} <= set(queue)


def test_the_demo_is_installed_once_and_can_be_removed_and_brought_back(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        demo_count = len(feed.catalog)
        feed.signal("demo:0001", "like")
        with feed.store.connection as connection:  # a later fetch would refresh it; an
            connection.execute("UPDATE items SET title = 'kept' WHERE id = 'demo:0001'")
    with Feed.open(isolated_home, clock=clock) as feed:  # ...but opening does not rewrite it
        assert feed.item("demo:0001").title == "kept"
        feed.remove_source("demo")
        assert feed.upcoming(5) == []
        assert [event.item_id for event in feed.events] == ["demo:0001"]  # events stay
    with Feed.open(isolated_home, clock=clock) as feed:
        assert feed.upcoming(5) == []  # removal lasts
        feed.add_source("demo")
        assert len(feed.catalog) == demo_count and len(feed.upcoming(5)) == 5


def test_an_item_without_duration_still_teaches_from_a_dwell(feed):
    add(feed, [fetched(1, topics=["pottery"])])
    assert feed.item("t:1").duration == 0  # unknown
    feed.signal("t:1", "dwell", 45.0)  # 45 s of an assumed 60 s
    code = feed.catalog.topic_index["pottery"]
    assert feed.model.at(feed.clock.now()).topic[code] > 0


def test_hostile_text_and_numbers_from_a_source_are_cleaned(feed):
    add(feed, [fetched(1, title="\x1b]52;c;cHduZWQ=\x07Free \x1b[31mprizes", name="[b]x[/b]",
                       topics=["\x1b[2J", "  "], views=-5, likes=10**30, published=1e300,
                       duration=float("nan"))])
    item = feed.item("t:1")
    assert item.title == "Free prizes" and item.creator == "[b]x[/b]"
    assert item.views == 0 and item.likes == 0 and item.duration == 0
    assert item.published == feed.clock.now()  # an impossible date: first seen now


def test_a_version_3_database_moves_its_items_into_the_new_tables(tmp_path, clock):
    from tuifeed.store.schema import MIGRATIONS

    home = tmp_path / "home"
    home.mkdir()
    with sqlite3.connect(home / "tuifeed.db") as connection:
        for version in (1, 2, 3):
            for statement in MIGRATIONS[version]:
                connection.execute(statement)
        connection.execute("PRAGMA user_version = 3")
        connection.execute(
            "INSERT INTO items VALUES ('web:1', 'web', 'Two cats', 'Music', '[\"cats\", \"fun\"]',"
            " '', 30, '2026-01-01T00:00:00.500000Z', 10, 1, '', '')")
        connection.execute("INSERT INTO follows VALUES ('Music', '2026-01-01T00:00:00Z')")
    with Feed.open(home, clock=clock) as feed:
        item = feed.item("web:1")
        assert item.topics == ("cats", "fun") and item.creator == "Music"
        assert item.creator_id == "web:Music" and item.published == 1767225600.5
        assert feed.store.follows() == {"web:Music"}
        assert feed.catalog.index["web:1"] == 0  # the old item keeps the first code


# -- the shortcuts taken for common text give what the general rules give --------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tuifeed.catalogue import ingest, topics  # noqa: E402

ADDRESS_PARTS = st.sampled_from(["http://", "https://", "HTTP://", "http:/", "ftp://", "",
                                 "javascript:", "//", "http://[", "https://[::1]"])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=45) | st.from_regex(r"\A[A-Za-z0-9]{1,60}\Z"))
def test_a_plain_word_is_normalised_as_the_general_rule_would(word):
    assert topics.normalise_topic(word) == topics._normalised(word)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(ADDRESS_PARTS, st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF),
                              max_size=20))
def test_an_address_taken_at_a_glance_is_one_a_parser_takes(prefix, rest):
    address = prefix + rest
    if ingest._plainly_web(address):
        assert ingest._web(address)
    assert ingest.Addresses().check(address) in ("", address)  # never raises


def test_an_unparsable_web_address_is_dropped_not_a_crash():
    addresses = ingest.Addresses()
    assert addresses.check("http://[oops/video.mp4") == ""
    assert addresses.dropped == 1
