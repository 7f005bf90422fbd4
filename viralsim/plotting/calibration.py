"""The goodness-of-fit figure of ``viralsim fit``: observed against the fitted model, four panels."""

from __future__ import annotations

import math

import numpy as np

from .distribution import ccdf_points, thin_ccdf
from .style import PALETTE, figure_title, log_percent, new_figure, percent, styled

__all__ = ["draw_fit"]

OBSERVED, SIMULATED = PALETTE[6], PALETTE[0]


def _ecdf(values: np.ndarray):
    v = np.sort(values[np.isfinite(values) & (values > 0)])
    return v, np.arange(1, v.shape[0] + 1) / max(v.shape[0], 1)


@styled
def draw_fit(fit):
    """Size CCDF, timing, share delays (or time to half size without parents) and the fit's distance
    over the grid; each panel titled with what it shows and, where it applies, its KS statistic."""
    fig, axes = new_figure(2, 2, size=(10.0, 7.6))
    obs, sim = fit.observed, fit.simulated
    ks = fit.ks

    ax = axes[0, 0]
    for stats, colour, label in ((obs, OBSERVED, "observed"), (sim, SIMULATED, "simulated (fitted)")):
        x, p = thin_ccdf(*ccdf_points(stats.sizes))
        ax.step(x, p, where="post", color=colour, label=f"{label}, {stats.n_cascades:,} cascades")
    ax.set(xscale="log", yscale="log", xlabel="posts in the cascade (root included)", ylabel="share of cascades ≥ x",
           title=f"Cascade size, KS {ks.get('size', math.nan):.2f}")
    ax.yaxis.set_major_formatter(log_percent())
    ax.legend(loc="lower left", fontsize="small")

    ax = axes[0, 1]
    for stats, colour in ((obs, OBSERVED), (sim, SIMULATED)):
        x, p = _ecdf(stats.share_time_h)
        ax.step(x, p, where="post", color=colour)
    ax.set(xscale="log", xlabel="hours after the root post", ylabel="share of all reshares made",
           title=f"When reshares happen, KS {ks.get('share_time_h', math.nan):.2f}")
    ax.yaxis.set_major_formatter(percent())

    ax = axes[1, 0]
    if obs.has_parents and fit.delay is not None:
        from ..calibration.delays import lognormal_cdf

        x, p = _ecdf(obs.share_delay_h)
        ax.step(x, p, where="post", color=OBSERVED, label="observed")
        xs, ps = _ecdf(sim.share_delay_h)
        ax.step(xs, ps, where="post", color=SIMULATED, label="simulated (fitted)")
        grid = np.geomspace(max(x.min(), 1e-3), x.max(), 200) if x.shape[0] else np.geomspace(1e-2, 1e2, 200)
        ax.plot(grid, lognormal_cdf(grid, fit.delay.median_h, fit.delay.sigma), color=PALETTE[1], ls="--",
                label=f"fitted lognormal (median {fit.delay.median_h:.2g} h, σ {fit.delay.sigma:.2g})")
        ax.set(title=f"Delay after the parent post, KS {ks.get('share_delay_h', math.nan):.2f}",
               xlabel="hours after the parent post")
        ax.legend(loc="upper left", fontsize="small")
    else:
        for stats, colour in ((obs, OBSERVED), (sim, SIMULATED)):
            x, p = _ecdf(stats.per_cascade[:, 3])
            ax.step(x, p, where="post", color=colour)
        ax.set(title=f"Hours to half the final size, KS {ks.get('time_to_50pct_h', math.nan):.2f}",
               xlabel="hours after the root post")
    ax.set(xscale="log", ylabel="share")
    ax.yaxis.set_major_formatter(percent())

    ax = axes[1, 1]
    halves = []
    for p in fit.grid:
        if p.half_life_h not in halves:
            halves.append(p.half_life_h)
    halves.sort(key=lambda h: math.inf if h is None else h)
    for i, h in enumerate(halves):
        row = sorted((p.stickiness, p.distance) for p in fit.grid if p.half_life_h == h and math.isfinite(p.distance))
        if row:
            xs, ds = zip(*row)
            ax.plot(xs, ds, marker="o", ms=3, color=PALETTE[i % len(PALETTE)],
                    label="no decay" if h is None else f"half-life {h:g} h")
    est = fit.estimates["stickiness"]
    ax.axvline(est.value, color="black", lw=0.8)
    if est.low is not None and est.high is not None:
        ax.axvspan(est.low, est.high, color="black", alpha=0.08, lw=0)
    ax.set(xscale="log", xlabel="stickiness (share probability per view)", ylabel="KS(size) + KS(time to 50%)",
           title="Fit distance; line: estimate, band: its interval")
    ax.legend(loc="upper right", fontsize="x-small", ncol=2)
    figure_title(fig, f"Fitted to {obs.n_cascades:,} observed cascades: stickiness {est.value:.3g}, "
                      f"half-life {_h(fit.estimates['half_life_h'].value)}, "
                      f"delay median {fit.estimates['delay_median_h'].value:.2g} h")
    return fig


def _h(h):
    return "none" if h is None else f"{h:g} h"
