"""Placing an observed cascade's first posts on the users of an audience graph (for a warm start)."""

from __future__ import annotations

import numpy as np
from numba import njit

from .rng import uniform

_TRIES = 16  # draws of a random follower before falling back to anyone unused


@njit(cache=True)
def _nearest_degree(target, by_degree, degree_sorted, used, stamp):
    """The unused user whose follower count is nearest ``target`` (ties: the lower position first)."""
    n = by_degree.shape[0]
    pos = np.searchsorted(degree_sorted, target)
    for step in range(2 * n):
        j = pos + (step + 1) // 2 if step % 2 == 0 else pos - (step + 1) // 2
        if 0 <= j < n and used[by_degree[j]] != stamp:
            return by_degree[j]
    return -1


@njit(cache=True)
def _any_unused(key, counter, n, used, stamp):
    for k in range(64):
        v = np.int64(uniform(key, counter + k) * n)
        if used[v] != stamp:
            return v
    for v in range(n):  # the audience is nearly full: the first unused user
        if used[v] != stamp:
            return v
    return -1


@njit(cache=True)
def place_prefix(indptr, indices, parent, followers, by_degree, degree_sorted, root_pool, key, used, stamp, out):
    """Put the posts of an observed prefix (time order, root first) on distinct audience users.

    parent : int64, each post's parent row in the prefix (-1: the root; -2: unknown).
    followers : float64, each poster's follower count (NaN: unknown).
    by_degree, degree_sorted : users sorted by follower count (out-degree), and those counts.
    root_pool : int64, the users a root is drawn from when its follower count is unknown (empty: anyone).
    used : int64 (n,), a user is taken when ``used[v] == stamp``; out : int64, the users chosen.

    The rule: a post with a known follower count goes to the unused user with the nearest
    follower count; otherwise a reshare goes to a random unused follower of its parent's user
    (of the root's when the parent is unknown), and a root to a random user of ``root_pool``.
    Draws are keyed by (``key``, post, attempt): the placement is a pure function of its key.
    """
    n = indptr.shape[0] - 1
    for i in range(parent.shape[0]):
        base = np.int64(i) * 128
        v = np.int64(-1)
        if not np.isnan(followers[i]):
            v = _nearest_degree(followers[i], by_degree, degree_sorted, used, stamp)
        elif parent[i] == -1:
            if root_pool.shape[0] > 0:
                for k in range(_TRIES):
                    c = root_pool[np.int64(uniform(key, base + k) * root_pool.shape[0])]
                    if used[c] != stamp:
                        v = c
                        break
        else:
            p = out[parent[i]] if parent[i] >= 0 else out[0]
            a0 = indptr[p]
            deg = indptr[p + 1] - a0
            if deg > 0:
                for k in range(_TRIES):
                    c = indices[a0 + np.int64(uniform(key, base + k) * deg)]
                    if used[c] != stamp:
                        v = c
                        break
        if v < 0:
            v = _any_unused(key, base + _TRIES, n, used, stamp)
        used[v] = stamp
        out[i] = v
