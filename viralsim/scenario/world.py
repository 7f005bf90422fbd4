"""A scenario's world of several contents: plan each content's campaign, simulate them together, and
derive what an analyst reads across contents (share of voice, net sentiment, net earned media)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ..campaign.valuation import value_metrics
from ..model.results import metric_range, summarize
from ..model.world import ContentSpec, Interaction, Trigger, WorldResult, content_salt, simulate_world
from .loader import Scenario, wrap_errors
from .plan import CampaignPlan, plan_campaign

__all__ = ["WorldRun", "run_world", "NET_EARNED_MEDIA_NOTE"]

NET_EARNED_MEDIA_NOTE = ("net earned media = EMV of the positive contents' earned media minus the EMV of the negative "
                         "contents' earned media, both valued at this scenario's rates (what the rumour's spread would "
                         "cost to buy, counted against the brand)")
SOV_METRICS = ("impressions", "reach", "shares")


def _content_seed(seed: int, name: str) -> int:
    """The seeding-choice seed of a further content: its own stream, named by the content."""
    return int(np.random.SeedSequence([seed, content_salt(name) & 0xFFFFFFFF]).generate_state(1, np.uint64)[0] >> 1)


@dataclass(frozen=True, eq=False)
class WorldRun:
    """The contents' results and plans, and the cross-content metrics added to the main metrics."""

    result: WorldResult
    plans: dict
    metrics: dict

    def to_dict(self) -> dict:
        """``summary.json``'s ``world``: per content the headline metrics; share of voice over time."""
        contents = []
        for spec in self.result.specs:
            r = self.result.contents[spec.name]
            row = {"name": spec.name, "sentiment": spec.sentiment, "owner": spec.owner,
                   "seeds": int(len(r.seeds)),
                   "trigger": None if spec.trigger is None else dataclasses.asdict(spec.trigger),
                   "metrics": {k: _clean(summarize(r.metrics[k], metric_range(k)).to_dict()) for k in
                               ("reach", "impressions", "impressions_earned", "shares", "clicks", "clicks_owned",
                                "clicks_paid", "clicks_earned", "conversions")},
                   "launch_h": _clean(summarize(r.diagnostics["launch_h"], metric_range("launch_h")).to_dict()),
                   "launched_share": float(np.mean(np.isfinite(r.diagnostics["launch_h"]))),
                   "views_dropped": float(r.diagnostics["views_dropped"].mean())}
            contents.append(row)
        out = {"contents": contents, "collision": self.result.collision, "attention": self.result.attention,
               "times_h": self.result.times_h.tolist()}
        if next(iter(self.result.contents.values())).timeseries:
            out["series"] = {spec.name: {m: self.result.contents[spec.name].cumulative(m).mean(axis=0).tolist()
                                         for m in SOV_METRICS} for spec in self.result.specs}
            out["share_of_voice_impressions"] = _nan_list(self.result.share_of_voice_series("impressions"))
            net = self.result.world_series["net_sentiment"].astype(np.float64)
            out["net_sentiment"] = {"mean": net.mean(axis=0).tolist(), "p05": np.quantile(net, 0.05, axis=0).tolist(),
                                    "p95": np.quantile(net, 0.95, axis=0).tolist()}
        if "net_earned_media" in self.metrics:
            out["net_earned_media_note"] = NET_EARNED_MEDIA_NOTE
        return out


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _nan_list(x) -> list:
    return [None if not math.isfinite(v) else float(v) for v in np.asarray(x, dtype=np.float64)]


def run_world(scenario: Scenario, graph, plan: CampaignPlan, model, *, runs: int, seed: int, threads=None,
              progress=None) -> WorldRun:
    """Plan every further content's campaign, run the world, and compute the cross-content metrics."""
    from .runner import build_model

    c0 = scenario.content
    specs = [ContentSpec(c0.name, model, seeds=plan.seeds, seed_times=plan.seed_times_h, paid=plan.placements,
                         sentiment=c0.sentiment, owner=c0.owner)]
    plans = {c0.name: plan}
    for i, x in enumerate(scenario.contents):
        sub = dataclasses.replace(scenario, content=x.content, campaign=x.campaign, contents=(), interactions=())
        p = plan_campaign(sub, graph, seed=_content_seed(seed, x.content.name), threads=threads)
        trig = None
        if x.trigger is not None:
            trig = Trigger(x.trigger.after, x.trigger.level, x.trigger.metric, x.trigger.response_h)
        with wrap_errors(f"contents[{i}]", scenario):
            specs.append(ContentSpec(x.content.name, build_model(sub, graph), seeds=p.seeds, seed_times=p.seed_times_h,
                                     paid=p.placements, sentiment=x.content.sentiment, owner=x.content.owner,
                                     start=x.start_h, trigger=trig))
        plans[x.content.name] = p
    inter = [Interaction(it.source, it.target, it.cross_share, it.prior_exposure) for it in scenario.interactions]
    with wrap_errors("contents", scenario):
        result = simulate_world(graph, specs, runs=runs, seed=seed, threads=threads, progress=progress,
                                interactions=inter, attention=scenario.platform.attention,
                                collision=scenario.platform.collision)
    metrics = {k: np.asarray(v, dtype=np.float64) for k, v in result.world.items()}
    for m in SOV_METRICS:
        metrics[f"share_of_voice_{m}"] = result.share_of_voice(m, "brand")
    for spec in specs[1:]:
        r = result.contents[spec.name]
        for m in ("reach", "impressions", "shares", "clicks"):
            metrics[f"{spec.name}.{m}"] = np.asarray(r.metrics[m], dtype=np.float64)
        metrics[f"{spec.name}.launch_h"] = np.asarray(r.diagnostics["launch_h"])
        if spec.trigger is not None:
            metrics[f"{spec.name}.trigger_h"] = np.asarray(r.diagnostics["trigger_h"])
    if scenario.valuation is not None:
        net = np.zeros(runs)
        for spec in specs:
            sign = {"positive": 1, "negative": -1}.get(spec.sentiment, 0)
            if sign:
                r = result.contents[spec.name]
                net += sign * value_metrics(r.metrics, scenario.valuation, plans[spec.name].spend)["emv"]
        metrics["net_earned_media"] = net
    return WorldRun(result, plans, metrics)
