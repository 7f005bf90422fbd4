"""Calibration: fitting the model to observed cascades (and, later, predicting a cascade from its start)."""

from .fit import FitResult, FitSettings, fit_cascades

__all__ = ["FitResult", "FitSettings", "fit_cascades"]
