"""Feed: the one facade over the store, the catalogue and the ranker (TUI, CLI and tests).

core.py holds the facade and the viewing session; explaining.py and steering.py hold the
two groups of methods it is made of; state.py the small records they share.
"""

from tuifeed.feed.core import DEFAULT_RECIPE, Feed
from tuifeed.feed.state import HistoryEntry, Placement, ViewerState

__all__ = ["DEFAULT_RECIPE", "Feed", "HistoryEntry", "Placement", "ViewerState"]
