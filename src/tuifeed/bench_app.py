"""Benchmarks of the app as a viewer meets it (`tuifeed bench`): the installed `tuifeed`
command started in a pseudo-terminal (see bench_terminal), timed from the spawn to its first
painted frame (the screen's widgets: tuifeed draws them before its feed is open) and to the
frame that shows the first card, and from a key written to the frame that shows the next card
complete, whatever the app does in between and on whichever thread. The references run the
same way in the same run: a bare Textual app with the same widget tree (bench_bare_app) and a
demo-only home.

"Complete", for a card after a key: the first frame whose card border reads the new card's
number ("#N of this session") and that no longer shows the thumbnail's "(loading…)"
placeholder; frames end with the terminal's synchronized-output end marker (bench_terminal).
A card painted with its picture in the same frame as its number counts as a hit of the
thumbnail cache; one painted with the placeholder first is a miss.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

from tuifeed.bench_catalogue import _env, _tuifeed
from tuifeed.bench_terminal import Terminal
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock, iso_utc
from tuifeed.feed import Feed
from tuifeed.models import Item
from tuifeed.store.database import Store
from tuifeed.store.sources import ensure_sources
from tuifeed.store.writer import INSERT_EVENT

COLUMNS, ROWS = 120, 40
START_RUNS = 5
# The first open of a home just written, then as many reopens as the demo's start-ups: a
# best of 2 against a best of 5 (as before) made the large homes' ratio worse by itself.
LARGE_START_RUNS = START_RUNS + 1
PRESSES = 200
KEY_BUDGET = 120.0  # seconds of pressing at most: a slow home gets fewer presses, said so
QUICK_PRESSES = 10
PACE = 0.05  # seconds between a card complete and the next key: a brisk thumb
# Seconds without the card a key brings before the key counts as lost and is pressed again
# (once in ~1,000 keys the bare Textual app ignored one), and how many times at most.
LOST_KEY_WAIT = 10.0
LOST_KEY_TRIES = 3
LOADING = "(loading…)"
# A frame is painted once it shows the screen's widget tree: both apps title their queue so.
PAINTED = "Up next"
LARGE_SIZES = (100_000, 1_000_000)
QUICK_SIZE = 2_000
TAGS = 3_000
PICTURE_SIZE = (480, 360)  # YouTube's feeds link thumbnails of this size (hqdefault)
PICTURE_FILES = 1_000  # distinct thumbnail files the synthetic items point at
DECODED_PICTURES = 40
CHUNK = 50_000
EVENT_KINDS = ("impression",) * 5 + ("dwell",) * 5 + ("skip",) * 3 + (
    "like", "save", "dislike", "watch", "share")
BARE_APP = Path(__file__).with_name("bench_bare_app.py")
TARGETS = {"start_ratio": 1.3, "large_start_ratio": 2.0, "key_p99_ms_100k": 16.0,
           "key_p99_ms_1m": 50.0, "peak_mib_1m": 500.0}


def _card(number: int) -> str:
    return f"#{number} of this session"


def terminal_env() -> dict:
    """A plain modern terminal's environment, with the system clock (no TUIFEED_NOW): the
    app as a viewer runs it, not under tmux."""
    environment = _env(TERM="xterm-256color", COLORTERM="truecolor")
    for name in ("TUIFEED_NOW", "TMUX", "TMUX_PANE", "STY", "TEXTUAL", "NO_COLOR"):
        environment.pop(name, None)
    return environment


def bare_command() -> list[str]:
    return [sys.executable, str(BARE_APP)]


# -- homes ------------------------------------------------------------------------------------


def make_pictures(folder: Path, count: int = PICTURE_FILES) -> list[Path]:
    """`count` local thumbnail files of PICTURE_SIZE, made from the demo's bundled pictures
    (20 distinct images, the rest hard links to them: distinct paths, so each is a picture
    of its own to the app's caches)."""
    from PIL import Image

    from tuifeed.sources.demo import load_demo_catalogue

    folder.mkdir(parents=True, exist_ok=True)
    bundled = [item.thumbnail for item in load_demo_catalogue(0.0) if item.thumbnail][:20]
    originals = []
    for number, source in enumerate(bundled):
        path = folder / f"original{number}.jpg"
        with Image.open(source) as picture:
            picture.convert("RGB").resize(PICTURE_SIZE).save(path, quality=85)
        originals.append(path)
    paths = []
    for number in range(count):
        path = folder / f"thumb{number}.jpg"
        try:
            os.link(originals[number % len(originals)], path)
        except OSError:
            shutil.copyfile(originals[number % len(originals)], path)
        paths.append(path)
    return paths


def _items(start: int, count: int, pictures: list[Path], generator: random.Random) -> list[Item]:
    channels = 50_000
    return [
        Item(id=f"big:{number}", title=f"Video {number} about tag{generator.randrange(TAGS)}",
             creator=f"Channel {number % channels}", creator_id=f"web:{number % channels}",
             topics=tuple(dict.fromkeys(
                 f"tag{min(int(generator.paretovariate(0.8)) - 1, TAGS - 1)}"
                 for _ in range(generator.randint(1, 4)))),
             description="", duration=float(generator.randint(5, 180)),
             published=VIRTUAL_EPOCH - generator.uniform(0, 90 * 86400),
             views=int(generator.paretovariate(1.2) * 100), likes=generator.randint(0, 50),
             thumbnail=str(pictures[number % len(pictures)]), source="big")
        for number in range(start, start + count)
    ]


def build_home(home: Path, items: int, events: int, pictures: list[Path],
               seed: int = 0) -> dict:
    """A home with the demo, `items` synthetic items (their thumbnails local files) and
    `events` events over the year before, written in chunks through the store and with
    executemany. Returns how long that took."""
    started = time.perf_counter()
    Feed.open(home, clock=VirtualClock(), seed=seed).close()
    generator = random.Random(seed)
    store = Store(home / "tuifeed.db")
    try:
        ensure_sources(store.connection, {"big"}, VIRTUAL_EPOCH, kind="demo")
        for start in range(0, items, CHUNK):
            store.add_items(_items(start, min(CHUNK, items - start), pictures, generator))
    finally:
        store.close()
    # Closed, not only committed (a connection's `with` commits and leaves it open): a
    # connection left open here kept every session's database from being closed cleanly,
    # so each reopen measured ran the integrity check (1.1 s at 1M).
    with closing(sqlite3.connect(home / "tuifeed.db")) as connection, connection:
        demo_ids = [row[0] for row in connection.execute("SELECT id FROM items WHERE "
                                                         "source = 'demo'")]
        first = connection.execute("SELECT ifnull(max(id), 0) FROM events").fetchone()[0] + 1
        begin, span = VIRTUAL_EPOCH - 365 * 86400.0, 365 * 86400.0
        for chunk in range(0, events, CHUNK):
            rows = []
            for number in range(chunk, min(chunk + CHUNK, events)):
                kind = generator.choice(EVENT_KINDS)
                value = (generator.uniform(0, 60) if kind == "dwell"
                         else generator.random() if kind == "watch" else None)
                item_id = (f"big:{generator.randrange(items)}" if items and generator.random()
                           < 0.9 else generator.choice(demo_ids))
                rows.append((first + number, iso_utc(begin + span * number / events), item_id,
                             kind, value, f"s{number // 200}"))
            connection.executemany(INSERT_EVENT, rows)
        connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                           ("next_events_id", str(first + events)))
    return {"items": items, "events": events, "build_s": time.perf_counter() - started}


