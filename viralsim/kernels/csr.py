"""Build compressed sparse row (CSR) adjacency from arc lists, in O(n + m)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def csr_from_arcs(n, src, dst, symmetric):
    """CSR of the arcs ``src[i] -> dst[i]`` (and their reverses if ``symmetric``).

    Rows are sorted; self-loops and duplicate arcs are dropped.
    Returns ``(indptr int64[n+1], indices int32[m], self_loops, duplicates)`` where the two
    counts are of input pairs (a symmetric duplicate counts once).
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
        counts[u + 1] += 1
        if symmetric:
            counts[v + 1] += 1
    for i in range(n):
        counts[i + 1] += counts[i]
    total = counts[n]
    indices = np.empty(total, dtype=np.int32)
    fill = counts[:n].copy()
    for i in range(m_in):
        u = src[i]
        v = dst[i]
        if u == v:
            continue
        indices[fill[u]] = v
        fill[u] += 1
        if symmetric:
            indices[fill[v]] = u
            fill[v] += 1
    # sort rows and drop duplicates, compacting in place
    indptr = np.empty(n + 1, dtype=np.int64)
    indptr[0] = 0
    write = 0
    for u in range(n):
        start = counts[u]
        end = counts[u + 1]
        if end - start > 1:
            indices[start:end] = np.sort(indices[start:end])
        prev = -1
        for j in range(start, end):
            v = indices[j]
            if v != prev:
                indices[write] = v
                write += 1
                prev = v
        indptr[u + 1] = write
    dup_arcs = total - write
    duplicates = dup_arcs // 2 if symmetric else dup_arcs
    return indptr, indices[:write].copy(), self_loops, duplicates


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
