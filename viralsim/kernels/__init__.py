"""Numba kernels: arrays and scalars in, arrays out. No Python objects, no validation here.

Public functions in the rest of viralsim validate their inputs, allocate, and call these.

Numba's on-disk cache checks only the source file of each cached function, but the kernels
inline helpers from sibling files (``rng.py``, ``memory.py``): after an edit to a helper, a
kernel in another file would load its stale machine code and compute with the old helper,
silently.  So on import the kernels' sources are hashed together, and when the hash differs
from the one stamped beside the cache, this package's cache files are dropped (a fresh install
has none; a read-only install cannot have been edited).  With ``NUMBA_CACHE_DIR`` set, numba
keeps the cache there instead, out of this check's reach: clear it after editing a helper.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def sources_digest() -> str:
    """SHA-256 of every kernel source file, in name order."""
    h = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def drop_stale_caches(cache_dir: Path, digest: str) -> bool:
    """Delete numba's cache files in ``cache_dir`` unless its stamp says ``digest``; True if dropped."""
    stamp = cache_dir / "viralsim-kernels.sha256"
    try:
        if stamp.read_text(encoding="ascii") == digest:
            return False
    except OSError:
        pass
    try:
        for cached in cache_dir.glob("*.nb[ic]"):
            cached.unlink()
        cache_dir.mkdir(exist_ok=True)
        tmp = cache_dir / f".viralsim-kernels.{os.getpid()}.tmp"
        tmp.write_text(digest, encoding="ascii")
        os.replace(tmp, stamp)
    except OSError:  # read-only: nothing was cached here by this tree
        return False
    return True


DIGEST = sources_digest()
drop_stale_caches(_HERE / "__pycache__", DIGEST)
