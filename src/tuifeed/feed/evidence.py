"""The evidence behind a learned term, read from the log's columns.

It gives what ranking.explain.evidence_for gives from a list of events, in the same order and
with the same reasons, but picks the events that touch the subject with numpy (the items
sharing a topic, the creator, the length band, the source, the language or a word) and
computes their strengths, weights and reasons as arrays: only the events that touch the
subject become objects. A "Why this?" on a million events no longer walks all of them once a term.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from tuifeed.feed.evidence_index import (DIRECT, FIRST_CHUNK, REBUILD_TAIL, EvidenceIndex,
                                         newest_strongest, strongest, with_ids)
from tuifeed.feed.log import LogView
from tuifeed.models import Event, Item
from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.explain import (EVIDENCE_LISTED, Evidence, Ignored, TermEvidence,
                                    evidence_for, summary_sentence)
from tuifeed.ranking.interests import CREATOR_ONLY, InterestModel, band_label, signal_strengths
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import SUPERSEDED_REASON

# Why an event that touches the subject is not learned from, by code (0: it is).
REASONS = ("", "you undid it", "before you started over", "while learning was paused",
           SUPERSEDED_REASON)
FORGET = len(REASONS)  # every topic it shares was forgotten after it (named per event)


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
            return _IndexedTerm(self, now, subject).told(*extra)
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


def reason_codes(log: LogView, steering: SteeringState, superseded, part: slice) -> np.ndarray:
    """Per logged event of `part`, why it is not learned from (see REASONS), in
    evidence_for's order of precedence (`superseded`: the ids of dwells a watch supersedes)."""
    ts, ids = log.ts[part], log.ids[part]
    codes = np.zeros(len(ts), dtype=np.int8)
    learns = np.ones(len(ts), dtype=bool)
    if steering.paused_since is not None:
        learns &= ts < steering.paused_since
    for start, end in steering.paused_periods:
        learns &= ~((ts >= start) & (ts < end))
    counts = ts > steering.reset_at if steering.reset_at is not None else \
        np.ones(len(ts), dtype=bool)
    for code, applies in ((4, with_ids(ids, superseded)), (3, ~learns), (2, ~counts),
                          (1, log.undone[part])):
        codes[applies] = code  # later ones take precedence, as in evidence_for
    return codes


