"""The full-feed path of the cascade kernel: every post reaches every follower after one fixed
delay (the independent cascade, with or without decay and affinity), on two bitmaps per thread."""

from __future__ import annotations

import numpy as np
from numba import njit

from .buffers import clear_bits, push, seed_node
from .layout import (
    _EVENTS_AHEAD, _P_SHARE, _S_KIND, _S_REACH, _S_SHARES, EARNED, N_TALLY, OWNED, T_ARCS_TRAVERSED, T_FROM_SEED_GEN1,
    T_REACH, T_REACH_OWNED, T_SEED_POSTS, T_SHARERS, T_VIEWS, T_VIEWS_EARNED,
)
from .memory import prefetch
from .rng import hash2, uniform
from .tree import SH_SEED, add_sharer, finish


@njit(cache=True)
def one_replicate_full_feed(key, graph, seeding, rules, seen, posted, touched, q, sh, stream, tally, series_row,
                            metrics_row, reach_seg_row, attribution_row, node_counts, record_nodes):
    """:func:`.cascade._one_replicate` when every post reaches every follower after the same delay
    (feed_reach 1, a fixed delay, fatigue 1, no paid posts and no clicks): the independent
    cascade, with or without decay and affinity.

    Views then arrive in the order they are processed, so a user's first view (reach, its
    kind, step and seed) is settled by one "seen" bit, and a queued share is final, so whether
    a user has posted or is queued is one "posted" bit: two bitmaps of n bits, which stay in
    cache where 32-byte rows per user did not.  Impressions are counted per post.  The coins
    and the order of events are the general path's, so the outputs are identical to it (tests
    assert this).  ``seen`` and ``posted`` are all zero on entry and on return.
    """
    indptr, indices, segment = graph.indptr, graph.indices, graph.segment
    seeds, seed_steps, random_seed, seed_pool = seeding.seeds, seeding.seed_steps, seeding.random_seed, seeding.seed_pool
    share_prob_by_step, affinity, unit_affinity = rules.share_prob_by_step, rules.affinity, rules.unit_affinity
    delay_steps, stop_after_sharers = rules.fixed_delay_steps, rules.stop_after_sharers
    head, tail, pool_node, pool_src, pool_next = q
    n = indptr.shape[0] - 1
    n_steps = share_prob_by_step.shape[0] - 1
    n_seeds = seeds.shape[0]
    k_share = hash2(key, _P_SHARE)
    sh_seed = sh[SH_SEED]
    tally[:] = 0
    by_segment = reach_seg_row.shape[0] > 1
    n_touched = 0
    n_sharers = 0
    top = 0
    popped = 0
    t_hi = 0
    for i in range(n_seeds):  # seeds never share others' posts
        v = seed_node(key, seeds, i, random_seed, n, seed_pool)
        posted[v >> 6] |= np.uint64(1) << np.uint64(v & 63)
        if seed_steps[i] <= n_steps:
            top = push(head, tail, pool_node, pool_src, pool_next, top, seed_steps[i], v, -1 - i)

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
                tally[T_SEED_POSTS] += 1
                parent = -1
                kind = OWNED
            else:
                parent = src
                seed_idx = sh_seed[parent]
                series_row[_S_SHARES, t] += 1
                kind = EARNED
            s = n_sharers
            n_sharers += 1
            tally[T_FROM_SEED_GEN1] += add_sharer(sh, s, v, parent, seed_idx, seed_post, t)
            if stop_after_sharers > 0 and n_sharers >= stop_after_sharers:
                stopped = True
            a0 = indptr[v]
            a1 = indptr[v + 1]
            tally[T_ARCS_TRAVERSED] += a1 - a0
            tv = t + delay_steps
            if tv <= n_steps and a1 > a0:
                if tv > t_hi:
                    t_hi = tv
                series_row[_S_KIND + kind, tv] += a1 - a0
                tally[T_VIEWS] += a1 - a0
                if kind == EARNED:
                    tally[T_VIEWS_EARNED] += a1 - a0
                p_tv = share_prob_by_step[tv]
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
                        qw = p_tv
                        if not unit_affinity:
                            qw *= affinity[segment[w]]
                        if uniform(k_share, np.int64(v) * n + w) < qw:
                            if top == pool_node.shape[0]:
                                clear_full_feed(key, seeds, random_seed, seed_pool, n, seen, posted, touched, n_touched,
                                                pool_node, top)
                                head[:] = -1
                                return -1
                            posted[word] |= bit
                            top = push(head, tail, pool_node, pool_src, pool_next, top, tv, w, s)
                first_views = n_touched - first_views
                series_row[_S_REACH, tv] += first_views
                tally[T_REACH_OWNED + kind] += first_views
                if kind == EARNED:
                    if seed_idx >= 0:
                        attribution_row[seed_idx] += first_views
            if stopped:
                break

    if popped != top:
        head[:] = -1
    tally[T_REACH] = n_touched
    tally[T_SHARERS] = n_sharers
    if not by_segment:
        reach_seg_row[0] += n_touched
    if record_nodes:  # per-thread tallies: only a replicate that completes may add to them
        for i in range(n_touched):
            node_counts[1, touched[i]] += 1
    clear_full_feed(key, seeds, random_seed, seed_pool, n, seen, posted, touched, n_touched, pool_node, top)
    return finish(key, stream, rules.engagement_rate, rules.step_h, min(t_hi, n_steps), series_row,
                  node_counts, record_nodes, sh, tally, metrics_row)


@njit(cache=True)
def clear_full_feed(key, seeds, random_seed, seed_pool, n, seen, posted, touched, n_touched, pool_node, top):
    """Zero the bitmaps of a full-feed replicate, finished or cut short by a full pool."""
    if n_touched * 16 > seen.shape[0] * 64:
        seen[:] = 0
    else:
        clear_bits(touched, n_touched, seen)
    for i in range(top):  # every queued user: seeds' posts and shares
        posted[pool_node[i] >> 6] = np.uint64(0)
    for i in range(seeds.shape[0]):  # and the seeds, some of whose posts may fall after the horizon
        v = seed_node(key, seeds, i, random_seed, n, seed_pool)
        posted[v >> 6] = np.uint64(0)
