"""Monte Carlo over the share-cascade kernel: validate, convert to arrays, run in batches, wrap."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .._runtime import check_threads, numba_threads, zeroed
from ..errors import InvalidParameterError
from ..graph.core import SocialGraph
from ..kernels import cascade as K
from ..random import as_seed_sequence, replicate_keys
from .params import PARAMETERS, CascadeModel, ThresholdModel
from .results import SharerTrees, SimulationResult

__all__ = ["simulate", "simulate_random_seed", "PaidPlacement"]

_CONTRACT_METRICS = K.METRIC_NAMES[:25]
_DIAGNOSTICS = K.METRIC_NAMES[25:]


@dataclass(frozen=True)
class PaidPlacement:
    """A paid placement: ``impressions`` views at ``time`` (hours) by uniformly random users.

    ``segment`` (a name from ``graph.segment_names``) restricts the audience; None means anyone.
    Viewers may share (parent: none; generation 1); their descendants are earned reach not
    attributed to any seed.
    """

    time: float
    impressions: int
    segment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", PARAMETERS["paid_time"].check("paid time (hours)", self.time))
        object.__setattr__(self, "impressions", PARAMETERS["paid_impressions"].check("paid impressions",
                                                                                     self.impressions))


def _check_runs(runs) -> int:
    return PARAMETERS["runs"].check("runs", runs)


def _check_seeds(graph: SocialGraph, seeds) -> np.ndarray:
    arr = np.asarray(seeds)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise InvalidParameterError(f"seeds must be a 1-d sequence of integer node ids; got {seeds!r}"[:200])
    arr = arr.astype(np.int64)
    n = graph.n_nodes
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise InvalidParameterError(f"seeds must be node ids in [0, {n}); got range [{arr.min()}, {arr.max()}]")
    if np.unique(arr).size != arr.size:
        raise InvalidParameterError("seeds must be distinct node ids; got duplicates")
    return arr


def _steps_of(times_h, count: int, step: float, horizon: float, what: str) -> np.ndarray:
    if times_h is None:
        return np.zeros(count, dtype=np.int64)
    t = np.asarray(times_h, dtype=np.float64) if not isinstance(times_h, str) else None
    if t is None or t.shape != (count,) or not np.all(np.isfinite(t)) or (count and (t.min() < 0 or t.max() > horizon)):
        raise InvalidParameterError(f"{what} must be {count} times in hours within [0, {horizon:g}]; got {times_h!r}"[:200])
    return np.floor(t / step + 0.5).astype(np.int64)


_GUIDE_SIZE = 1024  # entries of the delay sampler's guide table (an 8 KiB lookup)


def _delay_table(median_h: float, sigma: float, step_h: float, n_steps: int) -> tuple[np.ndarray, int]:
    """Discretised lognormal delay: ``d = max(1, round(L / step))`` steps, L ~ lognormal(ln median, sigma).

    Returns ``(cdf, fixed)``: ``cdf[j - 1] = P(d <= j)`` for j = 1..n_steps, and the fixed delay
    in steps when ``sigma == 0`` (else 0).  Rounding is half-up: d = j for L/step in [j - 0.5, j + 0.5).
    """
    if sigma == 0.0:
        fixed = max(1, int(math.floor(median_h / step_h + 0.5)))
        return (np.arange(1, n_steps + 1) >= fixed).astype(np.float64), fixed
    from scipy.stats import norm

    upper_h = (np.arange(1, n_steps + 1) + 0.5) * step_h
    cdf = norm.cdf((np.log(upper_h) - math.log(median_h)) / sigma)
    return np.ascontiguousarray(cdf, dtype=np.float64), 0


def _segments(graph: SocialGraph):
    if graph.segment is None:
        zeros = np.zeros(graph.n_nodes, dtype=np.int32)
        zeros.flags.writeable = False  # same numba type as a graph's (read-only) labels: one compilation
        return zeros, ("all",)
    return graph.segment, tuple(graph.segment_names)


def simulate(
    graph: SocialGraph,
    model: CascadeModel | ThresholdModel,
    seeds,
    *,
    runs: int = 1000,
    seed=None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
    seed_times=None,
    paid: Sequence[PaidPlacement] = (),
    node_stats: bool = False,
    timeseries: bool = True,
    keep_trees: int = 0,
    shares_from: float | None = None,
) -> SimulationResult:
    """Run ``runs`` Monte Carlo replicates of ``model`` on ``graph`` from ``seeds``.

    Parameters
    ----------
    graph : SocialGraph
        Arc u -> v means v sees what u shares.
    model : CascadeModel or ThresholdModel
    seeds : sequence of int
        Distinct node ids that post the campaign's own content (generation 0); may be empty
        (paid placements only, or the organic no-campaign world).
    runs : int
        Replicates; replicate i uses key ``viralsim.random.replicate_keys(seed, runs)[i]``, so
        the same ``seed`` gives common random numbers across models and seed sets.
    seed : int, SeedSequence or None
        Master seed (None: fresh entropy, recorded in ``result.entropy``).
    threads : int, optional
        Numba threads for this call (restored afterwards); results do not depend on it.
    progress : callable, optional
        ``advance(n_done)``, called after each batch of replicates.
    seed_times : sequence of float, optional
        Hour of each seed's own post (default 0), within [0, horizon].
    paid : sequence of PaidPlacement
        Paid placements (impressions of kind "paid").
    node_stats : bool
        Also return per-user share and reach probabilities (costs O(n x threads) memory).
    timeseries : bool
        Keep the per-step series (runs x 6 x steps int32).  False saves that memory when only the
        per-replicate metrics are wanted, e.g. with a long horizon and many runs.
    keep_trees : int
        Keep each replicate's sharer tree (who reshared whose post, and when), up to this many
        posts per replicate, in ``result.trees`` (0: not kept).  Costs runs x keep_trees x 12 bytes.
    shares_from : float, optional
        Hours before which no view becomes a share: a warm start from an observed cascade's
        first hours, whose sharers (the seeds, at their observed times) are everyone who shared
        before then.

    Returns
    -------
    SimulationResult
    """
    seeds = _check_seeds(graph, seeds)
    return _run(graph, model, seeds, False, runs, seed, threads, progress, seed_times, paid, node_stats,
                timeseries=bool(timeseries), keep_trees=keep_trees, shares_from=shares_from)


def simulate_random_seed(graph: SocialGraph, model, *, runs: int = 1000, seed=None, threads: int | None = None,
                         progress=None, node_stats: bool = False, stop_after_sharers: int | None = None,
                         keep_trees: int = 0, timeseries: bool = True, seed_pool=None) -> SimulationResult:
    """Like :func:`simulate`, but each replicate starts from one uniformly random seed drawn from its key.

    This is the setting of percolation theory (the outbreak from a random patient zero).
    ``stop_after_sharers`` ends a replicate as soon as that many users have posted: enough to
    classify an outbreak as large without paying for its whole course (its metrics are then
    those of the truncated cascade; replicate i is otherwise identical to an untruncated run).
    ``seed_pool`` (distinct user ids) draws each replicate's seed from those users only, e.g. the
    most-followed accounts, as the sources of a news corpus are.
    """
    if stop_after_sharers is not None and (isinstance(stop_after_sharers, bool) or not isinstance(
            stop_after_sharers, (int, np.integer)) or stop_after_sharers < 1):
        raise InvalidParameterError(f"stop_after_sharers must be a positive integer or None; got {stop_after_sharers!r}")
    return _run(graph, model, np.zeros(1, dtype=np.int64), True, runs, seed, threads, progress, None, (), node_stats,
                timeseries=bool(timeseries), stop_after_sharers=stop_after_sharers or 0, keep_trees=keep_trees,
                seed_pool=seed_pool)


def run_in_batches(runs: int, n_threads: int, progress, run_ids, overflow: np.ndarray, outputs, enlarge) -> None:
    """Run replicates 0 .. runs - 1 as ``run_ids(ids, n_threads)``, in batches only so that a progress
    bar can move; a replicate whose event pool overflowed is zeroed in ``outputs`` and rerun after
    ``enlarge()`` (which gives the pool room for every arc), with the same numbers as if it had fit."""
    batch = runs if progress is None else max(n_threads, -(-runs // 20))
    for first in range(0, runs, batch):
        last = min(runs, first + batch)
        run_ids(np.arange(first, last, dtype=np.int64), min(n_threads, last - first))
        again = np.flatnonzero(overflow[first:last]).astype(np.int64) + first
        if again.size:
            for out in outputs:
                if out.shape[0]:  # (series kept for no run have 0 rows)
                    out[again] = 0
            overflow[again] = 0
            enlarge()
            run_ids(again, min(n_threads, again.size))
        if progress is not None:
            progress(last - first)


def _run(graph, model, seeds, random_seed, runs, seed, threads, progress, seed_times, paid, node_stats,
         timeseries: bool = True,
         *, queue_all: bool | None = None, stop_after_sharers: int = 0, pool_cap: int | None = None,
         full_feed: bool | None = None, keep_trees: int = 0, seed_pool=None,
         shares_from: float | None = None) -> SimulationResult:
    """The engine behind :func:`simulate` and :func:`simulate_random_seed`.

    The keywords are for tests: ``queue_all`` forces the queue-every-view path, ``pool_cap`` a
    small event pool, ``full_feed=False`` the general path where the full-feed one would run.
    """
    if not isinstance(graph, SocialGraph):
        raise InvalidParameterError(f"graph must be a SocialGraph; got {type(graph).__name__}")
    if not isinstance(model, (CascadeModel, ThresholdModel)):
        raise InvalidParameterError(f"model must be a CascadeModel or ThresholdModel; got {type(model).__name__}")
    runs = _check_runs(runs)
    threads = check_threads(threads)
    keep_trees = PARAMETERS["keep_trees"].check("keep_trees", keep_trees)
    if seed_pool is not None and len(seed_pool) == 0:
        raise InvalidParameterError("seed_pool must hold at least one user id, or be None (everyone)")
    seed_pool = np.zeros(0, dtype=np.int64) if seed_pool is None else _check_seeds(graph, seed_pool)
    if progress is not None and not callable(progress):
        raise InvalidParameterError(f"progress must be a callable advance(n_done) or None; got {progress!r}")
    if graph.n_nodes == 0:
        raise InvalidParameterError("graph must have at least one node")
    n_steps = int(round(model.horizon / model.step))
    seed_steps = _steps_of(seed_times, seeds.size, model.step, model.horizon, "seed_times")
    segment, segment_names = _segments(graph)

    cascade = isinstance(model, CascadeModel)
    if cascade:
        if model.affinity is None:
            affinity = np.ones(len(segment_names))
        elif graph.segment is None or len(model.affinity) != len(segment_names):
            raise InvalidParameterError(
                f"affinity must have one value per graph segment ({len(graph.segment_names)}: "
                f"{', '.join(graph.segment_names) or 'the graph has none'}); got {len(model.affinity)}")
        else:
            affinity = np.asarray(model.affinity, dtype=np.float64)
        hours = np.arange(n_steps + 1) * model.step
        decay = np.ones(n_steps + 1) if model.half_life is None else np.exp2(-hours / model.half_life)
        share_prob = model.stickiness * decay
        if shares_from is not None:
            shares_from = PARAMETERS["shares_from"].check("shares_from (hours)", shares_from)
            share_prob[: int(math.ceil(shares_from / model.step - 1e-9))] = 0.0
        fatigue = model.fatigue
        if queue_all is None:
            queue_all = fatigue != 1.0
        threshold_rule, threshold_value = K.RULE_FRACTION, -1.0
    else:
        affinity = np.ones(len(segment_names))
        share_prob = np.zeros(n_steps + 1)
        fatigue = 1.0
        queue_all = True
        threshold_rule = K.RULE_FRACTION if model.rule == "fraction" else K.RULE_COUNT
        threshold_value = -1.0 if model.threshold is None else model.threshold

    paid = tuple(paid)
    if any(not isinstance(p, PaidPlacement) for p in paid):
        raise InvalidParameterError("paid must be a sequence of PaidPlacement")
    paid_steps = _steps_of([p.time for p in paid], len(paid), model.step, model.horizon, "paid times") if paid else \
        np.zeros(0, dtype=np.int64)
    paid_counts = np.array([p.impressions for p in paid], dtype=np.int64)
    paid_segment = np.full(len(paid), -1, dtype=np.int64)
    for i, p in enumerate(paid):
        if p.segment is not None:
            if p.segment not in graph.segment_names:
                raise InvalidParameterError(
                    f"paid segment must be one of {', '.join(graph.segment_names) or '(graph has no segments)'}; "
                    f"got {p.segment!r}")
            paid_segment[i] = graph.segment_names.index(p.segment)
            if not np.any(segment == paid_segment[i]) and p.impressions > 0:
                raise InvalidParameterError(f"paid segment {p.segment!r} has no users")
    if paid_counts.sum() + seeds.size >= 2**31 - 1 or graph.n_arcs + paid_counts.sum() >= 2**31 - 1:
        raise InvalidParameterError("paid impressions + arcs must be below 2**31 per run")
    order = np.argsort(segment, kind="stable").astype(np.int32)
    seg_indptr = np.zeros(len(segment_names) + 1, dtype=np.int64)
    np.cumsum(np.bincount(segment, minlength=len(segment_names)), out=seg_indptr[1:])

    ss = as_seed_sequence(seed)
    keys = replicate_keys(ss, runs)
    n_seg = len(segment_names)
    metrics = zeroed((runs, K.N_METRICS), np.float64)
    # calloc'd (lazily zero): the kernel writes only the steps a replicate reaches
    series = np.zeros((runs if timeseries else 0, K.N_SERIES, n_steps + 1), dtype=np.int32)
    reach_seg = zeroed((runs, n_seg), np.int64)
    attribution = zeroed((runs, seeds.size), np.int64)
    keep_trees = min(keep_trees, graph.n_nodes)  # each user posts at most once
    trees = np.zeros((runs if keep_trees else 0, 3, keep_trees), dtype=np.int32)
    delay_cdf, fixed_delay = _delay_table(model.delay_median, model.delay_sigma, model.step, n_steps)
    delay_guide = np.searchsorted(delay_cdf, np.arange(_GUIDE_SIZE) / _GUIDE_SIZE, side="right").astype(np.int32)
    in_degree = np.ascontiguousarray(graph.in_degree, dtype=np.int64)

    # Event pool per thread: O(n) by default; a replicate that needs more (each arc carries at
    # most one view, so n_arcs + seeds + paid always suffices) is rerun with the full bound.
    fixed_events = seeds.size + int(paid_counts.sum()) + 1
    full_cap = graph.n_arcs + fixed_events
    if pool_cap is None:
        pool_cap = min(full_cap, 2 * graph.n_nodes + fixed_events + 1024)
    pool_cap = max(int(pool_cap), fixed_events)  # (a smaller pool_cap is for tests of the rerun path)
    # Every post reaches every follower after the same delay and nothing needs a user's view
    # count: the kernel's full-feed path (the same results, two bits per user instead of a row).
    allowed = (cascade and not queue_all and model.feed_reach >= 1.0 and fixed_delay > 0 and model.click_rate == 0.0
               and paid_counts.sum() == 0)
    full_feed = bool(allowed) if full_feed is None else bool(full_feed and allowed)
    overflow = np.zeros(runs, dtype=np.uint8)
    node_counts_total = np.zeros((2, graph.n_nodes if node_stats else 0), dtype=np.int64)

    def buffers(n_threads: int, cap: int) -> dict:
        """Per-thread O(n) buffers, allocated once and shared by every batch (see run_replicates)."""
        n = graph.n_nodes
        return {"state": zeroed((n_threads, 0 if full_feed else n, K.NODE_STATE_COLUMNS), np.int32),
                "touched": np.empty((n_threads, n + 1), dtype=np.int32),  # + 1: full-feed writes before it counts
                "bits": np.zeros((n_threads, 2, (n + 63) // 64), dtype=np.uint64),
                "pool": [np.empty((n_threads, cap), dtype=np.int32) for _ in range(3)],
                "sh": np.empty((n_threads, K.SH_ROWS, n), dtype=np.int32)}

    graph_in = K.CascadeGraph(graph.indptr, graph.indices, in_degree, segment)
    seeding = K.Seeding(seeds, seed_steps, bool(random_seed), paid_steps, paid_counts, paid_segment, seg_indptr, order,
                        seed_pool)
    rules = K.Rules(
        mode=K.MODE_CASCADE if cascade else K.MODE_THRESHOLD, queue_all=bool(queue_all), full_feed=full_feed,
        share_prob_by_step=share_prob, affinity=affinity, unit_affinity=bool(np.all(affinity == 1.0)),
        fatigue=float(fatigue), feed_reach=float(model.feed_reach), delay_cdf=delay_cdf, delay_guide=delay_guide,
        step_h=float(model.step), fixed_delay_steps=fixed_delay, threshold_rule=threshold_rule,
        threshold_value=float(threshold_value), engagement_rate=float(model.engagement_rate),
        click_rate=float(model.click_rate), conversion_rate=float(model.conversion_rate),
        stop_after_sharers=int(stop_after_sharers))

    def run_ids(ids: np.ndarray, buf: dict, n_threads: int) -> None:
        node_counts = np.zeros((n_threads, 2, graph.n_nodes if node_stats else 0), dtype=np.int64)
        K.run_replicates(graph_in, seeding, rules, keys, ids, n_threads,
                         K.Outputs(metrics, series, reach_seg, attribution, node_counts, overflow, trees),
                         K.Buffers(buf["state"], buf["touched"], buf["bits"], *buf["pool"], buf["sh"]))
        node_counts_total[...] += node_counts.sum(axis=0)

    with numba_threads(threads) as available:
        n_threads = min(available, runs)
        buf = buffers(n_threads, pool_cap)

        def enlarge() -> None:
            nonlocal pool_cap
            if pool_cap < full_cap:  # this scenario needs big pools: use them from now on
                pool_cap = full_cap
                buf["pool"] = [np.empty((n_threads, pool_cap), dtype=np.int32) for _ in range(3)]

        run_in_batches(runs, n_threads, progress, lambda ids, t: run_ids(ids, buf, t), overflow,
                       (metrics, series, reach_seg, attribution, trees), enlarge)

    metric_cols = {name: metrics[:, i] for i, name in enumerate(K.METRIC_NAMES)}
    return SimulationResult(
        metrics={k: metric_cols[k] for k in _CONTRACT_METRICS},
        timeseries={name: series[:, i, :] for i, name in enumerate(K.SERIES_NAMES)} if timeseries else {},
        times_h=np.arange(n_steps + 1) * model.step,
        reach_by_segment=reach_seg,
        segment_names=segment_names,
        attribution=attribution,
        seeds=seeds,
        diagnostics={k: metric_cols[k] for k in _DIAGNOSTICS},
        node_share_prob=node_counts_total[0] / runs if node_stats else None,
        node_reach_prob=node_counts_total[1] / runs if node_stats else None,
        entropy=ss.entropy,
        trees=SharerTrees.from_kernel(trees, metric_cols["shares"] + metric_cols["seed_posts"], model.step)
        if keep_trees else None,
    )
