"""Feed: the one facade over the store, the catalogue and the ranker.

The TUI, the CLI and the tests all go through it. It also keeps the viewing session: which
card is current, the trail of cards already shown, and how long the current one has been up.
"""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tuifeed.clock import Clock, SystemClock, iso_utc
from tuifeed.errors import TuifeedError
from tuifeed.locations import Locations
from tuifeed.models import Event, Item
from tuifeed.ranking import Catalog, Context, InterestModel, Ranked, Recipe, load_recipe, rank
from tuifeed.ranking.explain import KIND_WORDS, Explanation, Line, explain
from tuifeed.ranking.profile import Interest, interests
from tuifeed.signals import check_signal
from tuifeed.sources.demo import load_demo_catalogue
from tuifeed.store import EventWriter, Store
from tuifeed.store.writer import FLUSH_INTERVAL

DEFAULT_RECIPE = "for-you"
WHY_HORIZON = 1000  # "why" and "what if" look this far down the queue


@dataclass
class ViewerState:
    """What the event log says about the viewer right now."""

    seen: set[str] = field(default_factory=set)
    liked: set[str] = field(default_factory=set)
    disliked: set[str] = field(default_factory=set)
    saved: set[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)  # creators

    def apply(self, event: Event, item: Item) -> None:
        kind, item_id = event.kind, event.item_id
        if kind not in ("follow", "unfollow"):  # anything done to an item means it was seen
            self.seen.add(item_id)
        if kind == "like":
            self.liked.add(item_id)
        elif kind == "unlike":
            self.liked.discard(item_id)
        elif kind == "dislike":
            self.disliked.add(item_id)
        elif kind == "save":
            self.saved.add(item_id)
        elif kind == "follow":
            self.followed.add(item.creator)
        elif kind == "unfollow":
            self.followed.discard(item.creator)


@dataclass(frozen=True)
class Placement:
    """How a card was ranked at the moment it was shown: kept so "why" can replay it exactly."""

    ranked: Ranked
    context: Context
    events_seen: int  # how many events the ranker knew of then


