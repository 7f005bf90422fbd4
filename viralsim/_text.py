"""English for the numbers a reader sees: "1 seed" / "2 seeds", "an 80 USD budget"."""

from __future__ import annotations

import re


def plural(n: float, singular: str, plural_form: str | None = None) -> str:
    """``plural(1, "seed")`` -> "1 seed"; ``plural(1200, "seed")`` -> "1,200 seeds"."""
    word = singular if n == 1 else (plural_form or singular + "s")
    text = f"{int(n):,}" if float(n).is_integer() else f"{n:,g}"
    return f"{text} {word}"


def a_or_an(text: str) -> str:
    """The article for ``text`` as it is read aloud: "an 80 USD", "an 11,000", "a 100", "a 1,800"."""
    t = text.strip().lstrip("+-$€£")
    m = re.match(r"\d+", t)
    if m:  # the digits before the first thousands separator decide: eight..., eleven..., eighteen...
        lead = m.group(0)
        vowel = lead.startswith("8") or lead in ("11", "18")
    else:
        vowel = t[:1].lower() in "aeio"
    return f"{'an' if vowel else 'a'} {text}"


def unclipped(table):
    """A rich Table whose cells wrap instead of being cut with an ellipsis when the terminal is narrow:
    a number must never be shown truncated (``2,7…``)."""
    for column in table.columns:
        column.overflow = "fold"
    return table
