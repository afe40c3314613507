"""tuifeed: a short-video feed for the terminal whose algorithm you can read and steer."""

from tuifeed.feed import Feed

__all__ = ["Feed"]
__version__ = "0.1.0"
