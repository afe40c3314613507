"""Fuzzing under one rule: whatever the input, it is taken, or refused with one line and exit 2
(nothing written); never a traceback, and the home keeps working. Plus a round trip of every
text a viewer can type, through export and import."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import sys
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.errors import TuifeedError
from tuifeed.store.portable import export_file, import_file

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Anything JSON can carry, hostile numbers and text included (lone surrogates, escapes, markup).
TEXT = st.text(st.characters(exclude_categories=()), max_size=30) | st.sampled_from([
    "", " ", "\x1b[31mred\x1b[0m", "[bold]x[/]", "\u202eevil", "a\u2028b", "\udcff",
    "0999-01-01T00:00:00Z", "3000-01-01T00:00:00Z", "2026-13-45T99:00:00Z", "1e308", "NaN"])
NUMBER = st.integers() | st.sampled_from([2**63 - 1, 2**63, 2**64, -(2**63), 10**400]) | \
    st.floats(allow_nan=True, allow_infinity=True)
SCALAR = st.none() | st.booleans() | NUMBER | TEXT
JSON_VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) |
                          st.dictionaries(TEXT, inner, max_size=3), max_leaves=6)

VALID = {
    "item": {"type": "item", "id": "demo:0001", "source": "demo", "title": "t", "creator": "c",
             "topics": ["cats"], "description": "", "duration": 10, "published": "",
             "views": 1, "likes": 0, "thumbnail": "", "url": "", "creator_id": ""},
    "event": {"type": "event", "id": 5, "ts": "2026-01-02T00:00:00Z", "item_id": "demo:0001",
              "kind": "dwell", "value": 3.5, "session_id": "s", "undone": False},
    "steering": {"type": "steering", "id": 3, "ts": "2026-01-02T00:00:00Z", "action": "boost",
                 "target": "topic", "name": "cats", "amount": 1.0, "undone": False},
    "follow": {"type": "follow", "creator": "demo:gatorgrace", "since": "2026-01-02T00:00:00Z"},
    "recipe": {"type": "recipe", "name": "mine", "toml": "[terms]\ntopic = 1.0\n"},
}
HEADER = {"type": "header", "format": "tuifeed-export", "version": 1,
          "exported_at": "2026-01-01T00:00:00Z", "first_run": ""}


@st.composite
def fuzzed_line(draw) -> str:
    """A valid record with some fields replaced by anything, or a line of raw text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=40)).replace("\n", " ")
    kind = draw(st.sampled_from(sorted(VALID)))
    record = dict(VALID[kind])
    for name in draw(st.lists(st.sampled_from(sorted(record)), max_size=3, unique=True)):
        record[name] = draw(JSON_VALUE)
    return json.dumps(record, allow_nan=True)


def log_state(home: Path) -> tuple:
    """What an import must leave alone when it refuses: the log and the viewer's recipes."""
    with contextlib.closing(sqlite3.connect(home / "tuifeed.db")) as connection:
        rows = tuple(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                     for table in ("events", "event_undos", "steering", "follows"))
    recipes = sorted(path.name for path in (home / "config" / "recipes").glob("*.toml"))
    return rows, tuple(recipes)


def home_works(home: Path) -> None:
    with Feed.open(home, clock=VirtualClock()) as feed:
        assert feed.upcoming(3)
        feed.signal(feed.upcoming(1)[0].item.id, "like")
        assert feed.flush()


@FUZZ
@given(lines=st.lists(fuzzed_line(), min_size=1, max_size=4))
def test_any_import_file_is_taken_or_refused_in_one_line_and_the_home_works(
        isolated_home, tmp_path, lines):
    Feed.open(isolated_home, clock=VirtualClock()).close()
    source = tmp_path / "fuzz.jsonl"
    source.write_text("\n".join([json.dumps(HEADER), *lines]) + "\n", encoding="utf-8",
                      errors="surrogatepass")
    before = log_state(isolated_home)
    with Feed.open(isolated_home, clock=VirtualClock()) as feed:
        try:
            import_file(feed.store, feed.locations.recipes, source)
        except TuifeedError as error:
            assert "\n" not in str(error) and str(error)
            assert log_state(isolated_home) == before
    home_works(isolated_home)


# -- every CLI argument -------------------------------------------------------------------

ARGUMENT = TEXT | st.sampled_from(["demo:0001", "like", "dwell", "watch", "-1", "1e400",
                                   "--help-me", "topic", "word", "creator", "alligators"])
