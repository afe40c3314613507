"""The Textual front end. Nothing outside this package imports Textual."""

from tuifeed.tui.app import FeedApp, make_app, run_app

__all__ = ["FeedApp", "make_app", "run_app"]
