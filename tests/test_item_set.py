"""The items seen are held as a mask over catalogue rows (an ItemSet), not a set of ids: it
must answer every question a set of ids answers, as the catalogue grows under it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tuifeed.ranking.item_index import ItemIndex
from tuifeed.ranking.item_set import ItemSet

IDS = st.sampled_from(["a", "b", "c", "d", "é", "\ud800", "", "yt:x", "gone"])
STEPS = st.lists(st.tuples(st.sampled_from(["add", "discard", "grow"]), IDS), max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(IDS, max_size=5, unique=True), STEPS)
def test_an_item_set_answers_as_a_set_of_ids(catalogue, steps):
    """Ids added and taken away, some the catalogue has, some it gets later (held before
    it has them, say an imported log's), some it never has: membership, size, the ids held,
    the mask over the rows and the rows themselves are those of a plain set."""
    ids = list(catalogue)
    index = ItemIndex(ids)
    index.add(0)
    held = ItemSet(index, ids, np.zeros(len(ids), dtype=bool))
    expected: set[str] = set()
    for action, item_id in steps:
        if action == "grow":  # the item arrives in the catalogue (once: ids are unique)
            if item_id in index:
                continue
            ids.append(item_id)
            index.add(len(ids) - 1)
            continue
        getattr(held, action)(item_id)
        getattr(expected, action)(item_id)
        assert (item_id in held) == (item_id in expected)
    for item_id in ["a", "b", "c", "d", "é", "\ud800", "", "yt:x", "gone", None, 3]:
        assert (item_id in held) == (item_id in expected)
    assert len(held) == len(expected)
    assert sorted(held) == sorted(expected)
    assert held == expected and expected == held
    rows = sorted({index[item_id] for item_id in expected if item_id in index})
    mask = held.mask(len(ids))
    assert mask.dtype == bool and len(mask) == len(ids)
    assert np.flatnonzero(mask).tolist() == rows
    every = held.rows()
    if all(item_id in index for item_id in expected):
        assert every is not None and every.tolist() == rows
    else:
        assert every is None


def test_set_arithmetic_with_an_item_set_gives_plain_sets():
    ids = ["a", "b", "c"]
    index = ItemIndex(ids)
    index.add(0)
    held = ItemSet(index, ids, np.array([True, False, True]))
    assert {"a", "b", "z"} - held == {"b", "z"} and isinstance({"a"} - held, set)
    assert held - {"a"} == {"c"} and (held & {"c", "z"}) == {"c"}
    assert set(held) == {"a", "c"} and list(held) == ["a", "c"]


def test_the_mask_handed_out_is_a_copy():
    """The ranker gets a copy: the set moving on (a key's impression) never changes a
    ranking's context under it."""
    ids = ["a", "b"]
    index = ItemIndex(ids)
    index.add(0)
    held = ItemSet(index, ids, np.zeros(2, dtype=bool))
    mask = held.mask(2)
    held.add("a")
    assert not mask.any() and held.mask(2).tolist() == [True, False]


def test_a_copy_is_a_set_of_its_own():
    import copy

    ids = ["a", "b", "c"]
    index = ItemIndex(ids)
    index.add(0)
    held = ItemSet(index, ids, np.array([True, False, False]))
    held.add("elsewhere")  # no row: kept beside the mask
    for copied in (copy.copy(held), copy.deepcopy(held)):
        copied.add("b")
        copied.discard("elsewhere")
        assert copied == {"a", "b"} and held == {"a", "elsewhere"}
