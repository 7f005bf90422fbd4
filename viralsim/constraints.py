"""What a parameter allows, declared once: :class:`Interval` and :class:`Options`, one message template.

Each constraint lives next to what it constrains (the model's in :mod:`viralsim.model.params`,
the generators' in :mod:`viralsim.graph.generators`, influence maximisation's in
:mod:`viralsim.campaign.influence`, the thread count in :mod:`viralsim._runtime`). Scenario keys
and command-line flags take theirs from there, so the bounds and their wording cannot drift
apart. Every message reads ``NAME: must be ALLOWED, got VALUE``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidParameterError

__all__ = ["Interval", "Options", "must_be", "show", "format_bound"]

_CLOSED = ("both", "left", "right", "neither")


def show(value: Any) -> str:
    """``repr`` of a value, cut at 60 characters (messages stay on one line)."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def must_be(allowed: str, value: Any) -> str:
    """The one message template: ``must be ALLOWED, got VALUE``."""
    return f"must be {allowed}, got {'null' if value is None else show(value)}"


def format_bound(x: float) -> str:
    """A bound as written in messages and docs: ``1``, ``0.5``, ``inf``, ``9223372036854775807``."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if math.isinf(x):
        return "inf"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x)}"
    return f"{x}"


@dataclass(frozen=True)
class Interval:
    """Numbers between ``low`` and ``high`` (None: unbounded); ``closed`` says which ends belong.

    ``integer`` asks for an integer (a float such as 3.0 is refused: counts are written as
    integers). Bounds of an unbounded side are never closed.
    """

    low: float | None = None
    high: float | None = None
    closed: str = "both"
    integer: bool = False

    def __post_init__(self) -> None:
        if self.closed not in _CLOSED:  # pragma: no cover - declaration error
            raise AssertionError(self.closed)

    @property
    def low_open(self) -> bool:
        return self.closed in ("right", "neither")

    @property
    def high_open(self) -> bool:
        return self.closed in ("left", "neither")

    def contains(self, x: float) -> bool:
        """Whether the (finite) number ``x`` lies inside."""
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        if self.high is not None and (x > self.high or (self.high_open and x == self.high)):
            return False
        return True

    def describe(self, noun: str | None = None, fmt=None) -> str:
        """In words: ``a number in [0, 1]``, ``an integer >= 1``, ``a number > 0``."""
        noun = noun or ("an integer" if self.integer else "a number")
        fmt = fmt or format_bound
        lo = None if self.low is None or math.isinf(self.low) else self.low
        hi = None if self.high is None or math.isinf(self.high) else self.high
        if lo is not None and hi is not None:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            return f"{noun} in {left}{fmt(lo)}, {fmt(hi)}{right}"
        if lo is not None:
            return f"{noun} {'>' if self.low_open else '>='} {fmt(lo)}"
        if hi is not None:
            return f"{noun} {'<' if self.high_open else '<='} {fmt(hi)}"
        return noun

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a number of the right kind inside the interval."""
        if isinstance(value, (bool, np.bool_)):
            return False
        if self.integer:
            if not isinstance(value, (int, np.integer)):
                return False
        elif not isinstance(value, (int, float, np.integer, np.floating)) or not math.isfinite(float(value)):
            return False
        return self.contains(value)

    def check(self, name: str, value: Any, noun: str | None = None) -> float | int:
        """``value`` as an int or float, or an InvalidParameterError in the one template."""
        if not self.accepts(value):
            raise InvalidParameterError(f"{name}: {must_be(self.describe(noun), value)}")
        return int(value) if self.integer else float(value)


@dataclass(frozen=True)
class Options:
    """One of a fixed set of names."""

    values: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def check(self, name: str, value: Any) -> str:
        if not self.accepts(value):
            raise InvalidParameterError(f"{name}: {must_be(self.describe(), value)}")
        return value
