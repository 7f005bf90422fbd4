"""The share-cascade kernel: probabilistic (eWOM) cascades and the threshold rule in one engine.

One replicate is a discrete-event simulation over integer time steps with a calendar (bucket)
queue: bucket ``t`` is a FIFO linked list of events in a pool.  Each user posts at most once
(a seed's own post or a share), so each arc carries at most one organic view per replicate and
``n_arcs + n_seeds + n_paid`` entries always suffice.  The caller may give a smaller (O(n)) pool:
a replicate that fills it stops, is flagged, and is rerun with the full bound.

Three ways of deciding shares share the same code:

* cascade, ``queue_all = False`` (fatigue == 1): a view's share coin depends only on the view's
  own time, so it is tossed when the view is generated and only successful views are queued;
  a user's share time is the earliest successful view (Dijkstra-like, lazy deletion, a queued
  candidate is replaced only by a strictly earlier one).  Independent cascade is this path.
* cascade, ``queue_all = True``: every view is queued and decided in time order, so the k-th
  view of a user can be damped by ``fatigue ** (k - 1)``.  With fatigue == 1 it gives exactly
  the same numbers as the fast path (same coins, same FIFO tie order).
* threshold (``mode = 1``): every view is queued; a user shares once the number (or the
  fraction of in-neighbours) of distinct sharers whose posts it has viewed reaches its threshold.

Every random draw is ``uniform(purpose_key, counter)``: organic-view draws are keyed by the arc
``(u, v)`` as ``u * n + v``, paid impressions by their index, per-user draws by the node id.
Results therefore do not depend on thread count or processing order, and replicate ``i`` of two
scenarios sees the same coin on the same arc (common random numbers).

Per-thread buffers are reused across replicates without an O(n) reset: node state is valid
only when its stamp equals the replicate's stamp (``replicate index + 1``), and end-of-run work
walks the list of touched nodes, so each replicate costs O(touched + arcs traversed + steps).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .memory import prefetch
from .rng import binomial, binomial_from_uniform, hash2, seed_stream, uniform

# ---- output layout (the model layer names these) ------------------------------------------
METRIC_NAMES = (
    "reach", "reach_owned", "reach_paid", "reach_earned",
    "impressions", "impressions_owned", "impressions_paid", "impressions_earned",
    "frequency", "shares", "engagements", "engagements_earned", "clicks", "clicks_earned",
    "conversions", "conversions_earned", "depth", "structural_virality",
    "time_to_50pct_h", "time_to_90pct_h", "peak_time_h", "virality_rate", "amplification",
    "k_factor", "seed_posts", "arcs_traversed",
)
SERIES_NAMES = ("reach", "impressions", "impressions_owned", "impressions_paid", "impressions_earned", "shares")
N_METRICS = len(METRIC_NAMES)
N_SERIES = len(SERIES_NAMES)
# metric slots of a metrics row, by name (checked against METRIC_NAMES below)
_M_REACH = 0
_M_REACH_OWNED = 1
_M_REACH_PAID = 2
_M_REACH_EARNED = 3
_M_IMPRESSIONS = 4
_M_IMPRESSIONS_OWNED = 5
_M_IMPRESSIONS_PAID = 6
_M_IMPRESSIONS_EARNED = 7
_M_FREQUENCY = 8
_M_SHARES = 9
_M_ENGAGEMENTS = 10
_M_ENGAGEMENTS_EARNED = 11
_M_CLICKS = 12
_M_CLICKS_EARNED = 13
_M_CONVERSIONS = 14
_M_CONVERSIONS_EARNED = 15
_M_DEPTH = 16
_M_STRUCTURAL_VIRALITY = 17
_M_TIME_TO_50PCT_H = 18
_M_TIME_TO_90PCT_H = 19
_M_PEAK_TIME_H = 20
_M_VIRALITY_RATE = 21
_M_AMPLIFICATION = 22
_M_K_FACTOR = 23
_M_SEED_POSTS = 24
_M_ARCS_TRAVERSED = 25
assert all(globals()[f"_M_{name.upper()}"] == i for i, name in enumerate(METRIC_NAMES))
# series rows: new reach, impressions (summed at the end), impressions of kind k at _S_KIND + k, shares
_S_REACH = 0
_S_IMPRESSIONS = 1
_S_KIND = 2
_S_SHARES = 5
assert SERIES_NAMES[_S_KIND:_S_SHARES] == ("impressions_owned", "impressions_paid", "impressions_earned")

MODE_CASCADE = 0
MODE_THRESHOLD = 1
RULE_COUNT = 0
RULE_FRACTION = 1

# impression kinds (also the first-exposure kind of a reached user)
OWNED = 0
PAID = 1
EARNED = 2

# per-node state columns (int32 each, one 32-byte row per node and thread)
_STAMP = 0
_VIEWS = 1
_EARNED = 2
_FIRST_T = 3
_FIRST_KIND = 4
_FIRST_SEED = 5
_SHARER = 6  # -1: has not shared; -2: a seed waiting for its own post; >= 0: index in the sharer list
_AUX = 7  # fast path: queued candidate time; slow cascade: views decided so far; threshold: sharers viewed
_NSTATE = 8
NODE_STATE_COLUMNS = _NSTATE

_NEVER = 2_000_000_000
_AHEAD = 8  # rows of followers' state prefetched ahead of the arc being processed
_EVENTS_AHEAD = 4  # events ahead whose poster's row of followers is prefetched (full-feed path)

# purpose constants for sub-keys of a replicate key
_P_REACH = 1
_P_DELAY = 2
_P_SHARE = 4
_P_THRESHOLD = 5
_P_FUNNEL = 6
_P_PAID_TARGET = 7
_P_PAID_SHARE = 8
_P_SEED_PICK = 9
_P_ENGAGE = 10


_DEBRUIJN64 = np.uint64(0x03F79D71B4CB0A89)
_DEBRUIJN_INDEX = np.array([
    0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18,
    12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19,
    9, 13, 8, 7, 6], dtype=np.int64)


@njit(cache=True)
def _in_node_order(touched, bits):
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
def _clear_bits(touched, n_touched, bits):
    for i in range(n_touched):
        bits[touched[i] >> 6] = np.uint64(0)


@njit(cache=True)
def _touch(state, v, stamp, aux0, touched, n_touched, bits):
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
def _abandon(state, touched, n_touched, head, bits):
    """Undo a replicate cut short by a full pool, so that its rerun (same stamp) starts clean."""
    for i in range(n_touched):
        state[touched[i], _STAMP] = 0
    _clear_bits(touched, n_touched, bits)
    head[:] = -1


@njit(cache=True)
def _record_view(state, w, tv, kind, seed_idx, series_row):
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
def _push(head, tail, pool_node, pool_src, pool_next, top, t, v, src):
    """Append event (v, src) to the FIFO bucket of step t; return the new pool top.

    ``src`` is the sharer index of the poster whose post v views (>= 0), ``-1 - i`` for seed i's
    own post, or ``-1 - n_seeds - j`` for paid impression j.
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
def _seed_node(key, seeds, i, random_seed, n):
    """Seed i of the replicate keyed ``key``: ``seeds[i]``, or a uniformly random user drawn from
    the key when ``random_seed`` (the percolation setting)."""
    if random_seed:
        return np.int64(uniform(hash2(key, _P_SEED_PICK), i) * n)
    return np.int64(seeds[i])


