"""Runtime helpers shared by the simulation and optimisation layers: numba's thread count for a
call, and zero-filled arrays that get huge pages."""

from __future__ import annotations

import contextlib
from typing import Iterator

import numba
import numpy as np

from .errors import InvalidParameterError

__all__ = ["check_threads", "numba_threads", "zeroed"]


def check_threads(threads) -> int | None:
    """``threads`` checked: None (numba's current count) or an integer in [1, NUMBA_NUM_THREADS]."""
    if threads is None:
        return None
    top = numba.config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 1 <= threads <= top:
        raise InvalidParameterError(f"threads must be an integer in [1, {top}] or None; got {threads!r}")
    return int(threads)


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
