"""The CSR graph invariants and the seeding scheme."""

import numpy as np
import pytest

from viralsim.errors import InvalidParameterError
from viralsim.graph import SocialGraph
from viralsim.kernels import rng
from viralsim.random import replicate_keys


def test_from_arcs_drops_loops_and_duplicates_and_sorts_rows():
    g = SocialGraph.from_arcs(4, [0, 1, 2, 2, 3, 3], [1, 0, 3, 2, 0, 2], directed=False)
    assert g.n_nodes == 4 and g.n_edges == 3
    assert g.dropped == (1, 2)  # 2-2 loop; 1-0 and 3-2 repeat 0-1 and 2-3
    assert g.indices[g.indptr[3]:g.indptr[4]].tolist() == [0, 2]


def test_directed_reverse_is_transpose():
    src = np.array([0, 0, 1, 3, 2])
    dst = np.array([1, 2, 2, 0, 0])
    g = SocialGraph.from_arcs(4, src, dst, directed=True)
    arcs = {(u, int(v)) for u in range(4) for v in g.indices[g.indptr[u]:g.indptr[u + 1]]}
    rarcs = {(int(v), u) for u in range(4) for v in g.in_indices[g.in_indptr[u]:g.in_indptr[u + 1]]}
    assert arcs == rarcs == set(zip(src.tolist(), dst.tolist()))
    assert g.in_degree.tolist() == [2, 1, 2, 0]


def test_graph_is_immutable_and_checked():
    g = SocialGraph.from_arcs(3, [0], [1], directed=True)
    with pytest.raises(ValueError):
        g.indices[0] = 2
    with pytest.raises(InvalidParameterError):
        SocialGraph(np.array([0, 1]), np.array([5]), directed=True)


def test_replicate_keys_do_not_depend_on_batching():
    all_keys = replicate_keys(7, 10)
    assert np.array_equal(all_keys[4:], replicate_keys(7, 6, first=4))
    assert len(set(all_keys.tolist())) == 10
    assert not np.array_equal(all_keys, replicate_keys(8, 10))


def test_counter_uniforms_are_uniform_and_binomial_is_exact_in_mean():
    from numba import njit

    @njit
    def draws(key, n):
        out = np.empty(n)
        for i in range(n):
            out[i] = rng.uniform(key, i)
        return out

    u = draws(np.uint64(12345), 200_000)
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    expected = u.size / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 43.8  # 99.9% quantile of chi-square with 19 dof
    lag = np.corrcoef(u[:-1], u[1:])[0, 1]
    assert abs(lag) < 4 / np.sqrt(u.size)

    @njit
    def binoms(key, reps, n, p):
        st = np.zeros(1, dtype=np.uint64)
        out = np.empty(reps)
        for r in range(reps):
            rng.seed_stream(st, key, r)
            out[r] = rng.binomial(st, n, p)
        return out

    for n, p in [(50, 0.1), (30, 0.8), (1000, 0.003)]:
        b = binoms(np.uint64(99), 40_000, n, p)
        se_mean = np.sqrt(n * p * (1 - p) / b.size)
        assert abs(b.mean() - n * p) < 4 * se_mean
        assert abs(b.var() - n * p * (1 - p)) < 0.05 * n * p * (1 - p) + 4 * np.sqrt(2 / b.size) * n * p * (1 - p)


def test_atomic_outputs_get_ordinary_permissions(tmp_path):
    import os
    import stat

    from viralsim._io import atomic_directory, write_text_atomic

    mask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
        with atomic_directory(tmp_path / "run") as d:
            (d / "summary.json").write_text("{}")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644  # not mkstemp's 0600
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o755  # not mkdtemp's 0700
    assert stat.S_IMODE((tmp_path / "run" / "summary.json").stat().st_mode) == 0o644


def test_kernel_caches_are_dropped_when_any_kernel_source_changes(tmp_path):
    # numba checks only a cached function's own file; helpers inlined from rng.py or memory.py
    # would otherwise leave other files' kernels running their old code
    from viralsim.kernels import DIGEST, drop_stale_caches, sources_digest

    assert sources_digest() == DIGEST
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    for name in ("k.f-1.py311.nbi", "k.f-1.py311.1.nbc", "keep.pyc"):
        (cache / name).write_bytes(b"x")
    assert drop_stale_caches(cache, "digest-1")  # no stamp yet: dropped, stamp written
    assert sorted(p.name for p in cache.iterdir()) == ["keep.pyc", "viralsim-kernels.sha256"]
    (cache / "k.f-1.py311.nbi").write_bytes(b"x")
    assert not drop_stale_caches(cache, "digest-1") and (cache / "k.f-1.py311.nbi").exists()
    assert drop_stale_caches(cache, "digest-2") and not (cache / "k.f-1.py311.nbi").exists()
