"""Benchmarks: does the ranker learn, does it respond, is it fast? (`tuifeed bench`)

Every figure is measured against a reference run in the same process, so the ratios mean
something on a noisy machine: the personalised feed against chronological and popularity
orders, and a re-rank against a bare numpy pass computing the same features.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.feed import Feed
from tuifeed.models import Item
from tuifeed.sources.demo import load_demo_catalogue

SIMULATED_ITEMS = 300
MEASURED_FROM = 101  # the share of enjoyed items is measured on items 101-300
LIKED_TOPICS = 5
REMIXES = 10  # the demo catalogue x10, so 300 views do not exhaust it
SPEED_SIZES = (10_000, 100_000, 1_000_000)


# -- it learns --------------------------------------------------------------------------------


def remixed_demo(first_run: float, seed: int) -> list[Item]:
    """The demo catalogue ten times over, with jittered ages and counts (same topics, creators)."""
    generator = random.Random(seed)
    items = []
    for copy in range(REMIXES):
        for item in load_demo_catalogue(first_run):
            views = max(int(item.views * generator.uniform(0.3, 3.0)), 1)
            items.append(replace(
                item, id=f"{item.id}~{copy}", views=views,
                likes=min(int(views * item.likes / max(item.views, 1)), views),
                published=item.published - generator.uniform(0, 30 * 86400),
            ))
    return items


def enjoys(item: Item, liked: set[str]) -> bool:
    return any(topic in liked for topic in item.topics)


def simulate_viewer(feed: Feed, clock: VirtualClock, liked: set[str], seed: int,
                    count: int = SIMULATED_ITEMS) -> list[bool]:
    """A viewer with hidden tastes: watches and often likes what it enjoys, skips the rest."""
    generator = random.Random(seed)
    enjoyed = []
    item = feed.start()
    for _ in range(count):
        if item is None:
            break
        happy = enjoys(item, liked)
        enjoyed.append(happy)
        if happy:
            clock.advance(item.duration * generator.uniform(0.8, 1.0))
            if generator.random() < 0.5:
                feed.signal(item.id, "like")
        else:
            clock.advance(generator.uniform(0.5, 1.5))
        item = feed.next()
    return enjoyed


def share(flags: Sequence[bool]) -> float:
    window = flags[MEASURED_FROM - 1:SIMULATED_ITEMS]
    return sum(window) / len(window) if window else 0.0


def bench_learns(seed: int = 0, workdir: str | None = None) -> dict:
    clock = VirtualClock()
    catalogue = remixed_demo(clock.now(), seed)
    topics = sorted({topic for item in catalogue for topic in item.topics})
    liked = set(random.Random(seed).sample(topics, LIKED_TOPICS))
    with tempfile.TemporaryDirectory(dir=workdir) as home, \
            Feed.open(home, clock=clock, seed=seed, catalogue=catalogue) as feed:
        personalised = simulate_viewer(feed, clock, liked, seed)
    chronological = sorted(catalogue, key=lambda item: (-item.published, item.id))
    popular = sorted(catalogue, key=lambda item: (-item.views, item.id))
    return {
        "liked_topics": sorted(liked),
        "catalogue": len(catalogue),
        "items": SIMULATED_ITEMS,
        "measured": f"items {MEASURED_FROM}-{SIMULATED_ITEMS}",
        "for-you": share(personalised),
        "chronological": share([enjoys(i, liked) for i in chronological[:SIMULATED_ITEMS]]),
        "popularity": share([enjoys(i, liked) for i in popular[:SIMULATED_ITEMS]]),
    }


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


def reference_pass(feed: Feed, limit: int = 10) -> np.ndarray:
    """The same features as the scorer, as one bare numpy pass over raw columns, then top-k."""
    catalog, recipe = feed.catalog, feed.recipe
    now = feed.clock.now()
    affinities = feed.model.at(now)
    scale = recipe.memory["affinity_scale"]
    topic = catalog.topic_matrix @ np.tanh(affinities.topic / scale).astype(np.float32)
    creator = np.tanh(affinities.creator / scale)[catalog.creator_codes]
    age_days = np.maximum(now - catalog.published, 0) / 86400
    freshness = np.exp2(-age_days / recipe.term("freshness_half_life_days"))
    mean_rate = (catalog.likes.sum() + 1) / (catalog.views.sum() + 1)
    rate = (catalog.likes + 200 * mean_rate) / (catalog.views + 200)
    quality = np.clip(np.log2(rate / mean_rate), -1, 1)
    popularity = np.clip(np.log10(catalog.views + 1) / 7, 0, 1)
    score = (recipe.term("topic") * topic + recipe.term("creator") * creator
             + recipe.term("freshness") * freshness + recipe.term("quality") * quality
             + recipe.term("popularity") * popularity)
    top = np.argpartition(-score, limit)[:limit]
    return top[np.argsort(-score[top])]


def median_ms(action: Callable[[], object], repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def bench_speed(sizes: Sequence[int] = SPEED_SIZES, seed: int = 0, repeats: int = 15,
                workdir: str | None = None) -> list[dict]:
    results = []
    for size in sizes:
        clock = VirtualClock()
        catalogue = synthetic_catalogue(size, seed)
        with tempfile.TemporaryDirectory(dir=workdir) as home, \
                Feed.open(home, clock=clock, seed=seed, catalogue=catalogue) as feed:
            feed.start()
            items = [entry.item.id for entry in feed.upcoming(repeats * 2)]
            kinds = iter(["like", "dislike", "save"] * repeats)
            targets = iter(items)

            def rerank() -> None:
                clock.advance(1.0)
                feed.signal(next(targets), next(kinds))
                feed.upcoming(10)

            rerank()  # warm caches once, outside the measurement
            ours = median_ms(rerank, repeats)
            reference = median_ms(lambda: reference_pass(feed), repeats)
        results.append({"candidates": size, "rerank_ms": ours, "reference_ms": reference,
                        "ratio": ours / reference if reference else float("inf")})
    return results


def run_all(seed: int = 0, sizes: Sequence[int] = SPEED_SIZES,
            workdir: str | None = None) -> dict:
    """All three benchmarks; their temporary homes live in `workdir` (the cache folder)."""
    return {"learns": bench_learns(seed, workdir),
            "responds": bench_responds(seed, workdir=workdir),
            "speed": bench_speed(sizes, seed, workdir=workdir)}


def report(results: dict) -> str:
    learns, responds = results["learns"], results["responds"]
    lines = [
        f"It learns: a simulated viewer who enjoys {', '.join(learns['liked_topics'])}",
        f"  share of enjoyed {learns['measured']} ({learns['catalogue']} candidates):",
        f"    for-you        {learns['for-you']:.0%}",
        f"    chronological  {learns['chronological']:.0%}",
        f"    popularity     {learns['popularity']:.0%}",
        f"It responds: #{responds['topic']} in the next 10 went from "
        f"{responds['share_before']:.0%} to {responds['share_after']:.0%} after three long dwells;",
        f"  after a dislike, @{responds['disliked_creator']} appears "
        f"{responds['disliked_creator_in_next_10']} times in the next 10",
        "It is fast: re-rank after one signal (median) against a bare numpy pass",
    ]
    for row in results["speed"]:
        lines.append(f"  {row['candidates']:>9,} candidates  {row['rerank_ms']:7.2f} ms  "
                     f"reference {row['reference_ms']:7.2f} ms  ratio {row['ratio']:.2f}x")
    return "\n".join(lines)
