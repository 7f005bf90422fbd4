"""Graph summary statistics for ``SocialGraph.info()``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..kernels.csr import csr_from_arcs, reciprocal_arcs, sampled_wedge_closure
from ..random import GRAPH, stream_key

__all__ = ["GraphInfo", "graph_info", "power_law_tail"]


@dataclass(frozen=True)
class GraphInfo:
    """Size, degrees, reciprocity, degree tail and (sampled) clustering of a graph.

    ``degree`` means followers (out-degree) for directed graphs.  ``clustering`` is the
    average local clustering of the undirected version, estimated from ``clustering_sample``
    random wedges at uniformly drawn nodes, with standard error ``clustering_se``.
    ``tail_exponent`` is the discrete power-law MLE on degrees >= ``tail_kmin`` (Clauset,
    Shalizi & Newman 2009, k_min chosen by the Kolmogorov–Smirnov distance); NaN when fewer
    than 50 nodes lie in the tail.
    """

    nodes: int
    arcs: int
    edges: int
    directed: bool
    mean_degree: float
    max_degree: int
    max_in_degree: int
    isolated: int
    reciprocity: float
    tail_exponent: float
    tail_kmin: int
    tail_size: int
    clustering: float
    clustering_se: float
    clustering_sample: int
    segments: int
    self_loops_dropped: int
    duplicates_dropped: int

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (NaN becomes None)."""
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, float) and not math.isfinite(v):
                out[k] = None
        return out


def power_law_tail(degrees: np.ndarray, *, min_tail: int = 50, candidates: int = 60) -> tuple[float, int, int]:
    """(exponent, k_min, tail size) of a discrete power-law fit to the degree tail.

    MLE ``alpha = 1 + n_tail / sum(ln(k / (k_min - 1/2)))`` (Clauset et al. 2009, eq. 3.7) for
    up to ``candidates`` log-spaced k_min values, keeping the one whose fitted CCDF is closest
    (KS distance) to the empirical one.  Works on the degree histogram: O(n + k_max).
    """
    counts = np.bincount(np.asarray(degrees, dtype=np.int64))
    ks = np.arange(counts.size, dtype=np.float64)
    tail_n = np.cumsum(counts[::-1])[::-1]  # nodes with degree >= k
    usable = np.flatnonzero((ks >= 1) & (tail_n >= min_tail) & (counts > 0))
    if usable.size == 0:
        return float("nan"), 0, 0
    kmins = np.unique(np.geomspace(usable[0], usable[-1], num=min(candidates, usable.size)).round().astype(np.int64))
    kmins = kmins[counts[kmins] > 0] if kmins.size else usable[:1]
    logk = np.zeros_like(ks)
    logk[1:] = np.log(ks[1:])
    best = (np.inf, float("nan"), 0, 0)
    for kmin in kmins.tolist():  # <= 60 candidates, each vectorised over the histogram
        c = counts[kmin:]
        k = ks[kmin:]
        n_t = c.sum()
        alpha = 1.0 + n_t / float((c * (logk[kmin:] - math.log(kmin - 0.5))).sum())
        emp = np.cumsum(c[::-1])[::-1] / n_t
        model = ((k - 0.5) / (kmin - 0.5)) ** (1.0 - alpha)
        dist = float(np.abs(emp - model).max())
        if dist < best[0]:
            best = (dist, alpha, kmin, int(n_t))
    return best[1], best[2], best[3]


def graph_info(g, *, sample: int = 20_000, seed=0) -> GraphInfo:
    """Compute :class:`GraphInfo`; ``sample`` wedges estimate clustering (exact inputs otherwise)."""
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1:
        raise InvalidParameterError(f"sample must be a positive integer (wedges to draw for clustering); got {sample!r}")
    n, arcs = g.n_nodes, g.n_arcs
    out_deg = g.out_degree
    if g.directed:
        recip = reciprocal_arcs(n, g.indptr, g.indices) / arcs if arcs else float("nan")
        ends = np.empty(2 * arcs, dtype=np.int32)  # interleaved, the layout the generators use
        ends[0::2] = np.repeat(np.arange(n, dtype=np.int32), out_deg)
        ends[1::2] = g.indices
        sym_ptr, sym_ind, _, _ = csr_from_arcs(n, ends[0::2], ends[1::2], True)
        del ends
        in_max = int(g.in_degree.max()) if n else 0
        isolated = int(((out_deg == 0) & (g.in_degree == 0)).sum())
    else:
        recip = 1.0 if arcs else float("nan")
        sym_ptr, sym_ind = g.indptr, g.indices
        in_max = int(out_deg.max()) if n else 0
        isolated = int((out_deg == 0).sum())
    key = stream_key(seed, GRAPH, 1)
    nodes_key = stream_key(seed, GRAPH, 2)
    if n:
        picks = np.random.Generator(np.random.Philox(key=int(nodes_key))).integers(0, n, size=int(sample))
        closed = sampled_wedge_closure(sym_ptr, sym_ind, picks.astype(np.int64), key)
        clust = float(closed.mean())
        clust_se = float(closed.std(ddof=1) / math.sqrt(closed.size)) if closed.size > 1 else float("nan")
    else:
        clust, clust_se = float("nan"), float("nan")
    alpha, kmin, n_tail = power_law_tail(out_deg) if n else (float("nan"), 0, 0)
    loops, dups = g.dropped
    return GraphInfo(
        nodes=n,
        arcs=arcs,
        edges=g.n_edges,
        directed=g.directed,
        mean_degree=arcs / n if n else float("nan"),
        max_degree=int(out_deg.max()) if n else 0,
        max_in_degree=in_max,
        isolated=isolated,
        reciprocity=float(recip),
        tail_exponent=float(alpha),
        tail_kmin=int(kmin),
        tail_size=int(n_tail),
        clustering=clust,
        clustering_se=clust_se,
        clustering_sample=int(sample) if n else 0,
        segments=len(g.segment_names),
        self_loops_dropped=int(loops),
        duplicates_dropped=int(dups),
    )
