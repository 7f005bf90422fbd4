"""Influence maximisation and seed ranking: IMM, budgeted IMM, CELF, PageRank, k-cores, degree discount.

The objective is the share cascade with fatigue 1 and no decay (:doc:`docs/model.md`): a post by
u is viewed by each follower v with probability ``view_prob`` (the platform's feed reach) and a
view makes a non-seed v share with probability ``share_given_view[v]``.  Each arc's coins are
independent, so this is an independent cascade in which arc ``u -> v`` is *live* with
probability ``q_v = view_prob * share_given_view[v]``.

Two objectives:

``"posters"``
    expected seeds + sharers, the classic IC spread sigma(S).
``"reach"``
    expected users with at least one view.  Seeds are not reached by their own post.

Why reverse-reachable (RR) sets are exact for both.  Fix a *world*: every arc's view coin and
share coin.  The posters of S are the nodes reachable from S along live arcs; v is reached iff
some in-arc u -> v is viewed and u is a poster.  Let RR_posters(v) be the nodes with a live path
to v and RR_reach(v) the union of RR_posters(u) over the viewed in-arcs u -> v.  Then in every
world v is a poster iff RR_posters(v) meets S, and v is reached iff RR_reach(v) meets S.  Summing
over v, each objective is a *coverage* function of S in every world (monotone, submodular), and
for a uniform random root v and a random world,
``E[objective(S)] = n * Pr[RR(v) meets S]``.  Greedy maximum coverage on sampled RR sets is
therefore the algorithm of Borgs et al. (2014) and Tang, Shi & Xiao (2015) for either objective.

All randomness is counter-based (:mod:`viralsim.kernels.rng`): RR set i is a pure function of
(key, i), CELF world w's coin on arc a of (key, w, a).  Results do not depend on thread count.

Trivial RR sets (posters: ``{v}`` when the root v has no live in-arc, probability
``(1 - q_v)^indeg(v)``; reach: the empty set when v has no viewed in-arc) are counted, not
stored: ``singles[v]`` per node for posters, nothing but the set count for reach.  The root's
first draw decides triviality with exactly the event a full expansion would test, so the sets
are those of the plain sampler (see :mod:`viralsim.kernels.influence`).  Greedy coverage, IMM's
lower bound, covered fractions and :func:`rr_estimate` count them; memory scales with the
non-trivial sets only.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np

from .._runtime import numba_threads, zeroed
from ..constraints import Interval, Options
from ..errors import InvalidParameterError, ResourceLimitError
from ..graph.core import SocialGraph
from ..graph.generators import available_memory_bytes
from ..kernels import influence as K
from ..kernels.rng import hash2

__all__ = ["INFLUENCE_PARAMETERS", "InfluenceResult", "imm", "budgeted_imm", "celf", "rr_estimate", "pagerank", "core_numbers",
           "degree_discount", "pagerank_seeds", "kcore_seeds", "OBJECTIVES"]

OBJECTIVES = ("posters", "reach")

# sub-keys of the user's key: phase-1 RR sets, final RR sets, estimates, CELF worlds are independent
_P_PHASE1 = 1
_P_FINAL = 2
_P_ESTIMATE = 3
_P_CELF = 4

_JOB = 4096  # RR sets per job (the unit of parallel work; fixed, so storage order is thread-independent)
_MAX_JOBS = 1024  # jobs per round
_ROUND_BYTES = 64 * 2**20  # member buffers of one round of jobs
_MEMORY_FRACTION = 0.6  # RR sets may use this share of the available RAM
_MAX_SETS = 2**31 - 2  # set ids are int32 in the inverted index
_CELF_LIMIT = 200_000_000  # n x simulations (bytes of per-world state per objective flag)
_ONE_MINUS_INV_E = 1.0 - 1.0 / math.e

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InfluenceResult:
    """Seeds chosen by an influence-maximisation algorithm.

    Attributes
    ----------
    seeds : int64 array
        Node indices in selection order.
    estimated : float
        Estimated expected objective of ``seeds``: n x the covered fraction of the final RR sets
        (IMM), or the mean over the sampled worlds (CELF).  Optimistic for the chosen seeds (they
        were chosen on these samples); use :func:`rr_estimate` or the engine for an unbiased one.
    objective : str
        ``"reach"`` or ``"posters"``.
    method : str
        ``"imm"``, ``"budgeted_imm"`` or ``"celf"``.
    samples : int
        RR sets used in the final selection (worlds for CELF).
    epsilon, ell : float or None
        IMM's accuracy and confidence parameters (None for CELF).
    guarantee : str
        One sentence stating what is guaranteed.
    cost : float or None
        Total cost of the seeds (budgeted selections).
    """

    seeds: np.ndarray
    estimated: float
    objective: str
    method: str
    samples: int
    epsilon: float | None
    ell: float | None
    guarantee: str
    cost: float | None = None

    def to_dict(self) -> dict:
        """Plain Python types (JSON/YAML-ready)."""
        return {
            "seeds": [int(v) for v in self.seeds],
            "estimated": float(self.estimated),
            "objective": self.objective,
            "method": self.method,
            "samples": int(self.samples),
            "epsilon": None if self.epsilon is None else float(self.epsilon),
            "ell": None if self.ell is None else float(self.ell),
            "guarantee": self.guarantee,
            "cost": None if self.cost is None else float(self.cost),
        }


# ---- validation ------------------------------------------------------------------------------------


def _check_graph(graph) -> SocialGraph:
    if not isinstance(graph, SocialGraph):
        raise InvalidParameterError(f"graph must be a SocialGraph; got {type(graph).__name__}")
    if graph.n_nodes < 2:
        raise InvalidParameterError(f"graph must have at least 2 nodes; got {graph.n_nodes}")
    return graph


def _is_real(x) -> bool:
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, float, np.integer, np.floating))


_PROBABILITY = Interval(0.0, 1.0)

INFLUENCE_PARAMETERS: dict[str, Interval] = {
    "epsilon": Interval(0.0, 1.0, closed="neither"),  # smaller is more accurate and slower
    "ell": Interval(0.0, 10.0, closed="right"),  # failure probability 1/n^ell
    "simulations": Interval(10, 1_000_000, integer=True),  # celf's sampled worlds
    "damping": Interval(0.0, 1.0, closed="left"),
    "tol": Interval(0.0, math.inf, closed="neither"),
}
"""Each option's constraint; ``campaign.seeding`` keys of a scenario take theirs from here."""


