"""The interest model: per-topic and per-creator affinities learned from events.

Each affinity has a short-term and a long-term part, each an exponentially decayed sum of
event signals. The parts are kept as of an anchor time and decayed on demand, so adding one
event costs O(topics + creators) and a rebuild from a million events is one numpy pass.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tuifeed.models import Event
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.recipe import Recipe

# Kinds whose signal goes to the creator only (following says nothing about topics).
CREATOR_ONLY = frozenset({"follow", "unfollow"})
# Kinds whose value is measured: seconds (dwell) or a fraction (watch).
MEASURED = frozenset({"dwell", "watch"})


@dataclass(frozen=True)
class Affinities:
    """Affinities at one moment, each part already decayed and weighted by the recipe."""

    topic_short: np.ndarray
    topic_long: np.ndarray
    creator_short: np.ndarray
    creator_long: np.ndarray

    @property
    def topic(self) -> np.ndarray:
        return self.topic_short + self.topic_long

    @property
    def creator(self) -> np.ndarray:
        return self.creator_short + self.creator_long


def signal_strength(recipe: Recipe, kind: str, value: float | None, duration: float) -> float:
    """How much one event says about the viewer's taste (positive: more of this)."""
    if kind == "dwell" or kind == "watch":
        fraction = (value or 0.0) / duration if kind == "dwell" else (value or 0.0)
        fraction = min(fraction, recipe.signals.get("max_watch_fraction", 2.0))
        return recipe.signal(kind) * (fraction - recipe.signals.get("dwell_baseline", 0.0))
    return recipe.signal(kind)


def signal_strengths(recipe: Recipe, kinds: Sequence[str], values: np.ndarray,
                     durations: np.ndarray) -> np.ndarray:
    """signal_strength for many events at once (values: NaN where an event has none)."""
    names = sorted(set(kinds))
    code_of = {kind: code for code, kind in enumerate(names)}
    codes = np.fromiter((code_of[kind] for kind in kinds), np.int64, len(kinds))
    strengths = np.array([recipe.signal(kind) for kind in names])[codes]
    values = np.nan_to_num(values, nan=0.0)
    for kind in MEASURED & set(names):
        chosen = codes == code_of[kind]
        fraction = values[chosen] / durations[chosen] if kind == "dwell" else values[chosen]
        fraction = np.minimum(fraction, recipe.signals.get("max_watch_fraction", 2.0))
        strengths[chosen] = recipe.signal(kind) * (
            fraction - recipe.signals.get("dwell_baseline", 0.0))
    return strengths


