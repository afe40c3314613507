"""Fetching real sources from a real HTTP server on 127.0.0.1: the CLI, the API and the TUI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tuifeed import Feed
from tuifeed.sources.http import HttpClient
from tuifeed.synthetic_feeds import youtube_feed

FIXTURES = Path(__file__).parent / "fixtures"
YOUTUBE = "application/atom+xml"


def tuifeed(*args: str, home, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, "TUIFEED_HOME": str(home), "TUIFEED_NOW": "2026-11-01T12:00:00Z",
           "TUIFEED_FETCH_RETRIES": "0", "TUIFEED_FETCH_TIMEOUT": "2", **env}
    return subprocess.run([sys.executable, "-m", "tuifeed", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def serve_channels(server, count: int, entries: int = 5) -> list[str]:
    urls = []
    for number in range(count):
        path = f"/yt{number}/feeds/videos.xml"
        server.route(path, youtube_feed(number, entries), content_type=YOUTUBE,
                     etag=f'"c{number}"')
        urls.append(server.url(path))
    return urls


def test_sources_added_and_fetched_reach_the_queue_and_refetch_is_conditional(
        server, isolated_home):
    urls = serve_channels(server, 3)
    server.route("/news.rss", (FIXTURES / "feeds" / "rss_podcast.xml").read_bytes(),
                 content_type="application/rss+xml", last_modified="Sun, 01 Nov 2026 10:00:00 GMT")
    for url in urls:
        added = tuifeed("sources", "add", url, "--kind", "youtube", home=isolated_home)
        assert added.returncode == 0, added.stderr
    detected = tuifeed("sources", "add", server.url("/news.rss"), "--name", "news",
                       home=isolated_home)  # no --kind: the server's answer tells
    assert "added news (rss)" in detected.stdout, detected.stderr

    first = tuifeed("fetch", home=isolated_home)
    assert first.returncode == 0, first.stderr
    assert "fetched 5 sources: " in first.stdout and "failed" not in first.stdout
    listed = {row["name"]: row for row in json.loads(
        tuifeed("sources", "list", "--json", home=isolated_home).stdout)}
    assert [listed[name]["items"] for name in listed if listed[name]["kind"] == "youtube"] \
        == [5, 5, 5]
    assert listed["news"]["items"] > 0 and all(row["last_fetch"] for row in listed.values())

    queue = json.loads(tuifeed("rank", "--limit", "400", "--json", home=isolated_home).stdout)
    fetched = [entry for entry in queue if entry["id"].startswith("yt:")]
    assert len(fetched) == 15
    assert len({entry["creator"] for entry in fetched}) == 3

    second = tuifeed("fetch", "--json", home=isolated_home)
    reports = json.loads(second.stdout)
    assert all(report["unchanged"] for report in reports), reports
    conditional = [headers for path, headers in server.requests[-4:]]
    assert all("If-None-Match" in h or "If-Modified-Since" in h for h in conditional)


def broken_server(server) -> dict[str, str]:
    """One source for each way a server can fail, and one good one."""
    server.route("/good/feeds/videos.xml", youtube_feed(7, 4), content_type=YOUTUBE)
    server.route("/gone.xml", b"no", status=404, content_type="text/plain")
    server.route("/down.xml", b"oops", status=500, content_type="text/plain")
    server.route("/broken.xml", b"<rss><channel><item><title>x</chan", content_type=YOUTUBE)
    server.route("/page.xml", b"<!DOCTYPE html><html><body>Hi</body></html>",
                 content_type="text/html")
    server.route("/loop.xml", b"", status=302, headers={"Location": "/loop.xml"})
    server.route("/huge.xml", b"<rss>" + b" " * (3 * 1024 * 1024), content_type=YOUTUBE)

    def slow(request):
        time.sleep(1.5)
        return 200, {"Content-Type": YOUTUBE}, youtube_feed(8, 2)

    server.handle("/slow.xml", slow)
    return {"good": "/good/feeds/videos.xml", "gone": "/gone.xml", "down": "/down.xml",
            "broken": "/broken.xml", "page": "/page.xml", "loop": "/loop.xml",
            "huge": "/huge.xml", "slow": "/slow.xml"}


def test_a_broken_source_never_stops_the_others_and_says_why_in_one_line(
        server, isolated_home, clock):
    paths = broken_server(server)
    with Feed.open(isolated_home, clock=clock) as feed:
        for name, path in paths.items():
            feed.add_source(server.url(path), name=name, kind="rss")
        client = HttpClient(timeout=0.5, deadline=1.0, retries=1, backoff=0.01,
                            max_bytes=1024 * 1024)
        started = time.monotonic()
        reports = {report.name: report for report in feed.fetch(http=client)}
        elapsed = time.monotonic() - started
        rows = {row.name: row for row in feed.sources()}
    assert reports["good"].new == 4 and not reports["good"].error
    expected = {"gone": "404", "down": "500", "broken": "", "page": "HTML", "loop": "redirect",
                "huge": "larger", "slow": "timed out"}
    for name, word in expected.items():
        error = reports[name].error
        assert error and "\n" not in error and word.lower() in error.lower(), (name, error)
        assert rows[name].last_error == error
    assert rows["good"].last_error == "" and rows["good"].items == 4
    assert elapsed < 10  # concurrent: the slow one does not hold the rest back


def test_the_cli_reports_failures_as_lines_and_keeps_going(server, isolated_home):
    paths = broken_server(server)
    for name in ("good", "gone"):
        tuifeed("sources", "add", server.url(paths[name]), "--name", name, "--kind", "rss",
                home=isolated_home)
    result = tuifeed("fetch", home=isolated_home)
    assert result.returncode == 0, result.stderr
    assert "[" in result.stdout and "gone: failed: " in result.stdout
    assert "1 failed" in result.stdout and "Traceback" not in result.stderr
    listing = tuifeed("sources", "list", home=isolated_home).stdout
    assert "last error: " in listing and "404" in listing


@pytest.mark.parametrize(("args", "message"), [
    (("sources", "add", "https://www.youtube.com/@someone"), "channel id"),
    (("sources", "add", "ftp://example.invalid/feed"), "not a web address"),
    (("sources", "add", "/no/such/folder/anywhere"), "no such folder"),
    (("sources", "remove", "nope"), "no source named 'nope'"),
    (("sources", "add", "http://127.0.0.1:9/x.xml", "--name", "bad name!"), "source name"),
])
def test_source_mistakes_are_one_line_and_exit_2(isolated_home, args, message):
    result = tuifeed(*args, home=isolated_home)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_subscriptions_round_trip_through_opml(server, isolated_home, tmp_path):
    urls = serve_channels(server, 2)
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body><outline text="Videos">'
        + "".join(f'<outline type="rss" text="ch{n}" xmlUrl="{url}"/>' for n, url in
                  enumerate(urls))
        + "</outline></body></opml>")
    result = tuifeed("subscriptions", "import", str(opml), home=isolated_home)
    assert result.returncode == 0 and "imported 2 sources" in result.stdout, result.stderr
    assert tuifeed("fetch", home=isolated_home).returncode == 0
    exported = tmp_path / "out.opml"
    result = tuifeed("subscriptions", "export", "--opml", str(exported), home=isolated_home)
    assert result.returncode == 0, result.stderr
    text = exported.read_text()
    assert all(url.replace("&", "&amp;") in text for url in urls) and "demo:" not in text


async def test_items_fetched_while_the_tui_runs_join_its_queue(server, isolated_home, clock):
    from tuifeed.tui.app import make_app
    from tuifeed.tui.widgets.queue import QueuePanel

    path = "/live/feeds/videos.xml"
    server.route(path, youtube_feed(3, 6), content_type=YOUTUBE)
    feed = Feed.open(isolated_home, clock=clock, seed=1)
    feed.add_source(server.url(path), name="live", kind="youtube")
    app = make_app(feed, headless=True, tick_seconds=None)
    async with app.run_test(size=(100, 40)) as pilot:
        before = len(app.feed.catalog)
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.feed.catalog) == before + 6
        assert "+6 new" in app.sub_title
        # Lift the new channel so its videos reach the top eight the panel shows.
        app.feed.steer("boost", "creator", app.feed.catalog.creators[-1], 2)
        app.refresh_feed()
        await pilot.pause()
        shown = [entry.item.id for entry in app.query_one(QueuePanel)._queue]
        assert any(item_id.startswith("yt:") for item_id in shown), shown


def test_a_full_database_is_a_source_error_not_a_crash(server, isolated_home, clock):
    server.route("/full/feeds/videos.xml", youtube_feed(9, 40), content_type=YOUTUBE)
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.add_source(server.url("/full/feeds/videos.xml"), name="full", kind="youtube")
        pages = feed.store.connection.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own limit: no page may be added, as on a full disk.
        feed.store.connection.execute(f"PRAGMA max_page_count = {pages}")
        (report,) = [report for report in feed.fetch() if report.name == "full"]
        assert "database or disk is full" in report.error and report.new == 0
        assert not any(item_id.startswith("yt:") for item_id in feed.catalog.ids)
        feed.store.connection.execute("PRAGMA max_page_count = 1073741823")
        (report,) = [report for report in feed.fetch() if report.name == "full"]
        assert report.new == 40 and not report.error  # nothing half-written stood in the way


def test_no_test_can_reach_beyond_this_machine(isolated_home, clock):
    """The conftest's safety net: a host elsewhere meets a closed local proxy, not the net."""
    with Feed.open(isolated_home, clock=clock) as feed:
        feed.add_source("http://feeds.example.invalid/videos.xml", name="far", kind="rss")
        (report,) = [report for report in feed.fetch(http=HttpClient(retries=0, timeout=2))
                     if report.name == "far"]
    assert "refused" in report.error or "proxy" in report.error.lower(), report.error


