"""One term's evidence read through the log's index (feed/evidence_index.py): the figures of
its sentence summed over the (item, kind) groups of the items it is about, its strongest events
found by a walk newest first that stops once nothing older can weigh more, its newest events
not counted, and what they are about named without a loop over the items."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tuifeed.feed.evidence_index import (DIRECT, FIRST_CHUNK, REASONS, newest_strongest,
                                         reason_codes, strongest)
from tuifeed.feed.log import LogView
from tuifeed.models import Item
from tuifeed.ranking.catalog import band_label
from tuifeed.ranking.explain import (EVIDENCE_LISTED, Evidence, Ignored, TermEvidence,
                                    summary_sentence)

if TYPE_CHECKING:
    from tuifeed.feed.evidence import ColumnEvidence


class IndexedTerm:
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
        names, extra_codes = log.kinds_with([evidence.kind for evidence in extra])
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
