"""Benchmarks of the screens that read the whole log (`tuifeed bench`): History and its
filter, My algorithm's sparklines and "Why this?", on a home with a large log, through the
Feed calls those screens make, against the same calls on a home with a small log."""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock, iso_utc
from tuifeed.feed import Feed
from tuifeed.store.writer import INSERT_EVENT

SCREEN_EVENTS = 1_000_000
SMALL_LOG = 1_000
SHOWN = 500  # rows History shows
SPARKLINES = 20  # interests My algorithm draws at a time
KINDS = ("impression",) * 5 + ("dwell",) * 5 + ("skip",) * 3 + (
    "like", "save", "dislike", "watch", "share", "follow")


def _home_with_log(home: Path, events: int, seed: int) -> None:
    """The demo home with `events` events over a year, written straight into SQLite."""
    Feed.open(home, clock=VirtualClock(), seed=seed).close()
    generator = random.Random(seed)
    with closing(sqlite3.connect(home / "tuifeed.db")) as connection, connection:
        item_ids = [row[0] for row in connection.execute("SELECT id FROM items ORDER BY code")]
        start, span = VIRTUAL_EPOCH - 365 * 86400.0, 365 * 86400.0
        rows = []
        for number in range(events):
            kind = generator.choice(KINDS)
            value = generator.uniform(0, 60) if kind in ("dwell", "watch") else None
            if kind == "watch":
                value = generator.random()
            rows.append((number + 1, iso_utc(start + span * number / events),
                         generator.choice(item_ids), kind, value, f"s{number // 200}"))
        connection.executemany(INSERT_EVENT, rows)
        connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                           ("next_events_id", str(events + 1)))


def _ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _screens(home: Path, seed: int) -> dict:
    clock = VirtualClock()
    started = time.perf_counter()
    feed = Feed.open(home, clock=clock, seed=seed)
    opened = time.perf_counter() - started
    try:
        catalog = feed.catalog
        filters = [{"kind": kind} for kind in ("like", "share", "follow", "dwell")]
        filters += [{"topic": topic} for topic in catalog.topics[:4]]
        filters += [{"creator": creator} for creator in catalog.creator_names[:4]]
        first_history = _ms(lambda: feed.history(limit=SHOWN))
        keystrokes = [_ms(lambda f=f: feed.history(limit=SHOWN, **f)) for f in filters]
        interests = feed.profile()[:SPARKLINES]
        first_sparkline = _ms(lambda: feed.interest_history(interests[0].kind,
                                                            interests[0].name, 16))
        sparklines = _ms(lambda: [feed.interest_history(interest.kind, interest.name, 16)
                                  for interest in interests])
        why = _ms(lambda: feed.why(catalog.ids[len(catalog.ids) // 2]))
        why_again = _ms(lambda: feed.why(catalog.ids[len(catalog.ids) // 3]))
        summary = _ms(feed.summary)
    finally:
        feed.close()
    return {"open_s": opened, "history_first_ms": first_history,
            "history_filter_ms_median": statistics.median(keystrokes),
            "history_filter_ms_max": max(keystrokes), "sparkline_first_ms": first_sparkline,
            "sparklines_ms": sparklines, "sparklines_drawn": len(interests), "why_ms": why,
            "why_again_ms": why_again, "summary_ms": summary}


def bench_screens(events: int = SCREEN_EVENTS, seed: int = 0,
                  workdir: str | None = None) -> dict:
    """The screens on a log of `events` events, and on one of SMALL_LOG as the reference."""
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        large, small = Path(folder) / "large", Path(folder) / "small"
        _home_with_log(large, events, seed)
        _home_with_log(small, SMALL_LOG, seed)
        return {"events": events, "small_events": SMALL_LOG,
                "large": _screens(large, seed), "small": _screens(small, seed)}


def report_screens(figures: dict) -> list[str]:
    large, small = figures["large"], figures["small"]
    rows = [("open (headless)", "open_s", 1000.0),
            ("History, first (sorts the columns by time)", "history_first_ms", 1.0),
            ("History filter, a keystroke (median)", "history_filter_ms_median", 1.0),
            ("History filter, a keystroke (slowest)", "history_filter_ms_max", 1.0),
            ("a sparkline, first (groups the signals)", "sparkline_first_ms", 1.0),
            (f"My algorithm's {large['sparklines_drawn']} sparklines", "sparklines_ms", 1.0),
            ("Why this? (first: indexes the log)", "why_ms", 1.0),
            ("Why this?, another item", "why_again_ms", 1.0),
            ("My algorithm's summary (a day ago vs now)", "summary_ms", 1.0)]
    lines = [f"Screens over the whole log: {figures['events']:,} events against "
             f"{figures['small_events']:,} (target: under 100 ms each at a million):"]
    for label, key, scale in rows:
        lines.append(f"  {label:<42} {large[key] * scale:9.1f} ms  against "
                     f"{small[key] * scale:7.1f} ms")
    return lines
