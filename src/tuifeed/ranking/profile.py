"""The viewer's interest profile as plain numbers: what the model has learned, strongest first."""

from __future__ import annotations

from dataclasses import dataclass

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
        Interest("creator", name, float(affinities.creator_short[code]),
                 float(affinities.creator_long[code]), int(model.creator_support[code]))
        for code, name in enumerate(catalog.creators) if model.creator_support[code]
    ]
    found.sort(key=lambda interest: (-abs(interest.total), interest.kind, interest.name))
    return found