def _check_prob(name: str, value) -> float:
    return _PROBABILITY.check(name, value, "a probability")


def _check_int(name: str, value, low: int, high: int | None = None) -> int:
    return Interval(low, high, integer=True).check(name, value)


def _check_objective(objective) -> int:
    Options(OBJECTIVES).check("objective", objective)
    return K.OBJ_POSTERS if objective == "posters" else K.OBJ_REACH


def _check_key(key) -> np.uint64:
    if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)) or not 0 <= int(key) < 2**64:
        raise InvalidParameterError(f"key: must be an integer in [0, 2**64) (a uint64 stream key), got {key!r}")
    return np.uint64(int(key))


def _share_array(graph: SocialGraph, share_given_view) -> np.ndarray:
    n = graph.n_nodes
    if _is_real(share_given_view):
        s = _check_prob("share_given_view", share_given_view)
        return np.full(n, s)
    try:
        arr = np.asarray(share_given_view, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"share_given_view must be a probability or an array of {n} probabilities; got {share_given_view!r}"[:200]
        ) from None
    if arr.shape != (n,):
        raise InvalidParameterError(f"share_given_view must be a scalar or have one value per node ({n}); "
                                    f"got shape {arr.shape}")
    bad = ~((arr >= 0.0) & (arr <= 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(f"share_given_view must lie in [0, 1]; node {i} has {arr[i]!r}")
    return np.ascontiguousarray(arr)


def _candidates(graph: SocialGraph, eligible) -> np.ndarray:
    """Sorted int64 node indices that may be chosen (all nodes when ``eligible`` is None)."""
    n = graph.n_nodes
    if eligible is None:
        return np.arange(n, dtype=np.int64)
    arr = np.asarray(eligible)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise InvalidParameterError(f"eligible must be a 1-d array of integer node indices; got {eligible!r}"[:200])
    if arr.size == 0:
        raise InvalidParameterError("eligible is empty: no node may be chosen")
    arr = arr.astype(np.int64)
    out = arr[(arr < 0) | (arr >= n)]
    if out.size:
        raise InvalidParameterError(f"eligible contains node index {int(out[0])}, outside the graph's range "
                                    f"[0, {n - 1}] (eligible lists node indices, not edge-list labels)")
    uniq, counts = np.unique(arr, return_counts=True)
    if np.any(counts > 1):
        raise InvalidParameterError(f"eligible lists node {int(uniq[counts > 1][0])} more than once")
    return uniq


def _check_k(k, candidates: np.ndarray, n: int) -> int:
    k = _check_int("k", k, 1)
    if k > candidates.size:
        what = "eligible nodes" if candidates.size < n else "nodes in the graph"
        raise InvalidParameterError(f"k = {k:,} is larger than the number of {what} ({candidates.size:,})")
    return k


# ---- RR-set sampling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Diffusion:
    """Kernel arrays of one (graph, view_prob, share_given_view, objective).

    ``thresh[v]`` is the probability that an RR set rooted at v is non-trivial: that v has a
    live in-arc (posters: ``1 - (1 - q_v)^indeg(v)``) or a viewed one (reach:
    ``1 - (1 - view_prob)^indeg(v)``).  ``nontrivial`` is its mean, the expected fraction of
    RR sets that are stored.  ``live[v] = 1 - (1 - q_v)^indeg(v)`` (the posters ``thresh``) lets the
    search skip explored nodes without a live in-arc.
    """

    n: int
    in_indptr: np.ndarray
    in_indices: np.ndarray
    q: np.ndarray
    log1m_q: np.ndarray
    view_prob: float
    log1m_view: float
    objective: int
    thresh: np.ndarray
    nontrivial: float
    live: np.ndarray


def _diffusion(graph: SocialGraph, view_prob, share_given_view, objective) -> _Diffusion:
    f = _check_prob("view_prob", view_prob)
    s = _share_array(graph, share_given_view)
    obj = _check_objective(objective)
    q = np.ascontiguousarray(f * s)
    in_indptr = np.ascontiguousarray(graph.in_indptr, dtype=np.int64)
    deg = np.diff(in_indptr)
    with np.errstate(divide="ignore", invalid="ignore"):
        log1m_q = np.log1p(-q)
        log1m_view = float(np.log1p(-f))
        live = np.where(deg > 0, -np.expm1(deg * log1m_q), 0.0)  # deg 0 with q = 1: 0 x -inf
        thresh = live if obj == K.OBJ_POSTERS else np.where(deg > 0, -np.expm1(deg * log1m_view), 0.0)
    live = np.ascontiguousarray(live, dtype=np.float64)
    thresh = np.ascontiguousarray(thresh, dtype=np.float64)
    return _Diffusion(graph.n_nodes, in_indptr, np.ascontiguousarray(graph.in_indices, dtype=np.int32), q, log1m_q,
                      f, log1m_view, obj, thresh, float(thresh.mean()), live)


class _RRSets:
    """RR sets 0 .. count - 1 of one key: the non-trivial ones in a growing CSR (``set_ptr``,
    ``members``; ``stored`` sets), the trivial ones counted.

    A trivial posters set ``{v}`` adds 1 to ``singles[v]``; a trivial reach set is empty and only
    counts toward ``count`` (no seed set covers it).  Sets are sampled in jobs of ``_JOB``
    consecutive indices.  A job whose member buffer fills stops; its remaining indices run in a
    later round with a larger buffer.  The stored order depends only on the data, and nothing
    downstream depends on the order anyway; ``singles`` are integer sums of per-worker rows.
    """

    def __init__(self, d: _Diffusion, key: np.uint64):
        self.d = d
        self.key = np.uint64(key)
        self.count = 0
        self.stored = 0
        self.set_ptr = np.zeros(1, dtype=np.int64)
        self.members = np.empty(0, dtype=np.int32)
        self._singles = np.zeros((0, d.n), dtype=np.int64)  # one row per worker, summed on demand
        self._visited = None

    @property
    def n_members(self) -> int:
        return int(self.set_ptr[self.stored])

    @property
    def singles(self) -> np.ndarray:
        """int64 per node: the trivial posters sets ``{v}`` (all zero for reach)."""
        return self._singles.sum(axis=0) if self._singles.shape[0] else np.zeros(self.d.n, dtype=np.int64)

    def mean_size(self, default: float = 1.0) -> float:
        """Mean RR-set size, trivial sets included (a posters singleton has size 1, an empty reach set 0)."""
        if not self.count:
            return default
        trivial = self.count - self.stored if self.d.objective == K.OBJ_POSTERS else 0
        return (self.n_members + trivial) / self.count

    def stored_per_set(self, default: float) -> float:
        """Members stored per sampled set (trivial sets store none)."""
        return self.n_members / self.count if self.count else default

    def extend_to(self, target: int, n_workers: int, progress: Callable[[int], None] | None = None) -> None:
        d = self.d
        if target <= self.count:
            return
        pending = deque((f, min(_JOB, target - f)) for f in range(self.count, target, _JOB))
        self._grow_ptr(self.stored + int(d.nontrivial * (target - self.count) * 1.01) + 4096)
        min_cap = 0
        while pending:
            cap = max(min_cap, int(_JOB * self.stored_per_set(4.0 * d.nontrivial) * 1.25) + 1024)
            n_jobs = max(1, min(len(pending), _MAX_JOBS, _ROUND_BYTES // (4 * cap)))
            jobs = [pending.popleft() for _ in range(n_jobs)]
            first = np.array([j[0] for j in jobs], dtype=np.int64)
            count = np.array([j[1] for j in jobs], dtype=np.int64)
            members = np.empty(n_jobs * cap, dtype=np.int32)
            sizes = np.empty(n_jobs * _JOB, dtype=np.int32)
            done = np.zeros(n_jobs, dtype=np.int64)
            stored = np.zeros(n_jobs, dtype=np.int64)
            used = np.zeros(n_jobs, dtype=np.int64)
            workers = min(n_workers, n_jobs)
            if self._visited is None or self._visited.shape[0] < workers:
                self._visited = zeroed((workers, d.n))  # stamps: set index + 1, never reset
            if self._singles.shape[0] < workers:
                grown = zeroed((workers, d.n))
                grown[: self._singles.shape[0]] = self._singles
                self._singles = grown
            K.rr_sample_jobs(self.key, first, count, _JOB, cap, d.in_indptr, d.in_indices, d.log1m_q, d.live,
                             d.log1m_view, d.thresh, d.objective, self._visited[:workers], self._singles[:workers], members, sizes,
                             done, stored, used)
            short = done < count
            if short.any():
                pending.extendleft(reversed([(int(f + k), int(c - k)) for f, c, k in
                                             zip(first[short], count[short], done[short])]))
                min_cap = max(2 * cap, d.n + 1) if np.any(done[short] == 0) else 2 * cap
            new_sets = int(stored.sum())
            if self.stored + new_sets > _MAX_SETS:
                raise ResourceLimitError(f"more than {_MAX_SETS:,} non-trivial RR sets (set ids are int32); "
                                         "use a larger epsilon or a smaller k")
            self._grow_ptr(self.stored + new_sets)
            need = self.n_members + int(used.sum())
            if need > self.members.size:
                grown = np.empty(max(need, int(self.members.size * 1.5) + 1024), dtype=np.int32)
                grown[: self.n_members] = self.members[: self.n_members]
                self.members = grown
            s_pos, _ = K.rr_gather(members, sizes, stored, used, _JOB, cap, self.set_ptr, self.members,
                                   self.stored, self.n_members)
            self.stored = int(s_pos)
            added = int(done.sum())
            self.count += added
            if progress is not None and added:
                progress(added)

    def _grow_ptr(self, sets: int) -> None:
        if sets + 1 > self.set_ptr.size:
            grown = np.empty(max(sets + 1, int(self.set_ptr.size * 1.5)), dtype=np.int64)
            grown[: self.stored + 1] = self.set_ptr[: self.stored + 1]
            self.set_ptr = grown


def _rr_bytes(theta: float, nontrivial: float, stored_per_set: float, n: int) -> float:
    """Peak bytes of theta RR sets with the greedy's inverted index.  Only non-trivial sets
    (fraction ``nontrivial``) are stored: an offset (8) and a covered flag (1) per stored set,
    4 + 4 bytes per stored member (members and set ids); per node, gains, index offsets and
    singleton counts (24) plus per-thread visited stamps and singleton rows (16 per thread);
    plus one round of job buffers."""
    threads = numba.get_num_threads()
    return (theta * (9.0 * nontrivial + 8.0 * stored_per_set) + (24.0 + 16.0 * threads) * n + _ROUND_BYTES
            + _MAX_JOBS * _JOB * 4.0)


def _check_samples(theta: int, d: _Diffusion, stored_per_set: float, max_samples: int | None, fix: str) -> None:
    need = _rr_bytes(theta, d.nontrivial, stored_per_set, d.n)
    what = (f"about {need / 2**30:.2f} GiB: {d.nontrivial:.1%} of the sets are non-trivial and stored, "
            f"{stored_per_set:.2f} stored nodes per set")
    if max_samples is not None and theta > max_samples:
        raise ResourceLimitError(
            f"IMM needs theta = {theta:,} RR sets ({what}) but max_samples is {max_samples:,}; {fix}, or raise "
            "max_samples")
    limit = _MEMORY_FRACTION * available_memory_bytes()
    if need > limit or theta * d.nontrivial > _MAX_SETS:
        raise ResourceLimitError(
            f"IMM needs theta = {theta:,} RR sets, {what}, more than {_MEMORY_FRACTION:.0%} of the available memory "
            f"({limit / 2**30:.2f} GiB) or {_MAX_SETS:,} stored sets; {fix}")


def _select(rr: _RRSets, candidates: np.ndarray, k: int, cost: np.ndarray | None, budget: float
            ) -> tuple[np.ndarray, int, float, int | None]:
    """Greedy on the RR sets, trivial ones included: (seeds, covered sets, total cost, seeds picked
    before the objective saturated or None; see :func:`_after_saturation`).  Budgeted: the better
    of the cost-benefit greedy and the best single affordable candidate (ties: the greedy)."""
    set_ptr = rr.set_ptr[: rr.stored + 1]
    members = rr.members[: rr.n_members]
    singles = rr.singles
    node_ptr, node_sets = K.node_index(rr.d.n, set_ptr, members, numba.get_num_threads())
    if cost is None:
        seeds, trace, _ = K.greedy_cover(set_ptr, members, node_ptr, node_sets, singles, candidates,
                                         np.ones(rr.d.n), math.inf, k, False)
        seeds, saturated = _after_saturation(rr.d, seeds, trace, candidates)
        return seeds, int(trace[-1]) if trace.size else 0, float(seeds.size), saturated
    seeds, trace, spent = K.greedy_cover(set_ptr, members, node_ptr, node_sets, singles, candidates, cost, budget,
                                         0, True)
    covered = int(trace[-1]) if trace.size else 0
    affordable = candidates[cost[candidates] <= budget]
    degree = node_ptr[affordable + 1] - node_ptr[affordable] + singles[affordable]
    best = int(affordable[np.lexsort((affordable, -degree))[0]])
    single = int(node_ptr[best + 1] - node_ptr[best] + singles[best])
    if single > covered or seeds.size == 0:
        return np.array([best], dtype=np.int64), single, float(cost[best]), None
    return seeds, covered, float(spent), None


def _after_saturation(d: _Diffusion, seeds: np.ndarray, trace: np.ndarray, candidates: np.ndarray
                      ) -> tuple[np.ndarray, int | None]:
    """Seeds picked after the sampled objective saturated (a pick that covers no new RR set: every
    sampled user is already reached) would be the lowest node ids; they are replaced by the
    eligible accounts with the most followers instead (ties: lower id), in that order.  Returns
    (seeds, number of seeds picked before saturation, or None if it did not saturate)."""
    gains = np.diff(trace, prepend=0)
    zero = np.flatnonzero(gains == 0)
    if zero.size == 0:
        return seeds, None
    j = int(zero[0])
    followers = np.bincount(d.in_indices, minlength=d.n)  # out-degree: who sees a node's posts
    rest = np.setdiff1d(candidates, seeds[:j], assume_unique=False)
    order = rest[np.lexsort((rest, -followers[rest]))]
    return np.concatenate([seeds[:j], order[: seeds.size - j]]).astype(np.int64), j


def _log_binom(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _imm_run(d: _Diffusion, candidates, k, cost, budget, log_sets, rho, epsilon, ell, key, threads, max_samples,
             progress, fix):
    """IMM's two phases with fresh RR sets for the final selection (Chen 2018); returns
    (seeds, covered, theta, total cost, lower bound fell back to 1, seeds before saturation or None)."""
    n = d.n
    ell_adj = ell * (1.0 + math.log(2.0) / math.log(n))  # both phases together fail w.p. <= 1/n^ell
    eps_p = math.sqrt(2.0) * epsilon
    log_n = math.log(n)
    lam_p = (2.0 + 2.0 / 3.0 * eps_p) * (log_sets + ell_adj * log_n + math.log(math.log2(n))) * n / eps_p**2
    alpha = math.sqrt(ell_adj * log_n + math.log(2.0))
    beta = math.sqrt(rho * (log_sets + ell_adj * log_n + math.log(2.0)))
    lam_star = 2.0 * n * (rho * alpha + beta) ** 2 / epsilon**2
    stats = {"phase1_sets": 0, "rr_seconds": 0.0, "select_seconds": 0.0}
    with numba_threads(threads) as n_workers:
        phase1 = _RRSets(d, np.uint64(hash2(key, _P_PHASE1)))
        lb = 1.0
        fallback = True
        for i in range(1, max(2, math.ceil(math.log2(n)))):
            x = n / 2.0**i
            theta_i = math.ceil(lam_p / x)
            _check_samples(theta_i, d, phase1.stored_per_set(4.0 * d.nontrivial), max_samples, fix)
            start = time.perf_counter()
            phase1.extend_to(theta_i, n_workers, progress)
            stats["rr_seconds"] += time.perf_counter() - start
            start = time.perf_counter()
            _, covered, _, _ = _select(phase1, candidates, k, cost, budget)
            stats["select_seconds"] += time.perf_counter() - start
            if n * covered / theta_i >= (1.0 + eps_p) * x:
                lb = n * covered / theta_i / (1.0 + eps_p)
                fallback = False
                break
        stored_per_set = phase1.stored_per_set(4.0 * d.nontrivial)
        stats["phase1_sets"] = phase1.count
        stats["phase1_stored"] = phase1.stored
        del phase1
        theta = math.ceil(lam_star / lb)
        _check_samples(theta, d, stored_per_set, max_samples, fix)
        start = time.perf_counter()
        final = _RRSets(d, np.uint64(hash2(key, _P_FINAL)))
        final.extend_to(theta, n_workers, progress)
        stats["rr_seconds"] += time.perf_counter() - start
        start = time.perf_counter()
        seeds, covered, spent, saturated = _select(final, candidates, k, cost, budget)
        stats["select_seconds"] += time.perf_counter() - start
        stats.update(theta=theta, lower_bound=lb, mean_rr_size=final.mean_size(), stored_sets=final.stored,
                     members=final.n_members)
    _log.debug("IMM: %s", stats, extra={"imm_stats": stats})
    return seeds, covered, theta, spent, fallback, saturated


def _fallback_note(objective: str, fallback: bool) -> str:
    if objective == "reach" and fallback:
        return " (assuming the optimum reaches at least one user on average: IMM's lower bound defaulted to 1)"
    return ""


def imm(graph: SocialGraph, k: int, *, view_prob: float = 1.0, share_given_view, objective: str = "posters",
        epsilon: float = 0.1, ell: float = 1.0, eligible=None, key: int, threads: int | None = None,
        max_samples: int | None = None, progress: Callable[[int], None] | None = None) -> InfluenceResult:
    """Choose ``k`` seeds by IMM (Tang, Shi & Xiao 2015) on RR sets, with Chen's (2018) correction.

    Parameters
    ----------
    graph : SocialGraph
        Arc u -> v means v sees what u posts.
    k : int
        Number of seeds, 1 <= k <= number of eligible nodes.
    view_prob : float in [0, 1]
        Probability that a follower views a post (the platform's feed reach).
    share_given_view : float or float array of shape (n,)
        Probability that a non-seed node shares after a view (stickiness x affinity).
    objective : {"posters", "reach"}
        Expected seeds + sharers, or expected users with at least one view.
    epsilon : float in (0, 1)
        Approximation slack: the guarantee is 1 - 1/e - epsilon.  theta grows as 1/epsilon^2.
    ell : float > 0
        Confidence: the guarantee holds with probability at least 1 - 1/n^ell.
    eligible : int array, optional
        Node indices that may be chosen (a segment, a follower-count filter); default all.
    key : int
        uint64 stream key; the same key gives the same seeds for any thread count.
    threads : int, optional
        Numba threads for this call (restored afterwards).
    max_samples : int, optional
        Refuse (ResourceLimitError) when IMM needs more RR sets than this.
    progress : callable, optional
        ``progress(n_new)`` after each round of RR sets (phase 1 and final together; the total
        is not known in advance).

    Returns
    -------
    InfluenceResult
        ``estimated`` is n x the covered fraction of the final RR sets.

    Raises
    ------
    InvalidParameterError
        Bad parameter (the message says what is allowed).
    ResourceLimitError
        theta exceeds ``max_samples``, or its RR sets would need more than 60% of the available
        memory; raised before sampling them.

    Notes
    -----
    Phase 1 searches a lower bound LB of the optimum over x = n/2^i with
    ``lambda' = (2 + 2/3 eps') (ln C(n_e, k) + ell' ln n + ln log2 n) n / eps'^2``, eps' = sqrt(2) eps,
    on its own RR sets.  Phase 2 samples ``theta = lambda* / LB`` *fresh* RR sets (Chen 2018:
    reusing phase-1 sets breaks the martingale argument), with
    ``lambda* = 2 n ((1 - 1/e) alpha + beta)^2 / eps^2``, ``alpha = sqrt(ell' ln n + ln 2)``,
    ``beta = sqrt((1 - 1/e)(ln C(n_e, k) + ell' ln n + ln 2))``, and ``ell' = ell (1 + ln 2 / ln n)``
    so that the two phases together fail with probability at most 1/n^ell.  n_e is the number
    of eligible nodes (the union bound runs over their k-subsets).  Greedy max coverage uses lazy
    evaluation in numba, ties broken by lower node index.  Expected cost
    O((k + ell) (n + m) ln n / eps^2) (Tang et al. 2015, Thm 3).

    IMM assumes the optimum is at least 1 (true for ``"posters"``: the seeds count).  For
    ``"reach"`` an eligible set whose seeds reach fewer than one user on average is possible; if
    phase 1 finds no bound above 1 the guarantee is stated under that assumption.

    References
    ----------
    Y. Tang, Y. Shi, X. Xiao. Influence maximization in near-linear time: a martingale approach.
    SIGMOD 2015.  W. Chen. An issue in the martingale analysis of the influence maximization
    algorithm IMM. CSoNet 2018.  C. Borgs, M. Brautbar, J. Chayes, B. Lucier. Maximizing social
    influence in nearly optimal time. SODA 2014.
    """
    graph = _check_graph(graph)
    d = _diffusion(graph, view_prob, share_given_view, objective)
    candidates = _candidates(graph, eligible)
    k = _check_k(k, candidates, graph.n_nodes)
    epsilon, ell, key, max_samples = _check_sampling(epsilon, ell, key, max_samples, progress)
    seeds, covered, theta, _, fallback, saturated = _imm_run(
        d, candidates, k, None, math.inf, _log_binom(candidates.size, k), _ONE_MINUS_INV_E, epsilon, ell, key,
        threads, max_samples, progress, "use a larger epsilon or a smaller k")
    n = graph.n_nodes
    guarantee = (f"expected {objective} >= (1 - 1/e - {epsilon:g}) x the best {k} eligible seeds' with probability "
                 f">= 1 - 1/n^{ell:g} (n = {n:,}){_fallback_note(objective, fallback)}")
    if saturated is not None:
        guarantee += (f"; {objective} saturated after {saturated} seed(s) (every sampled user already reached), "
                      f"so the other {seeds.size - saturated} are the eligible accounts with the most followers")
    return InfluenceResult(seeds, n * covered / theta, objective, "imm", theta, epsilon, ell, guarantee)


def _check_sampling(epsilon, ell, key, max_samples, progress):
    """IMM's sampling options, checked: ``(epsilon, ell, key, max_samples)``."""
    if progress is not None and not callable(progress):
        raise InvalidParameterError(f"progress must be a callable progress(n_new) or None; got {progress!r}")
    max_samples = None if max_samples is None else _check_int("max_samples", max_samples, 1)
    return (INFLUENCE_PARAMETERS["epsilon"].check("epsilon", epsilon), INFLUENCE_PARAMETERS["ell"].check("ell", ell),
            _check_key(key), max_samples)


def _check_cost(graph: SocialGraph, cost) -> np.ndarray:
    n = graph.n_nodes
    try:
        arr = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"cost must be an array of {n} non-negative floats; got {cost!r}"[:200]) from None
    if arr.shape != (n,):
        raise InvalidParameterError(f"cost must have one value per node ({n}); got shape {arr.shape}")
    bad = ~(np.isfinite(arr) & (arr >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidParameterError(f"cost must be finite and >= 0; node {i} has {arr[i]!r}")
    return np.ascontiguousarray(arr)


def _log_feasible_sets(n_e: int, k_max: int) -> float:
    """ln of the number of non-empty sets of at most k_max of n_e nodes (log-sum-exp of binomials)."""
    logs = np.array([_log_binom(n_e, j) for j in range(1, k_max + 1)])
    top = logs.max()
    return float(top + math.log(np.exp(logs - top).sum()))


def budgeted_imm(graph: SocialGraph, budget: float, cost, *, view_prob: float = 1.0, share_given_view,
                 objective: str = "posters", epsilon: float = 0.1, ell: float = 1.0, eligible=None, key: int,
                 threads: int | None = None, max_samples: int | None = None,
                 progress: Callable[[int], None] | None = None) -> InfluenceResult:
    """Seeds of total ``cost`` at most ``budget`` maximising the objective, on IMM-sized RR sets.

    Parameters
    ----------
    graph, view_prob, share_given_view, objective, epsilon, ell, eligible, key, threads, max_samples
        As in :func:`imm`.
    budget : float > 0
        Total spend allowed; at least the cheapest eligible node's cost.
    cost : float array of shape (n,)
        Cost of seeding each node (finite, >= 0).

    Returns
    -------
    InfluenceResult
        ``cost`` is the total cost of the seeds.

    Notes
    -----
    Selection on the RR sets returns the better of (a) the cost-benefit greedy: repeatedly the
    affordable eligible node with the most newly covered sets per unit cost (lazy evaluation,
    valid because gains only decrease; zero-cost nodes first), and (b) the best single affordable
    node.  On the sampled sets this is a (1/2)(1 - 1/e) approximation of the best budget-feasible
    coverage (Khuller, Moss & Naor 1999; Leskovec et al. 2007).

    Sample size: IMM's machinery with rho = (1/2)(1 - 1/e) in place of 1 - 1/e, and the union
    bound taken over every set of at most k_max eligible nodes, k_max being how many of the
    cheapest eligible nodes the budget buys (every feasible set is among them).  IMM's analysis
    (Lemmas 6-8 of Tang et al. 2015, with Chen's fresh final sets) carries over to any rho-
    approximate selection on the RR sets, so the guarantee is:
    expected objective >= ((1/2)(1 - 1/e) - epsilon) x the best budget-feasible eligible set's,
    with probability >= 1 - 1/n^ell.  This is weaker than 1 - 1/e; in practice the cost-benefit
    greedy usually does much better than its worst case, but that is not guaranteed.  When
    (1/2)(1 - 1/e) - epsilon <= 0 the statement is vacuous.
    """
    graph = _check_graph(graph)
    d = _diffusion(graph, view_prob, share_given_view, objective)
    candidates = _candidates(graph, eligible)
    cost = _check_cost(graph, cost)
    if not _is_real(budget) or not math.isfinite(float(budget)) or float(budget) <= 0:
        raise InvalidParameterError(f"budget must be a finite float > 0; got {budget!r}")
    budget = float(budget)
    epsilon, ell, key, max_samples = _check_sampling(epsilon, ell, key, max_samples, progress)
    sorted_costs = np.sort(cost[candidates])
    if sorted_costs[0] > budget:
        raise InvalidParameterError(f"budget {budget:g} is below the cheapest eligible node's cost "
                                    f"({sorted_costs[0]:g}); nothing is affordable")
    k_max = int(np.searchsorted(np.cumsum(sorted_costs), budget, side="right"))
    rho = 0.5 * _ONE_MINUS_INV_E
    seeds, covered, theta, spent, fallback, _ = _imm_run(
        d, candidates, k_max, cost, budget, _log_feasible_sets(candidates.size, k_max), rho, epsilon, ell, key,
        threads, max_samples, progress, "use a larger epsilon or a smaller budget")
    n = graph.n_nodes
    guarantee = (f"expected {objective} >= ((1 - 1/e)/2 - {epsilon:g}) x the best eligible seeds within budget "
                 f"{budget:g} with probability >= 1 - 1/n^{ell:g} (n = {n:,}){_fallback_note(objective, fallback)}")
    return InfluenceResult(seeds, n * covered / theta, objective, "budgeted_imm", theta, epsilon, ell, guarantee,
                           cost=spent)


def celf(graph: SocialGraph, k: int, *, view_prob: float = 1.0, share_given_view, objective: str = "posters",
         simulations: int = 1000, eligible=None, key: int, threads: int | None = None) -> InfluenceResult:
    """Greedy seeds by CELF lazy-forward evaluation (Leskovec et al. 2007) on sampled worlds.

    A small-graph reference.  ``simulations`` live-edge worlds are sampled once (arc a's coin in
    world w is ``uniform(hash2(key', w), a)``: viewed below ``view_prob``, live below
    ``view_prob * share_given_view[v]``); the objective of a seed set is its mean over them.  Each
    world's objective is a coverage function, so marginal gains only decrease and lazy evaluation
    returns exactly the greedy of the sample (ties: lower node index).  The initial gains are
    computed in parallel over worlds; re-evaluations sum over worlds in parallel.

    Parameters
    ----------
    graph, k, view_prob, share_given_view, objective, eligible, key, threads
        As in :func:`imm`.
    simulations : int
        Sampled worlds; memory is ``n x simulations`` bytes (twice that for ``"reach"``).

    Returns
    -------
    InfluenceResult
        ``estimated`` is the sample mean of the objective of the seeds (optimistic: the seeds
        were chosen on the same worlds).

    Raises
    ------
    InvalidParameterError
        Also when ``n x simulations`` exceeds 2 x 10^8: use :func:`imm`.
    """
    graph = _check_graph(graph)
    d = _diffusion(graph, view_prob, share_given_view, objective)
    candidates = _candidates(graph, eligible)
    k = _check_k(k, candidates, graph.n_nodes)
    simulations = INFLUENCE_PARAMETERS["simulations"].check("simulations", simulations)
    key = _check_key(key)
    n = graph.n_nodes
    if n * simulations > _CELF_LIMIT:
        raise InvalidParameterError(
            f"celf keeps every world's state: n x simulations = {n:,} x {simulations:,} exceeds the limit of "
            f"{_CELF_LIMIT:,}; use imm (its RR sets scale to millions of nodes) or fewer simulations")
    wkeys = K.world_keys(np.uint64(hash2(key, _P_CELF)), simulations)
    with numba_threads(threads) as n_workers:
        seeds, trace = K.celf(candidates, k, wkeys, graph.indptr, graph.indices, d.q, d.view_prob, d.objective,
                              min(n_workers, simulations))
    return InfluenceResult(seeds, float(trace[-1]) / simulations, objective, "celf", simulations, None, None,
                           f"greedy on {simulations:,} sampled worlds: (1 - 1/e) x the optimum of the sample mean, "
                           "not of the true expectation")


def rr_estimate(graph: SocialGraph, nodes, *, view_prob: float = 1.0, share_given_view, objective: str = "posters",
                samples: int, key: int, threads: int | None = None) -> tuple[float, float]:
    """Unbiased estimate of the expected objective of the seed set ``nodes``, and its standard error.

    ``n x`` the fraction of ``samples`` RR sets that contain a seed; the standard error is
    ``n x sqrt(f (1 - f) / samples)``.  The RR sets come from their own sub-key of ``key``, so
    they are independent of those :func:`imm` used to choose seeds with the same key.
    """
    graph = _check_graph(graph)
    d = _diffusion(graph, view_prob, share_given_view, objective)
    n = graph.n_nodes
    arr = np.asarray(nodes)
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise InvalidParameterError(f"nodes must be a non-empty 1-d array of node indices; got {nodes!r}"[:200])
    if arr.min() < 0 or arr.max() >= n:
        raise InvalidParameterError(f"nodes must be node indices in [0, {n - 1}]; got range [{arr.min()}, {arr.max()}]")
    if np.unique(arr).size != arr.size:
        raise InvalidParameterError("nodes must be distinct")
    samples = _check_int("samples", samples, 1, _MAX_SETS)
    key = _check_key(key)
    mask = np.zeros(n, dtype=np.uint8)
    mask[arr.astype(np.int64)] = 1
    with numba_threads(threads) as n_workers:
        hits = int(K.rr_count_hits(np.uint64(hash2(key, _P_ESTIMATE)), 0, samples, min(n_workers, samples), d.in_indptr,
                                   d.in_indices, d.log1m_q, d.live, d.log1m_view, d.thresh, d.objective, mask))
    f = hits / samples
    return n * f, n * math.sqrt(f * (1.0 - f) / samples)


# ---- heuristics --------------------------------------------------------------------------------------


def pagerank(graph: SocialGraph, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 1000) -> np.ndarray:
    """PageRank where rank flows from a follower to the accounts it follows (against arc u -> v).

    A user is important when followed by important users.  Equals ``networkx.pagerank`` on the
    graph with every arc reversed (follower -> followed; for an undirected graph, the graph
    itself): dangling nodes (following nobody) spread their rank uniformly, convergence when the
    L1 change is below ``n * tol``.  Arc weights are ignored.  O(m) per iteration.

    Raises
    ------
    InvalidParameterError
        Bad parameter, or no convergence within ``max_iter`` iterations.
    """
    graph = _check_graph(graph)
    damping = INFLUENCE_PARAMETERS["damping"].check("damping", damping)
    tol = INFLUENCE_PARAMETERS["tol"].check("tol", tol)
    max_iter = _check_int("max_iter", max_iter, 1)
    x, iterations = K.pagerank(graph.indptr, graph.indices, np.ascontiguousarray(graph.in_degree, dtype=np.int64),
                               float(damping), float(tol), max_iter)
    if iterations < 0:
        raise InvalidParameterError(f"pagerank did not converge to tol = {tol:g} within max_iter = {max_iter:,} "
                                    "iterations; raise max_iter or lower damping")
    return x


def core_numbers(graph: SocialGraph) -> np.ndarray:
    """Core number of every node (Batagelj & Zaversnik 2003, O(n + m)), int64.

    As ``networkx.core_number``: for a directed graph the degree is in-degree + out-degree, on
    the multigraph of both directions (a reciprocal pair counts twice).
    """
    graph = _check_graph(graph)
    return K.core_numbers(graph.indptr, graph.indices, graph.in_indptr, graph.in_indices, graph.directed)


def degree_discount(graph: SocialGraph, k: int, p: float, eligible=None) -> np.ndarray:
    """DegreeDiscountIC seeds (Chen, Wang & Yang 2009), int64 node indices in selection order.

    ``dd_v = d_v - 2 t_v - (d_v - t_v) t_v p`` where, on a directed graph, d_v is v's followers
    (out-degree: whom v can activate) and t_v the seeds already chosen among the accounts v
    follows (in-neighbours: who can activate v).  Undirected graphs give the paper's rule.
    Ties go to the lower node index.  O(k log n + sum of the seeds' degrees x log n).
    """
    graph = _check_graph(graph)
    candidates = _candidates(graph, eligible)
    k = _check_k(k, candidates, graph.n_nodes)
    p = _check_prob("p", p)
    is_cand = np.zeros(graph.n_nodes, dtype=np.uint8)
    is_cand[candidates] = 1
    return K.degree_discount(graph.indptr, graph.indices, candidates, is_cand, k, p)


def pagerank_seeds(graph: SocialGraph, k: int, eligible=None) -> np.ndarray:
    """The ``k`` eligible nodes of highest :func:`pagerank` (ties: lower index), int64."""
    graph = _check_graph(graph)
    candidates = _candidates(graph, eligible)
    k = _check_k(k, candidates, graph.n_nodes)
    score = pagerank(graph)[candidates]
    return candidates[np.lexsort((candidates, -score))[:k]].astype(np.int64)


def kcore_seeds(graph: SocialGraph, k: int, eligible=None) -> np.ndarray:
    """The ``k`` eligible nodes of highest core number, ties by more followers then lower index."""
    graph = _check_graph(graph)
    candidates = _candidates(graph, eligible)
    k = _check_k(k, candidates, graph.n_nodes)
    core = core_numbers(graph)[candidates]
    degree = graph.out_degree[candidates]
    return candidates[np.lexsort((candidates, -degree, -core))[:k]].astype(np.int64)
