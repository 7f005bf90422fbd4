"""``viralsim describe`` and ``viralsim fit``: observed cascades, described and fitted."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from ..errors import ViralsimError

DESCRIBE_EXAMPLES = """\
examples:
  viralsim describe ../shared/data/twitter16_trees.tsv.gz
  viralsim describe ../shared/data/twitter15_trees.part1.tsv.gz ../shared/data/twitter15_trees.part2.tsv.gz
  viralsim describe my_cascades.csv --window 7d --json > stats.json

Formats (detected from the first line, or --format):
  csv            viralsim's CSV: cascade_id, user, time_h | time_min | time_s, and optionally
                 parent_user (empty for the root), followers, label; one row per post, a cascade's
                 rows together and in time order
  twitter-trees  Twitter15/16 propagation trees (Ma et al. 2017)
  evently        retweet cascades with follower counts (#auspol, the evently package)
  seismic        one retweet cascade: relative_time_second, number_of_followers (SEISMIC)
  weibo          Sina Weibo repost paths (DeepHawkes format)
Cleaning (all formats): times relative to the root, one post per user and cascade (the earliest),
parents before children (third-party data is repaired and the repairs counted; the CSV must be clean).
"""

FIT_EXAMPLES = """\
examples:
  viralsim fit ../shared/data/twitter16_trees.tsv.gz --audience scenarios/follower_graph.yaml --roots 1000
  viralsim fit my_cascades.csv --audience scenarios/baseline.yaml --window 3d -o fits/spring
  viralsim run fits/spring/fitted.yaml              the fitted scenario runs like any other

What is fitted: the share delay (median and sigma) by maximum likelihood when the data has
parents; stickiness and half-life by simulation on the audience, each simulated cascade starting
at a random user (--roots K: one of the K most-followed), keeping those with at least
--min-size posts, on common random numbers; intervals by bootstrap.  feed_reach is not
identifiable from share cascades (only feed_reach x stickiness is) and stays at the audience's.
Writes DIR/fitted.yaml (extends the audience scenario), fit.json, comparison.csv and fit.png.
"""


def _duration(flag: str):
    def parse(text: str) -> float:
        from ..scenario.schema import parse_duration_h

        try:
            value = parse_duration_h(text)
        except (ValueError, TypeError) as exc:
            raise argparse.ArgumentTypeError(f"must be a duration such as 90m, 6h or 7d, got {text!r} ({exc})")
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be a duration > 0, got {text!r}")
        return value

    parse.__name__ = flag
    return parse


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text}")
    return value


def register(sub) -> None:
    from ..observed import FORMATS
    from .run_cmd import _threads

    fmt = argparse.RawDescriptionHelpFormatter
    formats = ["auto", *FORMATS]
    d = sub.add_parser("describe", help="descriptive statistics of observed cascades (size, depth, timing, delays)",
                       description="Read observed share cascades and print the statistics viralsim also reports for "
                                   "simulated ones.", epilog=DESCRIBE_EXAMPLES, formatter_class=fmt)
    d.add_argument("files", nargs="+", metavar="FILE", help="cascade file(s) of one format, gzip or not")
    d.add_argument("--format", choices=formats, default="auto", help="the file format (default: detected)")
    d.add_argument("--window", type=_duration("--window"), metavar="DURATION",
                   help="observation window: drop posts later than this after their root (e.g. 7d)")
    d.add_argument("--json", action="store_true", help="print the statistics as JSON instead of a table")
    d.set_defaults(func=cmd_describe)

    f = sub.add_parser("fit", help="fit stickiness, half-life and delays to observed cascades on an audience",
                       description="Fit the content and platform parameters so that cascades simulated on the "
                                   "audience match the observed ones.", epilog=FIT_EXAMPLES, formatter_class=fmt)
    f.add_argument("files", nargs="+", metavar="OBSERVED", help="cascade file(s) of one format")
    f.add_argument("--audience", required=True, metavar="SCENARIO",
                   help="scenario whose audience (and feed_reach, fatigue) the fit simulates on")
    f.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a key of the audience scenario, e.g. --set audience.nodes=50000")
    f.add_argument("--format", choices=formats, default="auto", help="the file format (default: detected)")
    f.add_argument("--window", type=_duration("--window"), default=168.0, metavar="DURATION",
                   help="observation window and simulated horizon (default 7d)")
    f.add_argument("--min-size", type=_positive_int, metavar="N",
                   help="only cascades with at least N posts count, observed and simulated (default: the "
                        "smallest observed one: the data's own selection)")
    f.add_argument("--roots", type=_positive_int, metavar="K",
                   help="simulated cascades start at one of the K most-followed users (default: anyone)")
    f.add_argument("--runs", type=_positive_int, default=20_000, metavar="N",
                   help="simulated cascades per grid point (default 20000; most die small)")
    f.add_argument("--bootstrap", type=_positive_int, default=200, metavar="B", help="bootstrap resamples (default 200)")
    f.add_argument("--seed", type=int, default=1, metavar="S", help="master seed of the simulations (default 1)")
    f.add_argument("--threads", type=_threads, metavar="N", help="numba threads (results do not depend on it)")
    f.add_argument("-o", "--out", default="fit", metavar="DIR", help="output folder (default: fit)")
    f.add_argument("--json", action="store_true", help="print fit.json to stdout instead of tables")
    f.set_defaults(func=cmd_fit)


def cmd_describe(args) -> int:
    from ..observed import read_cascades
    from ..observed.stats import SUMMARY_LABELS, describe

    cascades = read_cascades(args.files, format=args.format, window_h=args.window)
    stats = describe(cascades).summary()
    if args.json:
        payload = {"source": cascades.source, "format": cascades.format, "window_h": args.window,
                   "cleaning": cascades.cleaning,
                   "statistics": {k: (v if math.isfinite(v) else None) for k, v in stats.items()}}
        sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
        return 0
    from rich.table import Table

    from .run_cmd import _console

    console = _console()
    table = Table(title=f"{cascades.source} ({cascades.format})", title_justify="left")
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for k, v in stats.items():
        table.add_row(SUMMARY_LABELS[k], _fmt(v, k))
    console.print(table)
    done = ", ".join(f"{k} {v:,}" for k, v in cascades.cleaning.items() if v and k != "rows read")
    console.print(f"read {cascades.cleaning['rows read']:,} rows; cleaning: {done or 'nothing to do'}", soft_wrap=True)
    if not cascades.has_parents:
        console.print("the data has no parent links: depth, structural virality, delays after the parent and "
                      "offspring by generation are unknown", soft_wrap=True)
    return 0


def _fmt(v: float, name: str = "") -> str:
    if not math.isfinite(v):
        return "-"
    if name.startswith("share_size"):
        return f"{v:.1%}"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def cmd_fit(args) -> int:
    from .._progress import activity
    from ..calibration import FitSettings, fit_cascades
    from ..calibration.outputs import ESTIMATE_LABELS, comparison_rows, write_fit
    from ..observed import read_cascades
    from ..scenario import load_scenario
    from ..scenario.runner import build_audience, build_model
    from .run_cmd import _check_out, _console, _write

    start = time.perf_counter()
    cascades = read_cascades(args.files, format=args.format)
    scenario = load_scenario(args.audience, list(args.overrides))
    if scenario.is_world:
        raise ViralsimError(f"--audience {args.audience}: a scenario of several contents; give one with a single content")
    if scenario.model != "cascade":
        raise ViralsimError(f"--audience {args.audience}: model is {scenario.model}; fit needs model: cascade")
    _check_out(args.out)
    settings = FitSettings(window_h=args.window, min_size=args.min_size, runs=args.runs, bootstrap=args.bootstrap,
                           seed=args.seed, threads=args.threads, roots=args.roots)
    with activity("building the audience") as _:
        graph = build_audience(scenario)
    base = build_model(scenario, graph)
    with activity("fitting: simulating", "settings") as advance:
        fit = fit_cascades(cascades, graph, base, settings, progress=lambda message: advance(1))
    target = _write(write_fit, fit, args.out, audience_path=Path(args.audience), observed_source=cascades.source,
                    overrides=tuple(args.overrides), out=args.out)
    if args.json:
        sys.stdout.write((target / "fit.json").read_text())
        return 0
    from rich.table import Table

    console = _console()
    level = f"{settings.level:.0%}"
    t = Table(title=f"Fitted to {fit.observed.n_cascades:,} cascades of {cascades.source} "
                    f"(at least {fit.min_size} posts, {settings.window_h:g} h window)", title_justify="left")
    for col, just in (("scenario key", "left"), ("estimate", "right"), (f"{level} interval", "right"),
                      ("how", "left")):
        t.add_column(col, justify=just)
    for key, est in fit.estimates.items():
        name, unit = ESTIMATE_LABELS[key]
        value = "none" if est.value is None else f"{est.value:.3g}{unit}"
        if est.low is None and est.high is None:
            interval = "-"
        else:
            interval = (f"{'-' if est.low is None else f'{est.low:.3g}{unit}'} to "
                        f"{'none' if est.high is None else f'{est.high:.3g}{unit}'}")
        t.add_row(name, value, interval, est.method)
    t.add_row("platform.feed_reach", f"{base.feed_reach:g}", "not identifiable", "kept from the audience")
    console.print(t)
    c = Table(title="Observed and simulated (fitted) cascades, the same statistics", title_justify="left")
    c.add_column("statistic")
    c.add_column("observed", justify="right")
    c.add_column("simulated", justify="right")
    for name, label, o, s in comparison_rows(fit):
        c.add_row(label, _fmt(o, name), _fmt(s, name))
    console.print(c)
    console.print("goodness of fit, two-sample KS statistics (0 = same distribution, 1 = disjoint): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in fit.ks.items() if math.isfinite(v)), soft_wrap=True)
    for k, v in fit.diagnostics.items():
        if "log-likelihood" in k:
            note = (" (the delays do not support so fast a decay: the fit bends the half-life to match the sizes "
                    "and timing)" if v < -100 else "")
            console.print(f"check: {k}: {v:,.1f}{note}", soft_wrap=True)
        elif "kept" in k:
            console.print("the delay's correction for what the simulator loses to the decay and to first successes "
                          + ("was kept" if v else "fitted worse and was not kept"), soft_wrap=True)
        else:
            console.print(f"{k}: {v:.3f}", soft_wrap=True)
    console.print(f"wrote {target}/ (fitted.yaml, fit.json, comparison.csv, fit.png) in "
                  f"{time.perf_counter() - start:,.1f} s", soft_wrap=True)
    return 0
