"""Attribution: where reach came from (owned, paid, earned) and earned reach per seed account."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .spread import _as_set
from .style import legend_outside, new_figure, scenario_colors, styled, thousands

__all__ = ["reach_sources", "seed_attribution", "attribution", "SOURCES"]

# greys, told apart by lightness, so they never look like a scenario's colour
SOURCES = (("reach_owned", "owned (seeds' own followers)", "#C4C4C4"),
           ("reach_paid", "paid (boosted delivery)", "#8A8A8A"),
           ("reach_earned", "earned (through shares)", "#333333"))


def _sources_axis(ax, runs) -> None:
    names = [r.name for r in runs]
    y = np.arange(len(runs))[::-1]
    left = np.zeros(len(runs))
    for metric, label, color in SOURCES:
        vals = np.array([r.metrics[metric].mean if metric in r.metrics else 0.0 for r in runs])
        if metric == "reach_paid" and not np.any(vals > 0):
            continue  # no scenario has a boost: no "paid" in the legend
        ax.barh(y, vals, left=left, color=color, label=label, height=0.6)
        left += vals
    for yi, r, total in zip(y, runs, left):
        earned = r.metrics["reach_earned"].mean if "reach_earned" in r.metrics else np.nan
        share = f", {earned / total:.0%} earned" if total > 0 and np.isfinite(earned) else ""
        ax.annotate(f"{total:,.0f}{share}", xy=(total, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=9)
    ax.set_yticks(y, names)
    ax.set_xlim(0, max(left.max(), 1) * 1.25)
    ax.xaxis.set_major_formatter(thousands())
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("mean reach per campaign (unique users)")
    ax.set_title("Reach by source: owned, paid and earned (mean of the runs)")


def _seed_axis(ax, r, color, top: int) -> None:
    att = r.seed_attribution
    order = np.argsort(-att["mean"], kind="stable")[:top]
    mean, lo, hi = att["mean"][order], att["p05"][order], att["p95"][order]
    y = np.arange(len(order))[::-1]
    ax.barh(y, mean, color=color, height=0.7, xerr=[np.maximum(mean - lo, 0), np.maximum(hi - mean, 0)],
            error_kw=dict(ecolor="#444444", elinewidth=1, capsize=2))
    fol = att.get("followers")
    fee = att.get("fee")
    paid_any = fee is not None and np.any(np.asarray(fee) > 0)

    def label(i) -> str:
        parts = [] if fol is None else [f"{int(fol[i]):,} followers"]
        if fee is not None and fee[i] == 0:  # the brand's own page, or a seed posting unpaid (fee: false)
            parts.append("owned, unpaid" if not paid_any else "unpaid")
        return f"account {att['labels'][i]}" + (f" ({', '.join(parts)})" if parts else "")

    ax.set_yticks(y, [label(i) for i in order], fontsize=8)
    ax.xaxis.set_major_formatter(thousands())
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("earned reach descended from the seed (unique users); whiskers: 5-95% of runs")
    total = len(att["labels"])
    shown = (f"top {len(order)} of {total:,} seeds" if total > len(order) else
             "its only seed" if total == 1 else f"all {total:,} seeds")
    # two lines: the axis starts right of long account labels, and one line ran past the figure edge
    ax.set_title(f"{r.label}\nearned reach per seed account ({shown}, mean of {r.n_runs:,} runs)")


@styled
def reach_sources(results):
    """Stacked bars of owned, paid and earned reach per scenario (means of the runs).

    Returns
    -------
    matplotlib.figure.Figure
        One axis with ``3 x n_scenarios`` bars (``ax.patches``).
    """
    rs = _as_set(results)
    runs = rs.need_runs("reach by source")
    rs.check_metric("reach_earned")
    fig, axes = new_figure(size=(9.0, 1.6 + 0.6 * len(runs)))
    _sources_axis(axes[0, 0], runs)
    legend_outside(axes[0, 0], title="source")
    return fig


@styled
def seed_attribution(result, top: int = 15):
    """Earned reach descended from each seed account (mean, 5-95% of runs), the ``top`` largest.

    Needs per-seed attribution: a result built with ``RunResult.from_scenario_result`` or a run
    folder with ``attribution.csv``.

    Returns
    -------
    matplotlib.figure.Figure
        One axis with one bar per seed shown (``ax.patches``).
    """
    rs = _as_set(result)
    r = rs.need_runs("seed attribution")[0]
    att = r.seed_attribution
    if att is None:
        raise InvalidParameterError(f"{r.name}: no per-seed attribution in this result (needs attribution.csv "
                                    "in the result folder)")
    fig, axes = new_figure(size=(9.0, 1.4 + 0.28 * min(top, len(att["labels"]))))
    _seed_axis(axes[0, 0], r, scenario_colors(rs.names)[r.name][0], top)
    return fig


@styled
def attribution(results, top: int = 15):
    """Reach by source for every scenario and, when available, earned reach per seed.

    The per-seed panel shows the scenario with the most seed accounts (the first on ties),
    where the question "which seeds earned the reach?" has the most to say.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (sources, seeds) when per-seed data exist, else one.
    """
    rs = _as_set(results)
    runs = rs.need_runs("attribution")
    rs.check_metric("reach_earned")
    with_seeds = [r for r in runs if r.seed_attribution is not None]
    if not with_seeds:
        return reach_sources(rs)
    r = max(with_seeds, key=lambda q: len(q.seed_attribution["labels"]))
    k = min(top, len(r.seed_attribution["labels"]))
    h1, h2 = 1.0 + 0.6 * len(runs), 1.0 + 0.28 * k
    fig, axes = new_figure(2, 1, size=(9.0, 0.8 + h1 + h2), height_ratios=[h1, h2])
    _sources_axis(axes[0, 0], runs)
    legend_outside(axes[0, 0], title="source")
    _seed_axis(axes[1, 0], r, scenario_colors(rs.names)[r.name][0], top)
    return fig
