"""Up next, ranked in a worker thread; the keys that need it wait for it, in order.

The UI thread never ranks: after each action it takes a `QueueJob` (a copy of what the
ranking needs, feed/queue.py) and a worker ranks it and posts `QueueRanked`. `j` brings the
first of the queue Up next shows when that queue still holds; when it does not (something
changed since it was ranked), the key waits for the ranking under way, and so do the feed's
keys pressed after it, so keys always act in the order they were pressed.

Learning again from the whole log (after a recipe switch, an undo, a forget, a reset) runs in
a worker too and posts `ModelLearned`; the feed's keys wait for it the same way, and Up next
is ranked once it is in.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING

from textual.message import Message
from textual.worker import Worker, WorkerState

from tuifeed.tui.lane import run_feed_work
from tuifeed.tui.widgets.queue import QueuePanel

if TYPE_CHECKING:  # loaded with the feed, after the first frame (tui/opening.py)
    from tuifeed.feed.queue import QueueJob, RankedQueue
    from tuifeed.feed.relearning import Learned, LearningJob

QUEUE_LENGTH = 8  # at least; a taller Up next shows as many as its height holds
# Screens' own workers that read the feed (new videos wait for them; scripts settle on them).
SCREEN_WORKERS = frozenset({"why", "compare", "algorithm", "history"})
SETTLE_PATIENCE = 120.0  # seconds: a script waiting longer for a ranking has found a bug


class WordsIndexed(Message):
    """A worker indexed the catalogue's words (for word mutes; see Feed.build_word_index)."""

    def __init__(self, index, version: int) -> None:
        super().__init__()
        self.index, self.version = index, version


class ModelLearned(Message):
    """A worker learned the model again from the whole log (see Feed.accept_learning)."""

    def __init__(self, learned: Learned) -> None:
        super().__init__()
        self.learned = learned


class Relearned(Message):
    """Sent to the screens once the model learned again is in use: a screen showing what
    was learned redraws."""


class QueueRanked(Message):
    """A worker ranked Up next (it may no longer hold: see Feed.accept_queue)."""

    def __init__(self, answer: RankedQueue) -> None:
        super().__init__()
        self.answer = answer


def in_order(action: Callable) -> Callable:
    """A feed key that waits its turn behind keys still waiting for a ranking, or for the
    model to be learned again."""
    @wraps(action)
    def gated(self, *args) -> None:
        if (self._waiting or self.learning_pending) and not self._draining:
            self._waiting.append(partial(action, self, *args))
            if self.learning_pending:
                self.request_queue()  # learning first (started here if it is only due)
            return
        action(self, *args)
    return gated


