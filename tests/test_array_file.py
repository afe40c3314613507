"""Arrays kept in a file of their own (store/array_file.py): read back as written, each in
memory of its own; a file cut short, with any byte changed, or not one of ours, refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tuifeed.store.array_file import read_arrays, write_arrays

DTYPES = st.sampled_from(["<i8", "<i4", "|b1", "<f8", "|u1", ">i8", "<u8", "<f4"])
ARRAYS = st.dictionaries(
    st.text(min_size=1, max_size=8),
    DTYPES.flatmap(lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=2,
                                                                    min_side=0, max_side=5))),
    max_size=5)


def written(path, arrays, note=None) -> bytes:
    with open(path, "wb") as handle:
        write_arrays(handle, arrays, note)
    return path.read_bytes()


@settings(max_examples=80, deadline=None)
@given(ARRAYS)
def test_arrays_come_back_as_written_each_in_memory_of_its_own(tmp_path_factory, arrays):
    path = tmp_path_factory.mktemp("arrays") / "kept"
    note = {"events": len(arrays), "names": sorted(arrays)}
    written(path, arrays, note)
    assert read_arrays(path, note=note)[0] == note
    told, back = read_arrays(path)
    assert told == note and list(back) == list(arrays)  # in order
    for name, value in arrays.items():
        assert back[name].dtype == value.dtype and back[name].shape == value.shape
        assert np.array_equal(back[name], value, equal_nan=value.dtype.kind == "f")
        assert back[name].flags.owndata and back[name].flags.writeable


def test_every_truncation_and_every_changed_byte_is_refused(tmp_path):
    arrays = {"ids": np.arange(5, dtype=np.int64), "flags": np.array([True, False, True]),
              "ts": np.array([1.5, np.nan]), "none": np.zeros(0, np.int32)}
    path = tmp_path / "kept"
    data = written(path, arrays, {"tags": "the home's"})
    for size in range(len(data)):
        path.write_bytes(data[:size])
        with pytest.raises(ValueError):
            read_arrays(path)
    for at in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            damaged = bytearray(data)
            damaged[at] ^= flip
            path.write_bytes(bytes(damaged))
            with pytest.raises((ValueError, TypeError)):
                read_arrays(path)
    path.write_bytes(data + b"\0")  # something after the checksum
    with pytest.raises(ValueError):
        read_arrays(path)


def test_a_header_claiming_more_than_the_file_holds_allocates_nothing(tmp_path):
    import json
    import struct

    from tuifeed.store.array_file import MAGIC

    header = json.dumps({"note": None, "arrays": [["huge", "<f8", [1 << 40], 8 << 40]]}).encode()
    path = tmp_path / "kept"
    path.write_bytes(MAGIC + struct.pack("<Q", len(header)) + header + bytes(16))
    with pytest.raises(ValueError, match="sizes"):
        read_arrays(path)


def test_arrays_of_objects_are_not_written():
    with pytest.raises(ValueError):
        write_arrays(io.BytesIO(), {"things": np.array([object()])})


def test_a_note_holding_any_text_comes_back(tmp_path):
    """Tags hold a recipe's name, which a file name gave: a lone surrogate too."""
    note = {"recipe": "caf\udce9 \x1b[31m", "events": 2 ** 62, "none": None}
    path = tmp_path / "kept"
    written(path, {"x": np.ones(3)}, note)
    assert read_arrays(path, note=note)[0] == note and read_arrays(path)[0] == note


def test_a_file_kept_for_another_note_is_not_read_through(tmp_path):
    """Given the note wanted, a file written with another is passed over before its arrays:
    one whose body is damaged says nothing; with the note it has, it is read whole."""
    path = tmp_path / "kept"
    data = bytearray(written(path, {"ids": np.arange(1000, dtype=np.int64)}, {"events": 2}))
    data[-20] ^= 0xFF  # in the array's bytes: reading them through would be refused
    path.write_bytes(bytes(data))
    assert read_arrays(path, note={"events": 3}) is None
    with pytest.raises(ValueError):
        read_arrays(path, note={"events": 2})
    written(path, {"ids": np.arange(4)}, {"events": 2})
    note, arrays = read_arrays(path, note={"events": 2})
    assert note == {"events": 2} and list(arrays["ids"]) == [0, 1, 2, 3]
