"""Subscription lists: each export format read as its app writes it, OPML written back, and
hostile files refused with one clear line."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from tuifeed.errors import TuifeedError
from tuifeed.sources.subscriptions import (
    MAX_BYTES,
    Subscription,
    detect_format,
    read_subscriptions,
    write_opml,
)

FIXTURES = Path(__file__).parent / "fixtures" / "subscriptions"

FEED = "https://www.youtube.com/feeds/videos.xml?channel_id="
KURZGESAGT = Subscription(FEED + "UCsXVk37bltHxD1rDPwtNM8Q", "Kurzgesagt – In a Nutshell",
                          "youtube")
ELECTROBOOM = Subscription(FEED + "UCJ0-OtVpF0wOKEqT2Z1HEtA", "ElectroBOOM", "youtube")


def refused(path: Path, *words: str) -> str:
    """Read `path`, expecting a TuifeedError: one line naming the file and the problem."""
    with pytest.raises(TuifeedError) as caught:
        read_subscriptions(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message
    return message


# --- each format ------------------------------------------------------------------------

def test_opml_with_nested_categories():
    notes: list[str] = []
    assert read_subscriptions(FIXTURES / "nested.opml", notes) == [
        KURZGESAGT,
        ELECTROBOOM,  # an http://youtube.com feed URL, in one spelling
        Subscription("https://video.blender.org/feeds/videos.xml?videoChannelId=2",
                     "Blender (PeerTube)", "rss"),
        # An Invidious feed becomes the channel's YouTube feed.
        Subscription(FEED + "UCEOXxzW2vU0P-0THehuIIeg", "CaptainDisillusion via Invidious",
                     "youtube"),
        # Entities decoded; the unnamed duplicate below it merged away.
        Subscription("https://example.org/feed.xml?a=1&b=2", "Tom & Jerry's <blog>", "rss"),
        Subscription("https://example.net/feed.json", "A JSON Feed", "jsonfeed"),
    ]
    assert notes == ["1 skipped: not an http(s) URL"]


def test_freetube_opml_export_shape(tmp_path):
    # FreeTube's "Export YouTube (.opml)": version 1.1, one line, a wrapping outline.
    path = tmp_path / "youtube-subscriptions-2025-01-06.opml"
    path.write_text(
        '<opml version="1.1"><body><outline text="YouTube Subscriptions" '
        'title="YouTube Subscriptions"><outline text="ElectroBOOM" title="ElectroBOOM" '
        'type="rss" xmlUrl="https://www.youtube.com/feeds/videos.xml?channel_id='
        'UCJ0-OtVpF0wOKEqT2Z1HEtA"/></outline></body></opml>', encoding="utf-8")
    assert read_subscriptions(path) == [ELECTROBOOM]


def test_newpipe_youtube_peertube_and_soundcloud():
    notes: list[str] = []
    assert read_subscriptions(FIXTURES / "newpipe.json", notes) == [
        KURZGESAGT,
        Subscription("https://framatube.org/video-channels/framasoft_channel", "Framasoft",
                     "peertube"),
        Subscription("https://www.youtube.com/feeds/videos.xml?user=Vsauce", "Vsauce",
                     "youtube"),
        # A handle has no feed URL without asking YouTube: the page URL is kept.
        Subscription("https://www.youtube.com/@LinusTechTips", "Linus Tech Tips", "youtube"),
    ]
    assert notes == ["1 skipped: SoundCloud is not supported"]


def test_newpipe_odd_entries_are_counted(tmp_path):
    path = tmp_path / "newpipe.json"
    path.write_text(json.dumps({"app_version": "0.27.6", "subscriptions": [
        {"service_id": 2, "url": "https://media.ccc.de/c/38c3", "name": "38C3"},
        {"service_id": [9], "url": "https://example.org/x", "name": "?"},
        {"service_id": 99, "url": "https://example.org/y", "name": "?"},
        {"service_id": 0, "name": "no url"},
        "not an object",
    ]}), encoding="utf-8")
    notes: list[str] = []
    assert read_subscriptions(path, notes) == []
    assert notes == ["1 skipped: media.ccc.de is not supported",
                     "2 skipped: an unknown service is not supported",
                     "2 skipped: an entry without a URL"]


def test_freetube_profiles_merged():
    assert read_subscriptions(FIXTURES / "freetube-subscriptions.db") == [
        KURZGESAGT,
        ELECTROBOOM,
        Subscription(FEED + "UCEOXxzW2vU0P-0THehuIIeg", "Captain Disillusion", "youtube"),
    ]


def test_freetube_format_before_profiles():
    assert read_subscriptions(FIXTURES / "freetube-old.db") == [KURZGESAGT, ELECTROBOOM]


def test_freetube_live_database_keeps_the_last_version_of_each_record(tmp_path):
    # FreeTube's own profiles.db is append-only: updates and deletions are new lines.
    first = {"_id": "allChannels", "name": "All Channels", "bgColor": "#000", "textColor": "#fff",
             "subscriptions": [{"id": "UCsXVk37bltHxD1rDPwtNM8Q", "name": "K", "thumbnail": None}]}
    updated = dict(first, subscriptions=[{"id": "UCJ0-OtVpF0wOKEqT2Z1HEtA",
                                          "name": "ElectroBOOM", "thumbnail": None}])
    gone = {"_id": "other", "name": "Old", "bgColor": "#000", "textColor": "#fff",
            "subscriptions": [{"id": "UCEOXxzW2vU0P-0THehuIIeg", "name": "C", "thumbnail": None}]}
    lines = [first, gone, updated, {"$$deleted": True, "_id": "other"},
             {"$$indexCreated": {"fieldName": "name"}}]
    path = tmp_path / "profiles.db"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert read_subscriptions(path) == [ELECTROBOOM]


def test_takeout_csv_with_bom_quotes_and_blank_trailing_lines():
    assert read_subscriptions(FIXTURES / "subscriptions.csv") == [
        KURZGESAGT,
        ELECTROBOOM,
        Subscription(FEED + "UCEOXxzW2vU0P-0THehuIIeg", 'Captain Disillusion, "the" one',
                     "youtube"),
    ]


def test_takeout_csv_with_a_localized_header(tmp_path):
    path = tmp_path / "suscripciones.csv"
    path.write_text("ID del canal,URL del canal,Título del canal\r\n"
                    "UCJ0-OtVpF0wOKEqT2Z1HEtA,http://www.youtube.com/channel/"
                    "UCJ0-OtVpF0wOKEqT2Z1HEtA,ElectroBOOM\r\n\r\n", encoding="utf-8")
    assert read_subscriptions(path) == [ELECTROBOOM]


def test_takeout_older_json_list(tmp_path):
    # Takeout's subscriptions.json before the CSV (also FreeTube's "Export YouTube (.json)").
    path = tmp_path / "subscriptions.json"
    path.write_text(json.dumps([
        {"kind": "youtube#subscription", "snippet": {
            "title": "ElectroBOOM",
            "resourceId": {"kind": "youtube#channel", "channelId": "UCJ0-OtVpF0wOKEqT2Z1HEtA"}}},
        {"kind": "youtube#subscription", "snippet": {"title": "no id"}},
    ]), encoding="utf-8")
    notes: list[str] = []
    assert read_subscriptions(path, notes) == [ELECTROBOOM]
    assert notes == ["1 skipped: an entry without a YouTube channel id"]


@pytest.mark.parametrize(("name", "expected"), [
    ("nested.opml", "opml"),
    ("newpipe.json", "newpipe"),
    ("freetube-subscriptions.db", "freetube"),
    ("freetube-old.db", "freetube"),
    ("subscriptions.csv", "takeout"),
])
def test_detect_format_from_content_even_when_renamed(name, expected):
    data = (FIXTURES / name).read_bytes()
    assert detect_format(data, name) == expected
    assert detect_format(data, "renamed.txt") == expected


def test_duplicates_keep_the_first_name_given(tmp_path):
    path = tmp_path / "subs.json"
    url = "https://www.youtube.com/channel/UCJ0-OtVpF0wOKEqT2Z1HEtA"
    path.write_text(json.dumps({"subscriptions": [
        {"service_id": 0, "url": url, "name": ""},
        {"service_id": 0, "url": url, "name": "ElectroBOOM"},
        {"service_id": 0, "url": url + "/", "name": "Second name"},
    ]}), encoding="utf-8")
    assert read_subscriptions(path) == [ELECTROBOOM]


# --- writing ----------------------------------------------------------------------------

def test_opml_round_trip(tmp_path):
    originals = []
    for name in ("nested.opml", "newpipe.json", "freetube-subscriptions.db",
                 "subscriptions.csv"):
        originals += read_subscriptions(FIXTURES / name)
    originals.append(Subscription("https://example.com/a?x=1&y=<2>", 'Quote " and \' both',
                                  "rss"))
    originals.append(Subscription("https://example.com/unnamed.xml", "", "rss"))
    by_url: dict[str, Subscription] = {}
    for subscription in originals:
        by_url.setdefault(subscription.url, subscription)
    originals = list(by_url.values())
    path = tmp_path / "out.opml"
    write_opml(originals, path)
    assert read_subscriptions(path) == originals
    assert os.listdir(tmp_path) == ["out.opml"]  # no temporary file left behind


def test_write_replaces_an_existing_file(tmp_path):
    path = tmp_path / "out.opml"
    path.write_text("old", encoding="utf-8")
    write_opml([ELECTROBOOM], path)
    assert read_subscriptions(path) == [ELECTROBOOM]


def test_write_refuses_a_folder_a_symlink_and_a_fifo(tmp_path):
    target = tmp_path / "target.opml"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.opml"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.opml"
    os.mkfifo(fifo)
    for path, word in ((tmp_path, "folder"), (link, "symlink"), (fifo, "FIFO")):
        with pytest.raises(TuifeedError, match=word) as caught:
            write_opml([ELECTROBOOM], path)
        assert "\n" not in str(caught.value)
    assert target.read_text(encoding="utf-8") == "keep me"


def test_write_into_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(TuifeedError, match="cannot be written"):
        write_opml([ELECTROBOOM], tmp_path / "missing" / "out.opml")


# --- hostile or broken input ------------------------------------------------------------

def test_billion_laughs_refused(tmp_path):
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)]
    path = tmp_path / "laughs.opml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE opml [\n' + "\n".join(entities)
                    + '\n]>\n<opml version="2.0"><body><outline text="&lol9;" '
                    'xmlUrl="https://example.org/feed"/></body></opml>', encoding="utf-8")
    refused(path, "DOCTYPE")


def test_external_entity_refused(tmp_path):
    path = tmp_path / "xxe.opml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM '
                    '"file:///etc/passwd">]><opml><body><outline text="&x;" '
                    'xmlUrl="https://example.org/feed"/></body></opml>', encoding="utf-8")
    refused(path, "DOCTYPE")


def test_fifo_refused_without_blocking(tmp_path):
    fifo = tmp_path / "subs.opml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def attempt() -> None:
        try:
            read_subscriptions(fifo)
        except BaseException as error:  # noqa: BLE001 - the test thread checks it
            outcome.append(error)

    # A daemon thread: if the read ever blocked, the test fails instead of hanging.
    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert len(outcome) == 1 and isinstance(outcome[0], TuifeedError)
    assert "FIFO" in str(outcome[0])


def test_directory_missing_and_oversized_files_refused(tmp_path):
    refused(tmp_path, "folder")
    refused(tmp_path / "missing.opml", "cannot be read")
    big = tmp_path / "big.opml"
    with open(big, "wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: costs no disk
    refused(big, "MB")


def test_truncated_json_refused(tmp_path):
    text = (FIXTURES / "newpipe.json").read_text(encoding="utf-8")
    path = tmp_path / "newpipe.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    refused(path, "not valid JSON")


def test_truncated_freetube_line_refused(tmp_path):
    text = (FIXTURES / "freetube-subscriptions.db").read_text(encoding="utf-8")
    path = tmp_path / "freetube.db"
    path.write_text(text[:-40], encoding="utf-8")
    refused(path, "line 2", "not valid JSON")


@pytest.mark.parametrize("content", [
    "name,email\nbob,bob@example.org\n",
    "Name,Email,Phone\nbob,bob@example.org,555\n",
    "Channel Id,Channel Url,Channel Title\nUCJ0-OtVpF0wOKEqT2Z1HEtA\n",
])
def test_csv_with_the_wrong_columns_refused(tmp_path, content):
    path = tmp_path / "subscriptions.csv"
    path.write_text(content, encoding="utf-8")
    refused(path, "Channel Id, Channel Url, Channel Title")


@pytest.mark.parametrize(("content", "words"), [
    ('<opml version="2.0"><body><outline xmlUrl="https://e.org/f"></body>', ("not valid XML",)),
    ("<html><body></body></html>", ("not an OPML file", "<html>")),
    ('{"app_version": "0.27.6"}', ("not a NewPipe export",)),
    ("just some words", ("not a subscription list",)),
    ("", ("not a subscription list",)),
])
def test_broken_or_unknown_files_refused(tmp_path, content, words):
    path = tmp_path / "subscriptions.txt"
    path.write_text(content, encoding="utf-8")
    refused(path, *words)


def test_non_utf8_refused(tmp_path):
    path = tmp_path / "latin1.opml"
    path.write_bytes('<opml><body><outline text="Café" xmlUrl="https://e.org/f"/></body></opml>'
                     .encode("latin-1"))
    refused(path, "not UTF-8")


def test_escape_sequences_in_names_are_cleaned(tmp_path):
    path = tmp_path / "newpipe.json"
    path.write_text(json.dumps({"subscriptions": [{
        "service_id": 0,
        "url": "https://www.youtube.com/channel/UCJ0-OtVpF0wOKEqT2Z1HEtA",
        "name": "\x1b[31mElectro\x1b[0m\x1b]0;pwned\x07BOOM\x1b[2J\n",
    }]}), encoding="utf-8")
    assert read_subscriptions(path) == [ELECTROBOOM]
    out = tmp_path / "out.opml"
    write_opml([Subscription(ELECTROBOOM.url, "Electro\x1b[2J\x07BOOM", "youtube")], out)
    assert "\x1b" not in out.read_text(encoding="utf-8")
    assert read_subscriptions(out) == [ELECTROBOOM]
