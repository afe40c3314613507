"""What every source kind gives: items as plain records, before the catalogue takes them in.

A source module turns what a server or a folder sent into `FetchedItem`s. It does not clean
text for the terminal or normalise topics: the catalogue does both, once, for every kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

SOURCE_KINDS = ("peertube", "youtube", "rss", "jsonfeed", "folder", "demo")


@dataclass(frozen=True, slots=True)
class FetchedItem:
    """One video as a source describes it. Unknown numbers are None, unknown texts ""."""

    id: str  # globally unique and stable across fetches, e.g. "yt:dQw4w9WgXcQ"
    title: str
    creator_id: str  # the channel's stable key, namespaced: "youtube:UC...", "peertube:host:name"
    creator_name: str  # its display name (two channels may share one)
    topics: tuple[str, ...] = ()  # raw tags or categories, as sent
    description: str = ""
    duration: float | None = None  # seconds
    published: float | None = None  # Unix time, UTC
    views: int | None = None
    likes: int | None = None
    thumbnail_url: str = ""  # http(s) URL or a local path
    media_url: str = ""  # what a player opens: a file, an HLS playlist, a watch page
    page_url: str = ""  # the item's web page, when it has one
    short_form: bool = False  # a YouTube Short, a vertical clip
    language: str = ""  # its language tag as sent ("en-US"); reduced on ingest
    extra: dict = field(default_factory=dict, compare=False)


def stable_id(prefix: str, *parts: str) -> str:
    """A short id that stays the same for the same parts: prefix + 16 hex digits."""
    import hashlib  # for the feeds that give no id of their own, not for YouTube's

    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"),
                             digest_size=8).hexdigest()
    return f"{prefix}:{digest}"


class FetchError(Exception):
    """A source could not be read; the message is one clear line for the viewer."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer (or a 304 for a conditional GET)."""

    url: str  # after redirects
    status: int
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Http:
    """What a source kind needs from the fetcher (implemented in sources/http.py)."""

    async def get(self, url: str, *, etag: str = "", last_modified: str = "",
                  accept: str = "") -> Answer:  # pragma: no cover - an interface
        """GET with conditional validators; raises FetchError for anything but 2xx/304."""
        raise NotImplementedError


# Per URL, the validators of its last 200 answer: url -> (etag, last_modified).
Validators = dict[str, tuple[str, str]]


@dataclass(slots=True)
class Outcome:
    """What one fetch of one source gave. `unchanged` means every answer was a 304: the items
    the catalogue already holds from this source stay as they are."""

    items: list[FetchedItem] = field(default_factory=list)
    unchanged: bool = False
    validators: Validators = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # soft problems, e.g. a tag budget hit


# What each feed kind asks for (kept here so the fetch can send its requests before the
# parsers, and lxml with them, are loaded).
ACCEPT = {
    "youtube": "application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1",
    "rss": ("application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
            "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"),
    "jsonfeed": "application/feed+json, application/json;q=0.9, */*;q=0.1",
}

Parser = Callable[[bytes, str], list[FetchedItem]]


async def conditional_fetch(url: str, http: Http, validators: Validators, accept: str,
                            parser: Callable[[], Parser]) -> Outcome:
    """GET `url` with the validators of its last answer; a 304 leaves the items as they are.
    `parser()` gives the parse function, asked for only once an answer has come."""
    etag, last_modified = validators.get(url, ("", ""))
    answer = await http.get(url, etag=etag, last_modified=last_modified, accept=accept)
    if answer.not_modified:
        return Outcome(unchanged=True, validators={url: (etag, last_modified)})
    return Outcome(parse_or_refuse(parser(), answer.body, url),
                   validators={url: (answer.etag, answer.last_modified)})


def parse_or_refuse(parser: Parser, body: bytes, url: str) -> list[FetchedItem]:
    """The parser's items, or a FetchError: whatever a hostile answer makes a parser raise
    (a bug's exception, a recursion limit) is reported as the source's failure, one line."""
    try:
        return parser(body, url)
    except FetchError:
        raise
    except (RecursionError, MemoryError):
        raise FetchError("not a feed: nested too deeply or too large to read") from None
    except Exception as error:  # noqa: BLE001 - a source must never break the fetch
        raise FetchError(f"not a feed this version can read ({type(error).__name__})") \
            from None
