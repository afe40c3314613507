"""The command line: parses, calls the Feed facade, prints. `tuifeed` alone opens the TUI."""

from __future__ import annotations

import errno
import json
import os
from functools import partial
from dataclasses import asdict
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tuifeed.errors import DamagedDatabase, TuifeedError
from tuifeed.locations import Locations, check_output
from tuifeed.text import clean_text

if TYPE_CHECKING:
    from tuifeed.feed import Feed


class FeedGroup(click.Group):
    """Turns a TuifeedError anywhere below into one line on stderr and its exit code (2 for
    the user's mistakes), and a database that cannot be used into one line naming it."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        import sqlite3

        try:
            return super().invoke(ctx)
        except TuifeedError as error:
            click.echo(f"tuifeed: {clean_text(str(error))}", err=True)
            ctx.exit(error.exit_code)
        except sqlite3.Error as error:
            from tuifeed.store.connection import store_failure

            database = Locations.resolve((ctx.obj or {}).get("home")).database
            failure = store_failure(error, database)
            click.echo(f"tuifeed: {clean_text(str(failure))}", err=True)
            ctx.exit(failure.exit_code)


@click.group(cls=FeedGroup, invoke_without_command=True)
@click.option("--home", type=click.Path(), envvar="TUIFEED_HOME",
              help="Folder holding your data (default: the platform's data dir).")
@click.option("--reset-db", is_flag=True,
              help="If the database is damaged, rename it aside and start a fresh one.")
@click.version_option(package_name="tuifeed")
@click.pass_context
def cli(ctx: click.Context, home: str | None, reset_db: bool) -> None:
    """tuifeed: a short-video feed whose algorithm you can read and steer."""
    ctx.obj = {"home": home, "reset_db": reset_db}
    if ctx.invoked_subcommand is None:
        ctx.exit(run_feed(ctx))


def run_feed(ctx: click.Context) -> int:
    """`tuifeed` alone: the TUI. Its first frame is drawn before the feed is open: the feed
    opens in a thread behind it (tui/opening.py), and a failure to open ends the app and is
    said here, in one line, as for any command. What is cheap to check is checked first."""
    import gc

    from tuifeed.clock import clock_from_environment
    from tuifeed.tui.graphics import TerminalProbe

    if not sys.__stderr__ or not sys.__stderr__.isatty():
        # Textual draws on standard error: no one sees a first frame there, so the feed
        # opens first, as for every other command.
        from tuifeed.tui import run_app

        return run_app(open_feed(ctx, close_with_command=False))
    clock = clock_from_environment(os.environ)
    Locations.resolve(ctx.obj["home"]).prepare()  # a bad --home: said before any screen
    probe = TerminalProbe.start()  # asks the terminal about pictures while Textual loads
    # Loading modules allocates much and frees little: the collector's passes over it
    # would cost ~7% of start-up. On again once the feed's modules are in (tui/app.py).
    gc.disable()
    try:
        from tuifeed.tui import run_app  # Textual loads only when the TUI is wanted

        opener = partial(_open, ctx.obj["home"], ctx.obj["reset_db"], {"clock": clock})
        return run_app(opener, probe)
    except DamagedDatabase as error:
        gc.enable()  # (the feed was not opened: the collector is still off)
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise
        from tuifeed.tui import run_app

        feed = _open_fresh(ctx, error, {"clock": clock})  # asks first; opened before the app
        for warning in feed.warnings:
            click.echo(f"tuifeed: {clean_text(warning)}", err=True)
        return run_app(feed)
    finally:
        gc.enable()
        probe.result()  # its answers are read before the terminal is given back


def _open(home: str | None, reset_db: bool, options: dict) -> Feed:
    from tuifeed.feed import Feed

    return Feed.open(home, reset_db=reset_db, **options)


def _open_fresh(ctx: click.Context, error: DamagedDatabase, options: dict) -> Feed:
    """A damaged database, when a person is there: set it aside if they say so."""
    from tuifeed.feed import Feed

    click.echo(f"tuifeed: {clean_text(str(error))}", err=True)
    if not click.confirm("Set it aside now and start a fresh one?", default=False):
        raise click.Abort() from None
    return Feed.open(ctx.obj["home"], reset_db=True, **options)


def open_feed(ctx: click.Context, recipe: str | None = None,
              close_with_command: bool = True) -> Feed:
    """Open the feed; on a damaged database, offer to set it aside when a person is there."""
    from tuifeed.clock import clock_from_environment

    options = {"recipe": recipe, "clock": clock_from_environment(os.environ)}
    try:
        feed = _open(ctx.obj["home"], ctx.obj["reset_db"], options)
    except DamagedDatabase as error:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise
        feed = _open_fresh(ctx, error, options)
    for warning in feed.warnings:
        click.echo(f"tuifeed: {clean_text(warning)}", err=True)
    if close_with_command:
        ctx.call_on_close(partial(close_feed, feed))
    return feed


def close_feed(feed: Feed) -> None:
    """Close, and say so if anything could not be written (exit 1: the log is not whole)."""
    shown = len(feed.warnings)
    try:
        feed.close()
    except KeyboardInterrupt:  # what could not be written was rescued: say where
        report_closed(feed, shown, exit_if_rescued=False)
        raise
    report_closed(feed, shown)


def report_closed(feed: Feed, shown: int, exit_if_rescued: bool = True) -> None:
    """After a feed closed: its new warnings, and exit 1 if records went to a rescue file."""
    for warning in feed.warnings[shown:]:
        click.echo(f"tuifeed: {clean_text(warning)}", err=True)
    for line in feed.lost:  # the last resort: neither the database nor a file took them
        click.echo(json.dumps(line, ensure_ascii=True), err=True)
    failed = feed.rescued is not None or bool(feed.lost)
    del feed.warnings[shown:], feed.lost[:]  # said once
    if exit_if_rescued and failed:
        raise SystemExit(1)


recipe_option = click.option("--recipe", "recipe", metavar="NAME",
                             help="Rank with this recipe (this command only).")
COMPARE_DEPTH = 200  # how deep the other queue is searched for an item's move


@cli.command("rank")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@recipe_option
@click.option("--compare", "other", metavar="NAME",
              help="Show this recipe's queue beside it, with each item's move.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def rank_command(ctx: click.Context, limit: int, recipe: str | None, other: str | None,
                 as_json: bool) -> None:
    """The upcoming queue, best first."""
    from tuifeed.ranking.compare import compare
    from tuifeed.serialize import ranked_dict

    feed = open_feed(ctx, recipe)
    if other is not None:
        depth = max(limit, COMPARE_DEPTH)
        rows = compare(feed.upcoming(depth), feed.recipe_queue(other, depth))[:limit]
        echo_comparison(feed.recipe.name, other, rows, as_json)
        return
    queue = feed.upcoming(limit)
    if as_json:
        click.echo(dumps([ranked_dict(entry) for entry in queue]))
        return
    if not queue:
        reason = ("it shows only creators you follow, and you follow none yet"
                  if feed.recipe.filter.get("followed_only") and not feed.state.followed
                  else "everything is muted, disliked or on screen")
        click.echo(f"The {clean_text(feed.recipe.name)} queue is empty: {reason}.")
    for entry in queue:
        item = entry.item
        mark = "✦" if entry.explore else " "
        click.echo(f"{entry.rank:>3} {mark} {entry.score:+7.3f}  {item.id}  {item.title[:50]}"
                   f"  · @{item.creator}")


def echo_comparison(first: str, second: str, rows, as_json: bool) -> None:
    from tuifeed.ranking.compare import move_label
    from tuifeed.serialize import ranked_dict

    if as_json:
        click.echo(dumps({"recipe": first, "compare": second, "rows": [
            {"rank": index,
             first: ranked_dict(left.entry) if left else None,
             second: {**ranked_dict(right.entry), "rank_in_" + first: right.other_rank,
                      "move": right.move} if right else None}
            for index, (left, right) in enumerate(rows, start=1)
        ]}))
        return
    from tuifeed.textreport import cells

    width = 38
    first, second = clean_text(first), clean_text(second)  # recipe names: file names
    click.echo(f"{'':>4}{cells(first, width)}  {second} (move against {first})")
    for index, (left, right) in enumerate(rows, start=1):
        left_text = cells(left.entry.item.title, width) if left else " " * width
        right_text = (f"{move_label(right.move):>4} {cells(right.entry.item.title, width)}"
                      if right else "")
        click.echo(f"{index:>3} {left_text}  {right_text}".rstrip())


@cli.command("signal")
@click.argument("item_id")
@click.argument("kind")
@click.argument("value", required=False)
@click.pass_context
def signal_command(ctx: click.Context, item_id: str, kind: str, value: str | None) -> None:
    """Record a behaviour event, as if you had done it in the feed."""
    feed = open_feed(ctx)
    event = feed.signal(item_id, kind, value)
    close_feed(feed)  # written, or rescued and exit 1: "recorded" is said only once it is
    click.echo(f"recorded {event.kind} on {event.item_id}")


@cli.command("why")
@click.argument("item_id")
@recipe_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def why_command(ctx: click.Context, item_id: str, recipe: str | None, as_json: bool) -> None:
    """Why an item has its place: every term of its score and the evidence behind it."""
    from tuifeed.serialize import explanation_dict
    from tuifeed.textreport import explanation_text

    explanation = open_feed(ctx, recipe).why(item_id)
    if as_json:
        click.echo(dumps(explanation_dict(explanation)))
    else:
        click.echo(explanation_text(explanation))


@cli.command("profile")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--card", "card", metavar="FILE",
              help="Also write the summary as a card to share: SVG for FILE.svg, else text.")
@click.pass_context
def profile_command(ctx: click.Context, as_json: bool, card: str | None) -> None:
    """Your algorithm in words, then what the model has learned about you, strongest first."""
    from tuifeed.serialize import interest_dict
    from tuifeed.textreport import bar, cells

    target = None
    if card is not None:
        if not card.strip() or "\0" in card:
            raise TuifeedError("--card needs a file name (without NUL characters)")
        target = Path(card)
        check_output(target, Locations.resolve(ctx.obj["home"]).database)
    feed = open_feed(ctx)
    found = feed.profile()
    summary = feed.summary()
    if target is not None:
        write_card(target, feed, summary, found)
    if as_json:
        click.echo(dumps([interest_dict(interest) for interest in found]))
        return
    for sentence in summary:
        click.echo(clean_text(sentence))
    if not found:
        return
    click.echo("")
    click.echo(f"{'interest':<28} {'total':>7} {'short':>7} {'long':>7} {'events':>6}")
    for interest in found:
        label = clean_text(f"{'#' if interest.kind == 'topic' else '@'}{interest.name}")
        click.echo(f"{cells(label, 28)} {interest.total:>+7.2f} {interest.short:>+7.2f} "
                   f"{interest.long:>+7.2f} {interest.events:>6}  {bar(interest.total, 2.0)}")
    if target is not None:
        click.echo(f"card written to {clean_text(str(target))}")


def write_card(target: Path, feed: Feed, summary: list[str], found) -> None:
    """The summary as a card: SVG when the name ends in .svg, plain text otherwise."""
    from tuifeed.card import card_svg, card_text

    when = feed.clock.now()
    text = (card_svg(summary, found, when) if target.suffix.lower() == ".svg"
            else card_text(summary, found, when))
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise TuifeedError(f"cannot write {clean_text(str(target))}: "
                           f"{error.strerror or error}") from None


@cli.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--sizes", default="10000,100000,1000000", show_default=True,
              help="Candidate counts for the speed benchmark, comma-separated.")
@click.option("--log-events", default=1_000_000, show_default=True,
              type=click.IntRange(min=1000), help="Events in the log rebuild benchmark.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--quick", is_flag=True,
              help="Small sizes throughout: checks every benchmark runs, in under 30 s.")
@click.pass_context
def bench_command(ctx: click.Context, as_json: bool, sizes: str, log_events: int,
                  seed: int, quick: bool) -> None:
    """Measure that the ranker learns, responds and is fast (against same-run references)."""
    from tuifeed import bench

    try:
        counts = [int(size) for size in sizes.split(",")]
    except ValueError:
        raise TuifeedError(
            f"--sizes takes whole numbers separated by commas, not {sizes!r}") from None
    if any(count < 100 for count in counts):
        raise TuifeedError("--sizes: each size must be at least 100 candidates")
    locations = Locations.resolve(ctx.obj["home"])
    locations.prepare()
    if quick:
        counts, log_events = [2000], min(log_events, 5000)
    results = bench.run_all(seed, counts, str(locations.cache), log_events, quick)
    click.echo(dumps(results) if as_json else bench.report(results))


@cli.group("steer")
def steer_group() -> None:
    """Steer the ranker directly: boost, mute, forget, pause, reset, undo."""


def steering_done(feed: Feed, record) -> None:
    """Say what was recorded, once it is written (see close_feed), and when it applies to
    no item yet, say that too."""
    from tuifeed.ranking.steering import describe

    note = feed.steering_note(record)
    close_feed(feed)
    click.echo(f"steering {record.id}: {clean_text(describe(record))}")
    if note:
        click.echo(clean_text(note))


new_option = click.option(
    "--new", "new", is_flag=True,
    help="Take NAME even though it looks like a typo of a topic or creator items have.")


@steer_group.command("boost", context_settings={"ignore_unknown_options": True})
@click.argument("target", type=click.Choice(["topic", "creator"]))
@click.argument("name")
@click.argument("amount")
@new_option
@click.pass_context
def steer_boost(ctx: click.Context, target: str, name: str, amount: str, new: bool) -> None:
    """Raise or lower a topic or creator by AMOUNT (-2..+2; 0 removes the boost); one no item
    has yet applies when items with it arrive."""
    feed = open_feed(ctx)
    steering_done(feed, feed.steer("boost", target, name, amount, new=new))


def named_action(action: str, targets: tuple[str, ...], help_text: str) -> None:
    options = [new_option] if action == "mute" else []

    @steer_group.command(action, help=help_text)
    @click.argument("target", type=click.Choice(list(targets)))
    @click.argument("name")
    @click.pass_context
    def command(ctx: click.Context, target: str, name: str, new: bool = False) -> None:
        feed = open_feed(ctx)
        steering_done(feed, feed.steer(action, target, name, new=new))

    for option in options:
        option(command)


named_action("mute", ("topic", "creator", "word"),
             "Never show items of a topic, a creator, or with a word (its plurals, inflections "
             "and look-alike spellings too) in the title, description or tags.")
named_action("unmute", ("topic", "creator", "word"), "Lift a mute.")
named_action("forget", ("topic",),
             "Clear what was learned about a topic (the events stay in your history).")


def feed_action(action: str, help_text: str) -> None:
    @steer_group.command(action, help=help_text)
    @click.pass_context
    def command(ctx: click.Context) -> None:
        feed = open_feed(ctx)
        steering_done(feed, feed.steer(action))


feed_action("pause", "Pause learning: events are still recorded but not learned from.")
feed_action("resume", "Resume learning.")


@steer_group.command("reset")
@click.option("--yes", "-y", "yes", is_flag=True, help="Do not ask first (in a terminal).")
@click.pass_context
def steer_reset(ctx: click.Context, yes: bool) -> None:
    """Start over as a new viewer, keeping follows and mutes (asks first in a terminal)."""
    if not yes and sys.stdin.isatty() and sys.stdout.isatty() and not click.confirm(
            "Start over as a new viewer? What you did so far stops counting (follows and "
            "mutes stay; `tuifeed steer undo` takes it back)", default=False):
        raise click.Abort()
    feed = open_feed(ctx)
    steering_done(feed, feed.steer("reset"))


@steer_group.command("undo")
@click.pass_context
def steer_undo(ctx: click.Context) -> None:
    """Take back the latest steering still in force (repeat to go further back)."""
    from tuifeed.ranking.steering import describe

    feed = open_feed(ctx)
    record = feed.undo_steering()
    close_feed(feed)
    click.echo(f"undid steering {record.id}: {describe(record)}")


@steer_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def steer_show(ctx: click.Context, as_json: bool) -> None:
    """The steering in force (with what each mute hides now), and the log of every
    instruction."""
    from tuifeed.serialize import steering_dict
    from tuifeed.textreport import steering_text

    from tuifeed.textreport import HIDDEN_SHOWN

    feed = open_feed(ctx)
    hides = feed.mute_hides()
    if as_json:
        click.echo(dumps(steering_dict(feed.steering, feed.steering_log, hides)))
    else:
        first = {mute: feed.hidden_items(*mute, HIDDEN_SHOWN) for mute in hides}
        click.echo(steering_text(feed.steering, feed.steering_log, first,
                                 {mute: len(ids) for mute, ids in hides.items()}))


@cli.group("recipes")
def recipes_group() -> None:
    """The recipes that shape the ranking (built-in, or your own in the config folder)."""


@recipes_group.command("list")
@click.pass_context
def recipes_list(ctx: click.Context) -> None:
    """Every recipe, with where it comes from."""
    from tuifeed.ranking.recipe import load_recipe, recipe_names

    from tuifeed.textreport import cells

    feed = open_feed(ctx)
    for name in recipe_names(feed.locations.recipes):
        mark = "*" if name == feed.recipe.name else " "
        shown = cells(clean_text(name), max(14, len(name)))  # a file name: any script
        try:
            recipe = load_recipe(name, feed.locations.recipes)
        except TuifeedError as error:  # list the others all the same
            click.echo(f"{mark} {shown} (broken) {clean_text(str(error))}")
            continue
        click.echo(f"{mark} {shown} {recipe.description}  "
                   f"[{clean_text(recipe.origin)}]")
    click.echo(f"Your own recipes go in {feed.locations.recipes}/NAME.toml "
               f"(copy one with: tuifeed recipes show for-you > NAME.toml)")


@recipes_group.command("show")
@click.argument("name")
@click.pass_context
def recipes_show(ctx: click.Context, name: str) -> None:
    """Print a recipe's TOML, ready to copy and edit."""
    from tuifeed.locations import Locations
    from tuifeed.ranking.recipe import load_recipe

    # Reading a recipe needs no database: nothing is created (a first `show` may run
    # before the feed ever opened, redirected into the recipes folder).
    recipes = Locations.resolve(ctx.obj["home"]).recipes
    # A recipe is the viewer's file, maybe imported: shown without control sequences.
    click.echo(clean_text(load_recipe(name, recipes).source, single_line=False), nl=False)


