"""Errors that are the user's to fix: the CLI prints them as one line and exits 2."""


class TuifeedError(Exception):
    """A problem with what the user asked for or gave us (bad item, kind, file, home)."""

    exit_code = 2
