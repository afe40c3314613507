"""Short human forms of numbers, durations and ages, shared by the widgets."""

from __future__ import annotations


def compact_count(number: int) -> str:
    """1234 -> 1.2K, 3400000 -> 3.4M."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if number >= size:
            value = number / size
            return f"{value:.1f}{suffix}" if value < 10 else f"{value:.0f}{suffix}"
    return str(number)


def clock_time(seconds: float) -> str:
    """75 -> 1:15; 0 (a duration no source gave) -> ?:??."""
    if not seconds:
        return "?:??"
    whole = max(int(seconds), 0)
    return f"{whole // 60}:{whole % 60:02d}"


