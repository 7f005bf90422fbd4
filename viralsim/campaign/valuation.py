"""Earned media value (EMV), campaign cost and return on investment, per replicate.

Everything is computed from the per-replicate metric arrays of a simulation, so money
metrics get the same summaries and confidence intervals as reach or shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constraints import Interval, Options
from ..errors import InvalidParameterError

__all__ = ["MONEY_PARAMETERS", "EMV_FORMULAS", "EMV_CAVEAT", "ROI_UNDEFINED", "Valuation", "CostModel", "Tier",
           "Spend", "value_metrics",
           "MONEY_METRICS"]

EMV_CAVEAT = (
    "EMV is an advertising-value equivalent: what the earned (unpaid) impressions and actions would have cost "
    "as bought media at the rates declared in the scenario. It is not revenue, and its size depends directly "
    "on the CPM and per-action values chosen."
)
ROI_UNDEFINED = "ROI is undefined because the campaign's total cost is 0 (set campaign.cost)."
MONEY_METRICS = ("emv", "conversion_value", "paid_cost", "total_cost", "net_value", "roi")

EMV_FORMULAS = Options(("cpm", "per_action", "hybrid"))
AMOUNT = Interval(0.0, None)
MONEY_PARAMETERS: dict[str, Interval] = {
    "amount": AMOUNT,  # fees, fixed cost, rates (currency)
    "budget": Interval(0.0, None, closed="right"),
    "min_followers": Interval(0, None, integer=True),
}
"""Each money field's constraint; the scenario's cost, tier, budget and valuation keys take theirs from here."""


@dataclass(frozen=True)
class Tier:
    """An influencer tier: accounts with at least ``min_followers`` followers (up to the next tier) cost ``fee``."""

    name: str
    min_followers: int
    fee: float


@dataclass(frozen=True)
class CostModel:
    """What seeding costs: each seed account's fee is ``per_seed + per_follower x followers`` plus its
    tier's fee (tiers by follower count); ``fixed`` is paid once (production, agency).  Currency units."""

    per_seed: float = 0.0
    fixed: float = 0.0
    per_follower: float = 0.0
    tiers: tuple[Tier, ...] = ()

    def __post_init__(self) -> None:
        for name in ("per_seed", "fixed", "per_follower"):
            object.__setattr__(self, name, AMOUNT.check(name, getattr(self, name), "an amount"))
        tiers = tuple(self.tiers)
        if tiers:
            if tiers[0].min_followers != 0:
                raise InvalidParameterError(f"the first tier ({tiers[0].name!r}) must start at min_followers 0 so "
                                            f"every account has a tier; it starts at {tiers[0].min_followers}")
            for a, b in zip(tiers, tiers[1:]):
                if b.min_followers <= a.min_followers:
                    raise InvalidParameterError(f"tiers must be listed by increasing min_followers: {b.name!r} "
                                                f"({b.min_followers}) follows {a.name!r} ({a.min_followers})")
            names = [t.name for t in tiers]
            if len(set(names)) != len(names):
                raise InvalidParameterError("tier names must differ")
            if any(not np.isfinite(t.fee) or t.fee < 0 for t in tiers):
                raise InvalidParameterError("tier fees must be finite amounts >= 0")

    def tier_index(self, followers) -> np.ndarray:
        """Index into ``tiers`` of each account with these follower counts (-1 without tiers)."""
        followers = np.asarray(followers, dtype=np.int64)
        if not self.tiers:
            return np.full(followers.shape, -1, dtype=np.int64)
        bounds = np.array([t.min_followers for t in self.tiers], dtype=np.int64)
        return np.searchsorted(bounds, followers, side="right").astype(np.int64) - 1

    def tier_names(self, followers) -> list[str]:
        """Each account's tier name ('' without tiers)."""
        return [self.tiers[i].name if i >= 0 else "" for i in self.tier_index(followers).tolist()]

    def fees(self, followers) -> np.ndarray:
        """Each account's seeding fee from its follower count."""
        followers = np.asarray(followers, dtype=np.float64)
        fee = self.per_seed + self.per_follower * followers
        if self.tiers:
            tier_fee = np.array([t.fee for t in self.tiers], dtype=np.float64)
            fee = fee + tier_fee[self.tier_index(followers)]
        return np.asarray(fee, dtype=np.float64)

    @property
    def charges_seeds(self) -> bool:
        return self.per_seed > 0 or self.per_follower > 0 or any(t.fee > 0 for t in self.tiers)


@dataclass(frozen=True)
class Spend:
    """A campaign's money out: seed fees, paid boosts (impressions bought at a CPM) and fixed costs."""

    seed_fees: float = 0.0
    boosts: float = 0.0
    fixed: float = 0.0

    @property
    def paid(self) -> float:
        """Paid media: seed fees plus boosts."""
        return self.seed_fees + self.boosts

    @property
    def total(self) -> float:
        return self.paid + self.fixed

    def to_dict(self) -> dict:
        return {"seed_fees": self.seed_fees, "boosts": self.boosts, "fixed": self.fixed, "paid": self.paid,
                "total": self.total}


