"""Finding the bundled assets, whether tuifeed runs from a wheel or from a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def demo_dir() -> Path:
    """assets/demo: packed into the wheel as tuifeed/_assets/demo, else the repo's own folder."""
    for candidate in (_PACKAGE / "_assets" / "demo", _PACKAGE.parents[1] / "assets" / "demo"):
        if (candidate / "catalogue.json").is_file():
            return candidate
    raise FileNotFoundError("the demo catalogue is missing from this installation")
