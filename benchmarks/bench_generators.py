"""Time and peak memory of viralsim's graph generators against networkx and NetworKit.

Each measurement runs in its own subprocess so that its peak resident memory is its own
(the child's VmHWM; the table also shows the increase over the child's RSS just before
generating, i.e. without the interpreter, numba or the peer library).  viralsim's time includes building the CSR SocialGraph; NetworKit's
includes its Graph, networkx's its dict-of-dicts.  Numba compiles on first call: each
viralsim child first generates a small graph (warm-up, excluded and reported as "compile").

Usage::

    python3 benchmarks/bench_generators.py                    # 1e5 and 1e6 nodes
    python3 benchmarks/bench_generators.py --sizes 1e5,1e6,1e7
    python3 benchmarks/bench_generators.py --kinds barabasi_albert,holme_kim --threads 1

networkx runs only up to ``--networkx-max`` nodes (default 1e5: it takes minutes above);
NetworKit is optional (``pip install networkit``, the ``bench`` extra) and skipped with a
note when absent.  Timings on a shared machine are noisy: compare ratios measured together.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PARAMS = {
    "erdos_renyi": {"mean_degree": 10.0},
    "barabasi_albert": {"m": 5},
    "holme_kim": {"m": 5, "triangle_prob": 0.5},
    "watts_strogatz": {"k": 10, "rewire_prob": 0.1},
    "configuration": {"exponent": 2.5, "mean_degree": 10.0},
    "segmented": {"shares": [0.25, 0.25, 0.25, 0.25], "within_degree": 8.0, "between_degree": 2.0},
    "follower": {"m": 5, "reciprocity": 0.2},
}


# ---- the three libraries, each building the same model --------------------------------------


def run_viralsim(kind: str, n: int, seed: int):
    from viralsim.graph import generate

    g = generate(kind, n, seed=seed, **PARAMS[kind])
    return g.n_arcs


def _segment_probs(n: int):
    p = PARAMS["segmented"]
    k = len(p["shares"])
    size = n // k
    p_in = p["within_degree"] / (size - 1)
    p_out = p["between_degree"] / (n - size)
    return k, size, p_in, p_out


def run_networkx(kind: str, n: int, seed: int):
    import networkx as nx

    p = PARAMS[kind]
    if kind == "erdos_renyi":
        g = nx.fast_gnp_random_graph(n, p["mean_degree"] / (n - 1), seed=seed)
    elif kind == "barabasi_albert":
        g = nx.barabasi_albert_graph(n, p["m"], seed=seed)
    elif kind == "holme_kim":
        g = nx.powerlaw_cluster_graph(n, p["m"], p["triangle_prob"], seed=seed)
    elif kind == "watts_strogatz":
        g = nx.watts_strogatz_graph(n, p["k"], p["rewire_prob"], seed=seed)
    elif kind == "configuration":
        from viralsim.graph.generators import power_law_weights

        w = power_law_weights(n, p["exponent"], p["mean_degree"], None).tolist()
        g = nx.expected_degree_graph(w, seed=seed, selfloops=False)
    elif kind == "segmented":
        k, size, p_in, p_out = _segment_probs(n)
        probs = [[p_in if r == s else p_out for s in range(k)] for r in range(k)]
        g = nx.stochastic_block_model([size] * k, probs, seed=seed)
    else:
        return None
    return 2 * g.number_of_edges()


def run_networkit(kind: str, n: int, seed: int):
    import networkit as nk

    nk.engineering.setSeed(seed, True)
    p = PARAMS[kind]
    if kind == "erdos_renyi":
        g = nk.generators.ErdosRenyiGenerator(n, p["mean_degree"] / (n - 1)).generate()
    elif kind == "barabasi_albert":
        g = nk.generators.BarabasiAlbertGenerator(p["m"], n).generate()
    elif kind == "watts_strogatz":
        g = nk.generators.WattsStrogatzGenerator(n, p["k"] // 2, p["rewire_prob"]).generate()
    elif kind == "configuration":
        from viralsim.graph.generators import power_law_weights

        w = power_law_weights(n, p["exponent"], p["mean_degree"], None)
        g = nk.generators.ChungLuGenerator(w.round().astype(int).tolist()).generate()
    elif kind == "segmented":
        k, size, p_in, p_out = _segment_probs(n)
        g = nk.generators.ClusteredRandomGraphGenerator(n, k, p_in, p_out).generate()
    else:
        return None
    return 2 * g.numberOfEdges()


RUNNERS = {"viralsim": run_viralsim, "networkx": run_networkx, "networkit": run_networkit}
BUDGET_S = 20.0  # a measurement stops repeating once its runs have taken this long


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (VmHWM: peak RSS, VmRSS: now)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(lib: str, kind: str, n: int, repeats: int) -> None:
    """One measurement (in a fresh process): print a JSON line.

    Peak memory is VmHWM, the high-water RSS of this process image (``ru_maxrss`` would carry
    over the high-water mark of the process that exec'ed it).
    """
    runner = RUNNERS[lib]
    compile_s = None
    if lib == "viralsim":
        t0 = time.perf_counter()
        runner(kind, 2000, 0)  # numba compile or cache load, excluded from the timing
        compile_s = time.perf_counter() - t0
    elif lib == "networkit":
        import networkit  # noqa: F401  (import time excluded)
    if lib == "networkx":
        import networkx  # noqa: F401  (import excluded from time and memory delta)
    base_mb = _status_mb("VmRSS")
    times = []
    arcs = None
    for r in range(repeats):
        t0 = time.perf_counter()
        arcs = runner(kind, n, 1 + r)
        times.append(time.perf_counter() - t0)
        if arcs is None or sum(times) > BUDGET_S:
            break
    peak_mb = _status_mb("VmHWM")
    print(json.dumps({"time_s": min(times), "arcs": arcs, "peak_mb": peak_mb,
                      "delta_mb": peak_mb - base_mb, "compile_s": compile_s}))


def measure(lib: str, kind: str, n: int, repeats: int, threads: int | None) -> dict | None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if threads:
        env.update({"NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)})
    cmd = [sys.executable, __file__, "--child", lib, kind, str(n), str(repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": last}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return None if res["arcs"] is None else res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1e5,1e6", help="comma-separated node counts (default 1e5,1e6)")
    ap.add_argument("--kinds", default=",".join(PARAMS), help="generators to run")
    ap.add_argument("--networkx-max", type=float, default=1e5, help="largest n for networkx (default 1e5)")
    ap.add_argument("--peers", default="networkit,networkx", help="peers to time (default networkit,networkx; '' for none)")
    ap.add_argument("--threads", type=int, default=1, help="threads for NetworKit/numba (default 1)")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        lib, kind, n, repeats = args.child
        child(lib, kind, int(n), int(repeats))
        return 0

    peers = {p for p in args.peers.split(",") if p}
    have_nk = False
    if "networkit" in peers:
        try:
            import networkit  # noqa: F401

            have_nk = True
        except ImportError:
            print("note: NetworKit is not installed (pip install networkit); its column is skipped")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, threads={args.threads}; "
          f"time = best of 5 runs at n <= 1e5, 2 at 1e6, else one (every library; fewer once {BUDGET_S:.0f} s are spent); "
          "peak = the measuring child's max RSS")
    header = (f"{'generator':16} {'n':>7} {'arcs':>11} | {'viralsim s':>10} {'peak MB':>7} {'+MB':>6} {'compile s':>9} | "
              f"{'NetworKit s':>11} {'peak MB':>7} {'+MB':>6} {'ratio':>6} | {'networkx s':>10} {'peak MB':>7} {'+MB':>6} {'ratio':>7}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        repeats = 5 if n <= 100_000 else (2 if n <= 1_000_000 else 1)
        for kind in kinds:
            ours = measure("viralsim", kind, n, repeats, args.threads)
            if "error" in ours:
                print(f"{kind:16} {n:>7.0e} viralsim failed: {ours['error']}", flush=True)
                continue
            nk_res = measure("networkit", kind, n, repeats, args.threads) if have_nk else None
            nx_res = measure("networkx", kind, n, repeats, args.threads) if "networkx" in peers and n <= args.networkx_max else None

            def col(res, width, rwidth):
                if res is None:
                    return f"{'-':>{width}} {'-':>7} {'-':>6} {'-':>{rwidth}}"
                if "error" in res:
                    return f"{'error: ' + res['error'][:40]:>{width + rwidth + 16}}"
                ratio = res["time_s"] / ours["time_s"]
                return f"{res['time_s']:>{width}.3f} {res['peak_mb']:>7.0f} {res['delta_mb']:>6.0f} {ratio:>{rwidth - 1}.1f}x"

            print(f"{kind:16} {n:>7.0e} {ours['arcs']:>11,} | {ours['time_s']:>10.3f} {ours['peak_mb']:>7.0f} "
                  f"{ours['delta_mb']:>6.0f} {ours['compile_s']:>9.2f} | {col(nk_res, 11, 6)} | {col(nx_res, 10, 7)}", flush=True)
    print("ratio = peer time / viralsim time (higher: viralsim faster); +MB = peak RSS above the child's RSS "
          "before generating; '-' = no counterpart, or networkx above --networkx-max")
    return 0


if __name__ == "__main__":
    sys.exit(main())
