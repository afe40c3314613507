"""The whole catalogue read at start in a few aggregates instead of a tuple per item.

`read_catalogue` gives what `load_rows(connection)` (store/items.py) gives for every item,
field for field, in a fraction of the time at a million items: the integer columns, ids,
sources, texts and topic pairs each arrive as one string that numpy or str.split takes apart
in C; the two real columns (times and durations) travel as integers (store/exact_reals.py), so
that every double is SQLite's own.
"""

from __future__ import annotations

import sqlite3
import warnings

import numpy as np

from tuifeed.ranking.catalog import CatalogRows, CodedTexts
from tuifeed.store.event_table import SEPARATOR
from tuifeed.store.exact_reals import read_reals
from tuifeed.store.items import load_rows

# Columns read as text aggregates; a NULL count stands apart in its own aggregate.
AGGREGATE = (
    "SELECT count(*), group_concat(code), group_concat(creator),"
    " group_concat(ifnull(views, 0)), group_concat(views IS NULL),"
    " group_concat(ifnull(likes, 0)), group_concat(likes IS NULL), group_concat(short_form),"
    f" group_concat(id, '{SEPARATOR}'), group_concat(source, '{SEPARATOR}'),"
    f" group_concat(language, '{SEPARATOR}')"
    " FROM items")  # in code order as stored (checked, and sorted if ever not)
# The texts, a run of TEXT_RUN items at a time, kept as runs (see CatalogRows.text_runs).
TEXTS = (f"SELECT count(*), max(code), group_concat(title || char(10) || description,"
         f" '{SEPARATOR}') FROM (SELECT code, title, description FROM items WHERE code > ?"
         " ORDER BY code LIMIT ?)")
TEXT_RUN = 50_000
PAIRS = ("SELECT count(*), group_concat(item), group_concat(topic)"
         " FROM (SELECT item, topic FROM item_topics ORDER BY item, position)")


def read_catalogue(connection: sqlite3.Connection) -> CatalogRows:
    """Every item, as load_rows(connection) gives them, read as one snapshot."""
    began = not connection.in_transaction
    if began:
        connection.execute("BEGIN")
    try:
        return _read(connection) or load_rows(connection)
    finally:
        if began and connection.in_transaction:
            connection.execute("COMMIT")


def _numbers(text: str | None, count: int, dtype) -> np.ndarray | None:
    """The integers of an aggregate; None if one is not a plain integer (a real, a text:
    parsing stops short of the count)."""
    if count == 0:
        return np.zeros(0, dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # older numpy: stops short
            parsed = np.fromstring(text or "", dtype=dtype, sep=",")
    except ValueError:  # "could not be read to its end"
        return None
    return parsed if len(parsed) == count else None


def _texts(text: str | None, count: int) -> list[str] | None:
    if count == 0:
        return []
    parts = (text or "").split(SEPARATOR)
    return parts if len(parts) == count else None


def _read(connection: sqlite3.Connection) -> CatalogRows | None:
    """The catalogue, or None when something is not plain (the row-by-row reading then)."""
    (count, codes, creators, views, no_views, likes, no_likes, short_form, ids, sources,
     languages) = connection.execute(AGGREGATE).fetchone()
    numbers = [_numbers(text, count, np.int64) for text in
               (codes, creators, views, no_views, likes, no_likes, short_form)]
    strings = [_texts(text, count) for text in (ids, sources, languages)]
    if any(part is None for part in (*numbers, *strings)):
        return None  # a text held the separator
    codes_, creators_, views_, no_views_, likes_, no_likes_, short_ = numbers
    ids_, sources_, languages_ = strings
    # A few sources and languages: as codes into their names (one name object each).
    sources_, languages_ = CodedTexts.of(sources_), CodedTexts.of(languages_)
    del (codes, creators, views, no_views, likes, no_likes, short_form, ids, sources,
         languages, strings)
    if count and (np.diff(codes_) <= 0).any():  # not in code order (never, as stored)
        return None
    text_runs = _text_runs(connection, count)
    if text_runs is None:
        return None
    pair_count, pair_items, pair_topics = connection.execute(PAIRS).fetchone()
    items_of_pairs = _numbers(pair_items, pair_count, np.int64)
    topics_of_pairs = _numbers(pair_topics, pair_count, np.int64)
    if items_of_pairs is None or topics_of_pairs is None:
        return None
    reals = [read_reals(connection, column, "items", "code", count)
             for column in ("published", "duration")]
    ptr = np.append(np.searchsorted(items_of_pairs, codes_, side="left"), pair_count)
    return CatalogRows(
        codes=codes_, ids=ids_, sources=sources_, creator_codes=creators_,
        published=reals[0], duration=reals[1],
        views=np.where(no_views_ > 0, np.nan, views_.astype(np.float64)),
        likes=np.where(no_likes_ > 0, np.nan, likes_.astype(np.float64)),
        short_form=short_ > 0, topic_ptr=ptr.astype(np.int64), topic_codes=topics_of_pairs,
        new_topics=[row[0] for row in connection.execute(
            "SELECT name FROM topics ORDER BY code")],
        new_creators=list(connection.execute("SELECT key, name FROM creators ORDER BY code")),
        text_runs=text_runs, text_separator=SEPARATOR, languages=languages_,
    )


def _text_runs(connection: sqlite3.Connection, count: int) -> list[str] | None:
    """Every item's title and description, in code order, as runs of TEXT_RUN texts joined
    by SEPARATOR; None if a text held the separator."""
    runs, done, after = [], 0, -(2 ** 63)
    while done < count:
        size, last, run = connection.execute(TEXTS, (after, TEXT_RUN)).fetchone()
        if not size or (run or "").count(SEPARATOR) != size - 1:
            return None
        runs.append(run or "")
        done, after = done + size, last
    return runs
