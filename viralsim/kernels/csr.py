"""Build compressed sparse row (CSR) adjacency from arc lists, in O(n + m)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .rng import next_below, seed_stream


@njit(cache=True)
def csr_from_arcs(n, src, dst, symmetric):
    """CSR of the arcs ``src[i] -> dst[i]`` (and their reverses if ``symmetric``).

    Rows are sorted; self-loops and duplicate arcs are dropped.
    Returns ``(indptr int64[n+1], indices int32[m], self_loops, duplicates)`` where the two
    counts are of input pairs (a symmetric duplicate counts once).

    Two counting-sort passes and no comparison sort: the first buckets every arc by its head
    (the transpose, rows unsorted), the second walks the transpose in head order and appends
    each head to its tail's row, so rows come out sorted.  O(n + m) time, two int32 arrays of
    m entries at the peak.
    """
    m_in = src.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    self_loops = 0
    for i in range(m_in):
        u = src[i]
        v = dst[i]
        if u == v:
            self_loops += 1
            continue
        counts[v + 1] += 1
        if symmetric:
            counts[u + 1] += 1
    for i in range(n):
        counts[i + 1] += counts[i]
    total = counts[n]
    # pass 1: the transpose, row v = tails of arcs into v (for a symmetric graph, its neighbours)
    tails = np.empty(total, dtype=np.int32)
    fill = counts[:n].copy()
    for i in range(m_in):
        u = src[i]
        v = dst[i]
        if u == v:
            continue
        tails[fill[v]] = u
        fill[v] += 1
        if symmetric:
            tails[fill[u]] = v
            fill[u] += 1
    # pass 2: row sizes of the graph itself, then heads appended in increasing order
    if symmetric:
        starts = counts
    else:
        starts = np.zeros(n + 1, dtype=np.int64)
        for j in range(total):
            starts[tails[j] + 1] += 1
        for i in range(n):
            starts[i + 1] += starts[i]
    indices = np.empty(total, dtype=np.int32)
    for i in range(n):
        fill[i] = starts[i]
    for v in range(n):
        for j in range(counts[v], counts[v + 1]):
            u = tails[j]
            indices[fill[u]] = v
            fill[u] += 1
    # drop duplicates (adjacent now), compacting in place
    indptr = np.empty(n + 1, dtype=np.int64)
    indptr[0] = 0
    write = 0
    for u in range(n):
        prev = -1
        for j in range(starts[u], starts[u + 1]):
            v = indices[j]
            if v != prev:
                indices[write] = v
                write += 1
                prev = v
        indptr[u + 1] = write
    dup_arcs = total - write
    duplicates = dup_arcs // 2 if symmetric else dup_arcs
    if write < total:  # copy only when something was dropped: the copy adds to peak memory
        indices = indices[:write].copy()
    return indptr, indices, self_loops, duplicates


@njit(cache=True)
def reverse_csr(n, indptr, indices):
    """The transpose (in-arcs) of a CSR graph, rows sorted."""
    m = indices.shape[0]
    counts = np.zeros(n + 1, dtype=np.int64)
    for j in range(m):
        counts[indices[j] + 1] += 1
    for i in range(n):
        counts[i + 1] += counts[i]
    rindices = np.empty(m, dtype=np.int32)
    fill = counts[:n].copy()
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            v = indices[j]
            rindices[fill[v]] = u
            fill[v] += 1
    return counts, rindices


@njit(cache=True)
def _has_arc(indptr, indices, u, v):
    """Whether arc u -> v exists (binary search in the sorted row u)."""
    lo = indptr[u]
    hi = indptr[u + 1]
    while lo < hi:
        mid = (lo + hi) // 2
        x = indices[mid]
        if x < v:
            lo = mid + 1
        elif x > v:
            hi = mid
        else:
            return True
    return False


@njit(cache=True)
def reciprocal_arcs(n, indptr, indices):
    """Number of arcs u -> v whose reverse v -> u also exists."""
    count = 0
    for u in range(n):
        for j in range(indptr[u], indptr[u + 1]):
            if _has_arc(indptr, indices, indices[j], u):
                count += 1
    return count


@njit(cache=True)
def sampled_wedge_closure(indptr, indices, nodes, key):
    """For each node in ``nodes``: 1 if a random wedge centred on it is closed, else 0.

    The mean over uniformly sampled nodes estimates the average local clustering (nodes of
    degree < 2 count as 0, as in ``networkx.average_clustering``).  Rows must be symmetric.
    """
    out = np.zeros(nodes.shape[0], dtype=np.float64)
    state = np.zeros(1, dtype=np.uint64)
    for i in range(nodes.shape[0]):
        u = nodes[i]
        d = indptr[u + 1] - indptr[u]
        if d < 2:
            continue
        seed_stream(state, key, i)
        a = next_below(state, d)
        b = next_below(state, d - 1)
        if b >= a:
            b += 1
        if _has_arc(indptr, indices, indices[indptr[u] + a], indices[indptr[u] + b]):
            out[i] = 1.0
    return out
