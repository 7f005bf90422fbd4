"""Calibration: interval coverage in repeated parameter recovery, and the time of a fit on real cascades.

    python3 benchmarks/bench_calibration.py                 # 12 recovery repeats, then Twitter15/16 fits
    python3 benchmarks/bench_calibration.py --repeats 30 --skip-real

Recovery: cascades simulated with known parameters on a 3,000-user Holme-Kim graph (stickiness
0.12, half-life 24 h, delay median 1 h, sigma 0.8; the cascades with 5+ posts of 3,000 runs) are
fitted back; printed is how often each true value lies inside its 90% interval, with the
binomial standard error.  Real: `fit` on the training split (the earliest 70% by tweet id) of
Twitter15 and of Twitter16 in ../shared/data/, on a 100,000-user follower graph, cascades
starting at one of the 1,000 most-followed users, as `viralsim predict --evaluate` fits them.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viralsim.calibration import FitSettings, fit_cascades  # noqa: E402
from viralsim.graph import generate  # noqa: E402
from viralsim.model import CascadeModel, simulate_random_seed  # noqa: E402
from viralsim.observed import read_cascades  # noqa: E402
from viralsim.observed.cascades import from_sharer_trees  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
TRUTH = {"stickiness": 0.12, "half_life_h": 24.0, "delay_median_h": 1.0, "delay_sigma": 0.8}


def recovery(repeats: int) -> None:
    g = generate("holme_kim", 3000, seed=3, m=4, triangle_prob=0.3)
    true = CascadeModel(stickiness=0.12, feed_reach=0.5, half_life=24.0, delay_median=1.0, delay_sigma=0.8,
                        horizon=48.0, step=0.25)
    start = CascadeModel(stickiness=0.05, feed_reach=0.5, half_life=6.0, delay_median=3.0, delay_sigma=0.3)
    hits = {k: 0 for k in TRUTH}
    t0 = time.perf_counter()
    for k in range(repeats):
        sim = simulate_random_seed(g, true, runs=3000, seed=1000 + k, keep_trees=3000, timeseries=False)
        observed = from_sharer_trees(sim.trees, np.flatnonzero(np.diff(sim.trees.offsets) >= 5))
        fit = fit_cascades(observed, g, start, FitSettings(window_h=48.0, min_size=5, runs=3000, bootstrap=100,
                                                           half_lives_h=(6.0, 12.0, 24.0, 48.0, None), seed=k))
        for name, value in TRUTH.items():
            est = fit.estimates[name]
            low = -math.inf if est.low is None else est.low
            high = math.inf if est.high is None else est.high
            hits[name] += low <= value <= high
    print(f"parameter recovery, {repeats} repeats ({time.perf_counter() - t0:.0f} s): coverage of the 90% intervals")
    for name, h in hits.items():
        p = h / repeats
        print(f"  {name:16s} {h:3d}/{repeats}  {p:.0%} (binomial se {math.sqrt(0.9 * 0.1 / repeats):.0%} at 90%)")


def real_fits() -> None:
    sets = {"twitter15": ["twitter15_trees.part1.tsv.gz", "twitter15_trees.part2.tsv.gz"],
            "twitter16": ["twitter16_trees.tsv.gz"]}
    g = generate("follower", 100_000, seed=7, m=8, reciprocity=0.2)
    base = CascadeModel(stickiness=0.04, feed_reach=0.4, half_life=12.0, fatigue=1.0, delay_median=2.0,
                        delay_sigma=1.0)
    for name, files in sets.items():
        paths = [DATA / f for f in files]
        if not all(p.exists() for p in paths):
            print(f"{name}: skipped ({DATA} does not have {', '.join(files)})")
            continue
        c = read_cascades(paths).observed_until(168.0)
        train, _ = c.time_ordered_split(0.7)
        t0 = time.perf_counter()
        fit = fit_cascades(c.select(train), g, base, FitSettings(min_size=50, roots=1000))
        e = fit.estimates
        print(f"{name}: fit on {train.shape[0]} training cascades in {time.perf_counter() - t0:.0f} s: stickiness "
              f"{e['stickiness'].value:.3g}, half-life {e['half_life_h'].value} h, delay median "
              f"{e['delay_median_h'].value:.3g} h, sigma {e['delay_sigma'].value:.3g}; KS "
              + ", ".join(f"{k} {v:.3f}" for k, v in fit.ks.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=12)
    ap.add_argument("--skip-recovery", action="store_true")
    ap.add_argument("--skip-real", action="store_true")
    args = ap.parse_args()
    if not args.skip_recovery:
        recovery(args.repeats)
    if not args.skip_real:
        real_fits()


if __name__ == "__main__":
    main()
