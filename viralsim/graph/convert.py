"""networkx interop: networkx is the ecosystem's interface and viralsim's test oracle.

The round trip networkx -> SocialGraph -> networkx is exact for simple graphs: same node ids
in the same order, same edges, the ``weight`` edge attribute and a ``segment`` node attribute.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .core import SocialGraph

__all__ = ["from_networkx", "to_networkx"]


def from_networkx(graph, *, weight: str | None = "weight", segment: str | None = "segment") -> SocialGraph:
    """Convert a networkx ``Graph`` or ``DiGraph``.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        Nodes must be all integers or all strings.  Self-loops are dropped (counted in
        ``dropped``); multigraphs are refused.
    weight : str or None
        Edge attribute read as per-arc weight, used when every edge has it.
    segment : str or None
        Node attribute read as audience segment, used when every node has it (segment names
        are its distinct values, sorted).

    Returns
    -------
    SocialGraph
        With ``labels`` holding the original node ids unless they are exactly 0..n-1.
    """
    import networkx as nx

    if not isinstance(graph, (nx.Graph, nx.DiGraph)) or graph.is_multigraph():
        raise InvalidParameterError(f"from_networkx needs a networkx Graph or DiGraph (not a multigraph); got {type(graph).__name__}")
    nodes = list(graph.nodes())
    n = len(nodes)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in nodes):
        labels = np.array(nodes, dtype=np.int64)
        if np.array_equal(labels, np.arange(n)):
            labels = None
    elif all(isinstance(v, str) for v in nodes):
        labels = np.array(nodes, dtype=str) if n else np.array([], dtype="<U1")
    else:
        raise InvalidParameterError("from_networkx needs node ids that are all integers or all strings")
    index = {v: i for i, v in enumerate(nodes)}
    m = graph.number_of_edges()
    src = np.empty(m, dtype=np.int64)
    dst = np.empty(m, dtype=np.int64)
    has_w = weight is not None and m > 0
    w = np.empty(m, dtype=np.float64) if has_w else None
    for i, (u, v, data) in enumerate(graph.edges(data=True)):  # interop: one pass over networkx's dicts
        src[i] = index[u]
        dst[i] = index[v]
        if has_w:
            if weight not in data:
                has_w = False
                w = None
            else:
                w[i] = float(data[weight])
    loops = src == dst
    n_loops = int(loops.sum())
    if n_loops:
        src, dst = src[~loops], dst[~loops]
        w = w[~loops] if w is not None else None
    if not graph.is_directed():
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        w = np.concatenate([w, w]) if w is not None else None
    order = np.lexsort((dst, src))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    seg, names = None, ()
    if segment is not None and n and all(segment in d for _, d in graph.nodes(data=True)):
        values = [d[segment] for _, d in graph.nodes(data=True)]
        names = tuple(sorted({str(x) for x in values}))
        lookup = {name: i for i, name in enumerate(names)}
        seg = np.array([lookup[str(x)] for x in values], dtype=np.int32)
    g = SocialGraph(indptr, dst[order], graph.is_directed(), seg, names, None if w is None else w[order],
                    str(graph.graph.get("name", "")), labels)
    object.__setattr__(g, "_dropped", (n_loops, 0))
    return g


def to_networkx(g: SocialGraph):
    """Convert to a networkx ``Graph`` (undirected) or ``DiGraph``.

    Nodes are the original ids (``labels``) or 0..n-1, in node order; segments become the node
    attribute ``segment`` (the segment name), weights the edge attribute ``weight``.
    """
    import networkx as nx

    out = nx.DiGraph() if g.directed else nx.Graph()
    if g.name:
        out.graph["name"] = g.name
    ids = g.labels.tolist() if g.labels is not None else list(range(g.n_nodes))
    if g.segment is not None:
        names = g.segment_names
        out.add_nodes_from((v, {"segment": names[s]}) for v, s in zip(ids, g.segment.tolist()))
    else:
        out.add_nodes_from(ids)
    src = np.repeat(np.arange(g.n_nodes), g.out_degree)
    dst = g.indices
    keep = slice(None) if g.directed else src < dst
    su, dv = src[keep].tolist(), dst[keep].tolist()
    if g.labels is not None:
        su = [ids[i] for i in su]
        dv = [ids[i] for i in dv]
    if g.weights is not None:
        out.add_weighted_edges_from(zip(su, dv, g.weights[keep].tolist()))
    else:
        out.add_edges_from(zip(su, dv))
    return out
