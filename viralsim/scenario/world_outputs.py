"""What a world of several contents adds to a run's outputs: the contents table, the cross-content
lines under it, and ``contents.csv`` (one row per replicate and content)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from .._text import unclipped

__all__ = ["contents_table", "world_lines", "write_contents_csv", "CONTENT_COLUMNS", "WORLD_SCOREBOARD"]

CONTENT_COLUMNS = ("reach", "reach_earned", "impressions", "impressions_owned", "impressions_paid",
                   "impressions_earned", "shares", "engagements", "clicks", "clicks_owned", "clicks_paid",
                   "clicks_earned", "conversions")
WORLD_SCOREBOARD = ("net_sentiment_reach", "negative_last", "inoculated", "share_of_voice_impressions",
                    "net_earned_media")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 10 or float(x).is_integer() else f"{x:,.2f}"


def contents_table(result):
    """A rich Table, one row per content: who, reach, impressions, shares, launch."""
    from rich.table import Table

    run = result.world
    table = Table(title=f"{result.scenario.name}: {len(run.result.specs)} contents in one world (means over all "
                        f"runs; p05 - p95 of reach)", title_justify="left")
    for col, just in (("content", "left"), ("voice", "left"), ("reach", "right"), ("p05 - p95", "right"),
                      ("impressions", "right"), ("shares", "right"), ("launch", "right")):
        table.add_column(col, justify=just)
    for spec in run.result.specs:
        r = run.result.contents[spec.name]
        reach = r.metrics["reach"]
        launch = r.diagnostics["launch_h"]
        launched = np.isfinite(launch)
        if spec.trigger is None:
            when = f"{spec.start:g} h"
        elif launched.any():
            when = f"{np.mean(launch[launched]):.1f} h mean, {launched.mean():.0%} of runs"
        else:
            when = "never"
        reach_text = _fmt(float(reach.mean()))
        if spec.trigger is not None and 0 < launched.mean() < 1:  # the mean counts runs without a launch as 0
            reach_text += f" ({_fmt(float(reach[launched].mean()))} when launched)"
        table.add_row(spec.name, f"{spec.sentiment} {spec.owner}", reach_text,
                      f"{_fmt(float(np.quantile(reach, 0.05)))} - {_fmt(float(np.quantile(reach, 0.95)))}",
                      _fmt(float(r.metrics["impressions"].mean())), _fmt(float(r.metrics["shares"].mean())), when)
    return unclipped(table)


def world_lines(result) -> list[str]:
    """The cross-content figures in words, each with its 95% interval over replicates."""
    s = result.summary
    cur = result.scenario.valuation.currency if result.scenario.valuation else ""

    def ci(name: str, pct: bool = False) -> str:
        x = s[name]
        if pct:
            return f"{x.mean:.1%} [95% CI {x.ci95_low:.1%} to {x.ci95_high:.1%}]"
        return f"{x.mean:,.0f} [95% CI {x.ci95_low:,.0f} to {x.ci95_high:,.0f}]"

    sentiments = {spec.sentiment for spec in result.world.result.specs}
    lines = []
    if sentiments != {"neutral"}:
        lines += [f"net sentiment reach (users whose last view was positive minus negative): "
                  f"{ci('net_sentiment_reach')}",
                  f"users whose last view was negative: {ci('negative_last')}; saw both sides: {ci('saw_both')}, "
                  f"of whom inoculated (saw the positive side first): {ci('inoculated')}; negative and unanswered: "
                  f"{ci('unanswered')}"]
    if s["share_of_voice_impressions"].n:
        lines.append(f"brand share of voice: impressions {ci('share_of_voice_impressions', True)}, reach "
                     f"{ci('share_of_voice_reach', True)}")
    for spec in result.world.result.specs:
        key = f"{spec.name}.trigger_h"
        if key in s and s[key].n:
            lau = result.world.result.contents[spec.name].diagnostics["launch_h"]
            after = result.world.result.contents[spec.trigger.after].diagnostics["launch_h"]
            realised = lau - after
            ok = np.isfinite(realised)
            tail = (f"; realised response time from {spec.trigger.after}'s start: median "
                    f"{np.median(realised[ok]):.1f} h (p05 {np.quantile(realised[ok], 0.05):.1f} h - p95 "
                    f"{np.quantile(realised[ok], 0.95):.1f} h)") if ok.any() else ""
            lines.append(f"{spec.name}: triggered in {s[key].n / result.runs:.0%} of runs, at {s[key].mean:.1f} h on "
                         f"average; launched within the horizon in {ok.mean():.0%}{tail}")
    if "net_earned_media" in s and sentiments != {"neutral"}:
        x = s["net_earned_media"]
        lines.append(f"net earned media: {x.mean:,.0f} {cur} [95% CI {x.ci95_low:,.0f} to {x.ci95_high:,.0f}] "
                     "(positive contents' EMV minus negative contents' EMV at the same rates)")
    return lines


def write_contents_csv(result, folder: str | Path) -> Path:
    """``contents.csv``: run, content, sentiment, owner, launch_h, then every CONTENT_COLUMNS metric."""
    path = Path(folder) / "contents.csv"
    run = result.world
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("run", "content", "sentiment", "owner", "launch_h", "views_dropped") + CONTENT_COLUMNS)
        for spec in run.result.specs:
            r = run.result.contents[spec.name]
            cols = [r.diagnostics["launch_h"], r.diagnostics["views_dropped"]] + [r.metrics[m] for m in CONTENT_COLUMNS]
            for i in range(r.runs):
                vals = ["" if not math.isfinite(c[i]) else (f"{c[i]:.0f}" if float(c[i]).is_integer() else f"{c[i]:g}")
                        for c in cols]
                w.writerow([i, spec.name, spec.sentiment, spec.owner, *vals])
    return path
