"""Feed: the one facade over the store, the catalogue and the ranker.

The TUI, the CLI and the tests all go through it. It also keeps the viewing session: which
card is current, the trail of cards already shown, and how long the current one has been up.
"""

from __future__ import annotations

import os
import random
import sqlite3
from copy import deepcopy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from tuifeed.clock import Clock, SystemClock, iso_utc
from tuifeed.errors import DamagedDatabase, TuifeedError
from tuifeed.locations import Locations
from tuifeed.models import Event, EventUndo, Item, SteeringAction
from tuifeed.ranking import Catalog, Context, InterestModel, Ranked, Recipe, load_recipe, rank
from tuifeed.ranking.explain import KIND_WORDS, Explanation, Line, explain, steering_notes
from tuifeed.ranking.profile import Diversity, Interest, diversity, history, interests
from tuifeed.ranking.steering import (BOOST_LIMIT, FEED_ACTIONS, SteeringState, resolve_name,
                                      word_pattern)
from tuifeed.ranking.steering import TARGETS as STEERING_TARGETS
from tuifeed.signals import check_signal
from tuifeed.text import clean_text
from tuifeed.sources.demo import load_demo_catalogue
from tuifeed.store import EventWriter, Store
from tuifeed.store.database import IdAllocator, set_aside
from tuifeed.store.writer import FLUSH_INTERVAL

DEFAULT_RECIPE = "for-you"
FOLLOW_KINDS = ("follow", "unfollow")  # a state of their own: kept through a reset
DIVERSITY_CARDS = 50  # the diversity meter looks at this many of the last cards shown
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
        if kind not in FOLLOW_KINDS:  # anything done to an item means it was seen
            self.seen.add(item_id)
        if kind == "like":
            self.liked.add(item_id)
        elif kind == "unlike":
            self.liked.discard(item_id)
        elif kind == "dislike":
            self.disliked.add(item_id)
        elif kind == "undislike":
            self.disliked.discard(item_id)
        elif kind == "save":
            self.saved.add(item_id)
        elif kind == "unsave":
            self.saved.discard(item_id)
        elif kind == "follow":
            self.followed.add(item.creator)
        elif kind == "unfollow":
            self.followed.discard(item.creator)


