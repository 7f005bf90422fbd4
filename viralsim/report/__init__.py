"""One self-contained HTML report from result folders: settings, tables, every figure, EMV, manifest.

The page has inline CSS and figures embedded as SVG data, no scripts and no links to load:
it opens offline, can be mailed as one file, and prints to PDF (A4) cleanly.

>>> from viralsim.report import write_report                   # doctest: +SKIP
>>> write_report(["results/baseline", "results/micro"], "report.html")
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .._io import atomic_path
from .._text import plural
from ..errors import InvalidParameterError, ViralsimError
from ..model.results import P_BEATS_DEFINITION
from ..scenario.schema import flatten_settings
from ..scenario.verdict import default_objective, format_value, verdict
from ..plotting.load import MetricStats, ResultSet, differences, load_results
from ..plotting.style import fmt_number, readable_by_all, styled, metric_label, scenario_colors
from .template import CSS, PAGE

__all__ = ["build_report", "write_report", "REPORT_METRICS", "figure_list"]

REPORT_METRICS = ("reach", "reach_earned", "impressions", "impressions_earned", "frequency", "shares",
                  "engagements", "clicks", "conversions", "depth", "structural_virality", "time_to_50pct_h",
                  "time_to_90pct_h", "emv", "conversion_value", "total_cost", "net_value", "roi")
COMPARE_METRICS = ("reach", "reach_earned", "impressions", "impressions_earned", "shares", "engagements", "clicks",
                   "conversions", "emv", "net_value", "roi")

E = html.escape


@styled
def _svg_data(fig) -> str:
    """The figure as an ``<img>`` data URI (SVG, text drawn as paths: no fonts needed)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "viralsim"})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_list(results: ResultSet) -> list[tuple[str, str, str, Callable]]:
    """The report's figures: ``(id, heading, caption, draw)`` where ``draw()`` returns a Figure."""
    from .. import plotting as P

    figs = []
    if results.runs:
        n = results.runs[0].n_runs
        for metric in ("reach", "impressions", "shares"):
            label, unit = metric_label(metric)
            figs.append((f"spread-{metric}", f"Spread curve: cumulative {label.lower()}",
                         f"Cumulative {label.lower()} ({unit}) over time. Line: mean of the {n:,} Monte Carlo runs; "
                         "band: the middle 90% of runs (5th to 95th percentile), the range a campaign should expect.",
                         lambda m=metric: P.spread_curves(results, m)))
        figs.append(("ccdf", "Cascade-size distribution",
                     "Share of runs whose reach was at least x, on log-log axes. A long, straight tail means rare "
                     "but very large cascades: the mean is driven by a few runs, so read it with the 90% range.",
                     lambda: P.cascade_ccdf(results, "reach")))
    if len(results.runs) >= 2 or results.comparisons:
        figs.append(("compare", "Strategies against the baseline",
                     "Each panel is one metric. Dashed line: the baseline's mean; dot: the scenario's mean; whisker: "
                     "the 95% confidence interval of the difference (a whisker crossing the dashed line means no "
                     "clear difference). P(beats baseline): share of paired runs where the scenario did better.",
                     lambda: P.comparison(results)))
    if results.runs:
        figs.append(("funnel", "Funnel: impressions to conversions",
                     "Mean count per campaign at each stage (log scale) with the 5-95% range of runs. Engagements "
                     "and clicks are each drawn per impression, independently (a click needs no engagement), so "
                     "both rates are per impression; conversions are per click.", lambda: P.funnel(results)))
        figs.append(("attribution", "Attribution: where the reach came from",
                     "Owned reach: the seed accounts' own followers; paid: boosted delivery; earned: everyone "
                     "reached through shares.", lambda: P.attribution(results)))
    if any((r.summary.get("world") or {}).get("series") for r in results.runs):
        figs.append(("sov", "Share of voice over time",
                     "Each content's share of all cumulative impressions in its world: the contents were simulated "
                     "together on one audience (mean of the runs).", lambda: P.share_of_voice(results)))
        figs.append(("sentiment", "Net sentiment over time",
                     "Users whose last view was of a positive content minus those whose last view was negative.",
                     lambda: P.net_sentiment(results)))
    return figs


