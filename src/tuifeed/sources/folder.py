"""A local folder of video files: name, size and date of each, plus duration and a thumbnail
when ffprobe and ffmpeg are installed."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from tuifeed.sources.base import FetchedItem, FetchError, Http, Outcome, Validators, stable_id

VIDEO_EXTENSIONS = frozenset({".mp4", ".webm", ".mkv", ".mov", ".m4v", ".avi", ".ogv"})
MAX_DEPTH = 3  # levels of subfolders under the root
MAX_FILES = 5000
PROBE_TIMEOUT = 10.0  # seconds, per ffprobe or ffmpeg run
PROBE_CONCURRENCY = min(4, os.cpu_count() or 1)
THUMBNAIL_WIDTH = 320


@dataclass(frozen=True, slots=True)
class _Found:
    path: str  # absolute; may hold undecodable bytes as surrogates (os.fsdecode)
    creator: str  # the folder the file is credited to
    size: int
    mtime: float


async def fetch(path: str, http: Http | None, validators: Validators, *,
                cache_dir: Path | None = None) -> Outcome:
    """Every video file under `path`; unchanged when no file was added, removed or touched
    since the listing in `validators` (so nothing is probed again)."""
    root = os.path.abspath(os.path.expanduser(path))
    if not os.path.isdir(root):
        raise FetchError(f"no such folder: {path}")
    found, notes = await asyncio.to_thread(_scan, root)
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            notes.append(f"nothing cached: cannot write to {cache_dir}: {error.strerror}")
            cache_dir = None
    ffprobe = shutil.which("ffprobe")
    ffmpeg = shutil.which("ffmpeg") if cache_dir is not None else None
    signature = _signature(found, ffprobe, ffmpeg, cache_dir)
    outcome = Outcome(validators={root: (signature, "")}, notes=notes)
    if validators.get(root) == (signature, ""):
        outcome.unchanged = True
        return outcome
    # ffprobe costs a tenth of a second a file: what it said is kept per file size and mtime.
    durations_file = None
    if cache_dir is not None:
        durations_file = cache_dir / f"{stable_id('folder', root).replace(':', '-')}.json"
    known_durations = _read_durations(durations_file)
    durations: dict[str, list] = {}
    gate = asyncio.Semaphore(PROBE_CONCURRENCY)

    async def describe(file: _Found) -> FetchedItem:
        item_id = stable_id("file", file.path)
        duration, thumbnail = None, ""
        async with gate:
            if ffprobe:
                cached = known_durations.get(item_id)
                if (isinstance(cached, list) and len(cached) == 3
                        and cached[:2] == [file.size, file.mtime]
                        and (cached[2] is None or isinstance(cached[2], float))):
                    duration = cached[2]
                else:
                    duration = await _duration(ffprobe, file.path)
                durations[item_id] = [file.size, file.mtime, duration]
            # What ffprobe cannot read, ffmpeg cannot either: no second try on every fetch.
            if ffmpeg and cache_dir is not None and (duration is not None or not ffprobe):
                thumbnail = await _thumbnail(ffmpeg, file, duration,
                                             cache_dir / f"{item_id.replace(':', '-')}.jpg")
        return FetchedItem(
            id=item_id,
            title=_title(file.path),
            creator_id="folder:" + _readable(file.creator),
            creator_name=_readable(os.path.basename(file.creator) or file.creator),
            duration=duration,
            published=file.mtime,
            thumbnail_url=thumbnail,
            media_url=_location(file.path),
            extra={"size": file.size},
        )

    outcome.items = list(await asyncio.gather(*(describe(file) for file in found)))
    _write_durations(durations_file, durations)
    failures = sum(1 for _size, _mtime, duration in durations.values() if duration is None)
    if failures:
        outcome.notes.append(f"ffprobe could not read {failures} of {len(found)} files "
                             f"in {_readable(root)}; they have no duration")
    return outcome


def _scan(root: str) -> tuple[list[_Found], list[str]]:
    """The video files under root, sorted by path. Each subfolder of the root is a creator of
    its own (a folder per channel, person or topic), with everything deeper in it; the files
    directly in the root are the root's."""
    found: list[_Found] = []
    notes: list[str] = []
    pending = [(root, 0, root)]  # folder, depth, creator
    while pending:
        folder, depth, creator = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            notes.append(f"could not read {_readable(folder)}: {error.strerror}")
            continue
        for entry in entries:
            # Symlinks are never followed: one into the tree repeats what the scan finds
            # anyway, one out of it leaves the folder the viewer chose, and either may loop.
            if entry.name.startswith(".") or entry.is_symlink():
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth < MAX_DEPTH:
                    pending.append((entry.path, depth + 1, entry.path if depth == 0 else creator))
                continue
            # Only regular files: a FIFO or a device named like a video would block or worse.
            if not stat.S_ISREG(info.st_mode):
                continue
            if os.path.splitext(entry.name)[1].lower() not in VIDEO_EXTENSIONS:
                continue
            found.append(_Found(entry.path, creator, info.st_size, info.st_mtime))
            if len(found) >= MAX_FILES:
                notes.append(f"stopped at {MAX_FILES} video files in {_readable(root)}")
                pending.clear()
                break
    return sorted(found, key=lambda file: file.path), notes


