"""Early prediction: the warm start, the placement rule, the baselines and the scoring."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from viralsim.calibration.baselines import MarkedHawkes, Prediction, _seismic_memory_cdf, persistence, root_weight, seismic
from viralsim.calibration.predict import Audience, place, score, warm_start
from viralsim.graph import generate
from viralsim.kernels.hawkes import hawkes_profile_loglik
from viralsim.model import CascadeModel, simulate, simulate_random_seed
from viralsim.observed.cascades import from_sharer_trees

ROOT_DIR = Path(__file__).resolve().parents[1]
MODEL = CascadeModel(stickiness=0.15, feed_reach=0.6, half_life=24.0, delay_median=1.0, delay_sigma=0.7,
                     horizon=48.0, step=0.25, fatigue=1.0)


@pytest.fixture(scope="module")
def graph():
    return generate("holme_kim", 3000, seed=5, m=4, triangle_prob=0.3)


@pytest.fixture(scope="module")
def cascades(graph):
    sim = simulate_random_seed(graph, MODEL, runs=1500, seed=21, keep_trees=graph.n_nodes, timeseries=False)
    posts = np.diff(sim.trees.offsets)
    return from_sharer_trees(sim.trees, np.flatnonzero(posts >= 8)), sim.trees


def test_shares_from_stops_early_shares_and_zero_changes_nothing(graph):
    a = simulate(graph, MODEL, [0, 1], runs=60, seed=3, timeseries=False)
    b = simulate(graph, MODEL, [0, 1], runs=60, seed=3, timeseries=False, shares_from=0.0)
    for name in a.metrics:
        np.testing.assert_array_equal(a.metrics[name], b.metrics[name])
    late = simulate(graph, MODEL, [0, 1], runs=60, seed=3, timeseries=False, shares_from=48.0)
    assert late.metrics["shares"].max() == 0 and (late.diagnostics["seed_posts"] == 2).all()
    assert a.metrics["shares"].sum() > 0


def test_placement_is_distinct_keyed_and_follows_the_rule(graph, cascades):
    obs, _ = cascades
    aud = Audience.of(graph, roots=50)
    rows = slice(obs.offsets[0], obs.offsets[1])
    parent = obs.parent[rows]
    nodes = place(aud, parent, obs.followers[rows], 7)
    assert np.unique(nodes).shape[0] == nodes.shape[0]
    assert nodes[0] in set(aud.root_pool.tolist())
    np.testing.assert_array_equal(nodes, place(aud, parent, obs.followers[rows], 7))  # a pure function of its key
    followers_of = lambda v: set(graph.indices[graph.indptr[v]:graph.indptr[v + 1]].tolist())  # noqa: E731
    for i in range(1, nodes.shape[0]):
        fol = followers_of(nodes[parent[i]])
        if nodes[i] not in fol:  # a fallback: only when most of the parent's followers were taken already
            assert len(fol & set(nodes[:i].tolist())) >= 0.5 * len(fol), i
    # a known follower count goes to the user with the nearest one
    degree = np.diff(graph.indptr)
    f = np.array([float(degree.max()), 3.0])
    picked = place(aud, np.array([-1, 0]), f, 1)
    assert degree[picked[0]] == degree.max() and abs(degree[picked[1]] - 3) <= 1


def test_without_shares_the_prediction_is_the_prefix(graph, cascades):
    obs, _ = cascades
    prefix = obs.select(np.arange(10)).observed_until(2.0)
    still = CascadeModel(stickiness=0.0, feed_reach=0.6, delay_median=1.0, delay_sigma=0.7, horizon=48.0, step=0.25)
    pred = warm_start(prefix, Audience.of(graph), still, 2.0, runs=20, placements=2, seed=1)
    np.testing.assert_array_equal(pred.point, prefix.sizes)
    np.testing.assert_array_equal(pred.interval95[0], prefix.sizes)
    np.testing.assert_array_equal(pred.interval95[1], prefix.sizes)


def test_the_placement_rule_does_not_bias_the_prediction(graph, cascades):
    # the same cascades predicted from their true users and from placed ones: the paired
    # difference of log predictions must be within three standard errors of zero
    obs, trees = cascades
    pick = np.arange(min(50, obs.n_cascades))
    prefix = obs.select(pick).observed_until(3.0)
    true_nodes = [prefix.users[prefix.offsets[c]:prefix.offsets[c + 1]] for c in range(prefix.n_cascades)]
    aud = Audience.of(graph)
    truth = warm_start(prefix, aud, MODEL, 3.0, runs=120, placements=4, seed=2, nodes=true_nodes)
    placed = warm_start(prefix, aud, MODEL, 3.0, runs=120, placements=4, seed=2)
    d = np.log(placed.point) - np.log(truth.point)
    se = d.std(ddof=1) / math.sqrt(d.shape[0])
    assert abs(d.mean()) < 3 * se + 1e-12, (d.mean(), se)
    final = obs.select(pick).sizes.astype(float)
    assert score(truth, final)["coverage95"] > 0.6  # the model's own cascades fall in its intervals


def test_persistence_and_seismic_by_hand():
    from viralsim.observed.cascades import ObservedCascades

    c = ObservedCascades(source="t", format="t", ids=np.array(["a"]), offsets=np.array([0, 3]),
                         time_h=np.array([0.0, 0.5, 1.0]), parent=np.array([-1, 0, 0]),
                         followers=np.array([100.0, 10.0, 10.0]), users=np.arange(3), order_key=np.zeros(1),
                         order_by="-")
    assert persistence(c, 1.0).point.tolist() == [3.0]
    spent = _seismic_memory_cdf(np.array([1.0, 0.5, 0.0]))
    p = 2 / (100 * spent[0] + 10 * spent[1] + 10 * spent[2])
    want = 1 + 2 + p * (100 * (1 - spent[0]) + 10 * (1 - spent[1]) + 10 * (1 - spent[2])) / (1 - p * 10)
    assert seismic(c, 1.0, 10.0).point[0] == pytest.approx(want, rel=1e-12)
    assert _seismic_memory_cdf(np.array([1e9]))[0] == pytest.approx(1.0, abs=1e-2)
    assert root_weight(c) == 1.0  # no resharer has children: no ratio to take


def test_hawkes_likelihood_equals_a_plain_double_loop():
    rng = np.random.default_rng(3)
    offsets = np.array([0, 5, 6, 10])
    time_h = np.concatenate([np.sort(np.r_[0, rng.uniform(0, 5, 4)]), [0.0], np.sort(np.r_[0, rng.uniform(0, 5, 3)])])
    weight = rng.uniform(1, 3, 10)
    horizon = np.array([6.0, 6.0, 5.5])
    c, theta = 0.3, 0.6
    want = 0.0
    for k in range(3):
        t, w = time_h[offsets[k]:offsets[k + 1]], weight[offsets[k]:offsets[k + 1]]
        n = t.shape[0]
        if n < 2:
            continue
        kappa = (n - 1) / sum(w[i] * (1 - (c / (horizon[k] - t[i] + c)) ** theta) for i in range(n))
        for j in range(1, n):
            rate = sum(kappa * w[i] * theta * c ** theta / (t[j] - t[i] + c) ** (1 + theta) for i in range(j))
            want += math.log(rate)
        want -= n - 1  # kappa * exposure
    assert hawkes_profile_loglik(offsets, time_h, weight, horizon, c, theta) == pytest.approx(want, rel=1e-10)


def test_hawkes_fit_is_a_likelihood_maximum_and_predicts_at_least_the_prefix(cascades):
    obs, _ = cascades
    train, test = obs.select(np.arange(0, 60)), obs.select(np.arange(60, 90))
    w = root_weight(train)
    tp = train.observed_until(3.0)
    h = MarkedHawkes.fit(tp, 3.0, weight_of_root=w)
    assert 1e-3 <= h.c_h <= 24 and 0.01 <= h.theta <= 5 and h.beta == 1.0
    weight = np.where(tp.parent == -1, w, 1.0)
    horizon = np.full(tp.n_cascades, 3.0)

    def ll(c, theta):
        return hawkes_profile_loglik(tp.offsets, tp.time_h, weight, horizon, c, theta)

    best = ll(h.c_h, h.theta)
    for fc, ft in ((1.2, 1), (1 / 1.2, 1), (1, 1.2), (1, 1 / 1.2)):
        c, theta = h.c_h * fc, h.theta * ft
        if 1e-3 * (1 + 1e-9) <= c <= 24 and 0.01 <= theta <= 5:  # the fit's bounds (an optimum may sit on one)
            assert ll(c, theta) <= best + 1e-6
    prefix = test.observed_until(3.0)
    pred = h.predict(prefix, 3.0)
    ok = np.isfinite(pred.point)
    assert (pred.point[ok] >= prefix.sizes[ok]).all()


def test_score_by_hand():
    final = np.array([10.0, 20.0, 40.0])
    p = Prediction("x", 1.0, np.array([5.0, 20.0, np.nan]), (np.array([4, 19, 0]), np.array([6, 21, 0])),
                   (np.array([4, 10, 0]), np.array([11, 30, 0])))
    row = score(p, final)
    assert row["not_scored"] == 1 and row["median_ape"] == pytest.approx(0.25)
    assert row["share_off_50pct"] == 0.0 and row["coverage80"] == 0.5 and row["coverage95"] == 1.0


@pytest.mark.parametrize("args, message", [
    (["--scenario", "S", "--evaluate"], "give --scenario FITTED to predict, or --evaluate"),
    (["--evaluate"], "--evaluate needs --audience SCENARIO"),
    (["--scenario", "S", "--train", "1.5"], "--train: must be a share in (0, 1)"),
    (["--scenario", str(ROOT_DIR / "scenarios" / "rumour.yaml")], "predict needs a one-content scenario"),
    (["--scenario", "S", "--at", "soon"], "--at: must be a duration"),
])
def test_cli_predict_bad_input(tmp_path, args, message):
    (tmp_path / "c.csv").write_text("cascade_id,user,time_h\na,u,0\na,v,1\n")
    args = [str(ROOT_DIR / "scenarios" / "baseline.yaml") if a == "S" else a for a in args]
    r = subprocess.run([sys.executable, "-m", "viralsim", "predict", str(tmp_path / "c.csv"), *args,
                        "-o", str(tmp_path / "out.csv")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not (tmp_path / "out.csv").exists()