COMMANDS = st.one_of(
    st.tuples(st.just("signal"), ARGUMENT, ARGUMENT) | st.tuples(
        st.just("signal"), st.just("demo:0001"), st.sampled_from(["dwell", "watch"]), ARGUMENT),
    st.tuples(st.just("steer"), st.sampled_from(["mute", "unmute", "forget"]),
              st.sampled_from(["topic", "creator", "word"]), ARGUMENT),
    st.tuples(st.just("steer"), st.just("boost"), st.sampled_from(["topic", "creator"]),
              ARGUMENT, ARGUMENT),
    st.tuples(st.just("forget"), st.just("--before"), ARGUMENT),
    st.tuples(st.just("rank"), st.just("--limit"), ARGUMENT),
    st.tuples(st.just("rank"), st.just("--recipe"), ARGUMENT),
    st.tuples(st.just("why"), ARGUMENT),
    st.tuples(st.just("history"), st.just("--kind"), ARGUMENT),
    st.tuples(st.just("import"), ARGUMENT),
    st.tuples(st.just("export"), ARGUMENT),
    st.tuples(st.just("recipes"), st.just("show"), ARGUMENT),
)


def run_in_process(args: list[str]) -> tuple[int, str]:
    from tuifeed.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["tuifeed", *args]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
                code = 0
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        sys.argv = saved
    return code, stderr.getvalue()


@FUZZ
@given(args=COMMANDS)
def test_any_command_line_is_taken_or_refused_in_one_line_exit_2_and_the_home_works(
        isolated_home, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # an export to a relative path lands in the test's folder
    Feed.open(isolated_home, clock=VirtualClock()).close()
    before = log_state(isolated_home)
    code, stderr = run_in_process(list(args))
    assert "Traceback" not in stderr and "internal error" not in stderr, (args, stderr)
    if code != 0:
        assert code == 2, (args, code, stderr)
        assert len(stderr.strip().splitlines()) == 1, (args, stderr)
        assert log_state(isolated_home) == before, args
    home_works(isolated_home)


# -- every text a viewer can type, through export and import ------------------------------

TYPED = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(TYPED, min_size=1, max_size=6))
def test_typed_words_survive_export_and_import_exactly(tmp_path, words):
    first, second = tmp_path / "first", tmp_path / "second"
    for home in (first, second):
        if home.exists():
            import shutil

            shutil.rmtree(home)
    with Feed.open(first, clock=VirtualClock()) as feed:
        for word in words:
            try:
                feed.steer("mute", "word", word)
            except TuifeedError:
                assume(False)  # only whitespace or control characters: refused, fine
        kept = [(action.action, action.name) for action in feed.steering_log]
        feed.flush()
        export = tmp_path / "export.jsonl"
        export_file(feed.store, feed.locations.recipes, feed.clock.now(), export)
    with Feed.open(second, clock=VirtualClock()) as feed:
        added = import_file(feed.store, feed.locations.recipes, export)
        again = import_file(feed.store, feed.locations.recipes, export)
    assert added["steering"] == len(words) and again["steering"] == 0
    with Feed.open(second, clock=VirtualClock()) as feed:
        assert [(action.action, action.name) for action in feed.steering_log] == kept
        assert all("\x1b" not in name and "\u202e" not in name for _, name in kept)


# -- every feed parser ----------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from([
    "\x1b]52;c;cGF5bG9hZA==\x07", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "\x1b[2J", "[bold red]red[/]", "[link=x:y]L", "\u202eevil", "\x9b31m", "a\u2028b", "&amp;",
    "]]>", "<![CDATA[x]]>", "\x00", "", "javascript:alert(1)", "data:text/html,x",
    "file:///etc/passwd", "/dev/tty", "1e999", "-1", "99999999999999999999999",
]) | st.text(max_size=20)

RSS = ('<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">'
       '<channel><title>{0}</title><item><title>{1}</title><link>{2}</link><guid>{3}</guid>'
       '<description>{4}</description><category>{5}</category>'
       '<media:thumbnail url="{6}"/><media:content url="{7}" duration="{8}"/>'
       '<pubDate>{9}</pubDate></item></channel></rss>')
ATOM = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        'xmlns:media="http://search.yahoo.com/mrss/"><title>{0}</title>'
        '<entry><id>{3}</id><yt:videoId>{3}</yt:videoId><title>{1}</title>'
        '<link rel="alternate" href="{2}"/><author><name>{5}</name></author>'
        '<published>{9}</published><media:group><media:title>{4}</media:title>'
        '<media:thumbnail url="{6}"/><media:community><media:statistics views="{8}"/>'
        '</media:community></media:group></entry></feed>')


def xml_text(value: str) -> str:
    from xml.sax.saxutils import escape

    return escape("".join(character for character in value
                          if character in "\t\n\r" or ord(character) >= 0x20))


