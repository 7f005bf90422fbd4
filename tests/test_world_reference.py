"""The several-contents kernel against the plain-Python reference (tests/naive_world.py), array for
array, on tiny graphs, for every combination of the world's features."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from naive_world import replicate
from viralsim.graph import SocialGraph
from viralsim.model import CascadeModel, ContentSpec, Interaction, PaidPlacement, Trigger, simulate_world
from viralsim.random import replicate_keys

RUNS = 25


def _graph(n, n_arcs, seed, segments=False):
    r = np.random.default_rng(seed)
    src = r.integers(0, n, n_arcs)
    dst = r.integers(0, n, n_arcs)
    g = SocialGraph.from_arcs(n, src, dst, directed=True)
    if segments:
        g = g.with_segments((np.arange(n) % 2).astype(np.int32), ("a", "b"))
    return g


def _models(full: bool):
    if not full:
        return (CascadeModel(stickiness=0.35, horizon=12), CascadeModel(stickiness=0.3, horizon=12))
    return (CascadeModel(stickiness=0.4, feed_reach=0.7, half_life=6, fatigue=0.7, delay_median=1.5, delay_sigma=0.8,
                         engagement_rate=0.2, click_rate=0.3, conversion_rate=0.4, affinity=(1.0, 1.5), horizon=12),
            CascadeModel(stickiness=0.3, feed_reach=0.8, delay_median=2, delay_sigma=0.5, click_rate=0.2,
                         conversion_rate=0.5, affinity=(0.5, 1.0), horizon=12))


FEATURES = list(itertools.product(
    (False, True),  # full model (feed reach, delays, decay, fatigue, affinity, funnel) vs IC-like
    ("none", "start", "trigger"),  # second content: absent, fixed start, triggered
    (False, True),  # interactions
    (None, 1),  # attention
    ("first", "positive", "negative", "random"),
))


def _case(full, second, interact, attention, collision):
    g = _graph(14, 40, seed=hash((full, second)) % 1000, segments=full)
    m1, m2 = _models(full)
    paid = [PaidPlacement(1, 6, "b" if full else None)] if full else []
    specs = [ContentSpec("rumour", m1, seeds=[0, 3], seed_times=[0, 2], sentiment="negative", paid=paid)]
    if second == "start":
        specs.append(ContentSpec("answer", m2, seeds=[5], sentiment="positive", start=1.0,
                                 paid=[PaidPlacement(0, 5)]))
    elif second in ("trigger", "trigger0"):  # trigger0: the answer launches in the step the rumour passes 3
        specs.append(ContentSpec("answer", m2, seeds=[5, 0], sentiment="positive", paid=[PaidPlacement(1, 4)],
                                 trigger=Trigger("rumour", 3, "reach", 2.0 if second == "trigger" else 0.0)))
    inter = []
    if interact and len(specs) > 1:
        inter = [Interaction("rumour", "answer", cross_share=0.5, prior_exposure=0.25),
                 Interaction("answer", "rumour", cross_share=0.0, prior_exposure=0.5)]
    return g, specs, inter


@pytest.mark.parametrize("full, second, interact, attention, collision", FEATURES)
def test_world_kernel_equals_the_reference(full, second, interact, attention, collision):
    if second == "none" and (interact or collision in ("positive", "random")):
        pytest.skip("one content: interactions and collision orders do not apply")
    _check(*_case(full, second, interact, attention, collision), attention, collision)


@pytest.mark.parametrize("full, collision", list(itertools.product((False, True), ("first", "positive", "random"))))
def test_a_response_at_once_is_a_further_round_of_the_same_step(full, collision):
    g, specs, inter = _case(full, "trigger0", True, None, collision)
    _check(g, specs, inter, None, collision)
    w = simulate_world(g, specs, runs=RUNS, seed=7, interactions=inter, collision=collision, engine="world")
    d = w.contents["answer"].diagnostics
    ok = np.isfinite(d["trigger_h"])
    assert ok.any()
    np.testing.assert_array_equal(d["launch_h"][ok], d["trigger_h"][ok])


def _check(g, specs, inter, attention, collision):
    w = simulate_world(g, specs, runs=RUNS, seed=7, interactions=inter, attention=attention, collision=collision,
                       engine="world")
    keys = replicate_keys(7, RUNS)
    segment = g.segment if g.segment is not None else np.zeros(g.n_nodes, dtype=np.int32)
    names = [s.name for s in specs]
    cross = {(names.index(i.source), names.index(i.target)): i.cross_share for i in inter}
    prior = {(names.index(i.source), names.index(i.target)): i.prior_exposure for i in inter}
    for r in range(RUNS):
        contents, world = replicate(g, specs, keys[r], cross=cross, prior=prior, attention=attention,
                                    collision=collision, segment=segment)
        for k, v in world.items():
            assert w.world[k][r] == v, (r, k, w.world[k][r], v)
        for spec, (metrics, series, extras) in zip(specs, contents):
            res = w.contents[spec.name]
            for k, v in metrics.items():
                got = res.metrics[k][r]
                if isinstance(v, float) and math.isnan(v):
                    assert math.isnan(got), (r, spec.name, k, got)
                elif k == "structural_virality":
                    assert got == pytest.approx(v, rel=1e-12), (r, spec.name, k)
                else:
                    assert got == v, (r, spec.name, k, got, v)
            for k, v in series.items():
                np.testing.assert_array_equal(res.timeseries[k][r], v, err_msg=f"{r} {spec.name} {k}")
            for k in ("launch_h", "trigger_h", "views_dropped", "seed_posts"):
                got, want = res.diagnostics[k][r], extras[k]
                assert (math.isnan(got) and math.isnan(want)) or got == want, (r, spec.name, k, got, want)
            np.testing.assert_array_equal(res.attribution[r], extras["attribution"])
            if g.segment is not None:
                want = [extras["reach_by_segment"].get(s, 0) for s in range(2)]
                np.testing.assert_array_equal(res.reach_by_segment[r], want)
