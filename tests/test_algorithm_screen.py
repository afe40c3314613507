"""My algorithm's "Steering in force": what is in force (as `tuifeed steer show` has it), not
the latest entries of the log."""

from textual.widgets import DataTable, Static

from tuifeed import Feed
from tuifeed.ranking.steering import subject_text
from tuifeed.textreport import steering_text
from tuifeed.tui import make_app
from tuifeed.tui.screens.algorithm import STEERING_LINES, AlgorithmScreen

from test_tui import rendered_text


def shown_lines(screen: AlgorithmScreen) -> list[str]:
    """The list under "Steering in force", one entry a line, as the viewer reads it."""
    text = rendered_text(screen.query_one("#steering-state", Static).content)
    title, *lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert title.startswith("Steering in force")
    return lines


def expected_lines(feed: Feed) -> list[str]:
    """What feed.steering says is in force, written out independently of the screen."""
    steering = feed.steering
    lines = []
    if steering.paused_since is not None:
        lines.append("learning paused just now")
    if steering.reset_at is not None:
        lines.append("started over just now")
    subjects = sorted({*steering.boosts, *steering.mutes,
                       *(("topic", topic) for topic in steering.forgotten)})
    for target, name in subjects:
        holds = []
        if (target, name) in steering.boosts:
            holds.append(f"boost {steering.boosts[(target, name)]:+g}")
        if (target, name) in steering.mutes:
            holds.append("muted")
        if target == "topic" and name in steering.forgotten:
            holds.append("forgotten just now")
        lines.append(f"{subject_text(target, name)}: {', '.join(holds)}")
    return lines or ["none: the recipe alone decides"]


async def select(pilot, screen: AlgorithmScreen, row: tuple[str, str]) -> None:
    screen.query_one("#interests", DataTable).move_cursor(row=screen._rows.index(row))
    await pilot.pause()


async def test_the_list_is_what_is_in_force_after_boosts_a_reset_and_a_mute_with_a_forget(
        isolated_home, clock):
    app = make_app(Feed.open(isolated_home, clock=clock, seed=1), headless=True,
                   tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        boosted, muted = feed.catalog.topics[0], feed.catalog.topics[1]
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, AlgorithmScreen)
        assert shown_lines(screen) == ["none: the recipe alone decides"]

        await select(pilot, screen, ("topic", boosted))
        await pilot.press("plus", "plus")  # +0.5, then +1
        assert feed.steering.boosts == {("topic", boosted): 1.0}
        assert shown_lines(screen) == [f"#{boosted}: boost +1"] == expected_lines(feed)
        await pilot.press("plus", "plus")  # +1.5, then +2: four boosts in the log, one in force
        assert len(feed.steering_log) == 4
        assert shown_lines(screen) == [f"#{boosted}: boost +2"] == expected_lines(feed)

        await pilot.press("R", "y")  # start over, once confirmed: the boost ends
        assert feed.steering.reset_at is not None and not feed.steering.boosts
        assert shown_lines(screen) == ["started over just now"] == expected_lines(feed)

        await select(pilot, screen, ("topic", muted))
        await pilot.press("m", "f")
        assert feed.steering.mutes == {("topic", muted)} and muted in feed.steering.forgotten
        lines = shown_lines(screen)
        assert lines == expected_lines(feed) == [
            "started over just now", f"#{muted}: muted, forgotten just now"]
        assert not any("boost" in line for line in lines)
        # The same instructions `tuifeed steer show` reports, and nothing else.
        report = steering_text(feed.steering, feed.steering_log).split("Log (")[0]
        assert f"mute topic {muted}" in report and f"forgot #{muted}" in report
        assert "started over" in report and "boost" not in report

        await pilot.press("u")  # undo the forget: the topic stays muted, on its own line still
        assert shown_lines(screen) == expected_lines(feed) == [
            "started over just now", f"#{muted}: muted"]


async def test_a_long_list_ends_with_a_pointer_to_steer_show(isolated_home, clock):
    app = make_app(Feed.open(isolated_home, clock=clock, seed=1), headless=True,
                   tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        for topic in feed.catalog.topics[:STEERING_LINES + 2]:
            feed.steer("mute", "topic", topic)
        feed.steer("pause")
        await pilot.press("a")
        lines = shown_lines(app.screen)
        assert len(lines) == STEERING_LINES
        assert lines[0] == "learning paused just now"  # the whole feed's state comes first
        assert lines[:-1] == expected_lines(feed)[:STEERING_LINES - 1]
        assert lines[-1] == "and 4 more: tuifeed steer show lists all"