def test_an_address_with_escape_sequences_is_refused_and_never_echoed_raw(isolated_home):
    result = tuifeed("sources", "add", "http://127.0.0.1:9/\x1b]52;c;cHduZWQ=\x07feed.xml",
                     "--kind", "rss", home=isolated_home)
    assert result.returncode == 2 and "control characters" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr


async def test_quitting_during_a_slow_fetch_cancels_it(server, isolated_home, clock):
    from tuifeed.tui.app import make_app

    released = threading.Event()

    def stalled(request):
        released.wait(timeout=20)  # a server that would keep the fetch waiting
        return 200, {"Content-Type": YOUTUBE}, youtube_feed(4, 2)

    server.handle("/stalled.xml", stalled)
    feed = Feed.open(isolated_home, clock=clock, seed=1)
    feed.add_source(server.url("/stalled.xml"), name="stalled", kind="rss")
    app = make_app(feed, headless=True, tick_seconds=None, fetch_on_start=True)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            assert "fetching" in app.sub_title
            job = app._fetch_job
            await pilot.press("q")
        assert job._cancelled and (job._task is None or job._task.done())
        assert server.hits["/stalled.xml"] == 1  # asked once, then let go without waiting
    finally:
        released.set()


def test_a_cancelled_fetch_stops_waiting_for_another_processs_lock(server, isolated_home,
                                                                    clock):
    """Quitting cancels the fetch (FetchJob.cancel), and the app's end waits for its thread.
    A fetch whose write waits for another process's lock gives the write up once cancelled,
    instead of keeping the prompt until that process lets go (it waited 20 s of 20 held);
    what it fetched comes again with the next fetch."""
    from test_faults import hold_lock

    from tuifeed.tui.fetcher import FetchJob

    server.handle("/quick.xml", lambda request: (200, {"Content-Type": YOUTUBE},
                                                 youtube_feed(4, 2)))
    feed = Feed.open(isolated_home, clock=clock, seed=1)
    feed.add_source(server.url("/quick.xml"), name="quick", kind="rss")
    before = len(feed.catalog)
    feed.flush()
    holder = hold_lock(isolated_home / "tuifeed.db", 120)
    posted: list = []
    job = FetchJob(feed, posted.append)
    thread = threading.Thread(target=job.run)
    try:
        thread.start()
        deadline = time.monotonic() + 30
        while server.hits.get("/quick.xml", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.5)  # past the busy timeout: its write waits for the lock
        assert thread.is_alive()
        job.cancel()
        thread.join(timeout=30)
        assert not thread.is_alive() and holder.poll() is None  # done while still held
    finally:
        holder.kill()
        holder.wait()
        thread.join()
    feed.close()
    with Feed.open(isolated_home, clock=clock, seed=1) as again:
        assert len(again.catalog) == before  # nothing half-stored
        assert [report.new for report in again.fetch()
                if report.name == "quick"] == [2]  # the next fetch brings its two


