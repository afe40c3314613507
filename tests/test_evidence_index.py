"""Why this? read through the log's index (feed/evidence_index.py) tells exactly what
evidence_for tells from the events themselves: the strongest events found by walking the log
newest first and stopping early, the newest not counted, the sentence summed from the groups
of (item, kind), events logged after the index was made, and a cut at an event id."""

from __future__ import annotations

import numpy as np
import pytest

import tuifeed.feed.evidence as evidence_module
import tuifeed.feed.evidence_index as index_module
import tuifeed.feed.term_evidence as term_module
from tuifeed.feed.evidence import ColumnEvidence, LogStrengths
from tuifeed.feed.term_evidence import distinct, shared_sequences
from tuifeed.feed.evidence_index import stable_order, starts_of, with_ids
from tuifeed.ranking.explain import evidence_for, learned_subject, summarise

LISTED = 4  # events listed a term, small so that most terms have more than that


@pytest.fixture
def small_index(monkeypatch):
    """Thresholds so small that a log of a few hundred events takes every path: the walk
    newest first in chunks (and its early stop), bounds kept per block, direct reading, and
    a tail of events read apart."""
    monkeypatch.setattr(evidence_module, "EVIDENCE_LISTED", LISTED)
    monkeypatch.setattr(term_module, "EVIDENCE_LISTED", LISTED)
    monkeypatch.setattr(evidence_module, "DIRECT", 3)
    monkeypatch.setattr(term_module, "DIRECT", 3)
    monkeypatch.setattr(term_module, "FIRST_CHUNK", 2)
    monkeypatch.setattr(index_module, "FIRST_CHUNK", 2)
    monkeypatch.setattr(index_module, "BLOCK", 5)
    monkeypatch.setattr(evidence_module, "REBUILD_TAIL", 40)


def test_the_index_helpers_give_what_numpy_gives():
    generator = np.random.default_rng(3)
    for high in (5, 70_000, 2**33):
        keys = generator.integers(0, high, 5_000)
        assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))
        assert np.array_equal(distinct(keys), np.unique(keys))
    rows = np.sort(generator.integers(0, 50, 400))
    assert np.array_equal(starts_of(rows, 60), np.searchsorted(rows, np.arange(61)))
    ids = generator.permutation(10_000)[:3_000]
    for wanted in ({5, 17, 2_999, 123_456}, set(), {-4, 17}):
        assert np.array_equal(with_ids(ids, wanted), np.isin(ids, list(wanted)))
    # Each row's wanted codes, in the row's order: distinct sequences.
    ptr = np.array([0, 3, 5, 5, 9, 12])
    codes = np.array([4, 1, 7, 1, 4, 2, 7, 9, 1, 7, 4, 1])
    expected = {tuple(code for code in codes[ptr[row]:ptr[row + 1]] if code in (1, 4, 7))
                for row in (0, 1, 3, 4)}
    assert shared_sequences(np.array([0, 1, 3, 4]), ptr, codes, [7, 1, 4]) == expected - {()}


def _play(feed, clock, steps: int) -> None:
    """Watching, lingering, liking, following, a pause, a start-over and an undo."""
    queue = [entry.item.id for entry in feed.upcoming(12)]
    for step in range(steps):
        item_id = queue[step % len(queue)]
        feed.signal(item_id, "impression")
        feed.signal(item_id, "dwell", 1.0 + (step * 7) % 40)
        if step % 3 == 0:
            feed.signal(item_id, "like")
        if step % 5 == 1:
            feed.signal(item_id, "skip")
        if step % 11 == 4:
            feed.signal(item_id, "watch", 0.8)
        if step % 13 == 6:
            feed.signal(item_id, "save")
        if step == 9:
            feed.signal(item_id, "follow")
        if step == 12:
            feed.steer("pause")
        if step == 15:
            feed.steer("resume")
        if step == 18:
            feed.undo_event(feed.history(kind="like", limit=1)[0].event.id)
        clock.advance(37 + step)


