"""Random social graphs from numba kernels: validated parameters, memory checked up front.

Each generator takes the number of people ``n``, its model parameters and a keyword-only
``seed``; the graph is a pure function of (seed, parameters).  Random numbers come from
``viralsim.random.stream_key(seed, GRAPH)``.  ``GENERATORS`` describes every generator's
parameters (type, allowed range, default, meaning) so that scenario files and the CLI validate
against one table; :func:`generate` is the dispatching entry point.

Node ids carry meaning in the growth models (0 is the oldest account, usually a hub) and in
``configuration`` (nodes sorted by expected degree, 0 the largest).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._runtime import memory_available_bytes
from ..constraints import Interval, must_be
from ..errors import InvalidParameterError, ResourceLimitError
from ..kernels import generators as kern
from ..kernels.csr import csr_from_arcs, csr_from_directed_runs, csr_from_runs
from ..random import GRAPH, stream_key
from .core import SocialGraph

__all__ = [
    "GENERATORS",
    "GeneratorSpec",
    "ParamSpec",
    "generate",
    "estimate_graph_bytes",
    "check_generator_params",
    "available_memory_bytes",
    "erdos_renyi",
    "barabasi_albert",
    "holme_kim",
    "watts_strogatz",
    "configuration",
    "segmented",
    "follower",
]

MAX_NODES = 2**31 - 1  # node ids are int32
NODES = Interval(1, MAX_NODES, integer=True)
"""The number of nodes a graph may have (the scenario's audience.nodes takes its bound from here)."""
REQUIRED = object()


@dataclass(frozen=True)
class ParamSpec:
    """One generator parameter: its type, allowed range and meaning.

    ``kind`` is one of ``"int"``, ``"float"``, ``"bool"``, ``"floats"`` (a list of floats),
    ``"strs"`` (a list of names).  ``bounds`` applies to numbers and list items.
    ``upper_n`` adds the bound ``value <= n - 1`` (a degree or a link count cannot exceed it).
    """

    kind: str
    description: str
    bounds: Interval | None = None
    default: Any = REQUIRED
    upper_n: bool = False
    optional: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def bounds_for(self, n: int | None) -> Interval:
        """The interval on ``n`` nodes (None: with the symbolic bound ``n - 1``)."""
        b = self.bounds or Interval(integer=self.kind == "int")
        if self.upper_n and n is not None:
            high = n - 1 if b.high is None else min(b.high, n - 1)
            b = Interval(b.low, high, "both" if b.closed in ("both", "left") else "right", b.integer)
        return b

    def allowed(self) -> str:
        """Human-readable allowed values, e.g. 'a number in (2, 10]', 'an integer in [1, n - 1]'."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "strs":
            return "a list of names" + (" or omitted" if self.optional else "")
        b = self.bounds_for(None)
        noun = "a list of numbers with items" if self.kind == "floats" else None
        if self.upper_n and b.high is None:
            text = Interval(b.low, 1.0, "both" if not b.low_open else "right", b.integer).describe(noun)
            text = text[: text.rindex(",")] + ", n - 1]"
        else:
            text = b.describe(noun)
        return text + (" or omitted" if self.optional else "")


@dataclass(frozen=True)
class GeneratorSpec:
    """A generator: its function, parameters and a one-line description."""

    name: str
    function: Callable[..., SocialGraph]
    params: dict[str, ParamSpec]
    description: str
    directed: bool | None = False  # None: chosen by the ``directed`` parameter
    reference: str = ""
    aliases: tuple[str, ...] = field(default=())

    def defaults(self) -> dict[str, Any]:
        return {k: p.default for k, p in self.params.items() if not p.required}


# ---- validation --------------------------------------------------------------------------


def _bad(kind: str, name: str, detail: str) -> InvalidParameterError:
    """``NAME: DETAIL (GENERATOR)``, with the parameter named for callers that name it their way."""
    return InvalidParameterError(f"{name}: {detail} ({kind})", parameter=name, detail=detail)


def _check_number(kind: str, name: str, value: Any, spec: ParamSpec, n: int) -> Any:
    bounds = spec.bounds_for(n)
    if not bounds.accepts(value):
        extra = f" (n = {n})" if spec.upper_n else ""
        raise _bad(kind, name, must_be(spec.allowed() + extra, value))
    return int(value) if spec.kind == "int" else float(value)


def _check_value(kind: str, name: str, value: Any, spec: ParamSpec, n: int) -> Any:
    if value is None and spec.optional:
        return None
    if spec.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise _bad(kind, name, must_be("true or false", value))
        return bool(value)
    if spec.kind == "strs":
        if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
            raise _bad(kind, name, must_be("a list of non-empty names", value))
        return tuple(value)
    if spec.kind == "floats":
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise _bad(kind, name, must_be(spec.allowed(), value))
        items = list(value)
        if not items:
            raise _bad(kind, name, must_be("a non-empty list", value))
        if not all(spec.bounds_for(n).accepts(v) for v in items):
            raise _bad(kind, name, must_be(spec.allowed(), value))
        return tuple(float(v) for v in items)
    return _check_number(kind, name, value, spec, n)


def check_generator_params(kind: str, n: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Validate ``params`` for generator ``kind`` on ``n`` nodes; return them with defaults filled.

    Raises
    ------
    InvalidParameterError
        Unknown generator or parameter (the message lists the allowed ones), a missing
        required parameter, or a value of the wrong type or out of range (the message says
        the allowed range).
    """
    if kind not in GENERATORS:
        raise InvalidParameterError(f"unknown graph generator {kind!r}; allowed: {', '.join(GENERATORS)}")
    spec = GENERATORS[kind]
    if not NODES.accepts(n):
        raise _bad(kind, "nodes", must_be(NODES.describe(), n))
    n = int(n)
    unknown = sorted(set(params) - set(spec.params))
    if unknown:
        raise _bad(kind, unknown[0], f"unknown parameter; allowed: {', '.join(spec.params) or 'none'}")
    out: dict[str, Any] = {}
    for name, pspec in spec.params.items():
        if name not in params:
            if pspec.required:
                raise _bad(kind, name, f"required ({pspec.description}), {pspec.allowed()}")
            out[name] = pspec.default
            continue
        out[name] = _check_value(kind, name, params[name], pspec, n)
    _CROSS_CHECKS.get(kind, lambda n, p: None)(n, out)
    return out


def _cross_watts_strogatz(n: int, p: dict) -> None:
    if p["k"] % 2:
        raise _bad("watts_strogatz", "k", f"must be even (k/2 neighbours on each side), got {p['k']}")


def _cross_configuration(n: int, p: dict) -> None:
    if p["max_degree"] is not None and p["max_degree"] < p["mean_degree"]:
        raise _bad("configuration", "max_degree",
                   f"must be at least mean_degree ({p['mean_degree']:g}), got {p['max_degree']:g}")


def _segment_sizes(n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Largest-remainder rounding of ``shares * n`` so that the sizes sum to n."""
    raw = np.asarray(shares, dtype=np.float64) * n
    sizes = np.floor(raw).astype(np.int64)
    short = n - int(sizes.sum())
    if short > 0:
        order = np.argsort(-(raw - sizes), kind="stable")
        sizes[order[:short]] += 1
    return sizes


def _cross_segmented(n: int, p: dict) -> None:
    shares = p["shares"]
    if abs(sum(shares) - 1.0) > 1e-9:
        raise InvalidParameterError(f"segmented: 'shares' must sum to 1; got {sum(shares):.12g}")
    if p["names"] is not None:
        if len(p["names"]) != len(shares):
            raise InvalidParameterError(f"segmented: 'names' must give one name per share ({len(shares)}); got {len(p['names'])}")
        if len(set(p["names"])) != len(p["names"]):
            raise InvalidParameterError(f"segmented: 'names' must be distinct; got {list(p['names'])}")
    sizes = _segment_sizes(n, shares)
    if sizes.min() < 1:
        raise InvalidParameterError(f"segmented: every segment needs at least one node; shares {list(shares)} of n = {n} give sizes {sizes.tolist()}")
    if p["within_degree"] > sizes.min() - 1:
        raise InvalidParameterError(
            f"segmented: 'within_degree' must be at most the smallest segment size - 1 ({sizes.min() - 1}); got {p['within_degree']:g}"
        )
    if len(shares) == 1 and p["between_degree"] > 0:
        raise InvalidParameterError("segmented: 'between_degree' must be 0 with a single segment")
    if len(shares) > 1 and _between_prob(n, sizes, p["between_degree"]) > 1:
        limit = float((sizes * (n - sizes)).sum()) / n
        raise InvalidParameterError(f"segmented: 'between_degree' must be at most {limit:g} for these sizes; got {p['between_degree']:g}")


_CROSS_CHECKS = {
    "watts_strogatz": _cross_watts_strogatz,
    "configuration": _cross_configuration,
    "segmented": _cross_segmented,
}


# ---- memory -----------------------------------------------------------------------------


def available_memory_bytes() -> int:
    """RAM available to a new allocation (``MemAvailable``), minus 10% and 256 MB of headroom."""
    avail = memory_available_bytes()
    if avail is None:
        return 2**62
    return max(0, int(avail * 0.9) - 256 * 2**20)


def _expected_pairs(kind: str, n: int, p: dict) -> tuple[float, float]:
    """(pairs the kernel emits, arcs in the CSR) expected for ``kind``."""
    if kind == "erdos_renyi":
        pairs = p["mean_degree"] * n / (1 if p["directed"] else 2)
        return pairs, pairs * (1 if p["directed"] else 2)
    if kind in ("barabasi_albert", "holme_kim"):
        pairs = float(p["m"]) * max(n - p["m"], 0)
        return pairs, 2 * pairs
    if kind == "watts_strogatz":
        pairs = float(n) * (p["k"] // 2)
        return pairs, 2 * pairs
    if kind == "configuration":
        pairs = p["mean_degree"] * n / 2
        return pairs, 2 * pairs
    if kind == "segmented":
        pairs = (p["within_degree"] + p["between_degree"]) * n / 2
        return pairs, 2 * pairs
    if kind == "follower":
        pairs = float(p["m"]) * n * (1 + p["reciprocity"])
        return pairs, pairs
    raise InvalidParameterError(f"unknown graph generator {kind!r}")


def estimate_graph_bytes(kind: str, n: int, **params) -> int:
    """Peak memory (bytes) that generating this graph is expected to need.

    Most generators emit an interleaved int32 edge array (8 bytes per pair) and build CSR from
    it by a counting pass (an int32 array of the arcs, counted twice here to leave room for the
    copy made when duplicates are dropped, plus four int64 arrays of n + 1).
    ``holme_kim`` keeps an adjacency arena (a 64-byte home line per node for m <= 6, and as
    much again for the lists that outgrow it) beside its attachment pool, then copies the
    arena into the int32 CSR; ``watts_strogatz`` keeps a bit per lattice edge, a degree change per
    node and its rewired edges, with a hash set of them (at most 32 bytes per rewiring) and
    then the CSR; ``follower`` holds its pool of n + 2 m n int32 entries.  Expected
    sizes plus 8 standard deviations of room for the random ones; the finished graph alone
    needs 4 bytes per arc and 8 per node.
    """
    p = check_generator_params(kind, n, params)
    n = int(n)
    pairs, arcs = _expected_pairs(kind, n, p)
    pairs += 8 * math.sqrt(pairs) + 64
    arcs += 16 * math.sqrt(arcs) + 128
    ends = 8.0 * pairs
    csr_build = 8.0 * arcs + 32.0 * (n + 1)
    if kind == "holme_kim" and p["triangle_prob"] > 0:
        slots = 16 * ((2 * p["m"] + 4 + 15) // 16)  # see viralsim.kernels.generators._line_slots
        arena = 4.0 * n * (2 * slots - 4)  # home lines, and as much again for overflow lists
        need = arena + max(ends, 4.0 * arcs + 8.0 * n)  # the pool is freed before the CSR is built
    elif kind == "watts_strogatz":
        lattice = n * (p["k"] // 2)
        rewires = p["rewire_prob"] * lattice
        rewires = min(rewires + 8 * math.sqrt(rewires) + 64, lattice)
        kept = lattice / 8.0 + 4.0 * n + 8.0 * rewires  # rewired bits, degree changes, rewired edges
        need = kept + max(32.0 * rewires, 4.0 * arcs + 16.0 * n)  # hash set, then the CSR
    elif kind == "follower":
        need = ends + max(4.0 * (n + 2 * p["m"] * n), csr_build)
    else:
        need = ends + csr_build
    return int(need + 2**20)


def _check_memory(kind: str, n: int, p: dict, max_bytes: int | None) -> None:
    need = estimate_graph_bytes(kind, n, **p)
    limit = available_memory_bytes() if max_bytes is None else int(max_bytes)
    if need > limit:
        raise ResourceLimitError(
            f"{kind} with n = {n:,} needs about {need / 2**30:.2f} GiB but only {limit / 2**30:.2f} GiB is allowed"
            f"{' (available RAM minus headroom)' if max_bytes is None else ''}; use fewer nodes or a lower degree"
        )


# ---- generators ---------------------------------------------------------------------------


def _prepare(kind: str, n: int, params: dict, seed, max_bytes) -> tuple[dict, np.uint64]:
    p = check_generator_params(kind, n, params)
    _check_memory(kind, int(n), p, max_bytes)
    return p, stream_key(seed, GRAPH)


def _with_room(kernel, *args):
    """Run a kernel, doubling its room until its output fits (see viralsim.kernels.generators).

    Returns the kernel's result without the trailing ``complete`` flag (a bare array when the
    kernel returns one array and the flag).
    """
    room = 1.0
    while True:
        *out, complete = kernel(*args, room)
        if complete:
            return out[0] if len(out) == 1 else tuple(out)
        room *= 2.0


def _from_ends(n: int, ends: np.ndarray, *, directed: bool, name: str, segment=None, segment_names=()) -> SocialGraph:
    indptr, indices, _, _ = csr_from_arcs(n, ends[0::2], ends[1::2], not directed)
    del ends
    return SocialGraph(indptr, indices, directed, segment, tuple(segment_names), None, name, check=False)


def _from_runs(n: int, ends: np.ndarray, *, name: str, own_lower: bool = True, own_sorted: bool = True) -> SocialGraph:
    """An undirected graph from edges listed node by node (see ``csr_from_runs``)."""
    indptr, indices = csr_from_runs(n, ends, own_lower, own_sorted)
    return SocialGraph(indptr, indices, False, name=name, check=False)


def _name(kind: str, n: int, p: dict) -> str:
    args = ", ".join(f"{k}={v!r}" if not isinstance(v, float) else f"{k}={v:g}" for k, v in p.items() if v is not None)
    return f"{kind}(n={n}{', ' if args else ''}{args})"


def erdos_renyi(n: int, mean_degree: float, *, directed: bool = False, seed=None, max_bytes=None) -> SocialGraph:
    """Erdős–Rényi G(n, p) with p = mean_degree / (n - 1).

    Parameters
    ----------
    n : int
        Number of people.
    mean_degree : float
        Expected degree (expected out-degree when ``directed``), in [0, n - 1].
    directed : bool
        Independent arcs u -> v instead of edges.
    seed : int, SeedSequence or None
        Graph seed (purpose ``viralsim.random.GRAPH``).

    Notes
    -----
    O(n + m): geometric skipping over the pair index space (Batagelj & Brandes 2005).
    """
    p, key = _prepare("erdos_renyi", n, {"mean_degree": mean_degree, "directed": directed}, seed, max_bytes)
    prob = 0.0 if n < 2 else p["mean_degree"] / (n - 1)
    ends = _with_room(kern.block_pairs_ends, key, np.array([n], dtype=np.int64), np.full((1, 1), prob), p["directed"])
    name = _name("erdos_renyi", n, p)
    if p["directed"]:
        return _from_ends(n, ends, directed=True, name=name)
    return _from_runs(n, ends, name=name)  # pairs (a, b), b < a, in row order


def barabasi_albert(n: int, m: int, *, seed=None, max_bytes=None) -> SocialGraph:
    """Barabási–Albert preferential attachment: each new node links to m distinct earlier nodes.

    Starts, like ``networkx.barabasi_albert_graph``, from a star on nodes 0..m, and picks
    targets with probability proportional to degree; m (n - m) edges, degree tail ~ k^-3.

    Notes
    -----
    O(n m): targets are uniform entries of the array of edge endpoints (Batagelj & Brandes 2005).
    """
    p, key = _prepare("barabasi_albert", n, {"m": m}, seed, max_bytes)
    pool, offset, _ = _with_room(kern.preferential_attachment_ends, key, n, p["m"], 0.0, True)
    return _from_runs(n, pool[offset:], name=_name("barabasi_albert", n, p), own_sorted=False)  # links to earlier nodes


def holme_kim(n: int, m: int, triangle_prob: float, *, seed=None, max_bytes=None) -> SocialGraph:
    """Holme–Kim scale-free graph with tunable clustering (Holme & Kim 2002).

    As ``networkx.powerlaw_cluster_graph``: start from m isolated nodes; each new node makes a
    preferential-attachment link, then m - 1 more, each a triad-formation link (to a random
    neighbour of the last PA target not yet linked, closing a triangle) with probability
    ``triangle_prob`` when one exists, else another PA link.  One difference: networkx draws the
    m PA candidates up front and may waste one on a node already reached by a triad step
    (leaving a node with fewer than m links); here a candidate already linked is replaced by a
    fresh PA draw, so every node gets exactly m links and the graph has m (n - m) edges.

    Notes
    -----
    O(n m) expected: the triad step samples from a growing adjacency arena in O(1) per try.
    """
    p, key = _prepare("holme_kim", n, {"m": m, "triangle_prob": triangle_prob}, seed, max_bytes)
    pool, offset, arena = _with_room(kern.preferential_attachment_ends, key, n, p["m"], p["triangle_prob"], False)
    name = _name("holme_kim", n, p)
    if p["triangle_prob"] == 0.0:
        return _from_runs(n, pool[offset:], name=name, own_sorted=False)
    del pool
    indptr, indices = kern.growth_csr(n, p["m"], False, arena)
    del arena
    return SocialGraph(indptr, indices, False, name=name, check=False)


def watts_strogatz(n: int, k: int, rewire_prob: float, *, seed=None, max_bytes=None) -> SocialGraph:
    """Watts–Strogatz small world: a ring lattice of degree k, each edge rewired with ``rewire_prob``.

    The networkx ``watts_strogatz_graph`` procedure (rewired ends avoid loops and duplicate
    edges, so the graph keeps n k / 2 edges); k must be even.
    """
    p, key = _prepare("watts_strogatz", n, {"k": k, "rewire_prob": rewire_prob}, seed, max_bytes)
    indptr, indices = _with_room(kern.watts_strogatz_csr, key, n, p["k"], p["rewire_prob"])
    return SocialGraph(indptr, indices, False, name=_name("watts_strogatz", n, p), check=False)


def power_law_weights(n: int, exponent: float, mean_degree: float, max_degree: float | None) -> np.ndarray:
    """Expected degrees for ``configuration``: Pareto quantiles, capped and scaled to the mean.

    ``w_i = min(c ((i + 1/2) / n)^(-1 / (exponent - 1)), max_degree)``, decreasing in i, with c
    solved exactly (in O(n)) so that ``mean(w) == mean_degree``.  ``max_degree=None`` uses the
    structural cutoff ``sqrt(mean_degree * n)`` (capped at n - 1), under which every pair
    probability ``w_u w_v / sum(w)`` is at most 1.
    """
    if max_degree is None:
        max_degree = min(math.sqrt(mean_degree * n), n - 1.0)
        max_degree = max(max_degree, mean_degree)
    x = np.arange(n, dtype=np.float64)  # x_i = ((i + 1/2) / n)^(-1 / (exponent - 1)), in place
    x += 0.5
    x /= n
    np.log(x, out=x)
    x *= -1.0 / (exponent - 1.0)
    np.exp(x, out=x)
    # With the first k nodes capped, c = (n * mean - k * cap) / sum(x[k:]); the right k is the
    # smallest with c * x[k] <= cap (x decreases): a prefix of the nodes, searched in growing
    # prefixes so that the usual few capped nodes cost O(n) in all.
    tail = np.cumsum(x[::-1])[::-1]
    top = 1024
    while True:
        k = np.arange(min(top, n))
        c = (n * mean_degree - k * max_degree) / tail[: k.size]
        ok = np.flatnonzero(c * x[: k.size] <= max_degree)
        if ok.size or k.size == n:
            break
        top *= 8
    if ok.size == 0:  # every node at the cap: mean_degree == max_degree
        return np.full(n, float(max_degree))
    x *= c[ok[0]]
    return np.minimum(x, max_degree, out=x)


def configuration(n: int, exponent: float, mean_degree: float, max_degree: float | None = None, *, seed=None, max_bytes=None) -> SocialGraph:
    """Power-law graph by the Chung–Lu model (not the erased configuration model).

    Node u gets expected degree w_u (see :func:`power_law_weights`: a Pareto tail P(W > w) ~
    w^(1 - exponent) with the given mean, capped at ``max_degree``); each pair {u, v} is an
    edge independently with probability min(1, w_u w_v / sum(w)).  Without self-loops the
    expected degree of u is w_u (1 - w_u / sum(w)), so slightly below w_u for the hubs.  Unlike
    the erased configuration model no edges are erased, so the degree sequence is unbiased
    whatever the exponent.  Nodes are numbered by decreasing expected degree.

    Notes
    -----
    O(n + m) by Miller & Hagberg's (2011) skipping, the algorithm of
    ``networkx.expected_degree_graph``.
    """
    params = {"exponent": exponent, "mean_degree": mean_degree, "max_degree": max_degree}
    p, key = _prepare("configuration", n, params, seed, max_bytes)
    w = power_law_weights(n, p["exponent"], p["mean_degree"], p["max_degree"])
    ends = _with_room(kern.chung_lu_ends, key, w)
    return _from_runs(n, ends, name=_name("configuration", n, p), own_lower=False)  # pairs (u, v), v > u, in row order


def _between_prob(n: int, sizes: np.ndarray, between_degree: float) -> float:
    pairs_out = float((sizes * (n - sizes)).sum())  # sum over nodes of nodes outside its segment
    return 0.0 if pairs_out == 0 else between_degree * n / pairs_out


def segmented(
    n: int,
    shares,
    within_degree: float,
    between_degree: float,
    names=None,
    *,
    seed=None,
    max_bytes=None,
) -> SocialGraph:
    """Audience segments as a stochastic block model: homophily as within- vs between-degree.

    Segment s gets ``round(shares[s] * n)`` consecutive nodes (largest remainders, so the sizes
    sum to n).  Two people of segment s are linked with probability
    ``within_degree / (n_s - 1)``, so the expected degree within one's own segment is
    ``within_degree``.  People of different segments are linked with one probability q chosen so
    that the expected number of links to other segments, averaged over all people, is
    ``between_degree``; it is exactly ``between_degree`` for everyone when the shares are equal
    (with unequal segments the counts n_r n_s q between two segments cannot match every
    segment's average, since each edge has one end in each).

    Labels: ``segment`` holds each node's segment, ``segment_names`` the names (default
    ``segment_0``, ``segment_1``, ...).
    """
    params = {"shares": shares, "within_degree": within_degree, "between_degree": between_degree, "names": names}
    p, key = _prepare("segmented", n, params, seed, max_bytes)
    sizes = _segment_sizes(n, p["shares"])
    k = sizes.size
    probs = np.full((k, k), _between_prob(n, sizes, p["between_degree"]) if k > 1 else 0.0)
    for s in range(k):
        probs[s, s] = p["within_degree"] / (sizes[s] - 1) if sizes[s] > 1 else 0.0
    ends = _with_room(kern.block_pairs_ends, key, sizes, probs, False)
    seg = np.repeat(np.arange(k, dtype=np.int32), sizes)
    seg_names = p["names"] or tuple(f"segment_{s}" for s in range(k))
    return _from_ends(n, ends, directed=False, name=_name("segmented", n, p), segment=seg, segment_names=seg_names)


def follower(n: int, m: int, reciprocity: float, *, seed=None, max_bytes=None) -> SocialGraph:
    """Directed follower graph (Twitter/Instagram-like): heavy-tailed follower counts.

    Accounts join in order 0..n-1; each follows m distinct earlier accounts (all of them while
    fewer than m exist), choosing account u with probability proportional to its followers + 1
    (Price's model with unit attractiveness: without follow-backs the follower counts have a
    power-law tail of exponent 2 + 1/m).  Each follow is returned with probability
    ``reciprocity``, which makes the fraction of reciprocated arcs 2 r / (1 + r).  Arc u -> v
    means v follows u (v sees what u shares); follow-backs count as followers for attachment.
    """
    p, key = _prepare("follower", n, {"m": m, "reciprocity": reciprocity}, seed, max_bytes)
    ends = _with_room(kern.follower_ends, key, n, p["m"], p["reciprocity"])
    indptr, indices = csr_from_directed_runs(n, ends)  # account by account, with its follow-backs
    del ends
    return SocialGraph(indptr, indices, True, name=_name("follower", n, p), check=False)


def generate(kind: str, n: int, *, seed=None, max_bytes: int | None = None, **params) -> SocialGraph:
    """Generate a graph of kind ``kind`` (a key of :data:`GENERATORS`) on ``n`` nodes.

    Parameters are validated by :func:`check_generator_params`; the memory estimate
    (:func:`estimate_graph_bytes`) is checked against ``max_bytes`` (default: available RAM
    minus headroom) before anything is allocated.

    Raises
    ------
    InvalidParameterError
        Unknown kind or parameter, or a value out of its allowed range.
    ResourceLimitError
        The graph would need more memory than allowed (the message gives the estimate).
    """
    check_generator_params(kind, n, params)
    return GENERATORS[kind].function(n, seed=seed, max_bytes=max_bytes, **params)


_P = ParamSpec
_UNIT = Interval(0, 1)
_AT_LEAST_1 = Interval(1, None, integer=True)
GENERATORS: dict[str, GeneratorSpec] = {
    "erdos_renyi": GeneratorSpec(
        "erdos_renyi", erdos_renyi,
        {"mean_degree": _P("float", "expected degree (out-degree if directed)", Interval(0, None), upper_n=True),
         "directed": _P("bool", "independent arcs instead of edges", default=False)},
        "random graph G(n, p): every pair linked independently", directed=None,
        reference="Erdős & Rényi 1959; Batagelj & Brandes 2005"),
    "barabasi_albert": GeneratorSpec(
        "barabasi_albert", barabasi_albert,
        {"m": _P("int", "links each new person makes", _AT_LEAST_1, upper_n=True)},
        "scale-free growth by preferential attachment (degree tail ~ k^-3)",
        reference="Barabási & Albert 1999"),
    "holme_kim": GeneratorSpec(
        "holme_kim", holme_kim,
        {"m": _P("int", "links each new person makes", _AT_LEAST_1, upper_n=True),
         "triangle_prob": _P("float", "probability that a further link closes a triangle", _UNIT)},
        "scale-free growth with tunable clustering (triad formation)",
        reference="Holme & Kim 2002"),
    "watts_strogatz": GeneratorSpec(
        "watts_strogatz", watts_strogatz,
        {"k": _P("int", "lattice degree (even): k/2 neighbours on each side", Interval(2, None, integer=True),
                 upper_n=True),
         "rewire_prob": _P("float", "probability of rewiring each lattice edge", _UNIT)},
        "small world: ring lattice with randomly rewired edges",
        reference="Watts & Strogatz 1998"),
    "configuration": GeneratorSpec(
        "configuration", configuration,
        {"exponent": _P("float", "power-law exponent of the degree distribution", Interval(2, 10, "right")),
         "mean_degree": _P("float", "mean degree", Interval(0, None, "neither"), upper_n=True),
         "max_degree": _P("float", "cap on expected degree (default sqrt(mean_degree * n))", Interval(1, None),
                          upper_n=True, default=None, optional=True)},
        "power-law degrees by the Chung-Lu expected-degree model",
        reference="Chung & Lu 2002; Miller & Hagberg 2011"),
    "segmented": GeneratorSpec(
        "segmented", segmented,
        {"shares": _P("floats", "fraction of people in each segment (sum 1)", Interval(0, 1, "right")),
         "within_degree": _P("float", "expected links within one's own segment", Interval(0, None)),
         "between_degree": _P("float", "expected links to other segments (population mean)", Interval(0, None)),
         "names": _P("strs", "segment names (default segment_0, ...)", default=None, optional=True)},
        "audience segments with homophily (stochastic block model)",
        reference="Holland, Laskey & Leinhardt 1983"),
    "follower": GeneratorSpec(
        "follower", follower,
        {"m": _P("int", "accounts each new account follows", _AT_LEAST_1, upper_n=True),
         "reciprocity": _P("float", "probability that a follow is returned", _UNIT)},
        "directed follower graph: preferential attachment on followers, with follow-backs",
        directed=True, reference="Price 1976; Dorogovtsev, Mendes & Samukhin 2000"),
}