@FUZZ
@given(template=st.sampled_from([RSS, ATOM]), fields=st.lists(HOSTILE_TEXT, min_size=10,
                                                              max_size=10),
       cut=st.integers(0, 2000), raw=st.booleans())
def test_every_xml_feed_parser_returns_clean_items_or_refuses_in_one_line(
        template, fields, cut, raw):
    """Hostile text in every field (escaped as XML, or raw and so maybe malformed), or the
    document cut short: the parser gives items or a FetchError, and what reaches the
    catalogue holds no control sequence."""
    from tuifeed.catalogue.ingest import to_items
    from tuifeed.sources.base import FetchError, parse_or_refuse
    from tuifeed.sources.feeds import parse_feed
    from tuifeed.sources.youtube import parse_youtube

    document = template.format(*(field if raw else xml_text(field) for field in fields))
    body = document.encode("utf-8", "surrogatepass")
    if cut:
        body = body[: len(body) - cut]
    for parser in (parse_feed, parse_youtube):
        try:
            fetched = parse_or_refuse(parser, body, "https://example.org/feed")
        except FetchError as error:
            assert "\n" not in str(error)
            continue
        items, _ = to_items(fetched, "fuzz", 1.8e9, {})
        assert_clean(items)


@FUZZ
@given(entry=st.dictionaries(st.sampled_from(["id", "title", "url", "content_text", "image",
                                              "date_published", "tags", "authors",
                                              "external_url", "summary"]),
                             JSON_VALUE | HOSTILE_TEXT, max_size=10),
       depth=st.integers(0, 3))
def test_json_feed_and_peertube_parsers_return_clean_items_or_refuse(entry, depth):
    from tuifeed.catalogue.ingest import to_items
    from tuifeed.sources.base import FetchError, parse_or_refuse
    from tuifeed.sources.feeds import parse_json_feed
    from tuifeed.sources.peertube import parse_list

    for body in (
        json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                    "items": [entry] * (depth + 1)}),
        json.dumps({"total": depth, "data": [entry, {"uuid": entry.get("id"),
                                                     "name": entry.get("title"),
                                                     "tags": entry.get("tags")}]}),
        "[" * (10_000 * depth) + "]" * (10_000 * depth),
    ):
        for parser in (parse_json_feed, lambda data, url: parse_list(data, url)[0]):
            try:
                fetched = parse_or_refuse(parser, body.encode(), "https://example.org")
            except FetchError as error:
                assert "\n" not in str(error)
                continue
            items, _ = to_items(fetched, "fuzz", 1.8e9, {})
            assert_clean(items)


def assert_clean(items) -> None:
    for item in items:
        for text in (item.id, item.title, item.creator, item.description, item.url,
                     item.page_url, item.thumbnail, *item.topics):
            assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
            assert not any("\x80" <= character <= "\x9f" for character in text)
        for address in (item.url, item.page_url, item.thumbnail):
            assert address == "" or address.startswith(("http://", "https://")), address


SUBSCRIPTION_TEMPLATES = [
    ('<?xml version="1.0"?><opml version="2.0"><body><outline text="{0}" title="{1}" '
     'type="rss" xmlUrl="{2}" htmlUrl="{3}"/></body></opml>', "subs.opml"),
    ('{{"app_version": "0.26", "subscriptions": [{{"service_id": 0, "url": "{2}", '
     '"name": "{0}"}}]}}', "newpipe.json"),
    ('{{"_id": "{1}", "name": "{0}", "subscriptions": [{{"id": "{3}", "name": "{0}"}}]}}\n',
     "freetube.db"),
    ("Channel Id,Channel Url,Channel Title\n{3},{2},{0}\n", "subscriptions.csv"),
]


@FUZZ
@given(template=st.sampled_from(SUBSCRIPTION_TEMPLATES),
       fields=st.lists(HOSTILE_TEXT, min_size=4, max_size=4), raw=st.booleans(),
       cut=st.integers(0, 40))
def test_every_subscription_list_reader_returns_subscriptions_or_one_line(
        tmp_path, template, fields, raw, cut):
    from tuifeed.sources.subscriptions import read_subscriptions

    text, name = template
    escaped = [field if raw else json.dumps(field)[1:-1].replace("<", "&lt;").replace(
        '"', "&quot;") for field in fields]
    body = text.format(*escaped).encode("utf-8", "surrogatepass")
    path = tmp_path / name
    path.write_bytes(body[: len(body) - cut] if cut else body)
    try:
        found = read_subscriptions(path)
    except TuifeedError as error:
        assert "\n" not in str(error)
        return
    for subscription in found:
        for value in (subscription.url, subscription.name, subscription.kind):
            assert "\x1b" not in value and "\u202e" not in value and "\n" not in value