# -- measuring the app in a terminal ----------------------------------------------------------


def session(command: list[str], presses: int = 0, pictures: bool = True,
            pace: float = PACE, budget: float = KEY_BUDGET) -> dict:
    """One run of the app in the terminal: spawn to the first painted frame (the first to
    show the screen's widget tree: PAINTED, Up next's title), to the first frame showing
    the first card (its number, drawn with its text) and to the frame showing it with its
    picture (`pictures`); then, if `presses`, `j`
    pressed that many times, each once the card before is complete and `pace` seconds more
    have passed: key to the first frame with the new card and key to the card complete,
    and whether its picture came in that first frame (a cache hit), until `presses` or
    `budget` seconds of pressing, whichever comes first; then `q`, and the process's peak
    memory."""
    terminal = Terminal(command, terminal_env(), COLUMNS, ROWS)
    card_ms, complete_ms, hits, lost = [], [], 0, 0
    try:
        frame = terminal.wait_for(PAINTED, 600)
        first_frame = frame.time - terminal.started
        if _card(1) not in frame.text:
            frame = terminal.wait_for(_card(1), 600)
        first_card = frame.time - terminal.started
        if pictures and LOADING in frame.text:
            frame = terminal.wait_until(lambda screen: LOADING not in screen, 600,
                                        "the first card's picture")
        with_picture = frame.time - terminal.started
        if presses:
            _settle(terminal, 0.5)
        began, number = time.perf_counter(), 2
        while len(card_ms) < presses and time.perf_counter() - began <= budget:
            pressed, first, frame, tries = None, None, None, 0
            while first is None and tries < LOST_KEY_TRIES:
                lost += tries > 0  # no card after LOST_KEY_WAIT: pressed again
                tries += 1
                moment = terminal.press(b"j")
                pressed = pressed or moment  # timed from the first press: a slow key's
                first, frame = _card_frames(terminal, number)  # wait is counted whole
            if frame is None or LOADING in frame.text:
                raise RuntimeError(f"card {number} never came; the screen:\n"
                                   f"{terminal.screen.text}")
            hits += LOADING not in first.text
            card_ms.append((first.time - pressed) * 1000)
            complete_ms.append((frame.time - pressed) * 1000)
            _settle(terminal, pace)
            number += 1
            if tries > 1 and _card(number) in terminal.screen.text:  # the first press was
                lost -= 1  # slow, not lost: the second brought the card after it (unmeasured)
                number += 1
    finally:
        terminal.close()
    figures = {"first_frame_s": first_frame, "first_card_s": first_card,
               "with_picture_s": with_picture,
               "peak_mib": terminal.peak_mib, "running_peak_mib": terminal.running_peak_mib}
    if presses:
        figures.update({"presses": len(card_ms), **_percentiles("card_ms", card_ms),
                        **_percentiles("key_ms", complete_ms),
                        "hit_rate": hits / len(card_ms), "lost_keys": lost})
    return figures


