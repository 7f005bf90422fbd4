"""Typed Monte Carlo results: per-replicate metrics, per-step series and their summaries."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["SimulationResult", "SharerTrees", "Summary", "summarize", "t975", "MetricDifference", "paired_difference"]

_FIELDS = ("mean", "std", "median", "p05", "p95", "ci95_low", "ci95_high")


def t975(df: float) -> float:
    """97.5% quantile of Student's t with ``df`` degrees of freedom (inf when df <= 0)."""
    from scipy.stats import t

    return float(t.ppf(0.975, df)) if df > 0 else math.inf


@dataclass(frozen=True)
class Summary:
    """One metric over replicates (NaN replicates, where the metric is undefined, are left out).

    ``ci95_low``/``ci95_high`` is the 95% Student-t confidence interval of the mean, cut at the
    metric's possible range (:func:`metric_range`: a count's interval does not go below 0, a
    share's not above 1; the true mean lies inside it, so coverage is kept); ``p05``/``p95``
    bound the middle 90% of replicates (the spread one campaign should expect).  ``n`` counts
    the replicates where the metric is defined.
    """

    mean: float
    std: float
    median: float
    p05: float
    p95: float
    ci95_low: float
    ci95_high: float
    n: int = 0

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in (*_FIELDS, "n")}

    @classmethod
    def from_dict(cls, d: dict) -> "Summary":
        """Inverse of :meth:`to_dict` as read back from JSON (null -> NaN); TypeError on a non-number."""
        values = []
        for k in _FIELDS:
            x = d.get(k)
            if x is not None and (isinstance(x, bool) or not isinstance(x, (int, float))):
                raise TypeError(f"{k}: expected a number, got {x!r}")
            values.append(math.nan if x is None else float(x))
        return cls(*values, int(d.get("n", 0)))


# metrics that can be negative (money balances, differences of audiences); every other metric
# is a count, a time, a rate or a share and cannot
SIGNED_METRICS = frozenset({"roi", "net_value", "net_sentiment_reach", "net_earned_media"})


def metric_range(metric: str) -> tuple[float, float]:
    """The values ``metric`` can take: shares in [0, 1], signed balances anything, the rest >= 0."""
    if metric in SIGNED_METRICS:
        return -math.inf, math.inf
    if metric.startswith("share_of_voice"):
        return 0.0, 1.0
    return 0.0, math.inf


