"""Model parameters: frozen dataclasses that validate every field (durations in hours)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constraints import Interval, Options
from ..errors import InvalidParameterError

__all__ = ["CascadeModel", "ThresholdModel", "PARAMETERS", "MAX_STEPS"]


MAX_STEPS = 100_000
"""Most steps over the horizon (the per-thread time series are horizon-sized)."""

_UNIT = Interval(0.0, 1.0)
_POSITIVE = Interval(0.0, math.inf, closed="neither")

PARAMETERS: dict[str, Interval] = {
    "stickiness": _UNIT,
    "feed_reach": _UNIT,
    "half_life": _POSITIVE,
    "fatigue": _UNIT,
    "delay_median": _POSITIVE,
    "delay_sigma": Interval(0.0, 10.0),
    "engagement_rate": _UNIT,
    "click_rate": _UNIT,
    "conversion_rate": _UNIT,
    "affinity": Interval(0.0, math.inf, closed="left"),
    "step": _POSITIVE,
    "horizon": Interval(0.0, 24.0 * 365, closed="right"),  # at most a year
    "threshold_fraction": Interval(0.0, 1.0, closed="right"),
    "threshold_count": Interval(1.0, math.inf, closed="left"),
    "runs": Interval(1, 1_000_000, integer=True),
    "paid_time": Interval(0.0, math.inf, closed="left"),
    "paid_impressions": Interval(0, None, integer=True),
    "keep_trees": Interval(0, 2**31 - 1, integer=True),  # posts kept per replicate's sharer tree
    "shares_from": Interval(0.0, math.inf, closed="left"),  # hours before which no view becomes a share
}
"""Each model parameter's constraint (hours for durations; affinity per item). The scenario
keys of :mod:`viralsim.scenario.schema` take their bounds from here."""

RULES = Options(("fraction", "count"))


def _set(obj, name: str, constraint: Interval | None = None) -> None:
    object.__setattr__(obj, name, (constraint or PARAMETERS[name]).check(name, getattr(obj, name)))


def _timing(obj) -> None:
    """Shared checks of the platform and funnel fields (both models have them)."""
    for name in ("feed_reach", "engagement_rate", "click_rate", "conversion_rate", "delay_median", "delay_sigma",
                 "step", "horizon"):
        _set(obj, name)
    steps = obj.horizon / obj.step
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise InvalidParameterError(
            f"horizon must be a whole number of steps; got horizon={obj.horizon:g} h with step={obj.step:g} h")
    if round(steps) > MAX_STEPS:
        raise InvalidParameterError(f"horizon / step must be at most {MAX_STEPS:,} steps; got {round(steps):,}")


@dataclass(frozen=True)
class CascadeModel:
    """Probabilistic share cascade (eWOM): every view is a chance to share.

    Parameters
    ----------
    stickiness : float in [0, 1]
        Share probability of a view at time 0 (before decay, affinity and fatigue).
    feed_reach : float in [0, 1]
        Probability that a post in a follower's feed is viewed at all.
    half_life : float > 0 or None
        Hours after which the share probability has halved (decay with the view's time since the
        campaign start); None means no decay.
    fatigue : float in [0, 1]
        The k-th view of a user shares with ``fatigue ** (k - 1)`` times the base probability;
        1 means every view is an independent chance.
    delay_median, delay_sigma : float
        Lognormal delay (hours) between a post and its view: median, and sigma of the log;
        ``delay_sigma = 0`` is a fixed delay. Discretised to ``max(1, round(delay / step))`` steps.
    engagement_rate, click_rate, conversion_rate : float in [0, 1]
        Per-view engagement and click probabilities; per-click conversion probability
        (a user converts at most once).
    affinity : sequence of float >= 0, optional
        Share-probability multiplier per graph segment (``graph.segment_names`` order);
        None means 1 for all.
    step, horizon : float
        Step length and horizon in hours (the horizon must be a whole number of steps).
    """

    stickiness: float
    feed_reach: float = 1.0
    half_life: float | None = None
    fatigue: float = 1.0
    delay_median: float = 1.0
    delay_sigma: float = 0.0
    engagement_rate: float = 0.0
    click_rate: float = 0.0
    conversion_rate: float = 0.0
    affinity: tuple[float, ...] | None = None
    step: float = 1.0
    horizon: float = 72.0

    def __post_init__(self) -> None:
        _set(self, "stickiness")
        _set(self, "fatigue")
        if self.half_life is not None:
            _set(self, "half_life")
        _timing(self)
        if self.affinity is not None:
            try:
                values = [float(a) for a in np.asarray(self.affinity, dtype=object).ravel()]
            except (TypeError, ValueError):
                raise InvalidParameterError(
                    f"affinity: must be a sequence of numbers >= 0, got {self.affinity!r}") from None
            if not values or not all(PARAMETERS["affinity"].accepts(a) for a in values) \
                    or np.ndim(self.affinity) != 1:
                raise InvalidParameterError(
                    f"affinity: must be a non-empty sequence of numbers >= 0, got {self.affinity!r}")
            if self.stickiness * max(values) > 1.0:
                raise InvalidParameterError(
                    f"stickiness x affinity must be at most 1 (a probability); got {self.stickiness:g} x {max(values):g}")
            object.__setattr__(self, "affinity", tuple(values))

    @classmethod
    def independent_cascade(cls, p: float, horizon: float = 1000.0) -> "CascadeModel":
        """The independent cascade model with probability ``p`` per arc (one step per generation).

        feed_reach 1, no decay, fixed one-step delay, fatigue 1, unit affinity: the set of
        sharers then has exactly the IC distribution (Kempe, Kleinberg & Tardos 2003).
        """
        return cls(stickiness=p, horizon=horizon)


@dataclass(frozen=True)
class ThresholdModel:
    """Complex contagion: a user shares once enough distinct sharers' posts have been viewed.

    Parameters
    ----------
    rule : {"fraction", "count"}
        Compare the fraction of in-neighbours (accounts followed) whose share was viewed, or
        their number, with the user's threshold.
    threshold : float or None
        The threshold for every user: in (0, 1] for "fraction", >= 1 for "count". None draws one
        per user per run: uniform on (0, 1] ("fraction"), uniform on {1, ..., in-degree} ("count").
    feed_reach, delay_median, delay_sigma, engagement_rate, click_rate, conversion_rate, step, horizon
        As in :class:`CascadeModel`.
    """

    rule: str = "fraction"
    threshold: float | None = None
    feed_reach: float = 1.0
    delay_median: float = 1.0
    delay_sigma: float = 0.0
    engagement_rate: float = 0.0
    click_rate: float = 0.0
    conversion_rate: float = 0.0
    step: float = 1.0
    horizon: float = 72.0

    def __post_init__(self) -> None:
        RULES.check("rule", self.rule)
        if self.threshold is not None:
            _set(self, "threshold", PARAMETERS[f"threshold_{self.rule}"])
        _timing(self)

    @classmethod
    def linear_threshold(cls, horizon: float = 1000.0) -> "ThresholdModel":
        """Kempe–Kleinberg–Tardos linear threshold: weights 1/in-degree, uniform random thresholds."""
        return cls(rule="fraction", threshold=None, horizon=horizon)
