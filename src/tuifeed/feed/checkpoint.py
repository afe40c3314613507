"""What opening reads and learns, kept beside the database so that the next open need not
read the catalogue or the log nor learn from it again. Two files of numpy arrays
(store/array_file.py: nothing pickled, read at the speed of the disk cache, checksummed):

- `tuifeed.db-catalogue`: the catalogue as the store reads it at start (every field of the
  rows `Store.whole_catalogue()` gives), written when an open had to read it;
- `tuifeed.db-learned`: the log's columns, the views, the interest model and the viewer
  state, written at a clean close.

Exact, or not used at all. The learned state is written by reading the events the session
added back from the database and learning from the whole log from scratch, through the very
functions an open without it runs (feed/learning.py), so its model is to the last bit the
one a full rebuild gives (Why this? adds up terms that must equal the score). Each archive is
tagged with everything it depends on, and an open uses it only when every tag still matches:

- both: the format, the schema version, the code (a digest of tuifeed's source files), the
  database (a random id made with it) and the catalogue: its tables' highest codes and
  item-topic pairs (rows added) and the change counter that triggers move on every update
  or delete (store/schema.py, version 9), read before the catalogue itself, so that what is
  kept is never older than its tags;
- the learned state also: how many events, the newest id, the undone ones (a digest of their
  ids), the log's generation (an import), the first-run stamp, the steering log (a digest of
  every record) and the recipe (its weights, half-lives and switches).

An event, a fetch or a steering written by another process, another recipe or another
tuifeed changes a tag: what it concerns is read and learned as before, and kept again. A file
that cannot be read, or holds anything out of shape, is the same: a rebuild, never an error.
Word codes follow the order of a set of strings, which differs between processes: the word
affinities are kept with their words and put back by word.

What is not caught: a row of `events` edited in place by hand (tuifeed only appends events
and deletes old ones, which the count says), and a catalogue row replaced by an `INSERT OR
REPLACE` run by hand (SQLite fires no delete trigger for it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tuifeed
from tuifeed.feed.log import LogColumns
from tuifeed.feed.relearning import LearningJob, LogSnapshot
from tuifeed.feed.state import ViewerState
from tuifeed.models import Event, SteeringAction
from tuifeed.ranking import Catalog, InterestModel, Recipe
from tuifeed.ranking.catalog import CatalogRows, CodedTexts
from tuifeed.ranking.item_index import rows_of
from tuifeed.ranking.item_set import ItemSet
from tuifeed.ranking.word_term import WordMatrix
from tuifeed.ranking.steering import SteeringState
from tuifeed.ranking.views import ViewTracker
from tuifeed.store.array_file import read_arrays, write_arrays
from tuifeed.store.database import KEPT_BESIDE, Store
from tuifeed.store.event_table import EventTable
from tuifeed.store.schema import (CATALOGUE_CHANGES, CATALOGUE_TABLES, DATABASE_ID,
                                  SCHEMA_VERSION)

FORMAT = 4  # 2: sources and languages as codes; 3: store/array_file.py; 4: words.derived
CATALOGUE_SUFFIX, SUFFIX = KEPT_BESIDE  # (set_aside takes them away with the database)
TEXT_FIELDS = {"texts", "text_runs", "text_separator"}  # CatalogRows' texts, in any form
CODED_FIELDS = {"sources", "languages"}  # a few distinct texts: kept as codes (CodedTexts)
TABLE_ARRAYS = ("ids", "ts", "values", "kinds", "sessions", "item_rows", "undone")
STATE_FIELDS = {"seen", "liked", "disliked", "saved", "followed", "shown", "impressions"}
TRACKER_FIELDS = {"_watched", "superseded"}
_code_digest: str | None = None


def checkpoint_path(database: Path) -> Path:
    return database.with_name(database.name + SUFFIX)


def catalogue_path(database: Path) -> Path:
    return database.with_name(database.name + CATALOGUE_SUFFIX)


@dataclass
class LearnedLog:
    """What opening learns from the log: its columns and what they teach."""

    table: EventTable
    views: ViewTracker
    model: InterestModel
    state: ViewerState


# -- tags -------------------------------------------------------------------------------------


def code_digest() -> str:
    """A digest of tuifeed's source files: another tuifeed learns with other code."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256()
        root = Path(tuifeed.__file__).parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def catalogue_tags(connection: sqlite3.Connection) -> dict:
    """The catalogue as the database holds it now, in a few cheap queries: the highest code
    of items, topics and creators and how many item-topic pairs (rows added), and the
    counter every update or delete moves (store/schema.py, version 9)."""
    facts = {table: connection.execute(f"SELECT ifnull(max(code), 0) FROM {table}").fetchone()[0]
             for table in CATALOGUE_TABLES if table != "item_topics"}
    facts["item_topics"] = connection.execute("SELECT count(*) FROM item_topics").fetchone()[0]
    meta = dict(connection.execute("SELECT key, value FROM meta WHERE key IN (?, ?)",
                                   (CATALOGUE_CHANGES, DATABASE_ID)))
    facts["changes"], facts["database"] = meta.get(CATALOGUE_CHANGES), meta.get(DATABASE_ID)
    return facts


