"""Time enters tuifeed only through a Clock, so tests and scripts can run on virtual time."""

from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Protocol

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text

# A virtual clock starts here, so scripted sessions are identical whenever they run.
VIRTUAL_EPOCH = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc).timestamp()


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards, for measuring durations."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class VirtualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = VIRTUAL_EPOCH) -> None:
        self._now = start
        self._start = start

    def now(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now - self._start

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds


# Every time tuifeed stores lies in this window, so the stored text has a fixed width (a
# four-digit year) and compares as text exactly as the times compare as numbers.
EARLIEST = 0.0  # 1970-01-01T00:00:00Z
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc).timestamp()  # excluded
WINDOW = "from 1970-01-01 to 2099-12-31 (UTC)"


LAST = LATEST - 1e-6  # 2099-12-31T23:59:59.999999Z, the last time stored


def in_window(timestamp: float) -> bool:
    """Within the window once rounded to the stored microsecond."""
    return math.isfinite(timestamp) and EARLIEST <= timestamp <= LAST


def check_moment(timestamp: float, what: str) -> float:
    """`timestamp`, or a TuifeedError naming `what` when it lies outside the window."""
    if not in_window(timestamp):
        raise TuifeedError(f"{what} must be a time {WINDOW}")
    return timestamp


def iso_utc(timestamp: float) -> str:
    """The ISO 8601 UTC form used in the database: 2026-01-01T12:00:00.000000Z (the year
    always four digits)."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.%fZ")


def stored_time(timestamp: float) -> float:
    """The timestamp exactly as it comes back from the database (whole microseconds), so an
    event weighs the same in the session that made it and after a restart."""
    text = iso_utc(timestamp)
    whole = datetime.fromisoformat(text[:19] + "+00:00").timestamp()
    return int(whole) + float(text[19:26])


def parse_iso_utc(text: str) -> float:
    """ISO 8601 to Unix seconds; a time without a zone is UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def parse_time(text: str, what: str) -> float:
    """A time from outside (the command line, an import, the environment), checked: ISO 8601
    or a date (YYYY-MM-DD, midnight UTC) within the window, else a TuifeedError naming `what`."""
    try:
        moment = parse_iso_utc(text if "T" in text or " " in text.strip() else
                               text + "T00:00:00+00:00")
    except (ValueError, OverflowError, OSError):
        raise TuifeedError(f"{what} {clean_text(text)!r} is not a date like 2026-01-31 or "
                           f"2026-01-31T12:00:00Z") from None
    if not in_window(moment):
        raise TuifeedError(f"{what} {clean_text(text)!r} is outside the times tuifeed keeps "
                           f"({WINDOW})")
    return moment


NOW_ENV = "TUIFEED_NOW"


def clock_from_environment(environ: dict[str, str]) -> Clock:
    """$TUIFEED_NOW (ISO 8601 or Unix seconds) freezes the CLI's clock: scripts and tests."""
    fixed = environ.get(NOW_ENV)
    if not fixed:
        return SystemClock()
    try:
        seconds = float(fixed)
    except ValueError:
        return VirtualClock(parse_time(fixed, NOW_ENV))
    if not in_window(seconds):
        raise TuifeedError(f"{NOW_ENV}={clean_text(fixed)!r} is outside the times tuifeed "
                           f"keeps ({WINDOW})")
    return VirtualClock(seconds)
