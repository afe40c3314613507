"""Languages, where items carry them: read from the sources that say (PeerTube, JSON Feed,
RSS and Atom), kept in the store, learned as a taste and explained."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tuifeed import Feed
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.languages import language_code
from tuifeed.models import Item
from tuifeed.store import SCHEMA_VERSION

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(("tag", "code"), [
    ("en", "en"), ("en-US", "en"), ("EN_gb", "en"), (" fr-CA ", "fr"), ("pt-BR", "pt"),
    ("zh-Hant-TW", "zh"), ("gsw", "gsw"), ("sr-Latn", "sr"),
    ("", ""), ("und", ""), ("mul", ""), ("x-klingon", ""), ("i-navajo", ""), ("english", ""),
    ("e", ""), ("12", ""), ("fr\x1b[31m", ""), (None, ""), (7, ""),
])
def test_a_language_tag_is_reduced_to_its_primary_subtag(tag, code):
    assert language_code(tag) == code


# -- read from the sources, through a real HTTP server ----------------------------------------

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>Bike news</title><link>https://bikes.example/</link><language>en-US</language>
  <item><title>Chain care</title><link>https://bikes.example/chain</link>
    <enclosure url="https://bikes.example/chain.mp4" type="video/mp4" length="1"/></item>
  <item><title>Entretien de la chaîne</title><link>https://bikes.example/chaine</link>
    <dc:language>fr-FR</dc:language>
    <enclosure url="https://bikes.example/chaine.mp4" type="video/mp4" length="1"/></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de-DE">
  <title>Wandern</title><id>urn:wandern</id><updated>2026-10-01T00:00:00Z</updated>
  <entry><title>Am Gipfel</title><id>urn:gipfel</id><updated>2026-10-01T00:00:00Z</updated>
    <link rel="alternate" href="https://wandern.example/gipfel"/></entry>
  <entry xml:lang="es"><title>En la cumbre</title><id>urn:cumbre</id>
    <updated>2026-10-01T00:00:00Z</updated>
    <link rel="alternate" href="https://wandern.example/cumbre"/></entry>
</feed>"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "Cozinha", "language": "pt-BR",
    "items": [
        {"id": "1", "url": "https://cozinha.example/arroz", "title": "Arroz soltinho"},
        {"id": "2", "url": "https://cozinha.example/ramen", "title": "Ramen", "language": "ja"},
    ],
}

NO_LANGUAGE_RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>
  <item><title>Untold</title><link>https://quiet.example/1</link></item></channel></rss>"""


def serve_peertube(server) -> dict[str, str]:
    """The PeerTube list endpoint, its videos' languages changed: one Brazilian Portuguese,
    one unset (PeerTube sends a null id), the rest as the fixture has them (English)."""
    listing = json.loads((FIXTURES / "peertube" / "videos.json").read_text(encoding="utf-8"))
    listing["data"][0]["language"] = {"id": "pt-br", "label": "Portuguese (Brazil)"}
    listing["data"][1]["language"] = {"id": None, "label": "Unknown"}

    def answer(request):
        query = parse_qs(urlsplit(request.path).query)
        start, count = int(query["start"][0]), int(query["count"][0])
        page = {"total": listing["total"], "data": listing["data"][start:start + count]}
        return 200, {"Content-Type": "application/json"}, json.dumps(page).encode()

    server.handle("/api/v1/videos", answer)
    for video in listing["data"]:
        detail = FIXTURES / "peertube" / f"video-{video['uuid']}.json"
        server.route(f"/api/v1/videos/{video['uuid']}", detail.read_bytes(),
                     content_type="application/json")
    return {video["uuid"]: (video["language"] or {}).get("id") or "" for video in
            listing["data"]}