def _texts(value: list) -> bytes | None:
    """Texts joined by NUL, when none holds one (so the joining says where each ends)."""
    try:
        joined = "\0".join(value)
    except TypeError:  # not all texts
        return None
    if joined.count("\0") != max(len(value) - 1, 0):
        return None
    return joined.encode("utf-8", "surrogatepass")


def steering_digest(actions: list[SteeringAction]) -> str:
    return hashlib.sha256(repr(actions).encode("utf-8", "surrogatepass")).hexdigest()


def recipe_key(recipe: Recipe) -> str:
    return repr((recipe.signals, recipe.memory, recipe.terms, recipe.exploration,
                 recipe.filter))


def log_tags(connection: sqlite3.Connection) -> dict:
    """The events as the database holds them now, in a few cheap queries (one snapshot)."""
    # (Each in a subquery of its own: together in one, SQLite scans the whole table, 0.1 s
    # at a million events; apart, it counts an index and reads the last id.)
    count, newest = connection.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT ifnull(max(id), 0) FROM events)"
    ).fetchone()
    undone = np.fromiter((row[0] for row in connection.execute(
        "SELECT event_id FROM event_undos ORDER BY event_id")), np.int64)
    meta = dict(connection.execute(
        "SELECT key, value FROM meta WHERE key IN ('log_generation', 'first_run')"))
    return {"events": count, "newest": newest,
            "undone": hashlib.sha256(undone.tobytes()).hexdigest(),
            "generation": meta.get("log_generation"), "first_run": meta.get("first_run")}


def tags(store: Store, steering: list[SteeringAction], recipe: Recipe,
         catalogue: dict | None = None) -> dict:
    """Every tag a checkpoint must match to be used now (see the module's text), with the
    catalogue's as read now (first: a catalogue read after them is as new or newer), or as
    given (what was learned from)."""
    return {"format": FORMAT, "schema": SCHEMA_VERSION, "code": code_digest(),
            "catalogue": catalogue or catalogue_tags(store.connection),
            "steering": steering_digest(steering), "recipe": recipe_key(recipe),
            **log_tags(store.connection)}


def catalogue_part(wanted: dict) -> dict:
    """Of every tag, those of the catalogue kept."""
    return {key: wanted[key] for key in ("format", "schema", "code", "catalogue")}


# -- reading ----------------------------------------------------------------------------------


# What reading a damaged or foreign file may raise (a UnicodeDecodeError is a ValueError).
READ_ERRORS = (OSError, ValueError, KeyError, TypeError, IndexError, EOFError)


def _read(path: Path, wanted: dict, read):
    """`read(arrays)` of the arrays kept at `path`, if it is a plain file whose tags are
    `wanted` (read first, alone: a file kept for another state is not read through); else
    None, and None when reading it raises (it is damaged): a rebuild, never an error."""
    if not _regular(path):
        return None
    try:
        found = read_arrays(path, note=wanted)
        return None if found is None else read(found[1])
    except READ_ERRORS:
        return None


def load(path: Path, wanted: dict, catalog: Catalog, recipe: Recipe) -> LearnedLog | None:
    """The checkpoint at `path` if its tags are `wanted` and it is whole; else None."""
    return _read(path, wanted, lambda archive: _learned(archive, wanted, catalog, recipe))


