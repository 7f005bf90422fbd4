"""One seeding scheme for all of viralsim.

A user seed (int, ``SeedSequence`` or ``None``) becomes one :class:`numpy.random.SeedSequence`.
Each *purpose* (building the graph, choosing seeds, the Monte Carlo replicates) gets its own
child sequence, derived by spawn key rather than by ``spawn()`` so that the child never depends
on how many children were drawn before.  Replicate ``i`` gets the child ``(REPLICATES, i)``:
its stream is the same whatever the thread count, run order or number of replicates, which is
also what makes common random numbers work across scenarios.

Kernels never see a ``Generator``: they receive 64-bit keys (see :mod:`viralsim.kernels.rng`).
"""

from __future__ import annotations

import numpy as np

from .constraints import Interval

__all__ = ["SEED", "as_seed_sequence", "child", "replicate_keys", "stream_key", "GRAPH", "SEEDING", "REPLICATES", "PREDICTION"]

GRAPH = 0
SEEDING = 1
REPLICATES = 2
PREDICTION = 3  # warm starts from observed cascades: (PREDICTION, cascade, placement, 0 placing | 1 simulating)

SeedLike = int | np.random.SeedSequence | None

SEED = Interval(0, 2**63 - 1, integer=True)
"""A user seed: a non-negative int64 (so manifests, JSON and numpy hold it exactly)."""


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Turn ``seed`` into a SeedSequence; ``None`` draws fresh OS entropy (recorded in ``.entropy``)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    return np.random.SeedSequence(SEED.check("seed", seed))


def child(ss: np.random.SeedSequence, *path: int) -> np.random.SeedSequence:
    """The child of ``ss`` at spawn-key ``path`` (pure: does not advance ``ss``)."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + tuple(int(p) for p in path))


def stream_key(seed: SeedLike, *path: int) -> np.uint64:
    """A 64-bit key for a kernel stream, from ``seed`` and a purpose path."""
    return child(as_seed_sequence(seed), *path).generate_state(1, np.uint64)[0]


def replicate_keys(seed: SeedLike, runs: int, *, first: int = 0) -> np.ndarray:
    """Keys (uint64, one per replicate) for replicates ``first .. first + runs - 1``.

    The child sequence ``(REPLICATES,)`` of the seed gives one 64-bit base key; replicate ``i``'s
    key is ``hash2(base, i)``, the same counter-based construction every draw in the kernels
    uses.  A key depends only on (seed, i): not on batching, threads or the number of runs.
    """
    from .kernels.rng import derive_keys

    base = child(as_seed_sequence(seed), REPLICATES).generate_state(1, np.uint64)[0]
    return derive_keys(base, np.int64(first), np.int64(runs))
