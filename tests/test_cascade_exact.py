"""Exactness of the cascade kernel against enumeration and brute force on tiny graphs."""

from __future__ import annotations

import gzip
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from naive import ic_activation_probabilities, lt_activation_probabilities, mean_pairwise_distance
from same import assert_same_results
from viralsim.graph import SocialGraph, erdos_renyi, follower, segmented
from viralsim.model import CascadeModel, PaidPlacement, ThresholdModel, simulate
from viralsim.model.simulate import _run

RUNS = 20_000


def _graph(n, arcs, directed=True):
    a = np.array(arcs, dtype=np.int64)
    return SocialGraph.from_arcs(n, a[:, 0], a[:, 1], directed=directed)


def _arcs_of(g: SocialGraph):
    return [(u, int(v)) for u in range(g.n_nodes) for v in g.indices[g.indptr[u]:g.indptr[u + 1]]]


# three small graphs: a directed graph with a cycle and converging paths, an undirected "house"
# (both arcs of each edge are independent coins), and a random directed graph
SMALL_GRAPHS = {
    "directed-diamond": (6, [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (4, 1), (2, 5), (5, 4)], False, [0]),
    "undirected-house": (5, [(0, 1), (1, 2), (2, 3), (3, 0), (2, 4), (3, 4)], True, [0]),
    "random-directed": (7, [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3), (1, 6), (6, 5), (0, 4), (6, 2)],
                        False, [0, 3]),
}


@pytest.mark.parametrize("name", sorted(SMALL_GRAPHS))
@pytest.mark.parametrize("p", [0.3, 0.6])
def test_ic_activation_probabilities_match_enumeration(name, p):
    n, edges, undirected, seeds = SMALL_GRAPHS[name]
    g = _graph(n, edges, directed=not undirected)
    exact = np.array(ic_activation_probabilities(n, _arcs_of(g), seeds, p))
    res = simulate(g, CascadeModel.independent_cascade(p, horizon=50), seeds, runs=RUNS, seed=11, node_stats=True)
    got = res.node_share_prob
    # per-node binomial SE; 4 SE keeps the family-wise false-alarm rate below 1e-3 for ~40 nodes
    se = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / RUNS)
    assert np.all(np.abs(got - exact) <= 4 * se + 1e-12), (got, exact)
    # the per-run share count agrees with the per-node tallies (sharers = seeds + shares)
    assert res.metrics["shares"].mean() == pytest.approx(got.sum() - len(seeds))


@pytest.mark.parametrize("name", sorted(SMALL_GRAPHS))
@pytest.mark.parametrize("rule", ["fraction", "count"])
def test_linear_threshold_activation_probabilities_match_enumeration(name, rule):
    # "count" with a uniform threshold on {1..d} also activates with probability k/d given k
    # active in-neighbours, so it is linear threshold too
    n, edges, undirected, seeds = SMALL_GRAPHS[name]
    g = _graph(n, edges, directed=not undirected)
    exact = np.array(lt_activation_probabilities(n, _arcs_of(g), seeds))
    model = ThresholdModel(rule=rule, threshold=None, horizon=50)
    res = simulate(g, model, seeds, runs=RUNS, seed=5, node_stats=True)
    se = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / RUNS)
    assert np.all(np.abs(res.node_share_prob - exact) <= 4 * se + 1e-12), (res.node_share_prob, exact)


def test_count_threshold_is_deterministic_without_randomness():
    # 0 -> 2, 1 -> 2, 2 -> 3: with threshold 2 (count) node 2 shares only if both 0 and 1 posted,
    # and node 3 (one account followed) never can
    g = _graph(4, [(0, 2), (1, 2), (2, 3)])
    two = simulate(g, ThresholdModel(rule="count", threshold=2), [0, 1], runs=3, seed=0, node_stats=True)
    one = simulate(g, ThresholdModel(rule="count", threshold=2), [0], runs=3, seed=0, node_stats=True)
    assert two.node_share_prob.tolist() == [1, 1, 1, 0]
    assert one.node_share_prob.tolist() == [1, 0, 0, 0]


