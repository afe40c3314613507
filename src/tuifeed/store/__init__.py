"""The behaviour log: a SQLite file the viewer owns (items, events, follows, meta)."""

from tuifeed.store.database import SCHEMA_VERSION, Store
from tuifeed.store.writer import EventWriter

__all__ = ["SCHEMA_VERSION", "EventWriter", "Store"]
