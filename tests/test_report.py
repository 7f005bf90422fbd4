"""The HTML report from real simulation outputs: well-formed, self-contained, complete; and in a real browser.

The browser test opens the report in headless Chromium (Debian's ``chromium``; skipped with a
reason when it is absent), fails on any console message, checks every figure decoded, and keeps
a screenshot (copied to ``$VIRALSIM_SCREENSHOT_DIR`` when set, for a human to look at).
"""

import base64
import html.parser
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from viralsim import load_scenario, simulate
from viralsim.errors import InvalidParameterError
from viralsim.scenario.outputs import write_run_outputs

SMALL = """\
name: organic
description: Organic post by the brand page <with a tag & an ampersand> on a 3,000-user graph.
seed: 3
runs: 50
horizon: 24h
step: 1h
audience:
  generator: holme_kim
  nodes: 3000
  params: {m: 4, triangle_prob: 0.3}
content:
  stickiness: 0.08
  half_life: 12h
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
  emv: hybrid
  cpm: 8.0
  per_engagement: 0.05
  per_click: 0.5
  per_conversion: 35.0
"""
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@pytest.fixture(scope="module")
def result_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    path = root / "organic.yaml"
    path.write_text(SMALL)
    dirs = []
    for ov in ([], ["name=influencers", "campaign.seeding={strategy: random, count: 15}", "content.stickiness=0.1"]):
        res = simulate(load_scenario(path, ov))
        dirs.append(write_run_outputs(res, root / "results", argv=["viralsim", "run", str(path)]))
    return dirs


@pytest.fixture(scope="module")
def report(result_dirs, tmp_path_factory):
    from viralsim.report import write_report

    out = tmp_path_factory.mktemp("html") / "report.html"
    write_report(result_dirs, out, title="Organic vs influencers")
    return out


