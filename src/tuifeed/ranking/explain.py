"""Explanations: for one item, every term of its score with the evidence behind it.

The numbers come from the same ranking pass that orders the queue; this module only adds the
evidence (which events, when) and the plain-words sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from tuifeed.models import Event, Item
from tuifeed.ranking.catalog import Catalog, band_label, creator_key
from tuifeed.ranking.interests import InterestModel, touching
from tuifeed.ranking.recipe import Recipe
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import SUPERSEDED_REASON
from tuifeed.timewords import ago
from tuifeed.ranking.scorer import (EXPLORE_HORIZON, Context, Ranked, exploration_cards,
                                    repeat_weight)

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
class Ignored:
    """An event that touches the term but that the model does not learn from, and why."""

    evidence: Evidence
    reason: str  # "before you started over", "while learning was paused", ...


@dataclass(frozen=True)
class Line:
    name: str
    value: float
    sentence: str
    evidence: list[Evidence] = field(default_factory=list)  # what the model learned from
    ignored: list[Ignored] = field(default_factory=list)  # shown apart: it does not count


@dataclass(frozen=True)
class Explanation:
    item: Item
    rank: int | None  # None when the item is not in the queue
    score: float | None
    status: str  # "queued", "current", "seen", "disliked", ...
    lines: list[Line]
    what_if: list[str]
    steering: list[str] = field(default_factory=list)  # each steering in force, one line each
    slot: str = ""  # for an exploration pick: the slot that placed it


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def evidence_for(events: Sequence[Event], catalog: Catalog, model: InterestModel,
                 recipe: Recipe, now: float, *, topics: Sequence[str] = (),
                 creator: str | None = None, band: int | None = None,
                 source: str | None = None, words: Sequence[str] = (),
                 language: str | None = None, steering: SteeringState | None = None,
                 undone: Sequence[Event] = (), superseded: Collection[int] = ()
                 ) -> tuple[list[Evidence], list[Ignored]]:
    """The events that shaped the affinity to these topics (or this creator, length band,
    source, language or these words), strongest first, and apart, those that touch it but that the
    model does not learn from (under the steering in force, or undone), with the reason."""
    steering = steering or SteeringState()
    found: list[Evidence] = []
    ignored: list[Ignored] = []
    undone_ids = {event.id for event in undone}
    for event, item, strength, shared in touching([*events, *undone], catalog, recipe,
                                                  topics=topics, creator=creator, band=band,
                                                  source=source, words=words,
                                                  language=language):
        reason = _not_counted(event, steering, undone_ids)
        if reason is None and event.id in superseded:
            reason = SUPERSEDED_REASON
        if reason is None and topics:  # a forget is about topics only
            counted = [topic for topic in shared if event.ts > steering.forgotten.get(topic, -1)]
            if not counted:
                reason = f"you asked to forget {' '.join('#' + t for t in shared)} after it"
            shared = counted
        if creator is not None:
            about = f"@{item.creator}"
        elif topics:
            about = ", ".join(f"#{topic}" for topic in shared)
        elif words:
            about = ", ".join(f'"{word}"' for word in shared)
        else:
            about = shared[0]  # the band, the source or the language
        evidence = Evidence(event.id, event.ts, event.kind, item.id, item.title, event.value,
                            float(strength * model.decay(now - event.ts)), about)
        if reason is None:
            found.append(evidence)
        else:
            ignored.append(Ignored(evidence, reason))
    found.sort(key=lambda evidence: (-abs(evidence.weight), evidence.event_id))
    ignored.sort(key=lambda entry: -entry.evidence.event_id)
    return found, ignored


def _not_counted(event: Event, steering: SteeringState, undone: set[int]) -> str | None:
    if event.id in undone:
        return "you undid it"
    if not steering.counts(event):
        return "before you started over"
    if not steering.learns_from(event):
        return "while learning was paused"
    return None


def summarise(evidence: Sequence[Evidence], now: float) -> str:
    """ "3 likes, 2 watches of #alligators in the last 20 min" """
    if not evidence:
        return "nothing you did touches it yet"
    counts = Counter(entry.kind for entry in evidence)
    subjects = {entry.about for entry in evidence}
    oldest = max(now - entry.ts for entry in evidence)
    return summary_sentence(counts.most_common(3), subjects, oldest, len(evidence))


def summary_sentence(kinds: Sequence[tuple[str, int]], subjects: Collection[str],
                     oldest: float, total: int) -> str:
    """summarise() from its figures: the commonest kinds (most first; among equals, the one
    met first in the evidence's order), what the evidence is about, the oldest's age."""
    parts = []
    for kind, count in kinds:
        singular, plural = KIND_WORDS.get(kind, (kind, kind + "s"))
        parts.append(f"{count} {singular if count == 1 else plural}")
    return (f"{', '.join(parts)} on {' '.join(sorted(subjects)[:2])}, "
            f"{'the oldest ' + ago(oldest) if total > 1 else ago(oldest)}")


@dataclass(frozen=True)
class TermEvidence:
    """A learned term's evidence when there is too much to list: the strongest events that
    count and the newest that do not (at most EVIDENCE_LISTED of each), with the sentence
    and the count of those not counted, both over all of them."""

    found: list[Evidence]
    ignored: list[Ignored]
    sentence: str
    not_counted: int


EVIDENCE_LISTED = 100  # events listed a term (the screen shows 3; --json these)


def explain(ranked: Ranked, catalog: Catalog, model: InterestModel, recipe: Recipe,
            context: Context, events: Sequence[Event], before: Sequence[Item] = (),
            steering: SteeringState | None = None, undone: Sequence[Event] = (),
            superseded: Collection[int] = (), evidence_of: EvidenceOf | None = None
            ) -> list[Line]:
    """One line a term, in the scorer's order, each with its evidence sentence.

    `before` is the earlier cards the diversity term counted (the last ones shown, then the
    queue above). `events` are the log's; only those the model learns from are evidence.
    `evidence_of(now, **subject)`, when given, stands for evidence_for over those events and
    summarise (the Feed reads a large log's columns instead of walking its events, and lists
    the strongest EVIDENCE_LISTED).
    """
    item = ranked.item
    now = context.now
    lines = []
    steering = steering or SteeringState()
    for name, value in ranked.contributions.items():
        evidence: list[Evidence] = []
        ignored: list[Ignored] = []
        row = catalog.index[item.id]
        subject = learned_subject(name, row, item, catalog)
        if subject is not None:
            if evidence_of is not None:
                told = evidence_of(now, **subject)
                evidence, ignored = told.found, told.ignored
                sentence, not_counted = told.sentence, told.not_counted
            else:
                evidence, ignored = evidence_for(events, catalog, model, recipe, now,
                                                 steering=steering, undone=undone,
                                                 superseded=superseded, **subject)
                sentence, not_counted = summarise(evidence, now), len(ignored)
            if name == "length":
                sentence = f"{band_label(int(catalog.length_band[row]))}: {sentence}"
            elif name == "language":
                sentence = f"in {subject['language']}: {sentence}"
            if not_counted:
                sentence += f" ({plural(not_counted, 'event')} not counted)"
        elif name == "length":
            sentence = "no source said how long it is: length does not count for it"
        elif name == "words":
            sentence = "no words of its title or description carry weight"
        elif name == "language":
            sentence = "no source said its language: language does not count for it"
        else:
            sentence = describe_term(name, value, item, catalog, recipe, context, before,
                                     steering)
        lines.append(Line(name, value, sentence, evidence, ignored))
    return lines


EvidenceOf = Callable[..., TermEvidence]


def learned_subject(name: str, row: int, item: Item, catalog: Catalog) -> dict | None:
    """What a learned term reads the affinity of, for this item (None: not a learned term,
    or nothing to read: an unknown length or language, no words)."""
    if name == "topic":
        return {"topics": item.topics}
    if name == "creator":
        return {"creator": creator_key(item)}
    if name == "length":
        band = int(catalog.length_band[row])
        return {"band": band} if band >= 0 else None
    if name == "source":
        return {"source": catalog.source_names[catalog.source_codes[row]]}
    if name == "words":
        words = catalog.word_matrix.words_at(row)
        return {"words": words} if words else None
    if name == "language":
        code = int(catalog.language_codes[row])
        return {"language": catalog.language_names[code]} if code >= 0 else None
    return None


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
            notes.append(f"you asked to forget #{topic} {ago(now - moment)}: "
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
        return f"published {ago(now - item.published)}: newest first"
    if name == "freshness":
        half_life = recipe.term("freshness_half_life_days") or 7.0
        return (f"published {ago(now - item.published)}; "
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
        if int(recipe.term("diversity_window")) <= 0:
            return "this recipe has no diversity term"
        same_creator = sum(creator_key(other) == creator_key(item) for other in before)
        main = item.topics[0] if item.topics else None
        same_topic = sum(bool(other.topics) and other.topics[0] == main for other in before)
        counted = (f"of the {plural(len(before), 'card')} before it, {same_creator} by "
                   f"@{item.creator} and {same_topic} about #{main}")
        decay = recipe.term("diversity_decay")
        per_creator = recipe.term("diversity_creator") * repeat_weight(same_creator, decay)
        if same_creator and per_creator:
            # The share of the same-creator penalty that applied, from the penalty itself.
            topic_part = recipe.term("diversity_topic") * repeat_weight(same_topic, decay)
            share = min(max((-value - topic_part) / per_creator, 0.0), 1.0)
            if share < 0.995:
                counted += (f"; your taste for @{item.creator} cut its same-creator penalty "
                            f"to {share:.0%} of {per_creator:.2f}")
        return counted
    return "steering" if name.startswith("steer") else ""


def exploration_note(recipe: Recipe, context: Context) -> str:
    """What an exploration slot is: the reason an item sits where its score would not put it."""
    rate = recipe.exploration.get("rate", 0.0)
    first = int(recipe.exploration.get("first_slot", 1))
    numbers = np.arange(1, first + 4 * int(np.ceil(1 / rate)) + 1) if rate else np.arange(0)
    cards = numbers[exploration_cards(rate, first, numbers)][:3]
    which = ", ".join(ordinal(int(card)) for card in cards)
    return (f"an exploration slot ({rate:.0%} of the cards you are shown: the {which}, ...): "
            f"drawn at random (seed {context.seed} and the card's number) from beyond the "
            f"model's top {EXPLORE_HORIZON}, by a creator you had not been shown while one is "
            f"left; its score is its own, not what placed it")


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, ..."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"
