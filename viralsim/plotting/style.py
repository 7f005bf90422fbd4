"""Shared look of every viralsim figure: colour-blind-safe palette, number formats, saving.

matplotlib is imported inside functions only, with the non-interactive Agg backend, so that
``import viralsim`` (and the simulation) never loads it.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Sequence

from ..errors import InvalidParameterError

__all__ = ["PALETTE", "scenario_colors", "styled", "RC", "new_figure", "thousands", "percent", "log_percent", "save_figure",
           "FORMATS", "METRIC_LABELS", "metric_label", "legend_outside", "DPI", "FIGSIZE_IN"]

# Okabe & Ito (2008) "Color Universal Design": distinguishable with every common colour-vision
# deficiency.  Yellow is left out (unreadable on white); black is last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", ":", "-.")
FORMATS = (".png", ".svg", ".pdf")
DPI = 150
FIGSIZE_IN = (9.0, 4.8)

# metric -> (label, unit)
METRIC_LABELS = {
    "reach": ("Reach", "unique users"),
    "reach_owned": ("Owned reach", "unique users"),
    "reach_paid": ("Paid reach", "unique users"),
    "reach_earned": ("Earned reach", "unique users"),
    "impressions": ("Impressions", "views"),
    "impressions_owned": ("Owned impressions", "views"),
    "impressions_paid": ("Paid impressions", "views"),
    "impressions_earned": ("Earned impressions", "views"),
    "frequency": ("Frequency", "views per reached user"),
    "shares": ("Shares", "shares"),
    "engagements": ("Engagements", "likes and comments"),
    "engagements_earned": ("Earned engagements", "likes and comments"),
    "clicks": ("Clicks", "clicks"),
    "clicks_earned": ("Earned clicks", "clicks"),
    "conversions": ("Conversions", "purchases"),
    "conversions_earned": ("Earned conversions", "purchases"),
    "depth": ("Cascade depth", "share generations"),
    "structural_virality": ("Structural virality", "mean path length"),
    "time_to_50pct_h": ("Time to 50% of reach", "hours"),
    "time_to_90pct_h": ("Time to 90% of reach", "hours"),
    "peak_time_h": ("Peak time", "hours"),
    "virality_rate": ("Virality rate", "shares per impression"),
    "amplification": ("Amplification", "shares per seed"),
    "k_factor": ("k-factor", "shares per poster"),
    "k_factor_sharers": ("k-factor of sharers", "shares per sharer (seeds left out)"),
    "emv": ("Earned media value", "{currency}"),
    "conversion_value": ("Conversion value", "{currency}"),
    "paid_cost": ("Paid cost", "{currency}"),
    "total_cost": ("Total cost", "{currency}"),
    "net_value": ("Net value", "{currency}"),
    "roi": ("ROI", "%"),
}


def metric_label(metric: str, currency: str = "") -> tuple[str, str]:
    """Human label and unit of ``metric`` (money in ``currency``)."""
    label, unit = METRIC_LABELS.get(metric, (metric.replace("_", " ").capitalize(), ""))
    return label, unit.format(currency=currency or "currency units")


def scenario_colors(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """``name -> (colour, linestyle)`` by position: the same scenario keeps its colour in every figure."""
    out = {}
    for i, name in enumerate(dict.fromkeys(names)):
        out[name] = (PALETTE[i % len(PALETTE)], LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)])
    return out


RC = {
    "font.size": 10, "axes.titlesize": 11, "axes.titleweight": "bold", "axes.titlelocation": "left",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "svg.fonttype": "path", "figure.dpi": DPI, "savefig.dpi": DPI,
    "svg.hashsalt": "viralsim",
}


def styled(fn):
    """Run ``fn`` inside viralsim's matplotlib style (``rc_context``): the caller's settings are untouched.

    Figures are drawn on an Agg canvas created directly, never through pyplot, so no display is
    needed and the caller's backend (e.g. a notebook's) is not switched.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(RC):
            return fn(*args, **kwargs)

    return wrapper


