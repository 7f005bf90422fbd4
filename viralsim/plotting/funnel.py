"""Marketing funnel: impressions -> engagements -> clicks -> conversions, per scenario."""

from __future__ import annotations

import numpy as np

from .spread import _as_set
from .style import figure_title, fmt_number, legend_outside, log_labels, new_figure, scenario_colors, styled

__all__ = ["funnel", "FUNNEL_STAGES", "FUNNEL_BASE"]

FUNNEL_STAGES = (("impressions", "impressions (views)"), ("engagements", "engagements (likes, comments)"),
                 ("clicks", "clicks (to the site)"), ("conversions", "conversions (purchases)"))
# what each stage is drawn from in the model (docs/model.md): engagements and clicks per view,
# independently of each other; a conversion per user who clicked
FUNNEL_BASE = {"engagements": "impressions", "clicks": "impressions", "conversions": "clicks"}


@styled
def funnel(results):
    """Mean count at each funnel stage with the 5-95% range of the runs, one bar colour per scenario.

    The axis is logarithmic because stages differ by orders of magnitude; each bar is labelled
    with its mean and its rate from the stage it is drawn from in the model (:data:`FUNNEL_BASE`):
    engagements and clicks per impression (independent of each other), conversions per click.

    Returns
    -------
    matplotlib.figure.Figure
        One axis with ``4 x n_scenarios`` bars (``ax.patches``).
    """
    rs = _as_set(results)
    runs = rs.need_runs("a funnel")
    for stage, _ in FUNNEL_STAGES:
        rs.check_metric(stage)
    colors = scenario_colors([r.name for r in runs])
    n = len(runs)
    fig, axes = new_figure(size=(9.0, 1.4 + 0.3 * n * len(FUNNEL_STAGES)))
    ax = axes[0, 0]
    height = 0.8 / n
    y0 = np.arange(len(FUNNEL_STAGES))[::-1].astype(float)
    smallest, largest = np.inf, 1.0
    for i, r in enumerate(runs):
        c, _ = colors[r.name]
        means = np.array([r.metrics[s].mean for s, _ in FUNNEL_STAGES])
        lo = np.array([r.metrics[s].p05 for s, _ in FUNNEL_STAGES])
        hi = np.array([r.metrics[s].p95 for s, _ in FUNNEL_STAGES])
        y = y0 + 0.4 - height * (i + 0.5)
        bars = ax.barh(y, np.maximum(means, 1e-9), height=height * 0.92, color=c, label=r.label,
                       xerr=[np.maximum(means - lo, 0), np.maximum(hi - means, 0)],
                       error_kw=dict(ecolor="#444444", elinewidth=1, capsize=2))
        for k, (bar, m) in enumerate(zip(bars, means)):
            base = FUNNEL_BASE.get(FUNNEL_STAGES[k][0])
            b = means[[s for s, _ in FUNNEL_STAGES].index(base)] if base else 0.0
            rate = f" ({m / b:.1%} of {base})" if base and b > 0 else ""
            ax.annotate(f"{fmt_number(m)}{rate}",
                        xy=(max(hi[k], m), bar.get_y() + bar.get_height() / 2), xytext=(5, 0),
                        textcoords="offset points", va="center", fontsize=8, color="#222222")
        largest = max(largest, float(np.nanmax(np.maximum(hi, means))))
        smallest = min(smallest, float(np.min(np.where(lo > 0, lo, np.where(means > 0, means, np.inf)))))
    ax.set_xscale("log")
    if np.isfinite(smallest):
        ax.set_xlim(max(smallest / 3, 1e-3), largest * 25)
    log_labels(ax.xaxis, *ax.get_xlim())
    ax.set_yticks(y0, [lab for _, lab in FUNNEL_STAGES])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("mean count per campaign (log scale); whiskers: 5-95% of runs")
    figure_title(fig, "Funnel: engagements and clicks per impression, conversions per click (mean per campaign)")
    legend_outside(ax, title="scenario")
    return fig
