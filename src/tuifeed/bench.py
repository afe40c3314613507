"""Benchmarks: does the ranker learn, does it respond, is it fast? (`tuifeed bench`)

Every figure is measured against a reference run in the same process, so the ratios mean
something on a noisy machine: the personalised feed against the chronological and popular
recipes, each shown to the same simulated viewers, and a re-rank against a bare numpy pass
computing the same features.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from itertools import combinations
from pathlib import Path

import numpy as np

from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock, iso_utc
from tuifeed.feed import Feed
from tuifeed.feed.queue import RankedQueue
from tuifeed.models import Item
from tuifeed.sources.demo import load_demo_catalogue
from tuifeed.store.writer import INSERT_EVENT

SIMULATED_ITEMS = 300
MEASURED_FROM = 101  # the share of enjoyed items is measured on items 101-300
QUICK_SIMULATED_ITEMS = 150  # --quick: items 101-150 (it checks the rows are there)
QUICK_LARGE_HOME = 2_000  # --quick's "large" home: the path taken, not its speed
LIKED_TOPICS = 5
FAVOURITE_CREATORS = 3  # among the creators with at least 8 demo videos (80 once remixed)
SHORT_CLIP_SECONDS = 20.0  # the short-clip viewer enjoys clips up to this long, any topic
NOISE = 0.2  # the noisy viewer's share of random reactions
REMIXES = 10  # the demo catalogue x10, so 300 views do not exhaust it
LEARNING_SEEDS = 5
QUICK_LEARNING_SEEDS = 1
LEARNING_RECIPES = ("for-you", "chronological", "popular")
SPEED_SIZES = (10_000, 100_000, 1_000_000)


# -- it learns --------------------------------------------------------------------------------
#
# Every recipe goes through the same simulated viewer, on the same catalogue, with the same
# seed: the viewer sees what the recipe shows and reacts, and the share of enjoyed items among
# those shown is measured the same way for each. The viewers' tastes are scenarios, and only
# the first matches the interest model's hypothesis class (a set of liked topics) exactly.


def remixed_demo(first_run: float, seed: int) -> list[Item]:
    """The demo catalogue ten times over, with jittered ages and counts (same topics, creators)."""
    generator = random.Random(seed)
    demo = load_demo_catalogue(first_run)
    items = []
    for copy in range(REMIXES):
        for item in demo:
            views = max(int(item.views * generator.uniform(0.3, 3.0)), 1)
            items.append(replace(
                item, id=f"{item.id}~{copy}", views=views,
                likes=min(int(views * item.likes / max(item.views, 1)), views),
                published=item.published - generator.uniform(0, 30 * 86400),
            ))
    return items


@dataclass(frozen=True)
class Viewer:
    """A simulated viewer's hidden tastes: which items it enjoys, and how reliably its
    reactions show it (`noise`: the share of reactions that are a coin flip instead)."""

    scenario: str
    tastes: str
    enjoys: Callable[[Item], bool]
    noise: float = 0.0
    against: float = 0.0  # the share of reactions that go against its taste


SCENARIOS = {
    "topics": f"enjoys {LIKED_TOPICS} of the topics (the model's own hypothesis class)",
    "creators": f"enjoys {FAVOURITE_CREATORS} favourite creators, whatever the topic, "
                f"and nothing else",
    "short-clips": f"enjoys clips of {SHORT_CLIP_SECONDS:.0f} s or less, whatever the topic",
    "noisy": f"enjoys {LIKED_TOPICS} topics, but {NOISE:.0%} of its reactions are random",
}


def make_viewer(scenario: str, catalogue: Sequence[Item], seed: int) -> Viewer:
    """The viewer of a scenario (see SCENARIOS), its tastes drawn from `seed`."""
    topics = sorted({topic for item in catalogue for topic in item.topics})
    if scenario in ("topics", "noisy"):
        liked = frozenset(random.Random(seed).sample(topics, LIKED_TOPICS))
        return Viewer(scenario, ", ".join(sorted(liked)),
                      lambda item: any(topic in liked for topic in item.topics),
                      NOISE if scenario == "noisy" else 0.0)
    if scenario == "creators":
        counts = Counter(item.creator for item in catalogue)
        prolific = sorted(creator for creator, count in counts.items()
                          if count >= 8 * REMIXES)
        loved = frozenset(random.Random(f"creators:{seed}").sample(prolific, FAVOURITE_CREATORS))
        return Viewer(scenario, ", ".join(sorted(loved)), lambda item: item.creator in loved)
    if scenario == "short-clips":
        return Viewer(scenario, f"at most {SHORT_CLIP_SECONDS:.0f} s",
                      lambda item: item.duration <= SHORT_CLIP_SECONDS)
    raise ValueError(f"unknown scenario {scenario!r}")


def simulate_viewer(feed: Feed, clock: VirtualClock, viewer: Viewer, seed: int,
                    count: int = SIMULATED_ITEMS) -> list[bool]:
    """Show `count` items to the viewer: it watches and often likes what it enjoys and skips
    the rest in about a second (a noisy viewer flips a coin instead, now and then). Returns,
    for each item shown, whether the viewer enjoys it: its taste, not its reaction."""
    generator = random.Random(seed)
    enjoyed = []
    item = feed.start()
    for _ in range(count):
        if item is None:
            break
        happy = viewer.enjoys(item)
        enjoyed.append(happy)
        if viewer.noise and generator.random() < viewer.noise:
            happy = generator.random() < 0.5
        if viewer.against and generator.random() < viewer.against:
            happy = not happy
        if happy:
            clock.advance(item.duration * generator.uniform(0.8, 1.0))
            if generator.random() < 0.5:
                feed.signal(item.id, "like")
        else:
            clock.advance(generator.uniform(0.5, 1.5))
        item = feed.next()
    return enjoyed


def share(flags: Sequence[bool], items: int = SIMULATED_ITEMS) -> float:
    window = flags[MEASURED_FROM - 1:items]
    return sum(window) / len(window) if window else 0.0


def learning_run(seed: int, scenario: str, recipes: Sequence[str] = LEARNING_RECIPES,
                 workdir: str | None = None, items: int = SIMULATED_ITEMS) -> dict:
    """One seed of one scenario: the same catalogue, viewer and seed through each recipe,
    `items` cards each."""
    catalogue = remixed_demo(VirtualClock().now(), seed)
    viewer = make_viewer(scenario, catalogue, seed)
    result = {"seed": seed, "tastes": viewer.tastes,
              "in_catalogue": sum(map(viewer.enjoys, catalogue)) / len(catalogue)}
    for recipe in recipes:
        clock = VirtualClock()
        with tempfile.TemporaryDirectory(dir=workdir) as home, \
                Feed.open(home, clock=clock, seed=seed, recipe=recipe,
                          catalogue=catalogue) as feed:
            result[recipe] = share(simulate_viewer(feed, clock, viewer, seed, items), items)
    return result


def spread(values: Sequence[float]) -> dict:
    return {"mean": statistics.fmean(values), "min": min(values), "max": max(values),
            "stdev": statistics.stdev(values) if len(values) > 1 else 0.0}


def bench_learns(seed: int = 0, workdir: str | None = None, seeds: int = LEARNING_SEEDS,
                 scenarios: Sequence[str] = tuple(SCENARIOS),
                 recipes: Sequence[str] = LEARNING_RECIPES, jobs: int | None = None,
                 items: int = SIMULATED_ITEMS) -> dict:
    """Each scenario's viewer through each recipe, for seeds `seed`..`seed + seeds - 1`: the
    share of enjoyed items among items 101-300 shown, its mean and spread over the seeds.
    The runs are spread over `jobs` processes (default: one a core); the figures do not
    depend on it."""
    started = time.perf_counter()
    tasks = [(number, scenario) for scenario in scenarios
             for number in range(seed, seed + seeds)]
    cores = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    jobs = max(min(jobs or cores, len(tasks)), 1)
    if jobs > 1:
        context = multiprocessing.get_context("spawn")  # no fork of a threaded process
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            runs = list(pool.map(partial(learning_run, recipes=recipes, workdir=workdir,
                                         items=items), *zip(*tasks)))
    else:
        runs = [learning_run(number, scenario, recipes, workdir, items)
                for number, scenario in tasks]
    results: dict = {}
    for scenario in scenarios:
        per_seed = [run for (_, name), run in zip(tasks, runs) if name == scenario]
        results[scenario] = {
            "viewer": SCENARIOS[scenario],
            "in_catalogue": statistics.fmean(run["in_catalogue"] for run in per_seed),
            **{recipe: spread([run[recipe] for run in per_seed]) for recipe in recipes},
            "runs": per_seed,
        }
    return {
        "catalogue": len(load_demo_catalogue(0.0)) * REMIXES,
        "items": items,
        "measured": f"items {MEASURED_FROM}-{items}",
        "seeds": list(range(seed, seed + seeds)),
        "recipes": list(recipes),
        "scenarios": results,
        "elapsed_s": time.perf_counter() - started,
        "jobs": jobs,
    }


# -- any taste: the first 40 cards of the demo ----------------------------------------------
#
# Tastes that are not topic sets, on the demo catalogue as a viewer meets it: each viewer,
# drawn from a seed, goes through the same simulator for each recipe, and the figure is the
# share of what was possible: enjoyable items among the first 40 shown, over the smaller of
# 40 and the number of enjoyable items in the catalogue (4 creators may have only 15 items).

TASTE_ITEMS = 40
TASTE_SEEDS = 10
QUICK_TASTE_SEEDS = 1
TASTE_TOPICS = 3
LOVED_CREATORS = 4
AGAINST_TASTE = 0.25
TASTE_RECIPES = ("for-you", "popular", "chronological")
TASTES = {
    "topics": f"enjoys {TASTE_TOPICS} topics",
    "creators": f"loves {LOVED_CREATORS} of the demo's creators, whatever their topics, "
                f"and nothing else",
    "short-clips": f"enjoys clips of {SHORT_CLIP_SECONDS:.0f} s or less, whatever the topic",
    "noisy": f"enjoys {TASTE_TOPICS} topics, but acts against its taste "
             f"{AGAINST_TASTE:.0%} of the time",
}
TASTE_TARGETS = {"creators": 0.7, "short-clips": 0.7, "noisy": 0.6}  # the bar


def taste_viewer(scenario: str, catalogue: Sequence[Item], seed: int) -> Viewer:
    """The viewer of a taste scenario (see TASTES), its tastes drawn from `seed`."""
    if scenario in ("topics", "noisy"):
        topics = sorted({topic for item in catalogue for topic in item.topics})
        liked = frozenset(random.Random(f"topics:{seed}").sample(topics, TASTE_TOPICS))
        return Viewer(scenario, ", ".join(sorted(liked)),
                      lambda item: any(topic in liked for topic in item.topics),
                      against=AGAINST_TASTE if scenario == "noisy" else 0.0)
    if scenario == "creators":
        creators = sorted({item.creator for item in catalogue})
        loved = frozenset(random.Random(f"creators:{seed}").sample(creators, LOVED_CREATORS))
        return Viewer(scenario, ", ".join(sorted(loved)), lambda item: item.creator in loved)
    return make_viewer(scenario, catalogue, seed)


def creator_bound(catalogue: Sequence[Item], viewer: Viewer, count: int = TASTE_ITEMS) -> float:
    """A reference for the creator lover: the share a feed gets that knows how many videos
    each creator has but not the taste, showing one card of each creator, the most prolific
    first, and every card of a creator once it is loved. Random creators hold about 6 demo
    items each, so finding them costs most of 40 cards."""
    by_creator = Counter(item.creator for item in catalogue)
    loved = {item.creator for item in catalogue if viewer.enjoys(item)}
    shown = served = 0
    for creator, items in sorted(by_creator.items(), key=lambda pair: (-pair[1], pair[0])):
        if shown >= count:
            break
        taken = min(items, count - shown) if creator in loved else 1
        shown += taken
        served += taken if creator in loved else 0
    possible = min(count, sum(by_creator[creator] for creator in loved))
    return served / possible if possible else 0.0


def topic_reference(catalogue: Sequence[Item], viewer: Viewer, seed: int,
                    count: int = TASTE_ITEMS) -> float:
    """A reference for the topic viewers (with or without acting against taste): the share a
    feed gets that knows the viewer's model (it enjoys any item on one of TASTE_TOPICS topics,
    and acts against its taste with probability `viewer.against`) but not which topics. It
    keeps the exact posterior over every set of TASTE_TOPICS topics, updated after each
    reaction, and shows the unseen item most likely enjoyed. The reactions are drawn as
    simulate_viewer draws them, from the same seed. Myopic, so not an upper bound, but a
    learner with less knowledge of the viewer is not expected to beat it by much."""
    topics = sorted({topic for item in catalogue for topic in item.topics})
    code = {topic: number for number, topic in enumerate(topics)}
    on_topic = np.zeros((len(catalogue), len(topics)))
    for row, item in enumerate(catalogue):
        on_topic[row, [code[topic] for topic in item.topics]] = 1.0
    sets = np.array(list(combinations(range(len(topics)), TASTE_TOPICS)))
    hypotheses = np.zeros((len(sets), len(topics)))
    hypotheses[np.arange(len(sets))[:, None], sets] = 1.0
    enjoys = on_topic @ hypotheses.T > 0  # items x hypotheses
    against = viewer.against
    log_posterior = np.zeros(len(sets))
    shown = np.zeros(len(catalogue), dtype=bool)
    generator = random.Random(seed)
    enjoyed = 0
    for _ in range(count):
        posterior = np.exp(log_posterior - log_posterior.max())
        chance = enjoys @ (posterior / posterior.sum())
        chance[shown] = -1.0
        row = int(np.argmax(chance))
        shown[row] = True
        happy = viewer.enjoys(catalogue[row])
        enjoyed += happy
        if against and generator.random() < against:  # the draws simulate_viewer makes
            happy = not happy
        if happy:
            generator.uniform(0.8, 1.0)
            generator.random()
        else:
            generator.uniform(0.5, 1.5)
        agrees = enjoys[row] == happy  # the hypotheses under which the reaction follows taste
        log_posterior += np.log(np.where(agrees, 1.0 - against, max(against, 1e-12)))
    possible = min(count, sum(map(viewer.enjoys, catalogue)))
    return enjoyed / possible if possible else 0.0


def taste_run(seed: int, scenario: str, recipes: Sequence[str] = TASTE_RECIPES,
              workdir: str | None = None, count: int = TASTE_ITEMS) -> dict:
    """One seed of one taste scenario: the demo catalogue, the same viewer and seed through
    each recipe; the share of what was possible among the first `count` items."""
    catalogue = load_demo_catalogue(VirtualClock().now())
    viewer = taste_viewer(scenario, catalogue, seed)
    enjoyable = sum(map(viewer.enjoys, catalogue))
    result = {"seed": seed, "tastes": viewer.tastes, "enjoyable": enjoyable,
              "in_catalogue": enjoyable / len(catalogue)}
    possible = min(count, enjoyable)
    if scenario == "creators":
        result["bound"] = creator_bound(catalogue, viewer, count)
    elif scenario in ("topics", "noisy"):
        result["bound"] = topic_reference(catalogue, viewer, seed, count)
    for recipe in recipes:
        clock = VirtualClock()
        with tempfile.TemporaryDirectory(dir=workdir) as home, \
                Feed.open(home, clock=clock, seed=seed, recipe=recipe,
                          catalogue=catalogue) as feed:
            served = simulate_viewer(feed, clock, viewer, seed, count)
        result[recipe] = sum(served[:count]) / possible if possible else 0.0
    return result


def bench_tastes(seed: int = 0, workdir: str | None = None, seeds: int = TASTE_SEEDS,
                 scenarios: Sequence[str] = tuple(TASTES),
                 recipes: Sequence[str] = TASTE_RECIPES) -> dict:
    """Each taste scenario through each recipe, for seeds `seed`..`seed + seeds - 1`: the
    share of what was possible in the first 40 items, its mean and spread over the seeds."""
    started = time.perf_counter()
    results: dict = {}
    for scenario in scenarios:
        runs = [taste_run(number, scenario, recipes, workdir)
                for number in range(seed, seed + seeds)]
        results[scenario] = {
            "viewer": TASTES[scenario],
            "in_catalogue": statistics.fmean(run["in_catalogue"] for run in runs),
            **{recipe: spread([run[recipe] for run in runs]) for recipe in recipes},
            "target": TASTE_TARGETS.get(scenario),
            **({"bound": spread([run["bound"] for run in runs])} if "bound" in runs[0]
               else {}),
            "runs": runs,
        }
    return {"catalogue": len(load_demo_catalogue(0.0)), "items": TASTE_ITEMS,
            "seeds": list(range(seed, seed + seeds)), "recipes": list(recipes),
            "scenarios": results, "elapsed_s": time.perf_counter() - started}


def tastes_table(tastes: dict) -> list[str]:
    seeds, recipes = tastes["seeds"], tastes["recipes"]
    width = max(len(name) for name in tastes["scenarios"])
    lines = [
        f"Any taste: the first {tastes['items']} cards of the {tastes['catalogue']}-item demo, "
        f"each recipe through the same simulated viewer;",
        "  share of what was possible (enjoyable items shown, over the smaller of "
        f"{tastes['items']} and how many the catalogue has),",
        f"  mean over seeds {seeds[0]}-{seeds[-1]} (min-max, sd in points):",
        f"    {'viewer':<{width}}  {'catalogue':>9}  {'target':>6}  "
        + "  ".join(f"{recipe:<21}" for recipe in recipes).rstrip(),
    ]
    for name, scenario in tastes["scenarios"].items():
        target = f"{scenario['target']:.0%}" if scenario["target"] else "-"
        lines.append(f"    {name:<{width}}  {scenario['in_catalogue']:>9.0%}  {target:>6}  "
                     + "  ".join(f"{percent_spread(scenario[recipe]):<21}"
                                 for recipe in recipes).rstrip())
    lines += [f"    {name}: {scenario['viewer']}" for name, scenario in tastes["scenarios"].items()]
    if "creators" in tastes["scenarios"]:
        lines.append("  Reference for the creator lover, a feed that knows how many videos each "
                     "creator has but not the taste")
        lines.append("  (one card a creator, most prolific first, then all of a loved one's): "
                     f"{percent_spread(tastes['scenarios']['creators']['bound'])}")
    references = [name for name in ("topics", "noisy") if name in tastes["scenarios"]]
    if references:
        lines.append("  Reference for the topic viewers, a feed that knows the viewer's model "
                     "(3 topics; how often it acts against")
        lines.append("  its taste) but not the topics, showing the item most likely enjoyed "
                     "under the exact posterior: "
                     + ", ".join(f"{name} {percent_spread(tastes['scenarios'][name]['bound'])}"
                                 for name in references))
    lines.append(f"  ({len(seeds)} seeds x {len(tastes['scenarios'])} viewers x "
                 f"{len(recipes)} recipes took {tastes['elapsed_s']:.1f} s)")
    return lines


# -- it responds ------------------------------------------------------------------------------


def topic_share(feed: Feed, topic: str, count: int = 10) -> float:
    queue = feed.upcoming(count)
    return sum(topic in entry.item.topics for entry in queue) / max(len(queue), 1)


def bench_responds(seed: int = 0, topic: str = "alligators",
                   workdir: str | None = None) -> dict:
    clock = VirtualClock()
    with tempfile.TemporaryDirectory(dir=workdir) as home, \
            Feed.open(home, clock=clock, seed=seed) as feed:
        feed.start()
        before = topic_share(feed, topic)
        for _ in range(3):  # three long dwells in a row on the topic
            target = next(entry.item for entry in feed.upcoming(len(feed.catalog))
                          if topic in entry.item.topics)
            feed.signal(target.id, "impression")
            clock.advance(target.duration)
            feed.signal(target.id, "dwell", target.duration)
        after = topic_share(feed, topic)
        creator = feed.upcoming(1)[0].item.creator
        feed.signal(feed.upcoming(1)[0].item.id, "dislike")
        still_there = sum(entry.item.creator == creator for entry in feed.upcoming(10))
    return {"topic": topic, "share_before": before, "share_after": after,
            "disliked_creator": creator, "disliked_creator_in_next_10": still_there}


# -- it is fast -------------------------------------------------------------------------------


def synthetic_catalogue(size: int, seed: int) -> list[Item]:
    generator = random.Random(seed)
    topics = [f"topic{number:02d}" for number in range(25)]
    creators = [f"creator{number:05d}" for number in range(max(size // 50, 10))]
    return [
        Item(id=f"syn:{number}", title=f"Video {number}", creator=generator.choice(creators),
             topics=tuple(dict.fromkeys(generator.sample(topics, generator.randint(1, 3)))),
             description="", duration=float(generator.randint(5, 180)),
             published=VIRTUAL_EPOCH - generator.uniform(0, 60 * 86400),
             views=int(generator.paretovariate(1.2) * 100),
             likes=generator.randint(0, 50))
        for number in range(size)
    ]


KEY_QUEUE = 18  # the rows Up next asks for in a 120x40 terminal (QueuePanel.fits)
KEY_PATH = f"next() + queue_job({KEY_QUEUE}).run()"  # what a key asks of the feed


def reference_pass(feed: Feed, limit: int = KEY_QUEUE) -> list:
    """The queue after the card from one bare numpy pass (see bench_reference): every term
    of the recipe, the candidate masks, the exploration slots, the greedy diversity pass and
    the result rows; the same queue the scorer gives."""
    from tuifeed.bench_reference import bare_rank, gather

    return bare_rank(gather(feed), limit)


def timed_ms(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def median_ms(action: Callable[[], object], repeats: int) -> float:
    return statistics.median(timed_ms(action) for _ in range(repeats))


def key_press(feed: Feed, rows: int = KEY_QUEUE) -> Callable[[], object]:
    """What a `j` asks of the feed, as a call to time: the TUI ranks Up next in a worker
    (Feed.queue_job), so `j` takes the queue ranked before and one job ranks the next (its
    worker's CPU counted: two cores are shared)."""
    def ranked_in_a_worker() -> None:
        feed.next()
        settle_queue(feed, rows)

    return ranked_in_a_worker


def settle_queue(feed: Feed, rows: int = KEY_QUEUE) -> None:
    """Up next ranked as the TUI's worker ranks it (once a second while a card is looked at,
    and after each key), and accepted, so that the key finds it ranked."""
    job = feed.queue_job(rows)
    feed.accept_queue(RankedQueue(job, job.run()))


def bench_speed(sizes: Sequence[int] = SPEED_SIZES, seed: int = 0, repeats: int = 15,
                workdir: str | None = None) -> list[dict]:
    """A key press's ranking at each catalogue size (key_press: the path `j` takes in the
    TUI, a card looked at for 3 s first), against one bare numpy pass giving the same queue
    (bench_reference), medians of `repeats`, taken turn about."""
    from tuifeed.bench_reference import bare_rank, gather

    results = []
    for size in sizes:
        clock = VirtualClock()
        catalogue = synthetic_catalogue(size, seed)
        with tempfile.TemporaryDirectory(dir=workdir) as home, \
                Feed.open(home, clock=clock, seed=seed, catalogue=catalogue) as feed:
            feed.start()
            key = key_press(feed)
            ours, reference = [], []
            for turn in range(repeats + 1):
                clock.advance(3.0)  # a look at the card
                settle_queue(feed)
                took = timed_ms(key)
                inputs = gather(feed)
                bare = timed_ms(partial(bare_rank, inputs, KEY_QUEUE))
                if turn:  # the first warms the caches
                    ours.append(took)
                    reference.append(bare)
        rerank, bare = statistics.median(ours), statistics.median(reference)
        results.append({"candidates": size, "path": KEY_PATH,
                        "rerank_ms": rerank, "reference_ms": bare,
                        "ratio": rerank / bare if bare else float("inf")})
    return results


# -- the log ---------------------------------------------------------------------------------

LOG_EVENTS = 1_000_000


def bench_log(seed: int = 0, events: int = LOG_EVENTS, workdir: str | None = None) -> dict:
    """UI-thread cost of one event, writer throughput against raw executemany, and the
    rebuild of the interest profile from a large log read back from SQLite."""
    generator = random.Random(seed)
    with tempfile.TemporaryDirectory(dir=workdir) as home:
        clock = VirtualClock()
        with Feed.open(Path(home) / "ui", clock=clock, seed=seed) as feed:
            ids = list(feed.catalog.ids)
            timings = []
            for _ in range(2000):
                item_id = generator.choice(ids)
                start = time.perf_counter()
                feed.signal(item_id, "dwell", 3.0)
                timings.append((time.perf_counter() - start) * 1000)
            ui_ms = statistics.median(timings)
        throughput = writer_throughput(Path(home), events // 10, seed)
        rebuild = rebuild_from_disk(Path(home), events, seed)
    return {"signal_ms_median": ui_ms, **throughput, **rebuild}


def writer_throughput(folder: Path, count: int, seed: int) -> dict:
    """Events per second through EventWriter against a bare executemany of the same rows."""
    from tuifeed.models import Event
    from tuifeed.store import EventWriter, Store
    from tuifeed.store.writer import event_row

    generator = random.Random(seed)
    rows = [Event(id=number + 1, ts=VIRTUAL_EPOCH + number * 0.1,
                  item_id=f"demo:{generator.randint(1, 320):04d}", kind="dwell",
                  value=generator.uniform(0, 60), session_id="bench")
            for number in range(count)]
    Store(folder / "writer.db").close()
    writer = EventWriter(folder / "writer.db")
    start = time.perf_counter()
    for event in rows:
        writer.write(event)
    writer.flush(timeout=600)
    ours = time.perf_counter() - start
    writer.close()
    Store(folder / "raw.db").close()
    connection = sqlite3.connect(folder / "raw.db")
    connection.execute("PRAGMA journal_mode = WAL")
    start = time.perf_counter()
    with connection:
        connection.executemany(INSERT_EVENT, [event_row(event) for event in rows])
    raw = time.perf_counter() - start
    connection.close()
    return {"writer_events_per_s": count / ours, "raw_executemany_events_per_s": count / raw,
            "writer_vs_raw": raw / ours}


def rebuild_from_disk(folder: Path, count: int, seed: int) -> dict:
    """Read a log of `count` events back from SQLite and rebuild the interest profile."""
    from tuifeed.ranking import Catalog, InterestModel, load_recipe
    from tuifeed.sources.demo import load_demo_catalogue
    from tuifeed.store import Store

    generator = random.Random(seed)
    catalogue = load_demo_catalogue(VIRTUAL_EPOCH)
    kinds = ["impression", "dwell", "skip", "like", "save", "dislike", "watch", "share"]
    store = Store(folder / "large.db")
    with store.connection as connection:
        connection.executemany(
            INSERT_EVENT,
            ((number + 1, iso_utc(VIRTUAL_EPOCH + number), generator.choice(catalogue).id,
              kind, generator.uniform(0, 60) if kind in ("dwell", "watch") else None, "bench")
             for number, kind in ((n, generator.choice(kinds)) for n in range(count))))
    start = time.perf_counter()
    columns = store.event_columns()
    read = time.perf_counter() - start
    model = InterestModel(Catalog.from_items(catalogue), load_recipe("for-you"))
    start = time.perf_counter()
    model.rebuild_columns(columns.ts, columns.item_ids, columns.kinds, columns.values)
    learn = time.perf_counter() - start
    start = time.perf_counter()
    store.events()
    objects = time.perf_counter() - start
    store.close()
    return {"rebuild_events": count, "read_s": read, "learn_s": learn, "rebuild_s": read + learn,
            "load_as_objects_s": objects}


def run_all(seed: int = 0, sizes: Sequence[int] = SPEED_SIZES,
            workdir: str | None = None, log_events: int = LOG_EVENTS,
            quick: bool = False) -> dict:
    """All the benchmarks; their temporary homes live in `workdir` (the cache folder).
    `quick` shrinks them to check they run (under 30 s in all on 2 cores): the catalogue
    ones (5 feeds, a 2k-item home, one run), the app in a terminal (one session each, 10
    keys, a 2k home), the learning one (one seed, 150 cards) and the tastes (one seed)."""
    from tuifeed.bench_app import bench_app
    from tuifeed.bench_catalogue import bench_fetch, bench_large_home
    from tuifeed.bench_screens import SCREEN_EVENTS, bench_screens
    from tuifeed.bench_words import WORD_ITEMS, bench_words

    def large_home() -> dict:
        return bench_large_home(QUICK_LARGE_HOME if quick else 100_000, 300 if quick else 3_000,
                                10 if quick else 40, workdir, 1 if quick else 3)

    # --quick runs the large home's headless sessions (other processes: it mostly waits)
    # beside the sections that work in this one, and has them done before the app's
    # terminal sessions; a full run measures each section alone.
    with ThreadPoolExecutor(1) as beside:
        large = beside.submit(large_home) if quick else None
        results = {
            "learns": bench_learns(seed, workdir,
                                   QUICK_LEARNING_SEEDS if quick else LEARNING_SEEDS,
                                   items=QUICK_SIMULATED_ITEMS if quick else SIMULATED_ITEMS),
            "tastes": bench_tastes(seed, workdir, QUICK_TASTE_SEEDS if quick else TASTE_SEEDS),
            "responds": bench_responds(seed, workdir=workdir),
            "speed": bench_speed(sizes, seed, workdir=workdir),
            "log": bench_log(seed, log_events, workdir),
            "fetch": bench_fetch(5 if quick else 50, 30, workdir),
            "words": bench_words(10_000 if quick else WORD_ITEMS, seed, workdir),
            "screens": bench_screens(20_000 if quick else SCREEN_EVENTS, seed, workdir),
        }
        results["large_home"] = large.result() if large else large_home()
    results["app"] = bench_app(seed, workdir, quick)
    return results


def _times(ratio: float | None) -> str:
    return "too small to compare" if ratio is None else f"{ratio:.2f}x"


def percent_spread(figures: dict) -> str:
    return (f"{figures['mean']:4.0%} ({figures['min'] * 100:.0f}-{figures['max'] * 100:.0f}, "
            f"sd {figures['stdev'] * 100:.0f})")


def learning_table(learns: dict) -> list[str]:
    """Scenario x recipe: the mean share of enjoyed items over the seeds, and its spread."""
    seeds = learns["seeds"]
    recipes = learns["recipes"]
    width = max(len(name) for name in learns["scenarios"])
    lines = [
        f"It learns: each recipe shows {learns['items']} items to the same simulated viewer "
        f"(same {learns['catalogue']:,}-item catalogue, same seed),",
        "  which watches and often likes what it enjoys and skips the rest in about a second.",
        f"  Share of {learns['measured']} the viewer enjoys, mean over seeds "
        f"{seeds[0]}-{seeds[-1]} (min-max, sd in points):",
        f"    {'viewer':<{width}}  {'catalogue':>9}  "
        + "  ".join(f"{recipe:<21}" for recipe in recipes).rstrip(),
    ]
    for name, scenario in learns["scenarios"].items():
        lines.append(f"    {name:<{width}}  {scenario['in_catalogue']:>9.0%}  "
                     + "  ".join(f"{percent_spread(scenario[recipe]):<21}"
                                 for recipe in recipes).rstrip())
    lines += [f"    {name}: {scenario['viewer']}" for name, scenario in learns["scenarios"].items()]
    lines.append(f"  (catalogue: the share a random order would get; {len(seeds)} seeds x "
                 f"{len(learns['scenarios'])} viewers x {len(recipes)} recipes took "
                 f"{learns['elapsed_s']:.1f} s on {learns['jobs']} process(es))")
    return lines


def report(results: dict) -> str:
    responds = results["responds"]
    lines = [
        *learning_table(results["learns"]),
        *tastes_table(results["tastes"]),
        f"It responds: #{responds['topic']} in the next 10 went from "
        f"{responds['share_before']:.0%} to {responds['share_after']:.0%} after three long dwells;",
        f"  after a dislike, @{responds['disliked_creator']} appears "
        f"{responds['disliked_creator_in_next_10']} times in the next 10",
        f"It is fast: a key press's ranking (j: {results['speed'][0]['path']}), median,"
        if results["speed"] else "It is fast:",
        "  against one bare numpy pass giving the same queue (every term, the masks, "
        "exploration, diversity, the rows; target 3x):",
    ]
    for row in results["speed"]:
        lines.append(f"  {row['candidates']:>9,} candidates  {row['rerank_ms']:7.2f} ms  "
                     f"reference {row['reference_ms']:7.2f} ms  ratio {row['ratio']:.2f}x")
    log = results["log"]
    lines += [
        "The log:",
        f"  recording one event on the UI thread (median)  {log['signal_ms_median']:.3f} ms",
        f"  writer throughput  {log['writer_events_per_s']:,.0f} events/s, raw executemany "
        f"{log['raw_executemany_events_per_s']:,.0f} events/s ({log['writer_vs_raw']:.2f}x)",
        f"  rebuild from {log['rebuild_events']:,} events on disk  {log['rebuild_s']:.2f} s "
        f"(read {log['read_s']:.2f} s, learn {log['learn_s']:.2f} s)",
    ]
    fetch, large = results["fetch"], results["large_home"]
    lines += [
        f"Fetching {fetch['feeds']} YouTube-style feeds x {fetch['entries']} entries from a "
        f"loopback server (whole processes):",
        f"  tuifeed fetch {fetch['tuifeed_s']:.2f} s (again, all 304: "
        f"{fetch['tuifeed_refetch_s']:.2f} s)"
        + (f"; newsboat -x reload {fetch['newsboat_s']:.2f} s; ratio {fetch['ratio']:.2f}x"
           if "newsboat_s" in fetch else "; newsboat is not installed"),
        f"  the same fetch inside a running tuifeed (the TUI's worker) "
        f"{fetch['in_process_s']:.2f} s"
        + (f" ({fetch['in_process_ratio']:.2f}x newsboat's whole run)"
           if "newsboat_s" in fetch else ""),
        f"A home of {large['items']:,} items and {large['tags']:,} tags against the demo alone "
        f"(tuifeed open, headless):",
        f"  open {large['large_open_s']:.2f} s against {large['demo_open_s']:.2f} s "
        f"({large['open_ratio']:.2f}x); a key {large['large_key_cpu_ms']:.1f} ms CPU against "
        f"{large['demo_key_cpu_ms']:.1f} ms ({_times(large['key_ratio'])}); peak memory "
        f"{large['large_peak_mib']:.0f} MiB",
    ]
    if "words" in results:
        from tuifeed.bench_words import words_report

        lines += words_report(results["words"])
    if "screens" in results:
        from tuifeed.bench_screens import report_screens

        lines += report_screens(results["screens"])
    if "app" in results:
        from tuifeed.bench_app import report_app

        lines += report_app(results["app"])
    return "\n".join(lines)
