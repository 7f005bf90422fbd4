"""Result files and terminal tables for scenario runs and comparisons.

``DIR/<name>/`` holds ``summary.json``, ``runs.csv``, ``timeseries.csv``, ``attribution.csv`` (earned
reach per seed account) and ``manifest.json``;
the folder is built in a temporary sibling and moved into place, so it never exists half-written.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import platform
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from .._io import atomic_directory
from .._text import a_or_an, plural, unclipped
from ..campaign.valuation import EMV_CAVEAT
from ..model.results import P_BEATS_DEFINITION
from .schema import flatten_settings
from .runner import Comparison, ScenarioResult

__all__ = ["write_run_outputs", "write_attribution_csv", "seed_attribution_table",
           "ATTRIBUTION_COLUMNS", "write_compare_outputs", "manifest", "summary_table", "compare_table",
           "scoreboard_table", "incrementality_table", "incrementality_footer", "TABLE_METRICS", "versions"]

TABLE_METRICS = ("reach", "impressions", "impressions_owned", "impressions_paid", "impressions_earned", "shares",
                 "engagements", "clicks", "conversions", "emv", "conversion_value", "total_cost", "roi")
MONEY = {"emv", "conversion_value", "paid_cost", "total_cost", "net_value", "net_earned_media"}


def versions() -> dict[str, str]:
    """Versions of viralsim, Python and the numerical dependencies (for the manifest)."""
    import networkx
    import numba
    import scipy

    from .. import __version__

    return {"viralsim": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "numba": numba.__version__, "scipy": scipy.__version__, "networkx": networkx.__version__,
            "platform": platform.platform()}


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:  # the file moved since it was loaded: the resolved scenario is what counts
        return None


def overrides_of(sc) -> list[str]:
    """The command-line flags that changed the scenario's files (``--set k=v``, ``--runs N``,
    ``--seed S``), in the order given: shown beside its name in plots and the report."""
    return list(dict.fromkeys(str(w) for w in sc.where.values() if w.line is None and str(w).startswith("--")))


def replaced_run_notice(target: Path, result: ScenarioResult) -> str | None:
    """A line saying what is lost when ``target`` holds a run of a different resolved scenario
    (the keys that differ, before and now), or None when there is nothing there or it is the same."""
    try:
        old = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["scenario"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    new = json.loads(json.dumps(manifest(result)["scenario"], default=str))
    flat_old, flat_new = flatten_settings(old), flatten_settings(new)
    changed = [k for k in sorted(set(flat_old) | set(flat_new)) if flat_old.get(k) != flat_new.get(k)]
    if not changed:
        return None
    shown = ", ".join(f"{k} {flat_old.get(k, '(unset)')} -> {flat_new.get(k, '(unset)')}" for k in changed[:4])
    more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
    return (f"replaced {target}/, which held a run of a different scenario ({shown}{more}); "
            "use --out DIR to keep both")


def manifest(result: ScenarioResult, *, argv: Sequence[str] | None = None, wall_time_s: float | None = None) -> dict:
    """Everything needed to re-run ``result``: ``viralsim run manifest.json`` loads ``scenario``."""
    sc = result.scenario
    resolved = dict(sc.resolved)
    resolved["seed"] = result.seed
    resolved["runs"] = result.runs
    return {
        "viralsim_manifest": 1,
        "rerun": "viralsim run <this manifest.json> reproduces these numbers",
        "scenario": resolved,
        "source_files": [{"path": str(p), "sha256": _sha256(p)} for p in sc.sources],
        "seed_entropy": int(result.seed),
        "graph": {"fingerprint": result.graph.fingerprint(), "nodes": int(result.graph.n_nodes),
                  "edges": int(result.graph.n_edges), "directed": bool(result.graph.directed)},
        "versions": versions(),
        "overrides": overrides_of(sc),
        "command_line": list(sys.argv if argv is None else argv),
        "wall_time_s": round(float(result.wall_time_s if wall_time_s is None else wall_time_s), 3),
    }


def _fmt_csv(x) -> str:
    if isinstance(x, (float, np.floating)):
        return "" if not math.isfinite(float(x)) else repr(float(x))
    return str(x)


def _as_written(values: np.ndarray) -> np.ndarray:
    """Counts stored as floats are written as integers (6990, not 6990.0); other columns unchanged."""
    if values.dtype.kind == "f" and values.size and np.all(np.isfinite(values)) and np.all(values == np.round(values)) \
            and np.all(np.abs(values) < 2**53):
        return values.astype(np.int64)
    return values


def _write_runs_csv(path: Path, result: ScenarioResult) -> None:
    names = list(result.metrics)
    columns = [_as_written(np.asarray(result.metrics[n])) for n in names]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["replicate", *names])
        # one row per replicate: tolist() converts whole columns at C speed, zip builds the rows
        for i, row in enumerate(zip(*(c.tolist() for c in columns))):
            writer.writerow([i, *(_fmt_csv(v) for v in row)])


def _write_timeseries_csv(path: Path, result: ScenarioResult) -> None:
    ts = result.timeseries_summary()
    times = np.asarray(result.simulation.times_h, dtype=np.float64)
    header = ["step", "time_h"]
    cols = [np.arange(times.size), times]
    for name, stats in ts.items():
        for stat in ("mean", "p05", "p95"):
            header.append(f"{name}_{stat}")
            cols.append(stats[stat])
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in zip(*(np.asarray(c).tolist() for c in cols)):
            writer.writerow([_fmt_csv(v) for v in row])


ATTRIBUTION_COLUMNS = ("seed", "followers", "earned_reach_mean", "earned_reach_p05", "earned_reach_p95")
ATTRIBUTION_EXTRA = ("tier", "wave_at_h", "fee", "cost_per_earned_reach")
TIER_COLUMNS = ("source", "seeds", "cost", "earned_reach_mean", "earned_reach_p05", "earned_reach_p95",
                "cost_per_earned_reach")


def seed_attribution_table(result) -> dict | None:
    """Per seed account of a :class:`viralsim.ScenarioResult`: label, followers, tier, wave hour,
    fee, earned reach mean/p05/p95 and cost per earned reach (fee / mean earned reach).

    Earned reach of a seed = users reached through shares that descend from that seed's post
    (``SimulationResult.attribution``).  None when the simulation recorded no attribution.
    """
    att = getattr(result.simulation, "attribution", None)
    if att is None or not np.size(att):
        return None
    a = np.asarray(att, dtype=np.float64)
    seeds = np.asarray(result.seeds)
    followers = np.asarray(result.graph.out_degree)[seeds] if hasattr(result.graph, "out_degree") else None
    mean = a.mean(axis=0)
    table = {"labels": [str(v) for v in result.seed_labels],
             "followers": None if followers is None else np.asarray(followers, dtype=np.int64),
             "mean": mean, "p05": np.quantile(a, 0.05, axis=0), "p95": np.quantile(a, 0.95, axis=0)}
    plan = getattr(result, "plan", None)
    if plan is not None:
        fees = np.asarray(plan.seed_fees, dtype=np.float64)
        table.update(tier=list(plan.seed_tiers), wave_at_h=np.asarray(plan.seed_times_h, dtype=np.float64),
                     fee=fees, cost_per_earned_reach=_per(fees, mean))
    return table


def _per(cost: np.ndarray, amount: np.ndarray) -> np.ndarray:
    cost = np.asarray(cost, dtype=np.float64)
    amount = np.asarray(amount, dtype=np.float64)
    out = np.full(np.broadcast(cost, amount).shape, np.nan)
    np.divide(cost, amount, out=out, where=amount > 0)
    return out


def write_attribution_csv(result, folder: str | Path) -> Path:
    """Write ``folder/attribution.csv`` (one row per seed) and, for scenario results,
    ``folder/attribution_tiers.csv`` (one row per tier and one for the paid boosts).

    Meant to be called inside :func:`write_run_outputs`'s temporary folder so the run folder stays
    atomic; :func:`viralsim.plotting.load_run` reads it back.
    """
    table = seed_attribution_table(result)
    path = Path(folder) / "attribution.csv"
    extra = table is not None and "fee" in table
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ATTRIBUTION_COLUMNS + (ATTRIBUTION_EXTRA if extra or table is None else ()))
        if table is not None:
            fol = table["followers"] if table["followers"] is not None else [""] * len(table["labels"])
            for i, label in enumerate(table["labels"]):
                row = [label, fol[i], *(repr(float(table[s][i])) for s in ("mean", "p05", "p95"))]
                if extra:
                    row += [table["tier"][i], _fmt_csv(table["wave_at_h"][i]), _fmt_csv(table["fee"][i]),
                            _fmt_csv(table["cost_per_earned_reach"][i])]
                w.writerow(row)
    if getattr(result, "plan", None) is not None:
        with open(Path(folder) / "attribution_tiers.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(TIER_COLUMNS)
            for row in result.attribution_by_source():
                w.writerow([_fmt_csv(row[c]) if isinstance(row[c], float) else row[c] for c in TIER_COLUMNS])
    return path


def _write_incrementality_csv(path: Path, result: ScenarioResult) -> None:
    inc = result.incremental
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["metric", "baseline_mean", "campaign_mean", "incremental_mean", "ci95_low", "ci95_high",
                    "p_beats", "runs"])
        for metric, d in inc.differences.items():
            w.writerow([metric, *(_fmt_csv(v) if v is not None else "" for v in (
                d.baseline_mean, d.scenario_mean, d.mean_diff, d.ci95_low, d.ci95_high, d.p_beats)), d.n])


def write_run_outputs(result: ScenarioResult, out_dir: str | Path, *, argv: Sequence[str] | None = None) -> Path:
    """Write ``out_dir/<name>/`` atomically: summary.json, runs.csv, timeseries.csv, attribution.csv,
    attribution_tiers.csv, incrementality.csv (with a baseline) and manifest.json."""
    target = Path(out_dir) / result.scenario.name
    with atomic_directory(target) as tmp:
        _write_run_files(result, tmp, argv)
    return target


def _write_run_files(result: ScenarioResult, folder: Path, argv: Sequence[str] | None) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(result.to_summary_dict(), indent=2, allow_nan=False) + "\n",
                                         encoding="utf-8")
    _write_runs_csv(folder / "runs.csv", result)
    _write_timeseries_csv(folder / "timeseries.csv", result)
    write_attribution_csv(result, folder)
    if result.incremental is not None:
        _write_incrementality_csv(folder / "incrementality.csv", result)
    if result.world is not None:
        from .world_outputs import write_contents_csv

        write_contents_csv(result, folder)
    (folder / "manifest.json").write_text(json.dumps(manifest(result, argv=argv), indent=2, allow_nan=False) + "\n",
                                          encoding="utf-8")


def write_compare_outputs(comparison: Comparison, out_dir: str | Path, *, argv: Sequence[str] | None = None) -> Path:
    """Write ``out_dir/compare.json``, ``out_dir/compare.csv`` and one run folder per scenario
    (``out_dir/<name>/``, as ``viralsim run`` writes them, for plots and reports); the folder is
    replaced as a whole."""
    target = Path(out_dir)
    with atomic_directory(target) as tmp:
        for r in comparison.results:
            _write_run_files(r, tmp / r.scenario.name, argv)
        (tmp / "compare.json").write_text(json.dumps(comparison.to_dict(), indent=2, allow_nan=False) + "\n",
                                          encoding="utf-8")
        with open(tmp / "compare.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["scenario", "baseline", "metric", "baseline_mean", "scenario_mean", "mean_diff",
                             "ci95_low", "ci95_high", "p_beats", "paired_ci_half_width",
                             "independent_ci_half_width", "runs", "same_graph"])
            base = comparison.baseline.scenario.name
            for r, same in zip(comparison.results[1:], comparison.same_graph[1:]):
                for metric, d in comparison.differences[r.scenario.name].items():
                    writer.writerow([r.scenario.name, base, metric, *(_fmt_csv(v) if v is not None else "" for v in (
                        d.baseline_mean, d.scenario_mean, d.mean_diff, d.ci95_low, d.ci95_high, d.p_beats,
                        d.paired_ci_half_width, d.independent_ci_half_width)), d.n, same])
    return target


# ---- terminal tables -------------------------------------------------------------------------
def _num(x: float | None, metric: str, currency: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if metric == "roi":
        return f"{x:+.1%}"
    if metric in MONEY:
        return f"{x:,.0f} {currency}".strip()
    if abs(x) >= 10 or float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def _diff_text(d, metric: str, *, currency: str = "", signed: bool = True) -> str:
    """A paired difference as ``+123 [98, 148]``: the mean difference and its 95% CI."""
    ci = "" if d.ci95_low is None else f" [{_num(d.ci95_low, metric, '')}, {_num(d.ci95_high, metric, '')}]"
    sign = "+" if signed and (d.mean_diff or 0) > 0 and metric != "roi" else ""
    return f"{sign}{_num(d.mean_diff, metric, currency)}{ci}"


def summary_table(result: ScenarioResult):
    """A rich Table: mean and 90% interval (p05-p95) of the headline metrics."""
    from rich.table import Table

    sc = result.scenario
    cur = sc.valuation.currency if sc.valuation else ""
    g = result.graph
    table = Table(title=f"{sc.name}: {result.runs:,} runs, {g.n_nodes:,} users, {plural(len(result.seeds), 'seed')}, "
                        f"{sc.horizon_h:g} h", title_justify="left")
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("90% interval (p05 - p95)", justify="right")
    for m in TABLE_METRICS:
        s = result.summary.get(m)
        if s is None:
            continue
        table.add_row(m, _num(s.mean, m, cur), f"{_num(s.p05, m, cur)} - {_num(s.p95, m, cur)}")
    return unclipped(table)


def summary_footer(result: ScenarioResult) -> list[str]:
    """Lines printed under the summary table: spend, earned reach by tier, the EMV formula and its caveat."""
    sc = result.scenario
    cur = sc.valuation.currency if sc.valuation else ""
    plan = result.plan
    lines = []
    spend = plan.spend
    if spend.total > 0 or plan.budget is not None:
        budget = "" if plan.budget is None else f" of {a_or_an(_num(plan.budget, 'emv', cur))} budget"
        lines.append(f"spend {_num(spend.total, 'emv', cur)}{budget}: seed fees {_num(spend.seed_fees, 'emv', cur)}"
                     f", boosts {_num(spend.boosts, 'emv', cur)}, fixed {_num(spend.fixed, 'emv', cur)}")
    for wave in plan.waves:
        sel = wave.get("seeding", {}).get("selection")
        if sel and sel.get("guarantee"):
            lines.append(f"{wave['seeding']['strategy']} at {wave['at_h']:g} h: {sel['guarantee']}")
    if plan.seeds.size or plan.placements:
        parts = []
        for row in result.attribution_by_source():
            cpr = row["cost_per_earned_reach"]
            unit = f" {cur}" if cur else ""
            cost = "" if not math.isfinite(cpr) or row["cost"] == 0 else f" ({cpr:,.3f}{unit} per user)"
            parts.append(f"{row['source']} {row['earned_reach_mean']:,.0f}{cost}")
        lines.append("earned reach by source: " + "; ".join(parts))
    info = result.valuation_info()
    if info is None:
        return lines + ["no valuation section: EMV and ROI not computed"]
    lines += [info["emv_formula"], info["roi_formula"]]
    for key in ("roi_undefined", "roi_unstable"):
        if key in info:
            lines.append(info[key])
    lines.append(EMV_CAVEAT)
    return lines


def compare_table(comparison: Comparison, only: Sequence[str] | None = None):
    """A rich Table: baseline mean, then per scenario (those named in ``only``, default all) its
    mean, difference [95% CI] and P(beats baseline)."""
    from rich.table import Table

    base = comparison.baseline
    alternatives = [r for r in comparison.results[1:] if only is None or r.scenario.name in only]
    cur = base.scenario.valuation.currency if base.scenario.valuation else ""
    table = Table(title=f"compare against {base.scenario.name}: {comparison.runs:,} paired runs (common random "
                        f"numbers, seed {comparison.seed})", title_justify="left")
    table.add_column("metric")
    table.add_column(base.scenario.name, justify="right")
    for r in alternatives:
        table.add_column(r.scenario.name, justify="right")
        table.add_column("diff [95% CI]", justify="right")
        table.add_column("P(beats)", justify="right")
    for m in TABLE_METRICS:
        if m not in base.summary:
            continue
        row = [m, _num(base.summary[m].mean, m, cur)]
        for r in alternatives:
            d = comparison.differences[r.scenario.name].get(m)
            if d is None:
                row += ["n/a", "n/a", "n/a"]
                continue
            row += [_num(d.scenario_mean, m, cur), _diff_text(d, m),
                    "n/a" if d.p_beats is None else f"{d.p_beats:.0%}"]
        table.add_row(*row)
    return unclipped(table)


SCOREBOARD_METRICS = ("reach", "reach_earned", "impressions_earned", "shares", "conversions", "emv", "total_cost",
                      "roi")


def scoreboard_table(comparison: Comparison, drop: Sequence[str] = ()):
    """A rich Table with one row per scenario: headline means (less the metrics in ``drop``), and
    reach against the baseline (paired difference with its 95% CI and P(beats)).  Readable with
    many scenarios."""
    from rich.table import Table

    base = comparison.baseline
    cur = base.scenario.valuation.currency if base.scenario.valuation else ""
    table = Table(title=f"{len(comparison.results)} scenarios, {comparison.runs:,} paired runs each (common random "
                        f"numbers, seed {comparison.seed}); means per campaign", title_justify="left")
    table.add_column("scenario")
    from .world_outputs import WORLD_SCOREBOARD

    board = ("reach", "shares", "emv") + WORLD_SCOREBOARD if base.world is not None else SCOREBOARD_METRICS
    metrics = [m for m in scoreboard_metrics(comparison) if m not in drop]
    for m in metrics:
        table.add_column(m, justify="right")
    table.add_column(f"reach vs {base.scenario.name} [95% CI]", justify="right")
    table.add_column("P(beats)", justify="right")
    for r in comparison.results:
        row = [r.scenario.name] + [_num(r.summary[m].mean, m, cur) if m in r.summary else "n/a" for m in metrics]
        d = comparison.differences.get(r.scenario.name, {}).get("reach")
        if d is None:
            row += ["(baseline)", ""]
        else:
            row += [_diff_text(d, "reach"), "n/a" if d.p_beats is None else f"{d.p_beats:.0%}"]
        table.add_row(*row)
    return unclipped(table)


def scoreboard_metrics(comparison: Comparison) -> list[str]:
    """The headline metrics of the scoreboard, most important first."""
    from .world_outputs import WORLD_SCOREBOARD

    base = comparison.baseline
    board = ("reach", "shares", "emv") + WORLD_SCOREBOARD if base.world is not None else SCOREBOARD_METRICS
    return [m for m in board if m in base.summary]


def fitted_compare_tables(comparison: Comparison, width: int, measure, detail: bool) -> tuple[list, list[str]]:
    """The comparison tables for a terminal ``width`` columns wide, and notes on what was left out.

    Numbers are never cut: the scoreboard drops its least important headline columns until it
    fits (reach against the baseline and P(beats) stay), and the metric table is split into one
    table per alternative when all of them side by side do not fit.  ``measure(table)`` is the
    table's natural width (rich's ``Console.measure(...).maximum``)."""
    tables, notes = [], []
    n = len(comparison.results)
    if n > 2:
        dropped: list[str] = []
        optional = scoreboard_metrics(comparison)[1:]  # reach stays
        table = scoreboard_table(comparison)
        while measure(table) > width and optional:
            dropped.insert(0, optional.pop())
            table = scoreboard_table(comparison, drop=dropped)
        tables.append(table)
        if dropped:
            notes.append(f"left out at {width} columns: {', '.join(dropped)} (in compare.csv, or widen the terminal)")
    if n <= 3 or detail:
        table = compare_table(comparison)
        if n > 2 and measure(table) > width:
            tables += [compare_table(comparison, only=[r.scenario.name]) for r in comparison.results[1:]]
        else:
            tables.append(table)
    else:
        notes.append("every metric's difference against the baseline with its 95% CI: compare.csv (or --detail)")
    return tables, notes


def compare_footer(comparison: Comparison) -> list[str]:
    lines = list(comparison.notes)
    lines.append(P_BEATS_DEFINITION)
    for r in comparison.results[1:]:
        d = comparison.differences[r.scenario.name].get("reach")
        if d is not None and d.paired_ci_half_width and d.independent_ci_half_width:
            ratio = d.independent_ci_half_width / d.paired_ci_half_width if d.paired_ci_half_width > 0 else math.inf
            lines.append(f"{r.scenario.name}: 95% CI of the reach difference +/-{d.paired_ci_half_width:,.1f} with "
                         f"common random numbers vs +/-{d.independent_ci_half_width:,.1f} for independent runs "
                         f"({ratio:,.1f}x narrower)")
    if comparison.baseline.scenario.valuation is not None:
        lines.append(EMV_CAVEAT)
    return lines


def incrementality_table(result: ScenarioResult):
    """A rich Table: baseline, campaign and incremental mean [95% CI] per metric."""
    from rich.table import Table

    inc = result.incremental
    cur = result.scenario.valuation.currency if result.scenario.valuation else ""
    table = Table(title=f"incrementality of {result.scenario.name} over {inc.baseline_name} ({result.runs:,} paired "
                        "runs, common random numbers)", title_justify="left")
    for col, just in (("metric", "left"), ("baseline", "right"), ("campaign", "right"),
                      ("incremental [95% CI]", "right")):
        table.add_column(col, justify=just)
    for m, d in inc.differences.items():
        table.add_row(m, _num(d.baseline_mean, m, cur), _num(d.scenario_mean, m, cur),
                      _diff_text(d, m, currency=cur, signed=False))
    return unclipped(table)


def incrementality_footer(result: ScenarioResult) -> list[str]:
    inc = result.incremental
    cur = result.scenario.valuation.currency if result.scenario.valuation else ""
    lines = []
    for m, what in (("reach", "user reached"), ("conversions", "conversion")):
        v = inc.cost_per_incremental.get(m)
        lines.append(f"cost per incremental {what}: " + (f"{v:,.3f} {cur}".strip() if v is not None else
                                                        "n/a (no positive increment)"))
    return lines
