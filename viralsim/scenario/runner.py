"""Run scenarios: build the audience, choose seeds, simulate, value; compare with common random numbers."""

from __future__ import annotations

import math
import time
import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..campaign.valuation import EMV_CAVEAT, ROI_UNDEFINED, thin_conversions_note, value_metrics
from ..errors import ScenarioError
from ..graph import SocialGraph
from ..model.results import (LOWER_IS_BETTER, NO_DIRECTION, P_BEATS_DEFINITION, MetricDifference, Summary,
                             better_direction, metric_range, paired_difference, summarize)
from ..random import GRAPH, as_seed_sequence, child
from .loader import Scenario, wrap_errors
from .plan import CampaignPlan, plan_campaign
from .verdict import Verdict, check_objective, default_objective, format_value, verdict

__all__ = ["ScenarioResult", "Comparison", "MetricDifference", "Summary", "build_audience", "choose_scenario_seeds",
           "build_model", "simulate", "compare", "summarize", "Incrementality", "incrementality", "run_baseline"]

TIMESERIES_METRICS = ("reach", "impressions", "shares")


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    """Everything one scenario run produced.

    Attributes
    ----------
    metrics : dict of str -> ndarray (runs,)
        Per-replicate metrics of the model layer plus money metrics (emv, conversion_value,
        paid_cost, total_cost, net_value, roi) when the scenario has a valuation section.
    summary : dict of str -> Summary
        The model layer's summaries (mean, std, median, p05, p95, ci95_low, ci95_high, n).
    seed : int
        The master seed actually used (in :func:`compare`, the baseline's seed).
    """

    scenario: Scenario
    graph: SocialGraph
    plan: CampaignPlan
    simulation: object
    metrics: dict
    summary: dict
    seed: int
    wall_time_s: float
    notes: tuple[str, ...] = ()
    incremental: "Incrementality | None" = None
    world: "object | None" = None  # a scenario.world.WorldRun when the scenario is a world of contents

    @property
    def seeds(self) -> np.ndarray:
        """Every wave's seed accounts (int64 node indices), in the order of the attribution columns."""
        return self.plan.seeds

    @property
    def runs(self) -> int:
        return int(next(iter(self.metrics.values())).shape[0])

    @property
    def seed_labels(self) -> list:
        """The seed accounts as ids of the graph file (node indices for generated graphs)."""
        labels = getattr(self.graph, "labels", None)
        return (np.asarray(labels)[self.seeds] if labels is not None else np.asarray(self.seeds)).tolist()

    def valuation_info(self) -> dict | None:
        v = self.scenario.valuation
        if v is None:
            return None
        info = {"currency": v.currency, "emv_formula": v.formula(), "roi_formula": v.roi_formula(),
                "caveat": EMV_CAVEAT}
        if self.plan.spend.total == 0:
            info["roi_undefined"] = ROI_UNDEFINED
        else:
            thin = thin_conversions_note(self.metrics["conversions"], v.per_conversion, self.plan.spend.total,
                                         v.currency)
            if thin:
                info["roi_unstable"] = thin
        return info

    def attribution_by_source(self) -> list[dict]:
        """Earned reach and cost per earned reach by tier (seeds grouped by tier, or all seeds without
        tiers) and for the paid boosts.  Earned reach of the boosts = earned reach not descended from
        any seed (it descends from shares by boost viewers).  Sums are per replicate, then summarised."""
        att = self.simulation.attribution
        plan = self.plan
        a = np.zeros((self.runs, 0)) if att is None else np.asarray(att, dtype=np.float64)
        rows = []
        names, first, group = np.unique(np.asarray(plan.seed_tiers, dtype=str), return_index=True,
                                        return_inverse=True)
        for g in np.argsort(first):  # tiers in order of first appearance
            cols = group == g
            rows.append((str(names[g]) or "all seeds", int(cols.sum()), float(plan.seed_fees[cols].sum()),
                         a[:, cols].sum(axis=1)))
        if plan.placements:
            boost_reach = np.asarray(self.metrics["reach_earned"], dtype=np.float64) - a.sum(axis=1)
            rows.append(("paid boosts", 0, plan.spend.boosts, boost_reach))
        out = []
        for source, n, cost, per_run in rows:
            mean = float(per_run.mean())
            out.append({"source": source, "seeds": n, "cost": cost, "earned_reach_mean": mean,
                        "earned_reach_p05": float(np.quantile(per_run, 0.05)),
                        "earned_reach_p95": float(np.quantile(per_run, 0.95)),
                        "cost_per_earned_reach": cost / mean if mean > 0 else math.nan})
        return out

    def timeseries_summary(self) -> dict[str, dict[str, np.ndarray]]:
        """Per step: mean, p05 and p95 of cumulative reach, impressions and shares."""
        out = {}
        for name in TIMESERIES_METRICS:
            cum = np.asarray(self.simulation.cumulative(name), dtype=np.float64)
            out[name] = {"mean": cum.mean(axis=0), "p05": np.quantile(cum, 0.05, axis=0),
                         "p95": np.quantile(cum, 0.95, axis=0)}
        return out

    def to_summary_dict(self) -> dict:
        """The content of ``summary.json``: every metric's summary plus context."""
        sc = self.scenario
        out = {
            "name": sc.name,
            "description": sc.description,
            "model": sc.model,
            "runs": self.runs,
            "seed": self.seed,
            "horizon_h": sc.horizon_h,
            "graph": graph_info(self.graph),
            "seeds": {"strategy": _strategies(sc), "count": int(len(self.seeds)),
                      "segment": sc.campaign.seeding.segment if sc.campaign.seeding is not None else None,
                      "nodes": self.seed_labels},
            "campaign": {**self.plan.to_dict(),
                         "attribution_by_source": [_clean(row) for row in self.attribution_by_source()]},
            "metrics": {k: _clean(v.to_dict()) for k, v in self.summary.items()},
        }
        val = self.valuation_info()
        if val is not None:
            out["valuation"] = val
        if self.incremental is not None:
            out["incrementality"] = self.incremental.to_dict()
        if self.world is not None:
            out["world"] = self.world.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _strategies(sc: Scenario) -> str:
    names = [w.seeding.strategy for w in sc.campaign.waves if w.seeding is not None]
    if not names:
        return "boost only" if sc.campaign.boosts else "none (organic)"
    return " + ".join(dict.fromkeys(names))


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def graph_info(graph: SocialGraph) -> dict:
    info = {"nodes": int(graph.n_nodes), "edges": int(graph.n_edges), "directed": bool(graph.directed)}
    if graph.segment is not None:
        info["segments"] = list(graph.segment_names)
    info["fingerprint"] = graph.fingerprint()
    return info


