"""The catalogue read at start in aggregates is the catalogue read row by row; reals travel
exactly."""

from __future__ import annotations

import dataclasses
import sqlite3

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.models import Item
from tuifeed.store import catalogue_table
from tuifeed.store.catalogue_table import read_catalogue
from tuifeed.store.exact_reals import read_reals
from tuifeed.store.items import load_rows


def library(count: int) -> list[Item]:
    return [Item(id=f"t:{number}", title=f"Harbour tent {number}", creator=f"c{number % 4}",
                 topics=tuple(["snow", "birds", "space"][: number % 4]),
                 description="a swamp" if number % 2 else "", duration=float(5 + number),
                 published=VIRTUAL_EPOCH - number * 3600.5, views=number * 1000,
                 likes=number, source="t") for number in range(count)]


def assert_same(connection: sqlite3.Connection) -> None:
    fast, plain = read_catalogue(connection), load_rows(connection)
    # The texts may come as runs (read into words a batch at a time): the same texts.
    assert fast.all_texts() == plain.all_texts()
    assert [text for batch in fast.texts_between(2, 9) for text in batch] == \
        plain.all_texts()[2:9]
    for field in dataclasses.fields(plain):
        if field.name in ("texts", "text_runs", "text_separator"):
            continue
        mine, theirs = getattr(fast, field.name), getattr(plain, field.name)
        if isinstance(theirs, np.ndarray):
            assert mine.dtype == theirs.dtype, field.name
            assert np.array_equal(mine, theirs, equal_nan=theirs.dtype.kind == "f"), field.name
        else:
            assert list(mine) == list(theirs), field.name  # (sources: CodedTexts)


@pytest.mark.parametrize("oddity", [
    None,
    "UPDATE items SET views = NULL, likes = NULL, duration = NULL, published = NULL"
    " WHERE code % 3 = 0",
    "UPDATE items SET views = 3.5 WHERE code = 4",  # a real in an integer column
    "UPDATE items SET likes = 2 * 1152921504606846977 WHERE code = 5",  # past 2^53
    "UPDATE items SET title = 'a' || char(31) || 'b' WHERE code = 6",  # the separator
    "UPDATE items SET duration = 0.1 + 0.2, published = 1e-300 WHERE code = 7",
    "DELETE FROM item_topics",
    "UPDATE items SET language = CASE code % 3 WHEN 0 THEN 'fr' WHEN 1 THEN 'pt' ELSE '' END",
])
def test_the_aggregates_read_what_the_rows_read(tmp_path, oddity, monkeypatch):
    monkeypatch.setattr(catalogue_table, "TEXT_RUN", 7)  # texts read in several runs
    Feed.open(tmp_path, clock=VirtualClock(), seed=0, catalogue=library(40)).close()
    with sqlite3.connect(tmp_path / "tuifeed.db") as connection:
        if oddity:
            connection.execute(oddity)
        connection.commit()
        assert_same(connection)


def test_an_empty_catalogue(tmp_path):
    Feed.open(tmp_path, clock=VirtualClock(), seed=0, catalogue=[]).close()
    connection = sqlite3.connect(tmp_path / "tuifeed.db")
    connection.execute("DELETE FROM item_topics")
    connection.execute("DELETE FROM items")
    assert_same(connection)
    connection.close()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(
    st.none(), st.floats(allow_nan=False), st.floats(1, 2.0 ** 52),
    st.floats(0, 2), st.integers(-(2 ** 53), 2 ** 53), st.sampled_from(
        [1.0, 1 - 2 ** -53, 2.0 ** 52, 2.0 ** 52 - 0.5, 2.0 ** 52 - 1, 0.1 + 0.2, 5e-324,
         -1.5, float("inf"), 1.7976931348623157e308])), max_size=60))
def test_reals_travel_exactly(values):
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t(n INTEGER PRIMARY KEY, x REAL)")
    connection.executemany("INSERT INTO t(x) VALUES (?)", [(value,) for value in values])
    read = read_reals(connection, "x", "t", "n", len(values))
    plain = [row[0] for row in connection.execute("SELECT x FROM t ORDER BY n")]
    assert [None if value != value else value for value in read.tolist()] == plain


def test_a_text_or_a_blob_in_a_real_column_reads_as_unknown(tmp_path):
    """A damaged or tampered file may hold text where a time or a duration belongs: the
    value is unknown (NaN), the rest reads as stored, and the home still ranks."""
    Feed.open(tmp_path, clock=VirtualClock(), seed=0, catalogue=library(10)).close()
    with sqlite3.connect(tmp_path / "tuifeed.db") as connection:
        connection.execute("UPDATE items SET duration = 'abc', published = x'ff00'"
                           " WHERE code = 3")
        connection.commit()
        durations = read_reals(connection, "duration", "items", "code", 10)
    assert np.isnan(durations[2]) and durations[3] == 8.0
    with Feed.open(tmp_path, clock=VirtualClock(), seed=0) as feed:
        assert len(feed.upcoming(10)) == 10