@njit(cache=True, inline="always")
def _add_sharer(sh_node, sh_parent, sh_seed, sh_root, sh_gen, sh_sub, s, v, parent, seed_idx, seed_post):
    """Enter user v as sharer ``s`` (its post: a seed's own if ``seed_post``, else a share of
    sharer ``parent``'s post, or of a paid post when parent is -1).  Returns 1 if this is a
    first-generation share of a seed's post (amplification), else 0."""
    sh_node[s] = v
    sh_parent[s] = parent
    sh_seed[s] = seed_idx
    sh_sub[s] = 1
    if parent >= 0:
        sh_gen[s] = sh_gen[parent] + 1
        sh_root[s] = sh_root[parent]
        return 1 if sh_gen[parent] == 0 and sh_seed[parent] >= 0 else 0
    sh_gen[s] = 0 if seed_post else 1  # a share off a paid post is generation 1
    sh_root[s] = s
    return 0


@njit(cache=True)
def _finish(
    key, stream, engagement_rate, step_h, t_end, series_row, gen_count, node_counts, record_nodes,
    sh_node, sh_parent, sh_root, sh_gen, sh_sub, n_sharers, seed_posts, from_seed_gen1, arcs_traversed,
    reach, reach_owned, reach_paid, reach_earned, views_total, views_earned,
    clicks, clicks_earned, conversions, conversions_earned, metrics_row,
):
    """End of a replicate, whichever path ran it: engagements, the diffusion-tree metrics, the
    impression totals and reach timing from the series, and the metrics row.  Returns ``t_end``."""
    engagements = 0
    engagements_earned = 0
    if engagement_rate > 0.0:
        seed_stream(stream, hash2(key, _P_ENGAGE), 0)
        engagements_earned = binomial(stream, views_earned, engagement_rate)
        engagements = engagements_earned + binomial(stream, views_total - views_earned, engagement_rate)

    # subtree sizes: a parent always shares before its children, so one reverse pass suffices
    depth = 0
    for s in range(n_sharers - 1, -1, -1):
        p = sh_parent[s]
        if p >= 0:
            sh_sub[p] += sh_sub[s]
    wiener = 0.0  # gen_count[] is all 0 between replicates (cleared after use below)
    pairs = 0.0
    for s in range(n_sharers):
        g = sh_gen[s]
        gen_count[g] += 1
        if g > depth:
            depth = g
        if sh_parent[s] >= 0:
            sub = float(sh_sub[s])
            wiener += sub * (sh_sub[sh_root[s]] - sub)  # pairs this tree edge separates
        else:
            size = float(sh_sub[s])
            pairs += size * (size - 1.0) / 2.0
        if record_nodes:
            node_counts[0, sh_node[s]] += 1
    shares = n_sharers - seed_posts
    impressions = 0
    imp_owned = 0
    imp_paid = 0
    imp_earned = 0
    for t in range(t_end + 1):  # nothing is recorded after t_end
        series_row[_S_IMPRESSIONS, t] = (series_row[_S_KIND + OWNED, t] + series_row[_S_KIND + PAID, t]
                                          + series_row[_S_KIND + EARNED, t])
        impressions += series_row[_S_IMPRESSIONS, t]
        imp_owned += series_row[_S_KIND + OWNED, t]
        imp_paid += series_row[_S_KIND + PAID, t]
        imp_earned += series_row[_S_KIND + EARNED, t]

    # per-step timing of reach
    t50 = np.nan
    t90 = np.nan
    peak = np.nan
    if reach > 0:
        cum = 0
        best = -1
        for t in range(t_end + 1):
            x = series_row[_S_REACH, t]
            cum += x
            if x > best:
                best = x
                peak = t * step_h
            if np.isnan(t50) and cum >= 0.5 * reach:
                t50 = t * step_h
            if np.isnan(t90) and cum >= 0.9 * reach:
                t90 = t * step_h
    kf_sum = 0.0
    kf_terms = 0
    for g in range(depth + 1 if depth == 0 else depth):
        if gen_count[g] > 0:
            children = from_seed_gen1 if g == 0 else gen_count[g + 1]
            kf_sum += children / gen_count[g]
            kf_terms += 1
    for g in range(depth + 2):
        gen_count[g] = 0

    m = metrics_row
    m[_M_REACH] = reach
    m[_M_REACH_OWNED] = reach_owned
    m[_M_REACH_PAID] = reach_paid
    m[_M_REACH_EARNED] = reach_earned
    m[_M_IMPRESSIONS] = impressions
    m[_M_IMPRESSIONS_OWNED] = imp_owned
    m[_M_IMPRESSIONS_PAID] = imp_paid
    m[_M_IMPRESSIONS_EARNED] = imp_earned
    m[_M_FREQUENCY] = impressions / reach if reach > 0 else np.nan
    m[_M_SHARES] = shares
    m[_M_ENGAGEMENTS] = engagements
    m[_M_ENGAGEMENTS_EARNED] = engagements_earned
    m[_M_CLICKS] = clicks
    m[_M_CLICKS_EARNED] = clicks_earned
    m[_M_CONVERSIONS] = conversions
    m[_M_CONVERSIONS_EARNED] = conversions_earned
    m[_M_DEPTH] = depth
    m[_M_STRUCTURAL_VIRALITY] = wiener / pairs if pairs > 0 else np.nan
    m[_M_TIME_TO_50PCT_H] = t50
    m[_M_TIME_TO_90PCT_H] = t90
    m[_M_PEAK_TIME_H] = peak
    m[_M_VIRALITY_RATE] = shares / impressions if impressions > 0 else np.nan
    m[_M_AMPLIFICATION] = from_seed_gen1 / seed_posts if seed_posts > 0 else np.nan
    m[_M_K_FACTOR] = kf_sum / kf_terms if kf_terms > 0 else np.nan
    m[_M_SEED_POSTS] = seed_posts
    m[_M_ARCS_TRAVERSED] = arcs_traversed
    return t_end


