"""Up next, ranked away from the UI thread.

A `QueueJob` is taken on the UI thread: a private copy of the model as it will be once the
current card is left now, and the ranking context at this moment. Its `run()` ranks with
nothing shared that the UI thread changes meanwhile, so a worker thread can run it. The
answer counts only while nothing that the queue depends on has changed since the job was
taken: the feed's `version` moves with every event, steering, recipe or catalogue change.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tuifeed.feed.state import kept_context
from tuifeed.models import Event
from tuifeed.ranking import Catalog, Context, InterestModel, Ranked, Recipe, rank


@dataclass(frozen=True)
class QueueJob:
    """One ranking of Up next, as the feed stood when the job was taken."""

    version: int  # the feed's version then
    current: str | None  # the card on screen then
    leaving: tuple[Event, ...]  # what leaving that card then would record (ids below 0)
    limit: int
    catalog: Catalog
    model: InterestModel | None  # a copy: the UI thread's model moves on without it (None
    # once answered)
    recipe: Recipe
    context: Context

    @property
    def fast_skip(self) -> bool:
        """Whether leaving then counted as a fast skip."""
        return any(event.kind == "skip" for event in self.leaving)

    def run(self) -> list[Ranked]:
        """Rank (in any thread): the queue, best first."""
        return rank(self.catalog, self.model, self.recipe, self.context, self.limit)

    def answered(self) -> "QueueJob":
        """The job as its answer keeps it: without its model (a copy of megabytes at a
        million items) and with only what Why this? reads of its context."""
        return replace(self, model=None, context=kept_context(self.context))


@dataclass(frozen=True)
class RankedQueue:
    """A job and its answer."""

    job: QueueJob
    ranked: list[Ranked]
