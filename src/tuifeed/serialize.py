"""Plain dicts of the domain objects, for JSON output (same names as in code and on screen)."""

from __future__ import annotations

from tuifeed.clock import iso_utc
from tuifeed.ranking import Ranked
from tuifeed.ranking.explain import Explanation
from tuifeed.feed import HistoryEntry
from tuifeed.models import SteeringAction
from tuifeed.ranking.profile import Interest
from tuifeed.ranking.steering import SteeringState, describe


def ranked_dict(entry: Ranked) -> dict:
    item = entry.item
    return {
        "rank": entry.rank,
        "id": item.id,
        "title": item.title,
        "creator": item.creator,
        "topics": list(item.topics),
        "score": entry.score,
        "contributions": entry.contributions,
        "explore": entry.explore,
    }


def explanation_dict(explanation: Explanation) -> dict:
    item = explanation.item
    return {
        "id": item.id,
        "title": item.title,
        "creator": item.creator,
        "topics": list(item.topics),
        "status": explanation.status,
        "rank": explanation.rank,
        "score": explanation.score,
        "contributions": {line.name: line.value for line in explanation.lines},
        "lines": [
            {
                "name": line.name,
                "value": line.value,
                "sentence": line.sentence,
                "evidence": [
                    {
                        "event_id": evidence.event_id,
                        "ts": iso_utc(evidence.ts),
                        "kind": evidence.kind,
                        "item_id": evidence.item_id,
                        "title": evidence.title,
                        "value": evidence.value,
                        "weight": evidence.weight,
                        "about": evidence.about,
                    }
                    for evidence in line.evidence
                ],
                "not_counted": [
                    {"event_id": entry.evidence.event_id, "kind": entry.evidence.kind,
                     "ts": iso_utc(entry.evidence.ts), "reason": entry.reason}
                    for entry in line.ignored
                ],
            }
            for line in explanation.lines
        ],
        "what_if": explanation.what_if,
        "exploration_slot": explanation.slot or None,
        "steering": explanation.steering,
    }


def interest_dict(interest: Interest) -> dict:
    return {
        "kind": interest.kind,
        "name": interest.name,
        "total": interest.total,
        "short": interest.short,
        "long": interest.long,
        "events": interest.events,
    }


def steering_dict(state: SteeringState, log: list[SteeringAction],
                  hides: dict[tuple[str, str], list[str]] | None = None) -> dict:
    """`hides`: for each mute, the ids of every item it hides now (then each mute says so)."""
    return {
        "boosts": [{"target": target, "name": name, "amount": amount}
                   for (target, name), amount in sorted(state.boosts.items())],
        "mutes": [{"target": target, "name": name,
                   **({"hides": len(hides.get((target, name), [])),
                       "hidden": hides.get((target, name), [])} if hides is not None else {})}
                  for target, name in sorted(state.mutes)],
        "forgotten": {topic: iso_utc(moment) for topic, moment in sorted(state.forgotten.items())},
        "paused": state.paused,
        "paused_since": iso_utc(state.paused_since) if state.paused_since else None,
        "reset_at": iso_utc(state.reset_at) if state.reset_at else None,
        "log": [{"id": action.id, "ts": iso_utc(action.ts), "action": action.action,
                 "target": action.target, "name": action.name, "amount": action.amount,
                 "undone": action.undone, "text": describe(action)} for action in log],
    }


def history_dict(entry: HistoryEntry) -> dict:
    event, item = entry.event, entry.item
    return {
        "id": event.id,
        "ts": iso_utc(event.ts),
        "kind": event.kind,
        "value": event.value,
        "item_id": event.item_id,
        "title": item.title if item else None,
        "creator": item.creator if item else None,
        "topics": list(item.topics) if item else [],
        "session_id": event.session_id,
        "undone": entry.undone,
    }