def _decimals(values, metric: str) -> int | None:
    """One precision for a whole table row: 0 decimals from 100 up, 1 from 10, else 2 (None: default format)."""
    if metric == "roi":
        return None
    vals = [abs(v) for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None
    top = max(vals)
    return 0 if top >= 100 else 1 if top >= 10 else 2


def _public_path(text: str) -> str:
    """A path as a client may see it: relative to the working folder when under it, else its last two
    parts (the machine's absolute folders stay out of a report that is sent around)."""
    p = Path(text)
    if not p.is_absolute():
        return text
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(Path("…", *p.parts[-2:]))


def _public(value):
    """``value`` (a manifest) with every absolute path made public by :func:`_public_path`."""
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_public(v) for v in value]
    if isinstance(value, str) and value.startswith("/"):
        return _public_path(value)
    return value


def _verdict(results: ResultSet, runs, paired: bool, currency: str) -> str | None:
    """The verdict sentence: from the runs when they are paired, else the one compare.json states."""
    declared = next((c.document.get("verdict") for c in results.comparisons if c.document.get("verdict")), None)
    objective = (declared or {}).get("objective") or default_objective(
        any("net_sentiment_reach" in r.runs for r in runs))
    per_run = {r.name: r.runs[objective] for r in runs if objective in r.runs}
    if paired and len(per_run) >= 2:
        return verdict(objective, per_run, lambda x: format_value(x, objective, currency)).text
    return None if declared is None else declared.get("text")


def _num(x: float, metric: str, currency: str, dec: int | None) -> str:
    if dec is None or x is None or not math.isfinite(x):
        return fmt_number(x, metric, currency)
    money = metric_label(metric, currency)[1] == (currency or "currency units") and currency
    return f"{x:,.{dec}f}" + (f" {currency}" if money else "")


def _cell(s: MetricStats | None, metric: str, currency: str, dec: int | None = None) -> str:
    if s is None or not math.isfinite(s.mean):
        return "<td>n/a</td>"
    rng = ""
    if math.isfinite(s.p05) and math.isfinite(s.p95):
        rng = f'<span class="rng">90%: {E(_num(s.p05, metric, "", dec))} to {E(_num(s.p95, metric, "", dec))}</span>'
    return f"<td>{E(_num(s.mean, metric, currency, dec))}{rng}</td>"


def _breakable(key: str) -> str:
    """A dotted key, escaped, that may wrap after each dot (long paths in a narrow column)."""
    return ".<wbr>".join(E(part) for part in key.split("."))


def _merge_keys(lists: Sequence[list[str]]) -> list[str]:
    """Union of dotted keys in order; a key only some scenarios have goes after its nearest sibling."""
    keys = list(lists[0]) if lists else []
    for lst in lists[1:]:
        for k in lst:
            if k in keys:
                continue
            parent = k.rsplit(".", 1)[0] + "." if "." in k else ""
            sib = [i for i, o in enumerate(keys) if parent and o.startswith(parent)]
            keys.insert(sib[-1] + 1 if sib else len(keys), k)
    return keys


def _swatch(color: str) -> str:
    return f'<span class="swatch" style="--c:{color}"></span>'


