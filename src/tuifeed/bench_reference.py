"""The re-rank's reference for `tuifeed bench`: one bare numpy pass doing the work a key
press needs, the queue after the card, with every term of the recipe.

Bare means: the viewer's state as plain arrays gathered beforehand (`gather`), then straight
numpy in one function (`bare_rank`): the candidate mask (muted, gone, disliked, the current
card, seen), each of the scorer's item terms with the recipe's weight, their sum, the
exploration slots and their seeded picks, the greedy diversity pass over the best items (the
same pool rule as the scorer, so the result is exact), and the result rows (the item and its
contributions). It reads the catalogue's columns and its feature primitives (topics spread
over items, the word index, the freshness factor): the data layout, not the ranking. It
gives the same queue as ranking.scorer.rank, which the tests check.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from tuifeed.feed import Feed
from tuifeed.models import Item
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.scorer import exploration_cards

POOL_EXTRA = 40  # as the scorer: diversity starts on the best limit + 40 by item score
EXPLORE_HORIZON = 50
EXPLORE_TRIES = 64


@dataclass
class Inputs:
    """The state a ranking reads, as arrays (see gather)."""

    catalog: Catalog
    recipe: Recipe
    now: float
    affinities: object
    creator_impressions: np.ndarray
    allowed: np.ndarray  # bool per item: neither muted nor from a removed source
    seen_rows: np.ndarray
    disliked_rows: np.ndarray
    current_row: int
    recent: tuple[int, ...]
    seed: int
    epoch: int
    topic_boosts: np.ndarray
    creator_boosts: np.ndarray
    followed: np.ndarray


def gather(feed: Feed) -> Inputs:
    """The feed's state as the arrays bare_rank reads (not timed: the app keeps it so)."""
    context = feed.ranking_context()
    catalog = feed.catalog
    index = catalog.index
    current = feed.current
    return Inputs(
        catalog=catalog, recipe=feed.recipe, now=context.now,
        affinities=feed.model.at(context.now),
        creator_impressions=feed.model.creator_impressions,
        allowed=~feed._muted() & feed._live(),
        seen_rows=np.flatnonzero(context.seen),
        disliked_rows=rows_of(index, feed.state.disliked),
        current_row=index[current.id] if current is not None else -1,
        recent=context.recent, seed=context.seed, epoch=context.epoch,
        topic_boosts=context.topic_boosts, creator_boosts=context.creator_boosts,
        followed=context.followed)


@dataclass(frozen=True)
class Row:
    rank: int
    item: Item
    score: float
    contributions: dict[str, float]
    explore: bool