async def test_a_fetch_cut_short_still_records_the_sources_it_finished(server, isolated_home,
                                                                        clock):
    """How each fetch went is written together at the end, and also when the fetch is
    cancelled: the finished source has its time and validators, the unfinished none."""
    import asyncio

    from tuifeed.catalogue.fetching import fetch_sources
    from tuifeed.store.sources import list_sources

    released = threading.Event()

    def stalled(request):
        released.wait(timeout=20)
        return 200, {"Content-Type": YOUTUBE}, youtube_feed(4, 2)

    server.route("/quick/feeds/videos.xml", youtube_feed(5, 3), content_type=YOUTUBE,
                 etag='"q1"')
    server.handle("/stalled.xml", stalled)
    feed = Feed.open(isolated_home, clock=clock)
    try:
        feed.add_source(server.url("/quick/feeds/videos.xml"), name="quick", kind="youtube")
        feed.add_source(server.url("/stalled.xml"), name="stalled", kind="rss")
        finished = asyncio.Event()
        task = asyncio.create_task(fetch_sources(
            feed.store, feed.locations.cache, clock.now,
            progress=lambda report, done, total: report.name == "quick" and finished.set()))
        await asyncio.wait_for(finished.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        rows = {row.name: row for row in list_sources(feed.store.connection)}
    finally:
        released.set()
        feed.close()
    assert rows["quick"].last_fetch and rows["quick"].items == 3
    assert rows["quick"].validators == {server.url("/quick/feeds/videos.xml"): ('"q1"', "")}
    assert rows["stalled"].last_fetch is None


def test_each_source_reports_its_own_new_and_updated_videos(server, isolated_home, clock):
    """Sources whose answers arrive together are stored in one upsert; each report still
    names the codes of its own videos, new or updated, as the database has them."""
    def serve(entries: int, tag: str) -> None:
        for number in range(6):
            server.route(f"/c{number}/feeds/videos.xml", youtube_feed(number, entries),
                         content_type=YOUTUBE, etag=f'"{tag}{number}"')

    def check(reports, new: int, updated: int) -> None:
        connection = feed.store.connection
        for report in reports:
            assert (report.new, report.refreshed, report.error) == (new, updated, "")
            codes = report.new_codes + report.refreshed_codes
            owners = connection.execute(
                f"SELECT DISTINCT source FROM items WHERE code IN ({','.join('?' * len(codes))})",
                codes).fetchall()
            assert owners == [(report.name,)]
            number = int(report.name.removeprefix("c"))
            newest = connection.execute(
                "SELECT id FROM items WHERE code = ?", (max(report.new_codes),)).fetchone()[0]
            assert newest.startswith(f"yt:v{number:04d}x")

    serve(4, "a")
    with Feed.open(isolated_home, clock=clock) as feed:
        for number in range(6):
            feed.add_source(server.url(f"/c{number}/feeds/videos.xml"), name=f"c{number}",
                            kind="youtube")
        first = [report for report in feed.fetch() if report.name != "demo"]
        check(first, new=4, updated=0)
        serve(6, "b")  # two more entries each, the four known ones again
        second = [report for report in feed.fetch() if report.name != "demo"]
        check(second, new=2, updated=4)
    assert len({code for report in first + second for code in report.new_codes}) == 36
