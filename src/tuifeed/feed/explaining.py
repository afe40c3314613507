"""The Feed's explanations: "why this?", what would change it, the interest profile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from tuifeed.feed.evidence import ColumnEvidence
from tuifeed.feed.evidence_index import reason_codes, stable_order, starts_of, with_ids
from tuifeed.feed.log import LogView
from tuifeed.feed.state import Placement
from tuifeed.models import Event, Item
from tuifeed.ranking.catalog import creator_key
from tuifeed.ranking import Context, Ranked, rank
from tuifeed.ranking.explain import (KIND_WORDS, Explanation, Line, exploration_note, explain,
                                    steering_notes)
from tuifeed.ranking.interests import InterestModel
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.profile import Diversity, Interest, decayed_series, diversity, interests
from tuifeed.ranking.steering import BOOST_LIMIT, subject_text
from tuifeed.ranking.summary import Facts, Rise, Skips, summarise

DIVERSITY_CARDS = 50  # the diversity meter looks at this many of the last cards shown
WHY_HORIZON = 1000  # "why" and "what if" look this far down the queue
DAY = 86_400.0
BOOST_STEP = 0.5  # what one press of + in My algorithm adds


@dataclass(frozen=True)
class Example:
    """An item an interest brings: its rank now, and with the interest boosted one step
    more (None: beyond WHY_HORIZON, or hidden by a mute)."""

    item: Item
    rank: int | None
    boosted_rank: int | None


@dataclass(frozen=True)
class Signals:
    """Learned signals in log order: each one's catalogue row, time and strength."""

    rows: np.ndarray
    times: np.ndarray
    strengths: np.ndarray
    creator_only: np.ndarray


@dataclass(frozen=True)
class LearnedSignals:
    """The signals the model learns from, grouped by item: item row r's signals are at
    positions starts[r] to starts[r + 1]."""

    times: np.ndarray
    strengths: np.ndarray
    creator_only: np.ndarray  # follows and unfollows: they teach about the creator only
    starts: np.ndarray

    def of_items(self, items: np.ndarray) -> np.ndarray:
        """Positions of the signals about the items of this mask over the catalogue."""
        rows = np.flatnonzero(items[: len(self.starts) - 1])
        begins, ends = self.starts[rows], self.starts[rows + 1]
        counts = ends - begins
        return np.repeat(begins - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())