def bare_rank(inputs: Inputs, limit: int) -> list[Row]:
    catalog, recipe, now = inputs.catalog, inputs.recipe, inputs.now
    term = recipe.term
    size = len(catalog)
    codes = catalog.creator_codes
    # The candidates: allowed, not disliked, not the current card, unseen while any is.
    seen = np.zeros(size, dtype=bool)
    seen[inputs.seen_rows] = True
    mask = inputs.allowed.copy()
    if recipe.filter.get("followed_only"):
        mask &= inputs.followed[codes]
    mask[inputs.disliked_rows] = False
    if inputs.current_row >= 0:
        mask[inputs.current_row] = False
    candidates = mask & ~seen
    if not candidates.any():
        candidates = mask
    # The item terms, weighted; a zero weight or a term that is zero everywhere is skipped.
    scale = recipe.memory.get("affinity_scale", 2.0)
    affinities = inputs.affinities
    columns: dict[str, np.ndarray] = {}

    def add(name: str, weight: float, values) -> None:
        if weight and values is not None:
            columns[name] = weight * values

    def tanh_of(values: np.ndarray) -> np.ndarray | None:
        values = np.tanh(values / scale)
        return values if values.any() else None

    if term("topic") and (values := tanh_of(affinities.topic)) is not None:
        add("topic", term("topic"), catalog.spread_topics(values))
    if term("creator") and (values := tanh_of(affinities.creator)) is not None:
        add("creator", term("creator"), values[codes])
    if term("length") and (values := tanh_of(affinities.band)) is not None:
        add("length", term("length"), np.append(values, 0.0)[catalog.length_band])
    if term("words") and (values := tanh_of(affinities.word)) is not None:
        add("words", term("words"), catalog.word_matrix.spread(values, size))
    if term("source") and (values := tanh_of(affinities.source)) is not None:
        add("source", term("source"), values[catalog.source_codes])
    if term("language") and (values := tanh_of(affinities.language)) is not None:
        add("language", term("language"), np.append(values, 0.0)[catalog.language_codes])
    if term("freshness"):
        half_life = max(term("freshness_half_life_days") or 7.0, 1e-6)
        add("freshness", term("freshness"), catalog.freshness(now, half_life))
    if term("recency"):
        add("recency", term("recency"), -np.maximum(now - catalog.published, 0.0) / 86400.0)
    add("quality", term("quality"), catalog.quality)
    add("popularity", term("popularity"), catalog.popularity)
    if term("novelty"):
        add("novelty", term("novelty"), inputs.creator_impressions[codes] == 0)
    if term("short_form") and catalog.short_form.any():
        add("short_form", term("short_form"), catalog.short_form)
    if term("following") and inputs.followed.any():
        add("following", term("following"), inputs.followed[codes])
    if term("boost") and inputs.topic_boosts.any():
        add("boost_topic", term("boost"), catalog.spread_topics(inputs.topic_boosts))
    if term("boost") and inputs.creator_boosts.any():
        add("boost_creator", term("boost"), inputs.creator_boosts[codes])
    if term("seen") and seen.any():
        add("seen", term("seen"), seen)
    base = np.zeros(size)
    for values in columns.values():
        base = base + values
    if not np.isfinite(base).all():
        base = np.nan_to_num(base, nan=-1e300, posinf=1e300, neginf=-1e300)
    positions = np.flatnonzero(candidates)
    wanted = min(limit, len(positions))

    def best(count: int) -> np.ndarray:  # the best rows by score, ties in catalogue order
        rows = positions
        if count < len(rows):
            threshold = np.partition(-base[rows], count - 1)[count - 1]
            rows = rows[-base[rows] <= threshold]
        return rows[np.lexsort((rows, -base[rows]))][:count]

    # Exploration: the slots falling on exploration cards, each drawn (seeded by its card
    # number) beyond the top EXPLORE_HORIZON, by a creator never shown while there is one.
    picks: dict[int, int] = {}
    rate = recipe.exploration.get("rate", 0.0)
    if rate > 0 and wanted > 0:
        first = int(recipe.exploration.get("first_slot", max(int(round(1 / rate)), 1)))
        ranks = np.arange(1, wanted + 1)
        slots = ranks[exploration_cards(rate, first, inputs.epoch + ranks)]
        excluded = {int(row) for row in best(EXPLORE_HORIZON)} if len(slots) else set()
        unshown_creators = inputs.creator_impressions == 0
        for slot in slots:
            generator = random.Random(f"{inputs.seed}:card:{inputs.epoch + int(slot)}")
            row = -1
            for eligible in ("unshown", "any"):
                for _ in range(EXPLORE_TRIES):
                    drawn = generator.randrange(size)
                    if (candidates[drawn] and drawn not in excluded
                            and (eligible == "any" or unshown_creators[codes[drawn]])):
                        row = drawn
                        break
                else:
                    allowed = (candidates & unshown_creators[codes] if eligible == "unshown"
                               else candidates)
                    rows = np.flatnonzero(allowed)
                    rows = rows[~np.isin(rows, list(excluded))]
                    row = int(rows[generator.randrange(len(rows))]) if len(rows) else -1
                if row >= 0:
                    break
            if row < 0:
                break
            excluded.add(row)
            picks[int(slot)] = row
    # Diversity: greedy, each pick paying for earlier cards by its creator and on its main
    # topic (the recent window counts), each repeat `decay` times the one before.
    window = int(term("diversity_window"))
    per_topic = term("diversity_topic") if window > 0 else 0.0
    per_creator = np.full(len(catalog.creators), term("diversity_creator") if window > 0
                          else 0.0)
    taste = term("diversity_creator_taste")
    if taste and affinities.creator.any():
        per_creator = per_creator * np.clip(
            1.0 - taste * np.maximum(np.tanh(affinities.creator / scale), 0.0), 0.0, 1.0)
    decay = term("diversity_decay")

    def weight(count):
        count = np.asarray(count, dtype=np.float64)
        return count if decay >= 1.0 else (1.0 - decay ** count) / (1.0 - decay)

    prefix = list(inputs.recent[-window:]) if window > 0 else []
    pool_size = wanted + POOL_EXTRA
    while True:
        ranked = best(pool_size + 1)
        outside_best = base[ranked[pool_size]] if len(ranked) > pool_size else -np.inf
        placed = _greedy(catalog, base, ranked[:pool_size], prefix, wanted, picks,
                         per_creator, per_topic, weight, outside_best)
        if placed is not None:
            order, penalties = placed
            break
        pool_size *= 4
    # The result rows: each item with what placed it.
    explored = set(picks.values())
    names = ("topic", "creator", "length", "words", "source", "language", "freshness",
             "recency", "quality",
             "popularity", "novelty", "short_form", "following", "boost_topic",
             "boost_creator", "seen")
    rows = []
    for place, row in enumerate(order, start=1):
        parts = {name: float(columns[name][row]) + 0.0 if name in columns else 0.0
                 for name in names}
        parts["diversity"] = penalties[row]
        rows.append(Row(place, catalog.item_at(row), sum(parts.values()), parts,
                        row in explored))
    return rows