class _IndexedTerm:
    """One term's evidence through the index: the figures of the sentence summed over the
    groups of the items it is about, its strongest events and its newest not counted found
    without weighing the rest."""

    def __init__(self, source: ColumnEvidence, now: float, subject: dict) -> None:
        self.source, self.now = source, now
        self.log, self.index, self.catalog = source.log, source._index, source.catalog
        self.topics, self.creator = subject["topics"], subject["creator"]
        self.words, self.subject = subject["words"], subject
        self.wanted = set(self.topics) | set(self.words)
        self.items = source._items_about(**subject)
        self.follows = self.creator is not None  # follows teach about the creator only
        self._groups()
        self.tail, tail_reasons = source._tail(self.items, self.follows)
        self.tail_found = self.tail[tail_reasons == 0]
        self.tail_ignored, self.tail_reasons = self.tail[tail_reasons != 0], \
            tail_reasons[tail_reasons != 0]
        self._gathered: np.ndarray | None = None

    def _groups(self) -> None:
        """The index's groups about the subject, and how many of each one's events count,
        do not count, and the earliest that counts (events after the cut left out)."""
        index = self.index
        groups = index.pairs_of(self.items)
        if not self.follows and self.source._follow_codes:
            follows = np.zeros(index.kind_count, dtype=bool)
            follows[self.source._follow_codes] = True
            groups = groups[~follows[index.pair_kind[groups]]]
        found, ignored = index.pair_found[groups], index.pair_ignored[groups]
        earliest = index.pair_earliest[groups]
        late, late_found, late_ignored, late_earliest = self.source._late
        if len(late) and len(groups):
            at = np.minimum(np.searchsorted(late, groups), len(late) - 1)
            hit = late[at] == groups
            found, ignored, earliest = found.copy(), ignored.copy(), earliest.copy()
            found[hit], ignored[hit] = late_found[at[hit]], late_ignored[at[hit]]
            earliest[hit] = late_earliest[at[hit]]
        self.groups, self.found, self.ignored, self.earliest = groups, found, ignored, earliest

    # -- the events -----------------------------------------------------------------------

    def _all_events(self) -> np.ndarray:
        """Every indexed event about the subject (up to the cut), counted or not."""
        if self._gathered is None:
            events = self.index.events_of(self.groups)
            if self.source._upto is not None:
                events = events[self.log.ids[events] <= self.source._upto]
            self._gathered = events
        return self._gathered

    def _picked(self, begin: int, end: int, kind: int | None = None) -> np.ndarray:
        """Log rows begin..end that count and are about the subject (of one kind)."""
        log, index, source = self.log, self.index, self.source
        rows = log.rows[begin:end]
        keep = index.found[begin:end] & self.items[np.maximum(rows, 0)]
        if not self.follows:
            keep &= ~source._creator_only[begin:end]
        if source._upto is not None:
            keep &= log.ids[begin:end] <= source._upto
        if kind is not None:
            keep &= log.kinds[begin:end] == kind
        return begin + np.flatnonzero(keep)

    def strongest(self, count: int, kind: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `count` strongest logged events that count (of one kind): rows, weights."""
        log, index = self.log, self.index
        counted = int(self.found.sum() if kind is None
                      else self.found[index.pair_kind[self.groups] == kind].sum())
        if counted <= DIRECT and int(self.found.sum() + self.ignored.sum()) <= 4 * DIRECT:
            rows = self._all_events()
            rows = rows[index.found[rows]]
            if kind is not None:
                rows = rows[log.kinds[rows] == kind]
            weights = self.source._weigh(rows, self.now)
        else:
            rows, weights = newest_strongest(
                index, lambda begin, end: self._picked(begin, end, kind),
                lambda chosen: self.source._weigh(chosen, self.now), log.ids, count,
                self.source._bound(self.now))
        tail = self.tail_found if kind is None else \
            self.tail_found[log.kinds[self.tail_found] == kind]
        rows = np.concatenate([rows, tail])
        weights = np.concatenate([weights, self.source._weigh(tail, self.now)])
        best = strongest(weights, log.ids[rows], count)
        return rows[best], weights[best]

    def newest_ignored(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The `count` newest (by id) logged events not counted: rows, reason codes."""
        log, index, source = self.log, self.index, self.source
        if int(self.ignored.sum() + self.found.sum()) <= 4 * DIRECT:
            rows = self._all_events()
            rows = rows[~index.found[rows]]
        else:
            rows, done, chunk = np.zeros(0, dtype=np.int64), 0, FIRST_CHUNK
            newest = index.ignored_newest
            while done < len(newest) and len(rows) < count:
                part = newest[done: done + chunk]
                keep = self.items[log.rows[part]]
                if not self.follows:
                    keep &= ~source._creator_only[part]
                if source._upto is not None:
                    keep &= log.ids[part] <= source._upto
                rows = np.concatenate([rows, part[keep]])
                done, chunk = done + chunk, chunk * 2
        reasons = self._reasons_of(rows)
        rows = np.concatenate([rows, self.tail_ignored])
        reasons = np.concatenate([reasons, self.tail_reasons])
        newest_first = np.argsort(-log.ids[rows], kind="stable")[:count]
        return rows[newest_first], reasons[newest_first]

    def _reasons_of(self, rows: np.ndarray) -> np.ndarray:
        """The reason codes of indexed events not counted."""
        return reason_codes(_Rows(self.log, rows), self.source.steering,
                            self.source._superseded_ids, slice(None))

    # -- told -----------------------------------------------------------------------------

    def told(self, extra: list[Evidence], extra_ignored: list[Ignored]) -> TermEvidence:
        log = self.log
        rows, weights = self.strongest(EVIDENCE_LISTED)
        found_weights = np.concatenate([weights, [e.weight for e in extra]])
        found_ids = np.concatenate([log.ids[rows], np.array([e.event_id for e in extra],
                                                             dtype=np.int64)])
        where = np.concatenate([np.arange(len(rows)), -1 - np.arange(len(extra))])
        listed = [self._evidence(int(rows[at]), float(weights[at])) if at >= 0
                  else extra[-1 - at]
                  for at in where[strongest(found_weights, found_ids,
                                            EVIDENCE_LISTED)].tolist()]
        ignored, reasons = self.newest_ignored(EVIDENCE_LISTED)
        ignored_ids = np.concatenate([log.ids[ignored], np.array(
            [e.evidence.event_id for e in extra_ignored], dtype=np.int64)])
        ignored_where = np.concatenate([np.arange(len(ignored)),
                                        -1 - np.arange(len(extra_ignored))])
        newest = ignored_where[np.argsort(-ignored_ids, kind="stable")[:EVIDENCE_LISTED]]
        set_apart = [Ignored(self._evidence(int(ignored[at]), float(self.source._weigh(
            ignored[at: at + 1], self.now)[0])), REASONS[int(reasons[at])]) if at >= 0
            else extra_ignored[-1 - at] for at in newest.tolist()]
        not_counted = int(self.ignored.sum()) + len(self.tail_ignored) + len(extra_ignored)
        return TermEvidence(listed, set_apart, self._sentence(extra), not_counted)

    def _sentence(self, extra: list[Evidence]) -> str:
        """summarise() over every event that counts, from the groups' figures."""
        log, index = self.log, self.index
        total = int(self.found.sum()) + len(self.tail_found) + len(extra)
        if not total:
            return "nothing you did touches it yet"
        names = list(log.kind_names)
        extra_codes = []
        for evidence in extra:
            if evidence.kind not in names:
                names.append(evidence.kind)
            extra_codes.append(names.index(evidence.kind))
        tally = np.rint(np.bincount(index.pair_kind[self.groups], self.found,
                                    minlength=len(names))).astype(np.int64)
        tally += np.bincount(log.kinds[self.tail_found], minlength=len(names))
        tally += np.bincount(np.array(extra_codes, dtype=np.int64), minlength=len(names))
        # Counter.most_common's order: most first, then the kind whose strongest event is the
        # stronger (then the smallest id): weighed only where counts tie near the top.
        codes = sorted(np.flatnonzero(tally).tolist(), key=lambda code: -tally[code])
        ties = {code for place, code in enumerate(codes)
                if sum(tally[other] == tally[code] for other in codes) > 1
                and any(tally[other] == tally[code] for other in codes[:3])}
        firsts = []
        for code in codes:
            top, first_id = self._top_of_kind(code, extra, extra_codes) if code in ties \
                else (0.0, 0)
            firsts.append((-int(tally[code]), -top, first_id, code))
        ranked = [(names[code], -count) for count, _, _, code in sorted(firsts)[:3]]
        present = np.zeros(len(self.catalog), dtype=bool)  # np.unique hashes: slow here
        present[self.index.pair_item[self.groups][self.found > 0]] = True
        present[log.rows[self.tail_found]] = True
        found_rows = np.flatnonzero(present)
        subjects = self._subjects(found_rows) | {evidence.about for evidence in extra}
        earliest = min(float(self.earliest.min()) if len(self.earliest) else np.inf,
                       float(log.ts[self.tail_found].min()) if len(self.tail_found)
                       else np.inf, min((evidence.ts for evidence in extra), default=np.inf))
        return summary_sentence(ranked, subjects, float(self.now - earliest), total)

    def _top_of_kind(self, code: int, extra: list[Evidence],
                     extra_codes: list[int]) -> tuple[float, int]:
        """The strongest |weight| among the events of a kind that count, and the smallest
        id among those that weigh that."""
        candidates = [(abs(evidence.weight), evidence.event_id)
                      for evidence, of in zip(extra, extra_codes) if of == code]
        if code < len(self.log.kind_names):
            rows, weights = self.strongest(1, code)
            candidates += [(abs(float(weights[0])), int(self.log.ids[rows[0]]))] \
                if len(rows) else []
        top = max(strength for strength, _ in candidates)
        return top, min(number for strength, number in candidates if strength == top)

    def _subjects(self, rows: np.ndarray) -> set[str]:
        """What the events that count are about, as evidence_for names it."""
        catalog, subject = self.catalog, self.subject
        if not len(rows):
            return set()
        if self.creator is not None:
            return {f"@{name}" for name in catalog.creator_names_at(rows)}
        if subject["band"] is not None:
            return {band_label(subject["band"])}
        if subject["language"] is not None:
            return {str(subject["language"])}
        if subject["source"] is not None:
            return {str(subject["source"])}
        if self.topics:
            sequences = shared_sequences(rows, catalog.topic_ptr, catalog.topic_codes,
                                         [catalog.topic_index[topic] for topic in
                                          dict.fromkeys(self.topics)
                                          if topic in catalog.topic_index])
            return {", ".join(f"#{catalog.topics[code]}" for code in sequence)
                    for sequence in sequences}
        matrix = catalog.word_matrix
        sequences = shared_sequences(rows, matrix.ptr, matrix.codes,
                                     [matrix.index[word] for word in dict.fromkeys(self.words)
                                      if word in matrix.index])
        return {", ".join(f'"{matrix.words[code]}"' for code in sequence)
                for sequence in sequences}

    def _evidence(self, row: int, weight: float) -> Evidence:
        log = self.log
        item = self.catalog.item_at(int(log.rows[row]))
        value = float(log.values[row])
        return Evidence(int(log.ids[row]), float(log.ts[row]), log.kind_names[log.kinds[row]],
                        item.id, item.title, None if np.isnan(value) else value, weight,
                        self._about(item, int(log.rows[row])))

    def _about(self, item: Item, row: int) -> str:
        subject = self.subject
        if self.creator is not None:
            return f"@{item.creator}"
        if self.topics:
            return ", ".join(f"#{topic}" for topic in item.topics if topic in self.wanted)
        if self.words:
            return ", ".join(f'"{word}"' for word in self.catalog.word_matrix.words_at(row)
                             if word in self.wanted)
        if subject["band"] is not None:
            return band_label(subject["band"])
        return str(subject["language"] if subject["language"] is not None
                   else subject["source"])


class _Rows:
    """Some rows of a log, read as a log (what reason_codes reads)."""

    def __init__(self, log: LogView, rows: np.ndarray) -> None:
        self.ts, self.ids, self.undone = log.ts[rows], log.ids[rows], log.undone[rows]


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct non-negative integers among these, ascending (np.unique hashes: 0.2 s for
    half a million)."""
    if len(values) and int(values.max()) < 4 * len(values) + 65_536:
        return np.flatnonzero(np.bincount(values))
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(values) \
        else ordered


def shared_sequences(rows: np.ndarray, ptr: np.ndarray, codes: np.ndarray,
                     wanted: list[int]) -> set[tuple[int, ...]]:
    """The distinct sequences, over these rows of a sparse matrix (ptr, codes), of the
    row's codes that are wanted, in the row's order: numpy passes, not a loop a row."""
    if not wanted or not len(rows):
        return set()
    begins, ends = ptr[rows], ptr[rows + 1]
    counts = ends - begins
    entries = np.repeat(begins - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    owner = np.repeat(np.arange(len(rows)), counts)
    lookup = np.zeros(max(int(codes.max()) if len(codes) else 0, max(wanted)) + 1, np.int64)
    lookup[wanted] = np.arange(1, len(wanted) + 1)
    local = lookup[codes[entries]]
    kept = local > 0
    owner, local = owner[kept], local[kept]
    starts = np.flatnonzero(np.diff(owner, prepend=-1))
    place = np.arange(len(owner)) - np.repeat(starts, np.diff(np.append(starts, len(owner))))
    base = len(wanted) + 1
    if not len(place) or base ** (int(place.max()) + 1) >= 2 ** 62:  # too long to pack
        sequences = {tuple(local[start:end].tolist())
                     for start, end in zip(starts.tolist(), np.append(starts[1:], len(owner)))}
    else:
        packed = np.add.reduceat(local * base ** place, starts)
        sequences = set()
        for number in distinct(packed).tolist():
            digits = []
            while number:
                number, digit = divmod(number, base)
                digits.append(digit)
            sequences.add(tuple(digits))
    return {tuple(wanted[digit - 1] for digit in sequence) for sequence in sequences}


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
        names = list(log.kind_names)
        extra_codes = []
        for evidence in extra:
            if evidence.kind not in names:
                names.append(evidence.kind)
            extra_codes.append(names.index(evidence.kind))
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