class _Doc:
    def __init__(self):
        self.parts: list[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def table(self, head: Sequence[str], rows: Iterable[str], cls: str = "") -> None:
        ths = "".join(f"<th>{h}</th>" for h in head)
        self.add(f'<div class="table-wrap"><table class="{cls}"><thead><tr>{ths}</tr></thead><tbody>'
                 + "".join(rows) + "</tbody></table></div>")


_CONTENT_COLUMNS = (("reach", "Reach"), ("impressions", "Impressions"), ("shares", "Shares"),
                    ("clicks_owned", "Clicks: owned"), ("clicks_paid", "Clicks: paid"),
                    ("clicks_earned", "Clicks: earned"))


def _contents_section(runs, colors) -> "_Doc":
    """One table per world: each content's voice, launch and headline figures (mean, 90% range)."""
    doc = _Doc()
    doc.add('<section id="contents"><h2>Contents</h2>')
    doc.add("<p>The contents of each world were simulated together on one audience and one calendar. Mean over "
            "the runs, and below it the range 90% of runs fell in. A triggered content's launch is the mean over "
            "the runs in which it launched; its other figures count the runs without a launch as zero.</p>")
    for r in runs:
        world = r.summary.get("world")
        if not world:
            continue
        doc.add(f"<h3>{_swatch(colors[r.name])}{E(r.name)}</h3>")
        rows = []
        stats = [{k: MetricStats.from_dict(v) for k, v in c.get("metrics", {}).items()} for c in world["contents"]]
        dec = {k: _decimals([m[k].mean for m in stats if k in m], k) for k, _ in _CONTENT_COLUMNS}
        for c, m in zip(world["contents"], stats):
            launch = MetricStats.from_dict(c["launch_h"])
            if c.get("trigger"):
                t = c["trigger"]
                when = (f"{t['response_time']:g} h after {t['after']} reaches {t['level']:,} ({t['metric']}): "
                        + (f"{launch.mean:,.1f} h, in {c['launched_share']:.0%} of runs"
                           if c["launched_share"] > 0 else "never launched"))
                if 0 < c["launched_share"] < 1 and "reach" in m:  # runs without a launch count 0 in the means
                    when += f"; mean reach {m['reach'].mean / c['launched_share']:,.0f} when launched"
            else:
                when = f"{launch.mean:,.1f} h" if math.isfinite(launch.mean) else "n/a"
            cells = [f'<td class="text"><strong>{E(c["name"])}</strong></td>',
                     f'<td class="text">{E(c["sentiment"])}, {E(c["owner"])}</td>', f'<td class="text">{E(when)}</td>']
            cells += [_cell(m.get(k), k, "", dec[k]) for k, _ in _CONTENT_COLUMNS]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        doc.table(["content", "sentiment, owner", "launch"] + [label for _, label in _CONTENT_COLUMNS], rows)
    doc.add("</section>")
    return doc


def _money(x, currency: str) -> str:
    """An amount with 2 decimals, or 3 significant digits below 1 (a cost per user is often 0.007)."""
    if x is None or not math.isfinite(float(x)):
        return "n/a"
    x = float(x)
    text = f"{x:.3g}" if 0 < abs(x) < 1 else f"{x:,.2f}"
    return f"{text} {currency}".strip()


def _campaign_section(runs, colors) -> _Doc:
    """What each campaign spent, where its earned reach came from, and what it added over its baseline."""
    doc = _Doc()
    doc.add('<section id="campaign"><h2>Spend, attribution and incrementality</h2>')
    doc.add("<p>Earned reach by source: users reached through shares descending from each tier's seed posts, "
            "and for paid boosts the earned reach descending from boost viewers. Cost per earned reach = the "
            "source's cost / its mean earned reach.</p>")
    for r in runs:
        camp = r.summary.get("campaign")
        if not camp:
            continue
        cur = r.currency
        spend = camp.get("spend", {})
        budget = camp.get("budget")
        doc.add(f"<h3>{_swatch(colors[r.name])}{E(r.name)}</h3>")
        line = (f"Spend {_money(spend.get('total'), cur)}: seed fees {_money(spend.get('seed_fees'), cur)}, boosts "
                f"{_money(spend.get('boosts'), cur)}, fixed {_money(spend.get('fixed'), cur)}")
        if budget is not None:
            line += f" (budget {_money(budget, cur)})"
        doc.add(f"<p>{E(line)}.</p>")
        items = []
        for w in camp.get("waves", []):
            at = f"hour {float(w.get('at_h', 0)):g}"
            if "seeding" in w:
                sd = w["seeding"]
                text = f"{at}: {plural(sd.get('count', 0), 'seed account')} by {sd.get('strategy')}"
                if sd.get("segment"):
                    text += f" in segment {sd['segment']}"
                text += f", fees {_money(sd.get('fees'), cur)}"
                guarantee = (sd.get("selection") or {}).get("guarantee")
                if guarantee:
                    text += f"; {guarantee}"
                items.append(text)
            if "boost" in w:
                b = w["boost"]
                items.append(f"{at}: boost of {int(b.get('impressions', 0)):,} paid impressions at CPM "
                             f"{_money(b.get('cpm'), cur)} over {float(b.get('over_h', 0)):g} h"
                             + (f" to segment {b['segment']}" if b.get("segment") else "")
                             + f", {_money(b.get('cost'), cur)}")
        if items:
            doc.add("<ul>" + "".join(f"<li>{E(t)}</li>" for t in items) + "</ul>")
        rows = []
        for row in camp.get("attribution_by_source", []):
            rows.append(f"<td class=\"text\">{E(str(row['source']))}</td><td>{int(row['seeds']):,}</td>"
                        f"<td>{E(_money(row['cost'], cur))}</td>"
                        f"<td>{float(row['earned_reach_mean']):,.0f}<span class=\"rng\">90%: "
                        f"{float(row['earned_reach_p05']):,.0f} to {float(row['earned_reach_p95']):,.0f}</span></td>"
                        f"<td>{E(_money(row.get('cost_per_earned_reach'), cur))}</td>")
        if rows:
            doc.table(["source", "seeds", "cost", "earned reach", "cost per earned reach"],
                      [f"<tr>{x}</tr>" for x in rows])
        inc = r.summary.get("incrementality")
        if inc:
            rows = []
            for metric, d in inc.get("differences", {}).items():
                ci = ("" if d.get("ci95_low") is None else
                      f'<span class="rng">95% CI {fmt_number(d["ci95_low"], metric, "")} to '
                      f'{fmt_number(d["ci95_high"], metric, "")}</span>')
                rows.append(f"<tr><td class=\"text\">{E(metric)}</td>"
                            f"<td>{E(fmt_number(d.get('baseline_mean'), metric, cur))}</td>"
                            f"<td>{E(fmt_number(d.get('scenario_mean'), metric, cur))}</td>"
                            f"<td>{E(fmt_number(d.get('mean_diff'), metric, cur))}{ci}</td></tr>")
            doc.add(f"<p>Incrementality over <strong>{E(str(inc.get('baseline')))}</strong> (the same random numbers "
                    "run without the campaign):</p>")
            doc.table(["metric", "baseline", "campaign", "increment"], rows)
            per = inc.get("cost_per_incremental", {})
            doc.add(f"<p>Cost per incremental user reached: {E(_money(per.get('reach'), cur))}; per incremental "
                    f"conversion: {E(_money(per.get('conversions'), cur))}.</p>")
    doc.add("</section>")
    return doc


def build_report(results: ResultSet, *, title: str | None = None, baseline: str | None = None) -> str:
    """The report as one HTML string.

    Parameters
    ----------
    results : ResultSet
        From :func:`viralsim.plotting.load_results`.
    title : str, optional
        Page heading (default: "Campaign simulation: <scenario names>").
    baseline : str, optional
        Baseline for comparisons (default: the first result).
    """
    from .. import __version__

    if not results.runs and not results.comparisons:
        raise InvalidParameterError("nothing to report: no run or compare results given")
    runs = results.runs
    if baseline is not None and runs and baseline not in [r.name for r in runs]:
        raise InvalidParameterError(f"baseline {baseline!r} is not among the results: "
                                    f"{', '.join(r.name for r in runs)}")
    names = results.names
    if runs and baseline is not None:
        names = [baseline, *[n for n in names if n != baseline]]
        runs = tuple(sorted(runs, key=lambda r: names.index(r.name)))
        results = ResultSet(runs, results.comparisons)
    colors = {k: v[0] for k, v in scenario_colors(names).items()}
    currency = runs[0].currency if runs else ""
    title = title or f"Campaign simulation: {', '.join(names)}"
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = top = _Doc()
    has_compare = len(runs) >= 2 or bool(results.comparisons)

    # per-scenario metric summaries (from run folders, else from compare.json)
    stats: dict[str, dict[str, MetricStats]] = {r.name: r.metrics for r in runs}
    for c in results.comparisons:
        for sc in c.document.get("scenarios", []):
            stats.setdefault(sc["name"], {k: MetricStats.from_dict(v) for k, v in sc.get("metrics", {}).items()})

    order = ["summary", "figures", "comparison", "campaign", "contents", "results", "settings", "valuation",
             "reproduce"]
    titles = {"summary": "Summary", "figures": "Figures", "comparison": "Comparison", "campaign": "Spend",
              "contents": "Contents", "results": "All results", "settings": "Settings",
              "valuation": "Earned media value", "reproduce": "Reproduce"}
    if not any(r.summary.get("world") for r in runs):
        order.remove("contents")
    if not has_compare:
        order.remove("comparison")
    if not any(r.summary.get("campaign") for r in runs):
        order.remove("campaign")
    toc = [(k, titles[k]) for k in order]
    sections: dict[str, _Doc] = {}
    doc.add('<header class="top">')
    doc.add(f"<h1>{E(title)}</h1>")
    total_runs = ", ".join(f"{E(r.name)}: {r.n_runs:,} runs" for r in runs) or "from compare.json"
    doc.add(f'<div class="meta">viralsim {E(__version__)} &middot; generated {now} &middot; {total_runs}</div>')
    doc.add('<nav class="toc">' + "".join(f'<a href="#{i}">{E(t)}</a>' for i, t in toc) + "</nav>")
    doc.add("</header>")

    # ---- summary cards ---------------------------------------------------------------------------
    # the cards' "beats" line is on the objective: reach, or in a world of several contents (where the
    # main content may be the rumour, whose reach is better lower) net sentiment reach
    card_metric = default_objective(any("net_sentiment_reach" in stats.get(n, {}) for n in names))
    base_name, diffs = (differences(results, (*COMPARE_METRICS, card_metric), baseline=baseline) if has_compare
                        else (names[0], {}))
    doc = sections["summary"] = _Doc()
    doc.add('<section id="summary"><h2>Summary</h2>')
    doc.add("<p>Every number is a Monte Carlo estimate: the mean over the simulated runs, with the range that "
            "90% of runs fell in (5th to 95th percentile). Campaigns spread by chance, so the range matters as "
            "much as the mean.</p>")
    doc.add('<div class="cards">')
    for name in names:
        m = stats.get(name, {})
        reach = m.get("reach")
        if reach is None:
            continue
        dec = _decimals([reach.mean], "reach")
        lines = [f'<div class="name">{_swatch(colors[name])}{E(name)}</div>',
                 f'<div class="big">{_num(reach.mean, "reach", "", dec)}</div><div class="small">mean reach '
                 f'(unique users); 90% of runs {_num(reach.p05, "reach", "", dec)} to '
                 f'{_num(reach.p95, "reach", "", dec)}</div>']
        if "emv" in m:
            lines.append(f'<div class="small">EMV {E(fmt_number(m["emv"].mean, "emv", currency))}'
                         + (f', ROI {E(fmt_number(m["roi"].mean, "roi"))}' if "roi" in m and
                            math.isfinite(m["roi"].mean) else "") + "</div>")
        d = diffs.get(name, {}).get(card_metric)
        if d is not None and math.isfinite(d.p_beats):
            on = card_metric.replace("_", " ")
            lines.append(f'<div class="small">beats {E(base_name)} on {E(on)} in {d.p_beats:.0%} of paired runs</div>')
        doc.add(f'<div class="card" style="--c:{colors[name]}">' + "".join(lines) + "</div>")
    doc.add("</div>")
    doc.add("</section>")
    if "contents" in order:
        sections["contents"] = _contents_section(runs, colors)
    doc = sections["results"] = _Doc()
    doc.add('<section id="results"><h2>All results</h2>')
    doc.add("<p>Mean over the runs, and below it the range 90% of runs fell in.</p>")
    rows = []
    for metric in REPORT_METRICS:
        if not any(metric in stats.get(n, {}) for n in names):
            continue
        label, unit = metric_label(metric, currency)
        row = [stats.get(n, {}).get(metric) for n in names]
        dec = _decimals([x.mean for x in row if x is not None], metric)
        rows.append(f'<tr><td>{E(label)} <span class="rng">{E(unit)}</span></td>'
                    + "".join(_cell(x, metric, currency, dec) for x in row) + "</tr>")
    doc.table(["metric"] + [f"{_swatch(colors[n])}{E(n)}" for n in names], rows)
    doc.add("</section>")

    # ---- settings ----------------------------------------------------------------------------------
    doc = sections["settings"] = _Doc()
    doc.add('<section id="settings"><h2>Scenario settings</h2>')
    for name in names:
        r = next((r for r in runs if r.name == name), None)
        desc = r.description if r is not None else ""
        shown = f"<strong>{E(name)}</strong>"
        if r is not None and r.overrides:
            shown += f" (run with {E(' '.join(r.overrides))})"
        doc.add(f"<p>{_swatch(colors[name])}{shown}: {E(desc) if desc else '(no description)'}</p>")
    if runs:
        flat = {r.name: flatten_settings(_public({k: v for k, v in r.manifest.get("scenario", {}).items()
                                          if k not in ("name", "description")})) for r in runs}
        keys = _merge_keys([list(flat[r.name]) for r in runs])
        rows, differing = [], []
        for k in keys:
            vals = [flat[r.name].get(k, "(not set)") for r in runs]
            differs = len(set(vals)) > 1
            cls = ' class="differs"' if differs else ""
            row = (f"<tr{cls}><td><code>{_breakable(k)}</code></td>"
                   + "".join(f'<td class="text">{E(v)}</td>' for v in vals) + "</tr>")
            rows.append(row)
            if differs:
                differing.append(row)
        head = ["setting"] + [f"{_swatch(colors[r.name])}{E(r.name)}" for r in runs]
        if len(runs) > 2 and differing:  # many scenarios: what sets them apart first, everything on request
            doc.add(f"<p>What differs between the scenarios ({len(differing)} of {len(rows)} resolved settings; "
                    "every default filled in):</p>")
            doc.table(head, differing, cls="textual settings")
            doc.add(f"<details><summary>all {len(rows)} settings</summary>")
            doc.table(head, rows, cls="textual settings")
            doc.add("</details>")
        else:
            if len(runs) > 1:
                doc.add("<p>The resolved scenarios (every default filled in); rows where the scenarios differ are "
                        "highlighted.</p>")
            doc.table(head, rows, cls="textual settings")
    else:
        doc.add('<p class="note">Only compare.json was given: it does not hold the scenario settings. Pass the run '
                "folders (DIR/&lt;name&gt;/) to include them.</p>")
    doc.add("</section>")

    # ---- comparison ----------------------------------------------------------------------------------
    if has_compare:
        doc = sections["comparison"] = _Doc()
        doc.add('<section id="comparison"><h2>Comparison against the baseline</h2>')
        paired = all(d.paired for per in diffs.values() for d in per.values())
        how = ("Runs are paired: every scenario used the same seed and run count, so run <em>i</em> of each "
               "shares its random numbers (common random numbers) and the intervals are paired t intervals."
               if paired else "The scenarios used different seeds or run counts, so their runs are independent "
               "and the intervals are Welch t intervals (wider than paired ones would be).")
        v = _verdict(results, runs, paired, currency)
        if v is not None:
            doc.add(f'<p class="verdict"><strong>Verdict.</strong> {E(v)}.</p>')
        doc.add(f"<p>Baseline: <strong>{E(base_name)}</strong>. Difference = scenario minus baseline, with its 95% "
                f"confidence interval; <strong>bold</strong> when the interval excludes 0. "
                f"{E(P_BEATS_DEFINITION)}. {how}</p>")
        alternatives = list(diffs)
        for i in range(0, len(alternatives), 2):  # at most 2 scenarios per table: it must fit a screen and a page
            chunk = alternatives[i:i + 2]
            head = ["metric", f"{_swatch(colors[base_name])}{E(base_name)}"
                    + (" (baseline)" if base_name != "baseline" else "")]
            for name in chunk:
                head += [f"{_swatch(colors[name])}{E(name)}", "difference", "P(beats)"]
            rows = []
            for metric in COMPARE_METRICS:
                per = [diffs[n].get(metric) for n in chunk]
                if all(d is None for d in per):
                    continue
                label, unit = metric_label(metric, currency)
                first = next(d for d in per if d is not None)
                dec = _decimals([first.baseline_mean] + [d.scenario_mean for d in per if d is not None], metric)
                unit_txt = "percentage points" if metric == "roi" else unit
                cells = [f'<td>{E(label)} <span class="rng">{E(unit)}</span></td>',
                         f'<td class="num">{E(_num(first.baseline_mean, metric, currency, dec))}</td>']
                for d in per:
                    if d is None:
                        cells += ["<td>n/a</td>"] * 3
                        continue
                    clear = math.isfinite(d.ci95_low) and (d.ci95_low > 0 or d.ci95_high < 0)
                    if metric == "roi":  # a difference of two ROIs is in percentage points
                        pts = [v * 100 for v in (d.mean_diff, d.ci95_low, d.ci95_high)]
                        pd = _decimals(pts, "") or 0
                        fmt = [f"{v:+,.{pd}f}" for v in pts]
                    else:
                        fmt = [_num(v, metric, "", dec) for v in (d.mean_diff, d.ci95_low, d.ci95_high)]
                        fmt[0] = ("+" if d.mean_diff > 0 else "") + fmt[0]
                    ci = f"95% CI {fmt[1]} to {fmt[2]}" if math.isfinite(d.ci95_low) else ""
                    diff_txt = E(fmt[0] + (" pts" if metric == "roi" else ""))
                    cells += [f'<td class="num">{E(_num(d.scenario_mean, metric, currency, dec))}</td>',
                              f'<td class="num" title="{E(unit_txt)}">'
                              f'{"<strong>" + diff_txt + "</strong>" if clear else diff_txt}'
                              f'<span class="rng">{E(ci)}</span></td>',
                              f"<td>{'n/a' if not math.isfinite(d.p_beats) else f'{d.p_beats:.0%}'}</td>"]
                rows.append("<tr>" + "".join(cells) + "</tr>")
            doc.table(head, rows)
        for c in results.comparisons:
            for note in c.document.get("notes", []):
                doc.add(f'<p class="note">{E(str(note))}</p>')
        doc.add("</section>")

    # ---- figures -------------------------------------------------------------------------------------
    doc = sections["figures"] = _Doc()
    doc.add('<section id="figures"><h2>Figures</h2>')
    for fid, heading, caption, draw in figure_list(results):
        try:
            fig = draw()
        except ViralsimError as exc:
            doc.add(f'<h3>{E(heading)}</h3><p class="note">Not drawn: {E(str(exc))}</p>')
            continue
        w, h = fig.get_size_inches()
        doc.add(f'<figure id="fig-{fid}"><h3>{E(heading)}</h3>'
                f'<img src="{_svg_data(fig)}" width="{int(w * 96)}" height="{int(h * 96)}" alt="{E(heading)}">'
                f"<figcaption>{E(caption)}</figcaption></figure>")
    doc.add("</section>")

    # ---- spend, attribution by source, incrementality -----------------------------------------------------
    if "campaign" in order:
        sections["campaign"] = _campaign_section(runs, colors)

    # ---- valuation -----------------------------------------------------------------------------------
    doc = sections["valuation"] = _Doc()
    doc.add('<section id="valuation"><h2>Earned media value (EMV)</h2>')
    vals = [(r.name, r.valuation) for r in runs if r.valuation]
    if not vals:
        doc.add("<p>No scenario has a valuation section, so EMV and ROI were not computed.</p>")
    caveat = None
    groups: dict[tuple, list[str]] = {}
    for name, v in vals:
        lines = tuple(str(v[k]) for k in ("emv_formula", "roi_formula", "roi_undefined", "roi_unstable") if v.get(k))
        groups.setdefault(lines, []).append(name)
        caveat = v.get("caveat") or caveat
    for lines, who in groups.items():
        label = "all scenarios" if len(who) == len(runs) and len(runs) > 1 else ", ".join(who)
        doc.add(f"<h3>{''.join(_swatch(colors[n]) for n in who)}{E(label)}</h3>")
        for line in lines:
            doc.add(f'<span class="formula">{E(line)}</span>')
    if caveat:
        doc.add(f'<p class="note"><strong>Caveat.</strong> {E(caveat)}</p>')
    doc.add("</section>")

    # ---- reproducibility -----------------------------------------------------------------------------
    doc = sections["reproduce"] = _Doc()
    doc.add('<section id="reproduce"><h2>Reproduce these numbers</h2>')
    doc.add("<p>Each scenario's <code>manifest.json</code> holds the resolved scenario and its seed; running it "
            "again with the same versions gives the same numbers on any machine and thread count.</p>")
    rows = []
    for r in runs:
        m = r.manifest
        g = m.get("graph", {})
        ver = m.get("versions", {})
        m = _public(m)
        rerun = (f"viralsim run {_public_path(str(r.path / 'manifest.json'))}" if r.path is not None
                 else "viralsim run <manifest.json>")
        rows.append(
            f'<tr><td>{_swatch(colors[r.name])}{E(r.name)}</td>'
            f'<td>{E(str(m.get("seed_entropy", r.seed)))}</td><td>{r.n_runs:,}</td>'
            f'<td class="text">{int(g.get("nodes", 0)):,} users, {int(g.get("edges", 0)):,} edges'
            f'<span class="rng">fingerprint {E(str(g.get("fingerprint", "?"))[:16])}</span></td>'
            f'<td class="text">{E(", ".join(f"{k} {v}" for k, v in ver.items() if k != "platform"))}'
            f'<span class="rng">{E(str(ver.get("platform", "")))}</span></td>'
            f'<td class="text"><code>{E(rerun)}</code><span class="rng">ran as: '
            f'{E(" ".join(map(str, m.get("command_line", []))))}; {float(m.get("wall_time_s", 0)):,.1f} s</span></td>'
            "</tr>")
    if rows:
        doc.table(["scenario", "seed", "runs", "audience graph", "versions", "re-run with"], rows, cls="textual")
        for r in runs:
            doc.add(f"<details><summary>full manifest.json of {E(r.name)}</summary>"
                    f"<pre>{E(json.dumps(_public(r.manifest), indent=2))}</pre></details>")
    for c in results.comparisons:
        doc.add(f"<p>compare.json in <code>{E(_public_path(str(c.path)))}</code>: baseline {E(c.baseline)}, "
                f"seed {c.seed}, "
                f"{c.runs:,} runs per scenario.</p>")
    doc.add("</section>")
    footer = (f"<footer>Made with viralsim {E(__version__)} on {now}. Figures use the Okabe-Ito colour-blind-safe "
            "palette; the same scenario has the same colour throughout.</footer>")
    body = top.parts + [p for k in order for p in sections[k].parts] + [footer]
    return PAGE.format(version=E(__version__), title=E(title), css=CSS, body="\n".join(body))


def write_report(paths: Iterable[str | Path], out: str | Path, *, title: str | None = None,
                 baseline: str | None = None) -> Path:
    """Read result folders and write the HTML report to ``out`` atomically.

    Raises
    ------
    ResultsError
        A result folder is missing or malformed.
    InvalidParameterError
        ``out`` does not end in .html / .htm, or ``baseline`` is unknown.
    """
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise InvalidParameterError(f"report file {out} must end in .html")
    text = build_report(load_results(paths), title=title, baseline=baseline)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
        readable_by_all(tmp)
    return out
