"""The scorer: score = the sum of named contributions, one pass over every candidate.

Terms that depend only on the item and the viewer (topic, creator, freshness, ...) are numpy
columns over the whole catalogue. Diversity depends on the queue itself and is decided while it
is built: a penalty for every earlier card by the same creator or on the same main topic.
Exploration is not a term: some of the cards the viewer is shown (the recipe's rate of them,
by card number) are items the model would not have picked, drawn at random (seeded by the seed
and the card's number) from beyond its top EXPLORE_HORIZON, by creators never shown first; the
queue holds them in the ranks where those cards fall. The numbers reported for an item are the
ones that placed it, and they add up exactly to its score.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np

from tuifeed.models import Item
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.interests import InterestModel
from tuifeed.ranking.recipe import Recipe

# The order in which terms are added, in the code, the JSON and on screen.
ITEM_TERMS = ("topic", "creator", "length", "words", "source", "language", "freshness",
              "recency", "quality", "popularity", "novelty", "short_form", "following",
              "boost_topic", "boost_creator", "seen")
TERMS = (*ITEM_TERMS, "diversity")  # exploration is a slot, not a term
POOL_EXTRA = 40  # diversity starts on the best limit + POOL_EXTRA items by item score
EXPLORE_HORIZON = 50  # exploration picks come from beyond the top 50 by item score
# The item score is summed this many items at a time: a million-item ranking then holds the
# score and a block's terms, not sixteen million-element arrays (100 MiB at 1M items).
SCORE_BLOCK = 65_536
SCORE_THREADS = min(2, os.cpu_count() or 1)  # the blocks summed side by side (ItemTerms.score)
_threads: list[ThreadPoolExecutor] = []  # made at the first ranking of more than one block
_threads_lock = threading.Lock()


def _block_threads() -> ThreadPoolExecutor:
    with _threads_lock:
        if not _threads:
            _threads.append(ThreadPoolExecutor(SCORE_THREADS, thread_name_prefix="score"))
        return _threads[0]


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
    epoch: int = 0  # cards shown so far: rank r of this queue is card number epoch + r
    topic_boosts: np.ndarray | None = None  # per topic code, the viewer's boost (-2..+2)
    creator_boosts: np.ndarray | None = None  # per creator code
    followed: np.ndarray | None = None  # per creator code: followed or not


class ItemTerms:
    """The item-only terms of one moment, worked out on demand: summed over every item one
    term at a time (`score`: a million-item ranking holds the sum and one term, never all
    sixteen), or for a few rows (`term`: the contributions of the items placed). A term
    that is zero for every item (its weight is 0, or nothing feeds it) is None, so a
    million-item re-rank does not add arrays of zeros."""

    def __init__(self, catalog: Catalog, model: InterestModel, recipe: Recipe,
                 context: Context) -> None:
        self.catalog, self.model, self.context = catalog, model, context
        self.scale = recipe.memory.get("affinity_scale", 2.0)
        self.affinities = model.at(context.now)
        self.half_life = max(recipe.term("freshness_half_life_days") or 7.0, 1e-6)
        self.weights = {name: recipe.term("boost" if name.startswith("boost") else name)
                        for name in ITEM_TERMS}

    def score(self) -> np.ndarray:
        """The sum of the terms for every item, added in ITEM_TERMS order, SCORE_BLOCK
        items at a time (each item's sum the same additions in the same order). The blocks
        are summed side by side on SCORE_THREADS threads (numpy lets go of the interpreter
        while it adds): each block the same numbers, whichever thread sums it."""
        size = len(self.catalog)
        base = np.zeros(size)
        starts = range(0, size, SCORE_BLOCK)
        if len(starts) > 1:
            list(_block_threads().map(partial(self._sum_block, base), starts))
        else:
            for start in starts:
                self._sum_block(base, start)
        return base

    def _sum_block(self, base: np.ndarray, start: int) -> None:
        rows = slice(start, min(start + SCORE_BLOCK, len(base)))
        part = base[rows]
        for name in ITEM_TERMS:
            term = self.term(name, rows)
            if term is not None:
                part += term

    def term(self, name: str, rows: np.ndarray | slice | None = None) -> np.ndarray | None:
        """One weighted term, for every item or at `rows` (catalogue rows, or a slice of
        them); None when zero for every item."""
        weight = self.weights[name]
        values = getattr(self, f"_{name}")(rows) if weight else None
        return None if values is None else weight * values

    # Each term's values, before its weight. Whether a term is None never depends on rows.

    def _tanh(self, family: str) -> np.ndarray:
        return np.tanh(getattr(self.affinities, family) / self.scale)

    def _at(self, column: np.ndarray, rows: np.ndarray | slice | None) -> np.ndarray:
        return column if rows is None else column[rows]

    def _per_topic(self, values: np.ndarray, rows) -> np.ndarray | None:
        return self.catalog.spread_topics(values, rows) if values.any() else None

    def _per_creator(self, values: np.ndarray, rows) -> np.ndarray | None:
        return values[self._at(self.catalog.creator_codes, rows)] if values.any() else None

    def _topic(self, rows):
        return self._per_topic(self._tanh("topic"), rows)

    def _creator(self, rows):
        return self._per_creator(self._tanh("creator"), rows)

    def _length(self, rows):
        # An item of unknown length (band -1) reads the extra 0 at the end: no length term.
        values = self._tanh("band")
        return (np.append(values, 0.0)[self._at(self.catalog.length_band, rows)]
                if values.any() else None)

    def _words(self, rows):
        values = self._tanh("word")
        return (self.catalog.word_matrix.spread(values, len(self.catalog), rows)
                if values.any() else None)

    def _source(self, rows):
        values = self._tanh("source")
        return values[self._at(self.catalog.source_codes, rows)] if values.any() else None

    def _language(self, rows):
        # An item of unknown language (code -1) reads the extra 0 at the end: no term.
        values = self._tanh("language")
        return (np.append(values, 0.0)[self._at(self.catalog.language_codes, rows)]
                if values.any() else None)

    def _freshness(self, rows):
        return self.catalog.freshness(self.context.now, self.half_life, rows)

    def _recency(self, rows):
        published = self._at(self.catalog.published, rows)
        return -np.maximum(self.context.now - published, 0.0) / 86400.0

    def _quality(self, rows):
        return self._at(self.catalog.quality, rows)

    def _popularity(self, rows):
        return self._at(self.catalog.popularity, rows)

    def _novelty(self, rows):
        return self.model.creator_impressions[self._at(self.catalog.creator_codes, rows)] == 0

    def _short_form(self, rows):
        short_form = self.catalog.short_form
        return self._at(short_form, rows) if short_form.any() else None

    def _following(self, rows):
        followed = self.context.followed
        return None if followed is None else self._per_creator(followed, rows)

    def _boost_topic(self, rows):
        boosts = self.context.topic_boosts
        return None if boosts is None else self._per_topic(boosts, rows)

    def _boost_creator(self, rows):
        boosts = self.context.creator_boosts
        return None if boosts is None else self._per_creator(boosts, rows)

    def _seen(self, rows):
        seen = self.context.seen
        return self._at(seen, rows) if seen.any() else None


def rank(catalog: Catalog, model: InterestModel, recipe: Recipe, context: Context,
         limit: int | None = None) -> list[Ranked]:
    """The candidates best first. A shorter limit always gives a prefix of a longer one.

    Outside exploration slots, scores never rise down the queue: each item's score is the one
    it was placed with, its diversity penalty included.
    """
    terms = ItemTerms(catalog, model, recipe, context)
    names = ITEM_TERMS
    base = terms.score()
    if not np.isfinite(base).all():  # a degenerate recipe must not lose items or crash
        base = np.nan_to_num(base, nan=-1e300, posinf=1e300, neginf=-1e300)
    positions = np.flatnonzero(context.candidates)
    wanted = len(positions) if limit is None else min(limit, len(positions))
    slots = _exploration_slots(recipe, context.epoch, wanted)
    top = [int(row) for row in _best(positions, base, EXPLORE_HORIZON)] if slots else []
    unshown = _Unshown(catalog.creator_codes, model.creator_impressions == 0,
                       context.candidates)
    slot_picks = _exploration_picks(positions, top, context, slots, unshown)
    relief = creator_relief(model, recipe, now=context.now)
    order, penalties = _diversify(catalog, recipe, base, positions, context.recent, wanted,
                                  slot_picks, relief)
    del base, positions
    explored = set(slot_picks.values())
    # The terms of the items placed only, the same numbers as those summed in the score.
    placed = np.array(order, dtype=np.int64)
    columns = {name: terms.term(name, placed) for name in names}
    ranked = []
    for place, row in enumerate(order, start=1):
        parts = {name: 0.0 if columns[name] is None  # no -0.0:
                 else float(columns[name][place - 1]) + 0.0 for name in names}
        parts["diversity"] = penalties[row]
        ranked.append(Ranked(rank=place, item=catalog.item_at(row), score=sum(parts.values()),
                             contributions=parts, explore=row in explored))
    return ranked


def _best(positions: np.ndarray, score: np.ndarray, count: int) -> np.ndarray:
    """The `count` best rows by score, best first; ties go to catalogue order."""
    if count <= 0 or len(positions) == 0:
        return positions[:0]
    if count < len(positions):
        threshold = np.partition(-score[positions], count - 1)[count - 1]
        positions = positions[-score[positions] <= threshold]
    return positions[np.lexsort((positions, -score[positions]))][:count]


def creator_relief(model: InterestModel, recipe: Recipe, now: float) -> np.ndarray:
    """Per creator, the share of the same-creator penalty that applies: 1 minus
    diversity_creator_taste times the viewer's learned affinity to the creator (as the
    creator term reads it, tanh(affinity / scale), counted only when positive). Diversity
    must not fight a clear, repeated taste: at taste 1, a creator you love fully pays
    nothing for coming again."""
    taste = recipe.term("diversity_creator_taste")
    affinity = model.at(now).creator
    if not taste or not affinity.any():
        return np.ones(len(affinity))
    scale = recipe.memory.get("affinity_scale", 2.0)
    return np.clip(1.0 - taste * np.maximum(np.tanh(affinity / scale), 0.0), 0.0, 1.0)


def repeat_weight(count, decay: float):
    """What `count` earlier cards of one creator (or topic) weigh: 1 + decay + decay^2 + ...,
    one term a card. It only grows with the count, so a penalty never falls as a queue is
    built; decay < 1 bounds it (a taste shown often enough still wins), 1 makes it linear."""
    count = np.asarray(count, dtype=np.float64)
    if decay >= 1.0:
        return count
    return (1.0 - decay ** count) / (1.0 - decay)


class _Repeats:
    """How many earlier cards share each creator and each main topic."""

    def __init__(self, catalog: Catalog, per_creator: np.ndarray, per_topic: float,
                 decay: float) -> None:
        self.catalog = catalog
        self.per_creator, self.per_topic, self.decay = per_creator, per_topic, decay
        self.creators: dict[int, int] = {}
        self.topics: dict[int, int] = {}

    def add(self, row: int) -> None:
        creator, topic = int(self.catalog.creator_codes[row]), int(self.catalog.main_topic[row])
        self.creators[creator] = self.creators.get(creator, 0) + 1
        if topic >= 0:
            self.topics[topic] = self.topics.get(topic, 0) + 1

    def penalty(self, row: int) -> float:
        creator, topic = int(self.catalog.creator_codes[row]), int(self.catalog.main_topic[row])
        return float(-(self.per_creator[creator]
                       * repeat_weight(self.creators.get(creator, 0), self.decay)
                       + self.per_topic * repeat_weight(self.topics.get(topic, 0), self.decay))
                     ) + 0.0  # no -0.0


def _diversify(catalog: Catalog, recipe: Recipe, base: np.ndarray, positions: np.ndarray,
               recent: tuple[int, ...], count: int, slot_picks: dict[int, int],
               relief: np.ndarray) -> tuple[list[int], dict[int, float]]:
    """Greedy re-rank: each pick pays for the earlier cards by its creator and on its main
    topic (the last `diversity_window` cards shown count as earlier cards too), each one
    `diversity_decay` times the one before (see repeat_weight). The same-creator penalty
    is scaled by the creator's `relief` (see creator_relief).

    Penalties only grow as cards are placed, so the adjusted score of each pick is at most
    that of the pick before it. It runs on a pool of the best items by item score, grown
    until no item outside the pool could have beaten a pick, so the result is exact.
    """
    window = int(recipe.term("diversity_window"))
    per_creator, per_topic = recipe.term("diversity_creator"), recipe.term("diversity_topic")
    if window <= 0:  # diversity off: the order is the item score's
        per_creator = per_topic = 0.0
    per_creator = per_creator * relief  # per creator code
    decay = recipe.term("diversity_decay")
    prefix = list(recent[-window:]) if window > 0 else []
    pool_size = count + POOL_EXTRA
    while True:
        ranked = _best(positions, base, pool_size + 1)
        pool = ranked[:pool_size]
        # The best item left out of the pool; nothing below it can beat a pick either.
        outside_best = base[ranked[pool_size]] if len(ranked) > pool_size else -np.inf
        result = _greedy(catalog, base, pool, prefix, count, per_creator, per_topic, decay,
                         outside_best, slot_picks)
        if result is not None:
            return result
        pool_size *= 4


def _positions_of(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Each code's positions in `codes`."""
    order = np.argsort(codes, kind="stable")
    values, starts = np.unique(codes[order], return_index=True)
    return dict(zip(values.tolist(), np.split(order, starts[1:])))


