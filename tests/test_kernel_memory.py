"""The kernels' memory hints: they must never change a value, and huge pages must really be asked for."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from viralsim.kernels.memory import huge_copy, huge_empty, huge_zeros, prefetch


@njit(cache=True)
def _sum_with_prefetch(rows, order):
    total = 0
    for i in range(order.shape[0]):
        if i + 4 < order.shape[0]:
            prefetch(rows, order[i + 4])
        prefetch(rows, rows.shape[0])  # one past the end: a hint never faults
        total += rows[order[i], 1]
    return total


@njit(cache=True)
def _fresh(n):
    a = huge_zeros(n, np.int64)
    b = huge_copy(a[: n // 2] + 7)
    c = huge_empty(n, np.int32).reshape((n // 8, 8))
    c[:, :] = 3
    return a, b, c


def test_prefetch_changes_nothing():
    rows = np.arange(4000, dtype=np.int64).reshape(1000, 4)
    order = np.random.default_rng(0).integers(0, 1000, 5000)
    assert _sum_with_prefetch(rows, order) == rows[order, 1].sum()


def test_huge_arrays_hold_what_they_should():
    a, b, c = _fresh(1 << 20)
    assert a.shape == (1 << 20,) and not a.any()
    assert b.shape == (1 << 19,) and np.all(b == 7)
    assert c.shape == (1 << 17, 8) and np.all(c == 3)
    for arr in (a, b, c):  # at least 256 KiB: laid on whole huge pages
        assert arr.ctypes.data % (2 << 20) == 0


def _anon_huge_kb() -> int:
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        if line.startswith("AnonHugePages:"):
            return int(line.split()[1])
    return 0


def test_kernel_arrays_get_huge_pages():
    thp = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    if not sys.platform.startswith("linux") or not thp.exists() or "[never]" in thp.read_text():
        pytest.skip("transparent huge pages are not available on this system")
    before = _anon_huge_kb()
    a, b, c = _fresh(1 << 23)  # 64 MiB of int64, zeroed inside the kernel after the advice
    gained = _anon_huge_kb() - before
    assert gained >= 32 * 1024, f"only {gained} kB of huge pages for 64 MiB advised"
    del a, b, c
