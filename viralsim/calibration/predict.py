"""Predict a cascade's final size from its first hours by simulating the fitted model forward (a warm start).

The observed posts up to the observation time ``t`` become the simulation's seeds, each posting
at its observed time, and no view before ``t`` may become a share (whoever shared before ``t``
is in the prefix already, and under the model a view that did not lead to a share is spent).
Everything after ``t`` is simulated; the final size is the prefix plus the simulated reshares.

The observed users are not users of the audience graph, so each prefix is placed on it by the
rule of :func:`viralsim.kernels.placement.place_prefix` (nearest follower count where it is
known, else a random follower of the parent's user, a root on one of the most-followed
users), afresh for each of ``placements`` placements; the runs are spread over them, so the
interval includes the placement's uncertainty.

:func:`evaluate` scores this and the baselines of :mod:`.baselines` on held-out cascades with a
time-ordered split: the model is fitted on the earliest cascades and tested on the later ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..kernels.placement import place_prefix
from ..model.params import CascadeModel
from ..model.simulate import simulate
from ..random import PREDICTION, as_seed_sequence, child, stream_key
from .baselines import MarkedHawkes, Prediction, persistence, root_weight, seismic
from .fit import FitSettings, fit_cascades, most_followed


@dataclass(frozen=True)
class Audience:
    """What a warm start needs of the audience: the graph, its users by follower count, the root pool."""

    graph: object
    by_degree: np.ndarray
    degree_sorted: np.ndarray
    root_pool: np.ndarray

    @classmethod
    def of(cls, graph, roots: int | None = None) -> "Audience":
        degree = np.diff(graph.indptr)
        order = np.argsort(degree, kind="stable").astype(np.int64)
        pool = np.zeros(0, dtype=np.int64) if roots is None else most_followed(graph, roots)
        return cls(graph, order, degree[order].astype(np.float64), pool)


def place(audience: Audience, parent: np.ndarray, followers: np.ndarray, key) -> np.ndarray:
    """Audience users for the posts of one prefix (see :func:`viralsim.kernels.placement.place_prefix`)."""
    g = audience.graph
    out = np.empty(parent.shape[0], dtype=np.int64)
    used = np.zeros(g.n_nodes, dtype=np.int64)
    place_prefix(g.indptr, g.indices, parent.astype(np.int64), followers.astype(np.float64), audience.by_degree,
                 audience.degree_sorted, audience.root_pool, np.uint64(key), used, np.int64(1), out)
    return out


def warm_start(prefix, audience: Audience, model: CascadeModel, at_h: float, *, runs: int = 200,
               placements: int = 4, seed: int = 0, threads: int | None = None,
               progress: Callable[[int], None] | None = None, nodes: list | None = None) -> Prediction:
    """Predicted final sizes of every cascade of ``prefix`` (cut at ``at_h``): the median of
    ``runs`` simulations and their 80% and 95% ranges.  ``nodes`` (one array per cascade) puts
    the prefixes on given users instead of placing them (to check the placement rule)."""
    ss = as_seed_sequence(seed)
    C = prefix.n_cascades
    point = np.full(C, np.nan)
    bounds = np.full((4, C), np.nan)
    per = max(1, runs // placements)
    for c in range(C):  # one warm start per cascade: its seeds and times are its own
        rows = slice(prefix.offsets[c], prefix.offsets[c + 1])
        parent, followers, times = prefix.parent[rows], prefix.followers[rows], prefix.time_h[rows]
        samples = []
        for j in range(placements if nodes is None else 1):
            seeds = nodes[c] if nodes is not None else place(
                audience, parent, followers, stream_key(ss, PREDICTION, c, j, 0))
            res = simulate(audience.graph, model, seeds, runs=per if nodes is None else per * placements,
                           seed=child(ss, PREDICTION, c, j, 1), threads=threads, seed_times=np.minimum(times, at_h),
                           shares_from=at_h, timeseries=False)
            samples.append(res.metrics["shares"] + res.diagnostics["seed_posts"])
        s = np.concatenate(samples)
        point[c] = np.median(s)
        bounds[:, c] = np.quantile(s, [0.1, 0.9, 0.025, 0.975])
        if progress is not None:
            progress(1)
    return Prediction("viralsim (warm start)", at_h, point, (bounds[0], bounds[1]), (bounds[2], bounds[3]))


def score(prediction: Prediction, final: np.ndarray) -> dict:
    """The table's row: absolute percentage error |predicted - final| / final (median, 75th and 95th
    percentiles, share above 50%), interval coverage and the cascades a method could not score."""
    ok = np.isfinite(prediction.point)
    ape = np.abs(prediction.point[ok] - final[ok]) / final[ok]
    row = {"method": prediction.method, "at_h": prediction.at_h, "cascades": int(final.shape[0]),
           "not_scored": int((~ok).sum())}
    if ape.shape[0]:
        row.update(median_ape=float(np.median(ape)), p75_ape=float(np.quantile(ape, 0.75)),
                   p95_ape=float(np.quantile(ape, 0.95)), share_off_50pct=float((ape > 0.5).mean()))
    for name, interval in (("coverage80", prediction.interval80), ("coverage95", prediction.interval95)):
        if interval is not None:
            lo, hi = interval
            row[name] = float(((lo[ok] <= final[ok]) & (final[ok] <= hi[ok])).mean()) if ok.any() else math.nan
    return row


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The early-prediction table and how it was made."""

    rows: list
    train_cascades: int
    test_cascades: int
    split: str
    window_h: float
    fit: object

    def to_dict(self) -> dict:
        return {"split": self.split, "train_cascades": self.train_cascades, "test_cascades": self.test_cascades,
                "window_h": self.window_h, "fitted": {k: v.to_dict() for k, v in self.fit.estimates.items()},
                "rows": self.rows}


