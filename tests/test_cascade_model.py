"""The full share-cascade model: exact probabilities of its parts, bookkeeping, determinism, validation."""

from __future__ import annotations

import math

import networkx as nx
import numba
import numpy as np
import pytest
from scipy.stats import norm

from viralsim.errors import InvalidParameterError
from viralsim.graph import SocialGraph
from same import assert_same_results
from viralsim.model import CascadeModel, PaidPlacement, SimulationResult, Summary, ThresholdModel, simulate, summarize

RUNS = 20_000


def _graph(n, arcs, directed=True, segment=None, names=()):
    a = np.array(arcs, dtype=np.int64)
    return SocialGraph.from_arcs(n, a[:, 0], a[:, 1], directed=directed, segment=segment, segment_names=names)


def _star(k, hubs=1):
    """Hubs 0..hubs-1 each followed by the same k users."""
    return _graph(hubs + k, [(h, hubs + i) for h in range(hubs) for i in range(k)])


def _within(x, expected, se, z=4.0):
    """|x - expected| <= z standard errors (z = 4: false alarm ~6e-5 per check)."""
    assert abs(x - expected) <= z * se, (x, expected, se)


@pytest.fixture(scope="module")
def ba_graph():
    return SocialGraph.from_networkx(nx.barabasi_albert_graph(2000, 3, seed=1))


FULL = CascadeModel(stickiness=0.15, feed_reach=0.5, half_life=24.0, fatigue=0.8, delay_median=2.0, delay_sigma=0.7,
                    engagement_rate=0.05, click_rate=0.02, conversion_rate=0.1, horizon=72.0)


# ---- exact probabilities of the model's parts ----------------------------------------------
def test_fatigue_damps_the_second_view():
    # user 2 follows seeds 0 and 1; both posts are viewed at step 1: P(share) = s + (1 - s) s f
    g = _graph(3, [(0, 2), (1, 2)])
    s, f = 0.3, 0.5
    res = simulate(g, CascadeModel(stickiness=s, fatigue=f), [0, 1], runs=RUNS, seed=1)
    p = s + (1 - s) * s * f
    _within(res.metrics["shares"].mean(), p, math.sqrt(p * (1 - p) / RUNS))


def test_decay_uses_the_view_time_in_hours():
    # seed posts at hour 10, step 0.5 h, delay 1 h: the view is at hour 11
    g = _graph(2, [(0, 1)])
    model = CascadeModel(stickiness=0.8, half_life=6.0, step=0.5, horizon=24.0)
    res = simulate(g, model, [0], runs=RUNS, seed=2, seed_times=[10.0])
    p = 0.8 * 2 ** (-11.0 / 6.0)
    _within(res.metrics["shares"].mean(), p, math.sqrt(p * (1 - p) / RUNS))
    assert np.all(res.timeseries["impressions"][:, 22] == 1)  # step 22 = hour 11


def test_affinity_multiplies_share_probability_per_segment():
    k = 40
    seg = np.array([0] + [i % 2 for i in range(k)], dtype=np.int32)
    g = _graph(k + 1, [(0, i + 1) for i in range(k)], segment=seg, names=("fans", "others"))
    res = simulate(g, CascadeModel(stickiness=0.5, affinity=[1.0, 0.2]), [0], runs=2000, seed=3, node_stats=True)
    followers = np.arange(1, k + 1)
    for label, p in ((0, 0.5), (1, 0.1)):
        got = res.node_share_prob[followers[seg[1:] == label]].mean()
        _within(got, p, math.sqrt(p * (1 - p) / (2000 * k / 2)))


