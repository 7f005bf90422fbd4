"""Read result folders written by ``viralsim run`` and ``viralsim compare`` into typed objects.

A *run* folder ``DIR/<name>/`` holds ``summary.json``, ``runs.csv``, ``timeseries.csv`` and
``manifest.json`` (see :mod:`viralsim.scenario.outputs`); a *compare* folder holds
``compare.json``.  Every file is checked on the way in, and any problem raises
:class:`ResultsError` with a one-line message naming the file (and line).

Nothing here imports matplotlib.
"""

from __future__ import annotations

import csv
import json
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..errors import InvalidParameterError, ResultsError
from ..model.results import Summary, better_direction, paired_difference
from ..scenario.outputs import ATTRIBUTION_COLUMNS, seed_attribution_table, write_attribution_csv

__all__ = ["ResultsError", "MetricStats", "Difference", "RunResult", "ComparisonResult", "ResultSet",
           "seed_attribution_table", "write_attribution_csv", "ATTRIBUTION_COLUMNS",
           "load_run", "load_results", "differences", "RUN_FILES", "SERIES_METRICS"]

RUN_FILES = ("summary.json", "runs.csv", "timeseries.csv", "manifest.json")
SERIES_METRICS = ("reach", "impressions", "shares")
_MAX_JSON_BYTES = 64 * 1024 * 1024


def _f(x) -> float:
    """JSON number or null -> float (null -> NaN)."""
    if x is None:
        return math.nan
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"expected a number, got {x!r}")
    return float(x)


MetricStats = Summary  # a metric's summary as read back from summary.json


@dataclass(frozen=True)
class Difference:
    """``scenario - baseline`` for one metric: mean difference, its 95% CI and P(beats baseline).

    ``paired`` is True when replicate *i* of both shared its random numbers (same seed and run
    count), so the CI is a paired t interval; otherwise it is Welch's interval for independent runs.
    """

    baseline_mean: float
    scenario_mean: float
    mean_diff: float
    ci95_low: float
    ci95_high: float
    p_beats: float
    n: int
    paired: bool = True


