"""Your algorithm in words: a few sentences written from the profile's own numbers (no model
writes them), each number quoted exactly as the profile, the log and the steering have it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuifeed.ranking.profile import Interest

RISING_AT_LEAST = 0.05  # a smaller rise in a day is noise, not news
SKIPPED_AT_LEAST = 2  # fast skips of a topic before it is called a habit


@dataclass(frozen=True)
class Rise:
    """An interest's total a day ago and now (its steering as it is now)."""

    kind: str
    name: str
    before: float
    now: float


@dataclass(frozen=True)
class Skips:
    """How many of a topic's cards were skipped fast, out of how many shown."""

    topic: str
    skipped: int
    shown: int


@dataclass(frozen=True)
class Facts:
    """The numbers a summary is written from."""

    interests: Sequence[Interest]
    rises: Sequence[Rise]
    skips: Sequence[Skips]
    fast_skip_seconds: float
    recent_cards: int  # of the last cards shown (up to the diversity meter's window)...
    top_topic: str | None  # ...the main topic shown most...
    top_cards: int  # ...on this many of them
    steering: Sequence[str]  # what is in force, in words ("boost #space +2", ...)


def mark(kind: str, name: str) -> str:
    return ("#" if kind == "topic" else "@") + name


def summarise(facts: Facts) -> list[str]:
    """The sentences, most telling first; each stands on its own."""
    sentences = []
    liked = [interest for interest in facts.interests if interest.short > 0]
    liked.sort(key=lambda interest: (-interest.short, interest.kind, interest.name))
    if liked:
        top = [f"{mark(i.kind, i.name)} ({i.short:+.2f})" for i in liked[:2]]
        sentences.append(f"Lately mostly {' and '.join(top)}, in the short-term part of your "
                         f"profile.")
    elif not facts.interests:
        sentences.append("Nothing learned yet: watch, like or skip a few videos first.")
    shown = {(i.kind, i.name) for i in liked[:2]}
    rises = [rise for rise in facts.rises if (rise.kind, rise.name) not in shown
             and rise.now - rise.before >= RISING_AT_LEAST and rise.now > 0]
    if rises:
        rise = max(rises, key=lambda r: (r.now - r.before, r.kind, r.name))
        sentences.append(f"{mark(rise.kind, rise.name)} rising since yesterday: "
                         f"{rise.before:+.2f} a day ago, {rise.now:+.2f} now.")
    disliked = sorted((i for i in facts.interests if i.total < 0),
                      key=lambda interest: (interest.total, interest.kind, interest.name))
    if disliked:
        least = disliked[0]
        sentences.append(f"Least wanted: {mark(least.kind, least.name)} ({least.total:+.2f}).")
    habits = [skip for skip in facts.skips
              if skip.skipped >= SKIPPED_AT_LEAST and 2 * skip.skipped >= skip.shown]
    if habits:
        habit = max(habits, key=lambda s: (s.skipped / s.shown, s.skipped, s.topic))
        said = f"You skip #{habit.topic} within {facts.fast_skip_seconds:g} s: "
        if habit.skipped <= habit.shown:
            said += (f"{habit.skipped} of the {habit.shown} #{habit.topic} cards you were "
                     f"shown.")
        else:  # skips recorded without a showing: by `tuifeed signal`, or imported
            cards = "card was" if habit.shown == 1 else "cards were"
            said += (f"{habit.skipped} times, though only {habit.shown} #{habit.topic} "
                     f"{cards} shown here (skips recorded by hand or imported count too).")
        sentences.append(said)
    if facts.recent_cards and facts.top_topic is not None:
        sentences.append(_recent_sentence(facts.recent_cards, facts.top_cards,
                                          facts.top_topic))
    if facts.steering:
        sentences.append(f"Your steering: {'; '.join(facts.steering)}.")
    return sentences


def _recent_sentence(cards: int, top: int, topic: str) -> str:
    """What the last cards were mostly about, in words that agree with the numbers."""
    if cards == 1:
        return f"Your last card was #{topic}."
    verb = "was" if top == 1 else "were"
    return f"Of your last {cards} cards, {top} {verb} #{topic} ({top / cards:.0%})."
