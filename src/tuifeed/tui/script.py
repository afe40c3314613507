"""Scripted sessions: run the real TUI headless from a key script, with a transcript.

A script is whitespace-separated steps: a Textual key name (`j`, `escape`, `ctrl+p`,
`question_mark`), `wait:S` (advance the clock S seconds), or `snap:NAME` (save NAME.svg).
Everything is checked before anything runs, so a bad script writes nothing.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from textual.keys import Keys, key_to_character
from textual.pilot import Pilot

from tuifeed.clock import VirtualClock, iso_utc
from tuifeed.errors import TuifeedError
from tuifeed.text import check_text, clean_text
from tuifeed.feed import Feed
from tuifeed.tui.app import FeedApp, make_app
from tuifeed.tui.widgets.drawings import DRAWING_GROUP

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(key.value for key in Keys)
SNAP_NAME = re.compile(r"[\w.-]+")
SETTLE_ROUNDS = 4
THUMBNAIL_GROUPS = frozenset({"thumbnail", "prefetch", "prepare again", DRAWING_GROUP})


@dataclass(frozen=True)
class Step:
    position: int  # 1-based, for error messages and the transcript
    kind: str  # "key", "wait" or "snap"
    argument: str  # the key name, the seconds as written, or the snapshot name

    @property
    def seconds(self) -> float:
        return float(self.argument)


def is_key(name: str) -> bool:
    *modifiers, base = name.split("+")
    if any(modifier not in MODIFIERS for modifier in modifiers) or not base:
        return False
    return base in NAMED_KEYS or name in NAMED_KEYS or (
        key_to_character(base) is not None and (len(base) == 1 or base.islower()))


def parse_script(text: str, origin: str = "--keys") -> list[Step]:
    """Steps from a script; '#' starts a comment (in a keys file). Errors name the position."""
    tokens = [token for line in text.splitlines() for token in line.split("#", 1)[0].split()]
    steps = []
    for position, token in enumerate(tokens, start=1):
        where = f"{origin}: step {position} ({clean_text(token)!r})"
        check_text(token, where)  # undecodable bytes are refused, as in every typed text
        if token.startswith("wait:"):
            value = token[len("wait:"):]
            try:
                seconds = float(value)
            except ValueError:
                raise TuifeedError(f"{where}: wait takes seconds, like wait:5") from None
            if not 0 <= seconds <= 86400:
                raise TuifeedError(f"{where}: wait must be from 0 to 86400 seconds")
            steps.append(Step(position, "wait", value))
        elif token.startswith("snap:"):
            name = token[len("snap:"):]
            if not SNAP_NAME.fullmatch(name):
                raise TuifeedError(f"{where}: snap takes a file name, like snap:after-like")
            steps.append(Step(position, "snap", name))
        elif is_key(token):
            steps.append(Step(position, "key", token))
        else:
            raise TuifeedError(f"{where}: unknown key (use Textual key names: j, escape, "
                               f"question_mark, ctrl+p, ...)")
    if not steps:
        raise TuifeedError(f"{origin}: the script is empty")
    return steps


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text)
    if not match or not (20 <= int(match[1]) <= 1000 and 8 <= int(match[2]) <= 500):
        raise TuifeedError(f"--size takes WIDTHxHEIGHT, like 100x40 (at least 20x8), "
                           f"not {text!r}")
    return int(match[1]), int(match[2])


def screen_text(app: FeedApp) -> str:
    """What the screen shows, as plain text (the same render the SVG screenshots use)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True,
                      color_system=None, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text().rstrip("\n")


class Transcript:
    """One JSON object a step: key, current item, upcoming ids, new events, screen text."""

    def __init__(self, feed: Feed, path: Path | None) -> None:
        self.feed = feed
        self.handle = path.open("w", encoding="utf-8") if path else None
        self.known = len(feed.log_columns())  # the log only grows: rows past this are new

    def record(self, step: Step | None, app: FeedApp | None, upcoming: list[str]) -> dict:
        feed = self.feed
        log = feed.log_columns()
        new = sorted(map(log.event_at, range(self.known, len(log))), key=lambda event: event.id)
        self.known = len(log)
        entry = {
            "step": step.position if step else None,
            "key": (step.argument if step.kind == "key" else f"{step.kind}:{step.argument}")
            if step else "(end)",
            "current": feed.current.id if feed.current else None,
            "upcoming": upcoming,
            "events": [{"id": event.id, "ts": iso_utc(event.ts), "item_id": event.item_id,
                        "kind": event.kind, "value": event.value} for event in new],
            "screen": screen_text(app) if app is not None and app.is_running else None,
        }
        if self.handle:
            self.handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry

    def close(self) -> None:
        if self.handle:
            self.handle.close()


async def settle(app: FeedApp, pilot: Pilot) -> None:
    """Let Up next's ranking and the thumbnail workers finish and their pictures be drawn, so
    that a screen is the same on every run (a picture, not the placeholder)."""
    await app.settle_queue()  # Up next ranked, the keys waiting for it served
    await pilot.pause()
    for _ in range(SETTLE_ROUNDS):  # a picture decoded, then its lines made as it is painted
        workers = [worker for worker in app.workers if worker.group in THUMBNAIL_GROUPS
                   and not worker.is_finished]
        await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)
        await pilot.pause()
        if not workers:
            break


async def run_script(feed: Feed, steps: list[Step], size: tuple[int, int],
                     screenshot: Path | None = None, transcript: Path | None = None,
                     sleep: Callable[[float], object] | None = None) -> list[dict]:
    """Drive the app through the steps; returns the transcript entries."""
    app = make_app(feed, headless=True, tick_seconds=None, scripted=True)
    log = Transcript(feed, transcript)
    entries = []
    snaps = (screenshot.parent if screenshot else Path.cwd())
    last_picture = None  # kept after each step, so a script ending in `q` still has one
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await settle(app, pilot)
            entries.append(log.record(Step(0, "key", "(start)"), app,
                                      [entry.item.id for entry in feed.upcoming(8)]))
            for step in steps:
                if step.kind == "key":
                    await pilot.press(step.argument)
                elif step.kind == "wait":
                    if isinstance(feed.clock, VirtualClock):
                        feed.clock.advance(step.seconds)
                    else:
                        await asyncio.sleep(step.seconds)
                    app.tick()
                    app.refresh_queue()
                else:
                    app.save_screenshot(filename=f"{step.argument}.svg", path=str(snaps))
                await pilot.pause()
                running = app.is_running and app.return_code is None
                if running:
                    await settle(app, pilot)
                upcoming = [entry.item.id for entry in feed.upcoming(8)] if running else []
                entries.append(log.record(step, app if running else None, upcoming))
                if not running:
                    break
                if screenshot is not None:
                    last_picture = app.export_screenshot()
            if app.is_running and app.return_code is None:
                app.exit()
        entries.append(log.record(None, None, []))  # what quitting wrote (the last dwell)
        if screenshot is not None and last_picture is not None:
            screenshot.write_text(last_picture, encoding="utf-8")
    finally:
        log.close()
        feed.close()
    return entries
