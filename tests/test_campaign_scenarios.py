"""Campaign sections of scenario files: waves, paid boosts, tiers and budgets, incrementality and
attribution, run through the real engine on small graphs (2,000-3,000 users)."""

import copy
import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from viralsim import load_scenario, simulate
from viralsim.errors import ScenarioError
from viralsim.scenario import scenario_from_dict
from viralsim.scenario.plan import plan_campaign
from viralsim.scenario.runner import build_audience, run_baseline

BASE = {
    "name": "camp",
    "seed": 21,
    "runs": 200,
    "horizon": "24h",
    "step": "1h",
    "audience": {"generator": "holme_kim", "nodes": 2000, "params": {"m": 4, "triangle_prob": 0.3},
                 "segments": [{"name": "young", "share": 0.5}, {"name": "old", "share": 0.5}]},
    "content": {"stickiness": 0.05, "engagement_rate": 0.05, "click_rate": 0.02, "conversion_rate": 0.1},
    "platform": {"feed_reach": 0.5, "delay": {"median": "1h", "sigma": 0.0}},
    "campaign": {"seeding": {"strategy": "top_degree", "count": 3},
                 "cost": {"fixed": 10, "tiers": [{"name": "nano", "min_followers": 0, "fee": 1},
                                                 {"name": "micro", "min_followers": 10, "fee": 4},
                                                 {"name": "macro", "min_followers": 50, "fee": 30}]}},
    "valuation": {"emv": "cpm", "cpm": 8.0, "per_conversion": 20.0},
}


def scenario(**campaign):
    data = copy.deepcopy(BASE)
    for key, value in campaign.items():
        if value is None:
            data["campaign"].pop(key, None)
        else:
            data["campaign"][key] = value
    return scenario_from_dict(data)


def run(sc, runs=None):
    return simulate(sc, runs=runs)


def test_a_second_wave_posts_at_its_hour_with_new_accounts():
    sc = scenario(waves=[{"at": "12h", "seeding": {"strategy": "top_degree", "count": 3}}])
    res = run(sc)
    graph = res.graph
    order = np.lexsort((np.arange(graph.n_nodes), -graph.out_degree))
    assert res.seeds.tolist() == order[:6].tolist()  # wave 2 = the next three by followers, never the same
    assert res.plan.seed_times_h.tolist() == [0.0] * 3 + [12.0] * 3
    owned = res.simulation.timeseries["impressions_owned"]
    # fixed 1-step delay: owned views land exactly one step after each wave's post, nowhere else
    assert np.all(np.delete(owned, [1, 13], axis=1) == 0)
    # each follower of a wave-2 seed views its post with feed_reach 0.5: Binomial(followers, 0.5) per run
    followers = int(graph.out_degree[res.seeds[3:]].sum())
    mean, se = owned[:, 13].mean(), math.sqrt(followers * 0.25 / res.runs)
    assert abs(mean - 0.5 * followers) < 4 * se


def test_a_boost_delivers_exactly_its_impressions_over_its_window_in_its_segment():
    sc = scenario(seeding=None, boost={"impressions": 1001, "cpm": 10.0, "at": "2h", "over": "4h",
                                       "segment": "old"})
    res = run(sc, runs=50)
    paid = res.simulation.timeseries["impressions_paid"]
    assert np.all(res.metrics["impressions_paid"] == 1001)
    assert np.all(paid[:, 2:6] == [251, 250, 250, 250]) and paid[:, :2].sum() == 0 and paid[:, 6:].sum() == 0
    assert res.plan.spend.boosts == pytest.approx(10.01) and res.plan.spend.seed_fees == 0
    assert res.metrics["total_cost"][0] == pytest.approx(10.01 + 10)
    # paid viewers are all "old"; the young are reached only through shares (earned)
    young = res.simulation.segment_names.index("young")
    reach_young = res.simulation.reach_by_segment[:, young]
    assert np.all(reach_young <= res.metrics["reach_earned"])
    assert np.all(res.metrics["reach_paid"] > 0)


def test_a_boost_given_by_spend_buys_spend_over_cpm_impressions():
    sc = scenario(boost={"spend": 25.0, "cpm": 8.0})
    (boost,) = sc.campaign.boosts
    assert boost.impressions == 3125 and boost.cost == pytest.approx(25.0)


