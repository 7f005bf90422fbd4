"""One validation system: every public parameter has a declared constraint, the scenario keys take
theirs from the layer that uses them, and whatever `viralsim validate` accepts, `viralsim run` runs."""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest

from viralsim.campaign.influence import INFLUENCE_PARAMETERS
from viralsim.constraints import Interval, Options
from viralsim.errors import ScenarioError
from viralsim.graph.generators import GENERATORS
from viralsim.model.params import PARAMETERS, RULES, CascadeModel, ThresholdModel
from viralsim.model.simulate import PaidPlacement
from viralsim.model.world import WORLD_PARAMETERS, ContentSpec, Interaction, Trigger
from viralsim.random import SEED
from viralsim.scenario import scenario_from_dict, simulate
from viralsim.scenario import schema
from viralsim.scenario.schema import format_duration

NUMERIC = ("int", "float", "money", "duration")

# scenario key -> the constraint of the layer it feeds (the same object: declared once)
DERIVED = {
    "content.stickiness": PARAMETERS["stickiness"],
    "content.half_life": PARAMETERS["half_life"],
    "content.fatigue": PARAMETERS["fatigue"],
    "content.engagement_rate": PARAMETERS["engagement_rate"],
    "content.click_rate": PARAMETERS["click_rate"],
    "content.conversion_rate": PARAMETERS["conversion_rate"],
    "platform.feed_reach": PARAMETERS["feed_reach"],
    "platform.delay.median": PARAMETERS["delay_median"],
    "platform.delay.sigma": PARAMETERS["delay_sigma"],
    "platform.attention": WORLD_PARAMETERS["attention"],
    "audience.segments[].affinity": PARAMETERS["affinity"],
    "seed": SEED,
    "runs": PARAMETERS["runs"],
    "horizon": PARAMETERS["horizon"],
    "step": PARAMETERS["step"],
    "campaign.seeding.epsilon": INFLUENCE_PARAMETERS["epsilon"],
    "campaign.seeding.ell": INFLUENCE_PARAMETERS["ell"],
    "campaign.seeding.simulations": INFLUENCE_PARAMETERS["simulations"],
    "campaign.boost.at": PARAMETERS["paid_time"],
    "contents[].start": WORLD_PARAMETERS["start"],
    "contents[].trigger.response_time": WORLD_PARAMETERS["response_time"],
    "interactions[].cross_share": WORLD_PARAMETERS["cross_share"],
    "interactions[].prior_exposure": WORLD_PARAMETERS["prior_exposure"],
}


def _keys(section=schema.TOP, prefix=""):
    """(key path with ``[]`` for list items, Key) of every scenario key."""
    for key in section.keys:
        path = f"{prefix}.{key.name}" if prefix else key.name
        yield path, key
        if key.section is not None:
            yield from _keys(key.section, path + ("[]" if key.kind == "sections" else ""))


ALL_KEYS = dict(_keys())


def test_every_numeric_scenario_key_declares_its_bounds():
    missing = [p for p, k in ALL_KEYS.items() if k.kind in NUMERIC and k.bounds is None]
    assert not missing, f"numeric keys without bounds: {missing}"
    for p, k in ALL_KEYS.items():
        if k.kind == "str" and k.pattern is None:
            assert k.allowed_options is not None or p in ("description",), f"{p}: a string key with no options"


def test_scenario_keys_take_their_bounds_from_the_model():
    for path, constraint in DERIVED.items():
        assert path in ALL_KEYS, path
        assert ALL_KEYS[path].bounds is constraint, f"{path} declares its own bounds instead of the model's"
    # names (options) come from the model too
    assert ALL_KEYS["content.sentiment"].allowed_options == WORLD_PARAMETERS["sentiment"].values
    assert ALL_KEYS["content.owner"].allowed_options == WORLD_PARAMETERS["owner"].values
    assert ALL_KEYS["platform.collision"].allowed_options == WORLD_PARAMETERS["collision"].values
    assert ALL_KEYS["threshold.rule"].allowed_options == RULES.values


def _fields(cls):
    return [f.name for f in dataclasses.fields(cls)]


def test_every_model_parameter_has_a_constraint():
    declared = set(PARAMETERS) | {"threshold", "rule"}  # threshold: threshold_<rule>; rule: RULES
    for cls in (CascadeModel, ThresholdModel):
        assert set(_fields(cls)) <= declared, set(_fields(cls)) - declared
    assert {"paid_time", "paid_impressions"} <= set(PARAMETERS)
    assert set(_fields(PaidPlacement)) == {"time", "impressions", "segment"}
    world = set(WORLD_PARAMETERS)
    assert {"sentiment", "owner", "start"} <= world and {"cross_share", "prior_exposure"} <= world
    assert {"trigger_level", "trigger_metric", "response_time"} <= world
    assert set(_fields(Trigger)) == {"after", "level", "metric", "response_time"}
    assert set(_fields(Interaction)) == {"source", "target", "cross_share", "prior_exposure"}
    assert {"name", "model", "seeds", "seed_times", "paid", "trigger"} | {"sentiment", "owner", "start"} == set(
        _fields(ContentSpec))
    for c in [*PARAMETERS.values(), *WORLD_PARAMETERS.values(), *INFLUENCE_PARAMETERS.values()]:
        assert isinstance(c, (Interval, Options))


