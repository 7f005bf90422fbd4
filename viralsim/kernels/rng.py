"""Counter-based random numbers for numba kernels.

Every random draw in viralsim is a pure function of a 64-bit *key* (one per replicate, from
:func:`viralsim.random.replicate_keys`) and a *counter* that names the draw (an arc index, a
node index, a purpose).  Nothing is shared between threads and nothing depends on the order in
which replicates or arcs are processed, so results are identical for any thread count.  Keying
draws by arc also couples scenarios: replicate ``i`` of two scenarios sees the same coin on the
same arc (common random numbers).

The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied twice so that nearby
keys and nearby counters give unrelated outputs.  Where a kernel needs a run of draws for one
purpose (a generator, a node's clicks) it seeds a tiny sequential SplitMix64 stream from one
hash: ``state`` is a one-element uint64 array.

Numba caches each module separately: kernels that use these helpers must be recompiled if this
file changes (delete ``__pycache__``); keep it small and stable.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(cache=True, inline="always")
def mix64(z):
    """SplitMix64 finaliser: a bijective, avalanche-complete 64-bit mix."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def hash2(key, counter):
    """A 64-bit random word named by (key, counter)."""
    return mix64(np.uint64(key) ^ mix64(np.uint64(counter) * GOLDEN + GOLDEN))


@njit(cache=True, inline="always")
def to_unit(word):
    """uint64 -> float in [0, 1) with 53 random bits."""
    return float(np.uint64(word) >> _S11) * _INV53


@njit(cache=True, inline="always")
def uniform(key, counter):
    """Uniform [0, 1) named by (key, counter)."""
    return to_unit(hash2(key, counter))


@njit(cache=True, inline="always")
def seed_stream(state, key, counter):
    """Start the sequential stream ``state`` (uint64[1]) at the point named by (key, counter)."""
    state[0] = hash2(key, counter)


@njit(cache=True, inline="always")
def next_u64(state):
    """Next word of a SplitMix64 stream."""
    state[0] = state[0] + GOLDEN
    return mix64(state[0])


@njit(cache=True, inline="always")
def next_uniform(state):
    return to_unit(next_u64(state))


@njit(cache=True, inline="always")
def next_below(state, n):
    """Uniform integer in [0, n) (n < 2**53; bias below 2**-53 * n)."""
    return np.int64(next_uniform(state) * n)


def _exponential_ziggurat(r, layers=256):
    """Tables of Marsaglia & Tsang's (2000) ziggurat for Exp(1), 53-bit version.

    Layer 0 is the rectangle [0, r] x [0, e^-r] plus the tail beyond r; layer i >= 1 is the
    rectangle [0, x_i] x [e^-x_i, e^-x_(i+1)], with x_1 = r and x_(i+1) = -log(e^-x_i + v / x_i)
    so that every layer has area v = (r + 1) e^-r; r makes the top layer end at x = 0.
    Returns ``(kept, width, height)``: a 53-bit draw j in layer i gives x = j * width[i], kept
    outright when j < kept[i] (x lies left of the layer above); ``height[i]`` is e^-x_i.
    """
    v = (r + 1.0) * math.exp(-r)
    x = np.zeros(layers + 1)
    x[0] = v / math.exp(-r)  # layer 0 as one rectangle of area v: its part beyond r is the tail
    x[1] = r
    for i in range(1, layers - 1):
        x[i + 1] = -math.log(math.exp(-x[i]) + v / x[i])
    x[layers] = 0.0
    scale = 2.0**53
    kept = np.array([np.uint64(x[i + 1] / x[i] * scale) for i in range(layers)], dtype=np.uint64)
    width = x[:layers] / scale
    height = np.exp(-x)
    return kept, width, height


_ZIG_R = 7.69711747013104972  # the base layer's edge for 256 layers (Marsaglia & Tsang 2000)
_ZIG_KEPT, _ZIG_WIDTH, _ZIG_HEIGHT = _exponential_ziggurat(_ZIG_R)
_LOW8 = np.uint64(255)


