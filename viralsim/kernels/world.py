"""Several contents in one world: one replicate runs every content on one audience and one calendar.

The share rules per content are the cascade kernel's (:mod:`.cascade`, queue-every-view path):
feed-reach coin, discretised delay, share probability = stickiness x decay since the content's
launch x affinity x fatigue ** (views decided - 1), the funnel at the end.  What this kernel adds:

* per-(user, content) state: a row per user holds the user's columns and 8 columns per content;
* events carry their content; every view is queued and *recorded when it is processed* (popped),
  so that one processing order decides attention, blocking, prior exposure and first exposure;
* the collision rule orders the events of one step: ``first`` (one FIFO bucket: the order in
  which they were generated), ``positive`` / ``negative`` (buckets by sentiment class, processed
  in that rank), ``random`` (a bucket per content, contents processed in a random order drawn
  per step from the replicate key);
* interactions: ``cross[a, c]`` multiplies the share probability of c for a user who has posted
  a (seeds' own posts count), ``prior[a, c]`` for a user who viewed a before the first view of c;
  the product is formed when a view is decided, in one fixed order (:func:`_factor`);
* attention: a user views at most ``attention`` posts per step; later posts of that step are
  dropped (not viewed, no share chance, counted per content as ``views_dropped``);
* triggers: content d launches ``delay`` steps after the step in which content ``after[d]``'s
  reach (users with a view), shares or impressions first reach ``level``, evaluated at the end
  of each round of a step (a round: the step's events queued so far, class by class); a launch
  at the current step (delay 0) adds a further round.

Content c's draws use the key ``key`` for c = 0 (so a one-content world draws exactly what the
cascade kernel draws) and ``hash2(key, salt[c])`` otherwise, with a salt from the content's name:
a content's coins do not depend on which other contents exist or on their order after the first.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .buffers import abandon, clear_bits, in_node_order, thread_scratch
from .layout import (
    _AHEAD, _NEVER, _P_DELAY, _P_FUNNEL, _P_PAID_SHARE, _P_PAID_TARGET, _P_REACH, _P_SHARE, _S_KIND, _S_REACH, _S_SHARES,
    EARNED, N_SERIES, N_TALLY, OWNED, PAID, T_ARCS_TRAVERSED, T_CLICKS, T_CLICKS_EARNED, T_CONVERSIONS,
    T_CONVERSIONS_EARNED, T_FROM_SEED_GEN1, T_REACH, T_REACH_OWNED, T_SEED_POSTS, T_SHARERS, T_VIEWS, T_VIEWS_EARNED,
)
from .tree import SH_ROWS, add_sharer, finish  # noqa: F401 (SH_ROWS re-exported)
from .memory import prefetch
from .rng import binomial_from_uniform, hash2, uniform

EXTRA_NAMES = ("launch_h", "trigger_h", "views_dropped", "clicks_owned", "clicks_paid")
WORLD_METRIC_NAMES = ("audience_reached", "saw_both", "inoculated", "unanswered", "positive_last", "negative_last",
                      "net_sentiment_reach", "posted_several")
WORLD_SERIES_NAMES = ("positive_last_change", "negative_last_change")  # per step; cumulated by the model layer
N_EXTRA = len(EXTRA_NAMES)
N_WORLD = len(WORLD_METRIC_NAMES)
MAX_CONTENTS = 16

COLLIDE_FIRST = 0
COLLIDE_CLASSES = 1  # buckets by class_of[c], processed in class order (positive / negative wins)
COLLIDE_RANDOM = 2

TRIGGER_REACH = 0
TRIGGER_SHARES = 1
TRIGGER_IMPRESSIONS = 2

_P_COLLIDE = 11
_P_CLICK_SOURCE = 12

# end-of-run tallies beyond the cascade kernel's: clicks not from earned views, and of those from paid views
_A_OTHER_CLICKS = N_TALLY
_A_PAID_CLICKS = N_TALLY + 1

# user columns of a state row
_STAMP = 0
_VIEWED = 1  # bit c: has viewed content c
_ATT_T = 2  # the step of the views counted in _ATT_N
_ATT_N = 3
_LAST = 4  # content of the last view, -1 none
_FIRST_POS = 5  # processing index of the first view of a positive content (_NEVER: none)
_FIRST_NEG = 6
_POSTED = 7  # bit a: has posted content a (a seed's own post counts)
_NU = 8
# per-content columns, at _NU + _NC * c
_C_VIEWS = 0
_C_EARNED = 1
_C_PAID = 2
_C_FIRST_T = 3
_C_FIRST_KIND = 4
_C_FIRST_SEED = 5
_C_SHARER = 6  # -1: has not posted c; -2: a seed of c; >= 0: index in c's sharer list
_C_AUX = 7  # views of c decided so far (fatigue)
_C_PRIOR = 8  # bit a: viewed content a before the first view of c
_NC = 9


def state_columns(n_contents: int) -> int:
    """int32 columns of a user's state row for ``n_contents`` contents."""
    return _NU + _NC * n_contents


