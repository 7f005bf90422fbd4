"""Fit the content and platform parameters to observed cascades: likelihood where it exists, simulation elsewhere.

1. **Share delay** (``platform.delay`` median and sigma): maximum likelihood on the observed
   parent-to-child delays (:mod:`.delays`), when the data has parents; otherwise kept.
2. **Stickiness and half-life** by simulation-based estimation: cascades are simulated on the
   audience graph, each from a uniformly random user (as a random post would start), over the
   observation window, and kept only if they pass the data's own selection (at least
   ``min_size`` posts: Twitter15/16 kept only large trees).  The distance between observed and
   simulated is ``KS(size) + KS(hours to 50% of final size)``, the two-sample Kolmogorov-Smirnov
   statistics.  Every point of a grid (half-lives x a stickiness scan per half-life, refined
   around the best) is simulated with the same replicate keys (common random numbers), so the
   distance changes only through the parameters.
3. **Uncertainty** by bootstrap: the observed cascades and, at every grid point, the simulated
   ones are resampled, the best point is found again (stickiness refined by a parabola in log
   stickiness), and the percentile interval is reported; the grid is simulated once.  The
   half-life takes the grid's values, so its interval is in grid values.
4. **Not identifiable** from share cascades: ``feed_reach``.  A follower reshares with
   probability ``feed_reach x stickiness x decay`` whether or not the view happened is never
   observed (with fatigue 1 every view is an independent chance), so only the product is fitted;
   ``feed_reach`` stays at the audience scenario's value and the fitted stickiness is relative to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

from ..errors import InvalidParameterError, ObservedDataError
from ..model.params import CascadeModel
from ..model.simulate import simulate_random_seed
from ..observed.stats import CascadeStatistics, describe, describe_trees
from .delays import DelayFit, fit_delay, share_delays

HALF_LIVES_H = (3.0, 6.0, 12.0, 24.0, 48.0, 96.0, None)  # None: evergreen (no decay)
_STICKINESS_FIRST = 0.005
_STICKINESS_STEP = math.sqrt(2.0)
_MIN_SELECTED = 20  # fewer simulated cascades passing the selection: the point is not scored


@dataclass(frozen=True)
class FitSettings:
    """How a fit runs.  ``runs`` simulated cascades per grid point (most die small: only those with
    ``min_size`` posts count); ``tree_memory_mb`` bounds the sharer trees kept per point."""

    window_h: float = 168.0
    min_size: int | None = None  # default: the smallest observed cascade
    runs: int = 20_000
    step_h: float = 0.25
    half_lives_h: tuple = HALF_LIVES_H
    bootstrap: int = 200
    level: float = 0.9
    seed: int = 1
    threads: int | None = None
    tree_memory_mb: int = 256
    roots: int | None = None  # simulated cascades start at a random one of this many most-followed users (None: anyone)


@dataclass(frozen=True)
class Estimate:
    """A fitted value, its interval at the fit's level, and how it was estimated."""

    value: float | None
    low: float | None
    high: float | None
    method: str

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "method": self.method}


@dataclass(frozen=True)
class GridPoint:
    stickiness: float
    half_life_h: float | None
    sizes: np.ndarray  # posts of the simulated cascades that passed the selection
    t50_h: np.ndarray  # their hours to 50% of final size (NaN where the kept tree is too short)
    distance: float


