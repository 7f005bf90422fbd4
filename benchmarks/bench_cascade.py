"""Speed of the share-cascade kernel against its peers, and its scaling.

Run:  python3 benchmarks/bench_cascade.py [--runs 200] [--quick] [--huge] [--skip-peers] [--skip-scale]
      [--skip-speed] [--skip-world]

Section 1 (issue 3 "Speed"): independent cascade on a Barabási–Albert graph (n = 10^5, m = 5),
50 seeds, p in {0.01, 0.05, 0.1}: viralsim on 1 and 2 threads, CyNetDiff, EoN and NDlib (fewer
runs) on the same graph, seeds and p.  Throughput = sum of the out-degrees of everyone who
posted (seeds and sharers), per second: the arcs a run must examine.  A peer's throughput is
viralsim's mean work per run divided by the peer's time per run (same model, so the same
expected work; the mean number of activated users is printed for both as a check).  viralsim
runs with ``timeseries=False`` here (the peers keep no per-step series either; with the IC
horizon of 1,000 steps the series alone are 24 KB per run); every metric is still computed.
Also the full model (feed_reach 0.3, lognormal delays, decay, funnel) against the IC time.

Section 2 (issue 3 "Scale"): 1,000 runs of the full model on a Holme–Kim graph (n = 10^6,
m = 5) tuned to reach at least 20% of the audience, on 2 threads, with peak memory; and the
time per run at 10^5, 10^6 (and 10^7 with --huge) nodes.

Section 3 (issue 12 "Speed"): several contents in one world on the same BA graph, full model and
IC: one content (today's engine), the same content through the several-contents kernel, and two
contents (the second with its own 50 seeds), printed as ratios of time per run measured in this
run; and the IC special case against ``../shared/bench/ic_limit.py`` (a keyed-coin IC counting
reach and impressions only) when that file is there.

Peers are optional (``pip install .[bench]``); a missing one is skipped with a note.  Timings
are wall-clock on whatever machine runs this; nothing here is asserted.
"""

from __future__ import annotations

import argparse
from dataclasses import replace as dataclasses_replace
import resource
import time

import numpy as np

from viralsim.graph import barabasi_albert, holme_kim
from viralsim.model import CascadeModel, simulate

SEED = 2026
PS = (0.01, 0.05, 0.1)


def full_model(stickiness: float) -> CascadeModel:
    """The realistic setting: 30% of feed posts seen, delays, a 24 h half-life, a funnel."""
    return CascadeModel(stickiness=stickiness, feed_reach=0.3, half_life=24.0, delay_median=2.0, delay_sigma=1.0,
                        engagement_rate=0.05, click_rate=0.02, conversion_rate=0.05, horizon=72.0)


def time_viralsim(graph, model, seeds, runs, threads):
    """Time per run; like the peers it keeps per-run results but no per-step series (timeseries=False)."""
    simulate(graph, model, seeds, runs=2, seed=0, threads=threads)  # compile / load the cache outside the timing
    start = time.perf_counter()
    res = simulate(graph, model, seeds, runs=runs, seed=SEED, threads=threads, timeseries=False)
    elapsed = time.perf_counter() - start
    work = res.diagnostics["arcs_traversed"].mean()
    activated = (res.metrics["shares"] + res.diagnostics["seed_posts"]).mean()
    return elapsed / runs, work, activated


def time_cynetdiff(nx_graph, seeds, p, runs):
    try:
        from cynetdiff.utils import networkx_to_ic_model
    except ImportError:
        return None, "cynetdiff not installed (pip install cynetdiff)"
    model, node_index = networkx_to_ic_model(nx_graph, activation_prob=p, rng=SEED)
    model.set_seeds([node_index[int(s)] for s in seeds])
    total = 0
    start = time.perf_counter()
    for _ in range(runs):
        model.reset_model()
        model.advance_until_completion()
        total += model.get_num_activated_nodes()
    return ((time.perf_counter() - start) / runs, total / runs), ""


def time_eon(nx_graph, seeds, p, runs):
    try:
        import EoN
    except ImportError:
        return None, "EoN not installed (pip install EoN)"
    rng = np.random.default_rng(SEED)
    total = 0
    start = time.perf_counter()
    for _ in range(runs):
        t, S, I, R = EoN.basic_discrete_SIR(nx_graph, p, initial_infecteds=list(seeds), rng=rng)
        total += R[-1]
    return ((time.perf_counter() - start) / runs, total / runs), ""


