"""Published ways to predict a cascade's final size from its start, written for the comparison.

* **Persistence**: the final size is the size at the observation time.
* **SEISMIC** (Zhao et al., KDD 2015): a self-exciting process whose rate is the posts' follower
  counts times a memory kernel (constant for 5 minutes, then a power law with exponent
  1 + 0.2315: the package's defaults) times the content's infectiousness ``p``.  ``p`` is
  estimated as the reshares so far over the exposure so far, ``sum_i n_i Phi(t - t_i)``, and the
  final count is the reshares so far plus ``p`` times the exposure still to come, divided by
  ``1 - p n*`` (``n*``: the mean follower count of a resharer, from the training cascades).
  The paper's locally weighted estimate of ``p`` (a triangular window over time) is replaced by
  this plain ratio.  Cascades with ``p n* >= 1`` (supercritical) are not scored.
* **Marked Hawkes** (Mishra, Rizoiu & Xie, CIKM 2016): each post excites reshares at rate
  ``kappa m_i^beta phi(t - t_i)``, ``phi`` a power law ``theta c^theta / (s + c)^(1 + theta)``,
  ``m_i`` the follower count; (beta, c, theta) are fitted once on the training cascades' first
  hours, ``kappa`` on each cascade's own; the final size adds the expected direct reshares still
  to come divided by ``1 - n*``, ``n* = kappa E[m^beta]`` over resharers (the branching factor
  of the reshares).  ``n* >= 1`` is not scored.

Where the data has no follower counts (Twitter15/16, Weibo), what is assumed: every resharer
has the same count (1), and the root has ``root_weight`` times as many, the ratio of a root's
direct reshares to a resharer's in the training cascades (their parent links give it).  With
every count 1, roots included, almost every cascade would be supercritical: a news account's
post draws hundreds of reshares, a resharer's a fraction of one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..kernels.hawkes import hawkes_profile_loglik

SEISMIC_THETA = 0.2314843
SEISMIC_CUTOFF_H = 300.0 / 3600.0  # the kernel's constant part: 5 minutes


@dataclass(frozen=True)
class Prediction:
    """Predicted final sizes of some cascades at one observation time (NaN where not scored);
    ``interval80`` and ``interval95`` are (low, high) arrays, or None for a point method."""

    method: str
    at_h: float
    point: np.ndarray
    interval80: tuple | None = None
    interval95: tuple | None = None


def root_weight(train) -> float:
    """A root's direct reshares per a resharer's, in the training cascades (1 without parent links)."""
    if not train.has_parents:
        return 1.0
    is_root = train.parent == -1
    children = np.bincount(train.offsets[:-1][train.cascade_of_row()[train.parent >= 0]]
                           + train.parent[train.parent >= 0], minlength=train.time_h.shape[0])
    per_root = children[is_root].mean()
    per_resharer = children[~is_root].mean() if (~is_root).any() else 0.0
    return float(per_root / per_resharer) if per_resharer > 0 else 1.0


def _followers(prefix, weight_of_root: float = 1.0) -> np.ndarray:
    """Follower counts, or where unknown 1 for a resharer and ``weight_of_root`` for a root."""
    f = prefix.followers
    return np.where(np.isnan(f), np.where(prefix.parent == -1, weight_of_root, 1.0), f)


def persistence(prefix, at_h: float) -> Prediction:
    return Prediction("persistence", at_h, prefix.sizes.astype(np.float64))


def _seismic_memory_cdf(s: np.ndarray) -> np.ndarray:
    """Phi(s), the share of a post's exposure spent by age s hours (SEISMIC's kernel)."""
    s0, th = SEISMIC_CUTOFF_H, SEISMIC_THETA
    c = th / (s0 * (1.0 + th))
    s = np.maximum(s, 0.0)
    return np.where(s <= s0, c * s, 1.0 - np.maximum(s / s0, 1.0) ** (-th) / (1.0 + th))


def seismic(prefix, at_h: float, n_star: float, weight_of_root: float = 1.0) -> Prediction:
    rows = prefix.cascade_of_row()
    n = _followers(prefix, weight_of_root)
    spent = _seismic_memory_cdf(at_h - prefix.time_h)
    exposure = np.bincount(rows, n * spent, minlength=prefix.n_cascades)
    remaining = np.bincount(rows, n * (1.0 - spent), minlength=prefix.n_cascades)
    reshares = prefix.sizes - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        p = reshares / exposure
        point = 1.0 + reshares + p * remaining / (1.0 - p * n_star)
    point[~(p * n_star < 1.0) | ~np.isfinite(point)] = np.nan
    return Prediction("SEISMIC", at_h, point)


@dataclass(frozen=True)
class MarkedHawkes:
    """The fitted shape of the marked Hawkes baseline: mark exponent, kernel (c in hours, theta)
    and the mean weight ``E[m^beta]`` of a post."""

    beta: float
    c_h: float
    theta: float
    mean_weight: float
    weight_of_root: float = 1.0

    @classmethod
    def fit(cls, train_prefix, at_h: float, *, weight_of_root: float = 1.0, max_cascades: int = 300,
            seed: int = 0) -> "MarkedHawkes":
        """Maximum likelihood of (beta, c, theta) on up to ``max_cascades`` training prefixes (each
        cascade's kappa profiled out); without follower counts beta is 1 on the assumed ones."""
        rng = np.random.default_rng(seed)
        idx = np.arange(train_prefix.n_cascades)
        if idx.shape[0] > max_cascades:
            idx = np.sort(rng.choice(idx, max_cascades, replace=False))
        sub = train_prefix.select(idx)
        m = _followers(sub, weight_of_root)
        marked = train_prefix.has_followers
        horizon = np.full(sub.n_cascades, float(at_h))

        def nll(x):
            beta = x[2] if marked else 1.0
            w = np.maximum(m, 1.0) ** beta
            return -hawkes_profile_loglik(sub.offsets, sub.time_h, w, horizon, math.exp(x[0]), math.exp(x[1]))

        x0 = [math.log(0.1), math.log(0.5)] + ([0.5] if marked else [])
        bounds = [(math.log(1e-3), math.log(24.0)), (math.log(0.01), math.log(5.0))] + ([(0.0, 1.5)] if marked else [])
        res = optimize.minimize(nll, x0, method="L-BFGS-B", bounds=bounds)
        beta = float(res.x[2]) if marked else 1.0
        resharers = train_prefix.parent != -1
        weights = np.maximum(_followers(train_prefix, weight_of_root)[resharers], 1.0) ** beta
        return cls(beta=beta, c_h=math.exp(res.x[0]), theta=math.exp(res.x[1]),
                   mean_weight=float(weights.mean()) if weights.shape[0] else 1.0, weight_of_root=weight_of_root)

    def predict(self, prefix, at_h: float) -> Prediction:
        rows = prefix.cascade_of_row()
        w = np.maximum(_followers(prefix, self.weight_of_root), 1.0) ** self.beta
        tail = (self.c_h / (at_h - prefix.time_h + self.c_h)) ** self.theta  # exposure still to come
        exposure = np.bincount(rows, w * (1.0 - tail), minlength=prefix.n_cascades)
        to_come = np.bincount(rows, w * tail, minlength=prefix.n_cascades)
        with np.errstate(divide="ignore", invalid="ignore"):
            kappa = (prefix.sizes - 1.0) / exposure
            branching = kappa * self.mean_weight
            point = prefix.sizes + kappa * to_come / (1.0 - branching)
        point[~(branching < 1.0) | ~np.isfinite(point)] = np.nan
        return Prediction("marked Hawkes", at_h, point)
