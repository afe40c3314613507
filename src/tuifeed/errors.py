"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""


class TuifeedError(Exception):
    """A problem with what the user asked for or gave us (bad item, kind, file, home)."""

    exit_code = 2


class DamagedDatabase(TuifeedError):
    """The database file cannot be read. It is never deleted: --reset-db sets it aside."""

    def __init__(self, path, reason: str) -> None:
        super().__init__(f"{path} cannot be read ({reason}); run tuifeed --reset-db to set it "
                         f"aside (renamed, not deleted) and start a fresh one")
        self.path = path


class StoreFailure(TuifeedError):
    """The database cannot be used now: a full disk, a read-only file, an input/output error.
    Not damage: nothing is set aside. Exit 1 unless it is the user's to fix (permissions)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