def test_budget_fill_spends_what_is_left_in_rank_order():
    sc = scenario(budget=200.0, boost={"impressions": 2000, "cpm": 5.0},
                  waves=[{"at": "0h", "seeding": {"strategy": "top_degree"}}])
    graph = build_audience(sc)
    plan = plan_campaign(sc, graph)
    fees = sc.campaign.cost.fees(graph.out_degree)
    first, filled = plan.seeds[:3], plan.seeds[3:]
    left = 200.0 - 10 - 10.0 - fees[first].sum()  # budget - fixed - boost - wave 1 fees
    assert plan.spend.total <= 200.0 + 1e-9 and fees[filled].sum() <= left + 1e-9
    # nothing the fill skipped would still fit in what is left
    rest = np.setdiff1d(np.arange(graph.n_nodes), plan.seeds)
    assert fees[rest].min() > left - fees[filled].sum()
    assert set(plan.seed_tiers) <= {"nano", "micro", "macro"}


@pytest.mark.parametrize("campaign, message", [
    (dict(budget=50.0, seeding={"strategy": "top_degree", "count": 3}), "campaign.budget: is 50.00 but the campaign "
     "costs 100.00 (seed fees 90.00 + boosts 0.00 + fixed 10.00)"),
    (dict(budget=10.5, seeding={"strategy": "top_degree"}), "below the cheapest eligible account's fee (1.00)"),
    (dict(seeding={"strategy": "explicit", "nodes": [1, 99999]}), "node id 99999 does not exist"),
    (dict(boost={"impressions": 10, "cpm": 1.0, "segment": "teens"}), "campaign.boost.segment: unknown segment "
     "'teens'"),
    (dict(seeding={"strategy": "random", "count": 5000}), "must be at most the audience size (2,000)"),
    (dict(seeding={"strategy": "random", "count": 1500, "segment": "old"}), "count 1,500 is larger than segment "
     "'old' (1,000 users)"),
    (dict(seeding={"strategy": "top_degree"}), "campaign.seeding.count: required with strategy: top_degree"),
    (dict(boost={"impressions": 10, "spend": 5.0, "cpm": 1.0}), "give exactly one of impressions"),
    (dict(boost={"impressions": 10, "cpm": 1.0, "at": "20h", "over": "8h"}), "after the horizon"),
    (dict(waves=[{"at": "30h", "seeding": {"strategy": "random", "count": 1}}]), "must be before the horizon"),
    (dict(budget=5.0, boost={"impressions": 1000, "cpm": 1.0}), "the fixed cost and boosts alone cost 11.00"),
])
def test_bad_campaigns_get_one_clear_error(campaign, message):
    with pytest.raises(ScenarioError) as err:
        sc = scenario(**campaign)
        run(sc, runs=5)
    assert message in str(err.value)


def test_threshold_model_refuses_share_model_strategies():
    data = copy.deepcopy(BASE)
    data["model"] = "threshold"
    data["content"].pop("stickiness")
    data["campaign"]["seeding"] = {"strategy": "imm", "count": 2}
    with pytest.raises(ScenarioError, match="imm optimises the share model of model: cascade"):
        scenario_from_dict(data)


def test_tier_attribution_adds_up_to_earned_reach():
    sc = scenario(seeding={"strategy": "random", "count": 12}, boost={"impressions": 300, "cpm": 10.0})
    res = run(sc)
    rows = res.attribution_by_source()
    assert rows[-1]["source"] == "paid boosts"
    total = sum(r["earned_reach_mean"] for r in rows)
    assert total == pytest.approx(res.metrics["reach_earned"].mean(), rel=1e-12)
    # seeds' attributed reach never exceeds earned reach: the boost's share is never negative
    assert np.all(res.simulation.attribution.sum(axis=1) <= res.metrics["reach_earned"])
    for r in rows[:-1]:
        assert r["cost"] == pytest.approx(sum(f for f, t in zip(res.plan.seed_fees, res.plan.seed_tiers)
                                              if t == r["source"]))
        if r["earned_reach_mean"] > 0:
            assert r["cost_per_earned_reach"] == pytest.approx(r["cost"] / r["earned_reach_mean"])


