"""``viralsim graph generate|info`` run as a user would: by subprocess, checking exit statuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from viralsim.graph import SocialGraph, holme_kim

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def viralsim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "viralsim", "graph", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_generate_then_info_round_trip(tmp_path):
    out = viralsim("generate", "holme_kim", "--nodes", "3000", "--param", "m=3", "--param", "triangle_prob=0.5",
                   "--seed", "7", "-o", "hk.npz", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    g = SocialGraph.load(tmp_path / "hk.npz")
    assert g.fingerprint() == holme_kim(3000, 3, 0.5, seed=7).fingerprint()  # CLI and API agree
    info = viralsim("info", "hk.npz", "--json", cwd=tmp_path)
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["nodes"] == 3000 and data["edges"] == 3 * 2997 and data["fingerprint"] == g.fingerprint()
    seg = viralsim("generate", "segmented", "-n", "2000", "-p", "shares=0.6,0.4", "-p", "within_degree=5",
                   "-p", "between_degree=1", "-p", "names=fans,new", "--seed", "1", "-o", "seg.txt.gz", cwd=tmp_path)
    assert seg.returncode == 0, seg.stderr
    table = viralsim("info", "seg.txt.gz", "--json", cwd=tmp_path)
    isolated = int(seg.stderr.split("note: ")[1].split()[0]) if "note: " in seg.stderr else 0
    assert table.returncode == 0 and json.loads(table.stdout)["nodes"] == 2000 - isolated  # edge lists drop only isolated nodes


def test_info_reads_real_directed_edge_list(tmp_path):
    path = DATA / "wiki-Vote.txt.gz"
    if not path.exists():
        pytest.skip(f"real data {path} is absent")
    out = viralsim("info", str(path), "--directed", "--json", "--sample", "1000", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["nodes"], data["arcs"], data["directed"]) == (7115, 103689, True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "holme_kim", "-n", "100", "-p", "m=3", "-p", "triangle_prob=2", "-o", "x.npz"],
         "--param triangle_prob: must be a number in [0, 1], got 2.0 (holme_kim)"),
        (["generate", "barabasi_albert", "-n", "100", "-p", "m=three", "-o", "x.npz"], "--param m: must be an integer, got 'three'"),
        (["generate", "barabasi_albert", "-n", "100", "-p", "k=3", "-o", "x.npz"], "--param k: unknown parameter of barabasi_albert; allowed: m"),
        (["generate", "small_world", "-n", "100", "-o", "x.npz"], "unknown graph generator 'small_world'"),
        (["generate", "barabasi_albert", "-n", "10000000", "-p", "m=5", "--max-memory-gb", "0.1", "-o", "x.npz"],
         "needs about"),
        (["generate", "barabasi_albert", "-n", "100", "-p", "m=2", "-o", "x.csv"], "output must end in .npz"),
        (["info", "missing.txt"], "missing.txt: no such file"),
        (["info", "bad.txt"], "bad.txt:3: expected two node ids"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(tmp_path, args, message):
    (tmp_path / "bad.txt").write_text("1 2\n2 3\n4\n")
    out = viralsim(*args, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x.npz").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.txt"]


def test_help_lists_generators_and_examples(tmp_path):
    out = viralsim("generate", "--help", cwd=tmp_path)
    assert out.returncode == 0
    for name in ("erdos_renyi", "barabasi_albert", "holme_kim", "watts_strogatz", "configuration", "segmented", "follower"):
        assert name in out.stdout
    assert "examples:" in out.stdout and "triangle_prob" in out.stdout
