"""Per-thread buffers of the cascade kernels: user state rows valid by stamp, the touched list
and its bitmap, and the event queue (a calendar of FIFO buckets over a pool)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .layout import (
    _EARNED, _FIRST_KIND, _FIRST_SEED, _FIRST_T, _NEVER, _P_SEED_PICK, _S_KIND, _SHARER, _STAMP, _VIEWS, _AUX, EARNED,
    N_TALLY,
)
from .rng import hash2, uniform


_DEBRUIJN64 = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_INDEX = np.array([
    0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18,
    12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19,
    9, 13, 8, 7, 6], dtype=np.int64)


@njit(cache=True)
def in_node_order(touched, bits):
    """Rewrite ``touched`` in increasing node order from the touched bitmap, clearing the bitmap.

    A large cascade touches a good part of the audience; walking its state rows in node order
    turns the end-of-run pass's random accesses into a forward sweep the prefetcher follows.
    """
    k = 0
    for wi in range(bits.shape[0]):
        word = bits[wi]
        if word == 0:
            continue
        bits[wi] = 0
        base = np.int64(wi) * 64
        while word != 0:
            low = word & (~word + np.uint64(1))  # the lowest set bit
            touched[k] = base + _DEBRUIJN_INDEX[np.int64((low * _DEBRUIJN64) >> np.uint64(58))]
            k += 1
            word ^= low
    return k


@njit(cache=True)
def clear_bits(touched, n_touched, bits):
    for i in range(n_touched):
        bits[touched[i] >> 6] = np.uint64(0)


@njit(cache=True)
def touch(state, v, stamp, aux0, touched, n_touched, bits):
    """Initialise node v's state for this replicate if not yet done; return the touched count."""
    if state[v, _STAMP] != stamp:
        bits[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        state[v, _STAMP] = stamp
        state[v, _VIEWS] = 0
        state[v, _EARNED] = 0
        state[v, _FIRST_T] = _NEVER
        state[v, _FIRST_KIND] = -1
        state[v, _FIRST_SEED] = -1
        state[v, _SHARER] = -1
        state[v, _AUX] = aux0
        touched[n_touched] = v
        n_touched += 1
    return n_touched


@njit(cache=True)
def abandon(state, touched, n_touched, head, bits):
    """Undo a replicate cut short by a full pool, so that its rerun (same stamp) starts clean."""
    for i in range(n_touched):
        state[touched[i], _STAMP] = 0
    clear_bits(touched, n_touched, bits)
    head[:] = -1


@njit(cache=True)
def record_view(state, w, tv, kind, seed_idx, series_row):
    """Count one view (impression) of kind ``kind`` by w at step tv; keep w's first exposure."""
    state[w, _VIEWS] += 1
    if kind == EARNED:
        state[w, _EARNED] += 1
    series_row[_S_KIND + kind, tv] += 1  # the total (row 1) is summed at the end of the run
    if tv < state[w, _FIRST_T]:
        state[w, _FIRST_T] = tv
        state[w, _FIRST_KIND] = kind
        state[w, _FIRST_SEED] = seed_idx


@njit(cache=True)
def push(head, tail, pool_node, pool_src, pool_next, top, t, v, src):
    """Append event (v, src) to the FIFO bucket of step t; return the new pool top.

    ``src`` is the sharer index of the poster whose post v views (>= 0), ``-1 - i`` for seed i's
    own post, or ``-1 - n_seeds - j`` for paid impression j.  (Arrays, not a tuple of them: in a
    hot loop numba reference-counts what it takes out of a tuple, and that cost 20-50%.)
    """
    pool_node[top] = v
    pool_src[top] = src
    pool_next[top] = -1
    if head[t] == -1:
        head[t] = top
    else:
        pool_next[tail[t]] = top
    tail[t] = top
    return top + 1


@njit(cache=True, inline="always")
def seed_node(key, seeds, i, random_seed, n, seed_pool):
    """Seed i of the replicate keyed ``key``: ``seeds[i]``, or when ``random_seed`` a user drawn
    from the key, uniformly from ``seed_pool`` or, when it is empty, from everyone (the
    percolation setting)."""
    if random_seed:
        u = uniform(hash2(key, _P_SEED_PICK), i)
        if seed_pool.shape[0] > 0:
            return np.int64(seed_pool[np.int64(u * seed_pool.shape[0])])
        return np.int64(u * n)
    return np.int64(seeds[i])


@njit(cache=True)
def thread_scratch(n_threads, n_buckets, n_series, n_steps):
    """Per-thread calendar heads and tails (all -1; ``n_buckets`` rows of n_steps + 1 steps), a
    random stream, a row of per-replicate tallies and a zeroed scratch series (``n_series`` rows
    of n_steps + 1 steps) of each thread.

    Every per-thread array whose size depends on the horizon is allocated here, outside the
    parallel kernels: inside them numba's array analysis once gave a per-thread array of
    n_steps + 2 entries only n_steps (numba 0.68), and a cascade as deep as the horizon then read
    and wrote past its end (k_factor values of 1e12 that depended on the thread count)."""
    head = np.full((n_threads, n_buckets, n_steps + 1), -1, dtype=np.int32)
    tail = np.empty((n_threads, n_buckets, n_steps + 1), dtype=np.int32)
    stream = np.empty((n_threads, 1), dtype=np.uint64)
    tally = np.zeros((n_threads, N_TALLY), dtype=np.int64)
    scratch = np.zeros((n_threads, n_series, n_steps + 1), dtype=np.int32)
    return head, tail, stream, tally, scratch
