"""A real column read exactly, without a Python object per row.

SQLite writes a real as text with 15 significant digits (lossy), and reading it row by row
costs a tuple and a float object each. Integers travel exactly as text, so a real x with
1 <= x < 2^52 travels as two: its whole part n = CAST(x AS INTEGER) and its fraction scaled
to an integer, m = (x - n) * 2^52. Both are exact: x - n is (Sterbenz: n <= x < 2n), scaling
by a power of two is, and x - n is a multiple of x's ulp, at least 2^-52 from x >= 1 on, so m
is a whole number below 2^52. Back in numpy, n + m * 2^-52 is x again: the product is exact
and the sum is x, a double. NULL travels as a flag; other values (below 1, huge, negative)
are few and are read row by row.
"""

from __future__ import annotations

import sqlite3

import numpy as np

SCALE = 2 ** 52
OTHER, PLAIN, NULL = 0, 1, 2  # how each value travels


def read_reals(connection: sqlite3.Connection, column: str, table: str, order: str,
               count: int) -> np.ndarray:
    """`column` (an expression) of every row of `table` in `order`, as float64, NULL as
    NaN, every value SQLite's own double."""
    if count == 0:
        return np.zeros(0)
    plain = f"(typeof({column}) = 'real' AND {column} >= 1 AND {column} < {SCALE})"
    wholes, fractions, kinds = connection.execute(
        f"SELECT group_concat(whole), group_concat(fraction), group_concat(kind) FROM ("
        f"SELECT CASE WHEN {plain} THEN CAST({column} AS INTEGER) ELSE 0 END AS whole,"
        f" CASE WHEN {plain} THEN CAST(({column} - CAST({column} AS INTEGER)) * {SCALE}.0"
        f" AS INTEGER) ELSE 0 END AS fraction,"
        f" CASE WHEN {column} IS NULL THEN {NULL} WHEN {plain} THEN {PLAIN} ELSE {OTHER} END"
        f" AS kind FROM {table} ORDER BY {order})").fetchone()
    whole, fraction, kind = (np.fromstring(text, dtype=np.int64, sep=",")
                             for text in (wholes, fractions, kinds))
    if not len(whole) == len(fraction) == len(kind) == count:
        raise sqlite3.DatabaseError(f"{table} changed while it was read")
    values = whole.astype(np.float64) + fraction.astype(np.float64) / SCALE
    values[kind == NULL] = np.nan
    others = np.flatnonzero(kind == OTHER)
    if len(others):  # the rest row by row, in the same order
        values[others] = np.fromiter((value for (value,) in connection.execute(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND NOT {plain}"
            f" ORDER BY {order}")), np.float64, len(others))
    return values
