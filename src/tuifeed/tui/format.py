"""Short human forms of numbers, durations and ages, shared by the widgets."""

from __future__ import annotations

from tuifeed.timewords import clock_time  # noqa: F401  (shared with the CLI)


def compact_count(number: int) -> str:
    """1234 -> 1.2K, 3400000 -> 3.4M."""
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K")):
        if number >= size:
            value = number / size
            return f"{value:.1f}{suffix}" if value < 10 else f"{value:.0f}{suffix}"
    return str(number)
