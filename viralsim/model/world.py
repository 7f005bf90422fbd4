"""Several contents in one world: a rumour and the brand's answer, competing brands, share of voice.

:func:`simulate_world` runs every content of a world on one audience and one calendar and
returns a :class:`WorldResult`: one :class:`SimulationResult` per content (every metric of a
one-content run, plus clicks by source) and the world's own metrics (who saw both, who was
inoculated, net sentiment).  A world of one content without a trigger runs the one-content
engine, so its numbers are exactly :func:`viralsim.model.simulate`'s.  The rules (collisions,
attention, interactions, triggers) are in ``docs/model.md`` ("Several contents").
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .._runtime import check_threads, numba_threads, zeroed
from ..constraints import Interval, Options
from ..errors import InvalidParameterError
from ..graph.core import SocialGraph
from ..kernels import cascade as K
from ..kernels import world as W
from ..random import as_seed_sequence, replicate_keys
from .params import CascadeModel
from .results import SimulationResult
from .simulate import (_CONTRACT_METRICS, _DIAGNOSTICS, _GUIDE_SIZE, PaidPlacement, _check_runs, _check_seeds,
                       _delay_table, _segments, _steps_of, run_in_batches, simulate)

__all__ = ["ContentSpec", "Trigger", "Interaction", "WorldResult", "simulate_world", "SENTIMENTS", "OWNERS",
           "COLLISIONS", "TRIGGER_METRICS", "FACTOR_MAX", "MAX_CONTENTS", "WORLD_PARAMETERS"]

# the one declaration of each rule (the scenario schema and the docs read these)
SENTIMENTS = ("positive", "neutral", "negative")
OWNERS = ("brand", "competitor", "public")
COLLISIONS = ("first", "positive", "negative", "random")
TRIGGER_METRICS = ("reach", "shares", "impressions")
FACTOR_MAX = 100.0  # cross_share and prior_exposure are multipliers in [0, FACTOR_MAX]
MAX_CONTENTS = W.MAX_CONTENTS

WORLD_PARAMETERS: dict[str, Interval | Options] = {
    "sentiment": Options(SENTIMENTS),
    "owner": Options(OWNERS),
    "collision": Options(COLLISIONS),
    "trigger_metric": Options(TRIGGER_METRICS),
    "trigger_level": Interval(1, None, integer=True),
    "response_time": Interval(0.0, math.inf, closed="left"),
    "start": Interval(0.0, math.inf, closed="left"),  # and at most the horizon
    "cross_share": Interval(0.0, FACTOR_MAX),
    "prior_exposure": Interval(0.0, FACTOR_MAX),
    "attention": Interval(1, None, integer=True),
}
"""Each world parameter's constraint (hours for times); the scenario keys take theirs from here."""
_SIGN = {"positive": 1, "neutral": 0, "negative": -1}


