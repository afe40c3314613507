"""A real column read exactly, into numpy.

SQLite writes a real as text with 15 significant digits (lossy), so a real column cannot
travel in a text aggregate the way integers do. Read row by row, each value arrives as
SQLite's own double; a generator feeding np.fromiter keeps that to one float a row and no
list (measured against sending each real as two exact integers in aggregates, which needed
SQL arithmetic on every row: half the time, at 100k items and at a million events).
"""

from __future__ import annotations

import sqlite3

import numpy as np

NAN = float("nan")


def read_reals(connection: sqlite3.Connection, column: str, table: str, order: str,
               count: int) -> np.ndarray:
    """`column` (an expression) of every row of `table` in `order`, as float64, NULL (or
    anything not a number) as NaN, every number SQLite's own double."""
    if count == 0:
        return np.zeros(0)
    rows = connection.execute(f"SELECT {column} FROM {table} ORDER BY {order}")
    # A number stays SQLite's own double; NULL, and a text or a blob a damaged or tampered
    # file put in a real column, are unknown (NaN), as an unknown value is.
    values = np.fromiter((value if isinstance(value, (int, float)) else NAN
                          for (value,) in rows), np.float64)
    if len(values) != count:
        raise sqlite3.DatabaseError(f"{table} changed while it was read")
    return values
