"""Figures from viralsim results (matplotlib, Agg backend, imported only when a figure is drawn).

Every plot function takes loaded results (:func:`load_results`) and returns a
:class:`matplotlib.figure.Figure`; :func:`save_figure` writes it as PNG, SVG or PDF.

>>> from viralsim.plotting import load_results, spread_curves, save_figure   # doctest: +SKIP
>>> res = load_results(["results/baseline", "results/micro"])
>>> save_figure(spread_curves(res, "reach"), "reach.png")

Figure families: :func:`spread_curves` and :func:`share_of_voice` (over time),
:func:`cascade_ccdf` (distribution of cascade sizes), :func:`comparison` (strategies against a
baseline), :func:`funnel` (impressions to conversions), :func:`attribution` (owned / paid /
earned reach, earned reach per seed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from ..errors import InvalidParameterError
from .attribution import attribution, reach_sources, seed_attribution
from .compare import DEFAULT_COMPARE_METRICS, comparison
from .distribution import cascade_ccdf, ccdf_points
from .funnel import FUNNEL_STAGES, funnel
from .load import (ComparisonResult, Difference, MetricStats, ResultsError, ResultSet, RunResult, differences,
                   load_results, load_run, seed_attribution_table, write_attribution_csv)
from .spread import net_sentiment, share_of_voice, spread_curves
from .style import FORMATS, PALETTE, save_figure, scenario_colors

__all__ = ["load_results", "load_run", "ResultSet", "RunResult", "ComparisonResult", "MetricStats", "Difference",
           "ResultsError", "differences", "spread_curves", "share_of_voice", "net_sentiment", "cascade_ccdf", "ccdf_points",
           "comparison", "funnel", "attribution", "reach_sources", "seed_attribution", "save_figure",
           "scenario_colors", "PALETTE", "FORMATS", "KINDS", "make_figure", "write_spread_curve",
           "FUNNEL_STAGES", "DEFAULT_COMPARE_METRICS", "seed_attribution_table", "write_attribution_csv"]

# kind -> (function, takes a metric?, default metric, short description)
KINDS: dict[str, tuple[Callable, str, str | None, str]] = {
    "spread": (spread_curves, "series", "reach", "cumulative reach/impressions/shares over time, 5-95% band"),
    "ccdf": (cascade_ccdf, "run", "reach", "cascade-size distribution, P(size >= x) on log-log axes"),
    "compare": (comparison, "many", None, "each scenario vs the baseline: mean, 95% CI, P(beats)"),
    "funnel": (funnel, "none", None, "impressions -> engagements -> clicks -> conversions"),
    "attribution": (attribution, "none", None, "owned/paid/earned reach; earned reach per seed"),
    "sov": (share_of_voice, "series", "impressions", "each content's share of voice over time in a world of several "
            "contents"),
    "sentiment": (net_sentiment, "none", None, "net sentiment over time (last view positive minus negative)"),
}


def make_figure(kind: str, results: ResultSet, metrics: Sequence[str] = (), *, baseline: str | None = None):
    """Draw the figure ``kind`` (a key of :data:`KINDS`) for ``results``.

    Parameters
    ----------
    kind : str
    results : ResultSet
    metrics : sequence of str
        At most one for spread, ccdf and sov; any number for compare; none for funnel and attribution.
    baseline : str, optional
        Baseline scenario name for ``compare`` (default: the first result).

    Raises
    ------
    InvalidParameterError
        Unknown kind or metric, or a metric given to a figure that takes none.
    """
    if kind not in KINDS:
        raise InvalidParameterError(f"unknown plot kind {kind!r}; choose one of: {', '.join(KINDS)}")
    fn, takes, default, _ = KINDS[kind]
    metrics = list(metrics)
    if takes == "none":
        if metrics:
            raise InvalidParameterError(f"--metric does not apply to the {kind} figure (it shows fixed metrics)")
        return fn(results)
    if takes == "many":
        return fn(results, metrics or None, baseline=baseline)
    if len(metrics) > 1:
        raise InvalidParameterError(f"the {kind} figure shows one metric; got {len(metrics)}: {', '.join(metrics)}")
    return fn(results, metrics[0] if metrics else default)


def write_spread_curve(result_dir: str | Path, path: str | Path | None = None, metric: str = "reach") -> Path:
    """Draw the spread curve of one run folder and write it beside the results.

    Used by ``viralsim run --plot``.

    Parameters
    ----------
    result_dir : path
        ``DIR/<name>/`` written by ``viralsim run``.
    path : path, optional
        Output file (.png, .svg or .pdf); default ``result_dir/spread_<metric>.png``.
    metric : {"reach", "impressions", "shares"}

    Returns
    -------
    Path
        The file written (atomically).
    """
    res = load_results([result_dir])
    target = Path(path) if path is not None else Path(result_dir) / f"spread_{metric}.png"
    fig = spread_curves(res, metric)
    return save_figure(fig, target)
