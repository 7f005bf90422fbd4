"""Which strategy wins: one objective metric, the best scenario by its mean in the metric's better
direction, and whether it is clearly ahead of the runner-up (paired 95% CI of the difference
excludes 0) — the sentence an analyst wants under a comparison table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from .._text import plural
from ..campaign.valuation import MONEY_METRICS
from ..errors import InvalidParameterError
from ..model.results import MetricDifference, better_direction, paired_difference
from .schema import suggest


# the metrics a verdict can be on (each has a better direction), as `viralsim compare --objective`
OBJECTIVES = ("reach", "reach_earned", "impressions", "impressions_earned", "shares", "engagements", "clicks",
              "conversions", "emv", "conversion_value", "net_value", "roi", "paid_cost", "total_cost",
              "net_sentiment_reach", "positive_last", "negative_last", "inoculated", "unanswered",
              "share_of_voice_impressions", "share_of_voice_reach", "net_earned_media")


def format_value(x: float, metric: str, currency: str = "") -> str:
    """A value (or a difference) of ``metric`` as a reader wants it: ROI in percent, money with its unit."""
    if not math.isfinite(x):
        return "n/a"
    if metric == "roi":
        return f"{x * 100:,.1f}%"
    if metric.startswith("share_of_voice"):
        return f"{x * 100:.1f}%"
    text = f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.2f}"
    return f"{text} {currency}".rstrip() if metric in MONEY_METRICS + ("net_earned_media",) else text


def default_objective(is_world: bool) -> str:
    """The objective when none is declared: net sentiment reach for several contents, else reach."""
    return "net_sentiment_reach" if is_world else "reach"


def check_objective(objective: str) -> None:
    """Raise InvalidParameterError unless ``objective`` is one of :data:`OBJECTIVES`."""
    if objective not in OBJECTIVES:
        raise InvalidParameterError(f"objective must be a metric with a better direction, got {objective!r}"
                                    + suggest(objective, OBJECTIVES))


@dataclass(frozen=True)
class Verdict:
    """The winner on ``objective`` and how sure the runs are of it."""

    objective: str
    lower_is_better: bool
    winner: str
    winner_mean: float
    runner_up: str | None
    vs_runner_up: MetricDifference | None  # winner - runner-up, paired over common random numbers
    clear: bool
    text: str

    def to_dict(self) -> dict:
        return {"objective": self.objective, "better": "lower" if self.lower_is_better else "higher",
                "winner": self.winner, "winner_mean": self.winner_mean, "runner_up": self.runner_up,
                "winner_minus_runner_up": None if self.vs_runner_up is None else self.vs_runner_up.to_dict(),
                "clear": self.clear, "text": self.text}


def verdict(objective: str, per_run: Mapping[str, np.ndarray], fmt=None) -> Verdict:
    """The verdict on ``objective`` from each scenario's per-run values (same replicate keys: paired).

    ``fmt`` formats a value of the metric (and a difference, with its sign added here)."""
    fmt = fmt or (lambda x: format_value(x, objective))
    direction = better_direction(objective)
    if direction == 0:
        raise InvalidParameterError(f"{objective} has no better direction: it cannot decide a winner")
    means = {name: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan for name, v in per_run.items()}
    ranked = sorted((n for n in means if math.isfinite(means[n])), key=lambda n: -direction * means[n])
    if not ranked:
        why = " (ROI needs a valuation section with a cost)" if objective == "roi" else ""
        return Verdict(objective, direction < 0, "", math.nan, None, None, False,
                       f"{objective}: no scenario has a value{why}, so there is no winner")
    winner = ranked[0]
    better = "lower" if direction < 0 else "higher"
    if len(ranked) == 1:
        return Verdict(objective, direction < 0, winner, means[winner], None, None, False,
                       f"{objective}: only {winner} has a value")
    runner_up = ranked[1]
    d = paired_difference(per_run[runner_up], per_run[winner], direction)
    n_runs = plural(d.n, "paired run")
    if d.mean_diff == 0 and (d.ci95_low is None or d.ci95_low == d.ci95_high):
        return Verdict(objective, direction < 0, winner, means[winner], runner_up, d, False,
                       f"{objective}: no winner: {winner} and {runner_up} are equal in every run")
    sign = "+" if d.mean_diff > 0 else ""
    if objective == "roi":  # a difference of two ROIs is in percentage points
        fmt_diff = lambda x: f"{x * 100:,.1f}"  # noqa: E731
        unit = " points"
    else:
        fmt_diff, unit = fmt, ""
    ci = "" if d.ci95_low is None else f" [95% CI {fmt_diff(d.ci95_low)} to {fmt_diff(d.ci95_high)}]"
    beats = "" if d.p_beats is None else f", better in {d.p_beats:.0%} of {n_runs}"
    clear = d.ci95_low is not None and (d.ci95_low > 0 if direction > 0 else d.ci95_high < 0)
    head = f"{winner} wins on {objective} ({better} is better)" if clear else \
        f"no clear winner on {objective} ({better} is better): {winner} leads"
    text = (f"{head}: mean {fmt(means[winner])}, {sign}{fmt_diff(d.mean_diff)}{unit}{ci} against the runner-up "
            f"{runner_up}{beats}")
    if not clear:
        text += "; the interval includes 0, so more runs (or a bigger difference) are needed to call it"
    return Verdict(objective, direction < 0, winner, means[winner], runner_up, d, clear, text)
