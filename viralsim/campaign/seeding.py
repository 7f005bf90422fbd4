"""Seeding strategies: which accounts post the content first.

A strategy is ``function(graph, count, key, segment=None, *, context, **options)`` returning int64
node indices (or ``(indices, details)``), registered in :data:`STRATEGIES` with the extra
scenario keys it accepts.  ``key`` is the uint64 stream key of purpose
:data:`viralsim.random.SEEDING`, so random choices are reproducible from the scenario seed and
independent of the replicate streams.  ``context`` (:class:`SeedingContext`) carries what the
model-aware strategies need: the IC-equivalent share probabilities, per-account fees, a budget
and accounts already seeded by earlier waves.

With ``count=None`` and a budget, :func:`select_seeds` fills the budget: ``imm`` runs budgeted
influence maximisation; ranking strategies take accounts in their order while the fee fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InvalidParameterError
from ..graph import SocialGraph

__all__ = ["SeedingStrategy", "SeedingContext", "SeedSelection", "STRATEGIES", "choose_seeds", "select_seeds",
           "eligible_nodes", "node_index"]


@dataclass(frozen=True)
class SeedingStrategy:
    """A registered strategy: its function, the extra keys it takes, and whether ``count`` is required."""

    name: str
    choose: Callable[..., np.ndarray]
    doc: str
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    needs_count: bool = True
    needs_cascade: bool = False  # uses the IC-equivalent share probabilities of a cascade model
    fills_budget: str = ""  # "ranking": take accounts in order while fees fit; "optimise": budgeted IMM


@dataclass(frozen=True)
class SeedingContext:
    """What model-aware strategies need beyond the graph.

    ``view_prob`` (feed_reach) and ``share_given_view`` (stickiness x affinity, per user or one
    number) give the independent-cascade equivalent of the share model: arc u->v is live with
    probability ``view_prob x share_given_view[v]``.  ``fees`` is each account's seeding fee
    (currency), ``budget`` the money available for seed fees, ``exclude`` accounts no strategy
    may pick (seeded by an earlier wave).
    """

    view_prob: float = 1.0
    share_given_view: np.ndarray | float | None = None
    fees: np.ndarray | None = None
    budget: float | None = None
    exclude: np.ndarray | None = None
    threads: int | None = None
    progress: Callable[[int], None] | None = None  # advance(n) as an optimiser samples (imm: RR sets)


@dataclass(frozen=True)
class SeedSelection:
    """Chosen seeds (int64 node indices, in selection order) and what the strategy reports about them."""

    seeds: np.ndarray
    details: dict


def eligible_nodes(graph: SocialGraph, segment: str | None, min_followers: int | None = None,
                   max_followers: int | None = None, exclude: np.ndarray | None = None) -> np.ndarray:
    """Node indices a strategy may pick: everyone, or the members of ``segment``, optionally only
    accounts whose follower count (out-degree) lies in ``[min_followers, max_followers]``, never
    the ``exclude`` accounts."""
    pool = _segment_members(graph, segment)
    if exclude is not None and len(exclude):
        pool = pool[~np.isin(pool, np.asarray(exclude, dtype=np.int64))]
    if min_followers is not None or max_followers is not None:
        if min_followers is not None and max_followers is not None and min_followers > max_followers:
            raise InvalidParameterError(f"min_followers ({min_followers}) is larger than max_followers ({max_followers})")
        degree = graph.out_degree[pool]
        keep = np.ones(pool.size, dtype=bool)
        if min_followers is not None:
            keep &= degree >= min_followers
        if max_followers is not None:
            keep &= degree <= max_followers
        pool = pool[keep]
    return pool


def _segment_members(graph: SocialGraph, segment: str | None) -> np.ndarray:
    if segment is None:
        return np.arange(graph.n_nodes, dtype=np.int64)
    if graph.segment is None:
        raise InvalidParameterError(f"segment {segment!r} requested but the audience has no segments")
    if segment not in graph.segment_names:
        raise InvalidParameterError(
            f"unknown segment {segment!r}; the audience has: {', '.join(graph.segment_names)}"
        )
    return np.flatnonzero(graph.segment == graph.segment_names.index(segment)).astype(np.int64)


def _check_count(count: int, pool: np.ndarray, segment: str | None, filtered: bool) -> None:
    if count < 1:
        raise InvalidParameterError(f"count must be >= 1; got {count}")
    if count > pool.size:
        where = f"segment {segment!r}" if segment else "the audience"
        if filtered:
            where = f"the eligible accounts of {where} in the follower range"
        raise InvalidParameterError(f"count {count:,} is larger than {where} ({pool.size:,} users)")


def random_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                 context: SeedingContext | None = None, min_followers: int | None = None,
                 max_followers: int | None = None) -> np.ndarray:
    """``count`` distinct users drawn uniformly among the eligible ones, sorted by node index."""
    pool = eligible_nodes(graph, segment, min_followers, max_followers, _excluded(context))
    _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
    rng = np.random.Generator(np.random.PCG64(int(key)))
    return np.sort(rng.choice(pool, size=count, replace=False)).astype(np.int64)


def top_degree_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                     context: SeedingContext | None = None, min_followers: int | None = None,
                     max_followers: int | None = None) -> np.ndarray:
    """The ``count`` eligible users with most followers (out-degree), ties broken by lower node index."""
    pool = eligible_nodes(graph, segment, min_followers, max_followers, _excluded(context))
    _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
    degree = graph.out_degree[pool]
    order = np.lexsort((pool, -degree))  # primary: degree descending; secondary: node index
    return pool[order[:count]].astype(np.int64)


def node_index(graph: SocialGraph, ids) -> np.ndarray:
    """Map node ids as written by the user (edge-list labels when the graph has them: integers or
    names) to node indices."""
    ids = list(ids) if not isinstance(ids, np.ndarray) else ids.tolist()
    labels = getattr(graph, "labels", None)
    if labels is None:
        if any(isinstance(v, str) for v in ids):
            first = next(v for v in ids if isinstance(v, str))
            raise InvalidParameterError(f"unknown node id {first!r}: this graph's ids are the integers 0 to "
                                        f"{graph.n_nodes - 1}")
        arr = np.asarray(ids, dtype=np.int64)
        bad = arr[(arr < 0) | (arr >= graph.n_nodes)]
        if bad.size:
            raise InvalidParameterError(f"unknown node id {int(bad[0])}; ids run from 0 to {graph.n_nodes - 1}")
        return arr
    labels = np.asarray(labels)
    if labels.dtype.kind in "US":  # text labels from an edge list: compare as text
        wanted = np.asarray([str(v) for v in ids], dtype=labels.dtype) if ids else np.zeros(0, labels.dtype)
    else:
        if any(isinstance(v, str) and not v.lstrip("-").isdigit() for v in ids):
            first = next(v for v in ids if isinstance(v, str) and not v.lstrip("-").isdigit())
            raise InvalidParameterError(f"unknown node id {first!r}: the graph file's ids are integers")
        wanted = np.asarray([int(v) for v in ids], dtype=labels.dtype)
    sorter = np.argsort(labels, kind="stable")
    pos = np.searchsorted(labels, wanted, sorter=sorter)
    pos = np.minimum(pos, labels.size - 1)
    found = labels[sorter[pos]] == wanted
    if not np.all(found):
        raise InvalidParameterError(f"unknown node id {ids[int(np.flatnonzero(~found)[0])]!r}: not in the graph file")
    return sorter[pos].astype(np.int64)


def explicit_seeds(graph: SocialGraph, count: int | None, key: int, segment: str | None = None, *,
                   context: SeedingContext | None = None, nodes) -> np.ndarray:
    """The listed ``nodes`` (ids as in the edge-list file), in the order given."""
    ids = list(nodes)
    if not ids:
        raise InvalidParameterError("nodes must list at least one node id")
    seen = set()
    for v in ids:
        if str(v) in seen:
            raise InvalidParameterError(f"node id {v!r} is listed twice")
        seen.add(str(v))
    if count is not None and count != len(ids):
        raise InvalidParameterError(f"count {count} does not match the {len(ids)} listed nodes")
    index = node_index(graph, ids)
    if segment is not None:
        pool = _segment_members(graph, segment)
        outside = index[~np.isin(index, pool)]
        if outside.size:
            raise InvalidParameterError(f"node {ids[int(np.flatnonzero(index == outside[0])[0])]!r} is not in "
                                        f"segment {segment!r}")
    taken = _excluded(context)
    if taken is not None and np.any(np.isin(index, taken)):
        first = ids[int(np.flatnonzero(np.isin(index, taken))[0])]
        raise InvalidParameterError(f"node {first!r} is already a seed of an earlier wave (each account posts once)")
    return index


def _excluded(context: SeedingContext | None) -> np.ndarray | None:
    return None if context is None or context.exclude is None else np.asarray(context.exclude, dtype=np.int64)


def _pool(graph, count, segment, context, min_followers, max_followers) -> np.ndarray:
    pool = eligible_nodes(graph, segment, min_followers, max_followers, _excluded(context))
    _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
    return pool


def _share_model(context: SeedingContext | None, strategy: str):
    if context is None or context.share_given_view is None:
        raise InvalidParameterError(f"strategy {strategy!r} optimises the share model and needs model: cascade "
                                    "(its stickiness and feed_reach)")
    return context.view_prob, context.share_given_view


def pagerank_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                   context: SeedingContext | None = None, min_followers: int | None = None,
                   max_followers: int | None = None) -> np.ndarray:
    """The ``count`` eligible users with the highest PageRank (rank flows from followers to the followed)."""
    from . import influence

    pool = _pool(graph, count, segment, context, min_followers, max_followers)
    return influence.pagerank_seeds(graph, count, eligible=pool)


def kcore_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                context: SeedingContext | None = None, min_followers: int | None = None,
                max_followers: int | None = None) -> np.ndarray:
    """The ``count`` eligible users in the deepest k-cores (ties: more followers, then lower index)."""
    from . import influence

    pool = _pool(graph, count, segment, context, min_followers, max_followers)
    return influence.kcore_seeds(graph, count, eligible=pool)


def degree_discount_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                          context: SeedingContext | None = None, min_followers: int | None = None,
                          max_followers: int | None = None) -> np.ndarray:
    """DegreeDiscountIC (Chen, Wang & Yang 2009) with the scenario's mean IC-equivalent share probability."""
    view, share = _share_model(context, "degree_discount")
    from .influence import degree_discount

    pool = _pool(graph, count, segment, context, min_followers, max_followers)
    p = float(view * np.mean(share))
    return np.asarray(degree_discount(graph, count, p, eligible=pool), dtype=np.int64)