def evaluate(observed, graph, base_model: CascadeModel, *, times_h=(1.0, 6.0), train_fraction: float = 0.7,
             settings: FitSettings = FitSettings(), runs: int = 200, placements: int = 4,
             test_limit: int | None = None, progress: Callable[[str, int], None] | None = None) -> Evaluation:
    """Fit on the earliest ``train_fraction`` of the cascades (by ``observed.order_key``), then
    predict each later cascade's size at the end of ``settings.window_h`` from its first hours,
    with every method; ``test_limit`` scores only the first so many test cascades (a quick look)."""
    observed = observed.observed_until(settings.window_h)
    train_idx, test_idx = observed.time_ordered_split(train_fraction)
    if test_limit is not None:
        test_idx = test_idx[:test_limit]
    train, test = observed.select(train_idx), observed.select(test_idx)
    if progress is not None:
        progress("fitting on the training cascades", 0)
    fit = fit_cascades(train, graph, base_model, settings)
    model = replace(fit.model, horizon=settings.window_h)
    audience = Audience.of(graph, settings.roots)
    final = test.sizes.astype(np.float64)
    followers = train.followers[train.parent != -1] if train.has_followers else np.ones(1)
    n_star = float(np.mean(np.where(np.isnan(followers), 1.0, followers)))
    weight = 1.0 if train.has_followers else root_weight(train)
    rows = []
    for at in times_h:
        prefix = test.observed_until(at)
        train_prefix = train.observed_until(at)
        hawkes = MarkedHawkes.fit(train_prefix, at, weight_of_root=weight, seed=settings.seed)
        adv = None if progress is None else (lambda n, at=at: progress(f"warm starts at {at:g} h", n))
        predictions = [persistence(prefix, at), seismic(prefix, at, n_star, weight), hawkes.predict(prefix, at),
                       warm_start(prefix, audience, model, at, runs=runs, placements=placements, seed=settings.seed,
                                  threads=settings.threads, progress=adv)]
        rows += [score(p, final) for p in predictions]
    split = (f"time-ordered by {observed.order_by}: the earliest {len(train_idx)} cascades fit the model, the "
             f"{len(test_idx)} later ones are predicted")
    return Evaluation(rows, len(train_idx), len(test_idx), split, settings.window_h, fit)