@njit(cache=True)
def _exponential_slow(state, i, x):
    """The ziggurat's rare cases (about 1.1% of draws): the tail beyond r, or a point in a layer's
    wedge; returns -1.0 when the point is rejected and the draw must start again."""
    if i == 0:
        return _ZIG_R - math.log(1.0 - next_uniform(state))  # r + Exp(1): the tail is memoryless
    y = _ZIG_HEIGHT[i] + next_uniform(state) * (_ZIG_HEIGHT[i + 1] - _ZIG_HEIGHT[i])
    return x if y < math.exp(-x) else -1.0


@njit(cache=True, inline="always")
def next_exponential(state):
    """Exp(1) from a sequential stream by the ziggurat: one word and no logarithm for 98.9% of
    draws (``-log(1 - u)`` costs a logarithm every time)."""
    while True:
        word = next_u64(state)
        i = np.int64(word & _LOW8)
        j = word >> _S11
        x = float(j) * _ZIG_WIDTH[i]
        if j < _ZIG_KEPT[i]:
            return x
        x = _exponential_slow(state, i, x)
        if x >= 0.0:
            return x


@njit(cache=True, inline="always")
def normal_from(u1, u2):
    """Standard normal from two uniforms in [0, 1) (Box–Muller, cosine branch)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True, inline="always")
def next_normal(state):
    u1 = next_uniform(state)
    u2 = next_uniform(state)
    return normal_from(u1, u2)


@njit(cache=True, inline="always")
def geometric_skip(u, log1m_p):
    """Failures before the first success of Bernoulli(p) trials, from one uniform u.

    ``log1m_p`` is ``log(1 - p)`` (negative; ``-inf`` when p == 1 gives 0 skips).
    """
    if log1m_p == -np.inf:
        return np.int64(0)
    g = math.floor(math.log(1.0 - u) / log1m_p)
    if g > 9.0e18:
        return np.int64(9_000_000_000_000_000_000)
    return np.int64(g)


@njit(cache=True, inline="always")
def geometric_from_exponential(e, inv_rate):
    """Failures before the first success of Bernoulli(p) trials, from one Exp(1) draw ``e``.

    ``floor(e / -log(1 - p))``, the same law as :func:`geometric_skip`; ``inv_rate`` is
    ``1 / -log(1 - p)`` (0 when p == 1 gives 0 skips).  With :func:`next_exponential` it costs
    no logarithm per skip.
    """
    g = math.floor(e * inv_rate)
    if g > 9.0e18:
        return np.int64(9_000_000_000_000_000_000)
    return np.int64(g)


@njit(cache=True)
def binomial(state, n, p):
    """Exact Binomial(n, p) by geometric skipping: O(n p + 1) draws."""
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    if p > 0.5:
        return n - binomial(state, n, 1.0 - p)
    log1m_p = math.log1p(-p)
    k = np.int64(0)
    pos = np.int64(-1)
    while True:
        pos += 1 + geometric_skip(next_uniform(state), log1m_p)
        if pos >= n:
            return k
        k += 1


@njit(cache=True)
def binomial_from_uniform(u, n, p):
    """Binomial(n, p) by inversion of its CDF with the single uniform ``u``.

    One draw and no logarithms in the common case of small ``n p`` (a user's few views);
    when the mean is large, where ``(1 - p) ** n`` could underflow, it switches to exact
    geometric skipping on a stream seeded from ``u``.
    """
    if n <= 0 or p <= 0.0:
        return np.int64(0)
    if p >= 1.0:
        return np.int64(n)
    if n == 1:  # the common case (one view), the same answer as the inversion below without pow
        return np.int64(1) if u >= 1.0 - p else np.int64(0)
    if n * p > 30.0:
        st = np.empty(1, dtype=np.uint64)
        st[0] = np.uint64(u * 18446744073709551616.0)
        return binomial(st, n, p)
    q = 1.0 - p
    pmf = math.pow(q, n)
    cdf = pmf
    ratio = p / q
    k = np.int64(0)
    while u >= cdf and k < n:
        pmf *= (n - k) / (k + 1.0) * ratio
        k += 1
        cdf += pmf
    return k


@njit(cache=True)
def derive_keys(base, first, count):
    """Keys ``hash2(base, first + i)`` for i < count: one per replicate, from one base key."""
    out = np.empty(count, dtype=np.uint64)
    for i in range(count):
        out[i] = hash2(base, first + i)
    return out