def imm_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
              context: SeedingContext | None = None, min_followers: int | None = None,
              max_followers: int | None = None, objective: str = "reach", epsilon: float = 0.1,
              ell: float = 1.0):
    """Influence maximisation by reverse-reachable sets (IMM, Tang, Shi & Xiao 2015) on the
    IC-equivalent share model; with ``count=None`` and a budget, budgeted IMM over the fees."""
    view, share = _share_model(context, "imm")
    from .influence import budgeted_imm, imm

    pool = eligible_nodes(graph, segment, min_followers, max_followers, _excluded(context))
    common = dict(view_prob=view, share_given_view=share, objective=objective, epsilon=epsilon, ell=ell,
                  eligible=pool, key=key, threads=context.threads)
    if count is None:
        result = budgeted_imm(graph, context.budget, context.fees, progress=context.progress, **common)
    else:
        _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
        result = imm(graph, count, progress=context.progress, **common)
    return np.asarray(result.seeds, dtype=np.int64), _report(result)


def celf_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
               context: SeedingContext | None = None, min_followers: int | None = None,
               max_followers: int | None = None, objective: str = "reach", simulations: int = 1000):
    """Greedy by Monte Carlo with lazy evaluation (CELF, Leskovec et al. 2007): a reference for small graphs."""
    view, share = _share_model(context, "celf")
    from .influence import celf

    pool = _pool(graph, count, segment, context, min_followers, max_followers)
    result = celf(graph, count, view_prob=view, share_given_view=share, objective=objective,
                  simulations=simulations, eligible=pool, key=key, threads=context.threads)
    return np.asarray(result.seeds, dtype=np.int64), _report(result)


