"""Hostile text where the viewer does not expect it: markup and escape sequences in topic and
creator names reach the command palette, in recipe file names, descriptions and comments reach
the recipe picker and `tuifeed recipes list/show`. Shown literally, never interpreted."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.models import Item
from tuifeed.tui import make_app

ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")
HOSTILE_NAME = "zz-[link=x:y]L\x1b[2J"
# TOML escapes in the strings (raw ESC is not TOML), raw C1 characters in a comment (allowed).
HOSTILE_RECIPE = ('name = "[bold red]loud[/] \\u001b]52;c;cGF5bG9hZA==\\u0007"\n'
                  'description = "wipes \\u001b[2J and copies \\u001b]52;c;eA==\\u0007 [/]"\n'
                  '# a comment with C1 \x9b31m and \x9d0;title\n'
                  '[terms]\ntopic = 1.0\n')


def hostile_items() -> list[Item]:
    return [Item(id=f"x:{number}", title=f"[bold red]T{number}[/]",
                 creator="[/]evil[link=x:y]", topics=("[/]", "[link=x:y]a"), description="",
                 duration=10.0, published=0.0, views=0, likes=0, source="x")
            for number in range(3)]


def write_hostile_recipe(home) -> None:
    folder = home / "config" / "recipes"
    folder.mkdir(parents=True)
    (folder / f"{HOSTILE_NAME}.toml").write_text(HOSTILE_RECIPE, encoding="utf-8")


async def test_the_palette_shows_hostile_names_literally_and_survives(isolated_home):
    from textual.command import CommandList

    write_hostile_recipe(isolated_home)
    feed = Feed.open(isolated_home, clock=VirtualClock(), catalogue=hostile_items())
    feed.jump_to("x:0")
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in ("t", "o", "p", "i", "c"):
            await pilot.press(key)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = " ".join(str(options.get_option_at_index(index).prompt)
                         for index in range(options.option_count))
        assert "#[/]" in shown and "[link=x:y]a" in shown  # literal, not markup
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        for key in "recipe":
            await pilot.press(key)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = " ".join(str(options.get_option_at_index(index).prompt)
                         for index in range(options.option_count))
        assert "Recipe: zz-[link=x:y]L" in shown and not any(code in shown for code in ESCAPES)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")  # the recipe picker lists the hostile one
        await pilot.pause()
        assert app.is_running
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


def test_recipes_list_and_show_print_no_control_sequences(isolated_home):
    write_hostile_recipe(isolated_home)
    environment = {**os.environ, "TUIFEED_HOME": str(isolated_home)}
    listed = subprocess.run([sys.executable, "-m", "tuifeed", "recipes", "list"],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "zz-[link=x:y]L" in listed.stdout and "wipes and copies" in listed.stdout
    assert not any(code in listed.stdout + listed.stderr for code in ESCAPES)
    shown = subprocess.run([sys.executable, "-m", "tuifeed", "recipes", "show", HOSTILE_NAME],
                           capture_output=True, text=True, env=environment, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "[terms]" in shown.stdout and "a comment with C1" in shown.stdout
    assert not any(code in shown.stdout for code in ESCAPES)


# -- a hostile corpus through the real fetch -> store -> TUI path ---------------------------

OSC52_C1 = "\x9d52;c;cGF5bG9hZA==\x9c"  # XML 1.0 allows C1 characters, not ESC
EVIL_RSS = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<title>evil {OSC52_C1} channel</title>
<item><title>[link=https://evil.example/]click[/] {OSC52_C1} \u202eevil\u202c title</title>
<link>javascript:alert(1)</link><guid>evil-1</guid>
<description>[bold red]loud[/] \x9b2J wipe</description><category>[/]</category>
<media:thumbnail url="file:///dev/tty"/>
<enclosure url="https://ok.example/evil-1.mp4" type="video/mp4" length="1"/></item>
<item><title>second \u2066isolated\u2069 one</title><link>data:text/html,x</link>
<guid>evil-2</guid><media:thumbnail url="/dev/tty"/>
<enclosure url="https://ok.example/evil-2.mp4" type="video/mp4" length="1"/></item>
</channel></rss>"""
EVIL_JSON = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "json \x1b]52;c;eA==\x07 feed",
    "items": [{"id": "j1", "url": "https://ok.example/j1", "external_url": "javascript:x",
               "title": "osc8 \x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ and \x1b[2J",
               "content_text": "\x1b]52;c;cGF5bG9hZA==\x07 clipboard", "tags": ["[/]", "\x1b[31m"],
               "image": "/etc/passwd"},
              {"id": "j2", "url": "https://ok.example/v.mp4", "title": "x" * 1_000_000,
               "image": "{origin}/bomb.png"}]})
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{n} "{lols}">'
                    for n, lols in ((n, ("&lol" + str(n - 1) + ";") * 10 if n > 1
                                     else "&lol;" * 10) for n in range(1, 10)))
          + ']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>')


