"""Speed and memory of influence maximisation (IMM) and its CELF reference.

Run:  python3 benchmarks/bench_imm.py [--n 1000000] [--k 100] [--epsilon 0.1] [--p 0.01] [--threads 2]
                                      [--skip-large] [--skip-facebook] [--celf-worlds 1000]

Section 1: IMM (Tang, Shi & Xiao 2015, fresh final RR sets as Chen 2018) on a Holme–Kim graph
(n = 10^6, m = 5, triangle_prob 0.3), k = 100, epsilon = 0.1, ell = 1, independent cascade with
p = 0.01 (objective "posters"), 2 threads: wall time split into RR-set generation and greedy
selection, theta, RR sets of phase 1, the final sets that are non-trivial (stored; trivial sets
{root} are only counted per node), mean RR-set size (trivial sets included) and peak memory
(max RSS of this process, which includes the graph).

Section 2: CELF (Monte Carlo greedy, the small-graph reference) against IMM on ego-Facebook
(4,039 nodes, read from ../shared/data/facebook_combined.txt.gz), k = 50, p = 0.01, with the
expected spread of both seed sets from one set of 200,000 RR sets (viralsim.campaign.influence.rr_estimate).

Timings are wall-clock on whatever machine runs this and include nothing but the call (kernels
are compiled or loaded from the cache first); nothing here is asserted.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from pathlib import Path

from viralsim.campaign import influence
from viralsim.graph import holme_kim, read_edgelist

SEED = 2026
FACEBOOK = Path(__file__).resolve().parents[2] / "shared" / "data" / "facebook_combined.txt.gz"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_seconds() -> float:
    """CPU time of this process (all threads): on a shared machine, CPU s / threads bounds the
    wall time the run would take with the cores to itself."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


class _Stats(logging.Handler):
    """Collects the time split IMM logs at DEBUG level (``record.imm_stats``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.last: dict | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.last = getattr(record, "imm_stats", self.last)


def _capture() -> _Stats:
    handler = _Stats()
    log = logging.getLogger("viralsim.campaign.influence")
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    return handler


def section_large(n: int, k: int, epsilon: float, p: float, threads: int) -> None:
    stats = _capture()
    start = time.perf_counter()
    graph = holme_kim(n, 5, 0.3, seed=SEED)
    built = time.perf_counter() - start
    small = holme_kim(2000, 5, 0.3, seed=SEED)
    influence.imm(small, 5, share_given_view=p, key=1, threads=threads)  # compile / load the cache
    print(f"== IMM: {graph} (built in {built:.1f} s), k = {k}, epsilon = {epsilon}, ell = 1, IC p = {p}, "
          f"{threads} threads ==")
    start = time.perf_counter()
    cpu = _cpu_seconds()
    result = influence.imm(graph, k, share_given_view=p, epsilon=epsilon, ell=1.0, key=SEED, threads=threads)
    total = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    s = stats.last
    print(f"{'total s':>8} {'CPU s':>7} {'RR gen s':>9} {'select s':>9} {'theta':>13} {'phase-1 sets':>13} "
          f"{'stored sets':>12} {'mean |RR|':>10} {'peak RSS MB':>12} {'estimate':>10}")
    print(f"{total:8.1f} {cpu:7.1f} {s['rr_seconds']:9.1f} {s['select_seconds']:9.1f} {result.samples:13,} "
          f"{s['phase1_sets']:13,} {s['stored_sets']:12,} {s['mean_rr_size']:10.3f} {_peak_rss_mb():12.0f} "
          f"{result.estimated:10.1f}")
    print(f"   stored: {s['stored_sets'] / result.samples:.1%} of the final sets ({s['members']:,} members), "
          f"{s['phase1_stored']:,} of the phase-1 sets")
    print(f"   lower bound of the optimum from phase 1: {s['lower_bound']:.1f}; guarantee: {result.guarantee}")


def section_facebook(k: int, p: float, worlds: int, threads: int) -> None:
    if not FACEBOOK.exists():
        print(f"== CELF vs IMM: skipped, {FACEBOOK} not found ==")
        return
    graph = read_edgelist(FACEBOOK, directed=False)
    influence.celf(graph, 2, share_given_view=p, simulations=4, key=1, threads=threads)  # compile / load
    influence.imm(graph, 2, share_given_view=p, key=1, threads=threads)
    print(f"\n== CELF vs IMM: {graph}, k = {k}, IC p = {p}, {threads} threads ==")
    print(f"{'method':<24} {'seconds':>8} {'samples':>10} {'spread (RR, 200k)':>20} {'own estimate':>13}")
    for name, call in ((f"CELF, {worlds} worlds", lambda: influence.celf(
            graph, k, share_given_view=p, simulations=worlds, key=SEED, threads=threads)),
            ("IMM, epsilon 0.1", lambda: influence.imm(graph, k, share_given_view=p, key=SEED, threads=threads))):
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
        spread, se = influence.rr_estimate(graph, result.seeds, share_given_view=p, samples=200_000, key=7)
        print(f"{name:<24} {elapsed:8.2f} {result.samples:10,} {spread:12.1f} ± {se:5.1f} {result.estimated:13.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--epsilon", type=float, default=0.1)
    ap.add_argument("--p", type=float, default=0.01)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--celf-worlds", type=int, default=1000)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-facebook", action="store_true")
    args = ap.parse_args()
    if not args.skip_large:
        section_large(args.n, args.k, args.epsilon, args.p, args.threads)
    if not args.skip_facebook:
        section_facebook(50, args.p, args.celf_worlds, args.threads)


if __name__ == "__main__":
    main()
