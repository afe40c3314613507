"""The collector's full passes, made when the viewer pauses.

A full pass of the cyclic collector walks every object the app holds that was not frozen
when the feed opened (`keep_out_of_full_passes`): at 100k items still ~130k objects (the
lines drawn, the pictures' colours, Textual's caches), 40 ms a pass. CPython makes one every tenth
middle-generation pass once a quarter more objects have lived past two young passes: with
every card's lines and picture living a few keys, that was every sixth `j` or so at a brisk
thumb, and that `j`'s card came 40 ms late.

What is left for full passes to find is little: drawn lines are no longer cycles
(tui/strip_cycles.py), and what dies young is freed by the young passes as before. So the
app lets the collector start a full pass only rarely (`keep_out_of_full_passes`, as the CLI
runs the app), and makes one itself after a second without keys (`Collector.idle`).
"""

from __future__ import annotations

import gc

FULL_PASS_EVERY = 1000  # middle-generation passes between the collector's own full passes
# (CPython's default: 10): keys pressed for minutes without a pause still get one.


def keep_out_of_full_passes() -> None:
    """What the feed read on opening (the catalogue, the log's columns, the model) lives as
    long as the app: it is frozen out of the collector's full passes (they would walk it
    between keys, 50 ms a pass at a million items), and the collector starts a full pass
    only rarely from now on (see the module's note)."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_PASS_EVERY)


class Collector:
    """Makes a full pass when the viewer pauses, once a key has redrawn since the last."""

    def __init__(self) -> None:
        self.due = False

    def drew(self) -> None:
        """A key redrew the feed: objects have come and gone since the last pass."""
        self.due = True

    def idle(self) -> None:
        """The viewer paused (a second without keys): the pass now, if one is due."""
        if self.due:
            self.due = False
            gc.collect()