def _greedy(catalog: Catalog, base: np.ndarray, pool: np.ndarray, prefix: list[int],
            count: int, per_creator: np.ndarray, per_topic: float, decay: float,
            outside_best: float, slot_picks: dict[int, int]
            ) -> tuple[list[int], dict[int, float]] | None:
    """Place `count` items: exploration picks in their slots, the rest from the pool; None
    when an item outside the pool could have won a place."""
    repeats = _Repeats(catalog, per_creator, per_topic, decay)
    creators = catalog.creator_codes[pool]
    pool_creator = per_creator[creators]  # each pool item's same-creator penalty
    topics = catalog.main_topic[pool]
    by_creator, by_topic = _positions_of(creators), _positions_of(topics)
    creator_repeats = np.zeros(len(pool))
    topic_repeats = np.zeros(len(pool))
    # Each pool item's two penalties and its adjusted score now; a placed card changes them
    # only for the items of its creator and of its main topic, so only those are worked out
    # again (element by element the same arithmetic as all at once).
    creator_penalty = pool_creator * repeat_weight(creator_repeats, decay)
    topic_penalty = per_topic * repeat_weight(topic_repeats, decay)
    scores = base[pool].astype(np.float64)
    scores[np.isin(pool, list(slot_picks.values()))] = -np.inf  # reserved for their slots
    adjusted = scores - (creator_penalty + topic_penalty)
    order: list[int] = []
    penalties: dict[int, float] = {}

    def count_in(row: int) -> None:
        same = by_creator.get(int(catalog.creator_codes[row]))
        if same is not None:
            creator_repeats[same] += 1
            creator_penalty[same] = pool_creator[same] * repeat_weight(creator_repeats[same],
                                                                       decay)
            adjusted[same] = scores[same] - (creator_penalty[same] + topic_penalty[same])
        topic = int(catalog.main_topic[row])
        same = by_topic.get(topic) if topic >= 0 else None
        if same is not None:
            topic_repeats[same] += 1
            topic_penalty[same] = per_topic * repeat_weight(topic_repeats[same], decay)
            adjusted[same] = scores[same] - (creator_penalty[same] + topic_penalty[same])

    def place(row: int) -> None:
        order.append(row)
        repeats.add(row)
        count_in(row)

    for row in prefix:
        repeats.add(row)
        count_in(row)
    for slot in range(1, count + 1):
        if slot in slot_picks:
            row = slot_picks[slot]
            penalties[row] = repeats.penalty(row)
            place(row)
            continue
        pick = int(np.argmax(adjusted)) if len(pool) else -1  # first maximum: pool order
        if pick < 0 or adjusted[pick] == -np.inf:
            if outside_best > -np.inf:
                return None  # the pool ran out before the queue did
            break
        if adjusted[pick] < outside_best:
            return None
        row = int(pool[pick])
        scores[pick] = adjusted[pick] = -np.inf  # taken
        penalties[row] = repeats.penalty(row)
        place(row)
    return order, penalties


