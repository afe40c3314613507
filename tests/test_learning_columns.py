"""The log read as columns teaches exactly what the plain reading teaches (hypothesis).

The plain reading is the one Feed used before: every event an object (Store.events()), then
ViewTracker.add, ViewerState.apply and InterestModel.rebuild one event at a time. The
columns (store/event_table.py, feed/learning.py) must give the same times, the same
superseded dwells, the same viewer state and the same model, to the last bit.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock, iso_utc
from tuifeed.feed import learning
from tuifeed.feed.log import LogColumns
from tuifeed.feed.state import ViewerState
from tuifeed.models import FOLLOW_KINDS, Item, SteeringAction
from tuifeed.ranking import InterestModel, load_recipe
from tuifeed.ranking.interests import FAMILIES
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import superseded_dwells
from tuifeed.signals import KINDS
from tuifeed.store.database import Store
from tuifeed.store.writer import INSERT_EVENT

TOPICS = ["alligators", "cooking", "cats", "space"]
# Times: ordinary ones, whole seconds, the last microsecond of a second, a leap day, and
# times in the first hours of 1970 (read by SQLite itself, see event_table.EXACT_FROM).
MOMENTS = st.one_of(
    st.floats(VIRTUAL_EPOCH - 400 * 86400, VIRTUAL_EPOCH),
    st.integers(1_500_000_000, 1_800_000_000).map(float),
    st.integers(1_500_000_000, 1_800_000_000).map(lambda s: s + 0.999999),
    st.just(951_782_400.5),  # 2000-02-29T00:00:00.5Z
    st.floats(0, 100_000),
)
EVENTS = st.lists(st.tuples(
    st.integers(0, 9),  # item; 8 and 9 are not in the catalogue
    st.sampled_from(sorted(KINDS)),
    st.floats(0, 400),  # value for a dwell (seconds), a watch (fraction times 100)
    MOMENTS,
    st.integers(0, 2),  # session
    st.booleans(),  # undone
), max_size=40)
STEERING = st.lists(st.tuples(st.sampled_from(["reset", "pause", "resume", "forget"]),
                              MOMENTS, st.sampled_from(TOPICS)), max_size=4)


def catalogue() -> list[Item]:
    return [Item(id=f"p:{number}", title=f"swamp orbit {number}", creator=f"c{number % 3}",
                 topics=(TOPICS[number % 4], TOPICS[(number + 1) % 4]), description="",
                 duration=float(10 + 20 * number), published=VIRTUAL_EPOCH - 86400,
                 views=100, likes=5) for number in range(8)]


def write_log(home: Path, events) -> None:
    Feed.open(home, clock=VirtualClock(), seed=0, catalogue=catalogue()).close()
    rows, undos = [], []
    for number, (item, kind, value, moment, session, undone) in enumerate(events, start=1):
        item_id = f"p:{item}" if item < 8 else f"gone:{item}"
        number_value = None if KINDS[kind] is None else (
            value / 100 if kind == "watch" else value)
        rows.append((number * 3, iso_utc(moment), item_id, kind, number_value, f"s{session}"))
        if undone:
            undos.append((number * 3, iso_utc(moment)))
    with sqlite3.connect(home / "tuifeed.db") as connection:
        connection.executemany(INSERT_EVENT, rows)
        connection.executemany("INSERT INTO event_undos(event_id, ts) VALUES (?, ?)", undos)


def steering_of(shapes) -> SteeringState:
    return SteeringState.replay([
        SteeringAction(id=number, ts=moment, action=action,
                       target="topic" if action == "forget" else "",
                       name=topic if action == "forget" else "")
        for number, (action, moment, topic) in enumerate(shapes, start=1)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS, STEERING)
def test_the_columns_teach_what_the_events_teach(events, steering_shapes):
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        write_log(home, events)
        with Feed.open(home, clock=VirtualClock(), seed=0) as feed:  # its catalogue
            check_columns(feed.store, feed.catalog, steering_of(steering_shapes))


def check_columns(store: Store, catalog, steering: SteeringState) -> None:
    undone_ids = store.undone_event_ids()
    plain = store.events()
    table = store.event_table(catalog.index)
    # The reading: the same events, times to the bit.
    assert table.ids.tolist() == [event.id for event in plain]
    assert table.ts.tolist() == [event.ts for event in plain]
    assert [None if value != value else value for value in table.values.tolist()] == \
        [event.value for event in plain]
    assert [table.kind_names[code] for code in table.kinds] == [event.kind for event in plain]
    assert [table.session_names[code] for code in table.sessions] == \
        [event.session_id for event in plain]
    assert table.undone.tolist() == [event.id in undone_ids for event in plain]
    log = LogColumns(table, catalog)
    assert [log.item_id_at(row) for row in range(len(plain))] == \
        [event.item_id for event in plain]
    counted = [event for event in plain if event.id not in undone_ids]
    columns = log.columns()

    # The views: the same superseded dwells, the same plays still open.
    tracker = learning.views(columns, log.item_id_at)
    reference = superseded_dwells(counted)
    assert tracker.superseded == reference.superseded
    assert tracker._watched == reference._watched

    # The viewer state.
    state = ViewerState()
    for event in counted:
        if event.item_id in catalog.index and (event.kind in FOLLOW_KINDS
                                               or steering.counts(event)):
            state.apply(event, catalog.item(event.item_id))
    learned = learning.viewer_state(columns, steering, catalog)
    assert learned == state
    assert_seen_mask(learned, catalog)

    # The model, for two recipes: every array equal to the bit.
    def teaches(event) -> bool:
        return steering.learns_from(event) and not (
            event.kind == "dwell" and event.id in reference.superseded)

    mask = learning.teaching(columns, steering, tracker.superseded)
    assert columns.ids[mask].tolist() == [event.id for event in counted if teaches(event)]
    for name in ("for-you", "explore"):
        recipe = load_recipe(name)
        expected = InterestModel(catalog, recipe)
        expected.rebuild([event for event in counted if teaches(event)], steering.forgotten)
        model = learning.learned_model(catalog, recipe, columns, mask, steering.forgotten)
        assert model.anchor == expected.anchor
        for family in FAMILIES:
            for part in ("short", "long", "support"):
                attribute = f"{family}_{part}"
                assert np.array_equal(getattr(model, attribute), getattr(expected, attribute))
        assert np.array_equal(model.creator_impressions, expected.creator_impressions)


def test_a_session_reopened_has_the_queue_and_the_state_it_left(tmp_path):
    """Learning from the columns at start gives what the session learned one event at a
    time: the same state, the same queue, the same undo."""
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, seed=3) as feed:
        feed.start()
        for step in range(30):
            clock.advance(1.5 + step % 7)
            item = feed.current
            if step % 5 == 0:
                feed.toggle_like(item.id)
            if step % 7 == 0:
                feed.signal(item.id, "play")
                feed.signal(item.id, "watch", 0.8)
            if step % 11 == 0:
                feed.toggle_follow(item.id)
            feed.next()
        liked = feed.toggle_like(feed.current.id)
        feed.undo_event(liked.id)
        feed.position = -1  # no card on screen: nothing more is recorded, at close either
        queue = [entry.item.id for entry in feed.upcoming(10)]
        state = (feed.state.seen, feed.state.liked, feed.state.followed, feed.state.shown,
                 feed.state.impressions)
        superseded = feed.views.superseded
        assert_seen_mask(feed.state, feed.catalog)
    with Feed.open(tmp_path, clock=clock, seed=3) as again:
        assert (again.state.seen, again.state.liked, again.state.followed, again.state.shown,
                again.state.impressions) == state
        assert again.views.superseded == superseded and superseded
        assert [event.id for event in again.undone_events] == [liked.id]
        assert [entry.item.id for entry in again.upcoming(10)] == queue


def assert_seen_mask(state: ViewerState, catalog) -> None:
    """The mask kept up to date is the set of items seen, row for row."""
    expected = np.zeros(len(catalog), dtype=bool)
    expected[[catalog.index[item_id] for item_id in state.seen]] = True
    assert np.array_equal(state.seen_mask(catalog.index, len(catalog)), expected)


VIEW_EVENTS = st.lists(st.tuples(
    st.sampled_from(["dwell", "play", "watch", "impression", "like"]),
    st.integers(0, 1),  # session
    st.sampled_from([0, 1, 2, -1, -2, 2_000_000_000]),  # catalogue rows; < 0 not in it
), max_size=60)


@settings(max_examples=300, deadline=None)
@given(VIEW_EVENTS)
def test_the_views_in_columns_are_the_views_event_by_event(shapes):
    """Many events over few sessions and items (a dwell and a play of another item in one
    view, items not in the catalogue, a row near the top of the range): the columns' rule
    names the very dwells, and the very items watched since the last dwell, that the tracker
    fed one event at a time does."""
    from tuifeed.models import Event
    from tuifeed.ranking.views import superseded_dwells, tracker_of_columns

    events = [Event(id=number, ts=float(number), item_id=f"i{item}", kind=kind,
                    session_id=f"s{session}")
              for number, (kind, session, item) in enumerate(shapes, start=1)]
    reference = superseded_dwells(events)
    tracker = tracker_of_columns(
        np.array([event.id for event in events], np.int64),
        np.array([kind == "dwell" for kind, _, _ in shapes], bool),
        np.array([kind in ("play", "watch") for kind, _, _ in shapes], bool),
        np.array([session for _, session, _ in shapes], np.int32),
        np.array([item for _, _, item in shapes], np.int64),
        lambda code: f"s{code}", lambda position: events[position].item_id)
    assert tracker.superseded == reference.superseded
    assert tracker._watched == reference._watched
