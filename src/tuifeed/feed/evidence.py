"""The evidence behind a learned term, read from the log's columns.

It gives what ranking.explain.evidence_for gives from a list of events, in the same order and
with the same reasons, but picks the events that touch the subject with numpy (the items
sharing a topic, the creator, the length band, the source, the language or a word) and
computes their strengths, weights and reasons as arrays: only the events that touch the
subject become objects. Most terms are read through the log's index (feed/evidence_index.py,
feed/term_evidence.py), in time that follows the items a term is about, not the log.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from tuifeed.feed.evidence_index import (DIRECT, FORGET, REASONS, REBUILD_TAIL, EvidenceIndex,
                                         reason_codes, strongest)
from tuifeed.feed.term_evidence import IndexedTerm
from tuifeed.feed.log import LogView
from tuifeed.models import Event
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.explain import (EVIDENCE_LISTED, Evidence, Ignored, TermEvidence,
                                    evidence_for, summary_sentence)
from tuifeed.ranking.interests import CREATOR_ONLY, InterestModel, band_label, signal_strengths
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.steering import SteeringState


class LogStrengths:
    """Every logged event's signal strength under a recipe, and which events teach about the
    creator only (follows): the same for every term and every "why", so made once and kept
    while the recipe and the catalogue's durations stay; new events are added on."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._strengths = np.empty(0)
        self._creator_only = np.empty(0, dtype=bool)
        self._index: tuple[tuple, EvidenceIndex] | None = None

    def index(self, log: LogView, catalog: Catalog, recipe: Recipe, steering: SteeringState,
              superseded: frozenset[int]) -> EvidenceIndex:
        """The log indexed for evidence (feed/evidence_index.py), kept while the recipe,
        the catalogue, the steering, the dwells superseded and the undone events stay and
        fewer than REBUILD_TAIL events came since; those read directly meanwhile."""
        strengths, _ = self.of(log, catalog, recipe)
        key = (self._key, steering, superseded, int(np.count_nonzero(log.undone)))
        kept = self._index
        if kept is not None and kept[0] == key and \
                kept[1].size <= len(log.ids) <= kept[1].size + REBUILD_TAIL:
            return kept[1]
        reasons = reason_codes(log, steering, superseded, slice(None))
        index = EvidenceIndex(log.rows, log.kinds, log.ts, log.ids, strengths, reasons,
                              len(catalog))
        self._index = (key, index)
        return index

    def of(self, log: LogView, catalog: Catalog, recipe: Recipe) -> tuple[np.ndarray,
                                                                          np.ndarray]:
        """(strengths, creator_only), one each per logged event."""
        key = (recipe, catalog.version, log.kind_names)
        done = len(self._strengths) if key == self._key else 0
        if done > len(log.ids):  # a shorter log than before: start again
            done = 0
        if done < len(log.ids):
            tail = slice(done, len(log.ids))
            rows = np.maximum(log.rows[tail], 0)
            strengths = signal_strengths(recipe, (), log.values[tail], catalog.duration[rows],
                                         (list(log.kind_names), log.kinds[tail]))
            follows = np.array([name in CREATOR_ONLY for name in log.kind_names] or [False])
            creator_only = follows[log.kinds[tail]]
            self._strengths = np.concatenate([self._strengths[:done], strengths])
            self._creator_only = np.concatenate([self._creator_only[:done], creator_only])
            self._key = key
        return self._strengths[: len(log.ids)], self._creator_only[: len(log.ids)]