@njit(cache=True)
def _one_replicate(
    r, key, indptr, indices, in_degree, segment, affinity, unit_affinity, seeds, seed_steps, random_seed,
    paid_steps, paid_counts, paid_segment, seg_indptr, seg_nodes,
    mode, queue_all, share_prob_by_step, fatigue, feed_reach, delay_cdf, delay_guide, step_h,
    fixed_delay_steps, threshold_rule, threshold_value, engagement_rate, click_rate, conversion_rate,
    stop_after_sharers, state, touched, bits, head, tail, pool_node, pool_src, pool_next,
    sh_node, sh_parent, sh_seed, sh_root, sh_gen, sh_sub, gen_count, stream,
    metrics_row, series_row, reach_seg_row, attribution_row, node_counts, record_nodes,
):
    """Simulate replicate r (key ``key``) with one thread's buffers; write its output rows.

    ``series_row`` is the thread's scratch series (all zero on entry).  Returns the last step with
    anything recorded in it, or -1 (rows incomplete, scratch dirty) if the event pool overflowed;
    the pool always holds the seeds' and paid events, so only views can overflow it.
    """
    n = indptr.shape[0] - 1
    n_steps = share_prob_by_step.shape[0] - 1
    n_seeds = seeds.shape[0]
    stamp = np.int32(r + 1)
    k_reach = hash2(key, _P_REACH)
    k_delay = hash2(key, _P_DELAY)
    k_share = hash2(key, _P_SHARE)
    k_thr = hash2(key, _P_THRESHOLD)
    k_funnel = hash2(key, _P_FUNNEL)
    k_ptarget = hash2(key, _P_PAID_TARGET)
    k_pshare = hash2(key, _P_PAID_SHARE)
    fast = mode == MODE_CASCADE and not queue_all
    aux0 = _NEVER if fast else 0
    # head[] is all -1 between replicates (each drained bucket is cleared; early exits clear all),
    # so a replicate costs O(steps it reaches), not O(horizon)
    n_touched = 0
    n_sharers = 0
    top = 0
    popped = 0
    t_hi = 0  # the latest step with anything recorded in series_row

    # seeds: reserved (they post their own content once, never share others'), post queued
    for i in range(n_seeds):
        v = _seed_node(key, seeds, i, random_seed, n)
        n_touched = _touch(state, v, stamp, aux0, touched, n_touched, bits)
        state[v, _SHARER] = -2
        if seed_steps[i] <= n_steps:
            top = _push(head, tail, pool_node, pool_src, pool_next, top, seed_steps[i], v, -1 - i)

    # paid placements: impression j is a view at its step by a uniformly random user (of a segment)
    jj = 0
    for pi in range(paid_steps.shape[0]):
        tv = paid_steps[pi]
        sg = paid_segment[pi]
        for _ in range(paid_counts[pi]):
            u01 = uniform(k_ptarget, jj)
            if sg < 0:
                w = np.int64(u01 * n)
            else:
                lo = seg_indptr[sg]
                w = np.int64(seg_nodes[lo + np.int64(u01 * (seg_indptr[sg + 1] - lo))])
            n_touched = _touch(state, w, stamp, aux0, touched, n_touched, bits)
            _record_view(state, w, tv, PAID, -1, series_row)
            if tv > t_hi:
                t_hi = tv
            if state[w, _SHARER] == -1:
                if fast:
                    if tv < state[w, _AUX]:
                        if uniform(k_pshare, jj) < share_prob_by_step[tv] * affinity[segment[w]]:
                            state[w, _AUX] = tv
                            top = _push(head, tail, pool_node, pool_src, pool_next, top, tv, w, -1 - n_seeds - jj)
                else:
                    top = _push(head, tail, pool_node, pool_src, pool_next, top, tv, w, -1 - n_seeds - jj)
            jj += 1

    arcs_traversed = 0
    seed_posts = 0
    from_seed_gen1 = 0
    stopped = False
    for t in range(n_steps + 1):
        if stopped or popped == top:
            break  # nothing left in the calendar: later steps would be empty
        if t > t_hi:
            t_hi = t
        e = head[t]
        head[t] = -1
        while e != -1:
            popped += 1
            v = pool_node[e]
            src = pool_src[e]
            e = pool_next[e]
            if e != -1:  # the next event's user: warm its state row and its row of followers
                vn = pool_node[e]
                prefetch(state, vn)
                prefetch(indptr, vn)
                prefetch(indices, indptr[vn])
            parent = -1  # sharer index of the poster whose post was viewed
            seed_post = src < 0 and src >= -n_seeds
            if seed_post:
                seed_idx = -1 - src
                seed_posts += 1
            else:
                if state[v, _SHARER] != -1:
                    continue  # already shared, or a seed: lazy deletion
                if src >= 0:
                    parent = src  # organic events carry the poster's sharer index: no lookup of its row
                if fast:
                    success = True
                elif mode == MODE_CASCADE:
                    k = state[v, _AUX] + 1
                    state[v, _AUX] = k
                    p = share_prob_by_step[t] * affinity[segment[v]]
                    if fatigue != 1.0:
                        p *= math.pow(fatigue, k - 1)
                    if src >= 0:
                        coin = uniform(k_share, np.int64(sh_node[src]) * n + v)
                    else:
                        coin = uniform(k_pshare, -1 - n_seeds - src)
                    success = coin < p
                else:
                    if src < 0:
                        continue  # paid views do not count towards a threshold
                    c = state[v, _AUX] + 1
                    state[v, _AUX] = c
                    if threshold_value < 0.0:
                        u01 = uniform(k_thr, v)
                        if threshold_rule == RULE_FRACTION:
                            success = c >= (1.0 - u01) * in_degree[v]
                        else:
                            success = c >= 1 + np.int64(u01 * in_degree[v])
                    elif threshold_rule == RULE_FRACTION:
                        success = c >= threshold_value * in_degree[v]
                    else:
                        success = c >= threshold_value
                if not success:
                    continue
                seed_idx = sh_seed[parent] if parent >= 0 else -1
                series_row[_S_SHARES, t] += 1
            # v posts at step t
            s = n_sharers
            n_sharers += 1
            state[v, _SHARER] = s
            from_seed_gen1 += _add_sharer(sh_node, sh_parent, sh_seed, sh_root, sh_gen, sh_sub, s, v, parent, seed_idx,
                                          seed_post)
            kind = OWNED if seed_post else EARNED
            if stop_after_sharers > 0 and n_sharers >= stop_after_sharers:
                stopped = True  # truncated replicate: its outcome is already known to the caller
            a0 = indptr[v]
            a1 = indptr[v + 1]
            arcs_traversed += a1 - a0
            for a in range(a0, min(a0 + _AHEAD, a1)):  # followers' rows, _AHEAD arcs ahead
                prefetch(state, indices[a])
            for a in range(a0, a1):
                if a + _AHEAD < a1:
                    prefetch(state, indices[a + _AHEAD])
                w = np.int64(indices[a])
                ctr = np.int64(v) * n + w
                if feed_reach < 1.0:
                    if uniform(k_reach, ctr) >= feed_reach:
                        continue
                if fixed_delay_steps > 0:
                    d = fixed_delay_steps
                else:
                    # inverse CDF of the discretised delay: one uniform, a short binary search
                    u01 = uniform(k_delay, ctr)
                    if u01 >= delay_cdf[n_steps - 1]:
                        continue  # the view would come after the horizon
                    # indexed search (Chen & Asau): the guide points at or below the answer,
                    # the same index as searchsorted(delay_cdf, u01, side="right")
                    i = delay_guide[np.int64(u01 * delay_guide.shape[0])]
                    while delay_cdf[i] <= u01:
                        i += 1
                    d = 1 + i
                tv = t + d
                if tv > n_steps:
                    continue
                n_touched = _touch(state, w, stamp, aux0, touched, n_touched, bits)
                _record_view(state, w, tv, kind, seed_idx, series_row)
                if tv > t_hi:
                    t_hi = tv
                if state[w, _SHARER] != -1:
                    continue
                if fast:
                    if tv < state[w, _AUX]:
                        q = share_prob_by_step[tv]
                        if not unit_affinity:
                            q *= affinity[segment[w]]
                        if uniform(k_share, ctr) < q:
                            if top == pool_node.shape[0]:
                                _abandon(state, touched, n_touched, head, bits)
                                return -1  # pool full: the caller reruns this replicate with a larger pool
                            state[w, _AUX] = tv
                            top = _push(head, tail, pool_node, pool_src, pool_next, top, tv, w, s)
                else:
                    if top == pool_node.shape[0]:
                        _abandon(state, touched, n_touched, head, bits)
                        return -1
                    top = _push(head, tail, pool_node, pool_src, pool_next, top, tv, w, s)
            if stopped:
                break

    if popped != top:  # stopped early with events still queued
        head[:] = -1
    t_end = min(t_hi, n_steps)

    # ---- end of run: reach, funnel (exact, aggregated), tree metrics ----------------------
    reach = 0
    reach_owned = 0
    reach_paid = 0
    reach_earned = 0
    views_total = 0
    views_earned = 0
    clicks = 0
    clicks_earned = 0
    conversions = 0
    conversions_earned = 0
    p_no_conv_log = math.log1p(-conversion_rate) if conversion_rate < 1.0 else -np.inf
    by_segment = reach_seg_row.shape[0] > 1  # else the one segment's reach is the reach
    if n_touched * 16 > n:  # dense: visit in node order (sweep the bitmap)
        _in_node_order(touched, bits)
    else:
        _clear_bits(touched, n_touched, bits)
    for i in range(n_touched):
        if i + _AHEAD < n_touched:
            prefetch(state, touched[i + _AHEAD])
        w = touched[i]
        nv = state[w, _VIEWS]
        if nv == 0:
            continue
        reach += 1
        fk = state[w, _FIRST_KIND]
        if fk == OWNED:
            reach_owned += 1
        elif fk == PAID:
            reach_paid += 1
        else:
            reach_earned += 1
        series_row[_S_REACH, state[w, _FIRST_T]] += 1
        if by_segment:
            reach_seg_row[segment[w]] += 1
        if fk == EARNED and state[w, _FIRST_SEED] >= 0:
            attribution_row[state[w, _FIRST_SEED]] += 1
        ne = state[w, _EARNED]
        views_total += nv
        views_earned += ne
        if click_rate > 0.0:
            # three named uniforms per user: earned clicks, other clicks, conversion
            ctr3 = np.int64(w) * 3
            ce = binomial_from_uniform(uniform(k_funnel, ctr3), ne, click_rate) if ne > 0 else 0
            co = binomial_from_uniform(uniform(k_funnel, ctr3 + 1), nv - ne, click_rate) if nv > ne else 0
            c = ce + co
            clicks += c
            clicks_earned += ce
            if c > 0 and conversion_rate > 0.0:
                # P(at least one of c clicks converts) = 1 - (1 - conversion_rate)^c
                if uniform(k_funnel, ctr3 + 2) < -math.expm1(c * p_no_conv_log):
                    conversions += 1
                    if fk == EARNED:
                        conversions_earned += 1
        if record_nodes:
            node_counts[1, w] += 1
    if not by_segment:
        reach_seg_row[0] += reach
    return _finish(
        key, stream, engagement_rate, step_h, t_end, series_row, gen_count, node_counts, record_nodes,
        sh_node, sh_parent, sh_root, sh_gen, sh_sub, n_sharers, seed_posts, from_seed_gen1, arcs_traversed,
        reach, reach_owned, reach_paid, reach_earned, views_total, views_earned,
        clicks, clicks_earned, conversions, conversions_earned, metrics_row,
    )