@dataclass(frozen=True)
class HistoryEntry:
    event: Event
    item: Item | None
    undone: bool


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
        undone = store.undone_event_ids()
        logged = store.events()
        self.events = [event for event in logged if event.id not in undone]  # what counts
        self.undone_events = [event for event in logged if event.id in undone]
        self.steering_log = store.steering()
        self.steering = SteeringState.replay(self.steering_log)
        self._relearn()
        self._event_id = IdAllocator(store, "events")
        self._steering_id = IdAllocator(store, "steering")
        self._mute_cache: tuple[frozenset, np.ndarray] | None = None
        self._before_steering: dict[int, tuple[InterestModel, ViewerState, int]] = {}
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
        self.warnings: list[str] = []

    def _relearn(self) -> None:
        """Rebuild the interest model and the viewer state from the log, under the steering."""
        steering = self.steering
        self.model = InterestModel(self.catalog, self.recipe)
        self.model.rebuild([event for event in self.events if steering.learns_from(event)],
                           steering.forgotten)
        self.state = ViewerState()
        for event in self.events:
            if event.item_id in self.catalog.index and (
                    event.kind in FOLLOW_KINDS or steering.counts(event)):
                self.state.apply(event, self.catalog.item(event.item_id))
        self._queue_cache = None

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, *, clock: Clock | None = None,
             seed: int = 0, recipe: str | None = None,
             flush_interval: float = FLUSH_INTERVAL,
             catalogue: Sequence[Item] | None = None, reset_db: bool = False) -> "Feed":
        """Open (creating if needed) the feed living in `home` (see Locations.resolve).

        `recipe` picks a recipe for this session only; without it, the one last chosen with
        use_recipe() (or for-you). `catalogue` replaces the bundled demo items (simulations
        and benchmarks). `reset_db` sets a damaged database aside (renamed, never deleted)
        and starts a fresh one; without it a damaged database raises DamagedDatabase.
        """
        clock = clock or SystemClock()
        locations = Locations.resolve(home)
        locations.prepare()
        chosen = load_recipe(recipe, locations.recipes) if recipe else None
        try:
            store = Store(locations.database)
        except DamagedDatabase:
            if not reset_db:
                raise
            set_aside(locations.database, clock.now())
            store = Store(locations.database)
        warnings: list[str] = []
        if chosen is None:
            try:
                chosen = load_recipe(store.get_meta("recipe") or DEFAULT_RECIPE, locations.recipes)
            except TuifeedError as error:  # the saved choice broke: say so, use the default
                warnings.append(f"{error}; using {DEFAULT_RECIPE}")
                chosen = load_recipe(DEFAULT_RECIPE)
        try:
            feed = cls(locations, store, clock, seed, chosen, flush_interval, catalogue)
        except sqlite3.DatabaseError as error:  # damage that only shows when the log is read
            store.close()
            raise DamagedDatabase(locations.database, str(error)) from None
        feed.warnings = warnings
        return feed

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
        topic_boosts = np.zeros(len(self.catalog.topics))
        creator_boosts = np.zeros(len(self.catalog.creators))
        for (target, name), amount in self.steering.boosts.items():
            if target == "topic" and name in self.catalog.topic_index:
                topic_boosts[self.catalog.topic_index[name]] = amount
            elif target == "creator" and name in self.catalog.creator_index:
                creator_boosts[self.catalog.creator_index[name]] = amount
        followed = np.zeros(len(self.catalog.creators), dtype=bool)
        followed[[self.catalog.creator_index[creator] for creator in self.state.followed
                  if creator in self.catalog.creator_index]] = True
        return Context(
            now=self.clock.now(),
            candidates=self._candidates(seen, followed),
            seen=seen,
            recent=tuple(index[item_id] for item_id in self.trail[: self.position + 1]),
            seed=self.seed,
            epoch=len(self.trail),
            topic_boosts=topic_boosts,
            creator_boosts=creator_boosts,
            followed=followed,
        )

    def _candidates(self, seen: np.ndarray, followed: np.ndarray | None = None) -> np.ndarray:
        """Unseen items, never a disliked or muted one nor the current card; seen ones once
        all are. The recipe's filter may keep followed creators only."""
        mask = ~self._muted()
        if self.recipe.filter.get("followed_only") and followed is not None:
            mask &= followed[self.catalog.creator_codes]
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
                        before, self.steering)
        return Explanation(
            item=item,
            rank=placed.rank if status == "queued" else None,
            score=placed.score,
            status=status,
            lines=lines,
            what_if=self._what_if(item, lines) if status == "queued" else [],
            steering=self._steering_notes(item),
        )

    def _steering_notes(self, item: Item) -> list[str]:
        return steering_notes(item, self.steering, int(self._muted().sum()), self.clock.now())

    def _why_current(self, item: Item) -> Explanation:
        """The card on screen, explained with the numbers that put it there when it was shown."""
        placement = self._placements.get(item.id)
        if placement is None:  # shown in an earlier session: explain it as it would rank now
            placement = Placement(self._solo(item.id, self.ranking_context()),
                                  self.ranking_context(), len(self.events))
        context = placement.context
        before = [self.catalog.items[row] for row in context.recent]
        lines = explain(placement.ranked, self.catalog, self.model, self.recipe, context,
                        self.events[: placement.events_seen], before, self.steering)
        return Explanation(item=item, rank=placement.ranked.rank, score=placement.ranked.score,
                           status="current", lines=lines, what_if=[],
                           steering=self._steering_notes(item))

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

    def interest_history(self, kind: str, name: str, points: int = 24) -> list[float]:
        """How one interest evolved (for sparklines), from the events the model learns from."""
        learned = [event for event in self.events if self.steering.learns_from(event)
                   and not (kind == "topic" and event.ts <= self.steering.forgotten.get(name, -1))]
        return history(self.model, learned, kind, name, self.clock.now(), points)

    def recent_diversity(self, cards: int = DIVERSITY_CARDS) -> Diversity:
        """How concentrated the last cards shown were (topic entropy, top topic's share)."""
        shown = [event.item_id for event in self.events
                 if event.kind == "impression" and self.steering.counts(event)
                 and event.item_id in self.catalog.index]
        return diversity([self.catalog.item(item_id) for item_id in shown[-cards:]])

    # -- steering -----------------------------------------------------------------------------

    def _muted(self) -> np.ndarray:
        """Items hidden by a mute (cached until the mutes change)."""
        mutes = frozenset(self.steering.mutes)
        if self._mute_cache is not None and self._mute_cache[0] == mutes:
            return self._mute_cache[1]
        catalog = self.catalog
        hidden = np.zeros(len(catalog), dtype=bool)
        for target, name in mutes:
            if target == "topic" and name in catalog.topic_index:
                hidden |= catalog.topic_hot[:, catalog.topic_index[name]] > 0
            elif target == "creator" and name in catalog.creator_index:
                hidden |= catalog.creator_codes == catalog.creator_index[name]
            elif target == "word":
                pattern = word_pattern(name)
                hidden |= np.fromiter((bool(pattern.search(item.title)) for item in catalog.items),
                                      bool, len(catalog))
        self._mute_cache = (mutes, hidden)
        return hidden

    def steer(self, action: str, target: str = "", name: str = "",
              amount: float | str | None = None) -> SteeringAction:
        """Record one steering instruction; the queue reflects it from the next call on."""
        target, name, number = self._check_steering(action, target, name, amount)
        record = SteeringAction(id=self._steering_id(), ts=self.clock.now(), action=action,
                                target=target, name=name, amount=number)
        # Kept so that undo brings back exactly this model, not a recomputed near-copy.
        self._before_steering[record.id] = (self.model.copy(), deepcopy(self.state),
                                            len(self.events))
        self.steering_log.append(record)
        self.writer.write(record)
        self._apply_steering(relearn=action in ("forget", "reset"))
        return record

    def undo_steering(self) -> SteeringAction:
        """Take back the latest steering instruction still in force."""
        for position in range(len(self.steering_log) - 1, -1, -1):
            record = self.steering_log[position]
            if not record.undone:
                undone = replace(record, undone=True)
                self.steering_log[position] = undone
                self.writer.write(undone)
                saved = self._before_steering.pop(record.id, None)
                if saved is not None and saved[2] == len(self.events):  # nothing happened since
                    self.model, self.state = saved[0], saved[1]
                    self._apply_steering(relearn=False)
                else:
                    self._apply_steering(relearn=True)
                return record
        raise TuifeedError("nothing to undo: no steering in force")

    def _apply_steering(self, relearn: bool) -> None:
        self.steering = SteeringState.replay(self.steering_log)
        if relearn:
            self._relearn()
        self._queue_cache = None

    def _check_steering(self, action: str, target: str, name: str,
                        amount: float | str | None) -> tuple[str, str, float | None]:
        if action in FEED_ACTIONS:
            return "", "", None
        if action not in STEERING_TARGETS:
            known = ", ".join([*STEERING_TARGETS, *FEED_ACTIONS])
            raise TuifeedError(f"unknown steering action {action!r}; actions are: {known}")
        if target not in STEERING_TARGETS[action]:
            raise TuifeedError(f"{action} takes {' or '.join(STEERING_TARGETS[action])}, "
                               f"not {target!r}")
        name = clean_text(name)
        if not name:
            raise TuifeedError(f"{action} {target} needs a name")
        if target == "topic":
            name = resolve_name("topic", name, self.catalog.topics)
        elif target == "creator":
            name = resolve_name("creator", name, self.catalog.creators)
        if action != "boost":
            return target, name, None
        try:
            number = float(amount)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TuifeedError(f"boost needs an amount from -{BOOST_LIMIT:g} to "
                               f"+{BOOST_LIMIT:g}, not {amount!r}") from None
        if not -BOOST_LIMIT <= number <= BOOST_LIMIT:
            raise TuifeedError(f"boost amount must be from -{BOOST_LIMIT:g} to "
                               f"+{BOOST_LIMIT:g}, not {amount!r}")
        return target, name, number

    def use_recipe(self, name: str) -> Recipe:
        """Switch recipe for this and later sessions; a bad recipe leaves the current one."""
        recipe = load_recipe(name, self.locations.recipes)
        self.recipe = recipe
        self.store.set_meta("recipe", name)
        self._relearn()
        return recipe

    def recipe_queue(self, name: str, limit: int) -> list[Ranked]:
        """The queue another recipe would give right now, without switching to it."""
        other = load_recipe(name, self.locations.recipes)
        model = InterestModel(self.catalog, other)
        model.rebuild([event for event in self.events if self.steering.learns_from(event)],
                      self.steering.forgotten)
        saved, self.recipe = self.recipe, other
        try:
            context = self.ranking_context()
        finally:
            self.recipe = saved
        return rank(self.catalog, model, other, context, limit)

    # -- signals ------------------------------------------------------------------------------

    def signal(self, item_id: str, kind: str, value: float | str | None = None) -> Event:
        """Record one behaviour event; the queue reflects it from the next call on."""
        item = self.item(item_id)
        number = check_signal(kind, value)
        event = Event(
            id=self._event_id(), ts=self.clock.now(), item_id=item.id, kind=kind,
            value=number, session_id=self.session_id, extra={"creator": item.creator},
        )
        self.writer.write(event)
        self.events.append(event)
        self.state.apply(event, item)
        if self.steering.learns_from(event):
            self.model.add(event)
        self._queue_cache = None
        if kind not in ("impression", "dwell", "skip") and item_id == getattr(self.current, "id", None):
            self._engaged = True
        return event

    def undo_event(self, event_id: int) -> Event:
        """Take an event back (it stays in the log, flagged); the queue recomputes at once."""
        position = next((index for index, event in enumerate(self.events)
                         if event.id == event_id), None)
        if position is None:
            undone = any(event.id == event_id for event in self.undone_events)
            raise TuifeedError(f"event {event_id} is already undone" if undone
                               else f"unknown event {event_id}")
        event = self.events.pop(position)
        self.undone_events.append(event)
        self.writer.write(EventUndo(event_id, self.clock.now()))
        self._before_steering.clear()  # saved models knew this event
        self._relearn()
        return event

    def history(self, limit: int | None = None, kind: str | None = None,
                topic: str | None = None, creator: str | None = None) -> list[HistoryEntry]:
        """The log, newest first, optionally filtered; undone events are included, flagged."""
        undone = {event.id for event in self.undone_events}
        entries = []
        for event in sorted([*self.events, *self.undone_events],
                            key=lambda event: (event.ts, event.id), reverse=True):
            item = self.catalog.items[self.catalog.index[event.item_id]] \
                if event.item_id in self.catalog.index else None
            if kind is not None and event.kind != kind:
                continue
            if topic is not None and (item is None or topic not in item.topics):
                continue
            if creator is not None and (item is None or item.creator != creator):
                continue
            entries.append(HistoryEntry(event, item, event.id in undone))
            if limit is not None and len(entries) >= limit:
                break
        return entries

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

    def jump_to(self, item_id: str) -> Item:
        """Show this item next (from the history, say), then carry on from the queue."""
        item = self.item(item_id)
        if self.current is not None and self.current.id == item_id:
            return item
        first_time = item_id not in self.trail
        self._leave()
        self.trail.insert(self.position + 1, item_id)
        self.position += 1
        self._show(first_time=first_time)
        return item

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
        self._event_id.release()
        self._steering_id.release()
        self.store.close()

    def __enter__(self) -> "Feed":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
