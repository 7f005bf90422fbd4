"""Scenario files with several contents: loading, bad input (one line, exit 2, nothing written), runs."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from viralsim import load_scenario
from viralsim.cli import main
from viralsim.scenario import simulate

REPO = Path(__file__).resolve().parents[1]
SMALL = ["runs=40", "audience.nodes=3000"]


def _with(tmp_path, name, text):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"extends: {REPO / 'scenarios' / 'rumour_response_12h.yaml'}\nname: {name}\n{text}")
    return path


BAD = {
    "duplicate": ("contents:\n  - content: {name: rumour, stickiness: 0.1}\n"
                  "    campaign: {seeding: {strategy: random, count: 1}}\n", "contents[0].content.name: 'rumour' is "
                  "already the name"),
    "unknown-interaction": ("interactions:\n  - {source: rumour, target: answer}\n",
                            "interactions[0].target: 'answer' is not a content"),
    "unknown-trigger": ("contents:\n  - content: {name: r2}\n    campaign: {seeding: {strategy: random, count: 1}}\n"
                        "    trigger: {after: nobody, when: {reach: 5}}\n", "contents[0].trigger.after: 'nobody'"),
    "cycle": ("contents:\n  - content: {name: a}\n    campaign: {seeding: {strategy: random, count: 1}}\n"
              "    trigger: {after: b, when: {reach: 5}}\n  - content: {name: b}\n"
              "    campaign: {seeding: {strategy: random, count: 1}}\n    trigger: {after: a, when: {reach: 5}}\n",
              "triggers form a cycle"),
    "attention": ("platform: {attention: 0}\n", "platform.attention: must be an integer >= 1"),
    "factor": ("interactions:\n  - {source: rumour, target: response, cross_share: 120}\n",
               "interactions[0].cross_share: must be a number in [0, 100]"),
    "when": ("contents:\n  - content: {name: r2}\n    campaign: {seeding: {strategy: random, count: 1}}\n"
             "    trigger: {after: rumour, when: {likes: 5}}\n", "contents[0].trigger.when: unknown metric 'likes'"),
    "collision": ("platform: {collision: last}\n", "platform.collision"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_world_files_fail_with_one_line_and_exit_2(case, tmp_path, capsys):
    text, message = BAD[case]
    path = _with(tmp_path, f"bad-{case}", text)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and path.name in err and "line" in err, err
    assert not out.exists() or not any(out.iterdir())


def test_rumour_scenarios_share_the_rumour_coins_and_the_response_lowers_negative_reach():
    plain = load_scenario(REPO / "scenarios" / "rumour.yaml", SMALL)
    answered = load_scenario(REPO / "scenarios" / "rumour_response_2h.yaml", SMALL)
    assert answered.content_names == ("rumour", "response")
    a = simulate(plain)
    b = simulate(answered)
    resp = b.world.result.contents["response"].diagnostics
    before = ~np.isfinite(resp["trigger_h"])  # runs where the rumour never reached 500 users: identical rumour
    np.testing.assert_array_equal(a.metrics["reach"][before], b.metrics["reach"][before])
    assert (~before).any()  # the response was triggered in some runs, and there it cut the rumour's reach
    assert b.metrics["reach"][~before].mean() < a.metrics["reach"][~before].mean()
    assert b.metrics["negative_last"].mean() < a.metrics["negative_last"].mean()
    ok = np.isfinite(resp["launch_h"])
    np.testing.assert_array_equal(resp["launch_h"][ok] - resp["trigger_h"][ok], 2.0)
    # the contents table says what a triggered content reaches when it launches, beside the all-runs mean
    from rich.console import Console

    from viralsim.scenario.world_outputs import contents_table

    console = Console(width=200, record=True, file=open(os.devnull, "w"))
    console.print(contents_table(b))
    reach = b.world.result.contents["response"].metrics["reach"]
    assert 0 < ok.mean() < 1
    assert f"({reach[ok].mean():,.0f} when launched)" in console.export_text()


def test_run_writes_contents_csv_and_world_summary(tmp_path, capsys):
    out = tmp_path / "res"
    args = ["run", str(REPO / "scenarios" / "competing_brands.yaml"), "--out", str(out)]
    for s in ("runs=20", "audience.nodes=3000"):
        args += ["--set", s]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "2 contents in one world" in text and "share of voice" in text
    folder = out / "competing_brands"
    rows = list(csv.DictReader(open(folder / "contents.csv")))
    assert len(rows) == 40 and {r["content"] for r in rows} == {"ours", "competitor"}
    summary = json.loads((folder / "summary.json").read_text())
    names = [c["name"] for c in summary["world"]["contents"]]
    assert names == ["ours", "competitor"]
    sov = summary["metrics"]["share_of_voice_impressions"]["mean"]
    ours = np.mean([float(r["impressions"]) / sum(float(q["impressions"]) for q in rows if q["run"] == r["run"])
                    for r in rows if r["content"] == "ours"])
    assert abs(sov - ours) < 1e-9
    # the report has a contents table for the world, one row per content with the run's mean reach
    report = tmp_path / "report.html"
    assert main(["report", str(folder), "-o", str(report)]) == 0
    page = report.read_text()
    section = page[page.index('<section id="contents">'):]
    section = section[: section.index("</section>")]
    for c in summary["world"]["contents"]:
        assert f"<strong>{c['name']}</strong>" in section
        assert f"{c['metrics']['reach']['mean']:,.0f}" in section
        assert f"{c['sentiment']}, {c['owner']}" in section
    assert "Clicks: paid" in section


def test_report_cards_of_a_world_comparison_use_net_sentiment_reach(tmp_path):
    """In a rumour world the main content is the rumour, whose reach is better lower: the report's
    cards compare on net sentiment reach (the world's objective), not on the rumour's reach."""
    out = tmp_path / "cmp"
    args = ["compare", str(REPO / "scenarios" / "rumour.yaml"), str(REPO / "scenarios" / "rumour_response_2h.yaml"),
            "--runs", "40", "--set", "audience.nodes=3000", "--out", str(out)]
    assert main(args) == 0
    report = tmp_path / "report.html"
    assert main(["report", str(out), "-o", str(report)]) == 0
    page = report.read_text()
    cards = page[page.index('<section id="summary">'):]
    cards = cards[: cards.index("</section>")]
    assert "beats rumour on net sentiment reach in" in cards and "on reach in" not in cards
