"""Time enters tuifeed only through a Clock, so tests and scripts can run on virtual time."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol

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


def iso_utc(timestamp: float) -> str:
    """The ISO 8601 UTC form used in the database: 2026-01-01T12:00:00.000000Z."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stored_time(timestamp: float) -> float:
    """The timestamp exactly as it comes back from the database (whole microseconds), so an
    event weighs the same in the session that made it and after a restart."""
    text = iso_utc(timestamp)
    whole = datetime.fromisoformat(text[:19] + "+00:00").timestamp()
    return int(whole) + float(text[19:26])


def parse_iso_utc(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


NOW_ENV = "TUIFEED_NOW"


def clock_from_environment(environ: dict[str, str]) -> Clock:
    """$TUIFEED_NOW (ISO 8601 or Unix seconds) freezes the CLI's clock: scripts and tests."""
    from tuifeed.errors import TuifeedError

    fixed = environ.get(NOW_ENV)
    if not fixed:
        return SystemClock()
    try:
        return VirtualClock(float(fixed))
    except ValueError:
        pass
    try:
        return VirtualClock(parse_iso_utc(fixed))
    except ValueError:
        raise TuifeedError(f"{NOW_ENV}={fixed!r} is neither ISO 8601 nor Unix seconds") from None
