"""Feed: the one facade over the store, the catalogue and the ranker.

The TUI, the CLI and the tests all go through it. It also keeps the viewing session: which
card is current, the trail of cards already shown, and how long the current one has been up.
"""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tuifeed.clock import LAST, Clock, SystemClock, in_window, iso_utc, stored_time
from tuifeed.errors import TuifeedError
from tuifeed.heap import free_pages_returned, temporaries_returned
from tuifeed.feed.catalogue import Catalogue
from tuifeed.feed.evidence import LogStrengths
from tuifeed.feed.explaining import Explaining
from tuifeed.feed import checkpoint, learning
from tuifeed.feed.log import EventsView, LogColumns
from tuifeed.feed.playing import Playing
from tuifeed.feed.queue import QueueJob, RankedQueue
from tuifeed.feed.relearning import Learned, LearningJob, LogSnapshot
from tuifeed.feed.state import HistoryEntry, Placement, ViewerState
from tuifeed.feed.steering import Steering
from tuifeed.feed.threads import ThreadWork
from tuifeed.locations import Locations
from tuifeed.models import Event, EventUndo, Item
from tuifeed.ranking import Catalog, Context, InterestModel, Ranked, Recipe, load_recipe, rank
from tuifeed.ranking.catalog import creator_key
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.steering import SteeringState
from tuifeed.signals import check_signal
from tuifeed.sources.demo import install_demo
from tuifeed.store.sources import ensure_sources
from tuifeed.store import EventWriter, Store
from tuifeed.store.connection import store_failure
from tuifeed.store.database import IdAllocator, open_store
from tuifeed.store.writer import CLOSE_PATIENCE, FLUSH_INTERVAL, ReserveIds
from tuifeed.text import clean_text

DEFAULT_RECIPE = "for-you"


def next_stamp(now: float, latest: float) -> float:
    """`now` as stored, and strictly after `latest` (by a microsecond, the stored precision);
    never past the last time stored (a virtual clock run on beyond 2099 stops there)."""
    if latest >= LAST:
        return stored_time(LAST)
    moment = stored_time(min(max(now, latest), LAST))
    step = 1e-6
    while moment <= latest:  # one step nearly always; doubled should rounding eat it
        moment = stored_time(latest + step)
        step *= 2
    return moment


FUTURE_TOLERANCE = 86_400.0  # seconds: a logged time further ahead of the clock is not followed


