"""The catalogue's id -> row index is two numpy arrays instead of a dict (a million ids: 12
MiB instead of 68); it must answer every question exactly as the dict did."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuifeed.ranking.item_index as item_index
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.item_index import ItemIndex, rows_of

from test_catalogue_table import library

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

# Ids as sources send them, and worse: non-ASCII, lone surrogates (not encodable in UTF-8),
# NULs, the empty id, and near misses of each other.
ID_TEXT = st.text(alphabet=st.sampled_from(
    ["a", "b", "Z", "0", ":", "é", "猫", "\x00", "\ud800", "\udfff", "\U0001f40a", " "]),
    max_size=6)
# Hashes forced together, some at the ends of the int64 range, so that runs of equal hashes
# (collisions of different ids) and the first and last places of the table are exercised.
WEAK_HASHES = [None, lambda value: [-(2**63), 2**63 - 1, 0, -1][hash(value) % 4],
               lambda value: 7]


def as_dict(ids: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    index.update(zip(ids, range(len(ids))))  # a duplicate id: its last row, as before
    return index


IDS = st.one_of(st.sampled_from(["", "a", "é", "\ud800", "yt:abc"]), ID_TEXT)  # repeats


@SETTINGS
@given(st.lists(IDS, max_size=40), st.lists(ID_TEXT, max_size=10),
       st.lists(st.integers(0, 40), max_size=4), st.sampled_from(range(len(WEAK_HASHES))),
       st.lists(st.booleans(), max_size=5))
def test_every_lookup_is_the_dicts(ids, others, cuts, weak, asked_between):
    """Ids given in batches (duplicates within a batch and across them): each id, and ids
    never given, is found (or not) at the row a dict gives, one at a time and all at once;
    the index holds as many keys, in the same order. The table is made when first asked:
    some batches are asked about as they come (each joins the table made so far), others
    only with the ones after them (several join at once)."""
    with pytest.MonkeyPatch.context() as patch:
        if WEAK_HASHES[weak] is not None:
            patch.setattr(item_index, "hash", WEAK_HASHES[weak], raising=False)
        held: list[str] = []
        index = ItemIndex(held)
        stops = [*sorted(cut for cut in cuts if cut <= len(ids)), len(ids)]
        for batch, stop in enumerate(stops):
            start = len(held)
            held.extend(ids[start:stop])
            index.add(start)
            if batch < len(asked_between) and asked_between[batch] and held:
                assert index.get(held[-1]) == as_dict(held)[held[-1]]
        expected = as_dict(ids)
        asked = ids + others + [item_id + "x" for item_id in ids[:5]] + [None, 3]
        for item_id in asked:
            assert index.get(item_id) == expected.get(item_id)
            assert index.get(item_id, -1) == expected.get(item_id, -1)
            assert (item_id in index) == (item_id in expected)
            if item_id in expected:
                assert index[item_id] == expected[item_id]
            else:
                with pytest.raises(KeyError):
                    index[item_id]
        strings = [item_id for item_id in asked if isinstance(item_id, str)]
        assert rows_of(index, strings).tolist() == [expected.get(item_id, -1)
                                                    for item_id in strings]
        assert rows_of(index, iter(strings)).dtype == np.int64
        assert len(index) == len(expected)
        assert list(index) == list(expected)
        assert index == expected


def test_a_plain_mapping_is_looked_up_the_same_way():
    assert rows_of({"a": 3, "b": 0}, ["b", "c", "a"]).tolist() == [0, -1, 3]
    assert rows_of(ItemIndex([]), []).tolist() == []


def test_ids_are_indexed_in_order_once():
    held = ["a", "b"]
    index = ItemIndex(held)
    index.add(0)
    with pytest.raises(ValueError):
        index.add(0)
    held.append("c")
    index.add(2)
    assert index["c"] == 2


def test_the_catalogue_finds_its_items_by_id_as_they_arrive():
    """A catalogue held in memory, with an id given twice, then grown: every item is found
    at the row a dict of its ids gives; an id it never held is not found."""
    items = library(12)
    twice = [*items, items[3]]
    catalog = Catalog.from_items(twice)
    expected = as_dict([item.id for item in twice])
    assert {item.id: catalog.index[item.id] for item in twice} == expected
    assert catalog.index[items[3].id] == len(twice) - 1
    assert "nobody:0" not in catalog.index and catalog.index.get("nobody:0") is None
    assert catalog.item(items[5].id).id == items[5].id


def test_threads_asking_at_once_while_the_table_is_made_all_get_their_rows():
    """The table is made once, by the first thread to ask; the others asking meanwhile wait
    for it and find their rows (the opening makes it in a thread while the log is read)."""
    import threading

    ids = [f"pt:{number:06d}" for number in range(30_000)]
    index = ItemIndex(ids)
    index.add(0)
    made = []
    real = ItemIndex._with

    def counted(self, start, stop):
        made.append((start, stop))
        return real(self, start, stop)

    answers: dict[int, list[int]] = {}
    start = threading.Barrier(4)

    def ask(worker: int) -> None:
        start.wait()
        answers[worker] = [index[item_id] for item_id in ids[worker::997]]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ItemIndex, "_with", counted)
        threads = [threading.Thread(target=ask, args=(worker,)) for worker in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert made == [(0, 30_000)]
    for worker, rows in answers.items():
        assert rows == list(range(worker, 30_000, 997))