def bomb_png() -> bytes:
    """A real PNG header claiming 100000 x 100000 pixels."""
    import struct
    import zlib

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + b"\x00" * 64)


def good_rss(origin: str) -> str:
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
            "<channel><title>good</title>" + "".join(
                f"<item><title>good video {n}</title><link>{origin}/v{n}</link><guid>g{n}</guid>"
                f'<media:thumbnail url="{origin}/bomb.png"/></item>' for n in range(3))
            + "</channel></rss>")


def test_a_hostile_corpus_never_reaches_the_terminal(server, isolated_home):
    import pty
    import select
    import time

    server.route("/good.rss", good_rss(server.origin), content_type="application/rss+xml")
    server.route("/evil.rss", EVIL_RSS.encode("utf-8"), content_type="application/rss+xml")
    server.route("/evil.json", EVIL_JSON.replace("{origin}", server.origin),
                 content_type="application/feed+json")
    server.route("/laughs.xml", LAUGHS, content_type="application/rss+xml")
    server.route("/deep.json", "[" * 200_000 + "]" * 200_000,
                 content_type="application/feed+json")
    server.route("/bomb.png", bomb_png(), content_type="image/png")
    environment = {**os.environ, "TUIFEED_HOME": str(isolated_home)}

    def tuifeed(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                              text=True, env=environment, timeout=120)

    for name, path, kind in (("good", "/good.rss", "rss"), ("evil", "/evil.rss", "rss"),
                             ("evjson", "/evil.json", "jsonfeed"),
                             ("laughs", "/laughs.xml", "rss"), ("deep", "/deep.json", "jsonfeed")):
        added = tuifeed("sources", "add", server.url(path), "--name", name, "--kind", kind)
        assert added.returncode == 0, added.stderr
    assert tuifeed("sources", "remove", "demo").returncode == 0
    fetched = tuifeed("fetch", "--json")
    assert "Traceback" not in fetched.stderr
    reports = {report["name"]: report for report in json.loads(fetched.stdout)}
    assert reports["good"]["new"] == 3 and not reports["good"]["error"]
    assert reports["evil"]["new"] == 2 and reports["evjson"]["new"] == 2
    assert reports["laughs"]["error"] and reports["deep"]["error"]
    listed = tuifeed("sources", "list")
    assert "laughs" in listed.stdout and "last error" in listed.stdout
    assert not any(code in listed.stdout for code in ("\x1b", "\x9d", "\x9b", "\u202e"))

    # The real TUI in a pseudo-terminal: every byte it writes is read. A hostile recipe too.
    write_hostile_recipe(isolated_home)
    child, terminal = pty.fork()
    if child == 0:
        os.execve(sys.executable, [sys.executable, "-m", "tuifeed"],
                  {**environment, "TERM": "xterm-256color"})
    import fcntl
    import struct
    import termios

    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    output = bytearray()

    def read(until, limit: float, then: float = 0.0) -> None:
        """Read what the app writes until `until()` holds (then `then` seconds more), it
        exits, or `limit` seconds pass: a slow machine waits longer, never reads less."""
        deadline, done = time.monotonic() + limit, None
        while time.monotonic() < (deadline if done is None else min(deadline, done)):
            if select.select([terminal], [], [], 0.05)[0]:
                try:
                    output.extend(os.read(terminal, 1 << 16))
                except OSError:
                    return  # it exited
            if done is None and until():
                done = time.monotonic() + then

    # Each key, and what its screen draws (an escape or `j` needs no more than time to be
    # read alone: an escape and the next key together would be one alt- key).
    keys = (("j", None), ("j", None), ("w", b"Why this?"), ("\x1b", None), ("j", None),
            ("h", b"History"), ("\x1b", None), ("a", b"My algorithm"), ("\x1b", None),
            ("r", None), ("\x1b", None), ("j", None))
    try:
        read(lambda: b"good video" in output, limit=60, then=1.0)  # the feed is drawn
        for key, drawn in keys:
            before = len(output)
            os.write(terminal, key.encode())
            read(lambda drawn=drawn, before=before: drawn is None or drawn in output[before:],
                 limit=20, then=0.5)
        os.write(terminal, b"q")
        read(lambda: False, limit=60)  # until it exits
    finally:
        try:
            os.kill(child, 9)
            os.waitpid(child, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(terminal)
    screen = bytes(output)
    assert b"good video" in screen  # it drew the feed
    assert b"Traceback" not in screen  # (textual-image's failed cell-size query printed one)
    assert b"\x1b]52" not in screen and b"\xc2\x9d" not in screen  # no clipboard write
    assert b"\x1b]8;" not in screen  # no injected link: the markup shows as text
    assert screen.count(b"evil.example") == screen.count(b"[link=https://evil.example/]") > 0
    assert "\u202e".encode() not in screen and "\u2066".encode() not in screen
    assert b"\x1b[2J" not in screen.replace(b"\x1b[?1049h\x1b[2J", b"")  # no wipe but its own


def test_inside_tmux_no_terminal_query_is_sent(tmp_path):
    """textual-image's import-time query (ESC _ G ...) became tmux's pane title; where half
    cells are drawn anyway nothing is asked of the terminal."""
    import pty
    import select

    child, terminal = pty.fork()
    if child == 0:
        os.execve(sys.executable, [sys.executable, "-c",
                                   "from tuifeed.tui.graphics import choose_image_widget\n"
                                   "print(choose_image_widget().__name__)"],
                  {**os.environ, "TMUX": "/tmp/tmux-0/default,1,0", "TERM": "xterm-256color"})
    output = bytearray()
    try:
        while True:
            if not select.select([terminal], [], [], 20)[0]:
                break
            try:
                chunk = os.read(terminal, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            output.extend(chunk)
    finally:
        os.waitpid(child, 0)
        os.close(terminal)
    assert b"HalfcellPicture" in output
    assert b"\x1b_G" not in output and b"\x1b[16t" not in output and b"\x1b[c" not in output


def test_a_peertube_video_with_a_million_tags_keeps_a_few():
    from tuifeed.catalogue.ingest import MAX_TAGS, to_items
    from tuifeed.sources.base import FetchedItem
    from tuifeed.sources.peertube import parse_details

    body = json.dumps({"uuid": "u1", "tags": [f"tag {n} \x1b[31m" for n in range(1_000_000)]})
    details = parse_details(body.encode(), "https://peertube.example")
    fetched = FetchedItem(id="peertube:u1", title="t", creator_id="c", creator_name="c",
                          topics=tuple(details["tags"]))
    items, _ = to_items([fetched], "p", 1.8e9, {})
    assert 0 < len(items[0].topics) <= MAX_TAGS
    assert all("\x1b" not in topic for topic in items[0].topics)