@dataclass(frozen=True, eq=False)
class FitResult:
    """What :func:`fit_cascades` found: the estimates, the grid, and the statistics side by side."""

    estimates: dict
    not_identified: dict
    delay: DelayFit | None
    grid: tuple
    best: GridPoint
    observed: CascadeStatistics
    simulated: CascadeStatistics
    min_size: int
    settings: FitSettings
    base_model: CascadeModel
    ks: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)

    @property
    def model(self) -> CascadeModel:
        """The audience's model with the fitted values."""
        e = self.estimates
        return replace(self.base_model, stickiness=e["stickiness"].value, half_life=e["half_life_h"].value,
                       delay_median=e["delay_median_h"].value, delay_sigma=e["delay_sigma"].value,
                       horizon=self.settings.window_h, step=self.settings.step_h)

    def to_dict(self) -> dict:
        return {
            "estimates": {k: v.to_dict() for k, v in self.estimates.items()},
            "not_identified": dict(self.not_identified),
            "level": self.settings.level,
            "min_size": self.min_size,
            "window_h": self.settings.window_h,
            "runs_per_point": self.settings.runs,
            "bootstrap": self.settings.bootstrap,
            "ks": self.ks,
            "diagnostics": self.diagnostics,
            "grid": [{"stickiness": p.stickiness, "half_life_h": p.half_life_h, "selected": int(p.sizes.shape[0]),
                      "distance": p.distance if math.isfinite(p.distance) else None} for p in self.grid],
        }


def most_followed(graph, count: int) -> np.ndarray:
    """The ``count`` users with the most followers (ties by id), the pool simulated cascades start from."""
    followers = np.diff(graph.indptr)
    count = min(int(count), graph.n_nodes)
    return np.sort(np.lexsort((np.arange(graph.n_nodes), -followers))[:count]).astype(np.int64)


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic of the finite values of a and b (NaN if either is empty)."""
    a = np.sort(a[np.isfinite(a)])
    b = np.sort(b[np.isfinite(b)])
    if a.shape[0] == 0 or b.shape[0] == 0:
        return math.nan
    v = np.concatenate([a, b])
    return float(np.abs(np.searchsorted(a, v, side="right") / a.shape[0]
                        - np.searchsorted(b, v, side="right") / b.shape[0]).max())


def _distance(obs_sizes, obs_t50, sizes, t50) -> float:
    if sizes.shape[0] < _MIN_SELECTED:
        return math.inf
    t = ks_statistic(obs_t50, t50)
    return ks_statistic(obs_sizes, sizes) + (0.0 if math.isnan(t) else t)


def _t50_of(trees, posts: np.ndarray) -> np.ndarray:
    """Hours to half the posts, from each replicate's kept tree (NaN where fewer were kept)."""
    need = (posts.astype(np.int64) + 1) // 2
    kept = np.diff(trees.offsets)
    ok = (need >= 1) & (need <= kept)
    out = np.full(posts.shape[0], np.nan)
    out[ok] = trees.time_h[trees.offsets[:-1][ok] + need[ok] - 1]
    return out


