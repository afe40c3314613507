"""The behaviour log: a SQLite file the viewer owns (items, events, follows, meta)."""

from tuifeed.store.database import SCHEMA_VERSION, Store

__all__ = ["SCHEMA_VERSION", "EventWriter", "Store"]


def __getattr__(name: str):
    # The event writer (its thread, queue and records) loads with the first Feed: a fetch,
    # which writes no events, starts without it.
    if name == "EventWriter":
        from tuifeed.store.writer import EventWriter

        return EventWriter
    raise AttributeError(name)
