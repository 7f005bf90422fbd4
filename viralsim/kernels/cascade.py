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

A replicate runs in phases: the seeds' posts are queued (:func:`_queue_seeds`), paid
impressions are placed (:func:`_place_paid`), the calendar is drained step by step (each view
decided by :func:`_decide`, each post fanned out to the poster's followers in the loop itself),
and the touched users give reach and the funnel (:func:`_reach_and_funnel`); :func:`.tree.finish`
turns the tallies and the sharer list into the metrics row.  The full-feed path
(:mod:`.full_feed`) replaces the per-user rows by two bitmaps.  The inputs come in the
structures of :mod:`.layout`, unpacked once per replicate: in the event loop numba would
reference-count every array taken out of a tuple, and a call passing many arrays is not free
either (both measured: 20-100% slower), so the fan-out loop stays in the event loop.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .layout import (  # noqa: F401  (re-exported: the model layer reads the layout from here)
    _AHEAD, _AUX, _EARNED, _FIRST_KIND, _FIRST_SEED, _FIRST_T, _NEVER, _P_DELAY, _P_ENGAGE, _P_FUNNEL, _P_PAID_SHARE,
    _P_PAID_TARGET, _P_REACH, _P_SEED_PICK, _P_SHARE, _P_THRESHOLD, _S_IMPRESSIONS, _S_KIND, _S_REACH, _S_SHARES,
    _SHARER, _STAMP, _VIEWS, EARNED, METRIC_NAMES, MODE_CASCADE, MODE_THRESHOLD, N_METRICS, N_SERIES, N_TALLY,
    NODE_STATE_COLUMNS, OWNED, PAID, RULE_COUNT, RULE_FRACTION, SERIES_NAMES, T_ARCS_TRAVERSED, T_CLICKS,
    T_CLICKS_EARNED, T_CONVERSIONS, T_CONVERSIONS_EARNED, T_FROM_SEED_GEN1, T_REACH, T_REACH_OWNED, T_SEED_POSTS,
    T_SHARERS, T_VIEWS, T_VIEWS_EARNED, Buffers, CascadeGraph, Outputs, Rules, Seeding,
)
from .buffers import abandon, clear_bits, in_node_order, push, record_view, seed_node, thread_scratch, touch
from .full_feed import one_replicate_full_feed
from .memory import prefetch
from .rng import binomial_from_uniform, hash2, uniform
from .tree import SH_NODE, SH_PARENT, SH_ROWS, SH_SEED, SH_STEP, add_sharer, finish  # noqa: F401 (SH_ROWS re-exported)


@njit(cache=True)
def _queue_seeds(key, seeding, n, n_steps, state, stamp, aux0, touched, bits, q):
    """Reserve the seeds (they post their own content once, never share others') and queue their
    posts; returns (pool top, touched count)."""
    seeds, seed_steps = seeding.seeds, seeding.seed_steps
    head, tail, pool_node, pool_src, pool_next = q
    n_touched = 0
    top = 0
    for i in range(seeds.shape[0]):
        v = seed_node(key, seeds, i, seeding.random_seed, n, seeding.seed_pool)
        n_touched = touch(state, v, stamp, aux0, touched, n_touched, bits)
        state[v, _SHARER] = -2
        if seed_steps[i] <= n_steps:
            top = push(head, tail, pool_node, pool_src, pool_next, top, seed_steps[i], v, -1 - i)
    return top, n_touched


@njit(cache=True)
def _place_paid(key, seeding, rules, segment, n, state, stamp, fast, aux0, touched, n_touched, bits, q, top,
                series_row):
    """Paid impression j: a view at its placement's step by a uniformly random user (of a segment),
    recorded now; a share chance queued as for an organic view.  Returns (top, touched, last step)."""
    k_ptarget = hash2(key, _P_PAID_TARGET)
    k_pshare = hash2(key, _P_PAID_SHARE)
    head, tail, pool_node, pool_src, pool_next = q
    share_prob, affinity = rules.share_prob_by_step, rules.affinity
    n_seeds = seeding.seeds.shape[0]
    seg_indptr, seg_nodes = seeding.seg_indptr, seeding.seg_nodes
    t_hi = 0
    jj = 0
    for pi in range(seeding.paid_steps.shape[0]):
        tv = seeding.paid_steps[pi]
        sg = seeding.paid_segment[pi]
        for _ in range(seeding.paid_counts[pi]):
            u01 = uniform(k_ptarget, jj)
            if sg < 0:
                w = np.int64(u01 * n)
            else:
                lo = seg_indptr[sg]
                w = np.int64(seg_nodes[lo + np.int64(u01 * (seg_indptr[sg + 1] - lo))])
            n_touched = touch(state, w, stamp, aux0, touched, n_touched, bits)
            record_view(state, w, tv, PAID, -1, series_row)
            if tv > t_hi:
                t_hi = tv
            if state[w, _SHARER] == -1:
                if fast:
                    if tv < state[w, _AUX]:
                        if uniform(k_pshare, jj) < share_prob[tv] * affinity[segment[w]]:
                            state[w, _AUX] = tv
                            top = push(head, tail, pool_node, pool_src, pool_next, top, tv, w, -1 - n_seeds - jj)
                else:
                    top = push(head, tail, pool_node, pool_src, pool_next, top, tv, w, -1 - n_seeds - jj)
            jj += 1
    return top, n_touched, t_hi


@njit(cache=True, inline="always")
def _decide(mode, fast, share_prob, affinity, segment, fatigue, threshold_rule, threshold_value, in_degree, state, v,
            src, t, n, n_seeds, sh_node, k_share, k_pshare, k_thr):
    """Whether user v shares on this view (``src``: the post's sharer index, or a paid impression)."""
    if fast:
        return True  # only successful views were queued
    if mode == MODE_CASCADE:
        k = state[v, _AUX] + 1
        state[v, _AUX] = k
        p = share_prob[t] * affinity[segment[v]]
        if fatigue != 1.0:
            p *= math.pow(fatigue, k - 1)
        if src >= 0:
            coin = uniform(k_share, np.int64(sh_node[src]) * n + v)
        else:
            coin = uniform(k_pshare, -1 - n_seeds - src)
        return coin < p
    if src < 0:
        return False  # paid views do not count towards a threshold
    c = state[v, _AUX] + 1
    state[v, _AUX] = c
    if threshold_value < 0.0:
        u01 = uniform(k_thr, v)
        if threshold_rule == RULE_FRACTION:
            return c >= (1.0 - u01) * in_degree[v]
        return c >= 1 + np.int64(u01 * in_degree[v])
    if threshold_rule == RULE_FRACTION:
        return c >= threshold_value * in_degree[v]
    return c >= threshold_value


@njit(cache=True)
def _reach_and_funnel(key, rules, segment, state, touched, n_touched, bits, series_row, reach_seg_row,
                      attribution_row, node_counts, record_nodes, tally):
    """End of run over the touched users: reach (by first-exposure kind, segment, seed), views,
    and the funnel (clicks and conversions drawn exactly from each user's view counts)."""
    n = segment.shape[0]
    click_rate, conversion_rate = rules.click_rate, rules.conversion_rate
    k_funnel = hash2(key, _P_FUNNEL)
    p_no_conv_log = math.log1p(-conversion_rate) if conversion_rate < 1.0 else -np.inf
    by_segment = reach_seg_row.shape[0] > 1  # else the one segment's reach is the reach
    if n_touched * 16 > n:  # dense: visit in node order (sweep the bitmap)
        in_node_order(touched, bits)
    else:
        clear_bits(touched, n_touched, bits)
    reach = 0
    reach_owned = 0
    reach_paid = 0
    views = 0
    views_earned = 0
    clicks = 0
    clicks_earned = 0
    conversions = 0
    conversions_earned = 0
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
        series_row[_S_REACH, state[w, _FIRST_T]] += 1
        if by_segment:
            reach_seg_row[segment[w]] += 1
        if fk == EARNED and state[w, _FIRST_SEED] >= 0:
            attribution_row[state[w, _FIRST_SEED]] += 1
        ne = state[w, _EARNED]
        views += nv
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
    tally[T_REACH] = reach
    tally[T_REACH_OWNED + OWNED] = reach_owned
    tally[T_REACH_OWNED + PAID] = reach_paid
    tally[T_REACH_OWNED + EARNED] = reach - reach_owned - reach_paid
    tally[T_VIEWS] = views
    tally[T_VIEWS_EARNED] = views_earned
    tally[T_CLICKS] = clicks
    tally[T_CLICKS_EARNED] = clicks_earned
    tally[T_CONVERSIONS] = conversions
    tally[T_CONVERSIONS_EARNED] = conversions_earned


@njit(cache=True)
def _one_replicate(r, key, graph, seeding, rules, state, touched, bits, q, sh, stream, tally, series_row,
                   metrics_row, reach_seg_row, attribution_row, node_counts, record_nodes):
    """Simulate replicate r (key ``key``) with one thread's buffers; write its output rows.

    ``series_row`` is the thread's scratch series (all zero on entry).  Returns the last step with
    anything recorded in it, or -1 (rows incomplete, scratch dirty) if the event pool overflowed;
    the pool always holds the seeds' and paid events, so only views can overflow it.
    """
    # the structures are unpacked once here: in the event loop numba would reference-count every
    # array taken out of them
    indptr, indices, in_degree, segment = graph
    share_prob, affinity, unit_affinity = rules.share_prob_by_step, rules.affinity, rules.unit_affinity
    mode, fatigue, feed_reach = rules.mode, rules.fatigue, rules.feed_reach
    delay_cdf, delay_guide, fixed_delay_steps = rules.delay_cdf, rules.delay_guide, rules.fixed_delay_steps
    threshold_rule, threshold_value = rules.threshold_rule, rules.threshold_value
    head, tail, pool_node, pool_src, pool_next = q
    sh_node, sh_seed = sh[SH_NODE], sh[SH_SEED]
    n = indptr.shape[0] - 1
    n_steps = share_prob.shape[0] - 1
    n_seeds = seeding.seeds.shape[0]
    stamp = np.int32(r + 1)
    k_reach = hash2(key, _P_REACH)
    k_delay = hash2(key, _P_DELAY)
    k_share = hash2(key, _P_SHARE)
    k_thr = hash2(key, _P_THRESHOLD)
    k_pshare = hash2(key, _P_PAID_SHARE)
    fast = mode == MODE_CASCADE and not rules.queue_all
    aux0 = _NEVER if fast else 0
    stop_after = rules.stop_after_sharers
    tally[:] = 0
    # head[] is all -1 between replicates (each drained bucket is cleared; early exits clear all),
    # so a replicate costs O(steps it reaches), not O(horizon)
    top, n_touched = _queue_seeds(key, seeding, n, n_steps, state, stamp, aux0, touched, bits, q)
    top, n_touched, t_hi = _place_paid(key, seeding, rules, segment, n, state, stamp, fast, aux0, touched,
                                       n_touched, bits, q, top, series_row)
    n_sharers = 0
    seed_posts = 0
    from_seed_gen1 = 0
    arcs_traversed = 0
    popped = 0
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
                if not _decide(mode, fast, share_prob, affinity, segment, fatigue, threshold_rule, threshold_value,
                               in_degree, state, v, src, t, n, n_seeds, sh_node, k_share, k_pshare, k_thr):
                    continue
                seed_idx = sh_seed[parent] if parent >= 0 else -1
                series_row[_S_SHARES, t] += 1
            # v posts at step t
            s = n_sharers
            n_sharers += 1
            state[v, _SHARER] = s
            from_seed_gen1 += add_sharer(sh, s, v, parent, seed_idx, seed_post, t)
            if stop_after > 0 and n_sharers >= stop_after:
                stopped = True  # truncated replicate: its outcome is already known to the caller
            arcs_traversed += indptr[v + 1] - indptr[v]
            # ---- v's followers view the post: feed-reach coin, delay, share coin (fast path)
            kind = OWNED if seed_post else EARNED
            a0 = indptr[v]
            a1 = indptr[v + 1]
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
                    # inverse CDF of the discretised delay, an indexed search (Chen & Asau): the guide
                    # points at or below searchsorted(delay_cdf, u01, side="right")
                    u01 = uniform(k_delay, ctr)
                    if u01 >= delay_cdf[n_steps - 1]:
                        continue  # the view would come after the horizon
                    i = delay_guide[np.int64(u01 * delay_guide.shape[0])]
                    while delay_cdf[i] <= u01:
                        i += 1
                    d = 1 + i
                tv = t + d
                if tv > n_steps:
                    continue
                n_touched = touch(state, w, stamp, aux0, touched, n_touched, bits)
                record_view(state, w, tv, kind, seed_idx, series_row)
                if tv > t_hi:
                    t_hi = tv
                if state[w, _SHARER] != -1:
                    continue
                if fast:
                    if tv >= state[w, _AUX]:
                        continue  # an earlier (or as early) share is already queued
                    qw = share_prob[tv]
                    if not unit_affinity:
                        qw *= affinity[segment[w]]
                    if uniform(k_share, ctr) >= qw:
                        continue
                    state[w, _AUX] = tv
                if top == pool_node.shape[0]:
                    abandon(state, touched, n_touched, head, bits)
                    return -1  # pool full: the caller reruns this replicate with a larger pool
                top = push(head, tail, pool_node, pool_src, pool_next, top, tv, w, s)
            if stopped:
                break

    if popped != top:  # stopped early with events still queued
        head[:] = -1
    tally[T_SHARERS] = n_sharers
    tally[T_SEED_POSTS] = seed_posts
    tally[T_FROM_SEED_GEN1] = from_seed_gen1
    tally[T_ARCS_TRAVERSED] = arcs_traversed
    _reach_and_funnel(key, rules, segment, state, touched, n_touched, bits, series_row, reach_seg_row,
                      attribution_row, node_counts, record_nodes, tally)
    return finish(key, stream, rules.engagement_rate, rules.step_h, min(t_hi, n_steps), series_row,
                  node_counts, record_nodes, sh, tally, metrics_row)


@njit(cache=True, parallel=True)
def run_replicates(graph, seeding, rules, keys, replicate_ids, n_threads, out, buffers):
    """Run the replicates ``replicate_ids`` in parallel, thread ``th`` taking ids[th], ids[th + T], ...

    graph, seeding, rules, out, buffers : the structures of :mod:`.layout` (:class:`CascadeGraph`,
        :class:`Seeding`, :class:`Rules`, :class:`Outputs`, :class:`Buffers`).
    keys : uint64 per replicate (all runs); replicate_ids : int64, the replicates to run.
    n_threads : threads (the buffers have at least this many rows).

    A replicate whose pool overflows is flagged in ``out.overflow`` and must be rerun with a larger
    pool.  ``out.series`` may have 0 rows: the time series are then not kept (each thread works
    in a scratch row, so a replicate's cost does not grow with the horizon); so may ``out.trees``.
    """
    n_steps = rules.share_prob_by_step.shape[0] - 1
    metrics, series, reach_seg, attribution, node_counts, overflow, trees = out
    head, tail, stream, tally, scratch = thread_scratch(n_threads, 1, series.shape[1], n_steps)
    record_nodes = node_counts.shape[2] > 0
    record_series = series.shape[0] > 0
    tree_cap = trees.shape[2] if trees.shape[0] > 0 else 0
    for th in prange(n_threads):
        q = (head[th, 0], tail[th, 0], buffers.pool_node[th], buffers.pool_src[th], buffers.pool_next[th])
        slot = th + 0
        while slot < replicate_ids.shape[0]:
            r = replicate_ids[slot]
            if rules.full_feed:
                t_end = one_replicate_full_feed(
                    keys[r], graph, seeding, rules, buffers.bits[th, 0], buffers.bits[th, 1], buffers.touched[th], q,
                    buffers.sh[th], stream[th], tally[th], scratch[th], metrics[r], reach_seg[r], attribution[r],
                    node_counts[th], record_nodes)
            else:
                t_end = _one_replicate(
                    r, keys[r], graph, seeding, rules, buffers.state[th], buffers.touched[th], buffers.bits[th, 0], q,
                    buffers.sh[th], stream[th], tally[th], scratch[th], metrics[r], reach_seg[r], attribution[r],
                    node_counts[th], record_nodes)
            if t_end < 0:
                overflow[r] = 1
                scratch[th, :, :] = 0
            else:
                if record_series:
                    series[r, :, : t_end + 1] = scratch[th, :, : t_end + 1]
                scratch[th, :, : t_end + 1] = 0
                if tree_cap > 0:
                    sh = buffers.sh[th]
                    for s in range(min(tally[th, T_SHARERS], tree_cap)):
                        trees[r, 0, s] = sh[SH_PARENT, s]
                        trees[r, 1, s] = sh[SH_STEP, s]
                        trees[r, 2, s] = sh[SH_NODE, s]
            slot += n_threads

