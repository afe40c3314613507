"""PeerTube source: address parsing, API shapes, paging, the tag budget and conditional GETs,
against fixtures in the REST API's shapes served by a real loopback server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tuifeed.sources import peertube
from tuifeed.sources.base import FetchError
from tuifeed.sources.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "peertube"
VIDEOS = json.loads((FIXTURES / "videos.json").read_text(encoding="utf-8"))
UUIDS = [video["uuid"] for video in VIDEOS["data"]]  # newest first
JSON = "application/json; charset=utf-8"


@pytest.fixture
async def http():
    """The real client, without retries: a failing answer fails at once."""
    async with HttpClient(retries=0, timeout=5.0) as client:
        yield client


def serve_list(server, path: str, listing: dict) -> None:
    """The list endpoint with real paging: start and count cut the fixture's data."""

    def answer(request):
        query = parse_qs(urlsplit(request.path).query)
        start, count = int(query["start"][0]), int(query["count"][0])
        page = {"total": listing["total"], "data": listing["data"][start:start + count]}
        return 200, {"Content-Type": JSON}, json.dumps(page).encode()

    server.handle(path, answer)


def serve_details(server, uuids=UUIDS) -> None:
    for uuid in uuids:
        server.route(f"/api/v1/videos/{uuid}", (FIXTURES / f"video-{uuid}.json").read_bytes(),
                     content_type=JSON)


def detail_hits(server) -> dict[str, int]:
    return {uuid: server.hits[f"/api/v1/videos/{uuid}"] for uuid in UUIDS
            if server.hits[f"/api/v1/videos/{uuid}"]}


# --- addresses ---------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("https://tube.example", ("https://tube.example", "instance", "")),
    ("https://tube.example/", ("https://tube.example", "instance", "")),
    ("https://tube.example/c/music", ("https://tube.example", "channel", "music")),
    ("https://tube.example/c/music/videos", ("https://tube.example", "channel", "music")),
    ("https://tube.example/c/music@other.example",
     ("https://tube.example", "channel", "music@other.example")),
    ("https://tube.example/video-channels/music",
     ("https://tube.example", "channel", "music")),
    ("https://tube.example/a/anna", ("https://tube.example", "account", "anna")),
    ("https://tube.example/accounts/anna/videos", ("https://tube.example", "account", "anna")),
    ("https://tube.example/search?search=rain%20sounds",
     ("https://tube.example", "search", "rain sounds")),
    ("http://127.0.0.1:8080/c/x", ("http://127.0.0.1:8080", "channel", "x")),
])
def test_parse_source_url(url, expected):
    assert peertube.parse_source_url(url) == expected


@pytest.mark.parametrize("url", [
    "ftp://tube.example/", "tube.example", "https://tube.example/w/abc",
    "https://tube.example/c/", "https://tube.example/search", "https://tube.example/c/a/b/c",
])
def test_parse_source_url_rejects(url):
    with pytest.raises(FetchError, match="PeerTube"):
        peertube.parse_source_url(url)


def test_list_urls_encode_names_and_queries():
    origin = "https://tube.example"
    assert peertube.list_url(origin, "instance", "", 0, 50) == (
        "https://tube.example/api/v1/videos?sort=-publishedAt&start=0&count=50")
    assert peertube.list_url(origin, "channel", "my music", 50, 50) == (
        "https://tube.example/api/v1/video-channels/my%20music/videos"
        "?sort=-publishedAt&start=50&count=50")
    assert peertube.list_url(origin, "account", "anna", 0, 10) == (
        "https://tube.example/api/v1/accounts/anna/videos?sort=-publishedAt&start=0&count=10")
    assert peertube.list_url(origin, "search", "rain & roof", 0, 10) == (
        "https://tube.example/api/v1/search/videos"
        "?search=rain+%26+roof&sort=-publishedAt&start=0&count=10")


# --- parsing -------------------------------------------------------------------------------

