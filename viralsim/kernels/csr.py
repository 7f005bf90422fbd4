"""Build compressed sparse row (CSR) adjacency from arc lists, in O(n + m)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .memory import huge_copy, huge_empty, huge_zeros, prefetch
from .rng import next_below, seed_stream

_AHEAD = 8  # arcs ahead: fill[] two stages ahead, then the indices slot it points at


@njit(cache=True, inline="always")
def sort_row(indices, a, b):
    """Sort ``indices[a:b]`` in place.  A sorted row costs one scan; otherwise insertion sort from
    the first out-of-order entry, which is O(d) on nearly sorted rows, switching to a full sort
    once it has moved more than 4 d + 64 entries."""
    for j in range(a + 1, b):
        if indices[j] < indices[j - 1]:
            budget = 4 * (b - a) + 64
            for i in range(j, b):
                x = indices[i]
                k = i - 1
                while k >= a and indices[k] > x:
                    indices[k + 1] = indices[k]
                    k -= 1
                indices[k + 1] = x
                budget -= i - k
                if budget < 0:
                    indices[a:b].sort()
                    return
            return


@njit(cache=True)
def csr_from_arcs(n, src, dst, symmetric):
    """CSR of the arcs ``src[i] -> dst[i]`` (and their reverses if ``symmetric``).

    Rows are sorted; self-loops and duplicate arcs are dropped.
    Returns ``(indptr int64[n+1], indices int32[m], self_loops, duplicates)`` where the two
    counts are of input pairs (a symmetric duplicate counts once).

    One counting-sort pass fills each row in input order; then each row is checked and, only
    if out of order, sorted (insertion sort when short or nearly sorted), and adjacent
    duplicates are compacted away.  The generators emit arcs in an order that leaves rows
    sorted or nearly so (pairs in increasing index order, growth models in node order), so
    the check is all they pay: O(n + m) time, one int32 array of m entries.  Arbitrary input
    costs O(d log d) per row of d arcs.
    """
    m_in = src.shape[0]
    counts = huge_zeros(n + 1, np.int64)
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
    indices = huge_empty(total, np.int32)
    fill = huge_copy(counts[:n])
    for i in range(m_in):
        if i + 2 * _AHEAD < m_in:  # the counting sort's writes land at random rows
            prefetch(fill, dst[i + 2 * _AHEAD])
            if symmetric:
                prefetch(fill, src[i + 2 * _AHEAD])
        if i + _AHEAD < m_in:
            prefetch(indices, fill[dst[i + _AHEAD]])
            if symmetric:
                prefetch(indices, fill[src[i + _AHEAD]])
        u = src[i]
        v = dst[i]
        if u == v:
            continue
        indices[fill[u]] = v
        fill[u] += 1
        if symmetric:
            indices[fill[v]] = u
            fill[v] += 1
    # sort rows that need it, then drop duplicates (adjacent now), compacting in place
    indptr = huge_empty(n + 1, np.int64)
    indptr[0] = 0
    write = 0
    for u in range(n):
        a = counts[u]
        b = counts[u + 1]
        sort_row(indices, a, b)
        prev = -1
        if write == a:  # nothing dropped yet: skip the copy while the row has no duplicate
            for j in range(a, b):
                v = indices[j]
                if v == prev:
                    break
                prev = v
                write += 1
            a = write
        for j in range(a, b):
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


@njit(cache=True, inline="always")
def _sort_short(indices, a, b):
    """Sort ``indices[a:b]``: compare-exchange passes (no branch on the data) when short."""
    if b - a > 16:
        sort_row(indices, a, b)
        return
    for i in range(a + 1, b):
        for j in range(i, a, -1):
            x = indices[j - 1]
            y = indices[j]
            indices[j - 1] = min(x, y)
            indices[j] = max(x, y)


@njit(cache=True)
def csr_from_runs(n, ends, own_lower, own_sorted):
    """Symmetric CSR of edges that a generator lists in runs, built without sorting.

    Edge i is ``(r, c) = (ends[2 i], ends[2 i + 1])``; ``r`` never decreases, ``c`` is below
    ``r`` (``own_lower``: Erdős–Rényi's lower triangle, growth models' links to earlier nodes)
    or above it (Chung–Lu's upper triangle) on every edge, and increases within a run of equal
    ``r`` when ``own_sorted`` (otherwise each run is sorted as it ends: a few links of a
    growing node); no pair repeats.  Then row x is its own run's ``c`` and the ``r`` of the
    later or earlier runs that name x (in order), one block below x and one above: a counting
    pass and one placement pass give sorted rows, with none of :func:`csr_from_arcs`' checks
    for order, loops and duplicates.  Returns ``(indptr, indices)``.
    """
    m = ends.shape[0] // 2
    own = huge_zeros(n, np.int32)  # edges in x's own run
    foreign = huge_zeros(n, np.int32)  # edges naming x from another run
    for i in range(m):
        own[ends[2 * i]] += 1
        foreign[ends[2 * i + 1]] += 1
    indptr = huge_empty(n + 1, np.int64)
    fill = huge_empty(n, np.int64)  # next slot for a foreign entry
    indptr[0] = 0
    for x in range(n):
        indptr[x + 1] = indptr[x] + own[x] + foreign[x]
        fill[x] = indptr[x] + own[x] if own_lower else indptr[x]
    indices = huge_empty(indptr[n], np.int32)
    run = -1
    slot = 0
    for i in range(m):
        if i + 2 * _AHEAD < m:  # foreign entries land at random rows
            prefetch(fill, ends[2 * (i + 2 * _AHEAD) + 1])
        if i + _AHEAD < m:
            prefetch(indices, fill[ends[2 * (i + _AHEAD) + 1]])
        r = ends[2 * i]
        c = ends[2 * i + 1]
        if r != run:
            if not own_sorted and run >= 0:
                _sort_short(indices, slot - own[run], slot)
            run = r
            slot = indptr[r] if own_lower else indptr[r] + foreign[r]
        indices[slot] = c
        slot += 1
        indices[fill[c]] = r
        fill[c] += 1
    if not own_sorted and run >= 0:
        _sort_short(indices, slot - own[run], slot)
    return indptr, indices


@njit(cache=True)
def csr_from_directed_runs(n, ends):
    """CSR of arcs that a growth model lists node by node, built without a general sort.

    Arc i is ``a -> b = ends[2 i] -> ends[2 i + 1]`` (a != b); the later end ``max(a, b)``
    never decreases, and no arc repeats.  Row x is then the arcs x made while it was the latest
    node (to earlier nodes: its run, sorted as the run ends) followed by the arcs from x to
    later nodes, which arrive in increasing order.  Returns ``(indptr, indices)``.
    """
    m = ends.shape[0] // 2
    lower = huge_zeros(n, np.int32)  # arcs x -> earlier node
    upper = huge_zeros(n, np.int32)  # arcs x -> later node
    for i in range(m):
        a = ends[2 * i]
        if a > ends[2 * i + 1]:
            lower[a] += 1
        else:
            upper[a] += 1
    indptr = huge_empty(n + 1, np.int64)
    fill = huge_empty(n, np.int64)  # next slot for an arc to a later node
    indptr[0] = 0
    for x in range(n):
        indptr[x + 1] = indptr[x] + lower[x] + upper[x]
        fill[x] = indptr[x] + lower[x]
    indices = huge_empty(indptr[n], np.int32)
    run = -1
    start = 0
    slot = 0
    for i in range(m):
        if i + 2 * _AHEAD < m:  # arcs to later nodes land at random rows
            prefetch(fill, ends[2 * (i + 2 * _AHEAD)])
        if i + _AHEAD < m:
            prefetch(indices, fill[ends[2 * (i + _AHEAD)]])
        a = ends[2 * i]
        b = ends[2 * i + 1]
        r = max(a, b)
        if r != run:
            if run >= 0:
                _sort_short(indices, start, slot)
            run = r
            start = indptr[r]
            slot = start
        if a > b:
            indices[slot] = b
            slot += 1
        else:
            indices[fill[a]] = b
            fill[a] += 1
    if run >= 0:
        _sort_short(indices, start, slot)
    return indptr, indices


@njit(cache=True)
def reverse_csr(n, indptr, indices):
    """The transpose (in-arcs) of a CSR graph, rows sorted."""
    m = indices.shape[0]
    counts = huge_zeros(n + 1, np.int64)
    for j in range(m):
        counts[indices[j] + 1] += 1
    for i in range(n):
        counts[i + 1] += counts[i]
    rindices = huge_empty(m, np.int32)
    fill = huge_copy(counts[:n])
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
