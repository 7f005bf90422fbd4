"""The README's commands work when followed in order on a fresh checkout (with fewer runs)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUNS = "20"


def readme_commands() -> list[str]:
    """Every ``viralsim ...`` command in the README's code blocks, in order (continuations joined,
    comments and the ``$`` prompt removed, the quick start's ``pip install ... &&`` dropped: the
    test runs on the installed package); output lines in the blocks are not commands."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            command = line[2:] if line.startswith("$ ") else line
            if " && viralsim " in command and not command.startswith("viralsim "):
                command = command[command.index(" && viralsim ") + 4:]  # the quick start: install && run
            if command.startswith("viralsim "):
                while command.rstrip().endswith("\\") and i + 1 < len(lines):
                    i += 1
                    command = command.rstrip()[:-1] + " " + lines[i].strip()
                commands.append(command)
            i += 1
    return commands


def shortened(command: str) -> list[str] | None:
    """The command as the test runs it: fewer runs, a smaller generated graph, data paths from
    the shared folder; None if it needs a data file that is not here."""
    args = shlex.split(command, comments=True)[1:]
    if args[0] in ("run", "compare"):
        if "--runs" in args:
            args[args.index("--runs") + 1] = RUNS
        else:
            args += ["--runs", RUNS]
    if args[:2] == ["graph", "generate"] and "--nodes" in args:
        args[args.index("--nodes") + 1] = "20000"
    for a in args:
        if a.startswith("../shared/") and not (REPO.parent / a[len("../"):]).exists():
            return None
    return args


def test_the_readme_lists_the_main_commands():
    commands = readme_commands()
    assert len(commands) >= 8
    assert any(c.startswith("viralsim compare") for c in commands)
    assert any(c.startswith("viralsim report") for c in commands)


def test_every_readme_command_works_in_the_order_shown(tmp_path):
    """In a fresh folder laid out like the checkout (scenarios/ beside ../shared when it exists)."""
    shared = REPO.parent / "shared"
    if (shared / "data").is_dir():
        (tmp_path / "shared").symlink_to(shared)
    tmp_path = tmp_path / "project"
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    needs_data = {"scenarios/facebook.yaml"} if not (shared / "data").is_dir() else set()
    done = []
    for command in readme_commands():
        args = shortened(command)
        if args is None:
            continue  # a real data set that is not on this machine (see ../shared/data/README.md)
        args = [m for a in args for m in (sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob(a))
                                           if "*" in a else [a]) if m not in needs_data]  # the shell's glob
        proc = subprocess.run([sys.executable, "-m", "viralsim", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, f"README command failed after {done}:\n{command}\n{proc.stderr[-2000:]}"
        done.append(args[0])
    assert {"run", "validate", "compare", "plot", "report", "graph"} <= set(done)
    assert (tmp_path / "report.html").is_file() and (tmp_path / "spread.png").is_file()
