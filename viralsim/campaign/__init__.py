"""Campaign layer: who posts first (seeding strategies) and what it is worth (valuation)."""

from .seeding import STRATEGIES, SeedingStrategy, choose_seeds
from .valuation import EMV_CAVEAT, CostModel, Valuation, value_metrics

__all__ = ["STRATEGIES", "SeedingStrategy", "choose_seeds", "EMV_CAVEAT", "CostModel", "Valuation", "value_metrics"]
