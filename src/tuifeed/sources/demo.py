"""The bundled demo catalogue: works offline, publish times relative to the first run."""

from __future__ import annotations

import json
from pathlib import Path

from tuifeed.assets import demo_dir
from tuifeed.models import Item
from tuifeed.text import clean_text


def load_demo_catalogue(first_run: float, folder: Path | None = None) -> list[Item]:
    """Read catalogue.json; an item published `offset` seconds before the first run."""
    folder = folder or demo_dir()
    data = json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))
    items = []
    for entry in data["items"]:
        thumbnail = entry.get("thumbnail") or ""
        items.append(
            Item(
                id=clean_text(entry["id"]),
                title=clean_text(entry["title"]),
                creator=clean_text(entry["creator"]),
                topics=tuple(clean_text(topic) for topic in entry["topics"]),
                description=clean_text(entry.get("description", ""), single_line=False),
                duration=float(entry["duration"]),
                published=first_run - float(entry["published_offset"]),
                views=int(entry["views"]),
                likes=int(entry["likes"]),
                thumbnail=str(folder / thumbnail) if thumbnail else "",
                source="demo",
            )
        )
    return items


DEMO_SOURCE = "demo"


def install_demo(connection, first_run: float, now: float) -> int:
    """Add the demo catalogue as a source named "demo" (removable like any other)."""
    from tuifeed.store.items import add_items
    from tuifeed.store.sources import ensure_sources

    ensure_sources(connection, {DEMO_SOURCE}, now, kind="demo", url="demo:")
    return len(add_items(connection, load_demo_catalogue(first_run)).new)
