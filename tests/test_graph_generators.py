"""Generators against exact enumeration, theory and networkx (fixed seeds, tolerances in SE)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from viralsim.errors import InvalidParameterError, ResourceLimitError
from viralsim.graph import (
    GENERATORS,
    SocialGraph,
    barabasi_albert,
    check_generator_params,
    configuration,
    erdos_renyi,
    estimate_graph_bytes,
    follower,
    generate,
    holme_kim,
    segmented,
    watts_strogatz,
)
from viralsim.graph.generators import power_law_weights

CHI2_999 = {63: 103.44}  # 99.9% quantile of chi-square, by degrees of freedom (scipy.stats.chi2.ppf)

SMALL = {
    "erdos_renyi": {"mean_degree": 4.0},
    "barabasi_albert": {"m": 3},
    "holme_kim": {"m": 3, "triangle_prob": 0.5},
    "watts_strogatz": {"k": 6, "rewire_prob": 0.2},
    "configuration": {"exponent": 2.5, "mean_degree": 6.0},
    "segmented": {"shares": [0.5, 0.3, 0.2], "within_degree": 5.0, "between_degree": 1.0},
    "follower": {"m": 3, "reciprocity": 0.3},
}


def arc_set(g: SocialGraph) -> set[tuple[int, int]]:
    src = np.repeat(np.arange(g.n_nodes), g.out_degree)
    return set(zip(src.tolist(), g.indices.tolist()))


def edge_code(g: SocialGraph, pairs: list[tuple[int, int]]) -> int:
    """The graph as a bit pattern over a fixed list of possible pairs/arcs."""
    arcs = arc_set(g)
    return sum(1 << i for i, pair in enumerate(pairs) if pair in arcs)


def chi_square(counts: np.ndarray, probs: np.ndarray) -> float:
    expected = probs * counts.sum()
    return float(((counts - expected) ** 2 / expected).sum())


# ---- exact enumeration on tiny graphs ------------------------------------------------------


def test_erdos_renyi_matches_exact_distribution_on_four_nodes():
    # p = 0.5 on the 6 pairs of 4 nodes: each of the 64 graphs has probability 1/64.
    pairs = list(itertools.combinations(range(4), 2))
    counts = np.zeros(64)
    for s in range(6400):
        counts[edge_code(erdos_renyi(4, 1.5, seed=s), [(v, u) for u, v in pairs])] += 1
    assert chi_square(counts, np.full(64, 1 / 64)) < CHI2_999[63]


def test_directed_erdos_renyi_matches_exact_distribution_on_three_nodes():
    arcs = [(u, v) for u in range(3) for v in range(3) if u != v]  # p = 1/2 on 6 arcs
    counts = np.zeros(64)
    for s in range(6400):
        counts[edge_code(erdos_renyi(3, 1.0, directed=True, seed=s), arcs)] += 1
    assert chi_square(counts, np.full(64, 1 / 64)) < CHI2_999[63]


def test_segmented_matches_exact_block_model_on_four_nodes():
    # Two segments {0, 1}, {2, 3}: within p = 0.5 / (2 - 1), between q = 0.6 * 4 / (2*2 + 2*2) = 0.3.
    pairs = list(itertools.combinations(range(4), 2))
    p_pair = np.array([0.5 if (u < 2) == (v < 2) else 0.3 for u, v in pairs])
    probs = np.array([np.prod(np.where([(code >> i) & 1 for i in range(6)], p_pair, 1 - p_pair)) for code in range(64)])
    counts = np.zeros(64)
    for s in range(8000):
        g = segmented(4, [0.5, 0.5], 0.5, 0.6, seed=s)
        counts[edge_code(g, [(v, u) for u, v in pairs])] += 1
    assert probs.min() * 8000 > 5  # chi-square is valid: every expected count above 5
    assert chi_square(counts, probs) < CHI2_999[63]


# ---- theory on large random graphs ---------------------------------------------------------


def test_erdos_renyi_edge_count_degrees_and_reciprocity():
    n, c = 20_000, 8.0
    p = c / (n - 1)
    pairs = n * (n - 1) / 2
    g = erdos_renyi(n, c, seed=11)
    # edge count ~ Binomial(pairs, p): within 4 standard errors
    assert abs(g.n_edges - pairs * p) < 4 * math.sqrt(pairs * p * (1 - p))
    # degree histogram vs Binomial(n - 1, p), chi-square over k = 0..20 plus a >20 bin
    from scipy import stats

    d = g.out_degree
    ks = np.arange(21)
    probs = np.append(stats.binom.pmf(ks, n - 1, p), stats.binom.sf(20, n - 1, p))
    counts = np.append(np.bincount(d, minlength=21)[:21], (d > 20).sum())
    assert chi_square(counts, probs) < stats.chi2.ppf(0.999, df=21)
    gd = erdos_renyi(n, c, directed=True, seed=11)
    arcs = n * (n - 1.0)
    assert gd.directed and abs(gd.n_arcs - arcs * p) < 4 * math.sqrt(arcs * p * (1 - p))
    # reciprocated arcs: each of the n(n-1)/2 pairs is mutual with probability p^2
    mutual = gd.info(sample=10).reciprocity * gd.n_arcs / 2
    assert abs(mutual - pairs * p * p) < 4 * math.sqrt(pairs * p * p)


def test_barabasi_albert_degree_distribution_matches_theory_and_networkx_size():
    n, m = 200_000, 3
    g = barabasi_albert(n, m, seed=5)
    assert g.n_edges == m * (n - m) == nx.barabasi_albert_graph(50, m, seed=1).number_of_edges() + m * (n - 50)
    assert g.dropped == (0, 0) and g.out_degree.min() == m
    # Bollobás et al. (2001): P(k) = 2m(m+1) / (k(k+1)(k+2)); fractions within 4 binomial SE
    k = np.arange(m, m + 6)
    pk = 2 * m * (m + 1) / (k * (k + 1) * (k + 2))
    frac = np.array([(g.out_degree == kk).mean() for kk in k])
    assert np.all(np.abs(frac - pk) < 4 * np.sqrt(pk * (1 - pk) / n))


def _clustering_replicates(make, reps):
    return np.array([nx.average_clustering(make(s)) for s in range(reps)])


def test_holme_kim_clustering_and_degrees_agree_with_networkx_powerlaw_cluster():
    n, m, p, reps = 2000, 3, 0.6, 12
    ours = _clustering_replicates(lambda s: holme_kim(n, m, p, seed=s).to_networkx(), reps)
    ref = _clustering_replicates(lambda s: nx.powerlaw_cluster_graph(n, m, p, seed=s), reps)
    # Welch two-sample z: difference of means within 4 SE (SE from the replicate spreads)
    se = math.sqrt(ours.var(ddof=1) / reps + ref.var(ddof=1) / reps)
    assert abs(ours.mean() - ref.mean()) < 4 * se
    assert ours.mean() > 3 * nx.average_clustering(barabasi_albert(n, m, seed=0).to_networkx())
    g = holme_kim(n, m, p, seed=1)
    assert g.n_edges == m * (n - m) and g.dropped == (0, 0)
    # triad steps keep preferential attachment's tail: the degree of node 0 grows like sqrt(n)
    assert g.out_degree.max() > 5 * m


def test_holme_kim_without_triads_is_preferential_attachment():
    g = holme_kim(50_000, 4, 0.0, seed=2)
    k = np.arange(4, 8)
    pk = 2 * 4 * 5 / (k * (k + 1) * (k + 2))
    frac = np.array([(g.out_degree == kk).mean() for kk in k])
    assert np.all(np.abs(frac - pk) < 4 * np.sqrt(pk * (1 - pk) / g.n_nodes))


def test_watts_strogatz_lattice_is_exact_and_rewiring_matches_networkx():
    lattice = watts_strogatz(500, 6, 0.0, seed=0)
    assert arc_set(lattice) == arc_set(SocialGraph.from_networkx(nx.watts_strogatz_graph(500, 6, 0.0)))
    n, k, reps = 2000, 6, 10
    for p in (0.1, 0.3):
        ours = _clustering_replicates(lambda s: watts_strogatz(n, k, p, seed=s).to_networkx(), reps)
        ref = _clustering_replicates(lambda s: nx.watts_strogatz_graph(n, k, p, seed=s), reps)
        se = math.sqrt(ours.var(ddof=1) / reps + ref.var(ddof=1) / reps)
        assert abs(ours.mean() - ref.mean()) < 4 * se
    g = watts_strogatz(n, k, 1.0, seed=3)
    assert g.n_edges == n * k // 2 and g.out_degree.min() >= k // 2  # rewiring keeps one end of each edge


def test_configuration_is_chung_lu_with_exact_expectations():
    n, exponent, mean = 3000, 2.5, 8.0
    w = power_law_weights(n, exponent, mean, None)
    assert abs(w.mean() - mean) < 1e-9 and w.max() <= math.sqrt(mean * n) + 1e-9
    assert np.all(np.diff(w) <= 0)
    prob = np.minimum(np.outer(w, w) / w.sum(), 1.0)
    np.fill_diagonal(prob, 0.0)
    g = configuration(n, exponent, mean, seed=4)
    # total edges: a sum of independent Bernoulli(prob_uv) over pairs u < v; within 4 SD
    upper = np.triu(prob, 1)
    assert abs(g.n_edges - upper.sum()) < 4 * math.sqrt((upper * (1 - upper)).sum())
    # summed degree of the 30 largest-weight nodes: edges inside the group count twice
    hubs = np.zeros(n, dtype=bool)
    hubs[:30] = True
    mult = hubs[:, None].astype(float) + hubs[None, :]
    expected = (upper * mult).sum()
    sd = math.sqrt((upper * (1 - upper) * mult**2).sum())
    assert abs(g.out_degree[:30].sum() - expected) < 4 * sd


def test_configuration_pair_probabilities_in_every_regime_of_the_skipping():
    # The kernel jumps by a series for p < 2^-10, by log1p above, never past capped pairs, and
    # splits its rows between two lanes: edge counts over many graphs, binned by p, must match
    # the sum of the pair probabilities (independent Bernoulli pairs) within 4 SD per bin.
    n, reps = 2000, 150
    w = power_law_weights(n, 2.2, 4.0, 120.0)
    prob = np.minimum(np.outer(w, w) / w.sum(), 1.0)
    iu = np.triu_indices(n, 1)
    p_pairs = prob[iu]
    edges = [0.0, 2.0**-10, 0.02, 0.3, 1.0, 1.5]  # last bin: p == 1
    bins = np.digitize(p_pairs, edges) - 1
    assert np.bincount(bins, minlength=5).min() > 0  # every regime is exercised
    pair_bin = np.full((n, n), -1, dtype=np.int64)
    pair_bin[iu] = bins
    counts = np.zeros(5)
    for s in range(reps):
        g = configuration(n, 2.2, 4.0, 120.0, seed=100 + s)
        src = np.repeat(np.arange(n), g.out_degree)
        upper = src < g.indices
        counts += np.bincount(pair_bin[src[upper], g.indices[upper]], minlength=5)
    for b in range(5):
        pb = p_pairs[bins == b]
        mean = reps * pb.sum()
        sd = math.sqrt(reps * (pb * (1 - pb)).sum())
        if b == 4:
            assert counts[b] == mean  # certain pairs are always linked
        else:
            assert abs(counts[b] - mean) < 4 * sd, (b, counts[b], mean, sd)


def test_configuration_degree_tail_exponent():
    # The tail fit (KS-chosen k_min, as in Clauset et al. 2009) is biased on a capped tail and its
    # spread exceeds the textbook SE, so it is compared with the same fit on degrees drawn
    # straight from the model (Poisson with the expected degree w (1 - w / S)): averages over
    # 6 graphs each, tolerance 4 SE of the difference from the replicates' own spread.
    from viralsim.graph.stats import power_law_tail

    n, reps = 200_000, 6
    w = power_law_weights(n, 2.5, 10.0, None)
    rng = np.random.default_rng(8)
    ours = np.array([power_law_tail(configuration(n, 2.5, 10.0, seed=8 + r).out_degree)[0] for r in range(reps)])
    model = np.array([power_law_tail(rng.poisson(w * (1 - w / w.sum())))[0] for _ in range(reps)])
    se = math.sqrt(ours.var(ddof=1) / reps + model.var(ddof=1) / reps)
    assert abs(ours.mean() - model.mean()) < 4 * se
    assert abs(model.mean() - 2.5) < 0.1  # and the fit does see the exponent asked for


def test_segmented_within_and_between_edge_counts():
    n, shares, within, between = 30_000, [0.5, 0.3, 0.2], 6.0, 2.0
    g = segmented(n, shares, within, between, names=["fans", "casual", "new"], seed=9)
    assert g.segment_names == ("fans", "casual", "new")
    sizes = np.bincount(g.segment)
    assert sizes.tolist() == [15_000, 9_000, 6_000]
    src = np.repeat(np.arange(n), g.out_degree)
    same = g.segment[src] == g.segment[g.indices]
    # within edges of segment s ~ Binomial(n_s (n_s - 1) / 2, within / (n_s - 1)); 4 SE
    for s, size in enumerate(sizes):
        p = within / (size - 1)
        pairs = size * (size - 1) / 2
        count = (same & (g.segment[src] == s)).sum() / 2
        assert abs(count - pairs * p) < 4 * math.sqrt(pairs * p * (1 - p))
    q = between * n / (sizes * (n - sizes)).sum()
    pairs_between = (sizes * (n - sizes)).sum() / 2
    count_between = (~same).sum() / 2
    assert abs(count_between - pairs_between * q) < 4 * math.sqrt(pairs_between * q * (1 - q))
    assert abs((~same).sum() / n - between) < 4 * 2 * math.sqrt(pairs_between * q) / n  # mean between-degree


def test_follower_reciprocity_and_follower_counts_match_theory():
    n, m, r = 50_000, 4, 0.3
    g = follower(n, m, r, seed=12)
    assert g.directed
    follows = sum(min(v, m) for v in range(n))
    info = g.info(sample=10)
    # R ~ Binomial(follows, r) follow-backs; reciprocity 2R / (follows + R); delta method SE
    se = 2 / (1 + r) ** 2 * math.sqrt(r * (1 - r) / follows)
    assert abs(info.reciprocity - 2 * r / (1 + r)) < 4 * se
    # arc u -> v means v follows u: every account but the first m follows exactly m others
    # through its own follows, so in-degree minus follow-backs received is min(v, m)
    assert g.in_degree[m:].min() >= m
    # Price's model without follow-backs: p_0 (1 + m/(m+1)) = 1,
    # p_k (1 + m(k+1)/(m+1)) = p_{k-1} m k / (m+1); fractions within 4 binomial SE
    n1, m1 = 100_000, 2
    followers = follower(n1, m1, 0.0, seed=13).out_degree
    pk = [1 / (1 + m1 / (m1 + 1))]
    for k in range(1, 5):
        pk.append(pk[-1] * (m1 * k / (m1 + 1)) / (1 + m1 * (k + 1) / (m1 + 1)))
    pk = np.array(pk)
    frac = np.array([(followers == k).mean() for k in range(5)])
    assert np.all(np.abs(frac - pk) < 4 * np.sqrt(pk * (1 - pk) / n1))


# ---- determinism, contract, validation -----------------------------------------------------


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_same_seed_same_graph_and_seeds_differ(kind):
    a = generate(kind, 3000, seed=21, **SMALL[kind])
    b = generate(kind, 3000, seed=21, **SMALL[kind])
    c = generate(kind, 3000, seed=22, **SMALL[kind])
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()
    assert a.directed == (kind == "follower") and a.n_nodes == 3000
    assert estimate_graph_bytes(kind, 3000, **SMALL[kind]) > a.indices.nbytes + a.indptr.nbytes


def test_generator_results_do_not_depend_on_numba_thread_count():
    import numba

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = holme_kim(5000, 3, 0.4, seed=1).fingerprint()
    finally:
        numba.set_num_threads(before)
    assert holme_kim(5000, 3, 0.4, seed=1).fingerprint() == one


def test_every_parameter_is_declared_and_checked():
    for kind, spec in GENERATORS.items():
        assert spec.description and spec.params
        for name, p in spec.params.items():
            assert p.description, (kind, name)
            bad = {"bool": "yes", "strs": "ab", "floats": [-1.0], "int": 1.5, "float": "x"}[p.kind]
            params = {**SMALL[kind], name: bad}
            with pytest.raises(InvalidParameterError, match=name):
                check_generator_params(kind, 1000, params)


@pytest.mark.parametrize(
    "kind, n, params, message",
    [
        ("barabasi_albert", 10, {"m": 10}, r"^m: must be an integer in \[1, n - 1\] \(n = 10\), got 10 \(barabasi_albert\)$"),
        ("holme_kim", 100, {"m": 2, "triangle_prob": 1.5}, r"^triangle_prob: must be a number in \[0, 1\], got 1.5 \(holme_kim\)$"),
        ("watts_strogatz", 100, {"k": 5, "rewire_prob": 0.1}, r"^k: must be even"),
        ("configuration", 100, {"exponent": 2.0, "mean_degree": 4}, r"^exponent: must be a number in \(2, 10\]"),
        ("configuration", 100, {"exponent": 3, "mean_degree": 4, "max_degree": 2}, r"at least mean_degree"),
        ("segmented", 100, {"shares": [0.5, 0.6], "within_degree": 1, "between_degree": 1}, r"sum to 1"),
        ("segmented", 100, {"shares": [0.5, 0.5], "within_degree": 1, "between_degree": 1, "names": ["a"]}, "one name per share"),
        ("segmented", 10, {"shares": [0.99, 0.01], "within_degree": 1, "between_degree": 1}, "at least one node"),
        ("follower", 100, {"m": 2, "reciprocity": -0.1}, r"^reciprocity: must be a number in \[0, 1\]"),
        ("follower", 100, {"m": 2}, r"^reciprocity: required"),
        ("follower", 100, {"m": 2, "reciprocity": 0.1, "recip": 1}, r"^recip: unknown parameter; allowed: m, reciprocity \(follower\)$"),
        ("erdos_renyi", 0, {"mean_degree": 1}, r"^nodes: must be an integer in \[1, "),
        ("nope", 10, {}, r"unknown graph generator 'nope'; allowed: erdos_renyi"),
    ],
)
def test_bad_parameters_raise_with_allowed_values(kind, n, params, message):
    with pytest.raises(InvalidParameterError, match=message):
        generate(kind, n, seed=0, **params)


def test_oversized_graph_is_refused_up_front_with_the_estimate():
    need = estimate_graph_bytes("barabasi_albert", 10**7, m=5)
    assert 1.0e9 < need < 3 * 2**30  # ~10^8 arcs: int32 endpoints and CSR, under 3 GiB
    with pytest.raises(ResourceLimitError, match=r"needs about \d\.\d\d GiB but only 0\.50 GiB"):
        barabasi_albert(10**7, 5, seed=0, max_bytes=2**29)
    with pytest.raises(ResourceLimitError, match="needs about"):
        generate("erdos_renyi", 2**31 - 1, mean_degree=1000.0, seed=0)


def test_degenerate_but_valid_sizes():
    assert erdos_renyi(1, 0.0, seed=0).n_arcs == 0
    assert barabasi_albert(2, 1, seed=0).n_edges == 1
    assert erdos_renyi(50, 49.0, seed=0).n_edges == 50 * 49 // 2  # p = 1: complete graph
    assert follower(2, 1, 0.0, seed=0).n_arcs == 1  # account 1 follows account 0


def test_edge_kernels_rerun_with_more_room_give_the_same_graph():
    # The kernels refuse to grow arrays in their hot loop: when the edges do not fit they report
    # it and are rerun with more room.  Force that path with far too little room.
    from viralsim.kernels import generators as kern
    from viralsim.random import GRAPH, stream_key

    key = stream_key(3, GRAPH)
    for kernel, args in [
        (kern.follower_ends, (2000, 3, 0.5)),
        (kern.chung_lu_ends, (power_law_weights(2000, 2.5, 6.0, None),)),
        (kern.block_pairs_ends, (np.array([800, 1200]), np.array([[0.01, 0.002], [0.002, 0.005]]), False)),
    ]:
        full, complete = kernel(key, *args, 1.0)
        assert complete and full.size > 0
        room, tries = 0.01, 0
        while True:
            ends, complete = kernel(key, *args, room)
            if complete:
                break
            assert ends.size == 0
            room, tries = room * 2, tries + 1
        assert tries > 0 and np.array_equal(ends, full)


def test_adjacency_kernels_rerun_with_more_room_give_the_same_graph():
    from viralsim.kernels import generators as kern
    from viralsim.random import GRAPH, stream_key

    key = stream_key(4, GRAPH)
    for kernel, args in [
        (kern.preferential_attachment_ends, (3000, 4, 0.6, False)),
        (kern.watts_strogatz_csr, (3000, 6, 0.5)),
    ]:
        *full, complete = kernel(key, *args, 1.0)
        assert complete
        room, tries = 0.001, 0
        while True:
            *out, complete = kernel(key, *args, room)
            if complete:
                break
            room, tries = room * 2, tries + 1
        assert tries > 0 and np.array_equal(out[1], full[1]) and np.array_equal(out[0], full[0])


def _assert_valid_csr(g: SocialGraph) -> None:
    n = g.n_nodes
    SocialGraph(g.indptr, g.indices, g.directed)  # the constructor's full checks
    src = np.repeat(np.arange(n), np.diff(g.indptr))
    assert not np.any(src == g.indices), "self-loop"
    same_row = src[1:] == src[:-1]
    assert np.all(np.diff(g.indices.astype(np.int64))[same_row] > 0), "row not strictly increasing"
    if not g.directed:
        forward = src * n + g.indices
        backward = g.indices.astype(np.int64) * n + src
        assert np.array_equal(np.sort(forward), np.sort(backward)), "an edge without its reverse arc"


def test_small_and_dense_graphs_are_valid_csr_with_the_exact_edge_counts():
    # the fast paths (rows written in generation order, hash sets, home lines, two lanes) at the
    # sizes where their edge cases live: a handful of nodes, complete graphs, every edge rewired
    cases = []
    for n in (2, 3, 5, 13, 200):
        for m in (1, 3, 5):
            if m < n:
                cases += [("barabasi_albert", n, {"m": m}, m + m * (n - m - 1)),
                          ("holme_kim", n, {"m": m, "triangle_prob": 0.0}, m * (n - m)),
                          ("holme_kim", n, {"m": m, "triangle_prob": 0.7}, m * (n - m)),
                          ("holme_kim", n, {"m": m, "triangle_prob": 1.0}, m * (n - m)),
                          ("follower", n, {"m": m, "reciprocity": 0.5}, None)]
        for k in (2, 4, 10):
            if k < n:
                cases += [("watts_strogatz", n, {"k": k, "rewire_prob": q}, n * k // 2) for q in (0.0, 0.3, 1.0)]
        for degree in (0.5, 3.0, n - 1.0):
            cases += [("erdos_renyi", n, {"mean_degree": degree}, n * (n - 1) // 2 if degree == n - 1 else None),
                      ("erdos_renyi", n, {"mean_degree": degree, "directed": True}, None),
                      ("configuration", n, {"exponent": 2.2, "mean_degree": max(degree, 1.0)}, None)]
        cases.append(("segmented", n, {"shares": [0.5, 0.5], "within_degree": 1.0, "between_degree": 0.5}, None))
    checked = 0
    for kind, n, params, edges in cases:
        for seed in range(2):
            try:
                g = generate(kind, n, seed=seed, **params)
            except InvalidParameterError:
                continue  # outside the parameter ranges (said with the allowed values, tested elsewhere)
            _assert_valid_csr(g)
            if edges is not None:
                assert g.n_edges == edges, (kind, n, params)
            checked += 1
    assert checked > 200
