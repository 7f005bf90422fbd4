"""Progress reporting for long runs: a rich progress bar on a terminal, silence elsewhere.

Simulation code takes an optional ``progress`` callable ``advance(n_done)``; it never prints.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Callable, Iterator

Advance = Callable[[int], None]


@contextlib.contextmanager
def progress_bar(total: int, description: str, *, enabled: bool | None = None) -> Iterator[Advance]:
    """Yield ``advance(n)``; shows a bar on stderr when it is a terminal (or ``enabled=True``)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or total <= 0:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


@contextlib.contextmanager
def activity(description: str, unit: str = "", *, enabled: bool | None = None) -> Iterator[Advance]:
    """Yield ``advance(n)`` for work of unknown size: a spinner with a running count on a terminal."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console

    done = [0]
    with Console(stderr=True).status(f"[bold]{description}") as status:
        def advance(n: int) -> None:
            done[0] += int(n)
            status.update(f"[bold]{description}[/bold]: {done[0]:,} {unit}".rstrip())

        yield advance
