"""The marked Hawkes baseline's likelihood (power-law kernel), one pass per cascade, O(posts^2)."""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def hawkes_profile_loglik(offsets, time_h, weight, horizon_h, c, theta):
    """Sum over cascades of the log-likelihood of their reshares, each cascade's own scale profiled out.

    Cascade k is rows ``offsets[k]:offsets[k + 1]`` (root first, time order, hours since the root),
    observed until ``horizon_h[k]``; post i excites the rate ``kappa * weight[i] * phi(t - t_i)``
    with ``phi(s) = theta c**theta / (s + c)**(1 + theta)``.  For fixed (c, theta) the best kappa
    is ``(N - 1) / sum_i weight[i] (1 - (c / (T - t_i + c))**theta)``; this returns the total of the
    log-likelihoods at those kappas.
    """
    total = 0.0
    log_norm = math.log(theta) + theta * math.log(c)
    for k in range(offsets.shape[0] - 1):
        a = offsets[k]
        n = offsets[k + 1] - a
        if n < 2:
            continue
        exposure = 0.0
        for i in range(n):
            exposure += weight[a + i] * (1.0 - (c / (horizon_h[k] - time_h[a + i] + c)) ** theta)
        ll = 0.0
        for j in range(1, n):
            rate = 0.0
            for i in range(j):
                rate += weight[a + i] * (time_h[a + j] - time_h[a + i] + c) ** (-1.0 - theta)
            ll += math.log(max(rate, 1e-300)) + log_norm
        kappa = (n - 1) / max(exposure, 1e-300)
        total += ll + (n - 1) * math.log(kappa) - (n - 1)
    return total