def test_every_generator_parameter_has_a_constraint():
    for g in GENERATORS.values():
        for name, p in g.params.items():
            if p.kind in ("int", "float", "floats"):
                assert p.bounds is not None, f"{g.name}.{name} has no bounds"


def test_one_message_template():
    """API, scenario and generator errors about a value all read ``NAME: must be ALLOWED, got VALUE``."""
    from viralsim.errors import InvalidParameterError
    from viralsim.graph import generate

    with pytest.raises(InvalidParameterError, match=r"^stickiness: must be a number in \[0, 1\], got 2$"):
        CascadeModel(stickiness=2)
    with pytest.raises(ScenarioError, match=r"^content\.stickiness: must be a number in \[0, 1\], got 2 \(t\)$"):
        scenario_from_dict(_scenario("content.stickiness", 2), source="t")
    with pytest.raises(InvalidParameterError,
                       match=r"^triangle_prob: must be a number in \[0, 1\], got 2 \(holme_kim\)$"):
        generate("holme_kim", 100, m=2, triangle_prob=2, seed=1)
    with pytest.raises(ScenarioError, match=r"^audience\.params\.triangle_prob: must be a number in \[0, 1\], got 2 "):
        sc = _base()
        sc["audience"].update(generator="holme_kim", params={"m": 2, "triangle_prob": 2})
        scenario_from_dict(sc)


# ---- what validate accepts, run runs ---------------------------------------------------------------

def _base() -> dict:
    """A small scenario that uses nearly every section (segments, tiers, waves, a boost, valuation,
    a triggered second content and interactions)."""
    sc = {
        "name": "edges", "seed": 3, "runs": 3, "horizon": "24h", "step": "1h",
        "audience": {"generator": "follower", "nodes": 300, "params": {"m": 3, "reciprocity": 0.3},
                     "segments": [{"name": "a", "share": 0.5, "affinity": 1.0}, {"name": "b", "share": 0.5}]},
        "content": {"name": "post", "stickiness": 0.1, "half_life": "12h", "fatigue": 0.8, "engagement_rate": 0.1,
                    "click_rate": 0.05, "conversion_rate": 0.1},
        "platform": {"feed_reach": 0.5, "delay": {"median": "2h", "sigma": 1.0}, "attention": 5},
        "campaign": {
            "seeding": {"strategy": "top_degree", "count": 2, "min_followers": 0, "max_followers": 1000},
            "boost": {"impressions": 50, "cpm": 5.0, "at": "1h", "over": "3h"},
            "waves": [{"at": "6h", "seeding": {"strategy": "random", "count": 2},
                       "boost": {"impressions": 20, "cpm": 5.0}}],
            "cost": {"per_seed": 1.0, "per_follower": 0.01, "fixed": 10.0,
                     "tiers": [{"name": "nano", "min_followers": 0, "fee": 1.0},
                               {"name": "micro", "min_followers": 10, "fee": 2.0}]},
            "budget": 10_000.0,
        },
        "contents": [{"content": {"name": "reply", "sentiment": "positive"},
                      "campaign": {"seeding": {"strategy": "top_degree", "count": 1, "fee": False},
                                   "boost": {"impressions": 30, "cpm": 4.0, "at": "1h", "over": "2h"},
                                   "waves": [{"at": "3h", "seeding": {"strategy": "random", "count": 1},
                                              "boost": {"impressions": 20, "cpm": 5.0}}],
                                   "cost": {"tiers": [{"name": "nano", "min_followers": 0, "fee": 1.0}]}},
                      "start": "0h",
                      "trigger": {"after": "post", "when": {"reach": 5}, "response_time": "2h"}}],
        "interactions": [{"source": "post", "target": "reply", "cross_share": 0.5, "prior_exposure": 0.5}],
        "valuation": {"currency": "USD", "emv": "cpm", "cpm": 8.0, "per_engagement": 0.05, "per_click": 0.5,
                      "per_conversion": 20.0},
    }
    return sc


def _imm(sc: dict) -> dict:
    sc["campaign"]["seeding"] = {"strategy": "imm", "count": 2, "epsilon": 0.3, "ell": 1.0}
    return sc


