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


# ---- a plain-Python reference of the documented one-content model (docs/model.md) ----------

# The kinds of a view (and of a user's first exposure), in the order of the impression metrics.
OWNED, PAID, EARNED = "owned", "paid", "earned"
_SERIES = ("reach", "impressions", "impressions_owned", "impressions_paid", "impressions_earned", "shares")


def _round_half_up(x):
    import math

    return int(math.floor(x + 0.5))


def reference_replicate(graph, model, seeds, key, *, seed_times=None, paid=()):
    """One replicate of ``model`` on ``graph`` from ``seeds``, simulated from the rules of
    docs/model.md as a plain list of timed events.

    ``key`` is the replicate's key (``viralsim.random.replicate_keys(seed, runs)[i]``); every draw
    is ``uniform(hash2(key, purpose), counter)`` with the kernel's purpose constants and counters
    (arc u -> v: ``u * n + v``; user w: ``w`` or ``3 w + j``; paid impression: its index), so the
    outcome is the kernel's replicate, not just one with the same law.

    Returns ``{"metrics": {name: float}, "series": {name: [int] * (steps + 1)},
    "reach_by_segment": [int] * segments, "attribution": [int] * len(seeds)}``.
    """
    import heapq
    import math

    import numpy as np

    from viralsim.kernels import cascade as K
    from viralsim.kernels.rng import binomial, binomial_from_uniform, hash2, seed_stream, uniform
    from viralsim.model.params import CascadeModel
    from viralsim.model.simulate import _delay_table

    n = graph.n_nodes
    seeds = [int(s) for s in seeds]
    cascade = isinstance(model, CascadeModel)
    step = model.step
    n_steps = int(round(model.horizon / step))
    # followers of u, in increasing id (the order in which one post's views are generated)
    followers = [sorted(int(w) for w in graph.indices[graph.indptr[u]:graph.indptr[u + 1]]) for u in range(n)]
    in_degree = [0] * n
    for u in range(n):
        for w in followers[u]:
            in_degree[w] += 1
    segment = [0] * n if graph.segment is None else [int(s) for s in graph.segment]
    n_segments = 1 if graph.segment is None else len(graph.segment_names)

    subkeys = {}  # hash2(key, purpose), as a uint64 (numba hands it back as a Python int)

    def draw(purpose, counter):
        if purpose not in subkeys:
            subkeys[purpose] = np.uint64(hash2(key, purpose))
        return uniform(subkeys[purpose], counter)

    # delay in steps of the view of u's post by w: fixed, or the inverse CDF of the discretised
    # lognormal (the smallest j with u01 < P(d <= j)); None when the view would fall after the horizon
    if model.delay_sigma == 0.0:
        fixed_delay = max(1, _round_half_up(model.delay_median / step))
        cdf = None
    else:
        cdf, _ = _delay_table(model.delay_median, model.delay_sigma, step, n_steps)

    def delay(u, w):
        if cdf is None:
            return fixed_delay
        u01 = draw(K._P_DELAY, u * n + w)
        for j in range(1, n_steps + 1):
            if u01 < cdf[j - 1]:
                return j
        return None

    def share_probability(t, w, k):
        p = model.stickiness
        if model.half_life is not None:
            p = p * 2.0 ** (-(t * step) / model.half_life)
        if model.affinity is not None:
            p = p * model.affinity[segment[w]]
        return p * model.fatigue ** (k - 1)

    def threshold_reached(w, c):
        """Under the threshold rule: have c distinct sharers' posts viewed reached w's threshold?
        (fractions are compared as c >= threshold x in-degree)"""
        if model.threshold is None:
            u01 = draw(K._P_THRESHOLD, w)
            if model.rule == "fraction":
                return c >= (1.0 - u01) * in_degree[w]  # threshold 1 - u01, uniform on (0, 1]
            return c >= 1 + int(u01 * in_degree[w])  # uniform on {1, ..., in-degree}
        if model.rule == "fraction":
            return c >= model.threshold * in_degree[w]
        return c >= model.threshold

    # ---- the event list: (step, order, event); ``order`` counts events in the order they are
    # created, so within a step events happen first in, first out.  The seeds' own posts are
    # created first (in seed order), then the paid impressions (placement by placement), then the
    # organic views as posts generate them.  A view's first-exposure tie (several first views in
    # one step) and a user's share parent (several share-worthy views in one step) are settled by
    # this order.
    events = []
    order = 0

    def add(t, event):
        nonlocal order
        heapq.heappush(events, (t, order, event))
        order += 1

    seed_step = [0] * len(seeds) if seed_times is None else [_round_half_up(h / step) for h in seed_times]
    for i, s in enumerate(seeds):
        if seed_step[i] <= n_steps:
            add(seed_step[i], ("own post", s, i))
    j = 0
    for placement in paid:
        t = _round_half_up(placement.time / step)
        if placement.segment is None:
            audience = list(range(n))
        else:
            sg = graph.segment_names.index(placement.segment)
            audience = [w for w in range(n) if segment[w] == sg]  # the segment's users by id
        for _ in range(placement.impressions):
            w = audience[int(draw(K._P_PAID_TARGET, j) * len(audience))]
            add(t, ("view", w, PAID, None, j))
            j += 1

    # ---- state
    views = [0] * n  # views of each user (impressions received)
    earned_views = [0] * n
    first = [None] * n  # (step, kind, seed index of the post's tree or None) of the first view
    decided = [0] * n  # cascade: views so far while not yet shared; threshold: distinct sharers viewed
    poster_of = {}  # user -> index in ``posters``
    posters = []  # dicts: node, parent (poster index or None), generation, seed (index or None), step
    series = {name: [0] * (n_steps + 1) for name in _SERIES}
    seed_set = set(seeds)

    def post(t, v, parent, seed_idx, generation):
        poster_of[v] = len(posters)
        posters.append({"node": v, "parent": parent, "generation": generation, "seed": seed_idx, "step": t})
        for w in followers[v]:
            if draw(K._P_REACH, v * n + w) >= model.feed_reach:
                continue  # not viewed at all
            d = delay(v, w)
            if d is None or t + d > n_steps:
                continue  # after the horizon
            add(t + d, ("view", w, OWNED if parent is None and generation == 0 else EARNED, v, None))

    while events:
        t, _, event = heapq.heappop(events)
        if event[0] == "own post":
            _, s, i = event
            post(t, s, None, i, 0)
            continue
        _, w, kind, u, j = event  # w views a post of u (None: paid impression j)
        views[w] += 1
        series["impressions_" + kind][t] += 1
        if kind == EARNED:
            earned_views[w] += 1
        if first[w] is None:
            tree_seed = None if u is None else posters[poster_of[u]]["seed"]
            first[w] = (t, kind, tree_seed)
            series["reach"][t] += 1
        if w in seed_set or w in poster_of:
            continue  # seeds never share; nobody shares twice
        if cascade:
            decided[w] += 1
            coin = draw(K._P_SHARE, u * n + w) if u is not None else draw(K._P_PAID_SHARE, j)
            shares = coin < share_probability(t, w, decided[w])
        else:
            if u is None:
                continue  # paid views do not count towards a threshold
            decided[w] += 1  # u is a distinct sharer: each user posts at most once
            shares = threshold_reached(w, decided[w])
        if shares:
            series["shares"][t] += 1
            if u is None:
                post(t, w, None, None, 1)  # a share of a paid post: no parent, generation 1
            else:
                pi = poster_of[u]
                post(t, w, pi, posters[pi]["seed"], posters[pi]["generation"] + 1)

    for t in range(n_steps + 1):
        series["impressions"][t] = sum(series["impressions_" + k][t] for k in (OWNED, PAID, EARNED))

    # ---- the funnel, per reached user and in aggregate
    reached = [w for w in range(n) if views[w] > 0]
    reach = len(reached)
    clicks = clicks_earned = conversions = conversions_earned = 0
    if model.click_rate > 0.0:
        for w in reached:
            ce = binomial_from_uniform(draw(K._P_FUNNEL, 3 * w), earned_views[w], model.click_rate)
            co = binomial_from_uniform(draw(K._P_FUNNEL, 3 * w + 1), views[w] - earned_views[w], model.click_rate)
            c = int(ce + co)
            clicks += c
            clicks_earned += int(ce)
            if c > 0 and model.conversion_rate > 0.0:
                if draw(K._P_FUNNEL, 3 * w + 2) < 1.0 - (1.0 - model.conversion_rate) ** c:
                    conversions += 1
                    conversions_earned += first[w][1] == EARNED
    impressions = sum(series["impressions"])
    imp_earned = sum(series["impressions_earned"])
    engagements = engagements_earned = 0
    if model.engagement_rate > 0.0:
        stream = np.zeros(1, dtype=np.uint64)
        seed_stream(stream, np.uint64(hash2(key, K._P_ENGAGE)), 0)
        engagements_earned = int(binomial(stream, imp_earned, model.engagement_rate))
        engagements = engagements_earned + int(binomial(stream, impressions - imp_earned, model.engagement_rate))

    # ---- the diffusion forest
    seed_posts = sum(1 for p in posters if p["parent"] is None and p["generation"] == 0)
    shares = len(posters) - seed_posts
    depth = max((p["generation"] for p in posters), default=0)
    children_of_seeds = sum(1 for p in posters if p["parent"] is not None and posters[p["parent"]]["generation"] == 0)
    # k-factors: mean offspring (shares of its post) per poster, and per sharer (seeds left out)
    offspring = sum(1 for p in posters if p["parent"] is not None)
    offspring_of_sharers = sum(1 for p in posters if p["parent"] is not None
                               and posters[p["parent"]]["generation"] != 0)
    # structural virality: distances between all pairs of posters of one tree (by BFS)
    adjacency = [[] for _ in posters]
    for i, p in enumerate(posters):
        if p["parent"] is not None:
            adjacency[i].append(p["parent"])
            adjacency[p["parent"]].append(i)
    distance_sum = 0
    pair_count = 0
    for root, p in enumerate(posters):
        if p["parent"] is not None:
            continue
        tree = {root: 0}
        queue = deque([root])
        while queue:
            a = queue.popleft()
            for b in adjacency[a]:
                if b not in tree:
                    tree[b] = tree[a] + 1
                    queue.append(b)
        for a in tree:  # all pairs: BFS again from each node of this tree
            dist = {a: 0}
            queue = deque([a])
            while queue:
                x = queue.popleft()
                for y in adjacency[x]:
                    if y not in dist:
                        dist[y] = dist[x] + 1
                        queue.append(y)
            distance_sum += sum(dist.values())
        pair_count += len(tree) * (len(tree) - 1)
    # (distance_sum and pair_count count ordered pairs: their ratio is the mean over unordered pairs)

    # ---- timing of reach
    nan = float("nan")
    t50 = t90 = peak = nan
    if reach > 0:
        cum = 0
        best = -1
        for t in range(n_steps + 1):
            x = series["reach"][t]
            cum += x
            if x > best:
                best, peak = x, t * step
            if math.isnan(t50) and cum >= 0.5 * reach:
                t50 = t * step
            if math.isnan(t90) and cum >= 0.9 * reach:
                t90 = t * step

    kinds = [first[w][1] for w in reached]
    metrics = {
        "reach": reach,
        "reach_owned": kinds.count(OWNED),
        "reach_paid": kinds.count(PAID),
        "reach_earned": kinds.count(EARNED),
        "impressions": impressions,
        "impressions_owned": sum(series["impressions_owned"]),
        "impressions_paid": sum(series["impressions_paid"]),
        "impressions_earned": imp_earned,
        "frequency": impressions / reach if reach else nan,
        "shares": shares,
        "engagements": engagements,
        "engagements_earned": engagements_earned,
        "clicks": clicks,
        "clicks_earned": clicks_earned,
        "conversions": conversions,
        "conversions_earned": conversions_earned,
        "depth": depth,
        "structural_virality": distance_sum / pair_count if pair_count else nan,
        "time_to_50pct_h": t50,
        "time_to_90pct_h": t90,
        "peak_time_h": peak,
        "virality_rate": shares / impressions if impressions else nan,
        "amplification": children_of_seeds / seed_posts if seed_posts else nan,
        "k_factor": offspring / len(posters) if posters else nan,
        "k_factor_sharers": offspring_of_sharers / shares if shares else nan,
        "seed_posts": seed_posts,
        "arcs_traversed": sum(len(followers[p["node"]]) for p in posters),
    }
    assert tuple(metrics) == K.METRIC_NAMES
    reach_by_segment = [0] * n_segments
    attribution = [0] * len(seeds)
    for w in reached:
        reach_by_segment[segment[w]] += 1
        _, kind, tree_seed = first[w]
        if kind == EARNED and tree_seed is not None:
            attribution[tree_seed] += 1
    tree = [(-1 if p["parent"] is None else p["parent"], p["step"], p["node"]) for p in posters]
    return {"metrics": {k: float(v) for k, v in metrics.items()}, "series": series,
            "reach_by_segment": reach_by_segment, "attribution": attribution, "tree": tree}


def reference_run(graph, model, seeds, keys, *, seed_times=None, paid=()):
    """:func:`reference_replicate` for every key, stacked like a SimulationResult: ``metrics``
    {name: (runs,)}, ``timeseries`` {name: (runs, steps + 1)}, ``reach_by_segment`` (runs,
    segments) and ``attribution`` (runs, seeds), all numpy arrays; ``trees``, per replicate, its
    posts in order as (parent post or -1, step, user)."""
    import numpy as np

    reps = [reference_replicate(graph, model, seeds, k, seed_times=seed_times, paid=paid) for k in keys]
    names = list(reps[0]["metrics"])
    return {
        "metrics": {m: np.array([r["metrics"][m] for r in reps]) for m in names},
        "timeseries": {s: np.array([r["series"][s] for r in reps], dtype=np.int64) for s in _SERIES},
        "reach_by_segment": np.array([r["reach_by_segment"] for r in reps], dtype=np.int64),
        "attribution": np.array([r["attribution"] for r in reps], dtype=np.int64).reshape(len(reps), len(seeds)),
        "trees": [r["tree"] for r in reps],
    }
