"""Folder source: what the scan takes and leaves (hidden files, FIFOs, symlinks, odd names),
and duration and thumbnails through ffprobe/ffmpeg when they are installed."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import pytest

from tuifeed.sources import folder
from tuifeed.sources.base import FetchError, stable_id

needs_ffmpeg = pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
                                  reason="ffmpeg and ffprobe are not installed")


@pytest.fixture
def no_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without ffmpeg, whatever this one has."""
    monkeypatch.setattr(folder.shutil, "which", lambda name: None)


def write(path: Path, data: bytes = b"not really a video") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "Videos"
    write(root / "Summer_holiday.2023.mp4", b"x" * 1234)
    write(root / "notes.txt")
    write(root / ".secret.mp4")
    write(root / ".cache" / "inside_hidden.webm")
    write(root / "Cats" / "funny_cat.MOV")
    write(root / "Cats" / "2024" / "may" / "kitten.mkv")
    write(root / "Cats" / "a" / "b" / "c" / "too_deep.mp4")  # four levels under the root
    write(tmp_path / "elsewhere" / "outside.mp4")
    os.symlink(tmp_path / "elsewhere" / "outside.mp4", root / "link_out.mp4")
    os.symlink(tmp_path / "elsewhere", root / "Elsewhere")
    os.symlink(root, root / "Cats" / "loop")  # a folder loop
    os.symlink(root / "self.mp4", root / "self.mp4")  # a link to itself
    os.mkfifo(root / "video.mp4")  # opening it would block until a writer came
    os.mkfifo(root / "Cats" / "pipe.webm")
    return root


async def test_scan_takes_only_regular_visible_video_files(tree: Path, no_ffmpeg):
    started = time.monotonic()
    outcome = await asyncio.wait_for(folder.fetch(str(tree), None, {}), 10)
    assert time.monotonic() - started < 5
    titles = sorted(item.title for item in outcome.items)
    assert titles == ["Summer holiday 2023", "funny cat", "kitten"]
    by_title = {item.title: item for item in outcome.items}
    summer = by_title["Summer holiday 2023"]
    assert summer.id == stable_id("file", str(tree / "Summer_holiday.2023.mp4"))
    assert summer.media_url == str(tree / "Summer_holiday.2023.mp4")
    assert summer.extra["size"] == 1234
    assert summer.published == os.stat(tree / "Summer_holiday.2023.mp4").st_mtime
    assert summer.duration is None and summer.thumbnail_url == "" and summer.topics == ()
    # Files in the root are the root's; a subfolder and everything in it are one creator.
    assert summer.creator_id == f"folder:{tree}" and summer.creator_name == "Videos"
    for title in ("funny cat", "kitten"):
        assert by_title[title].creator_id == f"folder:{tree / 'Cats'}"
        assert by_title[title].creator_name == "Cats"
    assert outcome.notes == []


async def test_ids_are_stable_and_an_unchanged_folder_is_unchanged(tree: Path, no_ffmpeg):
    first = await folder.fetch(str(tree), None, {})
    again = await folder.fetch(str(tree), None, first.validators)
    assert again.unchanged and again.validators == first.validators
    write(tree / "Cats" / "new_one.webm")
    third = await folder.fetch(str(tree), None, first.validators)
    assert not third.unchanged
    assert {item.id for item in first.items} < {item.id for item in third.items}


@pytest.fixture
def odd_name(tmp_path: Path) -> bytes:
    """A video whose name is not UTF-8 (Latin-1 é, a stray 0xff), as bytes."""
    root = tmp_path / "odd"
    root.mkdir()
    name = os.fsencode(root) + b"/caf\xe9_\xff.mp4"
    with open(name, "wb") as handle:
        handle.write(b"data")
    return name


