"""Spread curves (cumulative reach, impressions or shares over time) and share of voice."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .load import ResultSet, RunResult
from .style import figure_title, legend_outside, metric_label, new_figure, percent, scenario_colors, styled, thousands

__all__ = ["spread_curves", "share_of_voice"]


def _as_set(results) -> ResultSet:
    if isinstance(results, ResultSet):
        return results
    if isinstance(results, RunResult):
        return ResultSet((results,))
    return ResultSet(tuple(results))


def _time_axis(ax, times_h: np.ndarray) -> None:
    """Hours up to 72 h, days beyond (ticks every 12 h / 1 d)."""
    span = float(times_h[-1]) if times_h.size else 0.0
    ax.set_xlim(0, span if span > 0 else 1)
    if span > 96:
        from matplotlib.ticker import FuncFormatter, MultipleLocator

        ax.xaxis.set_major_locator(MultipleLocator(24 * max(1, round(span / 24 / 8))))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x / 24:g}"))
        ax.set_xlabel("time since the first post (days)")
    else:
        from matplotlib.ticker import MultipleLocator

        step = 6 if span <= 36 else 12
        ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.set_xlabel("time since the first post (hours)")


@styled
def spread_curves(results, metric: str = "reach", *, names_order=None):
    """Cumulative ``metric`` over time: mean line and 5-95% band of the runs, one colour per scenario.

    Parameters
    ----------
    results : ResultSet or RunResult or sequence of RunResult
    metric : {"reach", "impressions", "shares"}
    names_order : sequence of str, optional
        Scenario order for colours (default: the order of ``results``).

    Returns
    -------
    matplotlib.figure.Figure
        One axis; per scenario one line (``ax.lines``) and one band (``ax.collections``).
    """
    rs = _as_set(results)
    runs = rs.need_runs("a spread curve")
    rs.check_metric(metric, series=True)
    for r in runs:
        if metric not in r.series:
            raise InvalidParameterError(f"{r.name}: timeseries.csv has no {metric} columns")
    colors = scenario_colors(names_order or [r.name for r in runs])
    label, unit = metric_label(metric)
    fig, axes = new_figure()
    ax = axes[0, 0]
    for r in runs:
        c, ls = colors[r.name]
        s = r.series[metric]
        ax.fill_between(r.times_h, s["p05"], s["p95"], color=c, alpha=0.18, linewidth=0)
        final = s["mean"][-1]
        ax.plot(r.times_h, s["mean"], color=c, linestyle=ls, linewidth=2.0,
                label=f"{r.name}\n{final:,.0f} at {r.times_h[-1]:g} h ({r.n_runs:,} runs)")
    _time_axis(ax, runs[0].times_h)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylabel(f"cumulative {label.lower()} ({unit})")
    n = {r.n_runs for r in runs}
    n_txt = f"{n.pop():,} runs" if len(n) == 1 else "each scenario's runs"
    figure_title(fig, f"Cumulative {label.lower()} over time: mean (line) and 5-95% of {n_txt} (band)")
    legend_outside(ax, title="scenario")
    return fig


@styled
def share_of_voice(results, metric: str = "impressions"):
    """Each content's share of all cumulative ``metric`` over time (stacked areas summing to 100%).

    Share of voice compares contents competing for the same audience, so every result must have
    been simulated on the same graph (same fingerprint) with the same time steps.

    Returns
    -------
    matplotlib.figure.Figure
        One axis with one stacked area (``ax.collections``) per content.

    Raises
    ------
    InvalidParameterError
        Fewer than two results, different audiences or time grids.
    """
    rs = _as_set(results)
    runs = rs.need_runs("share of voice", at_least=2)
    rs.check_metric(metric, series=True)
    prints = {r.graph.get("fingerprint") for r in runs}
    if len(prints) > 1:
        raise InvalidParameterError("share of voice needs contents on the same audience graph; these results were "
                                    "simulated on different graphs: " + ", ".join(r.name for r in runs))
    t = runs[0].times_h
    if any(r.times_h.shape != t.shape or not np.allclose(r.times_h, t) for r in runs[1:]):
        raise InvalidParameterError("share of voice needs the same time steps (horizon and step) in every result")
    colors = scenario_colors([r.name for r in runs])
    means = np.vstack([r.series[metric]["mean"] for r in runs])
    total = means.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, means / np.where(total > 0, total, 1), np.nan)
    label, unit = metric_label(metric)
    fig, axes = new_figure()
    ax = axes[0, 0]
    ax.stackplot(t, np.nan_to_num(share), labels=[r.name for r in runs],
                 colors=[colors[r.name][0] for r in runs], alpha=0.85, linewidth=0.5, edgecolor="white")
    _time_axis(ax, t)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(percent())
    ax.set_ylabel(f"share of all cumulative {label.lower()} (%)")
    figure_title(fig, f"Share of voice: each content's share of cumulative {label.lower()} ({unit}), mean of the runs")
    legend_outside(ax, title="content")
    return fig
