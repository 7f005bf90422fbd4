"""Seeding strategies and valuation maths (no simulation needed: exact expectations)."""

import numpy as np
import pytest

from viralsim.campaign import STRATEGIES, CostModel, Spend, Tier, Valuation, choose_seeds, value_metrics
from viralsim.errors import InvalidParameterError
from viralsim.graph import SocialGraph
from viralsim.random import SEEDING, stream_key


def star_graph():
    """Directed: node 0 has 5 followers, node 1 has 3, node 2 has 3, node 3 has 1; 8 nodes; segments a/b."""
    src = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    dst = [1, 2, 3, 4, 5, 5, 6, 7, 5, 6, 7, 4]
    segment = np.array([0, 1, 1, 0, 0, 1, 0, 1])
    return SocialGraph.from_arcs(8, src, dst, directed=True, segment=segment, segment_names=("a", "b"))


KEY = stream_key(7, SEEDING)


def test_top_degree_orders_by_followers_and_breaks_ties_by_node_id():
    g = star_graph()
    assert choose_seeds(g, "top_degree", 3, KEY).tolist() == [0, 1, 2]  # degrees 5, 3, 3: tie 1 < 2
    assert choose_seeds(g, "top_degree", 2, KEY, segment="b").tolist() == [1, 2]
    assert choose_seeds(g, "top_degree", 1, KEY, segment="a").tolist() == [0]
    assert choose_seeds(g, "top_degree", 2, KEY, max_followers=3).tolist() == [1, 2]


def test_random_is_reproducible_distinct_and_respects_segment_and_follower_range():
    g = star_graph()
    a = choose_seeds(g, "random", 3, KEY)
    assert np.array_equal(a, choose_seeds(g, "random", 3, KEY))
    assert len(set(a.tolist())) == 3
    seg_b = set(np.flatnonzero(g.segment == 1).tolist())
    assert set(choose_seeds(g, "random", 4, KEY, segment="b").tolist()) == seg_b  # the whole segment
    picked = choose_seeds(g, "random", 2, KEY, min_followers=1)
    assert all(g.out_degree[v] >= 1 for v in picked)


def test_random_choice_is_uniform_over_keys():
    # 400 keys choosing 1 of 8 nodes: each count ~ Binomial(400, 1/8), sd = sqrt(400/8*7/8) = 6.6;
    # 4.5 sd (30) bounds all 8 counts with family-wise error < 1e-4
    g = star_graph()
    picks = np.array([choose_seeds(g, "random", 1, stream_key(s, SEEDING))[0] for s in range(400)])
    counts = np.bincount(picks, minlength=8)
    assert np.all(np.abs(counts - 50) < 30)


def test_explicit_maps_labels_and_checks_ids():
    g = star_graph()
    assert choose_seeds(g, "explicit", None, KEY, nodes=[3, 1]).tolist() == [3, 1]
    with pytest.raises(InvalidParameterError, match="unknown node id 99"):
        choose_seeds(g, "explicit", None, KEY, nodes=[99])
    with pytest.raises(InvalidParameterError, match="listed twice"):
        choose_seeds(g, "explicit", None, KEY, nodes=[1, 1])
    with pytest.raises(InvalidParameterError, match="not in segment 'a'"):
        choose_seeds(g, "explicit", None, KEY, segment="a", nodes=[1])
    labelled = SocialGraph.from_arcs(3, [0, 1], [1, 2], directed=True)
    object.__setattr__(labelled, "labels", np.array([100, 205, 17]))
    assert choose_seeds(labelled, "explicit", None, KEY, nodes=[17, 100]).tolist() == [2, 0]
    with pytest.raises(InvalidParameterError, match="unknown node id 2"):
        choose_seeds(labelled, "explicit", None, KEY, nodes=[2])
    named = SocialGraph.from_arcs(3, [0, 1], [1, 2], directed=True)
    object.__setattr__(named, "labels", np.array(["alice", "bob", "carol"]))
    assert choose_seeds(named, "explicit", None, KEY, nodes=["carol", "alice"]).tolist() == [2, 0]
    with pytest.raises(InvalidParameterError, match="unknown node id 'dave'"):
        choose_seeds(named, "explicit", None, KEY, nodes=["dave"])
    with pytest.raises(InvalidParameterError, match="unknown node id 'x'"):
        choose_seeds(g, "explicit", None, KEY, nodes=["x"])


def test_seeding_errors_name_the_problem():
    g = star_graph()
    with pytest.raises(InvalidParameterError, match="larger than segment 'a'"):
        choose_seeds(g, "top_degree", 5, KEY, segment="a")
    with pytest.raises(InvalidParameterError, match="unknown segment 'c'"):
        choose_seeds(g, "random", 1, KEY, segment="c")
    with pytest.raises(InvalidParameterError, match="allowed: random, top_degree, pagerank"):
        choose_seeds(g, "influencers", 1, KEY)
    with pytest.raises(InvalidParameterError, match="needs model: cascade"):
        choose_seeds(g, "imm", 1, KEY)
    assert set(STRATEGIES) == {"random", "top_degree", "pagerank", "kcore", "degree_discount", "imm", "celf",
                               "explicit"}


