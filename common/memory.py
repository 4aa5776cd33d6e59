"""Handing freed memory back to the operating system between the estate's groups.

glibc's allocator keeps the pages of freed blocks (a group's arrays, once the next group is read) in the
process, so the server's resident size after a group stays near its peak and the next group's arrays land on
top. ``malloc_trim(0)`` returns the free pages at the top of each arena and, since glibc 2.8, the whole free
pages inside them. Elsewhere (musl, macOS, Windows) there is no such call and nothing is done.

glibc also gives threads their own arenas, up to eight per core, each keeping its own freed pages: the
README's command starts the dashboard under ``MALLOC_ARENA_MAX=2`` (the server's peak at 5,000 resources
1.44-1.45 → 1.06 GB, docs/performance.md). It is the variable, not ``mallopt(M_ARENA_MAX)`` from here: glibc
fixes its arena limit when the first thread makes an arena, before ``app.py`` runs (measured: no change).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    """glibc's ``malloc_trim``, or None where the C library is not glibc (or cannot be loaded)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # no libc by that name, or a libc without malloc_trim (musl)
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed() -> bool:
    """Return the allocator's free pages to the system (``malloc_trim(0)``): True if some were released,
    False if none were or the C library has no such call. Costs a few milliseconds; never fails."""
    trim = _libc()
    if trim is None:
        return False
    try:
        return bool(trim(0))
    except OSError:
        return False
