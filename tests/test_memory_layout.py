"""A million items and a million events fit in memory because they are read and held
compactly: the log read a chunk at a time, the catalogue's texts read into words a batch at a
time. Both must give what the plain readings give."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tuifeed.store.event_table as event_table
from tuifeed import Feed
from tuifeed.clock import VirtualClock
from tuifeed.ranking.catalog import Catalog, CatalogRows, CodedTexts

from test_learning_columns import EVENTS, STEERING, check_columns, steering_of, write_log


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EVENTS, STEERING)
def test_the_log_read_in_chunks_is_the_log(events, steering_shapes):
    """Chunks of 3 events: codes of kinds and sessions, items not in the catalogue, odd times
    and undone flags come out as from one reading, and teach the same."""
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(event_table, "CHUNK", 3)
        home = Path(folder)
        write_log(home, events)
        with Feed.open(home, clock=VirtualClock(), seed=0) as feed:
            check_columns(feed.store, feed.catalog, steering_of(steering_shapes))


def test_words_read_from_runs_of_texts_are_the_words_of_the_texts(tmp_path, monkeypatch):
    """The catalogue's texts read in runs (several, each split when read) give the word
    matrix the texts themselves give, word for word and weight for weight."""
    import numpy as np

    import tuifeed.ranking.catalog as catalog_module
    import tuifeed.store.catalogue_table as catalogue_table
    from tuifeed.ranking.catalog import Catalog
    from tuifeed.store.items import load_rows
    from test_catalogue_table import library

    monkeypatch.setattr(catalogue_table, "TEXT_RUN", 6)
    monkeypatch.setattr(catalog_module, "WORDS_BATCH", 4)
    items = library(31)
    Feed.open(tmp_path, clock=VirtualClock(), seed=0, catalogue=items).close()
    import sqlite3
    with sqlite3.connect(tmp_path / "tuifeed.db") as connection:
        fast, plain = catalogue_table.read_catalogue(connection), load_rows(connection)
    assert fast.texts is None and len(fast.text_runs) > 3
    catalogs = [Catalog(), Catalog()]
    catalogs[0].extend(fast)
    catalogs[1].extend(plain)
    matrices = [catalog.word_matrix for catalog in catalogs]
    assert [matrices[0].words_at(row) for row in range(len(items))] == \
        [matrices[1].words_at(row) for row in range(len(items))]
    assert any(matrices[0].words_at(row) for row in range(len(items)))
    assert np.array_equal(matrices[0].weights(), matrices[1].weights())



NAMES = st.sampled_from(["peertube", "", "youtube", "demo", "folder:b", "folder:a", "fr", "en"])


def _rows(first: int, names: list[str], sources) -> CatalogRows:
    """Items first+1.. whose source and language are `names` (sources given as `sources`
    makes them: a list, or codes)."""
    count = len(names)
    unknown = np.full(count, np.nan)
    return CatalogRows(
        codes=np.arange(first + 1, first + count + 1), ids=[f"t:{first + at}" for at in
                                                              range(count)],
        sources=sources([name or "demo" for name in names]),
        creator_codes=np.ones(count, np.int64), published=unknown, duration=unknown,
        views=unknown, likes=unknown, short_form=np.zeros(count, bool),
        topic_ptr=np.zeros(count + 1, np.int64), topic_codes=np.zeros(0, np.int64),
        new_creators=[("demo:c", "c")] if first == 0 else [], languages=sources(names))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(NAMES, max_size=12), min_size=1, max_size=4))
def test_sources_and_languages_as_codes_are_coded_as_the_texts_are(batches):
    """Batches of items whose sources and languages come as codes into a few names (as the
    kept catalogue holds them) give the catalogue the codes and names the texts give: the
    same names in the same order, each item its own."""
    as_texts, as_codes = Catalog(), Catalog()
    first = 0
    for names in batches:
        as_texts.extend(_rows(first, names, list))
        as_codes.extend(_rows(first, names, CodedTexts.of))
        first += len(names)
    assert as_codes.source_names == as_texts.source_names
    assert as_codes.language_names == as_texts.language_names
    assert np.array_equal(as_codes.source_codes, as_texts.source_codes)
    assert np.array_equal(as_codes.language_codes, as_texts.language_codes)
    every = [name for names in batches for name in names]
    assert [as_codes.language_names[code] if code >= 0 else "" for code in
            as_codes.language_codes.tolist()] == every
    assert [as_codes.source_names[code] for code in as_codes.source_codes.tolist()] == \
        [name or "demo" for name in every]

HOLES = """
import sys
import numpy as np
from tuifeed.heap import free_pages_returned, temporaries_returned

def resident():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024

def opening():  # as reading a home does: big arrays for a moment, small ones kept between
    kept, passing = [], []
    for _ in range(25):
        passing.append(np.ones(1 << 19))
        kept.append(np.ones(25_000))
    return kept

