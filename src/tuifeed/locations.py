"""Where tuifeed keeps things: one home (--home / TUIFEED_HOME / the platform data dir)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tuifeed.errors import TuifeedError

APP_NAME = "tuifeed"
HOME_ENV = "TUIFEED_HOME"
DATABASE_NAME = "tuifeed.db"


@dataclass(frozen=True)
class Locations:
    home: Path
    cache: Path
    config: Path

    @property
    def recipes(self) -> Path:
        """The viewer's own recipes (TOML files), which win over built-ins of the same name."""
        return self.config / "recipes"

    @property
    def database(self) -> Path:
        return self.home / DATABASE_NAME

    def database_files(self) -> list[Path]:
        """The database and the files SQLite keeps beside it."""
        return database_files(self.database)

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> "Locations":
        """An explicit home wins, then $TUIFEED_HOME, then the platform's user data dir."""
        chosen = home if home is not None else os.environ.get(HOME_ENV) or None
        if chosen is not None:
            root = Path(chosen).expanduser()
            return cls(home=root, cache=root / "cache", config=root / "config")
        import platformdirs  # only without --home: a command should start fast

        return cls(
            home=Path(platformdirs.user_data_dir(APP_NAME)),
            cache=Path(platformdirs.user_cache_dir(APP_NAME)),
            config=Path(platformdirs.user_config_dir(APP_NAME)),
        )

    def prepare(self) -> None:
        """Create the home and check it can hold a database, without touching anything in it."""
        for folder in (self.home, self.cache):
            if folder.exists() and not folder.is_dir():
                raise TuifeedError(f"{folder} is a file, not a folder; choose another --home")
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise TuifeedError(f"cannot create {folder}: {error.strerror}") from None
        if not os.access(self.home, os.W_OK | os.X_OK):
            raise TuifeedError(f"{self.home} is not writable; choose another --home")
        database = self.database
        if database.exists() and not database.is_file():
            raise TuifeedError(f"{database} is not a database file (it is a folder or device)")
        for companion in self.database_files()[1:]:  # SQLite would open a FIFO here and hang
            if companion.exists() and not companion.is_file():
                raise TuifeedError(f"{companion} is not a regular file; remove it (SQLite "
                                   f"keeps its journal there)")
        if database.exists() and not os.access(database, os.R_OK | os.W_OK):
            raise TuifeedError(f"{database} is read-only: tuifeed writes your log there "
                               f"(make it writable, e.g. chmod u+rw)")


def database_files(database: Path) -> list[Path]:
    """A database and the files SQLite keeps beside it."""
    return [database.with_name(database.name + suffix)
            for suffix in ("", "-wal", "-shm", "-journal")]


def check_output(target: Path, database: Path, *, devices: bool = False) -> None:
    """Refuse to write `target` where writing would destroy something: the database or a file
    SQLite keeps beside it, a link (its target would be replaced), or anything but a regular
    file (a folder, a FIFO that would block; a device only where `devices` allows it, as
    /dev/null for a transcript)."""
    from tuifeed.text import clean_text

    shown = clean_text(str(target))
    try:
        resolved = target.resolve()
        own = {path.resolve() for path in database_files(database)}
    except (OSError, RuntimeError):
        resolved, own = target, set()
    if resolved in own:
        raise TuifeedError(f"{shown} is tuifeed's own database; choose another file")
    if target.is_symlink():
        raise TuifeedError(f"{shown} is a link; give the file itself or a new path")
    if target.exists() and not (target.is_file() or devices and target.is_char_device()):
        raise TuifeedError(f"{shown} is not a regular file (a folder, device or pipe)")