def time_ndlib(nx_graph, seeds, p, runs):
    try:
        import ndlib.models.ModelConfig as mc
        import ndlib.models.epidemics as ep
    except ImportError:
        return None, "ndlib not installed (pip install ndlib)"
    total = 0
    start = time.perf_counter()
    for r in range(runs):
        model = ep.IndependentCascadesModel(nx_graph, seed=SEED + r)
        cfg = mc.Configuration()
        cfg.add_model_initial_configuration("Infected", [int(s) for s in seeds])
        for e in nx_graph.edges():
            cfg.add_edge_configuration("threshold", e, p)
        model.set_initial_status(cfg)
        while True:
            it = model.iteration(node_status=False)
            if it["node_count"][1] == 0:
                break
        total += it["node_count"][2]
    return ((time.perf_counter() - start) / runs, total / runs), ""


def section_speed(runs: int, skip_peers: bool) -> None:
    graph = barabasi_albert(100_000, 5, seed=SEED)
    seeds = np.random.default_rng(SEED).choice(graph.n_nodes, 50, replace=False)
    nx_graph = None if skip_peers else graph.to_networkx()
    print(f"== Speed: {graph}, 50 seeds; runs per timing: {runs} x (10 at p=0.01, 2 at 0.05, 1 at 0.1) ==")
    print(f"{'p':>5} {'engine':<22} {'ms/run':>9} {'M arcs/s':>9} {'activated':>10} {'vs CyNetDiff':>13}")
    for p, scale in zip(PS, (10, 2, 1)):
        runs_p = runs * scale  # tiny cascades need many runs to time more than the per-call overhead
        ic = CascadeModel.independent_cascade(p, horizon=1000.0)
        t1, work, act = time_viralsim(graph, ic, seeds, runs_p, 1)
        t2, _, _ = time_viralsim(graph, ic, seeds, runs_p, 2)
        tf1, _, act_full = time_viralsim(graph, full_model(p), seeds, runs_p, 1)
        tf2, work_full, _ = time_viralsim(graph, full_model(p), seeds, runs_p, 2)
        peers = {}
        notes = []
        if not skip_peers:
            for name, fn, r in (("CyNetDiff", time_cynetdiff, runs_p), ("EoN (5 runs)", time_eon, 5),
                                ("NDlib (1 run)", time_ndlib, 1)):
                out, note = fn(nx_graph, seeds, p, r)
                if out is None:
                    notes.append(note)
                else:
                    peers[name] = out
        base = peers.get("CyNetDiff", (None,))[0]

        def row(name, t, activated, w=work, versus=True):
            ratio = f"{base / t:12.1f}x" if base and versus else f"{'-':>13}"
            print(f"{p:5.2f} {name:<22} {t * 1e3:9.3f} {w / t / 1e6:9.1f} {activated:10.1f} {ratio}")

        row("viralsim IC 1 thread", t1, act)
        row("viralsim IC 2 threads", t2, act)
        for name, (t, activated) in peers.items():
            row(name, t, activated)
        row("viralsim full, 1 thr", tf1, act_full, work_full, versus=False)
        row("viralsim full, 2 thr", tf2, act_full, work_full, versus=False)
        # feed_reach 0.3 shrinks the cascades, so also compare time per unit of work (arc traversed)
        print(f"      full model / IC: time per run {tf1 / t1:.2f} (1 thread), {tf2 / t2:.2f} (2 threads); "
              f"time per arc traversed {tf1 / work_full / (t1 / work):.2f} (1 thread), "
              f"{tf2 / work_full / (t2 / work):.2f} (2 threads)")
        for note in notes:
            print(f"      skipped: {note}")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def section_scale(huge: bool, quick: bool) -> None:
    model = full_model(0.32)
    print("\n== Scale: full model (feed_reach 0.3, stickiness 0.32, half-life 24 h, lognormal delay, funnel), "
          "Holme-Kim m = 5, triangle_prob 0.5, 50 seeds, 2 threads ==")
    sizes = [100_000, 1_000_000] + ([10_000_000] if huge else [])
    per_run = {}
    for n in sizes:
        start = time.perf_counter()
        graph = holme_kim(n, 5, 0.5, seed=SEED)
        build = time.perf_counter() - start
        seeds = np.random.default_rng(SEED).choice(n, 50, replace=False)
        runs = 1000 if n == 1_000_000 and not quick else (100 if n <= 1_000_000 else 20)
        simulate(graph, model, seeds, runs=2, seed=0, threads=2)
        start = time.perf_counter()
        res = simulate(graph, model, seeds, runs=runs, seed=SEED, threads=2)
        elapsed = time.perf_counter() - start
        per_run[n] = elapsed / runs
        reach = res.metrics["reach"] / n
        print(f"n = {n:>10,}: graph {build:5.1f} s; {runs:5,} runs in {elapsed:6.2f} s ({elapsed / runs * 1e3:7.2f} ms/run); "
              f"reach {reach.mean():.1%} of audience (p05 {np.quantile(reach, 0.05):.1%}); "
              f"peak RSS so far {_peak_rss_mb():,.0f} MB")
    ns = sorted(per_run)
    for a, b in zip(ns, ns[1:]):
        print(f"time per run grows x{per_run[b] / per_run[a]:.1f} from n = {a:,} to {b:,} (nodes x{b // a})")