np.ones(1 << 20).sum()  # a freed 8 MiB array: glibc raises its threshold past 4 MiB
before = resident()
if sys.argv[1] == "fixed":
    with temporaries_returned() as done:
        kept = opening()
    assert done
elif sys.argv[1] == "after opening":  # as rankings do between what drawing keeps
    with temporaries_returned() as done:
        pass
    kept = opening()
elif sys.argv[1].startswith("blocks under the threshold"):  # a session's: 2 MiB each
    with temporaries_returned() as done:
        pass
    kept, passing = [], []
    for _ in range(25):
        passing.append(np.ones(1 << 18))
        kept.append(np.ones(25_000))
    del passing
    if sys.argv[1].endswith("handed back"):
        assert free_pages_returned()
else:
    kept = opening()
print(resident() - before)
"""


def grown_by(*modes: str) -> dict[str, float]:
    """How much HOLES's process grew (MiB) in each mode, each in a process of its own
    (skipped where the allocator is not glibc's)."""
    import platform
    import subprocess
    import sys

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    return {mode: float(subprocess.run([sys.executable, "-c", HOLES, mode], check=True,
                                       capture_output=True, text=True).stdout)
            for mode in modes}


def test_large_arrays_freed_leave_no_resident_holes():
    """Arrays of megabytes freed between small ones that stay (as opening leaves them, and
    as rankings in workers leave them between what the UI thread draws) go back to the
    system while a feed opens and after (heap.py)."""
    grown = grown_by("fixed", "glibc's own", "after opening")
    assert grown["glibc's own"] > 60  # 25 holes of 4 MiB stay resident
    assert grown["fixed"] < 15  # only the small arrays kept
    assert grown["after opening"] < 15  # and so afterwards, for a million-item column


def test_a_sessions_freed_blocks_are_handed_back_before_the_quits_learning():
    """Blocks under the threshold a session freed between ones it keeps stay resident until
    handed back, as Feed.close does before learning the whole log again (heap.py)."""
    grown = grown_by("blocks under the threshold", "blocks under the threshold, handed back")
    assert grown["blocks under the threshold"] > 40  # 25 freed holes of 2 MiB stay resident
    assert grown["blocks under the threshold, handed back"] < 15


def test_cards_shown_keep_no_mask_over_the_catalogue(tmp_path, monkeypatch):
    """Each card shown keeps how it was ranked, for Why this?: the moment, the cards before,
    the seed and the follows, not the candidates' and the seen items' masks (a million items
    made that 2.5 MiB a card, every card of a session). Why this? of each card on screen
    says what it says when the whole context is kept."""
    from tuifeed.feed.state import Placement

    def session(home: Path) -> tuple[list, list]:
        clock = VirtualClock()
        with Feed.open(home, clock=clock, seed=3) as feed:
            told = []
            for step in range(6):
                feed.next()
                clock.advance(5 + step)
                if step == 2:
                    feed.signal(feed.current.id, "like")
                why = feed.why(feed.current.id)
                told.append((why.rank, why.score, why.slot, [
                    (line.name, line.value, line.sentence) for line in why.lines]))
            return told, list(feed._placements.values())

    slim, placements = session(tmp_path / "slim")
    assert len(placements) == 6
    for placement in placements:
        context = placement.context
        assert context.candidates.size == context.seen.size == 0
        assert context.topic_boosts is None and context.creator_boosts is None
    monkeypatch.setattr(Placement, "__post_init__", lambda self: None)
    whole, placements = session(tmp_path / "whole")
    assert placements[0].context.candidates.size > 0
    assert slim == whole


def test_a_column_takes_a_fresh_array_and_copies_anything_shared():
    """A catalogue read whole takes each column's array as it is made (no copy); an array
    that is a view of another's memory (the rows kept for the next open, say) is copied, so
    a later change to the column never reaches what it was given."""
    from tuifeed.ranking.catalog import Column

    fresh = np.arange(100, dtype=np.int64) * 3
    taken = Column(np.int64)
    taken.extend(fresh)
    assert taken.values.tolist() == (np.arange(100) * 3).tolist()
    assert np.shares_memory(taken.values, fresh)  # no copy made
    taken.extend(np.array([7, 8]))  # and it still grows
    assert taken.values[-3:].tolist() == [297, 7, 8]

    kept = np.arange(100, dtype=np.int64)
    copied = Column(np.int64)
    copied.extend(kept[10:90])  # a view: copied
    copied.values[0] = -1
    assert kept[10] == 10 and copied.values[:2].tolist() == [-1, 11]
    converted = Column(np.int32)
    converted.extend(kept)  # another type: a new array, made for the column
    assert converted.values.dtype == np.int32 and converted.values.tolist() == kept.tolist()
