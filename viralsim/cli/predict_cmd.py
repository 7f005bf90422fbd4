"""``viralsim predict``: a cascade's final size from its first hours, and the evaluation against baselines."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import time
from pathlib import Path

from ..errors import ViralsimError

EXAMPLES = """\
examples:
  viralsim predict early.csv --scenario fits/spring/fitted.yaml --at 2h -o predictions.csv
      each cascade's final size from what was seen in its first 2 hours (median, 80% and 95% ranges)
  viralsim predict ../shared/data/twitter15_trees.part1.tsv.gz ../shared/data/twitter15_trees.part2.tsv.gz \\
      --evaluate --audience scenarios/follower_graph.yaml --set audience.nodes=100000 --roots 1000 -o eval
      fit on the earliest 70% of the cascades, predict the rest at 1 h and 6 h, and score viralsim
      against persistence, SEISMIC and a marked Hawkes process

How: the observed posts until --at are placed on audience users (nearest follower count where the
data has it, else a random follower of the parent's user) and become the seeds of a simulation of
the fitted model, posting at their observed times; no view before --at becomes a share.  The
final size is the window's (--window, default 7d).  The split of --evaluate is time-ordered (by
the root's time or id): a random split would let the fit see cascades from after the ones it
predicts.
"""


def register(sub) -> None:
    from ..observed import FORMATS
    from .observed_cmd import _duration, _positive_int
    from .run_cmd import _threads

    p = sub.add_parser("predict", help="predict cascades' final sizes from their first hours (or --evaluate)",
                       description="Predict each observed cascade's final size from its first hours by simulating "
                                   "the fitted model forward.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="OBSERVED", help="cascade file(s) of one format")
    p.add_argument("--scenario", metavar="FITTED", help="the fitted scenario to predict with (from viralsim fit)")
    p.add_argument("--evaluate", action="store_true",
                   help="fit on the earliest cascades (--train) and score every method on the later ones")
    p.add_argument("--audience", metavar="SCENARIO", help="with --evaluate: the audience scenario to fit on")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a key of the scenario (repeatable)")
    p.add_argument("--format", choices=["auto", *FORMATS], default="auto", help="the file format (default: detected)")
    p.add_argument("--at", dest="at", action="append", type=_duration("--at"), metavar="DURATION",
                   help="observation time after each root (repeatable; default 1h, and 6h with --evaluate)")
    p.add_argument("--window", type=_duration("--window"), default=168.0, metavar="DURATION",
                   help="the final size is the size this long after the root (default 7d)")
    p.add_argument("--train", type=float, default=0.7, metavar="SHARE",
                   help="with --evaluate: the earliest share of cascades that fits the model (default 0.7)")
    p.add_argument("--min-size", type=_positive_int, metavar="N", help="with --evaluate: as in viralsim fit")
    p.add_argument("--roots", type=_positive_int, metavar="K",
                   help="roots without a follower count go on one of the K most-followed users (and the fit's "
                        "simulated cascades start there)")
    p.add_argument("--runs", type=_positive_int, default=200, metavar="N", help="simulations per cascade (default 200)")
    p.add_argument("--fit-runs", type=_positive_int, default=20_000, metavar="N",
                   help="with --evaluate: simulated cascades per grid point of the fit (default 20000)")
    p.add_argument("--test-limit", type=_positive_int, metavar="N",
                   help="with --evaluate: score only the first N test cascades (a quick look)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="master seed (default 1)")
    p.add_argument("--threads", type=_threads, metavar="N", help="numba threads (results do not depend on it)")
    p.add_argument("-o", "--out", metavar="PATH",
                   help="predictions CSV (default predictions.csv), or with --evaluate a folder (default evaluation)")
    p.set_defaults(func=cmd_predict)


METRIC_COLUMNS = (("median_ape", "median APE"), ("p75_ape", "75th pct APE"), ("p95_ape", "95th pct APE"),
                  ("share_off_50pct", "off by >50%"), ("coverage80", "80% coverage"), ("coverage95", "95% coverage"),
                  ("not_scored", "not scored"))


def cmd_predict(args) -> int:
    from ..observed import read_cascades
    from ..scenario import load_scenario
    from ..scenario.runner import build_audience, build_model

    if not 0.0 < args.train < 1.0:
        raise ViralsimError(f"--train: must be a share in (0, 1), got {args.train:g}")
    if args.evaluate == (args.scenario is not None):
        raise ViralsimError("give --scenario FITTED to predict, or --evaluate --audience SCENARIO to score the methods")
    if args.evaluate and args.audience is None:
        raise ViralsimError("--evaluate needs --audience SCENARIO (the audience the model is fitted on)")
    path = args.scenario if args.scenario is not None else args.audience
    flag = "--scenario" if args.scenario is not None else "--audience"
    cascades = read_cascades(args.files, format=args.format)
    scenario = load_scenario(path, list(args.overrides))
    if scenario.is_world or scenario.model != "cascade":
        raise ViralsimError(f"{flag} {path}: predict needs a one-content scenario with model: cascade")
    out = Path(args.out or ("evaluation" if args.evaluate else "predictions.csv"))
    from .run_cmd import _check_out, _console

    _check_out(str(out if args.evaluate else out.parent))
    graph = build_audience(scenario)
    model = build_model(scenario, graph)
    start = time.perf_counter()
    if args.evaluate:
        return _evaluate(args, cascades, graph, model, out, start)
    from dataclasses import replace

    from .._progress import progress_bar
    from ..calibration.predict import Audience, warm_start

    times = args.at or [1.0]
    model = replace(model, horizon=args.window)
    audience = Audience.of(graph, args.roots)
    final = cascades.observed_until(args.window)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cascade_id", "at_h", "posts_seen", "posts_final_observed", "predicted", "low80", "high80", "low95",
                "high95"])
    for at in times:
        prefix = final.observed_until(at)
        with progress_bar(prefix.n_cascades, f"warm starts at {at:g} h") as advance:
            pred = warm_start(prefix, audience, model, at, runs=args.runs, seed=args.seed, threads=args.threads,
                              progress=advance)
        for c in range(prefix.n_cascades):
            w.writerow([prefix.ids[c], f"{at:g}", int(prefix.sizes[c]), int(final.sizes[c]), f"{pred.point[c]:g}",
                        f"{pred.interval80[0][c]:g}", f"{pred.interval80[1][c]:g}", f"{pred.interval95[0][c]:g}",
                        f"{pred.interval95[1][c]:g}"])
    from .._io import write_text_atomic

    try:
        write_text_atomic(out, buf.getvalue())
    except OSError as exc:
        raise ViralsimError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    _console().print(f"wrote {out} ({final.n_cascades:,} cascades x {len(times)} observation time(s)) in "
                     f"{time.perf_counter() - start:,.1f} s; posts_final_observed is what the file shows by "
                     f"{args.window:g} h, for checking", soft_wrap=True)
    return 0


def _evaluate(args, cascades, graph, model, out: Path, start: float) -> int:
    from .._io import atomic_directory
    from .._progress import activity
    from ..calibration import FitSettings
    from ..calibration.predict import evaluate
    from .run_cmd import _console

    settings = FitSettings(window_h=args.window, min_size=args.min_size, runs=args.fit_runs, seed=args.seed,
                           threads=args.threads, roots=args.roots)
    with activity("fitting, then warm starts", "cascades predicted") as advance:
        ev = evaluate(cascades, graph, model, times_h=tuple(args.at or [1.0, 6.0]), train_fraction=args.train,
                      settings=settings, runs=args.runs, test_limit=args.test_limit,
                      progress=lambda message, n: advance(n))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["method", "at_h", "cascades", *(k for k, _ in METRIC_COLUMNS)])
    for r in ev.rows:
        w.writerow([r["method"], f"{r['at_h']:g}", r["cascades"], *(_cell(r.get(k)) for k, _ in METRIC_COLUMNS)])
    payload = ev.to_dict()
    payload["source"] = cascades.source
    with atomic_directory(out) as tmp:
        (tmp / "evaluation.csv").write_text(buf.getvalue())
        (tmp / "evaluation.json").write_text(json.dumps(_clean(payload), indent=2, allow_nan=False) + "\n")
    from rich.table import Table

    console = _console()
    t = Table(title=f"Early prediction of the final size ({args.window:g} h) on {ev.test_cascades:,} held-out "
                    f"cascades", title_justify="left", caption=ev.split, caption_justify="left")
    t.add_column("method")
    t.add_column("seen", justify="right")
    for _, label in METRIC_COLUMNS:
        t.add_column(label, justify="right")
    for r in ev.rows:
        t.add_row(r["method"], f"{r['at_h']:g} h", *(_show(k, r.get(k)) for k, _ in METRIC_COLUMNS))
    console.print(t)
    console.print("APE: |predicted - final| / final.  Intervals: the 10-90% and 2.5-97.5% ranges of the simulations; "
                  "the baselines give points only.", soft_wrap=True)
    console.print(f"wrote {out}/ (evaluation.csv, evaluation.json) in {time.perf_counter() - start:,.1f} s",
                  soft_wrap=True)
    return 0


def _cell(v) -> str:
    return "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:g}"


def _show(key: str, v) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return f"{v:,}" if key == "not_scored" else f"{v:.1%}"


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