def test_lognormal_delay_discretisation():
    # 300 followers view the seed's post after max(1, round(L / step)) steps, L ~ lognormal(ln 3 h, 0.8)
    k, step, median, sigma = 300, 1.0, 3.0, 0.8
    res = simulate(_star(k), CascadeModel(stickiness=0.0, delay_median=median, delay_sigma=sigma, horizon=200.0),
                   [0], runs=200, seed=4)
    counts = res.timeseries["impressions"].sum(axis=0)
    j = np.arange(counts.size)
    upper = norm.cdf((np.log((j + 0.5) * step) - math.log(median)) / sigma)
    lower = np.where(j >= 2, norm.cdf((np.log(np.maximum(j - 0.5, 1e-300) * step) - math.log(median)) / sigma), 0.0)
    probs = np.where(j >= 1, upper - lower, 0.0)
    views = counts.sum()
    assert views == 200 * k  # horizon 200 h: a later view has probability ~1e-7
    mean_exact = (j * probs).sum()
    sd_exact = math.sqrt(((j - mean_exact) ** 2 * probs).sum())
    _within((j * counts).sum() / views, mean_exact, sd_exact / math.sqrt(views))
    for step_j in (1, 2, 3, 5):  # per-step frequencies, binomial SE
        _within(counts[step_j] / views, probs[step_j], math.sqrt(probs[step_j] * (1 - probs[step_j]) / views))


def test_feed_reach_and_funnel_rates():
    k = 100
    model = CascadeModel(stickiness=0.0, feed_reach=0.4, engagement_rate=0.1, click_rate=0.2, conversion_rate=0.25)
    res = simulate(_star(k), model, [0], runs=4000, seed=5)
    views = k * 0.4
    m = res.metrics
    _within(m["reach"].mean(), views, math.sqrt(k * 0.4 * 0.6 / 4000))
    assert np.array_equal(m["reach"], m["impressions"]) and np.array_equal(m["reach"], m["reach_owned"])
    p_eng, p_click, p_conv = 0.4 * 0.1, 0.4 * 0.2, 0.4 * 0.2 * 0.25  # per follower per run
    for name, p in (("engagements", p_eng), ("clicks", p_click), ("conversions", p_conv)):
        _within(m[name].mean(), k * p, math.sqrt(k * p * (1 - p) / 4000))
    for name in ("engagements_earned", "clicks_earned", "conversions_earned", "reach_earned", "shares"):
        assert not m[name].any()


def test_conversion_is_once_per_user_with_several_clicks():
    # two seeds post to the same 50 users: clicks ~ Bin(2, c) per user, P(convert) = 1 - (1 - c q)^2
    k, c, q = 50, 0.5, 0.6
    res = simulate(_star(k, hubs=2), CascadeModel(stickiness=0.0, click_rate=c, conversion_rate=q), [0, 1],
                   runs=4000, seed=6)
    p = 1 - (1 - c * q) ** 2
    _within(res.metrics["conversions"].mean(), k * p, math.sqrt(k * p * (1 - p) / 4000))
    _within(res.metrics["clicks"].mean(), 2 * k * c, math.sqrt(2 * k * c * (1 - c) / 4000))
    assert np.all(res.metrics["frequency"] == 2.0)


def test_common_random_numbers_couple_scenarios(ba_graph):
    # replicate i sees the same coin on the same arc, so a larger p can only add sharers
    low = simulate(ba_graph, CascadeModel.independent_cascade(0.05, horizon=100), [0, 1, 2], runs=200, seed=7)
    high = simulate(ba_graph, CascadeModel.independent_cascade(0.08, horizon=100), [0, 1, 2], runs=200, seed=7)
    assert np.all(low.metrics["shares"] <= high.metrics["shares"])
    assert np.any(low.metrics["shares"] < high.metrics["shares"])


