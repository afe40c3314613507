"""tuifeed: a short-video feed for the terminal whose algorithm you can read and steer."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuifeed.feed import Feed

__all__ = ["Feed"]


def __getattr__(name: str):
    # Feed brings numpy and the ranker; commands that need neither (fetch, --help) start
    # faster without them.
    if name == "Feed":
        from tuifeed.feed import Feed

        return Feed
    raise AttributeError(name)
__version__ = "0.1.0"
