"""One way to say how long ago: the card, Why this?, the history and the CLI all use it."""

from __future__ import annotations

# The largest unit that fits, whole units, rounded down: 40 minutes is "40 min".
UNITS = ((365 * 86400, "y"), (30 * 86400, "mo"), (7 * 86400, "w"), (86400, "d"),
         (3600, "h"), (60, "min"))


def span(seconds: float) -> str:
    """A length of time: "40 min", "3 d", "2 mo"; under a minute, "45 s"."""
    seconds = max(float(seconds), 0.0)
    for size, unit in UNITS:
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return f"{int(seconds)} s"


def ago(seconds: float) -> str:
    """How long ago: "40 min ago", "3 d ago"; under a minute, "just now"."""
    return "just now" if seconds < 60 else f"{span(seconds)} ago"


def clock_time(seconds: float) -> str:
    """75 -> 1:15; 0 (a duration no source gave) -> ?:??."""
    if not seconds:
        return "?:??"
    whole = max(int(seconds), 0)
    return f"{whole // 60}:{whole % 60:02d}"
