"""The command line as a user runs it (subprocess): run, validate, compare, and bad input.

Each subprocess pays the numba import, so the run/compare cases use one small scenario
(3,000 users, 60 runs) and the bad-input cases stop before any simulation.
"""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from viralsim import load_scenario, simulate
from viralsim.cli import main

REPO = Path(__file__).resolve().parents[1]

SCENARIO = """\
name: cli-small
seed: 5
runs: 60
horizon: 24h
step: 2h
audience:
  generator: holme_kim
  nodes: 3000
  params: {m: 4, triangle_prob: 0.3}
content:
  stickiness: 0.05
  half_life: 12h
  engagement_rate: 0.05
  click_rate: 0.01
  conversion_rate: 0.05
platform:
  feed_reach: 0.5
campaign:
  seeding: {strategy: top_degree, count: 3}
  cost: {fixed: 1000}
valuation:
  emv: cpm
  cpm: 8.0
  per_conversion: 35.0
"""

VARIANT = """\
extends: cli-small.yaml
name: cli-micro
campaign:
  seeding: {strategy: random, count: 12, min_followers: 5}
"""


def viralsim(*args, cwd):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "viralsim", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "cli-small.yaml").write_text(SCENARIO)
    (d / "cli-micro.yaml").write_text(VARIANT)
    return d


def numbers(summary):
    return {k: v for k, v in summary["metrics"].items()}