@cli.command("open")
@click.option("--keys", "keys", metavar="SCRIPT",
              help='Keys to press, e.g. "j l wait:5 w escape q" (wait:S, snap:NAME too).')
@click.option("--keys-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the key script from a file ('#' starts a comment).")
@click.option("--size", default="100x40", show_default=True, help="Screen size, WIDTHxHEIGHT.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seed of the exploration slots.")
@click.option("--clock", "clock_kind", type=click.Choice(["virtual", "system"]),
              default="system", show_default=True,
              help="virtual: time starts at a fixed instant and moves only with wait:S.")
@click.option("--screenshot", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the last screen as SVG.")
@click.option("--transcript", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one JSON object a step (JSON Lines).")
@click.pass_context
def open_command(ctx: click.Context, keys: str | None, keys_file: Path | None, size: str,
                 seed: int, clock_kind: str, screenshot: Path | None,
                 transcript: Path | None) -> None:
    """Run the feed headless from a key script: deterministic with --clock virtual."""
    from tuifeed.clock import VirtualClock, clock_from_environment
    from tuifeed.feed import Feed

    import asyncio

    from tuifeed.tui.script import parse_script, parse_size, run_script

    if (keys is None) == (keys_file is None):
        raise TuifeedError("open needs a key script: --keys SCRIPT or --keys-file FILE")
    if keys_file is not None and not keys_file.is_file():  # a FIFO would block
        raise TuifeedError(f"{clean_text(str(keys_file))} is not a regular file")
    database = Locations.resolve(ctx.obj["home"]).database
    for target in (screenshot, transcript):
        if target is not None:
            check_output(target, database, devices=True)
    try:
        script = keys if keys is not None else keys_file.read_text("utf-8")  # type: ignore
    except (OSError, UnicodeDecodeError) as error:
        raise TuifeedError(f"cannot read {keys_file}: {error}") from None
    steps = parse_script(script, "--keys" if keys is not None else str(keys_file))
    dimensions = parse_size(size)
    for target in (screenshot, transcript):
        if target is not None:
            try:  # find out now, before anything is recorded, that the file can be written
                target.open("a").close()
            except OSError as error:
                raise TuifeedError(f"cannot write {clean_text(str(target))}: "
                                   f"{error.strerror}") from None
    clock = VirtualClock() if clock_kind == "virtual" else clock_from_environment(os.environ)
    feed = Feed.open(ctx.obj["home"], clock=clock, seed=seed, reset_db=ctx.obj["reset_db"])
    if isinstance(clock, VirtualClock) and feed.latest_time > clock.now():
        clock.advance(feed.latest_time - clock.now())  # a home with a past: start after it
    shown = len(feed.warnings)
    try:
        entries = asyncio.run(run_script(feed, steps, dimensions, screenshot, transcript))
    except OSError as error:  # the transcript or screenshot (the feed was closed, events kept)
        report_closed(feed, shown)
        raise TuifeedError(f"cannot write {clean_text(str(error.filename or transcript))}: "
                           f"{error.strerror}") from None
    report_closed(feed, shown)
    done = sum(1 for entry in entries if entry["step"])
    if done < len(steps):
        click.echo(f"tuifeed: the feed quit at step {done}; {len(steps) - done} steps not run",
                   err=True)


@cli.command("replay")
@click.option("--recipe", "recipes", multiple=True, metavar="NAME",
              help="A recipe to evaluate (repeat for several; default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def replay_command(ctx: click.Context, recipes: tuple[str, ...], as_json: bool) -> None:
    """Score recipes on your own log, replayed in time order (offline evaluation)."""
    from tuifeed.ranking.recipe import load_recipe, recipe_names
    from tuifeed.ranking.replay import replay

    feed = open_feed(ctx)
    names = list(recipes) or recipe_names(feed.locations.recipes)
    chosen = []
    for name in names:  # a broken file of the viewer's is skipped, said in one line
        try:
            chosen.append(load_recipe(name, feed.locations.recipes))
        except TuifeedError as error:
            if len(names) == 1:
                raise
            click.echo(f"tuifeed: skipping recipe {clean_text(name)}: "
                       f"{clean_text(str(error))}", err=True)
    if not chosen:
        raise TuifeedError("no recipe to replay: every one asked for is broken (above)")
    results = [replay(feed.events, feed.catalog, recipe, feed.seed) for recipe in chosen]
    if as_json:
        click.echo(dumps([asdict(result) for result in results]))
        return
    if not results or results[0].shown == 0:
        click.echo("Nothing to replay yet: your log has no cards shown.")
        return
    first = results[0]
    click.echo(f"{first.shown} cards replayed, {first.engaged} engaged with")
    click.echo(f"{'recipe':<16}{'hit@10':>8}{'NDCG@10':>9}{'coverage':>10}{'diversity':>11}"
               f"{'adapts in':>11}")
    for result in results:
        adapts = "-" if result.adaptation is None else f"{result.adaptation} cards"
        click.echo(f"{result.recipe:<16}{result.hit_rate:>8.2f}{result.ndcg:>9.3f}"
                   f"{result.coverage:>10.0%}{result.diversity:>11.2f}{adapts:>11}")
    if first.taste_change_at is None:
        click.echo("(no change of favourite topic found in your log)")
    else:
        click.echo(f"(your favourite topic changed at card {first.taste_change_at})")


@cli.command("history")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.option("--kind", metavar="K", help="Only events of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def history_command(ctx: click.Context, limit: int, kind: str | None, as_json: bool) -> None:
    """Your behaviour log, newest first (undone events are flagged)."""
    from tuifeed.clock import iso_utc
    from tuifeed.serialize import history_dict
    from tuifeed.signals import KINDS

    if kind is not None and kind not in KINDS:
        raise TuifeedError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
    entries = open_feed(ctx).history(limit=limit, kind=kind)
    if as_json:
        click.echo(dumps([history_dict(entry) for entry in entries]))
        return
    for entry in entries:
        event, item = entry.event, entry.item
        value = "" if event.value is None else f" {event.value:g}"
        title = item.title[:44] if item else event.item_id
        mark = "  (undone)" if entry.undone else ""
        click.echo(f"{event.id:>6}  {iso_utc(event.ts)[:19]}  {event.kind + value:<14} "
                   f"{title}{mark}")


RECORD_LABELS = {"event": "events", "item": "items", "steering": "steering actions",
                 "follow": "follows", "recipe": "recipes"}


@cli.command("export")
@click.argument("name", metavar="FILE")
@click.pass_context
def export_command(ctx: click.Context, name: str) -> None:
    """Write your whole log to FILE as JSON Lines (items, events, steering, follows, recipes)."""
    from tuifeed.store.portable import export_file

    if not name.strip() or "\0" in name:
        raise TuifeedError("export needs a file name (without NUL characters)")
    file = Path(name)
    feed = open_feed(ctx)
    feed.flush()
    counts = export_file(feed.store, feed.locations.recipes, feed.clock.now(), file)
    click.echo(f"exported to {clean_text(str(file))}: " + ", ".join(
        f"{counts[kind]} {label}" for kind, label in RECORD_LABELS.items()))


@cli.command("import")
@click.argument("name", metavar="FILE")
@click.pass_context
def import_command(ctx: click.Context, name: str) -> None:
    """Add a JSON Lines export to your log (importing the same file twice adds nothing)."""
    from tuifeed.store.portable import import_file

    if not name.strip() or "\0" in name:
        raise TuifeedError("import needs a file name (without NUL characters)")
    file = Path(name)
    feed = open_feed(ctx)
    feed.flush()
    added = import_file(feed.store, feed.locations.recipes, file)
    click.echo(f"imported from {clean_text(str(file))}: " + ", ".join(
        f"{added[kind]} new {label}" for kind, label in RECORD_LABELS.items()))


@cli.command("forget")
@click.option("--before", "before", required=True, metavar="DATE",
              help="Delete every event before this date (YYYY-MM-DD or ISO 8601, UTC).")
@click.option("--yes", "-y", "yes", is_flag=True, help="Do not ask first (in a terminal).")
@click.pass_context
def forget_command(ctx: click.Context, before: str, yes: bool) -> None:
    """Retention: delete events older than DATE for good (steering and follows stay; asks
    first in a terminal)."""
    from tuifeed.clock import iso_utc, parse_time

    moment = parse_time(before, "--before")
    feed = open_feed(ctx)
    feed.flush()
    day = iso_utc(moment)[:10]
    if not yes and sys.stdin.isatty() and sys.stdout.isatty():
        count = feed.store.count_events_before(moment)
        if not count:
            click.echo(f"no events before {day}: nothing deleted")
            return
        if not click.confirm(f"Delete {count} events before {day} for good? Nothing takes "
                             f"this back (`tuifeed export` keeps a copy first)", default=False):
            raise click.Abort()
    removed = feed.store.delete_events_before(moment)
    click.echo(f"deleted {removed} events before {day}")


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


DEBUG_ENV = "TUIFEED_DEBUG"


def say_waiting(message: str) -> None:
    click.echo(f"tuifeed: {message}", err=True)


def main() -> None:
    """Run the CLI: every failure is one line on stderr, exit status 2 for the user's mistakes
    and 1 for a fault that is not theirs (a traceback only with TUIFEED_DEBUG=1)."""
    import sqlite3

    from tuifeed.store import connection

    connection.wait_notice = say_waiting
    try:
        status = cli.main(prog_name="tuifeed", standalone_mode=False)
    except click.UsageError as error:
        hint = f" (see: {error.ctx.command_path} --help)" if error.ctx else ""
        click.echo(f"tuifeed: {error.format_message()}{hint}", err=True)
        status = 2
    except click.ClickException as error:
        click.echo(f"tuifeed: {error.format_message()}", err=True)
        status = error.exit_code
    except click.Abort:
        status = 1
    except TuifeedError as error:  # raised while closing, after the command's own handler
        click.echo(f"tuifeed: {clean_text(str(error))}", err=True)
        status = error.exit_code
    except sqlite3.Error as error:
        click.echo(f"tuifeed: {connection.describe_failure(error, Path('the database'))}",
                   err=True)
        status = 1
    except OSError as error:  # writing the output: a closed pipe, a full disk, /dev/full
        if error.errno == errno.EPIPE:
            status = 1
        else:
            click.echo(f"tuifeed: {clean_text(error.strerror or str(error))}"
                       f"{': ' + clean_text(str(error.filename)) if error.filename else ''}",
                       err=True)
            status = 1
    except RecursionError:
        click.echo("tuifeed: the input is nested too deeply to read", err=True)
        status = 2
    except Exception as error:  # a bug: one line, and the traceback on request
        if os.environ.get(DEBUG_ENV):
            raise
        click.echo(f"tuifeed: internal error ({type(error).__name__}: "
                   f"{clean_text(str(error), limit=200)}); run with {DEBUG_ENV}=1 for the "
                   f"details, and please report it", err=True)
        status = 1
    sys.exit(status if isinstance(status, int) else 0)


def run() -> None:
    """The `tuifeed` command: main(), then a quick end. Everything left is freed with the
    process, so the objects are frozen first (gc.freeze): the interpreter's last collections
    would otherwise walk every loaded module's objects for nothing (~20 ms of a 0.3 s fetch).
    Tests call main(), which leaves their process as it was."""
    import gc

    try:
        main()
    finally:
        gc.freeze()


from tuifeed import cli_play, cli_sources  # noqa: E402,F401  (register their commands on `cli`)

if __name__ == "__main__":
    run()
