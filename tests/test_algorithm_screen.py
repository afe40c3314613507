"""My algorithm: "Steering in force" is what is in force (as `tuifeed steer show` has it, with
how many items each mute hides), not the latest entries of the log; the summary in words opens
the screen; the selected interest shows what it brings next and what a boost would do; a mute
shows what it hides, and v shows the best of it once. At 80x24 and at 120x40."""

import re

import pytest
from textual.widgets import DataTable, Static

from tuifeed import Feed
from tuifeed.ranking.steering import subject_text
from tuifeed.ranking.words import matches
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


def hidden_count(feed: Feed, target: str, name: str) -> int:
    """How many items a mute hides, from the items themselves (not from the feed's masks)."""
    items = list(feed.catalog.items)
    if target == "topic":
        return sum(name in item.topics for item in items)
    if target == "creator":
        return sum(item.creator == name for item in items)
    return sum(matches(name, f"{item.title}\n{item.description}\n{' '.join(item.topics)}")
               for item in items)


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
            holds.append(f"muted, hides {hidden_count(feed, target, name)}")
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
        hides = hidden_count(feed, "topic", muted)
        assert lines == expected_lines(feed) == [
            "started over just now", f"#{muted}: muted, hides {hides}, forgotten just now"]
        assert not any("boost" in line for line in lines)
        # The same instructions `tuifeed steer show` reports, and nothing else.
        report = steering_text(feed.steering, feed.steering_log).split("Log (")[0]
        assert f"mute topic {muted}" in report and f"forgot #{muted}" in report
        assert "started over" in report and "boost" not in report

        await pilot.press("u")  # undo the forget: the topic stays muted, on its own line still
        assert shown_lines(screen) == expected_lines(feed) == [
            "started over just now", f"#{muted}: muted, hides {hides}"]


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


SIZES = [(80, 24), (120, 40)]


def screen_text(screen: AlgorithmScreen, widget: str) -> list[str]:
    return [line.rstrip() for line in rendered_text(
        screen.query_one(widget, Static).content).splitlines() if line.strip()]


def lived(isolated_home, clock) -> Feed:
    """A viewer with a past (the screen has interests to show)."""
    feed = Feed.open(isolated_home, clock=clock, seed=1)
    item = feed.start()
    for number in range(24):
        clock.advance(item.duration if number % 3 else 1.0)
        if number % 4 == 0:
            feed.toggle_like(item.id)
        item = feed.next()
    return feed


@pytest.mark.parametrize("size", SIZES)
async def test_the_screen_opens_with_the_summary_and_keeps_the_table_readable(
        isolated_home, clock, size):
    app = make_app(lived(isolated_home, clock), headless=True, tick_seconds=None)
    async with app.run_test(size=size) as pilot:
        await pilot.press("a")
        screen = app.screen
        summary = " ".join(app.feed.summary())
        shown = " ".join(screen_text(screen, "#summary"))
        assert shown == summary
        widget = screen.query_one("#summary", Static)
        assert widget.region.height == min(2 if size[1] < 30 else 5, widget.virtual_size.height)
        assert summary.startswith(" ".join(
            line.strip() for line in rendered_text_width(screen, size)[:widget.region.height]))
        table = screen.query_one("#interests", DataTable)
        assert table.region.height >= 8  # the header and seven interests at least
        examples = screen.query_one("#examples", Static)
        assert examples.region.height == 4 and examples.region.bottom <= size[1] - 2


