"""One check that two simulation results are identical, array for array (for tests that run the
same replicates two ways: another path of the kernel, another thread count, a rerun)."""

from __future__ import annotations

import numpy as np


def assert_same_results(a, b) -> None:
    """Every output of two SimulationResults is equal: metrics, diagnostics, series, attribution,
    reach per segment and, when kept, the per-node probabilities."""
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k], err_msg=k)
    for k in a.diagnostics:
        np.testing.assert_array_equal(a.diagnostics[k], b.diagnostics[k], err_msg=k)
    assert a.timeseries.keys() == b.timeseries.keys()
    for k in a.timeseries:
        np.testing.assert_array_equal(a.timeseries[k], b.timeseries[k], err_msg=k)
    np.testing.assert_array_equal(a.attribution, b.attribution)
    np.testing.assert_array_equal(a.reach_by_segment, b.reach_by_segment)
    for name in ("node_share_prob", "node_reach_prob"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)
