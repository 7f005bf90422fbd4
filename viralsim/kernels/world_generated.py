"""The world's fast path: views recorded when they are generated, only likely shares queued.

The every-view path (:mod:`.world`) queues each view and records it when popped.  When no rule
needs a view's processing moment (every fatigue 1, no attention limit, and no net-sentiment
series to keep), this path gives the same numbers with far fewer queue operations:

* a view is recorded when its post is processed, with an *order key* ``(step, round, class rank,
  seq)``, where ``seq`` counts generated views in the order the every-view path would queue them.
  Processing order is key order, so "first view", "last view", "viewed a before c" and "first
  positive before first negative" become comparisons of keys;
* the share coin is tossed at generation; only a view whose coin is below an upper bound of its
  share probability is queued.  Without interactions that bound is exact, and a user's queued
  candidate is replaced only by a strictly earlier step, as in the one-content fast path.  With
  interactions, every view below ``p x hi[c]`` (``hi``: the product of the factors above 1) is
  queued and decided exactly when popped, with the factor formed as the every-view path forms it.

When a key is popped, every view with a smaller key has already been generated: delays are at
least one step, and a launch within the current step goes to a later round.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .cascade import _AHEAD, _P_PAID_TARGET, EARNED, N_SERIES, OWNED, PAID, _S_KIND, _S_SHARES, _add_sharer
from .memory import prefetch
from .rng import hash2, uniform
from .world import (
    _C_AUX, _C_EARNED, _C_FIRST_KIND, _C_FIRST_SEED, _C_FIRST_T, _C_PAID, _C_SHARER, _C_VIEWS, _LAST, _NC, _NU,
    _POSTED, _VIEWED, _P_COLLIDE, COLLIDE_RANDOM, TRIGGER_IMPRESSIONS, TRIGGER_REACH, TRIGGER_SHARES, _NEVER,
    _abandon, _begin, _class_order, _end_of_run, _factor, _fires, _push, _touch,
)

KEY_NEVER = np.int64(1) << np.int64(62)
_SEQ_BITS = np.int64(36)
ROUNDS = 17  # at most MAX_CONTENTS launches within one step, each a further round
ORDER_KEY_COLUMNS = 3  # last view's key, first positive view's, first negative view's; then one per content


@njit(cache=True)
def _touch_keys(state, okeys, v, stamp, n_contents, touched, n_touched, bits):
    """:func:`.world._touch`, and for a newly touched user its order keys and candidate steps."""
    k = _touch(state, v, stamp, n_contents, touched, n_touched, bits)
    if k != n_touched:
        okeys[v, 0] = -1
        for j in range(1, okeys.shape[1]):
            okeys[v, j] = KEY_NEVER
        for c in range(n_contents):
            state[v, _NU + _NC * c + _C_AUX] = _NEVER
    return k


@njit(cache=True, inline="always")
def _order_key(tv, rnd, rank, seq):
    return (((np.int64(tv) * ROUNDS + rnd) * 64 + rank) << _SEQ_BITS) | seq


@njit(cache=True)
def _view(state, okeys, w, c, kind, seed_idx, tv, kk, series, reach_step, sentiment):
    """Record w's view of content c at step tv with order key kk."""
    b = _NU + _NC * c
    state[w, b + _C_VIEWS] += 1
    if kind == EARNED:
        state[w, b + _C_EARNED] += 1
    elif kind == PAID:
        state[w, b + _C_PAID] += 1
    series[c * N_SERIES + _S_KIND + kind, tv] += 1
    old = okeys[w, ORDER_KEY_COLUMNS + c]
    if kk < old:
        if old == KEY_NEVER:
            state[w, _VIEWED] |= 1 << c
        else:
            reach_step[c, state[w, b + _C_FIRST_T]] -= 1
        reach_step[c, tv] += 1
        okeys[w, ORDER_KEY_COLUMNS + c] = kk
        state[w, b + _C_FIRST_T] = tv
        state[w, b + _C_FIRST_KIND] = kind
        state[w, b + _C_FIRST_SEED] = seed_idx
        if sentiment[c] > 0 and kk < okeys[w, 1]:
            okeys[w, 1] = kk
        elif sentiment[c] < 0 and kk < okeys[w, 2]:
            okeys[w, 2] = kk
    if kk > okeys[w, 0]:
        okeys[w, 0] = kk
        state[w, _LAST] = c


