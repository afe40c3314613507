"""The ranker learns and responds, as measured by the same code `tuifeed bench` runs."""

import pytest

from tuifeed import bench


@pytest.fixture(scope="module")
def learns():
    """The learning benchmark as `tuifeed bench` runs it: every scenario, 5 seeds."""
    return bench.bench_learns(seed=0)


def mean(learns, scenario, recipe):
    return learns["scenarios"][scenario][recipe]["mean"]


def test_every_recipe_meets_the_same_viewers(learns):
    assert learns["seeds"] == [0, 1, 2, 3, 4]
    assert set(learns["scenarios"]) == {"topics", "creators", "short-clips", "noisy"}
    for scenario in learns["scenarios"].values():
        assert [run["seed"] for run in scenario["runs"]] == learns["seeds"]
        assert all({"for-you", "chronological", "popular"} <= set(run)
                   for run in scenario["runs"])
    # Each seed draws its own catalogue and tastes, so the spread means something.
    for name in ("topics", "creators"):
        assert len({run["tastes"] for run in learns["scenarios"][name]["runs"]}) > 1


def test_for_you_learns_a_taste_for_topics(learns):
    """The model's own hypothesis class: for-you wins by far, on every seed."""
    for baseline in ("chronological", "popular"):
        assert mean(learns, "topics", "for-you") > mean(learns, "topics", baseline) + 0.2
    for run in learns["scenarios"]["topics"]["runs"]:
        assert run["for-you"] > max(run["chronological"], run["popular"])


def test_for_you_learns_favourite_creators_whatever_their_topics(learns):
    for baseline in ("chronological", "popular"):
        assert mean(learns, "creators", "for-you") > mean(learns, "creators", baseline) + 0.3
    for run in learns["scenarios"]["creators"]["runs"]:
        assert run["for-you"] > max(run["chronological"], run["popular"])


def test_for_you_still_learns_when_a_fifth_of_the_reactions_are_random(learns):
    for baseline in ("chronological", "popular"):
        assert mean(learns, "noisy", "for-you") > mean(learns, "noisy", baseline) + 0.15
    for run in learns["scenarios"]["noisy"]["runs"]:
        assert run["for-you"] > max(run["chronological"], run["popular"])


def test_for_you_learns_a_taste_for_short_clips_whatever_their_topics(learns):
    """Length is a term of its own: a taste for short clips wins over both orders."""
    for baseline in ("chronological", "popular"):
        assert mean(learns, "short-clips", "for-you") > mean(learns, "short-clips",
                                                              baseline) + 0.2
    for run in learns["scenarios"]["short-clips"]["runs"]:
        assert run["for-you"] > max(run["chronological"], run["popular"])


def test_the_viewers_taste_is_measured_not_its_reactions(learns):
    """The timeline ignores reactions: the noisy viewer (same tastes as the topic viewer,
    random reactions now and then) gets exactly what the topic viewer gets from it."""
    for topics, noisy in zip(learns["scenarios"]["topics"]["runs"],
                             learns["scenarios"]["noisy"]["runs"]):
        assert noisy["tastes"] == topics["tastes"]
        assert noisy["chronological"] == topics["chronological"]


def test_the_figures_do_not_depend_on_the_processes(learns):
    (run,) = [run for run in learns["scenarios"]["creators"]["runs"] if run["seed"] == 2]
    alone = bench.learning_run(2, "creators", recipes=("chronological", "popular"))
    assert (alone["chronological"], alone["popular"]) == (run["chronological"], run["popular"])


def test_it_responds_to_dwells_and_dislikes():
    result = bench.bench_responds(seed=0)
    assert result["share_after"] > result["share_before"]
    assert result["disliked_creator_in_next_10"] == 0
