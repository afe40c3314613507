"""Benchmarks of the growing catalogue (`tuifeed bench`): fetching against newsboat, and a
home of 100k items against a demo-only home. Each figure is a ratio to a reference run on
the same machine in the same run, timing whole processes as a user starts them."""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tuifeed.catalogue.fetching import fetch_sources
from tuifeed.clock import VIRTUAL_EPOCH
from tuifeed.models import Item
from tuifeed.store.database import Store
from tuifeed.store.sources import add_source, ensure_sources

RUNS = 3


# Runs a command and writes its own CPU seconds and peak memory to the file named first: the
# figures of a process forked from this one would count this one's memory as theirs.
_MEASURE = ("import json, resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
            "open(sys.argv[1], 'w').write(json.dumps([usage.ru_utime + usage.ru_stime, "
            "usage.ru_maxrss])); sys.exit(code)")


def _run(command: list[str], env: dict | None = None, cwd: Path | None = None,
         measure: bool = True) -> dict:
    """Wall and CPU seconds of one child process, and its peak memory (MiB); without
    `measure`, the wall time alone, of the command itself (no wrapper to start)."""
    if not measure:
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd,
                                   timeout=600)
        if completed.returncode != 0:
            raise RuntimeError(f"{command[:4]} failed: {completed.stderr.strip()[-500:]}")
        return {"wall": time.perf_counter() - started, "out": completed.stdout}
    with tempfile.NamedTemporaryFile("r", suffix=".json") as figures:
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, "-c", _MEASURE, figures.name, *command],
                                   capture_output=True, text=True, env=env, cwd=cwd,
                                   timeout=600)
        wall = time.perf_counter() - started
        if completed.returncode != 0:
            raise RuntimeError(f"{command[:4]} failed: {completed.stderr.strip()[-500:]}")
        cpu, peak_kib = json.loads(figures.read())
    return {"wall": wall, "cpu": cpu, "peak_mib": peak_kib / 1024, "out": completed.stdout}


def _tuifeed(*args: str, home: Path) -> list[str]:
    """The command a user types: the installed `tuifeed` script beside this Python, else
    `python -m tuifeed` (a checkout run without installing)."""
    script = Path(sys.executable).parent / "tuifeed"
    start = [str(script)] if script.is_file() else [sys.executable, "-m", "tuifeed"]
    return [*start, "--home", str(home), *args]


@functools.cache
def _bytecode_folder() -> str:
    folder = tempfile.mkdtemp(prefix="tuifeed-bench-pycache-")
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _env(**extra: str) -> dict:
    """The environment of a measured tuifeed process: as installed, its modules compiled to
    bytecode once (pip does that at install; PYTHONDONTWRITEBYTECODE would make every run
    compile them again), kept in a folder of the bench's own, never in the source tree."""
    environment = {**os.environ, "TUIFEED_NOW": "2026-11-01T12:00:00Z",
                   "PYTHONPYCACHEPREFIX": _bytecode_folder(), **extra}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


# -- fetching ---------------------------------------------------------------------------------