@njit(cache=True)
def _launch_generated(d, t0, t_now, rnd_now, n, segment, head, tail, pool, top, state, okeys, stamp, n_contents,
                      touched, n_touched, bits, seeding, contents, world, ckeys, pkeys, launch, rank, seq, series,
                      reach_step):
    """Queue content d's seeds' posts for a launch at step t0, and record its paid impressions (queueing
    the likely shares among them); returns (top, touched, seq)."""
    seed_nodes, seed_indptr, seed_steps, paid_steps, paid_counts, paid_segment, paid_indptr, seg_indptr, seg_nodes \
        = seeding
    share_prob, affinity, sentiment, class_of = contents[1], contents[7], contents[9], contents[10]
    interacting, hi = world[2], world[8]
    n_steps = share_prob.shape[1] - 1
    cl = class_of[d]
    lo = seed_indptr[d]
    n_seeds = seed_indptr[d + 1] - lo
    for i in range(n_seeds):
        ts = t0 + seed_steps[lo + i]
        if ts <= n_steps:
            top = _push(head, tail, pool, top, cl, ts, seed_nodes[lo + i], -1 - i, d, 3)
    k_ptarget = hash2(ckeys[d], _P_PAID_TARGET)
    jj = 0
    for pi in range(paid_indptr[d], paid_indptr[d + 1]):
        tv = t0 + paid_steps[pi]
        sg = paid_segment[pi]
        for _ in range(paid_counts[pi]):
            if tv <= n_steps:
                u01 = uniform(k_ptarget, jj)
                if sg < 0:
                    w = np.int64(u01 * n)
                else:
                    a = seg_indptr[sg]
                    w = np.int64(seg_nodes[a + np.int64(u01 * (seg_indptr[sg + 1] - a))])
                n_touched = _touch_keys(state, okeys, w, stamp, n_contents, touched, n_touched, bits)
                kk = _order_key(tv, rnd_now + 1 if tv == t_now else 0, rank[tv, cl], seq)
                seq += 1
                _view(state, okeys, w, d, PAID, -1, tv, kk, series, reach_step, sentiment)
                b = _NU + _NC * d
                if state[w, b + _C_SHARER] == -1:
                    p = share_prob[d, tv - launch[d]] * affinity[d, segment[w]]
                    coin = uniform(pkeys[d, 1], jj)
                    if interacting:
                        if coin < p * hi[d]:
                            top = _push(head, tail, pool, top, cl, tv, w, -1 - n_seeds - jj, d, PAID)
                    elif coin < p and tv < state[w, b + _C_AUX]:
                        state[w, b + _C_AUX] = tv
                        top = _push(head, tail, pool, top, cl, tv, w, -1 - n_seeds - jj, d, PAID)
            jj += 1
    return top, n_touched, seq


