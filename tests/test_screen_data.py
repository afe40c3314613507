"""My algorithm's data at a million events: the summary's "a day ago" learns the topics and
creators only, to the bit what the whole model learned up to then gives."""

from __future__ import annotations

import numpy as np

from tuifeed.ranking.profile import interests

DAY = 86_400.0


def test_the_profile_a_day_ago_is_the_whole_model_s(feed, clock):
    queue = [entry.item.id for entry in feed.upcoming(10)]
    for step in range(40):
        item_id = queue[step % len(queue)]
        if step == 5:
            feed.signal(item_id, "watch", 0.7)  # the dwell of this view then does not count
        feed.signal(item_id, "dwell", 2.0 + step % 9)
        if step % 4 == 0:
            feed.signal(item_id, "like")
        if step == 7:
            feed.signal(item_id, "follow")
        if step == 10:
            feed.steer("pause")
        if step == 14:
            feed.steer("resume")
        if step == 20:
            feed.steer("forget", "topic", feed.item(item_id).topics[0])
        if step == 25:
            feed.undo_event(feed.history(kind="like", limit=1)[0].event.id)
        clock.advance(3_600 * (1 + step % 5))
    assert feed.views.superseded and feed.undone_events
    moment = clock.now() - DAY
    whole, profile = feed.learned_model(until=moment), feed._model_until(moment)
    assert profile.anchor == whole.anchor
    for family in ("topic", "creator"):
        for part in ("short", "long", "support"):
            name = f"{family}_{part}"
            assert np.array_equal(getattr(profile, name), getattr(whole, name)), name
    assert np.array_equal(profile.creator_impressions, whole.creator_impressions)
    assert interests(profile, moment) == interests(whole, moment)
    assert any(interest.total for interest in interests(profile, moment))
    assert not profile.word_support.any()  # left out: the words are most of a rebuild


def test_the_profile_a_day_ago_is_kept_until_it_would_change(feed, clock):
    """Kept between calls while nothing it learns from changes; learned again once events
    come, the day moves past more of them, or the steering changes."""
    item_ids = [entry.item.id for entry in feed.upcoming(4)]

    def fresh(moment):
        return feed.learned_model(until=moment).topic_long

    for step in range(12):
        feed.signal(item_ids[step % 4], "like")
        clock.advance(7_200)
    moment = clock.now() - DAY
    kept = feed._model_until(moment)
    assert feed._model_until(moment) is kept
    changes = [lambda: feed.signal(item_ids[0], "dwell", 4.0),  # one more event
               lambda: clock.advance(4 * 7_200),  # more of them a day old
               lambda: feed.steer("forget", "topic", feed.item(item_ids[1]).topics[0])]
    for change in changes:
        change()
        moment = clock.now() - DAY
        again = feed._model_until(moment)
        assert again is not kept and np.array_equal(again.topic_long, fresh(moment))
        kept = again


def test_the_cards_counted_are_the_events_that_exist_for_the_ranker(feed, clock):
    """The impressions and skips the summary and the diversity meter count: not undone, not
    before a start-over, of an item in the catalogue, in log order."""
    queue = [entry.item.id for entry in feed.upcoming(8)]
    for step in range(24):
        item_id = queue[step % len(queue)]
        feed.signal(item_id, "impression")
        if step % 3 == 0:
            feed.signal(item_id, "skip")
        if step == 9:
            feed.steer("reset")
        if step == 15:
            feed.undo_event(feed.history(kind="skip", limit=1)[0].event.id)
        clock.advance(60)
    for kind in ("impression", "skip", "share"):
        expected = [feed.catalog.index[event.item_id] for event in feed.events
                    if event.kind == kind and feed.steering.counts(event)]
        assert feed._counted_rows(kind).tolist() == expected, kind
    assert 0 < len(feed._counted_rows("skip")) < 8
