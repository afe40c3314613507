"""Steering guarantees: mutes hide, reset starts over, undo restores, boosts move only their
items."""

from dataclasses import replace

import pytest

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.errors import TuifeedError
from tuifeed.ranking.words import matches


def queue_ids(feed: Feed, limit: int = 500) -> list[str]:
    feed._queue_cache = None
    return [entry.item.id for entry in feed.upcoming(limit)]


def with_history(feed: Feed, clock: VirtualClock, cards: int = 12) -> None:
    """Watch some cards fully, skip others, like a few: a viewer with a past."""
    item = feed.start()
    for number in range(cards):
        clock.advance(item.duration if number % 3 else 1.0)
        if number % 4 == 0:
            feed.toggle_like(item.id)
        item = feed.next()


@pytest.mark.parametrize(("target", "name"), [("topic", "alligators"), ("creator", "chef.kenji"),
                                             ("word", "cat")])
def test_a_mute_hides_every_matching_item_exploration_included(isolated_home, clock, target, name):
    with Feed.open(isolated_home, clock=clock, seed=3, recipe="explore") as feed:
        with_history(feed, clock)
        feed.steer("mute", target, name)
        queue = feed.upcoming(500)
        assert any(entry.explore for entry in queue)
        for entry in queue:
            item = entry.item
            text = "\n".join((item.title, item.description, " ".join(item.topics)))
            assert {"topic": name in item.topics, "creator": item.creator == name,
                    "word": matches(name, text)}[target] is False
        shown = [feed.next() for _ in range(60)]
        assert all(item.creator != name and name not in item.topics for item in shown
                   if target != "word")


def test_a_word_mute_matches_whole_words_ignoring_case():
    assert matches("cat", "My CAT judges me") and matches("cat", "cat!")
    assert not matches("cat", "Catching trout") and not matches("cat", "bobcat")


def test_reset_gives_the_queue_of_a_new_viewer_with_the_same_follows_and_mutes(tmp_path):
    clock = VirtualClock()
    with Feed.open(tmp_path / "old", clock=clock, seed=5) as feed:
        # A past made of signals (no card left on screen to be dwelt on when closing).
        for entry in feed.upcoming(20):
            feed.signal(entry.item.id, "impression")
            clock.advance(entry.item.duration)
            feed.signal(entry.item.id, "dwell", entry.item.duration)
            feed.signal(entry.item.id, "like")
        followed = entry.item.id
        feed.toggle_follow(followed)
        feed.steer("mute", "topic", "cooking")
        feed.steer("boost", "topic", "space", 2)
        feed.steer("reset")
    with Feed.open(tmp_path / "old", clock=clock, seed=5) as feed:
        after_reset = [(e.item.id, e.score) for e in feed.upcoming(50)]
        assert feed.state.followed and not feed.state.seen and not feed.steering.boosts
    fresh_clock = VirtualClock()
    with Feed.open(tmp_path / "new", clock=fresh_clock, seed=5) as feed:
        fresh_clock.advance(clock.now() - fresh_clock.now())
        feed.signal(followed, "follow")
        feed.steer("mute", "topic", "cooking")
        # A follow is not a view: the fresh viewer has seen nothing either.
        assert [(e.item.id, e.score) for e in feed.upcoming(50)] == after_reset


@pytest.mark.parametrize("action", [("boost", "topic", "cats", 2), ("boost", "creator",
                                    "gatorgrace", -2), ("mute", "topic", "space", None),
                                    ("forget", "topic", "birds", None), ("pause", "", "", None),
                                    ("reset", "", "", None)])
def test_undo_restores_the_exact_previous_queue(isolated_home, clock, action):
    with Feed.open(isolated_home, clock=clock, seed=2) as feed:
        with_history(feed, clock)
        feed.steer("boost", "topic", "music", 1)
        before = [(e.item.id, e.score, e.contributions) for e in feed.upcoming(100)]
        feed.steer(*action)
        changed = [(e.item.id, e.score, e.contributions) for e in feed.upcoming(100)]
        feed.undo_steering()
        assert [(e.item.id, e.score, e.contributions) for e in feed.upcoming(100)] == before
        if action[0] not in ("pause",):
            assert changed != before
        feed.undo_steering()  # undo again: the music boost goes too
        assert not feed.steering.boosts
        with pytest.raises(TuifeedError, match="nothing to undo"):
            feed.undo_steering()


def test_boost_moves_its_items_up_and_keeps_the_order_of_the_others(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock, seed=1) as feed:
        with_history(feed, clock)
        # Diversity and exploration off: the guarantee is about the scored order itself.
        feed.recipe = replace(feed.recipe, exploration={},
                              terms={**feed.recipe.terms, "diversity_window": 0})
        feed._relearn()
        before = feed.upcoming(500)
        feed.steer("boost", "topic", "alligators", 2)
        after = feed.upcoming(500)
        rank_before = {e.item.id: e.rank for e in before}
        boosted = [e for e in after if "alligators" in e.item.topics]
        assert boosted and all(e.rank < rank_before[e.item.id] for e in boosted
                               if rank_before[e.item.id] > len(boosted))
        others_before = [e.item.id for e in before if "alligators" not in e.item.topics]
        others_after = [e.item.id for e in after if "alligators" not in e.item.topics]
        assert others_after == others_before