@njit(cache=True)
def _one_replicate_full_feed(
    key, indptr, indices, segment, affinity, unit_affinity, seeds, seed_steps, random_seed, share_prob_by_step,
    delay_steps, step_h, engagement_rate, stop_after_sharers, seen, posted, touched, head, tail, pool_node, pool_src,
    pool_next, sh_node, sh_parent, sh_seed, sh_root, sh_gen, sh_sub, gen_count, stream,
    metrics_row, series_row, reach_seg_row, attribution_row, node_counts, record_nodes,
):
    """:func:`_one_replicate` when every post reaches every follower after the same delay
    (feed_reach 1, a fixed delay, fatigue 1, no paid posts and no clicks): the independent
    cascade, with or without decay and affinity.

    Views then arrive in the order they are processed, so a user's first view (reach, its
    kind, step and seed) is settled by one "seen" bit, and a queued share is final, so whether
    a user has posted or is queued is one "posted" bit: two bitmaps of n bits, which stay in
    cache where 32-byte rows per user did not.  Impressions are counted per post.  The coins
    and the order of events are the general path's, so the outputs are identical to it (tests
    assert this).  ``seen`` and ``posted`` are all zero on entry and on return.
    """
    n = indptr.shape[0] - 1
    n_steps = share_prob_by_step.shape[0] - 1
    n_seeds = seeds.shape[0]
    k_share = hash2(key, _P_SHARE)
    by_segment = reach_seg_row.shape[0] > 1
    n_touched = 0
    n_sharers = 0
    top = 0
    popped = 0
    t_hi = 0
    for i in range(n_seeds):  # seeds never share others' posts
        v = _seed_node(key, seeds, i, random_seed, n)
        posted[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        if seed_steps[i] <= n_steps:
            top = _push(head, tail, pool_node, pool_src, pool_next, top, seed_steps[i], v, -1 - i)

    reach_owned = 0
    reach_earned = 0
    views_total = 0
    views_earned = 0
    arcs_traversed = 0
    seed_posts = 0
    from_seed_gen1 = 0
    stopped = False
    for t in range(n_steps + 1):
        if stopped or popped == top:
            break
        if t > t_hi:
            t_hi = t
        e = head[t]
        head[t] = -1
        while e != -1:
            popped += 1
            e_at = e
            v = pool_node[e]
            src = pool_src[e]
            e = pool_next[e]
            # with one delay, events are popped in the order they were queued: warm the rows of
            # followers of the posters 4 and 8 events on (indptr first, then the row it points at)
            if e_at + 2 * _EVENTS_AHEAD < top:
                prefetch(indptr, pool_node[e_at + 2 * _EVENTS_AHEAD])
            if e_at + _EVENTS_AHEAD < top:
                prefetch(indices, indptr[pool_node[e_at + _EVENTS_AHEAD]])
            seed_post = src < 0
            if seed_post:
                seed_idx = -1 - src
                seed_posts += 1
                parent = -1
                kind = OWNED
            else:
                parent = src
                seed_idx = sh_seed[parent]
                series_row[_S_SHARES, t] += 1
                kind = EARNED
            s = n_sharers
            n_sharers += 1
            from_seed_gen1 += _add_sharer(sh_node, sh_parent, sh_seed, sh_root, sh_gen, sh_sub, s, v, parent, seed_idx,
                                          seed_post)
            if stop_after_sharers > 0 and n_sharers >= stop_after_sharers:
                stopped = True
            a0 = indptr[v]
            a1 = indptr[v + 1]
            arcs_traversed += a1 - a0
            tv = t + delay_steps
            if tv <= n_steps and a1 > a0:
                if tv > t_hi:
                    t_hi = tv
                series_row[_S_KIND + kind, tv] += a1 - a0
                views_total += a1 - a0
                if kind == EARNED:
                    views_earned += a1 - a0
                q = share_prob_by_step[tv]
                first_views = n_touched
                for a in range(a0, a1):
                    w = np.int64(indices[a])
                    word = w >> 6
                    bit = np.uint64(1) << np.uint64(w & 63)
                    # w's first view, without a branch (it would be mispredicted about half the time)
                    new = np.int64(((seen[word] >> np.uint64(w & 63)) & np.uint64(1)) ^ np.uint64(1))
                    seen[word] |= bit
                    touched[n_touched] = w
                    n_touched += new
                    if by_segment and new == 1:
                        reach_seg_row[segment[w]] += 1
                    if posted[word] & bit == 0:
                        qw = q
                        if not unit_affinity:
                            qw *= affinity[segment[w]]
                        if uniform(k_share, np.int64(v) * n + w) < qw:
                            if top == pool_node.shape[0]:
                                _clear_full_feed(key, seeds, random_seed, n, seen, posted, touched, n_touched,
                                                 pool_node, top)
                                head[:] = -1
                                return -1
                            posted[word] |= bit
                            top = _push(head, tail, pool_node, pool_src, pool_next, top, tv, w, s)
                first_views = n_touched - first_views
                series_row[_S_REACH, tv] += first_views
                if kind == OWNED:
                    reach_owned += first_views
                else:
                    reach_earned += first_views
                    if seed_idx >= 0:
                        attribution_row[seed_idx] += first_views
            if stopped:
                break

    if popped != top:
        head[:] = -1
    reach = n_touched
    if not by_segment:
        reach_seg_row[0] += reach
    if record_nodes:  # per-thread tallies: only a replicate that completes may add to them
        for i in range(n_touched):
            node_counts[1, touched[i]] += 1
    _clear_full_feed(key, seeds, random_seed, n, seen, posted, touched, n_touched, pool_node, top)
    return _finish(
        key, stream, engagement_rate, step_h, min(t_hi, n_steps), series_row, gen_count, node_counts, record_nodes,
        sh_node, sh_parent, sh_root, sh_gen, sh_sub, n_sharers, seed_posts, from_seed_gen1, arcs_traversed,
        reach, reach_owned, 0, reach_earned, views_total, views_earned, 0, 0, 0, 0, metrics_row,
    )


@njit(cache=True)
def _clear_full_feed(key, seeds, random_seed, n, seen, posted, touched, n_touched, pool_node, top):
    """Zero the bitmaps of a full-feed replicate, finished or cut short by a full pool."""
    if n_touched * 16 > seen.shape[0] * 64:
        seen[:] = 0
    else:
        _clear_bits(touched, n_touched, seen)
    for i in range(top):  # every queued user: seeds' posts and shares
        posted[pool_node[i] >> 6] = np.uint64(0)
    for i in range(seeds.shape[0]):  # and the seeds, some of whose posts may fall after the horizon
        v = _seed_node(key, seeds, i, random_seed, n)
        posted[v >> 6] = np.uint64(0)


@njit(cache=True, parallel=True)
def run_replicates(
    indptr, indices, in_degree, segment, affinity, seeds, seed_steps, random_seed,
    paid_steps, paid_counts, paid_segment, seg_indptr, seg_nodes,
    keys, replicate_ids, n_threads,
    mode, queue_all, share_prob_by_step, fatigue, feed_reach, delay_cdf, delay_guide, step_h,
    fixed_delay_steps, threshold_rule, threshold_value, engagement_rate, click_rate, conversion_rate,
    stop_after_sharers, full_feed, metrics, series, reach_seg, attribution, node_counts, overflow,
    state, touched, bits, pool_node, pool_src, pool_next, sh,
):
    """Run the replicates ``replicate_ids`` in parallel, thread ``th`` taking ids[th], ids[th + T], ...

    Parameters
    ----------
    indptr, indices : CSR of the audience graph (row u = u's followers).
    in_degree : int64 per node (the threshold rule's denominator).
    segment, affinity : int32 segment per node; float64 share multiplier per segment.
    seeds, seed_steps : int64 seed nodes and the step of each seed's own post.
    random_seed : bool; if True each replicate draws its own uniformly random seed(s) from its key.
    paid_steps, paid_counts, paid_segment : int64 per paid placement (segment -1 means anyone).
    seg_indptr, seg_nodes : nodes grouped by segment (for paid targeting).
    keys : uint64 per replicate (all runs); replicate_ids : int64, the replicates to run.
    n_threads : threads (the buffers below have at least this many rows).
    mode, queue_all : MODE_CASCADE or MODE_THRESHOLD; queue every view (needed when fatigue < 1).
    share_prob_by_step : float64 (n_steps + 1,), stickiness x decay at each view step.
    fatigue, feed_reach : floats in [0, 1].
    delay_cdf : float64 (n_steps,), P(delay <= j steps) for j = 1..n_steps (used when fixed_delay_steps is 0).
    delay_guide : int32 (G,), ``searchsorted(delay_cdf, g / G, side="right")`` for g < G: where the
        search for a uniform in [g / G, (g + 1) / G) starts.
    step_h : the step in hours; fixed_delay_steps : a fixed delay in steps, or 0 to draw from delay_cdf.
    threshold_rule, threshold_value : RULE_COUNT or RULE_FRACTION; a fixed threshold or -1 (random).
    engagement_rate, click_rate, conversion_rate : funnel probabilities.
    stop_after_sharers : end a replicate once this many users have posted (0: never); its
        metrics then describe the truncated cascade (used to classify outbreaks as large).
    full_feed : run the full-feed path (:func:`_one_replicate_full_feed`); the caller decides that
        the model allows it (feed_reach 1, a fixed delay, fatigue 1, no paid posts, no clicks).
        ``state`` is then not used and may have 0 rows per thread.
    metrics, series, reach_seg, attribution : outputs for all runs (rows replicate_ids written);
        ``series`` may have 0 rows: the time series are then not kept (each thread works in a
        scratch row, so a replicate's cost does not grow with the horizon).
    overflow : uint8 per run, set to 1 for a replicate whose pool overflowed.
    node_counts : int64 (n_threads, 2, n or 0): per-thread counts of (shared, reached) per node.
    state, touched, pool_node, pool_src, pool_next, sh : per-thread O(n) buffers, allocated once
        per simulation by the caller and reused by every batch of replicates (numpy gives large
        arrays huge pages; allocating them here faulted 4 KiB pages one by one on every call).
        ``state`` int32 (T, n, 8) must be all zero at the first call and keeps working because
        stamps are replicate indices; ``touched`` int32 (T, n + 1); ``pool_*`` int32 (T, cap): the
        event pool, cap >= seeds + paid impressions + 1 (a replicate needing more is flagged in
        ``overflow`` and must be rerun with a larger pool); ``sh`` int32 (T, 6, n); ``bits``
        uint64 (T, 2, ceil(n / 64)), all zero: which nodes a replicate touched (the full-feed path:
        seen and posted).
    """
    n_steps = share_prob_by_step.shape[0] - 1
    head = np.empty((n_threads, n_steps + 1), dtype=np.int32)
    tail = np.empty((n_threads, n_steps + 1), dtype=np.int32)
    gen_count = np.empty((n_threads, n_steps + 2), dtype=np.int64)
    stream = np.empty((n_threads, 1), dtype=np.uint64)
    record_nodes = node_counts.shape[2] > 0
    record_series = series.shape[0] > 0
    unit_affinity = np.all(affinity == 1.0)  # skip a per-arc segment lookup when every multiplier is 1
    scratch = np.zeros((n_threads, series.shape[1], n_steps + 1), dtype=np.int32)
    for th in prange(n_threads):
        head[th, :] = -1
        gen_count[th, :] = 0
        slot = th + 0
        while slot < replicate_ids.shape[0]:
            r = replicate_ids[slot]
            if full_feed:
                t_end = _one_replicate_full_feed(
                    keys[r], indptr, indices, segment, affinity, unit_affinity, seeds, seed_steps, random_seed,
                    share_prob_by_step, fixed_delay_steps, step_h, engagement_rate, stop_after_sharers, bits[th, 0],
                    bits[th, 1], touched[th], head[th], tail[th], pool_node[th], pool_src[th], pool_next[th],
                    sh[th, 0], sh[th, 1], sh[th, 2], sh[th, 3], sh[th, 4], sh[th, 5], gen_count[th],
                    stream[th], metrics[r], scratch[th], reach_seg[r], attribution[r], node_counts[th], record_nodes,
                )
            else:
                t_end = _one_replicate(
                    r, keys[r], indptr, indices, in_degree, segment, affinity, unit_affinity, seeds, seed_steps,
                    random_seed, paid_steps, paid_counts, paid_segment, seg_indptr, seg_nodes,
                    mode, queue_all, share_prob_by_step, fatigue, feed_reach, delay_cdf, delay_guide, step_h,
                    fixed_delay_steps, threshold_rule, threshold_value, engagement_rate, click_rate, conversion_rate,
                    stop_after_sharers, state[th], touched[th], bits[th, 0], head[th], tail[th], pool_node[th],
                    pool_src[th], pool_next[th], sh[th, 0], sh[th, 1], sh[th, 2], sh[th, 3], sh[th, 4], sh[th, 5],
                    gen_count[th], stream[th], metrics[r], scratch[th], reach_seg[r], attribution[r], node_counts[th],
                    record_nodes,
                )
            if t_end < 0:
                overflow[r] = 1
                scratch[th, :, :] = 0
            else:
                if record_series:
                    series[r, :, : t_end + 1] = scratch[th, :, : t_end + 1]
                scratch[th, :, : t_end + 1] = 0
            slot += n_threads