def content_salt(name: str) -> int:
    """The stable 64-bit salt of a content's name (non-zero): its draws' key is hash2(replicate key, salt)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little") | 1


@dataclass(frozen=True)
class Trigger:
    """Launch a content ``response_time`` hours after content ``after`` first reaches ``level`` of ``metric``.

    ``metric`` counts, within the replicate: ``reach`` users with at least one view of ``after``,
    ``shares`` its shares (seeds' own posts excluded), ``impressions`` its views.
    """

    after: str
    level: int
    metric: str = "reach"
    response_time: float = 0.0

    def __post_init__(self) -> None:
        WORLD_PARAMETERS["trigger_metric"].check("trigger metric", self.metric)
        object.__setattr__(self, "level", WORLD_PARAMETERS["trigger_level"].check("trigger level", self.level))
        object.__setattr__(self, "response_time",
                           WORLD_PARAMETERS["response_time"].check("response_time", self.response_time))


@dataclass(frozen=True)
class ContentSpec:
    """One content of a world: its share model, who posts it and when, and what it says.

    ``seed_times`` and the paid placements' times are hours after the content's launch: ``start``
    (hours) or, with a ``trigger``, the trigger's launch inside each replicate.  Every content of
    a world shares one calendar: the models' ``step`` and ``horizon`` must be equal.
    """

    name: str
    model: CascadeModel
    seeds: Sequence[int] = ()
    seed_times: Sequence[float] | None = None
    paid: Sequence[PaidPlacement] = ()
    sentiment: str = "neutral"
    owner: str = "brand"
    start: float = 0.0
    trigger: Trigger | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidParameterError(f"content name must be a non-empty string; got {self.name!r}")
        if not isinstance(self.model, CascadeModel):
            raise InvalidParameterError(f"content {self.name!r}: model must be a CascadeModel (several contents run "
                                        f"the share cascade); got {type(self.model).__name__}")
        for name in ("sentiment", "owner"):
            WORLD_PARAMETERS[name].check(f"content {self.name!r}: {name}", getattr(self, name))
        start = Interval(WORLD_PARAMETERS["start"].low, self.model.horizon)  # within this calendar
        object.__setattr__(self, "start", start.check(f"content {self.name!r}: start", self.start))
        if self.trigger is not None and not isinstance(self.trigger, Trigger):
            raise InvalidParameterError(f"content {self.name!r}: trigger must be a Trigger or None")


@dataclass(frozen=True)
class Interaction:
    """How content ``source`` changes the sharing of content ``target`` for one user.

    ``cross_share``: a user who has posted ``source`` shares ``target`` with this many times the
    probability (0 blocks).  ``prior_exposure``: a user whose first view of ``target`` came after
    a view of ``source`` shares ``target`` with this many times the probability.
    """

    source: str
    target: str
    cross_share: float = 1.0
    prior_exposure: float = 1.0

    def __post_init__(self) -> None:
        for name in ("cross_share", "prior_exposure"):
            object.__setattr__(self, name, WORLD_PARAMETERS[name].check(name, getattr(self, name)))
        if self.source == self.target:
            raise InvalidParameterError(f"an interaction needs two different contents; got {self.source!r} twice")


@dataclass(frozen=True, eq=False)
class WorldResult:
    """What :func:`simulate_world` returns.

    ``contents``: name -> :class:`SimulationResult` of that content (its metrics also hold
    ``clicks_owned`` and ``clicks_paid``; its diagnostics ``launch_h``, ``trigger_h`` (NaN when
    not launched / not triggered within the horizon) and ``views_dropped`` (posts that did not
    fit a user's attention)).  ``world``: per-replicate ``audience_reached`` (users who viewed
    anything), ``saw_both`` (a positive and a negative content), ``inoculated`` (their first
    positive view came before their first negative one), ``unanswered`` (a negative content
    and no positive one), ``positive_last``/``negative_last`` (users whose last view was
    positive / negative), ``net_sentiment_reach`` (their difference) and ``posted_several`` (users
    who posted more than one content).  ``world_series``: the
    last-view counts per step, cumulated: ``positive_last``, ``negative_last``, ``net_sentiment``.
    """

    specs: tuple
    contents: dict
    world: dict
    world_series: dict
    times_h: np.ndarray
    entropy: int | None = None
    collision: str = "first"
    attention: int | None = None

    @property
    def runs(self) -> int:
        return next(iter(self.contents.values())).runs

    def share_of_voice(self, metric: str = "impressions", owner: str = "brand") -> np.ndarray:
        """Per replicate, ``owner``'s contents' share of ``metric`` over all contents (NaN when all are 0)."""
        total = sum(r.metrics[metric] for r in self.contents.values())
        mine = sum((self.contents[s.name].metrics[metric] for s in self.specs if s.owner == owner),
                   np.zeros(self.runs))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, mine / np.where(total > 0, total, 1), np.nan)

    def share_of_voice_series(self, series: str = "impressions", owner: str = "brand") -> np.ndarray:
        """Mean share of voice over time: ``owner``'s cumulative ``series`` over all contents', (steps + 1,)."""
        total = sum(r.cumulative(series).sum(axis=0) for r in self.contents.values())
        mine = sum((self.contents[s.name].cumulative(series).sum(axis=0) for s in self.specs if s.owner == owner),
                   np.zeros(total.shape))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, mine / np.where(total > 0, total, 1), np.nan)


def _check_world(graph, contents, interactions, attention, collision):
    contents = tuple(contents)
    if not contents or any(not isinstance(c, ContentSpec) for c in contents):
        raise InvalidParameterError("contents must be a non-empty sequence of ContentSpec")
    if len(contents) > MAX_CONTENTS:
        raise InvalidParameterError(f"a world holds at most {MAX_CONTENTS} contents; got {len(contents)}")
    names = [c.name for c in contents]
    for i, nm in enumerate(names):
        if nm in names[:i]:
            raise InvalidParameterError(f"content names must be distinct; {nm!r} appears twice")
    first = contents[0].model
    for c in contents[1:]:
        if c.model.step != first.step or c.model.horizon != first.horizon:
            raise InvalidParameterError(
                f"every content runs on one calendar: content {c.name!r} has step {c.model.step:g} h and horizon "
                f"{c.model.horizon:g} h, content {contents[0].name!r} {first.step:g} h and {first.horizon:g} h")
    index = {nm: i for i, nm in enumerate(names)}
    for c in contents:
        if c.trigger is not None and c.trigger.after not in index:
            raise InvalidParameterError(f"content {c.name!r}: trigger after {c.trigger.after!r}, which is not a "
                                        f"content of this world ({', '.join(names)})")
        if c.trigger is not None and c.trigger.after == c.name:
            raise InvalidParameterError(f"content {c.name!r}: a trigger cannot wait for its own content")
    for c in contents:  # each content has at most one trigger, so a cycle is found by walking back
        seen, cur = {c.name}, c
        while cur.trigger is not None:
            cur = contents[index[cur.trigger.after]]
            if cur.name in seen:
                raise InvalidParameterError(f"triggers form a cycle through content {c.name!r}: no content of the "
                                            f"cycle could ever launch")
            seen.add(cur.name)
    interactions = tuple(interactions)
    pairs = set()
    for it in interactions:
        if not isinstance(it, Interaction):
            raise InvalidParameterError("interactions must be a sequence of Interaction")
        for nm in (it.source, it.target):
            if nm not in index:
                raise InvalidParameterError(f"interaction {it.source!r} -> {it.target!r}: {nm!r} is not a content of "
                                            f"this world ({', '.join(names)})")
        if (it.source, it.target) in pairs:
            raise InvalidParameterError(f"interaction {it.source!r} -> {it.target!r} is declared twice")
        pairs.add((it.source, it.target))
    if attention is not None:
        WORLD_PARAMETERS["attention"].check("attention (posts a user views per step, or None: no limit)", attention)
    WORLD_PARAMETERS["collision"].check("collision", collision)
    return contents, interactions, index


def simulate_world(
    graph: SocialGraph,
    contents: Sequence[ContentSpec],
    *,
    runs: int = 1000,
    seed=None,
    threads: int | None = None,
    progress: Callable[[int], None] | None = None,
    interactions: Sequence[Interaction] = (),
    attention: int | None = None,
    collision: str = "first",
    timeseries: bool = True,
    pool_cap: int | None = None,
    engine: str = "auto",
) -> WorldResult:
    """Run ``runs`` replicates of a world of several contents on ``graph``.

    Replicate i's key is the one :func:`simulate` uses; the first content draws with it, so the
    first content of two worlds (a rumour with and without a response) sees the same coins in
    replicate i until the other contents change what happens.  ``engine="world"`` runs the
    several-contents kernel even for one content (tests use it; ``pool_cap`` too).
    """
    if not isinstance(graph, SocialGraph):
        raise InvalidParameterError(f"graph must be a SocialGraph; got {type(graph).__name__}")
    contents, interactions, index = _check_world(graph, contents, interactions, attention, collision)
    runs = _check_runs(runs)
    threads = check_threads(threads)
    if engine not in ("auto", "world"):
        raise InvalidParameterError(f"engine must be 'auto' or 'world'; got {engine!r}")
    ss = as_seed_sequence(seed)
    if engine == "auto" and len(contents) == 1 and contents[0].trigger is None and contents[0].start == 0.0:
        return _solo(graph, contents[0], runs, ss, threads, progress, timeseries, collision, attention)
    return _world(graph, contents, interactions, index, attention, collision, runs, ss, threads, progress,
                  bool(timeseries), pool_cap)


def _solo(graph, spec, runs, ss, threads, progress, timeseries, collision, attention) -> WorldResult:
    """One content, no trigger: the one-content engine (its fast paths, its numbers) and the world's metrics.

    The world kernel runs instead where the one-content engine lacks something: an attention
    limit (several shares of one content can reach a user in one step), or clicks to split
    between owned and paid views (it gives the same numbers for every other metric).
    """
    if attention is not None or (spec.model.click_rate > 0 and len(spec.seeds) and
                                 any(p.impressions for p in spec.paid)):
        return _world(graph, (spec,), (), {spec.name: 0}, attention, collision, runs, ss, threads, progress,
                      bool(timeseries), None)
    r = simulate(graph, spec.model, spec.seeds, runs=runs, seed=ss, threads=threads, progress=progress,
                 seed_times=spec.seed_times, paid=spec.paid, timeseries=timeseries)
    metrics = dict(r.metrics)
    metrics["clicks_owned"], metrics["clicks_paid"] = _click_sources_solo(r)
    diagnostics = dict(r.diagnostics)
    diagnostics["launch_h"] = np.zeros(runs)
    diagnostics["trigger_h"] = np.full(runs, np.nan)
    diagnostics["views_dropped"] = np.zeros(runs)
    one = SimulationResult(**{**r.__dict__, "metrics": metrics, "diagnostics": diagnostics})
    sign = _SIGN[spec.sentiment]
    reach = r.metrics["reach"]
    zero = np.zeros(runs)
    world = {"audience_reached": reach.copy(), "saw_both": zero, "inoculated": zero,
             "unanswered": reach.copy() if sign < 0 else zero, "positive_last": reach.copy() if sign > 0 else zero,
             "negative_last": reach.copy() if sign < 0 else zero, "net_sentiment_reach": sign * reach,
             "posted_several": zero}
    series = {}
    if timeseries:
        cum = r.cumulative("reach")
        series = {"positive_last": cum * (sign > 0), "negative_last": cum * (sign < 0), "net_sentiment": cum * sign}
    return WorldResult((spec,), {spec.name: one}, world, series, r.times_h, ss.entropy, collision, attention)


def _click_sources_solo(r: SimulationResult):
    """Owned and paid clicks when at most one of the two kinds of non-earned views exists."""
    other = r.metrics["clicks"] - r.metrics["clicks_earned"]
    paid = r.metrics["impressions_paid"] > 0
    return np.where(paid, 0.0, other), np.where(paid, other, 0.0)


def _world(graph, contents, interactions, index, attention, collision, runs, ss, threads, progress, timeseries,
           pool_cap) -> WorldResult:
    model0 = contents[0].model
    n_steps = int(round(model0.horizon / model0.step))
    step = model0.step
    segment, segment_names = _segments(graph)
    n_seg = len(segment_names)
    C = len(contents)
    n = graph.n_nodes

    salts = np.array([0] + [content_salt(c.name) for c in contents[1:]], dtype=np.uint64)
    share_prob = np.empty((C, n_steps + 1))
    affinity = np.ones((C, n_seg))
    delay_cdf = np.empty((C, n_steps))
    delay_guide = np.empty((C, _GUIDE_SIZE), dtype=np.int32)
    fixed_delay = np.zeros(C, dtype=np.int64)
    hours = np.arange(n_steps + 1) * step
    seeds_all, seed_steps_all, seed_indptr = [], [], [0]
    paid_steps, paid_counts, paid_segment, paid_indptr = [], [], [], [0]
    for ci, c in enumerate(contents):
        m = c.model
        decay = np.ones(n_steps + 1) if m.half_life is None else np.exp2(-hours / m.half_life)
        share_prob[ci] = m.stickiness * decay
        if m.affinity is not None:
            if graph.segment is None or len(m.affinity) != n_seg:
                raise InvalidParameterError(
                    f"content {c.name!r}: affinity must have one value per graph segment ({len(graph.segment_names)}: "
                    f"{', '.join(graph.segment_names) or 'the graph has none'}); got {len(m.affinity)}")
            affinity[ci] = m.affinity
        delay_cdf[ci], fixed_delay[ci] = _delay_table(m.delay_median, m.delay_sigma, step, n_steps)
        delay_guide[ci] = np.searchsorted(delay_cdf[ci], np.arange(_GUIDE_SIZE) / _GUIDE_SIZE, side="right")
        s = _check_seeds(graph, c.seeds)
        seeds_all.append(s)
        seed_steps_all.append(_steps_of(c.seed_times, s.size, step, m.horizon, f"content {c.name!r} seed_times"))
        seed_indptr.append(seed_indptr[-1] + s.size)
        for p in c.paid:
            if not isinstance(p, PaidPlacement):
                raise InvalidParameterError(f"content {c.name!r}: paid must be a sequence of PaidPlacement")
            paid_steps.append(int(_steps_of([p.time], 1, step, m.horizon, f"content {c.name!r} paid times")[0]))
            paid_counts.append(p.impressions)
            sg = -1
            if p.segment is not None:
                if p.segment not in graph.segment_names:
                    raise InvalidParameterError(
                        f"content {c.name!r}: paid segment must be one of "
                        f"{', '.join(graph.segment_names) or '(graph has no segments)'}; got {p.segment!r}")
                sg = graph.segment_names.index(p.segment)
                if not np.any(segment == sg) and p.impressions > 0:
                    raise InvalidParameterError(f"content {c.name!r}: paid segment {p.segment!r} has no users")
            paid_segment.append(sg)
        paid_indptr.append(len(paid_steps))
    seeds_flat = np.concatenate(seeds_all).astype(np.int64) if seeds_all else np.zeros(0, np.int64)
    seed_steps_flat = np.concatenate(seed_steps_all).astype(np.int64)
    fatigue = np.array([c.model.fatigue for c in contents])
    feed_reach = np.array([c.model.feed_reach for c in contents])
    rates = np.array([[c.model.engagement_rate, c.model.click_rate, c.model.conversion_rate] for c in contents])
    sentiment = np.array([_SIGN[c.sentiment] for c in contents], dtype=np.int64)
    if collision == "first":
        collide, class_of, n_classes = W.COLLIDE_FIRST, np.zeros(C, np.int64), 1
    elif collision == "random":
        collide, class_of, n_classes = W.COLLIDE_RANDOM, np.arange(C, dtype=np.int64), C
    else:  # the winning sentiment's bucket first, neutral next
        rank = -sentiment if collision == "positive" else sentiment
        collide, class_of, n_classes = W.COLLIDE_CLASSES, (rank + 1).astype(np.int64), 3
    start_step = np.array([-1 if c.trigger is not None else int(math.floor(c.start / step + 0.5)) for c in contents],
                          dtype=np.int64)
    trig_after = np.array([-1 if c.trigger is None else index[c.trigger.after] for c in contents], dtype=np.int64)
    trig_metric = np.array([0 if c.trigger is None else TRIGGER_METRICS.index(c.trigger.metric) for c in contents],
                           dtype=np.int64)
    trig_level = np.array([0 if c.trigger is None else c.trigger.level for c in contents], dtype=np.int64)
    trig_delay = np.array([0 if c.trigger is None else int(math.floor(c.trigger.response_time / step + 0.5))
                           for c in contents], dtype=np.int64)
    cross = np.ones((C, C))
    prior = np.ones((C, C))
    for it in interactions:
        cross[index[it.source], index[it.target]] = it.cross_share
        prior[index[it.source], index[it.target]] = it.prior_exposure
    interacting = bool(np.any(cross != 1.0) or np.any(prior != 1.0))

    order = np.argsort(segment, kind="stable").astype(np.int32)
    seg_indptr = np.zeros(n_seg + 1, dtype=np.int64)
    np.cumsum(np.bincount(segment, minlength=n_seg), out=seg_indptr[1:])
    i64 = lambda xs: np.asarray(xs, dtype=np.int64)  # noqa: E731
    graph_t = (graph.indptr, graph.indices, segment)
    contents_t = (salts, share_prob, fatigue, feed_reach, delay_cdf, delay_guide, fixed_delay, affinity, rates,
                  sentiment, class_of, start_step, trig_after, trig_metric, trig_level, trig_delay)
    seeding_t = (seeds_flat, i64(seed_indptr), seed_steps_flat, i64(paid_steps), i64(paid_counts), i64(paid_segment),
                 i64(paid_indptr), seg_indptr, order)
    world_t = (cross, prior, interacting, int(attention or 0), collide, n_classes, float(step))

    keys = replicate_keys(ss, runs)
    max_seeds = max(s.size for s in seeds_all)
    metrics = zeroed((runs, C, K.N_METRICS), np.float64)
    extras = zeroed((runs, C, W.N_EXTRA), np.float64)
    world = zeroed((runs, W.N_WORLD), np.float64)
    series = np.zeros((runs if timeseries else 0, C * K.N_SERIES + 2, n_steps + 1), dtype=np.int32)
    reach_seg = zeroed((runs, C, n_seg), np.int64)
    attribution = zeroed((runs, C, max_seeds), np.int64)
    overflow = np.zeros(runs, dtype=np.uint8)
    fixed_events = int(seeds_flat.size + sum(paid_counts) + 1)
    full_cap = C * graph.n_arcs + fixed_events
    if full_cap >= 2**31 - 1:
        raise InvalidParameterError("contents x arcs + paid impressions must be below 2**31 per run")
    if pool_cap is None:
        pool_cap = min(full_cap, 2 * C * n + fixed_events + 1024)
    pool_cap = max(int(pool_cap), fixed_events)

    def buffers(n_threads, cap):
        return (zeroed((n_threads, n, W.state_columns(C)), np.int32),
                np.empty((n_threads, n + 1), dtype=np.int32),
                np.zeros((n_threads, (n + 63) // 64), dtype=np.uint64),
                np.empty((n_threads, 4, cap), dtype=np.int32),
                np.empty((n_threads, C, K.SH_ROWS, n), dtype=np.int32))

    out = (metrics, extras, world, series, reach_seg, attribution)
    with numba_threads(threads) as available:
        n_threads = min(available, runs)
        buf = buffers(n_threads, pool_cap)

        def enlarge() -> None:
            nonlocal pool_cap, buf
            if pool_cap < full_cap:
                pool_cap = full_cap
                buf = buf[:3] + (np.empty((n_threads, 4, pool_cap), dtype=np.int32),) + buf[4:]

        def run_ids(ids, t) -> None:
            W.run_world(graph_t, contents_t, seeding_t, world_t, keys, ids, t, out, overflow, buf)

        run_in_batches(runs, n_threads, progress, run_ids, overflow, out, enlarge)

    times_h = np.arange(n_steps + 1) * step
    results = {}
    for ci, c in enumerate(contents):
        cols = {name: metrics[:, ci, i] for i, name in enumerate(K.METRIC_NAMES)}
        ext = {name: extras[:, ci, i] for i, name in enumerate(W.EXTRA_NAMES)}
        ms = {k: cols[k] for k in _CONTRACT_METRICS}
        ms["clicks_owned"], ms["clicks_paid"] = ext["clicks_owned"], ext["clicks_paid"]
        diag = {k: cols[k] for k in _DIAGNOSTICS}
        diag.update({k: ext[k] for k in ("launch_h", "trigger_h", "views_dropped")})
        ts = {name: series[:, ci * K.N_SERIES + i, :] for i, name in enumerate(K.SERIES_NAMES)} if timeseries else {}
        results[c.name] = SimulationResult(
            metrics=ms, timeseries=ts, times_h=times_h, reach_by_segment=reach_seg[:, ci, :],
            segment_names=segment_names, attribution=attribution[:, ci, : seeds_all[ci].size], seeds=seeds_all[ci],
            diagnostics=diag, entropy=ss.entropy)
    world_metrics = {name: world[:, i] for i, name in enumerate(W.WORLD_METRIC_NAMES)}
    world_series = {}
    if timeseries:
        pos = np.cumsum(series[:, C * K.N_SERIES, :], axis=1, dtype=np.int64)
        neg = np.cumsum(series[:, C * K.N_SERIES + 1, :], axis=1, dtype=np.int64)
        world_series = {"positive_last": pos, "negative_last": neg, "net_sentiment": pos - neg}
    return WorldResult(contents, results, world_metrics, world_series, times_h, ss.entropy, collision, attention)
