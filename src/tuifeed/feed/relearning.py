"""Learning again from the whole log, away from the UI thread.

A recipe switch, an undo, a forget or a reset changes what the model learned from events
long past, so the model, the views and the viewer state are learned again from the whole log
(about 0.7 s at a million events). A `LearningJob` is taken on the UI thread: the log's
columns as they stand (the flags that can change copied), the steering, the recipe and the
catalogue. Its `run()` learns in any thread with nothing shared that the UI thread changes.
Its answer counts only while nothing that reaches back into the log has changed since the
job was taken (the feed's learning epoch, Feed.accept_learning); the events logged meanwhile
are then taught to it one by one, as they would have been had it been learned at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from tuifeed.feed import learning
from tuifeed.feed.log import LogView
from tuifeed.feed.state import ViewerState
from tuifeed.ranking import Catalog, InterestModel, Recipe
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import ViewTracker


@dataclass(frozen=True)
class LogSnapshot:
    """The log as it stood, and what learning from it depends on, readable from any thread."""

    log: LogView  # its undone flags and rows are copies: the UI thread moves on
    item_at: Callable[[int], str]  # a row's item id, for rows of this snapshot
    steering: SteeringState  # replaced, never changed, when steering changes
    catalog: Catalog  # does not grow while a job runs (Queueing.catalogue_in_use)
    catalog_version: int

    @classmethod
    def of(cls, log: LogView, item_at: Callable[[int], str], steering: SteeringState,
           catalog: Catalog) -> "LogSnapshot":
        return cls(replace(log, undone=log.undone.copy(), rows=log.rows.copy()), item_at,
                   steering, catalog, catalog.version)

    @property
    def length(self) -> int:
        return len(self.log.ids)

    def learn_views(self) -> ViewTracker:
        return learning.views(self.log, self.item_at)

    def learn_model(self, recipe: Recipe, superseded: set[int]) -> InterestModel:
        """The model of `recipe` learned from the log as steered (Feed.learned_model)."""
        taught = learning.teaching(self.log, self.steering, superseded)
        return learning.learned_model(self.catalog, recipe, self.log, taught,
                                      self.steering.forgotten)


@dataclass(frozen=True)
class LearningJob:
    """The model, views and viewer state to learn again from the whole log."""

    epoch: int  # the feed's learning epoch when it was taken
    snapshot: LogSnapshot
    recipe: Recipe

    def run(self) -> "Learned":
        """Learn (in any thread)."""
        views = self.snapshot.learn_views()
        model = self.snapshot.learn_model(self.recipe, views.superseded)
        state = learning.viewer_state(self.snapshot.log, self.snapshot.steering,
                                      self.snapshot.catalog)
        return Learned(self, views, model, state)


@dataclass(frozen=True)
class Learned:
    """A job and what it learned."""

    job: LearningJob
    views: ViewTracker
    model: InterestModel
    state: ViewerState
