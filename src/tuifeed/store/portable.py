"""Export and import of the whole log as JSON Lines: lossless, idempotent, all or nothing.

One JSON object a line, each with a "type": a header, then items (those the log refers to),
events (with their undone flag), steering, follows, and the viewer's own recipes.
Importing the same file twice adds nothing: an event or steering action is already there
when the target holds as many records with the same content (time, item, kind, value,
session) as the file does.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tuifeed.clock import WINDOW, in_window, iso_utc, parse_time
from tuifeed.catalogue.topics import normalise_topics
from tuifeed.errors import TuifeedError
from tuifeed.languages import language_code
from tuifeed.locations import check_output
from tuifeed.models import Event, Item, SteeringAction
from tuifeed.ranking.recipe import BASE_RECIPE, load_recipe, parse_recipe
from tuifeed.ranking.steering import BOOST_LIMIT, FEED_ACTIONS
from tuifeed.ranking.steering import TARGETS as STEERING_TARGETS
from tuifeed.signals import check_signal
from tuifeed.store.connection import begin_writing
from tuifeed.store.database import Store, refresh_follows, reserve_ids
from tuifeed.store.schema import MAX_ID
from tuifeed.store.writer import INSERT_EVENT
from tuifeed.text import clean_text

FORMAT = "tuifeed-export"
FORMAT_VERSION = 1

ITEM_FIELDS = {"id": str, "source": str, "title": str, "creator": str, "topics": list,
               "description": str, "duration": (int, float), "published": str,
               "views": int, "likes": int, "thumbnail": str, "url": str}
EVENT_FIELDS = {"id": int, "ts": str, "item_id": str, "kind": str,
                "value": (int, float, type(None)), "session_id": str, "undone": bool}
STEERING_FIELDS = {"id": int, "ts": str, "action": str, "target": str, "name": str,
                   "amount": (int, float, type(None)), "undone": bool}
FOLLOW_FIELDS = {"creator": str, "since": str}
RECIPE_FIELDS = {"name": str, "toml": str}
HEADER_FIELDS = {"format": str, "version": int, "exported_at": str, "first_run": str}
FIELDS = {"header": HEADER_FIELDS, "item": ITEM_FIELDS, "event": EVENT_FIELDS,
          "steering": STEERING_FIELDS, "follow": FOLLOW_FIELDS, "recipe": RECIPE_FIELDS}


def export_lines(store: Store, recipes: Path, now: float) -> Iterator[dict]:
    connection = store.connection
    yield {"type": "header", "format": FORMAT, "version": FORMAT_VERSION,
           "exported_at": iso_utc(now), "first_run": store.get_meta("first_run") or ""}
    items = connection.execute(
        "SELECT id, source, title, creator, topics, description, ifnull(duration, 0),"
        " published, ifnull(views, 0), ifnull(likes, 0), thumbnail, url, creator_id, language"
        " FROM item_list WHERE id IN (SELECT item_id FROM events) ORDER BY id")
    for row in items:
        yield {"type": "item", **dict(zip(ITEM_FIELDS, row)), "topics": json.loads(row[4]),
               "published": "" if row[7] is None else iso_utc(row[7]), "creator_id": row[12],
               "language": row[13]}
    events = connection.execute(
        "SELECT e.id, e.ts, e.item_id, e.kind, e.value, e.session_id, u.event_id IS NOT NULL"
        " FROM events e LEFT JOIN event_undos u ON u.event_id = e.id ORDER BY e.id")
    for row in events:
        yield {"type": "event", **dict(zip(EVENT_FIELDS, row)), "undone": bool(row[6])}
    steering = connection.execute(
        "SELECT id, ts, action, target, name, amount, undone FROM steering ORDER BY id")
    for row in steering:
        yield {"type": "steering", **dict(zip(STEERING_FIELDS, row)), "undone": bool(row[6])}
    for creator, since in connection.execute("SELECT creator, since FROM follows ORDER BY creator"):
        yield {"type": "follow", "creator": creator, "since": since}
    if recipes.is_dir():
        for path in sorted(recipes.glob("*.toml")):
            if not path.is_file():  # a FIFO would block; a folder is no recipe
                continue
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # unreadable: `tuifeed recipes list` names it as broken
            yield {"type": "recipe", "name": path.stem, "toml": text}


def event_record(event: Event, undone: bool) -> dict:
    """An event as an export line (for events held in memory: see store/rescue.py)."""
    return {"type": "event", "id": event.id, "ts": iso_utc(event.ts), "item_id": event.item_id,
            "kind": event.kind, "value": event.value, "session_id": event.session_id,
            "undone": undone}


def steering_record(action: SteeringAction) -> dict:
    return {"type": "steering", "id": action.id, "ts": iso_utc(action.ts),
            "action": action.action, "target": action.target, "name": action.name,
            "amount": action.amount, "undone": action.undone}


def check_export_target(store: Store, target: Path) -> None:
    """Refuse a target that would destroy something (see locations.check_output)."""
    if not str(target).strip():
        raise TuifeedError("export needs a file name")
    check_output(target, store.path)


def export_file(store: Store, recipes: Path, now: float, target: Path) -> Counter:
    """Write the export; the file appears whole or not at all (written aside, then renamed)."""
    check_export_target(store, target)
    counts: Counter = Counter()
    partial: Path | None = None
    try:
        # A new file of its own beside the target (never an existing one, nor a link's
        # target), renamed over the target once whole.
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                            dir=target.parent if str(target.parent) else ".")
        partial = Path(name)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            for record in export_lines(store, recipes, now):
                counts[record["type"]] += 1
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        os.chmod(partial, 0o644 & ~_umask())
        partial.replace(target)
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise TuifeedError(f"cannot write {clean_text(str(target))}: {error.strerror}") from None
    return counts


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass
class Parsed:
    header: dict | None = None
    records: dict[str, list[dict]] = field(default_factory=lambda: {kind: [] for kind in FIELDS})


def parse_file(source: Path) -> Parsed:
    """Read and check every line first: one bad line stops the import before anything is written."""
    if source.exists() and not source.is_file():  # a FIFO would block; a folder cannot be read
        raise TuifeedError(f"{clean_text(str(source))} is not a regular file")
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise TuifeedError(f"cannot read {clean_text(str(source))}: {reason}") from None
    parsed = Parsed()
    shown = clean_text(str(source))
    # Lines end at "\n" only: JSON text may hold U+2028 and other Unicode line breaks.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{shown}, line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise TuifeedError(f"{where}: not JSON ({error.msg})") from None
        except ValueError:  # a number of thousands of digits
            raise TuifeedError(f"{where}: a number too long to be a tuifeed value") from None
        except RecursionError:
            raise TuifeedError(f"{where}: JSON nested too deeply to be a tuifeed export") \
                from None
        if not isinstance(record, dict) or not isinstance(record.get("type"), str) or \
                record["type"] not in FIELDS:
            raise TuifeedError(f"{where}: expected an object with a type "
                               f"({', '.join(FIELDS)})")
        kind = record["type"]
        for name, wanted in FIELDS[kind].items():
            if name not in record:
                raise TuifeedError(f"{where}: {kind} has no {name!r}")
            value = record[name]
            if isinstance(value, bool) and wanted is not bool or not isinstance(value, wanted):
                raise TuifeedError(f"{where}: {kind} field {name!r} has the wrong type")
        record = _normalise(kind, record, where)
        if kind == "header":
            if record["format"] != FORMAT or record["version"] > FORMAT_VERSION:
                raise TuifeedError(f"{where}: not a tuifeed export this version can read")
            parsed.header = record
        else:
            parsed.records[kind].append(record)
    if parsed.header is None:
        raise TuifeedError(f"{shown}: no tuifeed export header (is this a tuifeed export?)")
    return parsed


RECIPE_NAME = re.compile(r"[\w-][\w.-]{0,99}")
STEERING_ACTIONS = (*STEERING_TARGETS, *FEED_ACTIONS)
COUNT_LIMIT = 10**15


def _normalise(kind: str, record: dict, where: str) -> dict:
    """Check values, not just types, and clean every text: an export is untrusted input."""
    record = dict(record)
    for name, wanted in FIELDS[kind].items():
        value = record[name]
        if wanted is str and name != "toml":
            record[name] = clean_text(value, single_line=name != "description")
        elif isinstance(value, float) and not math.isfinite(value):
            raise TuifeedError(f"{where}: {kind} field {name!r} must be a finite number")
    if kind in ("event", "steering") and not 1 <= record["id"] <= MAX_ID:
        raise TuifeedError(f"{where}: {kind} id must be a whole number from 1 to {MAX_ID}")
    for name in ("ts", "since", "exported_at"):
        if name in record:
            record[name] = iso_utc(parse_time(record[name], f"{where}: {kind} {name}"))
    if kind == "item":  # "" (or an old export's 1970-01-01): the source did not say
        published = record["published"]
        record["published"] = iso_utc(parse_time(published, f"{where}: item published")) \
            if published else ""
    if kind == "header" and record["first_run"]:
        try:
            if not in_window(float(record["first_run"])):
                raise ValueError
        except ValueError:
            raise TuifeedError(f"{where}: first_run must be Unix seconds {WINDOW}") from None
    elif kind == "item":
        record["topics"] = [clean_text(topic) for topic in record["topics"]
                            if isinstance(topic, str) and clean_text(topic)]
        if not 0 <= record["views"] < COUNT_LIMIT or not 0 <= record["likes"] < COUNT_LIMIT:
            raise TuifeedError(f"{where}: views and likes must be whole numbers from 0")
        if not 0 <= record["duration"] <= 10**6:  # 0: the source did not say
            raise TuifeedError(f"{where}: duration must be a number of seconds from 0")
        creator_id = record.get("creator_id")  # optional: exports before 0.2 lack it
        record["creator_id"] = clean_text(creator_id) if isinstance(creator_id, str) else ""
        if not record["id"]:
            raise TuifeedError(f"{where}: an item needs an id")
    elif kind == "event":
        try:
            record["value"] = check_signal(record["kind"], record["value"])
        except TuifeedError as error:
            raise TuifeedError(f"{where}: {error}") from None
    elif kind == "steering":
        action, target = record["action"], record["target"]
        if action not in STEERING_ACTIONS or (
                action in STEERING_TARGETS and target not in STEERING_TARGETS[action]):
            raise TuifeedError(f"{where}: unknown steering {action!r} {target!r}")
        amount = record["amount"]
        if action == "boost" and (amount is None or not -BOOST_LIMIT <= amount <= BOOST_LIMIT):
            raise TuifeedError(f"{where}: a boost needs an amount from -2 to +2")
    elif kind == "recipe":
        if not RECIPE_NAME.fullmatch(record["name"]):
            raise TuifeedError(f"{where}: recipe name {record['name']!r} is not a file name")
        parse_recipe(record["toml"], f"{where} (recipe {record['name']})",
                     load_recipe(BASE_RECIPE))
    elif kind == "follow" and not record["creator"]:
        raise TuifeedError(f"{where}: a follow needs a creator")
    return record


def _import_items(store: Store, records: list[dict]) -> int:
    known = {row[0] for row in store.connection.execute("SELECT id FROM items")}
    items = [
        Item(id=record["id"], title=record["title"], creator=record["creator"],
             creator_id=record["creator_id"], topics=normalise_topics(record["topics"]),
             description=record["description"], duration=float(record["duration"]),
             published=parse_time(record["published"], "published")
             if record["published"] else None, views=record["views"],
             likes=record["likes"], thumbnail=record["thumbnail"], source=record["source"],
             url=record["url"], language=language_code(record.get("language")))
        for record in records if record["id"] not in known
    ]
    return len(store.add_items(items).new)


def _event_key(record: dict) -> tuple:
    return (record["ts"], record["item_id"], record["kind"], record["value"],
            record["session_id"])


def _steering_key(record: dict) -> tuple:
    return (record["ts"], record["action"], record["target"], record["name"], record["amount"])


def import_file(store: Store, recipes: Path, source: Path) -> Counter:
    """Add what the file holds and the store lacks, in one transaction."""
    parsed = parse_file(source)
    records = parsed.records
    added: Counter = Counter()
    connection = store.connection
    # Items first, outside the log's transaction: they are catalogue data (upserted in bulk,
    # idempotent), already validated, and only items the store lacks are added.
    added["item"] = _import_items(store, records["item"])
    begin_writing(connection, store.path)  # waits, saying so, while another process writes
    try:
        fresh = connection.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        if fresh and parsed.header["first_run"]:  # type: ignore[index]
            connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('first_run', ?)",
                               (parsed.header["first_run"],))  # type: ignore[index]
        added["event"] = _import_events(connection, records["event"])
        added["steering"] = _import_steering(connection, records["steering"])
        for record in records["follow"]:
            # Exports before schema 4 name the creator; the table holds creator keys.
            key = connection.execute(
                "SELECT key FROM creators WHERE key = ? OR name = ? ORDER BY key != ?, code"
                " LIMIT 1", (record["creator"],) * 3).fetchone()
            cursor = connection.execute(
                "INSERT OR IGNORE INTO follows(creator, since) VALUES (?, ?)",
                (key[0] if key else record["creator"], record["since"]))
            added["follow"] += cursor.rowcount
        # The log decides: an imported follow undone by an imported event is no follow.
        refresh_follows(connection, {record["item_id"] for record in records["event"]
                                     if record["kind"] in ("follow", "unfollow")})
        if added["event"] or added["steering"]:  # an open session learns its log changed
            connection.execute(
                "INSERT INTO meta(key, value) VALUES ('log_generation', '1') ON CONFLICT(key)"
                " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")
        written = _write_recipes(_recipes_to_write(recipes, records["recipe"]))
        added["recipe"] = len(written)
        try:
            connection.execute("COMMIT")
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    return added


def _write_recipes(writes: list[tuple[Path, str]]) -> list[Path]:
    """Write new recipe files; on failure remove those written, so nothing is half-imported."""
    written: list[Path] = []
    try:
        for path, text in writes:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            written.append(path)
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise TuifeedError(f"cannot write {path}: {error.strerror}") from None
    return written


def _new_records(connection: sqlite3.Connection, table: str, key_columns: str,
                 records: list[dict], key) -> Iterator[tuple[dict, tuple, int | None]]:
    """Each record with its content key and the id of the row already holding it, or None
    when the table lacks it (holds fewer records with the same content than the file has so
    far). Ids in the file only name records within it: a new record gets a fresh id."""
    held: dict[tuple, list[int]] = {}
    for row in connection.execute(f"SELECT {key_columns}, id FROM {table} ORDER BY id"):
        held.setdefault(tuple(row[:-1]), []).append(row[-1])
    seen: Counter = Counter()
    for record in records:
        content = key(record)
        seen[content] += 1
        ids = held.get(content, [])
        yield record, content, ids[seen[content] - 1] if seen[content] <= len(ids) else None


def _fresh_ids(connection: sqlite3.Connection, table: str, count: int) -> Iterator[int]:
    """Ids from the allocator every session draws from (see reserve_ids), so an import never
    takes an id an open session has reserved."""
    first = reserve_ids(connection, table, count) if count else 0
    return iter(range(first, first + count))


def _import_events(connection: sqlite3.Connection, records: list[dict]) -> int:
    found = list(_new_records(connection, "events", "ts, item_id, kind, value, session_id",
                              records, _event_key))
    fresh = _fresh_ids(connection, "events", sum(1 for *_, held in found if held is None))
    added = 0
    for record, content, held in found:
        event_id = held if held is not None else next(fresh)
        if held is None:
            connection.execute(INSERT_EVENT, (event_id, *content))
            added += 1
        if record["undone"]:  # also an undo made since the last import of the same log
            connection.execute("INSERT OR IGNORE INTO event_undos(event_id, ts) VALUES (?, ?)",
                               (event_id, record["ts"]))
    return added


def _import_steering(connection: sqlite3.Connection, records: list[dict]) -> int:
    found = list(_new_records(connection, "steering", "ts, action, target, name, amount",
                              records, _steering_key))
    fresh = _fresh_ids(connection, "steering", sum(1 for *_, held in found if held is None))
    added = 0
    for record, content, held in found:
        if held is not None:
            if record["undone"]:  # an undo made since the last import still counts
                connection.execute("UPDATE steering SET undone = 1 WHERE id = ?", (held,))
            continue
        connection.execute(
            "INSERT INTO steering(id, ts, action, target, name, amount, undone)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (next(fresh), *content, int(record["undone"])))
        added += 1
    return added


def _recipes_to_write(folder: Path, records: list[dict]) -> list[tuple[Path, str]]:
    writes = []
    for record in records:
        name = record["name"]
        path = folder / f"{name}.toml"
        if path.exists():
            if path.read_text("utf-8") != record["toml"]:
                raise TuifeedError(f"{path} exists and differs from the recipe {name!r} in the "
                                   f"export; rename one of them and import again")
            continue
        writes.append((path, record["toml"]))
    return writes