def _report(result) -> dict:
    """What an optimiser reports about its choice, without repeating the seeds (reported as labels elsewhere)."""
    return {k: v for k, v in result.to_dict().items() if k != "seeds"}


_RANGE = ("min_followers", "max_followers")

STRATEGIES: dict[str, SeedingStrategy] = {
    "random": SeedingStrategy("random", random_seeds, "users drawn uniformly at random", options=_RANGE,
                              fills_budget="ranking"),
    "top_degree": SeedingStrategy("top_degree", top_degree_seeds, "users with the most followers", options=_RANGE,
                                  fills_budget="ranking"),
    "pagerank": SeedingStrategy("pagerank", pagerank_seeds, "users with the highest PageRank", options=_RANGE,
                                fills_budget="ranking"),
    "kcore": SeedingStrategy("kcore", kcore_seeds, "users in the deepest k-core", options=_RANGE,
                             fills_budget="ranking"),
    "degree_discount": SeedingStrategy("degree_discount", degree_discount_seeds,
                                       "DegreeDiscountIC: degree discounted for already-chosen neighbours",
                                       options=_RANGE, needs_cascade=True, fills_budget="ranking"),
    "imm": SeedingStrategy("imm", imm_seeds, "influence maximisation with a (1 - 1/e - epsilon) guarantee",
                           options=_RANGE + ("objective", "epsilon", "ell"), needs_cascade=True,
                           fills_budget="optimise"),
    "celf": SeedingStrategy("celf", celf_seeds, "Monte Carlo greedy (CELF), a reference for small graphs",
                            options=_RANGE + ("objective", "simulations"), needs_cascade=True),
    "explicit": SeedingStrategy("explicit", explicit_seeds, "listed node ids", options=("nodes",),
                                required=("nodes",), needs_count=False),
}


