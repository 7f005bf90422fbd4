"""Figures from real simulation outputs: every kind to PNG and SVG, checked through the Figure objects.

The fixture runs three small scenarios (3,000 users, 60 runs, 24 h) through the Python API and
writes them with the real result writer, exactly as ``viralsim run`` does.
"""

import dataclasses
import re
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from viralsim import compare, load_scenario, simulate
from viralsim.errors import InvalidParameterError
from viralsim.scenario.outputs import write_compare_outputs, write_run_outputs

SMALL = """\
name: base
seed: 5
runs: 60
horizon: 24h
step: 1h
audience:
  generator: holme_kim
  nodes: 3000
  params: {m: 4, triangle_prob: 0.3}
content:
  stickiness: 0.08
  half_life: 12h
  fatigue: 0.9
  engagement_rate: 0.06
  click_rate: 0.02
  conversion_rate: 0.05
platform:
  feed_reach: 0.5
  delay: {median: 1h, sigma: 0.5}
campaign:
  seeding: {strategy: top_degree, count: 2}
  cost: {per_seed: 100, fixed: 500}
valuation:
  emv: cpm
  cpm: 8.0
  per_conversion: 35.0
"""
VARIANTS = {"base": [], "micro": ["name=micro", "campaign.seeding={strategy: random, count: 12}"],
            "sticky": ["name=sticky", "content.stickiness=0.14"]}
W_PX, H_PX = 1350, 720  # 9 x 4.8 in at 150 dpi


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("plot")
    path = root / "small.yaml"
    path.write_text(SMALL)
    results = {name: simulate(load_scenario(path, ov)) for name, ov in VARIANTS.items()}
    dirs = {name: write_run_outputs(r, root / "results", argv=["viralsim", "run"]) for name, r in results.items()}
    other_seed = simulate(load_scenario(path, ["name=reseeded", "seed=6"]))
    other_graph = simulate(load_scenario(path, ["name=smaller", "audience.nodes=2000"]))
    extra = {"reseeded": write_run_outputs(other_seed, root / "extra"),
             "smaller": write_run_outputs(other_graph, root / "extra")}
    cmp_ = compare([load_scenario(path, VARIANTS["base"]), load_scenario(path, VARIANTS["micro"])])
    cmp_dir = write_compare_outputs(cmp_, root / "cmp")
    return {"root": root, "results": results, "dirs": dirs, "extra": extra, "compare": cmp_, "cmp_dir": cmp_dir}


@pytest.fixture(scope="module")
def rs(world):
    from viralsim.plotting import load_results

    d = world["dirs"]
    return load_results([d["base"], d["micro"], d["sticky"]])


def _check_png(path: Path, size=(W_PX, H_PX)):
    from PIL import Image

    assert path.stat().st_size > 5_000
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size == size
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is None or len(colours) > 20  # real drawing, not a blank canvas


def _check_svg(path: Path, size_in):
    text = path.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and text.rstrip().endswith("</svg>")
    w = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', text).group(1))
    h = float(re.search(r'<svg[^>]*height="([\d.]+)pt"', text).group(1))
    assert (w, h) == pytest.approx((size_in[0] * 72, size_in[1] * 72), abs=0.01)
    assert not re.search(r'(?:xlink:)?href="(?!#)', text)  # no links to load: only internal #ids


