"""Plain-text forms of explanations for the CLI (the TUI draws its own)."""

from __future__ import annotations

from tuifeed.clock import iso_utc
from tuifeed.models import SteeringAction
from tuifeed.ranking.explain import Explanation
from tuifeed.ranking.steering import SteeringState, describe

BAR_WIDTH = 12


def cells(text: str, width: int) -> str:
    """`text` in exactly `width` terminal cells, as a column of a table needs it: measured
    the way the terminal draws it (a CJK character or an emoji takes two cells), cut with
    `…` when longer, padded with spaces when shorter."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def bar(value: float, scale: float) -> str:
    """A signed bar: ██████ to the right for positive, ░░░ for negative."""
    cells = min(round(abs(value) / scale * BAR_WIDTH), BAR_WIDTH)
    return ("█" if value >= 0 else "░") * cells


def explanation_text(explanation: Explanation) -> str:
    item = explanation.item
    place = {
        "queued": f"#{explanation.rank} in your queue",
        "current": "on screen now",
        "seen": "already seen (comes back only when everything unseen is used up)",
        "disliked": "marked not interested: it never comes back",
        "beyond": "further down the queue than tuifeed looks",
        "muted": "hidden by one of your mutes: it never appears while the mute holds",
        "filtered": "left out by the recipe (it shows only creators you follow)",
    }[explanation.status]
    topics = " ".join(f"#{topic}" for topic in item.topics)
    lines = [f"{item.id}  {item.title}", f"@{item.creator}  {topics}",
             f"{place}; score {explanation.score:+.3f} = the sum of:"]
    scale = max((abs(line.value) for line in explanation.lines), default=1.0) or 1.0
    for line in explanation.lines:
        lines.append(f"  {line.name:<13} {line.value:+.3f}  {bar(line.value, scale):<{BAR_WIDTH}}  "
                     f"{line.sentence}")
        for evidence in line.evidence[:3]:
            who = "if you leave now" if evidence.event_id < 0 else f"event {evidence.event_id}"
            lines.append(f"{'':>32}{who}: {evidence.kind} of "
                         f"\"{evidence.title[:40]}\" ({evidence.weight:+.2f})")
        for ignored in line.ignored[:3]:
            lines.append(f"{'':>32}not counted: event {ignored.evidence.event_id} "
                         f"({ignored.evidence.kind}), {ignored.reason}")
    if explanation.slot:
        lines.append(f"Placed by {explanation.slot}")
    for sentence in explanation.what_if:
        lines.append(f"What would change it: {sentence}")
    for sentence in explanation.steering:
        lines.append(f"Your steering: {sentence}")
    return "\n".join(lines)


def steering_text(state: SteeringState, log: list[SteeringAction]) -> str:
    lines = ["In force:"]
    for (target, name), amount in sorted(state.boosts.items()):
        lines.append(f"  boost {'#' if target == 'topic' else '@'}{name} {amount:+g}")
    for target, name in sorted(state.mutes):
        lines.append(f"  mute {target} {name}")
    for topic, moment in sorted(state.forgotten.items()):
        lines.append(f"  forgot #{topic} at {iso_utc(moment)}")
    if state.paused_since is not None:
        lines.append(f"  learning paused since {iso_utc(state.paused_since)}")
    if state.reset_at is not None:
        lines.append(f"  started over at {iso_utc(state.reset_at)}")
    if len(lines) == 1:
        lines.append("  nothing: the recipe alone decides")
    if log:
        lines.append("Log (newest last; undo takes back the latest in force):")
        for action in log:
            mark = " (undone)" if action.undone else ""
            lines.append(f"  {action.id:>4}  {iso_utc(action.ts)}  {describe(action)}{mark}")
    return "\n".join(lines)