class ColumnEvidence:
    """`evidence_for` over the logged events up to `upto_id` (all when None), plus a few
    events not in the log (those leaving the card now would record).

    A term's evidence is read through the log's index (feed/evidence_index.py) in time that
    follows the items it is about, not the log; a topic term one of whose topics was
    forgotten, or a cut (`upto_id`) leaving many events out, reads every event instead."""

    def __init__(self, log: LogView, catalog: Catalog, model: InterestModel, recipe: Recipe,
                 steering: SteeringState, superseded: Collection[int],
                 extra: Sequence[Event] = (), upto_id: int | None = None,
                 strengths: LogStrengths | None = None) -> None:
        self.log, self.catalog, self.model, self.recipe = log, catalog, model, recipe
        kept = strengths or LogStrengths()
        self._all_strengths, self._creator_only = kept.of(log, catalog, recipe)
        self.steering, self.extra = steering, list(extra)
        self.superseded = set(superseded)
        self._superseded_ids = np.fromiter(self.superseded, np.int64, len(self.superseded))
        self._upto = upto_id
        self._index = kept.index(log, catalog, recipe, steering,
                                 frozenset(number for number in self.superseded if number >= 0))
        self._follow_codes = [code for code, name in enumerate(log.kind_names)
                              if name in CREATOR_ONLY]
        self._late = self._late_groups()
        self._tail_reasons: np.ndarray | None = None
        self._reasons: np.ndarray | None = None
        self._everything: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def __call__(self, now: float, *, topics: Sequence[str] = (), creator: str | None = None,
                 band: int | None = None, source: str | None = None,
                 words: Sequence[str] = (), language: str | None = None) -> TermEvidence:
        subject = dict(topics=topics, creator=creator, band=band, source=source, words=words,
                       language=language)
        extra: tuple[list[Evidence], list[Ignored]] = ([], [])
        if self.extra:  # the few events outside the log, the plain way, then pooled
            extra = evidence_for(
                self.extra, self.catalog, self.model, self.recipe, now, steering=self.steering,
                superseded=self.superseded, **subject)
        forgets = topics and (set(topics) & self.steering.forgotten.keys())
        if self._late is not None and not forgets:
            return IndexedTerm(self, now, subject).told(*extra)
        pool = self._pool(now, **subject)
        pool.add_objects(*extra)
        return pool.told(now)

    # -- through the index --------------------------------------------------------------------

    def _late_groups(self) -> tuple[np.ndarray, ...] | None:
        """The index's groups holding events after `upto_id`, with their figures counted
        without them: (groups, counting, not counting, earliest counting). None when too
        many events are left out to count them apart."""
        index, log, upto = self._index, self.log, self._upto
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                 np.zeros(0, dtype=np.int64), np.zeros(0))
        if upto is None:
            return empty
        late = np.flatnonzero(index.eligible & (log.ids[: index.size] > upto))
        if len(late) > DIRECT:
            return None
        if not len(late):
            return empty
        groups = np.unique(index.pair_of(log.rows[late], log.kinds[late].astype(np.int64)))
        events = index.events_of(groups)
        owner = np.repeat(np.arange(len(groups)),
                          index.pair_start[groups + 1] - index.pair_start[groups])
        early = log.ids[events] <= upto
        counting = index.found[events] & early
        earliest = np.full(len(groups), np.inf)
        np.minimum.at(earliest, owner[counting], log.ts[events[counting]])
        return (groups, np.bincount(owner, counting, minlength=len(groups)).astype(np.int64),
                np.bincount(owner, ~index.found[events] & early,
                            minlength=len(groups)).astype(np.int64), earliest)

    def _tail(self, items: np.ndarray, follows: bool) -> tuple[np.ndarray, np.ndarray]:
        """The events logged since the index was made that can be evidence of the subject:
        (log rows, reason codes)."""
        log, size = self.log, self._index.size
        if size == len(log.ids):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8)
        part = slice(size, len(log.ids))
        if self._tail_reasons is None:
            self._tail_reasons = reason_codes(log, self.steering, self._superseded_ids, part)
        rows = log.rows[part]
        picked = (rows >= 0) & (self._all_strengths[part] != 0) & items[np.maximum(rows, 0)]
        if not follows:
            picked &= ~self._creator_only[part]
        if self._upto is not None:
            picked &= log.ids[part] <= self._upto
        return size + np.flatnonzero(picked), self._tail_reasons[picked]

    def _weigh(self, rows: np.ndarray, now: float) -> np.ndarray:
        """Logged events' weights now: their strength, decayed (as evidence_for weighs)."""
        return self._all_strengths[rows] * self.model.decay(now - self.log.ts[rows])

    def _bound(self, now: float):
        """What an event of at most this strength, logged no later than this, can weigh."""
        (short_weight, short_life), (long_weight, long_life) = self.model.decay_parts()

        def bound(strength: float, newest: float) -> float:
            age = max(now - newest, 0.0)
            return strength * (abs(short_weight) * 2.0 ** (-age / short_life)
                               + abs(long_weight) * 2.0 ** (-age / long_life))
        return bound

    def _pool(self, now: float, *, topics, creator, band, source, words, language) -> _Pool:
        """Every logged event that touches the subject, as arrays (see _Pool)."""
        log, catalog = self.log, self.catalog
        items = self._items_about(topics, creator, band, source, words, language)
        known, known_not_follows, event_rows = self._masks()
        # A follow says nothing about topics, length, source, words or language.
        picked = (known if creator is not None else known_not_follows) & items[event_rows]
        chosen = np.flatnonzero(picked)
        strengths = self._all_strengths[chosen]
        chosen, strengths = chosen[strengths != 0], strengths[strengths != 0]
        rows, ts = log.rows[chosen], log.ts[chosen]
        weights = strengths * self.model.decay(now - ts)
        reasons = self._reason_codes()[chosen].astype(np.int64)
        # A forget is about topics only: a topic forgotten after an event does not count it;
        # an event none of whose shared topics counts is set apart, with its own reason.
        wanted = set(topics) | set(words)
        forgotten = sorted((topic, moment) for topic, moment in self.steering.forgotten.items()
                           if topic in wanted) if topics else []
        dropped = np.zeros(len(chosen), dtype=np.int64)  # bit f: forgotten topic f not counted
        for bit, (topic, moment) in enumerate(forgotten):
            carries = catalog.rows_with_topic(catalog.topic_index[topic])[rows] \
                if topic in catalog.topic_index else np.zeros(len(rows), dtype=bool)
            dropped |= (carries & (ts <= moment)).astype(np.int64) << bit
        shared = {row: self._shared(int(row), topics, creator, band, source, wanted, language)
                  for row in _distinct(rows).tolist()}
        if forgotten:
            lookup = np.zeros(int(rows.max()) + 1 if len(rows) else 1, dtype=np.int64)
            for row, topics_shared in shared.items():
                lookup[row] = len(topics_shared)
            dropped_count = sum((dropped >> bit) & 1 for bit in range(len(forgotten)))
            forget = (reasons == 0) & (lookup[rows] == dropped_count)
            reasons[forget] = FORGET
            # Set apart for another reason: named with all it shares, as evidence_for does.
            dropped[(reasons != 0) & (reasons != FORGET)] = 0
        pool = _Pool(self, topics, creator, words, forgotten, shared)
        pool.add_arrays(chosen, weights, reasons, dropped)
        return pool
    def _masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For reading every event: which are of an item in the catalogue (and up to
        `upto_id`), which of those are not follows, and each one's catalogue row (0 for
        none, which the first leaves out). Made once for every term."""
        if self._everything is None:
            log = self.log
            known = log.rows >= 0
            if self._upto is not None:
                known &= log.ids <= self._upto
            self._everything = (known, known & ~self._creator_only, np.maximum(log.rows, 0))
        return self._everything

    def _reason_codes(self) -> np.ndarray:
        """Per logged event, why it is not learned from (see REASONS); the same for every
        term, so made once."""
        if self._reasons is None:
            self._reasons = reason_codes(self.log, self.steering, self._superseded_ids,
                                         slice(None))
        return self._reasons

    def _items_about(self, topics, creator, band, source, words, language=None) -> np.ndarray:
        """A mask over the catalogue: the items an event must be about to touch the subject."""
        catalog = self.catalog
        items = np.zeros(len(catalog), dtype=bool)
        if creator is not None:
            items |= np.isin(catalog.creator_codes, catalog.creators_named(creator))
        elif band is not None:
            items |= catalog.length_band == band
        elif language is not None:
            if language in catalog.language_names:
                items |= catalog.language_codes == catalog.language_names.index(language)
        elif source is not None:
            if source in catalog.source_names:
                items |= catalog.source_codes == catalog.source_names.index(source)
        elif words:
            matrix = catalog.word_matrix
            wanted = np.zeros(len(matrix.words), dtype=bool)
            wanted[[matrix.index[word] for word in words if word in matrix.index]] = True
            items[matrix.rows[wanted[matrix.codes]]] = True
        else:
            for topic in topics:
                code = catalog.topic_index.get(topic)
                if code is not None:
                    items |= catalog.rows_with_topic(code)
        return items

    def _shared(self, row: int, topics, creator, band, source, wanted,
                language=None) -> list[str]:
        """What the item shares with the subject, as evidence_for names it."""
        if creator is not None:
            return []
        if band is not None:
            return [band_label(band)]
        if language is not None:
            return [str(language)]
        if source is not None:
            return [str(source)]
        if not topics:
            return [word for word in self.catalog.word_matrix.words_at(row) if word in wanted]
        return [topic for topic in self.catalog.item_at(row).topics if topic in wanted]


class _Pool:
    """The events touching one subject, as arrays (the logged ones) and objects (the few
    outside the log), told as TermEvidence: figures over all, objects for the listed few."""

    def __init__(self, source: ColumnEvidence, topics, creator, words, forgotten,
                 shared: dict[int, list[str]]) -> None:
        self._catalog, self._log = source.catalog, source.log
        self._topics, self._creator, self._words = topics, creator, words
        self._forgotten = [topic for topic, _ in forgotten]
        self._shared = shared
        self._extra_found: list[Evidence] = []
        self._extra_ignored: list[Ignored] = []

    def add_arrays(self, chosen, weights, reasons, dropped) -> None:
        self._chosen, self._weights = chosen, weights
        self._reasons, self._dropped = reasons, dropped

    def add_objects(self, found: list[Evidence], ignored: list[Ignored]) -> None:
        self._extra_found, self._extra_ignored = found, ignored

    def told(self, now: float) -> TermEvidence:
        log, chosen = self._log, self._chosen
        counts = self._reasons == 0
        found, ignored = np.flatnonzero(counts), np.flatnonzero(~counts)
        extra, extra_ignored = self._extra_found, self._extra_ignored
        # Found: strongest first, then by id, as evidence_for sorts them.
        weights = np.concatenate([self._weights[found],
                                  np.array([e.weight for e in extra], dtype=np.float64)])
        ids = np.concatenate([log.ids[chosen[found]],
                              np.array([e.event_id for e in extra], dtype=np.int64)])
        where = np.concatenate([found, -1 - np.arange(len(extra))])
        order = strongest(weights, ids, EVIDENCE_LISTED)
        listed = [self._evidence(int(at)) if at >= 0 else extra[-1 - at]
                  for at in where[order].tolist()]
        # Not counted: newest first.
        ignored_ids = np.concatenate([log.ids[chosen[ignored]], np.array(
            [e.evidence.event_id for e in extra_ignored], dtype=np.int64)])
        ignored_where = np.concatenate([ignored, -1 - np.arange(len(extra_ignored))])
        newest = ignored_where[np.argsort(-ignored_ids, kind="stable")[:EVIDENCE_LISTED]]
        set_apart = [self._ignored(int(at)) if at >= 0 else extra_ignored[-1 - at]
                     for at in newest.tolist()]
        return TermEvidence(listed, set_apart,
                            self._sentence(now, found, weights, ids, where, extra),
                            len(ignored) + len(extra_ignored))

    def _sentence(self, now, found, weights, ids, where, extra) -> str:
        """summarise() over every event that counts, from the arrays."""
        if not len(where):
            return "nothing you did touches it yet"
        log, chosen = self._log, self._chosen
        names, extra_codes = log.kinds_with([evidence.kind for evidence in extra])
        kinds = np.concatenate([log.kinds[chosen[found]].astype(np.int64),
                                np.array(extra_codes, dtype=np.int64)])
        # Counter.most_common's order: most first, then the kind met first in the evidence's
        # order (strongest first), that is, the kind whose strongest event is the stronger.
        tally = np.bincount(kinds, minlength=len(names))
        strength = np.abs(weights)
        # Each kind's strongest event (then the smallest id), in two passes over them all.
        top = np.full(len(names), -np.inf)
        np.maximum.at(top, kinds, strength)
        at_top = strength == top[kinds]
        first_id = np.full(len(names), np.iinfo(np.int64).max)
        np.minimum.at(first_id, kinds[at_top], ids[at_top])
        firsts = [(-int(tally[code]), -top[code], first_id[code], code)
                  for code in np.flatnonzero(tally).tolist()]
        ranked = [(names[code], -count) for count, _, _, code in sorted(firsts)[:3]]
        rows, dropped = log.rows[chosen[found]], self._dropped[found]
        width = len(self._forgotten)
        if width == 0:  # no forget: one about a row (bincount beats unique by far)
            pairs = np.flatnonzero(np.bincount(rows)) if len(rows) else rows
        else:
            pairs = np.unique((rows << width) | dropped)
        subjects = {self._about(int(pair) >> width, int(pair) & ((1 << width) - 1))
                    for pair in pairs.tolist()}
        subjects |= {evidence.about for evidence in extra}
        times = np.concatenate([log.ts[chosen[found]],
                                np.array([e.ts for e in extra], dtype=np.float64)])
        return summary_sentence(ranked, subjects, float(np.max(now - times)), len(where))

    def _evidence(self, at: int) -> Evidence:
        log, index = self._log, int(self._chosen[at])
        row = int(log.rows[index])
        item = self._catalog.item_at(row)
        value = float(log.values[index])
        return Evidence(int(log.ids[index]), float(log.ts[index]),
                        log.kind_names[log.kinds[index]], item.id, item.title,
                        None if np.isnan(value) else value, float(self._weights[at]),
                        self._about(row, int(self._dropped[at])))

    def _ignored(self, at: int) -> Ignored:
        code = int(self._reasons[at])
        if code == FORGET:
            row = int(self._log.rows[self._chosen[at]])
            shared = " ".join("#" + topic for topic in self._shared[row])
            reason = f"you asked to forget {shared} after it"
        else:
            reason = REASONS[code]
        return Ignored(self._evidence(at), reason)

    def _about(self, row: int, dropped: int) -> str:
        if self._creator is not None:
            return f"@{self._catalog.item_at(row).creator}"
        shared = self._shared[row]
        if self._topics:
            names = self._forgotten
            counted = [topic for topic in shared
                       if not (topic in names and dropped >> names.index(topic) & 1)]
            return ", ".join(f"#{topic}" for topic in counted)
        if self._words:
            return ", ".join(f'"{word}"' for word in shared)
        return shared[0]


def _distinct(rows: np.ndarray) -> np.ndarray:
    """np.unique of catalogue rows (small non-negative integers), by counting them."""
    return np.flatnonzero(np.bincount(rows)) if len(rows) else rows