def _celf(sc: dict) -> dict:
    sc["audience"]["nodes"] = 60
    sc["campaign"]["seeding"] = {"strategy": "celf", "count": 1, "simulations": 10}
    return sc


def _threshold(sc: dict) -> dict:
    del sc["contents"], sc["interactions"]
    sc["model"] = "threshold"
    sc["threshold"] = {"rule": "count", "level": 2}
    sc["content"] = {k: v for k, v in sc["content"].items() if k not in ("stickiness", "half_life", "fatigue")}
    return sc


def _scenario(path: str, value) -> dict:
    """The base with ``path`` set to ``value``, and what that key needs: imm or celf seeding for
    their options, a boost given by its spend, the threshold model for its level."""
    sc = _threshold(_base()) if path.startswith("threshold.") else _base()
    parts = path.replace("[]", ".0").split(".")
    parent = sc
    for part in parts[:-1]:
        parent = parent[int(part)] if part.isdigit() else parent.setdefault(part, {})
    name = parts[-1]
    if name in ("epsilon", "ell"):
        parent.update(strategy="imm", count=1)
        parent.pop("min_followers", None), parent.pop("max_followers", None)
    elif name == "simulations":
        parent.update(strategy="celf", count=1)
        parent.pop("min_followers", None), parent.pop("max_followers", None)
        sc["audience"]["nodes"] = 60
    elif name == "spend":
        parent.pop("impressions", None)
    parent[name] = value
    return sc


def _set(sc: dict, path: str, value) -> None:
    parts = path.replace("[]", ".0").split(".")
    node = sc
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    node[parts[-1]] = value


def _edge_values(key) -> list:
    """Values at and just inside each edge of the key's bounds (and a large one when unbounded)."""
    b = key.bounds
    out = []
    lo = b.low if b.low is not None and math.isfinite(b.low) else None
    hi = b.high if b.high is not None and math.isfinite(b.high) else None
    if lo is not None:
        out.append(lo if not b.low_open else None)
        out.append(lo + (1 if key.kind == "int" else 0.001 * max(1.0, abs(lo))))
    if hi is not None:
        out.append(hi if not b.high_open else None)
        out.append(hi - (1 if key.kind == "int" else 0.001 * max(1.0, abs(hi))))
    else:
        out.append(10**6 if key.kind == "int" else 1e6)
    values = [v for v in out if v is not None]
    if key.kind == "duration":
        return [format_duration(v) for v in values]
    return [int(v) for v in values] if key.kind == "int" else [float(v) for v in values]


# edge values too costly to run here (by the key's last name), and why the run would still work
_COSTLY = {
    ("runs", 1_000_000), ("runs", 999_999),  # the run count only sizes the results; 3 runs exercise the same path
    ("simulations", 1_000_000), ("simulations", 999_999),  # celf's worlds: the same kernel as 10 worlds, longer
    ("epsilon", 0.001),  # imm samples ~1/epsilon^2 RR sets: it runs, in ~90 s on 300 users
    ("spend", 1e6),  # 2.5e8 paid impressions at cpm 4: it runs, in ~25 s
}


def _cases():
    for path, key in ALL_KEYS.items():
        if key.kind not in NUMERIC or key.bounds is None:
            continue
        for value in _edge_values(key):
            if (path.rsplit(".", 1)[-1], value) not in _COSTLY:
                yield path, value


# what only the audience graph can tell (validate builds no graph): refused by run with a clear error
_GRAPH_DEPENDENT = (
    "larger than the eligible accounts",  # a follower filter that leaves too few accounts
    "but the campaign costs",  # fees by tier or per follower depend on the chosen accounts
    "arcs + paid impressions must be below 2**31",  # the arcs are known once the graph is built
)


@pytest.mark.parametrize("path, value", list(_cases()), ids=lambda x: str(x))
def test_what_validate_accepts_run_runs(path, value):
    """Every numeric key at the edges of its bounds: a scenario that validates also runs (or, for
    a seeding filter that leaves too few accounts of the built graph, is refused with its key)."""
    try:
        sc = scenario_from_dict(_scenario(path, value), source="edges")
    except ScenarioError:
        return  # refused by validate with a message: nothing to run
    try:
        simulate(sc, threads=1)
    except ScenarioError as exc:
        assert any(t in str(exc) for t in _GRAPH_DEPENDENT), f"validate accepted, run refused: {exc}"


def test_the_edge_cases_exercise_most_keys():
    """The edge test is not vacuous: most bounded keys get an accepted value at some edge."""
    accepted = set()
    for path, value in _cases():
        try:
            scenario_from_dict(_scenario(path, value), source="edges")
            accepted.add(path)
        except ScenarioError:
            pass
    bounded = {p for p, k in ALL_KEYS.items() if k.kind in NUMERIC}
    assert len(accepted) >= 0.9 * len(bounded), sorted(bounded - accepted)
