"""The parallel driver of the world kernels: replicates over threads, each by one of the two paths."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .cascade import N_SERIES
from .world import one_world_every_view
from .world_generated import one_world_generated


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
        n_classes, step_h, generated bool (run the generated-views path, which the caller has checked
        applies), hi float64 (C,): an upper bound of each content's interaction factor)
    out : (metrics (R, C, N_METRICS), extras (R, C, N_EXTRA), world (R, N_WORLD), series
        (R or 0, C * N_SERIES + 2, steps + 1) int32, reach_seg (R, C, segments), attribution (R, C, max seeds))
    overflow : uint8 (R,), set for a replicate whose pool overflowed (rerun it with a larger pool).
    buffers : (state int32 (T, n, state_columns(C)) all zero at the first call,
        touched int32 (T, n + 1), bits uint64 (T, ceil(n / 64)) all zero, pool int32 (T, 4, cap),
        sh int32 (T, C, 6, n), okeys int64 (T, n or 0, 3 + C): the generated-views path's order keys)
    """
    n_contents = contents[0].shape[0]
    n_steps = contents[1].shape[1] - 1
    n_classes = world[5]
    series = out[3]
    head = np.empty((n_threads, n_classes, n_steps + 1), dtype=np.int32)
    tail = np.empty((n_threads, n_classes, n_steps + 1), dtype=np.int32)
    gen_count = np.empty((n_threads, n_steps + 2), dtype=np.int64)
    stream = np.empty((n_threads, 1), dtype=np.uint64)
    ckeys = np.empty((n_threads, n_contents), dtype=np.uint64)
    pkeys = np.empty((n_threads, n_contents, 5), dtype=np.uint64)  # per content: share, paid share, reach, delay, funnel
    counters = np.empty((n_threads, n_contents, 8), dtype=np.int64)
    launch = np.empty((n_threads, n_contents), dtype=np.int64)
    trig_t = np.empty((n_threads, n_contents), dtype=np.int64)
    n_rows = n_contents * N_SERIES + 2
    scratch = np.zeros((n_threads, n_rows, n_steps + 1), dtype=np.int32)
    record_series = series.shape[0] > 0
    work = (out[0], out[1], out[2], scratch, out[4], out[5])  # the thread's scratch series, not the output's
    generated = world[7]
    reach_step = np.zeros((n_threads, n_contents if generated else 0, n_steps + 1), dtype=np.int64)
    cum = np.zeros((n_threads, n_contents, 2), dtype=np.int64)
    rank = np.empty((n_threads, n_steps + 1 if generated else 0, n_classes), dtype=np.int64)
    for th in prange(n_threads):
        head[th, :, :] = -1
        gen_count[th, :] = 0
        for t in range(rank.shape[1]):  # the fixed class order (the random rule redraws it per replicate)
            for cl in range(n_classes):
                rank[th, t, cl] = cl
        slot = th + 0
        while slot < replicate_ids.shape[0]:
            r = replicate_ids[slot]
            if generated:
                t_end = one_world_generated(
                    r, keys[r], graph, contents, seeding, world, th, buffers, head[th], tail[th], gen_count[th],
                    stream[th], ckeys[th], pkeys[th], counters[th], launch[th], trig_t[th], buffers[5][th],
                    reach_step[th], cum[th], rank[th], work)
                if t_end < 0:
                    reach_step[th, :, :] = 0
                else:
                    reach_step[th, :, : t_end + 1] = 0
            else:
                t_end = one_world_every_view(
                    r, keys[r], graph, contents, seeding, world, th, buffers, head[th], tail[th], gen_count[th],
                    stream[th], ckeys[th], pkeys[th], counters[th], launch[th], trig_t[th], work)
            if t_end < 0:
                overflow[r] = 1
                scratch[th, :, :] = 0
            else:
                if record_series:
                    series[r, :, : t_end + 1] = scratch[th, :, : t_end + 1]
                scratch[th, :, : t_end + 1] = 0
            slot += n_threads