async def test_a_name_that_is_not_utf8(odd_name: bytes):
    # With ffprobe installed, it is given the name too (and finds no video in it).
    [item] = (await folder.fetch(os.fsdecode(os.path.dirname(odd_name)), None, {})).items
    assert item.title == "caf\ufffd \ufffd"
    # A file:// URL holds the exact bytes (so a player can open it) in storable text.
    assert item.media_url.startswith("file:///")
    assert unquote_to_bytes(urlsplit(item.media_url).path) == odd_name
    assert item.id == stable_id("file", os.fsdecode(odd_name))
    for text in (item.title, item.media_url, item.creator_id, item.creator_name):
        text.encode("utf-8")


async def test_the_scan_is_bounded(tree: Path, no_ffmpeg, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(folder, "MAX_FILES", 2)
    outcome = await folder.fetch(str(tree), None, {})
    assert len(outcome.items) == 2
    assert any("stopped at 2" in note for note in outcome.notes)


async def test_a_missing_folder(tmp_path: Path):
    with pytest.raises(FetchError, match="no such folder"):
        await folder.fetch(str(tmp_path / "nope"), None, {})
    write(tmp_path / "a_file.mp4")
    with pytest.raises(FetchError, match="no such folder"):
        await folder.fetch(str(tmp_path / "a_file.mp4"), None, {})


async def test_a_hanging_ffprobe_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    fake = tools / "ffprobe"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import time; time.sleep(30)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setattr(folder, "PROBE_TIMEOUT", 0.3)
    write(tmp_path / "v" / "one.mp4")
    write(tmp_path / "v" / "two.mp4")
    started = time.monotonic()
    outcome = await folder.fetch(str(tmp_path / "v"), None, {})
    assert time.monotonic() - started < 5
    assert [item.duration for item in outcome.items] == [None, None]
    assert any("2 of 2" in note for note in outcome.notes)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """A real one-second video, made by ffmpeg."""
    made = tmp_path / "clips" / "test_pattern.mp4"
    made.parent.mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi",
                    "-i", "testsrc=duration=1:size=64x64:rate=10", str(made)],
                   check=True, timeout=60)
    return made


@needs_ffmpeg
async def test_a_real_clip_gets_duration_and_thumbnail(tmp_path: Path, clip: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    write(clip.parent / "broken.mp4", b"\x00" * 100)
    cache = tmp_path / "cache"
    outcome = await folder.fetch(str(clip.parent), None, {}, cache_dir=cache)
    by_title = {item.title: item for item in outcome.items}
    pattern, broken = by_title["test pattern"], by_title["broken"]
    assert pattern.duration == pytest.approx(1.0, abs=0.15)
    thumbnail = Path(pattern.thumbnail_url)
    assert thumbnail.parent == cache and thumbnail.name == pattern.id.replace(":", "-") + ".jpg"
    assert thumbnail.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG
    assert broken.duration is None and broken.thumbnail_url == ""
    assert any("1 of 2" in note for note in outcome.notes)
    durations = cache / (stable_id("folder", str(clip.parent)).replace(":", "-") + ".json")
    assert sorted(cache.iterdir()) == sorted([thumbnail, durations])

    # Kept while the video is unchanged: the thumbnail is not made again, nor is the duration
    # probed again.
    made = thumbnail.stat().st_mtime_ns

    async def no_probe(*args):
        raise AssertionError("probed again")

    monkeypatch.setattr(folder, "_duration", no_probe)
    again = await folder.fetch(str(clip.parent), None, {}, cache_dir=cache)
    assert {item.thumbnail_url for item in again.items} == {str(thumbnail), ""}
    assert {item.title: item.duration for item in again.items} == {
        "test pattern": pattern.duration, "broken": None}
    assert thumbnail.stat().st_mtime_ns == made

    # Without a cache folder: the duration still, no thumbnail.
    monkeypatch.undo()
    plain = await folder.fetch(str(clip.parent), None, {})
    assert {item.thumbnail_url for item in plain.items} == {""}
    assert pattern.duration in {item.duration for item in plain.items}
