"""Named numpy arrays in one plain file, read back at the speed of the disk cache.

What the feed keeps beside its database (feed/checkpoint.py) is read at every open: at a
million items 150 MB of arrays. As a numpy `.npz` archive (a zip file) each array was read
in pieces, its CRC-32 computed, then copied: 59 ms for the catalogue and 34 for the learned
state (best of 3). Here each array is read once, straight into its own memory, and a
checksum of 64-bit sums is checked as it comes: 29 and 13 ms.

The file: a magic line, the header's length (8 bytes, little-endian), the header (JSON: a
note, which read_arrays can compare before reading any array, and each array's name,
dtype, shape and size, in the order they follow), then each array's bytes padded to a
multiple of 8, then the checksum (8 bytes). Nothing pickled: an array of objects cannot
be written. Reading refuses anything out of shape (another magic, sizes that do not add up
to the file's, a checksum that differs: a truncated or damaged file) with a ValueError,
before allocating more than the file holds.

The checksum covers the header and every array: it catches a truncation, any byte changed
or zeroed, and arrays swapped; unlike a CRC it can miss changes that cancel out in a sum (two
words moved by opposite amounts), which accidental damage does not make.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Mapping
from typing import BinaryIO

import numpy as np

MAGIC = b"tuifeed arrays 1\n"
_LENGTH = struct.Struct("<Q")
_MIX = 0x9E3779B97F4A7C15  # each array's sum is mixed into the file's in order
_MASK = (1 << 64) - 1
MAX_HEADER = 1 << 24  # bytes: a header longer than that is not one of ours


def write_arrays(handle: BinaryIO, arrays: Mapping[str, np.ndarray], note=None) -> None:
    """Write `arrays` to `handle`, with `note` (anything JSON holds: what they are, read
    first by read_arrays); raises ValueError for an array of objects, OSError for a full disk."""
    values = {name: np.require(value, requirements="C") for name, value in arrays.items()}
    if any(value.dtype.hasobject for value in values.values()):
        raise ValueError("arrays of objects are not written")
    header = json.dumps({"note": note, "arrays": [
        [name, value.dtype.str, list(value.shape), value.nbytes]
        for name, value in values.items()]}).encode("utf-8")  # (ASCII: any text, even a
    # lone surrogate from a name the file system gave, is written as an escape)
    handle.write(MAGIC + _LENGTH.pack(len(header)) + header)
    total = _sum(memoryview(header))
    for value in values.values():
        data = _bytes_of(value)
        handle.write(data)
        handle.write(bytes(_padding(len(data))))
        total = _mixed(total, _sum(data))
    handle.write(_LENGTH.pack(total))


_ANY = object()


def read_arrays(path: os.PathLike | str,
                note=_ANY) -> tuple[object, dict[str, np.ndarray]] | None:
    """The note and the arrays written to `path`, each array in memory of its own;
    ValueError if the file is not whole (see the module's text), OSError if it cannot be
    read. Given a `note`, None when the file's differs, its arrays unread (a file kept for
    another state is not read through)."""
    with open(path, "rb") as handle:
        header, raw = _header(handle)
        if note is not _ANY and header["note"] != note:
            return None
        entries = _entries(header["arrays"])
        body = sum(size + _padding(size) for _, _, _, size in entries)
        if handle.tell() + body + _LENGTH.size != os.fstat(handle.fileno()).st_size:
            raise ValueError("sizes out of shape (a truncated file?)")  # (so nothing larger
        arrays, total = {}, _sum(memoryview(raw))  # than the file is allocated)
        for name, shape, kind, size in entries:
            array = np.empty(shape, kind)
            data = _bytes_of(array)
            if size and handle.readinto(data) != size:
                raise ValueError("the file ended early")
            if any(_exactly(handle, _padding(size))):
                raise ValueError("padding out of shape (a damaged file)")
            total = _mixed(total, _sum(data))
            arrays[name] = array
        (expected,) = _LENGTH.unpack(_exactly(handle, _LENGTH.size))
        if expected != total:
            raise ValueError("checksum differs (a damaged file)")
    return header["note"], arrays


def _header(handle: BinaryIO) -> tuple[dict, bytes]:
    """The header, parsed, and as read."""
    if handle.read(len(MAGIC)) != MAGIC:
        raise ValueError("not a tuifeed arrays file")
    (length,) = _LENGTH.unpack(_exactly(handle, _LENGTH.size))
    if length > MAX_HEADER:
        raise ValueError("header out of shape")
    raw = _exactly(handle, length)
    header = json.loads(raw.decode("utf-8"))
    if not (isinstance(header, dict) and set(header) == {"note", "arrays"}):
        raise ValueError("header out of shape")
    return header, raw


def _entries(header) -> list[tuple[str, tuple[int, ...], np.dtype, int]]:
    """(name, shape, dtype, size in bytes) of each array the header lists."""
    if not isinstance(header, list):
        raise ValueError("header out of shape")
    entries = []
    for entry in header:
        if not (isinstance(entry, list) and len(entry) == 4):
            raise ValueError("header out of shape")
        name, dtype, shape, size = entry
        if not (isinstance(name, str) and isinstance(dtype, str) and isinstance(shape, list)
                and all(isinstance(side, int) and side >= 0 for side in shape)
                and isinstance(size, int)):
            raise ValueError("header out of shape")
        kind = np.dtype(dtype)  # (a TypeError for a name numpy does not know)
        if kind.hasobject or kind.itemsize * math.prod(shape) != size:
            raise ValueError("header out of shape")
        entries.append((name, tuple(shape), kind, size))
    return entries


def _bytes_of(array: np.ndarray) -> memoryview:
    return memoryview(array.reshape(-1).view(np.uint8))


def _padding(size: int) -> int:
    return -size % 8


def _sum(data: memoryview) -> int:
    """The bytes' 64-bit little-endian words summed (the last one padded with zeros)."""
    whole = len(data) // 8 * 8
    total = int(np.add.reduce(np.frombuffer(data[:whole], dtype="<u8"), dtype=np.uint64)) \
        if whole else 0
    return (total + int.from_bytes(bytes(data[whole:]), "little")) & _MASK


def _mixed(total: int, part: int) -> int:
    return (total * _MIX + part) & _MASK


def _exactly(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("the file ended early")
    return data
