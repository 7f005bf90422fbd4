"""Test-wide set-up: the tests' own numba kernels inline viralsim's kernel helpers, so their
cache is dropped with the package's when those sources change (see viralsim.kernels)."""

from pathlib import Path

from viralsim.kernels import DIGEST, drop_stale_caches

drop_stale_caches(Path(__file__).resolve().parent / "__pycache__", DIGEST)