def _no_text_clipped(fig, name):
    """Everything drawn (titles, labels, ticks, annotations, legends) lies inside the figure: its
    tight bounding box is within the page; and no tick label uses scientific notation."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    w, h = fig.get_size_inches()
    tight = fig.get_tightbbox(renderer)  # inches; only what is drawn
    tol = 0.02
    if not (tight.x0 >= -tol and tight.y0 >= -tol and tight.x1 <= w + tol and tight.y1 <= h + tol):
        from matplotlib.text import Text

        out = [t.get_text()[:60] for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
               and not fig.bbox.contains(*t.get_window_extent(renderer).max)]
        raise AssertionError(f"{name}: drawn past the figure edge ({tight.bounds} vs {w:.2f} x {h:.2f} in): {out}")
    for ax in fig.axes:
        for axis, labels in ((ax.xaxis, ax.get_xticklabels()), (ax.yaxis, ax.get_yticklabels())):
            lo, hi = sorted(axis.get_view_interval())
            for t in labels:  # the ticks drawn: those inside the view
                pos = t.get_position()[0 if axis is ax.xaxis else 1]
                if lo <= pos <= hi:
                    assert not re.search(r"\de[+-]?\d", t.get_text()), \
                        f"{name}: scientific notation {t.get_text()!r}"


def _render_both(fig, tmp_path, name):
    from viralsim.plotting import save_figure

    _no_text_clipped(fig, name)
    png, svg = save_figure(fig, tmp_path / f"{name}.png"), save_figure(fig, tmp_path / f"{name}.svg")
    size = tuple(fig.get_size_inches())
    _check_png(png, (int(size[0] * 150), int(size[1] * 150)))
    _check_svg(svg, size)
    return png, svg


def _legend_outside(fig, ax):
    fig.canvas.draw()
    leg = ax.get_legend() or (fig.legends[0] if fig.legends else None)
    assert leg is not None
    r = fig.canvas.get_renderer()
    assert leg.get_window_extent(r).x0 >= ax.get_window_extent(r).x1 - 1  # right of the data, not on it


# ---- importing stays light ---------------------------------------------------------------------
def test_importing_viralsim_and_the_cli_does_not_load_matplotlib():
    code = ("import sys, viralsim, viralsim.plotting, viralsim.report, viralsim.cli; viralsim.cli.build_parser(); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---- loading -----------------------------------------------------------------------------------
def test_loaded_results_agree_with_the_simulation(world, rs):
    assert [r.name for r in rs.runs] == ["base", "micro", "sticky"]
    for r in rs.runs:
        sim = world["results"][r.name]
        assert r.n_runs == 60 and r.seed == 5
        assert r.metrics["reach"].mean == sim.summary["reach"].mean
        np.testing.assert_array_equal(r.runs["reach"], sim.metrics["reach"])
        np.testing.assert_array_equal(r.times_h, sim.simulation.times_h)
        cum = sim.simulation.cumulative("impressions")
        np.testing.assert_allclose(r.series["impressions"]["mean"], cum.mean(axis=0), rtol=1e-12)
        # the curve ends where the per-run metric says
        assert r.series["reach"]["mean"][-1] == pytest.approx(r.metrics["reach"].mean, rel=1e-12)
        assert r.manifest["scenario"]["seed"] == 5 and "numba" in r.manifest["versions"]
    assert rs.runs[2].metrics["reach"].mean > rs.runs[0].metrics["reach"].mean  # stickier content spreads further


def test_a_parent_folder_loads_every_run_in_name_order(world):
    from viralsim.plotting import load_results

    got = load_results([world["root"] / "results"])
    assert [r.name for r in got.runs] == ["base", "micro", "sticky"]


def test_paired_differences_match_viralsim_compare(world):
    from viralsim.plotting import differences, load_results

    pair = load_results([world["dirs"]["base"], world["dirs"]["micro"]])
    base, diffs = differences(pair, ["reach", "emv"])
    ref = world["compare"].differences["micro"]
    assert base == "base"
    for m in ("reach", "emv"):
        d = diffs["micro"][m]
        assert d.paired
        assert d.mean_diff == pytest.approx(ref[m].mean_diff, rel=1e-12)
        assert (d.ci95_low, d.ci95_high) == pytest.approx((ref[m].ci95_low, ref[m].ci95_high), rel=1e-9)
        assert d.p_beats == pytest.approx(ref[m].p_beats)
    # the compare folder gives the same numbers
    from_json = differences(load_results([world["cmp_dir"]]), ["reach"])[1]["micro"]["reach"]
    assert from_json.ci95_low == pytest.approx(diffs["micro"]["reach"].ci95_low, rel=1e-9)


def test_runs_with_another_seed_are_compared_as_independent(world):
    from viralsim.plotting import differences, load_results

    base, diffs = differences(load_results([world["dirs"]["base"], world["extra"]["reseeded"]]), ["reach"])
    d = diffs["reseeded"]["reach"]
    a = world["results"]["base"].metrics["reach"]
    b = load_results([world["extra"]["reseeded"]]).runs[0].runs["reach"]
    assert not d.paired
    # P(beats) for independent runs: the Mann-Whitney probability, computed here by brute force
    brute = np.mean([(y > x) + 0.5 * (y == x) for x in a for y in b])
    assert d.p_beats == pytest.approx(brute)
    assert d.ci95_low < d.mean_diff < d.ci95_high
    # Welch's interval by hand: the Welch-Satterthwaite degrees of freedom, Student's t quantile
    from scipy.stats import t as student

    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = student.ppf(0.975, df) * np.sqrt(va + vb)
    assert (d.ci95_low, d.ci95_high) == pytest.approx((d.mean_diff - half, d.mean_diff + half), rel=1e-9)


# ---- every figure kind -------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["reach", "impressions", "shares"])
def test_spread_curves(rs, tmp_path, metric):
    from viralsim.plotting import scenario_colors, spread_curves

    fig = spread_curves(rs, metric)
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and len(ax.collections) == 3  # one mean line and one 5-95% band per scenario
    colours = scenario_colors(["base", "micro", "sticky"])
    for line, r in zip(ax.lines, rs.runs):
        np.testing.assert_allclose(line.get_ydata(), r.series[metric]["mean"])
        assert line.get_color() == colours[r.name][0]
        assert line.get_label().startswith(r.name)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(rs.runs[0].series[metric]["p95"].max())
    assert "(unique users)" in ax.get_ylabel() or "(views)" in ax.get_ylabel() or "(shares)" in ax.get_ylabel()
    assert ax.get_xlabel() == "time since the first post (hours)"
    assert "5-95%" in fig._suptitle.get_text() and "60 runs" in fig._suptitle.get_text()
    _legend_outside(fig, ax)
    _render_both(fig, tmp_path, f"spread-{metric}")


def test_cascade_ccdf_is_the_complementary_cdf_on_log_axes(rs, tmp_path):
    from viralsim.plotting import cascade_ccdf, ccdf_points

    fig = cascade_ccdf(rs, "reach")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.lines) == 3
    for line, r in zip(ax.lines, rs.runs):
        x, p = ccdf_points(r.runs["reach"])
        np.testing.assert_allclose(line.get_xdata(), x)
        # P(X >= x) by brute force at every drawn point
        np.testing.assert_allclose(line.get_ydata(), [(r.runs["reach"] >= v).mean() for v in x])
        assert p[0] == pytest.approx((r.runs["reach"] >= x[0]).mean())
    fig.canvas.draw()
    assert all("^" not in t.get_text() for t in ax.get_xticklabels())  # plain numbers, not 10^3
    y_labels = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels() if t.get_text()}
    assert "0%" not in y_labels and all(v > 0 for v in y_labels.values())  # a log axis has no 0
    assert "100%" in y_labels or "10%" in y_labels
    fmt = ax.yaxis.get_major_formatter()  # with 1,000 runs the axis reaches 0.1%: labelled so, not "0%"
    assert [fmt(v, 0) for v in (0.001, 0.01, 0.5, 1.0)] == ["0.1%", "1%", "50%", "100%"]
    _render_both(fig, tmp_path, "ccdf")


def test_comparison_panels_show_each_scenario_against_the_baseline(rs, tmp_path):
    from viralsim.plotting import comparison, differences, scenario_colors

    fig = comparison(rs, ["reach", "emv", "roi"])
    assert len(fig.axes) == 3
    base, diffs = differences(rs, ["reach", "emv", "roi"])
    colours = scenario_colors(["base", "micro", "sticky"])
    for ax, m in zip(fig.axes, ["reach", "emv", "roi"]):
        assert len(ax.containers) == 2  # one error bar per non-baseline scenario
        scale = 100 if m == "roi" else 1
        for cont, name in zip(ax.containers, ["micro", "sticky"]):
            d = diffs[name][m]
            x = cont.lines[0].get_xdata()[0]
            assert x == pytest.approx(d.scenario_mean * scale)
            assert cont.lines[0].get_color() == colours[name][0]
            seg = cont.lines[2][0].get_segments()[0]
            assert sorted(s[0] for s in seg) == pytest.approx(
                [(d.baseline_mean + d.ci95_low) * scale, (d.baseline_mean + d.ci95_high) * scale])
        texts = " ".join(t.get_text() for t in ax.texts)
        assert "P(beats baseline)" in texts and f"{diffs['micro'][m].p_beats:.0%}" in texts
        dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
        assert dashed and dashed[0].get_xdata()[0] == pytest.approx(diffs["micro"][m].baseline_mean * scale)
    assert "paired over common random numbers" in fig._suptitle.get_text()
    _render_both(fig, tmp_path, "compare")


def test_comparison_defaults_and_compare_json(world, rs, tmp_path):
    from viralsim.plotting import comparison, load_results

    fig = comparison(rs)
    assert [a.get_title(loc="left").split(" (")[0] for a in fig.axes] == [
        "Reach", "Earned impressions", "Engagements", "Conversions", "Earned media value", "ROI"]
    fig2 = comparison(load_results([world["cmp_dir"]]), ["reach"])
    assert len(fig2.axes) == 1 and len(fig2.axes[0].containers) == 1
    _render_both(fig2, tmp_path, "compare-json")


def test_comparison_leaves_out_a_metric_undefined_in_a_scenario(world, tmp_path):
    """ROI is undefined (NaN) at zero cost: the comparison (and so the report) draws the other
    metrics instead of failing on NaN axis limits (the rumour comparison's report did)."""
    from viralsim.plotting import comparison, load_results

    path = world["root"] / "small.yaml"
    free = [simulate(load_scenario(path, [f"name=free{i}", "campaign.cost={}", *ov]))
            for i, ov in enumerate(([], ["content.stickiness=0.14"]))]
    dirs = [write_run_outputs(r, tmp_path / "free") for r in free]
    fig = comparison(load_results(dirs))
    titles = [a.get_title(loc="left").split(" (")[0] for a in fig.axes]
    assert "ROI" not in titles and "Reach" in titles
    zero = [m for m in ("conversions",) if all(load_results(dirs).runs[i].metrics[m].mean == 0 for i in (0, 1))]
    assert not zero or "Conversions" not in titles  # 0 in every scenario: nothing to compare
    assert not any("()" in t.get_text() for a in fig.axes for t in a.texts)


def test_funnel_has_four_stages_per_scenario(rs, tmp_path):
    from viralsim.plotting import FUNNEL_STAGES, funnel

    fig = funnel(rs)
    ax = fig.axes[0]
    assert len(ax.patches) == 4 * 3
    assert ax.get_xscale() == "log"
    widths = [p.get_width() for p in ax.patches]
    for i, r in enumerate(rs.runs):
        np.testing.assert_allclose(widths[4 * i:4 * i + 4], [r.metrics[s].mean for s, _ in FUNNEL_STAGES])
        assert widths[4 * i] >= widths[4 * i + 1] >= widths[4 * i + 2] >= widths[4 * i + 3]  # it narrows
    assert [t.get_text() for t in ax.get_yticklabels()][0].startswith("impressions")
    # the rates say what the model draws each stage from: clicks per impression, not per engagement
    r = rs.runs[0]
    notes = [t.get_text() for t in ax.texts][:4]
    clicks = r.metrics["clicks"].mean / r.metrics["impressions"].mean
    assert notes[2].endswith(f"({clicks:.1%} of impressions)") and "of engagements" not in " ".join(notes)
    _legend_outside(fig, ax)
    _render_both(fig, tmp_path, "funnel")


def test_attribution_sources_and_per_seed(world, rs, tmp_path):
    from viralsim.plotting import RunResult, attribution, seed_attribution

    fig = attribution(rs)  # from folders: owned / earned per scenario (no boost anywhere: no "paid")
    ax = fig.axes[0]
    assert all(r.metrics["reach_paid"].mean == 0 for r in rs.runs)
    assert len(ax.patches) == 2 * 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["owned (seeds' own followers)",
                                                                   "earned (through shares)"]
    for i, r in enumerate(rs.runs):
        total = sum(ax.patches[3 * k + i].get_width() for k in range(2))
        assert total == pytest.approx(r.metrics["reach"].mean, rel=1e-9)  # owned + earned = reach
    _render_both(fig, tmp_path, "attribution")
    # per seed, from the in-memory result of the 12-seed scenario
    mem = RunResult.from_scenario_result(world["results"]["micro"])
    fig2 = seed_attribution(mem, top=10)
    bars = fig2.axes[0].patches
    assert len(bars) == 10
    means = world["results"]["micro"].simulation.attribution.mean(axis=0)
    np.testing.assert_allclose(sorted((b.get_width() for b in bars), reverse=True), np.sort(means)[::-1][:10])
    fig3 = attribution([mem])
    assert len(fig3.axes) == 2
    # an unpaid seed (fee: false, e.g. the brand's own page) is marked as such
    unpaid = dataclasses.replace(mem, seed_attribution={**mem.seed_attribution,
                                                        "fee": np.zeros(len(mem.seed_attribution["labels"]))})
    labels = [t.get_text() for t in seed_attribution(unpaid, top=3).axes[0].get_yticklabels()]
    assert labels and all(lab.endswith("followers, owned, unpaid)") for lab in labels)
    _render_both(fig3, tmp_path, "attribution-seeds")


@pytest.fixture(scope="module")
def world_runs():
    """Two small worlds: competing brands, and a rumour with the brand's answer."""
    from viralsim import load_scenario, simulate
    from viralsim.plotting.load import RunResult

    repo = Path(__file__).resolve().parents[1]
    small = ["runs=30", "audience.nodes=3000"]
    return [RunResult.from_scenario_result(simulate(load_scenario(repo / "scenarios" / f, small)))
            for f in ("competing_brands.yaml", "rumour_response_2h.yaml")]


def test_share_of_voice_stacks_the_contents_of_one_world(world_runs, tmp_path):
    from viralsim.plotting import share_of_voice

    fig = share_of_voice(world_runs[0])
    ax = fig.axes[0]
    assert len(ax.collections) == 2  # ours and the competitor
    w = world_runs[0].summary["world"]
    ours = np.asarray(w["series"]["ours"]["impressions"])
    theirs = np.asarray(w["series"]["competitor"]["impressions"])
    top = ax.collections[0].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(np.max(ours[1:] / (ours[1:] + theirs[1:])))
    _render_both(fig, tmp_path, "sov")


def test_share_of_voice_and_net_sentiment_need_a_world(rs, world_runs, tmp_path):
    from viralsim.plotting import net_sentiment, share_of_voice

    with pytest.raises(InvalidParameterError, match="world of several contents"):
        share_of_voice(rs)
    fig = net_sentiment(world_runs)
    lines = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("rumour")]
    np.testing.assert_allclose(lines[0].get_ydata(), world_runs[1].summary["world"]["net_sentiment"]["mean"])
    assert lines[0].get_ydata()[-1] == pytest.approx(world_runs[1].metrics["net_sentiment_reach"].mean)
    _render_both(fig, tmp_path, "sentiment")
    from viralsim.plotting.load import ResultSet
    from viralsim.report import figure_list

    ids = [f[0] for f in figure_list(ResultSet(tuple(world_runs)))]
    assert "sov" in ids and "sentiment" in ids  # the report shows both for worlds


