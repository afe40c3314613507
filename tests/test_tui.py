"""The feed TUI driven by Textual's Pilot against a real database file."""

import io
import sqlite3
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from textual import events
from textual.widgets import Static

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.tui import make_app
from tuifeed.tui.widgets.card import VideoCard
from tuifeed.tui.widgets.queue import QueuePanel, moves

from conftest import event_counts

SNAPSHOT_SIZE = (100, 40)


def rendered_text(renderable) -> str:
    """What a rich renderable shows, as plain text."""
    console = Console(width=120, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def open_app(home: Path, clock: VirtualClock):
    return make_app(Feed.open(home, clock=clock, seed=1), headless=True, tick_seconds=None)


async def test_keys_write_the_matching_events(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        first = app.feed.current
        clock.advance(8)
        await pilot.press("j")
        second = app.feed.current
        assert second != first
        await pilot.press("l", "x")  # like, then "not interested" moves on
        assert app.feed.current not in (first, second)
        await pilot.press("s", "f", "q")
    counts = event_counts(isolated_home / "tuifeed.db")
    assert counts["impression"] == 3
    assert counts["like"] == 1 and counts["dislike"] == 1
    assert counts["save"] == 1 and counts["follow"] == 1
    assert counts["dwell"] == 3  # left the first, the second, and quit on the third


async def test_card_shows_the_current_item_and_like_toggles(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        item = app.feed.current
        card = app.query_one(VideoCard)
        assert str(card.query_one("#title", Static).content) == item.title
        await pilot.press("l")
        assert "liked" in str(card.query_one("#badges", Static).content)
        await pilot.press("l")
        assert "liked" not in str(card.query_one("#badges", Static).content)
        await pilot.press("k")  # nothing before the first card: stays
        assert app.feed.current == item
        await pilot.press("q")
    assert event_counts(isolated_home / "tuifeed.db")["unlike"] == 1


async def test_queue_panel_lists_what_comes_next(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        panel_text = str(app.query_one(QueuePanel).render())
        upcoming = app.feed.upcoming(8)
        assert upcoming[0].item.title[:20] in panel_text
        await pilot.press("j")
        assert app.feed.current == upcoming[0].item


async def test_up_next_drawn_line_by_line_is_the_whole_list_drawn_at_once(isolated_home,
                                                                       clock):
    """Up next draws each line from parts it keeps (a `j` moves entries up a place); every
    line must be what Textual draws for the whole list at once, after keys, a title that
    changed under the same id, a narrower panel and another theme."""
    from textual.visual import Visual, visualize

    def check(panel: QueuePanel) -> None:
        width, height = panel.size
        whole = Visual.to_strips(panel, visualize(panel, panel.render()), width, height,
                                 panel.visual_style)
        for y in range(height):
            expected = whole[y] if y < len(whole) else None
            line = panel.render_line(y)
            if expected is None:
                assert not line.text.strip()
            else:
                assert list(line) == list(expected), y

    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await app.settle_queue()
        panel = app.query_one(QueuePanel)
        check(panel)
        for _ in range(3):
            await pilot.press("j")
            await app.settle_queue()
            await pilot.pause()
            check(panel)
        entry = panel._queue[1]
        retitled = replace(entry, item=replace(entry.item, title="[b]Retitled[/b] \x1b[31m"))
        panel.show([panel._queue[0], retitled, *panel._queue[2:]])
        await pilot.pause()
        check(panel)
        assert "[b]Retitled[/b]" in panel.render_line(2).text
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        check(panel)
        app.theme = "textual-light"
        await pilot.pause()
        check(panel)
        await pilot.press("q")


async def test_text_selected_in_up_next_is_drawn_where_it_was_selected(isolated_home, clock):
    """Dragging the mouse over Up next's first line selects its text and draws the selection
    there alone; once cleared, no line keeps it (the lines Up next keeps are drawn without
    any selection)."""
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await app.settle_queue()
        panel = app.query_one(QueuePanel)
        for y in range(4):
            panel.render_line(y)  # drawn and kept before any selection
        background = {segment.style.bgcolor for y in range(4)
                      for segment in panel.render_line(y)}
        assert len(background) == 1  # the panel's own

        def marked(y: int) -> str:  # the text drawn on another background: the selection's
            return "".join(segment.text for segment in panel.render_line(y)
                           if segment.style.bgcolor not in background)

        start = panel.content_region.offset - panel.region.offset
        await pilot.mouse_down(panel, offset=(start.x + 3, start.y))
        await pilot.hover(panel, offset=(start.x + 9, start.y))
        await pilot.mouse_up(panel, offset=(start.x + 9, start.y))
        await pilot.pause()
        text = app.screen.get_selected_text()
        assert text and text.strip() in panel.render().plain.splitlines()[0]
        assert marked(0) == text
        assert not any(marked(y) for y in range(1, 4))
        app.screen.clear_selection()
        await pilot.pause()
        assert not any(marked(y) for y in range(4))
        await pilot.press("q")


async def wheel(pilot, event_class) -> None:
    card = pilot.app.query_one(VideoCard)
    card.post_message(event_class(card, 10, 5, 0, 1, 0, False, False, False))
    await pilot.pause()


async def test_mouse_wheel_moves_between_cards(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        first = app.feed.current
        await wheel(pilot, events.MouseScrollDown)
        assert app.feed.current != first
        await wheel(pilot, events.MouseScrollUp)
        assert app.feed.current == first


async def test_help_opens_and_closes(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen.__class__.__name__ != "HelpScreen"


async def test_resizes_down_to_40x12_without_error(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        for size in ((80, 24), (40, 12), (120, 40)):
            await pilot.resize_terminal(*size)
            await pilot.press("j")
            await pilot.pause()
        assert app.is_running
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        assert app.has_class("-narrow")


def test_moves_ignore_items_that_left_the_queue():
    assert moves(["a", "b", "c"], ["b", "c", "d"]) == {"b": 0, "c": 0, "d": None}
    assert moves(["a", "b", "c"], ["c", "a", "b"]) == {"c": 2, "a": -1, "b": -1}


def test_feed_screen_snapshot(isolated_home, snap_compare):
    from tuifeed.tui.script import settle

    app = open_app(isolated_home, VirtualClock())
    assert snap_compare(app, terminal_size=SNAPSHOT_SIZE,
                        run_before=lambda pilot: settle(pilot.app, pilot))  # the picture drawn


async def test_missing_or_broken_thumbnail_shows_a_placeholder(isolated_home, clock, tmp_path):
    from dataclasses import replace

    from tuifeed.tui.script import settle
    from tuifeed.tui.widgets.thumbnail import Thumbnail

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        await settle(app, pilot)  # the picture is decoded in a worker
        thumbnail = app.query_one(Thumbnail)
        image, placeholder = thumbnail.query_one("#thumbnail-image"), thumbnail.query_one(
            "#thumbnail-placeholder", Static)
        assert image.display and not placeholder.display
        for path in (str(tmp_path / "missing.jpg"), str(broken), ""):
            thumbnail.show(replace(app.feed.current, thumbnail=path))
            await pilot.pause()
            assert placeholder.display and not image.display
            assert "#" + app.feed.current.topics[0] in str(placeholder.content)
        thumbnail.show(app.feed.current)
        await pilot.pause()
        assert image.display and not placeholder.display


async def test_likes_move_a_topic_up_and_why_shows_the_like(isolated_home, clock):
    from tuifeed.tui.screens.why import WhyScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        feed = app.feed
        topic = feed.current.topics[0]

        def topic_ranks() -> list[int]:
            return [entry.rank for entry in feed.upcoming(50) if topic in entry.item.topics]

        before = topic_ranks()
        clock.advance(20)
        await pilot.press("l")  # like the first card
        for _ in range(30):  # then move on to the next card of the same topic and like it too
            clock.advance(1)
            await pilot.press("j")
            if topic in feed.current.topics:
                break
        assert topic in feed.current.topics
        await pilot.press("l")
        after = topic_ranks()
        # (Before the likes the topic may have no card in the top 50 at all: 51 then.)
        assert len(after[:3]) > 0 and after[0] <= (before or [51])[0]
        assert sum(rank <= 8 for rank in after) > sum(rank <= 8 for rank in before)
        panel = str(app.query_one(QueuePanel).render())
        assert "▲" in panel or "•" in panel  # moves (and newcomers) are marked in the panel

        if feed.upcoming(1)[0].explore:  # an exploration card comes first: pass it
            clock.advance(1)
            await pilot.press("j")
        await pilot.press("j")
        assert topic in feed.current.topics  # the liked topic now leads the queue
        await pilot.press("w")
        assert isinstance(app.screen, WhyScreen)
        topic_line = next(line for line in app.screen.explanation.lines if line.name == "topic")
        likes = [evidence for evidence in topic_line.evidence if evidence.kind == "like"]
        assert len(likes) == 2
        screen_text = rendered_text(app.screen.query_one("#why-text", Static).content)
        assert f"event {likes[0].event_id} · like" in screen_text
        await pilot.press("escape")
        assert not isinstance(app.screen, WhyScreen)


async def test_my_algorithm_mutes_a_topic_and_the_queue_panel_follows(isolated_home, clock):
    from tuifeed.tui.screens.algorithm import AlgorithmScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        queue = feed.upcoming(8)
        topic = queue[0].item.topics[0]
        await pilot.press("a")
        screen = app.screen
        assert isinstance(screen, AlgorithmScreen)
        for _ in range(screen._rows.index(("topic", topic))):
            await pilot.press("down")
        await pilot.press("m")
        assert ("topic", topic) in feed.steering.mutes
        assert "muted" in str(screen.query_one("#interests").get_row_at(
            screen._rows.index(("topic", topic)))[-1])
        await pilot.press("escape")
        assert not isinstance(app.screen, AlgorithmScreen)
        panel = app.query_one(QueuePanel)
        shown = [entry.item for entry in panel._queue]
        # Up next fills its height (two lines an entry), none of them about the muted topic.
        assert len(shown) == panel.content_size.height // 2 > 8
        assert all(topic not in item.topics for item in shown)
        assert f"#{topic}" not in str(panel.render())
        # And undo from the screen brings the topic back.
        await pilot.press("a", "u", "escape")
        assert any(topic in entry.item.topics for entry in feed.upcoming(8))


async def test_recipe_switch_live_and_a_broken_recipe_keeps_the_current_one(isolated_home, clock):
    from tuifeed.tui.screens.recipes import RecipePicker

    recipes = isolated_home / "config" / "recipes"
    recipes.mkdir(parents=True)
    (recipes / "broken.toml").write_text('name = "broken"\n[terms]\ntopic = "lots"\n')
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        await pilot.press("r")
        assert isinstance(app.screen, RecipePicker)
        app.screen.dismiss("chronological")
        await pilot.pause()
        assert feed.recipe.name == "chronological"
        queue = feed.upcoming(8)
        published = [entry.item.published for entry in queue]
        assert published == sorted(published, reverse=True)
        app.switch_recipe("broken")
        await pilot.pause()
        assert feed.recipe.name == "chronological"
        assert any("line 3" in str(n.message) and "terms.topic" in str(n.message)
                   for n in app._notifications)


async def test_undo_from_the_history_screen_puts_the_queue_back(isolated_home, clock):
    from tuifeed.tui.screens.history import HistoryScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        feed = app.feed
        before = [entry.item.id for entry in feed.upcoming(8)]
        await pilot.press("l")  # like the card on screen: the queue reorders
        liked = [entry.item.id for entry in feed.upcoming(8)]
        assert liked != before
        await pilot.press("h")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        assert screen.entries[0].event.kind == "like"  # newest first
        await pilot.press("u")
        assert screen.entries[0].undone
        await pilot.press("escape")
        assert [entry.item.id for entry in feed.upcoming(8)] == before
        assert [e.item.id for e in app.query_one(QueuePanel)._queue][:8] == before
        await pilot.press("h", "slash", *"kind:impression", "enter")
        assert {entry.event.kind for entry in app.screen.entries} == {"impression"}
        await pilot.press("escape")
    with sqlite3.connect(isolated_home / "tuifeed.db") as connection:
        assert connection.execute("SELECT count(*) FROM event_undos").fetchone()[0] == 1


async def test_history_enter_jumps_to_the_item(isolated_home, clock):
    from tuifeed.tui.screens.history import HistoryScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        first = app.feed.current
        await pilot.press("j", "j", "h")
        assert isinstance(app.screen, HistoryScreen)
        row = next(index for index, entry in enumerate(app.screen.entries)
                   if entry.item == first)
        for _ in range(row):
            await pilot.press("down")
        await pilot.press("enter")
        assert not isinstance(app.screen, HistoryScreen)
        assert app.feed.current == first


async def test_hostile_text_from_a_source_is_shown_literally(isolated_home, clock, tmp_path):
    import json

    from tuifeed.store.portable import import_file

    hostile = {"type": "item", "id": "evil:1", "source": "feed", "creator": "[red]mallory[/red]",
               "title": "\x1b[2J\x1b]0;pwned\x07Free [bold]prizes[/bold] \x1b[31mnow",
               "topics": ["cats"], "description": "\x1b[5mblink\x1b[0m [link=x]y[/link]",
               "duration": 20, "published": "2026-01-01T00:00:00Z", "views": 5, "likes": 1,
               "thumbnail": "", "url": ""}
    header = {"type": "header", "format": "tuifeed-export", "version": 1,
              "exported_at": "2026-01-01T00:00:00Z", "first_run": ""}
    event = {"type": "event", "id": 1, "ts": "2026-01-01T00:00:00Z", "item_id": "evil:1",
             "kind": "share", "value": None, "session_id": "x", "undone": False}
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(record) for record in (header, hostile, event)))
    feed = Feed.open(isolated_home, clock=clock)
    import_file(feed.store, feed.locations.recipes, source)
    feed.close()
    app = open_app(isolated_home, clock)
    async with app.run_test(size=SNAPSHOT_SIZE) as pilot:
        app.feed.jump_to("evil:1")
        app.refresh_feed()
        await pilot.pause()
        card = app.query_one(VideoCard)
        title = str(card.query_one("#title", Static).content)
        assert title == "Free [bold]prizes[/bold] now"
        assert "[red]mallory[/red]" in str(card.query_one("#byline", Static).content)
        screen = app.export_screenshot()
        assert "\x1b" not in screen and "pwned" not in screen
        assert "[bold]prizes[/bold]" in screen.replace("&#160;", " ")