def _card_frames(terminal: Terminal, number: int):
    """(The first frame showing card `number`, the first showing it complete): (None, None)
    if it does not come within LOST_KEY_WAIT; the complete one None if it does not come
    within 120 s."""
    first = None
    for frame in terminal.frames(LOST_KEY_WAIT):
        if _card(number) in frame.text:
            first = frame
            break
    if first is None:
        return None, None
    if LOADING not in first.text:
        return first, first
    for frame in terminal.frames(120):
        if _card(number) in frame.text and LOADING not in frame.text:
            return first, frame
    return first, None


def start_up(runs: list[dict]) -> dict:
    """Best and median over sessions' start-ups, and their highest peak memory."""
    painted = [run["first_frame_s"] for run in runs]
    first = [run["first_card_s"] for run in runs]
    complete = [run["with_picture_s"] for run in runs]
    return {"runs": len(runs), "first_frame_s": min(painted),
            "first_frame_s_median": statistics.median(painted), "first_card_s": min(first),
            "first_card_s_median": statistics.median(first), "with_picture_s": min(complete),
            "with_picture_s_median": statistics.median(complete),
            "peak_mib": max(run["peak_mib"] for run in runs),
            "running_peak_mib": max(run["running_peak_mib"] for run in runs)}


def measure(command: list[str], runs: int, presses: int, pictures: bool = True,
            warm: bool = True) -> dict:
    """Start-up over `runs` sessions and a session of `presses` keys. With `warm`, one
    unmeasured session first compiles the bytecode and warms the disk cache, and the key
    session comes last; without (a large home just written is in the disk cache already),
    the key session comes first: its start-up is the first open of the home (`first_open`:
    it reads the whole catalogue and log, and keeps them for the next), the `runs` - 1
    after it are reopens, as a viewer opens the app every day (`start`). Quick mode (`runs`
    0): the key session alone, its start-up the one measured."""
    if not runs:
        keys = session(command, presses, pictures)
        return {"start": start_up([keys]), "keys": keys, "first_open": keys["first_card_s"]}
    if warm:
        session(command, 0, pictures)
        starts = [session(command, 0, pictures) for _ in range(runs)]
        return {"start": start_up(starts), "keys": session(command, presses, pictures)}
    keys = session(command, presses, pictures)
    starts = [session(command, 0, pictures) for _ in range(runs - 1)] or [keys]
    return {"start": start_up(starts), "keys": keys, "first_open": keys["first_card_s"]}


def _settle(terminal: Terminal, seconds: float) -> None:
    for _ in terminal.frames(seconds):
        pass


