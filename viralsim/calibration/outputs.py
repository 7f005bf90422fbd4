"""What a fit writes: the fitted scenario, the numbers as JSON, and observed against simulated as CSV."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

from .._io import atomic_directory
from ..observed.stats import SUMMARY_LABELS
from .fit import FitResult

ESTIMATE_LABELS = {
    "stickiness": ("content.stickiness", ""),
    "half_life_h": ("content.half_life", "h"),
    "delay_median_h": ("platform.delay.median", "h"),
    "delay_sigma": ("platform.delay.sigma", ""),
}


def _hours(h: float | None) -> str:
    from ..scenario.schema import format_duration

    return "null" if h is None else format_duration(float(f"{h:.4g}"))


def _num(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:.4g}"


def comparison_rows(fit: FitResult) -> list[tuple[str, str, float, float]]:
    """(name, label, observed, simulated) for every statistic of the side-by-side table."""
    obs, sim = fit.observed.summary(), fit.simulated.summary()
    return [(k, SUMMARY_LABELS[k], obs[k], sim.get(k, math.nan)) for k in obs]


def fitted_scenario_text(fit: FitResult, audience_path: Path, out_dir: Path, observed_source: str,
                         overrides: tuple = ()) -> str:
    """A scenario that ``extends`` the audience scenario (with the fit's ``--set`` overrides written
    in) and sets the fitted values; the header comments give the intervals and the goodness of fit."""
    import yaml

    from ..errors import ViralsimError
    from ..scenario.reader import parse_override

    e = fit.estimates
    rel = os.path.relpath(Path(audience_path).resolve(), Path(out_dir).resolve())
    level = f"{fit.settings.level:.0%}"
    body: dict = {"extends": rel, "name": "fitted",
                  "description": f"Fitted to {Path(observed_source.split(' + ')[0]).name} by viralsim fit."}
    for text in overrides:
        parts, value, flag = parse_override(text)
        if not all(isinstance(p, str) for p in parts):
            raise ViralsimError(f"{flag}: an item of a list cannot be written into the fitted scenario; "
                                "put it in the audience scenario file")
        node = body
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    body["horizon"] = _hours(fit.settings.window_h)
    body["step"] = _hours(fit.settings.step_h)
    body.setdefault("content", {}).update(stickiness=float(f"{e['stickiness'].value:.4g}"),
                                          half_life=_hours(e["half_life_h"].value))
    body.setdefault("platform", {})["delay"] = {"median": _hours(e["delay_median_h"].value),
                                                "sigma": float(f"{e['delay_sigma'].value:.4g}")}

    def interval(key):
        est = e[key]
        unit = ESTIMATE_LABELS[key][1]
        if est.low is None and est.high is None:
            return est.method
        lo = "-" if est.low is None else f"{est.low:.3g}{unit}"
        hi = "none" if est.high is None else f"{est.high:.3g}{unit}"
        return f"{level} interval {lo} to {hi} ({est.method})"

    header = [
        f"Fitted by `viralsim fit` to {observed_source}",
        f"({fit.observed.n_cascades} cascades with at least {fit.min_size} posts in a {fit.settings.window_h:g} h window).",
        *(f"{ESTIMATE_LABELS[k][0]}: {interval(k)}" for k in ESTIMATE_LABELS),
        "Goodness of fit (two-sample KS): " + ", ".join(f"{k} {v:.3f}" for k, v in fit.ks.items() if math.isfinite(v)),
        f"feed_reach is not fitted: {fit.not_identified['feed_reach']}.",
    ]
    return "".join(f"# {line}\n" for line in header) + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)


def write_fit(fit: FitResult, out_dir, *, audience_path, observed_source: str, overrides: tuple = (),
              figure: bool = True) -> Path:
    """Write ``fitted.yaml``, ``fit.json``, ``comparison.csv`` (and ``fit.png``) into ``out_dir``, all or nothing."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        (tmp / "fitted.yaml").write_text(fitted_scenario_text(fit, audience_path, out_dir, observed_source,
                                                               tuple(overrides)))
        payload = fit.to_dict()
        payload["observed"] = {"source": observed_source, **_finite(fit.observed.summary())}
        payload["simulated"] = _finite(fit.simulated.summary())
        payload["ks"] = _finite(payload["ks"])
        payload["diagnostics"] = _finite(payload["diagnostics"])
        (tmp / "fit.json").write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["statistic", "label", "observed", "simulated"])
        for name, label, o, s in comparison_rows(fit):
            w.writerow([name, label, _csv_num(o), _csv_num(s)])
        (tmp / "comparison.csv").write_text(buf.getvalue())
        if figure:
            from ..plotting.calibration import draw_fit
            from ..plotting.style import save_figure

            save_figure(draw_fit(fit), tmp / "fit.png")
    return out_dir


def _finite(d: dict) -> dict:
    return {k: (v if not isinstance(v, float) or math.isfinite(v) else None) for k, v in d.items()}


def _csv_num(x: float) -> str:
    return "" if not math.isfinite(x) else repr(float(x))
