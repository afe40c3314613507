"""A line Textual draws whole is freed when it is dropped, not by the cyclic collector.

Textual's `Strip.divide` keeps what it returns in the strip's own cache, and for a cut at the
strip's end that is the strip itself: every line drawn whole became a reference cycle (strip,
its cache, the cache's dict, the list holding the strip). Only the collector's full passes
freed them, and at a brisk thumb those came every seventh `j` or so, each holding the key's
frame back by 40-50 ms at 100k items (and longer as the garbage grew). Returned uncached,
the line is freed the moment Textual drops it; dividing a whole line costs nothing to
repeat. Applied once, when the TUI loads (tui/app.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.strip import Strip

_divide = Strip.divide


def _divide_without_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    length = self.cell_length
    cuts = [cut for cut in cuts if cut <= length]  # (as Textual's divide reads them)
    if cuts == [length]:  # whole: itself, as Textual's returns, but not kept in its cache
        return [self]
    return _divide(self, cuts)


def free_whole_strips() -> None:
    """Make `Strip.divide` return a whole strip without keeping it in its own cache."""
    Strip.divide = _divide_without_cycle  # type: ignore[method-assign]
