"""Adding a source: which kind a URL is (asked of the server only when the URL can't tell),
the address to store for it, and a short name the viewer can type."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from tuifeed.errors import TuifeedError
from tuifeed.sources import feeds, peertube, youtube
from tuifeed.sources.base import SOURCE_KINDS, FetchError, Http
from tuifeed.text import clean_text

YOUTUBE_NAMESPACE = b"http://www.youtube.com/xml/schemas/2015"
ADDABLE_KINDS = tuple(kind for kind in SOURCE_KINDS if kind != "demo")
_PEERTUBE_PATH = re.compile(r"^/(c|a|video-channels|accounts)/[^/]+(/videos)?/?$|^/search$")
# Path parts that say nothing about which feed it is.
_GENERIC_SEGMENTS = frozenset({"feeds", "feed", "videos.xml", "rss", "rss.xml", "atom.xml",
                               "feed.xml", "index.xml", "videos", "c", "a", "video-channels",
                               "accounts", "api", "v1", "feed.json", "index.json"})
_NAME_JUNK = re.compile(r"[^\w.-]+")


def guess_kind(url: str) -> str | None:
    """The kind when the address alone says it; None when the server must be asked."""
    if _is_local(url):
        return "folder"
    if youtube.looks_like_youtube(url):
        return "youtube"
    path = urlsplit(url).path
    if _PEERTUBE_PATH.match(path):
        return "peertube"
    if path.endswith(".json"):
        return "jsonfeed"
    return None


async def detect_kind(url: str, http: Http) -> str:
    """Ask the server: a feed says so by its body; a PeerTube instance by /api/v1/config."""
    answer = await http.get(url)
    sniffed = feeds.sniff_kind(answer.body, answer.content_type)
    if sniffed == "rss" and YOUTUBE_NAMESPACE in answer.body[:4096]:
        return "youtube"
    if sniffed:
        return sniffed
    parts = urlsplit(answer.url)
    try:
        config = await http.get(f"{parts.scheme}://{parts.netloc}/api/v1/config",
                                accept="application/json")
        if isinstance(json.loads(config.body), dict) and "instance" in json.loads(config.body):
            return "peertube"
    except (FetchError, ValueError, RecursionError):
        pass
    raise FetchError(f"{url} is not a feed tuifeed can read (an HTML page?); "
                     f"give --kind if you know what it is")


def source_address(kind: str, url: str) -> str:
    """The address stored for a source, checked for its kind (one clear line when wrong)."""
    url = url.strip()
    if clean_text(url) != url:
        raise TuifeedError(f"the address holds control characters or spaces: "
                           f"{clean_text(url)!r}")
    if kind not in ADDABLE_KINDS:
        raise TuifeedError(f"unknown source kind {kind!r}; kinds are: {', '.join(ADDABLE_KINDS)}")
    if kind == "folder":
        path = Path(url.removeprefix("file://")).expanduser()
        if not path.is_dir():
            raise TuifeedError(f"no such folder: {clean_text(str(path))}")
        return str(path.resolve())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TuifeedError(f"not a web address (http or https): {clean_text(url)}")
    if kind == "youtube":
        # A YouTube page becomes its feed; a feed elsewhere (a mirror, a test server) is
        # taken as it is when the viewer says it is YouTube-shaped.
        feed = youtube.youtube_feed_url(url) or (
            url if parts.path.endswith("/feeds/videos.xml") else None)
        if feed is None:
            raise TuifeedError("give a YouTube channel (/channel/UC...), a playlist "
                               "(/playlist?list=...) or a feeds/videos.xml address; @handles "
                               "need the channel id (see README)")
        return feed
    if kind == "peertube":
        try:
            peertube.parse_source_url(url)
        except FetchError as error:
            raise TuifeedError(str(error)) from None
    return url


def default_name(kind: str, address: str, taken: set[str]) -> str:
    """A short name from the address: host and last path part, unique among sources."""
    if kind == "folder":
        base = Path(address).name or "folder"
    else:
        parts = urlsplit(address)
        query = parts.query.split("=", 1)[-1] if parts.query else ""
        telling = [segment.rsplit(".", 1)[0] for segment in parts.path.split("/")
                   if segment and segment.lower() not in _GENERIC_SEGMENTS]
        host = (parts.hostname or "").removeprefix("www.")
        if kind == "youtube" and query:
            base = f"youtube-{query}"
        else:
            base = "-".join(part for part in (host.split(".")[0], query or "-".join(
                telling[-2:])) if part)
    base = _NAME_JUNK.sub("-", base).strip("-.")[:40] or kind
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    return name


def check_name(name: str) -> str:
    cleaned = clean_text(name)
    if not cleaned or len(cleaned) > 60 or cleaned != name or _NAME_JUNK.search(cleaned):
        raise TuifeedError(f"a source name is 1-60 letters, digits, '.', '_' or '-', "
                           f"not {clean_text(name)!r}")
    return cleaned


def _is_local(url: str) -> bool:
    if url.startswith("file://"):
        return True
    if "://" in url:
        return False
    return url.startswith(("/", "~", ".")) or os.path.isdir(os.path.expanduser(url))
