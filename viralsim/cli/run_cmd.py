"""``viralsim run``, ``validate`` and ``compare``: thin clients of :mod:`viralsim.scenario`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

from ..errors import ScenarioError, ViralsimError
from ..scenario.verdict import OBJECTIVES

RUN_EXAMPLES = """\
examples:
  viralsim run scenarios/baseline.yaml
      simulate the bundled baseline; writes results/baseline/ (summary.json, runs.csv, timeseries.csv,
      attribution.csv, manifest.json)
  viralsim run scenarios/micro.yaml --runs 200 --set content.stickiness=0.05 --set campaign.seeding.count=20
      fewer runs, stickier content, 20 seeds (--set values are checked like file values)
  viralsim run scenarios/baseline.yaml --json | python3 -m json.tool
      print the summary JSON only (a list when several scenarios are given)
  viralsim run scenarios/baseline.yaml --plot
      also draw results/baseline/spread_reach.png (mean reach over time, 5-95% band)
  viralsim run results/baseline/manifest.json --out rerun
      re-run a finished scenario exactly (same resolved scenario and seed -> same numbers)
  viralsim run scenarios/budget_micro.yaml --baseline scenarios/budget_organic.yaml
      also run the no-campaign world with the same random numbers and report incremental reach,
      impressions, conversions and EMV, and the cost per incremental user reached (incrementality.csv)