@njit(cache=True)
def one_world_generated(r, key, graph, contents, seeding, world, th, buffers, head, tail, gen_count, stream, ckeys,
                        pkeys, counters, launch, trig_t, okeys, reach_step, cum, rank, out):
    """:func:`.world.one_world_every_view` by generated views (the module's docstring); same arguments, plus the
    thread's order keys ``okeys`` (n, 3 + C), ``reach_step`` (C, steps + 1) all zero on entry (zeroed
    again by the caller), ``cum`` (C, 2) and the class ranks by step ``rank`` (steps + 1, classes)."""
    indptr, indices, segment = graph
    (salts, share_prob, fatigue, feed_reach, delay_cdf, delay_guide, fixed_delay, affinity, rates, sentiment,
     class_of, start_step, trig_after, trig_metric, trig_level, trig_delay) = contents
    seed_nodes, seed_indptr = seeding[0], seeding[1]
    cross, prior, interacting, attention, collide, n_classes, step_h, fast, hi = world
    state, touched, bits, pool, sh = buffers[0][th], buffers[1][th], buffers[2][th], buffers[3][th], buffers[4][th]
    metrics_out, extras_out, world_out, scratch, reach_seg_out, attribution_out = out
    series = scratch[th]
    n = indptr.shape[0] - 1
    n_contents = salts.shape[0]
    n_steps = share_prob.shape[1] - 1
    stamp = np.int32(r + 1)
    cap = pool.shape[1]
    has_dependents = _begin(key, salts, start_step, trig_after, ckeys, pkeys, counters, trig_t, launch)
    k_collide = hash2(key, _P_COLLIDE)
    order = np.empty(n_classes, dtype=np.int64)
    if collide == COLLIDE_RANDOM:
        for t in range(n_steps + 1):
            _class_order(collide, k_collide, t, order)
            for i in range(n_classes):
                rank[t, order[i]] = i
    for c in range(n_contents):
        cum[c, 0] = 0
        cum[c, 1] = 0
    n_touched = 0
    top = 0
    popped = 0
    t_hi = 0
    seq = np.int64(0)
    for c in range(n_contents):
        b = _NU + _NC * c
        for i in range(seed_indptr[c], seed_indptr[c + 1]):
            v = seed_nodes[i]
            n_touched = _touch_keys(state, okeys, v, stamp, n_contents, touched, n_touched, bits)
            state[v, b + _C_SHARER] = -2
    for c in range(n_contents):
        if launch[c] >= 0:
            top, n_touched, seq = _launch_generated(
                c, launch[c], -1, 0, n, segment, head, tail, pool, top, state, okeys, stamp, n_contents, touched,
                n_touched, bits, seeding, contents, world, ckeys, pkeys, launch, rank, seq, series, reach_step)
    for c in range(n_contents):  # paid views may lie anywhere in the horizon
        for pi in range(seeding[6][c], seeding[6][c + 1]):
            if launch[c] >= 0 and seeding[4][pi] > 0:
                t_hi = max(t_hi, min(n_steps, launch[c] + seeding[3][pi]))

    for t in range(n_steps + 1):
        if popped == top and t > t_hi:
            break  # nothing queued and no view ahead: nothing can happen later
        _class_order(collide, k_collide, t, order)
        rnd = 0
        again = True
        while again:
            again = False
            for oi in range(n_classes):
                cl = order[oi]
                e = head[cl, t]
                if e == -1:
                    continue
                head[cl, t] = -1
                if t > t_hi:
                    t_hi = t
                while e != -1:
                    popped += 1
                    v = np.int64(pool[0, e])
                    src = pool[1, e]
                    c = pool[3, e] >> 2
                    e = pool[2, e]
                    if e != -1:
                        vn = pool[0, e]
                        prefetch(state, vn)
                        prefetch(indptr, vn)
                    b = _NU + _NC * c
                    n_seeds_c = seed_indptr[c + 1] - seed_indptr[c]
                    seed_post = src < 0 and src >= -n_seeds_c
                    parent = -1
                    if seed_post:
                        seed_idx = -1 - src
                        counters[c, 4] += 1
                    else:  # a queued likely share of c by v: decide it now
                        if state[v, b + _C_SHARER] != -1:
                            continue
                        if interacting:
                            p = share_prob[c, t - launch[c]] * affinity[c, segment[v]]
                            mask = 0
                            own = okeys[v, ORDER_KEY_COLUMNS + c]
                            for a in range(n_contents):
                                if a != c and okeys[v, ORDER_KEY_COLUMNS + a] < own:
                                    mask |= 1 << a
                            p *= _factor(mask, state[v, _POSTED], c, prior, cross, n_contents)
                            if src >= 0:
                                coin = uniform(pkeys[c, 0], np.int64(sh[c, 0, src]) * n + v)
                            else:
                                coin = uniform(pkeys[c, 1], -1 - n_seeds_c - src)
                            if not coin < p:
                                continue
                        parent = src if src >= 0 else -1
                        seed_idx = sh[c, 2, src] if src >= 0 else -1
                        series[c * N_SERIES + _S_SHARES, t] += 1
                        counters[c, TRIGGER_SHARES] += 1
                    # ---- v posts content c at step t
                    post_kind = OWNED if seed_post else EARNED
                    s = counters[c, 7]
                    counters[c, 7] = s + 1
                    state[v, b + _C_SHARER] = s
                    counters[c, 5] += _add_sharer(sh[c, 0], sh[c, 1], sh[c, 2], sh[c, 3], sh[c, 4], sh[c, 5], s, v,
                                                  parent, seed_idx, seed_post)
                    state[v, _POSTED] |= 1 << c
                    a0 = indptr[v]
                    a1 = indptr[v + 1]
                    counters[c, 3] += a1 - a0
                    k_reach = pkeys[c, 2]
                    k_delay = pkeys[c, 3]
                    k_share = pkeys[c, 0]
                    fr = feed_reach[c]
                    fixed = fixed_delay[c]
                    cl_c = class_of[c]
                    bound = hi[c]
                    seed_of_post = sh[c, 2, s]
                    for a in range(a0, min(a0 + _AHEAD, a1)):
                        prefetch(state, indices[a])
                    for a in range(a0, a1):
                        if a + _AHEAD < a1:
                            prefetch(state, indices[a + _AHEAD])
                            prefetch(okeys, indices[a + _AHEAD])
                        w = np.int64(indices[a])
                        ctr = v * n + w
                        if fr < 1.0:
                            if uniform(k_reach, ctr) >= fr:
                                continue
                        if fixed > 0:
                            dd = fixed
                        else:
                            u01 = uniform(k_delay, ctr)
                            if u01 >= delay_cdf[c, n_steps - 1]:
                                continue
                            i = delay_guide[c, np.int64(u01 * delay_guide.shape[1])]
                            while delay_cdf[c, i] <= u01:
                                i += 1
                            dd = 1 + i
                        tv = t + dd
                        if tv > n_steps:
                            continue
                        n_touched = _touch_keys(state, okeys, w, stamp, n_contents, touched, n_touched, bits)
                        _view(state, okeys, w, c, post_kind, seed_of_post, tv, _order_key(tv, 0, rank[tv, cl_c], seq),
                              series, reach_step, sentiment)
                        seq += 1
                        if tv > t_hi:
                            t_hi = tv
                        bw = _NU + _NC * c
                        if state[w, bw + _C_SHARER] != -1:
                            continue
                        p = share_prob[c, tv - launch[c]] * affinity[c, segment[w]]
                        coin = uniform(k_share, ctr)
                        if interacting:
                            if not coin < p * bound:
                                continue
                        elif not (coin < p and tv < state[w, bw + _C_AUX]):
                            continue
                        else:
                            state[w, bw + _C_AUX] = tv
                        if top == cap:
                            _abandon(state, touched, n_touched, head, bits)
                            return -1
                        top = _push(head, tail, pool, top, cl_c, tv, w, s, c, post_kind)
            if has_dependents:  # the trigger metrics through this round: views recorded ahead are not counted
                for c in range(n_contents):
                    counters[c, TRIGGER_REACH] = cum[c, 0] + reach_step[c, t]
                    counters[c, TRIGGER_IMPRESSIONS] = cum[c, 1] + series[c * N_SERIES + _S_KIND + OWNED, t] + \
                        series[c * N_SERIES + _S_KIND + PAID, t] + series[c * N_SERIES + _S_KIND + EARNED, t]
                for d in range(n_contents):
                    if _fires(d, t, counters, contents, trig_t, launch, n_steps):
                        top, n_touched, seq = _launch_generated(
                            d, launch[d], t, rnd, n, segment, head, tail, pool, top, state, okeys, stamp, n_contents,
                            touched, n_touched, bits, seeding, contents, world, ckeys, pkeys, launch, rank, seq,
                            series, reach_step)
                        for pi in range(seeding[6][d], seeding[6][d + 1]):
                            if seeding[4][pi] > 0:
                                t_hi = max(t_hi, min(n_steps, launch[d] + seeding[3][pi]))
                for cl in range(n_classes):
                    if head[cl, t] != -1:
                        again = True
            rnd += 1
        if has_dependents:
            for c in range(n_contents):
                cum[c, 0] += reach_step[c, t]
                cum[c, 1] += series[c * N_SERIES + _S_KIND + OWNED, t] + series[c * N_SERIES + _S_KIND + PAID, t] + \
                    series[c * N_SERIES + _S_KIND + EARNED, t]
    t_end = min(t_hi, n_steps)
    return _end_of_run(key, contents, world, state, touched, n_touched, bits, sh, gen_count, stream, ckeys, pkeys,
                       counters, launch, trig_t, series, metrics_out[r], extras_out[r], world_out[r], reach_seg_out[r],
                       attribution_out[r], segment, n, t_end, step_h, okeys)