class Queueing:
    """Mixed into FeedApp: Up next's ranking worker and the keys that wait for it. (Its
    handlers go by name, on_*: Textual's @on is not seen in a mixin.)"""

    def init_queueing(self) -> None:
        self._ranking: Worker | None = None  # the ranking under way, at most one
        self._indexing: Worker | None = None  # the word index being built, if it is
        self._learning: Worker | None = None  # the model being learned again, if it is
        self._rank_again = False  # something changed while it ran: rank once more after it
        self._waiting: deque[Callable[[], None]] = deque()  # keys waiting for a ranking
        self._draining = False  # serving them: what one key does next comes before the rest
        self._fetched_waiting: list = []  # new videos (CatalogueFetched) held for a ranking
        self._queue_after_paint = False  # request_queue_after_paint asked: not yet started

    def request_queue(self) -> None:
        """Have Up next ranked as the feed stands now (in a worker)."""
        if self.feed is None:  # still opening: ranked once it is open
            return
        if self._ranking is not None or self._indexing is not None or self._learning is not None:
            self._rank_again = True  # one at a time; the newest state is ranked after it
            return
        if self.feed.learning_due:  # the model first, learned again from the whole log
            self._rank_again = True
            self._learning = run_feed_work(self, partial(self._learn, [self.feed.learning_job()]),
                                           name="learn again", group="learning",
                                           description="the model from the whole log")
            return
        if self.feed.word_index_wanted():  # a word mute needs the words indexed first
            self.index_words()
            self._rank_again = True
            return
        self._rank_again = False
        panel = self.screen_stack[0].query_one(QueuePanel)
        job = self.feed.queue_job(panel.fits(QUEUE_LENGTH))
        self._ranking = run_feed_work(self, partial(self._rank, [job]), name="rank up next",
                                      description="Up next",  # (not the job's repr)
                                      group="queue")

    def request_queue_after_paint(self) -> None:
        """request_queue, once the frame drawn now is painted: a ranking worker competes with
        the paint for the interpreter (a `j`'s card came ~30% later at 100k items), and the
        card matters first. Up next follows a frame later."""
        if not self._queue_after_paint:
            self._queue_after_paint = True
            self.call_after_refresh(self._queue_once_painted)

    def _queue_once_painted(self) -> None:
        self._queue_after_paint = False
        if self._ranking is None:  # else started meanwhile (a key waits): it ranks the newest
            self.request_queue()  # state, or is ranked again once it is in (on_queue_ranked)

    def index_words(self) -> None:
        """Index the catalogue's words in a worker (a word mute needs them), once."""
        if self._indexing is None and not self.feed.words_indexed:
            self._indexing = run_feed_work(self, self._index, name="index words",
                                           group="words")

    def _index(self) -> None:  # in the worker thread
        self.post_message(WordsIndexed(*self.feed.build_word_index()))

    def on_words_indexed(self, message: WordsIndexed) -> None:
        self._indexing = None
        self.feed.take_word_index(message.index, message.version)
        if self._rank_again or self.feed.ranked_ahead() is None:
            self.request_queue()

    @property
    def learning_pending(self) -> bool:
        """The model is due to be learned again, or being learned."""
        return self._learning is not None or (self.feed is not None and self.feed.learning_due)

    def _learn(self, handed: list[LearningJob]) -> None:  # in the worker thread
        self.post_message(ModelLearned(handed.pop().run()))  # (see _rank)

    def on_model_learned(self, message: ModelLearned) -> None:
        self._learning = None
        self._take_in_held()
        if self.feed.accept_learning(message.learned):
            self.tell_screens_relearned()
            self.refresh_feed()  # the card's marks, and Up next ranked (it was waiting)
        else:
            self.request_queue()  # learning again, from where the feed stands now
        self._run_waiting()

    def tell_screens_relearned(self) -> None:
        """Every screen open hears of it (one showing what was learned redraws, even under a
        dialog)."""
        for screen in self.screen_stack:
            screen.post_message(Relearned())

    def _rank(self, handed: list[QueueJob]) -> None:  # in the worker thread
        """The job is taken out of the list it was handed in: a finished worker outlives its
        run (until the collector's next full pass), and with it what it was handed."""
        from tuifeed.feed.queue import RankedQueue

        job = handed.pop()
        self.post_message(QueueRanked(RankedQueue(job.answered(), job.run())))

    def on_queue_ranked(self, message: QueueRanked) -> None:
        self._ranking = None
        self._take_in_held()
        # Shown unless a key waits for it: that key moves on at once and Up next follows;
        # the pictures of the cards after the one it brings are fetched meanwhile.
        if self.feed.accept_queue(message.answer):
            if self._waiting:
                self.prefetch_pictures(message.answer.ranked[1:4])
            else:
                self.show_queue(message.answer.ranked)
        self._run_waiting()  # first: a key served now asks for its own ranking (after paint)
        if self._ranking is None and not self._queue_after_paint and (
                self.feed.ranked_ahead() is None or self._rank_again):
            self.request_queue()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A ranking that raised: said once; the keys waiting for it are served the slow
        way (Feed.next ranks by itself), so no key is lost. Cancelled: the app is closing."""
        if event.worker is self._indexing and event.state in (WorkerState.ERROR,
                                                              WorkerState.CANCELLED):
            self._indexing = None  # the queue indexes the words itself, the slow way
            self.feed.index_words()
            self.request_queue()
        if event.worker is self._learning and event.state in (WorkerState.ERROR,
                                                              WorkerState.CANCELLED):
            self._learning = None
            if event.state == WorkerState.ERROR:  # learned the slow way: no key is lost
                self._take_in_held()
                self.feed.learn_now()
                self.tell_screens_relearned()
                self.refresh_feed()
                self._run_waiting()
        if event.worker is self._ranking and event.state == WorkerState.CANCELLED:
            self._ranking = None  # the app is closing
            self._waiting.clear()
        elif event.worker is self._ranking and event.state == WorkerState.ERROR:
            self._ranking = None
            self._take_in_held()
            self.notify(f"Ranking Up next failed: {event.worker.error}", severity="error",
                        markup=False)
            waiting, self._waiting = self._waiting, deque()
            for step in waiting:
                step()

    def advance(self) -> None:
        """`j`: Up next's first, now when the queue shown still holds, else after the
        ranking under way."""
        if self._draining and self.feed.ranked_ahead() is None:  # x's next, say: first
            self._waiting.appendleft(self._advance_now)
        elif (self._waiting and not self._draining) or self.feed.ranked_ahead() is None:
            self._waiting.append(self._advance_now)
        else:
            self._advance_now()
            return
        if self._ranking is None:  # else the ranking under way serves it, or is ranked again
            self.request_queue()  # once it is in (on_queue_ranked), if it no longer holds

    def _advance_now(self) -> None:
        self.feed.next()
        self.refresh_feed()

    def _run_waiting(self) -> None:
        """Serve the waiting keys in order, up to the next one that needs a new ranking."""
        self._draining = True
        try:
            while self._waiting:
                step = self._waiting[0]
                if self.learning_pending:  # a step before asked to learn again
                    self.request_queue()
                    return
                if step == self._advance_now and self.feed.ranked_ahead() is None:
                    self.request_queue()
                    return
                self._waiting.popleft()
                step()
        finally:
            self._draining = False

    def _take_in_held(self) -> None:
        """The ranking is over: the new videos held for it join the catalogue (which moves
        the feed's version, so Up next is ranked again)."""
        fetched, self._fetched_waiting = self._fetched_waiting, []
        for waiting in fetched:
            self.take_in_fetched(waiting)

    def catalogue_in_use(self) -> bool:
        """A worker is reading the catalogue (ranking, Why this?): it must not grow now."""
        return self._ranking is not None or self._learning is not None or any(
            worker.group in SCREEN_WORKERS and worker.is_running for worker in self.workers)

    @property
    def queue_settled(self) -> bool:
        """No ranking under way, and no key or new videos waiting for one."""
        return (self._ranking is None and self._indexing is None and not self.learning_pending
                and not self._waiting and not self._fetched_waiting
                and not self._queue_after_paint)

    async def settle_queue(self) -> None:
        """Wait until the queue is settled and the screens' own workers (Why this?) are done
        (scripts and tests; a person just sees it come)."""
        async with asyncio.timeout(SETTLE_PATIENCE):
            while not self.queue_settled or any(
                    worker.group in SCREEN_WORKERS and worker.is_running
                    for worker in self.workers) or any(
                    getattr(screen, "working", False) for screen in self.screen_stack):
                await asyncio.sleep(0.002)