Every metric is reported as mean and 90% interval (p05-p95) over the Monte Carlo runs;
summary.json adds std, median and the 95% confidence interval of the mean.
"""

VALIDATE_EXAMPLES = """\
examples:
  viralsim validate scenarios/*.yaml
  viralsim validate scenarios/micro.yaml --set content.stickiness=1.5     (shows the range error)

Checks every key, type, range and unit, the generator's parameters, the seeding strategy and
the memory the audience graph would need, without building the graph or running anything. Exit
status 2 if any fails. What only the built graph can tell (a follower filter that leaves too few
accounts, fees by tier or per follower above the budget) is refused by run before it simulates.
"""

COMPARE_EXAMPLES = """\
examples:
  viralsim compare scenarios/celebrity.yaml scenarios/micro.yaml
      one celebrity vs 40 micro-influencers at equal cost
  viralsim compare scenarios/baseline.yaml scenarios/sticky.yaml scenarios/evergreen.yaml --runs 500 --out results/content

The first scenario is the baseline. Every scenario runs with the baseline's seed and run count
(common random numbers: replicate i of each scenario uses the same random streams), on one
shared graph when their audience sections are equal. For each metric the table shows the mean
difference against the baseline with its 95% CI (paired t) and P(beats) = share of paired runs
where the scenario does better (higher; lower for costs and the negative side's reach; ties
count half; none for timing, depth and frequency). Writes DIR/compare.json,
DIR/compare.csv and DIR/<name>/ for each scenario, as viralsim run writes them (DIR defaults to
results/compare and is replaced as a whole); `viralsim report DIR -o report.html` then has every
figure.
"""


def _threads(text: str) -> int:
    """``--threads N``, checked against this machine's bounds (the flag is named in the error)."""
    from .._runtime import thread_bounds

    bounds = thread_bounds()
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not bounds.accepts(value):
        raise argparse.ArgumentTypeError(f"must be {bounds.describe()} (numba threads on this machine), got {text}")
    return value


def _add_override_args(p: argparse.ArgumentParser, *, seed_help: str) -> None:
    p.add_argument("--runs", type=int, metavar="N", help="Monte Carlo replicates (overrides the file's runs)")
    p.add_argument("--seed", type=int, metavar="S", help=seed_help)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a scenario key, e.g. --set content.stickiness=0.05 or, for an item of a "
                        "list, --set contents[response].trigger.response_time=6h (repeatable)")


def register(sub) -> None:
    """Register ``run``, ``validate`` and ``compare`` on the top-level subparsers."""
    fmt = argparse.RawDescriptionHelpFormatter
    run = sub.add_parser("run", help="simulate scenario files and write reports",
                         description="Simulate one or more scenario files: progress bar, summary table, and "
                         "DIR/<name>/ with summary.json, runs.csv, timeseries.csv, attribution.csv and manifest.json.",
                         epilog=RUN_EXAMPLES, formatter_class=fmt)
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML file(s) or a manifest.json")
    run.add_argument("--out", default="results", metavar="DIR", help="output folder (default: results)")
    _add_override_args(run, seed_help="master random seed (overrides the file's seed)")
    run.add_argument("--threads", type=_threads, metavar="N", help="numba threads (results do not depend on it)")
    run.add_argument("--json", action="store_true", help="print the summary JSON on stdout instead of the table")
    run.add_argument("--baseline", metavar="FILE",
                     help="the no-campaign scenario to measure incrementality against (overrides the file's "
                          "`baseline:` key); it runs with the same seed, runs and audience")
    run.add_argument("--plot", action="store_true",
                     help="also draw the spread curve (mean reach over time with its 5-95%% band) as "
                          "DIR/<name>/spread_reach.png")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check scenario files without running them",
                         description="Check scenario files without running them.", epilog=VALIDATE_EXAMPLES,
                         formatter_class=fmt)
    val.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    val.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY.PATH=VALUE",
                     help="override a key before checking (repeatable)")
    val.set_defaults(func=cmd_validate)

    cmp_ = sub.add_parser("compare", help="compare scenarios with common random numbers",
                          description="Run scenarios with common random numbers and compare each with the first.",
                          epilog=COMPARE_EXAMPLES, formatter_class=fmt)
    cmp_.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="baseline first, then the alternatives")
    cmp_.add_argument("--out", default="results/compare", metavar="DIR",
                      help="folder for compare.json and compare.csv (default: results/compare)")
    _add_override_args(cmp_, seed_help="master seed for every scenario (default: the baseline's seed)")
    cmp_.add_argument("--threads", type=_threads, metavar="N", help="numba threads")
    cmp_.add_argument("--json", action="store_true", help="print compare.json on stdout instead of the table")
    cmp_.add_argument("--objective", metavar="METRIC", choices=OBJECTIVES,
                      help="the metric that decides the verdict (default: reach; net_sentiment_reach with several "
                           "contents); costs and the negative side's reach are better lower. One of: "
                           + ", ".join(OBJECTIVES))
    cmp_.add_argument("--detail", action="store_true",
                      help="with three or more scenarios, also print every metric's difference table (always in "
                           "compare.csv)")
    cmp_.set_defaults(func=cmd_compare)


def _overrides(args) -> list:
    items: list = list(args.overrides)
    if getattr(args, "runs", None) is not None:
        items.append((["runs"], args.runs, f"--runs {args.runs}"))
    if getattr(args, "seed", None) is not None:
        items.append((["seed"], args.seed, f"--seed {args.seed}"))
    return items


def _load_all(args):
    from ..scenario import load_scenario

    scenarios = [load_scenario(path, _overrides(args)) for path in args.scenarios]
    names = [s.name for s in scenarios]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ScenarioError(f"{args.scenarios[i]}: scenario name {name!r} is also used by "
                                f"{args.scenarios[names.index(name)]}; outputs would collide (set `name:`)")
    return scenarios


def _check_out(out: str) -> Path:
    """Refuse an unusable output folder before spending time on simulations (nothing is created yet)."""
    path = Path(out)
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ViralsimError(f"--out {out}: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ViralsimError(f"--out {out}: no permission to write in {probe}")
    return path


def _write(writer, *args, out: str, **kwargs) -> Path:
    try:
        return writer(*args, **kwargs)
    except OSError as exc:
        raise ViralsimError(f"--out {out}: cannot write results ({exc.strerror or exc})") from None


def _console():
    from rich.console import Console

    # a terminal (or COLUMNS) sets the width; output to a file or pipe gets 160 columns, not 80
    return Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160, highlight=False)


def cmd_run(args) -> int:
    from .._progress import activity, progress_bar
    from ..scenario import load_scenario, simulate
    from ..scenario.plan import plan_campaign
    from ..scenario.runner import build_audience
    from ..scenario.outputs import (incrementality_footer, incrementality_table, replaced_run_notice, summary_footer,
                                    summary_table, write_run_outputs)
    from ..scenario.runner import run_baseline

    scenarios = _load_all(args)
    baselines = [load_scenario(args.baseline) if args.baseline else
                 (load_scenario(sc.baseline) if sc.baseline is not None else None) for sc in scenarios]
    _check_out(args.out)
    summaries = []
    console = None if args.json else _console()
    for sc, base in zip(scenarios, baselines):
        start = time.perf_counter()
        with activity(f"{sc.name}: building the audience and choosing seeds", "RR sets sampled") as note:
            graph = build_audience(sc)
            plan = plan_campaign(sc, graph, threads=args.threads, progress=note)
        with progress_bar(sc.runs, sc.name) as advance:
            result = simulate(sc, threads=args.threads, progress=advance, graph=graph, plan=plan)
        result = dataclasses.replace(result, wall_time_s=time.perf_counter() - start)
        if base is not None:
            with progress_bar(result.runs, f"{base.name} (baseline)") as advance:
                result = run_baseline(result, base, threads=args.threads, progress=advance)
        notice = replaced_run_notice(Path(args.out) / sc.name, result)
        target = _write(write_run_outputs, result, args.out, argv=["viralsim", *sys.argv[1:]], out=args.out)
        if notice:  # never replaced silently
            print(f"viralsim: note: {notice}", file=sys.stderr)
        if args.plot:
            from ..plotting import write_spread_curve

            write_spread_curve(target)
        if args.json:
            summaries.append(result.to_summary_dict())
            continue
        console.print(summary_table(result))
        for line in summary_footer(result):
            console.print(line, soft_wrap=True)
        if result.world is not None:
            from ..scenario.world_outputs import contents_table, world_lines

            console.print(contents_table(result))
            for line in world_lines(result):
                console.print(line, soft_wrap=True)
        if result.incremental is not None:
            console.print(incrementality_table(result))
            for line in incrementality_footer(result):
                console.print(line, soft_wrap=True)
        plotted = ", spread_reach.png" if args.plot else ""
        inc = ", incrementality.csv" if result.incremental is not None else ""
        inc += ", contents.csv" if result.world is not None else ""
        console.print(f"wrote {target}/ (summary.json, runs.csv, timeseries.csv, attribution.csv, "
                      f"attribution_tiers.csv{inc}, manifest.json{plotted}) in {result.wall_time_s:,.1f} s",
                      soft_wrap=True)
    if args.json:
        payload = summaries[0] if len(summaries) == 1 else summaries
        sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")
    return 0


def cmd_validate(args) -> int:
    from ..scenario import load_scenario

    failed = 0
    for path in args.scenarios:
        try:
            sc = load_scenario(path, list(args.overrides))
        except ViralsimError as exc:
            print(f"viralsim: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if sc.baseline is not None:
            try:
                load_scenario(sc.baseline)
            except ViralsimError as exc:
                print(f"viralsim: error: {path}: baseline: {exc}", file=sys.stderr)
                failed += 1
                continue
        a = sc.audience
        graph = f"{a.nodes:,} users ({a.generator})" if a.nodes is not None else f"file {Path(a.file).name}"
        world = ""
        if sc.contents:
            parts = [sc.content.name] + [x.content.name + (f" (after {x.trigger.after})" if x.trigger else "")
                                         for x in sc.contents]
            world = f", {len(parts)} contents: {', '.join(parts)}"
        print(f"ok  {path}: {sc.name}, {sc.model} model, {graph}{world}, campaign: {_describe_campaign(sc)}, "
              f"{sc.runs:,} runs, {sc.horizon_h:g} h")
    return 2 if failed else 0


def _describe_campaign(sc) -> str:
    """One line: each wave's seeding and boost, and the budget."""
    c = sc.campaign
    parts = []
    for w in c.waves:
        at = f" at {w.at_h:g} h" if w.at_h else ""
        if w.seeding is not None:
            s = w.seeding
            n = s.count if s.count is not None else len(s.options.get("nodes", [])) or "budget-filling"
            parts.append(f"{s.strategy} x {n}{at}")
        if w.boost is not None:
            parts.append(f"boost of {w.boost.impressions:,} impressions{at}")
    text = " + ".join(parts) if parts else "none (organic world)"
    if c.budget is not None:
        text += f", budget {c.budget:,.0f}"
    return text


def cmd_compare(args) -> int:
    from .._progress import activity, progress_bar
    from ..scenario import compare
    from ..scenario.outputs import compare_footer, fitted_compare_tables, write_compare_outputs

    scenarios = _load_all(args)
    _check_out(args.out)
    comparison = compare(scenarios, threads=args.threads, progress_factory=lambda name, n: progress_bar(n, name),
                         planning_factory=lambda name: activity(f"{name}: choosing seeds", "RR sets sampled"),
                         objective=args.objective)
    target = _write(write_compare_outputs, comparison, args.out, argv=["viralsim", *sys.argv[1:]], out=args.out)
    if args.json:
        sys.stdout.write(json.dumps(comparison.to_dict(), indent=2, allow_nan=False) + "\n")
        return 0
    console = _console()
    unbounded = console.options.update(width=100_000)
    tables, notes = fitted_compare_tables(comparison, console.width,
                                          lambda t: console.measure(t, options=unbounded).maximum, args.detail)
    for table in tables:
        console.print(table)
    for note in notes:
        console.print(note, soft_wrap=True)
    if len(comparison.results) > 1:
        console.print(f"[bold]verdict:[/bold] {comparison.verdict().text}", soft_wrap=True)
    for line in compare_footer(comparison):
        console.print(line, soft_wrap=True)
    console.print(f"wrote {target}/ (compare.json, compare.csv and a run folder per scenario: viralsim report "
                  f"{target} -o report.html)", soft_wrap=True)
    return 0
