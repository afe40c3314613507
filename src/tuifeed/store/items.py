"""The catalogue in SQLite: items with stable codes, creators, topics; read as columns.

Codes (items, creators, topics) are SQLite's INTEGER PRIMARY KEYs, assigned max+1 on insert
and never deleted, so they are dense from 1 and in insertion order: the in-memory catalogue
uses code - 1 as its row. Fetched items are upserted in bulk, one transaction a batch, with a
plain executemany (sqlite-utils' upsert_all did the same work 3x slower and costs 46 ms to
import, a tenth of what a whole `tuifeed fetch` of 50 feeds may take).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

from tuifeed.models import Item, creator_key
from tuifeed.store.connection import writing

if TYPE_CHECKING:  # numpy and the ranker load only when the catalogue is read, not to fetch
    from tuifeed.ranking.catalog import CatalogRows

# New items get the next code; known ones keep theirs and take the new title, numbers and
# links (topics and the playable URL only when :keep is 0).
UPSERT_ITEM = """
INSERT INTO items(id, source, creator, title, description, duration, published, views, likes,
                  thumbnail, url, page_url, short_form, topics_derived, language)
VALUES (:id, :source, :creator, :title, :description, :duration, :published, :views, :likes,
        :thumbnail, :url, :page_url, :short_form, :topics_derived, :language)
ON CONFLICT(id) DO UPDATE SET
    source = excluded.source, creator = excluded.creator, title = excluded.title,
    description = excluded.description,
    duration = coalesce(excluded.duration, duration),
    published = excluded.published,
    views = coalesce(excluded.views, views), likes = coalesce(excluded.likes, likes),
    thumbnail = excluded.thumbnail, page_url = excluded.page_url,
    short_form = excluded.short_form,
    language = CASE WHEN excluded.language != '' THEN excluded.language ELSE language END,
    url = CASE WHEN :keep THEN url ELSE excluded.url END,
    topics_derived = CASE WHEN :keep THEN topics_derived ELSE excluded.topics_derived END
"""
ITEM_COLUMNS = ("code, id, source, creator, published, duration, views, likes,"
                " short_form, title, description, language")  # creator to short_form:
# numbers (NULL when unknown); then the text the ranker's words term reads; the language


@dataclass(frozen=True)
class Added:
    """What one bulk upsert did: codes of items that are new, and of known ones refreshed
    (and every upserted item's code by its id)."""

    new: list[int]
    refreshed: list[int]
    codes: dict[str, int] = field(default_factory=dict)


def add_items(connection: sqlite3.Connection, items: Sequence[Item],
              derived: Sequence[bool] | None = None) -> Added:
    """Upsert items in one transaction (see _add_items)."""
    if not items:
        return Added([], [])
    with writing(connection):
        return _add_items(connection, items, derived)


def _add_items(connection: sqlite3.Connection, items: Sequence[Item],
               derived: Sequence[bool] | None) -> Added:
    """Upsert items (already cleaned, topics normalised) in one go.

    A new item gets the next code. A known one keeps its code and gets the new title, numbers
    and links; its topics change only when the source sent real tags (`derived` False), so
    guessed topics do not churn as the catalogue's vocabulary grows.
    """
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
            "language": item.language,
        }
        for item, guessed in zip(items, derived)
    ]
    # Known items keep topics (and the playable URL) they have when the new ones are only
    # guessed: a fuller answer brought them before.
    keep = {item.id for item, guessed in zip(items, derived) if guessed and item.id in known}
    connection.executemany(UPSERT_ITEM, [
        {**record, "keep": int(record["id"] in keep)} for record in records])
    codes = _codes_of(connection, "items", "id", ids)
    rewrite = [(codes[item.id], item) for item in items if item.id not in keep]
    connection.executemany("DELETE FROM item_topics WHERE item = ?",
                           [(code,) for code, item in rewrite if item.id in known])
    connection.executemany(
        "INSERT INTO item_topics(item, position, topic) VALUES (?, ?, ?)",
        [(code, position, topics[topic]) for code, item in rewrite
         for position, topic in enumerate(item.topics)])
    return Added(new=sorted(codes[i] for i in ids if i not in known),
                 refreshed=sorted(codes[i] for i in ids if i in known), codes=codes)


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
    import numpy as np

    from tuifeed.ranking.catalog import CatalogRows

    if codes:
        marks = ",".join(str(int(code)) for code in codes)
        where, topic_where = f"code IN ({marks})", f"item IN ({marks})"
    else:
        where, topic_where = f"code > {int(after)}", f"item > {int(after)}"
    rows = connection.execute(
        f"SELECT {ITEM_COLUMNS} FROM items WHERE {where} ORDER BY code").fetchall()
    pairs = connection.execute(
        f"SELECT item, topic FROM item_topics WHERE {topic_where} ORDER BY item, position"
    ).fetchall()
    n = len(rows)
    # Unknown numbers are NULL; as float columns they become NaN in one conversion.
    numbers = np.array([row[3:9] for row in rows], dtype=np.float64).reshape(n, 6)
    item_codes = np.fromiter((row[0] for row in rows), np.int64, n)
    pair_items = np.fromiter((pair[0] for pair in pairs), np.int64, len(pairs))
    # Pairs are in code order and hold only these items' topics, so each item's topics run
    # from the first pair of its code to the first pair of the next item's.
    ptr = np.append(np.searchsorted(pair_items, item_codes, side="left"), len(pairs))
    return CatalogRows(
        codes=item_codes, ids=[row[1] for row in rows],
        sources=[row[2] for row in rows], creator_codes=numbers[:, 0].astype(np.int64),
        published=numbers[:, 1], duration=numbers[:, 2], views=numbers[:, 3],
        likes=numbers[:, 4], short_form=numbers[:, 5] > 0,
        topic_ptr=ptr.astype(np.int64),
        topic_codes=np.fromiter((pair[1] for pair in pairs), np.int64, len(pairs)),
        new_topics=[row[0] for row in connection.execute(
            "SELECT name FROM topics WHERE code > ? ORDER BY code", (topics_known,))],
        new_creators=list(connection.execute(
            "SELECT key, name FROM creators WHERE code > ? ORDER BY code", (creators_known,))),
        texts=[f"{row[9]}\n{row[10]}" for row in rows],
        languages=[row[11] for row in rows],
    )


def item_texts(connection: sqlite3.Connection, after: int = 0,
               until: int | None = None) -> Iterator[tuple[int, str, str, str]]:
    """(code, title, description, tags joined by spaces) of the items after code `after`, in
    code order: what a word mute looks at (titles are not kept in memory)."""
    yield from connection.execute(
        "SELECT i.code, i.title, i.description, coalesce(group_concat(t.name, ' '), '')"
        " FROM items i LEFT JOIN item_topics it ON it.item = i.code"
        " LEFT JOIN topics t ON t.code = it.topic"
        " WHERE i.code > ? AND i.code <= ? GROUP BY i.code ORDER BY i.code",
        (after, until if until is not None else 2**62))


def item_by_code(connection: sqlite3.Connection, code: int) -> Item:
    row = connection.execute(
        "SELECT i.id, i.title, c.name, i.description, i.duration, i.published, i.views,"
        " i.likes, i.thumbnail, i.source, i.url, c.key, i.page_url, i.short_form, i.language"
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
                creator_id=row[11], page_url=row[12], short_form=bool(row[13]),
                language=row[14])
