"""Scenario files: YAML -> validated :class:`Scenario` -> simulation -> reports.

>>> from viralsim.scenario import load_scenario, simulate, compare   # doctest: +SKIP
>>> result = simulate(load_scenario("scenarios/baseline.yaml", ["runs=200"]))
>>> result.summary["reach"].mean
"""

from .loader import Scenario, load_scenario, scenario_from_dict
from .runner import Comparison, MetricDifference, Summary, ScenarioResult, compare, simulate

__all__ = ["Scenario", "ScenarioResult", "Comparison", "MetricDifference", "Summary", "load_scenario",
           "scenario_from_dict", "simulate", "compare"]
