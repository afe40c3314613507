"""Subscription lists in and out: OPML, NewPipe and FreeTube exports, YouTube Takeout CSV.

Files are untrusted: read capped and never blocking, XML with a DOCTYPE refused, names cleaned."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.parsers import expat
from xml.sax.saxutils import escape

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text

MAX_BYTES = 20 * 1024 * 1024  # far above any real export; keeps a hostile file from eating memory
NAME_LIMIT = 200

_CHANNEL_ID = re.compile(r"UC[0-9A-Za-z_-]{22}")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"}
_YOUTUBE_FEED = "https://www.youtube.com/feeds/videos.xml"
# NewPipe's service ids (NewPipeExtractor's ServiceList); 0 YouTube and 3 PeerTube are read.
_NEWPIPE_SERVICES = {1: "SoundCloud", 2: "media.ccc.de", 4: "Bandcamp"}

Entry = tuple[str, object, str]  # url, raw name, kind ("" to guess from the URL)


@dataclass(frozen=True, slots=True)
class Subscription:
    url: str  # a URL tuifeed can add as a source (a YouTube channel becomes its feed URL)
    name: str  # display name, "" when unknown
    kind: str  # "youtube", "peertube", "rss" or "jsonfeed": a best guess, "rss" by default


def read_subscriptions(path: Path, notes: list[str] | None = None) -> list[Subscription]:
    """The subscriptions in an exported list, duplicates merged, in file order.

    What was left out (e.g. SoundCloud channels from NewPipe) is appended to `notes` as
    lines like "2 skipped: SoundCloud is not supported".
    """
    path = Path(path)
    data = _read_capped(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TuifeedError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    skipped: Counter[str] = Counter()
    reader = _READERS[detect_format(data, str(path))]
    subscriptions = _merge(reader(text, path, skipped), skipped)
    if notes is not None:
        notes.extend(f"{count} skipped: {reason}" for reason, count in skipped.items())
    return subscriptions


def detect_format(data: bytes, filename: str) -> str:
    """Which reader fits: "opml", "newpipe", "freetube" or "takeout" (by content, then name)."""
    text = data.decode("utf-8-sig", errors="replace").lstrip()
    suffix = Path(filename).suffix.lower()
    if text.startswith("<"):
        return "opml"
    if text.startswith("["):
        return "takeout"  # Takeout's older subscriptions.json, a list of youtube#subscription
    if text.startswith("{"):
        if suffix == ".db":
            return "freetube"
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            # FreeTube's .db holds one JSON record a line, so as a whole it has "Extra data".
            return "freetube" if error.msg == "Extra data" else "newpipe"
        if isinstance(record, dict) and ("_id" in record or "channelId" in record):
            return "freetube"
        return "newpipe"
    first_line = text.partition("\n")[0]
    if suffix == ".csv" or first_line.count(",") >= 2:
        return "takeout"
    raise TuifeedError(f"{filename}: not a subscription list tuifeed knows (OPML, NewPipe or "
                       f"FreeTube export, YouTube Takeout CSV)")


def write_opml(subscriptions: Iterable[Subscription], path: Path) -> None:
    """Write an OPML 2.0 list atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise TuifeedError(f"{path}: cannot be written ({error.strerror or error})") from None
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise TuifeedError(f"{path}: is a symlink; give the path of a regular file")
        if stat.S_ISDIR(mode):
            raise TuifeedError(f"{path}: is a folder; give the path of a file")
        if not stat.S_ISREG(mode):
            raise TuifeedError(f"{path}: is not a regular file (a FIFO, socket or device)")
    document = _opml_document(subscriptions)
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(document)
                file.flush()
                os.fsync(file.fileno())
            # os.replace swaps the name itself: a symlink planted since the check is replaced,
            # never followed.
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as error:
        raise TuifeedError(f"{path}: cannot be written ({error.strerror or error})") from None


def _opml_document(subscriptions: Iterable[Subscription]) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        "    <title>tuifeed subscriptions</title>",
        "  </head>",
        "  <body>",
    ]
    for subscription in subscriptions:
        name = _attribute(clean_text(subscription.name))
        url = _attribute(clean_text(subscription.url))
        lines.append(f'    <outline type="rss" text={name} title={name} xmlUrl={url}/>')
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8", errors="replace")