def test_fetched_items_carry_the_language_their_source_says(server, isolated_home, clock):
    server.route("/news.rss", RSS, content_type="application/rss+xml")
    server.route("/wandern.atom", ATOM, content_type="application/atom+xml")
    server.route("/cozinha.json", json.dumps(JSON_FEED), content_type="application/feed+json")
    server.route("/quiet.rss", NO_LANGUAGE_RSS, content_type="application/rss+xml")
    peertube = serve_peertube(server)
    with Feed.open(isolated_home, clock=clock) as feed:
        for name, path, kind in (("news", "/news.rss", "rss"), ("wandern", "/wandern.atom", "rss"),
                                 ("cozinha", "/cozinha.json", "jsonfeed"),
                                 ("quiet", "/quiet.rss", "rss"), ("tube", "/", "peertube")):
            feed.add_source(server.url(path), name=name, kind=kind)
        reports = feed.fetch()
        assert not [report.error for report in reports if report.error]
    # Read back from the store by a new process's worth of state: the language was kept.
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        by_title = {}
        for item_id in feed.catalog.ids:
            item = feed.item(item_id)
            by_title[item.title] = item.language
            if item.id.startswith("peertube:"):
                uuid = item.id.rsplit(":", 1)[1]
                assert item.language == peertube[uuid].split("-")[0], item.title
    assert by_title["Chain care"] == "en"  # the channel's <language>en-US</language>
    assert by_title["Entretien de la chaîne"] == "fr"  # its own dc:language wins
    assert by_title["Am Gipfel"] == "de"  # the Atom feed's xml:lang
    assert by_title["En la cumbre"] == "es"  # the entry's own xml:lang
    assert by_title["Arroz soltinho"] == "pt"  # JSON Feed 1.1's feed-level language
    assert by_title["Ramen"] == "ja"
    assert by_title["Untold"] == ""
    assert sorted(set(peertube.values())) == ["", "en", "pt-br"]


def test_a_refetch_that_says_nothing_keeps_the_known_language(server, isolated_home, clock):
    server.route("/news.rss", RSS, content_type="application/rss+xml")
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.add_source(server.url("/news.rss"), name="news", kind="rss")
        feed.fetch()
        server.route("/news.rss", RSS.replace("<language>en-US</language>", ""),
                     content_type="application/rss+xml")
        feed.fetch()
        languages = {feed.item(item_id).title: feed.item(item_id).language
                     for item_id in feed.catalog.ids if item_id.startswith("rss:")}
        assert languages == {"Chain care": "en", "Entretien de la chaîne": "fr"}
        row = feed.catalog.index[next(i for i in feed.catalog.ids
                                      if feed.item(i).title == "Chain care")]
        assert feed.catalog.language_names[feed.catalog.language_codes[row]] == "en"


# -- old homes ---------------------------------------------------------------------------------


def test_a_home_from_before_languages_opens_and_keeps_everything(tmp_path, clock):
    """A version 7 home (no language column) is migrated: items and events kept, every item
    of unknown language, and items fetched later get theirs."""
    home = tmp_path / "home"
    with Feed.open(home, clock=clock) as feed:
        first = feed.start()
        feed.signal(first.id, "like")
        count = len(feed.catalog)
    with sqlite3.connect(home / "tuifeed.db") as connection:  # as version 7 left it
        for view in ("event_log", "item_list"):  # version 7's views, without the language
            connection.execute(f"DROP VIEW {view}")
        connection.execute("ALTER TABLE items DROP COLUMN language")
        connection.executescript(V7_VIEWS)
        connection.execute("PRAGMA user_version = 7")
        connection.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    connection.close()
    with Feed.open(home, clock=clock) as feed:
        assert feed.store.schema_version == SCHEMA_VERSION >= 8
        listed = feed.store.connection.execute(
            "SELECT DISTINCT language FROM item_list").fetchall()
        assert listed == [("",)]
        logged = feed.store.connection.execute(
            "SELECT kind, item_id, undone FROM event_log WHERE kind = 'like'").fetchall()
        assert logged == [("like", first.id, 0)]
        assert len(feed.catalog) == count
        assert any(event.kind == "like" and event.item_id == first.id for event in feed.events)
        assert {feed.item(item_id).language for item_id in feed.catalog.ids} == {""}
        assert (feed.catalog.language_codes == -1).all()


