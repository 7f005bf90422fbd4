"""Graph files: SNAP-style edge lists in, compact ``.npz`` in and out, edge lists out.

Every write is atomic (:mod:`viralsim._io`): a failed or interrupted write leaves no file.
"""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import numpy as np

from .._io import atomic_path, read_text
from ..errors import GraphFormatError, InvalidParameterError
from .core import SocialGraph

__all__ = ["read_edgelist", "write_edgelist", "load_graph", "save_npz", "load_npz"]

NPZ_FORMAT = "viralsim-graph-1"


def _read_text(path: Path) -> str:
    return read_text(path, GraphFormatError, "a graph file", "an edge list has one 'u v' pair per line")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def read_edgelist(path, *, directed: bool) -> SocialGraph:
    """Read a SNAP-style edge list: one ``u v`` pair per line.

    Parameters
    ----------
    path : str or Path
        Text file, gzip-compressed or not (detected from its content).  Fields are separated
        by spaces or tabs; lines starting with ``#`` or ``%`` and blank lines are skipped; a
        line is ``u v`` or ``u v`` followed by numbers (a weight, a timestamp: checked, not used).
    directed : bool
        Read ``u v`` as the arc u -> v (v sees what u shares) or as an undirected edge.

    Returns
    -------
    SocialGraph
        Node ids are remapped to 0..n-1 in sorted order of the original ids (integers if
        every id is an integer, else strings), which ``labels`` keeps.  Self-loops and
        duplicate edges are dropped and reported by ``graph.dropped``.

    Raises
    ------
    GraphFormatError
        Missing or unreadable file, damaged gzip, a malformed line (named by number), or no edge.
    """
    path = Path(path)
    text = _read_text(path)
    lines = text.split("\n")
    heads: list[str] = []
    tails: list[str] = []
    for lineno, line in enumerate(lines, 1):  # parsing text: Python's split is the fast path here
        fields = line.split()
        if not fields or fields[0][0] in "#%":
            continue
        if len(fields) < 2:
            raise GraphFormatError(f"{path}:{lineno}: expected two node ids 'u v'; got {line.strip()!r}")
        if len(fields) > 2 and not all(_is_number(f) for f in fields[2:]):
            raise GraphFormatError(f"{path}:{lineno}: expected 'u v', 'u v weight' or more numeric columns "
                                   f"(weights, timestamps); got {line.strip()[:80]!r}")
        heads.append(fields[0])
        tails.append(fields[1])
    if not heads:
        raise GraphFormatError(f"{path}: no edges: the file is empty or holds only comments and blank lines "
                               "(an edge list has one 'u v' pair per line)")
    tokens = np.array(heads + tails, dtype=str)
    try:
        ids = tokens.astype(np.int64)
    except (ValueError, OverflowError):
        ids = tokens
    labels, inverse = np.unique(ids, return_inverse=True)
    m = len(heads)
    src, dst = inverse[:m].astype(np.int64), inverse[m:].astype(np.int64)
    if labels.size > 2**31 - 1:
        raise GraphFormatError(f"{path}: {labels.size:,} distinct nodes is more than the 2^31 - 1 supported")
    keep_labels = labels if not (labels.dtype.kind == "i" and np.array_equal(labels, np.arange(labels.size))) else None
    return SocialGraph.from_arcs(labels.size, src, dst, directed=directed, name=path.name, labels=keep_labels)


def write_edgelist(g: SocialGraph, path) -> None:
    """Write ``u v`` lines (each undirected edge once; gzip when the name ends in ``.gz``).

    An edge list cannot hold isolated nodes or segments; :meth:`SocialGraph.save` keeps both.
    """
    path = Path(path)
    src = np.repeat(np.arange(g.n_nodes, dtype=np.int64), g.out_degree)
    dst = g.indices
    if not g.directed:
        keep = src < dst
        src, dst = src[keep], dst[keep]
    ids = g.labels if g.labels is not None else None
    header = f"# {g.name or 'viralsim graph'}\n# {'directed' if g.directed else 'undirected'}: {g.n_nodes} nodes, {g.n_edges} edges\n"
    with atomic_path(path) as tmp:
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(tmp, "wt", encoding="utf-8") as fh:
            fh.write(header)
            chunk = 1_000_000
            for start in range(0, src.size, chunk):  # chunks bound the text buffer, not a per-edge loop
                a, b = src[start : start + chunk], dst[start : start + chunk]
                if ids is not None:
                    a, b = ids[a], ids[b]
                buf = io.StringIO()
                np.savetxt(buf, np.column_stack([a, b]), fmt="%s" if a.dtype.kind == "U" else "%d")
                fh.write(buf.getvalue())


def save_npz(g: SocialGraph, path) -> None:
    """Save to ``.npz`` (uncompressed: the arrays are already compact int32/int64)."""
    arrays = {
        "format": np.array(NPZ_FORMAT),
        "indptr": g.indptr,
        "indices": g.indices,
        "directed": np.array(g.directed),
        "name": np.array(g.name),
    }
    if g.segment is not None:
        arrays["segment"] = g.segment
        arrays["segment_names"] = np.array(g.segment_names, dtype=str)
    if g.weights is not None:
        arrays["weights"] = g.weights
    if g.labels is not None:
        arrays["labels"] = g.labels
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)


def load_npz(path) -> SocialGraph:
    """Load a graph written by :func:`save_npz`."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != NPZ_FORMAT:
                raise GraphFormatError(f"{path}: not a viralsim graph file (expected format {NPZ_FORMAT!r})")
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise GraphFormatError(f"{path}: no such file") from None
    except GraphFormatError:
        raise
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise GraphFormatError(f"{path}: damaged or unreadable .npz file ({exc})") from None
    try:
        return SocialGraph(
            arrays["indptr"],
            arrays["indices"],
            bool(arrays["directed"]),
            arrays.get("segment"),
            tuple(str(s) for s in arrays.get("segment_names", ())),
            arrays.get("weights"),
            str(arrays["name"]),
            arrays.get("labels"),
        )
    except (InvalidParameterError, KeyError) as exc:
        raise GraphFormatError(f"{path}: inconsistent graph arrays ({exc})") from None


def load_graph(path, *, directed: bool | None = None) -> SocialGraph:
    """Load a ``.npz`` graph or read an edge list (``directed`` defaults to False for those).

    For ``.npz`` files ``directed`` may be given to check the stored direction.
    """
    path = Path(path)
    if path.suffix == ".npz":
        g = load_npz(path)
        if directed is not None and bool(directed) != g.directed:
            raise GraphFormatError(
                f"{path}: holds a {'directed' if g.directed else 'undirected'} graph but directed={bool(directed)} was asked"
            )
        return g
    if not os.path.exists(path):
        raise GraphFormatError(f"{path}: no such file")
    return read_edgelist(path, directed=bool(directed))