def test_write_spread_curve_beside_the_results(world):
    from PIL import Image

    from viralsim.plotting import write_spread_curve

    out = write_spread_curve(world["dirs"]["sticky"])
    assert out == world["dirs"]["sticky"] / "spread_reach.png"
    with Image.open(out) as im:
        assert im.size == (W_PX, H_PX)
    assert stat.S_IMODE(out.stat().st_mode) & 0o044  # readable by others, like any new file
    svg = write_spread_curve(world["dirs"]["sticky"], world["root"] / "s.svg", metric="shares")
    assert svg.read_text().count("<svg") == 1


def test_number_formats_use_thousands_separators():
    from viralsim.plotting.style import _thousands, fmt_number

    assert _thousands(1234567) == "1,234,567" and _thousands(12.5) == "12.5" and _thousands(0.042) == "0.042"
    assert fmt_number(20000, "emv", "USD") == "20,000 USD" and fmt_number(0.5, "emv", "USD") == "0.50 USD"
    assert fmt_number(-0.925, "roi") == "-92.5%"


# ---- bad input -------------------------------------------------------------------------------------
def test_missing_and_incomplete_folders_raise_one_line_errors(world, tmp_path):
    from viralsim.plotting import ResultsError, load_results

    with pytest.raises(ResultsError, match="no such result folder"):
        load_results([tmp_path / "nope"])
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "runs.csv").write_text((world["dirs"]["base"] / "runs.csv").read_text())
    with pytest.raises(ResultsError, match="missing summary.json"):
        load_results([partial])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ResultsError, match="no summary.json or compare.json"):
        load_results([empty])