def _regular(path: Path) -> bool:
    """A plain file (not a FIFO that would block the open, nor a folder or a device)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _text(array: np.ndarray):
    return json.loads(array.tobytes().decode("utf-8"))


def _learned(archive, wanted: dict, catalog: Catalog, recipe: Recipe) -> LearnedLog | None:
    facts = _text(archive["facts"])
    count = wanted["events"]
    table = EventTable(
        ids=archive["ids"], ts=archive["ts"], values=archive["values"],
        kinds=archive["kinds"], kind_names=facts["kind_names"], sessions=archive["sessions"],
        session_names=facts["session_names"], item_rows=archive["item_rows"],
        other_items={int(position): item for position, item in facts["other_items"]},
        undone=archive["undone"])
    size = len(catalog)
    if not (all(len(getattr(table, name)) == count for name in TABLE_ARRAYS)
            and table.ids.dtype == np.int64 and table.ts.dtype == np.float64
            and table.values.dtype == np.float64 and table.undone.dtype == bool
            and table.item_rows.dtype == np.int64 and _codes(table.kinds, table.kind_names)
            and _codes(table.sessions, table.session_names)
            and _within(table.item_rows, size, -1)
            and all(0 <= position < count and table.item_rows[position] < 0
                    for position in table.other_items)
            and int((table.item_rows < 0).sum()) == len(table.other_items)
            and (count == 0 or int(table.ids[-1]) == wanted["newest"])):
        return None
    model = _model(archive, facts["model"], catalog, recipe)
    state = _state(archive, facts["state"], catalog)
    if model is None or state is None:
        return None
    views = ViewTracker()
    views.superseded = set(archive["superseded"].tolist())
    views._watched = {session: set(items) for session, items in facts["watched"]}
    return LearnedLog(table, views, model, state)


def _codes(codes: np.ndarray, names: list) -> bool:
    return (codes.dtype == np.int32 and all(isinstance(name, str) for name in names)
            and _within(codes, len(names), 0))


def _within(values: np.ndarray, size: int, lowest: int) -> bool:
    return not len(values) or (int(values.min()) >= lowest and int(values.max()) < size)


def _model(archive, facts: dict, catalog: Catalog, recipe: Recipe) -> InterestModel | None:
    model = InterestModel.__new__(InterestModel)
    attributes = dict(facts["numbers"])
    words, index = facts["words"], catalog.word_matrix.index
    if len(words) != len(index) or any(word not in index for word in words):
        return None
    where = np.fromiter(map(index.__getitem__, words), np.int64, len(words))
    for name in facts["arrays"]:
        values = archive[f"model.{name}"]
        if name.startswith("word_"):  # word codes differ between processes: by the word
            moved = np.zeros_like(values)
            moved[where] = values
            values = moved
        attributes[name] = values
    model.__dict__ = {"catalog": catalog, "recipe": recipe, **attributes}
    sizes = model._sizes()
    for family, size in sizes.items():
        for part in ("short", "long", "support"):
            if len(attributes.get(f"{family}_{part}", ())) != size:
                return None
    if len(attributes.get("creator_impressions", ())) != sizes["creator"]:
        return None
    return model


def _state(archive, facts: dict, catalog: Catalog) -> ViewerState | None:
    ids = catalog.ids
    rows = {name: archive[f"state.{name}"] for name in ("seen", "liked", "disliked", "saved",
                                                         "shown")}
    if not all(_within(values, len(catalog), 0) for values in rows.values()):
        return None
    state = ViewerState()
    for name in ("seen", "liked", "disliked", "saved"):
        setattr(state, name, ItemSet.of_rows(catalog.index, ids, rows[name]))
    state.shown = list(map(ids.__getitem__, rows["shown"].tolist()))
    state.followed = set(facts["followed"])
    state.impressions = int(facts["impressions"])
    return state


# -- writing ----------------------------------------------------------------------------------


def learn(table: EventTable, catalog: Catalog, recipe: Recipe,
          steering: SteeringState) -> LearnedLog:
    """What an open learns from this table: the very job Feed._relearn runs
    (feed/relearning.py)."""
    log = LogColumns(table, catalog)
    # The log is this function's own, and nothing changes it while it learns: no copies of
    # its flags and rows (LogSnapshot.of) beside all the quitting app holds.
    snapshot = LogSnapshot(log.columns(), log.item_reader(), steering, catalog,
                           catalog.version)
    learned = LearningJob(0, snapshot, recipe).run()
    return LearnedLog(table, learned.views, learned.model, learned.state)


def extended(table: EventTable, events: list[Event], undone: set[int],
             item_rows) -> EventTable:
    """The table followed by these later events (in id order), every undone flag as the
    database holds it now: what read_event_table would read."""
    kind_names, session_names = list(table.kind_names), list(table.session_names)
    kind_code = {name: code for code, name in enumerate(kind_names)}
    session_code = {name: code for code, name in enumerate(session_names)}

    def code(names: list[str], codes: dict, name: str) -> int:
        if name not in codes:
            codes[name] = len(names)
            names.append(name)
        return codes[name]

    count = len(events)
    rows = np.fromiter((item_rows.get(event.item_id, -1) for event in events), np.int64, count)
    other_items = dict(table.other_items)
    for position in np.flatnonzero(rows < 0).tolist():
        other_items[len(table) + position] = events[position].item_id
    ids = np.concatenate([table.ids, np.fromiter((event.id for event in events), np.int64,
                                                 count)])
    return EventTable(
        ids=ids,
        ts=np.concatenate([table.ts, np.fromiter((event.ts for event in events), np.float64,
                                                 count)]),
        values=np.concatenate([table.values, np.fromiter(
            (event.value if isinstance(event.value, (int, float)) else np.nan
             for event in events), np.float64, count)]),
        kinds=np.concatenate([table.kinds, np.fromiter(
            (code(kind_names, kind_code, event.kind) for event in events), np.int32, count)]),
        kind_names=kind_names,
        sessions=np.concatenate([table.sessions, np.fromiter(
            (code(session_names, session_code, event.session_id) for event in events),
            np.int32, count)]),
        session_names=session_names,
        item_rows=np.concatenate([table.item_rows, rows]), other_items=other_items,
        undone=np.isin(ids, np.fromiter(undone, np.int64, len(undone))))


def save(path: Path, wanted: dict, learned: LearnedLog, catalog: Catalog) -> bool:
    """Write the checkpoint (whole, or not at all). False if it cannot be (an unknown
    field in the state, a full disk)."""
    state, views, model, table = learned.state, learned.views, learned.model, learned.table
    fields = {field.name for field in dataclasses.fields(ViewerState)}
    if fields != STATE_FIELDS or set(vars(views)) != TRACKER_FIELDS:
        return False  # something new to keep: better no checkpoint than a partial one
    index = catalog.index
    arrays = {name: getattr(table, name) for name in TABLE_ARRAYS}
    numbers, model_arrays = {}, []
    for name, value in vars(model).items():
        if name in ("catalog", "recipe"):
            continue
        if isinstance(value, np.ndarray):
            arrays[f"model.{name}"] = value
            model_arrays.append(name)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers[name] = value
        else:
            return False
    for name in ("seen", "liked", "disliked", "saved", "shown"):
        rows = _rows(index, getattr(state, name))
        if (rows < 0).any():
            return False  # an item the catalogue lacks: nothing to keep it as
        arrays[f"state.{name}"] = rows
    arrays["superseded"] = np.fromiter(views.superseded, np.int64, len(views.superseded))
    facts = {
        "kind_names": list(table.kind_names), "session_names": list(table.session_names),
        "other_items": sorted(table.other_items.items()),
        "model": {"arrays": model_arrays, "numbers": numbers,
                  "words": list(catalog.word_matrix.words)},
        "state": {"followed": sorted(state.followed), "impressions": state.impressions},
        "watched": [[session, sorted(items)] for session, items in views._watched.items()],
    }
    arrays["facts"] = _bytes(facts)
    return _write(path, arrays, wanted)


def _rows(index, item_ids) -> np.ndarray:
    """The row of each id, in order (-1: none): an ItemSet's own rows, ascending."""
    if isinstance(item_ids, ItemSet) and (rows := item_ids.rows()) is not None:
        return rows
    return rows_of(index, list(item_ids))  # (a list: in order, and as long as the set)