@njit(cache=True)
def _touch(state, v, stamp, n_contents, touched, n_touched, bits):
    if state[v, _STAMP] != stamp:
        bits[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        state[v, _STAMP] = stamp
        state[v, _VIEWED] = 0
        state[v, _ATT_T] = -1
        state[v, _ATT_N] = 0
        state[v, _LAST] = -1
        state[v, _FIRST_POS] = _NEVER
        state[v, _FIRST_NEG] = _NEVER
        state[v, _POSTED] = 0
        for c in range(n_contents):
            b = _NU + _NC * c
            state[v, b + _C_VIEWS] = 0
            state[v, b + _C_EARNED] = 0
            state[v, b + _C_PAID] = 0
            state[v, b + _C_FIRST_T] = _NEVER
            state[v, b + _C_FIRST_KIND] = -1
            state[v, b + _C_FIRST_SEED] = -1
            state[v, b + _C_SHARER] = -1
            state[v, b + _C_AUX] = 0
            state[v, b + _C_PRIOR] = 0
        touched[n_touched] = v
        n_touched += 1
    return n_touched


@njit(cache=True)
def _push(head, tail, pool, top, cl, t, v, src, c, kind):
    """Append event (v views or posts content c, source ``src``) to bucket (cl, t); return the new top.

    ``src``: the sharer index of the poster (>= 0), ``-1 - i`` for seed i's own post, or
    ``-1 - n_seeds_c - j`` for content c's paid impression j; ``kind``: the view's kind (OWNED,
    PAID, EARNED; 3 for a seed's own post), kept with the content so a pop need not look it up.
    """
    pool[0, top] = v
    pool[1, top] = src
    pool[2, top] = -1
    pool[3, top] = c * 4 + kind
    if head[cl, t] == -1:
        head[cl, t] = top
    else:
        pool[2, tail[cl, t]] = top
    tail[cl, t] = top
    return top + 1


@njit(cache=True)
def _launch(d, t0, n, head, tail, pool, top, state, stamp, n_contents, touched, n_touched, bits,
            seeding, class_of, n_steps, ckeys):
    """Queue content d's seeds' posts and paid impressions for a launch at step t0; return (top, touched)."""
    seed_nodes, seed_indptr, seed_steps, paid_steps, paid_counts, paid_segment, paid_indptr, seg_indptr, seg_nodes \
        = seeding
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
                n_touched = _touch(state, w, stamp, n_contents, touched, n_touched, bits)
                top = _push(head, tail, pool, top, cl, tv, w, -1 - n_seeds - jj, d, PAID)
            jj += 1
    return top, n_touched


@njit(cache=True)
def _begin(key, salts, start_step, trig_after, ckeys, pkeys, counters, trig_t, launch):
    """Per-content keys and zeroed counters of a replicate; returns whether any content is triggered."""
    has_dependents = False
    for c in range(salts.shape[0]):
        kc = key if salts[c] == 0 else hash2(key, salts[c])
        ckeys[c] = kc
        pkeys[c, 0] = hash2(kc, _P_SHARE)
        pkeys[c, 1] = hash2(kc, _P_PAID_SHARE)
        pkeys[c, 2] = hash2(kc, _P_REACH)
        pkeys[c, 3] = hash2(kc, _P_DELAY)
        pkeys[c, 4] = hash2(kc, _P_FUNNEL)
        # reach, shares, impressions (the trigger metrics), arcs traversed, seed posts,
        # first-generation shares of seeds' posts, views dropped (attention), sharers
        counters[c, :] = 0
        trig_t[c] = -1
        launch[c] = start_step[c]
        if trig_after[c] >= 0:
            has_dependents = True
    return has_dependents


@njit(cache=True)
def _class_order(collide, k_collide, t, order):
    """The order in which step t's class buckets are processed: by class, or for the random rule a
    Fisher-Yates shuffle keyed by (replicate, step)."""
    n_classes = order.shape[0]
    for i in range(n_classes):
        order[i] = i
    if collide == COLLIDE_RANDOM:
        kt = hash2(k_collide, t)
        for i in range(n_classes - 1, 0, -1):
            j = np.int64(uniform(kt, i) * (i + 1))
            tmp = order[i]
            order[i] = order[j]
            order[j] = tmp


@njit(cache=True)
def _fires(d, t, counters, contents, trig_t, launch, n_steps):
    """Whether content d's trigger fires at the end of a round of step t (sets its trigger and launch
    steps); True only for a launch within the horizon."""
    trig_after, trig_metric, trig_level, trig_delay = contents[12], contents[13], contents[14], contents[15]
    a = trig_after[d]
    if a < 0 or trig_t[d] >= 0 or counters[a, trig_metric[d]] < trig_level[d]:
        return False
    trig_t[d] = t
    launch[d] = t + trig_delay[d]
    return launch[d] <= n_steps


@njit(cache=True, inline="always")
def _factor(prior_mask, posted_mask, c, prior, cross, n_contents):
    """The interaction multiplier of content c's share probability, in one fixed order: the prior
    factors of the contents viewed before c's first view, then the cross factors of the contents
    posted, each for increasing content index."""
    f = 1.0
    for a in range(n_contents):
        if (prior_mask >> a) & 1:
            f *= prior[a, c]
    for a in range(n_contents):
        if a != c and (posted_mask >> a) & 1:
            f *= cross[a, c]
    return f


@njit(cache=True)
def _one_world(r, key, graph, contents, seeding, world, th, buffers, head, tail, stream, ckeys, pkeys,
               counters, launch, trig_t, out):
    """Simulate replicate r (key ``key``) of the world with thread ``th``'s buffers.

    Returns the last step with anything recorded, or -1 if the event pool overflowed (the
    caller zeroes the scratch rows and reruns with a larger pool).
    """
    indptr, indices, segment = graph
    (salts, share_prob, fatigue, feed_reach, delay_cdf, delay_guide, fixed_delay, affinity, rates, sentiment,
     class_of, start_step, trig_after, trig_metric, trig_level, trig_delay) = contents
    seed_nodes, seed_indptr = seeding[0], seeding[1]
    cross, prior, interacting, attention, collide, n_classes, step_h = world
    state, touched, bits, pool, sh = buffers[0][th], buffers[1][th], buffers[2][th], buffers[3][th], buffers[4][th]
    metrics_out, extras_out, world_out, scratch, reach_seg_out, attribution_out = out
    series = scratch[th]
    metrics_row, extras_row, world_row, reach_seg_row, attribution_row = \
        metrics_out[r], extras_out[r], world_out[r], reach_seg_out[r], attribution_out[r]

    n = indptr.shape[0] - 1
    n_contents = salts.shape[0]
    n_steps = share_prob.shape[1] - 1
    stamp = np.int32(r + 1)
    cap = pool.shape[1]
    has_dependents = _begin(key, salts, start_step, trig_after, ckeys, pkeys, counters, trig_t, launch)
    k_collide = hash2(key, _P_COLLIDE)
    n_touched = 0
    top = 0
    popped = 0
    t_hi = 0

    # seeds are reserved for their content; contents with a fixed start are queued now, in content order
    for c in range(n_contents):
        b = _NU + _NC * c
        for i in range(seed_indptr[c], seed_indptr[c + 1]):
            v = seed_nodes[i]
            n_touched = _touch(state, v, stamp, n_contents, touched, n_touched, bits)
            state[v, b + _C_SHARER] = -2
    for c in range(n_contents):
        if launch[c] >= 0:
            top, n_touched = _launch(c, launch[c], n, head, tail, pool, top, state, stamp, n_contents,
                                     touched, n_touched, bits, seeding, class_of, n_steps, ckeys)

    order = np.empty(n_classes, dtype=np.int64)
    for t in range(n_steps + 1):
        if popped == top:
            break  # nothing queued: nothing can happen later (triggers fire only while processing)
        _class_order(collide, k_collide, t, order)
        again = True
        while again:  # rounds: a launch at this very step (response time 0) adds a round of events to it
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
                    code = pool[3, e]
                    c = code >> 2
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
                    else:
                        # ---- a view of content c by v
                        if attention > 0:
                            if state[v, _ATT_T] != t:
                                state[v, _ATT_T] = t
                                state[v, _ATT_N] = 0
                            if state[v, _ATT_N] >= attention:
                                counters[c, 6] += 1
                                continue
                            state[v, _ATT_N] += 1
                        kind = code & 3
                        state[v, b + _C_VIEWS] += 1
                        if kind == EARNED:
                            state[v, b + _C_EARNED] += 1
                        elif kind == PAID:
                            state[v, b + _C_PAID] += 1
                        series[c * N_SERIES + _S_KIND + kind, t] += 1
                        counters[c, TRIGGER_IMPRESSIONS] += 1
                        if state[v, b + _C_FIRST_T] == _NEVER:  # v's first view of c
                            state[v, b + _C_FIRST_T] = t
                            state[v, b + _C_FIRST_KIND] = kind
                            state[v, b + _C_FIRST_SEED] = sh[c, 2, src] if src >= 0 else -1
                            counters[c, TRIGGER_REACH] += 1
                            seen = state[v, _VIEWED]
                            state[v, b + _C_PRIOR] = seen
                            state[v, _VIEWED] = seen | (1 << c)
                            if sentiment[c] > 0 and state[v, _FIRST_POS] == _NEVER:
                                state[v, _FIRST_POS] = popped
                            elif sentiment[c] < 0 and state[v, _FIRST_NEG] == _NEVER:
                                state[v, _FIRST_NEG] = popped
                        last = state[v, _LAST]
                        if last != c:
                            s_old = sentiment[last] if last >= 0 else 0
                            s_new = sentiment[c]
                            if s_old != s_new:
                                if s_old > 0:
                                    series[n_contents * N_SERIES, t] -= 1
                                elif s_old < 0:
                                    series[n_contents * N_SERIES + 1, t] -= 1
                                if s_new > 0:
                                    series[n_contents * N_SERIES, t] += 1
                                elif s_new < 0:
                                    series[n_contents * N_SERIES + 1, t] += 1
                            state[v, _LAST] = c
                        shared = False
                        if state[v, b + _C_SHARER] == -1:
                            k = state[v, b + _C_AUX] + 1
                            state[v, b + _C_AUX] = k
                            p = share_prob[c, t - launch[c]] * affinity[c, segment[v]]
                            if fatigue[c] != 1.0:
                                p *= math.pow(fatigue[c], k - 1)
                            if interacting:
                                p *= _factor(state[v, b + _C_PRIOR], state[v, _POSTED], c, prior, cross, n_contents)
                            if src >= 0:
                                coin = uniform(pkeys[c, 0], np.int64(sh[c, 0, src]) * n + v)
                            else:
                                coin = uniform(pkeys[c, 1], -1 - n_seeds_c - src)
                            shared = coin < p
                        if shared:
                            parent = src if src >= 0 else -1
                            seed_idx = sh[c, 2, src] if src >= 0 else -1
                            series[c * N_SERIES + _S_SHARES, t] += 1
                            counters[c, TRIGGER_SHARES] += 1
                        if not shared:
                            continue
                    # ---- v posts content c at step t
                    post_kind = OWNED if seed_post else EARNED
                    s = counters[c, 7]
                    counters[c, 7] = s + 1
                    state[v, b + _C_SHARER] = s
                    counters[c, 5] += add_sharer(sh[c], s, v, parent, seed_idx, seed_post, t)
                    state[v, _POSTED] |= 1 << c
                    a0 = indptr[v]
                    a1 = indptr[v + 1]
                    counters[c, 3] += a1 - a0
                    k_reach = pkeys[c, 2]
                    k_delay = pkeys[c, 3]
                    fr = feed_reach[c]
                    fixed = fixed_delay[c]
                    cl = class_of[c]
                    for a in range(a0, min(a0 + _AHEAD, a1)):
                        prefetch(state, indices[a])
                    for a in range(a0, a1):
                        if a + _AHEAD < a1:
                            prefetch(state, indices[a + _AHEAD])
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
                        if top == cap:
                            abandon(state, touched, n_touched, head, bits)
                            return -1
                        n_touched = _touch(state, w, stamp, n_contents, touched, n_touched, bits)
                        top = _push(head, tail, pool, top, cl, tv, w, s, c, post_kind)
            if has_dependents:  # triggers are evaluated at the end of each round, contents in order
                for d in range(n_contents):
                    if _fires(d, t, counters, contents, trig_t, launch, n_steps):
                        top, n_touched = _launch(d, launch[d], n, head, tail, pool, top, state, stamp, n_contents,
                                                 touched, n_touched, bits, seeding, class_of, n_steps, ckeys)
                for cl in range(n_classes):
                    if head[cl, t] != -1:
                        again = True
    t_end = min(t_hi, n_steps)
    return _end_of_run(key, contents, world, state, touched, n_touched, bits, sh, stream, ckeys, pkeys,
                       counters,
                       launch, trig_t, series, metrics_row, extras_row, world_row, reach_seg_row, attribution_row,
                       segment, n, t_end, step_h)


@njit(cache=True)
def _end_of_run(key, contents, world, state, touched, n_touched, bits, sh, stream, ckeys, pkeys, counters,
                launch, trig_t, series, metrics_row, extras_row, world_row, reach_seg_row, attribution_row,
                segment, n, t_end, step_h):
    """Reach, funnel and world metrics from the touched users; each content's tree metrics by ``.tree.finish``."""
    salts, rates, sentiment = contents[0], contents[8], contents[9]
    n_contents = salts.shape[0]
    # per content: the cascade kernel's tallies, then non-earned clicks and paid clicks
    acc = np.zeros((n_contents, _A_PAID_CLICKS + 1), dtype=np.int64)
    p_no_conv_log = np.empty(n_contents)  # log P(a click does not convert), per content
    for c in range(n_contents):
        p_no_conv_log[c] = math.log1p(-rates[c, 2]) if rates[c, 2] < 1.0 else -np.inf
    by_segment = reach_seg_row.shape[1] > 1
    if n_touched * 16 > n:
        in_node_order(touched, bits)
    else:
        clear_bits(touched, n_touched, bits)
    audience = 0
    saw_both = 0
    inoculated = 0
    unanswered = 0
    pos_last = 0
    neg_last = 0
    posted_several = 0
    for i in range(n_touched):
        if i + _AHEAD < n_touched:
            prefetch(state, touched[i + _AHEAD])
        w = np.int64(touched[i])
        posts = 0
        for c in range(n_contents):
            if state[w, _NU + _NC * c + _C_SHARER] >= 0:
                posts += 1
        if posts > 1:
            posted_several += 1
        if state[w, _VIEWED] == 0:
            continue
        audience += 1
        fp = state[w, _FIRST_POS]
        fn = state[w, _FIRST_NEG]
        if fp != _NEVER and fn != _NEVER:
            saw_both += 1
            if fp < fn:
                inoculated += 1
        elif fn != _NEVER:
            unanswered += 1
        last = state[w, _LAST]
        if sentiment[last] > 0:
            pos_last += 1
        elif sentiment[last] < 0:
            neg_last += 1
        for c in range(n_contents):
            b = _NU + _NC * c
            nv = state[w, b + _C_VIEWS]
            if nv == 0:
                continue
            acc[c, T_REACH] += 1
            fk = state[w, b + _C_FIRST_KIND]
            acc[c, T_REACH_OWNED + fk] += 1
            series[c * N_SERIES + _S_REACH, state[w, b + _C_FIRST_T]] += 1
            if by_segment:
                reach_seg_row[c, segment[w]] += 1
            if fk == EARNED and state[w, b + _C_FIRST_SEED] >= 0:
                attribution_row[c, state[w, b + _C_FIRST_SEED]] += 1
            ne = state[w, b + _C_EARNED]
            acc[c, T_VIEWS] += nv
            acc[c, T_VIEWS_EARNED] += ne
            click_rate = rates[c, 1]
            conversion_rate = rates[c, 2]
            if click_rate > 0.0:
                k_funnel = pkeys[c, 4]
                ctr3 = w * 3
                ce = binomial_from_uniform(uniform(k_funnel, ctr3), ne, click_rate) if ne > 0 else 0
                co = binomial_from_uniform(uniform(k_funnel, ctr3 + 1), nv - ne, click_rate) if nv > ne else 0
                cc = ce + co
                acc[c, T_CLICKS] += cc
                acc[c, T_CLICKS_EARNED] += ce
                # which of the co non-earned clicks came from paid views: drawn without replacement
                left = nv - ne
                left_paid = state[w, b + _C_PAID]
                kw = hash2(hash2(ckeys[c], _P_CLICK_SOURCE), w)
                for j in range(co):
                    if uniform(kw, j) * left < left_paid:
                        acc[c, _A_PAID_CLICKS] += 1
                        left_paid -= 1
                    left -= 1
                acc[c, _A_OTHER_CLICKS] += co
                if cc > 0 and conversion_rate > 0.0:
                    if uniform(k_funnel, ctr3 + 2) < -math.expm1(cc * p_no_conv_log[c]):
                        acc[c, T_CONVERSIONS] += 1
                        if fk == EARNED:
                            acc[c, T_CONVERSIONS_EARNED] += 1
    dummy_nodes = np.zeros((2, 0), dtype=np.int64)
    for c in range(n_contents):
        if not by_segment:
            reach_seg_row[c, 0] += acc[c, T_REACH]
        acc[c, T_SHARERS] = counters[c, 7]
        acc[c, T_SEED_POSTS] = counters[c, 4]
        acc[c, T_FROM_SEED_GEN1] = counters[c, 5]
        acc[c, T_ARCS_TRAVERSED] = counters[c, 3]
        finish(ckeys[c], stream, rates[c, 0], step_h, t_end, series[c * N_SERIES: (c + 1) * N_SERIES],
               dummy_nodes, False, sh[c], acc[c], metrics_row[c])
        extras_row[c, 0] = launch[c] * step_h if 0 <= launch[c] <= series.shape[1] - 1 else np.nan
        extras_row[c, 1] = trig_t[c] * step_h if trig_t[c] >= 0 else np.nan
        extras_row[c, 2] = counters[c, 6]
        extras_row[c, 3] = acc[c, _A_OTHER_CLICKS] - acc[c, _A_PAID_CLICKS]
        extras_row[c, 4] = acc[c, _A_PAID_CLICKS]
    world_row[0] = audience
    world_row[1] = saw_both
    world_row[2] = inoculated
    world_row[3] = unanswered
    world_row[4] = pos_last
    world_row[5] = neg_last
    world_row[6] = pos_last - neg_last
    world_row[7] = posted_several
    return t_end


@njit(cache=True, parallel=True)
def run_world(graph, contents, seeding, world, keys, replicate_ids, n_threads, out, overflow, buffers):
    """Run the replicates ``replicate_ids`` of a world in parallel (thread th: ids[th], ids[th + T], ...).

    graph : (indptr, indices, segment int32)
    contents : per content c (C = number of contents):
        salts uint64 (C,) (0: the replicate key itself), share_prob float64 (C, steps + 1) by steps
        since launch, fatigue (C,), feed_reach (C,), delay_cdf (C, steps), delay_guide int32 (C, G),
        fixed_delay int64 (C,) (0: draw from delay_cdf), affinity (C, segments), rates (C, 3)
        (engagement, click, conversion), sentiment int64 (C,) (+1, 0, -1), class_of int64 (C,)
        (bucket class), start_step int64 (C,) (-1: triggered), trig_after, trig_metric,
        trig_level, trig_delay int64 (C,) (after = -1: no trigger).
    seeding : (seed_nodes, seed_indptr, seed_steps since launch, paid_steps since launch, paid_counts,
        paid_segment, paid_indptr, seg_indptr, seg_nodes), flattened by content.
    world : (cross (C, C), prior (C, C), interacting bool, attention int (0: unlimited), collide,
        n_classes, step_h)
    out : (metrics (R, C, N_METRICS), extras (R, C, N_EXTRA), world (R, N_WORLD), series
        (R or 0, C * N_SERIES + 2, steps + 1) int32, reach_seg (R, C, segments), attribution (R, C, max seeds))
    overflow : uint8 (R,), set for a replicate whose pool overflowed (rerun it with a larger pool).
    buffers : (state int32 (T, n, state_columns(C)) all zero at the first call,
        touched int32 (T, n + 1), bits uint64 (T, ceil(n / 64)) all zero, pool int32 (T, 4, cap),
        sh int32 (T, C, SH_ROWS, n))
    """
    n_contents = contents[0].shape[0]
    n_steps = contents[1].shape[1] - 1
    n_classes = world[5]
    series = out[3]
    head, tail, stream, _, scratch = thread_scratch(n_threads, n_classes, n_contents * N_SERIES + 2, n_steps)
    ckeys = np.empty((n_threads, n_contents), dtype=np.uint64)
    pkeys = np.empty((n_threads, n_contents, 5), dtype=np.uint64)  # per content: share, paid share, reach, delay, funnel
    counters = np.empty((n_threads, n_contents, 8), dtype=np.int64)
    launch = np.empty((n_threads, n_contents), dtype=np.int64)
    trig_t = np.empty((n_threads, n_contents), dtype=np.int64)
    record_series = series.shape[0] > 0
    work = (out[0], out[1], out[2], scratch, out[4], out[5])  # the thread's scratch series, not the output's
    for th in prange(n_threads):
        slot = th + 0
        while slot < replicate_ids.shape[0]:
            r = replicate_ids[slot]
            t_end = _one_world(r, keys[r], graph, contents, seeding, world, th, buffers, head[th], tail[th],
                               stream[th], ckeys[th], pkeys[th], counters[th], launch[th], trig_t[th],
                               work)
            if t_end < 0:
                overflow[r] = 1
                scratch[th, :, :] = 0
            else:
                if record_series:
                    series[r, :, : t_end + 1] = scratch[th, :, : t_end + 1]
                scratch[th, :, : t_end + 1] = 0
            slot += n_threads
