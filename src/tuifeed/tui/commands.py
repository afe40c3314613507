"""The command palette (ctrl+p): every action of the screen it is opened on, by name.

Titles name what an action does to what (`Save this card`, `Unfollow @sam`), with its key in
the help line. A harmless action always ranks above one that changes a lot at once (start
over, forget, mute, quit) for the same query: typing `save` must offer saving first.
Titles hold text from outside (creators, topics, recipe file names): they are matched and
shown as plain text, never read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.screen import Screen

from tuifeed.text import clean_text

if TYPE_CHECKING:
    from tuifeed.tui.app import FeedApp

RISKY_WEIGHT = 0.25  # a risky command's match counts this much against a harmless one's
RISKY_ACTIONS = frozenset({"reset", "forget", "mute", "quit"})


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]
    risky: bool = False


def feed_commands(app: FeedApp) -> Iterator[Command]:
    """The feed's own actions, titled after the card on screen and what holds for it."""
    from tuifeed.ranking.catalog import creator_key
    from tuifeed.ranking.recipe import recipe_names

    feed = app.feed
    item = feed.current
    if item is not None:
        state = feed.state
        creator = clean_text(item.creator)
        yield Command("Next card", "j · what you did here counts", app.action_next)
        yield Command("Previous card", "k", app.action_previous)
        yield Command("Unlike this card" if item.id in state.liked else "Like this card",
                      "l · toggles", app.action_like)
        yield Command("Take back not interested" if item.id in state.disliked
                      else "Not interested in this card", "x · toggles; moves on",
                      app.action_dislike)
        yield Command("Unsave this card" if item.id in state.saved else "Save this card",
                      "s · toggles", app.action_save)
        yield Command(f"Unfollow @{creator}" if creator_key(item) in state.followed
                      else f"Follow @{creator}", "f · toggles", app.action_follow)
        yield Command("Play this video", "enter or p · with mpv", app.action_play)
        yield Command("Open this video's web page", "o · in your browser",
                      app.action_open_page)
        yield Command("Why this?", "w · every term of the card's score", app.action_why)
    yield Command("My algorithm", "a · interests, diversity, recipe, steering",
                  app.action_algorithm)
    yield Command("History", "h · your log: filter, jump to an item, undo an event",
                  app.action_history)
    yield Command("Switch recipe…", "r · pick from the list", app.action_recipe)
    yield Command("Compare with another recipe…", "c · two queues side by side",
                  app.action_compare)
    yield Command("Fetch sources", "u · bring new videos from every source", app.action_fetch)
    yield Command("Help: every key", "?", app.action_help)
    for name in recipe_names(feed.locations.recipes):
        if name == feed.recipe.name:
            continue  # the recipe in use: nothing to switch to or compare with
        shown = clean_text(name)  # a file name of the viewer's
        yield Command(f"Recipe: {shown}", "Switch to this recipe (remembered)",
                      partial(app.switch_recipe, name))
        yield Command(f"Compare with {shown}", "Two queues side by side",
                      partial(app.compare_with, name))
    yield from steering_commands(app)


def steering_commands(app: FeedApp) -> Iterator[Command]:
    """Steering, for the whole feed and for the card on screen (undone with `u` in My
    algorithm, or Undo the last steering here)."""
    steering = app.feed.steering
    yield Command("Undo the last steering", "Repeat to go further back", app.undo_steering)
    if steering.paused:
        yield Command("Resume learning", "Learn from what you do again",
                      partial(app.steer, "resume"))
    else:
        yield Command("Pause learning", "Events are still recorded, not learned from",
                      partial(app.steer, "pause"))
    yield Command("Start over as a new viewer", "Asks first; keeps follows and mutes",
                  app.confirm_reset, risky=True)
    yield Command("Mute a word in titles…", "Opens My algorithm to type it",
                  app.mute_word, risky=True)
    item = app.feed.current
    if item is None:
        return
    for topic in item.topics:
        shown = clean_text(topic)
        yield Command(f"Boost topic #{shown}", "From the card on screen",
                      partial(app.steer, "boost", "topic", topic, 1))
        yield Command(f"Lower topic #{shown}", "From the card on screen",
                      partial(app.steer, "boost", "topic", topic, -1))
        yield Command(f"Mute topic #{shown}", "From the card on screen",
                      partial(app.steer, "mute", "topic", topic), risky=True)
        yield Command(f"Forget topic #{shown}", "What was learned about it stops counting",
                      partial(app.steer, "forget", "topic", topic), risky=True)
    creator = clean_text(item.creator)
    yield Command(f"Boost creator @{creator}", "From the card on screen",
                  partial(app.steer, "boost", "creator", item.creator, 1))
    yield Command(f"Lower creator @{creator}", "From the card on screen",
                  partial(app.steer, "boost", "creator", item.creator, -1))
    yield Command(f"Mute creator @{creator}", "From the card on screen",
                  partial(app.steer, "mute", "creator", item.creator), risky=True)