def test_forget_clears_a_topic_but_keeps_the_history(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        topic = item.topics[0]
        clock.advance(item.duration)
        feed.toggle_like(item.id)
        learned = {i.name: i for i in feed.profile() if i.kind == "topic"}
        assert learned[topic].total > 0
        events = len(feed.events)
        feed.steer("forget", "topic", topic)
        forgotten = {i.name: i for i in feed.profile() if i.kind == "topic"}
        assert topic not in forgotten
        assert len(feed.events) == events
        creator = {i.name: i for i in feed.profile() if i.kind == "creator"}
        assert creator[item.creator].total > 0  # the creator keeps what it learned


def test_pause_records_events_but_learns_nothing_until_resume(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.start()
        feed.steer("pause")
        profile = feed.profile()
        learned = {e.item.id: (e.contributions["topic"], e.contributions["creator"])
                   for e in feed.upcoming(50)}
        liked = feed.upcoming(1)[0].item
        feed.signal(liked.id, "like")
        assert feed.profile() == profile
        assert liked.id in feed.state.seen  # recorded and seen all the same
        # Nothing was learned: every item's taste terms are what they were.
        feed._queue_cache = None
        for entry in feed.upcoming(49):
            if entry.item.id in learned:
                assert (entry.contributions["topic"], entry.contributions["creator"]) == \
                    learned[entry.item.id]
        feed.steer("resume")
        other = feed.upcoming(1)[0].item
        feed.signal(other.id, "like")
        assert feed.profile() != profile
        feed.flush()
        kinds = [row[0] for row in feed.store.connection.execute("SELECT kind FROM events")]
        assert kinds.count("like") == 2


@pytest.mark.parametrize(("args", "message"), [
    (("boost", "topic", "aligators", 1), "unknown topic 'aligators'; did you mean alligators?"),
    (("boost", "creator", "gatorgirl", 1), "unknown creator 'gatorgirl'; did you mean"),
    (("unmute", "topic", "aligators", None),
     "unknown topic 'aligators'; did you mean alligators?"),
    (("forget", "topic", "gatorgirl", None), "unknown topic 'gatorgirl'"),
    (("mute", "word", "!! 42 ??", None), "mute word needs letters"),
    (("boost", "topic", "#", 1), "nothing to match"),
    (("boost", "topic", "cats", 3), "from -2 to +2"),
    (("boost", "topic", "cats", "lots"), "needs an amount"),
    (("mute", "word", "", None), "needs a name"),
    (("forget", "creator", "gatorgrace", None), "forget takes topic"),
    (("shout", "", "", None), "unknown steering action"),
])
def test_bad_steering_is_refused_and_nothing_changes(isolated_home, clock, args, message):
    with Feed.open(isolated_home, clock=clock) as feed:
        with pytest.raises(TuifeedError, match=message.replace("?", r"\?").replace("+", r"\+")):
            feed.steer(*args)
        assert feed.steering_log == []


def test_names_are_matched_ignoring_case_and_marks(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        assert feed.steer("boost", "topic", "#Alligators", 1).name == "alligators"
        assert feed.steer("mute", "creator", "@GatorGrace").name == "gatorgrace"


def test_reset_keeps_follows_in_the_state_and_the_table(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        feed.toggle_follow(item.id)
        feed.steer("reset")
        feed.flush()
        creator = f"demo:{item.creator}"
        assert feed.state.followed == {creator} == feed.store.follows()
    with Feed.open(isolated_home, clock=clock) as feed:
        assert feed.state.followed == {creator} == feed.store.follows()


def test_undoing_a_follow_from_before_a_reset_unfollows(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        follow = feed.toggle_follow(item.id)
        feed.steer("reset")
        feed.undo_event(follow.id)  # follows are their own state: the reset does not hide them
        feed.flush()
        assert feed.state.followed == set() == feed.store.follows()
    with Feed.open(isolated_home, clock=clock) as feed:
        assert feed.state.followed == set() == feed.store.follows()


def test_an_undone_unfollow_after_a_reset_follows_again(isolated_home, clock):
    with Feed.open(isolated_home, clock=clock) as feed:
        item = feed.start()
        feed.toggle_follow(item.id)
        feed.steer("reset")
        unfollow = feed.toggle_follow(item.id)
        feed.flush()
        assert feed.store.follows() == set()
        feed.undo_event(unfollow.id)
        feed.flush()
        assert feed.state.followed == {f"demo:{item.creator}"} == feed.store.follows()
