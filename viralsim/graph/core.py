"""SocialGraph: an immutable CSR audience graph.

Arc ``u -> v`` means *v sees what u shares* (v follows u).  Row ``u`` of the CSR lists u's
followers, so a post by u is delivered along row u.  An undirected (friendship) graph stores
both arcs of every edge.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field
from functools import cached_property

import numpy as np

from ..errors import InvalidParameterError
from ..kernels.csr import csr_from_arcs, reverse_csr

__all__ = ["SocialGraph"]


@dataclass(frozen=True, eq=False)
class SocialGraph:
    """Compact, immutable social graph in CSR form.

    Parameters
    ----------
    indptr : int64 array, shape (n + 1,)
        Row ``u`` (u's followers) is ``indices[indptr[u]:indptr[u + 1]]``.
    indices : int32 array, shape (m,)
        Arc heads, sorted within each row, no self-loops, no duplicates.
    directed : bool
        False for friendship graphs (each edge stored as two arcs).
    segment : int32 array of shape (n,), optional
        Audience segment label of each node, indexing ``segment_names``.
    segment_names : tuple of str
        Names of the segments (empty when ``segment`` is None).
    weights : float64 array of shape (m,), optional
        Per-arc weights (e.g. tie strength), aligned with ``indices``.
    name : str
        A description (generators record their call here).
    labels : int64 or str array of shape (n,), optional
        Original node ids (from an edge list or networkx graph); None when nodes are 0..n-1.
    check : bool
        Scan ``indptr`` and ``indices`` for order and range (O(n + m)).  viralsim's own CSR
        kernels pass False: their output is valid by construction (and tested), and the scans
        cost as much as building a small graph.
    """

    indptr: np.ndarray
    indices: np.ndarray
    directed: bool
    segment: np.ndarray | None = None
    segment_names: tuple[str, ...] = ()
    weights: np.ndarray | None = None
    name: str = field(default="", compare=False)
    labels: np.ndarray | None = None
    check: InitVar[bool] = True

    def __post_init__(self, check: bool) -> None:
        indptr = np.ascontiguousarray(self.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(self.indices, dtype=np.int32)
        if indptr.ndim != 1 or indptr.size < 1 or indptr[0] != 0:
            raise InvalidParameterError("indptr must be a 1-d array starting at 0")
        if indptr[-1] != indices.size or (check and np.any(np.diff(indptr) < 0)):
            raise InvalidParameterError("indptr must be non-decreasing and end at len(indices)")
        n = indptr.size - 1
        if check and indices.size and (indices.min() < 0 or indices.max() >= n):
            raise InvalidParameterError(f"indices must lie in [0, {n}); got range [{indices.min()}, {indices.max()}]")
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "directed", bool(self.directed))
        if self.segment is not None:
            seg = np.ascontiguousarray(self.segment, dtype=np.int32)
            if seg.shape != (n,):
                raise InvalidParameterError(f"segment must have one label per node ({n}); got shape {seg.shape}")
            names = tuple(str(s) for s in self.segment_names)
            if seg.size and (seg.min() < 0 or seg.max() >= len(names)):
                raise InvalidParameterError(
                    f"segment labels must index segment_names (0..{len(names) - 1}); got range [{seg.min()}, {seg.max()}]"
                )
            object.__setattr__(self, "segment", seg)
            object.__setattr__(self, "segment_names", names)
        elif self.segment_names:
            raise InvalidParameterError("segment_names given without segment labels")
        if self.weights is not None:
            w = np.ascontiguousarray(self.weights, dtype=np.float64)
            if w.shape != indices.shape:
                raise InvalidParameterError(f"weights must have one value per arc ({indices.size}); got shape {w.shape}")
            object.__setattr__(self, "weights", w)
        if self.labels is not None:
            lab = np.asarray(self.labels)
            if lab.dtype.kind in "iu":
                lab = np.ascontiguousarray(lab, dtype=np.int64)
            elif lab.dtype.kind == "U":
                lab = np.ascontiguousarray(lab)
            else:
                raise InvalidParameterError(f"labels must be integers or strings; got dtype {lab.dtype}")
            if lab.shape != (n,):
                raise InvalidParameterError(f"labels must have one id per node ({n}); got shape {lab.shape}")
            if np.unique(lab).size != n:
                raise InvalidParameterError("labels must be distinct node ids")
            object.__setattr__(self, "labels", lab)
        for arr in (self.indptr, self.indices, self.segment, self.weights, self.labels):
            if arr is not None:
                arr.flags.writeable = False

    # ---- construction -------------------------------------------------------------
    @classmethod
    def from_arcs(
        cls,
        n: int,
        src,
        dst,
        *,
        directed: bool,
        segment=None,
        segment_names=(),
        name: str = "",
        labels=None,
    ) -> "SocialGraph":
        """Build from arc lists; undirected input lists each edge once (either direction).

        Self-loops and duplicates are dropped; :attr:`dropped` reports how many.
        """
        src = np.ascontiguousarray(src, dtype=np.int64)
        dst = np.ascontiguousarray(dst, dtype=np.int64)
        if src.shape != dst.shape or src.ndim != 1:
            raise InvalidParameterError("src and dst must be 1-d arrays of equal length")
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
            raise InvalidParameterError(f"node ids must lie in [0, {n})")
        indptr, indices, self_loops, duplicates = csr_from_arcs(int(n), src, dst, not directed)
        g = cls(indptr, indices, directed, segment, tuple(segment_names), None, name, labels, check=False)
        object.__setattr__(g, "_dropped", (int(self_loops), int(duplicates)))
        return g

    # ---- sizes and degrees -----------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return self.indptr.size - 1

    @property
    def n_arcs(self) -> int:
        return self.indices.size

    @property
    def n_edges(self) -> int:
        """Edges as a person counts them: arcs for a directed graph, arc pairs otherwise."""
        return self.n_arcs if self.directed else self.n_arcs // 2

    @property
    def dropped(self) -> tuple[int, int]:
        """(self-loops, duplicate edges) dropped while building, when built from arcs."""
        return getattr(self, "_dropped", (0, 0))

    @cached_property
    def out_degree(self) -> np.ndarray:
        """Followers of each node (how many feeds a post reaches)."""
        d = np.diff(self.indptr)
        d.flags.writeable = False
        return d

    @cached_property
    def _reverse(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.directed:
            return self.indptr, self.indices
        rptr, rind = reverse_csr(self.n_nodes, self.indptr, self.indices)
        rptr.flags.writeable = False
        rind.flags.writeable = False
        return rptr, rind

    @property
    def in_indptr(self) -> np.ndarray:
        """CSR of the reversed graph: row v lists the accounts v follows (whose posts v sees)."""
        return self._reverse[0]

    @property
    def in_indices(self) -> np.ndarray:
        return self._reverse[1]

    @cached_property
    def in_degree(self) -> np.ndarray:
        """Accounts each node follows (how many sources fill its feed)."""
        d = np.diff(self.in_indptr)
        d.flags.writeable = False
        return d

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        seg = f", {len(self.segment_names)} segments" if self.segment is not None else ""
        label = f"{self.name!r}, " if self.name else ""
        return f"SocialGraph({label}{self.n_nodes:,} nodes, {self.n_edges:,} {'arcs' if self.directed else 'edges'}, {kind}{seg})"

    # ---- labels, segments, identity --------------------------------------------------
    def with_segments(self, labels, names) -> "SocialGraph":
        """A copy with per-node segment ``labels`` (ints indexing ``names``) and segment ``names``."""
        return SocialGraph(self.indptr, self.indices, self.directed, labels, tuple(names), self.weights, self.name, self.labels,
                           check=False)

    def fingerprint(self) -> str:
        """Hex SHA-256 over the arrays and flags: equal fingerprints mean the same graph.

        Covers structure, direction, segments, weights and labels (not ``name``); for
        reproducibility manifests.
        """
        import hashlib

        h = hashlib.sha256()
        h.update(f"viralsim-graph-v1|directed={int(self.directed)}|n={self.n_nodes}|m={self.n_arcs}|".encode())
        h.update(self.indptr.tobytes())
        h.update(self.indices.tobytes())
        for tag, arr in (("segment", self.segment), ("weights", self.weights), ("labels", self.labels)):
            if arr is None:
                h.update(f"|{tag}=none".encode())
            else:
                h.update(f"|{tag}={arr.dtype.str}:".encode())
                h.update(np.ascontiguousarray(arr).tobytes())
        h.update(("|names=" + "\x1f".join(self.segment_names)).encode())
        return h.hexdigest()

    # ---- interop and files (implemented in sibling modules) ----------------------------
    @classmethod
    def from_networkx(cls, graph, *, weight: str | None = "weight", segment: str | None = "segment") -> "SocialGraph":
        """From a networkx ``Graph`` or ``DiGraph`` (see :func:`viralsim.graph.convert.from_networkx`)."""
        from .convert import from_networkx

        return from_networkx(graph, weight=weight, segment=segment)

    def to_networkx(self):
        """To a networkx ``Graph``/``DiGraph`` with the original node ids, segments and weights."""
        from .convert import to_networkx

        return to_networkx(self)

    def save(self, path) -> None:
        """Write the graph to a ``.npz`` file atomically (nothing appears unless all was written)."""
        from .io import save_npz

        save_npz(self, path)

    @classmethod
    def load(cls, path) -> "SocialGraph":
        """Read a graph written by :meth:`save`; a damaged file raises GraphFormatError."""
        from .io import load_npz

        return load_npz(path)

    def info(self, *, sample: int = 20_000, seed=0):
        """Summary statistics (:class:`viralsim.graph.stats.GraphInfo`); clustering by sampling."""
        from .stats import graph_info

        return graph_info(self, sample=sample, seed=seed)
