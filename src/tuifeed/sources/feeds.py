"""Generic web feeds as FetchedItems: RSS 2.0 / RSS 1.0 / Atom with Media RSS and iTunes
extensions (`rss` kind), and JSON Feed 1.0/1.1 (`jsonfeed` kind).

Also the parts every XML kind shares: a hardened XML reader, dates, HTML-to-text, one
conditional GET.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

from tuifeed.sources.base import (ACCEPT, FetchedItem, FetchError, Http, Outcome, Validators,
                                  conditional_fetch, stable_id)

# -- reading XML safely ---------------------------------------------------------------------

# No entity substitution, no DTD or network loads, libxml2's default size limits: a feed is
# data from a stranger. libxml2 also refuses entity amplification (billion laughs) outright.
_SAFE = {"resolve_entities": False, "no_network": True, "huge_tree": False, "load_dtd": False,
         "remove_comments": True, "remove_pis": True}
_XML_PARSER = etree.XMLParser(**_SAFE)
# Dropping whitespace between elements makes parsing some 15% faster, but would glue words
# in mixed content ("<b>a</b> <i>b</i>"): only for formats without it, such as YouTube's.
_XML_PARSER_NO_BLANKS = etree.XMLParser(remove_blank_text=True, **_SAFE)
_UTF8_BOM = b"\xef\xbb\xbf"
_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def looks_like_html(body: bytes) -> bool:
    return _HTML_START.match(body[:4096].lstrip(_UTF8_BOM)) is not None


def parse_xml(body: bytes, *, drop_blank_text: bool = False) -> etree._Element:
    """The root element of an XML document, or FetchError with a one-line reason."""
    body = body.removeprefix(_UTF8_BOM)
    # Servers often put a newline before "<?xml", which XML forbids; harmless to drop.
    body = body.lstrip()
    if not body:
        raise FetchError("not a feed: the server sent an empty answer")
    if looks_like_html(body):
        raise FetchError("not a feed: the server sent an HTML page")
    try:
        root = etree.fromstring(body, _XML_PARSER_NO_BLANKS if drop_blank_text else _XML_PARSER)
    except etree.XMLSyntaxError as error:
        if b"<!ENTITY" in body[:65536]:  # e.g. libxml2 stopping a billion-laughs bomb
            raise FetchError(_ENTITIES_REFUSED) from None
        # libxml2's message already says where: "..., line 3, column 7".
        raise FetchError(f"not a feed: the XML is malformed ({_first_line(error.msg)})") \
            from None
    if root is None:
        raise FetchError("not a feed: the XML has no root element")
    # Entities are never expanded, but a feed that declares its own is hostile or a
    # decades-old oddity; either way its text would come out with holes. Refuse it.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise FetchError(_ENTITIES_REFUSED)
    return root


_ENTITIES_REFUSED = "not a feed: the XML declares its own entities (refused for safety)"


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return lines[0] if lines else "unknown error"


def text_of(element: etree._Element | None) -> str:
    """An element's text, including text inside child elements (e.g. Atom xhtml content)."""
    if element is None:
        return ""
    if len(element):
        return "".join(element.itertext()).strip()
    return (element.text or "").strip()


# -- dates, numbers, text -------------------------------------------------------------------


def parse_date(value: str | None) -> float | None:
    """RFC 3339 / ISO 8601 or RFC 822 (RSS pubDate) to Unix time; None when unparseable."""
    if not value:
        return None
    value = value.strip()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return _parse_rfc822(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        return when.timestamp()
    except (OverflowError, ValueError):
        return None


def _parse_rfc822(value: str) -> float | None:
    from email.utils import parsedate_tz  # RSS dates only: a YouTube fetch never loads it

    parts = parsedate_tz(value)
    if parts is None:
        return None
    try:
        # datetime rather than calendar.timegm so years such as 0999 or 3000 work alike.
        when = datetime(*parts[:6], tzinfo=UTC)
        return when.timestamp() - (parts[9] or 0)
    except (OverflowError, ValueError):
        return None


def parse_duration(value: str | None) -> float | None:
    """Seconds from "HH:MM:SS", "MM:SS" or "SSS(.s)"; None when unparseable or negative."""
    if not value:
        return None
    total = 0.0
    try:
        for part in value.strip().split(":")[-3:]:
            number = float(part)
            if number < 0:
                return None
            total = total * 60 + number
    except ValueError:
        return None
    return total if math.isfinite(total) else None


def parse_count(value: str | None) -> int | None:
    """A non-negative integer such as a view count; None when absent or not a number."""
    if not value:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


_DROPPED_HTML = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK_TAG = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote)\b[^>]*>",
                             re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^>]*>", re.DOTALL)
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")