def bench_fetch(feeds: int = 50, entries: int = 30, workdir: str | None = None) -> dict:
    """`tuifeed fetch` of `feeds` YouTube-style channel feeds from one loopback server (run
    in its own process), against newsboat (reload-threads 8) on the same feeds, when it is
    installed. Best of RUNS, each from an empty home / an empty newsboat cache; the two take
    turns, so that a machine busy for a moment slows both alike."""
    server = subprocess.Popen([sys.executable, "-m", "tuifeed.synthetic_feeds", str(feeds),
                               str(entries)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())  # type: ignore[union-attr]
        urls = [f"http://127.0.0.1:{port}/ch/{number}/feeds/videos.xml"
                for number in range(feeds)]
        with tempfile.TemporaryDirectory(dir=workdir) as folder:
            root = Path(folder)
            template = root / "template"
            _run(_tuifeed("rank", "--limit", "1", home=template), _env())  # a lived-in home
            store = Store(template / "tuifeed.db")
            for number, url in enumerate(urls):
                add_source(store.connection, f"ch{number}", "youtube", url, VIRTUAL_EPOCH)
            store.close()
            shutil.copytree(template, root / "warm-up")  # compiles what a fetch imports
            _run(_tuifeed("fetch", "--json", home=root / "warm-up"), _env(), measure=False)
            newsboat = shutil.which("newsboat")
            if newsboat:
                (root / "urls").write_text("\n".join(urls) + "\n")
                (root / "config").write_text("reload-threads 8\n")
            ours, again, theirs = [], [], []
            for run in range(RUNS):
                home = root / f"home{run}"
                shutil.copytree(template, home)
                command = _tuifeed("fetch", "--json", home=home)
                ours.append(_run(command, _env(), measure=False)["wall"])
                if newsboat:
                    theirs.append(_run([newsboat, "-x", "reload", "-u", str(root / "urls"),
                                        "-c", str(root / f"newsboat{run}.db"),
                                        "-C", str(root / "config")],
                                       {**os.environ, "HOME": str(root)}, cwd=root,
                                       measure=False)["wall"])
                again.append(_run(command, _env(), measure=False)["wall"])
            inside = []  # the TUI's path: the same fetch in a running process
            for run in range(RUNS):
                home = root / f"inside{run}"
                shutil.copytree(template, home)
                store = Store(home / "tuifeed.db")
                started = time.perf_counter()
                asyncio.run(fetch_sources(store, home / "cache", time.time))
                inside.append(time.perf_counter() - started)
                store.close()
            result = {"feeds": feeds, "entries": entries, "tuifeed_s": min(ours),
                      "tuifeed_refetch_s": min(again), "in_process_s": min(inside)}
            if theirs:
                result["newsboat_s"] = min(theirs)
                result["ratio"] = result["tuifeed_s"] / result["newsboat_s"]
                result["in_process_ratio"] = result["in_process_s"] / result["newsboat_s"]
            return result
    finally:
        server.kill()
        server.wait()


# -- a large home -----------------------------------------------------------------------------


def synthetic_library(count: int, tags: int, seed: int = 0) -> list[Item]:
    """`count` items over `tags` distinct tags (1-4 each, skewed) and count/20 channels."""
    generator = random.Random(seed)
    channels = max(count // 20, 1)
    names = [f"tag{number}" for number in range(tags)]
    return [
        Item(id=f"big:{number}", title=f"Video {number} about {generator.choice(names)}",
             creator=f"Channel {number % channels}", creator_id=f"web:{number % channels}",
             topics=tuple(dict.fromkeys(names[min(int(generator.paretovariate(0.8)) - 1,
                                                   tags - 1)] for _ in range(
                 generator.randint(1, 4)))),
             description="", duration=float(generator.randint(5, 180)),
             published=VIRTUAL_EPOCH - generator.uniform(0, 90 * 86400),
             views=int(generator.paretovariate(1.2) * 100), likes=generator.randint(0, 50),
             source="big")
        for number in range(count)
    ]


def bench_large_home(items: int = 100_000, tags: int = 3_000, keys: int = 40,
                     workdir: str | None = None, runs: int = RUNS) -> dict:
    """Opening the TUI and pressing keys (a headless `tuifeed open` script, the path the app
    takes) in a home of `items` items against a demo-only home. Best of `runs`."""
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        demo, large = Path(folder) / "demo", Path(folder) / "large"
        for home in (demo, large):
            _run(_tuifeed("rank", "--limit", "1", home=home), _env())  # installs the demo
        store = Store(large / "tuifeed.db")
        ensure_sources(store.connection, {"big"}, VIRTUAL_EPOCH, kind="rss")
        library = synthetic_library(items, tags)
        for start in range(0, items, 20_000):
            store.add_items(library[start: start + 20_000])
        store.close()
        figures = {}
        for name, home in (("demo", demo), ("large", large)):
            opens = [_run(_tuifeed("open", "--keys", "q", home=home), _env())
                     for _ in range(runs)]
            pressing = [_run(_tuifeed("open", "--keys", " ".join(["j"] * keys + ["q"]),
                                      home=home), _env()) for _ in range(runs)]
            open_cpu = min(run["cpu"] for run in opens)
            figures[name] = {
                "open_s": min(run["wall"] for run in opens),
                "key_cpu_ms": max(min(run["cpu"] for run in pressing) - open_cpu, 0) / keys
                * 1000,
                "peak_mib": max(run["peak_mib"] for run in opens + pressing),
            }
        return {"items": items, "tags": tags, **{f"{name}_{key}": value
                                                 for name, values in figures.items()
                                                 for key, value in values.items()},
                "open_ratio": figures["large"]["open_s"] / figures["demo"]["open_s"],
                # None when the demo's keys cost too little to measure (a run under load).
                "key_ratio": (figures["large"]["key_cpu_ms"] / figures["demo"]["key_cpu_ms"]
                              if figures["demo"]["key_cpu_ms"] > 0.1 else None)}
