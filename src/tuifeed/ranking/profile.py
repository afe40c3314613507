"""The viewer's interest profile as plain numbers: what the model has learned, strongest first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tuifeed.models import Item
from tuifeed.ranking.interests import InterestModel


@dataclass(frozen=True)
class Interest:
    kind: str  # "topic" or "creator"
    name: str
    short: float  # short-term part, decayed to now and weighted
    long: float  # long-term part, decayed to now and weighted
    events: int  # how many events support it

    @property
    def total(self) -> float:
        return self.short + self.long


def interests(model: InterestModel, now: float) -> list[Interest]:
    affinities = model.at(now)
    catalog = model.catalog
    found = [
        Interest("topic", name, float(affinities.topic_short[code]),
                 float(affinities.topic_long[code]), int(model.topic_support[code]))
        for code, name in enumerate(catalog.topics) if model.topic_support[code]
    ] + [
        Interest("creator", catalog.creator_names[code], float(affinities.creator_short[code]),
                 float(affinities.creator_long[code]), int(model.creator_support[code]))
        for code in range(len(catalog.creators)) if model.creator_support[code]
    ]
    found.sort(key=lambda interest: (-abs(interest.total), interest.kind, interest.name))
    return found


def decayed_series(model: InterestModel, times: np.ndarray, strengths: np.ndarray, now: float,
                   points: int = 24) -> list[float]:
    """The decayed sum of these signals at `points` moments from the first one to now, in
    O(signals + points):
    each decay part is an exponential, so the sum at one moment is the sum at the moment
    before, decayed over the gap, plus the signals that arrived in between."""
    if not len(times):
        return [0.0] * points
    moments = np.linspace(times.min(), max(now, times.max()), points)
    arrived = np.searchsorted(moments, times)  # the first moment each signal counts at
    series = np.zeros(points)
    for weight, half_life in model.decay_parts():
        fresh = np.bincount(arrived, strengths * np.exp2(-(moments[arrived] - times)
                                                         / half_life), minlength=points)
        gaps = np.exp2(-np.diff(moments) / half_life)
        total, part = 0.0, np.empty(points)
        for point in range(points):
            total = (total * gaps[point - 1] if point else 0.0) + fresh[point]
            part[point] = total
        series += weight * part
    return [float(value) for value in series]


@dataclass(frozen=True)
class Diversity:
    """How concentrated the last cards were."""

    cards: int
    topics: int
    top_topic: str | None
    top_share: float  # share of cards whose main topic is the top one
    evenness: float  # topic entropy / its maximum: 1 = evenly spread, 0 = one topic

    @property
    def verdict(self) -> str:
        if self.cards < 5:
            return "too few cards yet to tell"
        if self.top_share >= 0.5:
            return f"narrow: half or more of your feed is #{self.top_topic}"
        if self.top_share >= 0.3 or self.evenness < 0.6:
            return f"leaning towards #{self.top_topic}"
        return "varied: no topic dominates"


def diversity(items: Sequence[Item]) -> Diversity:
    counts = Counter(item.topics[0] for item in items if item.topics)
    total = sum(counts.values())
    if not total:
        return Diversity(0, 0, None, 0.0, 1.0)
    shares = np.array(list(counts.values())) / total
    entropy = float(-(shares * np.log(shares)).sum())
    evenness = entropy / np.log(len(counts)) if len(counts) > 1 else 0.0
    top, top_count = counts.most_common(1)[0]
    return Diversity(total, len(counts), top, top_count / total, float(evenness))
