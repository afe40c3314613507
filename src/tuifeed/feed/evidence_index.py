"""An index of the log for "Why this?": what evidence_for needs of every event, made once and
kept, so that a term's evidence costs what the items it is about hold, not what the log holds.

Per logged event: its strength under the recipe, whether it can be evidence at all (an item in
the catalogue, a strength that is not 0) and why it is not learned from (REASONS' codes).
The events that can be evidence are grouped by (item, kind), in log order within a group;
each group keeps how many of its events count, how many do not, and the earliest time of
those that count. A term's sentence (the commonest kinds, the oldest, how many) then sums
the groups of the items it is about; its strongest events are found by walking the log
newest first and stopping once nothing older can be stronger (prefix maxima of strength and
time bound what is left), or, when it is about few events, by reading them all.

Events logged after the index was made are read directly (a few); the index is made again
when they grow many, or when anything that changes a strength or a reason changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tuifeed.ranking.views import SUPERSEDED_REASON

if TYPE_CHECKING:
    from tuifeed.feed.log import LogView
    from tuifeed.ranking.steering import SteeringState

# Why an event that touches the subject is not learned from, by code (0: it is).
REASONS = ("", "you undid it", "before you started over", "while learning was paused",
           SUPERSEDED_REASON)
FORGET = len(REASONS)  # every topic it shares was forgotten after it (named per event)

REBUILD_TAIL = 20_000  # events logged since the index was made, read directly, at most
DIRECT = 20_000  # a term about at most this many events reads them all
FIRST_CHUNK = 4_096  # events read newest first in chunks, doubling
BLOCK = 1_024  # rows a bound is kept for
SAFETY = 1 + 1e-9  # a bound is inflated this much: exp2's last bit must not matter


def stable_order(keys: np.ndarray) -> np.ndarray:
    """The stable argsort of non-negative integer keys, in passes of 16 bits: numpy sorts
    16-bit keys by radix, in linear time (a million keys sort 5x faster so)."""
    top = int(keys.max()) if len(keys) else 0
    order = None
    shift = 0
    while True:
        part = ((keys >> shift) & 0xFFFF).astype(np.uint16)
        if order is None:
            order = np.argsort(part, kind="stable")
        else:
            order = order[np.argsort(part[order], kind="stable")]
        shift += 16
        if top >> shift == 0:
            return order


class EvidenceIndex:
    """The first `size` events of the log, indexed (see the module's docstring)."""

    def __init__(self, rows: np.ndarray, kinds: np.ndarray, ts: np.ndarray, ids: np.ndarray,
                 strengths: np.ndarray, reasons: np.ndarray, items: int) -> None:
        self.size = len(rows)
        eligible = (rows >= 0) & (strengths != 0)
        self.eligible = eligible
        found = eligible & (reasons == 0)
        self.found = found
        chosen = np.flatnonzero(eligible)
        self.kind_count = int(kinds.max()) + 1 if len(kinds) else 1
        keys = rows[chosen] * self.kind_count + kinds[chosen]
        order = stable_order(keys)
        self.events = chosen[order]  # log rows, by item, then kind, then log order
        keys = keys[order]
        starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        starts = np.concatenate([[0], starts]) if len(keys) else starts
        self.pair_start = np.append(starts, len(keys))  # each group's events in `events`
        self.pair_key = keys[starts]
        self.pair_item, self.pair_kind = np.divmod(self.pair_key, self.kind_count)
        counts = found[self.events]
        self.pair_found = np.add.reduceat(counts, starts, dtype=np.int64) if len(starts) \
            else np.zeros(0, dtype=np.int64)
        self.pair_ignored = np.diff(self.pair_start) - self.pair_found
        earliest = np.where(counts, ts[self.events], np.inf)
        self.pair_earliest = np.minimum.reduceat(earliest, starts) if len(starts) else \
            earliest[:0]
        self.item_pairs = starts_of(self.pair_item, items)
        # Bounds on what any event up to a row can weigh: the strongest and the newest that
        # count, from the log's start to the end of that row's block of BLOCK rows.
        blocks = np.arange(0, self.size, BLOCK)
        self.strongest_before = np.maximum.accumulate(np.maximum.reduceat(
            np.where(found, np.abs(strengths), 0.0), blocks)) if self.size else np.zeros(0)
        self.newest_before = np.maximum.accumulate(np.maximum.reduceat(
            np.where(found, ts, -np.inf), blocks)) if self.size else np.zeros(0)
        # The events that do not count, newest (by id) first.
        ignored = np.flatnonzero(eligible & (reasons != 0))
        self.ignored_newest = ignored[np.argsort(-ids[ignored], kind="stable")]

    def pairs_of(self, items: np.ndarray) -> np.ndarray:
        """The groups of the items of this mask over the catalogue."""
        touched = np.flatnonzero(items[: len(self.item_pairs) - 1])
        begins, ends = self.item_pairs[touched], self.item_pairs[touched + 1]
        return _ranges(begins, ends)

    def events_of(self, pairs: np.ndarray) -> np.ndarray:
        """The log rows of these groups' events."""
        return self.events[_ranges(self.pair_start[pairs], self.pair_start[pairs + 1])]

    def pair_of(self, rows: np.ndarray, kinds: np.ndarray) -> np.ndarray:
        """The group of each (catalogue row, kind code) given, each in the index."""
        return np.searchsorted(self.pair_key, rows * self.kind_count + kinds)


def starts_of(sorted_rows: np.ndarray, size: int) -> np.ndarray:
    """Where each of the rows 0..size-1 starts in these sorted rows, and the end: what
    searchsorted(sorted_rows, arange(size + 1)) gives, by counting."""
    return np.concatenate([[0], np.cumsum(np.bincount(sorted_rows, minlength=size))])


def with_ids(ids: np.ndarray, wanted) -> np.ndarray:
    """A mask over `ids`: those in `wanted` (np.isin, through a bitmap of the ids when
    their range is not much wider than the log: isin sorts a million ids)."""
    if not isinstance(wanted, np.ndarray):
        wanted = np.fromiter(wanted, np.int64, len(wanted))
    if not len(wanted) or not len(ids):
        return np.zeros(len(ids), dtype=bool)
    low = min(int(ids.min()), int(wanted.min()))
    high = max(int(ids.max()), int(wanted.max()))
    if low < 0 or high > 4 * len(ids) + 1_000_000:
        return np.isin(ids, wanted)
    bitmap = np.zeros(high + 1, dtype=bool)
    bitmap[wanted] = True
    return bitmap[ids]


def _ranges(begins: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """begins[0]..ends[0], begins[1]..ends[1], ... as one array."""
    counts = ends - begins
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(begins - np.cumsum(counts) + counts, counts) + np.arange(total)


def strongest(weights: np.ndarray, ids: np.ndarray, count: int) -> np.ndarray:
    """Positions of the `count` strongest (largest |weight|, then smallest id), in order,
    without sorting them all."""
    strength = np.abs(weights)
    if len(strength) > count:
        threshold = np.partition(strength, len(strength) - count)[len(strength) - count]
        candidates = np.flatnonzero(strength >= threshold)  # ties at the edge all kept
    else:
        candidates = np.arange(len(strength))
    order = np.lexsort((ids[candidates], -strength[candidates]))
    return candidates[order[:count]]


def newest_strongest(index: EvidenceIndex, wanted, weigh, ids: np.ndarray, count: int,
                     bound) -> tuple[np.ndarray, np.ndarray]:
    """The `count` strongest events that count among the index's (largest |weight|, then
    smallest id) that `wanted(lo, hi)` picks (log rows in lo..hi), as (rows, weights):
    read newest first in chunks, stopping once `bound(strength, newest)` (what an event
    of at most that strength and no newer can weigh) falls below the weakest kept."""
    kept_rows = np.zeros(0, dtype=np.int64)
    kept_weights = np.zeros(0)
    end, chunk = index.size, FIRST_CHUNK
    while end > 0:
        begin = max(end - chunk, 0)
        rows = wanted(begin, end)
        if len(rows):
            kept_rows = np.concatenate([kept_rows, rows])
            kept_weights = np.concatenate([kept_weights, weigh(rows)])
            if len(kept_rows) > count:
                best = strongest(kept_weights, ids[kept_rows], count)
                kept_rows, kept_weights = kept_rows[best], kept_weights[best]
        end, chunk = begin, chunk * 2
        if end and len(kept_rows) >= count:
            weakest = float(np.abs(kept_weights).min())
            block = (end - 1) // BLOCK
            limit = bound(float(index.strongest_before[block]),
                          float(index.newest_before[block]))
            if limit * SAFETY < weakest:
                break
    return kept_rows, kept_weights


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
