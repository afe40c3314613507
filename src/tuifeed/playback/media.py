"""Which address plays an item, checked before anything is started.

Only http(s) URLs and local files are played. An address that could be read as an option
(a leading "-"), or that carries a newline or any control character, is refused: mpv gets
it after "--" in an argument list, but a refusal is clearer than a strange playback.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tuifeed.assets import demo_dir
from tuifeed.errors import TuifeedError
from tuifeed.models import Item
from tuifeed.text import clean_text

DEMO_CLIPS = 6  # assets/demo/clips/clip-N.mp4, made by assets/make_clips.py
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def demo_clip(item: Item) -> Path:
    """The bundled clip a demo item plays: demo:0042 plays clip-(42 % 6)."""
    digits = "".join(character for character in item.id if character.isdigit())
    return demo_dir() / "clips" / f"clip-{int(digits or 0) % DEMO_CLIPS}.mp4"


def check_address(address: str) -> str:
    """An http(s) URL or a local file, fit to hand to a player; a TuifeedError otherwise."""
    shown = clean_text(address, limit=120)
    if not address.strip():
        raise TuifeedError("this item has no address to play")
    if _CONTROL.search(address):
        raise TuifeedError(f"refused to play {shown!r}: its address holds a newline or a "
                           f"control character")
    if address.startswith("-"):
        raise TuifeedError(f"refused to play {shown!r}: an address may not begin with '-'")
    parts = urlsplit(address)
    if parts.scheme in ("http", "https"):
        if not parts.netloc:
            raise TuifeedError(f"refused to play {shown!r}: no host in the URL")
        return address
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise TuifeedError(f"refused to play {shown!r}: a file URL on another host")
        address = unquote(parts.path)
    elif parts.scheme and len(parts.scheme) > 1:  # "C:" is a drive, not a scheme
        raise TuifeedError(f"refused to play {shown!r}: only http, https and local files are "
                           f"played")
    path = Path(address)
    if not path.is_absolute():
        raise TuifeedError(f"refused to play {shown!r}: a local file must be an absolute path")
    if not path.exists():
        raise TuifeedError(f"cannot play {shown!r}: no such file")
    if not path.is_file():
        raise TuifeedError(f"refused to play {shown!r}: not a regular file")
    return str(path)


def media_url(item: Item) -> str:
    """What the player opens for this item: the demo's bundled clip, the source's media URL
    (a PeerTube file or HLS playlist, a YouTube page for mpv's yt-dlp hook, a local file)."""
    if item.source == "demo" and not item.url:
        return str(demo_clip(item))
    return check_address(item.url or item.page_url)


def web_url(item: Item) -> str | None:
    """The item's page for a browser, when it has an http(s) one."""
    for address in (item.page_url, item.url):
        if address and urlsplit(address).scheme in ("http", "https"):
            try:
                return check_address(address)
            except TuifeedError:
                continue
    return None
