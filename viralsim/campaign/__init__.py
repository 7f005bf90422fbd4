"""Campaign layer: who posts first (seeding strategies, influence maximisation), what it costs
(fees, tiers, boosts) and what it is worth (valuation)."""

from .boost import Boost
from .seeding import STRATEGIES, SeedingContext, SeedingStrategy, SeedSelection, choose_seeds, select_seeds
from .valuation import EMV_CAVEAT, CostModel, Spend, Tier, Valuation, value_metrics

__all__ = ["STRATEGIES", "SeedingStrategy", "SeedingContext", "SeedSelection", "choose_seeds", "select_seeds",
           "Boost", "EMV_CAVEAT", "CostModel", "Spend", "Tier", "Valuation", "value_metrics"]