def fit_cascades(observed, graph, base_model: CascadeModel, settings: FitSettings = FitSettings(), *,
                 progress: Callable[[str], None] | None = None) -> FitResult:
    """Fit ``base_model``'s stickiness, half-life and delay to ``observed`` on the audience ``graph``.

    ``observed``: :class:`viralsim.observed.ObservedCascades` (already cut to ``settings.window_h``
    or not: the window is applied here).  ``progress(message)`` is called before each simulation.
    """
    if not isinstance(base_model, CascadeModel):
        raise InvalidParameterError("fit: the audience scenario must use the cascade model (model: cascade)")
    s = settings
    observed = observed.observed_until(s.window_h)
    min_size = int(observed.sizes.min()) if s.min_size is None else int(s.min_size)
    keep = observed.sizes >= min_size
    if keep.sum() < 5:
        raise ObservedDataError(f"{observed.source}: {int(keep.sum())} cascade(s) with at least {min_size} posts in "
                                f"the {s.window_h:g} h window: too few to fit (need 5)")
    observed = observed.select(np.flatnonzero(keep))
    obs_stats = describe(observed)
    obs_sizes = obs_stats.sizes
    obs_t50 = obs_stats.per_cascade[:, 3]

    delay = None
    estimates = {}
    diagnostics = {}
    median_h, sigma = base_model.delay_median, base_model.delay_sigma
    if observed.has_parents:
        d, pt = share_delays(observed)
        delay = fit_delay(d, pt, s.window_h, step_h=s.step_h, level=s.level)
        median_h, sigma = delay.median_h, delay.sigma
        estimates["delay_median_h"] = Estimate(delay.median_h, *delay.median_interval, "maximum likelihood")
        estimates["delay_sigma"] = Estimate(delay.sigma, *delay.sigma_interval, "maximum likelihood")
    else:
        estimates["delay_median_h"] = Estimate(median_h, None, None, "kept from the audience (the data has no parents)")
        estimates["delay_sigma"] = Estimate(sigma, None, None, "kept from the audience (the data has no parents)")

    stop_at = int(2 * obs_sizes.max())  # a cascade past twice the largest observed one is too big already
    tree_cap = int(min(stop_at, max(64, s.tree_memory_mb * 2**20 // (12 * s.runs))))
    pool = None if s.roots is None else most_followed(graph, s.roots)
    model0 = replace(base_model, delay_median=median_h, delay_sigma=sigma, horizon=s.window_h, step=s.step_h)

    def run_trees(stickiness: float, half_life: float | None):
        if progress is not None:
            progress(f"stickiness {stickiness:.4g}, half-life {'none' if half_life is None else f'{half_life:g} h'}")
        model = replace(model0, stickiness=stickiness, half_life=half_life)
        return simulate_random_seed(graph, model, runs=s.runs, seed=s.seed, threads=s.threads, seed_pool=pool,
                                    stop_after_sharers=stop_at, keep_trees=tree_cap, timeseries=False)

    def run(stickiness: float, half_life: float | None) -> GridPoint:
        res = run_trees(stickiness, half_life)
        posts = res.metrics["shares"] + res.diagnostics["seed_posts"]
        t50 = _t50_of(res.trees, posts)
        sel = posts >= min_size
        return GridPoint(stickiness, half_life, posts[sel], t50[sel],
                         _distance(obs_sizes, obs_t50, posts[sel], t50[sel]))

    median_obs = float(np.median(obs_sizes))
    grid = _scan(run, s.half_lives_h, median_obs)
    best = min(grid, key=lambda p: p.distance)
    if not math.isfinite(best.distance):
        raise ObservedDataError(f"{observed.source}: no simulated setting produced {_MIN_SELECTED} cascades of at least "
                                f"{min_size} posts on this audience (is it large enough? raise --runs?)")
    grid += _refinement(run, best)
    best = min(grid, key=lambda p: p.distance)

    if delay is not None:
        # The delays the simulator shows are not quite the delays it draws: the decay and a user's
        # first successful view among several favour short ones.  So fit the same likelihood to
        # cascades simulated at the best point and move the estimate by the gap (one step of
        # indirect inference), simulate the grid again with the corrected delay, and keep the
        # correction if it fits the observed cascades better (it does when the model fits at all).
        sim_d, sim_pt = _simulated_delays(run_trees(best.stickiness, best.half_life_h), min_size)
        if sim_d.shape[0] >= 2:
            seen = fit_delay(sim_d, sim_pt, s.window_h, step_h=s.step_h, level=s.level)
            fm, fs = median_h / seen.median_h, sigma / seen.sigma
            first_model, first_grid, first_best = model0, grid, best
            model0 = replace(model0, delay_median=median_h * fm, delay_sigma=sigma * fs)
            grid = _scan(run, s.half_lives_h, median_obs)
            grid += _refinement(run, min(grid, key=lambda p: p.distance))
            best = min(grid, key=lambda p: p.distance)
            kept = best.distance <= first_best.distance
            diagnostics["delay median correction factor"] = fm
            diagnostics["delay sigma correction factor"] = fs
            diagnostics["delay correction kept (1) or not (0: it fitted worse)"] = float(kept)
            if kept:
                delay = replace(delay, median_h=delay.median_h * fm, sigma=delay.sigma * fs,
                                median_interval=tuple(x * fm for x in delay.median_interval),
                                sigma_interval=tuple(x * fs for x in delay.sigma_interval))
                how = "maximum likelihood, corrected by simulation"
                estimates["delay_median_h"] = Estimate(delay.median_h, *delay.median_interval, how)
                estimates["delay_sigma"] = Estimate(delay.sigma, *delay.sigma_interval, how)
            else:
                model0, grid, best = first_model, first_grid, first_best
        if best.half_life_h is not None:
            # a check of the decay on other evidence: the delays' likelihood with the tilt the
            # fitted half-life implies (see .delays), against none; strongly negative: they disagree
            tilted = fit_delay(d, pt, s.window_h, step_h=s.step_h, half_life_h=best.half_life_h, level=s.level)
            untilted = fit_delay(d, pt, s.window_h, step_h=s.step_h, level=s.level)
            diagnostics["delay log-likelihood, tilted by the fitted half-life minus untilted"] = (
                tilted.log_likelihood - untilted.log_likelihood)
    stick, half = _bootstrap(grid, obs_sizes, obs_t50, s)
    q = ((1 - s.level) / 2, (1 + s.level) / 2)
    estimates["stickiness"] = Estimate(_refine(grid, [p.distance for p in grid], best), *np.quantile(stick, q),
                                       "simulation (KS distance, common random numbers), bootstrap interval")
    finite = np.array([math.inf if h is None else h for h in half])
    lo, hi = np.quantile(finite, q, method="inverted_cdf")
    estimates["half_life_h"] = Estimate(best.half_life_h, float(lo) if math.isfinite(lo) else None,
                                        float(hi) if math.isfinite(hi) else None,
                                        "simulation, grid values; bootstrap interval (none: no decay)")
    result_model = replace(model0, stickiness=estimates["stickiness"].value, half_life=best.half_life_h)
    if progress is not None:
        progress("the fitted model, for the goodness of fit")
    sim = simulate_random_seed(graph, result_model, runs=s.runs, seed=s.seed + 1, threads=s.threads, seed_pool=pool,
                               stop_after_sharers=stop_at, keep_trees=tree_cap, timeseries=False)
    posts = sim.metrics["shares"] + sim.diagnostics["seed_posts"]
    sel = np.flatnonzero((posts >= min_size) & ~sim.trees.truncated)
    trees = sim.trees
    sim_stats = describe_trees(*_select_trees(trees, sel), label="simulated (fitted)")
    ks = {"size": ks_statistic(obs_sizes, posts[posts >= min_size]),
          "time_to_50pct_h": ks_statistic(obs_t50, _t50_of(trees, posts)[posts >= min_size]),
          "share_time_h": ks_statistic(obs_stats.share_time_h, sim_stats.share_time_h)}
    if observed.has_parents:
        ks["share_delay_h"] = ks_statistic(obs_stats.share_delay_h, sim_stats.share_delay_h)
        ks["depth"] = ks_statistic(obs_stats.per_cascade[:, 1], sim_stats.per_cascade[:, 1])
    return FitResult(
        estimates=estimates,
        not_identified={"feed_reach": "only feed_reach x stickiness shapes share cascades (views are not observed); "
                                      f"kept at the audience's {base_model.feed_reach:g}"},
        delay=delay, grid=tuple(grid), best=best, observed=obs_stats, simulated=sim_stats, min_size=min_size,
        settings=s, base_model=base_model, ks=ks, diagnostics=diagnostics)


def _scan(run, half_lives, median_obs: float) -> list:
    """Per half-life, stickiness from the smallest up by factors of sqrt(2) until the selected
    cascades are far larger than the observed ones; the shortest half-life is halved again while
    it is the best one (down to half an hour)."""
    grid: list[GridPoint] = []

    def row(h):
        st = _STICKINESS_FIRST
        while st <= 1.0:
            p = run(st, h)
            grid.append(p)
            if p.sizes.shape[0] >= _MIN_SELECTED and np.median(p.sizes) > 4 * median_obs:
                break  # larger stickiness only makes bigger cascades
            st *= _STICKINESS_STEP

    for h in half_lives:
        row(h)
    shortest = min((h for h in half_lives if h is not None), default=None)
    while shortest is not None and shortest > 0.5 and min(grid, key=lambda p: p.distance).half_life_h == shortest:
        shortest /= 2
        row(shortest)
    return grid


def _refinement(run, best) -> list:
    """The stickiness around the best point, by factors of 2 ** (k / 4)."""
    return [run(best.stickiness * f, best.half_life_h) for f in (2 ** -0.5, 2 ** -0.25, 2 ** 0.25, 2 ** 0.5)
            if best.stickiness * f <= 1.0]


def _simulated_delays(result, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Delays after the parent, and the parents' times, in the simulated cascades that pass the selection."""
    posts = result.metrics["shares"] + result.diagnostics["seed_posts"]
    offsets, parent, time_h = _select_trees(result.trees, np.flatnonzero(posts >= min_size))
    rows = np.repeat(np.arange(offsets.shape[0] - 1), np.diff(offsets))
    reshare = parent >= 0
    parent_time = time_h[offsets[:-1][rows[reshare]] + parent[reshare]]
    return time_h[reshare] - parent_time, parent_time


def _select_trees(trees, replicates: np.ndarray):
    from ..observed.cascades import _ranges

    sizes = np.diff(trees.offsets)[replicates]
    rows = _ranges(trees.offsets[:-1][replicates], sizes)
    offsets = np.zeros(replicates.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets, trees.parent[rows], trees.time_h[rows]


def _refine(grid, distances, best) -> float:
    """The stickiness at the vertex of a parabola in log stickiness through the best point and its neighbours
    along its half-life (the best point's own value when it has no neighbour on both sides)."""
    row = sorted(((p.stickiness, d) for p, d in zip(grid, distances) if p.half_life_h == best.half_life_h
                  and math.isfinite(d)))
    xs = [math.log(x) for x, _ in row]
    ds = [d for _, d in row]
    i = int(np.argmin(ds))
    if i == 0 or i == len(xs) - 1:
        return row[i][0]
    x0, x1, x2 = xs[i - 1: i + 2]
    d0, d1, d2 = ds[i - 1: i + 2]
    denom = (x0 - x1) * (x0 - x2) * (x1 - x2)
    a = (x2 * (d1 - d0) + x1 * (d0 - d2) + x0 * (d2 - d1)) / denom if denom else 0.0
    if a <= 0:
        return row[i][0]
    b = (x2 * x2 * (d0 - d1) + x1 * x1 * (d2 - d0) + x0 * x0 * (d1 - d2)) / denom
    return float(math.exp(min(max(-b / (2 * a), x0), x2)))


def _bootstrap(grid, obs_sizes, obs_t50, s: FitSettings):
    """The best (stickiness, half-life) on ``s.bootstrap`` resamples of the observed and simulated cascades."""
    rng = np.random.default_rng(np.random.SeedSequence([s.seed, 0xB007]))
    n_obs = obs_sizes.shape[0]
    stick, half = [], []
    for _ in range(s.bootstrap):  # a few hundred resamples of a few dozen points: the grid is not re-simulated
        o = rng.integers(0, n_obs, n_obs)
        d = []
        for p in grid:
            m = p.sizes.shape[0]
            r = rng.integers(0, m, m) if m else np.zeros(0, dtype=np.int64)
            d.append(_distance(obs_sizes[o], obs_t50[o], p.sizes[r], p.t50_h[r]))
        best = grid[int(np.argmin(d))]
        stick.append(_refine(grid, d, best))
        half.append(best.half_life_h)
    return np.array(stick), half
