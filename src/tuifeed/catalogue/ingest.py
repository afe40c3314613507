"""From what a source sent to a catalogue item: text cleaned, topics normalised or guessed,
numbers and times checked. Every source kind goes through here, once."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from tuifeed.catalogue.topics import derive_topics, normalise_topics, singular
from tuifeed.languages import language_code
from tuifeed.models import Item
from tuifeed.sources.base import FetchedItem
from tuifeed.text import clean_text

TITLE_LIMIT = 300
DESCRIPTION_LIMIT = 5000
URL_LIMIT = 2000
MAX_TAGS = 64  # tags read per item
TAG_LIMIT = 100  # characters in one tag
COUNT_LIMIT = 2**53  # larger counts are not numbers any source means
LATEST_AHEAD = 86400.0  # a publish time more than a day ahead is a wrong clock: take now
_WEB_PREFIXES = ("https://", "http://")


def vocabulary(topics: Iterable[str]) -> dict[str, str]:
    """singular -> topic, for matching title words against the catalogue's topics."""
    return {singular(topic): topic for topic in topics}


class Addresses:
    """Which addresses a source may give its items: http(s) from any source, and local files
    only from a local folder source, inside its folder (or tuifeed's cache of it). Anything
    else (javascript:, data:, file: or a path from a feed on the web) is dropped, and counted."""

    def __init__(self, local_roots: Sequence[Path] = ()) -> None:
        self.roots = [root.resolve() for root in local_roots]
        self.dropped = 0

    def check(self, address: str) -> str:
        if not address:
            return ""
        if _plainly_web(address) or _web(address):
            return address
        parts = _split(address)
        if self.roots and parts is not None and parts.scheme in ("", "file"):
            path = Path(unquote(parts.path) if parts.scheme == "file" else address)
            try:
                resolved = path.resolve()
            except (OSError, RuntimeError, ValueError):
                resolved = None
            if resolved is not None and any(resolved.is_relative_to(root)
                                             for root in self.roots):
                return address
        self.dropped += 1
        return ""


def _plainly_web(address: str) -> bool:
    """http(s) with a host, told without parsing the whole address (the common case)."""
    if not address.startswith(_WEB_PREFIXES) or "[" in address:  # IPv6 hosts: parse them
        return False
    host = address.partition("://")[2]
    return bool(host) and host[0] not in "/?#"


def _web(address: str) -> bool:
    parts = _split(address)
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def _split(address: str) -> SplitResult | None:
    try:
        return urlsplit(address)
    except ValueError:  # "http://[oops": not an address at all
        return None


def to_items(fetched: Sequence[FetchedItem], source: str, now: float,
             known: dict[str, str], addresses: Addresses | None = None
             ) -> tuple[list[Item], list[bool]]:
    """Catalogue items and, for each, whether its topics were guessed from its text."""
    addresses = addresses or Addresses()
    creators: dict[tuple[str, str], tuple[str, str]] = {}  # a feed's entries share one
    items, derived = [], []
    for record in fetched:
        item, guessed = to_item(record, source, now, known, addresses, creators)
        if item is not None:
            items.append(item)
            derived.append(guessed)
    return items, derived


def to_item(record: FetchedItem, source: str, now: float, known: dict[str, str],
            addresses: Addresses | None = None,
            creators: dict[tuple[str, str], tuple[str, str]] | None = None
            ) -> tuple[Item | None, bool]:
    addresses = addresses or Addresses()
    item_id = clean_text(record.id, limit=URL_LIMIT)
    title = clean_text(record.title, limit=TITLE_LIMIT)
    if not item_id:
        return None, False
    description = clean_text(record.description, single_line=False, limit=DESCRIPTION_LIMIT)
    # Only the first tags count (a hostile answer may send a million): a few are kept anyway.
    topics = normalise_topics(clean_text(topic, limit=TAG_LIMIT)
                              for topic in record.topics[:MAX_TAGS]) if record.topics else ()
    if not topics:
        topics = derive_topics(title, description, known)
    # Topics are the source's word only when it sent tags; a PeerTube list answer gives just
    # the category (tags come with the details, read within a budget), so a known item keeps
    # the topics and playable URL it already has until its details are read.
    guessed = not record.topics or record.extra.get("detailed") is False or (
        "uuid" in record.extra and not record.extra.get("detailed"))
    named = (record.creator_name, record.creator_id)
    channel = creators.get(named) if creators is not None else None
    if channel is None:
        creator = clean_text(record.creator_name, limit=TITLE_LIMIT) or "unknown"
        channel = (creator, clean_text(record.creator_id, limit=URL_LIMIT)
                   or f"{source}:{creator}")
        if creators is not None:
            creators[named] = channel
    return Item(
        id=item_id,
        title=title or "(untitled)",
        creator=channel[0],
        creator_id=channel[1],
        topics=topics,
        description=description,
        duration=_positive(record.duration, 10**6),
        published=_moment(record.published, now),
        views=_count(record.views),
        likes=_count(record.likes),
        thumbnail=addresses.check(clean_text(record.thumbnail_url, limit=URL_LIMIT)),
        source=source,
        url=addresses.check(clean_text(record.media_url or record.page_url, limit=URL_LIMIT)),
        page_url=addresses.check(clean_text(record.page_url, limit=URL_LIMIT)),
        short_form=bool(record.short_form),
        language=language_code(record.language),
    ), guessed


def _positive(value: object, ceiling: float) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and 0 < number <= ceiling else 0.0


def _moment(value: object, now: float) -> float:
    """Unix seconds; an unknown, impossible or far-future time becomes `now` (first seen)."""
    try:
        moment = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return now
    if not math.isfinite(moment) or moment < 0 or moment > now + LATEST_AHEAD:
        return now
    return moment


def _count(value: object) -> int:
    """A view or like count; -1 when unknown (stored as NULL)."""
    if isinstance(value, bool) or value is None:
        return -1
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return -1
    return number if 0 <= number < COUNT_LIMIT else -1
