"""Numba kernels for random social graphs, each O(n + m).

Most kernels return their edges as one interleaved ``int32`` array ``ends`` (``ends[2i]``,
``ends[2i + 1]`` are the endpoints of edge or arc ``i``).  Erdős–Rényi, Chung–Lu, the growth
models and the follower graph list them node by node of one triangle, which
:func:`viralsim.kernels.csr.csr_from_runs` (or ``csr_from_directed_runs``) turns into sorted rows
with no sort or check pass; the block model's edges go through the general
:func:`viralsim.kernels.csr.csr_from_arcs`; ``holme_kim`` (with triads) and ``watts_strogatz``
build their CSR themselves.  Randomness comes from the sequential streams of
:mod:`viralsim.kernels.rng`, started from the caller's 64-bit key, so a graph is a pure function
of (key, parameters).

Kernels whose edge count is random allocate ``room`` times the expected count plus 8
standard deviations and return ``(ends, True)``; in the (astronomically rare) case that this
is not enough they return ``(empty, False)`` and the caller reruns them with more room, which
gives the same graph since the draws depend only on the key.  Growing an array inside the hot
loop instead would make numba reload it on every write (about 3x slower).

The dynamic adjacency used by ``holme_kim`` is an arena of one home line per node with
overflow lists bump-allocated above them (see :func:`_adj_init`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .csr import _AHEAD, _sort_short, sort_row
from .memory import huge_empty, huge_zeros, prefetch
from .rng import GOLDEN, geometric_from_exponential, next_below, next_exponential, next_uniform, seed_stream


_HEADER = 4  # a home line starts (count, capacity of the overflow list, its start: low 31 bits, high bits)


@njit(cache=True)
def _line_slots(m):
    """int32 slots of a node's home line: whole 64-byte cache lines holding the header and room
    for about 2 m neighbours (the mean degree), 16 slots for m <= 6."""
    return np.int64(16 * ((2 * m + _HEADER + 15) // 16))


@njit(cache=True)
def _adj_init(n, m, room):
    """An adjacency arena: node x's home line at ``x * slots`` (one cache line for m <= 6), then
    ``room`` times the home region's neighbour room as spare for overflow lists.

    A node's first ``slots - 4`` neighbours live in its home line after the header; the rest
    go to an overflow list at the top of the arena, moved with twice the room when full
    (amortised O(1) per insertion), whose place the header records.  Touching a node (its
    degree, a neighbour, an append) is then one cache miss for most nodes, where a separate
    table of list starts made it two dependent ones.  Returns ``(arena, top, slots)``, ``top``
    being the first free slot.
    """
    slots = _line_slots(m)
    home = n * slots
    arena = huge_empty(home + np.int64(room * n * (slots - _HEADER)) + 16, np.int32)
    for x in range(n):
        arena[x * slots] = 0
        arena[x * slots + 1] = 0
    return arena, home, slots


@njit(cache=True, inline="always")
def _adj_overflow(arena, h):
    """Start of the overflow list of the node whose home line is at ``h``."""
    return (np.int64(arena[h + 3]) << 31) | np.int64(arena[h + 2])


@njit(cache=True, inline="always")
def _adj_get(arena, slots, x, j):
    """Neighbour j of node x."""
    h = x * slots
    if j < slots - _HEADER:
        return arena[h + _HEADER + j]
    return arena[_adj_overflow(arena, h) + j - (slots - _HEADER)]


@njit(cache=True, inline="always")
def _adj_add(arena, top, slots, x, v):
    """Append ``v`` to x's neighbours; returns ``(top, capacity of x's overflow list)``.

    A full overflow list moves to ``top`` with twice the room; the caller makes sure there is
    room (see the module notes on ``room``).
    """
    h = x * slots
    d = arena[h]
    arena[h] = d + 1
    if d < slots - _HEADER:
        arena[h + _HEADER + d] = v
        return top, np.int64(0)
    k = d - (slots - _HEADER)
    cap = np.int64(arena[h + 1])
    s = _adj_overflow(arena, h)
    if k == cap:
        for j in range(k):
            arena[top + j] = arena[s + j]
        s = top
        cap = max(2 * cap, slots - _HEADER)
        arena[h + 1] = cap
        arena[h + 2] = np.int32(top & 0x7FFFFFFF)
        arena[h + 3] = np.int32(top >> 31)
        top += cap
    arena[s + k] = v
    return top, cap


@njit(cache=True)
def _contains(buf, count, v):
    for i in range(count):
        if buf[i] == v:
            return True
    return False


@njit(cache=True)
def preferential_attachment_ends(key, n, m, triangle_prob, star_start, room):
    """Barabási–Albert (``triangle_prob == 0``) or Holme–Kim growth, as in networkx.

    ``star_start``: start from the star on nodes 0..m (networkx ``barabasi_albert_graph``);
    otherwise from m isolated nodes that each appear once in the attachment pool (networkx
    ``powerlaw_cluster_graph``).  Each new node links to m distinct earlier nodes: the first by
    preferential attachment (a uniform entry of the pool of edge endpoints, frozen at the start
    of the node; m candidates are drawn up front, as networkx does, and one already linked is
    replaced by a fresh draw), each further one by a triad step with probability ``triangle_prob`` (a
    uniformly random neighbour of the last PA target not yet linked) or else by PA.

    The work is cache misses at random nodes, so it is arranged for them to overlap: the m
    candidates' pool positions are drawn one node ahead (on their own stream: the frozen
    pool's size is known) and prefetched, their adjacency lines are prefetched as soon as they
    are read, and a node's m appends to its targets' lists come together after its triad steps
    (which never pick the node itself, so they are unaffected).

    Returns ``(pool, offset, arena, complete)``: the edges are ``pool[offset:]``
    (interleaved pairs); when ``triangle_prob > 0`` the arena (see :func:`_adj_init`) holds each
    node's neighbours, its own m targets in the order chosen then the later nodes that linked
    to it, for :func:`growth_csr`.  ``complete`` is False when the arena ran out of ``room``.
    """
    state = np.zeros(1, dtype=np.uint64)
    seed_stream(state, key, 0)
    if star_start:
        first, offset, n_edges = m + 1, 0, m + m * (n - m - 1)
    else:
        first, offset, n_edges = m, m, m * (n - m)
    pool = huge_empty(offset + 2 * n_edges, np.int32)
    track = triangle_prob > 0.0
    arena, top, slots = _adj_init(n if track else 0, m, room)
    max_cap = slots - _HEADER  # the largest overflow list so far
    used = 0
    if star_start:
        for i in range(1, m + 1):  # edge (i, 0): every edge lists its later node first
            pool[used] = i
            pool[used + 1] = 0
            used += 2
            if track:
                if top + 4 * max_cap > arena.shape[0]:
                    return pool[:0], offset, arena, False
                top, cap = _adj_add(arena, top, slots, 0, i)
                max_cap = max(max_cap, cap)
                top, cap = _adj_add(arena, top, slots, i, 0)
    else:
        for i in range(m):
            pool[used] = i
            used += 1
    chosen = np.empty(m, dtype=np.int32)
    candidates = np.empty(m, dtype=np.int32)
    # PA candidates come from their own stream, one node ahead, so that their pool entries are
    # fetched while the node before is being linked
    ahead = np.zeros(1, dtype=np.uint64)
    seed_stream(ahead, key, 1)
    picks = np.empty(m, dtype=np.int64)
    for i in range(m):
        picks[i] = next_below(ahead, used)
    for src in range(first, n):
        frozen = used  # PA draws from the pool as it was before this node
        if track and top + 4 * m * max_cap + 16 > arena.shape[0]:  # room for 2 m adds to move a list
            return pool[:0], offset, arena, False
        for i in range(m):
            candidates[i] = pool[picks[i]]
            picks[i] = next_below(ahead, frozen + 2 * m)  # the next node's, from its frozen pool
            prefetch(pool, picks[i])
        if track:
            for i in range(m):  # their lines will be read (triad steps) and appended to
                prefetch(arena, candidates[i] * slots)
        next_candidate = 0
        count = 0
        target = -1
        while count < m:
            w = -1
            if target >= 0 and track and next_uniform(state) < triangle_prob:
                # target's neighbours: its own m targets, then the nodes that linked to it
                d = arena[target * slots]
                if d > count + 1:  # at most count + 1 neighbours (src and chosen) are invalid
                    while True:
                        w = _adj_get(arena, slots, target, next_below(state, d))
                        if w != src and not _contains(chosen, count, w):
                            break
                else:  # tiny neighbourhood: enumerate the valid ones
                    valid = 0
                    for j in range(d):
                        x = _adj_get(arena, slots, target, j)
                        if x != src and not _contains(chosen, count, x):
                            valid += 1
                    if valid > 0:
                        pick = next_below(state, valid)
                        for j in range(d):
                            x = _adj_get(arena, slots, target, j)
                            if x != src and not _contains(chosen, count, x):
                                if pick == 0:
                                    w = x
                                    break
                                pick -= 1
            if w < 0:  # preferential attachment step: the next candidate, redrawn if taken
                w = candidates[next_candidate]
                next_candidate += 1
                while _contains(chosen, count, w):
                    w = pool[next_below(state, frozen)]
                target = w
            chosen[count] = w
            count += 1
            pool[used] = src
            pool[used + 1] = w
            used += 2
        if track:  # the m appends, after the triad steps, so that their cache misses overlap
            for i in range(m):
                prefetch(arena, chosen[i] * slots)
            for i in range(m):
                top, cap = _adj_add(arena, top, slots, src, chosen[i])
                top, cap = _adj_add(arena, top, slots, chosen[i], src)
                max_cap = max(max_cap, cap)
    return pool, offset, arena, True


@njit(cache=True)
def growth_csr(n, m, star_start, arena):
    """CSR with sorted rows from :func:`preferential_attachment_ends`' arena.

    Row u is u's own m targets (all below u; sorted here) followed by the nodes that linked to
    u (all above u, already increasing: arrival order).
    """
    first = m + 1 if star_start else m
    slots = _line_slots(m)
    indptr = huge_empty(n + 1, np.int64)
    indptr[0] = 0
    indices = huge_empty(2 * (m + m * (n - m - 1) if star_start else m * (n - m)), np.int32)  # every node links m times
    at_home = slots - _HEADER
    for u in range(n):  # one pass over the arena: degrees and rows together
        if u + _AHEAD < n and arena[(u + _AHEAD) * slots] > at_home:  # overflow lists are elsewhere
            prefetch(arena, _adj_overflow(arena, (u + _AHEAD) * slots))
        h = u * slots
        d = np.int64(arena[h])
        a = indptr[u]
        indptr[u + 1] = a + d
        if a + d > indices.shape[0]:
            raise ValueError("growth_csr: more links than m per node")
        for j in range(min(d, at_home)):
            indices[a + j] = arena[h + _HEADER + j]
        if d > at_home:
            s = _adj_overflow(arena, h) - at_home
            for j in range(at_home, d):
                indices[a + j] = arena[s + j]
        if u >= first:
            _sort_short(indices, a, a + m)
    return indptr, indices


@njit(cache=True, inline="always")
def _inv_rate(p):
    """1 / -log(1 - p) for :func:`_next_success` (0 when p == 1: every trial succeeds)."""
    return -1.0 / math.log1p(-p) if p < 1.0 else 0.0


@njit(cache=True, inline="always")
def _next_success(state, pos, inv_rate):
    """Index of the next success after ``pos`` in a run of Bernoulli(p) trials (Batagelj &
    Brandes 2005 skipping; negative past 2^63, which callers read as the end)."""
    return pos + 1 + geometric_from_exponential(next_exponential(state), inv_rate)


@njit(cache=True, inline="always")
def _is_removed(removed, pos):
    return (removed[pos >> 6] >> np.uint64(pos & 63)) & np.uint64(1) != np.uint64(0)


@njit(cache=True, inline="always")
def _slot(key, bits):
    return np.int64((np.uint64(key) * GOLDEN) >> np.uint64(64 - bits))


@njit(cache=True, inline="always")
def _ws_free_slot(n, half, removed, table, bits, u, w):
    """-1 if u and w are linked now (a lattice edge not yet rewired, or a rewired-in edge), else
    the empty slot of the hash set where edge {u, w} goes."""
    if w == u:
        return np.int64(-1)
    diff = w - u if w > u else w - u + n
    if diff <= half and not _is_removed(removed, u * half + diff - 1):
        return np.int64(-1)
    if diff >= n - half and not _is_removed(removed, w * half + (n - diff) - 1):
        return np.int64(-1)
    key = min(u, w) * np.int64(n) + max(u, w)
    mask = (np.int64(1) << bits) - 1
    i = _slot(key, bits)
    while table[i] >= 0:
        if table[i] == key:
            return np.int64(-1)
        i = (i + 1) & mask
    return i


@njit(cache=True)
def watts_strogatz_csr(key, n, k, rewire_prob, room):
    """Watts–Strogatz small world, the networkx ``watts_strogatz_graph`` procedure, as CSR.

    Ring lattice (each node linked to its k/2 nearest on each side); then for j = 1..k/2 and
    each node u in order, with probability ``rewire_prob`` the edge (u, u + j) is replaced by
    (u, w), w uniform among nodes that are not u and not yet linked to u.

    The lattice stays implicit: a bit per lattice edge says whether it was rewired, and the
    rewired-in edges go to an open-addressing hash set, so "is w linked to u?" costs one probe of
    the set (one cache miss) and the rows are written once, at the end, in order.  The set holds
    ``room`` times the expected rewirings plus 8 standard deviations.
    """
    state = np.zeros(1, dtype=np.uint64)
    seed_stream(state, key, 0)
    half = k // 2
    lattice = np.int64(n) * half
    removed = np.zeros((lattice + 63) // 64, dtype=np.uint64)  # bit u * half + j - 1: edge (u, u + j) rewired
    delta = huge_zeros(n, np.int32)  # degree minus k
    expected = rewire_prob * lattice
    cap = min(np.int64(room * (expected + 8.0 * math.sqrt(expected) + 64.0)), lattice)
    added = huge_empty(2 * cap, np.int32)  # rewired-in edges (u, w), in order
    bits = 4
    while (np.int64(1) << bits) < 2 * cap:
        bits += 1
    table = huge_empty(np.int64(1) << bits, np.int64)
    table[:] = -1
    n_added = 0
    if rewire_prob > 0.0:  # lattice edges in rewiring order, (j, u) = (1, 0), (1, 1), ..., by geometric skips
        inv_rate = _inv_rate(rewire_prob)
        t = np.int64(-1)
        while True:
            t = _next_success(state, t, inv_rate)
            if t >= lattice or t < 0:
                break
            j = t // n + 1
            u = t - (j - 1) * n
            w = next_below(state, n)
            slot = _ws_free_slot(n, half, removed, table, bits, u, w)
            while slot < 0:
                w = next_below(state, n)
                if k + delta[u] >= n - 1:
                    break
                slot = _ws_free_slot(n, half, removed, table, bits, u, w)
            if slot >= 0:
                if n_added == cap:
                    return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32), False
                pos = u * half + j - 1
                removed[pos >> 6] |= np.uint64(1) << np.uint64(pos & 63)
                delta[u + j if u + j < n else u + j - n] -= 1
                delta[w] += 1
                table[slot] = min(u, w) * np.int64(n) + max(u, w)
                added[2 * n_added] = u
                added[2 * n_added + 1] = w
                n_added += 1
    table = np.empty(0, dtype=np.int64)  # freed before the CSR is allocated
    indptr = huge_empty(n + 1, np.int64)
    indptr[0] = 0
    for u in range(n):
        indptr[u + 1] = indptr[u] + k + delta[u]
    indices = huge_empty(indptr[n] + 1, np.int32)  # one spare slot: see below
    fill = huge_empty(n, np.int64)  # next free slot of each row, after its lattice neighbours
    for u in range(n):  # lattice neighbours not rewired, in increasing order away from the ring's ends
        a = indptr[u]  # each candidate is written, and kept by moving on: no branch to mispredict;
        for d in range(half, 0, -1):  # a dropped last one lands on the next row's first slot
            v = u - d if u >= d else u - d + n  # (or the spare), written again later
            indices[a] = v
            a += 1 - np.int64(_is_removed(removed, v * half + d - 1))
        for d in range(1, half + 1):
            indices[a] = u + d if u + d < n else u + d - n
            a += 1 - np.int64(_is_removed(removed, u * half + d - 1))
        fill[u] = a
        if u < half or u >= n - half:  # rows that wrap around the ring
            sort_row(indices, indptr[u], a)
    for i in range(2 * n_added):  # rewired-in neighbours, each inserted in order into its row
        if i + 2 * _AHEAD < 2 * n_added:  # rows at random places: load them ahead
            prefetch(fill, added[i + 2 * _AHEAD])
            prefetch(indptr, added[i + 2 * _AHEAD])
        if i + _AHEAD < 2 * n_added:
            prefetch(indices, fill[added[i + _AHEAD]])
        u = added[i]
        w = added[i ^ 1]
        a = indptr[u]
        j = fill[u]
        while j > a and indices[j - 1] > w:
            indices[j] = indices[j - 1]
            j -= 1
        indices[j] = w
        fill[u] += 1
    return indptr, indices[:indptr[n]], True


@njit(cache=True)
def _tri_index(idx):
    """Pair index -> (a, b) with b < a over the lower triangle, in row order."""
    a = np.int64((1.0 + math.sqrt(1.0 + 8.0 * idx)) / 2.0)
    while a * (a - 1) // 2 > idx:
        a -= 1
    while (a + 1) * a // 2 <= idx:
        a += 1
    return a, idx - a * (a - 1) // 2


@njit(cache=True)
def block_pairs_ends(key, sizes, probs, directed, room):
    """Stochastic block model by geometric skipping over each block pair's index space.

    Nodes ``offset[r] .. offset[r] + sizes[r] - 1`` form block r; each unordered pair (ordered
    when ``directed``) of distinct nodes in blocks r, s is an edge (arc r -> s) independently
    with probability ``probs[r, s]``.  One block gives Erdős–Rényi G(n, p).  Block pair
    (r, s) draws from its own stream, so the work is O(n + m) (Batagelj & Brandes 2005).
    """
    n_blocks = sizes.shape[0]
    offsets = np.zeros(n_blocks + 1, dtype=np.int64)
    for r in range(n_blocks):
        offsets[r + 1] = offsets[r] + sizes[r]
    expected = 0.0
    for r in range(n_blocks):
        for s in range(n_blocks):
            if r == s:
                pairs = sizes[r] * (sizes[r] - 1.0)
                expected += probs[r, s] * (pairs if directed else pairs / 2.0)
            elif directed or r < s:
                expected += probs[r, s] * sizes[r] * float(sizes[s])
    capacity = np.int64(room * (expected + 8.0 * math.sqrt(expected) + 64.0))
    ends = huge_empty(2 * capacity, np.int32)
    used = 0
    state = np.zeros(1, dtype=np.uint64)
    for r in range(n_blocks):
        for s in range(n_blocks):
            if not directed and s < r:
                continue
            p = probs[r, s]
            nr = sizes[r]
            ns = sizes[s]
            if r == s:
                total = nr * (nr - 1) if directed else nr * (nr - 1) // 2
            else:
                total = nr * ns
            if p <= 0.0 or total <= 0:
                continue
            seed_stream(state, key, r * n_blocks + s)
            inv_rate = _inv_rate(p)
            idx = np.int64(-1)
            while True:
                idx = _next_success(state, idx, inv_rate)
                if idx >= total or idx < 0:
                    break
                if r != s:
                    a = idx // ns
                    b = idx - a * ns
                elif directed:
                    a = idx // (nr - 1)
                    b = idx - a * (nr - 1)
                    if b >= a:
                        b += 1
                else:
                    a, b = _tri_index(idx)
                if used + 2 > ends.shape[0]:
                    return ends[:0], False
                ends[used] = offsets[r] + a
                ends[used + 1] = offsets[s] + b
                used += 2
    return ends[:used], True


_SMALL_P = 1.0 / 1024.0  # below this, p / -log(1 - p) by its series to p^4 (relative error < 2e-17)


@njit(cache=True, inline="always")
def _chung_lu_trial(state, weights, share, ends, used, u, v, p):
    """One Miller–Hagberg step of row u from candidate v at probability p.

    Jumps to the next candidate (geometric at p), writes the edge (u, v) at ``ends[used]`` and
    keeps it with probability q / p; returns ``(v, p, used)`` for the next step, ``v == n`` once
    the row is done.  The caller makes sure ``ends`` has room for one more edge.
    """
    n = weights.shape[0]
    if p <= 0.0:
        return n, p, used
    if p < 1.0:
        e = next_exponential(state)  # Exp(1), off the chain of jumps
        if p < _SMALL_P:  # p / -log(1 - p) by its series: the chain has no logarithm
            jump = (e / p) * (1.0 - p * (0.5 + p * (1.0 / 12.0 + p * (1.0 / 24.0 + p * (19.0 / 720.0)))))
        else:
            jump = e / -math.log1p(-p)
        if jump >= n - v:
            return n, p, used
        v += np.int64(jump)
    q = min(weights[u] * share[v], 1.0)
    ends[used] = u  # written always, kept if accepted: no branch to mispredict
    ends[used + 1] = v
    used += 2 * np.int64(next_uniform(state) * p < q)
    return v + 1, q, used


@njit(cache=True, inline="always")
def _chung_lu_row(weights, share, r, end):
    """Start of row r in :func:`chung_lu_ends`: ``(first candidate, its probability)``, or
    ``(n, 0.0)`` once the lane's rows end at ``end``."""
    if r >= end:
        return np.int64(weights.shape[0]), 0.0
    return np.int64(r + 1), min(weights[r] * share[r + 1], 1.0)


