"""Recipes: every weight and half-life of the ranker, as data read from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tuifeed.errors import TuifeedError


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    signals: dict[str, float]
    memory: dict[str, float]
    terms: dict[str, float]
    exploration: dict[str, float]

    def signal(self, kind: str) -> float:
        return self.signals.get(kind, 0.0)

    def term(self, name: str) -> float:
        return self.terms.get(name, 0.0)


def builtin_names() -> list[str]:
    folder = resources.files("tuifeed.ranking") / "recipes"
    return sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir()
                  if entry.name.endswith(".toml"))


def parse_recipe(text: str, origin: str) -> Recipe:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TuifeedError(f"{origin}: {error}") from None
    sections = {}
    for section in ("signals", "memory", "terms", "exploration"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise TuifeedError(f"{origin}: [{section}] must be a table")
        for key, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TuifeedError(f"{origin}: {section}.{key} must be a number, not {value!r}")
        sections[section] = {key: float(value) for key, value in table.items()}
    return Recipe(
        name=str(data.get("name", origin)),
        description=str(data.get("description", "")),
        **sections,
    )


def load_recipe(name: str) -> Recipe:
    if name not in builtin_names():
        raise TuifeedError(
            f"unknown recipe {name!r}; known recipes: {', '.join(builtin_names())}"
        )
    text = (resources.files("tuifeed.ranking") / "recipes" / f"{name}.toml").read_text("utf-8")
    return parse_recipe(text, f"{name}.toml")
