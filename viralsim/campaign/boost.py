"""Paid boosts: impressions bought at a CPM, delivered to random users over a time window."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..constraints import Interval
from ..errors import InvalidParameterError
from ..model.params import PARAMETERS
from ..model.simulate import PaidPlacement

__all__ = ["Boost", "BOOST_PARAMETERS", "MAX_PAID_IMPRESSIONS"]

MAX_PAID_IMPRESSIONS = 2**31 - 2
"""Paid impressions per run over all boosts (with the arcs, the kernels' int32 event pool)."""

BOOST_PARAMETERS: dict[str, Interval] = {
    "impressions": Interval(1, MAX_PAID_IMPRESSIONS, integer=True),
    "cpm": Interval(0.0, None),
    "at_h": PARAMETERS["paid_time"],
    "over_h": Interval(0.0, None),
}
"""Each boost field's constraint (hours for times); the scenario's boost keys take theirs from here."""


@dataclass(frozen=True)
class Boost:
    """``impressions`` paid views bought at ``cpm`` (currency per 1000), starting at hour ``at_h`` and
    spread evenly over ``over_h`` hours (0: all at once), to uniformly random users of ``segment``
    (None: anyone).  Viewers may share; what follows is earned media."""

    impressions: int
    cpm: float
    at_h: float = 0.0
    over_h: float = 0.0
    segment: str | None = None

    def __post_init__(self) -> None:
        for name, bounds in BOOST_PARAMETERS.items():
            object.__setattr__(self, name, bounds.check(f"boost {name}", getattr(self, name)))

    @classmethod
    def from_spend(cls, spend: float, cpm: float, **kwargs) -> "Boost":
        """The boost that ``spend`` buys at ``cpm`` (whole impressions, rounded down)."""
        if not cpm > 0:
            raise InvalidParameterError("a boost given by its spend needs a cpm > 0")
        return cls(int(math.floor(spend / cpm * 1000.0 + 1e-9)), cpm, **kwargs)

    @property
    def cost(self) -> float:
        """What the boost costs: impressions / 1000 x cpm."""
        return self.impressions / 1000.0 * self.cpm

    def placements(self, step_h: float, horizon_h: float) -> list[PaidPlacement]:
        """One placement per step of the window, impressions split as evenly as whole numbers allow."""
        if self.at_h >= horizon_h:
            raise InvalidParameterError(f"the boost starts at hour {self.at_h:g}, not before the horizon "
                                        f"({horizon_h:g} h)")
        if self.at_h + self.over_h > horizon_h + 1e-9:
            raise InvalidParameterError(f"the boost runs until hour {self.at_h + self.over_h:g}, after the horizon "
                                        f"({horizon_h:g} h): impressions bought then would never be shown")
        first = int(math.ceil(self.at_h / step_h - 1e-9))
        n_steps = max(1, int(round(self.over_h / step_h)))
        per_step = np.full(n_steps, self.impressions // n_steps, dtype=np.int64)
        per_step[: self.impressions % n_steps] += 1
        return [PaidPlacement((first + i) * step_h, int(c), self.segment) for i, c in enumerate(per_step) if c > 0]

    def to_dict(self) -> dict:
        return {"impressions": int(self.impressions), "cpm": self.cpm, "at_h": self.at_h, "over_h": self.over_h,
                "segment": self.segment, "cost": self.cost}