def test_unpaid_brand_accounts_cost_nothing_and_are_labelled_owned():
    sc = scenario(seeding={"strategy": "top_degree", "count": 2, "fee": False},
                  waves=[{"at": "0h", "seeding": {"strategy": "top_degree", "count": 1}}])
    plan = plan_campaign(sc, build_audience(sc))
    assert plan.seed_tiers[:2] == ("owned", "owned") and plan.seed_fees[:2].tolist() == [0.0, 0.0]
    assert plan.spend.seed_fees == 30.0  # the third account by followers is macro


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_incrementality_pairs_the_campaign_with_its_baseline(tmp_path):
    organic = copy.deepcopy(BASE)
    organic["name"] = "organic"
    _write(tmp_path / "organic.yaml", organic)
    camp = copy.deepcopy(BASE)
    camp["baseline"] = "organic.yaml"
    camp["campaign"]["waves"] = [{"at": "0h", "seeding": {"strategy": "random", "count": 20}}]
    sc = load_scenario(_write(tmp_path / "camp.yaml", camp))
    assert sc.baseline == (tmp_path / "organic.yaml").resolve()
    res = run_baseline(run(sc), load_scenario(sc.baseline))
    inc = res.incremental
    base = run(load_scenario(tmp_path / "organic.yaml"))
    d = inc.differences["reach"]
    np.testing.assert_allclose(d.mean_diff, res.metrics["reach"].mean() - base.metrics["reach"].mean(), rtol=1e-12)
    assert d.ci95_low > 0  # twenty more posters reach more people, and CRN makes that visible
    assert inc.extra_spend == pytest.approx(res.plan.spend.total - base.plan.spend.total)
    assert inc.cost_per_incremental["reach"] == pytest.approx(inc.extra_spend / d.mean_diff)
    # a world measured against itself gains exactly nothing
    same = run_baseline(base, load_scenario(tmp_path / "organic.yaml")).incremental
    assert all(x.mean_diff == 0 and x.ci95_low == 0 for x in same.differences.values())


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "viralsim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_cli_run_with_a_baseline_writes_incrementality_and_refuses_another_audience(tmp_path):
    organic = copy.deepcopy(BASE)
    organic["name"] = "organic"
    organic["runs"] = 40
    _write(tmp_path / "organic.yaml", organic)
    camp = copy.deepcopy(organic)
    camp["name"] = "camp"
    camp["campaign"]["boost"] = {"impressions": 500, "cpm": 8.0}
    _write(tmp_path / "camp.yaml", camp)
    proc = _cli("run", "camp.yaml", "--baseline", "organic.yaml", "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "incrementality of camp over organic" in proc.stdout and "cost per incremental user reached" in proc.stdout
    folder = tmp_path / "out" / "camp"
    rows = {r["metric"]: r for r in csv.DictReader(open(folder / "incrementality.csv"))}
    summary = json.loads((folder / "summary.json").read_text())
    assert float(rows["impressions"]["incremental_mean"]) >= 500  # the boost's paid views at least
    assert summary["incrementality"]["baseline"] == "organic"
    tiers = list(csv.DictReader(open(folder / "attribution_tiers.csv")))
    assert tiers[-1]["source"] == "paid boosts" and float(tiers[-1]["cost"]) == 4.0
    from viralsim.report import write_report

    write_report([folder], tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    for text in ("Spend, attribution and incrementality", "paid boosts", "Incrementality over <strong>organic",
                 "Cost per incremental user reached"):
        assert text in page

    other = copy.deepcopy(organic)
    other["audience"]["nodes"] = 2500
    _write(tmp_path / "other.yaml", other)
    proc = _cli("run", "camp.yaml", "--baseline", "other.yaml", "--out", "out2", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "its audience section differs" in proc.stderr
    assert not (tmp_path / "out2").exists()


def test_cli_compare_of_many_scenarios_prints_one_row_per_scenario(tmp_path):
    names = []
    for i, campaign in enumerate([{}, {"boost": {"impressions": 300, "cpm": 8.0}},
                                  {"waves": [{"at": "2h", "seeding": {"strategy": "random", "count": 5}}]}]):
        data = copy.deepcopy(BASE)
        data["name"] = f"s{i}"
        data["runs"] = 30
        data["campaign"].update(campaign)
        _write(tmp_path / f"s{i}.yaml", data)
        names.append(f"s{i}.yaml")
    proc = _cli("compare", *names, "--out", "cmp", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "3 scenarios, 30 paired runs each" in proc.stdout
    assert all(f"s{i}" in proc.stdout for i in range(3)) and "(baseline)" in proc.stdout
    rows = list(csv.DictReader(open(tmp_path / "cmp" / "compare.csv")))
    assert {r["scenario"] for r in rows} == {"s1", "s2"}
