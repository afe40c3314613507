"""Any taste the viewer shows: lengths, words and creators are learned, explained and fade."""

from __future__ import annotations

import math
import random

import pytest

from tuifeed import Feed, bench
from tuifeed.clock import VIRTUAL_EPOCH, VirtualClock
from tuifeed.models import Item
from tuifeed.ranking.word_term import words_of


def make_item(number: int, *, title: str = "", creator: str = "someone", topics=("misc",),
              duration: float = 30.0, views: int = 1000) -> Item:
    return Item(id=f"t:{number:03d}", title=title or f"Clip {number}", creator=creator,
                topics=tuple(topics), description="", duration=duration,
                published=VIRTUAL_EPOCH - 3600 - number, views=views, likes=views // 20)


def watch_through(feed: Feed, clock: VirtualClock, item: Item) -> None:
    feed.signal(item.id, "impression")
    clock.advance(item.duration)
    feed.signal(item.id, "dwell", item.duration)


def term(feed: Feed, item_id: str, name: str):
    return next(line for line in feed.why(item_id).lines if line.name == name)


# -- words -----------------------------------------------------------------------------------


def test_words_drop_english_and_french_stop_words_and_meet_plurals():
    assert words_of("The alligators of the bayou at dawn") == ("alligator", "bayou", "dawn")
    assert words_of("Les crêpes de ma grand-mère, c'est la vie") == (
        "crêpe", "grand", "mère", "vie")
    assert words_of("L'eau du lac") == ("eau", "lac")
    assert words_of("COFFEE coffee Coffees") == ("coffee",)


def test_words_of_unspaced_scripts_are_character_pairs():
    assert set(words_of("今日の街歩き")) & set(words_of("街歩きの日常")) == {"街歩", "歩き"}


def test_items_without_tags_match_by_their_words(tmp_path):
    """Nothing carries a topic; watching kayak videos brings the other kayak videos up."""
    kayaks = [make_item(n, title=f"Kayak trip number {n} on the river", topics=(), views=50)
              for n in range(6)]
    others = [make_item(10 + n, title=f"{word} unboxing", topics=(), views=5000)
              for n, word in enumerate(["Phone", "Laptop", "Camera", "Tablet", "Watch",
                                        "Speaker", "Drone", "Console", "Monitor", "Keyboard",
                                        "Mouse", "Router"])]
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, catalogue=kayaks + others) as feed:
        before = {entry.item.id for entry in feed.upcoming(10)}
        assert len(before & {item.id for item in kayaks}) <= 2  # unpopular: down the queue
        for item in kayaks[:3]:
            watch_through(feed, clock, item)
        queue = [entry.item.id for entry in feed.upcoming(5)]
        assert {kayaks[3].id, kayaks[4].id, kayaks[5].id} <= set(queue[:4])
        why = term(feed, kayaks[4].id, "words")
        assert why.value > 0
        assert {entry.item_id for entry in why.evidence} == {item.id for item in kayaks[:3]}
        assert all('"kayak"' in entry.about for entry in why.evidence)
        assert term(feed, others[0].id, "words").value == 0.0


# -- length ----------------------------------------------------------------------------------


def test_a_taste_for_short_clips_shows_in_the_next_ten(tmp_path):
    """Three short clips watched through and two long ones skipped: the next 10 are short."""
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock) as feed:
        feed.start()
        short = lambda entry: entry.item.duration <= 20  # noqa: E731
        before = sum(map(short, feed.upcoming(10)))
        queue = feed.upcoming(len(feed.catalog))
        for item in [entry.item for entry in queue if entry.item.duration <= 20][:3]:
            watch_through(feed, clock, item)
        for item in [entry.item for entry in queue if entry.item.duration >= 60][:2]:
            feed.signal(item.id, "impression")
            clock.advance(1.0)
            feed.signal(item.id, "dwell", 1.0)
            feed.signal(item.id, "skip")
        after = sum(map(short, feed.upcoming(10)))
        assert after >= 8 and after > before


