"""``viralsim plot`` and ``viralsim report``: figures and the HTML report from result folders."""

from __future__ import annotations

import argparse
from pathlib import Path

PLOT_EXAMPLES = """\
examples:
  viralsim plot results/baseline
      spread curve of cumulative reach (mean line, 5-95% band) -> spread-reach.png
  viralsim plot results/baseline results/celebrity results/micro --metric impressions -o impressions.svg
      several scenarios on one axis, one colour each; format from the suffix (.png, .svg, .pdf)
  viralsim plot results/celebrity results/micro --kind compare -o compare.png
      each scenario's mean and 95% CI against the first (the baseline), with P(beats baseline)
  viralsim plot results/compare --kind compare --metric reach --metric emv
      the same from a `viralsim compare` folder (compare.json), chosen metrics only
  viralsim plot results/ --kind ccdf          cascade-size distribution, P(reach >= x), log-log
  viralsim plot results/ --kind funnel        impressions -> engagements -> clicks -> conversions
  viralsim plot results/ --kind attribution   owned / paid / earned reach (and per seed when known)
  viralsim plot results/sticky results/evergreen --kind sov    share of voice over time

RESULT_DIR is a folder written by `viralsim run` (DIR/<name>/ with summary.json, runs.csv,
timeseries.csv, manifest.json), a parent such as results/ (all its run folders, in name order)
or a `viralsim compare` folder. The first scenario given is the baseline of comparisons.
Runs with the same seed and run count are compared pairwise (common random numbers).

kinds:
"""

REPORT_EXAMPLES = """\
examples:
  viralsim report results/baseline results/celebrity results/micro -o report.html
  viralsim report results/ -o report.html --title "Spring launch: celebrity vs micro-influencers"
  viralsim report results/ -o report.html --baseline celebrity

One HTML file with everything inline (figures as SVG, no scripts, nothing loaded from the
network): the scenarios' settings (differences highlighted), summary and comparison tables,
every figure, the EMV formula and its caveat, and each run's manifest (seed, versions) so the
reader can reproduce it. Open it in any browser; print it to PDF (A4) from there.
"""


def register(sub) -> None:
    """Register ``plot`` and ``report`` on the top-level subparsers."""
    from ..plotting.load import SERIES_METRICS

    kinds = _kinds_help()
    p = sub.add_parser("plot", help="draw a figure from result folders (PNG, SVG or PDF)",
                       description="Draw a figure from result folders (matplotlib, no display needed).",
                       epilog=PLOT_EXAMPLES + kinds, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="+", metavar="RESULT_DIR", help="result folder(s); the first is the baseline")
    p.add_argument("--kind", default="spread", metavar="KIND",
                   help="figure kind: spread (default), ccdf, compare, funnel, attribution, sov")
    p.add_argument("--metric", action="append", default=[], metavar="NAME",
                   help=f"metric to show: {'|'.join(SERIES_METRICS)} for spread and sov, any per-run metric "
                        "(e.g. reach_earned, shares) for ccdf, repeatable for compare")
    p.add_argument("--baseline", metavar="NAME", help="baseline scenario for --kind compare (default: the first)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="output file, .png, .svg or .pdf (default: KIND-METRIC.png in the current folder)")
    p.set_defaults(func=cmd_plot)

    r = sub.add_parser("report", help="write one self-contained HTML report from result folders",
                       description="Write one self-contained HTML report from result folders.",
                       epilog=REPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("results", nargs="+", metavar="RESULT_DIR", help="result folder(s); the first is the baseline")
    r.add_argument("-o", "--output", required=True, metavar="FILE.html", help="the report file to write")
    r.add_argument("--title", help="page title (default: the scenario names)")
    r.add_argument("--baseline", metavar="NAME", help="baseline scenario (default: the first given)")
    r.set_defaults(func=cmd_report)


def _kinds_help() -> str:
    """One line per figure kind, for the epilog."""
    from ..plotting import KINDS

    return "".join(f"  {k:<12} {v[3]}\n" for k, v in KINDS.items())


def cmd_plot(args) -> int:
    """Load the result folders, draw ``--kind`` and write it (format from the suffix)."""
    from ..errors import InvalidParameterError
    from ..plotting import FORMATS, KINDS, load_results, make_figure, save_figure

    if args.kind not in KINDS:
        raise InvalidParameterError(f"unknown --kind {args.kind!r}; choose one of: {', '.join(KINDS)}")
    if args.baseline is not None and args.kind != "compare":
        raise InvalidParameterError("--baseline applies to --kind compare only")
    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in FORMATS:
        raise InvalidParameterError(f"-o {out}: the file must end in {', '.join(FORMATS)}")
    results = load_results(args.results)
    fig = make_figure(args.kind, results, args.metric, baseline=args.baseline)
    if out is None:
        default = KINDS[args.kind][2]
        metric = args.metric[0] if len(args.metric) == 1 else default
        out = Path(f"{args.kind}-{metric}.png" if metric else f"{args.kind}.png")
    save_figure(fig, out)
    print(f"wrote {out}")
    return 0


def cmd_report(args) -> int:
    """Write the self-contained HTML report."""
    from ..report import write_report

    out = write_report(args.results, args.output, title=args.title, baseline=args.baseline)
    print(f"wrote {out} ({out.stat().st_size / 1e6:,.1f} MB, self-contained: open it in a browser, print to PDF)")
    return 0