@njit(cache=True)
def chung_lu_ends(key, weights, room):
    """Chung–Lu graph: edge {u, v} (u != v) with probability min(1, w_u w_v / sum(w)).

    ``weights`` must be sorted in decreasing order; Miller & Hagberg (2011) skipping makes the
    work O(n + m): from v, skip to the next candidate by a geometric jump at the current
    probability p, then keep it with probability q / p (q the candidate's own probability).

    The jumps of a row form one dependent chain (load w_v, then p, then the jump), so latency,
    not arithmetic, is the cost.  Two lanes therefore run at once, each on its own stream and
    its own rows (the first lane's rows, then the second's, split so that their expected work
    is even), and the second lane's edges are moved up behind the first's at the end, which
    keeps the edges in row order for :func:`viralsim.kernels.csr.csr_from_runs`.
    """
    n = weights.shape[0]
    total = 0.0
    for i in range(n):
        total += weights[i]
    state0 = np.zeros(1, dtype=np.uint64)
    state1 = np.zeros(1, dtype=np.uint64)
    seed_stream(state0, key, 0)
    seed_stream(state1, key, 1)
    if total <= 0.0 or n < 2:
        return np.zeros(0, dtype=np.int32), True
    share = huge_empty(n, np.float64)  # w_v / S
    for v in range(n):
        share[v] = weights[v] / total
    # expected edges of row u (an upper bound: min(1, .) dropped): w_u * sum_{v > u} w_v / S;
    # a row's expected work is one trial more than its edges
    expected = 0.0
    upper = 0.0
    for u in range(n - 1, -1, -1):
        expected += weights[u] * upper
        upper += share[u]
    split = 0  # lane 0 takes rows [0, split), lane 1 rows [split, n - 1): even expected work
    expect0 = 0.0
    upper = max(1.0 - share[0], 0.0)
    while split < n - 1 and split + expect0 < 0.5 * (n + expected):
        expect0 += weights[split] * upper
        split += 1
        upper = max(upper - share[split], 0.0)
    expect1 = max(expected - expect0, 0.0)
    cap0 = 2 * np.int64(room * (expect0 + 8.0 * math.sqrt(expect0) + 64.0))
    cap1 = 2 * np.int64(room * (expect1 + 8.0 * math.sqrt(expect1) + 64.0))
    ends = huge_empty(cap0 + cap1, np.int32)
    used0, used1 = 0, cap0
    r0, r1 = 0, split
    v0, p0 = _chung_lu_row(weights, share, r0, split)
    v1, p1 = _chung_lu_row(weights, share, r1, n - 1)
    while r0 < split or r1 < n - 1:
        if used0 + 2 > cap0 or used1 + 2 > cap0 + cap1:
            return ends[:0], False
        if r0 < split:
            v0, p0, used0 = _chung_lu_trial(state0, weights, share, ends, used0, r0, v0, p0)
            if v0 >= n:
                r0 += 1
                v0, p0 = _chung_lu_row(weights, share, r0, split)
        if r1 < n - 1:
            v1, p1, used1 = _chung_lu_trial(state1, weights, share, ends, used1, r1, v1, p1)
            if v1 >= n:
                r1 += 1
                v1, p1 = _chung_lu_row(weights, share, r1, n - 1)
    for i in range(used1 - cap0):  # lane 1's edges behind lane 0's
        ends[used0 + i] = ends[cap0 + i]
    return ends[:used0 + used1 - cap0], True


