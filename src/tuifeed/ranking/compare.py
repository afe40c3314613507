"""Two queues side by side: where each item stands in the other recipe's queue."""

from __future__ import annotations

from dataclasses import dataclass

from tuifeed.ranking.scorer import Ranked


@dataclass(frozen=True)
class Placed:
    entry: Ranked
    other_rank: int | None  # its rank in the other queue, None when not in it

    @property
    def move(self) -> int | None:
        """Places gained in this queue compared with the other (+ up), None if absent there."""
        return None if self.other_rank is None else self.other_rank - self.entry.rank


def compare(first: list[Ranked], second: list[Ranked]) -> list[tuple[Placed | None, Placed | None]]:
    """Rows of (first's item, second's item) at each rank, each knowing its rank in the other."""
    rank_in_first = {entry.item.id: entry.rank for entry in first}
    rank_in_second = {entry.item.id: entry.rank for entry in second}
    rows = []
    for index in range(max(len(first), len(second))):
        left = first[index] if index < len(first) else None
        right = second[index] if index < len(second) else None
        rows.append((
            Placed(left, rank_in_second.get(left.item.id)) if left else None,
            Placed(right, rank_in_first.get(right.item.id)) if right else None,
        ))
    return rows


def move_label(move: int | None) -> str:
    if move is None:
        return "new"
    if move > 0:
        return f"▲{move}"
    if move < 0:
        return f"▼{-move}"
    return "="