class Feed:
    """A viewer's feed: the items, their behaviour log and the ranked queue."""

    def __init__(self, locations: Locations, store: Store, clock: Clock, seed: int,
                 recipe: Recipe, flush_interval: float,
                 catalogue: Sequence[Item] | None = None) -> None:
        self.locations = locations
        self.store = store
        self.clock = clock
        self.seed = seed
        self.recipe = recipe
        first_run = store.get_meta("first_run")
        if first_run is None:
            first_run = repr(clock.now())
            store.set_meta("first_run", first_run)
        store.upsert_items(catalogue if catalogue is not None
                           else load_demo_catalogue(float(first_run)))
        self.catalog = Catalog(store.items())
        self.model = InterestModel(self.catalog, recipe)
        self.state = ViewerState()
        self.events = store.events()
        self.model.rebuild(self.events)
        for event in self.events:
            if event.item_id in self.catalog.index:
                self.state.apply(event, self.catalog.item(event.item_id))
        self._next_event_id = store.max_event_id() + 1
        self.session_id = f"{iso_utc(clock.now())}-{random.Random(seed).getrandbits(32):08x}"
        self.writer = EventWriter(store.path, flush_interval)
        self._queue_cache: tuple[int, list[Ranked]] | None = None
        # The session: cards shown so far, which one is current, when it became current.
        self.trail: list[str] = []
        self._placements: dict[str, Placement] = {}
        self.position = -1
        self._shown_at = clock.monotonic()
        self._engaged = False
        self._closed = False

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, *, clock: Clock | None = None,
             seed: int = 0, recipe: str = DEFAULT_RECIPE,
             flush_interval: float = FLUSH_INTERVAL,
             catalogue: Sequence[Item] | None = None) -> "Feed":
        """Open (creating if needed) the feed living in `home` (see Locations.resolve).

        `catalogue` replaces the bundled demo items (for simulations and benchmarks).
        """
        locations = Locations.resolve(home)
        locations.prepare()
        chosen = load_recipe(recipe)
        store = Store(locations.database)
        return cls(locations, store, clock or SystemClock(), seed, chosen, flush_interval,
                   catalogue)

    @property
    def home(self) -> Path:
        return self.locations.home

    # -- items and the queue ------------------------------------------------------------------

    def item(self, item_id: str) -> Item:
        try:
            return self.catalog.item(item_id)
        except KeyError:
            raise TuifeedError(f"unknown item {item_id!r}") from None

    def upcoming(self, limit: int = 10) -> list[Ranked]:
        """The queue after the current card, best first."""
        if self._queue_cache is not None and self._queue_cache[0] >= limit:
            return self._queue_cache[1][:limit]
        queue = rank(self.catalog, self.model, self.recipe, self.ranking_context(), limit)
        self._queue_cache = (limit, queue)
        return queue

    def ranking_context(self) -> Context:
        """Everything besides the model that the queue depends on, at this moment."""
        index = self.catalog.index
        seen = np.zeros(len(self.catalog), dtype=bool)
        seen[[index[item_id] for item_id in self.state.seen]] = True
        return Context(
            now=self.clock.now(),
            candidates=self._candidates(seen),
            seen=seen,
            recent=tuple(index[item_id] for item_id in self.trail[: self.position + 1]),
            seed=self.seed,
            epoch=len(self.trail),
        )

    def _candidates(self, seen: np.ndarray) -> np.ndarray:
        """Unseen items, never a disliked one nor the current card; seen ones once all are."""
        mask = np.ones(len(self.catalog), dtype=bool)
        mask[[self.catalog.index[item_id] for item_id in self.state.disliked]] = False
        if self.current is not None:
            mask[self.catalog.index[self.current.id]] = False
        unseen = mask & ~seen
        return unseen if unseen.any() else mask

    def position_of(self, item_id: str, events: list[Event] | None = None) -> int | None:
        """The item's rank in the queue (None beyond WHY_HORIZON), optionally on other events."""
        model = self.model
        if events is not None:
            model = InterestModel(self.catalog, self.recipe)
            model.rebuild(events)
        queue = rank(self.catalog, model, self.recipe, self.ranking_context(), WHY_HORIZON)
        return next((entry.rank for entry in queue if entry.item.id == item_id), None)

    def why(self, item_id: str) -> Explanation:
        """The item's rank, score, every contribution with its evidence, and what would change it."""
        item = self.item(item_id)
        if self.current is not None and item_id == self.current.id:
            return self._why_current(item)
        context = self.ranking_context()
        queue = rank(self.catalog, self.model, self.recipe, context, WHY_HORIZON)
        placed = next((entry for entry in queue if entry.item.id == item_id), None)
        status = self._status(item, in_queue=placed is not None)
        if placed is None:  # not in the queue: explain its terms as if it were the only one
            placed = self._solo(item_id, context)
        before = [self.catalog.items[row] for row in context.recent]
        before += [entry.item for entry in queue[: placed.rank - 1]] if status == "queued" else []
        lines = explain(placed, self.catalog, self.model, self.recipe, context, self.events,
                        before)
        return Explanation(
            item=item,
            rank=placed.rank if status == "queued" else None,
            score=placed.score,
            status=status,
            lines=lines,
            what_if=self._what_if(item, lines) if status == "queued" else [],
        )

    def _why_current(self, item: Item) -> Explanation:
        """The card on screen, explained with the numbers that put it there when it was shown."""
        placement = self._placements.get(item.id)
        if placement is None:  # shown in an earlier session: explain it as it would rank now
            placement = Placement(self._solo(item.id, self.ranking_context()),
                                  self.ranking_context(), len(self.events))
        context = placement.context
        before = [self.catalog.items[row] for row in context.recent]
        lines = explain(placement.ranked, self.catalog, self.model, self.recipe, context,
                        self.events[: placement.events_seen], before)
        return Explanation(item=item, rank=placement.ranked.rank, score=placement.ranked.score,
                           status="current", lines=lines, what_if=[])

    def _solo(self, item_id: str, context: Context) -> Ranked:
        """The item ranked alone (no exploration slot), as if it were the only candidate."""
        solo = replace(context, candidates=self._only(item_id))
        return rank(self.catalog, self.model, replace(self.recipe, exploration={}), solo, 1)[0]

    def _status(self, item: Item, in_queue: bool) -> str:
        if item.id in self.state.disliked:
            return "disliked"
        if in_queue:
            return "queued"
        return "seen" if item.id in self.state.seen else "beyond"

    def _only(self, item_id: str) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[self.catalog.index[item_id]] = True
        return mask

    def _what_if(self, item: Item, lines: list[Line]) -> list[str]:
        """Counterfactuals: the item's rank without the event that weighs most on it."""
        evidence = [entry for line in lines for entry in line.evidence]
        if not evidence:
            return []
        strongest = max(evidence, key=lambda entry: (abs(entry.weight), -entry.event_id))
        without = [event for event in self.events if event.id != strongest.event_id]
        position = self.position_of(item.id, without)
        where = f"#{position}" if position is not None else f"below #{WHY_HORIZON}"
        singular = KIND_WORDS.get(strongest.kind, (strongest.kind,))[0]
        return [f"without your {singular} of \"{strongest.title}\" (event {strongest.event_id}) "
                f"it would be {where}"]

    def profile(self) -> list[Interest]:
        """Learned interests, strongest first, with their short- and long-term parts."""
        return interests(self.model, self.clock.now())

    # -- signals ------------------------------------------------------------------------------

    def signal(self, item_id: str, kind: str, value: float | str | None = None) -> Event:
        """Record one behaviour event; the queue reflects it from the next call on."""
        item = self.item(item_id)
        number = check_signal(kind, value)
        event = Event(
            id=self._next_event_id, ts=self.clock.now(), item_id=item.id, kind=kind,
            value=number, session_id=self.session_id, extra={"creator": item.creator},
        )
        self._next_event_id += 1
        self.writer.write(event)
        self.events.append(event)
        self.state.apply(event, item)
        self.model.add(event)
        self._queue_cache = None
        if kind not in ("impression", "dwell", "skip") and item_id == getattr(self.current, "id", None):
            self._engaged = True
        return event

    def toggle_like(self, item_id: str) -> Event:
        return self.signal(item_id, "unlike" if item_id in self.state.liked else "like")

    def toggle_follow(self, item_id: str) -> Event:
        creator = self.item(item_id).creator
        return self.signal(item_id, "unfollow" if creator in self.state.followed else "follow")

    # -- the viewing session ------------------------------------------------------------------

    @property
    def current(self) -> Item | None:
        if 0 <= self.position < len(self.trail):
            return self.catalog.item(self.trail[self.position])
        return None

    def elapsed(self) -> float:
        """Seconds the current card has been on screen."""
        return max(self.clock.monotonic() - self._shown_at, 0.0)

    def start(self) -> Item | None:
        """Show the first card, if nothing is shown yet."""
        if self.current is None:
            self.next()
        return self.current

    def next(self) -> Item | None:
        """Leave the current card and show the next: forward in the trail, else the queue's top."""
        if self.position + 1 < len(self.trail):
            self._leave()
            self.position += 1
            self._show(first_time=False)
        else:
            if not self.upcoming(1):
                return self.current
            self._leave()  # the dwell on the card being left counts before the next is picked
            placed = self.upcoming(1)[0]
            self._placements[placed.item.id] = Placement(placed, self.ranking_context(),
                                                         len(self.events))
            self.trail.append(placed.item.id)
            self.position = len(self.trail) - 1
            self._show(first_time=True)
        return self.current

    def previous(self) -> Item | None:
        if self.position > 0:
            self._leave()
            self.position -= 1
            self._show(first_time=False)
        return self.current

    def _leave(self) -> None:
        current = self.current
        if current is None:
            return
        seconds = round(self.elapsed(), 3)
        self.signal(current.id, "dwell", seconds)
        if seconds < self.recipe.signals.get("fast_skip_seconds", 2.0) and not self._engaged:
            self.signal(current.id, "skip")

    def _show(self, first_time: bool) -> None:
        self._shown_at = self.clock.monotonic()
        self._engaged = False
        self._queue_cache = None
        if first_time:
            self.signal(self.trail[self.position], "impression")

    # -- lifetime -----------------------------------------------------------------------------

    def flush(self) -> None:
        self.writer.flush()

    def close(self) -> None:
        """End the session: the current card's dwell is recorded and every event written."""
        if self._closed:
            return
        self._closed = True
        self._leave()
        self.writer.close()
        self.store.close()

    def __enter__(self) -> "Feed":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
