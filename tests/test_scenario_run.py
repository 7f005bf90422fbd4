"""Running scenarios through the Python API: determinism, valuation, outputs, CRN comparison.

Every number comes from the real simulation on small graphs (3,000 users, 100-200 runs).
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from viralsim import compare, load_scenario, simulate
from viralsim.scenario import outputs
from viralsim.errors import InvalidParameterError
from viralsim.model.results import better_direction
from viralsim.scenario.runner import build_audience, paired_difference, summarize
from viralsim.scenario.verdict import verdict

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

SMALL = """\
name: small
seed: 11
runs: 120
horizon: 24h
step: 1h
audience:
  generator: holme_kim
  nodes: 3000
  params: {m: 4, triangle_prob: 0.3}
content:
  stickiness: 0.06
  half_life: 12h
  fatigue: 0.9
  engagement_rate: 0.06
  click_rate: 0.02
  conversion_rate: 0.05
platform:
  feed_reach: 0.5
  delay: {median: 1h, sigma: 0.5}
campaign:
  seeding: {strategy: top_degree, count: 5}
  cost: {per_seed: 100, fixed: 500}
valuation:
  emv: hybrid
  cpm: 8.0
  per_engagement: 0.05
  per_click: 0.5
  per_conversion: 35.0
"""


@pytest.fixture(scope="module")
def small_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("scn") / "small.yaml"
    path.write_text(SMALL)
    return path


@pytest.fixture(scope="module")
def small_result(small_path):
    return simulate(load_scenario(small_path))


def test_same_seed_same_numbers_whatever_the_thread_count(small_path, small_result):
    again = simulate(load_scenario(small_path), threads=1)
    for name, values in small_result.metrics.items():
        np.testing.assert_array_equal(values, again.metrics[name], err_msg=name)
    other = simulate(load_scenario(small_path, ["seed=12"]))
    assert not np.array_equal(other.metrics["reach"], small_result.metrics["reach"])


def test_cascade_spreads_and_money_follows_the_declared_formula(small_result):
    m = small_result.metrics
    assert small_result.runs == 120 and len(small_result.seeds) == 5
    assert m["reach"].mean() > 5  # content with 6% stickiness on a 3,000-user graph spreads beyond the seeds
    expected = m["impressions_earned"] / 1000 * 8.0 + m["engagements_earned"] * 0.05 + m["clicks_earned"] * 0.5
    np.testing.assert_allclose(m["emv"], expected, rtol=1e-12)
    total = 5 * 100 + 500
    np.testing.assert_allclose(m["roi"], (m["emv"] + m["conversions"] * 35.0 - total) / total, rtol=1e-12)
    info = small_result.valuation_info()
    assert info["emv_formula"].startswith("EMV (hybrid) = earned impressions / 1000 x 8.00 USD")
    assert "advertising-value equivalent" in info["caveat"]


def test_summary_uses_t_interval_and_percentiles():
    x = np.arange(1.0, 101.0)
    s = summarize(x)
    from scipy.stats import t

    half = t.ppf(0.975, 99) * x.std(ddof=1) / 10.0
    assert s.mean == 50.5 and math.isclose(s.ci95_high - s.mean, half, rel_tol=1e-12)
    assert (s.p05, s.median, s.p95) == tuple(np.quantile(x, [0.05, 0.5, 0.95]))
    assert math.isnan(summarize([np.nan, np.nan]).mean) and summarize([np.nan]).n == 0


def test_segments_get_exact_shares_reproducibly(small_path):
    sc = load_scenario(small_path, ["audience.segments=[{name: a, share: 0.3}, {name: b, share: 0.7}]"])
    g1, g2 = build_audience(sc), build_audience(sc)
    assert g1.segment_names == ("a", "b")
    assert np.bincount(g1.segment).tolist() == [900, 2100]
    np.testing.assert_array_equal(g1.segment, g2.segment)
    assert g1.fingerprint() == g2.fingerprint()


def test_outputs_parse_and_agree_with_the_result(small_result, tmp_path):
    target = outputs.write_run_outputs(small_result, tmp_path, argv=["viralsim", "run", "small.yaml"])
    assert sorted(p.name for p in target.iterdir()) == ["attribution.csv", "attribution_tiers.csv", "manifest.json", "runs.csv", "summary.json",
                                                        "timeseries.csv"]
    with open(target / "attribution.csv") as fh:
        attribution = list(csv.DictReader(fh))
    assert [int(r["seed"]) for r in attribution] == small_result.seed_labels
    earned = small_result.simulation.attribution.mean(axis=0)
    np.testing.assert_allclose([float(r["earned_reach_mean"]) for r in attribution], earned, rtol=1e-12)
    summary = json.loads((target / "summary.json").read_text())
    for name, stats in summary["metrics"].items():
        assert set(stats) >= {"mean", "std", "median", "p05", "p95", "ci95_low", "ci95_high"}
    assert summary["metrics"]["reach"]["mean"] == small_result.summary["reach"].mean
    with open(target / "runs.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 120
    np.testing.assert_array_equal([float(r["reach"]) for r in rows], small_result.metrics["reach"])
    with open(target / "timeseries.csv") as fh:
        ts = list(csv.DictReader(fh))
    assert len(ts) == small_result.scenario.n_steps + 1
    final = small_result.simulation.cumulative("reach")[:, -1].mean()
    assert math.isclose(float(ts[-1]["reach_mean"]), final, rel_tol=1e-12)
    man = json.loads((target / "manifest.json").read_text())
    assert man["graph"]["fingerprint"] == small_result.graph.fingerprint()
    assert set(man["versions"]) >= {"viralsim", "numpy", "numba", "scipy", "networkx", "python"}
    assert [Path(f["path"]).name for f in man["source_files"]] == ["small.yaml"] and len(man["source_files"][0]["sha256"]) == 64
    assert rows[0]["shares"].isdigit()  # counts are written as integers


def test_manifest_reruns_to_identical_numbers(small_result, tmp_path):
    target = outputs.write_run_outputs(small_result, tmp_path)
    rerun = simulate(load_scenario(target / "manifest.json"))
    assert rerun.scenario.resolved == small_result.scenario.resolved
    for name, values in small_result.metrics.items():
        np.testing.assert_array_equal(values, rerun.metrics[name], err_msg=name)


def test_output_folder_is_atomic(small_result, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(outputs, "_write_timeseries_csv", broken)
    with pytest.raises(OSError):
        outputs.write_run_outputs(small_result, tmp_path)
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its temporary sibling is left


def test_compare_with_itself_gives_exactly_zero(small_path):
    a = load_scenario(small_path, ["runs=60"])
    b = load_scenario(small_path, ["runs=60", "name=same", "seed=99"])  # its own seed is replaced by a's
    cmp = compare([a, b])
    assert cmp.same_graph == (True, True) and cmp.seed == 11
    for metric, d in cmp.differences["same"].items():
        if d.n:
            assert d.mean_diff == 0 and d.ci95_low == 0 and d.ci95_high == 0, metric
            assert d.p_beats is None, metric  # equal in every run: no P(beats) at all
    v = cmp.verdict()
    assert v.objective == "reach" and not v.clear and v.text.startswith("reach: no winner:")


def test_common_random_numbers_narrow_the_ci_at_least_3x(small_path):
    """CRN figure: paired vs independent 95% CI half-width of the reach difference.

    Two close strategies (stickiness 0.06 vs 0.063, 5% stickier) on the same graph and seeds. The independent
    width uses the same runs' variances as if they were independent (Welch), which is what
    separate seeds would give in expectation.
    """
    a = load_scenario(small_path, ["runs=200"])
    b = load_scenario(small_path, ["runs=200", "name=stickier", "content.stickiness=0.063"])
    d = compare([a, b]).differences["stickier"]["reach"]
    ratio = d.independent_ci_half_width / d.paired_ci_half_width
    print(f"CRN: reach diff {d.mean_diff:+.1f}, paired CI +/-{d.paired_ci_half_width:.2f}, "
          f"independent +/-{d.independent_ci_half_width:.2f}, {ratio:.1f}x narrower")
    assert ratio >= 3.0
    assert d.mean_diff > 0  # stickier content reaches more people on the same random streams


def test_paired_difference_definitions():
    base = np.array([1.0, 2.0, 3.0, 4.0])
    other = np.array([2.0, 2.0, 5.0, 3.0])
    d = paired_difference(base, other)
    assert d.mean_diff == 0.5 and d.p_beats == (2 + 0.5 * 1) / 4  # ties count half
    # lower is better for a cost: the same differences, the other runs win
    assert paired_difference(base, other, better_direction("total_cost")).p_beats == (1 + 0.5 * 1) / 4
    assert paired_difference(base, other, better_direction("depth")).p_beats is None  # no better direction
    assert paired_difference(base, base.copy()).p_beats is None  # equal in every run
    assert better_direction("reach") == 1 and better_direction("negative_last") == -1


def test_the_verdict_names_a_winner_only_when_its_interval_excludes_zero():
    rng = np.random.default_rng(4)
    base = rng.normal(100, 10, 400)
    per_run = {"organic": base, "micro": base + rng.normal(8, 5, 400), "celebrity": base + rng.normal(1, 5, 400)}
    v = verdict("reach", per_run)
    d = paired_difference(per_run["celebrity"], per_run["micro"])
    assert v.winner == "micro" and v.runner_up == "celebrity" and v.clear
    assert v.vs_runner_up.mean_diff == pytest.approx(d.mean_diff) and d.ci95_low > 0
    assert v.text.startswith("micro wins on reach (higher is better): mean 108, +6.98 [95% CI 6.24 to 7.72] "
                             "against the runner-up celebrity, better in 81% of 400 paired runs")
    # on a cost the cheapest wins; close scenarios give no clear winner
    cost = {"a": np.full(50, 10.0) + rng.normal(0, 1, 50), "b": np.full(50, 10.05) + rng.normal(0, 1, 50)}
    vc = verdict("total_cost", cost)
    assert vc.lower_is_better and vc.winner == min(cost, key=lambda k: cost[k].mean())
    assert not vc.clear and vc.text.startswith("no clear winner on total_cost (lower is better)")
    with pytest.raises(InvalidParameterError, match="no better direction"):
        verdict("depth", per_run)


@pytest.mark.skipif(not (DATA / "facebook_combined.txt.gz").exists(),
                    reason="real data not found at ../shared/data/facebook_combined.txt.gz (SNAP ego-Facebook)")
def test_real_facebook_graph_scenario(tmp_path):
    path = tmp_path / "fb.yaml"
    path.write_text(SMALL.replace("""  generator: holme_kim
  nodes: 3000
  params: {m: 4, triangle_prob: 0.3}""", f"""  generator: file
  file: {DATA / 'facebook_combined.txt.gz'}
  directed: false""").replace("{strategy: top_degree, count: 5}", "{strategy: explicit, nodes: [0, 107, 1684]}"))
    result = simulate(load_scenario(path, ["runs=50"]))
    assert result.graph.n_nodes == 4039 and result.graph.n_edges == 88234
    assert result.seed_labels == [0, 107, 1684]
    assert result.metrics["reach"].min() >= 3


def test_roi_is_null_with_a_reason_when_nothing_is_spent(small_path):
    result = simulate(load_scenario(small_path, ["runs=20", "campaign.cost={per_seed: 0, fixed: 0}"]))
    summary = result.to_summary_dict()
    assert summary["metrics"]["roi"]["mean"] is None and summary["metrics"]["roi"]["n"] == 0
    assert summary["valuation"]["roi_undefined"].startswith("ROI is undefined because the campaign's total cost is 0")
    json.dumps(summary, allow_nan=False)  # strict JSON: no NaN anywhere


def test_compare_builds_one_graph_per_audience_and_says_when_they_differ(small_path):
    a = load_scenario(small_path, ["runs=20"])
    b = load_scenario(small_path, ["runs=20", "name=bigger", "audience.nodes=4000"])
    c = load_scenario(small_path, ["runs=20", "name=random", "campaign.seeding={strategy: random, count: 5}"])
    cmp = compare([a, b, c])
    assert cmp.same_graph == (True, False, True)
    assert cmp.results[0].graph is cmp.results[2].graph  # built once, shared
    assert cmp.results[1].graph.n_nodes == 4000
    assert any("bigger: the audience differs" in note for note in cmp.notes)
    data = cmp.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False))["differences"]["random"]["reach"]["n"] == 20


def test_bundled_baseline_runs():
    """`viralsim run scenarios/baseline.yaml` is the README's main command (here with fewer runs)."""
    result = simulate(load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml", ["runs=50"]))
    assert result.graph.n_nodes == 200_000 and len(result.seeds) == 1
    assert result.graph.out_degree[result.seeds[0]] <= 1000  # the brand page: largest account with <= 1,000 followers
    assert result.summary["impressions_owned"].mean > 0 and result.summary["impressions_earned"].mean > 0


def test_compare_tables_never_cut_a_number_in_an_80_column_terminal(small_path):
    from rich.console import Console

    scenarios = [load_scenario(small_path, ["runs=40", f"name={n}", f"content.stickiness={s}"])
                 for n, s in (("base", 0.06), ("stickier", 0.07), ("stickiest_of_all_variants", 0.08))]
    comparison = compare(scenarios)
    console = Console(width=80, record=True, file=open("/dev/null", "w"))
    unbounded = console.options.update(width=100_000)
    tables, notes = outputs.fitted_compare_tables(comparison, 80, lambda t: console.measure(t, options=unbounded)
                                                  .maximum, detail=False)
    for table in tables:
        console.print(table)
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    d = comparison.differences["stickiest_of_all_variants"]["reach"]
    assert f"{d.scenario_mean:,.0f}" in text  # the numbers themselves are there, whole
    assert notes and notes[0].startswith("left out at 80 columns: ")


def test_roi_on_too_few_conversions_carries_a_warning():
    from viralsim.campaign.valuation import thin_conversions_note

    few = thin_conversions_note(np.array([0, 0, 1, 2, 0] * 20), 35.0, 200.0, "USD")
    assert few.startswith("ROI rests on 0.6 conversions per run (90% of runs: 0 to 2), and each one (35.00 USD) "
                          "moves it by 18 percentage points")
    assert thin_conversions_note(np.full(100, 12.0), 35.0, 200.0) is None  # enough conversions
    assert thin_conversions_note(np.zeros(100), 0.0, 200.0) is None  # conversions are not valued


def test_a_count_s_interval_of_the_mean_never_goes_below_zero():
    from viralsim.model.results import metric_range

    skewed = np.array([0.0] * 38 + [3000.0, 9000.0])  # 2 of 40 runs take off
    plain, cut = summarize(skewed), summarize(skewed, metric_range("negative_last"))
    assert plain.ci95_low < 0 == cut.ci95_low and cut.ci95_high == plain.ci95_high and cut.mean == plain.mean
    assert summarize(np.array([0.9, 1.0, 1.0]), metric_range("share_of_voice_reach")).ci95_high == 1.0
    signed = summarize(skewed - 500, metric_range("net_sentiment_reach"))
    assert signed.ci95_low == plain.ci95_low - 500  # a balance can be negative: not cut