def _bytes(value) -> np.ndarray:
    return np.frombuffer(json.dumps(value, ensure_ascii=False).encode("utf-8"), np.uint8)


def forget(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# -- the catalogue as read ------------------------------------------------------------------


@dataclass
class KeptCatalogue:
    """The catalogue as read before, and its words as the matrix read them then."""

    rows: CatalogRows  # without texts: the words are read already
    words: WordMatrix


def save_rows(path: Path, wanted: dict, rows: CatalogRows, words) -> bool:
    """Keep the catalogue as it was read (every field of the rows but the texts, whose words
    `words` holds: WordMatrix.arrays()), tagged. False when a field is of a kind it cannot
    keep (nothing is written then) or on a full disk."""
    arrays, facts = {}, {"none": [], "texts": {}, "pairs": {}, "coded": {}, "lengths": {}}
    for field in dataclasses.fields(rows):
        name, value = field.name, getattr(rows, field.name)
        if name in TEXT_FIELDS:  # their words are kept instead (below)
            continue
        if value is None:
            facts["none"].append(name)
            continue
        facts["lengths"][name] = len(value)
        if name in CODED_FIELDS and isinstance(value, list):
            value = CodedTexts.of(value) if all(isinstance(text, str) for text in value) else None
        if isinstance(value, CodedTexts):
            joined = _texts(value.names)
            if joined is None:
                return False
            arrays[f"rows.{name}"] = value.codes
            arrays[f"rows.{name}.names"] = np.frombuffer(joined, np.uint8)
            facts["coded"][name] = len(value.names)
        elif isinstance(value, np.ndarray) and value.dtype != object:
            arrays[f"rows.{name}"] = value
        elif isinstance(value, list) and all(isinstance(part, tuple) for part in value):
            width = len(value[0]) if value else 0
            flat = [part for pair in value if len(pair) == width for part in pair]
            joined = _texts(flat)
            if joined is None or len(flat) != width * len(value):
                return False
            arrays[f"rows.{name}"] = np.frombuffer(joined, np.uint8)
            facts["pairs"][name] = [len(value), width]
        elif isinstance(value, list):
            joined = _texts(value)
            if joined is None:
                return False
            arrays[f"rows.{name}"] = np.frombuffer(joined, np.uint8)
            facts["texts"][name] = len(value)
        else:
            return False
    names, arrays["words.ptr"], arrays["words.codes"], arrays["words.rows"] = words
    # What the first ranking derives from them, made here (in the keeping thread) by the
    # very function a ranking calls, so that the next open's first ranking need not.
    (arrays["words.weights"], arrays["words.order"],
     arrays["words.starts"]) = WordMatrix.of_arrays(*words).derived()
    joined = _texts(names)
    if joined is None:
        return False
    arrays["words.words"] = np.frombuffer(joined, np.uint8)
    facts["words"] = len(names)
    arrays["facts"] = _bytes(facts)
    return _write(path, arrays, wanted)


def load_rows(path: Path, wanted: dict) -> KeptCatalogue | None:
    """The catalogue kept at `path`, if its tags are `wanted` and it is whole; else None."""
    return _read(path, wanted, _kept_catalogue)


def _kept_catalogue(archive) -> KeptCatalogue | None:
    facts = _text(archive["facts"])
    values = {name: None for name in facts["none"]}
    for field in dataclasses.fields(CatalogRows):
        name = field.name
        if name in values or name in TEXT_FIELDS:  # (texts: their defaults)
            continue
        stored = archive[f"rows.{name}"]
        if name in facts["coded"]:
            names = _split(archive[f"rows.{name}.names"], facts["coded"][name])
            if stored.dtype != np.int32 or not _within(stored, len(names), 0):
                return None
            values[name] = CodedTexts(stored, names)
        elif name in facts["texts"]:
            values[name] = _split(stored, facts["texts"][name])
        elif name in facts["pairs"]:
            count, width = facts["pairs"][name]
            flat = _split(stored, count * width)
            values[name] = list(zip(*[iter(flat)] * width)) if width else [()] * count
        else:
            values[name] = stored
    rows = CatalogRows(**values)
    lengths = facts["lengths"]
    if any(len(value) != lengths[name] for name, value in vars(rows).items()
           if value is not None and name not in TEXT_FIELDS):
        return None
    words = _split(archive["words.words"], facts["words"])
    ptr, codes, items = (archive[f"words.{name}"] for name in ("ptr", "codes", "rows"))
    count = len(rows.codes)
    if not (len(ptr) == count + 1 and len(codes) == len(items) == int(ptr[-1])
            and int(ptr[0]) == 0 and (np.diff(ptr) >= 0).all()
            and _within(codes, len(words), 0)
            # each entry's item as the pointers say (the ranker reads the matrix both ways)
            and np.array_equal(items, np.repeat(np.arange(count), np.diff(ptr)))):
        return None
    weights, order, starts = (archive[f"words.{name}"] for name in ("weights", "order",
                                                                    "starts"))
    if not (len(weights) == len(order) == len(codes) and len(starts) == len(words) + 1
            and weights.dtype == np.float64 and order.dtype == np.intp
            and starts.dtype == np.intp and _within(order, len(codes), 0)):
        return None
    return KeptCatalogue(rows, WordMatrix.of_arrays(words, ptr, codes, items,
                                                    (weights, order, starts)))


def _split(stored: np.ndarray, count: int) -> list[str]:
    if stored.dtype != np.uint8:
        raise ValueError("not text")
    texts = stored.tobytes().decode("utf-8", "surrogatepass").split("\0") if count else []
    if len(texts) != count:
        raise ValueError("texts out of count")
    return texts


def _write(path: Path, arrays: dict, tags: dict) -> bool:
    """The arrays written whole under their name, tagged, or nothing."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as handle:
            write_arrays(handle, arrays, tags)
        os.replace(partial, path)
    except (OSError, ValueError):  # a full disk; an array of objects (never written)
        forget(path)
        try:
            partial.unlink()
        except OSError:
            pass
        return False
    return True