class Checker(html.parser.HTMLParser):
    """Strict enough for our output: balanced, properly nested tags; collects resources and ids."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.urls, self.ids, self.tags = [], [], [], [], []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        for key in ("src", "href", "action", "poster", "data", "srcset"):
            if key in a:
                self.urls.append((tag, key, a[key]))
        if "id" in a:
            self.ids.append(a["id"])
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag for void element {tag} at {self.getpos()}")
        elif not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"unexpected </{tag}> at {self.getpos()}, open: {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(text: str) -> Checker:
    c = Checker()
    c.feed(text)
    c.close()
    return c


def test_report_is_well_formed_html(report):
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    c = _parse(text)
    assert c.errors == [] and c.stack == []
    assert c.tags.count("html") == c.tags.count("head") == c.tags.count("body") == c.tags.count("title") == 1
    assert '<meta charset="utf-8">' in text and '<meta name="viewport"' in text
    assert len(c.ids) == len(set(c.ids))
    # the description's markup characters are escaped, not injected
    assert "&lt;with a tag &amp; an ampersand&gt;" in text and "<with a tag" not in text


def test_report_loads_nothing_from_anywhere(report):
    text = report.read_text(encoding="utf-8")
    c = _parse(text)
    for tag, key, url in c.urls:
        assert url.startswith("data:image/svg+xml;base64,") or (tag == "a" and url.startswith("#")), (tag, url)
    anchors = {u[1:] for t, k, u in c.urls if u.startswith("#")}
    assert anchors <= set(c.ids)  # every in-page link has a target
    assert "script" not in c.tags and "link" not in c.tags and "iframe" not in c.tags
    assert "@import" not in text and not re.search(r"url\(", text)
    # inside the embedded SVGs, too: no external references
    for tag, key, url in c.urls:
        if url.startswith("data:"):
            svg = base64.b64decode(url.split(",", 1)[1]).decode()
            assert "<svg" in svg and not re.search(r'(?:xlink:)?href="(?!#)', svg)


def test_report_has_settings_tables_figures_emv_and_manifest(report, result_dirs):
    from viralsim.plotting import load_results
    from viralsim.report import figure_list

    text = report.read_text(encoding="utf-8")
    c = _parse(text)
    words = " ".join(" ".join(c.text).split())
    rs = load_results(result_dirs)
    # every figure, embedded
    n_fig = len(figure_list(rs))
    assert n_fig == 7  # 3 spread curves, ccdf, compare, funnel, attribution (no share of voice: one content each)
    assert c.tags.count("img") == n_fig and c.tags.count("figure") == n_fig
    for fid in ("spread-reach", "spread-impressions", "spread-shares", "ccdf", "compare", "funnel",
                "attribution"):
        assert f'id="fig-{fid}"' in text
    # settings: the rows that differ are highlighted, equal ones are not
    assert re.search(r'<tr class="differs"><td><code>campaign\.<wbr>seeding\.<wbr>strategy</code></td>'
                     r'<td class="text">top_degree</td><td class="text">random</td>', text)
    assert re.search(r"<tr><td><code>audience\.<wbr>nodes</code></td>", text)
    assert '"min_followers"' not in text  # lists of mappings are rows of settings, not JSON
    # summary and comparison numbers are the ones in the result folders
    org, inf = rs.runs
    assert f"{org.metrics['reach'].mean:,.0f}" in words and f"{inf.metrics['reach'].mean:,.0f}" in words
    from viralsim.plotting import differences

    d = differences(rs, ["reach"])[1]["influencers"]["reach"]
    assert f"{d.mean_diff:+,.0f}" in words and f"{d.p_beats:.0%}" in words
    assert "Runs are paired" in words
    # the verdict: the winner on reach, from the same paired runs
    from viralsim.scenario.verdict import verdict

    v = verdict("reach", {r.name: r.runs["reach"] for r in rs.runs})
    assert f"Verdict. {v.text}." in words and v.winner in ("organic", "influencers")
    # the EMV formula and its caveat, the manifest with seed and versions
    assert org.valuation["emv_formula"] in words and "advertising-value equivalent" in words
    assert "It is not revenue" in words
    man = org.manifest
    shown = Path("…", *(result_dirs[0] / "manifest.json").parts[-2:])
    assert f"viralsim run {shown}" in words
    assert str(result_dirs[0].parent) not in text  # no absolute folder of this machine in a client's report
    assert f"numba {man['versions']['numba']}" in words and man["graph"]["fingerprint"][:16] in words
    assert "Organic vs influencers" in words
    assert "@media print" in text and "break-inside: avoid" in text


def test_write_report_refuses_bad_input_and_keeps_the_old_file(result_dirs, tmp_path):
    from viralsim.plotting import ResultsError
    from viralsim.report import write_report

    out = tmp_path / "r.html"
    out.write_text("old")
    with pytest.raises(ResultsError, match="no such result folder"):
        write_report([tmp_path / "missing"], out)
    with pytest.raises(InvalidParameterError, match="baseline 'nobody' is not among the results"):
        write_report(result_dirs, out, baseline="nobody")
    assert out.read_text() == "old"
    with pytest.raises(InvalidParameterError, match="must end in .html"):
        write_report(result_dirs, tmp_path / "r.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary files left behind


def test_cli_report_with_a_baseline(result_dirs, tmp_path, capsys):
    from viralsim.cli import main

    out = tmp_path / "rep.html"
    assert main(["report", *map(str, result_dirs), "-o", str(out), "--baseline", "influencers"]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text()
    assert "Baseline: <strong>influencers</strong>" in text
    assert (out.stat().st_mode & 0o044) == 0o044  # readable like any new file


# ---- a real browser ----------------------------------------------------------------------------------
PROBE = """<script>
window.addEventListener("error", function (e) {
  console.error("VIRALSIM_RESOURCE_ERROR " + ((e.target && (e.target.src || e.target.href)) || e.message));
}, true);
window.addEventListener("load", function () {
  var imgs = document.images, bad = [];
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) { bad.push(imgs[i].alt); }
  }
  var wide = document.documentElement.scrollWidth > window.innerWidth, cut = 0;
  document.querySelectorAll(".table-wrap").forEach(function (t) { if (t.scrollWidth > t.clientWidth + 1) { cut++; } });
  console.log("VIRALSIM_PROBE images=" + imgs.length + " broken=" + bad.length + " overflow=" + wide +
              " tables_scrolling=" + cut);
});
</script>"""


def _chromium(page: Path, shot: Path) -> tuple[list[str], subprocess.CompletedProcess]:
    profile = tempfile.mkdtemp(prefix="viralsim-chromium-")
    try:
        proc = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--host-resolver-rules=MAP * ~NOTFOUND",  # any network request would fail loudly
             f"--screenshot={shot}", "--window-size=1366,900", page.as_uri()],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return console, proc


def _with_probe(src: Path, dst: Path, extra: str = "") -> Path:
    text = src.read_text(encoding="utf-8")
    dst.write_text(text.replace("<head>\n", "<head>\n" + PROBE + "\n", 1).replace("</main>", extra + "</main>", 1),
                   encoding="utf-8")
    return dst


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
def test_report_in_headless_chromium(report, tmp_path):
    from PIL import Image

    # the unmodified report: no console message of any kind, and a screenshot
    shot = tmp_path / "report.png"
    console, proc = _chromium(report, shot)
    assert console == [], console
    with Image.open(shot) as im:
        assert im.size == (1366, 900)
        assert len(im.convert("RGB").getcolors(maxcolors=1 << 20) or range(10_000)) > 50  # not a blank page
    if os.environ.get("VIRALSIM_SCREENSHOT_DIR"):
        Path(os.environ["VIRALSIM_SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["VIRALSIM_SCREENSHOT_DIR"]) / "report.png")
    # with a probe: every figure decoded, nothing wider than a laptop screen
    console, _ = _chromium(_with_probe(report, tmp_path / "probed.html"), tmp_path / "probed.png")
    assert len(console) == 1, console
    assert re.search(r'"VIRALSIM_PROBE images=7 broken=0 overflow=false tables_scrolling=0"', console[0]), console[0]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
def test_the_browser_check_catches_a_page_that_loads_from_the_network(report, tmp_path):
    page = _with_probe(report, tmp_path / "bad.html", '<img src="https://cdn.example.com/x.png" alt="remote">')
    console, _ = _chromium(page, tmp_path / "bad.png")
    joined = "\n".join(console)
    assert "VIRALSIM_RESOURCE_ERROR https://cdn.example.com/x.png" in joined
    assert "broken=1" in joined


def test_report_from_a_compare_folder_alone(tmp_path):
    from viralsim import compare
    from viralsim.report import write_report
    from viralsim.scenario.outputs import write_compare_outputs

    path = tmp_path / "organic.yaml"
    path.write_text(SMALL)
    cmp_ = compare([load_scenario(path), load_scenario(path, ["name=boosted", "platform.feed_reach=0.8"])])
    folder = write_compare_outputs(cmp_, tmp_path / "cmp")
    # compare writes a run folder per scenario, so its folder alone gives the full report
    full = _parse(write_report([folder], tmp_path / "full.html").read_text())
    assert full.errors == [] and full.tags.count("img") == 7
    assert sorted(p.name for p in folder.iterdir()) == ["boosted", "compare.csv", "compare.json", "organic"]
    # a compare.json without its run folders still reports the differences
    import shutil

    for name in ("organic", "boosted"):
        shutil.rmtree(folder / name)
    out = write_report([folder], tmp_path / "cmp.html")
    text = out.read_text()
    c = _parse(text)
    assert c.errors == [] and c.tags.count("img") == 1  # the comparison figure: no per-run data for the others
    d = cmp_.differences["boosted"]["reach"]
    assert f"{d.mean_diff:+,.0f}" in " ".join(" ".join(c.text).split())
    assert "does not hold the scenario settings" in text and "common random numbers: every scenario" in text
