"""The last resort of "nothing lost": records the database would not take (a full disk, a
read-only file, a lock never released) are saved as an export file, ready for `tuifeed import`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from tuifeed.clock import iso_utc
from tuifeed.models import Event, EventUndo, SteeringAction
from tuifeed.store.portable import FORMAT, FORMAT_VERSION, event_record, steering_record


def rescue_lines(records: Sequence[object], event_by_id: Callable[[int], Event | None],
                 now: float) -> list[dict]:
    """The export records for unwritten writer records: events (an undo marks its event
    undone, also one written before), steering actions in their latest state."""
    events: dict[int, Event] = {}
    undone: set[int] = set()
    steering: dict[int, SteeringAction] = {}
    for record in records:
        if isinstance(record, Event):
            events[record.id] = record
        elif isinstance(record, EventUndo):
            event = events.get(record.event_id) or event_by_id(record.event_id)
            if event is not None:
                events[event.id] = event
                undone.add(event.id)
        elif isinstance(record, SteeringAction):
            steering[record.id] = record
    header = {"type": "header", "format": FORMAT, "version": FORMAT_VERSION,
              "exported_at": iso_utc(now), "first_run": "", "rescued": True}
    return [header,
            *(event_record(event, event.id in undone) for event in events.values()),
            *(steering_record(action) for action in steering.values())]


def save_rescue(lines: Iterable[dict], folders: Sequence[Path], name: str) -> Path:
    """Write the lines to the first folder that takes them (a new file, never replacing one);
    OSError when none does."""
    text = "".join(json.dumps(line, ensure_ascii=True) + "\n" for line in lines)
    failure: OSError | None = None
    for folder in [*folders, Path(tempfile.gettempdir())]:
        target = folder / name
        try:  # a new file (never an existing one, nor a link), readable by the viewer only
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                                 0o600)
            handle = os.fdopen(descriptor, "w", encoding="ascii")
        except OSError as error:
            failure = error
            continue
        try:
            with handle:
                handle.write(text)
            return target
        except OSError as error:  # a full disk here too: the part written is no rescue
            target.unlink(missing_ok=True)
            failure = error
    raise failure or OSError("no folder to write to")
