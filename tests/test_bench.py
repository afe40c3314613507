"""The ranker learns and responds, as measured by the same code `tuifeed bench` runs."""

import json
import subprocess
import sys

from tuifeed import bench


def test_it_learns_a_simulated_viewers_taste():
    result = bench.bench_learns(seed=0)
    assert result["for-you"] > result["chronological"] + 0.2
    assert result["for-you"] > result["popularity"] + 0.2


def test_it_learns_whatever_the_seed():
    for seed in (1, 2):
        result = bench.bench_learns(seed=seed)
        assert result["for-you"] > max(result["chronological"], result["popularity"])


def test_it_responds_to_dwells_and_dislikes():
    result = bench.bench_responds(seed=0)
    assert result["share_after"] > result["share_before"]
    assert result["disliked_creator_in_next_10"] == 0


def test_bench_command_reports_ratios_against_a_reference(isolated_home):
    completed = subprocess.run(
        [sys.executable, "-m", "tuifeed", "bench", "--json", "--quick"],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    (speed,) = results["speed"]
    assert speed["candidates"] == 2000
    assert speed["ratio"] == speed["rerank_ms"] / speed["reference_ms"]
    assert {"for-you", "chronological", "popularity"} <= set(results["learns"])
    log = results["log"]
    assert log["rebuild_events"] == 5000
    ratio = log["writer_events_per_s"] / log["raw_executemany_events_per_s"]
    assert abs(log["writer_vs_raw"] - ratio) < 1e-9
    fetch = results["fetch"]
    assert fetch["feeds"] == 5 and fetch["tuifeed_s"] > 0
    if "newsboat_s" in fetch:
        assert fetch["ratio"] == fetch["tuifeed_s"] / fetch["newsboat_s"]
    large = results["large_home"]
    assert large["items"] == 10_000
    assert large["open_ratio"] == large["large_open_s"] / large["demo_open_s"]


def test_bench_refuses_bad_sizes(isolated_home):
    completed = subprocess.run([sys.executable, "-m", "tuifeed", "bench", "--sizes", "ten"],
                               capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert "--sizes takes whole numbers" in completed.stderr