def test_parse_list_fields():
    items, total = peertube.parse_list((FIXTURES / "videos.json").read_bytes(),
                                       "http://127.0.0.1:9")
    assert total == 5 and len(items) == 5
    alps, song, remote, lab, _cat = items
    assert alps.id == f"peertube:tube.example:{UUIDS[0]}"
    assert alps.title == "Sunrise over the Alps, vertical"
    assert alps.creator_id == "peertube:tube.example:mountain_views"
    assert alps.creator_name == "Mountain Views"
    assert alps.topics == ("Travels",)
    assert alps.duration == 42.0 and alps.views == 1200 and alps.likes == 87
    assert alps.published == datetime(2024, 5, 9, 6, 30, tzinfo=UTC).timestamp()
    assert alps.short_form and not song.short_form
    assert alps.page_url == f"https://tube.example/videos/watch/{UUIDS[0]}"
    assert alps.media_url == alps.page_url
    # Relative thumbnails are joined to the instance they were read from; absolute ones stay.
    assert alps.thumbnail_url == f"http://127.0.0.1:9/lazy-static/thumbnails/{UUIDS[0]}.jpg"
    assert lab.thumbnail_url == "https://cdn.tube.example/thumbnails/lab.jpg"
    # Two instances' "music" channels are two creators; an unset category is no topic.
    assert song.creator_id == "peertube:tube.example:music"
    assert remote.creator_id == "peertube:other.example:music"
    assert remote.id == f"peertube:other.example:{UUIDS[2]}"
    assert remote.topics == ()


def test_parse_list_page_url_without_url_field():
    video = dict(VIDEOS["data"][0])
    del video["url"]
    items, _ = peertube.parse_list(json.dumps({"total": 1, "data": [video]}).encode(),
                                   "https://tube.example")
    assert items[0].page_url == "https://tube.example/w/cR3xWq8kP1aZ9sT2vN5mLb"


def test_parse_details_prefers_720p_then_hls_then_page():
    origin = "https://tube.example"
    alps = peertube.parse_details((FIXTURES / f"video-{UUIDS[0]}.json").read_bytes(), origin)
    assert alps["tags"] == ["timelapse", "mountains", "sunrise"]
    assert alps["description"].endswith("2 hours compressed.")
    assert alps["media_url"].endswith(f"{UUIDS[0]}-720.mp4")
    song = peertube.parse_details((FIXTURES / f"video-{UUIDS[1]}.json").read_bytes(), origin)
    assert song["media_url"].endswith("/master.m3u8")
    remote = peertube.parse_details((FIXTURES / f"video-{UUIDS[2]}.json").read_bytes(), origin)
    assert remote["media_url"].endswith("-1080.mp4")  # the only file is taller: still taken
    lab = peertube.parse_details((FIXTURES / f"video-{UUIDS[3]}.json").read_bytes(), origin)
    assert lab["media_url"] == f"https://tube.example/videos/watch/{UUIDS[3]}"


