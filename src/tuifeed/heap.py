"""Large arrays go back to the system when they are freed, in every thread.

Opening a large home, and every ranking of a million items, makes arrays of megabytes that
live for a moment. glibc's malloc raises its mmap threshold to the size of such an array once
one is freed, so the next ones come from a heap (one per thread that ranked: Up next is
ranked in worker threads), where the freed space stays resident: 130 MiB of a 1M-item home's
573 MiB after opening, and the app grew by tens of MiB a key as new workers ranked. With the
threshold fixed at glibc's initial 128 KiB, such arrays are mapped apart and unmapped when
freed. Measured at 1M items: a ranking takes the same time (within the noise of 105-130 ms);
opening leaves 417 MiB resident instead of 573. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import platform
from functools import cache

M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
THRESHOLD = 128 * 1024  # glibc's initial one; fixing it stops it from rising


@cache
def return_freed_arrays() -> bool:
    """Fix the threshold, once a process; whether it could be (glibc)."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        return bool(ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    except (OSError, AttributeError):
        return False
