"""Plain-text forms of explanations for the CLI (the TUI draws its own)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tuifeed.clock import iso_utc
from tuifeed.models import Item
from tuifeed.models import SteeringAction
from tuifeed.ranking.explain import Explanation
from tuifeed.ranking.steering import SteeringState, describe
from tuifeed.text import clean_text

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
            who = f"event {evidence.event_id}" if evidence.event_id >= 0 else (
                "the card before, as Up next counted it" if explanation.status == "current"
                else "if you leave now")
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


HIDDEN_SHOWN = 3  # items listed under a mute; --json lists every one


def steering_text(state: SteeringState, log: list[SteeringAction],
                  hides: Mapping[tuple[str, str], Sequence[Item]] | None = None,
                  hidden_counts: Mapping[tuple[str, str], int] | None = None) -> str:
    """What is in force, then the log; under each mute, how many items it hides now and the
    first few of them (`hides`: the first few, `hidden_counts`: how many in all)."""
    lines = ["In force:"]
    for (target, name), amount in sorted(state.boosts.items()):
        lines.append(f"  boost {'#' if target == 'topic' else '@'}{clean_text(name)} {amount:+g}")
    for target, name in sorted(state.mutes):
        lines.append(f"  mute {target} {clean_text(name)}")
        if hides is None or hidden_counts is None:
            continue
        count = hidden_counts.get((target, name), 0)
        lines[-1] += f": hides {count} item{'' if count == 1 else 's'} now"
        shown = hides.get((target, name), ())
        for item in shown:
            lines.append(f"      {item.id}  {clean_text(item.title, limit=60)}")
        if count > len(shown):
            lines.append(f"      and {count - len(shown)} more (--json lists every one)")
    for topic, moment in sorted(state.forgotten.items()):
        lines.append(f"  forgot #{clean_text(topic)} at {iso_utc(moment)}")
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