SCREEN_TITLES = {  # (screen, action) -> what the palette calls it; else the footer's word
    ("Algorithm", "close"): "Back to the feed",
    ("Algorithm", "boost(1)"): "Boost the selected interest (+0.5)",
    ("Algorithm", "boost(-1)"): "Lower the selected interest (-0.5)",
    ("Algorithm", "mute"): "Mute or unmute the selected interest",
    ("Algorithm", "forget"): "Forget the selected topic",
    ("Algorithm", "pause"): "Pause or resume learning",
    ("Algorithm", "reset"): "Start over as a new viewer",
    ("Algorithm", "undo"): "Undo the last steering",
    ("Algorithm", "mute_word"): "Mute a word in titles…",
    ("History", "close"): "Back to the feed",
    ("History", "jump"): "Show the selected event's item",
    ("History", "undo"): "Undo the selected event",
    ("History", "filter"): "Filter the history…",
}


def screen_commands(screen: Screen) -> Iterator[Command]:
    """Another screen's own keys (My algorithm, History), from its bindings: none is missed."""
    name = screen.__class__.__name__.removesuffix("Screen")
    seen = set()
    for binding in screen.BINDINGS:
        if binding.action in seen or not binding.description:
            continue
        seen.add(binding.action)
        key = binding.key.split(",")[0].replace("escape", "esc").replace("plus", "+") \
            .replace("minus", "-").replace("slash", "/")
        action = binding.action.split("(")[0]
        yield Command(SCREEN_TITLES.get((name, binding.action), binding.description),
                      f"{key} on this screen", partial(screen.run_action, binding.action),
                      risky=action in RISKY_ACTIONS)


def commands_for(app: FeedApp, screen: Screen) -> list[Command]:
    """Every command for the palette opened on `screen`, harmless ones first."""
    found: list[Command] = []
    if screen is app.screen_stack[0]:
        if app.feed is not None:  # still opening: only what needs no feed
            found += feed_commands(app)
    else:
        found += screen_commands(screen)
        found.append(Command("Help: every key", "?", app.action_help))
    found.append(Command("Quit", "q · every event is written first", app.action_quit,
                         risky=True))
    for title, help_text, run, _discover in App.get_system_commands(app, screen):
        if title != "Quit":  # Theme, Keys, Screenshot, Maximize: Textual's own
            found.append(Command(title, help_text, run))
    return sorted(found, key=lambda command: command.risky)


def plain(title: str) -> Content:
    """A title as shown: plain text (never markup)."""
    return Content(title)


class FeedCommands(Provider):
    """The palette's one provider (see the module's docstring)."""

    async def discover(self) -> Hits:
        for command in commands_for(self.app, self.screen):  # type: ignore[arg-type]
            yield DiscoveryHit(plain(command.title), command.run, text=command.title,
                               help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in commands_for(self.app, self.screen):  # type: ignore[arg-type]
            score, offsets = matcher.fuzzy_search.match(matcher.query, command.title)
            if score <= 0:
                continue
            shown = plain(command.title)
            for offset in offsets:
                shown = shown.stylize(matcher.match_style, offset, offset + 1)
            yield Hit(score * (RISKY_WEIGHT if command.risky else 1.0), shown, command.run,
                      text=command.title, help=command.help)