def test_malformed_files_name_the_file_and_line(world, tmp_path):
    import shutil

    from viralsim.plotting import ResultsError, load_results

    bad = tmp_path / "bad"
    shutil.copytree(world["dirs"]["base"], bad)
    lines = (bad / "runs.csv").read_text().splitlines()
    lines[7] = lines[7].replace(",", ",x", 1)
    (bad / "runs.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ResultsError, match=r"runs.csv line 8: .* is not a number"):
        load_results([bad])
    shutil.copy(world["dirs"]["base"] / "runs.csv", bad / "runs.csv")
    (bad / "summary.json").write_text('{"name": "x", "runs": 60,')
    with pytest.raises(ResultsError, match=r"summary.json line 1: not valid JSON"):
        load_results([bad])
    (bad / "summary.json").write_text((world["dirs"]["base"] / "summary.json").read_text())
    (bad / "timeseries.csv").write_text("step,time_h,reach_mean\n0,0,1\n")
    with pytest.raises(ResultsError, match="missing reach_mean, reach_p05, reach_p95"):
        load_results([bad])


def test_unknown_metric_kind_and_suffix(rs, tmp_path):
    from viralsim.plotting import make_figure, save_figure, spread_curves

    with pytest.raises(InvalidParameterError, match="unknown time-series metric 'clicks'; choose one of: reach"):
        spread_curves(rs, "clicks")
    with pytest.raises(InvalidParameterError, match="unknown metric 'reech'"):
        make_figure("ccdf", rs, ["reech"])
    with pytest.raises(InvalidParameterError, match="no run has a positive reach_paid"):
        make_figure("ccdf", rs, ["reach_paid"])  # nothing is paid in these scenarios: all zeros
    with pytest.raises(InvalidParameterError, match="unknown plot kind 'pie'"):
        make_figure("pie", rs)
    with pytest.raises(InvalidParameterError, match="does not apply to the funnel"):
        make_figure("funnel", rs, ["reach"])
    with pytest.raises(InvalidParameterError, match="must end in .png, .svg, .pdf"):
        save_figure(spread_curves(rs), tmp_path / "x.jpg")
    assert not list(tmp_path.iterdir())  # nothing written half-way


# ---- command line ----------------------------------------------------------------------------------
def test_cli_plot_writes_each_format(world, tmp_path, capsys):
    from viralsim.cli import main

    d = world["dirs"]
    for suffix in (".png", ".svg", ".pdf"):
        out = tmp_path / f"cmp{suffix}"
        assert main(["plot", str(d["base"]), str(d["micro"]), "--kind", "compare", "--metric", "reach",
                     "-o", str(out)]) == 0
        assert out.stat().st_size > 2_000
    assert (tmp_path / "cmp.pdf").read_bytes().startswith(b"%PDF")
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["plot", "{missing}"], "no such result folder"),
    (["plot", "{base}", "--metric", "clicks"], "unknown time-series metric 'clicks'"),
    (["plot", "{base}", "--kind", "pie"], "unknown --kind 'pie'"),
    (["plot", "{base}", "-o", "{tmp}/x.gif"], "must end in .png, .svg, .pdf"),
    (["plot", "{base}", "--kind", "sov"], "share of voice needs the results of a world of several contents"),
    (["report", "{tmp}", "-o", "{tmp}/r.html"], "no summary.json or compare.json"),
    (["report", "{base}", "-o", "{tmp}/r.txt"], "must end in .html"),
])
def test_cli_errors_exit_2_on_one_line_without_writing(world, tmp_path, capsys, argv, message):
    from viralsim.cli import main

    argv = [a.format(base=world["dirs"]["base"], missing=tmp_path / "missing", tmp=tmp_path) for a in argv]
    before = set(tmp_path.iterdir())
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("viralsim: error: ") and message in err and err.count("\n") == 1
    assert "Traceback" not in err
    assert set(tmp_path.iterdir()) == before


