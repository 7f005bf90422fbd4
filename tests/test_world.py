"""Several contents in one world: exactness against the one-content engine, the rules, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viralsim.errors import InvalidParameterError
from viralsim.graph import SocialGraph, erdos_renyi, segmented
from viralsim.model import CascadeModel, ContentSpec, Interaction, PaidPlacement, Trigger, simulate, simulate_world


def _graph(n, arcs):
    a = np.array(arcs, dtype=np.int64)
    return SocialGraph.from_arcs(n, a[:, 0], a[:, 1], directed=True)


def _same(a, b):
    """Two SimulationResults agree array for array on everything the one-content engine reports."""
    for k in b.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)
    for k in b.diagnostics:
        np.testing.assert_array_equal(a.diagnostics[k], b.diagnostics[k], err_msg=k)
    for k in b.timeseries:
        np.testing.assert_array_equal(a.timeseries[k], b.timeseries[k], err_msg=k)
    np.testing.assert_array_equal(a.attribution, b.attribution)
    np.testing.assert_array_equal(a.reach_by_segment, b.reach_by_segment)


SEG = segmented(400, (0.6, 0.4), within_degree=5.0, between_degree=1.0, seed=2)
FULL = CascadeModel(stickiness=0.2, feed_reach=0.6, half_life=12, fatigue=0.7, delay_median=2, delay_sigma=0.9,
                    engagement_rate=0.1, click_rate=0.05, conversion_rate=0.3, affinity=(1.0, 1.5), horizon=48)
CASES = {
    "ic": (CascadeModel.independent_cascade(0.2, horizon=30), {}),
    "full": (FULL, {"paid": [PaidPlacement(2, 30), PaidPlacement(5, 20, "segment_1")], "seed_times": [0, 3, 7]}),
    "fatigue1-lognormal": (CascadeModel(stickiness=0.25, feed_reach=0.5, delay_median=3, delay_sigma=1.2,
                                        click_rate=0.1, horizon=40), {"paid": [PaidPlacement(0, 50)]}),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("pool_cap", [None, 40])
def test_world_kernel_with_one_content_is_the_one_content_engine(case, pool_cap):
    model, kw = CASES[case]
    g = SEG if case == "full" else erdos_renyi(300, 5.0, directed=True, seed=4)
    seeds = [0, 7, 100]
    solo = simulate(g, model, seeds, runs=60, seed=11, **kw)
    spec = ContentSpec("only", model, seeds=seeds, **kw)
    world = simulate_world(g, [spec], runs=60, seed=11, engine="world", pool_cap=pool_cap)
    _same(world.contents["only"], solo)
    auto = simulate_world(g, [spec], runs=60, seed=11)
    _same(auto.contents["only"], solo)
    for name in ("clicks_owned", "clicks_paid"):  # the world kernel splits the clicks the solo path cannot
        w, a = world.contents["only"].metrics[name], auto.contents["only"].metrics[name]
        ok = np.isfinite(a)
        np.testing.assert_array_equal(w[ok], a[ok])
    m = world.contents["only"].metrics
    np.testing.assert_array_equal(m["clicks_owned"] + m["clicks_paid"] + m["clicks_earned"], m["clicks"])


def test_first_content_of_a_world_sees_its_solo_coins_and_the_second_its_solo_distribution():
    g = erdos_renyi(1500, 4.0, directed=True, seed=5)
    a = CascadeModel(stickiness=0.22, feed_reach=0.8, delay_median=2, delay_sigma=0.7, horizon=60)
    b = CascadeModel(stickiness=0.18, feed_reach=0.9, fatigue=0.8, horizon=60)
    runs = 1500
    world = simulate_world(g, [ContentSpec("a", a, seeds=[0, 1]), ContentSpec("b", b, seeds=[2, 3, 4])], runs=runs,
                           seed=3)
    _same(world.contents["a"], simulate(g, a, [0, 1], runs=runs, seed=3))  # no interaction: a's own coins
    solo_b = simulate(g, b, [2, 3, 4], runs=runs, seed=3)  # b draws from other keys: compare distributions
    for metric in ("reach", "impressions", "shares"):
        x, y = world.contents["b"].metrics[metric], solo_b.metrics[metric]
        se = math.sqrt(x.var(ddof=1) / runs + y.var(ddof=1) / runs)
        assert abs(x.mean() - y.mean()) < 4 * se, (metric, x.mean(), y.mean(), se)
    assert world.world["posted_several"].sum() > 0  # both contents can be shared by one user ...
    blocked = simulate_world(g, [ContentSpec("a", a, seeds=[0, 1]), ContentSpec("b", b, seeds=[2, 3, 4])], runs=runs,
                             seed=3, interactions=[Interaction("a", "b", cross_share=0.0),
                                                   Interaction("b", "a", cross_share=0.0)])
    assert np.all(blocked.world["posted_several"] == 0)  # ... and full blocking makes the sharer sets disjoint
    assert blocked.contents["b"].metrics["shares"].mean() < world.contents["b"].metrics["shares"].mean()


def test_attention_limits_views_per_user_and_step():
    # user 6 follows seeds 0-2 (content a) and 3-5 (content b); every post reaches it at step 1
    g = _graph(7, [(i, 6) for i in range(6)])
    m = CascadeModel(stickiness=0.0, horizon=5)
    specs = [ContentSpec("a", m, seeds=[0, 1, 2]), ContentSpec("b", m, seeds=[3, 4, 5])]
    for n_att in (1, 2, 4, 6):
        w = simulate_world(g, specs, runs=5, seed=1, attention=n_att)
        seen = w.contents["a"].metrics["impressions"] + w.contents["b"].metrics["impressions"]
        dropped = w.contents["a"].diagnostics["views_dropped"] + w.contents["b"].diagnostics["views_dropped"]
        assert np.all(seen == n_att) and np.all(dropped == 6 - n_att)
        # the first-processed rule: a's posts were queued first, so a fills the attention first
        assert np.all(w.contents["a"].metrics["impressions"] == min(3, n_att))
    # a random graph: with nothing shared, the views kept plus those dropped are the views without a limit
    g = erdos_renyi(500, 8.0, directed=True, seed=1)
    m = CascadeModel(stickiness=0.0, feed_reach=0.7, delay_median=2, delay_sigma=1.0, horizon=20)
    seeds = list(range(0, 200, 2)), list(range(1, 200, 2))
    specs = [ContentSpec("a", m, seeds=seeds[0]), ContentSpec("b", m, seeds=seeds[1])]
    free = simulate_world(g, specs, runs=20, seed=2)
    tight = simulate_world(g, specs, runs=20, seed=2, attention=1)
    for c in ("a", "b"):
        kept = tight.contents[c].metrics["impressions"] + tight.contents[c].diagnostics["views_dropped"]
        np.testing.assert_array_equal(kept, free.contents[c].metrics["impressions"])
    per_step = sum(tight.contents[c].timeseries["impressions"] for c in ("a", "b"))
    assert per_step.max() <= 500  # at most one view per user and step


def test_trigger_launches_exactly_response_time_after_the_threshold():
    # a directed path 0 -> 1 -> ... -> 19; every view shares after one step: reach is t at step t
    g = _graph(21, [(i, i + 1) for i in range(19)] + [(20, 10)])
    rumour = ContentSpec("rumour", CascadeModel(stickiness=1.0, horizon=30), seeds=[0], sentiment="negative",
                         owner="public")
    for level, response in ((3, 5.0), (1, 0.0), (6, 2.0)):
        answer = ContentSpec("answer", CascadeModel(stickiness=0.0, horizon=30), seeds=[20], sentiment="positive",
                             trigger=Trigger("rumour", level, "reach", response))
        w = simulate_world(g, [rumour, answer], runs=8, seed=1)
        d = w.contents["answer"].diagnostics
        assert np.all(d["trigger_h"] == level) and np.all(d["launch_h"] == level + response)
        owned = w.contents["answer"].timeseries["impressions_owned"]
        first = np.argmax(owned > 0, axis=1)
        assert np.all(first == level + response + 1)  # the page posts at launch; its follower views one step later
    never = ContentSpec("answer", CascadeModel(stickiness=0.0, horizon=30), seeds=[20],
                        trigger=Trigger("rumour", 100, "reach", 1.0))
    w = simulate_world(g, [rumour, never], runs=4, seed=1)
    assert np.all(np.isnan(w.contents["answer"].diagnostics["launch_h"]))
    assert np.all(w.contents["answer"].metrics["reach"] == 0)


def test_collision_rules_decide_which_of_two_same_step_views_comes_first():
    g = _graph(3, [(0, 2), (1, 2)])  # user 2 views the rumour (seed 0) and the answer (seed 1) at step 1
    m = CascadeModel(stickiness=0.0, horizon=4)
    specs = [ContentSpec("rumour", m, seeds=[0], sentiment="negative"), ContentSpec("answer", m, seeds=[1],
                                                                                    sentiment="positive")]
    expect = {"first": (0, 0), "negative": (0, 0), "positive": (1, 1)}  # (inoculated, last view negative)
    for rule, (inoc, neg_last) in expect.items():
        w = simulate_world(g, specs, runs=4, seed=1, collision=rule)
        assert np.all(w.world["saw_both"] == 1)
        assert np.all(w.world["inoculated"] == inoc) and np.all(w.world["negative_last"] == neg_last), rule
    runs = 4000
    w = simulate_world(g, specs, runs=runs, seed=1, collision="random")
    frac = w.world["inoculated"].mean()
    assert abs(frac - 0.5) < 4 * math.sqrt(0.25 / runs)


def test_prior_exposure_and_world_series():
    g = erdos_renyi(800, 5.0, directed=True, seed=7)
    m = CascadeModel(stickiness=0.2, feed_reach=0.8, delay_median=1, delay_sigma=0.5, horizon=48)
    rumour = ContentSpec("rumour", m, seeds=[0, 1], sentiment="negative", owner="public")
    answer = ContentSpec("answer", m, seeds=[2, 3], sentiment="positive", start=4.0)
    base = simulate_world(g, [rumour, answer], runs=300, seed=5)
    damped = simulate_world(g, [rumour, answer], runs=300, seed=5,
                            interactions=[Interaction("rumour", "answer", prior_exposure=0.0)])
    _same(damped.contents["rumour"], base.contents["rumour"])  # the rumour does not depend on the answer here
    assert damped.contents["answer"].metrics["shares"].mean() < base.contents["answer"].metrics["shares"].mean()
    ws = base.world_series
    np.testing.assert_array_equal(ws["net_sentiment"][:, -1], base.world["net_sentiment_reach"])
    np.testing.assert_array_equal(ws["positive_last"][:, -1], base.world["positive_last"])
    assert np.all(base.world["saw_both"] >= base.world["inoculated"])
    sov = base.share_of_voice("impressions")
    total = base.contents["rumour"].metrics["impressions"] + base.contents["answer"].metrics["impressions"]
    np.testing.assert_allclose(sov, base.contents["answer"].metrics["impressions"] / total)
    assert np.all(base.contents["answer"].timeseries["impressions"][:, :4] == 0)  # launched at hour 4


def test_world_is_thread_independent():
    g = erdos_renyi(600, 5.0, directed=True, seed=8)
    m = CascadeModel(stickiness=0.2, feed_reach=0.7, delay_median=2, delay_sigma=1.0, fatigue=0.9, horizon=40)
    specs = [ContentSpec("r", m, seeds=[0], sentiment="negative"),
             ContentSpec("a", m, seeds=[1, 2], sentiment="positive", trigger=Trigger("r", 30, "impressions", 3.0))]
    kw = dict(runs=50, seed=9, attention=2, collision="random", interactions=[Interaction("r", "a", 0.5, 0.5)])
    one = simulate_world(g, specs, threads=1, **kw)
    two = simulate_world(g, specs, threads=2, **kw)
    for c in ("r", "a"):
        _same(one.contents[c], two.contents[c])
    for k in one.world:
        np.testing.assert_array_equal(one.world[k], two.world[k])


@pytest.mark.parametrize("make, match", [
    (lambda m: dict(contents=[ContentSpec("x", m), ContentSpec("x", m)]), "distinct"),
    (lambda m: dict(contents=[ContentSpec("x", m), ContentSpec("y", m, trigger=Trigger("z", 5))]), "not a content"),
    (lambda m: dict(contents=[ContentSpec("x", m, trigger=Trigger("y", 5)), ContentSpec("y", m, trigger=Trigger("x", 5))]),
     "cycle"),
    (lambda m: dict(contents=[ContentSpec("x", m), ContentSpec("y", m)], attention=0), "attention"),
    (lambda m: dict(contents=[ContentSpec("x", m), ContentSpec("y", m)], interactions=[Interaction("x", "w")]),
     "not a content"),
    (lambda m: dict(contents=[ContentSpec("x", m), ContentSpec("y", CascadeModel(stickiness=0.1, horizon=24))]),
     "one calendar"),
    (lambda m: dict(contents=[ContentSpec("x", m)], collision="last"), "collision"),
])
def test_bad_worlds_are_refused(make, match):
    g = erdos_renyi(50, 3.0, seed=1)
    m = CascadeModel(stickiness=0.1, horizon=48)
    with pytest.raises(InvalidParameterError, match=match):
        kw = make(m)
        simulate_world(g, kw.pop("contents"), runs=2, seed=1, **kw)


def test_bad_parts_are_refused():
    m = CascadeModel(stickiness=0.1)
    with pytest.raises(InvalidParameterError, match=r"cross_share: must be a number in \[0, 100\]"):
        Interaction("a", "b", cross_share=-1)
    with pytest.raises(InvalidParameterError, match="prior_exposure"):
        Interaction("a", "b", prior_exposure=101)
    with pytest.raises(InvalidParameterError, match="sentiment"):
        ContentSpec("a", m, sentiment="angry")
    with pytest.raises(InvalidParameterError, match="level"):
        Trigger("a", 0)
    with pytest.raises(InvalidParameterError, match="metric"):
        Trigger("a", 3, metric="likes")
