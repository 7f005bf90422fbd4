"""viralsim: viral-spread and eWOM share-cascade simulation.

Layers: :mod:`viralsim.graph` (CSR audience graphs), :mod:`viralsim.kernels` (numba),
:mod:`viralsim.model` (contagion models and Monte Carlo), :mod:`viralsim.scenario` (YAML
scenarios), :mod:`viralsim.cli` (the command line).
"""

from .errors import InvalidParameterError, ScenarioError, ViralsimError
from .graph import SocialGraph
from .scenario import Comparison, MetricDifference, Summary, Scenario, ScenarioResult, compare, load_scenario, simulate

__version__ = "0.1.0"

__all__ = [
    "SocialGraph",
    "ViralsimError",
    "InvalidParameterError",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "simulate",
    "compare",
    "Scenario",
    "ScenarioResult",
    "Comparison",
    "MetricDifference",
    "Summary",
]