def test_cli_help_teaches_by_example(capsys):
    from viralsim.cli import main

    with pytest.raises(SystemExit):
        main(["plot", "--help"])
    text = capsys.readouterr().out
    assert "viralsim plot results/baseline" in text and "--kind compare" in text
    for kind in ("spread", "ccdf", "compare", "funnel", "attribution", "sov"):
        assert re.search(rf"^  {kind}\s+\S", text, re.M), kind


def test_attribution_csv_round_trip_and_per_seed_figure(world, tmp_path):
    import shutil

    from viralsim.plotting import ResultsError, attribution, load_results, write_attribution_csv

    folder = tmp_path / "micro"
    shutil.copytree(world["dirs"]["micro"], folder)
    sim = world["results"]["micro"]
    write_attribution_csv(sim, folder)
    r = load_results([folder]).runs[0]
    att = r.seed_attribution
    assert att["labels"] == [str(v) for v in sim.seed_labels]
    np.testing.assert_array_equal(att["followers"], sim.graph.out_degree[sim.seeds])
    np.testing.assert_allclose(att["mean"], sim.simulation.attribution.mean(axis=0), rtol=1e-15)
    fig = attribution(load_results([folder]))
    seeds_ax = fig.axes[1]
    assert len(seeds_ax.patches) == 12
    assert all(re.fullmatch(r"account \d+ \([\d,]+ followers\)", t.get_text()) for t in seeds_ax.get_yticklabels())
    (folder / "attribution.csv").write_text("seed,earned_reach_mean\n1,2\n")
    with pytest.raises(ResultsError, match=r"attribution.csv line 1: missing column\(s\) followers"):
        load_results([folder])