# ---- bookkeeping ----------------------------------------------------------------------------
def test_metrics_and_series_are_consistent(ba_graph):
    paid = [PaidPlacement(5.0, 300), PaidPlacement(20.0, 100)]
    res = simulate(ba_graph, FULL, [0, 10, 100], runs=300, seed=8, seed_times=[0.0, 6.0, 12.0], paid=paid)
    m = res.metrics
    assert isinstance(res, SimulationResult) and res.runs == 300
    assert np.array_equal(res.cumulative("reach")[:, -1], m["reach"])
    assert np.array_equal(m["reach"], m["reach_owned"] + m["reach_paid"] + m["reach_earned"])
    assert np.array_equal(res.reach_by_segment.sum(axis=1), m["reach"])
    for kind in ("owned", "paid", "earned"):
        assert np.array_equal(res.timeseries[f"impressions_{kind}"].sum(axis=1), m[f"impressions_{kind}"])
    assert np.array_equal(m["impressions"], m["impressions_owned"] + m["impressions_paid"] + m["impressions_earned"])
    assert np.all(m["impressions_paid"] == 400)
    assert np.array_equal(res.timeseries["shares"].sum(axis=1), m["shares"])
    assert np.all(res.attribution.sum(axis=1) <= m["reach_earned"])
    assert np.all(m["engagements_earned"] <= m["engagements"]) and np.all(m["clicks_earned"] <= m["clicks"])
    assert np.all(m["conversions"] <= m["reach"]) and np.all(m["conversions_earned"] <= m["conversions"])
    ok = m["reach"] > 0
    assert np.allclose(m["frequency"][ok], m["impressions"][ok] / m["reach"][ok])
    assert np.all(m["time_to_50pct_h"][ok] <= m["time_to_90pct_h"][ok])
    assert np.all(m["time_to_90pct_h"][ok] <= FULL.horizon)
    assert m["shares"].mean() > 5 and m["depth"].max() >= 2  # the checks saw real cascades
    assert res.times_h[-1] == FULL.horizon and res.timeseries["reach"].shape == (300, 73)
    assert res.segment_names == ("all",)


def test_paid_placement_in_a_segment_reaches_only_that_segment():
    n = 1000
    seg = (np.arange(n) % 3).astype(np.int32)
    g = _graph(n, [(i, (i + 1) % n) for i in range(n)], segment=seg, names=("a", "b", "c"))
    res = simulate(g, CascadeModel(stickiness=0.0), [0], runs=50, seed=9, paid=[PaidPlacement(3.0, 200, "b")])
    assert np.all(res.metrics["impressions_paid"] == 200)
    paid_reach = res.reach_by_segment[:, 1]
    assert np.array_equal(paid_reach, res.metrics["reach_paid"] + (seg[1] == 1))  # + the seed's follower, if in b
    assert np.all(res.timeseries["impressions_paid"][:, 3] == 200)


def test_summary_fields_and_undefined_metrics():
    g = _graph(3, [(1, 2)])  # the seed has no followers: nothing happens
    res = simulate(g, CascadeModel(stickiness=0.5), [0], runs=10, seed=0)
    s = res.summary()
    assert s["reach"].mean == 0 and s["reach"].n == 10
    assert s["frequency"].n == 0 and math.isnan(s["frequency"].mean)  # impressions / reach is undefined
    x = np.arange(100.0)
    t = summarize(x)
    assert t.mean == 49.5 and t.median == 49.5 and t.std == pytest.approx(x.std(ddof=1))
    half = 1.9842169515086827 * x.std(ddof=1) / 10  # Student t(99) 97.5% quantile
    assert (t.ci95_low, t.ci95_high) == pytest.approx((49.5 - half, 49.5 + half))
    assert isinstance(t, Summary)
    assert set(t.to_dict()) == {"mean", "std", "median", "p05", "p95", "ci95_low", "ci95_high", "n"}


# ---- determinism ------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [FULL, CascadeModel.independent_cascade(0.1, horizon=60),
                                   ThresholdModel(rule="fraction", feed_reach=0.8, delay_sigma=0.5, horizon=60)],
                         ids=["full", "ic", "threshold"])
