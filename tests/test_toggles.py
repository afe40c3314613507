"""Every toggle takes itself back, and the card shows what holds for it (Pilot, real SQLite)."""

from textual.widgets import Static

from tuifeed import Feed
from tuifeed.tui import make_app
from tuifeed.tui.widgets.card import VideoCard

from conftest import event_counts


def open_app(home, clock):
    return make_app(Feed.open(home, clock=clock, seed=1), headless=True, tick_seconds=None)


def badges(app) -> str:
    return str(app.query_one(VideoCard).query_one("#badges", Static).content)


def byline(app) -> str:
    return str(app.query_one(VideoCard).query_one("#byline", Static).content)


async def test_not_interested_goes_on_and_x_on_that_card_takes_it_back(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        feed = app.feed
        disliked = feed.current
        clock.advance(5)
        await pilot.press("x")
        assert feed.current != disliked  # not interested moves on
        clock.advance(5)
        await pilot.press("k")
        assert feed.current == disliked
        assert "not interested" in badges(app)
        await pilot.press("x")  # on a card marked so: taken back, and it stays on screen
        assert feed.current == disliked
        assert "not interested" not in badges(app)
        assert disliked.id not in feed.state.disliked
        await pilot.press("q")
    counts = event_counts(isolated_home / "tuifeed.db")
    assert counts["dislike"] == 1 and counts["undislike"] == 1


async def test_save_like_and_follow_each_toggle_with_a_visible_state(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        creator = app.feed.current.creator
        await pilot.press("s")
        assert "saved" in badges(app)
        await pilot.press("s")
        assert "saved" not in badges(app)
        await pilot.press("l")
        assert "liked" in badges(app)
        await pilot.press("l")
        assert "liked" not in badges(app)
        await pilot.press("f")
        assert "following" in byline(app) and creator in byline(app)
        await pilot.press("f")
        assert "following" not in byline(app)
        await pilot.press("q")
    counts = event_counts(isolated_home / "tuifeed.db")
    assert counts["save"] == counts["unsave"] == 1
    assert counts["like"] == counts["unlike"] == 1
    assert counts["follow"] == counts["unfollow"] == 1


async def test_going_back_fast_records_a_dwell_and_no_skip(isolated_home, clock):
    """The README's key table: `k` records the dwell on the card left, never a skip."""
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(6)
        await pilot.press("j")
        left = app.feed.current
        clock.advance(0.5)
        await pilot.press("k")  # left after half a second, going back
        clock.advance(6)
        await pilot.press("q")
    with Feed.open(isolated_home, clock=clock) as reopened:
        about_left = [event.kind for event in reopened.store.events()
                      if event.item_id == left.id]
    assert about_left == ["impression", "dwell"]


async def test_moving_on_fast_still_records_a_skip(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        clock.advance(6)
        await pilot.press("j")
        left = app.feed.current
        clock.advance(0.5)
        await pilot.press("j")
        await pilot.press("q")
    with Feed.open(isolated_home, clock=clock) as reopened:
        about_left = [event.kind for event in reopened.store.events()
                      if event.item_id == left.id]
    assert about_left == ["impression", "dwell", "skip"]
