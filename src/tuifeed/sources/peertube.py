"""PeerTube: an instance, a channel, an account or a search, read through the REST API
(/api/v1), with tags and a playable file taken from each new video's details."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, quote, unquote, urlencode, urljoin, urlsplit

from tuifeed.sources.base import FetchedItem, FetchError, Http, Outcome, Validators
from tuifeed.text import clean_text

JSON = "application/json"
DETAIL_CONCURRENCY = 4  # PeerTube rate-limits its API (50 calls per 10 s by default)
PREFERRED_HEIGHT = 720  # a terminal player gains nothing from more


def parse_source_url(url: str) -> tuple[str, str, str]:
    """(origin, scope, name) of a PeerTube web address; scope is instance, channel, account
    or search (name is then the query)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not a PeerTube address (http or https expected): {url}")
    origin = f"{parts.scheme}://{parts.netloc}"
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if not segments:
        return origin, "instance", ""
    head, rest = segments[0], segments[1:]
    if head == "search" and not rest:
        query = parse_qs(parts.query).get("search", [""])[0].strip()
        if query:
            return origin, "search", query
    elif head in ("c", "video-channels") and rest and rest[1:] in ([], ["videos"]):
        return origin, "channel", rest[0]
    elif head in ("a", "accounts") and rest and rest[1:] in ([], ["videos"]):
        return origin, "account", rest[0]
    raise FetchError(f"not a PeerTube instance, channel, account or search address: {url}")


def list_url(origin: str, scope: str, name: str, start: int, count: int) -> str:
    """The API address of one page of a source's videos, newest first."""
    query = {"sort": "-publishedAt", "start": start, "count": count}
    if scope == "instance":
        path = "/api/v1/videos"
    elif scope == "channel":
        path = f"/api/v1/video-channels/{quote(name, safe='@')}/videos"
    elif scope == "account":
        path = f"/api/v1/accounts/{quote(name, safe='@')}/videos"
    elif scope == "search":
        path = "/api/v1/search/videos"
        query = {"search": name, **query}
    else:
        raise ValueError(f"unknown PeerTube scope: {scope}")
    return f"{origin}{path}?{urlencode(query)}"


def parse_list(body: bytes, origin: str) -> tuple[list[FetchedItem], int]:
    """(items, total) from a VideoListResponse: {"total": N, "data": [Video, ...]}."""
    data = _load_json(body, "video list")
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FetchError("PeerTube: the video list has no \"data\" array")
    items = [_item(video, origin, index) for index, video in enumerate(data["data"])]
    total = data.get("total")
    return items, total if isinstance(total, int) else len(items)


def parse_details(body: bytes, origin: str) -> dict:
    """From a VideoDetails: {"tags": [...], "description": str, "media_url": str}."""
    video = _load_json(body, "video details")
    if not isinstance(video, dict) or not video.get("uuid"):
        raise FetchError("PeerTube: the video details are not a video object")
    tags = [tag for tag in video.get("tags") or () if isinstance(tag, str) and tag.strip()]
    return {
        "tags": tags,
        "description": _text(video.get("description")),
        "media_url": _playable_url(video, origin) or _page_url(video, origin),
    }


async def fetch(url: str, http: Http, validators: Validators, *, pages: int = 2,
                per_page: int = 50, tag_budget: int = 20,
                known: set[str] | None = None) -> Outcome:
    """Read up to `pages` pages of the source, then the details of at most `tag_budget` of its
    newest videos not in `known` (ids whose details the catalogue already holds)."""
    origin, scope, name = parse_source_url(url)
    first = list_url(origin, scope, name, 0, per_page)
    etag, last_modified = validators.get(first, ("", ""))
    answer = await http.get(first, etag=etag, last_modified=last_modified, accept=JSON)
    if answer.not_modified:
        return Outcome(unchanged=True, validators={first: (etag, last_modified)})
    outcome = Outcome()
    if answer.etag or answer.last_modified:
        outcome.validators[first] = (answer.etag, answer.last_modified)
    items, total = parse_list(answer.body, origin)
    page_items = items
    for page in range(1, pages):
        start = page * per_page
        # Later pages shift as videos are published, so they are never asked conditionally.
        if start >= total or len(page_items) < per_page:
            break
        try:
            later = await http.get(list_url(origin, scope, name, start, per_page), accept=JSON)
            page_items, _ = parse_list(later.body, origin)
        except FetchError as error:
            outcome.notes.append(f"page {page + 1} of {url} skipped: {error}")
            break
        items += page_items
    outcome.items = await _with_details(_unique(items), origin, http, tag_budget,
                                        known or set(), outcome.notes)
    return outcome


