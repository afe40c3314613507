"""YouTube channel and playlist feeds (Atom with yt: and media: extensions) as FetchedItems.

Read directly with lxml in one pass over the tree: the feeds a subscriber fetches most.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tuifeed.sources.base import FetchedItem, FetchError, Http, Outcome, Validators
from tuifeed.sources.base import ACCEPT as ACCEPTS
from tuifeed.sources.base import conditional_fetch
from tuifeed.sources.feeds import parse_count, parse_date, parse_xml, unique

ATOM = "{http://www.w3.org/2005/Atom}"
YT = "{http://www.youtube.com/xml/schemas/2015}"
MEDIA = "{http://search.yahoo.com/mrss/}"

_ENTRY, _LINK = ATOM + "entry", ATOM + "link"
_ID, _UPDATED = ATOM + "id", ATOM + "updated"
_GROUP, _MEDIA_TITLE = MEDIA + "group", MEDIA + "title"
# Element -> (field, the attribute holding its value or None for the text).
_READ: dict[str, tuple[str, str | None]] = {
    YT + "videoId": ("video_id", None),
    YT + "channelId": ("channel_id", None),
    ATOM + "title": ("title", None),
    _LINK: ("link", "href"),
    ATOM + "name": ("author", None),
    ATOM + "published": ("published", None),
    MEDIA + "description": ("description", None),
    MEDIA + "thumbnail": ("thumbnail", "url"),
    MEDIA + "statistics": ("views", "views"),
    MEDIA + "starRating": ("likes", "count"),
}

FEED_BASE = "https://www.youtube.com/feeds/videos.xml"
ACCEPT = ACCEPTS["youtube"]
_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com"}
_CHANNEL_ID_FORM = re.compile(r"UC[A-Za-z0-9_-]{22}")
_VIDEO_ID_FORM = re.compile(r"[A-Za-z0-9_-]{6,20}")  # 11 characters today
_PLAYLIST_ID_FORM = re.compile(r"[A-Za-z0-9_-]{2,64}")
_WEB = ("https://", "http://")


def looks_like_youtube(url: str) -> bool:
    """Whether the URL points at YouTube at all (a channel, playlist, video or feed)."""
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host in _HOSTS or host == "youtu.be"


def youtube_feed_url(url: str) -> str | None:
    """The feed URL of a channel or playlist reference, or None.

    Handles (@name) and /user/ or /c/ URLs are not resolved: that needs the channel page.
    """
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in _HOSTS or parts.scheme not in ("http", "https"):
        return None
    query = parse_qs(parts.query)
    path = parts.path.rstrip("/")
    if path == "/feeds/videos.xml":
        channel, playlist = query.get("channel_id", [""])[0], query.get("playlist_id", [""])[0]
        if _CHANNEL_ID_FORM.fullmatch(channel) or _PLAYLIST_ID_FORM.fullmatch(playlist):
            return url.strip()
        return None
    segments = path.split("/")
    if len(segments) >= 3 and segments[1] == "channel" and _CHANNEL_ID_FORM.fullmatch(
            segments[2]):
        return f"{FEED_BASE}?channel_id={segments[2]}"
    if path == "/playlist":
        playlist = query.get("list", [""])[0]
        if _PLAYLIST_ID_FORM.fullmatch(playlist):
            return f"{FEED_BASE}?playlist_id={playlist}"
    return None


async def fetch(url: str, http: Http, validators: Validators) -> Outcome:
    """One conditional GET of a channel or playlist feed (a channel or playlist page URL is
    turned into its feed URL first)."""
    return await conditional_fetch(youtube_feed_url(url) or url, http, validators, ACCEPT,
                                   lambda: parse_youtube)


def parse_youtube(body: bytes, feed_url: str) -> list[FetchedItem]:
    """The videos of a YouTube channel or playlist feed, newest first as sent."""
    root = parse_xml(body, drop_blank_text=True)
    if root.tag != ATOM + "feed":
        raise FetchError(f"not a YouTube feed: the XML is a <{etree.QName(root).localname}> "
                         "document, not an Atom feed")
    return items_from_root(root, feed_url)


def items_from_root(root: etree._Element, feed_url: str) -> list[FetchedItem]:
    """The entries of a parsed YouTube feed. The feed's own channel id and author stand in
    for an entry's missing ones (in a playlist feed they are the playlist owner's)."""
    # One iterator over the whole tree that yields only the wanted elements, in document
    # order: walking each entry separately, or find() per field, costs two to three times
    # as much. Fields before the first entry are the feed's own.
    feed: dict[str, str] = {}
    entries: list[tuple[etree._Element, dict[str, str]]] = []
    fields = feed
    for element in root.iter(_ENTRY, *_READ):
        tag = element.tag
        if tag == _ENTRY:
            fields = {}
            entries.append((element, fields))
            continue
        key, attribute = _READ[tag]
        if key in fields or (tag == _LINK and element.get("rel", "alternate") != "alternate"):
            continue  # the first wins: the author's name, not a later contributor's
        fields[key] = (element.text if attribute is None else element.get(attribute)) or ""
    feed_channel = (_channel_id(feed.get("channel_id", "").strip())
                    or parse_qs(urlsplit(feed_url).query).get("channel_id", [""])[0])
    feed_author = feed.get("author", "").strip() or feed.get("title", "").strip()
    return unique(_entry_item(entry, fields, feed_channel, feed_author)
                  for entry, fields in entries)


def _entry_item(entry: etree._Element, fields: dict[str, str], feed_channel: str,
                feed_author: str) -> FetchedItem | None:
    get = fields.get
    video_id = get("video_id", "").strip()
    if not video_id:  # fallbacks for odd entries are looked up only when needed
        video_id = (entry.findtext(_ID) or "").strip().removeprefix("yt:video:")
    if not _VIDEO_ID_FORM.fullmatch(video_id):
        return None  # it goes into the URL the player opens: nothing but an id
    published = parse_date(get("published")) or parse_date(entry.findtext(_UPDATED))
    title = get("title", "") or entry.findtext(f"{_GROUP}/{_MEDIA_TITLE}") or ""
    page_url = get("link", "")
    thumbnail = get("thumbnail", "")
    watch_url = f"https://www.youtube.com/watch?v={video_id}"
    return FetchedItem(
        id="yt:" + video_id,
        title=title.strip(),
        creator_id="youtube:" + (_channel_id(get("channel_id", "").strip()) or feed_channel
                                 or "unknown"),
        creator_name=get("author", "").strip() or feed_author,
        description=get("description", "").strip(),
        published=published,
        views=parse_count(get("views")),
        likes=parse_count(get("likes")),
        thumbnail_url=thumbnail if thumbnail.startswith(_WEB) else "",
        media_url=watch_url,  # mpv plays a watch URL through yt-dlp, Shorts included
        page_url=page_url if page_url.startswith(_WEB) else watch_url,
        # "https://www.youtube.com/shorts/ID": the path after the host, without urlsplit
        # (which costs more than all the rest of an entry).
        short_form=page_url.split("/", 3)[-1].startswith("shorts/"),
    )


def _channel_id(value: str) -> str:
    # Since late 2023 the feeds sometimes send a channel id without its "UC" prefix.
    return "UC" + value if len(value) == 22 else value  # a full id is "UC" + 22
