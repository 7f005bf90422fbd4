"""Strategy comparison: each scenario's mean with the 95% CI of its difference to the baseline."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from .load import differences
from .spread import _as_set
from .style import fmt_number, metric_label, new_figure, scenario_colors, span_formatter, styled

__all__ = ["comparison", "DEFAULT_COMPARE_METRICS"]

DEFAULT_COMPARE_METRICS = ("reach", "impressions_earned", "engagements", "conversions", "emv", "roi")


def _default_metrics(rs, diffs) -> list[str]:
    have = set.intersection(*(set(d) for d in diffs.values())) if diffs else set()
    return [m for m in DEFAULT_COMPARE_METRICS if m in have]


@styled
def comparison(results, metrics: Sequence[str] | None = None, *, baseline: str | None = None):
    """One panel per metric: the baseline's mean (dashed line) and each scenario's mean with the 95% CI.

    The CI drawn is that of the *difference* to the baseline (paired over common random numbers
    when the runs share seed and run count), placed at the baseline's mean, so a whisker that
    crosses the dashed line means "not distinguishable from the baseline".  The label on the right
    gives the relative change and P(beats baseline): the share of paired runs where the scenario
    did better.

    Parameters
    ----------
    results : ResultSet
        Two or more run folders (baseline first) or a compare folder.
    metrics : sequence of str, optional
        Default: reach, impressions_earned, engagements, conversions, and emv and roi when valued.
    baseline : str, optional
        Name of the baseline scenario (default: the first).

    Returns
    -------
    matplotlib.figure.Figure
        One axis per metric; each has one error bar (``ax.containers``) per non-baseline scenario.
    """
    from matplotlib.ticker import MaxNLocator

    from ..errors import InvalidParameterError

    rs = _as_set(results)

    probe = list(metrics) if metrics else list(DEFAULT_COMPARE_METRICS)
    if metrics:
        known = rs.metric_names() if rs.runs else sorted({m for c in rs.comparisons
                                                           for d in c.differences.values() for m in d})
        for m in metrics:
            if m not in known:
                raise InvalidParameterError(f"unknown metric {m!r}; choose from: {', '.join(known)}")
    base_name, diffs = differences(rs, probe, baseline=baseline)
    if not diffs:
        raise InvalidParameterError("a comparison needs at least one scenario besides the baseline")
    metrics = list(metrics) if metrics else _default_metrics(rs, diffs)
    # a metric undefined in some scenario (ROI at zero cost, a response time where nobody responds)
    # has no point to draw
    metrics = [m for m in metrics if all(math.isfinite(per[m].baseline_mean) and math.isfinite(per[m].scenario_mean)
                                         for per in diffs.values() if m in per)]
    if len(metrics) > 1:  # and one that is 0 in every scenario (no conversions at all) has nothing to compare
        metrics = [m for m in metrics if any(per[m].baseline_mean or per[m].scenario_mean
                                             for per in diffs.values() if m in per)] or metrics[:1]
    if not metrics:
        raise InvalidParameterError("no metric to compare: each is undefined (NaN) in some scenario")
    names = [base_name, *diffs]
    colors = scenario_colors(rs.names if set(names) <= set(rs.names) else names)
    currency = rs.runs[0].currency if rs.runs else (rs.comparisons[0].document.get("currency", "") if
                                                    rs.comparisons else "")
    n_alt = len(diffs)
    height = 0.9 + len(metrics) * (0.55 + 0.32 * n_alt)
    fig, axes = new_figure(len(metrics), 1, size=(9.0, height))
    base_stats = {r.name: r.metrics for r in rs.runs}
    paired = all(d.paired for per in diffs.values() for d in per.values())
    for ax, m in zip(axes[:, 0], metrics):
        label, unit = metric_label(m, currency)
        scale = 100.0 if m == "roi" else 1.0
        first = next(iter(diffs.values()))[m]
        b_mean = first.baseline_mean * scale
        ax.axvline(b_mean, color=colors[base_name][0], linestyle="--", linewidth=1.4)
        bstat = base_stats.get(base_name, {}).get(m)
        lo_all, hi_all = [b_mean], [b_mean]
        if bstat is not None and math.isfinite(bstat.ci95_low):
            lo_all.append(bstat.ci95_low * scale)
            hi_all.append(bstat.ci95_high * scale)
            ax.axvspan(bstat.ci95_low * scale, bstat.ci95_high * scale, color=colors[base_name][0], alpha=0.12,
                       linewidth=0)
        ys = np.arange(n_alt)[::-1]
        for y, (name, per) in zip(ys, diffs.items()):
            d = per[m]
            x = d.scenario_mean * scale
            lo = (d.baseline_mean + d.ci95_low) * scale
            hi = (d.baseline_mean + d.ci95_high) * scale
            err = [[x - lo], [hi - x]] if math.isfinite(lo) else None
            ax.errorbar([x], [y], xerr=err, fmt="o", color=colors[name][0], markersize=7, capsize=4,
                        linewidth=2, label=name)
            rel = (f"{d.mean_diff / abs(d.baseline_mean):+.0%}" if d.baseline_mean and m != "roi"
                   else f"{d.mean_diff * 100:+,.0f} percentage points" if m == "roi" else "")
            p = "n/a" if not math.isfinite(d.p_beats) else f"{d.p_beats:.0%}"
            rel = f" ({rel})" if rel else ""
            note = ax.annotate(f"{name}: {fmt_number(d.scenario_mean, m, currency)}{rel}\nP(beats baseline) {p}",
                               xy=(1.03, y), xycoords=("axes fraction", "data"), va="center", fontsize=9,
                               color=colors[name][0], annotation_clip=False)
            note.set_in_layout(False)
            lo_all += [v for v in (lo, hi, x) if math.isfinite(v)]
            hi_all += [v for v in (lo, hi, x) if math.isfinite(v)]
        ax.set_yticks(ys, list(diffs), fontsize=9)
        ax.set_ylim(-0.7, n_alt - 0.3)
        span = max(hi_all) - min(lo_all) or abs(b_mean) or 1.0
        ax.set_xlim(min(lo_all) - 0.08 * span, max(hi_all) + 0.08 * span)
        lo_v, hi_v = ax.get_xlim()
        ax.xaxis.set_major_formatter(span_formatter(lo_v, hi_v, suffix="%" if m == "roi" else ""))
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(MaxNLocator(6))
        ax.set_title(f"{label} ({unit}): baseline {fmt_number(first.baseline_mean, m, currency)}",
                     fontsize=10, fontweight="normal")
    how = "paired over common random numbers" if paired else "Welch, independent runs"
    fig.suptitle(f"Strategies against the baseline ({base_name}: dashed line; shaded: 95% CI of its mean)\n"
                 f"dot: scenario mean; whisker: 95% CI of the difference ({how})", x=0.01, ha="left",
                 fontsize=11, fontweight="bold")
    fig.get_layout_engine().set(rect=(0, 0, 0.68, 1))
    return fig
