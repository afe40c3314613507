"""Once the app is told to exit (q, a closed terminal), Textual mounts nothing more: a screen
pushed just before has no widgets, and a worker's answer can reach a screen whose widgets
are gone. Their handlers then found nothing to draw in and ended the feed on a traceback
(exit status 1 where the signal's was due). Such handlers do nothing once the app quits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from textual.dom import DOMNode

Handler = TypeVar("Handler", bound=Callable)


def quitting(node: DOMNode) -> bool:
    """The app was told to exit (its return code is set from then on)."""
    return node.app.return_code is not None


def unless_quitting(handler: Handler) -> Handler:
    """A screen's handler that draws in its widgets: skipped once the app quits. (Textual
    counts a handler's parameters through `wraps`, so it is called as before.)"""
    @wraps(handler)
    def guarded(self, *args, **kwargs):
        if quitting(self):
            return None
        return handler(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]