def exploration_cards(rate: float, first: int, cards: np.ndarray) -> np.ndarray:
    """Which card numbers (1 = the first card shown) are exploration cards: `first`, then
    as many as `rate` of the cards after it, spread evenly (rate 0.1: the 4th, 14th, 24th,
    ...; 0.3: 3 in every 10). Card k after `first` is one when k x rate passes a whole
    number."""
    if rate <= 0:
        return np.zeros(len(cards), dtype=bool)
    after = np.asarray(cards, dtype=np.float64) - first
    # The small epsilon keeps 10 x 0.1 at 1.0 whatever the rounding of 0.1.
    return (after >= 0) & (np.floor(after * rate + 1e-9) > np.floor((after - 1) * rate + 1e-9))


def _exploration_slots(recipe: Recipe, epoch: int, wanted: int) -> list[int]:
    """The ranks of this queue that fall on exploration cards: rank r is card epoch + r, so
    a slot moves up one rank with every card shown, and `j` brings it when it reaches 1."""
    rate = recipe.exploration.get("rate", 0.0)
    if rate <= 0 or wanted <= 0:
        return []
    first = int(recipe.exploration.get("first_slot", max(int(round(1 / rate)), 1)))
    ranks = np.arange(1, wanted + 1)
    return [int(r) for r in ranks[exploration_cards(rate, first, epoch + ranks)]]


