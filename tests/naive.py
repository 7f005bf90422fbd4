"""Slow, plainly correct references for the cascade kernel (pure Python, tiny inputs only)."""

from __future__ import annotations

import itertools
from collections import deque


def reachable(n, arcs, seeds):
    """Nodes reachable from ``seeds`` along ``arcs`` (list of (u, v))."""
    out = [[] for _ in range(n)]
    for u, v in arcs:
        out[u].append(v)
    seen = [False] * n
    queue = deque(seeds)
    for s in seeds:
        seen[s] = True
    while queue:
        u = queue.popleft()
        for v in out[u]:
            if not seen[v]:
                seen[v] = True
                queue.append(v)
    return seen


def ic_activation_probabilities(n, arcs, seeds, p):
    """Exact P(node active) under independent cascade: sum over all 2^m live-edge worlds."""
    probs = [0.0] * n
    m = len(arcs)
    for live in itertools.product((False, True), repeat=m):
        k = sum(live)
        weight = p**k * (1.0 - p) ** (m - k)
        seen = reachable(n, [a for a, on in zip(arcs, live) if on], seeds)
        for v in range(n):
            if seen[v]:
                probs[v] += weight
    return probs


def lt_activation_probabilities(n, arcs, seeds):
    """Exact P(node active) under linear threshold with weights 1/in-degree and uniform thresholds.

    Kempe, Kleinberg & Tardos (2003, Thm 2.5): LT equals the live-edge model where each node keeps
    exactly one of its in-arcs, each with probability 1/in-degree. Enumerates every choice.
    """
    incoming = [[] for _ in range(n)]
    for u, v in arcs:
        incoming[v].append((u, v))
    choosers = [v for v in range(n) if incoming[v]]
    probs = [0.0] * n
    for choice in itertools.product(*(incoming[v] for v in choosers)):
        weight = 1.0
        for v in choosers:
            weight /= len(incoming[v])
        seen = reachable(n, list(choice), seeds)
        for v in range(n):
            if seen[v]:
                probs[v] += weight
    return probs


def mean_pairwise_distance(n, edges):
    """Mean shortest-path distance over all unordered node pairs of a tree, by BFS from every node."""
    adj = [[] for _ in range(n)]
    for u, v in edges:
        adj[u].append(v)
        adj[v].append(u)
    total = 0
    for s in range(n):
        dist = [-1] * n
        dist[s] = 0
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for v in adj[u]:
                if dist[v] < 0:
                    dist[v] = dist[u] + 1
                    queue.append(v)
        total += sum(dist)
    return total / (n * (n - 1))
