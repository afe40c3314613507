"""The interest model: affinities to topics, creators, length bands, words, sources and
languages, learned from events.

Each affinity has a short-term and a long-term part, each an exponentially decayed sum of
event signals. The parts are kept as of an anchor time and decayed on demand, so adding one
event costs O(its own topics and words) and a rebuild from a million events is one numpy pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from tuifeed.models import Event, Item
from tuifeed.ranking.catalog import LENGTH_BANDS, Catalog, band_label, creator_key
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.recipe import Recipe

# Kinds whose signal goes to the creator only (following says nothing about topics).
CREATOR_ONLY = frozenset({"follow", "unfollow"})
# Kinds whose value is measured: seconds (dwell) or a fraction (watch).
MEASURED = frozenset({"dwell", "watch"})
# What the model learns an affinity to, each with a short- and a long-term part. Only the
# creator also learns from creator-only kinds.
FAMILIES = ("topic", "creator", "band", "source", "word", "language")
FEW_CODES = 1024  # at most this many codes of one event are added in place (add_per_code)


def add_per_code(target: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None
                 ) -> None:
    """target += np.bincount(codes, weights, minlength=len(target)), the same numbers.
    A few distinct codes (one event's) are added in place: each gets 0 + its weight from
    the bincount, and every other entry 0. Adding one event made and added arrays as long
    as the families (50k creators; every word of a million items' titles), ~1.5 ms an
    event, five events a key, on the UI thread."""
    if len(codes) <= FEW_CODES and len(set(codes.tolist())) == len(codes):
        target[codes] += 1 if weights is None else weights
    else:
        target += np.bincount(codes, weights, minlength=len(target))


def _unless_all(mask: np.ndarray) -> np.ndarray | None:
    """The mask, or None when it keeps everything (nothing to copy)."""
    return None if mask.all() else mask


def _kept(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The values the mask keeps (all of them, uncopied, for None)."""
    return values if mask is None else values[mask]


def _codes_of_one(ptr: np.ndarray, codes: np.ndarray, rows: np.ndarray) -> np.ndarray | None:
    """A CSR matrix's codes of the one row given, when one is given and they are few (else
    None: summed the general way). add_per_code sums them as the general way would."""
    if len(rows) != 1:
        return None
    row = int(rows[0])
    own = codes[ptr[row]: ptr[row + 1]]
    return own if len(own) <= FEW_CODES else None


@dataclass(frozen=True)
class Affinities:
    """Affinities at one moment, each part already decayed and weighted by the recipe."""

    topic_short: np.ndarray
    topic_long: np.ndarray
    creator_short: np.ndarray
    creator_long: np.ndarray
    band_short: np.ndarray  # per length band
    band_long: np.ndarray
    source_short: np.ndarray  # per source code
    source_long: np.ndarray
    word_short: np.ndarray  # per word code
    word_long: np.ndarray
    language_short: np.ndarray  # per language code
    language_long: np.ndarray

    @property
    def topic(self) -> np.ndarray:
        return self.topic_short + self.topic_long

    @property
    def creator(self) -> np.ndarray:
        return self.creator_short + self.creator_long

    @property
    def band(self) -> np.ndarray:
        return self.band_short + self.band_long

    @property
    def source(self) -> np.ndarray:
        return self.source_short + self.source_long

    @property
    def word(self) -> np.ndarray:
        return self.word_short + self.word_long

    @property
    def language(self) -> np.ndarray:
        return self.language_short + self.language_long


def signal_strength(recipe: Recipe, kind: str, value: float | None, duration: float) -> float:
    """How much one event says about the viewer's taste (positive: more of this)."""
    if kind == "dwell" or kind == "watch":
        fraction = (value or 0.0) / duration if kind == "dwell" else (value or 0.0)
        fraction = min(fraction, recipe.signals.get("max_watch_fraction", 2.0))
        return recipe.signal(kind) * (fraction - recipe.signals.get("dwell_baseline", 0.0))
    return recipe.signal(kind)


def kind_codes(kinds: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct kinds (sorted) and each event's index into them."""
    names = sorted(set(kinds))
    code_of = {kind: code for code, kind in enumerate(names)}
    return names, np.fromiter((code_of[kind] for kind in kinds), np.int64, len(kinds))


def signal_strengths(recipe: Recipe, kinds: Sequence[str], values: np.ndarray,
                     durations: np.ndarray, coded: tuple[list[str], np.ndarray] | None = None
                     ) -> np.ndarray:
    """signal_strength for many events at once (values: NaN where an event has none)."""
    names, codes = coded or kind_codes(kinds)
    code_of = {kind: code for code, kind in enumerate(names)}
    strengths = np.array([recipe.signal(kind) for kind in names])[codes]
    for kind in MEASURED & set(names):
        chosen = codes == code_of[kind]
        measured = np.nan_to_num(values[chosen], nan=0.0)  # only these: a million at once is slow
        fraction = measured / durations[chosen] if kind == "dwell" else measured
        fraction = np.minimum(fraction, recipe.signals.get("max_watch_fraction", 2.0))
        strengths[chosen] = recipe.signal(kind) * (
            fraction - recipe.signals.get("dwell_baseline", 0.0))
    return strengths


def touching(events: Iterable[Event], catalog: Catalog, recipe: Recipe, *,
             topics: Sequence[str] = (), creator: str | None = None, band: int | None = None,
             source: str | None = None, words: Sequence[str] = (), language: str | None = None
             ) -> Iterator[tuple[Event, Item, float, list[str]]]:
    """The events that count towards these topics (or this creator, length band, source,
    language or these words), with their strength and what they share (topics, words, or the
    band's, source's or language's name); events of no strength are left out."""
    wanted = set(topics) | set(words)
    for event in events:
        row = catalog.index.get(event.item_id)
        if row is None:
            continue
        item = catalog.item_at(row)
        if creator is not None:  # a creator's key, or its display name
            if creator not in (creator_key(item), item.creator):
                continue
            shared: list[str] = []
        elif language is not None:
            code = catalog.language_codes[row]
            if event.kind in CREATOR_ONLY or code < 0 or catalog.language_names[code] != language:
                continue
            shared = [language]
        elif band is not None or source is not None:
            if event.kind in CREATOR_ONLY or (
                    catalog.length_band[row] != band if band is not None
                    else catalog.source_names[catalog.source_codes[row]] != source):
                continue
            shared = [band_label(band) if band is not None else str(source)]
        elif words:
            shared = [word for word in catalog.word_matrix.words_at(row) if word in wanted]
            if not shared or event.kind in CREATOR_ONLY:
                continue
        else:
            shared = [topic for topic in item.topics if topic in wanted]
            if not shared or event.kind in CREATOR_ONLY:
                continue
        strength = signal_strength(recipe, event.kind, event.value, catalog.duration[row])
        if strength:
            yield event, item, strength, shared


class InterestModel:
    def __init__(self, catalog: Catalog, recipe: Recipe) -> None:
        self.catalog = catalog
        self.recipe = recipe
        memory = recipe.memory
        self.short_half_life = memory.get("short_half_life_minutes", 60.0) * 60.0
        self.long_half_life = memory.get("long_half_life_days", 14.0) * 86400.0
        self.anchor = 0.0
        for family, size in self._sizes().items():
            setattr(self, f"{family}_short", np.zeros(size))
            setattr(self, f"{family}_long", np.zeros(size))
            setattr(self, f"{family}_support", np.zeros(size, dtype=np.int64))
        self.creator_impressions = np.zeros(len(catalog.creators), dtype=np.int64)  # novelty

    def _sizes(self) -> dict[str, int]:
        catalog = self.catalog
        return {"topic": len(catalog.topics), "creator": len(catalog.creators),
                "band": LENGTH_BANDS, "source": len(catalog.source_names),
                "word": len(catalog.word_matrix.words), "language": len(catalog.language_names)}

    # -- learning -----------------------------------------------------------------------------

    def rebuild(self, events: Sequence[Event],
                forgotten: Mapping[str, float] | None = None) -> None:
        """Forget everything and learn again from these events, in one vectorised pass.

        `forgotten` maps a topic to the moment the viewer asked to forget it: events up to
        then do not count for that topic.
        """
        self.rebuild_columns(
            np.fromiter((event.ts for event in events), np.float64, len(events)),
            [event.item_id for event in events], [event.kind for event in events],
            np.fromiter((np.nan if event.value is None else event.value for event in events),
                        np.float64, len(events)),
            forgotten,
        )

    def rebuild_columns(self, times: np.ndarray, item_ids: Sequence[str], kinds: Sequence[str],
                        values: np.ndarray, forgotten: Mapping[str, float] | None = None) -> None:
        """rebuild() from columns: a million events need no object each."""
        rows = rows_of(self.catalog.index, list(item_ids))
        names, codes = kind_codes(kinds)
        self.rebuild_rows(rows, np.asarray(times), names, codes, np.asarray(values), forgotten)

    def rebuild_rows(self, rows: np.ndarray, times: np.ndarray, kind_names: Sequence[str],
                     kinds: np.ndarray, values: np.ndarray,
                     forgotten: Mapping[str, float] | None = None,
                     profile_only: bool = False, strengths: np.ndarray | None = None) -> None:
        """rebuild() from catalogue rows (-1: an item not in the catalogue) and codes into
        `kind_names`: the log's own columns, as they are. `profile_only`: the topics and
        creators only (what the profile lists), the other families left at zero; those two
        are to the bit what the whole rebuild gives. `strengths`: each event's
        signal_strength, when known already."""
        self.__init__(self.catalog, self.recipe)  # type: ignore[misc]
        known = rows >= 0
        if not known.any():
            return
        if not known.all():
            rows, times, values, kinds = rows[known], times[known], values[known], kinds[known]
            strengths = strengths[known] if strengths is not None else None
        names = list(kind_names)
        if strengths is None:
            strengths = signal_strengths(self.recipe, (), values, self.catalog.duration[rows],
                                         (names, kinds))
        # Masks by looking each code up (np.isin sorts a million codes: 10 ms each).
        creator_only = np.array([kind in CREATOR_ONLY for kind in names] + [False])[kinds]
        impressions = np.array([kind == "impression" for kind in names] + [False])[kinds]
        self.anchor = float(times.max())
        self._accumulate(rows, times, strengths, creator_only, impressions, forgotten or {},
                         families_on_items=not profile_only)

    def add(self, event: Event) -> None:
        """Learn from one more event."""
        self.grow()
        row = self.catalog.index.get(event.item_id)
        if row is None:
            return
        if event.ts > self.anchor:
            self._decay_to(event.ts)
        strength = signal_strength(self.recipe, event.kind, event.value, self.catalog.duration[row])
        self._accumulate(
            np.array([row]), np.array([event.ts]), np.array([strength]),
            np.array([event.kind in CREATOR_ONLY]), np.array([event.kind == "impression"]),
        )

    def copy(self) -> "InterestModel":
        twin = InterestModel.__new__(InterestModel)
        twin.__dict__ = {name: value.copy() if isinstance(value, np.ndarray) else value
                         for name, value in self.__dict__.items()}
        return twin

    def _accumulate(self, rows, times, strengths, creator_only, impressions,
                    forgotten: Mapping[str, float] | None = None,
                    families_on_items: bool = True) -> None:
        catalog = self.catalog
        short = strengths * np.exp2(-(self.anchor - times) / self.short_half_life)
        long = strengths * np.exp2(-(self.anchor - times) / self.long_half_life)
        creators = catalog.creator_codes[rows]
        add_per_code(self.creator_short, creators, short)
        add_per_code(self.creator_long, creators, long)
        add_per_code(self.creator_support, creators)
        add_per_code(self.creator_impressions, creators[impressions])
        del creators
        # The other families learn from the events on items: narrowed to them once (no copy
        # when every event is on an item, as in most logs: this runs as the app quits).
        on_items = ~creator_only
        if not on_items.any():
            return
        if not on_items.all():
            rows, times = rows[on_items], times[on_items]
            short, long = short[on_items], long[on_items]
        if families_on_items:  # length, source, language, words
            bands = catalog.length_band[rows]
            known = _unless_all(bands >= 0)
            languages = catalog.language_codes[rows]
            spoken = _unless_all(languages >= 0)  # an item of no known language teaches none
            for family, codes, size, kept in (
                    ("band", _kept(bands, known), LENGTH_BANDS, known),
                    ("source", catalog.source_codes[rows], len(catalog.source_names), None),
                    ("language", _kept(languages, spoken), len(catalog.language_names),
                     spoken)):
                for part, values in (("short", short), ("long", long)):
                    getattr(self, f"{family}_{part}")[:] += np.bincount(
                        codes, _kept(values, kept), minlength=size)
                getattr(self, f"{family}_support")[:] += np.bincount(codes, minlength=size)
            del bands, known, languages, spoken
            matrix = catalog.word_matrix
            words = _codes_of_one(matrix.ptr, matrix.codes, rows)
            if words is not None:  # one item: its own words (the same sums, see add_per_code)
                self._add_to_codes("word", words, short, long)
            else:
                self.word_short += matrix.totals(rows, short)
                self.word_long += matrix.totals(rows, long)
                self.word_support += np.rint(matrix.totals(rows, np.ones(len(rows)))
                                             ).astype(np.int64)
        topics = (None if forgotten
                  else _codes_of_one(catalog.topic_ptr, catalog.topic_codes, rows))
        if topics is not None:  # one item: its own topics (the same sums, see add_per_code)
            self._add_to_codes("topic", topics, short, long)
            return

        def parts(kept: np.ndarray | None = None) -> Iterator[np.ndarray]:
            """Short, long and a count, each as it is summed (8 MB apiece at a million
            events)."""
            for part in (short, long, None):
                values = np.ones(len(rows)) if part is None else part
                yield _kept(values, kept)

        sums = self._per_topic(rows, parts())
        for topic, moment in (forgotten or {}).items():
            code = catalog.topic_index.get(topic)
            if code is not None:  # only what came after the forget counts for it
                kept = times > moment
                sums[:, code] = self._per_topic(rows[kept], parts(kept))[:, code]
        self.topic_short += sums[0]
        self.topic_long += sums[1]
        self.topic_support += np.rint(sums[2]).astype(np.int64)

    def _add_to_codes(self, family: str, codes: np.ndarray, short: np.ndarray,
                      long: np.ndarray) -> None:
        """One item's short and long parts (one value each) added at each of its codes in
        the family, and its support counted there."""
        for part, values in (("short", short), ("long", long)):
            add_per_code(getattr(self, f"{family}_{part}"), codes,
                         np.repeat(values, len(codes)))
        add_per_code(getattr(self, f"{family}_support"), codes)

    def _per_topic(self, rows: np.ndarray, parts: Iterable[np.ndarray]) -> np.ndarray:
        """Each part summed per topic: shape (parts, topics)."""
        return np.stack([self.catalog.topic_totals(rows, part) for part in parts])

    def grow(self) -> None:
        """Make room for topics, creators, sources, words and languages that arrived with new
        items (all at zero)."""
        sizes = self._sizes()
        if all(len(getattr(self, f"{family}_short")) == size for family, size in sizes.items()):
            return
        names = [(f"{family}_{part}", size) for family, size in sizes.items()
                 for part in ("short", "long", "support")]
        for name, size in (*names, ("creator_impressions", sizes["creator"])):
            values = getattr(self, name)
            setattr(self, name, np.concatenate([values, np.zeros(size - len(values),
                                                                 values.dtype)]))

    def _decay_to(self, moment: float) -> None:
        elapsed = moment - self.anchor
        short, long = (np.exp2(-elapsed / self.short_half_life),
                       np.exp2(-elapsed / self.long_half_life))
        for family in FAMILIES:
            getattr(self, f"{family}_short")[:] *= short
            getattr(self, f"{family}_long")[:] *= long
        self.anchor = moment

    # -- reading ------------------------------------------------------------------------------

    def decay(self, ages):
        """What a signal of strength 1 weighs after `ages` seconds (short + long parts)."""
        memory = self.recipe.memory
        ages = np.maximum(ages, 0.0)  # an event "from the future" (a clock set back) is new
        return (memory.get("short_weight", 1.0) * np.exp2(-ages / self.short_half_life)
                + memory.get("long_weight", 0.5) * np.exp2(-ages / self.long_half_life))

    def decay_parts(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(weight, half-life in seconds) of the short and the long part of `decay`."""
        memory = self.recipe.memory
        return ((memory.get("short_weight", 1.0), self.short_half_life),
                (memory.get("long_weight", 0.5), self.long_half_life))

    def at(self, now: float) -> Affinities:
        """The affinities as they stand at `now`, weighted into short and long parts."""
        self.grow()
        memory = self.recipe.memory
        elapsed = max(now - self.anchor, 0.0)  # a clock set back must not inflate anything
        short = memory.get("short_weight", 1.0) * np.exp2(-elapsed / self.short_half_life)
        long = memory.get("long_weight", 0.5) * np.exp2(-elapsed / self.long_half_life)
        return Affinities(**{f"{family}_{part}": getattr(self, f"{family}_{part}") * weight
                             for family in FAMILIES
                             for part, weight in (("short", short), ("long", long))})
