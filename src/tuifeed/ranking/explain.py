"""Explanations: for one item, every term of its score with the evidence behind it.

The numbers come from the same ranking pass that orders the queue; this module only adds the
evidence (which events, when) and the plain-words sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


from tuifeed.models import Event, Item
from tuifeed.ranking.catalog import Catalog, creator_key
from tuifeed.ranking.interests import InterestModel, touching
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.scorer import EXPLORE_HORIZON, Context, Ranked

# How a kind reads in a sentence: "3 likes", "1 fast skip".
KIND_WORDS = {
    "impression": ("showing", "showings"), "dwell": ("dwell", "dwells"),
    "watch": ("player watch", "player watches"), "skip": ("fast skip", "fast skips"),
    "like": ("like", "likes"), "unlike": ("unlike", "unlikes"),
    "dislike": ('"not interested"', '"not interested"s'), "save": ("save", "saves"),
    "follow": ("follow", "follows"), "unfollow": ("unfollow", "unfollows"),
    "share": ("share", "shares"),
}


@dataclass(frozen=True)
class Evidence:
    """One event behind a term: what happened, when, and how much it weighs now."""

    event_id: int
    ts: float
    kind: str
    item_id: str
    title: str
    value: float | None
    weight: float  # its signal strength, decayed to now (short + long parts)
    about: str  # the topic or creator it counts for


@dataclass(frozen=True)
class Line:
    name: str
    value: float
    sentence: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Explanation:
    item: Item
    rank: int | None  # None when the item is not in the queue
    score: float | None
    status: str  # "queued", "current", "seen", "disliked", ...
    lines: list[Line]
    what_if: list[str]
    steering: list[str] = field(default_factory=list)  # each steering in force, one line each


def ago(seconds: float) -> str:
    """A span in its largest unit: "3 d", "20 min"; under two minutes, "minute"."""
    seconds = max(seconds, 0.0)
    for size, unit in ((86400, "d"), (3600, "h"), (120, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit}"
    return "minute"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def age_words(seconds: float) -> str:
    span = ago(seconds)
    return "just now" if span == "minute" else f"{span} ago"


def evidence_for(events: Sequence[Event], catalog: Catalog, model: InterestModel,
                 recipe: Recipe, now: float, *, topics: Sequence[str] = (),
                 creator: str | None = None) -> list[Evidence]:
    """The events that shaped the affinity to these topics (or this creator), strongest first."""
    found = [
        Evidence(event.id, event.ts, event.kind, item.id, item.title, event.value,
                 float(strength * model.decay(now - event.ts)),
                 f"@{item.creator}" if creator is not None else ", ".join(f"#{t}" for t in shared))
        for event, item, strength, shared in touching(events, catalog, recipe, topics=topics,
                                                      creator=creator)
    ]
    found.sort(key=lambda evidence: (-abs(evidence.weight), evidence.event_id))
    return found


def summarise(evidence: Sequence[Evidence], now: float) -> str:
    """ "3 likes, 2 watches of #alligators in the last 20 min" """
    if not evidence:
        return "nothing you did touches it yet"
    counts = Counter(entry.kind for entry in evidence)
    parts = []
    for kind, count in counts.most_common(3):
        singular, plural = KIND_WORDS.get(kind, (kind, kind + "s"))
        parts.append(f"{count} {singular if count == 1 else plural}")
    subjects = sorted({entry.about for entry in evidence})
    oldest = max(now - entry.ts for entry in evidence)
    return f"{', '.join(parts)} on {' '.join(subjects[:2])} in the last {ago(oldest)}"


def explain(ranked: Ranked, catalog: Catalog, model: InterestModel, recipe: Recipe,
            context: Context, events: Sequence[Event], before: Sequence[Item] = (),
            steering: SteeringState | None = None) -> list[Line]:
    """One line a term, in the scorer's order, each with its evidence sentence.

    `before` is the cards shown just before this one (the session's, then the queue's).
    """
    item = ranked.item
    now = context.now
    lines = []
    for name, value in ranked.contributions.items():
        evidence: list[Evidence] = []
        if name == "topic":
            evidence = evidence_for(events, catalog, model, recipe, now, topics=item.topics)
            sentence = summarise(evidence, now)
        elif name == "creator":
            evidence = evidence_for(events, catalog, model, recipe, now, creator=creator_key(item))
            sentence = summarise(evidence, now)
        else:
            sentence = describe_term(name, value, item, catalog, recipe, context, before,
                                     steering or SteeringState())
        lines.append(Line(name, value, sentence, evidence))
    return lines


def steering_notes(item: Item, steering: SteeringState, hidden: int, now: float) -> list[str]:
    """Each steering instruction in force that bears on this item, in plain words."""
    notes = []
    for (target, name), amount in sorted(steering.boosts.items()):
        applies = (name in item.topics if target == "topic"
                   else name in (item.creator, creator_key(item)))
        subject = f"#{name}" if target == "topic" else f"@{name}"
        notes.append(f"boost {subject} {amount:+g}: "
                     + ("applies to this item" if applies else "not this item"))
    for topic, moment in sorted(steering.forgotten.items()):
        if topic in item.topics:
            notes.append(f"you asked to forget #{topic} {age_words(now - moment)}: "
                         f"only what you did since counts for it")
    if steering.paused_since is not None:
        notes.append("learning is paused: what you do is recorded, not learned from")
    if steering.reset_at is not None:
        notes.append("you started over as a new viewer: earlier events do not count")
    if steering.mutes:
        muted = ", ".join(f"{target} {name}" for target, name in sorted(steering.mutes))
        notes.append(f"mutes in force ({muted}) hide {hidden} items from the queue")
    return notes


def describe_term(name: str, value: float, item: Item, catalog: Catalog, recipe: Recipe,
                  context: Context, before: Sequence[Item], steering: SteeringState) -> str:
    now = context.now
    if name in ("boost_topic", "boost_creator"):
        if name == "boost_topic":
            boosts = {f"#{topic}": steering.boosts.get(("topic", topic)) for topic in item.topics}
        else:
            boosts = {f"@{item.creator}": steering.boosts.get(("creator", item.creator))
                      or steering.boosts.get(("creator", creator_key(item)))}
        given = [f"{subject} {amount:+g}" for subject, amount in boosts.items() if amount]
        return f"your boost: {', '.join(given)}" if given else "no boost of yours applies"
    if name == "following":
        followed = context.followed is not None and bool(
            context.followed[catalog.creator_index[creator_key(item)]])
        return f"you follow @{item.creator}" if followed else f"you do not follow @{item.creator}"
    if name == "recency":
        return f"published {age_words(now - item.published)}: newest first"
    if name == "freshness":
        half_life = recipe.term("freshness_half_life_days") or 7.0
        return (f"published {age_words(now - item.published)}; "
                f"freshness halves every {half_life:g} days")
    if name == "quality":
        mean = catalog.likes.sum() / max(catalog.views.sum(), 1.0)
        rate = item.likes / max(item.views, 1)
        return f"{100 * rate:.1f} likes per 100 views, against {100 * mean:.1f} on average"
    if name == "popularity":
        return f"{item.views:,} views"
    if name == "novelty":
        return (f"you have never been shown @{item.creator}" if value
                else f"you have seen @{item.creator} before")
    if name == "short_form":
        return ("a short (a YouTube Short or a vertical clip)" if item.short_form
                else "not marked as a short")
    if name == "seen":
        return ("you have seen it; everything unseen is used up" if value
                else "you have not seen it yet")
    if name == "diversity":
        window = int(recipe.term("diversity_window"))
        last = list(before)[-window:] if window > 0 else []
        same_creator = sum(creator_key(other) == creator_key(item) for other in last)
        main = item.topics[0] if item.topics else None
        same_topic = sum(bool(other.topics) and other.topics[0] == main for other in last)
        if not value:
            return f"no repeat among the {plural(len(last), 'card')} before it"
        return (f"of the {plural(len(last), 'card')} before it, {same_creator} by "
                f"@{item.creator} and {same_topic} about #{main}")
    if name == "exploration":
        rate = recipe.exploration.get("rate", 0.0)
        if value:
            every = max(int(round(1 / rate)), 2) if rate else 0
            return (f"exploration slot, 1 in {every}: drawn at random (seed {context.seed}) "
                    f"from beyond the model's top {EXPLORE_HORIZON}")
        return "not an exploration slot"
    return "steering" if name.startswith("steer") else ""