def metrics(runs=4):
    return {
        "impressions_earned": np.array([0, 1000, 2000, 500]),
        "engagements_earned": np.array([0, 10, 20, 5]),
        "clicks_earned": np.array([0, 2, 4, 1]),
        "conversions": np.array([1, 0, 2, 0]),
    }


def test_emv_formulas_and_roi_are_exact():
    m = metrics()
    cost = Spend(seed_fees=2 * 100.0, fixed=50.0)
    cpm = value_metrics(m, Valuation("cpm", cpm=8.0, per_conversion=35.0), cost)
    assert cpm["emv"].tolist() == [0.0, 8.0, 16.0, 4.0]
    assert cpm["conversion_value"].tolist() == [35.0, 0.0, 70.0, 0.0]
    assert cpm["paid_cost"].tolist() == [200.0] * 4 and cpm["total_cost"].tolist() == [250.0] * 4
    np.testing.assert_allclose(cpm["roi"], (cpm["emv"] + cpm["conversion_value"] - 250.0) / 250.0, rtol=0, atol=0)
    pa = value_metrics(m, Valuation("per_action", per_engagement=0.05, per_click=0.5), cost)
    np.testing.assert_allclose(pa["emv"], [0.0, 1.5, 3.0, 0.75], rtol=1e-15)
    hy = value_metrics(m, Valuation("hybrid", cpm=8.0, per_engagement=0.05, per_click=0.5), cost)
    np.testing.assert_allclose(hy["emv"], cpm["emv"] + pa["emv"], rtol=1e-15)


def test_roi_undefined_without_cost_and_formula_text():
    v = Valuation("hybrid", currency="EUR", cpm=8.0, per_engagement=0.05, per_click=0.5)
    out = value_metrics(metrics(), v, Spend())
    assert np.all(np.isnan(out["roi"]))
    assert v.formula() == ("EMV (hybrid) = earned impressions / 1000 x 8.00 EUR (CPM) + earned engagements x "
                           "0.05 EUR + earned clicks x 0.50 EUR")
    with pytest.raises(InvalidParameterError, match="needs cpm"):
        Valuation("cpm")


def test_fees_by_tier_and_follower_count():
    tiers = (Tier("nano", 0, 20.0), Tier("micro", 10, 150.0), Tier("mega", 1000, 5000.0))
    cost = CostModel(per_follower=0.5, tiers=tiers)
    followers = np.array([0, 9, 10, 999, 1000, 50_000])
    assert cost.tier_names(followers) == ["nano", "nano", "micro", "micro", "mega", "mega"]
    np.testing.assert_array_equal(cost.fees(followers), [20.0, 24.5, 155.0, 649.5, 5500.0, 30000.0])
    assert CostModel(per_seed=3.0).fees([5, 7]).tolist() == [3.0, 3.0] and not CostModel().charges_seeds
    with pytest.raises(InvalidParameterError, match="must start at min_followers 0"):
        CostModel(tiers=(Tier("micro", 10, 1.0),))
    with pytest.raises(InvalidParameterError, match="increasing min_followers"):
        CostModel(tiers=(Tier("a", 0, 1.0), Tier("b", 50, 2.0), Tier("c", 50, 3.0)))


def test_budget_fill_takes_accounts_in_rank_order_while_fees_fit():
    from viralsim.campaign.seeding import SeedingContext, select_seeds

    g = star_graph()  # followers: 0:5, 1:3, 2:3, 3:1, others 0
    fees = CostModel(tiers=(Tier("nano", 0, 10.0), Tier("micro", 3, 40.0), Tier("mega", 5, 100.0))).fees(
        g.out_degree)
    ctx = SeedingContext(fees=fees, budget=150.0)
    sel = select_seeds(g, "top_degree", None, KEY, context=ctx)
    # 0 (100) fits, 1 (40) fits -> 10 left: 2 (40) does not, 3 (10) does; then nothing is affordable
    assert sel.seeds.tolist() == [0, 1, 3] and sel.details["cost"] == 150.0
    with pytest.raises(InvalidParameterError, match="below the cheapest eligible account's fee"):
        select_seeds(g, "top_degree", None, KEY, context=SeedingContext(fees=fees, budget=5.0))
    with pytest.raises(InvalidParameterError, match="needs a count"):
        select_seeds(g, "top_degree", None, KEY)
    later = select_seeds(g, "top_degree", 2, KEY, context=SeedingContext(exclude=np.array([0, 1])))
    assert later.seeds.tolist() == [2, 3]
    with pytest.raises(InvalidParameterError, match="already a seed of an earlier wave"):
        select_seeds(g, "explicit", None, KEY, context=SeedingContext(exclude=np.array([4])), nodes=[4])


def test_ranking_strategies_follow_their_scores():
    from viralsim.campaign.influence import core_numbers, pagerank
    from viralsim.graph import holme_kim

    g = holme_kim(3000, 3, 0.6, seed=3)
    core = core_numbers(g)
    picked = choose_seeds(g, "kcore", 20, KEY)
    assert core[picked].min() >= np.sort(core)[-20]  # the deepest cores first, whatever the degree
    assert core[picked].tolist() == sorted(core[picked].tolist(), reverse=True)
    rank = pagerank(g)
    assert np.array_equal(np.sort(rank[choose_seeds(g, "pagerank", 10, KEY)]), np.sort(rank)[-10:])
