"""The behaviour log: a SQLite file the viewer owns (items, events, follows, meta)."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tuifeed.store.database import SCHEMA_VERSION, Store
    from tuifeed.store.writer import EventWriter

__all__ = ["SCHEMA_VERSION", "EventWriter", "Store"]


def __getattr__(name: str):
    # Each part loads when first used: `tuifeed` alone draws its first frame before the
    # feed (and its Store) is opened, and a fetch, which writes no events, starts without
    # the event writer (its thread, queue and records).
    if name in ("SCHEMA_VERSION", "Store"):
        from tuifeed.store import database

        return getattr(database, name)
    if name == "EventWriter":
        from tuifeed.store.writer import EventWriter

        return EventWriter
    raise AttributeError(name)
