"""Opening a large home returns its temporary arrays to the system as they are freed.

Reading a million items and a million events makes many arrays of megabytes that live for a
moment. glibc's malloc raises its mmap threshold to the size of such an array once one is
freed, so the next ones come from the heap, where a long-lived allocation above them keeps
the freed space resident: 150 MiB of a 1M-item home's 573 MiB after opening, and the app's
rankings then grew the heap past those holes. While a home opens, arrays from 1 MiB up are
mapped apart and unmapped when freed (from 128 KiB up cost half a second more of CPU at 1M
items and 1M events for the same memory; handing the free pages back after opening with
malloc_trim instead left the heap in pieces: the app's peak 710-730 MiB against 600-660).
Afterwards arrays from 4 MiB up (a column of a million items) are still mapped apart: the
app's rankings run in worker threads while the UI thread draws, all in one arena (threads
share one: a ranking in a new worker thread reuses the last one's small blocks), and with
glibc's highest threshold (32 MiB) their full-length arrays came from the heap between what
the drawing kept, left holes, and the heap grew by ~45 MiB over a session's first 80 keys
at 1M items: the session's peak 530-536 MiB, now 464-472. The price is fresh pages for
those arrays at every ranking: 16-29 MiB of pages faulted in by a key's ranking at 1M
(none before), a few milliseconds; `tuifeed bench`'s 1M re-rank measured 86-94 ms against
111-139 in two rounds turn about on a busy machine, and the app's keys at 1M p50 73-92 ms
against 81-82 (two sessions each). Elsewhere than glibc this does nothing.

As the app quits, the whole log is learned again for the next open (Feed._save_checkpoint),
beside all the session holds. Before that, `free_pages_returned` hands back the heap's free
pages (malloc_trim): the blocks under 4 MiB the session freed stay resident otherwise, and
the learning's arrays come from fresh pages above them. A 1M-item home's first open with 20
keys in a terminal ended at 518-531 MiB whole; with the pages handed back, 478 (twice; the
learning itself holding less too). One hand-back takes 1-45 ms, as the app quits.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # mallopt's (malloc.h)
WHILE_OPENING = 1024 * 1024  # a million-row array is 1-8 MiB; a chunk of the log's 0.1-0.8
AFTERWARDS = 4 * 1024 * 1024  # a million-item column of float32 or int32 and up


@cache
def _glibc(name: str):
    """glibc's function of that name, or None elsewhere."""
    try:  # (platform.libc_ver reads the interpreter's binary: slow when it is static)
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return None
    except (AttributeError, ValueError, OSError):  # not a glibc system
        return None
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def free_pages_returned() -> bool:
    """Hand the heap's free pages back to the system; whether it could be done (glibc)."""
    trim = _glibc("malloc_trim")
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True


@contextmanager
def temporaries_returned() -> Iterator[bool]:
    """Within: large allocations mapped apart, returned to the system when freed. Yields
    whether it could be done (glibc)."""
    mallopt = _glibc("mallopt")
    if mallopt is None:
        yield False
        return
    mallopt(M_ARENA_MAX, 1)  # threads share one heap: a ranking reuses the last one's space
    mallopt(M_MMAP_THRESHOLD, WHILE_OPENING)
    try:
        yield True
    finally:  # where glibc's own adjustment ends (setting a parameter stopped it)
        mallopt(M_MMAP_THRESHOLD, AFTERWARDS)
        mallopt(M_TRIM_THRESHOLD, 2 * AFTERWARDS)