@njit(cache=True)
def follower_ends(key, n, m, reciprocity, room):
    """Directed follower growth: arcs ``u -> v`` (v follows u), interleaved.

    Account v (in order 0..n-1) follows min(v, m) distinct earlier accounts chosen with
    probability proportional to (followers + 1): the pool holds every account once plus one
    entry per follower it has.  Each follow is returned (u follows v) with probability
    ``reciprocity``.
    """
    state = np.zeros(1, dtype=np.uint64)
    seed_stream(state, key, 0)
    follows = np.int64(0)
    for v in range(n):
        follows += min(v, m)
    expected = follows * (1.0 + reciprocity)
    ends = huge_empty(2 * np.int64(room * (expected + 8.0 * math.sqrt(expected) + 64.0)), np.int32)
    pool = huge_empty(n + 2 * follows, np.int32)
    pooled = 0
    used = 0
    chosen = np.empty(max(m, 1), dtype=np.int32)
    for v in range(n):
        frozen = pooled
        k = min(v, m)
        for i in range(k):
            while True:
                u = pool[next_below(state, frozen)]
                if not _contains(chosen, i, u):
                    break
            chosen[i] = u
            if used + 4 > ends.shape[0]:
                return ends[:0], False
            ends[used] = u
            ends[used + 1] = v
            used += 2
            pool[pooled] = u
            pooled += 1
            if next_uniform(state) < reciprocity:
                ends[used] = v
                ends[used + 1] = u
                used += 2
                pool[pooled] = v
                pooled += 1
        pool[pooled] = v
        pooled += 1
    return ends[:used], True
