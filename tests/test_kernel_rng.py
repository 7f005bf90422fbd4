"""The kernels' random variates against their exact laws."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from scipy import stats

from viralsim.kernels.rng import (
    geometric_from_exponential,
    geometric_skip,
    next_exponential,
    next_uniform,
    seed_stream,
)


@njit(cache=True)
def _exponentials(key, count):
    state = np.zeros(1, dtype=np.uint64)
    seed_stream(state, key, 0)
    out = np.empty(count)
    for i in range(count):
        out[i] = next_exponential(state)
    return out


@njit(cache=True)
def _geometrics(key, count, p, by_exponential):
    state = np.zeros(1, dtype=np.uint64)
    seed_stream(state, key, 0)
    out = np.empty(count, dtype=np.int64)
    log1m_p = math.log1p(-p)
    for i in range(count):
        if by_exponential:
            out[i] = geometric_from_exponential(next_exponential(state), -1.0 / log1m_p)
        else:
            out[i] = geometric_skip(next_uniform(state), log1m_p)
    return out


def test_ziggurat_exponential_has_the_exponential_law_body_and_tail():
    count = 2_000_000
    x = _exponentials(np.uint64(11), count)
    assert stats.kstest(x, "expon").pvalue > 0.001
    assert abs(x.mean() - 1.0) < 4 / math.sqrt(count)
    # the ziggurat's base layer hands points beyond r = 7.697 to an exact tail: P(X > t) = e^-t
    for t in (3.0, 7.0, 7.697, 9.0, 11.0):
        p = math.exp(-t)
        assert abs((x > t).sum() - count * p) < 4 * math.sqrt(count * p * (1 - p)), t


def test_geometric_skips_from_exponentials_have_the_geometric_law():
    count = 400_000
    for p in (0.3, 0.01):
        g = _geometrics(np.uint64(5), count, p, True)
        ref = _geometrics(np.uint64(6), count, p, False)  # the inversion of one uniform
        for sample in (g, ref):  # P(G >= k) = (1 - p)^k
            for k in (1, 3, int(1 / p), int(3 / p)):
                q = (1 - p) ** k
                assert abs((sample >= k).sum() - count * q) < 4 * math.sqrt(count * q * (1 - q)), (p, k)
        assert abs(g.mean() - (1 - p) / p) < 4 * math.sqrt((1 - p) / p**2 / count)
