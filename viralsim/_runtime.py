"""Runtime helpers shared by the simulation and optimisation layers: numba's thread count for a
call, zero-filled arrays that get huge pages, and the memory this machine has free."""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import numba
import numpy as np

from .constraints import Interval

__all__ = ["thread_bounds", "check_threads", "numba_threads", "zeroed", "memory_available_bytes"]


def thread_bounds() -> Interval:
    """The thread counts this machine allows: 1 to numba's NUMBA_NUM_THREADS."""
    return Interval(1, numba.config.NUMBA_NUM_THREADS, integer=True)


def check_threads(threads) -> int | None:
    """``threads`` checked: None (numba's current count) or an integer in :func:`thread_bounds`."""
    if threads is None:
        return None
    return thread_bounds().check("threads", threads)


@contextlib.contextmanager
def numba_threads(threads: int | None) -> Iterator[int]:
    """Set numba's thread count for the block (restored afterwards); yields the count in use.
    Results never depend on it: every random draw is keyed, not drawn from a shared stream."""
    threads = check_threads(threads)
    old = numba.get_num_threads()
    try:
        if threads is not None:
            numba.set_num_threads(threads)
        yield numba.get_num_threads()
    finally:
        numba.set_num_threads(old)


def zeroed(shape, dtype=np.int64) -> np.ndarray:
    """A zero array written sequentially.  ``np.empty`` gets numpy's huge-page advice for large
    arrays and the fill faults its memory in a few 2 MiB pages, where ``np.zeros`` (calloc) leaves
    4 KiB pages to fault one by one wherever a kernel first writes (about 9 us each on a VM) and
    random accesses then miss the TLB more often."""
    out = np.empty(shape, dtype=dtype)
    out.fill(0)
    return out


def memory_available_bytes() -> int | None:
    """RAM available to new allocations now (Linux ``MemAvailable``, else the free physical pages);
    None when the system does not say.  Callers apply their own headroom to it."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
