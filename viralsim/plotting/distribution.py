"""Cascade-size distribution: complementary CDF P(size >= x) on log-log axes."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .spread import _as_set
from .style import (figure_title, legend_outside, log_labels, log_percent, metric_label, new_figure, scenario_colors,
                    styled)

__all__ = ["cascade_ccdf", "ccdf_points", "thin_ccdf"]


def ccdf_points(values) -> tuple[np.ndarray, np.ndarray]:
    """Distinct positive values ``x`` and ``P(X >= x)`` over all finite values (zeros count in the base).

    Returns
    -------
    x, p : ndarray
        Sorted distinct positive values and the fraction of runs at least that large.
    """
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.empty(0), np.empty(0)
    xs, counts = np.unique(v, return_counts=True)
    # P(X >= xs[i]) = (number of values >= xs[i]) / n
    at_least = np.cumsum(counts[::-1])[::-1] / v.size
    keep = xs > 0
    return xs[keep], at_least[keep]


def thin_ccdf(x: np.ndarray, p: np.ndarray, max_points: int = 1500) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` of a CCDF for drawing: log-spaced in x, every point of the sparse tail kept.

    A step plot through the kept points differs from the full one by less than a pixel on
    log-log axes, and a figure of 100,000 runs stays small.
    """
    if x.size <= max_points:
        return x, p
    tail = max_points // 4
    head_x = x[:-tail]
    grid = np.geomspace(head_x[0], head_x[-1], max_points - tail)
    keep = np.unique(np.searchsorted(head_x, grid, side="left").clip(0, head_x.size - 1))
    idx = np.concatenate([keep, np.arange(x.size - tail, x.size)])
    return x[idx], p[idx]


@styled
def cascade_ccdf(results, metric: str = "reach"):
    """Complementary CDF of the per-run ``metric`` (cascade size) on log-log axes, one line per scenario.

    A straight line on these axes is a power-law tail; the curve's right end is the largest
    cascade seen.  Runs with a value of 0 cannot be drawn on a log axis; they still count in
    the probabilities, and the legend gives how many there were.

    Returns
    -------
    matplotlib.figure.Figure
        One axis with one step line per scenario (``ax.lines``).
    """
    rs = _as_set(results)
    runs = rs.need_runs("a cascade-size distribution")
    rs.check_metric(metric)
    colors = scenario_colors([r.name for r in runs])
    label, unit = metric_label(metric, runs[0].currency)
    points = {r.name: ccdf_points(r.runs[metric]) for r in runs}
    if not any(x.size for x, _ in points.values()):
        raise InvalidParameterError(f"no run has a positive {metric}: a log-log distribution has nothing to show")
    fig, axes = new_figure()
    ax = axes[0, 0]
    for r in runs:
        c, ls = colors[r.name]
        vals = r.runs[metric]
        x, p = thin_ccdf(*points[r.name])
        zeros = int(np.count_nonzero(np.asarray(vals) == 0))
        extra = f", {zeros:,} at 0 not drawn" if zeros else ""
        ax.step(x, p, where="post", color=c, linestyle=ls, linewidth=1.8,
                label=f"{r.label}\nmedian {np.nanmedian(vals):,.0f}, max {np.nanmax(vals):,.0f}{extra}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    lo = min(float(x[0]) for x, _ in points.values() if x.size)
    hi = max(float(x[-1]) for x, _ in points.values() if x.size)
    log_labels(ax.xaxis, lo, hi)
    p_min = min(float(p[-1]) for _, p in points.values() if p.size)
    ax.yaxis.set_major_formatter(log_percent())
    n = runs[0].n_runs
    ax.set_ylim(p_min / 1.5, 1.05)
    ax.set_xlabel(f"{label.lower()} per run, x ({unit}, log scale)")
    ax.set_ylabel(f"share of runs with {label.lower()} >= x (%, log scale)")
    figure_title(fig, f"Cascade-size distribution: share of runs reaching at least x ({n:,} runs per scenario)")
    legend_outside(ax, title="scenario")
    return fig
