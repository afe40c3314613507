"""The command line: parses, calls the Feed facade, prints. `tuifeed` alone opens the TUI."""

from __future__ import annotations

import json
import sys

import click

from tuifeed.errors import TuifeedError
from tuifeed.feed import Feed
from tuifeed.locations import Locations
from tuifeed.serialize import explanation_dict, interest_dict, ranked_dict
from tuifeed.textreport import bar, explanation_text


class FeedGroup(click.Group):
    """Turns a TuifeedError anywhere below into one line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except TuifeedError as error:
            click.echo(f"tuifeed: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=FeedGroup, invoke_without_command=True)
@click.option("--home", type=click.Path(), envvar="TUIFEED_HOME",
              help="Folder holding your data (default: the platform's data dir).")
@click.version_option(package_name="tuifeed")
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """tuifeed: a short-video feed whose algorithm you can read and steer."""
    ctx.obj = {"home": home}
    if ctx.invoked_subcommand is None:
        from tuifeed.tui import run_app  # Textual loads only when the TUI is wanted

        run_app(Feed.open(home))


def open_feed(ctx: click.Context) -> Feed:
    feed = Feed.open(ctx.obj["home"])
    ctx.call_on_close(feed.close)
    return feed


@cli.command("rank")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def rank_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The upcoming queue, best first."""
    queue = open_feed(ctx).upcoming(limit)
    if as_json:
        click.echo(dumps([ranked_dict(entry) for entry in queue]))
        return
    for entry in queue:
        item = entry.item
        click.echo(f"{entry.rank:>3}  {entry.score:+.3f}  {item.id}  {item.title[:50]}"
                   f"  · {item.creator}")


@cli.command("signal")
@click.argument("item_id")
@click.argument("kind")
@click.argument("value", required=False)
@click.pass_context
def signal_command(ctx: click.Context, item_id: str, kind: str, value: str | None) -> None:
    """Record a behaviour event, as if you had done it in the feed."""
    event = open_feed(ctx).signal(item_id, kind, value)
    click.echo(f"recorded {event.kind} on {event.item_id}")


@cli.command("why")
@click.argument("item_id")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def why_command(ctx: click.Context, item_id: str, as_json: bool) -> None:
    """Why an item has its place: every term of its score and the evidence behind it."""
    explanation = open_feed(ctx).why(item_id)
    if as_json:
        click.echo(dumps(explanation_dict(explanation)))
    else:
        click.echo(explanation_text(explanation))


@cli.command("profile")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def profile_command(ctx: click.Context, as_json: bool) -> None:
    """What the model has learned about you, strongest first."""
    found = open_feed(ctx).profile()
    if as_json:
        click.echo(dumps([interest_dict(interest) for interest in found]))
        return
    if not found:
        click.echo("Nothing learned yet: watch, like or skip a few videos first.")
        return
    click.echo(f"{'interest':<28} {'total':>7} {'short':>7} {'long':>7} {'events':>6}")
    for interest in found:
        label = f"{'#' if interest.kind == 'topic' else '@'}{interest.name}"
        click.echo(f"{label[:28]:<28} {interest.total:>+7.2f} {interest.short:>+7.2f} "
                   f"{interest.long:>+7.2f} {interest.events:>6}  {bar(interest.total, 2.0)}")


@cli.command("bench")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--sizes", default="10000,100000,1000000", show_default=True,
              help="Candidate counts for the speed benchmark, comma-separated.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.pass_context
def bench_command(ctx: click.Context, as_json: bool, sizes: str, seed: int) -> None:
    """Measure that the ranker learns, responds and is fast (against same-run references)."""
    from tuifeed import bench

    try:
        counts = [int(size) for size in sizes.split(",")]
    except ValueError:
        raise TuifeedError(f"--sizes takes whole numbers separated by commas, not {sizes!r}")
    if any(count < 100 for count in counts):
        raise TuifeedError("--sizes: each size must be at least 100 candidates")
    locations = Locations.resolve(ctx.obj["home"])
    locations.prepare()
    results = bench.run_all(seed, counts, str(locations.cache))
    click.echo(dumps(results) if as_json else bench.report(results))


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)


def main() -> None:
    cli(prog_name="tuifeed")


if __name__ == "__main__":
    sys.exit(main())
