"""YouTube, RSS/Atom/Media RSS and JSON Feed sources: what a viewer would see from each
format, conditional fetches against a real local server, and hostile or broken input."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tuifeed.sources import youtube
from tuifeed.sources.base import FetchError, stable_id
from tuifeed.sources.feeds import (
    fetch_json_feed,
    fetch_rss,
    html_to_text,
    parse_date,
    parse_duration,
    parse_feed,
    parse_json_feed,
    sniff_kind,
)
from tuifeed.sources.http import HttpClient
from tuifeed.sources.youtube import looks_like_youtube, parse_youtube, youtube_feed_url

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
CHANNEL = "UCtuifeedTestChannel0001"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def unix(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def by_title(items) -> dict:
    return {item.title: item for item in items}


# -- YouTube --------------------------------------------------------------------------------


def test_youtube_channel_feed_gives_what_a_viewer_sees():
    url = f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"
    items = parse_youtube(fixture("youtube_channel.xml"), url)

    assert [item.id for item in items] == ["yt:tfBread0001", "yt:tfShort0002",
                                           "yt:tfBread0003", "yt:tfBread0004"]
    first, short, rye, live = items
    assert first.title == "Sourdough starter from scratch & day-by-day"
    assert rye.title == "Rye bread <100% hydration> explained"  # entities decoded, no HTML
    assert {item.creator_name for item in items} == {"Crumb & Crust Bakery"}
    assert {item.creator_id for item in items} == {f"youtube:{CHANNEL}"}
    assert first.description.startswith("Seven days, one jar")
    assert "\n\nChapters" in first.description  # line breaks kept; the catalogue decides
    assert (first.views, first.likes) == (183204, 4821)
    assert (short.views, short.likes) == (0, 0)
    assert first.published == unix("2024-03-01T15:30:00")
    assert live.published == unix("2024-02-10T20:00:00")  # bad <published>: <updated> instead
    assert first.thumbnail_url == "https://i1.ytimg.com/vi/tfBread0001/hqdefault.jpg"
    assert all(item.duration is None and item.topics == () for item in items)

    assert [item.short_form for item in items] == [False, True, False, False]
    assert short.page_url == "https://www.youtube.com/shorts/tfShort0002"
    assert short.media_url == "https://www.youtube.com/watch?v=tfShort0002"
    assert first.page_url == first.media_url == "https://www.youtube.com/watch?v=tfBread0001"


def test_youtube_items_are_the_same_across_two_parses_and_both_feed_kinds():
    body = fixture("youtube_channel.xml")
    url = f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"
    assert parse_youtube(body, url) == parse_youtube(body, url)
    # Added as a plain feed, a YouTube feed still gives "yt:" ids, so one video is one item.
    assert parse_feed(body, url) == parse_youtube(body, url)


def test_youtube_playlist_feed_keeps_each_videos_own_channel():
    url = "https://www.youtube.com/feeds/videos.xml?playlist_id=PLtuifeedExamplePlaylist0001"
    guest, orphan = parse_youtube(fixture("youtube_playlist.xml"), url)

    assert (guest.creator_id, guest.creator_name) == ("youtube:UCtuifeedGuestChannel002",
                                                      "Nimble Fingers")
    # An entry without its own channel falls back to the playlist's owner.
    assert (orphan.creator_id, orphan.creator_name) == ("youtube:UCtuifeedPlaylistOwner01",
                                                        "Fretboard Collector")
    assert (orphan.views, orphan.likes) == (None, None)
    assert orphan.published == unix("3000-01-01T00:00:00")  # kept; the catalogue clamps


def test_a_channel_id_sent_without_its_uc_prefix_is_repaired():
    body = fixture("youtube_channel.xml").replace(
        f"<yt:channelId>{CHANNEL}</yt:channelId>".encode(), b"")
    items = parse_youtube(body, "https://www.youtube.com/feeds/videos.xml?channel_id=x")
    assert {item.creator_id for item in items} == {f"youtube:{CHANNEL}"}


def test_youtube_odd_entries_repeats_and_injected_ids():
    body = fixture("youtube_channel.xml")
    head, _, rest = body.partition(b"<entry>")
    first = b"<entry>" + rest[:rest.index(b"</entry>")] + b"</entry>"
    without_video_id = first.replace(b"<yt:videoId>tfBread0001</yt:videoId>", b"").replace(
        b"<id>yt:video:tfBread0001</id>", b"<id>yt:video:tfFromId001</id>")
    injected = first.replace(b"tfBread0001</yt:videoId>", b"x&amp;list=PLevil</yt:videoId>")
    feed = head + first + first + without_video_id + injected + b"</feed>"

    items = parse_youtube(feed, "https://www.youtube.com/feeds/videos.xml?channel_id=x")
    # The repeat is given once (a playlist may hold a video twice), the entry without
    # yt:videoId is read from its <id>, and the id with URL syntax in it is skipped.
    assert [item.id for item in items] == ["yt:tfBread0001", "yt:tfFromId001"]


@pytest.mark.parametrize(("reference", "feed_url"), [
    (f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}",
     f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"),
    ("https://www.youtube.com/feeds/videos.xml?playlist_id=PLtuifeedExamplePlaylist0001",
     "https://www.youtube.com/feeds/videos.xml?playlist_id=PLtuifeedExamplePlaylist0001"),
    (f"https://www.youtube.com/channel/{CHANNEL}",
     f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"),
    (f"https://youtube.com/channel/{CHANNEL}/videos",
     f"https://www.youtube.com/feeds/videos.xml?channel_id={CHANNEL}"),
    ("https://www.youtube.com/playlist?list=PLtuifeedExamplePlaylist0001",
     "https://www.youtube.com/feeds/videos.xml?playlist_id=PLtuifeedExamplePlaylist0001"),
    ("https://www.youtube.com/@somebody", None),
    ("https://www.youtube.com/watch?v=tfBread0001", None),
    ("https://www.youtube.com/channel/not-a-channel-id", None),
    ("https://www.youtube.com/playlist?list=", None),
    (f"https://example.com/channel/{CHANNEL}", None),
    (f"ftp://www.youtube.com/channel/{CHANNEL}", None),
    ("not a url", None),
])
def test_youtube_feed_url(reference, feed_url):
    assert youtube_feed_url(reference) == feed_url


def test_looks_like_youtube():
    assert looks_like_youtube("https://www.youtube.com/@somebody")
    assert looks_like_youtube("https://youtu.be/tfBread0001")
    assert looks_like_youtube("http://m.youtube.com/watch?v=x")
    assert not looks_like_youtube("https://notyoutube.com/channel/x")
    assert not looks_like_youtube("https://peertube.example/c/youtube.com")
    assert not looks_like_youtube("")


# -- RSS / Atom / Media RSS -----------------------------------------------------------------


def test_rss_podcast_with_video_enclosures():
    url = "https://video.example.org/workshop/feed.xml"
    items = parse_feed(fixture("rss_podcast.xml"), url)
    titles = by_title(items)

    # The item with neither a link nor a video is skipped; the audio one keeps its page.
    assert list(titles) == ["Sharpening a chisel", "Glue-up in four minutes",
                            "A stream with no type", "Audio-only bonus"]
    chisel = titles["Sharpening a chisel"]
    assert chisel.id == stable_id("rss", url, "workshop-episode-12")
    assert chisel.media_url == "https://media.example.org/workshop/ep12.mp4"
    assert chisel.page_url == "https://video.example.org/workshop/sharpening-a-chisel"
    assert chisel.duration == 12 * 60 + 34
    assert chisel.topics == ("Woodworking", "Hand tools")
    assert chisel.published == unix("2024-03-05T13:30:00")  # +0100 taken into account
    assert chisel.thumbnail_url == "https://video.example.org/workshop/ep12.jpg"
    assert chisel.description == ("From rough to mirror in three stones.\n"
                                  "Tools & stones listed below.\nEnjoy!")  # no script text
    assert chisel.creator_name == "Workshop Minutes"  # no author: the feed's title
    assert chisel.creator_id == stable_id("feed", url)

    glue = titles["Glue-up in four minutes"]
    assert glue.duration == 4 * 60 + 5
    assert glue.creator_name == "Robin Planer"
    assert glue.creator_id == stable_id("feed", url, "Robin Planer")
    assert glue.description == "Clamps, cauls and patience."
    assert glue.thumbnail_url == "https://video.example.org/workshop/cover.jpg"  # the cover

    stream = titles["A stream with no type"]
    assert stream.media_url.endswith("/live3/index.m3u8")  # a video by its extension
    assert stream.page_url == ""
    assert stream.duration == 3600
    assert stream.published == datetime(999, 1, 1, tzinfo=UTC).timestamp()

    bonus = titles["Audio-only bonus"]
    assert bonus.media_url == bonus.page_url == "https://video.example.org/workshop/bonus"
    assert bonus.creator_name == "Sam Sawyer"  # from "host@example.org (Sam Sawyer)"
    assert bonus.published is None  # "sometime last week"

    assert [item.id for item in parse_feed(fixture("rss_podcast.xml"), url)] == [
        item.id for item in items]


def test_media_rss_group_with_renditions():
    url = "https://clips.example.net/feed.rss"
    items = parse_feed(fixture("rss_media.xml"), url)
    kelp, octopus = items  # the third item only offers unsafe URLs and is skipped

    assert kelp.title == "Kelp forest at dawn"
    assert kelp.media_url == "https://cdn.example.net/kelp-1080.mp4"  # isDefault wins
    assert kelp.duration == 95
    # media:keywords, then media:category "nature/ocean" read as "ocean", given once
    assert kelp.topics == ("kelp", "ocean", "diving", "underwater")
    assert kelp.description == "Filmed off Monterey & edited lightly."
    assert kelp.thumbnail_url == "https://cdn.example.net/kelp.jpg"
    assert kelp.published == unix("2024-02-14T11:15:00")
    assert kelp.creator_name == "Ocean Clips"

    assert octopus.page_url == "https://clips.example.net/octopus"  # relative link resolved
    assert octopus.media_url == "https://cdn.example.net/octopus.webm"
    assert octopus.duration == 41.5
    assert octopus.thumbnail_url == "https://cdn.example.net/octopus.jpg"
    assert octopus.published is None


def test_atom_feed_with_enclosures_and_typed_text():
    url = "https://sky.example.com/videos.atom"
    eclipse, andromeda, meteors = parse_feed(fixture("atom_videos.xml"), url)

    assert eclipse.title == "Eclipse totality in 60 seconds"  # type="html" title
    assert eclipse.id == stable_id("rss", url, "tag:sky.example.com,2024:eclipse-totality")
    assert eclipse.page_url == "https://sky.example.com/eclipse-totality"  # the HTML one
    assert eclipse.media_url == "https://sky.example.com/media/eclipse.mp4"
    assert eclipse.thumbnail_url == "https://sky.example.com/media/eclipse.jpg"
    assert eclipse.duration == 61
    assert eclipse.creator_name == "Ada Stargazer"
    assert eclipse.topics == ("astronomy", "eclipse")
    assert eclipse.description == "The moment the corona appears."
    assert eclipse.published == unix("2024-04-09T00:10:00")  # -05:00

    assert andromeda.description == "Look north-east after dusk."  # xhtml, spaces kept
    assert andromeda.media_url == andromeda.page_url == "https://sky.example.com/andromeda"
    assert andromeda.published == unix("2024-03-20T21:00:00")  # only <updated>
    assert andromeda.creator_name == "Night Sky Notes"

    assert meteors.media_url == "https://sky.example.com/media/meteors.webm"  # content src


def test_rss_1_rdf_feed():
    (pendulum,) = parse_feed(fixture("rss_rdf.xml"), "https://lab.example.edu/rss")
    assert pendulum.title == "Double pendulum chaos"
    assert pendulum.creator_name == "Prof. Lagrange"
    assert pendulum.topics == ("physics",)
    assert pendulum.description == "Two arms, no pattern."
    assert pendulum.published == unix("2023-10-02T08:00:00")


# -- JSON Feed ------------------------------------------------------------------------------


def test_json_feed_1_1():
    url = "https://kitchen.example.com/feed.json"
    knife, omelette = parse_json_feed(fixture("jsonfeed_v11.json"), url)

    assert knife.id == stable_id("jsonfeed", url, "2024-03-knife-skills")
    assert knife.title == "Knife skills: the claw grip"
    assert knife.creator_name == "Chef Marguerite"
    assert knife.media_url == "https://kitchen.example.com/media/knife.mp4"
    assert knife.page_url == "https://kitchen.example.com/videos/knife-skills"
    assert knife.duration == 62.5
    assert knife.topics == ("cooking", "knife skills", "safety")  # the number is dropped
    assert knife.thumbnail_url == "https://kitchen.example.com/img/knife.jpg"
    assert knife.description == "A one-minute safety lesson."
    assert knife.published == unix("2024-03-10T11:00:00")

    assert omelette.id == stable_id("jsonfeed", url, "1002")  # a 1.0-style number id
    assert omelette.title == "Fold it three ways."  # no title: the text's first line
    assert omelette.creator_name == "Pocket Kitchen Team"  # the feed's authors
    assert omelette.media_url == "https://kitchen.example.com/media/omelette.m3u8"
    assert omelette.duration is None  # "long" is not a number


def test_json_feed_1_0_author_and_bad_date():
    (chain,) = parse_json_feed(fixture("jsonfeed_v10.json"), "https://bikes.example.org/j")
    assert chain.creator_name == "Lou Spokes"
    assert chain.description == "Measure stretch first."  # from content_html
    assert chain.duration == 300
    assert chain.published is None
    assert chain.topics == ("bikes", "repair")


# -- kind detection and small parsers -------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [
    ("youtube_channel.xml", "rss"), ("rss_podcast.xml", "rss"), ("rss_media.xml", "rss"),
    ("atom_videos.xml", "rss"), ("rss_rdf.xml", "rss"), ("jsonfeed_v11.json", "jsonfeed"),
    ("jsonfeed_v10.json", "jsonfeed"),
])
def test_sniff_kind_of_the_fixtures(name, kind):
    assert sniff_kind(fixture(name), "text/html; charset=utf-8") == kind  # mislabelled


@pytest.mark.parametrize("body", [
    b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
    b"\n  <!-- a comment --><html lang=en><body><rss>",
    b'{"items": [], "title": "an API, not a feed"}',
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    b"\x89PNG\r\n\x1a\n",
    b"",
])
def test_sniff_kind_refuses_what_is_not_a_feed(body):
    assert sniff_kind(body, "text/html") is None


def test_sniff_kind_skips_prolog_and_prefixed_roots():
    body = (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- <html> -->\n<!DOCTYPE rss [ ]>\n'
            b'<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"/>')
    assert sniff_kind(body, "application/xml") == "rss"
    assert sniff_kind(fixture("rss_media.xml"), "video/mp4") is None


@pytest.mark.parametrize(("text", "seconds"), [
    ("01:02:03", 3723), ("12:34", 754), ("75", 75), ("75.5", 75.5), (" 0:05 ", 5),
    ("", None), ("abc", None), ("-5", None), ("1:-2", None), ("nan", None), (None, None),
])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-01T15:30:00Z", unix("2024-03-01T15:30:00")),
    ("2024-03-01T15:30:00.123456789+00:00", unix("2024-03-01T15:30:00.123456")),
    ("2024-03-01", unix("2024-03-01T00:00:00")),
    ("Fri, 01 Mar 2024 15:30:00 GMT", unix("2024-03-01T15:30:00")),
    ("Fri, 01 Mar 2024 16:30:00 +0100", unix("2024-03-01T15:30:00")),
    ("0999-06-01T00:00:00Z", datetime(999, 6, 1, tzinfo=UTC).timestamp()),
    ("9999-12-31T23:59:59-12:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()
     + 12 * 3600),
    ("0000-01-01T00:00:00Z", None), ("yesterday", None), ("", None), (None, None),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_html_to_text():
    assert html_to_text("<p>One &amp; two</p><p>three<br>four</p>") == "One & two\nthree\nfour"
    assert html_to_text("a < b and c > d") == "a < b and c > d"  # not tags
    assert html_to_text("<style>p{}</style><!-- hidden -->shown") == "shown"


# -- broken and hostile input ---------------------------------------------------------------

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE feed [\n <!ENTITY lol "lol">\n'
                  + b"".join(b' <!ENTITY lol%d "%s">\n' % (level, b"&lol%d;" % (level - 1) * 10)
                             for level in range(2, 10)).replace(b"&lol1;", b"&lol;")
                  + b']>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title>'
                  + b"<entry><title>&lol9;</title><link href='https://x.example/'/>"
                  + b"<id>x</id></entry></feed>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM '
                   b'"file:///etc/hostname">]><rss><channel><title>&secret;</title>'
                   b"<item><title>&secret;</title><link>https://x.example/</link></item>"
                   b"</channel></rss>")
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>Welcome</title></head>"
             b"<body><p>Subscribe!<br></body></html>")
XML_PARSERS = [parse_feed, parse_youtube]
ALL_PARSERS = [parse_feed, parse_youtube, parse_json_feed]


@pytest.mark.parametrize("parse", XML_PARSERS)
@pytest.mark.parametrize(("body", "message"), [
    (b"<rss><channel><item><title>cut off", "not a feed: the XML is malformed"),
    (b"<rss><channel><title>a & b</title></channel></rss>", "not a feed: the XML is malformed"),
    (HTML_PAGE, "not a feed: the server sent an HTML page"),
    (b"   ", "not a feed: the server sent an empty answer"),
    (BILLION_LAUGHS, "not a feed: the XML declares its own entities"),
    (EXTERNAL_ENTITY, "not a feed: the XML declares its own entities"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "<svg> document"),
])
def test_broken_xml_is_one_clear_fetch_error_quickly(parse, body, message):
    with pytest.raises(FetchError) as raised:
        parse(body, "https://x.example/feed")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("body", "message"), [
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1"',
     "not a JSON Feed: the JSON is malformed"),
    (b'{"items": [{"id": "1", "url": "https://x.example/"}]}', "not a JSON Feed"),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": {}}', "not a JSON Feed"),
    (b"[1, 2, 3]", "not a JSON Feed"),
    (b"\xff\xfe\x00garbage", "not a JSON Feed"),
    (b"[" * 100_000 + b"]" * 100_000, "not a JSON Feed"),
    (HTML_PAGE, "not a feed: the server sent an HTML page"),
])
def test_broken_json_is_one_clear_fetch_error(body, message):
    with pytest.raises(FetchError) as raised:
        parse_json_feed(body, "https://x.example/feed.json")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_cut_or_garbled_feeds_give_items_or_a_fetch_error_never_a_crash():
    generator = random.Random(5)
    for path in sorted(FIXTURES.iterdir()):
        body = path.read_bytes()
        variants = [body[:cut] for cut in range(0, len(body), max(len(body) // 40, 1))]
        for _ in range(40):
            garbled = bytearray(body)
            for _ in range(3):
                garbled[generator.randrange(len(garbled))] = generator.randrange(256)
            variants.append(bytes(garbled))
        for variant in variants:
            for parse in ALL_PARSERS:
                try:
                    items = parse(variant, "https://x.example/feed")
                except FetchError:
                    continue
                assert isinstance(items, list)


# -- fetching through a real HTTP server ----------------------------------------------------


@pytest.fixture
async def http():
    """The real client, without retries: a failing answer fails at once."""
    async with HttpClient(retries=0, timeout=5.0) as client:
        yield client


async def test_youtube_fetch_then_a_304_leaves_items_unchanged(server, http):
    server.route("/feeds/videos.xml", fixture("youtube_channel.xml"),
                 content_type="application/atom+xml; charset=UTF-8", etag='"v1"')
    url = server.url("/feeds/videos.xml")

    first = await youtube.fetch(url, http, {})
    assert not first.unchanged
    assert [item.id for item in first.items][:2] == ["yt:tfBread0001", "yt:tfShort0002"]
    assert first.validators == {url: ('"v1"', "")}

    second = await youtube.fetch(url, http, first.validators)
    assert second.unchanged and second.items == []
    assert second.validators == first.validators
    _, headers = server.requests[-1]
    assert headers["If-None-Match"] == '"v1"'
    assert "application/atom+xml" in headers["Accept"]
    assert server.hits["/feeds/videos.xml"] == 2


async def test_rss_and_json_feed_fetches_use_last_modified(server, http):
    stamp = "Tue, 05 Mar 2024 14:30:00 GMT"
    server.route("/feed.xml", fixture("rss_podcast.xml"), content_type="application/rss+xml",
                 last_modified=stamp)
    server.route("/feed.json", fixture("jsonfeed_v11.json"),
                 content_type="application/feed+json", last_modified=stamp)

    for fetch, path, count in ((fetch_rss, "/feed.xml", 4), (fetch_json_feed, "/feed.json", 2)):
        url = server.url(path)
        first = await fetch(url, http, {})
        assert len(first.items) == count
        assert first.validators == {url: ("", stamp)}
        second = await fetch(url, http, {**first.validators, "https://other/": ("x", "y")})
        assert second.unchanged
        assert second.validators == {url: ("", stamp)}
        assert server.requests[-1][1]["If-Modified-Since"] == stamp


async def test_a_fetched_html_page_is_a_fetch_error(server, http):
    server.route("/not-a-feed", HTML_PAGE, content_type="text/html")
    with pytest.raises(FetchError, match="HTML page"):
        await fetch_rss(server.url("/not-a-feed"), http, {})

