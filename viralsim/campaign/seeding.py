"""Seeding strategies: which accounts post the content first.

A strategy is ``function(graph, count, key, segment=None, **options) -> int64 node indices``,
registered in :data:`STRATEGIES` with the extra scenario keys it accepts.  ``key`` is the
uint64 stream key of purpose :data:`viralsim.random.SEEDING`, so random choices are
reproducible from the scenario seed and independent of the replicate streams.  Influence
maximisation (``imm``, ``degree_discount``...), budgets and tiers register here the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import InvalidParameterError
from ..graph import SocialGraph

__all__ = ["SeedingStrategy", "STRATEGIES", "choose_seeds", "eligible_nodes", "node_index"]


@dataclass(frozen=True)
class SeedingStrategy:
    """A registered strategy: its function, the extra keys it takes, and whether ``count`` is required."""

    name: str
    choose: Callable[..., np.ndarray]
    doc: str
    options: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    needs_count: bool = True


def eligible_nodes(graph: SocialGraph, segment: str | None, min_followers: int | None = None,
                   max_followers: int | None = None) -> np.ndarray:
    """Node indices a strategy may pick: everyone, or the members of ``segment``, optionally only
    accounts whose follower count (out-degree) lies in ``[min_followers, max_followers]``."""
    pool = _segment_members(graph, segment)
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
                 min_followers: int | None = None, max_followers: int | None = None) -> np.ndarray:
    """``count`` distinct users drawn uniformly among the eligible ones, sorted by node index."""
    pool = eligible_nodes(graph, segment, min_followers, max_followers)
    _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
    rng = np.random.Generator(np.random.PCG64(int(key)))
    return np.sort(rng.choice(pool, size=count, replace=False)).astype(np.int64)


def top_degree_seeds(graph: SocialGraph, count: int, key: int, segment: str | None = None, *,
                     min_followers: int | None = None, max_followers: int | None = None) -> np.ndarray:
    """The ``count`` eligible users with most followers (out-degree), ties broken by lower node index."""
    pool = eligible_nodes(graph, segment, min_followers, max_followers)
    _check_count(count, pool, segment, min_followers is not None or max_followers is not None)
    degree = graph.out_degree[pool]
    order = np.lexsort((pool, -degree))  # primary: degree descending; secondary: node index
    return pool[order[:count]].astype(np.int64)


def node_index(graph: SocialGraph, ids) -> np.ndarray:
    """Map node ids as written by the user (edge-list labels when the graph has them) to indices."""
    ids = np.asarray(ids, dtype=np.int64)
    labels = getattr(graph, "labels", None)
    if labels is None:
        bad = ids[(ids < 0) | (ids >= graph.n_nodes)]
        if bad.size:
            raise InvalidParameterError(f"unknown node id {int(bad[0])}; ids run from 0 to {graph.n_nodes - 1}")
        return ids
    labels = np.asarray(labels)
    if labels.dtype.kind in "US":  # text labels from an edge list: compare as text
        ids = np.asarray([str(int(v)) for v in ids], dtype=labels.dtype) if ids.size else ids.astype(labels.dtype)
    sorter = np.argsort(labels, kind="stable")
    pos = np.searchsorted(labels, ids, sorter=sorter)
    pos = np.minimum(pos, labels.size - 1)
    found = labels[sorter[pos]] == ids
    if not np.all(found):
        raise InvalidParameterError(f"unknown node id {ids[~found][0]}: not in the graph file")
    return sorter[pos].astype(np.int64)


def explicit_seeds(graph: SocialGraph, count: int | None, key: int, segment: str | None = None, *,
                   nodes) -> np.ndarray:
    """The listed ``nodes`` (ids as in the edge-list file), in the order given."""
    ids = np.asarray(nodes, dtype=np.int64)
    if ids.size == 0:
        raise InvalidParameterError("nodes must list at least one node id")
    uniq, counts = np.unique(ids, return_counts=True)
    if np.any(counts > 1):
        raise InvalidParameterError(f"node id {int(uniq[counts > 1][0])} is listed twice")
    if count is not None and count != ids.size:
        raise InvalidParameterError(f"count {count} does not match the {ids.size} listed nodes")
    index = node_index(graph, ids)
    if segment is not None:
        pool = _segment_members(graph, segment)
        outside = index[~np.isin(index, pool)]
        if outside.size:
            raise InvalidParameterError(f"node {int(ids[np.flatnonzero(index == outside[0])[0]])} is not in "
                                        f"segment {segment!r}")
    return index


STRATEGIES: dict[str, SeedingStrategy] = {
    "random": SeedingStrategy("random", random_seeds, "users drawn uniformly at random",
                              options=("min_followers", "max_followers")),
    "top_degree": SeedingStrategy("top_degree", top_degree_seeds, "users with the most followers",
                                  options=("min_followers", "max_followers")),
    "explicit": SeedingStrategy("explicit", explicit_seeds, "listed node ids", options=("nodes",),
                                required=("nodes",), needs_count=False),
}


def choose_seeds(graph: SocialGraph, strategy: str, count: int | None, key: int, segment: str | None = None,
                 **options) -> np.ndarray:
    """Run the registered ``strategy``; returns int64 node indices (distinct)."""
    spec = STRATEGIES.get(strategy)
    if spec is None:
        raise InvalidParameterError(f"unknown seeding strategy {strategy!r}; allowed: {', '.join(STRATEGIES)}")
    unknown = set(options) - set(spec.options)
    if unknown:
        raise InvalidParameterError(f"strategy {strategy!r} takes no option {sorted(unknown)[0]!r}")
    missing = [k for k in spec.required if options.get(k) is None]
    if missing:
        raise InvalidParameterError(f"strategy {strategy!r} needs {missing[0]!r}")
    if spec.needs_count and count is None:
        raise InvalidParameterError(f"strategy {strategy!r} needs a count")
    return spec.choose(graph, count, key, segment, **options)
