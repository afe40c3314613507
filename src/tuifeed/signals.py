"""The event kinds a viewer can produce, and what their values mean."""

from __future__ import annotations

import math

from tuifeed.errors import TuifeedError

# kind -> (what the value is, or None when the kind takes no value)
KINDS: dict[str, str | None] = {
    "impression": None,
    "dwell": "seconds the card was on screen",
    "skip": None,
    "like": None,
    "unlike": None,
    "dislike": None,
    "undislike": None,
    "save": None,
    "unsave": None,
    "follow": None,
    "unfollow": None,
    "play": None,
    "watch": "fraction of the video watched (1.0 = once through)",
    "complete": None,
    "share": None,
}


def check_signal(kind: str, value: float | str | None) -> float | None:
    """The value as a number, or a TuifeedError naming what is wrong."""
    if kind not in KINDS:
        raise TuifeedError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
    meaning = KINDS[kind]
    if meaning is None:
        if value is not None:
            raise TuifeedError(f"{kind} takes no value (got {value!r:.40})")
        return None
    if value is None:
        raise TuifeedError(f"{kind} needs a value: {meaning}")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise TuifeedError(f"{kind} needs a number ({meaning}), not {shown}") from None
    if not math.isfinite(number) or number < 0:
        raise TuifeedError(f"{kind} must be a finite number >= 0, not {shown}")
    if kind == "watch" and number > 100:
        raise TuifeedError(f"watch is a fraction of the video (1.0 = once), not {shown}")
    return number