def _percentiles(name: str, values: list[float]) -> dict:
    ordered = sorted(values)
    return {f"{name}_p50": statistics.median(ordered),
            f"{name}_p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
            f"{name}_max": ordered[-1]}


# -- thumbnails -------------------------------------------------------------------------------


def bench_decode(folder: Path, count: int = DECODED_PICTURES) -> list[dict]:
    """Decoding a thumbnail as the app does (catalogue.thumbnails.load_picture, in its
    workers), per image, against Pillow alone doing the same decode (open, draft, shrink to
    the card's size, RGB), for the demo's bundled pictures and two sizes feeds link."""
    from PIL import Image

    from tuifeed.catalogue.thumbnails import load_picture
    from tuifeed.sources.demo import load_demo_catalogue
    from tuifeed.tui.widgets.thumbnail import MAX_PICTURE

    bundled = [Path(item.thumbnail) for item in load_demo_catalogue(0.0) if item.thumbnail]
    sets = {"demo (bundled)": bundled[:count]}
    for size in ((480, 360), (1280, 720)):
        paths = []
        for number, source in enumerate(bundled[:count]):
            path = folder / f"decode-{size[0]}x{size[1]}-{number}.jpg"
            with Image.open(source) as picture:
                picture.convert("RGB").resize(size).save(path, quality=85)
            paths.append(path)
        sets[f"{size[0]}x{size[1]} JPEG"] = paths

    def bare(path: Path) -> Image.Image:
        with Image.open(path) as picture:
            width, height = picture.size
            scale = min(1.0, MAX_PICTURE[0] / width, MAX_PICTURE[1] / height)
            picture.draft("RGB", (round(width * scale), round(height * scale)))
            picture.thumbnail(MAX_PICTURE)
            return picture.convert("RGB")

    rows = []
    for name, paths in sets.items():
        with Image.open(paths[0]) as picture:
            size = picture.size
        ours = _per_image_ms(lambda path: load_picture(path, MAX_PICTURE), paths)
        reference = _per_image_ms(bare, paths)
        rows.append({"pictures": name, "size": list(size), "decode_ms": ours,
                     "pillow_ms": reference, "ratio": ours / reference if reference else 0.0})
    return rows


def _per_image_ms(decode, paths: list[Path]) -> float:
    for path in paths[:3]:
        decode(path)  # warm: Pillow's plugins, the files in the page cache
    timings = []
    for path in paths:
        started = time.perf_counter()
        decode(path)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# -- all of it --------------------------------------------------------------------------------


def bench_app(seed: int = 0, workdir: str | None = None, quick: bool = False) -> dict:
    """Start-up, key presses, memory and thumbnails of the app in a terminal, against the
    bare app and the demo-only home. `quick`: one session each, 10 presses, one 2k home."""
    started = time.perf_counter()
    sizes = (QUICK_SIZE,) if quick else LARGE_SIZES
    presses = QUICK_PRESSES if quick else PRESSES
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        root = Path(folder)
        pictures = make_pictures(root / "pictures", 50 if quick else PICTURE_FILES)
        home_demo = root / "demo"
        build_home(home_demo, 0, 0, pictures, seed)
        bare = measure(bare_command(), 0 if quick else START_RUNS, presses, pictures=False)
        demo = measure(_tuifeed(home=home_demo), 0 if quick else START_RUNS, presses)
        result: dict = {"terminal": f"{COLUMNS}x{ROWS} pty, TERM=xterm-256color",
                        "start": {"bare": bare["start"], "demo": demo["start"],
                                  "frame_ratio": demo["start"]["first_frame_s"]
                                  / bare["start"]["first_frame_s"],
                                  "ratio": demo["start"]["first_card_s"]
                                  / bare["start"]["first_card_s"]},
                        "keys": {"bare": bare["keys"], "demo": demo["keys"]}, "homes": []}
        for size in sizes:
            home = root / f"home{size}"
            built = build_home(home, size, size, pictures, seed)
            figures = {**built, **measure(_tuifeed(home=home),
                                          0 if quick else LARGE_START_RUNS, presses,
                                          warm=False)}
            figures["start_ratio"] = (figures["start"]["first_card_s"]
                                      / demo["start"]["first_card_s"])
            figures["start_ratio_median"] = (figures["start"]["first_card_s_median"]
                                             / demo["start"]["first_card_s_median"])
            for peak in ("peak_mib", "running_peak_mib"):
                figures[peak] = max(figures["start"][peak], figures["keys"][peak])
            result["homes"].append(figures)
            shutil.rmtree(home, ignore_errors=True)
        result["decode"] = bench_decode(root, 8 if quick else DECODED_PICTURES)
    result["targets"] = TARGETS
    result["elapsed_s"] = time.perf_counter() - started
    return result