def _check(feed, clock, columns: ColumnEvidence, upto: int | None = None,
           extra=()) -> int:
    """Every learned term of a few items, against evidence_for over the events."""
    events = [event for event in feed.events if upto is None or event.id <= upto]
    undone = [event for event in feed.undone_events if upto is None or event.id <= upto]
    superseded = feed._superseded([*feed.events, *extra])
    now = clock.now()
    compared = 0
    for entry in feed.upcoming(6):
        row = feed.catalog.index[entry.item.id]
        for term in ("topic", "creator", "length", "source", "words", "language"):
            subject = learned_subject(term, row, entry.item, feed.catalog)
            if subject is None:
                continue
            found, ignored = evidence_for([*events, *extra], feed.catalog, feed.model,
                                          feed.recipe, now, steering=feed.steering,
                                          undone=undone, superseded=superseded, **subject)
            told = columns(now, **subject)
            assert told.sentence == summarise(found, now), (term, subject)
            assert told.not_counted == len(ignored), (term, subject)
            assert [(e.event_id, e.about, e.kind) for e in told.found] == \
                [(e.event_id, e.about, e.kind) for e in found[:LISTED]], (term, subject)
            assert [e.weight for e in told.found] == pytest.approx(
                [e.weight for e in found[:LISTED]], rel=1e-12, abs=1e-15)
            assert [(e.evidence.event_id, e.evidence.about, e.reason) for e in told.ignored] \
                == [(e.evidence.event_id, e.evidence.about, e.reason)
                    for e in ignored[:LISTED]], (term, subject)
            compared += len(found) + len(ignored)
    return compared


def test_evidence_through_the_index_is_evidence_for_s(feed, clock, small_index):
    _play(feed, clock, 30)
    kept = LogStrengths()

    def columns(strengths=kept, **options) -> ColumnEvidence:
        return ColumnEvidence(feed.log_columns().columns(), feed.catalog, feed.model,
                              feed.recipe, feed.steering, set(feed.views.superseded),
                              strengths=strengths, **options)

    assert _check(feed, clock, columns()) > 300
    made = kept._index[1]
    # Events logged since: read apart, the index kept.
    _play(feed, clock, 4)
    assert _check(feed, clock, columns()) > 300
    assert kept._index[1] is made and made.size < len(feed.log_columns())
    # A cut at an event id (what the card on screen is explained with): near the end (the
    # few events after it counted apart from their groups), and mid-log (read one by one).
    ids = np.sort(feed.log_columns().columns().ids)
    for cut in (int(ids[-3]), int(ids[-5]), int(np.median(ids))):
        for strengths in (kept, LogStrengths()):  # after the tail, and in the index
            assert _check(feed, clock, columns(strengths, upto_id=cut), upto=cut) > 100
    # The card being left now: its dwell and fast skip are evidence too.
    feed.start()
    leaving = feed._leaving_events()
    superseded = set(feed.views.superseded) | feed._superseded(leaving)
    with_leaving = ColumnEvidence(feed.log_columns().columns(), feed.catalog, feed.model,
                                  feed.recipe, feed.steering, superseded, extra=leaving,
                                  strengths=kept)
    assert _check(feed, clock, with_leaving, extra=leaving) > 300
    # Many more events: the index is made again.
    _play(feed, clock, 12)
    assert _check(feed, clock, columns()) > 300
    assert kept._index[1] is not made


def test_a_forgotten_topic_and_a_start_over_through_the_index(feed, clock, small_index):
    """A forget is read event by event for the topic terms it touches; a start-over sets
    apart everything before it (the newest of those listed, all counted)."""
    _play(feed, clock, 16)
    topic = feed.upcoming(1)[0].item.topics[0]
    feed.steer("forget", "topic", topic)
    feed.steer("reset")
    _play(feed, clock, 10)
    columns = ColumnEvidence(feed.log_columns().columns(), feed.catalog, feed.model,
                             feed.recipe, feed.steering, set(feed.views.superseded))
    assert _check(feed, clock, columns) > 300
