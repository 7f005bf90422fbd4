"""Model parameters: frozen dataclasses that validate every field (durations in hours)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["CascadeModel", "ThresholdModel"]


def _float(name: str, value, low: float, high: float, *, low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float inside the interval, or an InvalidParameterError saying what is allowed."""
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    hi_txt = "inf" if math.isinf(high) else f"{high:g}"
    allowed = f"{name} must be a float in {lo}{low:g}, {hi_txt}{hi}"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidParameterError(f"{allowed}; got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x < low or x > high or (low_open and x == low) or (high_open and x == high):
        raise InvalidParameterError(f"{allowed}; got {value!r}")
    return x


def _timing(obj) -> None:
    """Shared checks of the platform and funnel fields (both models have them)."""
    for name in ("feed_reach", "engagement_rate", "click_rate", "conversion_rate"):
        object.__setattr__(obj, name, _float(name, getattr(obj, name), 0.0, 1.0))
    object.__setattr__(obj, "delay_median", _float("delay_median", obj.delay_median, 0.0, math.inf, low_open=True,
                                                   high_open=True))
    object.__setattr__(obj, "delay_sigma", _float("delay_sigma", obj.delay_sigma, 0.0, 10.0))
    object.__setattr__(obj, "step", _float("step", obj.step, 0.0, math.inf, low_open=True, high_open=True))
    object.__setattr__(obj, "horizon", _float("horizon", obj.horizon, 0.0, math.inf, low_open=True, high_open=True))
    steps = obj.horizon / obj.step
    if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
        raise InvalidParameterError(
            f"horizon must be a whole number of steps; got horizon={obj.horizon:g} h with step={obj.step:g} h")
    if round(steps) > 1_000_000:
        raise InvalidParameterError(f"horizon / step must be at most 1,000,000 steps; got {round(steps):,}")


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
        object.__setattr__(self, "stickiness", _float("stickiness", self.stickiness, 0.0, 1.0))
        object.__setattr__(self, "fatigue", _float("fatigue", self.fatigue, 0.0, 1.0))
        if self.half_life is not None:
            object.__setattr__(self, "half_life", _float("half_life", self.half_life, 0.0, math.inf, low_open=True,
                                                         high_open=True))
        _timing(self)
        if self.affinity is not None:
            try:
                values = [float(a) for a in np.asarray(self.affinity, dtype=object).ravel()]
            except (TypeError, ValueError):
                raise InvalidParameterError(f"affinity must be a sequence of floats >= 0; got {self.affinity!r}") from None
            if not values or any(not math.isfinite(a) or a < 0 for a in values) or np.ndim(self.affinity) != 1:
                raise InvalidParameterError(f"affinity must be a non-empty sequence of floats >= 0; got {self.affinity!r}")
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


_RULES = ("fraction", "count")


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
        if self.rule not in _RULES:
            raise InvalidParameterError(f"rule must be one of 'fraction', 'count'; got {self.rule!r}")
        if self.threshold is not None:
            if self.rule == "fraction":
                t = _float("threshold", self.threshold, 0.0, 1.0, low_open=True)
            else:
                t = _float("threshold", self.threshold, 1.0, math.inf, high_open=True)
            object.__setattr__(self, "threshold", t)
        _timing(self)

    @classmethod
    def linear_threshold(cls, horizon: float = 1000.0) -> "ThresholdModel":
        """Kempe–Kleinberg–Tardos linear threshold: weights 1/in-degree, uniform random thresholds."""
        return cls(rule="fraction", threshold=None, horizon=horizon)
