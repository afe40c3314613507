"""The catalogue's commands: sources add/list/remove, subscriptions import/export, fetch."""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

import click

from typing import TYPE_CHECKING

from tuifeed.cli import cli, dumps, open_feed
from tuifeed.errors import TuifeedError
from tuifeed.locations import check_output
from tuifeed.text import clean_text

if TYPE_CHECKING:
    from tuifeed.catalogue.fetching import SourceReport

KIND_CHOICE = click.Choice(["peertube", "youtube", "rss", "jsonfeed", "folder"])


@cli.group("sources")
def sources_group() -> None:
    """Where videos come from: PeerTube, YouTube feeds, RSS/Atom, JSON Feed, folders."""


@sources_group.command("add")
@click.argument("url")
@click.option("--name", metavar="N", help="A short name to refer to it (default: from the URL).")
@click.option("--kind", type=KIND_CHOICE, help="Its kind (default: detected).")
@click.pass_context
def sources_add(ctx: click.Context, url: str, name: str | None, kind: str | None) -> None:
    """Add a source; `tuifeed fetch` (or the TUI's f) brings its videos."""
    row = open_feed(ctx).add_source(url, name=name, kind=kind)
    click.echo(f"added {row.name} ({row.kind}): {clean_text(row.url)}")


@sources_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def sources_list(ctx: click.Context, as_json: bool) -> None:
    """Each source with its kind, URL, last fetch, item count and last error."""
    rows = open_feed(ctx).sources()
    if as_json:
        click.echo(dumps([row.as_json() for row in rows]))
        return
    if not rows:
        click.echo("No sources. Add one with: tuifeed sources add URL")
    for row in rows:
        fetched = (row.last_fetch or "never")[:16].replace("T", " ")
        click.echo(f"{row.name:<24} {row.kind:<8} {row.items:>6} items  fetched {fetched:<16}"
                   f"  {clean_text(row.url)}")
        if row.last_error:
            click.echo(f"{'':<24} last error: {row.last_error}")


@sources_group.command("remove")
@click.argument("name")
@click.pass_context
def sources_remove(ctx: click.Context, name: str) -> None:
    """Remove a source: its videos leave the queue; your events about them stay."""
    row = open_feed(ctx).remove_source(name)
    click.echo(f"removed {row.name}; its {row.items} items leave the queue, your events stay")


@cli.group("subscriptions")
def subscriptions_group() -> None:
    """Bring subscriptions from NewPipe, FreeTube, YouTube Takeout or OPML; export OPML."""


@subscriptions_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_context
def subscriptions_import(ctx: click.Context, file: Path) -> None:
    """Add every subscription in FILE as a source (OPML, NewPipe, FreeTube, Takeout CSV)."""
    from tuifeed.sources.subscriptions import read_subscriptions

    notes: list[str] = []
    found = read_subscriptions(file, notes)
    feed = open_feed(ctx)
    known = {row.url for row in feed.sources()}
    added = skipped = 0
    for subscription in found:
        try:
            row = feed.add_source(subscription.url, name=None, kind=subscription.kind)
        except TuifeedError as error:
            skipped += 1
            click.echo(f"skipped {clean_text(subscription.name or subscription.url)}: {error}",
                       err=True)
            continue
        added += row.url not in known
    for note in notes:
        click.echo(note, err=True)
    click.echo(f"imported {added} sources from {clean_text(str(file))}"
               + (f" ({skipped} skipped)" if skipped else "")
               + "; run tuifeed fetch to bring their videos")


@subscriptions_group.command("export")
@click.option("--opml", "target", required=True, type=click.Path(path_type=Path),
              help="Write the sources as OPML to this file.")
@click.pass_context
def subscriptions_export(ctx: click.Context, target: Path) -> None:
    """Write your web sources (not folders or the demo) as an OPML file."""
    from tuifeed.sources.subscriptions import Subscription, write_opml

    feed = open_feed(ctx)
    check_output(target, feed.locations.database)
    rows = [row for row in feed.sources() if row.kind not in ("folder", "demo")]
    write_opml([Subscription(row.url, row.name, row.kind) for row in rows], target)
    click.echo(f"exported {len(rows)} sources to {clean_text(str(target))}")


@cli.command("fetch")
@click.option("--source", "names", multiple=True, metavar="NAME",
              help="Fetch only this source (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@click.pass_context
def fetch_command(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> None:
    """Fetch every source now, concurrently; a broken source never stops the others."""
    import gc

    # Its modules and the videos it reads are many new objects and almost no cyclic garbage:
    # the collector's young generations would walk them some 30 times (5 ms of 0.2 s).
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        reports = _fetch(ctx, names, as_json)
    finally:
        gc.set_threshold(*thresholds)
    if as_json:
        click.echo(dumps([_report_json(report) for report in reports]))
    else:
        new = sum(report.new for report in reports)
        failed = sum(bool(report.error) for report in reports)
        click.echo(f"fetched {len(reports)} sources: {new} new videos"
                   + (f", {failed} failed (see tuifeed sources list)" if failed else ""))
    if reports and all(report.error for report in reports):
        ctx.exit(1)


def _fetch(ctx: click.Context, names: tuple[str, ...], as_json: bool) -> list[SourceReport]:
    from tuifeed.catalogue.fetching import fetch_home
    from tuifeed.clock import clock_from_environment

    # Straight to the catalogue: a fetch needs neither the ranker nor the log in memory.
    fetch = partial(fetch_home, ctx.obj["home"], clock_from_environment(os.environ),
                    set(names) or None, reset_db=ctx.obj["reset_db"])
    if as_json or not sys.stderr.isatty():
        return fetch(progress=None if as_json else _plain_progress)
    return _fetch_with_bar(fetch)


def _plain_progress(report: SourceReport, done: int, total: int) -> None:
    click.echo(f"[{done}/{total}] {report.line()}")
    for note in report.notes:
        click.echo(f"    {note}")


def _fetch_with_bar(fetch) -> list[SourceReport]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    with Progress(TextColumn("fetching"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), console=console,
                  transient=True) as bar:
        task = bar.add_task("", total=None)

        def advance(report: SourceReport, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=report.name)
            if report.error:  # markup off: the error text came from a server
                console.print(report.line(), markup=False, highlight=False)

        return fetch(progress=advance)


def _report_json(report: SourceReport) -> dict:
    return {"name": report.name, "kind": report.kind, "new": report.new,
            "updated": report.refreshed, "unchanged": report.unchanged,
            "error": report.error, "notes": report.notes, "seconds": round(report.seconds, 3)}
