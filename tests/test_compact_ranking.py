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
