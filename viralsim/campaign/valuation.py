"""Earned media value (EMV), campaign cost and return on investment, per replicate.

Everything is computed from the per-replicate metric arrays of a simulation, so money
metrics get the same summaries and confidence intervals as reach or shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["EMV_CAVEAT", "ROI_UNDEFINED", "Valuation", "CostModel", "value_metrics", "MONEY_METRICS"]

EMV_CAVEAT = (
    "EMV is an advertising-value equivalent: what the earned (unpaid) impressions and actions would have cost "
    "as bought media at the rates declared in the scenario. It is not revenue, and its size depends directly "
    "on the CPM and per-action values chosen."
)
ROI_UNDEFINED = "ROI is undefined because the campaign's total cost is 0 (set campaign.cost)."
MONEY_METRICS = ("emv", "conversion_value", "paid_cost", "total_cost", "net_value", "roi")


@dataclass(frozen=True)
class CostModel:
    """Campaign cost: ``per_seed`` fee for each seed account plus a ``fixed`` cost (currency units)."""

    per_seed: float = 0.0
    fixed: float = 0.0

    def paid(self, n_seeds: int) -> float:
        """Paid media cost: fees to the seed accounts."""
        return self.per_seed * n_seeds

    def total(self, n_seeds: int) -> float:
        return self.paid(n_seeds) + self.fixed


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
        if self.emv not in ("cpm", "per_action", "hybrid"):
            raise InvalidParameterError(f"emv must be 'cpm', 'per_action' or 'hybrid'; got {self.emv!r}")
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


def value_metrics(metrics: dict[str, np.ndarray], valuation: Valuation, cost: CostModel,
                  n_seeds: int) -> dict[str, np.ndarray]:
    """Money metrics per replicate: emv, conversion_value, paid_cost, total_cost, net_value, roi.

    ``roi = (emv + conversion_value - total_cost) / total_cost``; all NaN when the total cost
    is 0 (undefined, see :data:`ROI_UNDEFINED`).
    """
    emv = valuation.emv_values(metrics)
    conversion_value = np.asarray(metrics["conversions"], dtype=np.float64) * valuation.per_conversion
    paid = np.full(emv.shape, cost.paid(n_seeds))
    total = np.full(emv.shape, cost.total(n_seeds))
    net = emv + conversion_value - total
    roi = net / total if cost.total(n_seeds) > 0 else np.full(emv.shape, np.nan)
    return {"emv": emv, "conversion_value": conversion_value, "paid_cost": paid, "total_cost": total,
            "net_value": net, "roi": roi}