@dataclass(frozen=True)
class Valuation:
    """How earned media is valued.

    Parameters
    ----------
    emv : {"cpm", "per_action", "hybrid"}
        ``cpm``: earned impressions / 1000 x ``cpm``; ``per_action``: earned engagements x
        ``per_engagement`` + earned clicks x ``per_click``; ``hybrid``: the sum of both.
    cpm, per_engagement, per_click, per_conversion : float
        Rates in ``currency`` (per 1000 impressions, per engagement, per click, per conversion).
    """

    emv: str
    currency: str = "USD"
    cpm: float | None = None
    per_engagement: float | None = None
    per_click: float | None = None
    per_conversion: float = 0.0

    def __post_init__(self) -> None:
        EMV_FORMULAS.check("emv", self.emv)
        if self.emv in ("cpm", "hybrid") and self.cpm is None:
            raise InvalidParameterError(f"emv {self.emv!r} needs cpm")
        if self.emv in ("per_action", "hybrid") and (self.per_engagement is None or self.per_click is None):
            raise InvalidParameterError(f"emv {self.emv!r} needs per_engagement and per_click")

    def formula(self) -> str:
        """The EMV formula with its rates, as printed in reports."""
        c = self.currency
        terms = []
        if self.emv in ("cpm", "hybrid"):
            terms.append(f"earned impressions / 1000 x {self.cpm:,.2f} {c} (CPM)")
        if self.emv in ("per_action", "hybrid"):
            terms.append(f"earned engagements x {self.per_engagement:,.2f} {c}")
            terms.append(f"earned clicks x {self.per_click:,.2f} {c}")
        return f"EMV ({self.emv}) = " + " + ".join(terms)

    def roi_formula(self) -> str:
        return (f"ROI = (EMV + conversions x {self.per_conversion:,.2f} {self.currency} - total cost) / total cost")

    def emv_values(self, metrics: dict[str, np.ndarray]) -> np.ndarray:
        """EMV per replicate from the metric arrays (earned impressions, engagements, clicks)."""
        runs = np.asarray(metrics["impressions_earned"]).shape[0]
        emv = np.zeros(runs)
        if self.emv in ("cpm", "hybrid"):
            emv += np.asarray(metrics["impressions_earned"], dtype=np.float64) / 1000.0 * self.cpm
        if self.emv in ("per_action", "hybrid"):
            emv += np.asarray(metrics["engagements_earned"], dtype=np.float64) * self.per_engagement
            emv += np.asarray(metrics["clicks_earned"], dtype=np.float64) * self.per_click
        return emv


def value_metrics(metrics: dict[str, np.ndarray], valuation: Valuation, spend: Spend) -> dict[str, np.ndarray]:
    """Money metrics per replicate: emv, conversion_value, paid_cost, total_cost, net_value, roi.

    ``roi = (emv + conversion_value - total_cost) / total_cost``; all NaN when the total cost
    is 0 (undefined, see :data:`ROI_UNDEFINED`).
    """
    emv = valuation.emv_values(metrics)
    conversion_value = np.asarray(metrics["conversions"], dtype=np.float64) * valuation.per_conversion
    paid = np.full(emv.shape, spend.paid)
    total = np.full(emv.shape, spend.total)
    net = emv + conversion_value - total
    roi = net / total if spend.total > 0 else np.full(emv.shape, np.nan)
    return {"emv": emv, "conversion_value": conversion_value, "paid_cost": paid, "total_cost": total,
            "net_value": net, "roi": roi}


# Below this many conversions per run on average, conversion value (and so ROI) is decided by
# whether a run happens to convert at all: its interval is then reported with a warning.
MIN_CONVERSIONS_FOR_ROI = 10.0


def thin_conversions_note(conversions, per_conversion: float, total_cost: float, currency: str = "") -> str | None:
    """A warning when ROI rests on too few conversions per run to be stable (see
    :data:`MIN_CONVERSIONS_FOR_ROI`), or None."""
    conv = np.asarray(conversions, dtype=np.float64)
    if per_conversion <= 0 or total_cost <= 0 or conv.size == 0:
        return None
    mean = float(np.nanmean(conv))
    if mean >= MIN_CONVERSIONS_FOR_ROI:
        return None
    lo, hi = np.nanpercentile(conv, [5, 95])
    step = per_conversion / total_cost
    unit = f" {currency}" if currency else ""
    return (f"ROI rests on {mean:.2g} conversions per run (90% of runs: {lo:.0f} to {hi:.0f}), and each one "
            f"({per_conversion:,.2f}{unit}) moves it by {step * 100:,.0f} percentage points: too few for a stable "
            f"ROI (it needs about {MIN_CONVERSIONS_FOR_ROI:.0f} or more); read EMV and reach first")