def _segment_labels(n: int, shares: Sequence[float], seed: int) -> np.ndarray:
    """Exactly round(share x n) users per segment (largest remainder), placed at random (purpose GRAPH)."""
    quotas = np.asarray(shares, dtype=np.float64) * n
    counts = np.floor(quotas).astype(np.int64)
    short = n - int(counts.sum())
    if short > 0:
        counts[np.argsort(-(quotas - counts), kind="stable")[:short]] += 1
    labels = np.repeat(np.arange(len(shares), dtype=np.int32), counts)
    rng = np.random.Generator(np.random.PCG64(child(as_seed_sequence(seed), GRAPH, 1)))
    return rng.permutation(labels)


def build_audience(scenario: Scenario, *, seed: int | None = None) -> SocialGraph:
    """The scenario's audience graph, built from purpose GRAPH of ``seed`` (default: the scenario's)."""
    from ..graph import generate, load_graph

    a = scenario.audience
    seed = scenario.seed if seed is None else seed
    names = [s.name for s in a.segments]
    if a.generator == "file":
        with wrap_errors("audience.file", scenario):
            graph = load_graph(a.file, directed=a.directed)
    elif a.generator == "segmented":
        with wrap_errors("audience.params", scenario):
            graph = generate(a.generator, a.nodes, seed=seed, shares=[s.share for s in a.segments], names=names,
                             **a.params)
        return graph
    else:
        with wrap_errors("audience.params", scenario):
            graph = generate(a.generator, a.nodes, seed=seed, **a.params)
    if a.segments:
        labels = _segment_labels(graph.n_nodes, [s.share for s in a.segments], seed)
        graph = graph.with_segments(labels, names)
    return graph