def report_app(figures: dict) -> list[str]:
    start, keys = figures["start"], figures["keys"]
    bare, demo = start["bare"], start["demo"]
    lines = [
        f"The app in a terminal ({figures['terminal']}; whole processes, best of "
        f"{demo['runs']} start-up{'s' if demo['runs'] > 1 else ''}, median in brackets):",
        f"  start-up to the first painted frame (the screen's widgets)  tuifeed "
        f"{demo['first_frame_s']:.2f} s ({demo['first_frame_s_median']:.2f})  against a bare "
        f"Textual app {bare['first_frame_s']:.2f} s ({bare['first_frame_s_median']:.2f}): "
        f"{start['frame_ratio']:.2f}x (target {TARGETS['start_ratio']}x)",
        f"  start-up to the first card (its text; the bare app's first frame has its card)  "
        f"tuifeed {demo['first_card_s']:.2f} s ({demo['first_card_s_median']:.2f})  against "
        f"{bare['first_card_s']:.2f} s ({bare['first_card_s_median']:.2f}): "
        f"{start['ratio']:.2f}x; with its picture {demo['with_picture_s']:.2f} s",
    ]
    for home in figures["homes"]:
        large = home["start"]
        lines.append(
            f"  start-up, {home['items']:,} items and {home['events']:,} events  "
            f"{large['first_card_s']:.2f} s ({large['first_card_s_median']:.2f}) against the "
            f"demo home: {home['start_ratio']:.2f}x ({home['start_ratio_median']:.2f}x) "
            f"(target {TARGETS['large_start_ratio']}x); "
            f"the first open after it was written {home['first_open']:.2f} s; "
            f"built in {home['build_s']:.0f} s")
    lines.append(f"  a key (j) to the next card complete, p50 / p99 over "
                 f"{keys['demo']['presses']} presses, or {KEY_BUDGET:.0f} s of pressing "
                 f"(first frame with the card p50 / p99; pictures at once; presses):")
    rows = [("bare Textual app", keys["bare"]), ("demo home (320 items)", keys["demo"])]
    rows += [(f"{home['items']:,} items, {home['events']:,} events", home["keys"])
             for home in figures["homes"]]
    for label, row in rows:
        hit = f"{row['hit_rate']:.0%}" if label != "bare Textual app" else "-"
        lines.append(f"    {label:<32} {row['key_ms_p50']:7.1f} / {row['key_ms_p99']:7.1f} ms"
                     f"  ({row['card_ms_p50']:6.1f} / {row['card_ms_p99']:6.1f})  {hit:>4}  "
                     f"{row['presses']}"
                     + (f"  ({row['lost_keys']} lost: pressed again)"
                        if row.get("lost_keys") else ""))
    lines.append(f"    (targets: p99 under {TARGETS['key_p99_ms_100k']:.0f} ms at 100k items, "
                 f"under {TARGETS['key_p99_ms_1m']:.0f} ms at 1M)")
    peaks = ", ".join(f"{home['items']:,} items {home['peak_mib']:.0f} MiB "
                      f"({home['running_peak_mib']:.0f})" for home in figures["homes"])
    lines.append(f"  peak memory, whole process until it ended (before q in brackets)  demo "
                 f"{demo['peak_mib']:.0f} MiB ({demo['running_peak_mib']:.0f}), {peaks} "
                 f"(target {TARGETS['peak_mib_1m']:.0f} MiB at 1M); bare app "
                 f"{bare['peak_mib']:.0f} MiB")
    lines.append("  thumbnail decode per image (median), the app's path against Pillow alone:")
    for row in figures["decode"]:
        lines.append(f"    {row['pictures']:<16} {row['size'][0]}x{row['size'][1]:<5} "
                     f"{row['decode_ms']:6.2f} ms  against {row['pillow_ms']:6.2f} ms "
                     f"({row['ratio']:.2f}x)")
    lines.append(f"  (took {figures['elapsed_s']:.0f} s)")
    return lines