def summarize(values, bounds: tuple[float, float] = (-math.inf, math.inf)) -> Summary:
    """Mean, std (ddof=1), median, 5th/95th percentiles and the 95% t interval of the mean (cut at
    ``bounds``, the values the metric can take: see :func:`metric_range`)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        nan = math.nan
        return Summary(nan, nan, nan, nan, nan, nan, nan, 0)
    mean = float(x.mean())
    if n > 1:
        std = float(x.std(ddof=1))
        half = t975(n - 1) * std / math.sqrt(n)
    else:
        std, half = 0.0, math.inf
    p05, med, p95 = (float(v) for v in np.quantile(x, [0.05, 0.5, 0.95]))
    return Summary(mean, std, med, p05, p95, max(mean - half, bounds[0]), min(mean + half, bounds[1]), n)


@dataclass(frozen=True, eq=False)
class SharerTrees:
    """Each replicate's posts in time order, as flat trees (the layout :mod:`viralsim.observed.stats` reads).

    Replicate r is rows ``offsets[r]:offsets[r + 1]``; ``parent`` is the row of the reshared post
    within the replicate (-1: a seed's own post, or a share of a paid post); ``time_h`` the hours
    since the replicate's first post; ``step`` the kernel's step of each post; ``node`` the user.
    ``truncated`` (runs,) marks replicates with more posts than were kept (their first ones are).
    """

    offsets: np.ndarray
    parent: np.ndarray
    time_h: np.ndarray
    step: np.ndarray
    node: np.ndarray
    truncated: np.ndarray

    @classmethod
    def from_kernel(cls, trees: np.ndarray, posts: np.ndarray, step_h: float) -> "SharerTrees":
        """From the kernel's (runs, 3, cap) rows of parent, step and user, and each replicate's post count."""
        cap = trees.shape[2]
        kept = np.minimum(posts.astype(np.int64), cap)
        mask = np.arange(cap)[None, :] < kept[:, None]
        offsets = np.zeros(trees.shape[0] + 1, dtype=np.int64)
        np.cumsum(kept, out=offsets[1:])
        step = trees[:, 1, :][mask].astype(np.int64)
        first = np.repeat(trees[:, 1, 0].astype(np.int64), kept)
        return cls(offsets=offsets, parent=trees[:, 0, :][mask].astype(np.int64), time_h=(step - first) * step_h,
                   step=step, node=trees[:, 2, :][mask].astype(np.int64), truncated=posts > cap)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What :func:`viralsim.model.simulate` returns.

    Attributes
    ----------
    metrics : dict of str -> float64 array (runs,)
        Per-replicate metrics (see ``docs/model.md`` for definitions and units).
    timeseries : dict of str -> int32 array (runs, steps + 1)
        New counts per step: reach, impressions, impressions_owned, impressions_paid,
        impressions_earned, shares.
    times_h : float64 array (steps + 1,)
        Start of each step in hours.
    reach_by_segment : int64 array (runs, n_segments)
    segment_names : tuple of str
        ``("all",)`` for a graph without segments.
    attribution : int64 array (runs, n_seeds)
        Users whose first exposure was an earned view descended from each seed.
    seeds : int64 array (n_seeds,)
    diagnostics : dict of str -> array (runs,)
        ``seed_posts`` (seed posts inside the horizon) and ``arcs_traversed`` (sum of the
        out-degrees of everyone who posted: the work done).
    node_share_prob, node_reach_prob : float64 array (n,) or None
        Per user, fraction of replicates in which they shared (seeds: posted) / were reached;
        only when requested with ``node_stats=True``.
    entropy : int
        Entropy of the seed sequence used (reproduces ``seed=None`` runs).
    trees : SharerTrees or None
        Each replicate's sharer tree, when requested with ``keep_trees``.
    """

    metrics: dict
    timeseries: dict
    times_h: np.ndarray
    reach_by_segment: np.ndarray
    segment_names: tuple
    attribution: np.ndarray
    seeds: np.ndarray
    diagnostics: dict
    node_share_prob: np.ndarray | None = None
    node_reach_prob: np.ndarray | None = None
    entropy: int | None = None
    trees: SharerTrees | None = None

    @property
    def runs(self) -> int:
        return int(self.attribution.shape[0])

    def cumulative(self, name: str) -> np.ndarray:
        """Cumulative per-step counts of series ``name``, shape (runs, steps + 1), int64."""
        if not self.timeseries:
            raise InvalidParameterError("the time series were not kept (simulate(..., timeseries=False))")
        if name not in self.timeseries:
            raise InvalidParameterError(f"name must be one of {', '.join(self.timeseries)}; got {name!r}")
        return np.cumsum(self.timeseries[name], axis=1, dtype=np.int64)

    def summary(self) -> dict[str, Summary]:
        """A :class:`Summary` of every metric."""
        return {k: summarize(v, metric_range(k)) for k, v in self.metrics.items()}


@dataclass(frozen=True)
class MetricDifference:
    """Paired difference ``scenario - baseline`` of one metric over common-random-number replicates.

    ``p_beats`` is the fraction of replicates where the scenario does better than the baseline
    (ties count one half): a higher value, or a lower one for the metrics in
    :data:`LOWER_IS_BETTER`.  It is None for metrics without a better direction
    (:data:`NO_DIRECTION`) and when both sides are equal in every replicate.  ``independent_ci_half_width`` is the 95% half-width the same data
    would give if the runs were independent (Welch), to show what CRN saves.
    """

    baseline_mean: float | None
    scenario_mean: float | None
    mean_diff: float | None
    ci95_low: float | None
    ci95_high: float | None
    p_beats: float | None
    paired_ci_half_width: float | None
    independent_ci_half_width: float | None
    n: int

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self.__dict__.items()}


# Which way is better, declared once for every table, figure and verdict: costs and the
# negative side's reach are better lower; descriptive metrics (timing, depth, frequency) have no
# better direction, so no P(beats) is shown for them.
LOWER_IS_BETTER = frozenset({"paid_cost", "total_cost", "cost_per_earned_reach", "negative_last", "unanswered"})
NO_DIRECTION = frozenset({"frequency", "depth", "structural_virality", "time_to_50pct_h", "time_to_90pct_h",
                          "peak_time_h", "seed_posts", "arcs_traversed", "launch_h", "trigger_h", "views_dropped"})


P_BEATS_DEFINITION = ("P(beats) = share of paired runs where the scenario does better than the baseline: higher, "
                      "or lower for costs and the negative side's reach (ties count half); not shown where both "
                      "are equal in every run or the metric has no better direction (timing, depth, frequency)")


def better_direction(metric: str) -> int:
    """+1 if a higher value of ``metric`` is better, -1 if a lower one is, 0 if neither."""
    if metric in LOWER_IS_BETTER:
        return -1
    return 0 if metric in NO_DIRECTION else 1


def paired_difference(base, other, direction: int = 1) -> MetricDifference:
    """Difference statistics of two per-replicate arrays from the same replicate keys.

    ``direction`` (see :func:`better_direction`) decides what "beats" means for ``p_beats``."""
    a = np.asarray(base, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = int(a.size)
    if n == 0:
        return MetricDifference(None, None, None, None, None, None, None, None, 0)
    d = b - a
    mean = float(d.mean())
    if direction == 0 or not np.any(d):
        p_beats = None
    else:
        wins = np.count_nonzero(d * direction > 0)
        p_beats = float((wins + 0.5 * np.count_nonzero(d == 0)) / n)
    if n < 2:
        return MetricDifference(float(a.mean()), float(b.mean()), mean, None, None, p_beats, None, None, n)
    t = t975(n - 1)
    half = t * float(d.std(ddof=1)) / math.sqrt(n)
    indep = t * math.sqrt((float(a.var(ddof=1)) + float(b.var(ddof=1))) / n)
    return MetricDifference(float(a.mean()), float(b.mean()), mean, mean - half, mean + half, p_beats, half, indep, n)
