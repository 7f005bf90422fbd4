"""Independent cascade on a large Erdős–Rényi graph against percolation theory.

With one uniformly random seed, IC with probability p on G(n, c/n) (each arc its own coin) is
bond percolation of the out-component: a run becomes large with probability S and then reaches
a fraction S of the nodes, where S = 1 - exp(-c p S) (Newman 2002; both the in- and the
out-component obey this equation when arcs are independent).
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy.optimize import brentq

from viralsim.graph import SocialGraph
from viralsim.model import CascadeModel, simulate_random_seed

N = 200_000
C = 5.0
P = 0.3
# Large/small cutoff: n/100 = 2,000 sharers.  Small outbreaks follow the subcritical dual branching
# process with mean offspring c p (1 - S) = 0.63, whose total size exceeds 2,000 with probability
# ~ exp(-2000 (m - 1 - ln m)) ~ 1e-80; large ones end near S n = 116,600.  The split is clean.
CUTOFF = N // 100
RUNS_FRACTION = 40_000  # SE of the fraction = sqrt(S(1-S)/40000) = 0.0025, so 0.01 is 4 SE
RUNS_SIZE = 400  # ~230 large runs; SE of their mean size / n is ~1e-4, far below 0.01


@pytest.fixture(scope="module")
def er_graph():
    g = nx.fast_gnp_random_graph(N, C / (N - 1), seed=20260101)
    e = np.array(g.edges(), dtype=np.int64)
    return SocialGraph.from_arcs(N, e[:, 0], e[:, 1], directed=False)


@pytest.mark.slow
def test_ic_on_erdos_renyi_matches_percolation_theory(er_graph):
    s = brentq(lambda x: x - 1.0 + math.exp(-C * P * x), 1e-9, 1.0)
    model = CascadeModel.independent_cascade(P, horizon=300.0)

    # outbreak probability: stop a replicate once it has CUTOFF sharers (it is then large)
    quick = simulate_random_seed(er_graph, model, runs=RUNS_FRACTION, seed=4, stop_after_sharers=CUTOFF)
    large_quick = quick.metrics["shares"] + 1 >= CUTOFF
    assert abs(large_quick.mean() - s) < 0.01

    # final size of the large outbreaks, from complete runs (replicate i has the same key in both calls)
    full = simulate_random_seed(er_graph, model, runs=RUNS_SIZE, seed=4)
    sizes = full.metrics["shares"] + 1
    large = sizes >= CUTOFF
    np.testing.assert_array_equal(large, large_quick[:RUNS_SIZE])  # truncation changes nothing before the cut
    assert abs(sizes[large].mean() / N - s) < 0.01
    assert full.metrics["depth"].max() < 300  # the horizon held every generation
    # reach counts viewers: in a large outbreak nearly everyone with a sharing neighbour sees a post
    assert np.all(full.metrics["reach"][large] >= sizes[large] - 1)