def _random_tree_arcs(n, rng):
    parent = [int(rng.integers(0, i)) for i in range(1, n)]
    return [(parent[i - 1], i) for i in range(1, n)]


@pytest.mark.parametrize("size", [2, 3, 10, 57, 200])
def test_structural_virality_matches_all_pairs_on_random_trees(size):
    rng = np.random.default_rng(size)
    arcs = _random_tree_arcs(size, rng)
    g = _graph(size, arcs)
    res = simulate(g, CascadeModel.independent_cascade(1.0, horizon=float(size + 1)), [0], runs=1, seed=0)
    expected = mean_pairwise_distance(size, arcs)
    assert res.metrics["structural_virality"][0] == pytest.approx(expected, rel=1e-12)
    assert res.metrics["depth"][0] == max(nx.shortest_path_length(nx.DiGraph(arcs), 0).values())


def test_structural_virality_pair_weighted_over_seed_trees_and_attribution():
    rng = np.random.default_rng(3)
    a = _random_tree_arcs(30, rng)
    b = _random_tree_arcs(12, rng)
    arcs = a + [(u + 30, v + 30) for u, v in b]
    g = _graph(42, arcs)
    res = simulate(g, CascadeModel.independent_cascade(1.0, horizon=50), [0, 30], runs=1, seed=0)
    w_a = mean_pairwise_distance(30, a) * 30 * 29 / 2
    w_b = mean_pairwise_distance(12, b) * 12 * 11 / 2
    assert res.metrics["structural_virality"][0] == pytest.approx((w_a + w_b) / (30 * 29 / 2 + 12 * 11 / 2), rel=1e-12)
    # earned reach of a seed = its tree minus itself minus its direct followers (their first view is owned)
    kids_a = sum(1 for u, _ in a if u == 0)
    kids_b = sum(1 for u, _ in b if u == 0)
    assert res.attribution[0].tolist() == [30 - 1 - kids_a, 12 - 1 - kids_b]
    assert res.metrics["reach_owned"][0] == kids_a + kids_b
    assert res.metrics["amplification"][0] == (kids_a + kids_b) / 2


def test_fast_path_equals_queue_every_view_when_fatigue_is_one():
    g = SocialGraph.from_networkx(nx.barabasi_albert_graph(3000, 3, seed=2))
    model = CascadeModel(stickiness=0.2, feed_reach=0.6, half_life=12.0, delay_median=2.0, delay_sigma=0.8,
                         engagement_rate=0.1, click_rate=0.05, conversion_rate=0.3, horizon=48.0)
    seeds = np.array([0, 5, 17])
    paid = (PaidPlacement(4.0, 500), PaidPlacement(9.0, 200))
    a = _run(g, model, seeds, False, 40, 9, None, None, [0.0, 3.0, 10.0], paid, True, queue_all=False)
    b = _run(g, model, seeds, False, 40, 9, None, None, [0.0, 3.0, 10.0], paid, True, queue_all=True)
    assert_same_results(a, b)
    assert a.metrics["shares"].mean() > 10  # the comparison exercised real cascades



FULL_FEED_CASES = {
    # independent cascade from three seeds posting at different times
    "ic": (lambda: SocialGraph.from_networkx(nx.barabasi_albert_graph(3000, 3, seed=2)),
           CascadeModel.independent_cascade(0.12, horizon=100), [0, 5, 17], False, [0.0, 3.0, 10.0], {}),
    # decay, segment affinity, engagement, a 3-step delay and a horizon that cuts cascades short;
    # the last seed posts too late for its followers to see it
    "decay-affinity": (lambda: segmented(4000, [0.5, 0.3, 0.2], 8.0, 2.0, seed=4),
                       CascadeModel(stickiness=0.35, half_life=6.0, affinity=(1.0, 0.4, 1.8), delay_median=3.0,
                                    engagement_rate=0.1, horizon=30.0), [0, 1, 2, 3], False, [0.0, 0.0, 5.0, 29.0], {}),
    # percolation setting: a random patient zero per run, truncated after 200 posts
    "random-seed": (lambda: erdos_renyi(5000, 4.0, seed=6), CascadeModel.independent_cascade(0.4), [0], True, None,
                    {"stop_after_sharers": 200}),
    # a directed follower graph
    "follower": (lambda: follower(3000, 4, 0.3, seed=8), CascadeModel.independent_cascade(0.2, horizon=60), [0, 1],
                 False, None, {}),
}


