"""Steering: the viewer's direct instructions to the ranker, and what they add up to.

The instructions are a log (boost, mute, unmute, forget, pause, resume, reset); undo marks the
latest one undone. The state is always derived by replaying the log, so undo is exact.

What each one does:
- boost topic|creator NAME AMOUNT (-2..+2): adds its own term to matching items; 0 removes it.
- mute topic|creator|word NAME: matching items never appear (exploration included); a word
  hides its plurals, simple inflections and look-alike spellings in titles, descriptions and
  tags, never a longer word that contains it (ranking/words.py). A topic or creator no item
  carries yet is taken all the same, and applies to such items when they arrive.
- forget topic NAME: what was learned about the topic so far no longer counts (the events
  stay in the history and still count for their creators).
- pause / resume: while paused every event is still recorded, and still marks items seen or
  disliked, but none of it is learned from: affinities ignore events from a paused period.
- reset: start over as a new viewer: events before it count for nothing (not learned, not
  seen), boosts, forgets and pauses end; follows and mutes are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tuifeed.models import Event, SteeringAction

BOOST_LIMIT = 2.0
TARGETS = {
    "boost": ("topic", "creator"),
    "mute": ("topic", "creator", "word"),
    "unmute": ("topic", "creator", "word"),
    "forget": ("topic",),
}
FEED_ACTIONS = ("pause", "resume", "reset")
MARKS = {"topic": "#", "creator": "@", "word": "word "}


@dataclass(frozen=True)
class InForce:
    """Everything in force about one topic, creator or word."""

    target: str
    name: str
    boost: float | None = None  # the latest amount
    muted: bool = False
    forgotten_at: float | None = None  # topics only


@dataclass
class SteeringState:
    boosts: dict[tuple[str, str], float] = field(default_factory=dict)  # (target, name) -> amount
    mutes: set[tuple[str, str]] = field(default_factory=set)  # (target, name)
    forgotten: dict[str, float] = field(default_factory=dict)  # topic -> when
    paused_periods: list[tuple[float, float]] = field(default_factory=list)
    paused_since: float | None = None
    reset_at: float | None = None

    @classmethod
    def replay(cls, actions: Iterable[SteeringAction]) -> "SteeringState":
        state = cls()
        for action in actions:
            if not action.undone:
                state.apply(action)
        return state

    def apply(self, action: SteeringAction) -> None:
        key = (action.target, action.name)
        if action.action == "boost":
            if action.amount:
                self.boosts[key] = action.amount
            else:
                self.boosts.pop(key, None)
        elif action.action == "mute":
            self.mutes.add(key)
        elif action.action == "unmute":
            self.mutes.discard(key)
        elif action.action == "forget":
            self.forgotten[action.name] = action.ts
        elif action.action == "pause" and self.paused_since is None:
            self.paused_since = action.ts
        elif action.action == "resume" and self.paused_since is not None:
            self.paused_periods.append((self.paused_since, action.ts))
            self.paused_since = None
        elif action.action == "reset":
            mutes = self.mutes
            self.__init__()  # type: ignore[misc]
            self.mutes, self.reset_at = mutes, action.ts

    def in_force(self) -> list[InForce]:
        """One entry a subject with something in force (sorted by target, then name): the
        state, not the log, so a boost a reset ended or one since replaced is not there."""
        subjects = {*self.boosts, *self.mutes, *(("topic", topic) for topic in self.forgotten)}
        return [InForce(target, name, self.boosts.get((target, name)),
                        (target, name) in self.mutes,
                        self.forgotten.get(name) if target == "topic" else None)
                for target, name in sorted(subjects)]

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def counts(self, event: Event) -> bool:
        """Whether the event exists for the ranker at all (false before a reset)."""
        return self.reset_at is None or event.ts > self.reset_at

    def learns_from(self, event: Event) -> bool:
        """Whether the interest model learns from the event (not before a reset, not paused)."""
        if not self.counts(event):
            return False
        if self.paused_since is not None and event.ts >= self.paused_since:
            return False
        return not any(start <= event.ts < end for start, end in self.paused_periods)


def subject_text(target: str, name: str) -> str:
    """#topic, @creator, word NAME."""
    return MARKS.get(target, "") + name


def describe(action: SteeringAction) -> str:
    """The action in plain words, as the history and the CLI show it."""
    subject = subject_text(action.target, action.name)
    if action.action == "boost":
        return f"boost {subject} {action.amount:+g}"
    if action.action in FEED_ACTIONS:
        return {"pause": "pause learning", "resume": "resume learning",
                "reset": "start over as a new viewer"}[action.action]
    return f"{action.action} {subject}"


def known_name(name: str, known: list[str]) -> str | None:
    """The catalogue's spelling of a topic or creator (ignoring case, '#' and '@'), if any."""
    if name in known:
        return name
    folded = {option.casefold(): option for option in known}
    return folded.get(name.casefold().lstrip("#@"))


def closest_names(name: str, known: list[str], cutoff: float = 0.5) -> list[str]:
    """Up to three known names close to `name` (for "did you mean")."""
    from difflib import get_close_matches

    folded = {option.casefold(): option for option in known}
    closest = get_close_matches(name, known, n=3, cutoff=cutoff) or get_close_matches(
        name.casefold().lstrip("#@"), list(folded), n=3, cutoff=cutoff)
    return [folded.get(option, option) for option in closest]


def new_name(target: str, name: str) -> str:
    """How a topic or creator no item carries yet is written down: a topic as the catalogue
    spells tags (lower case, words joined by '-'), a creator without its '@'."""
    from tuifeed.catalogue.topics import normalise_topic
    from tuifeed.errors import TuifeedError

    spelt = normalise_topic(name) if target == "topic" else name.strip().lstrip("@").strip()
    if not spelt:
        raise TuifeedError(f"{target} {name!r} has nothing to match once its marks are taken off")
    return spelt