def _attribute(value: str) -> str:
    return '"' + escape(value, {'"': "&quot;"}) + '"'


def _read_capped(path: Path) -> bytes:
    try:
        _require_regular_file(os.stat(path), path)
        # O_NONBLOCK: a FIFO swapped in after the stat must not make open() wait for a writer.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as file:
            _require_regular_file(os.fstat(file.fileno()), path)
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise TuifeedError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_BYTES:
        raise TuifeedError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB, "
                           f"too big for a subscription list")
    return data


def _require_regular_file(status: os.stat_result, path: Path) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise TuifeedError(f"{path}: is a folder, not a subscription list")
    if not stat.S_ISREG(status.st_mode):
        raise TuifeedError(f"{path}: is not a regular file (a FIFO, socket or device)")


# Readers: text -> entries; they raise TuifeedError for a file of the wrong shape and count
# what they leave out in `skipped`.

def _read_opml(text: str, path: Path, skipped: Counter[str]) -> list[Entry]:
    entries: list[Entry] = []
    seen_root = False

    def refuse(*_args: object) -> None:
        # No DOCTYPE means no entity declarations: no billion laughs, no external entities.
        raise TuifeedError(f"{path}: has a DOCTYPE or entity declarations, refused as unsafe")

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal seen_root
        if not seen_root:
            seen_root = True
            if tag != "opml":
                raise TuifeedError(f"{path}: not an OPML file (its root element is <{tag}>)")
        if tag != "outline":
            return
        # Some exporters write xmlurl or XMLURL; categories are outlines without one.
        attributes = {key.lower(): value for key, value in attributes.items()}
        url = attributes.get("xmlurl", "").strip()
        if url:
            entries.append((url, attributes.get("title") or attributes.get("text", ""), ""))

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        raise TuifeedError(f"{path}: not valid XML ({error})") from None
    return entries


def _read_newpipe(text: str, path: Path, skipped: Counter[str]) -> list[Entry]:
    record = _load_json(text, path)
    if not isinstance(record, dict) or not isinstance(record.get("subscriptions"), list):
        raise TuifeedError(f'{path}: not a NewPipe export (no "subscriptions" list)')
    entries: list[Entry] = []
    for item in record["subscriptions"]:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            skipped["an entry without a URL"] += 1
            continue
        service = item.get("service_id", 0)
        if service == 0:
            entries.append((item["url"], item.get("name"), "youtube"))
        elif service == 3:
            entries.append((item["url"], item.get("name"), "peertube"))
        else:
            service_name = _NEWPIPE_SERVICES.get(service) if isinstance(service, int) else None
            skipped[f"{service_name or 'an unknown service'} is not supported"] += 1
    return entries


def _read_freetube(text: str, path: Path, skipped: Counter[str]) -> list[Entry]:
    try:
        records = [json.loads(text)]
    except json.JSONDecodeError:
        records = _json_lines(text, path)
    # FreeTube's own profiles.db is append-only (NeDB): a later record with the same _id
    # replaces the earlier one, and {"$$deleted": true} removes it.
    latest: dict[object, dict] = {}
    for number, record in enumerate(records):
        if not isinstance(record, dict):
            raise TuifeedError(f"{path}: not a FreeTube export (a record is not an object)")
        key = record.get("_id", number)
        if not isinstance(key, (str, int)):
            key = number
        if record.get("$$deleted"):
            latest.pop(key, None)
        else:
            latest[key] = record
    entries: list[Entry] = []
    for record in latest.values():
        if isinstance(record.get("subscriptions"), list):  # a profile
            channels = [(channel.get("id"), channel.get("name"))
                        for channel in record["subscriptions"] if isinstance(channel, dict)]
        elif "channelId" in record:  # the format before profiles: one channel a record
            channels = [(record.get("channelId"), record.get("channelName"))]
        else:
            continue  # e.g. NeDB's index records
        for channel_id, name in channels:
            if isinstance(channel_id, str) and _CHANNEL_ID.fullmatch(channel_id):
                entries.append((_channel_feed(channel_id), name, "youtube"))
            else:
                skipped["an entry without a YouTube channel id"] += 1
    return entries


