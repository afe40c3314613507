"""The domain's plain data: items (videos) and behaviour events."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Item:
    """One short video's metadata, already cleaned of control sequences."""

    id: str
    title: str
    creator: str  # the display name
    topics: tuple[str, ...]
    description: str
    duration: float  # seconds; 0 when the source did not say
    published: float  # Unix time, UTC
    views: int
    likes: int
    thumbnail: str = ""  # a local path or URL; "" when there is none
    source: str = "demo"  # the name of the source that brought it
    url: str = ""  # what a player opens
    creator_id: str = ""  # the creator's identity, "youtube:UC..."; "" means source:creator
    page_url: str = ""
    short_form: bool = False
    language: str = ""  # its primary language subtag, lower case ("en"); "" when unknown


# Following is a state of its own, not a taste learned from items: kept through a reset.
FOLLOW_KINDS = ("follow", "unfollow")


def creator_key(item: Item) -> str:
    """The creator's identity: source kind and channel id, not the display name."""
    return item.creator_id or f"{item.source}:{item.creator}"


@dataclass(frozen=True, slots=True)
class Event:
    """One thing the viewer did: value is seconds for dwell, a fraction for watch, else None."""

    id: int
    ts: float  # Unix time, UTC
    item_id: str
    kind: str
    value: float | None = None
    session_id: str = ""
    extra: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class SteeringAction:
    """One direct instruction from the viewer to the ranker (see ranking/steering.py)."""

    id: int
    ts: float  # Unix time, UTC
    action: str  # boost, mute, unmute, forget, pause, resume, reset
    target: str = ""  # topic, creator, word, or "" for the whole feed
    name: str = ""
    amount: float | None = None
    undone: bool = False


@dataclass(frozen=True, slots=True)
class EventUndo:
    """The viewer took an event back (an accidental like, a long dwell): it stays in the log,
    flagged, and stops counting."""

    event_id: int
    ts: float


@dataclass(frozen=True, slots=True)
class ResumePoint:
    """Where playback of an item stopped (position 0: nothing to resume, it was finished)."""

    item_id: str
    position: float  # seconds
    duration: float | None
    ts: float
