"""Hostile text where the viewer does not expect it: markup and escape sequences in topic and
creator names reach the command palette, in recipe file names, descriptions and comments reach
the recipe picker and `tuifeed recipes list/show`. Shown literally, never interpreted."""

from __future__ import annotations

import os
import subprocess
import sys

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.models import Item
from tuifeed.tui import make_app

ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")
HOSTILE_NAME = "zz-[link=x:y]L\x1b[2J"
# TOML escapes in the strings (raw ESC is not TOML), raw C1 characters in a comment (allowed).
HOSTILE_RECIPE = ('name = "[bold red]loud[/] \\u001b]52;c;cGF5bG9hZA==\\u0007"\n'
                  'description = "wipes \\u001b[2J and copies \\u001b]52;c;eA==\\u0007 [/]"\n'
                  '# a comment with C1 \x9b31m and \x9d0;title\n'
                  '[terms]\ntopic = 1.0\n')


def hostile_items() -> list[Item]:
    return [Item(id=f"x:{number}", title=f"[bold red]T{number}[/]",
                 creator="[/]evil[link=x:y]", topics=("[/]", "[link=x:y]a"), description="",
                 duration=10.0, published=0.0, views=0, likes=0, source="x")
            for number in range(3)]


def write_hostile_recipe(home) -> None:
    folder = home / "config" / "recipes"
    folder.mkdir(parents=True)
    (folder / f"{HOSTILE_NAME}.toml").write_text(HOSTILE_RECIPE, encoding="utf-8")


async def test_the_palette_shows_hostile_names_literally_and_survives(isolated_home):
    from textual.command import CommandList

    write_hostile_recipe(isolated_home)
    feed = Feed.open(isolated_home, clock=VirtualClock(), catalogue=hostile_items())
    feed.jump_to("x:0")
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in ("t", "o", "p", "i", "c"):
            await pilot.press(key)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = " ".join(str(options.get_option_at_index(index).prompt)
                         for index in range(options.option_count))
        assert "#[/]" in shown and "[link=x:y]a" in shown  # literal, not markup
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        for key in "recipe":
            await pilot.press(key)
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        shown = " ".join(str(options.get_option_at_index(index).prompt)
                         for index in range(options.option_count))
        assert "Recipe: zz-[link=x:y]L" in shown and not any(code in shown for code in ESCAPES)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("r")  # the recipe picker lists the hostile one
        await pilot.pause()
        assert app.is_running
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


def test_recipes_list_and_show_print_no_control_sequences(isolated_home):
    write_hostile_recipe(isolated_home)
    environment = {**os.environ, "TUIFEED_HOME": str(isolated_home)}
    listed = subprocess.run([sys.executable, "-m", "tuifeed", "recipes", "list"],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "zz-[link=x:y]L" in listed.stdout and "wipes and copies" in listed.stdout
    assert not any(code in listed.stdout + listed.stderr for code in ESCAPES)
    shown = subprocess.run([sys.executable, "-m", "tuifeed", "recipes", "show", HOSTILE_NAME],
                           capture_output=True, text=True, env=environment, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "[terms]" in shown.stdout and "a comment with C1" in shown.stdout
    assert not any(code in shown.stdout for code in ESCAPES)
