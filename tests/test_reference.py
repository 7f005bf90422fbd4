"""The numba kernel against a plain-Python reference of docs/model.md, array for array.

The reference (:func:`naive.reference_run`) simulates each replicate from the documented rules
as a list of timed events, with the kernel's keyed draws, so each replicate must come out
exactly as the kernel's.  The cases cover every path of the kernel: full feed, the fast
cascade path, queue-every-view, the threshold rule, and the rerun after an overflowing pool.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from naive import reference_run
from viralsim.graph import SocialGraph
from viralsim.kernels import cascade as K
from viralsim.model import CascadeModel, PaidPlacement, ThresholdModel, simulate
from viralsim.model.simulate import _delay_table, _run
from viralsim.random import replicate_keys

RUNS = 30


def _random_graph(n, mean_degree, seed, segments=False, directed=True):
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    seg, names = None, ()
    if segments:
        seg, names = (np.arange(n) % 3 == 0).astype(np.int32), ("a", "b")
    return SocialGraph.from_arcs(n, src, dst, directed=directed, segment=seg, segment_names=names)


GRAPHS = {
    "g5": lambda: _random_graph(5, 2.0, 1),
    "g12-undirected": lambda: _random_graph(12, 1.5, 2, directed=False),
    "g20": lambda: _random_graph(20, 3.0, 3),
    "g30-seg": lambda: _random_graph(30, 2.5, 4, segments=True),
}

_LN = dict(delay_median=2.0, delay_sigma=1.0)
_FUNNEL = dict(engagement_rate=0.2, click_rate=0.3, conversion_rate=0.4)

# name: (model, seeds, seed_times, paid, _run keywords, needs segments, the kernel path expected)
# paths: "full" full feed, "fast" cascade deciding shares at creation, "queue" cascade queueing
# every view, "threshold"
CASES = {
    "ic-full-feed": (CascadeModel.independent_cascade(0.45, horizon=20.0), [0, 1], None, (), {}, False, "full"),
    "ic-general": (CascadeModel.independent_cascade(0.45, horizon=20.0), [0, 1], None, (), {"full_feed": False},
                   False, "fast"),
    "ic-queue-all": (CascadeModel.independent_cascade(0.45, horizon=20.0), [0, 1], None, (), {"queue_all": True},
                     False, "queue"),
    "full-feed-decay-affinity": (CascadeModel(stickiness=0.5, half_life=4.0, affinity=(1.0, 1.8), delay_median=2.0,
                                              engagement_rate=0.3, horizon=16.0), [0, 2], [0.0, 3.0], (), {}, True,
                                 "full"),
    "decay-affinity-general": (CascadeModel(stickiness=0.5, half_life=4.0, affinity=(1.0, 1.8), delay_median=2.0,
                                            engagement_rate=0.3, horizon=16.0), [0, 2], [0.0, 3.0], (),
                               {"full_feed": False}, True, "fast"),
    "feed-reach": (CascadeModel(stickiness=0.6, feed_reach=0.6, delay_median=3.0, horizon=30.0), [1, 3], None, (), {},
                   False, "fast"),
    "lognormal": (CascadeModel(stickiness=0.5, feed_reach=0.8, horizon=24.0, **_LN), [0, 4], None, (), {}, False,
                  "fast"),
    "lognormal-half-steps-decay": (CascadeModel(stickiness=0.6, half_life=6.0, step=0.5, horizon=12.0, **_LN), [0],
                                   [0.7], (), {}, False, "fast"),
    "fatigue": (CascadeModel(stickiness=0.5, fatigue=0.5, feed_reach=0.9, horizon=24.0, **_LN), [0, 1], None, (), {},
                False, "queue"),
    "fatigue-zero": (CascadeModel(stickiness=0.7, fatigue=0.0, horizon=12.0), [0, 1, 2], None, (), {}, False,
                     "queue"),
    "funnel": (CascadeModel(stickiness=0.4, feed_reach=0.9, horizon=20.0, **_FUNNEL, **_LN), [0, 1], None, (), {},
               False, "fast"),
    "funnel-certain-conversion": (CascadeModel(stickiness=0.4, click_rate=0.5, conversion_rate=1.0, horizon=20.0),
                                  [0], None, (), {}, False, "fast"),
    "paid": (CascadeModel(stickiness=0.4, feed_reach=0.8, horizon=20.0, **_FUNNEL), [0],
             None, (PaidPlacement(0.0, 4), PaidPlacement(5.0, 6)), {}, False, "fast"),
    "paid-only": (CascadeModel(stickiness=0.5, half_life=10.0, horizon=20.0, **_LN), [], None,
                  (PaidPlacement(2.0, 8), PaidPlacement(2.0, 3)), {}, False, "fast"),
    "paid-segment": (CascadeModel(stickiness=0.5, affinity=(0.6, 1.5), horizon=20.0, **_LN), [0, 5], [0.0, 4.0],
                     (PaidPlacement(1.0, 5, "a"), PaidPlacement(3.4, 5, "b"), PaidPlacement(6.0, 3)), {}, True,
                     "fast"),
    "paid-segment-queue-all": (CascadeModel(stickiness=0.5, affinity=(0.6, 1.5), horizon=20.0, **_LN), [0, 5],
                               [0.0, 4.0], (PaidPlacement(1.0, 5, "a"), PaidPlacement(3.4, 5, "b")),
                               {"queue_all": True}, True, "queue"),
    "paid-fatigue-everything": (CascadeModel(stickiness=0.6, feed_reach=0.8, half_life=8.0, fatigue=0.7,
                                             affinity=(1.0, 1.5), horizon=24.0, **_FUNNEL, **_LN), [0, 1, 2],
                                [0.0, 2.0, 9.0], (PaidPlacement(1.0, 6, "b"), PaidPlacement(4.0, 6)), {}, True,
                                "queue"),
    "seed-times-late": (CascadeModel.independent_cascade(0.5, horizon=10.0), [0, 1, 2], [0.0, 6.0, 10.0], (), {},
                        False, "full"),
    "threshold-count-1": (ThresholdModel(rule="count", threshold=1.0, horizon=20.0, **_LN), [0], None, (), {}, False,
                          "threshold"),
    "threshold-count-2": (ThresholdModel(rule="count", threshold=2.0, feed_reach=0.9, horizon=20.0),
                          [2, 3, 6, 8, 14, 20, 28], None,
                          (PaidPlacement(1.0, 10),), {}, False, "threshold"),
    "threshold-fraction": (ThresholdModel(rule="fraction", threshold=0.3, horizon=20.0, **_FUNNEL), [0, 1], None,
                           (PaidPlacement(0.0, 5),), {}, False, "threshold"),
    "threshold-random-fraction": (ThresholdModel.linear_threshold(horizon=30.0), [0, 1], None, (), {}, False,
                                  "threshold"),
    "threshold-random-count": (ThresholdModel(rule="count", feed_reach=0.8, horizon=30.0, **_LN), [0, 1],
                               [0.0, 5.0], (), {}, False, "threshold"),
    # a pool with room for the seeds' and paid events only: most replicates overflow and are rerun
    "pool-full-feed": (CascadeModel.independent_cascade(0.6, horizon=20.0), [0], None, (), {"pool_cap": 1}, False,
                       "full"),
    "pool-fast": (CascadeModel(stickiness=0.6, feed_reach=0.9, horizon=20.0, **_LN), [0], None,
                  (PaidPlacement(2.0, 3),), {"pool_cap": 1}, False, "fast"),
    "pool-queue": (CascadeModel(stickiness=0.6, fatigue=0.8, horizon=20.0, **_LN), [0], None, (), {"pool_cap": 1},
                   False, "queue"),
    "pool-threshold": (ThresholdModel(rule="count", threshold=1.0, horizon=20.0), [0], None, (), {"pool_cap": 1},
                       False, "threshold"),
}


@pytest.fixture
def kernel_calls(monkeypatch):
    """Record each call of the kernel: its path, and how many replicates overflowed the pool."""
    calls = []
    original = K.run_replicates
    params = inspect.signature(original.py_func).parameters

    def spy(*args):
        a = dict(zip(params, args))
        original(*args)
        rules = a["rules"]
        if rules.full_feed:
            path = "full"
        elif rules.mode == K.MODE_THRESHOLD:
            path = "threshold"
        else:
            path = "queue" if rules.queue_all else "fast"
        calls.append((path, int(a["out"].overflow.sum())))

    monkeypatch.setattr(K, "run_replicates", spy)
    return calls


def assert_matches_reference(res, ref):
    for name in K.METRIC_NAMES:
        got = res.metrics[name] if name in res.metrics else res.diagnostics[name]
        np.testing.assert_array_equal(got, ref["metrics"][name], err_msg=name)
    for name in K.SERIES_NAMES:
        np.testing.assert_array_equal(res.timeseries[name], ref["timeseries"][name], err_msg=name)
    np.testing.assert_array_equal(res.reach_by_segment, ref["reach_by_segment"], err_msg="reach_by_segment")
    np.testing.assert_array_equal(res.attribution, ref["attribution"], err_msg="attribution")
    if res.trees is not None:  # the sharer tree, post by post: parent, step, user
        for r, want in enumerate(ref["trees"]):
            rows = slice(res.trees.offsets[r], res.trees.offsets[r + 1])
            got = list(zip(res.trees.parent[rows].tolist(), res.trees.step[rows].tolist(),
                           res.trees.node[rows].tolist()))
            assert got == want, f"replicate {r}: sharer tree {got} != {want}"


def _describe_mismatch(res, ref):
    """Where the kernel and the reference first differ: (replicate, what, kernel, reference)."""
    out = []
    for name in K.METRIC_NAMES:
        got = res.metrics[name] if name in res.metrics else res.diagnostics[name]
        want = ref["metrics"][name]
        bad = np.flatnonzero(~((got == want) | (np.isnan(got) & np.isnan(want))))
        out += [(int(r), name, got[r], want[r]) for r in bad[:3]]
    return out


# every case on every graph, except that cases with affinity or paid segments need the graph with segments
PAIRS = [(case, name) for case in CASES for name in GRAPHS if name == "g30-seg" or not CASES[case][5]]


@pytest.mark.parametrize("case, graph_name", PAIRS)
def test_kernel_equals_reference(case, graph_name, kernel_calls):
    model, seeds, seed_times, paid, kw, _, path = CASES[case]
    g = GRAPHS[graph_name]()
    seeds = np.array(seeds, dtype=np.int64) % g.n_nodes
    seeds = np.unique(seeds)[: len(seeds)] if len(seeds) else seeds
    seed_times = None if seed_times is None else list(seed_times)[: seeds.size]
    res = _run(g, model, seeds, False, RUNS, 11, None, None, seed_times, paid, False, keep_trees=g.n_nodes, **kw)
    ref = reference_run(g, model, seeds, replicate_keys(11, RUNS), seed_times=seed_times, paid=paid)
    assert res.trees is not None
    assert not _describe_mismatch(res, ref), _describe_mismatch(res, ref)
    assert_matches_reference(res, ref)
    # the case ran the kernel path it is meant to test
    assert kernel_calls[0][0] == path, kernel_calls
    if "pool_cap" in kw and ref["metrics"]["arcs_traversed"].max() > 0 and ref["metrics"]["shares"].max() >= 2:
        assert kernel_calls[0][1] > 0 and len(kernel_calls) == 2, kernel_calls  # overflowed, rerun


def test_public_simulate_equals_reference_with_everything():
    # through the public entry point: several seeds at several times, paid by segment, funnel
    g = GRAPHS["g30-seg"]()
    model = CascadeModel(stickiness=0.5, feed_reach=0.85, half_life=10.0, affinity=(0.7, 1.6), horizon=24.0,
                         **_FUNNEL, **_LN)
    paid = (PaidPlacement(1.0, 6, "a"), PaidPlacement(3.0, 4))
    res = simulate(g, model, [0, 7, 11], runs=50, seed=5, seed_times=[0.0, 1.0, 8.0], paid=paid, threads=2,
                   keep_trees=g.n_nodes)
    ref = reference_run(g, model, [0, 7, 11], replicate_keys(5, 50), seed_times=[0.0, 1.0, 8.0], paid=paid)
    assert_matches_reference(res, ref)
    assert ref["metrics"]["shares"].mean() > 2 and ref["metrics"]["conversions"].sum() > 0  # not vacuous


def test_cases_are_not_vacuous():
    # on the largest graph every case must have cascades to compare (shares in some replicate)
    g = GRAPHS["g30-seg"]()
    for case, (model, seeds, seed_times, paid, kw, _, _) in CASES.items():
        ref = reference_run(g, model, seeds, replicate_keys(11, RUNS), seed_times=seed_times, paid=paid)
        assert ref["metrics"]["shares"].sum() > 0, case


def test_delay_table_is_the_documented_discretisation():
    # d = max(1, round(L / step)), halves up: P(d <= j) = P(L / step < j + 1/2), L lognormal
    from scipy.stats import lognorm

    median, sigma, step, n_steps = 2.0, 1.0, 0.5, 40
    cdf, fixed = _delay_table(median, sigma, step, n_steps)
    j = np.arange(1, n_steps + 1)
    np.testing.assert_allclose(cdf, lognorm.cdf((j + 0.5) * step, sigma, scale=median), rtol=1e-12)
    assert fixed == 0
    assert _delay_table(2.5, 0.0, 1.0, 10)[1] == 3  # halves round up
    assert _delay_table(0.2, 0.0, 1.0, 10)[1] == 1