def test_length_evidence_and_items_of_unknown_length(tmp_path):
    catalogue = [make_item(n, duration=d) for n, d in enumerate([8, 9, 15, 0, 30])]
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, catalogue=catalogue) as feed:
        watch_through(feed, clock, catalogue[0])  # 8 s: the 5-10 s band
        same_band = term(feed, catalogue[1].id, "length")
        assert same_band.value > 0
        assert same_band.sentence.startswith("5 s-10 s")
        assert {entry.item_id for entry in same_band.evidence} == {catalogue[0].id}
        assert {entry.kind for entry in same_band.evidence} == {"impression", "dwell"}
        assert term(feed, catalogue[2].id, "length").value == 0.0  # 15 s: another band
        unknown = term(feed, catalogue[3].id, "length")
        assert unknown.value == 0.0 and unknown.evidence == []
        assert "no source said how long it is" in unknown.sentence


def test_a_taste_for_a_length_fades_on_the_short_term_half_life(tmp_path):
    catalogue = [make_item(n, duration=12) for n in range(4)]
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, catalogue=catalogue) as feed:
        for item in catalogue[:3]:
            watch_through(feed, clock, item)
        recipe = feed.recipe
        short_life = recipe.memory["short_half_life_minutes"] * 60
        band = int(feed.catalog.length_band[feed.catalog.index[catalogue[3].id]])
        now = clock.now()
        start = feed.model.at(now)
        later = feed.model.at(now + short_life)
        assert later.band_short[band] == pytest.approx(start.band_short[band] / 2)
        long_life = recipe.memory["long_half_life_days"] * 86400
        assert later.band_long[band] == pytest.approx(
            start.band_long[band] * 2 ** (-short_life / long_life))
        first = term(feed, catalogue[3].id, "length").value
        clock.advance(3 * short_life)
        assert 0 < term(feed, catalogue[3].id, "length").value < first


# -- creators --------------------------------------------------------------------------------


def test_a_loved_creator_pays_less_for_coming_again_and_why_says_so(tmp_path):
    loved = [make_item(n, creator="gatorgrace", topics=(f"t{n}",), views=100) for n in range(5)]
    others = [make_item(10 + n, creator=f"c{n}", topics=(f"u{n}",), views=10_000)
              for n in range(10)]
    clock = VirtualClock()
    with Feed.open(tmp_path, clock=clock, catalogue=loved + others) as feed:
        for item in loved[:2]:
            watch_through(feed, clock, item)
        queue = feed.upcoming(10)
        mine = [entry for entry in queue if entry.item.creator == "gatorgrace"]
        assert len(mine) == 3  # all that are left, despite the diversity term
        second = mine[1]
        recipe = feed.recipe
        # The penalty recomputed from the recipe and the affinity to the creator, which the
        # creator term shows: weight x tanh(affinity / scale).
        creator_part = second.contributions["creator"] / recipe.term("creator")
        relief = 1 - recipe.term("diversity_creator_taste") * creator_part
        assert 0.05 < relief < 0.5
        # Earlier cards by the creator: the one on screen (the diversity window) and mine[0].
        assert feed.state.shown[-1] == loved[1].id
        decay = recipe.term("diversity_decay")
        assert second.contributions["diversity"] == pytest.approx(
            -recipe.term("diversity_creator") * relief * (1 + decay), abs=1e-9)
        why = term(feed, second.item.id, "diversity")
        assert f"cut its same-creator penalty to {relief:.0%}" in why.sentence


def test_without_the_taste_the_full_penalty_applies(tmp_path):
    items = [make_item(n, creator="solo", topics=(f"t{n}",)) for n in range(3)]
    with Feed.open(tmp_path, clock=VirtualClock(), catalogue=items) as feed:
        queue = feed.upcoming(3)
        assert queue[1].contributions["diversity"] == pytest.approx(
            -feed.recipe.term("diversity_creator"))
        assert "cut its same-creator penalty" not in term(feed, queue[1].item.id,
                                                          "diversity").sentence


# -- the benchmark ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tastes():
    return bench.bench_tastes(seed=0)