def choose_scenario_seeds(scenario: Scenario, graph: SocialGraph, *, seed: int | None = None) -> np.ndarray:
    """Every wave's seed accounts; random choices from purpose SEEDING of ``seed``."""
    return plan_campaign(scenario, graph, seed=seed).seeds


def build_model(scenario: Scenario, graph: SocialGraph):
    """The model layer's CascadeModel or ThresholdModel for this scenario (durations in hours)."""
    from ..model import CascadeModel, ThresholdModel

    c, p = scenario.content, scenario.platform
    common = dict(feed_reach=p.feed_reach, delay_median=p.delay_median_h, delay_sigma=p.delay_sigma,
                  engagement_rate=c.engagement_rate, click_rate=c.click_rate, conversion_rate=c.conversion_rate,
                  step=scenario.step_h, horizon=scenario.horizon_h)
    with wrap_errors("content", scenario):
        if scenario.model == "threshold":
            t = scenario.threshold
            return ThresholdModel(rule=t.rule, threshold=t.level, **common)
        affinity = scenario.segment_affinity(graph.segment_names if graph.segment is not None else ())
        return CascadeModel(stickiness=c.stickiness, half_life=c.half_life_h, fatigue=c.fatigue, affinity=affinity,
                            **common)


def simulate(scenario: Scenario, *, runs: int | None = None, seed: int | None = None, threads: int | None = None,
             progress: Callable[[int], None] | None = None, graph: SocialGraph | None = None,
             plan: CampaignPlan | None = None) -> ScenarioResult:
    """Run one scenario: audience, seeds, Monte Carlo, valuation.

    Parameters
    ----------
    scenario : Scenario
        From :func:`load_scenario`.
    runs, seed : int, optional
        Override the scenario's replicate count and master seed.
    threads : int, optional
        Numba threads (results do not depend on it).
    progress : callable, optional
        ``advance(n_done)``, called as replicates finish.
    graph : SocialGraph, optional
        A prebuilt audience (must be the one the scenario describes; used by :func:`compare`).
    plan : CampaignPlan, optional
        A campaign already planned on ``graph`` with the same seed (:func:`plan_campaign`), e.g.
        under its own progress display.
    """
    start = time.perf_counter()
    from ..model import simulate as model_simulate

    runs = scenario.runs if runs is None else int(runs)
    seed = scenario.seed if seed is None else int(seed)
    if graph is None:
        graph = build_audience(scenario, seed=seed)
    if plan is None:
        plan = plan_campaign(scenario, graph, seed=seed, threads=threads)
    model = build_model(scenario, graph)
    world = None
    if scenario.is_world:
        from .world import run_world

        world = run_world(scenario, graph, plan, model, runs=runs, seed=seed, threads=threads, progress=progress)
        sim = world.result.contents[scenario.content.name]
    else:
        with wrap_errors("campaign", scenario):
            sim = model_simulate(graph, model, plan.seeds, runs=runs, seed=seed, threads=threads, progress=progress,
                                 seed_times=plan.seed_times_h, paid=plan.placements)
    metrics = {k: np.asarray(v) for k, v in sim.metrics.items()}
    if scenario.valuation is not None:
        metrics.update(value_metrics(metrics, scenario.valuation, plan.spend))
    if world is not None:
        metrics.update(world.metrics)
    summary = {k: summarize(v, metric_range(k)) for k, v in metrics.items()}
    return ScenarioResult(scenario, graph, plan, sim, metrics, summary, seed, time.perf_counter() - start,
                          world=world)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Scenarios run with common random numbers; differences against the first (the baseline)."""

    results: tuple[ScenarioResult, ...]
    seed: int
    runs: int
    same_graph: tuple[bool, ...]
    differences: dict  # scenario name -> metric -> MetricDifference (baseline excluded)
    notes: tuple[str, ...] = ()
    objective: str = "reach"  # the metric the verdict is on

    def verdict(self) -> Verdict:
        """The winner on the objective, and whether the paired runs are sure of it."""
        cur = self.baseline.scenario.valuation.currency if self.baseline.scenario.valuation else ""
        per_run = {r.scenario.name: r.metrics[self.objective] for r in self.results if self.objective in r.metrics}
        return verdict(self.objective, per_run, lambda x: format_value(x, self.objective, cur))

    @property
    def baseline(self) -> ScenarioResult:
        return self.results[0]

    @property
    def names(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline.scenario.name,
            "seed": self.seed,
            "runs": self.runs,
            "common_random_numbers": (f"every scenario uses the baseline's seed {self.seed}: replicate i of each "
                                      "scenario runs on the same random streams"),
            "p_beats_definition": (f"{P_BEATS_DEFINITION}. Lower is better for: {', '.join(sorted(LOWER_IS_BETTER))}; "
                                   f"no better direction (p_beats null): {', '.join(sorted(NO_DIRECTION))}"),
            "scenarios": [
                {"name": r.scenario.name, "description": r.scenario.description, "same_graph_as_baseline": same,
                 "graph": graph_info(r.graph), "metrics": {k: _clean(v.to_dict()) for k, v in r.summary.items()}}
                for r, same in zip(self.results, self.same_graph)
            ],
            "differences": {name: {m: d.to_dict() for m, d in diffs.items()} for name, diffs in self.differences.items()},
            "notes": list(self.notes),
            "verdict": _clean(self.verdict().to_dict()),
        }


def compare(scenarios: Sequence[Scenario], *, runs: int | None = None, threads: int | None = None,
            progress_factory: Callable[[str, int], object] | None = None,
            planning_factory: Callable[[str], object] | None = None, objective: str | None = None) -> Comparison:
    """Run ``scenarios`` with common random numbers and difference them against the first.

    ``objective`` is the metric the verdict is on (default: reach, or net sentiment reach for
    several contents); it must have a better direction.

    Every scenario uses the first scenario's seed and replicate count, so replicate ``i`` of all
    of them shares its key.  Scenarios with the same ``audience`` section share one graph, built
    once; others get their own graph (noted in the result: their differences then include the
    change of graph).

    ``progress_factory(name, runs)`` may return a context manager yielding ``advance(n)``;
    ``planning_factory(name)`` likewise, for the seed choice (imm reports RR sets sampled).
    """
    if not scenarios:
        raise ScenarioError("compare needs at least one scenario")
    objective = objective or default_objective(scenarios[0].is_world)
    check_objective(objective)
    names = [s.name for s in scenarios]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(f"two scenarios are named {name!r}; names must differ to be compared")
        if name in ("compare.json", "compare.csv"):
            raise ScenarioError(f"a scenario named {name!r} would overwrite the comparison's own file; rename it")
    base = scenarios[0]
    seed = base.seed
    runs = base.runs if runs is None else int(runs)
    notes = [f"common random numbers: every scenario runs with the baseline's seed ({seed}) and {runs} runs"]
    graphs: list[tuple[dict, SocialGraph]] = []
    results, same = [], []
    for sc in scenarios:
        if sc.seed != seed:
            notes.append(f"{sc.name}: its own seed {sc.seed} is replaced by the baseline's seed {seed}")
        audience_key = sc.resolved.get("audience")
        graph = next((g for key, g in graphs if key == audience_key), None)
        if graph is None:
            graph = build_audience(sc, seed=seed)
            graphs.append((audience_key, graph))
        is_same = audience_key == base.resolved.get("audience")
        same.append(is_same)
        if not is_same:
            notes.append(f"{sc.name}: the audience differs from the baseline's, so its graph differs too")
        plan = None
        if planning_factory is not None:
            with planning_factory(sc.name) as note:
                plan = plan_campaign(sc, graph, seed=seed, threads=threads, progress=note)
        if progress_factory is not None:
            with progress_factory(sc.name, runs) as advance:
                results.append(simulate(sc, runs=runs, seed=seed, threads=threads, progress=advance, graph=graph,
                                        plan=plan))
        else:
            results.append(simulate(sc, runs=runs, seed=seed, threads=threads, graph=graph, plan=plan))
    differences = {}
    for r in results[1:]:
        shared = [m for m in results[0].metrics if m in r.metrics]
        differences[r.scenario.name] = {m: paired_difference(results[0].metrics[m], r.metrics[m], better_direction(m))
                                       for m in shared}
    return Comparison(tuple(results), seed, runs, tuple(same), differences, tuple(notes), objective)


INCREMENTAL_METRICS = ("reach", "impressions", "shares", "engagements", "clicks", "conversions", "emv", "net_value")


@dataclass(frozen=True)
class Incrementality:
    """What the campaign adds over its baseline (the no-campaign world), replicate by replicate.

    Both worlds run with the same seed, runs and audience, so replicate i shares its random numbers
    (common random numbers) and ``differences`` are paired.  ``cost_per_incremental`` divides the
    campaign's extra spend by the mean incremental reach / conversions (None when that is <= 0).
    """

    baseline_name: str
    baseline_source: str
    differences: dict  # metric -> MetricDifference (campaign - baseline)
    extra_spend: float
    cost_per_incremental: dict  # "reach" / "conversions" -> float | None

    def to_dict(self) -> dict:
        return {"baseline": self.baseline_name, "baseline_file": self.baseline_source,
                "extra_spend": self.extra_spend,
                "cost_per_incremental": _clean(dict(self.cost_per_incremental)),
                "definition": "campaign minus baseline per replicate, both run with the same seed and random "
                              "numbers (common random numbers); 95% CI of the mean paired difference",
                "differences": {m: d.to_dict() for m, d in self.differences.items()}}


def incrementality(result: ScenarioResult, baseline: ScenarioResult) -> Incrementality:
    """Paired differences campaign - baseline and the cost per incremental reach and conversion."""
    diffs = {m: paired_difference(baseline.metrics[m], result.metrics[m], better_direction(m))
             for m in INCREMENTAL_METRICS if m in result.metrics and m in baseline.metrics}
    extra = result.plan.spend.total - baseline.plan.spend.total
    per = {}
    for m in ("reach", "conversions"):
        d = diffs.get(m)
        per[m] = extra / d.mean_diff if d is not None and d.mean_diff is not None and d.mean_diff > 0 else None
    source = str(baseline.scenario.source) if baseline.scenario.source is not None else baseline.scenario.name
    return Incrementality(baseline.scenario.name, source, diffs, float(extra), per)


def run_baseline(result: ScenarioResult, baseline: Scenario, *, threads: int | None = None,
                 progress: Callable[[int], None] | None = None) -> ScenarioResult:
    """Run ``baseline`` on the result's audience with its seed and runs; return the result with
    :attr:`ScenarioResult.incremental` filled in."""
    if baseline.resolved.get("audience") != result.scenario.resolved.get("audience"):
        raise ScenarioError(f"baseline {baseline.name!r} ({baseline.source}): its audience section differs from "
                            f"{result.scenario.name!r}'s; incrementality needs the same audience (extend the "
                            "campaign's scenario and change only the campaign)")
    base = simulate(baseline, runs=result.runs, seed=result.seed, threads=threads, progress=progress,
                    graph=result.graph)
    return dataclasses.replace(result, incremental=incrementality(result, base))
