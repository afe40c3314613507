"""The Textual front end. Nothing outside this package imports Textual.

Its parts load when first used: the CLI asks the terminal about pictures (tui.graphics)
before Textual is imported at all.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuifeed.tui.app import FeedApp, make_app, run_app

__all__ = ["FeedApp", "make_app", "run_app"]


def __getattr__(name: str):
    if name in __all__:
        from tuifeed.tui import app

        return getattr(app, name)
    raise AttributeError(name)
