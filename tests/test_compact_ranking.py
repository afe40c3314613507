"""A ranking holds the item score and one block of terms, not every term over the whole
catalogue; the contributions of the items placed are worked out for them alone. Both must be
the very numbers a whole-catalogue pass gives, to the last bit (Why this? shows them and they
must add up to the score shown)."""

from __future__ import annotations

import tempfile
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tuifeed.ranking.scorer as scorer
from tuifeed.ranking import rank
from tuifeed.ranking.scorer import ITEM_TERMS, ItemTerms

from test_ranking_properties import PROPERTY_SETTINGS, histories, replay

steerings = st.tuples(st.integers(0, 2**16), st.booleans(), st.booleans())


def steered(feed, steering):
    """The feed's context with boosts and follows drawn by a seed (or none of them)."""
    seed, boosted, followed = steering
    context = feed.ranking_context()
    generator = np.random.default_rng(seed)
    topics, creators = len(feed.catalog.topics), len(feed.catalog.creators)
    if boosted:
        context = replace(context,
                          topic_boosts=generator.integers(-2, 3, topics).astype(float),
                          creator_boosts=generator.integers(-2, 3, creators).astype(float))
    if followed:
        context = replace(context, followed=generator.random(creators) < 0.5)
    return context


def bits(values) -> bytes:
    return np.asarray(values, dtype=np.float64).tobytes()


@PROPERTY_SETTINGS
@given(histories, steerings, st.data())
def test_each_term_at_some_rows_is_the_whole_terms_number_there(history, steering, data):
    """Any rows, in any order, repeated or not, or a block of them: each term there is bit
    for bit what the whole catalogue's pass gives at those rows, and it is None (zero for
    every item) for both or for neither."""
    with tempfile.TemporaryDirectory() as home:
        with replay(home, history) as feed:
            size = len(feed.catalog)
            context = steered(feed, steering)
            terms = ItemTerms(feed.catalog, feed.model, feed.recipe, context)
            rows = np.array(data.draw(st.lists(st.integers(0, size - 1), max_size=3 * size)),
                            dtype=np.int64)
            start = data.draw(st.integers(0, size))
            block = slice(start, data.draw(st.integers(start, size)))
            for name in ITEM_TERMS:
                whole = terms.term(name)
                for some, picked in ((rows, whole[rows] if whole is not None else None),
                                     (block, whole[block] if whole is not None else None)):
                    part = terms.term(name, some)
                    assert (part is None) == (whole is None), name
                    if part is not None:
                        assert bits(part) == bits(picked), name


@PROPERTY_SETTINGS
@given(histories, steerings, st.integers(1, 7))
def test_a_score_summed_block_by_block_is_the_score_summed_whole(history, steering, block):
    """The item score summed a few items at a time is, to the bit, the terms summed over the
    whole catalogue in the scorer's order; and the queue ranked so is the same queue, each
    entry's contributions the terms at its row and its score their sum."""
    with tempfile.TemporaryDirectory() as home, pytest.MonkeyPatch.context() as patch:
        with replay(home, history) as feed:
            context = steered(feed, steering)
            terms = ItemTerms(feed.catalog, feed.model, feed.recipe, context)
            expected = np.zeros(len(feed.catalog))
            for name in ITEM_TERMS:
                whole = terms.term(name)
                if whole is not None:
                    expected = expected + whole
            patch.setattr(scorer, "SCORE_BLOCK", block)
            assert bits(terms.score()) == bits(expected)
            queue = rank(feed.catalog, feed.model, feed.recipe, context)
            patch.setattr(scorer, "SCORE_BLOCK", 10**9)
            once = rank(feed.catalog, feed.model, feed.recipe, context)
            assert [entry.item.id for entry in queue] == [entry.item.id for entry in once]
            for entry, other in zip(queue, once):
                assert entry.contributions.keys() == other.contributions.keys()
                assert bits(list(entry.contributions.values())) == \
                    bits(list(other.contributions.values()))
                row = feed.catalog.index[entry.item.id]
                for name in ITEM_TERMS:
                    whole = terms.term(name)
                    at_row = 0.0 if whole is None else float(whole[row]) + 0.0
                    assert bits([entry.contributions[name]]) == bits([at_row]), name
                assert entry.score == sum(entry.contributions.values())