EXPLORE_TRIES = 64  # draws over the whole catalogue before drawing among the eligible only


class _Unshown:
    """Candidates by a creator never shown, read row by row (a mask over a million items is
    made only if drawing row by row fails)."""

    def __init__(self, creator_codes: np.ndarray, unshown_creators: np.ndarray,
                 candidates: np.ndarray) -> None:
        self.creator_codes, self.unshown_creators = creator_codes, unshown_creators
        self.candidates = candidates

    def __len__(self) -> int:
        return len(self.candidates)

    def __getitem__(self, row: int) -> bool:
        return bool(self.candidates[row] and self.unshown_creators[self.creator_codes[row]])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # for np.asarray
        return self.candidates & self.unshown_creators[self.creator_codes]


def _exploration_picks(positions: np.ndarray, top: list[int], context: Context,
                       slots: list[int], unshown: _Unshown | None = None) -> dict[int, int]:
    """rank -> an item from beyond the top EXPLORE_HORIZON by item score, for each slot: by
    a creator never shown to the viewer (`unshown`, candidates only) while one is left,
    else any candidate. Exploring finds the creators a viewer loves sooner than a draw
    among creators already met.

    The pick of card number n is drawn by a generator seeded by (seed, n), over catalogue
    rows, the first row drawn that qualifies: so the same card keeps its pick as its slot
    moves up the queue (unless the pick stops qualifying), and a slot's pick is the same
    whatever the limit asked for. Where qualifying rows are few, it draws among them.
    """
    excluded = set(top)
    picks: dict[int, int] = {}
    rows_of: dict[str, np.ndarray] = {"any": positions}  # each set's rows, once needed

    def rows(which: str) -> np.ndarray:
        if which not in rows_of:
            rows_of[which] = np.flatnonzero(np.asarray(unshown))
        return rows_of[which]

    for slot in slots:
        generator = random.Random(f"{context.seed}:card:{context.epoch + slot}")
        row = -1
        for which, allowed in (("unshown", unshown), ("any", context.candidates)):
            if allowed is not None:
                row = _draw(generator, allowed, excluded, lambda which=which: rows(which))
            if row >= 0:
                break
        if row < 0:  # every candidate is in the top or picked already
            break
        excluded.add(row)
        picks[slot] = row
    return picks


def _draw(generator: random.Random, allowed: np.ndarray | _Unshown, excluded: set[int],
          rows: Callable[[], np.ndarray]) -> int:
    """A row drawn at random among the `allowed` ones not `excluded`, or -1 if none is: first
    over the whole catalogue, then, if the allowed rows are rare, among `rows()` (the allowed
    rows, made once per ranking)."""
    for _ in range(EXPLORE_TRIES):
        drawn = generator.randrange(len(allowed))
        if allowed[drawn] and drawn not in excluded:
            return drawn
    eligible = _without(rows(), excluded)
    return int(eligible[generator.randrange(len(eligible))]) if len(eligible) else -1


def _without(rows: np.ndarray, excluded: set[int]) -> np.ndarray:
    """`rows` (ascending, each once) less the `excluded` ones: what np.isin leaves, found by
    a binary search each. (np.isin sorts both, and its first call in a process imports
    numpy.ma: 0.1-0.2 s of a reopened million-item home's first card.)"""
    if not excluded:
        return rows
    wanted = np.fromiter(excluded, np.int64, len(excluded))
    at = np.searchsorted(rows, wanted)
    found = at < len(rows)
    found[found] = rows[at[found]] == wanted[found]
    return np.delete(rows, at[found])
