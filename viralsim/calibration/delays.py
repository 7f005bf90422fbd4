"""The share delay by maximum likelihood: a lognormal, truncated by the observation window.

In the model a follower views a post a lognormal delay after it was made (``platform.delay``:
median and sigma) and, if the view turns into a share, reshares at that moment.  A reshare's
observed delay is its time minus its parent's.  A post made ``t`` hours into a window of ``W``
hours can only show delays up to ``W - t``, so each delay's likelihood is the lognormal density
divided by its probability of falling inside that remaining window; ignoring that would bias
the median down (late posts' long delays are never seen).  The delays are binned to the
simulator's steps, as it draws them, so the fitted lognormal reproduces the simulated delays.

The novelty decay tilts the delays of the views that became shares: a view ``d`` hours after
a post made at ``t`` succeeds with probability proportional to ``2 ** (-(t + d) / half_life)``,
so given its parent a reshare's delay has density proportional to ``lognormal(d) x 2 ** (-d /
half_life)`` (the parent's time cancels).  With ``half_life_h`` given, that tilted density is the
likelihood, so the fitted median and sigma are those of the view delay the model draws.  What
is still left out: a user who views several posts reshares the first that succeeds, which
shortens observed delays a little more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ..errors import ObservedDataError

@dataclass(frozen=True)
class DelayFit:
    """The fitted lognormal: median (hours) and sigma, with Wald intervals at ``level``."""

    median_h: float
    sigma: float
    median_interval: tuple[float, float]
    sigma_interval: tuple[float, float]
    level: float
    n_delays: int
    log_likelihood: float


def share_delays(cascades) -> tuple[np.ndarray, np.ndarray]:
    """Each reshare's delay after its parent (hours) and its parent's time, from cascades with parents."""
    rows = cascades.cascade_of_row()
    reshare = cascades.parent >= 0
    parent_time = cascades.time_h[cascades.offsets[:-1][rows[reshare]] + cascades.parent[reshare]]
    return cascades.time_h[reshare] - parent_time, parent_time


def fit_delay(delay_h: np.ndarray, parent_time_h: np.ndarray, window_h: float, *, step_h: float,
              half_life_h: float | None = None, level: float = 0.9) -> DelayFit:
    """Maximum likelihood of (log median, log sigma) of the delay as the simulator draws it at ``step_h``.

    The simulator's delay is ``max(1, round(L / step))`` steps with L lognormal, so each observed
    delay is binned the same way and its likelihood is the lognormal's probability of that bin,
    divided by the probability of a bin inside the window's remaining ``window_h - parent_time``
    hours; with ``half_life_h`` each bin ``j`` is also weighted by ``2 ** (-j step / half_life)``
    (the decay tilt, see the module docstring).  Wald intervals from the observed information
    (the numerical Hessian of the log-likelihood in log median and log sigma).
    """
    d = np.asarray(delay_h, dtype=np.float64)
    if d.shape[0] < 2:
        raise ObservedDataError(f"the cascades have {d.shape[0]} reshare(s) with a known parent: too few to fit "
                                "the share delay (need at least 2)")
    n_bins = max(1, int(math.floor(window_h / step_h + 0.5)))
    j = np.clip(np.floor(d / step_h + 0.5), 1, n_bins).astype(np.int64)
    room = np.clip(np.floor((window_h - np.asarray(parent_time_h, dtype=np.float64)) / step_h + 0.5), 1,
                   n_bins).astype(np.int64)
    # the likelihood depends on the data only through these counts
    bin_count = np.bincount(j, minlength=n_bins + 1)[1:].astype(np.float64)
    room_count = np.bincount(room, minlength=n_bins + 1)[1:].astype(np.float64)
    log_upper = np.log((np.arange(1, n_bins + 1) + 0.5) * step_h)
    lam = 0.0 if half_life_h is None else math.log(2.0) / half_life_h
    tilt = np.exp(-lam * np.arange(1, n_bins + 1) * step_h)

    def nll(theta):
        mu, log_s = theta
        cdf = special.ndtr((log_upper - mu) / math.exp(log_s))
        p = np.diff(np.concatenate([[0.0], cdf])) * tilt  # bin 1 takes everything below 1.5 steps
        inside = np.cumsum(p)
        with np.errstate(divide="ignore"):
            ll = (bin_count * np.log(np.maximum(p, 1e-300))).sum() - (room_count * np.log(np.maximum(inside, 1e-300))).sum()
        return -float(ll)

    log_d = np.log(np.maximum(d, step_h / 2))
    start = np.array([float(np.median(log_d)), math.log(max(float(log_d.std()), 0.05))])
    res = optimize.minimize(nll, start, method="L-BFGS-B", bounds=[(-20.0, 20.0), (math.log(1e-2), math.log(20.0))])
    theta = res.x
    try:
        cov = np.linalg.inv(_hessian(nll, theta))
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    except np.linalg.LinAlgError:
        se = np.array([np.inf, np.inf])
    zq = float(special.ndtri(0.5 + level / 2))
    mu, log_s = theta
    return DelayFit(
        median_h=math.exp(mu), sigma=math.exp(log_s),
        median_interval=(math.exp(mu - zq * se[0]), math.exp(mu + zq * se[0])),
        sigma_interval=(math.exp(log_s - zq * se[1]), math.exp(log_s + zq * se[1])),
        level=level, n_delays=int(d.shape[0]), log_likelihood=-float(res.fun))


def _hessian(f, x, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a scalar function of a short vector."""
    n = x.shape[0]
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h * h)
    return out


def lognormal_cdf(hours: np.ndarray, median_h: float, sigma: float) -> np.ndarray:
    """P(delay <= hours) for the fitted lognormal (for the goodness-of-fit figure)."""
    with np.errstate(divide="ignore"):
        return special.ndtr((np.log(np.asarray(hours, dtype=np.float64)) - math.log(median_h)) / sigma)