async def _with_details(items: list[FetchedItem], origin: str, http: Http, budget: int,
                        known: set[str], notes: list[str]) -> list[FetchedItem]:
    """The items, the newest unknown ones (up to the budget) completed from their details."""
    new = sorted((item for item in items if item.id not in known),
                 key=lambda item: item.published or 0.0, reverse=True)
    chosen = new[:max(budget, 0)]
    if len(new) > len(chosen):
        notes.append(f"tag budget: details of {len(chosen)} of {len(new)} new videos read; "
                     "the others have no tags yet")
    gate = asyncio.Semaphore(DETAIL_CONCURRENCY)
    failures: list[str] = []

    async def complete(item: FetchedItem) -> FetchedItem:
        address = f"{origin}/api/v1/videos/{quote(item.extra['uuid'])}"
        try:
            async with gate:
                answer = await http.get(address, accept=JSON)
            details = parse_details(answer.body, origin)
        except FetchError as error:
            # Titles are untrusted and notes are shown as they are: cleaned here.
            failures.append(f"\"{clean_text(item.title, limit=60)}\" ({error})")
            return item
        topics = _unique_texts([*item.topics, *details["tags"]])
        return replace(item, topics=topics, media_url=details["media_url"],
                       description=details["description"] or item.description,
                       extra={**item.extra, "detailed": True})

    completed = await asyncio.gather(*(complete(item) for item in chosen))
    if failures:
        notes.append(f"details of {len(failures)} video(s) could not be read, kept without "
                     f"tags: {', '.join(failures[:3])}" + (" …" if len(failures) > 3 else ""))
    by_id = {item.id: item for item in completed}
    return [by_id.get(item.id, item) for item in items]


def _item(video: object, origin: str, index: int) -> FetchedItem:
    if not isinstance(video, dict) or not video.get("uuid") or not video.get("name"):
        raise FetchError(f"PeerTube: video #{index + 1} of the list has no uuid or name")
    channel = video.get("channel")
    if not isinstance(channel, dict) or not channel.get("name"):
        raise FetchError(f"PeerTube: video #{index + 1} of the list has no channel")
    # A video's uuid is the same on every instance that federates it, so the id takes the
    # channel's (home) host: the same video read through two instances is one item.
    host = _text(channel.get("host")) or urlsplit(origin).netloc
    category = video.get("category")
    topics = ()
    if isinstance(category, dict) and category.get("id") is not None and category.get("label"):
        topics = (str(category["label"]),)
    thumbnail = video.get("thumbnailPath") or video.get("previewPath") or ""
    page_url = _page_url(video, origin)
    aspect = video.get("aspectRatio")
    language = video.get("language")  # {"id": "fr", "label": "French"}; id null when unset
    return FetchedItem(
        id=f"peertube:{host}:{video['uuid']}",
        title=_text(video["name"]),
        creator_id=f"peertube:{host}:{channel['name']}",
        creator_name=_text(channel.get("displayName")) or _text(channel["name"]),
        topics=topics,
        description=_text(video.get("truncatedDescription") or video.get("description")),
        duration=_number(video.get("duration")) or None,  # a live has duration 0
        published=_timestamp(video.get("publishedAt")),
        views=_count(video.get("views")),
        likes=_count(video.get("likes")),
        thumbnail_url=urljoin(origin + "/", thumbnail) if thumbnail else "",
        media_url=page_url,
        page_url=page_url,
        short_form=isinstance(aspect, (int, float)) and 0 < aspect < 1,
        language=_text(language.get("id")) if isinstance(language, dict) else "",
        extra={"uuid": str(video["uuid"]), "live": bool(video.get("isLive")),
               "nsfw": bool(video.get("nsfw"))},
    )


def _playable_url(video: dict, origin: str) -> str:
    """The web video file closest to 720p from below, else the HLS playlist."""
    files = [file for file in video.get("files") or ()
             if isinstance(file, dict) and file.get("fileUrl")]
    if files:
        # The tallest file at or under the preferred height, else the smallest taller one;
        # audio-only files (resolution 0) only when nothing else is there.
        fitting = [file for file in files if 0 < _resolution(file) <= PREFERRED_HEIGHT]
        taller = [file for file in files if _resolution(file) > PREFERRED_HEIGHT]
        if fitting:
            best = max(fitting, key=_resolution)
        else:
            best = min(taller, key=_resolution) if taller else files[0]
        return urljoin(origin + "/", best["fileUrl"])
    for playlist in video.get("streamingPlaylists") or ():
        if isinstance(playlist, dict) and playlist.get("playlistUrl"):
            return urljoin(origin + "/", playlist["playlistUrl"])
    return ""


def _resolution(file: dict) -> int:
    resolution = file.get("resolution")
    value = resolution.get("id") if isinstance(resolution, dict) else resolution
    return value if isinstance(value, int) else 0


def _page_url(video: dict, origin: str) -> str:
    if isinstance(video.get("url"), str) and video["url"].startswith(("http://", "https://")):
        return video["url"]
    if video.get("shortUUID"):
        return f"{origin}/w/{video['shortUUID']}"
    return f"{origin}/videos/watch/{video['uuid']}"


def _load_json(body: bytes, what: str) -> object:
    if body.lstrip()[:1] == b"<":
        raise FetchError(f"PeerTube: the {what} is an HTML page, not an API answer "
                         "(is this a PeerTube instance?)")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise FetchError(f"PeerTube: the {what} is not valid JSON ({error})") from None


def _timestamp(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _unique(items: list[FetchedItem]) -> list[FetchedItem]:
    """Without repeats: a video published while paging shifts one onto the next page."""
    first: dict[str, FetchedItem] = {}
    for item in items:
        first.setdefault(item.id, item)
    return list(first.values())


def _unique_texts(texts: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for text in texts:
        seen.setdefault(text.strip(), None)
    return tuple(seen)
