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
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tuifeed.errors import TuifeedError
from tuifeed.text import clean_text

MODES = ("auto", "window", "terminal")
TERMINAL_VOS = ("kitty", "sixel", "tct", "null")
CONFIG_NAME = "tuifeed.toml"
MAX_BYTES = 64 * 1024
# Options tuifeed sets itself to read the playback back; overriding them would blind it.
RESERVED = {"--input-ipc-server", "--idle", "--keep-open", "--input-ipc-client"}


@dataclass(frozen=True)
class PlayerConfig:
    command: str = "mpv"
    mode: str = "auto"
    vo: str = ""
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    def chosen_mode(self, environ: dict[str, str] | None = None) -> str:
        """window when a display answers (X11 or Wayland), else terminal, unless set; a
        window asked for with no display to open it on is refused."""
        environ = dict(os.environ if environ is None else environ)
        if self.mode == "terminal":
            return "terminal"
        if display_reachable(environ):
            return "window"
        if self.mode == "window":
            shown = clean_text(environ.get("WAYLAND_DISPLAY") or environ.get("DISPLAY") or "")
            raise TuifeedError(f"no display answers at {shown or '(none set)'} to open mpv's "
                               f"window; set mode = \"terminal\" or \"auto\" under [player]")
        return "terminal"


def display_reachable(environ: dict[str, str]) -> bool:
    """Whether a Wayland or X11 display answers where the environment points (a DISPLAY
    left over from an ended session would give mpv a window nobody sees)."""
    wayland = environ.get("WAYLAND_DISPLAY")
    if wayland:
        path = Path(wayland) if wayland.startswith("/") else \
            Path(environ.get("XDG_RUNTIME_DIR") or "/nonexistent") / wayland
        if path.exists():
            return True
    display = environ.get("DISPLAY") or ""
    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        return Path(f"/tmp/.X11-unix/X{number}").exists()
    try:  # a forwarded display (ssh -X: localhost:10.0)
        with socket.create_connection((host, 6000 + int(number)), timeout=0.3):
            return True
    except OSError:
        return False


def load_player_config(config_folder: Path) -> PlayerConfig:
    """The [player] table of tuifeed.toml (defaults without one); a bad value is one line."""
    path = config_folder / CONFIG_NAME
    if not path.exists():
        return PlayerConfig()
    where = clean_text(str(path))
    if not path.is_file():
        raise TuifeedError(f"{where} is not a regular file")
    if path.stat().st_size > MAX_BYTES:
        raise TuifeedError(f"{where} is larger than {MAX_BYTES // 1024} KB: not a settings file")
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
    extra = table.get("extra_args", [])
    if not isinstance(extra, list):
        raise TuifeedError(f"{where}: player.extra_args must be a list of mpv options, "
                           f"such as [\"--volume=50\"]")
    config = PlayerConfig(
        command=_text(table, "command", "mpv", where),
        mode=_text(table, "mode", "auto", where),
        vo=_text(table, "vo", "", where),
        extra_args=tuple(extra),
    )
    if not config.command.strip():
        raise TuifeedError(f"{where}: player.command must name a program")
    if config.mode not in MODES:
        raise TuifeedError(f"{where}: player.mode must be one of {', '.join(MODES)}")
    if config.vo and config.vo not in TERMINAL_VOS:
        raise TuifeedError(f"{where}: player.vo must be one of {', '.join(TERMINAL_VOS)}")
    for argument in config.extra_args:
        if not isinstance(argument, str) or not argument.startswith("--") or argument == "--" \
                or any(character in argument for character in "\n\r\0"):
            raise TuifeedError(f"{where}: each of player.extra_args must be an mpv option "
                               f"such as \"--volume=50\"")
        if argument.split("=", 1)[0] in RESERVED:
            raise TuifeedError(f"{where}: player.extra_args may not set "
                               f"{argument.split('=', 1)[0]}: tuifeed needs it to follow playback")
    return config


def _text(table: dict, key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or any(character in value for character in "\n\r\0"):
        raise TuifeedError(f"{where}: player.{key} must be one line of text")
    return value