@dataclass(frozen=True, eq=False)
class RunResult:
    """One scenario's results, as read from ``DIR/<name>/``.

    Attributes
    ----------
    name, description : str
    metrics : dict of str -> MetricStats
        From ``summary.json``.
    runs : dict of str -> ndarray (n_runs,)
        Per-replicate values from ``runs.csv`` (NaN where undefined).
    times_h : ndarray (n_steps + 1,)
        Time of each step in hours.
    series : dict of str -> dict of {"mean", "p05", "p95"} -> ndarray
        Cumulative reach, impressions and shares per step (``timeseries.csv``).
    summary, manifest : dict
        The raw JSON documents.
    seed_attribution : dict or None
        Earned reach per seed account: ``{"labels": [...], "mean": ndarray, "p05": ..., "p95": ...}``
        when available (from an in-memory result or an ``attribution.csv``), else None.
    """

    path: Path | None
    name: str
    description: str
    metrics: dict
    runs: dict
    times_h: np.ndarray
    series: dict
    summary: dict
    manifest: dict
    seed_attribution: dict | None = None

    @property
    def overrides(self) -> list[str]:
        """The command-line flags that changed this run's scenario files (from manifest.json)."""
        return [str(o) for o in self.manifest.get("overrides", [])]

    @property
    def label(self) -> str:
        """The name as a reader should see it: with the overrides that made this run, if any, on
        lines of at most 40 characters below it (legends and titles stay inside the figure)."""
        shown = [o[len("--set "):] if o.startswith("--set ") else o for o in self.overrides]
        if not shown:
            return self.name
        return self.name + "\n" + textwrap.fill(f"({', '.join(shown)})", 40, break_long_words=True)

    @property
    def n_runs(self) -> int:
        return int(self.summary.get("runs", len(next(iter(self.runs.values()), ()))))

    @property
    def seed(self) -> int | None:
        return self.summary.get("seed")

    @property
    def currency(self) -> str:
        return (self.summary.get("valuation") or {}).get("currency", "")

    @property
    def valuation(self) -> dict | None:
        return self.summary.get("valuation")

    @property
    def graph(self) -> dict:
        return self.summary.get("graph") or {}

    def metric(self, name: str) -> MetricStats:
        """Summary of ``name``; :class:`InvalidParameterError` listing the known metrics otherwise."""
        if name not in self.metrics:
            raise InvalidParameterError(f"unknown metric {name!r} in {self.name}; known: {', '.join(self.metrics)}")
        return self.metrics[name]

    @classmethod
    def from_scenario_result(cls, result) -> "RunResult":
        """Build from an in-memory :class:`viralsim.ScenarioResult` (also carries per-seed attribution)."""
        from ..scenario.outputs import manifest as make_manifest

        summary = json.loads(json.dumps(result.to_summary_dict(), allow_nan=False))
        man = json.loads(json.dumps(make_manifest(result, argv=["python"]), allow_nan=False))
        ts = result.timeseries_summary()
        series = {k: {s: np.asarray(v[s], dtype=np.float64) for s in ("mean", "p05", "p95")} for k, v in ts.items()}
        runs = {k: np.asarray(v, dtype=np.float64) for k, v in result.metrics.items()}
        attribution = seed_attribution_table(result)
        return cls(None, result.scenario.name, result.scenario.description or "",
                   {k: MetricStats.from_dict(v) for k, v in summary["metrics"].items()}, runs,
                   np.asarray(result.simulation.times_h, dtype=np.float64), series, summary, man, attribution)


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """A ``compare.json`` written by ``viralsim compare``: differences against its baseline."""

    path: Path | None
    baseline: str
    seed: int
    runs: int
    names: tuple[str, ...]
    differences: dict  # scenario -> metric -> Difference
    document: dict


@dataclass(frozen=True, eq=False)
class ResultSet:
    """Everything given on one command line: run results (in order) and comparison files."""

    runs: tuple[RunResult, ...] = ()
    comparisons: tuple[ComparisonResult, ...] = ()

    @property
    def names(self) -> list[str]:
        names = [r.name for r in self.runs]
        for c in self.comparisons:
            names += [n for n in c.names if n not in names]
        return names

    def metric_names(self) -> list[str]:
        """Metrics present in every run result (in summary order)."""
        if not self.runs:
            return []
        common = [m for m in self.runs[0].metrics if all(m in r.metrics for r in self.runs[1:])]
        return common

    def check_metric(self, metric: str, *, series: bool = False) -> str:
        """Return ``metric`` if every run has it (as a time series when ``series``), else raise."""
        known = list(SERIES_METRICS) if series else self.metric_names()
        if metric not in known:
            what = "time-series metric" if series else "metric"
            raise InvalidParameterError(f"unknown {what} {metric!r}; choose one of: {', '.join(known)}")
        return metric

    def need_runs(self, what: str, at_least: int = 1) -> tuple[RunResult, ...]:
        if len(self.runs) < at_least:
            have = f"{len(self.runs)} given" + (" (compare.json holds no time series or per-run values)"
                                                  if self.comparisons else "")
            raise InvalidParameterError(f"{what} needs at least {at_least} run result folder(s) "
                                        f"(DIR/<name>/ with summary.json); {have}")
        return self.runs


# ---- reading -----------------------------------------------------------------------------------
def _read_json(path: Path) -> dict:
    try:
        size = path.stat().st_size
        if size > _MAX_JSON_BYTES:
            raise ResultsError(f"{path}: {size:,} bytes is too large for a result file")
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(doc, dict):
        raise ResultsError(f"{path}: expected a JSON object, got {type(doc).__name__}")
    return doc