@given(st.lists(st.integers(0, 9), max_size=300), st.integers(0, 2**16), st.integers(1, 5))
def test_totals_added_a_block_at_a_time_are_bincounts_sums(codes, seed, block):
    """Per code, the values of its entries added in entry order, a block at a time: to the
    bit what one bincount over every entry gives (values of every magnitude and sign)."""
    import tuifeed.ranking.catalog as catalog_module
    from tuifeed.ranking.catalog import ordered_totals

    generator = np.random.default_rng(seed)
    codes = np.array(codes, dtype=np.int64)
    values = generator.standard_normal(20) * 10.0 ** generator.integers(-8, 9, 20)
    of_entry = generator.integers(0, 20, len(codes))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(catalog_module, "TOTALS_BLOCK", block)
        totals = ordered_totals(codes, values, of_entry, 10)
    assert bits(totals) == bits(np.bincount(codes, values[of_entry], minlength=10))


@PROPERTY_SETTINGS
@given(histories, st.integers(0, 2**16), st.integers(1, 4))
def test_word_and_topic_totals_over_many_rows_are_one_bincounts(history, seed, block):
    """What learning sums per word and per topic over a log's rows (rows repeated, in any
    order), a block at a time, is bit for bit one bincount over every entry in order."""
    import tuifeed.ranking.catalog as catalog_module
    from tuifeed.ranking.catalog import entries_of

    with tempfile.TemporaryDirectory() as home, pytest.MonkeyPatch.context() as patch:
        with replay(home, history) as feed:
            catalog = feed.catalog
            generator = np.random.default_rng(seed)
            rows = generator.integers(0, len(catalog), 5 * len(catalog))
            values = generator.standard_normal(len(rows)) * 10.0 ** generator.integers(
                -6, 7, len(rows))
            matrix = catalog.word_matrix
            entries, local, _ = entries_of(matrix.ptr, rows)
            words = np.bincount(matrix.codes[entries], values[local],
                                minlength=len(matrix.words))
            per_item = np.bincount(rows, values, minlength=len(catalog))
            topics = np.bincount(catalog.topic_codes, per_item[catalog.topic_rows],
                                 minlength=len(catalog.topics))
            patch.setattr(catalog_module, "TOTALS_BLOCK", block)
            assert bits(matrix.totals(rows, values)) == bits(words)
            assert bits(catalog.topic_totals(rows, values)) == bits(topics)


def test_items_without_text_are_items_of_empty_text():
    """A catalogue kept with its words apart takes its rows without texts: the same matrix,
    weights and all, as texts that hold no word."""
    from tuifeed.ranking.word_term import WordMatrix

    read, empty = WordMatrix(), WordMatrix()
    for matrix in (read, empty):
        matrix.extend(["harbour tent", "swamp gators"])
    read.extend([""] * 3)
    empty.extend_empty(3)
    read.extend(["tent again"])
    empty.extend(["tent again"])
    assert len(read) == len(empty) == 6
    for name in ("ptr", "codes", "rows"):
        assert np.array_equal(getattr(read, name), getattr(empty, name))
    assert bits(read.weights()) == bits(empty.weights())


@given(st.sets(st.integers(0, 60)), st.sets(st.integers(-5, 70)))
def test_an_exploration_draw_leaves_out_exactly_the_excluded_rows(rows, excluded):
    """The rows left to draw from are those np.isin leaves, in the same order (found by a
    binary search each, without np.isin's sort)."""
    ordered = np.array(sorted(rows), dtype=np.int64)
    left = scorer._without(ordered, excluded)
    expected = ordered[~np.isin(ordered, list(excluded))] if excluded else ordered
    assert left.tolist() == expected.tolist()
