"""`tuifeed bench` as a command: every section in --quick, its figures and its report.

(Apart from test_bench.py: the suite runs a file's tests on one process, and this one runs
beside that file's learning benchmark instead of after it.)"""

import json
import subprocess
import sys

from tuifeed import bench


def test_bench_command_runs_every_section_quickly(isolated_home):
    completed = subprocess.run(
        [sys.executable, "-m", "tuifeed", "bench", "--json", "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    learns = results["learns"]
    assert learns["seeds"] == [0]
    for scenario in learns["scenarios"].values():
        assert {"for-you", "chronological", "popular"} <= set(scenario)
        assert all(0 <= run["for-you"] <= 1 for run in scenario["runs"])
    (speed,) = results["speed"]
    assert speed["candidates"] == 2000 and speed["path"] == "next() + queue_job(18).run()"
    assert speed["rerank_ms"] > 0 and speed["reference_ms"] > 0
    log = results["log"]
    assert log["rebuild_events"] == 5000
    assert log["writer_events_per_s"] > 0 and log["raw_executemany_events_per_s"] > 0
    assert log["rebuild_s"] > 0
    fetch = results["fetch"]
    assert fetch["feeds"] == 5
    assert fetch["tuifeed_s"] > 0 and fetch["tuifeed_refetch_s"] > 0 and fetch["in_process_s"] > 0
    large = results["large_home"]
    assert large["items"] == 2_000
    assert large["large_open_s"] > 0 and large["demo_open_s"] > 0
    assert large["large_peak_mib"] > 0
    words = results["words"]
    assert words["items"] == 10_000 and words["regex_pass_ms"] > 0
    assert words["first_mute_ms"] > words["next_mute_ms"] > 0
    # Every title the plain regex caught is caught, and more (variants, descriptions, tags).
    assert all(words["hidden"][word] > words["regex_hidden"][word] for word in ("cat", "hike"))
    text = bench.report(results)  # the same figures, as the text report prints them
    assert f"Word mutes over {words['items']:,} items" in text
    tastes = results["tastes"]
    assert tastes["seeds"] == [0] and tastes["items"] == 40
    assert {"topics", "creators", "short-clips", "noisy"} == set(tastes["scenarios"])
    for line in ("topics", "creators", "short-clips", "noisy", "for-you", "chronological",
                 "popular", "over seeds 0-0", "Any taste: the first 40 cards"):
        assert line in text
    screens = results["screens"]
    assert screens["events"] == 20_000
    for home in ("large", "small"):
        assert all(screens[home][key] > 0 for key in (
            "open_s", "history_first_ms", "history_filter_ms_median", "sparklines_ms", "why_ms",
            "why_again_ms", "summary_ms"))
    assert "Screens over the whole log: 20,000 events" in text
    assert "Why this?, another item" in text and "My algorithm's summary" in text
    app = results["app"]
    for name in ("bare", "demo"):
        start = app["start"][name]
        assert 0 < start["first_frame_s"] <= start["first_card_s"] <= start["with_picture_s"]
        assert start["peak_mib"] > 0
        keys = app["keys"][name]
        assert keys["presses"] == 10 and 0 < keys["key_ms_p50"] <= keys["key_ms_p99"]
        assert 0 <= keys["hit_rate"] <= 1
    assert app["start"]["ratio"] > 0 and app["start"]["frame_ratio"] > 0
    (home,) = app["homes"]
    assert home["items"] == home["events"] == 2_000
    assert home["start"]["first_card_s"] > 0 and home["start_ratio"] > 0
    assert home["start_ratio_median"] > 0
    assert home["keys"]["presses"] == 10 and home["keys"]["card_ms_p99"] > 0
    assert home["peak_mib"] > 0
    assert [row["size"] for row in app["decode"]] == [[90, 160], [480, 360], [1280, 720]]
    assert all(row["decode_ms"] > 0 and row["pillow_ms"] > 0 for row in app["decode"])
    for line in ("start-up to the first painted frame", "start-up to the first card",
                 "against a bare Textual app",
                 "2,000 items and 2,000 events", "a key (j) to the next card complete",
                 "peak memory, whole process", "thumbnail decode per image"):
        assert line in text


def test_bench_refuses_bad_sizes(isolated_home):
    completed = subprocess.run([sys.executable, "-m", "tuifeed", "bench", "--sizes", "ten"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "--sizes takes whole numbers" in completed.stderr
