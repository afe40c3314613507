"""The Feed's steering controls: boost, mute, forget, pause, reset, undo; recipes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import replace

import numpy as np

from tuifeed.errors import TuifeedError
from tuifeed.models import SteeringAction
from tuifeed.ranking import Ranked, Recipe, load_recipe, rank
from tuifeed.ranking.steering import (BOOST_LIMIT, FEED_ACTIONS, SteeringState, closest_names,
                                      known_name, new_name)
from tuifeed.ranking.steering import TARGETS as STEERING_TARGETS
from tuifeed.ranking.steering import subject_text
from tuifeed.ranking.words import WordIndex, mute_keys
from tuifeed.store.connection import connect
from tuifeed.store.items import item_texts
from tuifeed.store.writer import MetaValue
from tuifeed.text import check_text


TYPO_CUTOFF = 0.7  # a new name this much like a known one is taken for a typo of it


class Steering:
    """Mixed into Feed: the viewer's direct instructions to the ranker."""

    def _muted(self) -> np.ndarray:
        """Items hidden by a mute (cached until the mutes or the catalogue change)."""
        key = (frozenset(self.steering.mutes), self.catalog.version)
        if self._mute_cache is not None and self._mute_cache[0] == key:
            return self._mute_cache[1]
        hidden = np.zeros(len(self.catalog), dtype=bool)
        for target, name in key[0]:
            hidden |= self.items_of(target, name)
        self._mute_cache = (key, hidden)
        return hidden

    def items_of(self, target: str, name: str) -> np.ndarray:
        """A mask over items: those with this topic, by this creator, or holding this word: what
        a mute on it hides, a boost on it raises (kept until the catalogue changes)."""
        version = self.catalog.version
        cached = self._mute_masks.get((target, name))
        if cached is not None and cached[0] == version:
            return cached[1]
        catalog = self.catalog
        hidden = np.zeros(len(catalog), dtype=bool)
        if target == "topic" and name in catalog.topic_index:
            hidden = catalog.rows_with_topic(catalog.topic_index[name])
        elif target == "creator":
            hidden = np.isin(catalog.creator_codes, catalog.creators_named(name))
        elif target == "word":
            hidden[self._word_index().rows(name, self._item_text)] = True
        self._mute_masks[(target, name)] = (version, hidden)
        return hidden

    def mute_hides(self) -> dict[tuple[str, str], list[str]]:
        """For every mute in force, the ids of the items it hides now (from the sources you
        keep; an item two mutes catch is listed under both), in catalogue order."""
        live, ids = self._live(), self.catalog.ids
        return {mute: [ids[row] for row in np.flatnonzero(self.items_of(*mute) & live)]
                for mute in sorted(self.steering.mutes)}

    def word_index_wanted(self) -> bool:
        """A word mute is in force and the catalogue's words are not indexed yet: the queue
        needs build_word_index first (the TUI runs it in a worker)."""
        return self._words is None and any(target == "word"
                                           for target, _ in self.steering.mutes)

    def build_word_index(self) -> tuple[WordIndex, int]:
        """The word index of the whole catalogue as it stands, read with a connection of its
        own (any thread may build it; seconds for 100,000 items), and the catalogue version
        it is of: give both to take_word_index on the feed's own thread."""
        version, until = self.catalog.version, len(self.catalog)
        index = WordIndex()
        with closing(connect(self.store.path)) as connection:
            index.extend(0, [f"{title}\n{description}\n{tags}" for _, title, description, tags
                             in item_texts(connection, until=until)])
        return index, version

    @property
    def words_indexed(self) -> bool:
        return self._words is not None

    def index_words(self) -> None:
        """Index the catalogue's words here and now (what build_word_index does elsewhere)."""
        self._word_index()

    def take_word_index(self, index: WordIndex, version: int) -> bool:
        """Use a word index built elsewhere, unless the catalogue changed meanwhile or one is
        in use already; returns whether it was taken."""
        if self._words is not None or version != self.catalog.version:
            return False
        self._words = index
        self._mute_masks = {key: value for key, value in self._mute_masks.items()
                            if key[0] != "word"}
        return True

    def _word_index(self) -> WordIndex:
        """Every item's words in their base forms, indexed once as items arrive (built on
        the first word mute; take_in drops it when known items change)."""
        index = self._words
        if index is None:
            index = self._words = WordIndex()
        if index.size < len(self.catalog):
            texts = [f"{title}\n{description}\n{tags}" for _, title, description, tags in
                     item_texts(self.store.connection, after=index.size,
                                until=len(self.catalog))]
            index.extend(index.size, texts)
        return index

    def _item_text(self, row: int) -> str:
        item = self.catalog.item_at(row)
        return "\n".join((item.title, item.description, " ".join(item.topics)))

    def _live(self) -> np.ndarray:
        """Items from sources the viewer has not removed (cached like the mutes)."""
        key = (self.live_sources, self.catalog.version)
        if self._live_cache is None or self._live_cache[0] != key:
            self._live_cache = (key, self.catalog.from_sources(self.live_sources))
        return self._live_cache[1]

    def steer(self, action: str, target: str = "", name: str = "",
              amount: float | str | None = None, new: bool = False) -> SteeringAction:
        """Record one steering instruction; the queue reflects it from the next call on.

        A boost or mute of a topic or creator no item carries yet is taken (see
        steering_note), unless the name looks like a typo of a known one: that is refused
        with the known names, and taken only with `new`."""
        target, name, number = self._check_steering(action, target, name, amount, new)
        record = SteeringAction(id=self._steering_id(), ts=self.stamp(), action=action,
                                target=target, name=name, amount=number)
        # Kept so that undo brings back exactly this model, not a recomputed near-copy (not
        # while the model is being learned again: undo then learns again too). The objects
        # themselves, not copies (a copy of the viewer state took 0.6 s at a million items
        # seen): steering never changes them, learning again makes new ones, and only an
        # event changes them in place, after which undo learns again anyway.
        if not self.learning_due:
            self._before_steering[record.id] = (self.model, self.state, len(self.events),
                                                self.catalog.version)
        self.steering_log.append(record)
        self.writer.write(record)
        self._apply_steering(relearn=action in ("forget", "reset"))
        return record

    def undo_steering(self) -> SteeringAction:
        """Take back the latest steering instruction still in force."""
        for position in range(len(self.steering_log) - 1, -1, -1):
            record = self.steering_log[position]
            if not record.undone:
                undone = replace(record, undone=True)
                self.steering_log[position] = undone
                self.writer.write(undone)
                saved = self._before_steering.pop(record.id, None)
                if (saved is not None and saved[2:] == (len(self.events), self.catalog.version)
                        and saved[0].recipe is self.recipe):  # nothing happened since
                    self.model, self.state = saved[0], saved[1]
                    self._apply_steering(relearn=False)
                else:
                    self._apply_steering(relearn=True)
                return record
        raise TuifeedError("nothing to undo: no steering in force")

    def _apply_steering(self, relearn: bool) -> None:
        self.steering = SteeringState.replay(self.steering_log)
        if relearn or self.learning_due:  # a job under way learns under the old steering
            self._relearn()
        self._queue_changed()

    def _check_steering(self, action: str, target: str, name: str, amount: float | str | None,
                        new: bool = False) -> tuple[str, str, float | None]:
        if action in FEED_ACTIONS:
            return "", "", None
        if action not in STEERING_TARGETS:
            known = ", ".join([*STEERING_TARGETS, *FEED_ACTIONS])
            raise TuifeedError(f"unknown steering action {action!r}; actions are: {known}")
        if target not in STEERING_TARGETS[action]:
            raise TuifeedError(f"{action} takes {' or '.join(STEERING_TARGETS[action])}, "
                               f"not {target!r}")
        name = check_text(name, f"the {target} to {action}")
        if not name:
            raise TuifeedError(f"{action} {target} needs a name")
        if target == "word":
            if action == "mute" and not mute_keys(name):
                raise TuifeedError(f"mute word needs letters to match, not {name!r}")
        else:
            known = [*self._known_names(target), *self._steered_names(target)]
            found = known_name(name, known)
            if found is None and action in ("unmute", "forget"):
                hint = closest_names(name, known)
                raise TuifeedError(f"unknown {target} {name!r}"
                                   + (f"; did you mean {', '.join(hint)}?" if hint else ""))
            if found is None and not new and (hint := closest_names(name, known, TYPO_CUTOFF)):
                raise TuifeedError(f"unknown {target} {name!r}; did you mean {', '.join(hint)}? "
                                   f"(to {action} a {target} no item has yet, add --new)")
            name = found if found is not None else new_name(target, name)
        if action != "boost":
            return target, name, None
        try:
            number = float(amount)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise TuifeedError(f"boost needs an amount from -{BOOST_LIMIT:g} to "
                               f"+{BOOST_LIMIT:g}, not {amount!r}") from None
        if not -BOOST_LIMIT <= number <= BOOST_LIMIT:
            raise TuifeedError(f"boost amount must be from -{BOOST_LIMIT:g} to "
                               f"+{BOOST_LIMIT:g}, not {amount!r}")
        return target, name, number

    def _known_names(self, target: str) -> list[str]:
        """The topics, or the creators (names and keys), items carry now."""
        if target == "topic":
            return self.catalog.topics
        return [*dict.fromkeys(self.catalog.creator_names), *self.catalog.creators]

    def _steered_names(self, target: str) -> list[str]:
        """Names steered before any item carried them (so unmute finds them)."""
        steering = self.steering
        named = {name for kind, name in (*steering.boosts, *steering.mutes) if kind == target}
        if target == "topic":
            named |= set(steering.forgotten)
        return sorted(named)

    def steering_note(self, record: SteeringAction) -> str | None:
        """One line for a boost or mute of a topic or creator no item carries yet: it is in
        force, and applies to such items when a source brings them."""
        if record.action not in ("boost", "mute") or record.target not in ("topic", "creator"):
            return None
        if record.name in self._known_names(record.target):
            return None
        return (f"no item has {subject_text(record.target, record.name)} yet; applies when one "
                f"arrives")

    def use_recipe(self, name: str) -> Recipe:
        """Switch recipe for this and later sessions; a bad recipe leaves the current one."""
        recipe = load_recipe(name, self.locations.recipes)
        self.recipe = recipe
        self._before_steering.clear()  # models saved for undo belong to the old recipe
        self._relearn()
        if not self.defer_learning:
            self.upcoming(1)  # it ranks before it is remembered as the choice
        self.writer.write(MetaValue("recipe", name))  # through the writer: never waits
        return recipe

    def recipe_queue(self, name: str, limit: int) -> list[Ranked]:
        """The queue another recipe would give right now, without switching to it."""
        return self.recipe_queue_job(name, limit)()

    def recipe_queue_job(self, name: str, limit: int) -> Callable[[], list[Ranked]]:
        """recipe_queue, taken now (a broken recipe raises here) and ranked when called, in
        any thread: the other recipe's model is learned from the log as it stands now."""
        other = load_recipe(name, self.locations.recipes)
        snapshot, superseded = self._log_snapshot(), set(self.views.superseded)
        saved, self.recipe = self.recipe, other
        try:
            context = self.ranking_context()
        finally:
            self.recipe = saved
        catalog = self.catalog

        def ranked() -> list[Ranked]:
            return rank(catalog, snapshot.learn_model(other, superseded), other, context, limit)
        return ranked