def test_run_writes_outputs_that_agree_with_the_api_and_rerun_from_manifest(work):
    proc = viralsim("run", "cli-small.yaml", "--out", "out", "--json", "--threads", "2", cwd=work)
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)  # --json: only JSON on stdout
    folder = work / "out" / "cli-small"
    summary = json.loads((folder / "summary.json").read_text())
    assert printed == summary
    api = simulate(load_scenario(work / "cli-small.yaml"))
    for name, s in api.summary.items():
        assert summary["metrics"][name]["mean"] == s.mean or (s.mean is None and summary["metrics"][name]["mean"] is None)
    with open(folder / "runs.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 60
    with open(folder / "timeseries.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 13  # 24h / 2h steps + time 0
    assert "advertising-value equivalent" in summary["valuation"]["caveat"]

    rerun = viralsim("run", folder / "manifest.json", "--out", "rerun", "--json", cwd=work)
    assert rerun.returncode == 0, rerun.stderr
    assert numbers(json.loads(rerun.stdout)) == numbers(summary)


def test_run_prints_a_table_by_default(work):
    proc = viralsim("run", "cli-small.yaml", "--out", "table", "--runs", "20", "--plot", cwd=work)
    assert proc.returncode == 0, proc.stderr
    curve = work / "table" / "cli-small" / "spread_reach.png"  # --plot draws the spread curve beside the results
    assert curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and curve.stat().st_size > 10_000
    for text in ("reach", "impressions_earned", "90% interval", "EMV (cpm) = earned impressions / 1000 x 8.00 USD",
                 "advertising-value equivalent", "ROI = (EMV"):
        assert text in proc.stdout, text
    assert json.loads((work / "table" / "cli-small" / "manifest.json").read_text())["scenario"]["runs"] == 20


def test_validate_checks_without_running(work):
    (work / "bad.yaml").write_text(SCENARIO.replace("stickiness: 0.05", "stickiness: 1.5"))
    proc = viralsim("validate", "cli-small.yaml", "cli-micro.yaml", "bad.yaml", cwd=work)
    assert proc.returncode == 2
    assert proc.stdout.count("ok  ") == 2
    assert proc.stderr == "viralsim: error: content.stickiness: must be a number in [0, 1], got 1.5 (bad.yaml line 11)\n"


def test_compare_writes_json_and_csv_with_crn(work):
    proc = viralsim("compare", "cli-small.yaml", "cli-micro.yaml", "cli-small.yaml", "--out", "cmp", cwd=work)
    assert proc.returncode == 2 and "also used by" in proc.stderr  # same name twice: outputs would collide
    proc = viralsim("compare", "cli-small.yaml", "cli-micro.yaml", "--out", "cmp", cwd=work)
    assert proc.returncode == 0, proc.stderr
    assert "P(beats)" in proc.stdout and "common random numbers" in proc.stdout
    data = json.loads((work / "cmp" / "compare.json").read_text())
    assert data["baseline"] == "cli-small" and data["seed"] == 5 and data["runs"] == 60
    assert [s["same_graph_as_baseline"] for s in data["scenarios"]] == [True, True]
    # the baseline's numbers in a comparison are those of a plain run (same seed, runs, graph)
    api = simulate(load_scenario(work / "cli-small.yaml"))
    assert data["scenarios"][0]["metrics"]["reach"]["mean"] == api.summary["reach"].mean
    with open(work / "cmp" / "compare.csv") as fh:
        rows = list(csv.DictReader(fh))
    reach = next(r for r in rows if r["metric"] == "reach")
    diff = data["differences"]["cli-micro"]["reach"]
    assert float(reach["mean_diff"]) == diff["mean_diff"]
    assert diff["ci95_low"] <= diff["mean_diff"] <= diff["ci95_high"]


BAD_CASES = {
    "unknown key": ("content:\n  stickiness: 0.05\n", "content:\n  stickyness: 0.05\n",
                    "content.stickyness: unknown key; did you mean 'stickiness'? (case.yaml line 11)"),
    "wrong type": ("runs: 60", "runs: sixty", "runs: must be an integer in [1, 1000000], got 'sixty' (case.yaml line 3)"),
    "out of range": ("feed_reach: 0.5", "feed_reach: 2", "platform.feed_reach: must be a number in [0, 1], got 2 "
                     "(case.yaml line 17)"),
    "bad duration": ("horizon: 24h", "horizon: 24", "horizon: must be a positive duration with unit m, h or d"),
    "malformed yaml": ("  seeding: {strategy: top_degree, count: 3}", "  seeding: {strategy: top_degree, count: 3",
                       "malformed YAML"),
    "extends cycle": (None, "extends: case.yaml\nseed: 1\n", "extends cycle: case.yaml -> case.yaml"),
    "yaml bomb": (None, "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
                  "case.yaml line 1: YAML anchors and aliases"),
    "huge nodes": ("nodes: 3000", "nodes: 2000000000", "audience.nodes: a holme_kim graph of 2,000,000,000 users "
                   "needs about"),
}


@pytest.mark.parametrize("case", list(BAD_CASES) + ["missing file"])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(work, case, tmp_path):
    if case == "missing file":
        name, expected = "nowhere.yaml", "nowhere.yaml: scenario file not found"
    else:
        old, new, expected = BAD_CASES[case]
        (tmp_path / "case.yaml").write_text(new if old is None else SCENARIO.replace(old, new, 1))
        name = "case.yaml"
    proc = viralsim("run", name, "--out", "out", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("viralsim: error: "), proc.stderr
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "out").exists()


FLAG_CASES = {
    "threads": (["--threads", "99"], "viralsim run: error: argument --threads: must be an integer in [1, "),
    "threads text": (["--threads", "two"], "argument --threads: must be an integer in [1, "),
    "runs": (["--runs", "0"], "runs: must be an integer in [1, 1000000], got 0 (--runs 0)"),
    "seed": (["--seed", "-1"], "seed: must be an integer in [0, 9223372036854775807], got -1 (--seed -1)"),
    "set range": (["--set", "platform.delay.sigma=11"],
                  "platform.delay.sigma: must be a number in [0, 10], got 11 (--set platform.delay.sigma=11)"),
    "set model bound": (["--set", "platform.delay.median=0h"],
                        "platform.delay.median: must be a positive duration"),
    "set generator": (["--set", "audience.params.triangle_prob=2"],
                      "audience.params.triangle_prob: must be a number in [0, 1], got 2 "
                      "(--set audience.params.triangle_prob=2)"),
    "unknown flag": (["--runz", "5"], "unrecognized arguments: --runz 5"),
}


@pytest.mark.parametrize("case", list(FLAG_CASES))
def test_a_bad_flag_is_named_in_one_line_exit_2_and_nothing_written(work, case, tmp_path):
    """An error about a command-line flag names the flag (not a line of the YAML file)."""
    flags, expected = FLAG_CASES[case]
    proc = viralsim("run", work / "cli-small.yaml", "--out", tmp_path / "out", *flags, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and expected in lines[0] and "line " not in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not (tmp_path / "out").exists()


def test_help_teaches_by_example(capsys):
    for argv in (["--help"], ["run", "--help"], ["validate", "--help"], ["compare", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and "viralsim " in out


def test_unusable_output_folder_is_refused_before_running(work, tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    code = main(["run", str(work / "cli-small.yaml"), "--out", str(tmp_path / "afile" / "sub")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("viralsim: error: --out ") and "is a file, not a folder" in err
    assert err.count("\n") == 1


def test_readme_main_command_finishes_well_under_a_minute(tmp_path):
    """`viralsim run scenarios/baseline.yaml` (1000 runs, 200,000 users) including numba start-up."""
    import time

    start = time.perf_counter()
    proc = viralsim("run", REPO / "scenarios" / "baseline.yaml", "--out", tmp_path / "results", cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    assert "baseline: 1,000 runs, 200,000 users" in proc.stdout
    assert elapsed < 60, f"took {elapsed:.1f} s"


def test_a_run_of_another_resolved_scenario_is_never_replaced_silently(work, tmp_path):
    """A --set run, then a plain run into the same folder: the second says what it replaced, and a
    run's overrides show beside its name in plots and the report."""
    from viralsim.plotting import load_results

    first = viralsim("run", work / "cli-small.yaml", "--out", tmp_path, "--runs", "20", "--set",
                     "content.stickiness=0.08", cwd=tmp_path)
    assert first.returncode == 0 and "replaced" not in first.stderr
    run = load_results([tmp_path / "cli-small"]).runs[0]
    assert run.overrides == ["--set content.stickiness=0.08", "--runs 20"]
    assert run.label == "cli-small\n(content.stickiness=0.08, --runs 20)"
    again = viralsim("run", work / "cli-small.yaml", "--out", tmp_path, "--runs", "20", "--set",
                     "content.stickiness=0.08", cwd=tmp_path)
    assert "replaced" not in again.stderr  # the same resolved scenario: nothing is lost
    plain = viralsim("run", work / "cli-small.yaml", "--out", tmp_path, "--runs", "20", cwd=tmp_path)
    assert plain.returncode == 0
    assert (f"viralsim: note: replaced {tmp_path / 'cli-small'}/, which held a run of a different scenario "
            "(content.stickiness 0.08 -> 0.05); use --out DIR to keep both") in plain.stderr
    report = viralsim("report", tmp_path / "cli-small", "-o", tmp_path / "r.html", cwd=tmp_path)
    assert report.returncode == 0 and "run with --runs 20" in (tmp_path / "r.html").read_text()
