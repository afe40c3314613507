"""The command palette holds every action, harmless ones first; resetting always asks; the
recipe pickers open on the recipe in use (Pilot, real SQLite)."""

from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList

from tuifeed import Feed
from tuifeed.tui import make_app
from tuifeed.tui.app import FeedApp
from tuifeed.tui.commands import commands_for
from tuifeed.tui.screens.algorithm import AlgorithmScreen
from tuifeed.tui.screens.confirm import ConfirmScreen


def open_app(home, clock, recipe=None):
    return make_app(Feed.open(home, clock=clock, seed=1, recipe=recipe), headless=True,
                    tick_seconds=None)


async def palette_titles(app, pilot, query: str) -> list[str]:
    """What the palette lists for `query`, top first, as the viewer reads it."""
    await pilot.press("ctrl+p")
    assert isinstance(app.screen, CommandPalette)
    await pilot.press(*query)
    await pilot.pause(0.3)  # the search runs in the palette's own worker
    await app.workers.wait_for_complete()
    await pilot.pause(0.1)
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(index).prompt).split("\n")[0]
            for index in range(options.option_count)]


async def test_typing_save_offers_saving_first_not_starting_over(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = await palette_titles(app, pilot, "save")
        assert titles[0] == "Save this card"
        assert "Start over as a new viewer" in titles  # still found, just not first
        await pilot.press("enter")
        await pilot.pause()
        assert app.feed.current.id in app.feed.state.saved


async def test_a_risky_command_never_outranks_a_harmless_one(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = await palette_titles(app, pilot, "st")
        risky = {command.title for command in commands_for(app, app.screen_stack[0])
                 if command.risky}
        flags = [title in risky for title in titles]
        assert True in flags and False in flags
        assert flags == sorted(flags)  # every harmless match above every risky one


async def test_every_key_of_the_feed_is_a_palette_command(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)):
        commands = commands_for(app, app.screen_stack[0])
        offered = {getattr(command.run, "__name__", "") for command in commands}
        for binding in FeedApp.BINDINGS:
            if binding.action != "app.command_palette":  # (the key opening it)
                assert f"action_{binding.action}" in offered, binding.key
        titles = {command.title for command in commands}
        for word in ("Like this card", "Not interested in this card", "Save this card",
                     "Next card", "Previous card", "Help: every key", "Quit",
                     "Mute a word in titles…"):
            assert word in titles


async def test_the_palette_offers_my_algorithms_own_keys_there(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        titles = await palette_titles(app, pilot, "mute")
        assert "Mute or unmute the selected interest" in titles
        assert "Mute a word in titles…" in titles


async def test_no_switch_to_or_compare_with_the_recipe_in_use(isolated_home, clock):
    app = open_app(isolated_home, clock, recipe="explore")
    async with app.run_test(size=(80, 24)) as pilot:
        titles = await palette_titles(app, pilot, "compare with")
        assert "Compare with explore" not in titles
        assert "Compare with for-you" in titles
        assert "Recipe: explore" not in {c.title for c in commands_for(app, app.screen_stack[0])}


async def test_starting_over_from_the_palette_asks_first(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        steering = lambda: app.feed.steering  # noqa: E731
        titles = await palette_titles(app, pilot, "start over")
        assert titles[0] == "Start over as a new viewer"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert steering().reset_at is None
        assert not isinstance(app.screen, ConfirmScreen)
        await palette_titles(app, pilot, "start over")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        assert steering().reset_at is not None


async def test_capital_r_in_my_algorithm_asks_before_starting_over(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, AlgorithmScreen)
        assert app.feed.steering.reset_at is None
        await pilot.press("R", "y")
        assert isinstance(app.screen, AlgorithmScreen)
        assert app.feed.steering.reset_at is not None
        assert "started over" in str(app.screen.query_one("#steering-state").content)


async def test_pickers_open_on_the_recipe_in_use(isolated_home, clock):
    app = open_app(isolated_home, clock, recipe="explore")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("r", "c"):
            await pilot.press(key)
            recipes = app.screen.query_one(OptionList)
            assert recipes.get_option_at_index(recipes.highlighted).id == "explore"
            await pilot.press("escape")
        await pilot.press("r", "enter")  # enter alone keeps the recipe
        assert app.feed.recipe.name == "explore"


async def test_mute_a_word_from_the_palette_opens_the_field(isolated_home, clock):
    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = await palette_titles(app, pilot, "mute a word")
        assert titles[0] == "Mute a word in titles…"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, AlgorithmScreen)
        await pilot.press(*"gator", "enter")
        assert ("word", "gator") in app.feed.steering.mutes


async def test_compare_asks_for_another_recipe_than_the_one_in_use(isolated_home, clock):
    from tuifeed.tui.screens.recipes import CompareScreen, RecipePicker

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "enter")  # on for-you, the recipe in use: nothing to compare
        assert isinstance(app.screen, RecipePicker)
        await pilot.press("down", "enter")
        assert isinstance(app.screen, CompareScreen) and app.screen.other == "fresh"


async def test_a_screen_closing_under_the_palette_closes_itself_not_the_palette(
        isolated_home, clock):
    """Enter on a History row and Ctrl+P typed behind it, in one read: Ctrl+P is a priority
    key, so the palette came on top before the row's jump closed History, and the jump closed
    the palette instead (its choice then found no screen to close: a traceback in a real
    terminal). Now Ctrl+P comes in its turn: the palette opens over History, whose jump
    waits; History closes once it is on top again."""
    from textual import events

    from tuifeed.tui.screens.history import HistoryScreen

    app = open_app(isolated_home, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("j", "j", "h")
        assert isinstance(app.screen, HistoryScreen)
        history = app.screen
        for key in ("enter", "ctrl+p"):  # as a terminal hands them on
            app.post_message(events.Key(key, None))
        await pilot.pause(0.2)
        assert isinstance(app.screen, CommandPalette)  # still there
        assert history in app.screen_stack  # History waits beneath it, to close
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1  # then History closed itself
        assert app.feed.current is not None
