"""Influence maximisation: RR sets against exact enumeration and the engine, IMM against CELF and
heuristics on the real Facebook graph, budgeted IMM against tier strategies, heuristics against
networkx and a plain reference, determinism, and errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest

from naive import reachable
from test_cascade_exact import SMALL_GRAPHS, _arcs_of, _graph
from viralsim.campaign import influence as I
from viralsim.campaign.seeding import top_degree_seeds
from viralsim.errors import InvalidParameterError, ResourceLimitError
from viralsim.graph import SocialGraph, barabasi_albert, erdos_renyi, read_edgelist
from viralsim.model import CascadeModel, simulate


# ---- plain references (tiny inputs only) ------------------------------------------------------------


def naive_objectives(n, arcs, q, f, seeds):
    """Exact (E[posters], E[reach]) of ``seeds`` by enumerating the 2^m live/not-live arc states.

    Arc u -> v is live (viewed and shared) with probability q[v].  Given the live arcs, the
    posters are the nodes reachable from the seeds; a non-live arc is viewed with probability
    P(viewed | not live) = (f - q[v]) / (1 - q[v]), independently, so v is reached with
    probability 1 if a live arc comes from a poster, else 1 - prod over the arcs from posters of
    (1 - P(viewed | not live)).
    """
    posters = reach = 0.0
    m = len(arcs)
    for live in itertools.product((False, True), repeat=m):
        weight = 1.0
        for (u, v), on in zip(arcs, live):
            weight *= q[v] if on else 1.0 - q[v]
        if weight == 0.0:
            continue
        active = reachable(n, [a for a, on in zip(arcs, live) if on], seeds)
        posters += weight * sum(active)
        miss = [1.0] * n
        for (u, v), on in zip(arcs, live):
            if active[u]:
                miss[v] *= 0.0 if on else 1.0 - (f - q[v]) / (1.0 - q[v])
        reach += weight * sum(1.0 - x for x in miss)
    return posters, reach


def naive_degree_discount(graph, k, p, eligible):
    """DegreeDiscountIC exactly as in Chen, Wang & Yang (2009), Algorithm 4, directed: d = followers,
    t = chosen seeds among the accounts a node follows."""
    n = graph.n_nodes
    d = [int(graph.indptr[v + 1] - graph.indptr[v]) for v in range(n)]
    t = [0] * n
    dd = [float(d[v]) for v in range(n)]
    chosen = []
    for _ in range(k):
        best = max((v for v in eligible if v not in chosen), key=lambda v: (dd[v], -v))
        chosen.append(best)
        for w in graph.indices[graph.indptr[best]:graph.indptr[best + 1]]:
            w = int(w)
            t[w] += 1
            dd[w] = d[w] - 2 * t[w] - (d[w] - t[w]) * t[w] * p
    return chosen


# ---- RR sets are exact -----------------------------------------------------------------------------------

RR_SETS = 100_000
VIEW = 0.7


def _share(n):
    return np.linspace(0.25, 0.75, n)  # per-node share probabilities exercise q depending on the head


@pytest.mark.parametrize("name", sorted(SMALL_GRAPHS))
@pytest.mark.parametrize("objective", ["posters", "reach"])
def test_rr_sets_give_exact_single_seed_objectives(name, objective):
    n, edges, undirected, _ = SMALL_GRAPHS[name]
    g = _graph(n, edges, directed=not undirected)
    share = _share(n)
    q = VIEW * share
    d = I._diffusion(g, VIEW, share, objective)
    rr = I._RRSets(d, np.uint64(12345))
    rr.extend_to(RR_SETS, 2)
    assert rr.count == RR_SETS
    counts = np.bincount(rr.members[: rr.n_members], minlength=n) + rr.singles  # stored + counted {v} sets
    got = n * counts / RR_SETS
    which = 0 if objective == "posters" else 1
    exact = np.array([naive_objectives(n, _arcs_of(g), q, VIEW, [v])[which] for v in range(n)])
    frac = exact / n
    se = n * np.sqrt(frac * (1 - frac) / RR_SETS)
    # 4 SE per node: 36 comparisons in this test family keep the false-alarm rate below 0.3%
    assert np.all(np.abs(got - exact) <= 4 * se + 1e-12), (got, exact, se)
    # the root never appears twice and sets hold distinct nodes
    for s in range(min(2000, rr.stored)):
        members = rr.members[rr.set_ptr[s]:rr.set_ptr[s + 1]]
        assert np.unique(members).size == members.size


@pytest.mark.parametrize("objective", ["posters", "reach"])
def test_sets_cut_by_a_full_buffer_are_resampled_whole(objective):
    # p = 1 on a connected undirected graph: every set is the whole graph (for reach the root is
    # found again through a neighbour), far more than a job's first buffer holds, so jobs
    # overflow and their remaining sets are resampled in later rounds with stale stamps cleared
    g = barabasi_albert(3000, 2, seed=4)
    d = I._diffusion(g, 1.0, 1.0, objective)
    rr = I._RRSets(d, np.uint64(5))
    rr.extend_to(50, 2)
    sizes = np.diff(rr.set_ptr[: rr.stored + 1])
    assert rr.count == rr.stored == 50 and np.all(sizes == g.n_nodes) and not rr.singles.any()
    for s in range(rr.count):
        assert np.array_equal(np.sort(rr.members[rr.set_ptr[s]:rr.set_ptr[s + 1]]), np.arange(g.n_nodes))


def naive_trivial_probability(n, arcs, q, f, objective):
    """P(the RR set of node v is trivial) per v: no live in-arc ({v} alone, posters) or no viewed
    in-arc (empty, reach), each in-arc independently live w.p. q[v], viewed w.p. f."""
    p = [q[v] if objective == "posters" else f for v in range(n)]
    indeg = [sum(1 for _, w in arcs if w == v) for v in range(n)]
    return np.array([(1.0 - p[v]) ** indeg[v] for v in range(n)])


@pytest.mark.parametrize("objective", ["posters", "reach"])
def test_trivial_sets_are_counted_exactly_and_thread_independently(objective):
    # directed-diamond: node 0 has no in-arc (always trivial); the others have 1 to 2 in-arcs
    n, edges, undirected, _ = SMALL_GRAPHS["directed-diamond"]
    g = _graph(n, edges, directed=not undirected)
    share = _share(n)
    d = I._diffusion(g, VIEW, share, objective)
    runs = []
    for workers in (1, 2):
        rr = I._RRSets(d, np.uint64(777))
        rr.extend_to(3 * I._JOB + 5, workers)  # a partial last job, and sets from a second extension
        rr.extend_to(RR_SETS, workers)
        runs.append(rr)
    one, two = runs
    # the same sets for any worker count: stored CSR and singleton counts identical
    assert one.count == two.count == RR_SETS and one.stored == two.stored
    np.testing.assert_array_equal(one.set_ptr[: one.stored + 1], two.set_ptr[: two.stored + 1])
    np.testing.assert_array_equal(one.members[: one.n_members], two.members[: two.n_members])
    np.testing.assert_array_equal(one.singles, two.singles)
    # the trivial fraction per root: P(root = v and trivial) = s_v / n
    s_v = naive_trivial_probability(n, _arcs_of(g), VIEW * share, VIEW, objective)
    expected = s_v.sum() / n
    se = math.sqrt(expected * (1 - expected) / RR_SETS)
    assert abs((one.count - one.stored) / RR_SETS - expected) <= 4 * se, (one.count - one.stored, expected)
    sizes = np.diff(one.set_ptr[: one.stored + 1])
    if objective == "posters":
        # every trivial set is a counted {v}, with frequency s_v / n per node (4 SE each)
        assert one.singles.sum() == one.count - one.stored
        frac = s_v / n
        se_v = np.sqrt(frac * (1 - frac) / RR_SETS)
        assert np.all(np.abs(one.singles / RR_SETS - frac) <= 4 * se_v + 1e-12), (one.singles / RR_SETS, frac)
        assert one.singles[0] > 0  # node 0 has no in-arc: all its sets are singletons
        assert np.all(sizes >= 2)  # a stored posters set has a live in-arc of its root
    else:
        assert not one.singles.any() and np.all(sizes >= 1)  # empty reach sets are counted, never stored
    # rr_count_hits draws the same sets: its count for a mask is the stored and counted sets hit
    mask = np.zeros(n, dtype=np.uint8)
    mask[[1, 5]] = 1
    hits = I.K.rr_count_hits(one.key, 0, RR_SETS, 2, d.in_indptr, d.in_indices, d.log1m_q, d.live, d.log1m_view,
                             d.thresh, d.objective, mask)
    set_of = np.repeat(np.arange(one.stored), sizes)
    stored_hit = np.unique(set_of[mask[one.members[: one.n_members]] != 0]).size
    assert hits == stored_hit + int(one.singles[mask != 0].sum())


@pytest.mark.parametrize("objective", ["posters", "reach"])
def test_rr_estimate_of_two_seeds_matches_enumeration(objective):
    n, edges, undirected, _ = SMALL_GRAPHS["random-directed"]
    g = _graph(n, edges, directed=not undirected)
    share = _share(n)
    seeds = [1, 4]
    exact = naive_objectives(n, _arcs_of(g), VIEW * share, VIEW, seeds)[0 if objective == "posters" else 1]
    est, se = I.rr_estimate(g, np.array(seeds), view_prob=VIEW, share_given_view=share, objective=objective,
                            samples=200_000, key=3)
    frac = exact / n
    exact_se = n * math.sqrt(frac * (1 - frac) / 200_000)
    assert se == pytest.approx(exact_se, rel=0.05)  # the reported SE is the binomial one
    assert abs(est - exact) <= 4 * exact_se


def test_rr_estimate_agrees_with_the_engine():
    # the engine with fatigue 1, no decay, fixed delay and a long horizon is the model RR sets sample
    g = erdos_renyi(300, 3.0, directed=True, seed=4)
    s, f = 0.4, 0.6
    seeds = np.array([0, 1, 2, 3])
    res = simulate(g, CascadeModel(stickiness=s, feed_reach=f, horizon=300.0), seeds, runs=20_000, seed=8)
    posters = seeds.size + res.metrics["shares"]
    for objective, values in (("reach", res.metrics["reach"]), ("posters", posters)):
        est, se = I.rr_estimate(g, seeds, view_prob=f, share_given_view=s, objective=objective,
                                samples=400_000, key=9)
        sim_se = values.std(ddof=1) / math.sqrt(values.size)
        assert abs(est - values.mean()) <= 4 * math.hypot(se, sim_se), (objective, est, values.mean(), se, sim_se)


# ---- IMM on the real Facebook graph --------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _paired(a, b):
    """Mean and standard error of the paired difference a - b (common random numbers)."""
    diff = a - b
    return diff.mean(), diff.std(ddof=1) / math.sqrt(diff.size)


def test_imm_matches_celf_and_beats_heuristics_on_facebook():
    path = DATA / "facebook_combined.txt.gz"
    if not path.exists():
        pytest.skip(f"real data not found at {path} (see /work/shared/data/README.md)")
    g = read_edgelist(path, directed=False)
    p, k = 0.01, 50
    chosen = I.imm(g, k, share_given_view=p, epsilon=0.1, key=2026)
    # CELF on 300 worlds: the spread (~440) has a per-world SD near 20, so a sample mean is within
    # ~1.2 (0.3%) of the truth and CELF's choices are affected only by near-ties far below 2%
    reference = I.celf(g, k, share_given_view=p, simulations=300, key=2026)
    others = {"top_degree": top_degree_seeds(g, k, 0),
              "degree_discount": I.degree_discount(g, k, p)}
    model = CascadeModel.independent_cascade(p)

    cache = {}

    def spread(seeds):  # same seed= for every call: replicate i sees the same coins (paired)
        key = tuple(sorted(int(v) for v in seeds))
        if key not in cache:  # identical seed sets give identical replicates: simulate once
            cache[key] = k + simulate(g, model, np.asarray(seeds), runs=10_000, seed=77).metrics["shares"]
        return cache[key]

    imm_spread = spread(chosen.seeds)
    celf_spread = spread(reference.seeds)
    diff, se = _paired(imm_spread, celf_spread)
    assert abs(diff) <= 0.02 * celf_spread.mean() + 3 * se, (diff, se, celf_spread.mean())
    for name, seeds in others.items():
        diff, se = _paired(imm_spread, spread(seeds))
        assert diff > -3 * se, (name, diff, se)
    assert chosen.seeds.dtype == np.int64 and np.unique(chosen.seeds).size == k
    # IMM's own estimate is n x covered fraction of its final RR sets: close to the engine's mean
    assert abs(chosen.estimated - imm_spread.mean()) <= 0.03 * imm_spread.mean()
    assert "1 - 1/e - 0.1" in chosen.guarantee and chosen.samples > 0


# ---- budgeted IMM --------------------------------------------------------------------------------------


def test_budgeted_imm_beats_every_single_tier_strategy():
    g = barabasi_albert(3000, 3, seed=11)
    followers = g.out_degree
    fee = np.where(followers >= 40, 20.0, np.where(followers >= 10, 4.0, 1.0))  # macro / mid / micro tiers
    budget = 80.0
    view, share = 0.5, 0.1
    chosen = I.budgeted_imm(g, budget, fee, view_prob=view, share_given_view=share, objective="reach",
                            epsilon=0.2, key=5)
    assert chosen.cost <= budget and fee[chosen.seeds].sum() == pytest.approx(chosen.cost)
    model = CascadeModel(stickiness=share, feed_reach=view, horizon=500.0)

    def reach(seeds):
        return simulate(g, model, np.asarray(seeds), runs=4000, seed=21).metrics["reach"]

    best = reach(chosen.seeds)
    for tier_fee in (20.0, 4.0, 1.0):
        pool = np.flatnonzero(fee == tier_fee)
        count = int(budget // tier_fee)
        assert pool.size >= count
        seeds = pool[np.lexsort((pool, -followers[pool]))[:count]]  # the tier's top-degree accounts
        diff, se = _paired(best, reach(seeds))
        assert diff > -3 * se, (tier_fee, diff, se)


# ---- heuristics ------------------------------------------------------------------------------------------


def _random_directed(n, m, seed):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    return SocialGraph.from_arcs(n, src, dst, directed=True)


def test_pagerank_matches_networkx_on_the_reversed_graph():
    g = _random_directed(400, 1200, 1)
    assert np.any(g.in_degree == 0) and np.any(g.out_degree == 0)  # dangling nodes both ways
    rev = nx.DiGraph()
    rev.add_nodes_from(range(g.n_nodes))
    rev.add_edges_from((int(v), u) for u in range(g.n_nodes) for v in g.indices[g.indptr[u]:g.indptr[u + 1]])
    expected = nx.pagerank(rev, alpha=0.85, tol=1e-12, max_iter=1000)
    got = I.pagerank(g)
    np.testing.assert_allclose(got, [expected[v] for v in range(g.n_nodes)], rtol=1e-6)
    u = barabasi_albert(500, 2, seed=3)
    expected = nx.pagerank(u.to_networkx(), tol=1e-12)
    np.testing.assert_allclose(I.pagerank(u), [expected[v] for v in range(u.n_nodes)], rtol=1e-6)
    top = I.pagerank_seeds(g, 5)
    assert top.tolist() == np.lexsort((np.arange(g.n_nodes), -got))[:5].tolist()


@pytest.mark.parametrize("directed", [False, True])
def test_core_numbers_match_networkx(directed):
    g = _random_directed(600, 2400, 2) if directed else barabasi_albert(800, 3, seed=2)
    expected = nx.core_number(g.to_networkx())
    np.testing.assert_array_equal(I.core_numbers(g), [expected[v] for v in range(g.n_nodes)])
    seeds = I.kcore_seeds(g, 10)
    core = I.core_numbers(g)
    order = np.lexsort((np.arange(g.n_nodes), -g.out_degree, -core))
    assert seeds.tolist() == order[:10].tolist()


@pytest.mark.parametrize("p", [0.01, 0.2])
def test_degree_discount_matches_the_plain_reference(p):
    g = _random_directed(200, 1500, 5)
    eligible = np.arange(0, 200, 2)
    assert I.degree_discount(g, 15, p, eligible=eligible).tolist() == \
        naive_degree_discount(g, 15, p, eligible.tolist())
    u = barabasi_albert(300, 3, seed=6)
    assert I.degree_discount(u, 20, p).tolist() == naive_degree_discount(u, 20, p, range(300))


# ---- determinism ---------------------------------------------------------------------------------------


def test_same_key_same_result_for_any_thread_count():
    g = barabasi_albert(2000, 3, seed=9)
    runs = []
    old = numba.get_num_threads()
    try:
        for threads in (1, 2, 2):
            numba.set_num_threads(threads)
            runs.append((
                I.imm(g, 8, view_prob=0.6, share_given_view=0.1, objective="reach", epsilon=0.2, key=77),
                I.budgeted_imm(g, 30.0, 1.0 + g.out_degree / 10, share_given_view=0.05, epsilon=0.3, key=77),
                I.celf(g, 4, view_prob=0.6, share_given_view=0.1, objective="reach", simulations=60, key=77),
                I.rr_estimate(g, np.array([0, 1]), share_given_view=0.1, samples=50_000, key=77),
            ))
    finally:
        numba.set_num_threads(old)
    for other in runs[1:]:
        for a, b in zip(runs[0][:3], other[:3]):
            np.testing.assert_array_equal(a.seeds, b.seeds)
            assert a.estimated == b.estimated and a.samples == b.samples
        assert runs[0][3] == other[3]
    different = I.imm(g, 8, view_prob=0.6, share_given_view=0.1, objective="reach", epsilon=0.2, key=78)
    assert different.estimated != runs[0][0].estimated  # the key matters


# ---- errors ----------------------------------------------------------------------------------------------


def test_bad_input_raises_actionable_errors():
    g = barabasi_albert(200, 2, seed=1)
    fee = np.full(g.n_nodes, 5.0)
    with pytest.raises(InvalidParameterError, match=r"k = 4 is larger than the number of eligible nodes \(3\)"):
        I.imm(g, 4, share_given_view=0.1, eligible=np.array([1, 2, 3]), key=1)
    with pytest.raises(InvalidParameterError, match=r"budget 2 is below the cheapest eligible node's cost \(5\)"):
        I.budgeted_imm(g, 2.0, fee, share_given_view=0.1, key=1)
    with pytest.raises(InvalidParameterError, match=r"eligible contains node index 200, outside .*\[0, 199\]"):
        I.imm(g, 2, share_given_view=0.1, eligible=np.array([5, 200]), key=1)
    with pytest.raises(InvalidParameterError, match="eligible lists node 5 more than once"):
        I.celf(g, 1, share_given_view=0.1, eligible=np.array([5, 5]), key=1)
    for eps in (0.0, 1.0, -0.1, "0.1"):
        with pytest.raises(InvalidParameterError, match=r"epsilon: must be a number in \(0, 1\)"):
            I.imm(g, 2, share_given_view=0.1, epsilon=eps, key=1)
    with pytest.raises(InvalidParameterError, match=r"share_given_view must lie in \[0, 1\]; node 3"):
        I.imm(g, 2, share_given_view=np.where(np.arange(200) == 3, 1.5, 0.1), key=1)
    with pytest.raises(InvalidParameterError, match=r"view_prob: must be a probability in \[0, 1\], got 2.0"):
        I.imm(g, 2, view_prob=2.0, share_given_view=0.1, key=1)
    with pytest.raises(InvalidParameterError, match="objective: must be one of 'posters', 'reach'"):
        I.imm(g, 2, share_given_view=0.1, objective="likes", key=1)
    with pytest.raises(InvalidParameterError, match=r"ell: must be a number in \(0, 10\]"):
        I.imm(g, 2, share_given_view=0.1, ell=0, key=1)
    with pytest.raises(InvalidParameterError, match="cost must be finite and >= 0; node 0"):
        I.budgeted_imm(g, 10.0, np.where(np.arange(200) == 0, -1.0, 1.0), share_given_view=0.1, key=1)
    with pytest.raises(InvalidParameterError, match=r"cost must have one value per node \(200\)"):
        I.budgeted_imm(g, 10.0, np.ones(3), share_given_view=0.1, key=1)
    with pytest.raises(InvalidParameterError, match="budget must be a finite float > 0"):
        I.budgeted_imm(g, 0.0, fee, share_given_view=0.1, key=1)
    with pytest.raises(InvalidParameterError, match="k: must be an integer >= 1"):
        I.degree_discount(g, 0, 0.1)
    with pytest.raises(InvalidParameterError, match=r"simulations: must be an integer in \[10, 1000000\]"):
        I.celf(g, 1, share_given_view=0.1, simulations=2_000_000, key=1)
    with pytest.raises(InvalidParameterError, match="n x simulations = 1,000 x 1,000,000 exceeds .*use imm"):
        I.celf(barabasi_albert(1000, 2, seed=1), 1, share_given_view=0.1, simulations=1_000_000, key=1)
    with pytest.raises(ResourceLimitError, match=r"theta = [\d,]+ RR sets .* max_samples is 1,000; use a larger "
                                                 "epsilon or a smaller k"):
        I.imm(g, 5, share_given_view=0.1, key=1, max_samples=1000)


def test_keys_above_2_63_after_small_ones():
    """A numba kernel compiled for an int64 key once refused a Python int key >= 2**63 (OverflowError);
    keys cross into the kernels as uint64, so any key works in any order."""
    g = barabasi_albert(60, 2, seed=1)
    for key in (5, 10061458594236863569, 2**64 - 1):
        assert I.celf(g, 1, share_given_view=0.1, simulations=10, key=key).seeds.size == 1
        assert I.imm(g, 2, share_given_view=0.1, key=key).seeds.size == 2
        I.rr_estimate(g, [1], share_given_view=0.1, key=key, samples=100)


def test_imm_keeps_choosing_well_after_reach_saturates():
    """Every share certain on a connected graph: the first seed reaches everyone in every sampled
    world, so greedy gains are zero from then on; the other seeds are the accounts with the most
    followers (not the lowest ids), and the guarantee says reach saturated."""
    from viralsim.campaign.influence import imm

    src = [0, 0, 0, 0, 5, 5, 5, 9, 9, 1]
    dst = [1, 2, 3, 4, 6, 7, 8, 8, 6, 5]  # 0 -> 1 -> 5 -> ...: one seed at 0 reaches everyone
    g = SocialGraph.from_arcs(10, src, dst, directed=True)
    res = imm(g, 3, view_prob=1.0, share_given_view=1.0, objective="reach", key=3)
    followers = g.out_degree
    assert res.seeds[0] == 0
    rest = [int(v) for v in res.seeds[1:]]
    assert rest == [5, 9]  # 3 and 2 followers: the most after the first seed (ties by id)
    assert followers[5] == 3 and followers[9] == 2
    assert "reach saturated after 1 seed(s)" in res.guarantee