def test_a_version_1_home_upgrades_with_no_languages(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(FIXTURES / "tuifeed-v1.db", home / "tuifeed.db")
    with Feed.open(home) as feed:
        columns = [row[1] for row in feed.store.connection.execute("PRAGMA table_info(items)")]
        assert "language" in columns
        assert {feed.item(item_id).language for item_id in feed.catalog.ids} == {""}


V7_VIEWS = """
CREATE VIEW item_list AS
SELECT i.code, i.id, i.source, i.title, c.name AS creator, c.key AS creator_id,
       (SELECT json_group_array(name) FROM (
            SELECT tp.name FROM item_topics it JOIN topics tp ON tp.code = it.topic
            WHERE it.item = i.code ORDER BY it.position)) AS topics,
       i.description, i.duration, i.published, i.views, i.likes, i.thumbnail, i.url,
       i.page_url, i.short_form
FROM items i JOIN creators c ON c.code = i.creator;
CREATE VIEW event_log AS
SELECT e.id, e.ts, e.kind, e.value, e.item_id, i.title, i.creator, i.topics,
       e.session_id, CAST(u.event_id IS NOT NULL AS INTEGER) AS undone
FROM events e
LEFT JOIN item_list i ON i.id = e.item_id
LEFT JOIN event_undos u ON u.event_id = e.id;
"""


# -- the term -----------------------------------------------------------------------------------


def make_item(number: int, language: str, creator: str) -> Item:
    return Item(id=f"l:{number:03d}", title=f"Clip {number}", creator=creator, topics=("misc",),
                description="", duration=30.0, published=VIRTUAL_EPOCH - 3600 - number,
                views=1000, likes=50, language=language)


def test_a_taste_for_a_language_is_learned_and_explained(tmp_path):
    """Three French clips watched through, three English ones skipped: French clips by
    creators never met come before English ones, and Why this? says it is the language."""
    languages = ["fr", "en", ""]
    catalogue = [make_item(n, languages[n % 3], f"creator{n}") for n in range(60)]
    clock = VirtualClock()
    with Feed.open(tmp_path / "home", clock=clock, catalogue=catalogue) as feed:
        taught = {"fr": 0, "en": 0}
        for item in catalogue:
            if item.language in taught and taught[item.language] < 3:
                taught[item.language] += 1
                feed.signal(item.id, "impression")
                clock.advance(30.0 if item.language == "fr" else 1.0)
                feed.signal(item.id, "dwell", 30.0 if item.language == "fr" else 1.0)
                if item.language == "en":
                    feed.signal(item.id, "skip")
        upcoming = feed.upcoming(10)
        assert [entry.item.language for entry in upcoming].count("fr") >= 8
        ranked = {entry.item.language: entry for entry in feed.upcoming(60)}
        assert ranked["fr"].contributions["language"] > 0 > ranked["en"].contributions["language"]
        assert ranked[""].contributions["language"] == 0.0
        french = feed.why(ranked["fr"].item.id)
        line = next(line for line in french.lines if line.name == "language")
        assert line.sentence.startswith("in fr: ") and "3 dwells" in line.sentence
        assert {evidence.about for evidence in line.evidence} == {"fr"}
        assert len(line.evidence) == 6  # each French clip's showing and dwell
        unknown = feed.why(ranked[""].item.id)
        assert next(line for line in unknown.lines if line.name == "language").sentence == (
            "no source said its language: language does not count for it")


def test_an_export_carries_the_language_and_an_older_export_reads_as_unknown(
        server, tmp_path, clock):
    from tuifeed.store.portable import export_file, import_file

    server.route("/news.rss", RSS, content_type="application/rss+xml")
    with Feed.open(tmp_path / "first", clock=clock) as feed:
        feed.add_source(server.url("/news.rss"), name="news", kind="rss")
        feed.fetch()
        french = next(i for i in feed.catalog.ids if feed.item(i).language == "fr")
        feed.signal(french, "like")
        feed.flush()
        export = tmp_path / "log.jsonl"
        export_file(feed.store, feed.locations.recipes, clock.now(), export)
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    [record] = [line for line in lines if line["type"] == "item"]
    assert record["language"] == "fr"
    older = tmp_path / "older.jsonl"  # as an export from before languages: no such field
    older.write_text("".join(json.dumps({key: value for key, value in line.items()
                                         if key != "language"}) + "\n" for line in lines),
                     encoding="utf-8")
    for name, source, language in (("second", export, "fr"), ("third", older, "")):
        with Feed.open(tmp_path / name, clock=VirtualClock()) as feed:
            import_file(feed.store, feed.locations.recipes, source)
        with Feed.open(tmp_path / name, clock=VirtualClock()) as feed:
            assert feed.item(french).language == language
