"""A real column read exactly, without a Python object per row.

SQLite writes a real as text with 15 significant digits (lossy), and reading it row by row
costs a tuple and a float object each. Integers travel exactly as text, so a real x with
1 <= x < 2^52 travels as two: its whole part n = CAST(x AS INTEGER) and its fraction scaled
to an integer, m = (x - n) * 2^52. Both are exact: x - n is (Sterbenz: n <= x < 2n), scaling
by a power of two is, and x - n is a multiple of x's ulp, at least 2^-52 from x >= 1 on, so m
is a whole number below 2^52. Back in numpy, n + m * 2^-52 is x again: the product is exact
and the sum is x, a double. Other values (NULL, below 1, huge, negative) are few and are
read row by row.
"""

from __future__ import annotations

import sqlite3

import numpy as np

SCALE = 2 ** 52


def read_reals(connection: sqlite3.Connection, column: str, table: str, order: str,
               count: int) -> np.ndarray:
    """`column` (an expression) of every row of `table` in `order`, as float64, NULL as
    NaN, every value SQLite's own double."""
    if count == 0:
        return np.zeros(0)
    plain = f"(typeof({column}) = 'real' AND {column} >= 1 AND {column} < {SCALE})"
    wholes, fractions, plains = connection.execute(
        f"SELECT group_concat(whole), group_concat(fraction), group_concat(plain) FROM ("
        f"SELECT CASE WHEN {plain} THEN CAST({column} AS INTEGER) ELSE 0 END AS whole,"
        f" CASE WHEN {plain} THEN CAST(({column} - CAST({column} AS INTEGER)) * {SCALE}.0"
        f" AS INTEGER) ELSE 0 END AS fraction, {plain} AS plain"
        f" FROM {table} ORDER BY {order})").fetchone()
    whole, fraction, is_plain = (np.fromstring(text, dtype=np.int64, sep=",")
                                 for text in (wholes, fractions, plains))
    if not len(whole) == len(fraction) == len(is_plain) == count:
        raise sqlite3.DatabaseError(f"{table} changed while it was read")
    values = whole.astype(np.float64) + fraction.astype(np.float64) / SCALE
    others = np.flatnonzero(is_plain == 0)
    if len(others):  # the rest row by row, in the same order
        values[others] = np.fromiter(
            (np.nan if value is None else value for (value,) in connection.execute(
                f"SELECT {column} FROM {table} WHERE NOT {plain} ORDER BY {order}")),
            np.float64, len(others))
    return values