class InterestModel:
    def __init__(self, catalog: Catalog, recipe: Recipe) -> None:
        self.catalog = catalog
        self.recipe = recipe
        memory = recipe.memory
        self.short_half_life = memory.get("short_half_life_minutes", 60.0) * 60.0
        self.long_half_life = memory.get("long_half_life_days", 14.0) * 86400.0
        topics, creators = len(catalog.topics), len(catalog.creators)
        self.anchor = 0.0
        self.topic_short = np.zeros(topics)
        self.topic_long = np.zeros(topics)
        self.creator_short = np.zeros(creators)
        self.creator_long = np.zeros(creators)
        self.topic_support = np.zeros(topics, dtype=np.int64)
        self.creator_support = np.zeros(creators, dtype=np.int64)
        self.creator_impressions = np.zeros(creators, dtype=np.int64)  # for novelty

    # -- learning -----------------------------------------------------------------------------

    def rebuild(self, events: Sequence[Event], forgotten: Mapping[str, float] | None = None) -> None:
        """Forget everything and learn again from these events, in one vectorised pass.

        `forgotten` maps a topic to the moment the viewer asked to forget it: events up to
        then do not count for that topic.
        """
        self.__init__(self.catalog, self.recipe)  # type: ignore[misc]
        known = [event for event in events if event.item_id in self.catalog.index]
        if not known:
            return
        rows = np.fromiter((self.catalog.index[e.item_id] for e in known), np.int64, len(known))
        times = np.fromiter((e.ts for e in known), np.float64, len(known))
        kinds = [e.kind for e in known]
        values = np.fromiter((np.nan if e.value is None else e.value for e in known),
                             np.float64, len(known))
        strengths = signal_strengths(self.recipe, kinds, values, self.catalog.duration[rows])
        creator_only = np.fromiter((kind in CREATOR_ONLY for kind in kinds), bool, len(known))
        impressions = np.fromiter((kind == "impression" for kind in kinds), bool, len(known))
        self.anchor = float(times.max())
        self._accumulate(rows, times, strengths, creator_only, impressions, forgotten or {})

    def add(self, event: Event) -> None:
        """Learn from one more event."""
        row = self.catalog.index.get(event.item_id)
        if row is None:
            return
        if event.ts > self.anchor:
            self._decay_to(event.ts)
        strength = signal_strength(self.recipe, event.kind, event.value, self.catalog.duration[row])
        self._accumulate(
            np.array([row]), np.array([event.ts]), np.array([strength]),
            np.array([event.kind in CREATOR_ONLY]), np.array([event.kind == "impression"]),
        )

    def copy(self) -> "InterestModel":
        twin = InterestModel.__new__(InterestModel)
        twin.__dict__ = {name: value.copy() if isinstance(value, np.ndarray) else value
                         for name, value in self.__dict__.items()}
        return twin

    def forget_topic(self, topic: str) -> None:
        """Clear what was learned about a topic (later events count again)."""
        code = self.catalog.topic_index.get(topic)
        if code is not None:
            self.topic_short[code] = self.topic_long[code] = 0.0
            self.topic_support[code] = 0

    def _accumulate(self, rows, times, strengths, creator_only, impressions,
                    forgotten: Mapping[str, float] | None = None) -> None:
        catalog = self.catalog
        short = strengths * np.exp2(-(self.anchor - times) / self.short_half_life)
        long = strengths * np.exp2(-(self.anchor - times) / self.long_half_life)
        creators = catalog.creator_codes[rows]
        n_creators = len(catalog.creators)
        self.creator_short += np.bincount(creators, short, minlength=n_creators)
        self.creator_long += np.bincount(creators, long, minlength=n_creators)
        self.creator_support += np.bincount(creators, minlength=n_creators)
        self.creator_impressions += np.bincount(creators[impressions], minlength=n_creators)
        on_topics = ~creator_only
        if on_topics.any():
            hot = catalog.topic_hot[rows[on_topics]]
            for topic, moment in (forgotten or {}).items():
                code = catalog.topic_index.get(topic)
                if code is not None:
                    hot[times[on_topics] <= moment, code] = 0.0
            self.topic_short += hot.T @ short[on_topics]
            self.topic_long += hot.T @ long[on_topics]
            self.topic_support += hot.sum(axis=0).astype(np.int64)

    def _decay_to(self, moment: float) -> None:
        elapsed = moment - self.anchor
        self.topic_short *= np.exp2(-elapsed / self.short_half_life)
        self.creator_short *= np.exp2(-elapsed / self.short_half_life)
        self.topic_long *= np.exp2(-elapsed / self.long_half_life)
        self.creator_long *= np.exp2(-elapsed / self.long_half_life)
        self.anchor = moment

    # -- reading ------------------------------------------------------------------------------

    def at(self, now: float) -> Affinities:
        """The affinities as they stand at `now`, weighted into short and long parts."""
        memory = self.recipe.memory
        elapsed = now - self.anchor
        short = memory.get("short_weight", 1.0) * np.exp2(-elapsed / self.short_half_life)
        long = memory.get("long_weight", 0.5) * np.exp2(-elapsed / self.long_half_life)
        return Affinities(
            topic_short=self.topic_short * short,
            topic_long=self.topic_long * long,
            creator_short=self.creator_short * short,
            creator_long=self.creator_long * long,
        )
