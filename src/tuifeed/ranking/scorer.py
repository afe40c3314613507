"""The scorer: score = the sum of named contributions, one pass over every candidate.

Terms that depend only on the item and the viewer (topic, creator, freshness, ...) are numpy
columns over the whole catalogue. Two terms depend on the queue itself and are decided while it
is built: diversity (a penalty for repeating a creator or topic among the last few cards) and
exploration (labelled slots given to items the model would not have picked). The numbers
reported for an item are the ones that placed it, and they add up exactly to its score.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from tuifeed.models import Item
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.interests import InterestModel
from tuifeed.ranking.recipe import Recipe

# The order in which terms are added, in the code, the JSON and on screen.
ITEM_TERMS = ("topic", "creator", "freshness", "recency", "quality", "popularity", "novelty",
              "short_form", "following", "boost_topic", "boost_creator", "seen")
TERMS = (*ITEM_TERMS, "diversity", "exploration")
POOL_EXTRA = 40  # diversity starts on the best limit + POOL_EXTRA items by item score
EXPLORE_HORIZON = 50  # exploration picks come from beyond the top 50 by item score


@dataclass(frozen=True)
class Ranked:
    """One position of the queue: the item, its score and what the score is made of."""

    rank: int
    item: Item
    score: float
    contributions: dict[str, float]
    explore: bool = False


@dataclass(frozen=True)
class Context:
    """What the ranking depends on besides the model: the moment, the candidates, the session."""

    now: float
    candidates: np.ndarray  # bool mask over the catalogue
    seen: np.ndarray  # bool mask: items already shown to the viewer
    recent: tuple[int, ...] = ()  # catalogue rows of the last cards shown, oldest first
    seed: int = 0
    epoch: int = 0  # exploration picks change only when this does (a new card was shown)
    topic_boosts: np.ndarray | None = None  # per topic code, the viewer's boost (-2..+2)
    creator_boosts: np.ndarray | None = None  # per creator code
    followed: np.ndarray | None = None  # per creator code: followed or not


def item_terms(catalog: Catalog, model: InterestModel, recipe: Recipe,
               context: Context) -> dict[str, np.ndarray | None]:
    """The terms that depend on the item alone, for every item, already weighted.

    A term that is zero for every item (its weight is 0, or nothing feeds it) is None, so
    a million-item re-rank does not add arrays of zeros.
    """
    now = context.now
    scale = recipe.memory.get("affinity_scale", 2.0)
    affinities = model.at(now)
    freshness_half_life = max(recipe.term("freshness_half_life_days") or 7.0, 1e-6)

    def per_topic(values: np.ndarray) -> np.ndarray | None:
        return catalog.spread_topics(values) if values.any() else None

    def per_creator(values: np.ndarray) -> np.ndarray | None:
        return values[catalog.creator_codes] if values.any() else None

    features = {
        "topic": lambda: per_topic(np.tanh(affinities.topic / scale)),
        "creator": lambda: per_creator(np.tanh(affinities.creator / scale)),
        "freshness": lambda: catalog.freshness(now, freshness_half_life),
        "recency": lambda: -np.maximum(now - catalog.published, 0.0) / 86400.0,
        "quality": lambda: catalog.quality,
        "popularity": lambda: catalog.popularity,
        "novelty": lambda: model.creator_impressions[catalog.creator_codes] == 0,
        "short_form": lambda: catalog.short_form if catalog.short_form.any() else None,
        "following": lambda: _if_any(context.followed, per_creator),
        "boost_topic": lambda: _if_any(context.topic_boosts, per_topic),
        "boost_creator": lambda: _if_any(context.creator_boosts, per_creator),
        "seen": lambda: context.seen if context.seen.any() else None,
    }
    weights = {name: recipe.term("boost" if name.startswith("boost") else name)
               for name in features}
    terms: dict[str, np.ndarray | None] = {}
    for name, compute in features.items():
        values = compute() if weights[name] else None
        terms[name] = None if values is None else weights[name] * values
    return terms


def _if_any(values: np.ndarray | None, spread) -> np.ndarray | None:
    return None if values is None else spread(values)


def rank(catalog: Catalog, model: InterestModel, recipe: Recipe, context: Context,
         limit: int | None = None) -> list[Ranked]:
    """The candidates best first. A shorter limit always gives a prefix of a longer one."""
    terms = item_terms(catalog, model, recipe, context)
    names = ITEM_TERMS
    base = np.zeros(len(catalog))
    for name in names:
        if terms[name] is not None:
            base = base + terms[name]
    if not np.isfinite(base).all():  # a degenerate recipe must not lose items or crash
        base = np.nan_to_num(base, nan=-1e300, posinf=1e300, neginf=-1e300)
    positions = np.flatnonzero(context.candidates)
    wanted = len(positions) if limit is None else min(limit, len(positions))
    slots = _exploration_slots(recipe, wanted)
    regular, diversity = _diversify(catalog, recipe, base, positions, context.recent,
                                    min(len(positions), wanted + len(slots)))
    top = [int(row) for row in _best(positions, base, EXPLORE_HORIZON)]
    picks = _exploration_picks(positions, top, context, len(slots))
    slot_picks = dict(zip(slots, picks))
    following = iter(row for row in regular if row not in slot_picks.values())
    order = []
    for place in range(1, wanted + 1):
        row = slot_picks[place] if place in slot_picks else next(following, None)
        if row is None:
            break
        order.append(row)
    scores = [base[row] + diversity.get(row, 0.0) for row in order]
    exploration: dict[int, float] = {}
    explored = set(picks)
    for index, row in enumerate(order):
        if row in explored:
            above = scores[index - 1] if index > 0 else base[row] + 1.0
            below = next((scores[later] for later in range(index + 1, len(order))
                          if order[later] not in explored), above - 1.0)
            exploration[row] = (above + below) / 2 - base[row]
            scores[index] = base[row] + exploration[row]
    ranked = []
    for place, row in enumerate(order, start=1):
        parts = {name: 0.0 if terms[name] is None else float(terms[name][row]) + 0.0  # no -0.0
                 for name in names}
        parts["diversity"] = diversity.get(row, 0.0)
        parts["exploration"] = float(exploration.get(row, 0.0))
        ranked.append(Ranked(rank=place, item=catalog.item_at(row), score=sum(parts.values()),
                             contributions=parts, explore=row in exploration))
    return ranked


def _best(positions: np.ndarray, score: np.ndarray, count: int) -> np.ndarray:
    """The `count` best rows by score, best first; ties go to catalogue order."""
    if count <= 0 or len(positions) == 0:
        return positions[:0]
    if count < len(positions):
        threshold = np.partition(-score[positions], count - 1)[count - 1]
        positions = positions[-score[positions] <= threshold]
    return positions[np.lexsort((positions, -score[positions]))][:count]


def _diversify(catalog: Catalog, recipe: Recipe, base: np.ndarray, positions: np.ndarray,
               recent: tuple[int, ...], count: int) -> tuple[list[int], dict[int, float]]:
    """Greedy sliding-window re-rank: each pick pays for repeats among the last few cards.

    It runs on a pool of the best items by item score, grown until no item outside the pool
    could have beaten any pick (penalties only lower scores), so the result is exact.
    """
    window = int(recipe.term("diversity_window"))
    per_creator, per_topic = recipe.term("diversity_creator"), recipe.term("diversity_topic")
    if window <= 0 or (per_creator == 0 and per_topic == 0):
        return [int(row) for row in _best(positions, base, count)], {}
    pool_size = count + POOL_EXTRA
    while True:
        ranked = _best(positions, base, pool_size + 1)
        pool = ranked[:pool_size]
        # The best item left out of the pool; nothing below it can beat a pick either.
        outside_best = base[ranked[pool_size]] if len(ranked) > pool_size else -np.inf
        result = _greedy(catalog, base, pool, list(recent[-window:]), count, window,
                         per_creator, per_topic, outside_best)
        if result is not None:
            return result
        pool_size *= 4


def _greedy(catalog: Catalog, base: np.ndarray, pool: np.ndarray, window_rows: list[int],
            count: int, window: int, per_creator: float, per_topic: float,
            outside_best: float) -> tuple[list[int], dict[int, float]] | None:
    """Pick `count` from the pool; None when an item outside the pool could have won a pick."""
    creators = catalog.creator_codes[pool]
    topics = catalog.main_topic[pool]
    creator_repeats = np.zeros(len(pool))
    topic_repeats = np.zeros(len(pool))

    def slide(row: int, step: int) -> None:  # add (+1) or drop (-1) a card from the window
        nonlocal creator_repeats, topic_repeats
        creator_repeats += step * (creators == catalog.creator_codes[row])
        topic_repeats += step * (topics == catalog.main_topic[row])

    for row in window_rows:
        slide(row, +1)
    scores = base[pool].astype(np.float64)
    order: list[int] = []
    penalties: dict[int, float] = {}
    for _ in range(min(count, len(pool))):
        penalty = -(per_creator * creator_repeats + per_topic * topic_repeats)
        adjusted = scores + penalty
        pick = int(np.argmax(adjusted))  # first maximum: ties keep the pool's order
        if adjusted[pick] < outside_best:
            return None
        scores[pick] = -np.inf  # taken
        row = int(pool[pick])
        order.append(row)
        penalties[row] = float(penalty[pick]) + 0.0  # no -0.0
        window_rows.append(row)
        slide(row, +1)
        if len(window_rows) > window:
            slide(window_rows.pop(0), -1)
    return order, penalties


def _exploration_slots(recipe: Recipe, wanted: int) -> list[int]:
    """The ranks given to exploration: first_slot, then every 1/rate ranks."""
    rate = recipe.exploration.get("rate", 0.0)
    if rate <= 0:
        return []
    every = max(int(round(1 / rate)), 2)
    first = int(recipe.exploration.get("first_slot", every))
    return list(range(first, wanted + 1, every))


def _exploration_picks(positions: np.ndarray, top: list[int], context: Context,
                       count: int) -> list[int]:
    """Items from beyond the top EXPLORE_HORIZON by item score, drawn with a seeded generator.

    Draws are sequential, so the k-th pick is the same whatever the limit asked for; the
    generator is seeded by (seed, epoch), so picks change only when a new card is shown.
    """
    excluded = set(top)
    available = len(positions) - len(excluded)
    picks: list[int] = []
    generator = random.Random(f"{context.seed}:{context.epoch}")
    while len(picks) < min(count, available):
        row = int(positions[generator.randrange(len(positions))])
        if row not in excluded:  # rejection keeps each draw independent of the limit
            excluded.add(row)
            picks.append(row)
    return picks