def html_to_text(markup: str) -> str:
    """Plain text from an HTML fragment: tags dropped, entities decoded, paragraphs kept."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    from html import unescape  # with the first feed carrying markup (its entity table is large)

    text = _DROPPED_HTML.sub("", markup)
    text = _LINE_BREAK_TAG.sub("\n", text)
    text = unescape(_TAG.sub("", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def title_from(description: str) -> str:
    """A stand-in title for a title-less entry (a microblog post): its first line."""
    first = description.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 100 else first[:99].rstrip() + "…"


def web_url(value: str, base: str) -> str:
    """An absolute http(s) URL, or "": a remote feed must not point the player or the
    thumbnail loader at local files or odd schemes."""
    value = value.strip()
    if not value:
        return ""
    if not value.startswith(("http://", "https://")):
        value = urljoin(base, value)
    return value if urlsplit(value).scheme in ("http", "https") else ""


def unique(items: Iterable[FetchedItem | None]) -> list[FetchedItem]:
    """The items in order, without the skipped (None) and without repeats of an id (a
    playlist may hold a video twice): the first one stays."""
    seen: dict[str, FetchedItem] = {}
    for item in items:
        if item is not None and item.id not in seen:
            seen[item.id] = item
    return list(seen.values())


def creator_key(feed_url: str, author: str) -> str:
    """The channel of an entry. The name shown is the entry's author when the feed names one,
    so the key follows the author within the feed: one key never carries several names, and a
    viewer can like one presenter of a many-author feed. Entries without an author fall under
    the feed itself."""
    if author:
        return stable_id("feed", feed_url, author)
    return stable_id("feed", feed_url)


# -- one conditional GET --------------------------------------------------------------------


async def fetch_rss(url: str, http: Http, validators: Validators) -> Outcome:
    return await conditional_fetch(url, http, validators, ACCEPT["rss"], lambda: parse_feed)


async def fetch_json_feed(url: str, http: Http, validators: Validators) -> Outcome:
    return await conditional_fetch(url, http, validators, ACCEPT["jsonfeed"],
                                   lambda: parse_json_feed)


# -- kind detection -------------------------------------------------------------------------

_XML_NOISE = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>",
                        re.DOTALL | re.IGNORECASE)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_FEED_ROOTS = {b"rss", b"feed", b"rdf"}  # RDF is RSS 1.0's root, Atom's may be "atom:feed"


def sniff_kind(body: bytes, content_type: str) -> str | None:
    """"jsonfeed", "rss" (RSS, Atom or RDF) or None (HTML, anything else), from the answer."""
    # Servers often mislabel feeds (text/html, text/plain), so the body decides; the content
    # type only spares reading media files.
    if content_type.strip().lower().startswith(("image/", "video/", "audio/")):
        return None
    head = body[:8192].lstrip(_UTF8_BOM).lstrip()
    if head.startswith(b"{"):
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None
        return "jsonfeed" if _is_json_feed(data) else None
    if not head.startswith(b"<") or looks_like_html(head):
        return None
    match = _FIRST_TAG.search(_XML_NOISE.sub(b"", head))
    if match is None:
        return None
    return "rss" if match.group(1).lower().rsplit(b":", 1)[-1] in _FEED_ROOTS else None


# -- RSS / Atom / Media RSS -----------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"
ATOM_03 = "{http://purl.org/atom/ns#}"
RSS_1 = "{http://purl.org/rss/1.0/}"
RSS_090 = "{http://my.netscape.com/rdf/simple/0.9/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
MEDIA = "{http://search.yahoo.com/mrss/}"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
DUBLIN_CORE = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
YOUTUBE = "{http://www.youtube.com/xml/schemas/2015}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"



def _field_names() -> dict[str, str]:
    """Element name -> what it means, across the formats: one dict lookup per child."""
    fields = {}
    for namespace in ("", ATOM, ATOM_03, RSS_1, RSS_090):
        fields.update({namespace + name: name for name in (
            "title", "link", "guid", "id", "summary", "content", "pubDate", "published",
            "updated", "issued", "modified", "author", "category", "enclosure")})
        fields[namespace + "description"] = "html description"
    for namespace in (MEDIA, "{http://search.yahoo.com/mrss}"):  # some feeds drop the slash
        fields.update({namespace + name: "media:" + name for name in (
            "group", "content", "thumbnail", "title", "description", "keywords", "category")})
    fields.update({
        DUBLIN_CORE + "creator": "creator", DUBLIN_CORE + "date": "published",
        DUBLIN_CORE + "subject": "category", CONTENT + "encoded": "html content",
        DUBLIN_CORE + "language": "language",
        ITUNES + "author": "creator", ITUNES + "duration": "itunes:duration",
        ITUNES + "image": "itunes:image", ITUNES + "summary": "media:description",
        ITUNES + "keywords": "media:keywords",
    })
    return fields


_FIELDS = _field_names()
_ENTRY_TAGS = {"item", RSS_1 + "item", RSS_090 + "item", ATOM + "entry", ATOM_03 + "entry"}
_CHANNEL_TAGS = {"channel", RSS_1 + "channel", RSS_090 + "channel"}
_ROOT_TAGS = {"rss", RDF + "RDF", ATOM + "feed", ATOM_03 + "feed"}
_VIDEO_EXTENSIONS = (".mp4", ".m4v", ".webm", ".mkv", ".mov", ".m3u8", ".mpd", ".ogv")
_AUTHOR_IN_PARENTHESES = re.compile(r"\(([^()]+)\)\s*$")


def parse_feed(body: bytes, feed_url: str) -> list[FetchedItem]:
    """The video entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, Media RSS included."""
    root = parse_xml(body)
    if root.tag not in _ROOT_TAGS:
        raise FetchError(f"not a feed: the XML is a <{etree.QName(root).localname}> document, "
                         "not RSS or Atom")
    if root.tag == ATOM + "feed" and root.find(ATOM + "entry/" + YOUTUBE + "videoId") is not None:
        # A YouTube feed added as a plain feed: read it as YouTube, so a video keeps one id.
        from tuifeed.sources.youtube import items_from_root

        return items_from_root(root, feed_url)
    channel = next((child for child in root if child.tag in _CHANNEL_TAGS), root)
    feed_title = text_of(_first(channel, ("title", RSS_1 + "title", RSS_090 + "title",
                                          ATOM + "title", ATOM_03 + "title")))
    # A podcast's cover stands in for episodes without their own picture.
    cover = _first(channel, (ITUNES + "image",))
    feed_image = cover.get("href", "") if cover is not None else ""
    # The feed's language: RSS 2.0's <language>, Dublin Core's, or Atom's xml:lang.
    feed_language = text_of(_first(channel, ("language", DUBLIN_CORE + "language"))) or (
        channel.get(XML_LANG) or root.get(XML_LANG) or "")
    # RSS 2.0 keeps items in <channel>; RSS 1.0 and Atom keep them beside it / in the root.
    parents = (root,) if channel is root else (channel, root)
    return unique(_Entry(feed_url).read(child).item(feed_title, feed_image, feed_language)
                  for parent in parents for child in parent if child.tag in _ENTRY_TAGS)


def _first(parent: etree._Element, tags: tuple[str, ...]) -> etree._Element | None:
    for child in parent:
        if child.tag in tags:
            return child
    return None


class _Entry:
    """What one <item> or <entry> says, gathered in one pass over its children."""

    def __init__(self, feed_url: str) -> None:
        self.feed_url = feed_url
        self.title = self.media_title = self.guid = ""
        self.link = self.other_link = ""  # an HTML page; an alternate of another type
        self.summary = self.content = self.media_description = ""
        self.published: float | None = None
        self.updated: float | None = None
        self.authors: list[str] = []
        self.topics: list[str] = []
        self.video = self.thumbnail = self.image = ""
        self.video_is_default = False
        self.duration: float | None = None
        self.language = ""

    def read(self, node: etree._Element) -> _Entry:
        self.language = node.get(XML_LANG) or ""
        for child in node:
            field = _FIELDS.get(child.tag)
            if field is not None:
                self.take(field, child)
        return self

    def take(self, field: str, child: etree._Element) -> None:
        if field == "language":
            self.language = self.language or text_of(child)
        elif field == "title":
            self.title = self.title or _entry_text(child, "text")
        elif field == "link":
            self.take_link(child)
        elif field == "guid":
            self.guid = self.guid or text_of(child)
            # RSS: a guid is the item's permalink unless it says otherwise.
            if child.get("isPermaLink", "true") == "true" and self.guid.startswith("http"):
                self.other_link = self.other_link or self.guid
        elif field == "id":
            self.guid = self.guid or text_of(child)
        elif field in ("summary", "content"):  # Atom: the type attribute tells, text if none
            if child.get("src"):
                self.take_media(child.get("src", ""), child.get("type", ""), "", None, False)
            elif field == "summary":
                self.summary = self.summary or _entry_text(child, "text")
            else:
                self.content = self.content or _entry_text(child, "text")
        elif field == "html description":
            self.summary = self.summary or _entry_text(child, "html")
        elif field == "html content":
            self.content = self.content or _entry_text(child, "html")
        elif field in ("pubDate", "published", "issued"):
            if self.published is None:
                self.published = parse_date(child.text)
        elif field in ("updated", "modified"):
            if self.updated is None:
                self.updated = parse_date(child.text)
        elif field == "author":
            self.authors.append(_author_name(child))
        elif field == "creator":
            self.authors.insert(0, text_of(child))  # a name, unlike RSS <author>'s e-mail
        elif field == "category":
            self.topics.append(child.get("term") or text_of(child))
        elif field == "media:category":
            self.topics.append(child.get("label") or text_of(child).rsplit("/", 1)[-1])
        elif field == "media:keywords":
            self.topics.extend(text_of(child).split(","))
        elif field == "enclosure":
            self.take_media(child.get("url", ""), child.get("type", ""), "", None, False)
        elif field == "media:content":
            self.take_media(child.get("url", ""), child.get("type", ""), child.get("medium", ""),
                            parse_duration(child.get("duration")),
                            child.get("isDefault") == "true")
            self.read(child)  # media:content may carry its own thumbnail, title, keywords
        elif field == "media:group":
            self.read(child)
        elif field == "media:thumbnail":
            self.thumbnail = self.thumbnail or child.get("url", "")
        elif field == "itunes:image":
            self.image = self.image or child.get("href", "") or text_of(child)
        elif field == "media:title":
            self.media_title = self.media_title or _entry_text(child, "plain")
        elif field == "media:description":
            self.media_description = self.media_description or _entry_text(child, "plain")
        elif field == "itunes:duration":
            self.duration = parse_duration(child.text) or self.duration

    def take_link(self, child: etree._Element) -> None:
        href = child.get("href")
        if href is None:  # RSS: the link is the text
            self.link = self.link or text_of(child)
            return
        rel = child.get("rel", "alternate")
        kind = child.get("type", "text/html").lower()
        if rel == "enclosure" or (rel == "alternate" and kind.startswith("video/")):
            self.take_media(href, kind, "", None, False)
        elif rel == "alternate":
            # Atom may offer several alternates; the HTML page is the one to open.
            if kind in ("text/html", "application/xhtml+xml"):
                self.link = self.link or href
            else:
                self.other_link = self.other_link or href

    def take_media(self, url: str, mime: str, medium: str, duration: float | None,
                   is_default: bool) -> None:
        if not url:
            return
        mime = mime.lower()
        if medium == "video" or mime.startswith("video/") or "mpegurl" in mime or (
                not mime and not medium
                and urlsplit(url).path.lower().endswith(_VIDEO_EXTENSIONS)):
            # Several renditions in a media:group: the first, unless one says it is the default.
            if not self.video or (is_default and not self.video_is_default):
                self.video, self.video_is_default = url, is_default
            if self.duration is None:  # renditions of one video share its length
                self.duration = duration
        elif medium == "image" or mime.startswith("image/"):
            self.image = self.image or url

    def item(self, feed_title: str, feed_image: str,
             feed_language: str = "") -> FetchedItem | None:
        base = self.feed_url
        link = web_url(self.link or self.other_link, base)
        video = web_url(self.video, base)
        key = self.guid or self.link or self.other_link or self.video
        if not (link or video) or not key:
            return None
        description = self.media_description or self.summary or self.content
        author = next((name for name in self.authors if name), "")
        topics = dict.fromkeys(topic.strip() for topic in self.topics if topic.strip())
        return FetchedItem(
            id=stable_id("rss", self.feed_url, key),
            title=self.title or self.media_title or title_from(description),
            creator_id=creator_key(self.feed_url, author),
            creator_name=author or feed_title or urlsplit(self.feed_url).hostname or "",
            topics=tuple(topics),
            description=description,
            duration=self.duration,
            published=self.updated if self.published is None else self.published,
            thumbnail_url=web_url(self.thumbnail or self.image or feed_image, base),
            media_url=video or link,
            page_url=link,
            language=self.language or feed_language,
        )


def _entry_text(element: etree._Element, default_type: str) -> str:
    """An element's text as plain text. RSS description and content:encoded carry HTML; Atom
    and Media RSS say which in a type attribute (xhtml arrives as child elements)."""
    text = text_of(element)
    if element.get("type", default_type).lower() in ("html", "text/html"):
        return html_to_text(text)
    return text


def _author_name(element: etree._Element) -> str:
    if len(element):  # Atom: <author><name>...</name><email>...</email></author>
        for child in element:
            if child.tag in (ATOM + "name", ATOM_03 + "name"):
                return text_of(child)
        return ""
    # RSS: "jane@example.com (Jane Doe)" names the person in parentheses.
    text = text_of(element)
    match = _AUTHOR_IN_PARENTHESES.search(text)
    return match.group(1).strip() if match else text


# -- JSON Feed ------------------------------------------------------------------------------


def _is_json_feed(data: object) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("items"), list)
            and isinstance(data.get("version"), str) and "jsonfeed.org/version/" in
            data["version"])


def parse_json_feed(body: bytes, feed_url: str) -> list[FetchedItem]:
    """The entries of a JSON Feed 1.0 or 1.1 (https://jsonfeed.org/version/1.1)."""
    if looks_like_html(body):
        raise FetchError("not a feed: the server sent an HTML page")
    try:
        data = json.loads(body)
    except RecursionError:
        raise FetchError("not a JSON Feed: the JSON is nested too deeply") from None
    except ValueError as error:  # also UnicodeDecodeError
        raise FetchError(f"not a JSON Feed: the JSON is malformed ({_first_line(error)})") \
            from None
    if not _is_json_feed(data):
        raise FetchError('not a JSON Feed: no jsonfeed.org "version" with a list of "items"')
    feed_title = _string(data.get("title"))
    feed_author = _json_author(data)
    feed_language = _string(data.get("language"))  # JSON Feed 1.1
    return unique(_json_item(entry, feed_url, feed_title, feed_author, feed_language)
                  for entry in data["items"] if isinstance(entry, dict))


def _json_item(entry: dict, feed_url: str, feed_title: str, feed_author: str,
               feed_language: str = "") -> FetchedItem | None:
    base = feed_url  # relative URLs are relative to the document
    key = entry.get("id")
    key = str(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else ""
    page = web_url(_string(entry.get("url")) or _string(entry.get("external_url")), base)
    video = image = ""
    duration = None
    attachments = entry.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else ():
        if not isinstance(attachment, dict):
            continue
        url = web_url(_string(attachment.get("url")), base)
        mime = _string(attachment.get("mime_type")).lower()
        if not video and url and (mime.startswith("video/") or "mpegurl" in mime):
            video, duration = url, _seconds(attachment.get("duration_in_seconds"))
        elif not image and url and mime.startswith("image/"):
            image = url
    key = key or page or video
    if not key or not (page or video):
        return None
    description = (_string(entry.get("content_text")) or _string(entry.get("summary"))
                   or html_to_text(_string(entry.get("content_html"))))
    author = _json_author(entry) or feed_author
    tags = entry.get("tags")
    topics = dict.fromkeys(tag.strip() for tag in (tags if isinstance(tags, list) else ())
                           if isinstance(tag, str) and tag.strip())
    return FetchedItem(
        id=stable_id("jsonfeed", feed_url, key),
        title=_string(entry.get("title")) or title_from(description),
        creator_id=creator_key(feed_url, author),
        creator_name=author or feed_title or urlsplit(feed_url).hostname or "",
        topics=tuple(topics),
        description=description,
        duration=duration,
        published=(parse_date(_string(entry.get("date_published")))
                   or parse_date(_string(entry.get("date_modified")))),
        thumbnail_url=(web_url(_string(entry.get("image")), base)
                       or web_url(_string(entry.get("banner_image")), base) or image),
        media_url=video or page,
        page_url=page,
        language=_string(entry.get("language")) or feed_language,
    )


def _json_author(holder: dict) -> str:
    """The first author's name: 1.1's "authors" list, else 1.0's single "author"."""
    authors = holder.get("authors")
    if isinstance(authors, list):
        for author in authors:
            if isinstance(author, dict) and _string(author.get("name")):
                return _string(author.get("name"))
    author = holder.get("author")
    return _string(author.get("name")) if isinstance(author, dict) else ""


def _string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _seconds(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number >= 0:
            return number
    return None