def _read_takeout(text: str, path: Path, skipped: Counter[str]) -> list[Entry]:
    if text.lstrip().startswith("["):
        return _read_takeout_json(text, path, skipped)
    rows = csv.reader(io.StringIO(text))
    expected = "expected the columns Channel Id, Channel Url, Channel Title"
    entries: list[Entry] = []
    try:
        header = next(rows, [])
        # The header is in the account's language, so columns are known by position only.
        if len(header) < 3:
            raise TuifeedError(f"{path}: not a YouTube Takeout CSV ({expected})")
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            channel_id = row[0].strip()
            if len(row) < 3 or not _CHANNEL_ID.fullmatch(channel_id):
                raise TuifeedError(f"{path}: line {rows.line_num} has no YouTube channel id "
                                   f"({expected})")
            entries.append((_channel_feed(channel_id), row[2], "youtube"))
    except csv.Error as error:
        raise TuifeedError(f"{path}: not valid CSV (line {rows.line_num}: {error})") from None
    return entries


def _read_takeout_json(text: str, path: Path, skipped: Counter[str]) -> list[Entry]:
    records = _load_json(text, path)
    if not isinstance(records, list):
        raise TuifeedError(f"{path}: not a YouTube subscriptions list")
    entries: list[Entry] = []
    for record in records:
        snippet = record.get("snippet") if isinstance(record, dict) else None
        resource = snippet.get("resourceId") if isinstance(snippet, dict) else None
        channel_id = resource.get("channelId") if isinstance(resource, dict) else None
        if isinstance(channel_id, str) and _CHANNEL_ID.fullmatch(channel_id):
            entries.append((_channel_feed(channel_id), snippet.get("title"), "youtube"))
        else:
            skipped["an entry without a YouTube channel id"] += 1
    return entries


_READERS = {
    "opml": _read_opml,
    "newpipe": _read_newpipe,
    "freetube": _read_freetube,
    "takeout": _read_takeout,
}


def _load_json(text: str, path: Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TuifeedError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, "
                           f"column {error.colno})") from None
    except RecursionError:
        raise TuifeedError(f"{path}: not valid JSON (nested too deeply)") from None


def _json_lines(text: str, path: Path) -> list[object]:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise TuifeedError(f"{path}: line {number} is not valid JSON "
                                   f"({error.msg})") from None
    return records


def _merge(entries: Iterable[Entry], skipped: Counter[str]) -> list[Subscription]:
    merged: dict[str, Subscription] = {}
    for raw_url, raw_name, kind in entries:
        url = clean_text(raw_url)
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            skipped["not an http(s) URL"] += 1
            continue
        feed = _youtube_feed(url)
        if feed:
            url, kind = feed, "youtube"
        name = clean_text(raw_name, limit=NAME_LIMIT)
        known = merged.get(url)
        if known is None or (not known.name and name):
            merged[url] = Subscription(url, name, kind or _guess_kind(url))
    return list(merged.values())


def _channel_feed(channel_id: str) -> str:
    return f"{_YOUTUBE_FEED}?channel_id={channel_id}"


def _youtube_feed(url: str) -> str | None:
    """The feed URL, in one spelling, of a YouTube channel page or feed; None for others."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if host in _YOUTUBE_HOSTS:
        query = parse_qs(parts.query) if path == "/feeds/videos.xml" else {}
        channel_id = query.get("channel_id", [""])[0]
        user = query.get("user", [""])[0]
        if match := re.fullmatch(r"/channel/([^/]+)", path):
            channel_id = match[1]
        elif match := re.fullmatch(r"/user/([^/]+)", path):
            user = match[1]
        if _CHANNEL_ID.fullmatch(channel_id):
            return _channel_feed(channel_id)
        if re.fullmatch(r"[A-Za-z0-9_.-]+", user):
            return f"{_YOUTUBE_FEED}?user={user}"
        return None
    # Invidious serves /feed/channel/UC...; YouTube's own feed outlives any one instance.
    if (match := re.fullmatch(r"/feed/channel/([^/]+)", path)) and _CHANNEL_ID.fullmatch(
            match[1]):
        return _channel_feed(match[1])
    return None


def _guess_kind(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.lower()
    if (parts.hostname or "").lower() in _YOUTUBE_HOSTS:
        return "youtube"
    if path.startswith(("/video-channels/", "/accounts/")):
        return "peertube"
    if path.endswith(".json"):
        return "jsonfeed"
    return "rss"
