"""Influence-maximisation kernels: reverse-reachable (RR) sets, greedy coverage, CELF, heuristics.

Arrays in, arrays out; the campaign layer (:mod:`viralsim.campaign.influence`) validates and
orchestrates.  With fatigue 1 and no decay the share cascade is an independent cascade in which
arc ``u -> v`` is *viewed* with probability ``view_prob`` and *live* (viewed and shared) with
probability ``q[v] = view_prob * share_given_view[v]``: the chance depends only on the head
``v``.  Reverse exploration of a node ``w`` therefore samples which of its in-arcs are live by
geometric skipping with the single probability ``q[w]`` (cost proportional to live arcs, not to
the in-degree), or by one coin per arc when ``q[w] >= 1/2``.

RR set ``i`` is a pure function of ``(key, i)``: its draws come from a SplitMix64 stream seeded
by ``hash2(key, i)``.  Sets are produced in *jobs* of consecutive indices; which thread runs a
job, and in which order, changes nothing.  Per-thread ``visited`` rows are stamped with
``i + 1`` (unique per set), so they are never reset.

Trivial sets are counted, not generated.  On sparse graphs with small q most RR sets are
trivial: the posters set ``{v}`` when the root v has no live in-arc, probability
``(1 - q_v)^indeg(v)``; the empty reach set when v has no viewed in-arc, probability
``(1 - view_prob)^indeg(v)``.  Set i draws its root, then one uniform ``u``, and is trivial iff
``u >= thresh[root]`` with ``thresh[v] = 1 -`` that probability; a trivial posters set adds 1 to
a per-node counter ``singles[v]`` (a per-worker row; rows are summed as integers), an empty reach
set only counts toward the number of sets.  Why this is exactly the RR-set distribution: a plain
expansion of the root skips ``g = floor(log(1 - u) / log(1 - p))`` arcs to its first live
(viewed) in-arc, and ``g >= indeg`` iff ``1 - u <= (1 - p)^indeg`` iff ``u >= thresh``.  So the
test draws the very same event from the very same uniform, and a non-trivial set takes its first
in-arc ``min(g, indeg - 1)`` from that ``u`` (the ``min`` only guards rounding), which is the
geometric conditioned on being below ``indeg``; the arcs after it are independent of it and are
sampled as before.  With p < 1/2 (geometric skipping) the sets are therefore identical to those
of the plain sampler (up to the 2^-53 resolution of the uniforms both share); with p >= 1/2
(one coin per arc) the root's first arc now comes from the same inversion and the later arcs
from coins, a different but equally exact draw of the same distribution.  Either way the sets
are a deterministic function of (key, parameters), whatever the thread count.  The same threshold lets the search skip nodes with no live
in-arc after one draw and no logarithm.  Greedy coverage gives node v the extra gain
``singles[v]`` (covering v covers them; no other node's gain changes); empty reach sets are
never covered but count in the denominator.  Cost per trivial set: one hash, two draws and two
node-array accesses (~40-50 ns), instead of generating and storing it (~275 ns).

Objectives (``OBJ_POSTERS``, ``OBJ_REACH``):

* posters: RR(v) = nodes with a live path to the uniform root v (v included);
* reach: RR(v) = union over the *viewed* in-arcs u -> v of posters-RR(u).  v itself is added only
  if the search finds it again (a cycle) and is not expanded: its live in-arcs are a subset of
  its viewed in-arcs, whose sources are already being explored.

Numba caches each module separately; this one imports :mod:`.rng` (delete ``__pycache__`` if
that file changes).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .rng import hash2, next_below, next_uniform, seed_stream, uniform

OBJ_POSTERS = 0
OBJ_REACH = 1

OVERFLOW = -1  # the job's member buffer is full
HIT = -2  # the set met a node of the mask (rr_count_hits stops early: only the indicator matters)
_LOG_HALF = math.log(0.5)


# ---- RR sets ---------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _add(x, visited, stamp, out, base, size, cap, has_mask, mask):
    """Append x to the set unless already there; returns the new size, OVERFLOW or HIT."""
    if visited[x] == stamp:
        return size
    if size >= cap:
        return OVERFLOW  # x is left unstamped: only written members carry the stamp
    visited[x] = stamp
    out[base + size] = x
    if has_mask and mask[x] != 0:
        return HIT
    return size + 1


@njit(cache=True)
def _expand(start, deg, log1m_p, pos, in_indices, state, visited, stamp, out, base, size, cap, has_mask, mask):
    """Add the sources of in-arcs ``start + pos + 1 .. start + deg - 1`` that are live with
    probability p = 1 - exp(log1m_p).

    ``pos`` is -1 for a fresh expansion, or the index of an in-arc already decided live (and
    added) by the caller: the arcs after it are independent of that decision.  Only
    ``log(1 - p)`` is read (0 means p = 0, -inf p = 1).  Returns the new size or a code.
    """
    if log1m_p == 0.0:
        return size
    if log1m_p <= _LOG_HALF:  # p >= 1/2: one coin per arc is cheaper than a logarithm per live arc
        p = -math.expm1(log1m_p)
        for j in range(pos + 1, deg):
            if p >= 1.0 or next_uniform(state) < p:
                size = _add(np.int64(in_indices[start + j]), visited, stamp, out, base, size, cap, has_mask, mask)
                if size < 0:
                    return size
        return size
    while True:
        g = math.floor(math.log(1.0 - next_uniform(state)) / log1m_p)
        if g >= deg:
            return size
        pos += 1 + np.int64(g)
        if pos >= deg:
            return size
        size = _add(np.int64(in_indices[start + pos]), visited, stamp, out, base, size, cap, has_mask, mask)
        if size < 0:
            return size


@njit(cache=True, inline="always")
def _first_arc(u, log1m_p, deg):
    """Index of the first success in ``deg`` Bernoulli(1 - exp(log1m_p)) trials given by the uniform
    ``u``, for ``u`` below ``1 - (1 - p)^deg`` (there is a success): ``floor(log(1 - u) / log(1 - p))``,
    the geometric of a plain expansion, kept below ``deg`` against rounding."""
    if log1m_p == -np.inf:
        return np.int64(0)
    return np.int64(min(math.floor(math.log(1.0 - u) / log1m_p), deg - 1))


@njit(cache=True)
def _expand_live(w, in_indptr, in_indices, log1m_q, live, state, visited, stamp, out, base, size, cap, has_mask,
                 mask):
    """Add the sources of w's live in-arcs (probability ``q[w]``).

    ``live[w] = 1 - (1 - q[w])^indeg(w)``.  With p < 1/2 the first draw ``u`` is compared with
    it: ``u >=`` it iff the first geometric skip passes every arc, so most nodes (no live in-arc)
    cost one draw and no logarithm.
    """
    start = in_indptr[w]
    deg = in_indptr[w + 1] - start
    log1m_p = log1m_q[w]
    if log1m_p == 0.0 or log1m_p <= _LOG_HALF:
        return _expand(start, deg, log1m_p, -1, in_indices, state, visited, stamp, out, base, size, cap,
                       has_mask, mask)
    u = next_uniform(state)
    if u >= live[w]:
        return size
    first = _first_arc(u, log1m_p, deg)
    size = _add(np.int64(in_indices[start + first]), visited, stamp, out, base, size, cap, has_mask, mask)
    if size < 0:
        return size
    return _expand(start, deg, log1m_p, first, in_indices, state, visited, stamp, out, base, size, cap, has_mask,
                   mask)


@njit(cache=True, inline="always")
def rr_root(i, key, n, state):
    """Root of RR set ``i`` and the uniform that decides whether the set is trivial.

    Seeds ``state`` with (key, i); the rest of the set, if any, continues this stream.
    """
    seed_stream(state, key, i)
    root = next_below(state, n)
    return root, next_uniform(state)


@njit(cache=True)
def grow_rr(i, root, u, in_indptr, in_indices, log1m_q, live, log1m_view, objective, state, visited, out, base, cap,
            has_mask, mask):
    """Write the non-trivial RR set ``i`` of ``root`` to ``out[base:base + size]``; returns its size,
    OVERFLOW or HIT.

    The caller has drawn ``u`` below ``thresh[root]`` = P(the root has a live (posters) or viewed
    (reach) in-arc).  The index of the root's first such in-arc is the geometric
    ``floor(log(1 - u) / log(1 - p))``: exactly the first draw of a plain expansion, which is
    ``>= deg`` iff ``u >= thresh``.  So ``u < thresh`` selects the non-trivial sets and the same
    ``u`` gives their first arc, distributed as the geometric truncated to ``[0, deg)``; the later
    arcs are independent of it and are sampled as usual.  ``visited`` (int64) is stamped ``i + 1``.
    """
    stamp = np.int64(i) + 1
    log1m_p = log1m_q[root] if objective == OBJ_POSTERS else log1m_view
    start = in_indptr[root]
    deg = in_indptr[root + 1] - start
    first = _first_arc(u, log1m_p, deg)
    size = np.int64(0)
    if objective == OBJ_POSTERS:
        if cap < 1:
            return OVERFLOW
        visited[root] = stamp
        out[base] = root
        if has_mask and mask[root] != 0:
            return HIT
        size = 1
    size = _add(np.int64(in_indices[start + first]), visited, stamp, out, base, size, cap, has_mask, mask)
    if size < 0:
        return size
    size = _expand(start, deg, log1m_p, first, in_indices, state, visited, stamp, out, base, size, cap, has_mask,
                   mask)
    head = 1 if objective == OBJ_POSTERS else 0
    while 0 <= head < size:
        w = np.int64(out[base + head])
        head += 1
        if objective == OBJ_REACH and w == root:
            continue  # the root found again through a cycle: counted, not expanded
        size = _expand_live(w, in_indptr, in_indices, log1m_q, live, state, visited, stamp, out, base, size, cap,
                            has_mask, mask)
    return size


@njit(cache=True, parallel=True)
def rr_sample_jobs(key, job_first, job_count, stride, cap, in_indptr, in_indices, log1m_q, live, log1m_view, thresh,
                   objective, visited, singles, members, sizes, done, stored, used):
    """Sample RR sets for each job j (indices ``job_first[j] .. + job_count[j] - 1``).

    Trivial sets are counted, not stored: a posters set ``{root}`` adds 1 to
    ``singles[worker, root]``, an empty reach set nothing (it only counts toward ``done``).
    Job j writes the members of its other sets to ``members[j * cap:(j + 1) * cap]`` and their
    sizes to ``sizes[j * stride:]``; it stops at the first set that does not fit and reports the
    sets completed (``done[j]``, trivial ones included), non-trivial sets stored (``stored[j]``)
    and members written (``used[j]``).  ``visited`` (int64, one row per worker) is never reset:
    stamps are set indices + 1.
    """
    n = in_indptr.shape[0] - 1
    n_workers = visited.shape[0]
    n_jobs = job_first.shape[0]
    states = np.zeros((n_workers, 1), dtype=np.uint64)
    no_mask = np.zeros(0, dtype=np.uint8)
    for t in prange(n_workers):
        state = states[t]
        for j in range(t, n_jobs, n_workers):
            base = j * cap
            u_used = np.int64(0)
            d = np.int64(0)
            s_count = np.int64(0)
            for s in range(job_count[j]):
                i = job_first[j] + s
                root, u = rr_root(i, key, n, state)
                if u >= thresh[root]:
                    if objective == OBJ_POSTERS:
                        singles[t, root] += 1
                    d += 1
                    continue
                size = grow_rr(i, root, u, in_indptr, in_indices, log1m_q, live, log1m_view, objective, state,
                               visited[t], members, base + u_used, cap - u_used, False, no_mask)
                if size < 0:
                    # the set is resampled later with the same stamp: unstamp what it wrote
                    for a in range(base + u_used, base + cap):
                        visited[t, members[a]] = 0
                    break
                sizes[j * stride + s_count] = size
                s_count += 1
                u_used += size
                d += 1
            done[j] = d
            stored[j] = s_count
            used[j] = u_used


@njit(cache=True)
def rr_gather(members, sizes, stored, used, stride, cap, set_ptr, set_members, first_set, first_member):
    """Append the stored sets of every job, in job order, to the CSR (set_ptr, set_members)."""
    s_pos = first_set
    m_pos = first_member
    for j in range(stored.shape[0]):
        for s in range(stored[j]):
            m_pos += sizes[j * stride + s]
            s_pos += 1
            set_ptr[s_pos] = m_pos
        src = j * cap
        dst = m_pos - used[j]
        for t in range(used[j]):
            set_members[dst + t] = members[src + t]
    return s_pos, m_pos


@njit(cache=True, parallel=True)
def rr_count_hits(key, first, count, n_workers, in_indptr, in_indices, log1m_q, live, log1m_view, thresh, objective,
                  mask):
    """Number of RR sets ``first .. first + count - 1`` that contain a node with ``mask != 0``
    (the same sets :func:`rr_sample_jobs` draws for these indices)."""
    n = in_indptr.shape[0] - 1
    visited = np.zeros((n_workers, n), dtype=np.int64)
    scratch = np.empty((n_workers, n + 1), dtype=np.int32)
    states = np.zeros((n_workers, 1), dtype=np.uint64)
    hits = np.zeros(n_workers, dtype=np.int64)
    for t in prange(n_workers):
        state = states[t]
        for s in range(t, count, n_workers):
            i = first + s
            root, u = rr_root(i, key, n, state)
            if u >= thresh[root]:
                if objective == OBJ_POSTERS and mask[root] != 0:
                    hits[t] += 1
                continue
            r = grow_rr(i, root, u, in_indptr, in_indices, log1m_q, live, log1m_view, objective, state, visited[t],
                        scratch[t], 0, n + 1, True, mask)
            if r == HIT:
                hits[t] += 1
    return hits.sum()


# ---- coverage greedy ----------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def node_index(n, set_ptr, set_members, n_chunks):
    """Inverted index: CSR (node_ptr, node_sets) listing, per node, the sets containing it (increasing).

    A counting sort over ``n_chunks`` contiguous ranges of sets, counted and filled in parallel:
    chunk c writes its sets after those of chunks < c in every node's list, so the output is the
    same for any ``n_chunks``.
    """
    n_sets = set_ptr.shape[0] - 1
    total = set_ptr[n_sets]
    bounds = np.empty(n_chunks + 1, dtype=np.int64)
    for c in range(n_chunks):
        bounds[c] = np.searchsorted(set_ptr[:n_sets], total * c // n_chunks)
    bounds[0] = 0
    bounds[n_chunks] = n_sets
    counts = np.zeros((n_chunks, n), dtype=np.int64)
    for c in prange(n_chunks):
        for t in range(set_ptr[bounds[c]], set_ptr[bounds[c + 1]]):
            counts[c, set_members[t]] += 1
    node_ptr = np.empty(n + 1, dtype=np.int64)
    acc = np.int64(0)
    for v in range(n):
        node_ptr[v] = acc
        for c in range(n_chunks):
            x = counts[c, v]
            counts[c, v] = acc  # chunk c's first slot in v's list
            acc += x
    node_ptr[n] = acc
    node_sets = np.empty(total, dtype=np.int32)
    for c in prange(n_chunks):
        for s in range(bounds[c], bounds[c + 1]):
            for t in range(set_ptr[s], set_ptr[s + 1]):
                v = set_members[t]
                node_sets[counts[c, v]] = s
                counts[c, v] += 1
    return node_ptr, node_sets


@njit(cache=True, inline="always")
def _before(ka, na, kb, nb):
    """Heap order: larger key first, then lower node index."""
    return ka > kb or (ka == kb and na < nb)


@njit(cache=True)
def _sift_down(hkey, hnode, haux, size, i):
    while True:
        left = 2 * i + 1
        if left >= size:
            return
        best = left
        right = left + 1
        if right < size and _before(hkey[right], hnode[right], hkey[left], hnode[left]):
            best = right
        if not _before(hkey[best], hnode[best], hkey[i], hnode[i]):
            return
        hkey[i], hkey[best] = hkey[best], hkey[i]
        hnode[i], hnode[best] = hnode[best], hnode[i]
        haux[i], haux[best] = haux[best], haux[i]
        i = best


@njit(cache=True)
def _sift_up(hkey, hnode, haux, i):
    while i > 0:
        parent = (i - 1) // 2
        if not _before(hkey[i], hnode[i], hkey[parent], hnode[parent]):
            return
        hkey[i], hkey[parent] = hkey[parent], hkey[i]
        hnode[i], hnode[parent] = hnode[parent], hnode[i]
        haux[i], haux[parent] = haux[parent], haux[i]
        i = parent


@njit(cache=True)
def _heapify(hkey, hnode, haux, size):
    for i in range(size // 2 - 1, -1, -1):
        _sift_down(hkey, hnode, haux, size, i)


@njit(cache=True, inline="always")
def _ratio(gain, cost):
    if gain == 0:
        return 0.0
    if cost == 0.0:
        return np.inf
    return gain / cost


@njit(cache=True)
def greedy_cover(set_ptr, set_members, node_ptr, node_sets, singles, candidates, cost, budget, k, budgeted):
    """Lazy greedy maximum coverage over RR sets.

    The stored sets are (set_ptr, set_members) with the inverted index (node_ptr, node_sets);
    ``singles[v]`` more sets are ``{v}`` alone (counted, not stored).  Covering v covers those
    too and touches no other node's gain, so v's gain is its uncovered stored sets plus
    ``singles[v]``, which stays until v is picked.

    Unit costs (``budgeted`` False): pick ``k`` candidates, each maximising the number of newly
    covered sets (ties: lower node index; zero-gain picks fill up to k).  Budgeted: repeatedly
    pick the affordable candidate maximising newly covered sets / cost (cost 0 first), skipping
    zero gains, until nothing affordable helps.  Gains only decrease, so a popped entry whose
    stored gain equals the current one is the exact maximum (the others are upper bounds).

    Returns (chosen nodes, covered sets after each pick, total cost).
    """
    n_sets = set_ptr.shape[0] - 1
    n_cand = candidates.shape[0]
    gain = np.empty(node_ptr.shape[0] - 1, dtype=np.int64)
    for v in range(gain.shape[0]):
        gain[v] = node_ptr[v + 1] - node_ptr[v] + singles[v]
    covered = np.zeros(n_sets, dtype=np.uint8)
    hkey = np.empty(n_cand, dtype=np.float64)
    hnode = np.empty(n_cand, dtype=np.int64)
    haux = np.empty(n_cand, dtype=np.int64)
    for i in range(n_cand):
        v = candidates[i]
        hnode[i] = v
        haux[i] = gain[v]
        hkey[i] = _ratio(gain[v], cost[v]) if budgeted else float(gain[v])
    size = n_cand
    _heapify(hkey, hnode, haux, size)
    limit = n_cand if budgeted else min(k, n_cand)
    chosen = np.empty(limit, dtype=np.int64)
    trace = np.empty(limit, dtype=np.int64)
    n_chosen = 0
    n_covered = np.int64(0)
    spent = 0.0
    while size > 0 and n_chosen < limit:
        v = hnode[0]
        if haux[0] != gain[v]:  # stale: refresh and sift
            haux[0] = gain[v]
            hkey[0] = _ratio(gain[v], cost[v]) if budgeted else float(gain[v])
            _sift_down(hkey, hnode, haux, size, 0)
            continue
        # fresh maximum: take it out of the heap
        size -= 1
        hkey[0] = hkey[size]
        hnode[0] = hnode[size]
        haux[0] = haux[size]
        _sift_down(hkey, hnode, haux, size, 0)
        if budgeted:
            if gain[v] == 0:
                break  # every remaining gain is 0 too
            if spent + cost[v] > budget:
                continue  # never affordable again: the budget left only shrinks
            spent += cost[v]
        n_covered += singles[v]
        for t in range(node_ptr[v], node_ptr[v + 1]):
            s = node_sets[t]
            if covered[s] == 0:
                covered[s] = 1
                n_covered += 1
                for a in range(set_ptr[s], set_ptr[s + 1]):
                    gain[set_members[a]] -= 1
        chosen[n_chosen] = v
        trace[n_chosen] = n_covered
        n_chosen += 1
    return chosen[:n_chosen].copy(), trace[:n_chosen].copy(), spent


# ---- CELF over sampled live-edge worlds -----------------------------------------------------------


@njit(cache=True)
def _world_gain(x, wkey, indptr, indices, q, view_prob, objective, active, reached, mark, rmark, stamp, queue,
                commit):
    """Marginal gain of seeding x in one world (active/reached: that world's state); commit applies it.

    Arc a = (u -> v) has one uniform c = uniform(wkey, a): viewed iff c < view_prob, live (viewed
    and shared) iff c < q[v] (q[v] <= view_prob), exactly the engine's independent coins.
    """
    if active[x] != 0:
        return np.int64(0)
    queue[0] = x
    mark[x] = stamp
    tail = 1
    head = 0
    gain = np.int64(0)
    while head < tail:
        u = queue[head]
        head += 1
        if objective == OBJ_POSTERS:
            gain += 1
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            c = uniform(wkey, a)
            if objective == OBJ_REACH and c < view_prob and reached[v] == 0 and rmark[v] != stamp:
                rmark[v] = stamp
                gain += 1
            if c < q[v] and active[v] == 0 and mark[v] != stamp:
                mark[v] = stamp
                queue[tail] = v
                tail += 1
    if commit:
        for i in range(tail):
            u = queue[i]
            active[u] = 1
            if objective == OBJ_REACH:
                for a in range(indptr[u], indptr[u + 1]):
                    if uniform(wkey, a) < view_prob:
                        reached[indices[a]] = 1
    return gain


@njit(cache=True, parallel=True)
def _sum_gains(x, wkeys, indptr, indices, q, view_prob, objective, active, reached, mark, rmark, stamps, queue,
               commit):
    """Sum over worlds of the marginal gain of x (integers: the same for any thread count)."""
    n_workers = mark.shape[0]
    n_worlds = wkeys.shape[0]
    part = np.zeros(n_workers, dtype=np.int64)
    for t in prange(n_workers):
        for w in range(t, n_worlds, n_workers):
            stamps[t] += 1
            part[t] += _world_gain(x, wkeys[w], indptr, indices, q, view_prob, objective, active[w], reached[w],
                                   mark[t], rmark[t], stamps[t], queue[t], commit)
    return part.sum()


@njit(cache=True)
def _materialise_world(wkey, indptr, indices, q, view_prob, objective, lptr, lind, llive):
    """The arcs of one world that matter, as a CSR: viewed arcs (reach) or live arcs (posters),
    with a live flag.  Same coins as :func:`_world_gain`."""
    n = indptr.shape[0] - 1
    top = 0
    lptr[0] = 0
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            c = uniform(wkey, a)
            if c < q[v] or (objective == OBJ_REACH and c < view_prob):
                lind[top] = v
                llive[top] = 1 if c < q[v] else 0
                top += 1
        lptr[u + 1] = top


@njit(cache=True)
def _single_gain(x, lptr, lind, llive, objective, mark, rmark, stamp, queue):
    """Objective of the single seed x in a materialised world (nothing else seeded)."""
    queue[0] = x
    mark[x] = stamp
    tail = 1
    head = 0
    gain = np.int64(0)
    while head < tail:
        u = queue[head]
        head += 1
        if objective == OBJ_POSTERS:
            gain += 1
        for a in range(lptr[u], lptr[u + 1]):
            v = lind[a]
            if objective == OBJ_REACH and rmark[v] != stamp:
                rmark[v] = stamp
                gain += 1
            if llive[a] != 0 and mark[v] != stamp:
                mark[v] = stamp
                queue[tail] = v
                tail += 1
    return gain


@njit(cache=True, parallel=True)
def _initial_gains(candidates, wkeys, indptr, indices, q, view_prob, objective, mark, rmark, stamps, queue):
    """Sum over worlds of each candidate's single-seed objective; each worker materialises its
    worlds' relevant arcs once (one coin per arc) and searches only those."""
    n = indptr.shape[0] - 1
    m = indices.shape[0]
    n_workers = mark.shape[0]
    n_worlds = wkeys.shape[0]
    part = np.zeros((n_workers, candidates.shape[0]), dtype=np.int64)
    lptr = np.empty((n_workers, n + 1), dtype=np.int64)
    lind = np.empty((n_workers, m), dtype=np.int32)
    llive = np.empty((n_workers, m), dtype=np.uint8)
    for t in prange(n_workers):
        for w in range(t, n_worlds, n_workers):
            _materialise_world(wkeys[w], indptr, indices, q, view_prob, objective, lptr[t], lind[t], llive[t])
            for i in range(candidates.shape[0]):
                stamps[t] += 1
                part[t, i] += _single_gain(candidates[i], lptr[t], lind[t], llive[t], objective, mark[t], rmark[t],
                                           stamps[t], queue[t])
    out = np.zeros(candidates.shape[0], dtype=np.int64)
    for t in range(n_workers):
        out += part[t]
    return out


@njit(cache=True)
def celf(candidates, k, wkeys, indptr, indices, q, view_prob, objective, n_workers):
    """CELF lazy-forward greedy over the sampled worlds ``wkeys``; returns (seeds, total gain after each pick).

    Gains are integer sums over worlds, each world's coverage is submodular, so a popped entry
    refreshed in the current round is the exact maximum (ties: lower node index).
    """
    n = indptr.shape[0] - 1
    n_worlds = wkeys.shape[0]
    active = np.zeros((n_worlds, n), dtype=np.uint8)
    reached = np.zeros((n_worlds, n if objective == OBJ_REACH else 0), dtype=np.uint8)  # posters: unused
    mark = np.zeros((n_workers, n), dtype=np.int64)
    rmark = np.zeros((n_workers, n), dtype=np.int64)
    stamps = np.zeros(n_workers, dtype=np.int64)
    queue = np.empty((n_workers, n), dtype=np.int64)
    g0 = _initial_gains(candidates, wkeys, indptr, indices, q, view_prob, objective, mark, rmark, stamps, queue)
    n_cand = candidates.shape[0]
    hkey = np.empty(n_cand, dtype=np.float64)
    hnode = candidates.copy()
    hround = np.zeros(n_cand, dtype=np.int64)
    for i in range(n_cand):
        hkey[i] = float(g0[i])
    size = n_cand
    _heapify(hkey, hnode, hround, size)
    chosen = np.empty(k, dtype=np.int64)
    trace = np.empty(k, dtype=np.int64)
    total = np.int64(0)
    picks = 0
    while picks < k and size > 0:
        v = hnode[0]
        if hround[0] != picks:
            g = _sum_gains(v, wkeys, indptr, indices, q, view_prob, objective, active, reached, mark, rmark, stamps,
                           queue, False)
            hkey[0] = float(g)
            hround[0] = picks
            _sift_down(hkey, hnode, hround, size, 0)
            continue
        g = _sum_gains(v, wkeys, indptr, indices, q, view_prob, objective, active, reached, mark, rmark, stamps,
                       queue, True)
        total += g
        chosen[picks] = v
        trace[picks] = total
        picks += 1
        size -= 1
        hkey[0] = hkey[size]
        hnode[0] = hnode[size]
        hround[0] = hround[size]
        _sift_down(hkey, hnode, hround, size, 0)
    return chosen[:picks].copy(), trace[:picks].copy()


@njit(cache=True)
def world_keys(key, count):
    out = np.empty(count, dtype=np.uint64)
    for w in range(count):
        out[w] = hash2(key, w)
    return out


# ---- heuristics --------------------------------------------------------------------------------------


@njit(cache=True)
def pagerank(indptr, indices, in_degree, damping, tol, max_iter):
    """Power iteration where rank flows from a follower v to each account v follows (against arcs).

    A node that follows nobody is dangling: its rank is spread uniformly (as networkx does).
    Row u of the forward CSR lists u's followers, so u pulls ``x[v] / in_degree[v]`` from each:
    every entry is written by one iteration, and sums are taken serially (thread-independent).
    Returns (ranks, iterations used; -1 if not converged).
    """
    n = indptr.shape[0] - 1
    x = np.full(n, 1.0 / n)
    new = np.empty(n)
    share = np.empty(n)
    for it in range(max_iter):
        dangling = 0.0
        for v in range(n):
            if in_degree[v] == 0:
                dangling += x[v]
                share[v] = 0.0
            else:
                share[v] = x[v] / in_degree[v]
        base = damping * dangling / n + (1.0 - damping) / n
        for u in range(n):
            acc = 0.0
            for a in range(indptr[u], indptr[u + 1]):
                acc += share[indices[a]]
            new[u] = damping * acc + base
        err = 0.0
        for v in range(n):
            err += abs(new[v] - x[v])
        x, new = new, x
        if err < n * tol:
            return x, it + 1
    return x, -1


@njit(cache=True)
def core_numbers(indptr, indices, in_indptr, in_indices, directed):
    """Batagelj–Zaversnik O(m) core decomposition.

    Undirected: neighbours are the CSR row.  Directed: the multigraph of both directions (out-
    and in-neighbours, a reciprocal pair counting twice), as networkx's core_number on a DiGraph.
    """
    n = indptr.shape[0] - 1
    deg = np.empty(n, dtype=np.int64)
    for v in range(n):
        deg[v] = indptr[v + 1] - indptr[v]
        if directed:
            deg[v] += in_indptr[v + 1] - in_indptr[v]
    max_deg = 0
    for v in range(n):
        if deg[v] > max_deg:
            max_deg = deg[v]
    bin_start = np.zeros(max_deg + 2, dtype=np.int64)
    for v in range(n):
        bin_start[deg[v] + 1] += 1
    for d in range(max_deg + 1):
        bin_start[d + 1] += bin_start[d]
    pos = np.empty(n, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    fill = bin_start.copy()
    for v in range(n):
        pos[v] = fill[deg[v]]
        order[pos[v]] = v
        fill[deg[v]] += 1
    for i in range(n):
        v = order[i]
        for side in range(2 if directed else 1):
            ptr = indptr if side == 0 else in_indptr
            ind = indices if side == 0 else in_indices
            for a in range(ptr[v], ptr[v + 1]):
                u = ind[a]
                if deg[u] > deg[v]:
                    du = deg[u]
                    pu = pos[u]
                    pw = bin_start[du]
                    w = order[pw]
                    if u != w:
                        pos[u] = pw
                        order[pu] = w
                        pos[w] = pu
                        order[pw] = u
                    bin_start[du] += 1
                    deg[u] -= 1
    return deg


@njit(cache=True)
def degree_discount(indptr, indices, candidates, is_candidate, k, p):
    """DegreeDiscountIC (Chen, Wang & Yang 2009) with d_v = followers (out-degree) and t_v = chosen
    seeds among the accounts v follows: dd_v = d_v - 2 t_v - (d_v - t_v) t_v p.

    A heap with lazy deletion (an entry is valid while its recorded t_v is current), exact for any
    change of dd (dd is not monotone in t_v on directed graphs); ties by lower node index.
    """
    n = indptr.shape[0] - 1
    n_cand = candidates.shape[0]
    t = np.zeros(n, dtype=np.int64)
    chosen_flag = np.zeros(n, dtype=np.uint8)
    cap = n_cand + indptr[n] + 1
    hkey = np.empty(cap, dtype=np.float64)
    hnode = np.empty(cap, dtype=np.int64)
    haux = np.empty(cap, dtype=np.int64)
    for i in range(n_cand):
        v = candidates[i]
        hkey[i] = float(indptr[v + 1] - indptr[v])
        hnode[i] = v
        haux[i] = 0
    size = n_cand
    _heapify(hkey, hnode, haux, size)
    chosen = np.empty(k, dtype=np.int64)
    picks = 0
    while picks < k and size > 0:
        v = hnode[0]
        valid = haux[0] == t[v] and chosen_flag[v] == 0
        size -= 1
        hkey[0] = hkey[size]
        hnode[0] = hnode[size]
        haux[0] = haux[size]
        _sift_down(hkey, hnode, haux, size, 0)
        if not valid:
            continue
        chosen[picks] = v
        picks += 1
        chosen_flag[v] = 1
        for a in range(indptr[v], indptr[v + 1]):
            w = np.int64(indices[a])
            t[w] += 1
            if is_candidate[w] != 0 and chosen_flag[w] == 0:
                d = indptr[w + 1] - indptr[w]
                tw = t[w]
                hkey[size] = d - 2 * tw - (d - tw) * tw * p
                hnode[size] = w
                haux[size] = tw
                size += 1
                _sift_up(hkey, hnode, haux, size - 1)
    return chosen[:picks].copy()


@njit(cache=True)
def take_in_order(fees, budget):
    """Which of the accounts (fees in rank order) a budget buys, each taken when its fee still fits."""
    take = np.zeros(fees.shape[0], dtype=np.bool_)
    left = budget
    for i in range(fees.shape[0]):
        if fees[i] <= left:
            take[i] = True
            left -= fees[i]
    return take