def _ic_limit():
    """``ic_limit_runs`` from ../shared/bench/ic_limit.py (imported by path), or None."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared" / "bench" / "ic_limit.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("ic_limit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.ic_limit_runs


def _best(fn, repeat: int = 3) -> float:
    """The fastest of ``repeat`` timings of fn() (seconds): the least disturbed by the machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def section_world(runs: int) -> None:
    from numba import set_num_threads

    from viralsim.model import ContentSpec, simulate_world
    from viralsim.random import replicate_keys

    graph = barabasi_albert(100_000, 5, seed=SEED)
    rng = np.random.default_rng(SEED)
    picked = rng.choice(graph.n_nodes, 100, replace=False).astype(np.int64)
    s1, s2 = picked[:50], picked[50:]
    print(f"\n== Several contents: {graph}, 50 seeds per content, {runs} runs per timing, 2 threads, best of 3 ==")
    for label, model in (("IC p=0.05", CascadeModel.independent_cascade(0.05)), ("full model", full_model(0.32)),
                         ("full model, fatigue 0.8", dataclasses_replace(full_model(0.32), fatigue=0.8))):
        one = [ContentSpec("a", model, seeds=s1)]
        two = one + [ContentSpec("b", model, seeds=s2)]
        kw = dict(runs=runs, seed=SEED, threads=2, timeseries=False)
        simulate(graph, model, s1, runs=2, seed=0, threads=2)
        simulate_world(graph, one, runs=2, seed=0, threads=2, engine="world")
        simulate_world(graph, two, runs=2, seed=0, threads=2)
        t_solo = _best(lambda: simulate(graph, model, s1, **kw)) / runs
        t_w1 = _best(lambda: simulate_world(graph, one, engine="world", **kw)) / runs
        t_w2 = _best(lambda: simulate_world(graph, two, **kw)) / runs
        print(f"{label:<24} one content {t_solo * 1e3:8.2f} ms/run; world kernel, one content x{t_w1 / t_solo:.2f}; "
              f"two contents x{t_w2 / t_solo:.2f} of one content (target <= 2.5)")
    ic_limit = _ic_limit()
    if ic_limit is None:
        print("ic_limit.py not found beside the project (../shared/bench/): skipped")
        return
    set_num_threads(2)
    keys = replicate_keys(SEED, runs * 4)
    seeds = s1
    ic_limit(graph.indptr.astype(np.int64), graph.indices, seeds, 0.05, keys[:4])
    model = CascadeModel.independent_cascade(0.05)
    for p in (0.01, 0.05):
        model = CascadeModel.independent_cascade(p)
        n_runs = runs * 4 if p < 0.05 else runs
        t_ref = _best(lambda: ic_limit(graph.indptr.astype(np.int64), graph.indices, seeds, p, keys[:n_runs])) / n_runs
        t_vs = _best(lambda: simulate(graph, model, seeds, runs=n_runs, seed=SEED, threads=2, timeseries=False)) / n_runs
        t_full = _best(lambda: simulate(graph, full_model(0.32), seeds, runs=runs, seed=SEED, threads=2,
                                        timeseries=False)) / runs
        print(f"IC p={p:<5} viralsim {t_vs * 1e3:7.3f} ms/run, ic_limit {t_ref * 1e3:7.3f} ms/run: ratio "
              f"x{t_vs / t_ref:.2f}")
    res = simulate(graph, full_model(0.32), seeds, runs=runs, seed=SEED, threads=2, timeseries=False)
    ic = simulate(graph, CascadeModel.independent_cascade(0.05), seeds, runs=runs, seed=SEED, threads=2,
                  timeseries=False)
    per_arc_full = t_full / res.diagnostics["arcs_traversed"].mean()
    per_arc_ic = t_vs / ic.diagnostics["arcs_traversed"].mean()
    print(f"full model / IC per arc traversed: x{per_arc_full / per_arc_ic:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200, help="runs per viralsim/CyNetDiff timing (default 200)")
    ap.add_argument("--quick", action="store_true", help="100 instead of 1,000 runs at n = 10^6")
    ap.add_argument("--huge", action="store_true", help="also time n = 10^7 (needs ~6 GB)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-world", action="store_true")
    args = ap.parse_args()
    if not args.skip_speed:
        section_speed(args.runs, args.skip_peers)
    if not args.skip_scale:
        section_scale(args.huge, args.quick)
    if not args.skip_world:
        section_world(args.runs)


if __name__ == "__main__":
    main()