def test_same_seed_same_numbers_whatever_the_thread_count(ba_graph, model):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread here")
    seeds = [0, 3, 50, 400]
    one = simulate(ba_graph, model, seeds, runs=64, seed=12, threads=1)
    two = simulate(ba_graph, model, seeds, runs=64, seed=12, threads=2)
    again = simulate(ba_graph, model, seeds, runs=64, seed=12, threads=2, progress=lambda n: None)
    assert_same_results(one, two)
    assert_same_results(one, again)
    other = simulate(ba_graph, model, seeds, runs=64, seed=13)
    assert not np.array_equal(one.metrics["reach"], other.metrics["reach"])


def test_threads_restored_and_progress_counts_all_runs(ba_graph):
    before = numba.get_num_threads()
    done = []
    simulate(ba_graph, FULL, [0], runs=100, seed=1, threads=1, progress=done.append)
    assert numba.get_num_threads() == before
    assert sum(done) == 100 and len(done) > 1


# ---- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    (dict(stickiness=1.5), "stickiness: must be a number in [0, 1], got 1.5"),
    (dict(stickiness="0.1"), "stickiness: must be a number"),
    (dict(stickiness=0.1, feed_reach=-0.1), "feed_reach: must be a number in [0, 1]"),
    (dict(stickiness=0.1, half_life=0.0), "half_life: must be a number > 0"),
    (dict(stickiness=0.1, fatigue=1.2), "fatigue: must be"),
    (dict(stickiness=0.1, delay_median=0), "delay_median: must be"),
    (dict(stickiness=0.1, delay_sigma=-1), "delay_sigma: must be"),
    (dict(stickiness=0.1, click_rate=2), "click_rate: must be"),
    (dict(stickiness=0.1, step=0.7, horizon=10), "horizon must be a whole number of steps"),
    (dict(stickiness=0.1, affinity=[1.0, -2.0]), "affinity: must be"),
    (dict(stickiness=0.6, affinity=[1.0, 2.0]), "stickiness x affinity must be at most 1"),
    (dict(stickiness=True), "stickiness: must be a number"),
])
def test_cascade_model_rejects_bad_parameters(kwargs, message):
    with pytest.raises(InvalidParameterError) as err:
        CascadeModel(**kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("kwargs, message", [
    (dict(rule="majority"), "rule: must be one of 'fraction', 'count'"),
    (dict(rule="fraction", threshold=1.5), "threshold: must be a number in (0, 1]"),
    (dict(rule="count", threshold=0.5), "threshold: must be a number >= 1"),
    (dict(horizon=-1.0), "horizon: must be"),
])
def test_threshold_model_rejects_bad_parameters(kwargs, message):
    with pytest.raises(InvalidParameterError, match=None) as err:
        ThresholdModel(**kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize("call, message", [
    (dict(seeds=[0, 0]), "seeds must be distinct"),
    (dict(seeds=[5000]), "seeds must be node ids in [0, 2000)"),
    (dict(seeds=[[1, 2]]), "seeds must be a 1-d sequence"),
    (dict(seeds=[0], runs=0), "runs: must be an integer"),
    (dict(seeds=[0], threads=0), "threads: must be an integer"),
    (dict(seeds=[0], seed=-3), "seed: must be an integer in [0, 9223372036854775807]"),
    (dict(seeds=[0], seed_times=[100.0]), "seed_times must be 1 times in hours within [0, 72]"),
    (dict(seeds=[0], progress=5), "progress must be a callable"),
    (dict(seeds=[0], paid=[PaidPlacement(1.0, 5, "vip")]), "paid segment must be one of"),
    (dict(seeds=[0], model=CascadeModel(0.1, affinity=[1.0, 1.0])), "affinity must have one value per graph segment"),
])
def test_simulate_rejects_bad_input(ba_graph, call, message):
    call = dict(call)
    model = call.pop("model", FULL)
    with pytest.raises(InvalidParameterError) as err:
        simulate(ba_graph, model, **{"runs": 2, **call})
    assert message in str(err.value)


def test_paid_placement_validation():
    with pytest.raises(InvalidParameterError, match="paid impressions: must be an integer >= 0"):
        PaidPlacement(1.0, -5)
    with pytest.raises(InvalidParameterError, match=r"paid time \(hours\): must be a number >= 0"):
        PaidPlacement(float("nan"), 5)


def test_time_series_are_optional_and_change_no_metric(ba_graph):
    seeds = [0, 5, 9]
    kept = simulate(ba_graph, FULL, seeds, runs=60, seed=4)
    dropped = simulate(ba_graph, FULL, seeds, runs=60, seed=4, timeseries=False)
    for name, values in kept.metrics.items():
        np.testing.assert_array_equal(values, dropped.metrics[name], err_msg=name)
    np.testing.assert_array_equal(kept.attribution, dropped.attribution)
    assert dropped.timeseries == {}
    with pytest.raises(InvalidParameterError, match="timeseries=False"):
        dropped.cumulative("reach")
    # the per-step series still add up to the totals (the kernel writes only the steps it reaches)
    np.testing.assert_array_equal(kept.cumulative("reach")[:, -1], kept.metrics["reach"])
    np.testing.assert_array_equal(kept.cumulative("impressions")[:, -1], kept.metrics["impressions"])


def test_a_longer_horizon_changes_nothing_once_cascades_are_over(ba_graph):
    # independent cascade with a fixed one-step delay: every run is over long before step 200
    short = simulate(ba_graph, CascadeModel.independent_cascade(0.15, horizon=200.0), [0, 1], runs=80, seed=9)
    long = simulate(ba_graph, CascadeModel.independent_cascade(0.15, horizon=5000.0), [0, 1], runs=80, seed=9)
    assert short.metrics["depth"].max() < 150
    for name in ("reach", "shares", "impressions", "depth", "structural_virality", "k_factor"):
        np.testing.assert_array_equal(short.metrics[name], long.metrics[name], err_msg=name)


@pytest.mark.parametrize("model", [ThresholdModel(rule="count", threshold=1.0, horizon=12.0),
                                   CascadeModel.independent_cascade(1.0, horizon=12.0)],
                         ids=["threshold", "ic"])
def test_a_cascade_as_deep_as_the_horizon_has_exact_tree_metrics_on_any_thread_count(model):
    """A chain 0 -> 1 -> ... -> 30 with certain shares is 12 generations deep at the horizon: 13
    posters, 12 of them someone's offspring (k_factor 12/13; per sharer 11/12), in every run, on 1
    and 2 threads.  Per-thread counts once had n_steps entries inside the parallel kernel, and
    such a cascade read past them."""
    chain = SocialGraph.from_arcs(31, np.arange(30), np.arange(1, 31), directed=True)
    results = [simulate(chain, model, [0], runs=300, seed=2, threads=t) for t in (1, 2)]
    for res in results:
        np.testing.assert_array_equal(res.metrics["depth"], np.full(300, 12.0))
        np.testing.assert_array_equal(res.metrics["k_factor"], np.full(300, 12 / 13))
        np.testing.assert_array_equal(res.metrics["k_factor_sharers"], np.full(300, 11 / 12))
    assert_same_results(*results)


def test_threshold_cascades_reaching_the_horizon_give_the_same_numbers_on_1_and_2_threads():
    """The case that exposed the short generation counts: on 2 threads one run's k_factor was 1e12."""
    from viralsim.graph import barabasi_albert
    graph = barabasi_albert(3000, 4, seed=1)
    model = ThresholdModel(rule="fraction", threshold=None, horizon=40.0)
    one, two = (simulate(graph, model, [1, 2, 3, 50], runs=300, seed=3, threads=t) for t in (1, 2))
    assert one.metrics["depth"].max() == 40  # some runs are as deep as the horizon
    assert np.nanmax(one.metrics["k_factor"]) < 10
    assert_same_results(one, two)