def _read_csv(path: Path) -> tuple[list[str], np.ndarray]:
    """Header and a float matrix (empty cells -> NaN); checks every row's width and numbers."""
    try:
        fh = open(path, newline="", encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(f"{path}: file not found") from None
    except OSError as exc:
        raise ResultsError(f"{path}: cannot read ({exc})") from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise ResultsError(f"{path}: empty file (expected a header line)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path} line 1: {exc}") from None
        rows = []
        try:
            for row in reader:
                if len(row) != len(header):
                    raise ResultsError(f"{path} line {reader.line_num}: expected {len(header)} values, got {len(row)}")
                try:
                    rows.append([float(v) if v != "" else math.nan for v in row])
                except ValueError:
                    bad = next(v for v in row if v != "" and not _is_float(v))
                    raise ResultsError(f"{path} line {reader.line_num}: {bad!r} is not a number") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ResultsError(f"{path} line {reader.line_num}: {exc}") from None
    if not rows:
        raise ResultsError(f"{path}: no data rows")
    return header, np.asarray(rows, dtype=np.float64)


def _is_float(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def _parse_summary(path: Path, doc: dict) -> dict:
    for key in ("name", "runs", "metrics"):
        if key not in doc:
            raise ResultsError(f"{path}: missing key {key!r} (not a viralsim summary.json?)")
    if not isinstance(doc["metrics"], dict) or not doc["metrics"]:
        raise ResultsError(f"{path}: 'metrics' must be a non-empty object")
    out = {}
    for name, d in doc["metrics"].items():
        if not isinstance(d, dict) or "mean" not in d:
            raise ResultsError(f"{path}: metrics.{name} must be an object with mean, p05, p95, ...")
        try:
            out[name] = MetricStats.from_dict(d)
        except (TypeError, ValueError) as exc:
            raise ResultsError(f"{path}: metrics.{name}: {exc}") from None
    return out


def _read_attribution(path: Path) -> dict | None:
    """Optional ``attribution.csv`` (columns :data:`ATTRIBUTION_COLUMNS`); None when absent or empty."""
    if not path.is_file():
        return None
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            header = reader.fieldnames or []
        missing = [k for k in ATTRIBUTION_COLUMNS if k not in header]
        if missing:
            raise ResultsError(f"{path} line 1: missing column(s) {', '.join(missing)}")
        if not rows:
            return None
        fol = [r["followers"] for r in rows]
        fees = [r.get("fee", "") for r in rows]
        return {"labels": [r["seed"] for r in rows],
                "followers": None if any(f == "" for f in fol) else np.array([int(f) for f in fol]),
                "fee": None if any(f == "" for f in fees) else np.array([float(f) for f in fees]),
                **{s: np.array([float(r[f"earned_reach_{s}"]) for r in rows]) for s in ("mean", "p05", "p95")}}
    except ResultsError:
        raise
    except (OSError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: {exc}") from None


def load_run(path: str | Path) -> RunResult:
    """Read and check one run folder ``DIR/<name>/``.

    Raises
    ------
    ResultsError
        A file is missing or malformed (the message names it and, for CSV, the line).
    """
    d = Path(path)
    if not d.is_dir():
        raise ResultsError(f"{d}: no such result folder" if not d.exists() else f"{d}: not a folder")
    missing = [f for f in RUN_FILES if not (d / f).is_file()]
    if missing:
        raise ResultsError(f"{d}: incomplete result folder, missing {', '.join(missing)} "
                           f"(viralsim run writes {', '.join(RUN_FILES)})")
    summary = _read_json(d / "summary.json")
    metrics = _parse_summary(d / "summary.json", summary)
    header, table = _read_csv(d / "runs.csv")
    if header[0] != "replicate":
        raise ResultsError(f"{d / 'runs.csv'} line 1: first column must be 'replicate', got {header[0]!r}")
    runs = {name: table[:, i] for i, name in enumerate(header) if i > 0}
    if table.shape[0] != int(summary["runs"]):
        raise ResultsError(f"{d / 'runs.csv'}: {table.shape[0]:,} rows but summary.json says {summary['runs']:,} runs")
    header, ts = _read_csv(d / "timeseries.csv")
    if header[:2] != ["step", "time_h"]:
        raise ResultsError(f"{d / 'timeseries.csv'} line 1: must start with step,time_h; got {','.join(header[:2])}")
    col = {name: i for i, name in enumerate(header)}
    series = {}
    for name in SERIES_METRICS:
        keys = [f"{name}_{s}" for s in ("mean", "p05", "p95")]
        if all(k in col for k in keys):
            series[name] = {s: ts[:, col[k]] for s, k in zip(("mean", "p05", "p95"), keys)}
    if "reach" not in series:
        raise ResultsError(f"{d / 'timeseries.csv'} line 1: missing reach_mean, reach_p05, reach_p95 columns")
    times = ts[:, 1]
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        raise ResultsError(f"{d / 'timeseries.csv'}: time_h must be finite and increasing")
    manifest = _read_json(d / "manifest.json")
    return RunResult(d, str(summary["name"]), str(summary.get("description") or ""), metrics, runs, times, series,
                     summary, manifest, _read_attribution(d / "attribution.csv"))


def _load_comparison(path: Path) -> ComparisonResult:
    doc = _read_json(path)
    for key in ("baseline", "scenarios", "differences"):
        if key not in doc:
            raise ResultsError(f"{path}: missing key {key!r} (not a viralsim compare.json?)")
    try:
        names = tuple(str(s["name"]) for s in doc["scenarios"])
        diffs = {}
        for name, per_metric in doc["differences"].items():
            diffs[name] = {m: Difference(_f(v.get("baseline_mean")), _f(v.get("scenario_mean")),
                                         _f(v.get("mean_diff")), _f(v.get("ci95_low")), _f(v.get("ci95_high")),
                                         _f(v.get("p_beats")), int(v.get("n", 0)), True)
                           for m, v in per_metric.items()}
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ResultsError(f"{path}: malformed comparison ({exc})") from None
    return ComparisonResult(path.parent, str(doc["baseline"]), int(doc.get("seed", 0)), int(doc.get("runs", 0)),
                            names, diffs, doc)


def load_results(paths: Iterable[str | Path]) -> ResultSet:
    """Read result folders given on a command line.

    Each path may be a run folder (``DIR/<name>/`` with summary.json), a compare folder (with
    compare.json), or a parent folder such as ``results/`` whose sub-folders are run folders
    (read in name order).  Order is kept: the first scenario is the baseline of comparisons.

    Raises
    ------
    ResultsError
        A path does not exist, holds no results, a file is malformed, or two results share a name.
    """
    runs: list[RunResult] = []
    comps: list[ComparisonResult] = []
    paths = [Path(p) for p in paths]
    if not paths:
        raise ResultsError("no result folder given")
    for p in paths:
        if not p.exists():
            raise ResultsError(f"{p}: no such result folder")
        if p.is_file() and p.name in ("summary.json", "compare.json"):
            p = p.parent
        if not p.is_dir():
            raise ResultsError(f"{p}: not a result folder (expected DIR/<name>/ from viralsim run or a compare folder)")
        if (p / "summary.json").is_file() or any((p / f).is_file() for f in RUN_FILES[1:]):
            runs.append(load_run(p))
        elif (p / "compare.json").is_file():
            comparison = _load_comparison(p / "compare.json")
            subs = [p / name for name in comparison.names if (p / name / "summary.json").is_file()]
            if len(subs) == len(comparison.names):  # the run folders compare writes: full detail, in its order
                runs.extend(load_run(s) for s in subs)
            else:
                comps.append(comparison)
        else:
            subs = sorted(s for s in p.iterdir() if s.is_dir() and (s / "summary.json").is_file())
            if not subs:
                raise ResultsError(f"{p}: no summary.json or compare.json here or in its sub-folders "
                                   "(give DIR/<name>/ written by viralsim run)")
            runs.extend(load_run(s) for s in subs)
    seen: dict[str, Path | None] = {}
    for r in runs:
        if r.name in seen:
            raise ResultsError(f"two results are named {r.name!r} ({seen[r.name]} and {r.path}); "
                               "rename one scenario (name:) so they can be told apart")
        seen[r.name] = r.path
    return ResultSet(tuple(runs), tuple(comps))


# ---- differences -------------------------------------------------------------------------------
def _difference(a: np.ndarray, b: np.ndarray, paired: bool, direction: int = 1) -> Difference:
    """``b - a``: paired t CI when ``paired``, else Welch; P(beats) (b better than a in the metric's
    ``direction``, see :func:`~viralsim.model.results.better_direction`) counts ties as one half,
    and is NaN without a direction or when a and b are the same in every run."""
    nan = math.nan
    if paired:  # common random numbers: the model layer's paired t
        d = paired_difference(a, b, direction)
        if d.n == 0:
            return Difference(nan, nan, nan, nan, nan, nan, 0, True)
        lo, hi = (nan, nan) if d.ci95_low is None else (d.ci95_low, d.ci95_high)
        return Difference(d.baseline_mean, d.scenario_mean, d.mean_diff, lo, hi,
                          nan if d.p_beats is None else d.p_beats, d.n, True)
    # independent runs: Welch's t interval and P(B > A) = U / (n_a n_b), Mann-Whitney's statistic
    # (ties count one half), both from scipy
    from scipy import stats

    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return Difference(nan, nan, nan, nan, nan, nan, 0, False)
    mean = float(b.mean() - a.mean())
    n = int(min(a.size, b.size))
    same = bool(np.all(a == a[0]) and np.all(b == a[0]))
    p_higher = float(stats.mannwhitneyu(b, a, method="asymptotic").statistic) / (a.size * b.size)
    p = nan if direction == 0 or same else (p_higher if direction > 0 else 1.0 - p_higher)
    lo, hi = nan, nan
    if a.size > 1 and b.size > 1 and (a.var() > 0 or b.var() > 0):
        ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
        lo, hi = float(ci.low), float(ci.high)
    elif a.size > 1 and b.size > 1:
        lo = hi = mean  # no spread on either side: the difference is exact
    return Difference(float(a.mean()), float(b.mean()), mean, lo, hi, p, n, paired)


def differences(results: ResultSet, metrics: Sequence[str], baseline: str | None = None
                ) -> tuple[str, dict[str, dict[str, Difference]]]:
    """Differences of every scenario against the baseline for ``metrics``.

    From the run folders when there are at least two (the first, or ``baseline``, is the
    baseline; runs with the same seed and run count are paired: common random numbers),
    otherwise from the first compare.json given.

    Returns
    -------
    baseline : str
    diffs : dict of scenario -> metric -> Difference
    """
    if len(results.runs) >= 2:
        by_name = {r.name: r for r in results.runs}
        if baseline is not None and baseline not in by_name:
            raise InvalidParameterError(f"baseline {baseline!r} is not among the results: {', '.join(by_name)}")
        base = by_name[baseline] if baseline is not None else results.runs[0]
        out = {}
        for r in results.runs:
            if r is base:
                continue
            paired = (r.seed == base.seed and r.n_runs == base.n_runs and r.seed is not None)
            out[r.name] = {m: _difference(base.runs[m], r.runs[m], paired, better_direction(m)) for m in metrics
                           if m in base.runs and m in r.runs}
        return base.name, out
    if results.comparisons:
        c = results.comparisons[0]
        if baseline is not None and baseline != c.baseline:
            raise InvalidParameterError(f"{c.path}/compare.json has baseline {c.baseline!r}, not {baseline!r}")
        return c.baseline, {name: {m: d[m] for m in metrics if m in d} for name, d in c.differences.items()}
    raise InvalidParameterError("a comparison needs two or more run result folders (baseline first) or a compare "
                                "folder with compare.json")