async def _duration(ffprobe: str, path: str) -> float | None:
    output = await _run([ffprobe, "-v", "error", "-show_entries", "format=duration",
                         "-of", "default=noprint_wrappers=1:nokey=1", "file:" + path])
    try:
        duration = float(output.decode().strip()) if output else None
    except ValueError:  # "N/A" for a stream without a known length
        return None
    return duration if duration and duration > 0 else None


async def _thumbnail(ffmpeg: str, file: _Found, duration: float | None, target: Path) -> str:
    """A JPEG frame of the file at `target`, kept while it is newer than the file."""
    try:
        if target.stat().st_mtime >= file.mtime:
            return str(target)
    except OSError:
        pass
    partial = target.with_suffix(".part.jpg")
    # A frame a little way in: the very first one is often black.
    at = min(duration * 0.1, 30.0) if duration else 0.0
    await _run([ffmpeg, "-v", "error", "-nostdin", "-y", "-ss", f"{at:.2f}",
                "-i", "file:" + file.path, "-frames:v", "1",
                "-vf", f"scale={THUMBNAIL_WIDTH}:-2", str(partial)])
    try:
        if partial.stat().st_size > 0:
            os.replace(partial, target)
            return str(target)
        partial.unlink()
    except OSError:
        pass
    return ""


async def _run(command: list[str]) -> bytes | None:
    """The standard output of a command that succeeded within the timeout, else None."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
    except OSError:
        return None
    try:
        output, _ = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
    except TimeoutError:
        return None
    finally:
        if process.returncode is None:  # timed out or cancelled: leave no process behind
            process.kill()
            await process.wait()
    return output if process.returncode == 0 else None


def _read_durations(file: Path | None) -> dict:
    """item id -> [size, mtime, duration or None], as the last probe of that folder left it."""
    if file is None:
        return {}
    try:
        known = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _write_durations(file: Path | None, durations: dict[str, list]) -> None:
    if file is None or not durations:
        return
    partial = file.with_suffix(".part")
    try:
        partial.write_text(json.dumps(durations), encoding="utf-8")
        os.replace(partial, file)
    except OSError:
        pass  # only a cache: the next fetch probes again


def _signature(found: list[_Found], ffprobe: str | None, ffmpeg: str | None,
               cache_dir: Path | None) -> str:
    """A digest of the listing and of what can describe it: when it is the same, so are the
    items (installing ffmpeg or giving a cache folder changes it)."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (ffprobe or "", ffmpeg or "", str(cache_dir or "")):
        digest.update(os.fsencode(part) + b"\0")
    for file in sorted(found, key=lambda file: file.path):
        digest.update(os.fsencode(file.path) + f"\0{file.size}\0{file.mtime!r}\0".encode())
    return digest.hexdigest()


def _title(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return re.sub(r"[\s._]+", " ", _readable(stem)).strip() or _readable(stem)


def _location(path: str) -> str:
    """The path, or for a name that is not UTF-8 a file:// URL: the same bytes, percent-encoded,
    in text that can be stored (SQLite refuses the surrogates that stand for them)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return Path(path).as_uri()
    return path


def _readable(text: str) -> str:
    """A file name as text: bytes that are not UTF-8 become U+FFFD, so it can be stored."""
    return os.fsencode(text).decode("utf-8", "replace")