class Explaining:
    """Mixed into Feed: everything that explains the ranking without changing it."""

    def position_of(self, item_id: str, without_event: int | None = None) -> int | None:
        """The item's rank in the queue (None beyond WHY_HORIZON), or what it would be had
        one event not happened."""
        # The event left out may be one that leaving the card now would record (the dwell
        # so far, ids below 0), or one in the log.
        leaving = [event for event in self._leaving_events() if event.id != without_event]
        base = None if without_event is None or without_event < 0 else self.learned_model(
            without_event=without_event)
        model = self.queue_model(leaving, base)
        queue = rank(self.catalog, model, self.recipe, self.ranking_context(), WHY_HORIZON)
        return next((entry.rank for entry in queue if entry.item.id == item_id), None)

    def why(self, item_id: str) -> Explanation:
        """The item's rank, score, every contribution with its evidence, and what would
        change it."""
        item = self.item(item_id)
        if self.current is not None and item_id == self.current.id:
            return self._why_current(item)
        context = self.ranking_context()
        leaving = self._leaving_events()  # the queue as Up next shows it: left now
        model = self.queue_model(leaving)
        queue = rank(self.catalog, model, self.recipe, context, WHY_HORIZON)
        placed = next((entry for entry in queue if entry.item.id == item_id), None)
        status = self._status(item, in_queue=placed is not None)
        if placed is None:  # not in the queue: explain its terms as if it were the only one
            placed = self._solo(item_id, context, model)
        before = self._shown_before(context)
        before += [entry.item for entry in queue[: placed.rank - 1]] if status == "queued" else []
        # A logged dwell a watch supersedes: any other reason it does not count comes first.
        superseded = set(self.views.superseded) | self._superseded(leaving)
        lines = explain(placed, self.catalog, model, self.recipe, context, (), before,
                        self.steering, (), superseded,
                        self._evidence(model, superseded, extra=leaving))
        return Explanation(
            item=item,
            rank=placed.rank if status == "queued" else None,
            score=placed.score,
            status=status,
            lines=lines,
            what_if=self._what_if(item, lines, placed.rank) if status == "queued" else [],
            steering=self._steering_notes(item),
            slot=exploration_note(self.recipe, context) if placed.explore else "",
        )

    def _shown_before(self, context: Context) -> list[Item]:
        """The cards already shown that the diversity term counted for this context."""
        window = int(self.recipe.term("diversity_window"))
        rows = context.recent[-window:] if window > 0 else ()
        return [self.catalog.item_at(row) for row in rows]

    def _steering_notes(self, item: Item) -> list[str]:
        return steering_notes(item, self.steering, int(self._muted().sum()), self.clock.now())

    def _why_current(self, item: Item) -> Explanation:
        """The card on screen, explained with the numbers that put it there when it was shown."""
        placement = self._placements.get(item.id)
        if placement is None:  # shown in an earlier session: explain it as it would rank now
            now = self.ranking_context()
            placement = Placement(self._solo(item.id, now), now, self._last_event_id())
        context = placement.context
        before = self._shown_before(context)
        assumed = list(placement.assumed)
        superseded = set(self.views.superseded) | self._superseded(assumed)
        lines = explain(placement.ranked, self.catalog, self.model, self.recipe, context,
                        (), before, self.steering, (), superseded,
                        self._evidence(self.model, superseded, extra=assumed,
                                       upto_id=placement.last_event_id))
        log = self.log_columns().columns()
        after = np.flatnonzero(~log.undone & (log.ids > placement.last_event_id)
                               & ~log.of_kind({"impression", "dwell", "skip"}))
        since = [f"since it was shown: your {event.kind} (event {event.id}) counts from the "
                 f"next card on" for event in map(self.log_columns().event_at, after.tolist())
                 if event.item_id == item.id]
        return Explanation(item=item, rank=placement.ranked.rank, score=placement.ranked.score,
                           status="current", lines=lines, what_if=since,
                           steering=self._steering_notes(item),
                           slot=exploration_note(self.recipe, context)
                           if placement.ranked.explore else "")

    def _evidence(self, model: InterestModel, superseded: set[int], *,
                  extra: Sequence[Event] = (), upto_id: int | None = None) -> ColumnEvidence:
        """The evidence of each learned term, read from the log's columns (see
        feed/evidence.py), with `extra` events outside the log."""
        return ColumnEvidence(self.log_columns().columns(), self.catalog, model, self.recipe,
                              self.steering, superseded, extra, upto_id, self._log_strengths)

    def _last_event_id(self) -> int:
        """The newest event logged: ids grow as they are handed out (an undone one counts:
        it was known, and is set apart as undone wherever it is listed)."""
        return self._log.newest_id()

    def _solo(self, item_id: str, context: Context, model=None) -> Ranked:
        """The item ranked alone (no exploration slot), as if it were the only candidate."""
        solo = replace(context, candidates=self._only(item_id))
        return rank(self.catalog, model or self.model, replace(self.recipe, exploration={}),
                    solo, 1)[0]

    def _status(self, item: Item, in_queue: bool) -> str:
        if item.id in self.state.disliked:
            return "disliked"
        if in_queue:
            return "queued"
        if self._muted()[self.catalog.index[item.id]]:
            return "muted"
        if self.recipe.filter.get("followed_only") and creator_key(item) not in self.state.followed:
            return "filtered"
        return "seen" if item.id in self.state.seen else "beyond"

    def _only(self, item_id: str) -> np.ndarray:
        mask = np.zeros(len(self.catalog), dtype=bool)
        mask[self.catalog.index[item_id]] = True
        return mask

    def _what_if(self, item: Item, lines: list[Line], rank_now: int) -> list[str]:
        """Counterfactuals: the item's rank without the event that weighs most on it."""
        evidence = [entry for line in lines for entry in line.evidence]
        if not evidence:
            return []
        strongest = max(evidence, key=lambda entry: (abs(entry.weight), -entry.event_id))
        position = self.position_of(item.id, without_event=strongest.event_id)
        where = f"#{position}" if position is not None else f"below #{WHY_HORIZON}"
        still = "still " if position == rank_now else ""
        singular = KIND_WORDS.get(strongest.kind, (strongest.kind,))[0]
        return [f"without your {singular} of \"{strongest.title}\" (event {strongest.event_id}) "
                f"it would {still}be {where}"]

    def _superseded(self, events: list[Event]) -> set[int]:
        """The dwells the steering lets count but whose view a watch already counts."""
        return {event.id for event in events if event.kind == "dwell"
                and self.steering.learns_from(event) and not self.teaches(event)}

    def profile(self) -> list[Interest]:
        """Learned interests, strongest first, with their short- and long-term parts."""
        return interests(self.model, self.clock.now())

    def interest_history(self, kind: str, name: str, points: int = 24) -> list[float]:
        """How one interest evolved (for sparklines), from the events the model learns from:
        numpy passes over the log's columns (a million events take milliseconds)."""
        signals, recent = self._learned_signals()
        catalog = self.catalog
        if kind == "topic":
            code = catalog.topic_index.get(name)
            if code is None:
                return [0.0] * points
            items = catalog.rows_with_topic(code)
            since = self.steering.forgotten.get(name, -np.inf)
            picked = signals.of_items(items)
            picked = picked[~signals.creator_only[picked] & (signals.times[picked] > since)]
            latest = items[recent.rows] & ~recent.creator_only & (recent.times > since)
        else:
            items = np.isin(catalog.creator_codes, catalog.creators_named(name))
            picked, latest = signals.of_items(items), items[recent.rows]
        return decayed_series(self.model,
                              np.concatenate([signals.times[picked], recent.times[latest]]),
                              np.concatenate([signals.strengths[picked],
                                              recent.strengths[latest]]),
                              self.clock.now(), points)

    def _learned_signals(self) -> tuple[LearnedSignals, Signals]:
        """Every event the model learns from (see teaches) with its catalogue row, time and
        strength: those logged when this was made grouped by item, kept until an undo, the
        steering, the recipe or the catalogue changes; and apart, those logged since (read
        again each time: a few)."""
        # Steering and recipe are replaced, never changed in place: the same objects mean
        # the same rules (the cache holds them, so they cannot be mistaken for new ones).
        key = (len(self.undone_events), self.catalog.version)
        log = self.log_columns().columns()
        cached = self._signals_cache
        if cached is None or cached[0] != key or cached[1] is not self.steering or \
                cached[2] is not self.recipe or cached[3] > len(log.ids):
            grouped = self._signals_of(log, 0, len(log.ids))
            by_item = stable_order(grouped.rows)  # each item's side by side
            signals = LearnedSignals(
                grouped.times[by_item], grouped.strengths[by_item],
                grouped.creator_only[by_item],
                starts_of(grouped.rows, len(self.catalog)))
            cached = self._signals_cache = (key, self.steering, self.recipe, len(log.ids),
                                            signals)
        recent = self._recent_signals  # (its main signals, the log's length then, signals)
        if recent is None or recent[0] is not cached[4] or recent[1] != len(log.ids):
            recent = self._recent_signals = (cached[4], len(log.ids),
                                             self._signals_of(log, cached[3], len(log.ids)))
        return cached[4], recent[2]

    def _signals_of(self, log: LogView, start: int, end: int) -> Signals:
        """The learned signals among the logged events start..end (see teaches)."""
        part = slice(start, end)
        ts, ids = log.ts[part], log.ids[part]
        keep = ~log.undone[part] & (log.rows[part] >= 0)
        steering = self.steering
        if steering.reset_at is not None:
            keep &= ts > steering.reset_at
        if steering.paused_since is not None:
            keep &= ts < steering.paused_since
        for begin, finish in steering.paused_periods:
            keep &= ~((ts >= begin) & (ts < finish))
        dwell = log.kinds[part] == (log.kind_names.index("dwell") if "dwell" in log.kind_names
                                    else -1)
        keep &= ~(dwell & with_ids(ids, self.views.superseded))
        rows = log.rows[part][keep]
        every, creator_only = self._log_strengths.of(log, self.catalog, self.recipe)
        strengths = every[part][keep]  # kept between calls (feed/evidence.py)
        strong = strengths != 0
        return Signals(rows[strong], ts[keep][strong], strengths[strong],
                       creator_only[part][keep][strong])

    def recent_diversity(self, cards: int = DIVERSITY_CARDS) -> Diversity:
        """How concentrated the last cards shown were (topic entropy, top topic's share)."""
        shown = self._counted_rows("impression")
        return diversity([self.catalog.item_at(row) for row in shown[-cards:].tolist()])

    def _counted_rows(self, kind: str) -> np.ndarray:
        """The catalogue rows of the events of this kind that exist for the ranker (not
        undone, not before a reset, of an item in the catalogue), in log order."""
        log = self.log_columns().columns()
        if kind not in log.kind_names:
            return np.zeros(0, dtype=np.int64)
        picked = np.flatnonzero(log.kinds == log.kind_names.index(kind))  # then these only
        rows = log.rows[picked]
        keep = ~log.undone[picked] & (rows >= 0)
        if self.steering.reset_at is not None:  # learning.in_steering, for these
            keep &= log.ts[picked] > self.steering.reset_at
        return rows[keep]

    # -- in words, and by example -------------------------------------------------------------

    def summary(self) -> list[str]:
        """Your algorithm in a few plain sentences, written from the numbers (ranking/summary)."""
        return summarise(self.summary_facts())

    def summary_facts(self, found: list[Interest] | None = None,
                      meter: Diversity | None = None) -> Facts:
        """The numbers the summary is written from; `found` (the profile) and `meter` (the
        recent diversity), when the caller has them already, as they are now."""
        now = self.clock.now()
        found = self.profile() if found is None else found
        before = {(i.kind, i.name): i.total for i in interests(self._model_until(now - DAY),
                                                                 now - DAY)}
        rises = [Rise(i.kind, i.name, before.get((i.kind, i.name), 0.0), i.total)
                 for i in found]
        rows = {kind: self._counted_rows(kind) for kind in ("impression", "skip")}
        shown, skipped = (self.catalog.topic_totals(rows[kind], np.ones(len(rows[kind])))
                          for kind in ("impression", "skip"))
        meter = self.recent_diversity() if meter is None else meter
        return Facts(
            interests=found, rises=rises,
            skips=[Skips(topic, int(skipped[code]), int(shown[code]))
                   for code, topic in enumerate(self.catalog.topics) if skipped[code]
                   and shown[code]],
            fast_skip_seconds=self.recipe.signals.get("fast_skip_seconds", 2.0),
            recent_cards=meter.cards, top_topic=meter.top_topic,
            top_cards=round(meter.top_share * meter.cards),
            steering=self._steering_words())

    def _model_until(self, moment: float) -> InterestModel:
        """The topics and creators of the model learned from what happened up to `moment`
        (steered as it is now): what the profile then lists, without the other families
        (the words are most of a rebuild's time: 0.6 s at a million events)."""
        log = self._log.columns()
        # Kept while the log, the steering, the recipe and the catalogue stay and as many
        # events as before are that old: for one log, the events up to a moment grow with
        # it, so the same count is the same events (My algorithm opened again is at once).
        key = (len(log.ids), int(np.count_nonzero(log.undone)), len(self.views.superseded),
               self.catalog.version, int(np.count_nonzero(log.ts <= moment)))
        kept = getattr(self, "_profile_before", None)
        if kept is not None and kept[0] == key and kept[1] is self.steering and \
                kept[2] is self.recipe:
            return kept[3]
        # What the model learns from (learning.teaching): no reason not to (look-ups, not
        # np.isin over a million kind codes).
        learned = np.flatnonzero((reason_codes(log, self.steering, self.views.superseded,
                                               slice(None)) == 0) & (log.ts <= moment))
        strengths, _ = self._log_strengths.of(log, self.catalog, self.recipe)  # kept
        model = InterestModel(self.catalog, self.recipe)
        model.rebuild_rows(log.rows[learned], log.ts[learned], list(log.kind_names),
                           log.kinds[learned], log.values[learned], self.steering.forgotten,
                           profile_only=True, strengths=strengths[learned])
        self._profile_before = (key, self.steering, self.recipe, model)
        return model

    def _steering_words(self) -> list[str]:
        steering = self.steering
        hides = self.mute_hides()
        words = [f"boost {subject_text(*key)} {amount:+g}"
                 for key, amount in sorted(steering.boosts.items())]
        words += [f"mute {subject_text(*key)} (hides {len(hides[key])} "
                  f"item{'' if len(hides[key]) == 1 else 's'})" for key in sorted(steering.mutes)]
        words += [f"forget #{topic}" for topic in sorted(steering.forgotten)]
        if steering.paused:
            words.append("learning paused")
        return words

    def examples(self, target: str, name: str, count: int = 3) -> list[Example]:
        """The next `count` items of the queue that a topic, creator or word brings, with their
        ranks now and with it boosted one step more (what + would do); for a mute in force,
        the items it hides, best first as if it did not hold."""
        if (target, name) in self.steering.mutes:
            return [Example(item, None, None) for item in self.hidden_items(target, name, count)]
        carried = self.items_of(target, name)
        queue = self.upcoming(WHY_HORIZON)
        picked = [entry for entry in queue if carried[self.catalog.index[entry.item.id]]][:count]
        if not picked or target not in ("topic", "creator"):
            return [Example(entry.item, entry.rank, None) for entry in picked]
        context = self.ranking_context()
        amount = min(self.steering.boosts.get((target, name), 0.0) + BOOST_STEP, BOOST_LIMIT)
        topic_boosts, creator_boosts = context.topic_boosts.copy(), context.creator_boosts.copy()
        if target == "topic":
            topic_boosts[self.catalog.topic_index[name]] = amount
        else:
            creator_boosts[self.catalog.creators_named(name)] = amount
        boosted = rank(self.catalog, self.queue_model(self._leaving_events()), self.recipe,
                       replace(context, topic_boosts=topic_boosts, creator_boosts=creator_boosts),
                       WHY_HORIZON)
        ranks = {entry.item.id: entry.rank for entry in boosted}
        return [Example(entry.item, entry.rank, ranks.get(entry.item.id)) for entry in picked]

    def hidden_items(self, target: str, name: str, count: int) -> list[Item]:
        """Up to `count` items a mute on this hides, unseen first, best first as if the mute
        did not hold."""
        hidden = self.items_of(target, name) & self._live()
        if not hidden.any():
            return []
        context = self.ranking_context()
        unseen = hidden & ~context.seen
        mask = unseen if unseen.any() else hidden
        disliked = rows_of(self.catalog.index, self.state.disliked)  # (-1: no row, e.g.
        mask[disliked[disliked >= 0]] = False  # an item an imported log names)
        if self.current is not None:
            mask[self.catalog.index[self.current.id]] = False
        if not mask.any():
            return []
        solo = replace(context, candidates=mask)
        return [entry.item for entry in rank(self.catalog, self.model,
                                             replace(self.recipe, exploration={}), solo, count)]

    def reveal(self, target: str, name: str) -> Item | None:
        """Show the best item a mute hides, once, as the current card (the mute still holds)."""
        found = self.hidden_items(target, name, 1)
        if not found:
            return None
        return self.jump_to(found[0].id)
