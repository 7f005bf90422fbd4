"""The model layer: cascade and threshold models, Monte Carlo simulation and typed results.

Example (``graph`` is a :class:`viralsim.graph.SocialGraph`)::

    from viralsim.model import CascadeModel, simulate
    result = simulate(graph, CascadeModel(stickiness=0.05, feed_reach=0.3), seeds=[0, 1], runs=1000, seed=1)
    result.summary()["reach"].mean

Semantics of every parameter and metric: ``docs/model.md``.
"""

from .params import CascadeModel, ThresholdModel
from .results import SimulationResult, Summary, summarize
from .simulate import PaidPlacement, simulate, simulate_random_seed
from .world import ContentSpec, Interaction, Trigger, WorldResult, simulate_world

__all__ = ["CascadeModel", "ThresholdModel", "simulate", "simulate_random_seed", "PaidPlacement",
           "SimulationResult", "Summary", "summarize", "ContentSpec", "Interaction", "Trigger", "WorldResult",
           "simulate_world"]
