"""Descriptive statistics of cascades, observed or simulated, computed by one kernel so they compare.

Both sides come as flat trees (rows ``offsets[c]:offsets[c + 1]`` per cascade, in time order,
parents as rows within the cascade, times in hours since the first post): an
:class:`.ObservedCascades` as read, a simulation's sharer trees as :func:`viralsim.model.simulate`
returns them with ``keep_trees``.  "Size" is the number of posts, roots included: for a
simulated replicate, its seed posts and its shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.cascade_stats import (
    C_DEPTH, C_SIZE, C_STRUCTURAL_VIRALITY, C_TIME_TO_50PCT_H, C_TIME_TO_90PCT_H, N_COLUMNS, cascade_statistics,
)

GENERATIONS = 8  # offspring is counted for generations 0..6; the last column gathers the deeper ones


@dataclass(frozen=True)
class CascadeStatistics:
    """What :func:`describe_trees` computes, per cascade and pooled.

    per_cascade : float64 (C, 5): size, depth, structural virality, hours to 50% and to 90% of
        the final size (depth and structural virality NaN without parents).
    generations : int64 (C, GENERATIONS), posts per generation (zeros without parents).
    share_delay_h : float64, each reshare's delay after the post it reshared (hours; empty
        without parents); share_time_h : each reshare's time after the first post.
    """

    label: str
    per_cascade: np.ndarray
    generations: np.ndarray
    share_delay_h: np.ndarray
    share_time_h: np.ndarray
    has_parents: bool

    @property
    def sizes(self) -> np.ndarray:
        return self.per_cascade[:, C_SIZE]

    @property
    def n_cascades(self) -> int:
        return int(self.per_cascade.shape[0])

    def offspring_by_generation(self) -> np.ndarray:
        """Mean reshares drawn by a post of generation g, pooled over cascades (g = 0 .. GENERATIONS - 2)."""
        posts = self.generations.sum(axis=0).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = posts[1:] / posts[:-1]
        if not self.has_parents:
            ratio[:] = np.nan
        return ratio[: GENERATIONS - 2]

    def summary(self) -> dict[str, float]:
        """The figures of the side-by-side table, by name (units in the names)."""
        sizes = self.sizes
        pc = self.per_cascade

        def med(x):
            x = x[np.isfinite(x)]
            return float(np.median(x)) if x.shape[0] else float("nan")

        def q(x, p):
            x = x[np.isfinite(x)]
            return float(np.quantile(x, p)) if x.shape[0] else float("nan")

        out = {
            "cascades": float(self.n_cascades),
            "posts": float(sizes.sum()),
            "size_mean": float(sizes.mean()) if sizes.shape[0] else float("nan"),
            "size_median": med(sizes),
            "size_p90": q(sizes, 0.9),
            "size_max": float(sizes.max()) if sizes.shape[0] else float("nan"),
            "share_size_ge_10": float((sizes >= 10).mean()) if sizes.shape[0] else float("nan"),
            "share_size_ge_100": float((sizes >= 100).mean()) if sizes.shape[0] else float("nan"),
            "depth_mean": float(np.nanmean(pc[:, C_DEPTH])) if self.has_parents else float("nan"),
            "depth_max": float(np.nanmax(pc[:, C_DEPTH])) if self.has_parents else float("nan"),
            "structural_virality_median": med(pc[:, C_STRUCTURAL_VIRALITY]),
            "time_to_50pct_h_median": med(pc[sizes > 1, C_TIME_TO_50PCT_H]),
            "time_to_90pct_h_median": med(pc[sizes > 1, C_TIME_TO_90PCT_H]),
            "share_delay_h_median": med(self.share_delay_h),
            "share_delay_h_p90": q(self.share_delay_h, 0.9),
            "share_time_h_median": med(self.share_time_h),
        }
        for g, k in enumerate(self.offspring_by_generation()[:4]):
            out[f"offspring_gen{g}"] = float(k)
        return out


def describe_trees(offsets: np.ndarray, parent: np.ndarray, time_h: np.ndarray, *, label: str) -> CascadeStatistics:
    """Statistics of cascades given as flat trees (see the module docstring); the work is one numba pass."""
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    parent = np.ascontiguousarray(parent, dtype=np.int64)
    time_h = np.ascontiguousarray(time_h, dtype=np.float64)
    n = offsets.shape[0] - 1
    per = np.empty((n, N_COLUMNS))
    generations = np.zeros((n, GENERATIONS), dtype=np.int64)
    cascade_statistics(offsets, parent, time_h, per, generations)
    cascade_of_row = np.repeat(np.arange(n), np.diff(offsets))
    local = np.arange(time_h.shape[0]) - offsets[:-1][cascade_of_row]
    reshare = parent >= 0
    has_parents = bool(parent.shape[0]) and not bool((parent == -2).any())
    if has_parents:
        parent_row = offsets[:-1][cascade_of_row[reshare]] + parent[reshare]
        delay = time_h[reshare] - time_h[parent_row]
    else:
        delay = np.zeros(0)
        reshare = local > 0
    return CascadeStatistics(label=label, per_cascade=per, generations=generations, share_delay_h=delay,
                             share_time_h=time_h[reshare], has_parents=has_parents)


def describe(cascades, *, label: str | None = None) -> CascadeStatistics:
    """Statistics of :class:`.ObservedCascades`."""
    return describe_trees(cascades.offsets, cascades.parent, cascades.time_h,
                          label=label if label is not None else cascades.source)


SUMMARY_LABELS = {
    "cascades": "cascades",
    "posts": "posts (roots included)",
    "size_mean": "size, mean",
    "size_median": "size, median",
    "size_p90": "size, 90th percentile",
    "size_max": "size, largest",
    "share_size_ge_10": "share of cascades with 10+ posts",
    "share_size_ge_100": "share of cascades with 100+ posts",
    "depth_mean": "depth, mean (generations)",
    "depth_max": "depth, largest",
    "structural_virality_median": "structural virality, median",
    "time_to_50pct_h_median": "hours to 50% of final size, median",
    "time_to_90pct_h_median": "hours to 90% of final size, median",
    "share_delay_h_median": "share delay after the parent post (h), median",
    "share_delay_h_p90": "share delay after the parent post (h), 90th pct",
    "share_time_h_median": "share time after the root (h), median",
    "offspring_gen0": "reshares per root post",
    "offspring_gen1": "reshares per generation-1 post",
    "offspring_gen2": "reshares per generation-2 post",
    "offspring_gen3": "reshares per generation-3 post",
}
