"""Recipes: every weight, half-life and switch of the ranker, as TOML files.

Built-in recipes ship in ranking/recipes/; a viewer's own live in <config>/recipes/ and win
over a built-in of the same name. Every recipe is read on top of for-you, so a file only
needs the numbers it changes; an unknown section or key is an error (a typo must not be
silently ignored), reported with the file and line.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text

BASE_RECIPE = "for-you"
NUMERIC_SECTIONS = ("signals", "memory", "terms", "exploration")
SWITCH_SECTIONS = ("filter",)


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    signals: dict[str, float]
    memory: dict[str, float]
    terms: dict[str, float]
    exploration: dict[str, float]
    filter: dict[str, bool]
    origin: str = "built-in"
    source: str = ""  # the TOML text it was read from

    def signal(self, kind: str) -> float:
        return self.signals.get(kind, 0.0)

    def term(self, name: str) -> float:
        return self.terms.get(name, 0.0)


def _builtin_folder():
    return resources.files("tuifeed.ranking") / "recipes"


def builtin_names() -> list[str]:
    return sorted(entry.name.removesuffix(".toml") for entry in _builtin_folder().iterdir()
                  if entry.name.endswith(".toml"))


def user_recipes(folder: Path | None) -> dict[str, Path]:
    if folder is None or not folder.is_dir():
        return {}
    return {path.stem: path for path in sorted(folder.glob("*.toml"))}


def recipe_names(folder: Path | None = None) -> list[str]:
    return sorted(set(builtin_names()) | set(user_recipes(folder)))


def _line_of(text: str, section: str | None, key: str) -> int:
    """The line where `key` is set (inside [section] when given), for error messages."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1)
            if section is not None and key == "" and current == section:
                return number
            continue
        if current == section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return 1


# Keys whose values have limits beyond "a finite number": (low, high, whole number?)
LIMITS: dict[tuple[str, str], tuple[float, float, bool]] = {
    ("exploration", "rate"): (0.0, 1.0, False),
    ("exploration", "first_slot"): (1, 1000, True),
    ("terms", "diversity_window"): (0, 50, True),
    ("terms", "diversity_decay"): (0, 1, False),
    ("terms", "diversity_creator_taste"): (0, 1, False),
    ("terms", "freshness_half_life_days"): (1e-3, 1e6, False),
    ("memory", "short_half_life_minutes"): (1e-3, 1e9, False),
    ("memory", "long_half_life_days"): (1e-3, 1e9, False),
    ("memory", "affinity_scale"): (1e-3, 1e6, False),
    ("signals", "fast_skip_seconds"): (0.0, 3600.0, False),
    ("signals", "max_watch_fraction"): (1e-3, 1000.0, False),
}
WEIGHT_LIMIT = 1e6  # any other number: a weight, within plus or minus this


def _out_of_range(section: str, key: str, value: float) -> str | None:
    """What is wrong with a number, or None."""
    if section in SWITCH_SECTIONS:
        return None
    if not math.isfinite(value):
        return "must be a finite number"
    low, high, whole = LIMITS.get((section, key), (-WEIGHT_LIMIT, WEIGHT_LIMIT, False))
    if whole and value != int(value):
        return "must be a whole number"
    if not low <= value <= high:
        return f"must be from {low:g} to {high:g}"
    return None


def parse_recipe(text: str, origin: str, base: Recipe | None = None) -> Recipe:
    """Read a recipe; values it leaves out come from `base` (for-you)."""
    origin = clean_text(origin)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TuifeedError(f"{origin}: {error}") from None
    except RecursionError:
        raise TuifeedError(f"{origin}: nested too deeply to be a recipe") from None
    sections: dict[str, dict] = {}
    for section, table in data.items():
        if section in ("name", "description"):
            continue
        line = _line_of(text, section, "")
        if section not in NUMERIC_SECTIONS + SWITCH_SECTIONS:
            raise TuifeedError(f"{origin}, line {line}: unknown section [{section}]")
        if not isinstance(table, dict):
            raise TuifeedError(f"{origin}, line {line}: [{section}] must be a table")
        known = getattr(base, section) if base is not None else None
        for key, value in table.items():
            line = _line_of(text, section, key)
            if known is not None and key not in known:
                raise TuifeedError(f"{origin}, line {line}: unknown key {section}.{key}")
            wanted = bool if section in SWITCH_SECTIONS else (int, float)
            if isinstance(value, bool) != (wanted is bool) or not isinstance(value, wanted):
                kind = "true or false" if wanted is bool else "a number"
                raise TuifeedError(
                    f"{origin}, line {line}: {section}.{key} must be {kind}, not {value!r}"
                )
            problem = _out_of_range(section, key, value)
            if problem:
                raise TuifeedError(f"{origin}, line {line}: {section}.{key} {problem}, "
                                   f"not {value!r}")
        sections[section] = table
    merged = {
        section: {**(getattr(base, section) if base else {}), **{
            key: (bool(value) if section in SWITCH_SECTIONS else float(value))
            for key, value in sections.get(section, {}).items()
        }}
        for section in NUMERIC_SECTIONS + SWITCH_SECTIONS
    }
    return Recipe(
        name=clean_text(data.get("name", Path(origin).stem), limit=100),
        description=clean_text(data.get("description", ""), limit=300),
        origin=origin,
        source=text,
        **merged,
    )


def load_recipe(name: str, folder: Path | None = None) -> Recipe:
    """A recipe by name: the viewer's own file first, then the built-in one."""
    base = parse_recipe((_builtin_folder() / f"{BASE_RECIPE}.toml").read_text("utf-8"),
                        f"{BASE_RECIPE}.toml")
    own = user_recipes(folder)
    if name in own:
        path = own[name]
        if not path.is_file():  # a FIFO would block, a folder cannot be read
            raise TuifeedError(f"{clean_text(str(path))}: not a regular file")
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise TuifeedError(f"{clean_text(str(path))}: cannot read it ({reason})") from None
        recipe = parse_recipe(text, str(path), base)
        return Recipe(**{**recipe.__dict__, "name": name})
    if name in builtin_names():
        if name == BASE_RECIPE:
            return base
        text = (_builtin_folder() / f"{name}.toml").read_text("utf-8")
        return parse_recipe(text, f"{name}.toml", base)
    raise TuifeedError(f"unknown recipe {name!r}; known recipes: {', '.join(recipe_names(folder))}")
