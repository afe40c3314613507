"""The catalogue in SQLite: items with stable codes, creators, topics; read as columns.

Codes (items, creators, topics) are SQLite's INTEGER PRIMARY KEYs, assigned max+1 on insert
and never deleted, so they are dense from 1 and in insertion order: the in-memory catalogue
uses code - 1 as its row. Fetched items are upserted in bulk with sqlite-utils.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlite_utils

from tuifeed.models import Item
from tuifeed.ranking.catalog import CatalogRows, creator_key

ITEM_COLUMNS = ("code, id, title, source, creator, published, duration, views, likes,"
                " short_form")


@dataclass(frozen=True)
class Added:
    """What one bulk upsert did: codes of items that are new, and of known ones refreshed."""

    new: list[int]
    refreshed: list[int]


def add_items(connection: sqlite3.Connection, items: Sequence[Item],
              derived: Sequence[bool] | None = None) -> Added:
    """Upsert items (already cleaned, topics normalised) in one go.

    A new item gets the next code. A known one keeps its code and gets the new title, numbers
    and links; its topics change only when the source sent real tags (`derived` False), so
    guessed topics do not churn as the catalogue's vocabulary grows.
    """
    if not items:
        return Added([], [])
    derived = list(derived) if derived is not None else [False] * len(items)
    unique: dict[str, int] = {}
    for position, item in enumerate(items):
        unique[item.id] = position  # the last copy of a repeated id wins
    picked = sorted(unique.values())
    items = [items[position] for position in picked]
    derived = [derived[position] for position in picked]
    ids = [item.id for item in items]
    known = _codes_of(connection, "items", "id", ids)
    creators = _intern(connection, "creators", "key",
                       {creator_key(item): item.creator for item in items})
    topics = _intern(connection, "topics", "name",
                     {topic: topic for item in items for topic in item.topics})
    records = [
        {
            "id": item.id, "source": item.source, "creator": creators[creator_key(item)],
            "title": item.title, "description": item.description,
            "duration": item.duration or None, "published": item.published,
            "views": item.views if item.views >= 0 else None,
            "likes": item.likes if item.likes >= 0 else None,
            "thumbnail": item.thumbnail, "url": item.url, "page_url": item.page_url,
            "short_form": int(item.short_form), "topics_derived": int(guessed),
        }
        for item, guessed in zip(items, derived)
    ]
    # Known items keep topics they have when the new ones are only guessed.
    keep_topics = {item.id for item, guessed in zip(items, derived) if guessed and item.id in known}
    database = sqlite_utils.Database(connection)
    database["items"].upsert_all(
        [record for record in records if record["id"] not in keep_topics], pk="id")
    kept = [record for record in records if record["id"] in keep_topics]
    for record in kept:
        record.pop("topics_derived")
    if kept:
        database["items"].upsert_all(kept, pk="id")
    codes = _codes_of(connection, "items", "id", ids)
    rewrite = [(codes[item.id], item) for item in items if item.id not in keep_topics]
    with connection:
        connection.executemany("DELETE FROM item_topics WHERE item = ?",
                               [(code,) for code, item in rewrite if item.id in known])
        connection.executemany(
            "INSERT INTO item_topics(item, position, topic) VALUES (?, ?, ?)",
            [(code, position, topics[topic]) for code, item in rewrite
             for position, topic in enumerate(item.topics)])
    return Added(new=sorted(codes[i] for i in ids if i not in known),
                 refreshed=sorted(codes[i] for i in ids if i in known))


def _codes_of(connection: sqlite3.Connection, table: str, column: str,
              values: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    values = list(values)
    for start in range(0, len(values), 500):  # SQLite caps the number of parameters
        chunk = values[start: start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(connection.execute(
            f"SELECT {column}, code FROM {table} WHERE {column} IN ({marks})", chunk))
    return found


def _intern(connection: sqlite3.Connection, table: str, column: str,
            names: dict[str, str]) -> dict[str, int]:
    """Codes for these keys, adding the missing ones in first-seen order."""
    if not names:
        return {}
    codes = _codes_of(connection, table, column, list(names))
    missing = [key for key in names if key not in codes]
    with connection:
        if table == "creators":
            connection.executemany("INSERT INTO creators(key, name) VALUES (?, ?)",
                                   [(key, names[key]) for key in missing])
            connection.executemany(
                "UPDATE creators SET name = ? WHERE key = ? AND name != ?",
                [(names[key], key, names[key]) for key in codes])
        else:
            connection.executemany(f"INSERT INTO {table}({column}) VALUES (?)",
                                   [(key,) for key in missing])
    if missing:
        codes.update(_codes_of(connection, table, column, missing))
    return codes


def known_topics(connection: sqlite3.Connection) -> list[str]:
    return [row[0] for row in connection.execute("SELECT name FROM topics ORDER BY code")]


def load_rows(connection: sqlite3.Connection, *, after: int = 0, codes: Sequence[int] = (),
              topics_known: int = 0, creators_known: int = 0) -> CatalogRows:
    """Catalogue rows with code > `after` (or exactly `codes`), plus the topics and creators
    the catalogue does not know yet (codes above the counts it has)."""
    if codes:
        marks = ",".join(str(int(code)) for code in codes)
        where, topic_where = f"code IN ({marks})", f"item IN ({marks})"
    else:
        where, topic_where = f"code > {int(after)}", f"item > {int(after)}"
    rows = connection.execute(
        f"SELECT {ITEM_COLUMNS} FROM items WHERE {where} ORDER BY code").fetchall()
    pairs = np.array(connection.execute(
        f"SELECT item, topic FROM item_topics WHERE {topic_where} ORDER BY item, position"
    ).fetchall(), dtype=np.int64).reshape(-1, 2)
    n = len(rows)
    columns = list(zip(*rows)) if rows else [()] * 10
    item_codes = np.array(columns[0], dtype=np.int64)
    # Pairs are in code order and hold only these items' topics, so each item's topics run
    # from the first pair of its code to the first pair of the next item's.
    ptr = np.append(np.searchsorted(pairs[:, 0], item_codes, side="left"), len(pairs))

    def floats(values) -> np.ndarray:
        return np.array([np.nan if value is None else value for value in values], np.float64)

    return CatalogRows(
        codes=item_codes, ids=list(columns[1]), titles=list(columns[2]),
        sources=list(columns[3]), creator_codes=np.array(columns[4], dtype=np.int64),
        published=floats(columns[5]), duration=floats(columns[6]), views=floats(columns[7]),
        likes=floats(columns[8]), short_form=np.array(columns[9], dtype=bool),
        topic_ptr=ptr.astype(np.int64), topic_codes=pairs[:, 1].copy(),
        new_topics=[row[0] for row in connection.execute(
            "SELECT name FROM topics WHERE code > ? ORDER BY code", (topics_known,))],
        new_creators=list(connection.execute(
            "SELECT key, name FROM creators WHERE code > ? ORDER BY code", (creators_known,))),
    )


def item_by_code(connection: sqlite3.Connection, code: int) -> Item:
    row = connection.execute(
        "SELECT i.id, i.title, c.name, i.description, i.duration, i.published, i.views,"
        " i.likes, i.thumbnail, i.source, i.url, c.key, i.page_url, i.short_form"
        " FROM items i JOIN creators c ON c.code = i.creator WHERE i.code = ?", (code,)
    ).fetchone()
    if row is None:
        raise KeyError(code)
    topics = tuple(name for (name,) in connection.execute(
        "SELECT t.name FROM item_topics it JOIN topics t ON t.code = it.topic"
        " WHERE it.item = ? ORDER BY it.position", (code,)))
    return Item(id=row[0], title=row[1], creator=row[2], topics=topics, description=row[3],
                duration=row[4] or 0.0, published=row[5] or 0.0, views=row[6] or 0,
                likes=row[7] or 0, thumbnail=row[8], source=row[9], url=row[10],
                creator_id=row[11], page_url=row[12], short_form=bool(row[13]))