def test_for_you_beats_popular_for_every_kind_of_viewer(tastes):
    assert set(tastes["scenarios"]) == {"topics", "creators", "short-clips", "noisy"}
    for name, scenario in tastes["scenarios"].items():
        assert scenario["for-you"]["mean"] > scenario["popular"]["mean"], name
        assert scenario["for-you"]["mean"] > scenario["chronological"]["mean"], name


def test_the_short_clip_lover_gets_its_clips(tastes):
    """Duration is a feature now: the short-clip viewer meets the issue's bar."""
    assert tastes["scenarios"]["short-clips"]["for-you"]["mean"] >= 0.7


def test_share_of_the_possible_counts_what_the_catalogue_has(tastes):
    for scenario in tastes["scenarios"].values():
        for run in scenario["runs"]:
            assert 0 <= run["for-you"] <= 1
            assert run["enjoyable"] == round(run["in_catalogue"] * tastes["catalogue"])
    creators = tastes["scenarios"]["creators"]["runs"]
    assert any(run["enjoyable"] < 40 for run in creators)  # the smaller of 40 and that
    assert math.isclose(tastes["scenarios"]["topics"]["runs"][0]["in_catalogue"],
                        tastes["scenarios"]["noisy"]["runs"][0]["in_catalogue"])


def test_the_topic_reference_wastes_one_card_a_disliked_topic_when_reactions_are_true():
    """The reference knows the viewer's model: with reactions that always follow taste, one
    skip rules a topic out, and one watch of a single-topic item rules it in."""
    order = ("d", "e", "f", "a", "b", "c")  # the disliked topics come first in the catalogue
    catalogue = [make_item(10 * place + copy, topics=(topic,))
                 for place, topic in enumerate(order) for copy in range(5)]
    liked = {"a", "b", "c"}
    viewer = bench.Viewer("topics", "a, b, c", lambda item: item.topics[0] in liked)
    # d, e and f are tried and skipped once each; then all 12 cards of a, b and c.
    assert bench.topic_reference(catalogue, viewer, seed=0, count=15) == 12 / 15
    # Acting against taste a quarter of the time costs even a feed that knows the model.
    noisy = bench.Viewer("noisy", "a, b, c", viewer.enjoys, against=0.25)
    shares = [bench.topic_reference(catalogue, noisy, seed, count=15) for seed in range(20)]
    assert max(shares) <= 1.0 and sum(shares) / len(shares) < 12 / 15


def test_the_bench_reports_the_references(tastes):
    for name in ("creators", "topics", "noisy"):
        assert 0 < tastes["scenarios"][name]["bound"]["mean"] <= 1
    assert "short-clips" not in tastes["scenarios"] or "bound" not in tastes["scenarios"][
        "short-clips"]
    # Knowing the model, the noise-free topic viewer is served better than the noisy one.
    assert (tastes["scenarios"]["topics"]["bound"]["mean"]
            > tastes["scenarios"]["noisy"]["bound"]["mean"])


def test_the_same_history_scores_the_same_whatever_order_items_arrived_in(tmp_path):
    """Word codes follow the order items arrived in; the words term must not, to the bit
    (an exported log imported into another home ranks the same)."""
    generator = random.Random(7)
    vocabulary = ["".join(generator.choice("bcdfghklmnprtvz") + generator.choice("aeiou")
                          for _ in range(3)) for _ in range(60)]
    items = [make_item(n, title=" ".join(generator.sample(vocabulary, 12)), topics=())
             for n in range(200)]
    scores = []
    for name, catalogue in (("forward", items), ("backward", items[::-1])):
        clock = VirtualClock()
        with Feed.open(tmp_path / name, clock=clock, catalogue=catalogue) as feed:
            for item in items[:12]:
                watch_through(feed, clock, item)
            scores.append({entry.item.id: entry.contributions["words"]
                           for entry in feed.upcoming(150)})
    # (Exploration draws rows, so the two queues hold slightly different items.)
    both = scores[0].keys() & scores[1].keys()
    assert len(both) > 100 and any(scores[0].values())
    assert {key: scores[0][key] for key in both} == {key: scores[1][key] for key in both}