def _greedy(catalog: Catalog, base: np.ndarray, pool: np.ndarray, prefix: list[int],
            wanted: int, picks: dict[int, int], per_creator: np.ndarray, per_topic: float,
            weight, outside_best: float) -> tuple[list[int], dict[int, float]] | None:
    """The queue placed greedily from `pool`, exploration picks in their slots, with each
    row's diversity penalty; None when an item outside the pool could have won a place."""
    codes, main_topic = catalog.creator_codes, catalog.main_topic
    pool_codes, pool_topics = codes[pool], main_topic[pool]
    pool_per_creator = per_creator[pool_codes]
    creator_counts = np.zeros(len(pool))
    topic_counts = np.zeros(len(pool))
    scores = base[pool].astype(np.float64)
    scores[np.isin(pool, list(picks.values()))] = -np.inf
    by_creator: dict[int, int] = {}
    by_topic: dict[int, int] = {}
    order: list[int] = []
    penalties: dict[int, float] = {}

    def count(row: int) -> None:
        creator, topic = int(codes[row]), int(main_topic[row])
        by_creator[creator] = by_creator.get(creator, 0) + 1
        creator_counts[pool_codes == creator] += 1
        if topic >= 0:
            by_topic[topic] = by_topic.get(topic, 0) + 1
            topic_counts[pool_topics == topic] += 1

    for row in prefix:
        count(row)
    for slot in range(1, wanted + 1):
        if slot in picks:
            row = picks[slot]
        else:
            adjusted = scores - (pool_per_creator * weight(creator_counts)
                                 + per_topic * weight(topic_counts))
            pick = int(np.argmax(adjusted)) if len(pool) else -1
            if pick < 0 or adjusted[pick] == -np.inf:
                if outside_best > -np.inf:
                    return None
                break
            if adjusted[pick] < outside_best:
                return None
            row = int(pool[pick])
            scores[pick] = -np.inf
        creator, topic = int(codes[row]), int(main_topic[row])
        penalties[row] = float(-(per_creator[creator] * weight(by_creator.get(creator, 0))
                                 + per_topic * weight(by_topic.get(topic, 0)))) + 0.0
        order.append(row)
        count(row)
    return order, penalties