def rendered_text_width(screen: AlgorithmScreen, size: tuple[int, int]) -> list[str]:
    """The summary's lines as wrapped on screen."""
    from rich.console import Console
    import io

    widget = screen.query_one("#summary", Static)
    console = Console(width=widget.region.width, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.file.getvalue().splitlines()


EXAMPLE = re.compile(r"#(\d+)\s+→ (#\d+|-)\s+(.+)")


@pytest.mark.parametrize("size", SIZES)
async def test_an_interest_shows_its_next_three_items_and_what_a_boost_would_do(
        isolated_home, clock, size):
    app = make_app(lived(isolated_home, clock), headless=True, tick_seconds=None)
    async with app.run_test(size=size) as pilot:
        feed = app.feed
        await pilot.press("a")
        screen = app.screen
        topic = next(i.name for i in feed.profile() if i.kind == "topic")
        await select(pilot, screen, ("topic", topic))
        heading, *lines = screen_text(screen, "#examples")
        assert heading == f"Next from #{topic}: rank now → with boost +0.5"
        promised = [EXAMPLE.fullmatch(line.strip()) for line in lines]
        assert len(promised) == 3 and all(promised)
        carrying = [entry for entry in feed.upcoming(1000) if topic in entry.item.topics][:3]
        assert [int(match[1]) for match in promised] == [entry.rank for entry in carrying]
        for match, entry in zip(promised, carrying):
            assert entry.item.title.startswith(match[3].rstrip("…"))
        await pilot.press("plus")  # the boost the ranks promised
        assert feed.steering.boosts == {("topic", topic): 0.5}
        after = {entry.item.id: entry.rank for entry in feed.upcoming(1000)}
        assert [match[2] for match in promised] == [f"#{after[entry.item.id]}"
                                                    for entry in carrying]


@pytest.mark.parametrize("size", SIZES)
async def test_a_word_mute_has_a_row_that_shows_what_it_hides_and_v_reveals_one(
        isolated_home, clock, size):
    app = make_app(lived(isolated_home, clock), headless=True, tick_seconds=None)
    async with app.run_test(size=size) as pilot:
        feed = app.feed
        await pilot.press("a", "slash", *"c@ts", "enter")
        screen = app.screen
        assert feed.steering.mutes == {("word", "c@ts")}
        count = hidden_count(feed, "word", "c@ts")
        assert count > 3
        await select(pilot, screen, ("word", "c@ts"))
        heading, *titles = screen_text(screen, "#examples")
        assert heading == f"word c@ts hides {count} items: v shows the first, once"
        assert len(titles) == 3
        row = screen._rows.index(("word", "c@ts"))
        cells = screen.query_one("#interests", DataTable).get_row_at(row)
        assert str(cells[-1]) == f"muted, hides {count}"
        await pilot.press("v")
        assert not isinstance(app.screen, AlgorithmScreen)
        shown = feed.current
        text = f"{shown.title}\n{shown.description}\n{' '.join(shown.topics)}"
        assert matches("c@ts", text) and shown.title.startswith(titles[0].strip().rstrip("…"))
        assert feed.steering.mutes == {("word", "c@ts")}  # shown once: the mute still holds
        assert not any(matches("c@ts", f"{e.item.title}\n{e.item.description}\n"
                               f"{' '.join(e.item.topics)}") for e in feed.upcoming(500))


async def test_the_words_are_indexed_when_a_word_mute_is_begun_not_when_the_screen_opens(
        isolated_home, clock):
    """Indexing the catalogue's words for a word mute held 1.26 GiB at a million items:
    looking at My algorithm does not make it; opening the word field does, in a worker."""
    app = make_app(lived(isolated_home, clock), headless=True, tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        await pilot.press("a")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AlgorithmScreen) and app.screen._facts is not None
        assert not feed.words_indexed
        await pilot.press("slash")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert feed.words_indexed
        await pilot.press(*"c@ts", "enter")
        assert feed.steering.mutes == {("word", "c@ts")}


async def test_what_grows_with_the_log_is_worked_out_in_a_worker(isolated_home, monkeypatch):
    """The summary, the profile, the trends, what mutes hide and the examples are gathered in
    a worker, never on the UI thread, and painted when they come; the examples are those of
    the row selected last."""
    import threading

    threads: dict[str, set[str]] = {}
    for name in ("summary_facts", "profile", "interest_history", "mute_hides", "examples"):
        real = getattr(Feed, name)

        def counted(self, *args, _real=real, _name=name, **kwargs):
            threads.setdefault(_name, set()).add(threading.current_thread().name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Feed, name, counted)
    feed = Feed.open(isolated_home, seed=1)
    feed.start()
    feed.signal(feed.current.id, "like")
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AlgorithmScreen(feed)
        await app.push_screen(screen)
        await pilot.pause()
        assert "Reading your history" not in rendered_text(
            screen.query_one("#summary", Static).content)
        await pilot.press("down", "down")
        selected = screen._selected()
        examples = rendered_text(screen.query_one("#examples", Static).content)
        assert examples.startswith(f"Next from {subject_text(*selected)}")
        assert "looking" not in examples
    main = threading.main_thread().name
    assert set(threads) == {"summary_facts", "profile", "interest_history", "mute_hides",
                            "examples"}
    assert all(main not in names for names in threads.values()), threads


async def test_a_failing_worker_is_said_and_the_screen_goes_on(isolated_home, monkeypatch):
    feed = Feed.open(isolated_home, seed=1)
    feed.start()
    feed.signal(feed.current.id, "like")
    real = Feed.summary_facts
    monkeypatch.setattr(Feed, "summary_facts", lambda self, *facts: 1 / 0)
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = AlgorithmScreen(feed)
        await app.push_screen(screen)
        await pilot.pause()
        assert any("could not be worked out" in str(note.message)
                   for note in app._notifications)
        said = rendered_text(screen.query_one("#summary", Static).content)
        assert "could not be worked out: division by zero" in said
        monkeypatch.setattr(Feed, "summary_facts", real)
        await pilot.press("escape", "a")  # reopened: it tries again
        screen = app.screen
        assert isinstance(screen, AlgorithmScreen)
        summary = rendered_text(screen.query_one("#summary", Static).content)
        assert summary.split() == " ".join(feed.summary()).split()  # (wrapped on screen)
        assert screen.query_one("#interests", DataTable).row_count > 0


async def test_a_large_profile_lists_its_strongest_interests_and_says_how_many(
        isolated_home, monkeypatch):
    """At a million items a viewer has learned tens of thousands of interests: the table keeps
    to the strongest (their trends worked out for those alone) and says how many there are."""
    import tuifeed.tui.screens.algorithm as algorithm

    monkeypatch.setattr(algorithm, "LEARNED_ROWS", 3)
    monkeypatch.setattr(algorithm, "UNLEARNED_TOPIC_ROWS", 2)
    feed = Feed.open(isolated_home, seed=1)
    feed.start()
    for _ in range(6):
        feed.signal(feed.current.id, "like")
        feed.next()
    learned = feed.profile()
    assert len(learned) > 3
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = AlgorithmScreen(feed)
        await app.push_screen(screen)
        await pilot.pause()
        strongest = [(interest.kind, interest.name) for interest in learned[:3]]
        assert screen._rows[:3] == strongest
        unlearned = [row for row in screen._rows[3:] if row not in strongest]
        current = ("creator", feed.current.creator)
        assert len([row for row in unlearned if row != current]) <= 2
        assert set(screen._facts.trends) == set(strongest)
        subtitle = str(screen.query_one("#algorithm-body").border_subtitle)
        assert f"the strongest 3 of {len(learned)} interests" in subtitle
