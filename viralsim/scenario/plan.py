"""Turn a scenario's campaign section into what the engine runs: seeds with post times, paid
placements, and what it all costs (checked against the budget)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..campaign.seeding import SeedingContext, select_seeds
from ..campaign.valuation import Spend
from ..graph import SocialGraph
from ..kernels.rng import hash2
from ..model.simulate import PaidPlacement
from ..random import SEEDING, stream_key
from .loader import Scenario, wrap_errors
from .schema import fail

__all__ = ["CampaignPlan", "plan_campaign", "share_model"]


@dataclass(frozen=True, eq=False)
class CampaignPlan:
    """The campaign as the engine sees it.

    ``seeds`` (int64 node indices, wave by wave) post at ``seed_times_h``; ``seed_fees`` and
    ``seed_tiers`` are what each seed costs and its tier ('' without tiers, 'owned' for unpaid
    brand accounts); ``placements`` are the paid boosts split into per-step placements; ``waves``
    reports each wave's choice (strategy, count, cost, what the strategy estimated).
    """

    seeds: np.ndarray
    seed_times_h: np.ndarray
    seed_fees: np.ndarray
    seed_tiers: tuple[str, ...]
    placements: tuple[PaidPlacement, ...]
    spend: Spend
    budget: float | None
    waves: tuple[dict, ...]

    def to_dict(self) -> dict:
        return {"spend": self.spend.to_dict(), "budget": self.budget, "waves": list(self.waves)}


def share_model(scenario: Scenario, graph: SocialGraph) -> tuple[float, np.ndarray | float | None]:
    """The independent-cascade equivalent of the share model: (view probability, share probability per
    view for each user).  Arc u->v is live with probability view x share[v]; exact without decay and
    fatigue, an upper bound with them.  ``(1.0, None)`` for the threshold model."""
    if scenario.model != "cascade":
        return 1.0, None
    stickiness = scenario.content.stickiness
    affinity = scenario.segment_affinity(graph.segment_names if graph.segment is not None else ())
    if affinity is not None:
        return scenario.platform.feed_reach, stickiness * affinity[np.asarray(graph.segment, dtype=np.int64)]
    return scenario.platform.feed_reach, float(stickiness)


def _wave_key(seed: int, wave: int) -> int:
    """Wave 0 uses the scenario's seeding stream (as one-wave campaigns always have); later waves
    get independent keys named by their index."""
    key = stream_key(seed, SEEDING)
    return int(key) if wave == 0 else int(hash2(key, wave))


def plan_campaign(scenario: Scenario, graph: SocialGraph, *, seed: int | None = None,
                  threads: int | None = None, progress=None) -> CampaignPlan:
    """Choose every wave's seeds and lay out the boosts; check the budget.

    Waves with a ``count`` are chosen first, in schedule order, each excluding accounts seeded by
    earlier waves; the wave that fills the budget (no ``count``) is chosen last, with the money left
    after the fixed cost, the boosts and the other waves' fees.  ``progress(n)`` is called as an
    optimiser samples (imm: RR sets).
    """
    seed = scenario.seed if seed is None else seed
    c = scenario.campaign
    fees_all = c.cost.fees(graph.out_degree)
    view, share = share_model(scenario, graph)
    boosts = sum(w.boost.cost for w in c.waves if w.boost is not None)
    order = sorted(range(len(c.waves)), key=lambda i: (c.waves[i].seeding is not None
                                                         and c.waves[i].seeding.fills_budget, i))
    chosen: dict[int, np.ndarray] = {}
    fees: dict[int, np.ndarray] = {}  # what each wave's seeds are paid (0 for fee: false)
    details: dict[int, dict] = {}
    for i in order:
        wave = c.waves[i]
        if wave.seeding is None:
            continue
        s = wave.seeding
        taken = np.concatenate([chosen[j] for j in sorted(chosen)]) if chosen else np.zeros(0, dtype=np.int64)
        budget_left = None
        if c.budget is not None:
            budget_left = c.budget - c.cost.fixed - boosts - sum(float(fees[j].sum()) for j in fees)
        context = SeedingContext(view_prob=view, share_given_view=share, fees=fees_all, budget=budget_left,
                                 exclude=taken, threads=threads, progress=progress)
        with wrap_errors(f"{wave.path}.seeding", scenario):
            if budget_left is not None and budget_left <= 0 and s.fills_budget:
                raise fail("campaign.budget", f"leaves nothing for the seeds of {wave.path}.seeding after the "
                           f"fixed cost, boosts and other waves ({c.budget - budget_left:,.2f})",
                           scenario.where_of("campaign.budget"))
            selection = select_seeds(graph, s.strategy, s.count, _wave_key(seed, i), s.segment, context=context,
                                     **s.options)
        chosen[i] = selection.seeds
        fees[i] = fees_all[selection.seeds] if s.fee else np.zeros(selection.seeds.size)
        details[i] = selection.details

    seeds, times, paid, tiers, placements, reports = [], [], [], [], [], []
    for i, wave in enumerate(c.waves):
        report: dict = {"at_h": wave.at_h}
        if wave.seeding is not None:
            picked = chosen[i]
            seeds.append(picked)
            paid.append(fees[i])
            times.append(np.full(picked.size, wave.at_h))
            names = c.cost.tier_names(graph.out_degree[picked])
            tiers += names if wave.seeding.fee else ["owned"] * len(names)
            report["seeding"] = {"strategy": wave.seeding.strategy, "segment": wave.seeding.segment,
                                 "count": int(picked.size), "fees": float(fees[i].sum()),
                                 **({"options": wave.seeding.options} if wave.seeding.options else {}),
                                 **({"selection": details[i]} if details[i] else {})}
        if wave.boost is not None:
            with wrap_errors(f"{wave.path}.boost", scenario):
                placements.extend(wave.boost.placements(scenario.step_h, scenario.horizon_h))
            report["boost"] = wave.boost.to_dict()
        reports.append(report)
    seeds_arr = np.concatenate(seeds) if seeds else np.zeros(0, dtype=np.int64)
    seed_fees = np.concatenate(paid) if paid else np.zeros(0)
    spend = Spend(seed_fees=float(seed_fees.sum()), boosts=float(boosts), fixed=c.cost.fixed)
    if c.budget is not None and spend.total > c.budget * (1 + 1e-12):
        raise fail("campaign.budget", f"is {c.budget:,.2f} but the campaign costs {spend.total:,.2f} (seed fees "
                   f"{spend.seed_fees:,.2f} + boosts {spend.boosts:,.2f} + fixed {spend.fixed:,.2f}); raise the "
                   "budget, seed fewer or cheaper accounts, or omit a count to fill the budget",
                   scenario.where_of("campaign.budget"))
    return CampaignPlan(
        seeds=seeds_arr,
        seed_times_h=np.concatenate(times) if times else np.zeros(0),
        seed_fees=seed_fees,
        seed_tiers=tuple(tiers),
        placements=tuple(placements),
        spend=spend,
        budget=c.budget,
        waves=tuple(reports),
    )
