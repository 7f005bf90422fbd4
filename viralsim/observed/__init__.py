"""Observed cascades: readers of real share cascades, their cleaning, and their descriptive statistics."""

from .cascades import ROOT, UNKNOWN, ObservedCascades
from .readers import FORMATS, read_cascades

__all__ = ["FORMATS", "ROOT", "UNKNOWN", "ObservedCascades", "read_cascades"]