def new_figure(nrows: int = 1, ncols: int = 1, *, size: tuple[float, float] = FIGSIZE_IN, **kw):
    """A Figure with constrained layout (room for outside legends); returns ``(fig, axes)``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # not registered with pyplot: no global state, freed when the caller drops it
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def _thousands(x: float, _pos=None) -> str:
    if not math.isfinite(x):
        return ""
    if abs(x) >= 100 or float(x).is_integer():
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.1f}"
    return f"{x:.2g}"


def span_formatter(lo: float, hi: float, *, suffix: str = "", scale: float = 1.0):
    """Tick formatter with thousands separators and just enough decimals for ticks spanning ``lo..hi``."""
    from matplotlib.ticker import FuncFormatter

    span = abs(hi - lo) * scale
    decimals = 0 if span >= 5 or span == 0 else min(6, int(math.ceil(-math.log10(span))) + 1)
    return FuncFormatter(lambda x, _p: f"{x * scale:,.{decimals}f}{suffix}")


def log_labels(axis, lo: float, hi: float) -> None:
    """Label a log axis with plain numbers (1,000 not 10^3); also label 2x and 5x when under 2 decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_formatter(thousands())
    if lo > 0 and hi > 0 and math.log10(hi / lo) < 2:
        axis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
        axis.set_minor_formatter(FuncFormatter(_thousands))
    else:
        axis.set_minor_formatter(NullFormatter())


def thousands():
    """Tick formatter with thousands separators (12,345)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(_thousands)


def log_percent():
    """Tick formatter for fractions on a log axis: 0.001 -> 0.1%, never "0%" (the decimals follow
    each tick, not the axis range)."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _p: f"{x * 100:,.4g}%" if x > 0 else "0%")


def percent(decimals: int | None = 0):
    """Tick formatter for fractions shown as percentages (0.25 -> 25%)."""
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0, decimals=decimals)


def fmt_number(x: float, metric: str = "", currency: str = "") -> str:
    """A value as shown in labels: thousands separators, money with its currency, ROI in %."""
    if x is None or not math.isfinite(x):
        return "n/a"
    if metric == "roi":
        return f"{x:+.1%}" if abs(x) >= 0.001 or x == 0 else f"{x:+.2g}%"
    label, unit = metric_label(metric, currency) if metric else ("", "")
    if unit == (currency or "currency units") and metric:
        return (f"{x:,.0f} {currency}" if abs(x) >= 100 else f"{x:,.2f} {currency}").strip()
    return _thousands(x)


def legend_outside(ax_or_fig, handles=None, labels=None, *, title: str | None = None) -> None:
    """Legend to the right of the data, so it never hides a curve."""
    kw = dict(loc="outside right upper") if hasattr(ax_or_fig, "subfigs") else dict(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    if handles is None:
        ax_or_fig.legend(title=title, **kw)
    else:
        ax_or_fig.legend(handles, labels, title=title, **kw)


@styled
def save_figure(fig, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix: .png, .svg or .pdf) atomically.

    Raises
    ------
    InvalidParameterError
        The suffix is not one of .png, .svg, .pdf.
    """
    from .._io import atomic_path

    path = Path(path)
    fmt = path.suffix.lower()
    if fmt not in FORMATS:
        raise InvalidParameterError(f"output file {path} must end in {', '.join(FORMATS)}; got {fmt or 'no suffix'!r}")
    meta = {"Creator": "viralsim"} if fmt != ".png" else {"Software": "viralsim"}
    if fmt == ".svg":
        meta["Date"] = None
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt[1:], dpi=DPI, metadata=meta)
        readable_by_all(tmp)
    return path


def readable_by_all(path: str | Path) -> None:
    """Give a temporary file (created 0600) the usual mode of a new file (0666 minus the umask)."""
    import os

    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def figure_title(fig, text: str) -> None:
    """Left-aligned bold title across the whole figure (legend included), so long titles are never cut."""
    fig.suptitle(text, x=0.01, ha="left", fontsize=11, fontweight="bold")
