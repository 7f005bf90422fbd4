"""Spread curves (cumulative reach, impressions or shares over time), share of voice and net sentiment."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .load import ResultSet, RunResult
from .style import figure_title, legend_outside, metric_label, new_figure, percent, scenario_colors, styled, thousands

__all__ = ["spread_curves", "share_of_voice", "net_sentiment"]


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


_DASHES = ("-", (0, (6, 2)), (0, (2, 2)), (0, (6, 2, 2, 2)), (0, (1, 1)), (0, (8, 2, 1, 2, 1, 2)))


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
    # with many scenarios, filled bands add up to mud and equal curves hide each other: the bands get
    # faint with an outline, and the mean lines a dash pattern each, so one under another still shows
    many = len(runs) > 3
    for i, r in enumerate(runs):
        c, ls = colors[r.name]
        s = r.series[metric]
        ax.fill_between(r.times_h, s["p05"], s["p95"], color=c, alpha=0.06 if many else 0.18,
                        linewidth=0.8 if many else 0, edgecolor=c if many else "none")
        final = s["mean"][-1]
        style = _DASHES[i % len(_DASHES)] if many else ls
        ax.plot(r.times_h, s["mean"], color=c, linestyle=style, linewidth=2.2 if many else 2.0,
                label=f"{r.label}\n{final:,.0f} at {r.times_h[-1]:g} h ({r.n_runs:,} runs)")
    _time_axis(ax, runs[0].times_h)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylabel(f"cumulative {label.lower()} ({unit})")
    n = {r.n_runs for r in runs}
    n_txt = f"{n.pop():,} runs" if len(n) == 1 else "each scenario's runs"
    figure_title(fig, f"Cumulative {label.lower()} over time: mean (line) and 5-95% of {n_txt} (band)")
    legend_outside(ax, title="scenario")
    return fig


def _worlds(rs: ResultSet, what: str) -> tuple:
    worlds = tuple(r for r in rs.runs if (r.summary.get("world") or {}).get("series"))
    if not worlds:
        raise InvalidParameterError(f"{what} needs the results of a world of several contents (a scenario with "
                                    "`contents:`, or one content with a sentiment); these results have none: "
                                    + ", ".join(r.name for r in rs.runs))
    return worlds


@styled
def share_of_voice(results, metric: str = "impressions"):
    """Each content's share of all cumulative ``metric`` over time in one world (stacked areas summing
    to 100%), one panel per world scenario (at most four).

    The contents were simulated together, on one audience and one calendar, so their shares are
    shares of one conversation (the brand's share of voice is its contents' areas).

    Returns
    -------
    matplotlib.figure.Figure
        One axis per world; per content one stacked area (``ax.collections``).

    Raises
    ------
    InvalidParameterError
        No result is a world of several contents, or ``metric`` is not impressions, reach or shares.
    """
    if metric not in ("impressions", "reach", "shares"):
        raise InvalidParameterError(f"metric must be one of impressions, reach, shares; got {metric!r}")
    rs = _as_set(results)
    worlds = _worlds(rs, "share of voice")[:4]
    label, unit = metric_label(metric)
    fig, axes = new_figure(1, len(worlds), size=(4.2 * len(worlds) + 2.2, 4.2), sharey=True)
    for ax, r in zip(axes[0], worlds):
        w = r.summary["world"]
        names = [c["name"] for c in w["contents"]]
        owners = {c["name"]: c["owner"] for c in w["contents"]}
        t = np.asarray(w["times_h"], dtype=np.float64)
        means = np.vstack([np.asarray(w["series"][n][metric], dtype=np.float64) for n in names])
        total = means.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, means / np.where(total > 0, total, 1), np.nan)
        colors = scenario_colors(names)
        ax.stackplot(t, np.nan_to_num(share), labels=[f"{n} ({owners[n]})" for n in names],
                     colors=[colors[n][0] for n in names], alpha=0.85, linewidth=0.5, edgecolor="white")
        _time_axis(ax, t)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(percent())
        ax.set_title(r.name, fontsize=10, loc="left")
    axes[0, 0].set_ylabel(f"share of cumulative {label.lower()} (%)")
    figure_title(fig, f"Share of voice: share of cumulative {label.lower()}, mean of the runs")
    legend_outside(axes[0, -1], title="content (owner)")
    return fig


@styled
def net_sentiment(results):
    """Net sentiment over time (users whose last view was positive minus negative): mean line and
    5-95% band of the runs, one colour per world scenario; a line at 0 separates the two sides.

    Returns
    -------
    matplotlib.figure.Figure
        One axis; per scenario one line (``ax.lines`` after the zero line) and one band.
    """
    rs = _as_set(results)
    worlds = _worlds(rs, "net sentiment")
    colors = scenario_colors([r.name for r in worlds])
    fig, axes = new_figure()
    ax = axes[0, 0]
    ax.axhline(0.0, color="#555555", linewidth=0.8)
    for r in worlds:
        w = r.summary["world"]
        t = np.asarray(w["times_h"], dtype=np.float64)
        s = {k: np.asarray(v, dtype=np.float64) for k, v in w["net_sentiment"].items()}
        c, ls = colors[r.name]
        ax.fill_between(t, s["p05"], s["p95"], color=c, alpha=0.15, linewidth=0)
        ax.plot(t, s["mean"], color=c, linestyle=ls, linewidth=2.0, label=f"{r.name}\n{s['mean'][-1]:+,.0f} at "
                f"{t[-1]:g} h")
    _time_axis(ax, np.asarray(worlds[0].summary["world"]["times_h"], dtype=np.float64))
    ax.yaxis.set_major_formatter(thousands())
    ax.set_ylabel("users: last view positive minus negative")
    figure_title(fig, "Net sentiment over time: mean (line) and 5-95% of runs (band); below 0 the negative side leads")
    legend_outside(ax, title="scenario")
    return fig