def _fill_budget(graph: SocialGraph, spec: SeedingStrategy, key: int, segment: str | None,
                 context: SeedingContext, options: dict) -> SeedSelection:
    """Accounts in the strategy's order, each taken when its fee still fits the budget."""
    fees = np.asarray(context.fees, dtype=np.float64)
    budget = float(context.budget)
    pool = eligible_nodes(graph, segment, options.get("min_followers"), options.get("max_followers"),
                          _excluded(context))
    if pool.size == 0:
        raise InvalidParameterError("no account is eligible for seeding")
    cheapest = float(fees[pool].min())
    if cheapest > budget:
        raise InvalidParameterError(f"the budget left for seed fees ({budget:,.2f}) is below the cheapest eligible "
                                    f"account's fee ({cheapest:,.2f}): no seed is affordable")
    if cheapest <= 0:
        raise InvalidParameterError("some eligible accounts cost nothing, so a budget cannot limit the number of "
                                    "seeds; give campaign.seeding.count")
    k_max = int(min(pool.size, np.searchsorted(np.cumsum(np.sort(fees[pool])), budget, side="right")))
    order = spec.choose(graph, k_max, key, segment, context=context, **options)
    if isinstance(order, tuple):
        order = order[0]
    order = np.asarray(order, dtype=np.int64)
    if spec.name == "random":  # random_seeds sorts by index; fill in a random order instead
        order = np.random.Generator(np.random.PCG64(int(key) ^ 0x5EED)).permutation(order)
    from ..kernels.influence import take_in_order

    seeds = order[take_in_order(np.ascontiguousarray(fees[order]), budget)]
    return SeedSelection(seeds, {"method": f"{spec.name}, filling the budget in rank order",
                                 "cost": float(fees[seeds].sum())})


def select_seeds(graph: SocialGraph, strategy: str, count: int | None, key: int, segment: str | None = None, *,
                 context: SeedingContext | None = None, **options) -> SeedSelection:
    """Run the registered ``strategy``: distinct int64 node indices and the strategy's report.

    ``count=None`` with ``context.budget`` and ``context.fees`` fills the budget (strategies with
    ``fills_budget``); otherwise strategies other than ``explicit`` need a count.
    """
    spec = STRATEGIES.get(strategy)
    if spec is None:
        raise InvalidParameterError(f"unknown seeding strategy {strategy!r}; allowed: {', '.join(STRATEGIES)}")
    unknown = set(options) - set(spec.options)
    if unknown:
        raise InvalidParameterError(f"strategy {strategy!r} takes no option {sorted(unknown)[0]!r}")
    missing = [k for k in spec.required if options.get(k) is None]
    if missing:
        raise InvalidParameterError(f"strategy {strategy!r} needs {missing[0]!r}")
    context = context or SeedingContext()
    if spec.needs_count and count is None:
        if not spec.fills_budget or context.budget is None or context.fees is None:
            raise InvalidParameterError(f"strategy {strategy!r} needs a count (or a budget to fill)")
        if spec.fills_budget == "ranking":
            return _fill_budget(graph, spec, key, segment, context, options)
    out = spec.choose(graph, count, key, segment, context=context, **options)
    seeds, details = out if isinstance(out, tuple) else (out, {})
    return SeedSelection(np.asarray(seeds, dtype=np.int64), dict(details))


def choose_seeds(graph: SocialGraph, strategy: str, count: int | None, key: int, segment: str | None = None,
                 **options) -> np.ndarray:
    """Run the registered ``strategy``; returns int64 node indices (distinct)."""
    context = options.pop("context", None)
    return select_seeds(graph, strategy, count, key, segment, context=context, **options).seeds