@pytest.mark.parametrize(("body", "message"), [
    (b"{not json", "not valid JSON"),
    (b"<!doctype html><html><body>Welcome</body></html>", "HTML page"),
    (b'{"total": 1, "videos": []}', "no \"data\" array"),
    (b'{"total": 1, "data": [{"name": "no uuid"}]}', "video #1"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_parse_list_rejects_wrong_shapes(body, message):
    with pytest.raises(FetchError, match=message) as caught:
        peertube.parse_list(body, "https://tube.example")
    assert "\n" not in str(caught.value)


# --- fetching ------------------------------------------------------------------------------

async def test_instance_two_pages(server, http):
    serve_list(server, "/api/v1/videos", VIDEOS)
    serve_details(server)
    outcome = await peertube.fetch(server.url("/"), http, {}, pages=2, per_page=2)
    assert [item.extra["uuid"] for item in outcome.items] == UUIDS[:4]
    assert server.hits["/api/v1/videos"] == 2
    starts = [parse_qs(urlsplit(path).query)["start"] for path, _ in server.requests
              if path.startswith("/api/v1/videos?")]
    assert starts == [["0"], ["2"]]
    # Every item read here is new and within the budget: all have their details.
    alps = outcome.items[0]
    assert alps.topics == ("Travels", "timelapse", "mountains", "sunrise")
    assert alps.media_url.endswith("-720.mp4")
    assert outcome.items[1].media_url.endswith("master.m3u8")
    assert not outcome.unchanged and not outcome.notes


async def test_instance_stops_at_the_last_page(server, http):
    serve_list(server, "/api/v1/videos", VIDEOS)
    serve_details(server)
    outcome = await peertube.fetch(server.url(""), http, {}, pages=9, per_page=2)
    assert len(outcome.items) == 5
    assert server.hits["/api/v1/videos"] == 3


async def test_channel(server, http):
    listing = json.loads((FIXTURES / "channel-music.json").read_text(encoding="utf-8"))
    serve_list(server, "/api/v1/video-channels/music/videos", listing)
    serve_details(server, [UUIDS[1]])
    outcome = await peertube.fetch(server.url("/c/music/videos"), http, {})
    [song] = outcome.items
    assert song.creator_id == "peertube:tube.example:music"
    assert song.topics == ("Music", "folk", "live")
    assert song.description == "Recorded in one take.\n\nGuitar and voice."
    assert song.thumbnail_url == server.url(f"/lazy-static/thumbnails/{UUIDS[1]}.jpg")
    assert server.hits["/api/v1/video-channels/music/videos"] == 1


async def test_tag_budget_takes_the_newest_unknown_items(server, http):
    serve_list(server, "/api/v1/videos", VIDEOS)
    serve_details(server)
    outcome = await peertube.fetch(server.url("/"), http, {}, pages=1, tag_budget=2)
    assert detail_hits(server) == {UUIDS[0]: 1, UUIDS[1]: 1}
    assert [item.extra.get("detailed", False) for item in outcome.items] == [
        True, True, False, False, False]
    assert outcome.items[3].topics == ("Science & Technology",)  # the category only
    assert any("2 of 5" in note for note in outcome.notes)

    # A refetch does not spend the budget again on what the catalogue already knows.
    known = {item.id for item in outcome.items if item.extra.get("detailed")}
    again = await peertube.fetch(server.url("/"), http, {}, pages=1, tag_budget=2, known=known)
    assert detail_hits(server) == {UUIDS[0]: 1, UUIDS[1]: 1, UUIDS[2]: 1, UUIDS[3]: 1}
    assert again.items[2].topics == ("field recording", "rain")


async def test_a_failing_detail_keeps_the_item(server, http):
    serve_list(server, "/api/v1/videos", VIDEOS)
    serve_details(server)
    server.route(f"/api/v1/videos/{UUIDS[0]}", b'{"status": 500}', status=500,
                 content_type=JSON)
    server.route(f"/api/v1/videos/{UUIDS[4]}", b"<html>oops</html>", content_type="text/html")
    outcome = await peertube.fetch(server.url("/"), http, {}, pages=1)
    assert len(outcome.items) == 5
    alps, cat = outcome.items[0], outcome.items[4]
    assert alps.topics == ("Travels",) and alps.media_url == alps.page_url
    assert cat.topics == ("Animals",)
    assert outcome.items[1].topics == ("Music", "folk", "live")
    [note] = outcome.notes
    assert "2 video(s)" in note and "HTTP 500" in note and "HTML page" in note


async def test_refetch_answered_304_is_unchanged(server, http):
    server.route("/api/v1/videos", json.dumps(VIDEOS), content_type=JSON, etag='"list-1"')
    serve_details(server)
    first = await peertube.fetch(server.url("/"), http, {}, pages=1)
    [validators] = first.validators.values()
    assert validators == ('"list-1"', "")
    again = await peertube.fetch(server.url("/"), http, first.validators, pages=1)
    assert again.unchanged and again.items == []
    assert again.validators == first.validators
    assert server.requests[-1][1].get("If-None-Match") == '"list-1"'
    assert server.hits["/api/v1/videos"] == 2
    assert sum(detail_hits(server).values()) == 5  # the 304 fetched no details


async def test_bad_json_fails_the_source(server, http):
    server.route("/api/v1/videos", b'{"total": 3, "data": [', content_type=JSON)
    with pytest.raises(FetchError, match="not valid JSON"):
        await peertube.fetch(server.url("/"), http, {})


async def test_an_html_page_fails_the_source(server, http):
    server.route("/api/v1/videos", b"<!DOCTYPE html>\n<html><title>Not PeerTube</title></html>",
                 content_type="text/html")
    with pytest.raises(FetchError, match="HTML page"):
        await peertube.fetch(server.url("/"), http, {})


async def test_a_failing_second_page_keeps_the_first(server, http):
    def answer(request):
        query = parse_qs(urlsplit(request.path).query)
        if query["start"] != ["0"]:
            return 502, {"Content-Type": "text/plain"}, b"bad gateway"
        page = {"total": 5, "data": VIDEOS["data"][:2]}
        return 200, {"Content-Type": JSON}, json.dumps(page).encode()

    server.handle("/api/v1/videos", answer)
    serve_details(server)
    outcome = await peertube.fetch(server.url("/"), http, {}, pages=2, per_page=2)
    assert len(outcome.items) == 2
    assert any("page 2" in note and "502" in note for note in outcome.notes)
