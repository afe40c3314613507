"""Offline evaluation: replay the viewer's own log in time order and score recipes on it.

At every card the viewer was shown, each recipe ranks the cards still unseen at that moment,
learning only from what happened before. Where the viewer then engaged with the card (liked,
saved, shared, followed, completed, or watched at least half of it), the recipe is scored on
where it had put that card: hit-rate@10 and NDCG@10. Also: catalogue coverage of the top 10s,
their topic diversity, and how many cards a recipe needed to follow a change of taste.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tuifeed.models import Event
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.interests import InterestModel
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.scorer import Context, rank

TOP = 10
ENGAGING = frozenset({"like", "save", "share", "follow", "complete"})
ENGAGED_FRACTION = 0.5  # a dwell or watch of at least half the video counts as engagement
TASTE_WINDOW = 10  # engagements looked at to tell the viewer's current favourite topic


@dataclass(frozen=True)
class ReplayResult:
    recipe: str
    shown: int  # cards replayed
    engaged: int  # of which the viewer engaged with
    hit_rate: float  # share of engaged cards the recipe had in its top 10
    ndcg: float  # mean NDCG@10 over engaged cards (one relevant item each)
    coverage: float  # distinct items in the top 10s / catalogue size
    diversity: float  # mean distinct main topics in a top 10, divided by 10
    taste_change_at: int | None  # card number where the favourite topic changed
    adaptation: int | None  # cards it took the recipe to lead with the new favourite


def engaged_items(events: Sequence[Event], catalog: Catalog) -> set[tuple[str, str]]:
    """(session, item) pairs the viewer engaged with."""
    found = set()
    for event in events:
        row = catalog.index.get(event.item_id)
        if row is None:
            continue
        if event.kind in ENGAGING:
            found.add((event.session_id, event.item_id))
        elif event.kind in ("dwell", "watch"):
            fraction = (event.value or 0) / (catalog.duration[row] if event.kind == "dwell" else 1)
            if fraction >= ENGAGED_FRACTION:
                found.add((event.session_id, event.item_id))
    return found


def replay(events: Sequence[Event], catalog: Catalog, recipe: Recipe, seed: int = 0
           ) -> ReplayResult:
    ordered = sorted(events, key=lambda event: (event.ts, event.id))
    engaged = engaged_items(ordered, catalog)
    model = InterestModel(catalog, recipe)
    seen = np.zeros(len(catalog), dtype=bool)
    disliked = np.zeros(len(catalog), dtype=bool)
    followed = np.zeros(len(catalog.creators), dtype=bool)
    followed_only = recipe.filter.get("followed_only", False)
    shown = hits = 0
    gains: list[float] = []
    in_top: set[int] = set()
    topic_counts: list[int] = []
    favourites: list[str] = []  # main topic of each engaged card, in order
    change_at: int | None = None
    new_favourite: str | None = None
    adaptation: int | None = None
    for event in ordered:
        row = catalog.index.get(event.item_id)
        if row is None:
            continue
        if event.kind == "impression" and not seen[row]:
            shown += 1
            candidates = ~seen & ~disliked
            if followed_only:
                candidates &= followed[catalog.creator_codes]
            top = rank(catalog, model, recipe,
                       Context(now=event.ts, candidates=candidates, seen=seen, seed=seed,
                               epoch=shown, followed=followed.copy()), TOP)
            rows = [catalog.index[entry.item.id] for entry in top]
            in_top.update(rows)
            topic_counts.append(len({catalog.main_topic[r] for r in rows}))
            item = catalog.items[row]
            if (event.session_id, item.id) in engaged:
                place = rows.index(row) + 1 if row in rows else None
                hits += place is not None
                gains.append(1 / math.log2(place + 1) if place else 0.0)
                if item.topics:
                    favourites.append(item.topics[0])
                    change = _favourite_changed(favourites)
                    if change and change_at is None:
                        change_at, new_favourite = shown, change
            if change_at is not None and adaptation is None and rows:
                leading = Counter(catalog.topics[catalog.main_topic[r]] for r in rows
                                  if catalog.main_topic[r] >= 0).most_common(1)
                if leading and leading[0][0] == new_favourite:
                    adaptation = shown - change_at
        if event.kind not in ("follow", "unfollow"):  # anything done to a card means it was seen
            seen[row] = True
        if event.kind in ("follow", "unfollow"):
            followed[catalog.creator_codes[row]] = event.kind == "follow"
        if event.kind == "dislike":
            disliked[row] = True
        elif event.kind == "undislike":
            disliked[row] = False
        model.add(event)
    return ReplayResult(
        recipe=recipe.name, shown=shown, engaged=len(gains),
        hit_rate=hits / len(gains) if gains else 0.0,
        ndcg=sum(gains) / len(gains) if gains else 0.0,
        coverage=len(in_top) / len(catalog) if len(catalog) else 0.0,
        diversity=float(np.mean(topic_counts)) / TOP if topic_counts else 0.0,
        taste_change_at=change_at, adaptation=adaptation,
    )


def _favourite_changed(favourites: list[str]) -> str | None:
    """The new favourite topic, the first time the last TASTE_WINDOW engagements' favourite
    differs from that of the window before them."""
    if len(favourites) < 2 * TASTE_WINDOW:
        return None
    before = Counter(favourites[-2 * TASTE_WINDOW:-TASTE_WINDOW]).most_common(1)[0][0]
    now = Counter(favourites[-TASTE_WINDOW:]).most_common(1)[0][0]
    return now if now != before else None