class Feed(Catalogue, Explaining, Playing, Steering):
    """A viewer's feed: the items, their behaviour log and the ranked queue."""

    def __init__(self, locations: Locations, store: Store, clock: Clock, seed: int,
                 recipe: Recipe, flush_interval: float,
                 catalogue: Sequence[Item] | None = None) -> None:
        self.locations = locations
        self.store = store
        self.clock = clock
        self.seed = seed
        self.recipe = recipe
        # Moves whenever anything the queue depends on changes (an event, steering, the
        # recipe, the catalogue, the card on screen): a queue ranked elsewhere (feed/queue.py)
        # counts only while it has not moved.
        self.version = 0
        self._ahead: RankedQueue | None = None  # the last such queue, see accept_queue
        # Learning again from the whole log (a recipe switch, an undo, a forget, a reset):
        # at once, unless interactive() left it to a worker (learning_job, accept_learning).
        # The epoch moves whenever it is needed again.
        self.defer_learning = False
        self.learning_due = False
        self._learning_epoch = 0
        first_run = store.get_meta("first_run")
        self.warnings: list[str] = []
        try:
            if first_run is None or not in_window(float(first_run)):
                raise ValueError
        except ValueError:  # missing, or damaged: the demo's ages restart from now
            if first_run is not None:
                self.warnings.append(f"the stored first-run time {first_run!r} was unreadable; "
                                     f"demo videos are dated from now")
            first_run = repr(clock.now())
            store.set_meta("first_run", first_run)
        if catalogue is not None:  # a simulation's own items, as sources of their own
            ensure_sources(store.connection, {item.source for item in catalogue}, clock.now())
            store.add_items(catalogue)
        elif store.get_meta("demo_installed") is None:  # first run: the demo is a source
            install_demo(store.connection, float(first_run), clock.now())
            store.set_meta("demo_installed", "1")
        self.steering_log = store.steering()
        self.steering = SteeringState.replay(self.steering_log)
        # The catalogue as last read and what the log taught, kept beside the database and
        # used while every tag of theirs holds (feed/checkpoint.py); else read and learned.
        self._checkpoint = checkpoint.checkpoint_path(store.path)
        self._opened_as = checkpoint.tags(store, self.steering_log, recipe)
        kept = checkpoint.catalogue_part(self._opened_as)
        read_before = checkpoint.load_rows(checkpoint.catalogue_path(store.path), kept)
        rows = store.whole_catalogue() if read_before is None else read_before.rows
        self.catalog = Catalog(load_item=store.item_by_code)
        self.catalog.extend(rows)  # its words too, unless they were read before:
        self._keeping_catalogue: threading.Thread | None = None
        if read_before is not None:
            self.catalog.word_matrix = read_before.words
        else:  # kept for the next open, in a thread while this one goes on
            self._keeping_catalogue = threading.Thread(
                target=checkpoint.save_rows, name="keep the catalogue",
                args=(checkpoint.catalogue_path(store.path), kept, rows,
                      self.catalog.word_matrix.arrays()))
            self._keeping_catalogue.start()
        del rows, read_before
        # The items' index, made in a thread while the log and the model are read (0.17 s at
        # a million items): the first ranking looks a few ids up.
        threading.Thread(target=self.catalog.index.ready, name="index the items",
                         daemon=True).start()
        self.live_sources = store.live_sources()
        learned = checkpoint.load(self._checkpoint, self._opened_as, self.catalog, recipe)
        table = learned.table if learned else store.event_table(self.catalog.index)
        self._read_at_open = (table, self.catalog.version, learned is not None)
        self._keep_log(table)
        if learned is None:
            self._relearn()
        else:
            self.views, self.model, self.state = learned.views, learned.model, learned.state
            self._queue_changed()
        # Times only move forward within a feed, so "before" and "after" a reset or a forget
        # are never ambiguous, even when many things happen at one virtual instant. A record
        # dated more than a day ahead of the clock (imported from a machine whose clock was
        # wrong) is not followed: the viewer's own events keep the real time.
        horizon = clock.now() + FUTURE_TOLERANCE
        self.latest_time = max(self._log.latest(horizon),
                               max((record.ts for record in self.steering_log
                                    if record.ts <= horizon), default=0.0))
        self._signals_cache = None  # see _learned_signals
        self._log_strengths = LogStrengths()  # every event's strength, for Why this?
        self._recent_signals = None  # and the signals logged since it was made
        self._event_id = IdAllocator(store, "events")
        self._steering_id = IdAllocator(store, "steering")
        self._mute_cache: tuple[tuple, np.ndarray] | None = None
        self._mute_masks: dict[tuple[str, str], tuple[int, np.ndarray]] = {}
        self._words = None  # the word index, built on the first word mute (feed/steering.py)
        self._live_cache: tuple[tuple, np.ndarray] | None = None
        self._before_steering: dict[int, tuple[InterestModel, ViewerState, int, int]] = {}
        self.session_id = f"{iso_utc(clock.now())}-{random.Random(seed).getrandbits(32):08x}"
        self.writer = EventWriter(store.path, flush_interval)
        # The last upcoming(): its limit, queue, leaving key and the version it was ranked at
        # (a screen's worker may rank while the UI thread changes the feed: it never counts).
        self._queue_cache: tuple[int, list[Ranked], tuple, int] | None = None
        # The session: cards shown so far, which one is current, when it became current.
        self.trail: list[str] = []
        self._placements: dict[str, Placement] = {}
        self._followed_mask: tuple[tuple, np.ndarray] | None = None  # (follows, creators)
        self.position = -1
        self._shown_at = clock.monotonic()
        self._covered_at: float | None = None  # when another view covered the card, if one does
        self._resume_points: dict = {}  # item id -> ResumePoint written this session
        # Closing waits for another process's write lock as long as it takes (a command can
        # wait, and says so), unless interactive() set a limit.
        self.close_patience: float | None = None
        self._generation = store.get_meta("log_generation")
        self.writer.generation = self._generation
        self.rescued: Path | None = None  # where records the database refused were saved
        self.lost: list[dict] = []  # records neither written nor saved (printed by the CLI)
        self._engaged = False
        self._closed = False
        # What other threads do with the feed (the TUI's workers): closing waits for it.
        self.threads = ThreadWork()

    def _relearn(self) -> None:
        """Rebuild the interest model, the views and the viewer state from the log, under
        the steering: numpy passes over the log's columns (feed/learning.py). Interactive,
        it is only marked due: a worker learns (learning_job) and accept_learning takes it."""
        self._learning_epoch += 1
        self._queue_changed()
        if self.defer_learning:
            self.learning_due = True
            return
        self._take_learned(self.learning_job().run())

    def learning_job(self) -> LearningJob:
        """Learning again from the whole log as it stands, to run in another thread."""
        return LearningJob(self._learning_epoch, self._log_snapshot(), self.recipe)

    def accept_learning(self, learned: Learned) -> bool:
        """Take what a worker learned, when nothing reaching back into the log changed since
        its job was taken (no undo, steering or recipe switch; the catalogue as it was); the
        events logged meanwhile are then taught to it as signal() teaches them. Returns
        whether it was taken; if not, learning is still due, from a new job."""
        job = learned.job
        if (job.epoch != self._learning_epoch
                or job.snapshot.catalog_version != self.catalog.version):
            return False
        self._take_learned(learned)
        for row in range(job.snapshot.length, len(self._log)):  # logged meanwhile
            event = self._log.event_at(row)
            self._teach(event, self.item(event.item_id))
        self._queue_changed()
        return True

    def learn_now(self) -> None:
        """Learn again on this thread, if learning is due (when a worker could not)."""
        if self.learning_due:
            self._take_learned(self.learning_job().run())
            self._queue_changed()

    def _take_learned(self, learned: Learned) -> None:
        self.views, self.model, self.state = learned.views, learned.model, learned.state
        self.learning_due = False

    def _log_snapshot(self) -> LogSnapshot:
        return LogSnapshot.of(self._log.columns(), self._log.item_reader(), self.steering,
                              self.catalog)

    def stamp(self) -> float:
        """Now, as stored, and strictly after everything recorded before."""
        self.latest_time = next_stamp(self.clock.now(), self.latest_time)
        return self.latest_time

    def learned_model(self, recipe: Recipe | None = None, without_event: int | None = None,
                      until: float | None = None) -> InterestModel:
        """A model of `recipe` (default: the one in use) learned from the log as steered:
        nothing paused or from before a reset, forgotten topics cleared; optionally without
        one event (for "what would change it"), or from what happened up to `until` only."""
        log = self._log.columns()
        learned = learning.teaching(log, self.steering, self.views.superseded)
        if without_event is not None:
            learned &= log.ids != without_event
        if until is not None:
            learned &= log.ts <= until
        return learning.learned_model(self.catalog, recipe or self.recipe, log, learned,
                                      self.steering.forgotten)

    def teaches(self, event: Event) -> bool:
        """Whether the model learns from the event: not before a reset, not while paused,
        and not a dwell whose view the player's watch already counts (ranking/views.py)."""
        if not self.steering.learns_from(event):
            return False
        if event.kind != "dwell":
            return True
        if event.id < 0:  # the dwell of leaving now (see _leaving_events)
            return not self.views.watched_in_view(event.session_id, event.item_id)
        return event.id not in self.views.superseded

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
        store = open_store(locations.database, clock.now(), reset_db)
        warnings: list[str] = []
        if chosen is None:
            try:
                chosen = load_recipe(store.get_meta("recipe") or DEFAULT_RECIPE, locations.recipes)
            except TuifeedError as error:  # the saved choice broke: say so, use the default
                warnings.append(f"{error}; using {DEFAULT_RECIPE}")
                chosen = load_recipe(DEFAULT_RECIPE)
        try:
            with temporaries_returned():  # a large home's reading leaves no holes (heap.py)
                feed = cls(locations, store, clock, seed, chosen, flush_interval, catalogue)
        except sqlite3.Error as error:  # damage that only shows when the log is read, a full disk
            store.close()
            raise store_failure(error, locations.database) from None
        feed.warnings[:0] = warnings
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
        """The queue after the current card, best first, as it stands if the card is left now:
        its dwell so far (and a fast skip) counts, so `next()` brings the first of these, and
        lingering on a card changes the queue while you look."""
        version = self.version
        leaving = self._leaving_events()
        key = tuple((event.kind, event.value) for event in leaving)
        cached = self._queue_cache
        if cached is not None and cached[0] >= limit and cached[2:] == (key, version):
            return cached[1][:limit]
        queue = rank(self.catalog, self.queue_model(leaving), self.recipe,
                     self.ranking_context(), limit)
        self._queue_cache = (limit, queue, key, version)
        return queue

    def _queue_changed(self) -> None:
        """Something the queue depends on changed: rankings made before no longer count."""
        self._queue_cache = None
        self.version += 1

    def queue_job(self, limit: int) -> QueueJob:
        """Up next as `upcoming(limit)` ranks it, taken now to be ranked in another thread
        (QueueJob.run); accept_queue takes its answer back."""
        leaving = self._leaving_events()
        model = self.queue_model(leaving)
        if model is self.model:  # the job needs a model of its own: this one moves on
            model = model.copy()
        current = self.current
        return QueueJob(self.version, current.id if current else None, tuple(leaving), limit,
                        self.catalog, model, self.recipe, self.ranking_context())

    def accept_queue(self, answer: RankedQueue) -> bool:
        """Keep a queue ranked elsewhere as Up next, when nothing it depends on changed since
        its job was taken: `next()` then brings its first without ranking again. Returns
        whether it still holds."""
        if answer.job.version != self.version:
            return False
        self._ahead = answer
        return True

    def ranked_ahead(self) -> RankedQueue | None:
        """The accepted queue, while it holds: nothing changed since its job was taken, and
        leaving now is still the same kind of leaving (a fast skip, or not). Its first is
        what Up next shows first; the dwell it counted is the one of the moment it was
        ranked (Why this? says which)."""
        ahead = self._ahead
        if ahead is None or ahead.job.version != self.version:
            return None
        skip = any(event.kind == "skip" for event in self._leaving_events())
        return ahead if skip == ahead.job.fast_skip else None

    def queue_model(self, leaving: list[Event] | None = None,
                    base: InterestModel | None = None) -> InterestModel:
        """The model (or `base`) as it will be once the current card is left now (see
        upcoming)."""
        base = base or self.model
        learned = [event for event in (self._leaving_events() if leaving is None else leaving)
                   if self.teaches(event)]
        if not learned:
            return base
        model = base.copy()
        for event in learned:
            model.add(event)
        return model

    def _leaving_events(self) -> list[Event]:
        """The events that leaving the current card now would record (none is recorded):
        what _leave() writes, with the ids -1 and -2, dated now. (The log stamps them a few
        microseconds apart, after whatever was recorded at the same instant; dating them
        plainly now keeps the queue independent of such bookkeeping, so an undone steering
        brings back exactly the queue it changed.)"""
        current = self.current
        if current is None or self._closed:
            return []
        seconds = round(self.elapsed(), 3)
        moment = max(self.clock.now(), self.model.anchor)
        events = []
        for number, kind in enumerate(("dwell", "skip"), start=1):
            if kind == "skip" and not (seconds < self.recipe.signals.get("fast_skip_seconds", 2.0)
                                       and not self._engaged):
                break
            events.append(Event(id=-number, ts=moment, item_id=current.id, kind=kind,
                                value=check_signal(kind, seconds if kind == "dwell" else None),
                                session_id=self.session_id))
        return events

    def _followed(self) -> np.ndarray:
        """The creators followed, as a mask over the catalogue's creators: one array (read
        only) while the follows and the creators stay, shared by every context, so the cards'
        placements, which keep it for Why this?, do not keep one each (50 KiB a card at
        50,000 creators)."""
        creators = self.catalog.creator_index
        key = (frozenset(self.state.followed), len(self.catalog.creators))
        if self._followed_mask is None or self._followed_mask[0] != key:
            followed = np.zeros(len(self.catalog.creators), dtype=bool)
            followed[[creators[creator] for creator in self.state.followed
                      if creator in creators]] = True
            followed.flags.writeable = False
            self._followed_mask = (key, followed)
        return self._followed_mask[1]

    def ranking_context(self) -> Context:
        """Everything besides the model that the queue depends on, at this moment."""
        index = self.catalog.index
        seen = self.state.seen_mask(index, len(self.catalog))
        topic_boosts = np.zeros(len(self.catalog.topics))
        creator_boosts = np.zeros(len(self.catalog.creators))
        for (target, name), amount in self.steering.boosts.items():
            if target == "topic" and name in self.catalog.topic_index:
                topic_boosts[self.catalog.topic_index[name]] = amount
            elif target == "creator":
                creator_boosts[self.catalog.creators_named(name)] = amount
        followed = self._followed()
        return Context(
            now=self.clock.now(),
            candidates=self._candidates(seen, followed),
            seen=seen,
            # (up to 50 ids: looked up at once; one by one, twice each, ~1 ms a ranking)
            recent=tuple(row for row in rows_of(index, self.state.shown).tolist() if row >= 0),
            seed=self.seed,
            epoch=self.state.impressions,
            topic_boosts=topic_boosts,
            creator_boosts=creator_boosts,
            followed=followed,
        )

    def _candidates(self, seen: np.ndarray, followed: np.ndarray | None = None) -> np.ndarray:
        """Unseen items, never a disliked or muted one nor the current card; seen ones once
        all are. The recipe's filter may keep followed creators only."""
        mask = ~self._muted() & self._live()
        if self.recipe.filter.get("followed_only") and followed is not None:
            mask &= followed[self.catalog.creator_codes]
        mask &= ~self.state.disliked_mask(self.catalog.index, len(self.catalog))
        if self.current is not None:
            mask[self.catalog.index[self.current.id]] = False
        unseen = mask & ~seen
        return unseen if unseen.any() else mask

    # -- signals ------------------------------------------------------------------------------

    def signal(self, item_id: str, kind: str, value: float | str | None = None) -> Event:
        """Record one behaviour event; the queue reflects it from the next call on."""
        item = self.item(item_id)
        number = check_signal(kind, value)
        event = Event(
            id=self._event_id(), ts=self.stamp(), item_id=item.id, kind=kind,
            value=number, session_id=self.session_id, extra={"creator": creator_key(item)},
        )
        self.writer.write(event)
        self._log.add(event)  # and so to self.events
        self._teach(event, item)
        self._queue_changed()
        on_screen = self.current is not None and item_id == self.current.id
        if on_screen and kind not in ("impression", "dwell", "skip"):
            self._engaged = True
        return event

    def _teach(self, event: Event, item: Item) -> None:
        """One new event: into the views, the viewer state and (if it teaches) the model."""
        self.views.add(event)
        self.state.apply(event, item)
        if self.teaches(event):
            self.model.add(event)

    def undo_event(self, event_id: int) -> Event:
        """Take an event back (it stays in the log, flagged); the queue recomputes at once."""
        rows = self._log.rows_with_id(event_id)
        if not len(rows) or self._log.undone_at(int(rows[0])):
            raise TuifeedError(f"event {event_id} is already undone" if len(rows)
                               else f"unknown event {event_id}")
        event = self._log.event_at(int(rows[0]))
        self._log.mark_undone(event_id)
        self.writer.write(EventUndo(event_id, self.stamp()))
        self._before_steering.clear()  # saved models knew this event
        self._relearn()
        return event

    def history(self, limit: int | None = None, kind: str | None = None,
                topic: str | None = None, creator: str | None = None) -> list[HistoryEntry]:
        """The log, newest first, optionally filtered; undone events are included, flagged."""
        log = self.log_columns()
        entries = []
        for row in log.newest_first(limit, kind=kind, topic=topic, creator=creator):
            event = log.event_at(row)
            item = self.catalog.items[self.catalog.index[event.item_id]] \
                if event.item_id in self.catalog.index else None
            entries.append(HistoryEntry(event, item, log.undone_at(row)))
        return entries

    def log_columns(self) -> LogColumns:
        """The whole log as columns, undone events included (see feed/log.py)."""
        return self._log

    def toggle_like(self, item_id: str) -> Event:
        return self.signal(item_id, "unlike" if item_id in self.state.liked else "like")

    def toggle_dislike(self, item_id: str) -> Event:
        """"Not interested", or taking it back when the item is marked so already."""
        return self.signal(item_id, "undislike" if item_id in self.state.disliked
                           else "dislike")

    def toggle_save(self, item_id: str) -> Event:
        return self.signal(item_id, "unsave" if item_id in self.state.saved else "save")

    def toggle_follow(self, item_id: str) -> Event:
        creator = creator_key(self.item(item_id))
        return self.signal(item_id, "unfollow" if creator in self.state.followed else "follow")

    # -- the viewing session ------------------------------------------------------------------

    @property
    def current(self) -> Item | None:
        if 0 <= self.position < len(self.trail):
            return self.catalog.item(self.trail[self.position])
        return None

    def elapsed(self) -> float:
        """Seconds the current card has been looked at: on screen and not covered."""
        until = self.clock.monotonic() if self._covered_at is None else self._covered_at
        return max(until - self._shown_at, 0.0)

    def pause_dwell(self) -> None:
        """Another view covers the card: its dwell stops counting. Pausing twice is pausing."""
        if self._covered_at is None:
            self._covered_at = self.clock.monotonic()

    def resume_dwell(self) -> None:
        """The card is in view again: its dwell counts on from where it stopped."""
        if self._covered_at is not None:
            self._shown_at += self.clock.monotonic() - self._covered_at
            self._covered_at = None

    def start(self) -> Item | None:
        """Show the first card, if nothing is shown yet."""
        if self.current is None:
            self.next()
        return self.current

    def next(self) -> Item | None:
        """Leave the current card and show Up next's first: always the queue's top, also after
        going back (the cards after this one in the trail stay in the history). When the card
        to come is an exploration card (the queue's rank 1 is then its exploration slot), it
        is the exploration pick. A queue ranked in another thread and accepted (see
        accept_queue) is used as it stands, without ranking again."""
        ahead = self.ranked_ahead()
        if ahead is not None:  # ranked already, as Up next shows it: its first comes
            if not ahead.ranked:
                return self.current
            known = self._last_event_id()
            self._leave()
            placed = ahead.ranked[0]
            self._placements[placed.item.id] = Placement(placed, ahead.job.context, known,
                                                         ahead.job.leaving)
        else:
            if not self.ranking_context().candidates.any():
                return self.current
            self._leave()  # the dwell on the card being left counts before the next is picked
            context = self.ranking_context()
            placed = rank(self.catalog, self.model, self.recipe, context, 1)[0]
            self._placements[placed.item.id] = Placement(placed, context, self._last_event_id())
        del self.trail[self.position + 1:]  # k walks back over the way actually taken
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
        """Back to the card before: the card left records its dwell, never a skip (going back
        says nothing against it; it is often the card a `j` too many brought)."""
        if self.position > 0:
            self._leave(moving_on=False)
            self.position -= 1
            self._show(first_time=False)
        return self.current

    def _leave(self, moving_on: bool = True) -> None:
        """Record the dwell on the card being left, and a skip if it was left fast for
        another (quitting or going back is not skipping)."""
        current = self.current
        if current is None:
            return
        seconds = round(self.elapsed(), 3)
        self.signal(current.id, "dwell", seconds)
        fast = seconds < self.recipe.signals.get("fast_skip_seconds", 2.0)
        if fast and not self._engaged and moving_on:
            self.signal(current.id, "skip")

    def _show(self, first_time: bool) -> None:
        self._shown_at = self.clock.monotonic()
        if self._covered_at is not None:  # shown under a cover (History's jump): starts at 0
            self._covered_at = self._shown_at
        self._engaged = False
        self._queue_changed()
        if first_time:
            self.signal(self.trail[self.position], "impression")

    # -- lifetime -----------------------------------------------------------------------------

    def interactive(self) -> None:
        """The feed serves a UI thread, which must never wait on the database: ids are
        reserved ahead without waiting, and quitting waits for another process's lock at
        most CLOSE_PATIENCE seconds before saving to a rescue file."""
        def reserve_later(table: str, count: int, deliver) -> None:
            self.writer.write(ReserveIds(table, count, deliver))

        self._event_id.impatient(reserve_later)
        self._steering_id.impatient(reserve_later)
        self.close_patience = CLOSE_PATIENCE
        self.defer_learning = True  # learning again from the whole log: in a worker

    def flush(self) -> bool:
        """Wait until everything recorded so far is written: False if it cannot be (see
        write_problem; it stays in memory and is tried again)."""
        return self.writer.flush()

    @property
    def write_problem(self) -> str | None:
        """Why recorded events wait in memory instead of the database, while they do."""
        problem = self.writer.problem
        if problem is None:
            return None
        waiting = self.writer.waiting
        return (f"{problem}: {waiting} events wait in memory and are written as soon as it "
                f"can be (or saved to a rescue file when you quit)" if waiting else problem)

    @property
    def log_changed_elsewhere(self) -> bool:
        """Another process imported into this log since the session began (restart to see)."""
        return self.writer.generation != self._generation

    def close(self) -> None:
        """End the session: the current card's dwell is recorded and every event written, or
        what cannot be written saved to a rescue file (see `rescued`). Work on the feed
        under way in other threads (`threads`) ends first."""
        if self._closed:
            return
        self._closed = True
        self.threads.close()  # their queries first: the connection is closed below
        self._leave(moving_on=False)
        try:
            left = self.writer.close(self.close_patience)
        except KeyboardInterrupt:  # Ctrl-C while waiting for another tuifeed: rescue, then stop
            left = self.writer.close()
            self._rescue(left, "interrupted while waiting for another tuifeed to finish writing")
            raise
        if left:
            self._rescue(left, self.writer.problem or "the database refused them")
        else:
            self._save_checkpoint()
        if self._keeping_catalogue is not None:
            self._keeping_catalogue.join()
        self._event_id.release()
        self._steering_id.release()
        self.store.close(sound=not left)

    def _save_checkpoint(self) -> None:
        """Everything is written: keep what the whole log teaches for the next open (see
        feed/checkpoint.py), unless the one read at open still holds or the catalogue grew
        (the next open reads it again and learns anew)."""
        table, version, from_checkpoint = self._read_at_open
        if self.catalog.version != version or self.log_changed_elsewhere:
            return
        store = self.store
        try:
            store.connection.execute("BEGIN")  # one snapshot of the log and the steering
            try:
                steering = store.steering()
                # learned from the catalogue as read at open (if it changed since, the
                # next open reads it again, and learns anew)
                wanted = checkpoint.tags(store, steering, self.recipe,
                                         self._opened_as["catalogue"])
                if from_checkpoint and wanted == self._opened_as:
                    return
                added = store.events_after(int(table.ids[-1]) if len(table) else 0)
                undone = store.undone_event_ids()
            finally:
                store.connection.execute("COMMIT")
        except sqlite3.Error:
            return
        whole = checkpoint.extended(table, added, undone, self.catalog.index)
        if len(whole) != wanted["events"] or len(whole) and whole.ids[-1] != wanted["newest"]:
            return  # another process deleted events meanwhile (retention): learn anew
        # The whole log is this session's log (no other process wrote: see above): it takes
        # the place of the one read at open, so the two are not held side by side while the
        # whole is learned (~40 MB each at a million events; this runs as the app quits).
        del table
        self._read_at_open = (whole, version, from_checkpoint)
        self._log = self.events = self.undone_events = None  # (made over the whole, below)
        free_pages_returned()  # the session's freed blocks: not kept beside the learning's
        try:
            learned = checkpoint.learn(whole, self.catalog, self.recipe,
                                       SteeringState.replay(steering))
        finally:
            self._keep_log(whole)
        checkpoint.save(self._checkpoint, wanted, learned, self.catalog)

    def _keep_log(self, table) -> None:
        """The whole log as columns, from this table and kept up to date from here on:
        learning, History, the sparklines and Why this? read it (feed/log.py)."""
        self._log = LogColumns(table, self.catalog)
        self.events = EventsView(self._log, undone=False)  # what counts, in log order
        self.undone_events = EventsView(self._log, undone=True)

    def _rescue(self, records: list, problem: str) -> None:
        """Save records the database would not take as an export file, and say where."""
        from tuifeed.store.rescue import rescue_lines, save_rescue

        def known(event_id: int) -> Event | None:
            rows = self._log.rows_with_id(event_id)
            return self._log.event_at(int(rows[0])) if len(rows) else None

        lines = rescue_lines(records, known, self.clock.now())
        # Not guessable (the file may land in a shared temporary folder, readable by you only).
        name = (f"rescued-{iso_utc(self.clock.now())[:19].replace(':', '')}-"
                f"{secrets.token_hex(4)}.jsonl")
        count = len(lines) - 1
        try:
            self.rescued = save_rescue(lines, [self.locations.home], name)
        except OSError as error:
            self.lost = lines
            self.warnings.append(f"{count} records could not be written ({problem}), nor saved "
                                 f"to a rescue file ({error.strerror or error}); they follow "
                                 f"as JSON lines for `tuifeed import`")
            return
        shown = clean_text(str(self.rescued))
        self.warnings.append(f"{count} records could not be written ({problem}); they were "
                             f"saved to {shown}: run `tuifeed import {shown}` "
                             f"once the database can be written")

    def __enter__(self) -> "Feed":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
