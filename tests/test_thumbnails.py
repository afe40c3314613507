"""Thumbnails: downloaded into a capped cache from a real loopback server, decoded off the UI
thread, prefetched ahead; hostile files (a FIFO, a decompression bomb) refused quickly."""

from __future__ import annotations

import asyncio
import io
import os
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from textual.widgets import Static

from tuifeed import Feed
from tuifeed.catalogue.thumbnails import ThumbnailCache, load_picture, picture_for
from tuifeed.models import Item
from tuifeed.sources.http import HttpClient
from tuifeed.tui import make_app
from tuifeed.tui.script import settle
from tuifeed.tui.widgets.card import VideoCard
from tuifeed.tui.widgets.thumbnail import Thumbnail

SIZE = (100, 40)


def jpeg(width: int = 1280, height: int = 720, colour=(200, 40, 90)) -> bytes:
    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    picture.paste(colour, (0, 0, width // 3, height // 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims a huge size, with almost no data behind it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def catalogue(urls: list[str]) -> list[Item]:
    return [Item(id=f"t:{number}", title=f"Video {number}", creator=f"c{number}",
                 topics=("cats",), description="", duration=20.0,
                 published=1_700_000_000.0 + number, views=100, likes=1, thumbnail=url)
            for number, url in enumerate(urls)]


def open_app(home: Path, clock, items: list[Item]):
    return make_app(Feed.open(home, clock=clock, seed=1, catalogue=items), headless=True,
                    tick_seconds=None)


def parts(app):
    thumbnail = app.query_one(Thumbnail)
    return (thumbnail, thumbnail.query_one("#thumbnail-image"),
            thumbnail.query_one("#thumbnail-placeholder", Static))


def cached_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.img")) if folder.exists() else []


async def test_placeholder_first_then_the_picture_which_lands_in_the_cache(
        isolated_home, clock, server):
    gate = threading.Event()
    body = jpeg()

    def slow(request):
        gate.wait(10)  # held until the test has seen the placeholder
        return 200, {"Content-Type": "image/jpeg"}, body

    urls = [server.url(f"/thumbs/{number}.jpg") for number in range(5)]
    for number in range(5):
        server.handle(f"/thumbs/{number}.jpg", slow)
    app = open_app(isolated_home, clock, catalogue(urls))
    async with app.run_test(size=SIZE) as pilot:
        thumbnail, image, placeholder = parts(app)
        item = app.feed.current
        assert placeholder.display and not image.display
        assert "loading" in str(placeholder.content) and "#cats" in str(placeholder.content)
        gate.set()
        await settle(app, pilot)
        assert image.display and not placeholder.display
        assert image.image.size == (540, 304)  # shrunk on the worker, aspect kept
        folder = isolated_home / "cache" / "thumbnails"
        assert ThumbnailCache(folder).path_for(item.thumbnail) in cached_files(folder)
        assert server.hits[f"/thumbs/{item.id[2:]}.jpg"] == 1

        # Back on the same card: drawn at once, from memory; no request.
        thumbnail.show(replace(item, thumbnail=""))
        assert placeholder.display
        thumbnail.show(item)
        assert image.display and not placeholder.display
        assert server.hits[f"/thumbs/{item.id[2:]}.jpg"] == 1

    # A new session reads it from the disk cache: still one request.
    app = open_app(isolated_home, clock, catalogue(urls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        _, image, _ = parts(app)
        assert image.display
    assert server.hits[f"/thumbs/{item.id[2:]}.jpg"] == 1


async def test_prefetched_cards_show_their_picture_at_once(isolated_home, clock, server):
    urls = []
    for number in range(6):
        server.route(f"/p/{number}.jpg", jpeg(colour=(number * 40, 0, 0)),
                     content_type="image/jpeg")
        urls.append(server.url(f"/p/{number}.jpg"))
    app = open_app(isolated_home, clock, catalogue(urls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        upcoming = [entry.item for entry in app.feed.upcoming(3)]
        card = app.query_one(VideoCard)
        card.prefetch(upcoming)
        card.prefetch(upcoming)  # a redraw asking again starts nothing new
        assert len([worker for worker in app.workers if worker.group == "prefetch"]) <= 1
        await settle(app, pilot)
        assert all(server.hits[f"/p/{item.id[2:]}.jpg"] == 1 for item in upcoming)
        thumbnail, image, placeholder = parts(app)
        for item in upcoming:
            thumbnail.show(item)  # no pause, no worker: the picture is there already
            assert image.display and not placeholder.display
        await pilot.press("j")
        assert app.feed.current == upcoming[0]
        assert image.display and not placeholder.display


async def test_a_404_thumbnail_shows_the_placeholder_and_is_not_asked_again(
        isolated_home, clock, server):
    urls = [server.url(f"/missing/{number}.jpg") for number in range(3)]
    app = open_app(isolated_home, clock, catalogue(urls))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        thumbnail, image, placeholder = parts(app)
        item = app.feed.current
        path = f"/missing/{item.id[2:]}.jpg"
        assert placeholder.display and not image.display
        assert "no picture" in str(placeholder.content)
        assert server.hits[path] == 1
        for _ in range(3):
            thumbnail.show(replace(item, thumbnail=""))
            thumbnail.show(item)
            await settle(app, pilot)
            assert "no picture" in str(placeholder.content)
        assert server.hits[path] == 1
    assert cached_files(isolated_home / "cache" / "thumbnails") == []


async def test_the_cache_stays_under_its_cap_and_evicts_the_least_recently_used(
        tmp_path, server):
    body = jpeg(320, 180)
    urls = []
    for number in range(12):
        server.route(f"/c/{number}.jpg", body, content_type="image/jpeg")
        urls.append(server.url(f"/c/{number}.jpg"))
    folder = tmp_path / "thumbs"
    cache = ThumbnailCache(folder, max_bytes=3 * len(body))
    async with HttpClient() as http:
        await cache.download(urls[:3], http)
        assert len(cached_files(folder)) == 3
        for age, url in enumerate(urls[:3]):  # 0 is the oldest; mtimes set, not raced
            os.utime(cache.path_for(url), (1_000_000 + age, 1_000_000 + age))
        assert cache.cached_path(urls[0]) == cache.path_for(urls[0])  # used: now the newest
        await cache.download(urls[3:4], http)
        assert cache.cached_path(urls[1]) is None  # the least recently used went first
        assert cache.cached_path(urls[0]) is not None
        await cache.download(urls, http)  # many more than fit
    assert sum(path.stat().st_size for path in cached_files(folder)) <= cache.max_bytes
    assert not list(folder.glob(".part-*"))


async def test_an_oversized_or_empty_answer_is_refused(tmp_path, server):
    server.route("/huge.jpg", b"\xff" * (6 * 1024 * 1024), content_type="image/jpeg")
    server.route("/empty.jpg", b"", content_type="image/jpeg")
    cache = ThumbnailCache(tmp_path / "thumbs")
    urls = [server.url("/huge.jpg"), server.url("/empty.jpg")]
    async with HttpClient(retries=0) as http:
        await cache.download(urls, http)  # never raises
        await cache.download(urls, http)  # and does not ask again
    assert cached_files(tmp_path / "thumbs") == []
    assert server.hits["/huge.jpg"] == 1 and server.hits["/empty.jpg"] == 1
    assert all(cache.has_failed(url) for url in urls)


def test_local_files_are_used_where_they_are(tmp_path):
    local = tmp_path / "local.jpg"
    local.write_bytes(jpeg(90, 160))
    cache = ThumbnailCache(tmp_path / "thumbs")
    assert cache.cached_path(str(local)) == local
    assert cache.cached_path(str(tmp_path)) is None  # a folder is not a picture
    assert cache.cached_path("") is None
    picture = picture_for(cache, str(local), (540, 960))
    assert picture is not None and picture.size == (90, 160) and picture.mode == "RGB"
    assert not (tmp_path / "thumbs").exists()  # nothing downloaded, nothing written


def call_with_deadline(function, *args, seconds: float = 5.0):
    """function(*args) on a thread; fails the test (instead of hanging it) if it blocks."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function(*args)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} blocked"
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
async def test_a_fifo_as_thumbnail_does_not_block(isolated_home, clock, tmp_path):
    fifo = tmp_path / "thumbnail.jpg"
    os.mkfifo(fifo)
    assert call_with_deadline(load_picture, fifo) is None
    assert call_with_deadline(load_picture, os.devnull) is None  # a device, likewise

    local = tmp_path / "fine.jpg"
    local.write_bytes(jpeg(90, 160))
    app = open_app(isolated_home, clock, catalogue([str(local)] * 3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        thumbnail, image, placeholder = parts(app)
        thumbnail.show(replace(app.feed.current, thumbnail=str(fifo)))
        await asyncio.wait_for(settle(app, pilot), 5)
        assert placeholder.display and not image.display
        assert "no picture" in str(placeholder.content)


def test_a_png_claiming_a_huge_size_is_refused(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(100_000, 100_000))
    assert call_with_deadline(load_picture, bomb) is None
    warned = tmp_path / "warned.png"  # over Pillow's warning limit, under its error limit
    warned.write_bytes(png_claiming(10_000, 10_000))
    assert call_with_deadline(load_picture, warned) is None


def test_broken_and_odd_files_give_none(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    eps = tmp_path / "picture.eps"  # a format thumbnails never come in (and a risky plugin)
    eps.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n")
    for path in (broken, text, eps, tmp_path / "absent.jpg", tmp_path):
        assert load_picture(path) is None
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (1280, 720)).save(cmyk)
    assert load_picture(cmyk, (540, 960)).mode == "RGB"


def test_the_thumbnail_module_does_not_import_textual():
    code = ("import sys, tuifeed.catalogue.thumbnails; "
            "sys.exit(any(m.split('.')[0] in ('textual', 'textual_image') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