def test_drawing_leaves_the_callers_matplotlib_alone(rs, tmp_path):
    code = f"""
import sys, matplotlib
raw = lambda: dict.__getitem__(matplotlib.rcParams, "backend")  # get_backend() would itself import pyplot
before = {{k: dict.__getitem__(matplotlib.rcParams, k) for k in matplotlib.rcParams}}; backend = raw()
from viralsim.plotting import load_results, make_figure, save_figure, KINDS
rs = load_results({[str(r.path) for r in rs.runs]!r})
for kind in [k for k in KINDS if k not in ("sov", "sentiment")]:  # those need a world of several contents
    save_figure(make_figure(kind, rs), {str(tmp_path)!r} + "/" + kind + ".svg")
changed = [k for k in matplotlib.rcParams if dict.__getitem__(matplotlib.rcParams, k) != before.get(k)]
print(changed, raw() == backend, "matplotlib.pyplot" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True False"


def test_ccdf_of_many_runs_is_thinned_for_drawing_but_keeps_its_shape():
    from viralsim.plotting.distribution import ccdf_points, thin_ccdf

    rng = np.random.default_rng(1)
    values = np.floor(rng.lognormal(6.0, 1.5, 100_000))  # ~8,000 distinct cascade sizes
    x, p = ccdf_points(values)
    tx, tp = thin_ccdf(x, p)
    assert x.size > 5_000 and tx.size <= 1_500
    idx = np.searchsorted(x, tx)
    np.testing.assert_array_equal(x[idx], tx)  # kept points are exact points of the CCDF
    np.testing.assert_array_equal(tp, p[idx])
    assert idx[0] == 0 and idx[-1] == x.size - 1
    np.testing.assert_array_equal(idx[-375:], np.arange(x.size - 375, x.size))  # the sparse tail, whole
    head = idx[:-375]
    step = np.log10(x[head[-1]] / x[0]) / (1_500 - 375)
    gaps = np.log10(x[head[1:]] / x[head[:-1]])
    assert np.all((np.diff(head) == 1) | (gaps <= 2 * step))  # no gap wider than the log grid
