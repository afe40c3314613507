"""Thumbnails: downloaded lazily into a size-capped cache folder, decoded small and safely.

Everything here blocks (disk, network, decoding): call it from a worker, never the UI thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from tuifeed.sources.base import Http

MAX_DOWNLOAD = 5 * 1024 * 1024  # one thumbnail off the network
MAX_FILE = 20 * 1024 * 1024  # one picture read from disk (a local one may be a big still)
MAX_PIXELS = 40_000_000  # a thumbnail is about 1 Mpx; more is a mistake or an attack
CONCURRENT_DOWNLOADS = 4
CANCEL_POLL_SECONDS = 0.1
STALE_PART_SECONDS = 3600  # a half-written download older than this was left by a crash
# Only the formats thumbnails come in: Pillow's EPS plugin, for one, runs Ghostscript.
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # what thumbnails come as; nothing else is decoded
PART_PREFIX = ".part-"
SUFFIX = ".img"

# warnings.catch_warnings is process-wide, so threads decoding at once take turns.
_warnings_lock = threading.Lock()


def is_web(source: str) -> bool:
    return source.startswith(("http://", "https://"))


class ThumbnailCache:
    """Downloaded thumbnails in one folder, least recently used evicted beyond max_bytes.

    Safe to share between worker threads: files are replaced atomically, and a URL that
    failed is not asked for again in this session.
    """

    def __init__(self, folder: Path, max_bytes: int = 100 * 1024 * 1024) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._failed: set[str] = set()

    def path_for(self, url: str) -> Path:
        digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16)
        return self.folder / (digest.hexdigest() + SUFFIX)

    def cached_path(self, source: str) -> Path | None:
        """A local picture as it is, a downloaded one from the cache; None when neither."""
        if not source:
            return None
        if not is_web(source):
            return Path(source) if _is_regular(Path(source)) else None
        path = self.path_for(source)
        try:
            os.utime(path)  # mtime is the "last used" that eviction goes by
        except OSError:
            return None
        return path

    def has_failed(self, url: str) -> bool:
        return url in self._failed

    def wanted(self, sources: Iterable[str]) -> list[str]:
        """The URLs among sources still to download: not cached and not failed before."""
        return list(dict.fromkeys(
            source for source in sources
            if is_web(source) and source not in self._failed
            and not self.path_for(source).exists()))

    async def download(self, urls: Iterable[str], http: Http) -> None:
        """Fetch the missing ones, a few at a time, then evict. Never raises."""
        wanted = self.wanted(urls)
        if not wanted:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            self._failed.update(wanted)
            return
        slots = asyncio.Semaphore(CONCURRENT_DOWNLOADS)

        async def one(url: str) -> None:
            async with slots:
                try:
                    answer = await http.get(url, accept="image/*")
                    if not answer.body or len(answer.body) > MAX_DOWNLOAD:
                        raise ValueError("empty or too large")
                    self._store(url, answer.body)
                except Exception:  # noqa: BLE001 - a 404, a timeout, a full disk: no picture
                    self._failed.add(url)

        await asyncio.gather(*(one(url) for url in wanted))
        self.evict()

    def download_now(self, urls: Iterable[str],
                     cancelled: Callable[[], bool] = lambda: False) -> None:
        """download() with a short-lived client, for a worker thread (it runs its own loop).

        Given up soon after cancelled() turns true: a thread stuck on a slow server for a
        card the viewer has left would hold one of the few threads workers share.
        """
        wanted = self.wanted(urls)
        if wanted:
            asyncio.run(self._download_with_client(wanted, cancelled))

    async def _download_with_client(self, urls: list[str], cancelled: Callable[[], bool]) -> None:
        from tuifeed.sources.http import HttpClient  # httpx loads with the first download

        async with HttpClient(timeout=5.0, retries=1, max_bytes=MAX_DOWNLOAD) as http:
            task = asyncio.create_task(self.download(urls, http))
            while not task.done():
                await asyncio.wait([task], timeout=CANCEL_POLL_SECONDS)
                if cancelled():
                    task.cancel()

    def _store(self, url: str, body: bytes) -> None:
        # A reader never sees half a file: write aside, then rename over.
        handle, part = tempfile.mkstemp(prefix=PART_PREFIX, dir=self.folder)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(body)
            os.replace(part, self.path_for(url))
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise

    def evict(self) -> None:
        """Remove the least recently used pictures until the folder is under max_bytes."""
        pictures = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
                if entry.name.startswith(PART_PREFIX):
                    if now - info.st_mtime > STALE_PART_SECONDS:
                        os.remove(entry.path)
                elif entry.name.endswith(SUFFIX):
                    pictures.append((info.st_mtime, info.st_size, entry.path))
            except OSError:  # another thread got there first
                continue
        total = sum(size for _, size, _ in pictures)
        for _, size, path in sorted(pictures):
            if total <= self.max_bytes:
                break
            try:
                os.remove(path)
            except OSError:
                pass
            total -= size


def picture_for(cache: ThumbnailCache, source: str, max_size: tuple[int, int],
                cancelled: Callable[[], bool] = lambda: False) -> Image.Image | None:
    """The thumbnail of source, downloading it first when needed; None when there is none."""
    if is_web(source):
        cache.download_now([source], cancelled)
    path = cache.cached_path(source)
    return load_picture(path, max_size) if path is not None else None


def load_picture(path: str | os.PathLike[str],
                 max_size: tuple[int, int] = (540, 960)) -> Image.Image | None:
    """The picture shrunk to fit max_size, in RGB; None for anything that is not a small,
    regular, readable image file. Never raises, never waits on a FIFO or a device."""
    file = _open_regular(Path(path))
    if file is None:
        return None
    try:
        with file:
            with _warnings_lock, warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                picture = Image.open(file, formats=FORMATS)
            with picture:
                width, height = picture.size
                if width * height > MAX_PIXELS:
                    return None
                if picture.format == "JPEG":
                    # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 as it reads: far less work.
                    picture.draft("RGB", _fitted(picture.size, max_size))
                picture.thumbnail(max_size)
                return picture.convert("RGB")
    # Hostile files make Pillow raise many kinds: DecompressionBombError and the warning made
    # an error above, OSError, SyntaxError, ValueError, EOFError, struct.error, ...
    except Exception:  # noqa: BLE001
        return None


def _fitted(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """size scaled, keeping its aspect, to fit in box (never enlarged)."""
    scale = min(1.0, box[0] / max(size[0], 1), box[1] / max(size[1], 1))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _is_small_regular(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_size <= MAX_FILE


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _open_regular(path: Path) -> BinaryIO | None:
    """The file opened for reading, only if it is a regular file of a sane size.

    Checked before opening, since opening a FIFO blocks and opening a tty may take it over;
    and again after, non-blocking, in case the path was swapped in between.
    """
    try:
        if not _is_small_regular(os.stat(path)):
            return None
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        descriptor = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except (OSError, ValueError):
        return None
    file = os.fdopen(descriptor, "rb")
    try:
        if _is_small_regular(os.fstat(descriptor)):
            return file
    except OSError:
        pass
    file.close()
    return None
