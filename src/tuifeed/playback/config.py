"""The player's settings: [player] in <config>/tuifeed.toml, every key optional.

    [player]
    command = "mpv"          # a name on PATH or a path
    mode = "auto"            # auto (a window when a display exists, else the terminal),
                             # window, or terminal
    vo = ""                  # in the terminal: kitty, sixel or tct (chosen when empty);
                             # null shows no picture (scripts and tests)
    extra_args = []          # more mpv options, each "--name" or "--name=value"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text

MODES = ("auto", "window", "terminal")
TERMINAL_VOS = ("kitty", "sixel", "tct", "null")
CONFIG_NAME = "tuifeed.toml"


@dataclass(frozen=True)
class PlayerConfig:
    command: str = "mpv"
    mode: str = "auto"
    vo: str = ""
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    def chosen_mode(self, environ: dict[str, str] | None = None) -> str:
        """window when a display exists (X11 or Wayland), else terminal, unless set."""
        if self.mode != "auto":
            return self.mode
        environ = os.environ if environ is None else environ
        return "window" if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY") else \
            "terminal"


def load_player_config(config_folder: Path) -> PlayerConfig:
    """The [player] table of tuifeed.toml (defaults without one); a bad value is one line."""
    path = config_folder / CONFIG_NAME
    if not path.exists():
        return PlayerConfig()
    where = clean_text(str(path))
    if not path.is_file():
        raise TuifeedError(f"{where} is not a regular file")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise TuifeedError(f"cannot read {where}: {getattr(error, 'strerror', None) or error}") \
            from None
    except tomllib.TOMLDecodeError as error:
        raise TuifeedError(f"{where}: {error}") from None
    except RecursionError:
        raise TuifeedError(f"{where}: nested too deeply") from None
    table = data.get("player", {})
    if not isinstance(table, dict):
        raise TuifeedError(f"{where}: [player] must be a table")
    known = {"command", "mode", "vo", "extra_args"}
    for key in table:
        if key not in known:
            raise TuifeedError(f"{where}: unknown key player.{clean_text(key)} "
                               f"(known: {', '.join(sorted(known))})")
    config = PlayerConfig(
        command=_text(table, "command", "mpv", where),
        mode=_text(table, "mode", "auto", where),
        vo=_text(table, "vo", "", where),
        extra_args=tuple(table.get("extra_args", [])),
    )
    if config.mode not in MODES:
        raise TuifeedError(f"{where}: player.mode must be one of {', '.join(MODES)}")
    if config.vo and config.vo not in TERMINAL_VOS:
        raise TuifeedError(f"{where}: player.vo must be one of {', '.join(TERMINAL_VOS)}")
    for argument in config.extra_args:
        if not isinstance(argument, str) or not argument.startswith("--") or \
                any(character in argument for character in "\n\r\0"):
            raise TuifeedError(f"{where}: each of player.extra_args must be an mpv option "
                               f"such as \"--volume=50\"")
    return config


def _text(table: dict, key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or any(character in value for character in "\n\r\0"):
        raise TuifeedError(f"{where}: player.{key} must be one line of text")
    return value