@pytest.mark.parametrize("case", sorted(FULL_FEED_CASES))
def test_full_feed_path_equals_general_path(case):
    # when every post reaches every follower after the same delay the kernel keeps two bits per
    # user instead of a state row; it must give exactly the general path's numbers
    make, model, seeds, random_seed, seed_times, kw = FULL_FEED_CASES[case]
    g = make()
    args = (g, model, np.array(seeds, dtype=np.int64), random_seed, 60, 21, None, None, seed_times, (), True)
    lean = _run(*args, **kw)
    general = _run(*args, **kw, full_feed=False)
    assert_same_results(lean, general)
    assert lean.metrics["shares"].mean() > 20  # real cascades were compared


DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_certain_sharing_on_the_facebook_graph_matches_networkx_bfs():
    # p = 1: everyone connected to the seeds shares, generation = BFS distance (networkx as oracle)
    path = DATA / "facebook_combined.txt.gz"
    if not path.exists():
        pytest.skip(f"real data not found at {path} (see /work/shared/data/README.md)")
    with gzip.open(path, "rt") as fh:
        edges = np.loadtxt(fh, dtype=np.int64)
    nxg = nx.Graph()
    nxg.add_edges_from(edges.tolist())
    n = int(edges.max()) + 1
    g = SocialGraph.from_arcs(n, edges[:, 0], edges[:, 1], directed=False)
    seeds = [0, 1912]
    res = simulate(g, CascadeModel.independent_cascade(1.0, horizon=100), seeds, runs=2, seed=0, node_stats=True)
    dist = nx.multi_source_dijkstra_path_length(nxg, seeds)
    component = np.zeros(n)
    component[list(dist)] = 1.0
    np.testing.assert_array_equal(res.node_share_prob, component)
    assert np.all(res.metrics["depth"] == max(dist.values()))
    assert np.all(res.metrics["shares"] == len(dist) - len(seeds))
    # every poster's followers view the post: impressions = sum of the posters' degrees
    assert np.all(res.metrics["impressions"] == sum(nxg.degree(v) for v in dist))
    # new reach per step: a user at BFS distance t first views at step t; a seed first views one
    # step after its earliest-posting neighbour
    first_view = [d for v, d in dist.items() if v not in seeds]
    first_view += [1 + min(dist[u] for u in nxg.neighbors(s)) for s in seeds]
    reach_by_step = np.bincount(first_view, minlength=101)
    np.testing.assert_array_equal(res.timeseries["reach"][0], reach_by_step)


@pytest.mark.parametrize("fatigue", [1.0, 0.7, "full-feed"])
def test_pool_overflow_reruns_give_identical_numbers(fatigue):
    # a pool far too small for most replicates: they are rerun with the full pool, same keys
    g = SocialGraph.from_networkx(nx.barabasi_albert_graph(1500, 4, seed=5))
    if fatigue == "full-feed":  # the independent cascade's path, cut short the same way
        model = CascadeModel.independent_cascade(0.3, horizon=40.0)
    else:
        model = CascadeModel(stickiness=0.3, fatigue=fatigue, feed_reach=0.8, delay_sigma=0.5, click_rate=0.1,
                             conversion_rate=0.2, horizon=40.0)
    args = (g, model, np.array([0, 7]), False, 30, 3, None, None, None, (), True)
    ref = _run(*args)
    small = _run(*args, pool_cap=50)
    assert_same_results(ref, small)
    assert ref.metrics["shares"].mean() > 50  # replicates that cannot fit 50 queued events
