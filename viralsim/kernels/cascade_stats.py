"""Descriptive statistics of share cascades given as flat trees: one kernel for observed and simulated alike."""

from __future__ import annotations

import numpy as np
from numba import njit

# columns of the per-cascade statistics
C_SIZE = 0  # posts, roots included
C_DEPTH = 1  # the deepest generation (a root is generation 0); NaN without parents
C_STRUCTURAL_VIRALITY = 2  # mean distance between two posts of one tree (Goel et al. 2016); NaN below 2
C_TIME_TO_50PCT_H = 3  # hours from the first post until half of the posts were made
C_TIME_TO_90PCT_H = 4
N_COLUMNS = 5


@njit(cache=True)
def cascade_statistics(offsets, parent, time_h, out, generations):
    """Per cascade ``c``: the rows ``offsets[c]:offsets[c + 1]`` in time order, ``parent`` the row of
    the reshared post within the cascade (-1 for a root, which starts a tree of its own; -2 when
    unknown), ``time_h`` the hours since the first post.

    Writes ``out[c]`` (the ``C_*`` columns) and ``generations[c, g]``, the posts at generation g
    (the last column gathers the deeper ones; untouched without parents).  A cascade of several
    trees (a simulated replicate with several seeds) has its structural virality over pairs
    within one tree, as the simulator's own metric.
    """
    n_gen = generations.shape[1]
    largest = 0
    for c in range(offsets.shape[0] - 1):
        largest = max(largest, offsets[c + 1] - offsets[c])
    gen = np.zeros(largest, dtype=np.int64)
    sub = np.ones(largest, dtype=np.int64)
    root = np.zeros(largest, dtype=np.int64)
    for c in range(offsets.shape[0] - 1):
        a = offsets[c]
        size = offsets[c + 1] - a
        out[c, C_SIZE] = size
        out[c, C_TIME_TO_50PCT_H] = np.nan
        out[c, C_TIME_TO_90PCT_H] = np.nan
        out[c, C_DEPTH] = np.nan
        out[c, C_STRUCTURAL_VIRALITY] = np.nan
        if size == 0:
            continue
        # the first post at which the count reaches half (90%) of the final size
        out[c, C_TIME_TO_50PCT_H] = time_h[a + (size + 1) // 2 - 1]
        out[c, C_TIME_TO_90PCT_H] = time_h[a + (9 * size + 9) // 10 - 1]
        known = True
        for i in range(size):
            if parent[a + i] == -2:
                known = False
                break
        if not known:
            continue
        depth = 0
        for i in range(size):  # parents come first
            p = parent[a + i]
            sub[i] = 1
            gen[i] = 0
            if p >= 0:
                gen[i] = gen[p] + 1
                root[i] = root[p]
            else:
                root[i] = i
            if gen[i] > depth:
                depth = gen[i]
            generations[c, min(gen[i], n_gen - 1)] += 1
        for i in range(size - 1, 0, -1):
            p = parent[a + i]
            if p >= 0:
                sub[p] += sub[i]
        wiener = 0.0
        pairs = 0.0
        for i in range(size):
            if parent[a + i] >= 0:
                s = float(sub[i])
                wiener += s * (sub[root[i]] - s)  # the pairs this edge separates
            else:
                t = float(sub[i])
                pairs += t * (t - 1.0) / 2.0
        out[c, C_DEPTH] = depth
        if pairs > 0:
            out[c, C_STRUCTURAL_VIRALITY] = wiener / pairs
