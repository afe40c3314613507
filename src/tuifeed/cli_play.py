"""`tuifeed play`: an item through mpv from the command line (see tuifeed.playback)."""

from __future__ import annotations

import signal

import click

from tuifeed.cli import cli, close_feed, open_feed
from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text


@cli.command("play")
@click.argument("item_id")
@click.option("--start-over", is_flag=True, help="Begin at 0:00 even where you stopped before.")
@click.option("--browser", is_flag=True, help="Open the item's web page instead (no player).")
@click.pass_context
def play_command(ctx: click.Context, item_id: str, start_over: bool, browser: bool) -> None:
    """Play an item with mpv; how much you watch teaches the ranker."""
    from tuifeed.playback import PlaybackFailed, PlayerMissing, not_played, web_url
    from tuifeed.timewords import clock_time

    feed = open_feed(ctx)
    if browser:
        open_in_browser(feed.web_page(item_id))
        return
    item = feed.item(item_id)
    try:
        playback = feed.playback(item_id, resume=not start_over)
        playback.player()  # a missing player is said before anything else
    except PlayerMissing as error:
        hint = (f"; or open it in a browser: tuifeed play {item_id} --browser"
                if web_url(item) else "")
        raise TuifeedError(f"{error}{hint}") from None
    if playback.start:
        click.echo(f"resuming at {clock_time(playback.start)} (--start-over begins at 0:00)")
    result = playback.run(on_started=lambda: feed.playback_started(item_id))
    feed.playback_ended(item_id, result)
    if not result.started:
        raise PlaybackFailed(not_played(result))
    share = f"{result.fraction:.0%}" if result.fraction is not None else "some"
    end = "; played to the end" if result.completed else ""
    click.echo(f"watched {share} of {item.title[:60]!r}{end}")
    if playback.interrupted not in (None, signal.SIGINT):  # SIGTERM, SIGHUP: recorded, then
        close_feed(feed)                                   # end as such a signal does
        ctx.exit(128 + playback.interrupted)


def open_in_browser(url: str) -> None:
    import webbrowser

    if not webbrowser.open(url):
        raise TuifeedError(f"no web browser found to open {clean_text(url)}")
    click.echo(f"opened {clean_text(url)} in the browser")
