"""A plain-Python reference of the several-contents model of docs/model.md ("Several contents").

Written from the documented rules with lists, dicts and sets (no stamps, pools or bitmaps), using
the same keyed draws as the kernel (the rng functions are callable from Python), so that
``simulate_world`` can be compared with it array for array on tiny graphs.  Slow: tiny inputs only.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from viralsim.kernels import rng
from viralsim.kernels.cascade import (_P_DELAY, _P_ENGAGE, _P_FUNNEL, _P_PAID_SHARE, _P_PAID_TARGET, _P_REACH,
                                      _P_SHARE)
from viralsim.kernels.world import _P_CLICK_SOURCE, _P_COLLIDE
from viralsim.model.simulate import _delay_table
from viralsim.model.world import _SIGN, content_salt

OWNED, PAID, EARNED = 0, 1, 2


def _u(key, ctr) -> float:
    return float(rng.uniform(np.uint64(key), np.uint64(ctr)))  # counters are never negative


def _h(key, ctr) -> np.uint64:
    return rng.hash2(np.uint64(key), np.uint64(ctr))


def _tree_distance_sum(nodes, parent):
    """Sum of distances over unordered pairs of one tree (BFS from every node)."""
    adj = {v: [] for v in nodes}
    for v in nodes:
        if parent[v] is not None:
            adj[v].append(parent[v])
            adj[parent[v]].append(v)
    total = 0
    for s in nodes:
        dist = {s: 0}
        q = deque([s])
        while q:
            x = q.popleft()
            for y in adj[x]:
                if y not in dist:
                    dist[y] = dist[x] + 1
                    q.append(y)
        total += sum(dist.values())
    return total / 2


def replicate(graph, specs, key, *, cross, prior, attention, collision, segment):
    """One replicate of the world; returns per content (metrics dict, series dict, extras) and world metrics.

    ``specs``: the ContentSpec list; ``cross``/``prior``: dicts (a, c) -> factor; ``segment``: int per node.
    """
    n = graph.n_nodes
    follows = [list(map(int, graph.indices[graph.indptr[u]:graph.indptr[u + 1]])) for u in range(n)]
    C = len(specs)
    step = specs[0].model.step
    n_steps = int(round(specs[0].model.horizon / step))
    keys = [np.uint64(key) if c == 0 else _h(key, content_salt(specs[c].name)) for c in range(C)]
    sent = [_SIGN[s.sentiment] for s in specs]
    tables = [_delay_table(s.model.delay_median, s.model.delay_sigma, step, n_steps) for s in specs]
    seeds = [[int(x) for x in s.seeds] for s in specs]
    seed_steps = [[0] * len(seeds[c]) if s.seed_times is None else [int(math.floor(t / step + 0.5))
                                                                    for t in s.seed_times]
                  for c, s in enumerate(specs)]
    names = [s.name for s in specs]
    if collision == "first":
        cls = [0] * C
        n_cls = 1
    elif collision == "random":
        cls = list(range(C))
        n_cls = C
    else:
        cls = [(-v if collision == "positive" else v) + 1 for v in sent]
        n_cls = 3

    calendar = {}  # (step, class) -> list of events (v, content, source, kind)

    def push(t, c, ev):
        calendar.setdefault((t, cls[c]), []).append(ev)

    seg_nodes = {}
    for v in range(n):
        seg_nodes.setdefault(int(segment[v]), []).append(v)

    def launch(c, t0):
        for i, v in enumerate(seeds[c]):
            if t0 + seed_steps[c][i] <= n_steps:
                push(t0 + seed_steps[c][i], c, (v, c, ("seed", i), 3))
        j = 0
        for p in specs[c].paid:
            tv = t0 + int(math.floor(p.time / step + 0.5))
            for _ in range(p.impressions):
                if tv <= n_steps:
                    u01 = _u(_h(keys[c], _P_PAID_TARGET), j)
                    if p.segment is None:
                        w = int(u01 * n)
                    else:
                        pool = seg_nodes[graph.segment_names.index(p.segment)]
                        w = pool[int(u01 * len(pool))]
                    push(tv, c, (w, c, ("paid", j), PAID))
                j += 1

    # per-(user, content) state in dicts
    views = {}  # (v, c) -> [views, earned, paid]
    first = {}  # (v, c) -> (t, kind, seed)
    decided = {}
    posted = {}  # (v, c) -> sharer index
    reserved = {(v, c) for c in range(C) for v in seeds[c]}
    viewed_order = {}  # v -> list of contents in the order of their first view
    prior_set = {}  # (v, c) -> contents viewed before v's first view of c
    posted_set = {}  # v -> contents v has posted
    last = {}
    first_pos, first_neg = {}, {}
    att = {}
    sharers = [[] for _ in range(C)]  # per content: (node, parent index or None, seed index or -1, gen)
    series = [{k: [0] * (n_steps + 1) for k in ("reach", "impressions_owned", "impressions_paid",
                                               "impressions_earned", "shares")} for _ in range(C)]
    counters = [{"reach": 0, "shares": 0, "impressions": 0} for _ in range(C)]
    dropped = [0] * C
    launch_step = [None] * C
    trig_step = [None] * C
    for c, s in enumerate(specs):
        if s.trigger is None:
            launch_step[c] = int(math.floor(s.start / step + 0.5))
            launch(c, launch_step[c])
    kind_name = {OWNED: "impressions_owned", PAID: "impressions_paid", EARNED: "impressions_earned"}
    seq = 0
    for t in range(n_steps + 1):
        if collision == "random":
            order = list(range(n_cls))
            kt = _h(_h(key, _P_COLLIDE), t)
            for i in range(n_cls - 1, 0, -1):
                j = int(_u(kt, i) * (i + 1))
                order[i], order[j] = order[j], order[i]
        else:
            order = list(range(n_cls))
        again = True
        while again:
            again = False
            for cl in order:
                events = calendar.pop((t, cl), [])
                for v, c, src, kind in events:
                    seq += 1
                    parent = None
                    if src[0] == "seed":
                        seed_idx = src[1]
                    else:
                        if attention is not None:
                            at_t, k_att = att.get(v, (None, 0))
                            if at_t != t:
                                k_att = 0
                            if k_att >= attention:
                                dropped[c] += 1
                                continue
                            att[v] = (t, k_att + 1)
                        vw = views.setdefault((v, c), [0, 0, 0])
                        vw[0] += 1
                        vw[1] += kind == EARNED
                        vw[2] += kind == PAID
                        series[c][kind_name[kind]][t] += 1
                        counters[c]["impressions"] += 1
                        if (v, c) not in first:
                            first[(v, c)] = (t, kind, sharers[c][src[1]][2] if src[0] == "post" else -1)
                            counters[c]["reach"] += 1
                            prior_set[(v, c)] = list(viewed_order.get(v, []))
                            viewed_order.setdefault(v, []).append(c)
                            if sent[c] > 0:
                                first_pos.setdefault(v, seq)
                            elif sent[c] < 0:
                                first_neg.setdefault(v, seq)
                        last[v] = c
                        shared = False
                        if (v, c) not in posted and (v, c) not in reserved:
                            k = decided.get((v, c), 0) + 1
                            decided[(v, c)] = k
                            m = specs[c].model
                            aff = 1.0 if m.affinity is None else m.affinity[segment[v]]
                            hours = (t - launch_step[c]) * step
                            decay = 1.0 if m.half_life is None else float(np.exp2(-hours / m.half_life))
                            p = m.stickiness * decay * aff
                            if m.fatigue != 1.0:
                                p *= m.fatigue ** (k - 1)
                            f = 1.0  # prior factors, then cross factors, each for increasing content index
                            for a in sorted(prior_set[(v, c)]):
                                f *= prior.get((a, c), 1.0)
                            for a in sorted(posted_set.get(v, [])):
                                if a != c:
                                    f *= cross.get((a, c), 1.0)
                            p *= f
                            if src[0] == "post":
                                coin = _u(_h(keys[c], _P_SHARE), sharers[c][src[1]][0] * n + v)
                            else:
                                coin = _u(_h(keys[c], _P_PAID_SHARE), src[1])
                            shared = coin < p
                        if shared:
                            parent = src[1] if src[0] == "post" else None
                            seed_idx = sharers[c][parent][2] if parent is not None else -1
                            series[c]["shares"][t] += 1
                            counters[c]["shares"] += 1
                        if not shared:
                            continue
                    # v posts content c
                    gen = 0 if src[0] == "seed" else (sharers[c][parent][3] + 1 if parent is not None else 1)
                    posted[(v, c)] = len(sharers[c])
                    sharers[c].append((v, parent, seed_idx, gen))
                    posted_set.setdefault(v, []).append(c)
                    m = specs[c].model
                    cdf, fixed = tables[c]
                    post_kind = OWNED if src[0] == "seed" else EARNED
                    for w in follows[v]:
                        ctr = v * n + w
                        if m.feed_reach < 1.0 and _u(_h(keys[c], _P_REACH), ctr) >= m.feed_reach:
                            continue
                        if fixed > 0:
                            d = fixed
                        else:
                            u01 = _u(_h(keys[c], _P_DELAY), ctr)
                            if u01 >= cdf[n_steps - 1]:
                                continue
                            d = 1 + int(np.searchsorted(cdf, u01, side="right"))
                        if t + d <= n_steps:
                            push(t + d, c, (w, c, ("post", posted[(v, c)]), post_kind))
            # end of a round: the triggers, contents in order; a launch at this step adds a round
            for d, sd in enumerate(specs):
                if sd.trigger is not None and trig_step[d] is None:
                    a = names.index(sd.trigger.after)
                    if counters[a][sd.trigger.metric] >= sd.trigger.level:
                        trig_step[d] = t
                        launch_step[d] = t + int(math.floor(sd.trigger.response_time / step + 0.5))
                        if launch_step[d] <= n_steps:
                            launch(d, launch_step[d])
            again = any((t, cl) in calendar for cl in order)

    out = []
    for c, s in enumerate(specs):
        m = s.model
        kc = keys[c]
        reach = {k: 0 for k in ("all", OWNED, PAID, EARNED)}
        views_total = views_earned = clicks = clicks_earned = clicks_paid = conv = conv_earned = 0
        attribution = [0] * len(seeds[c])
        reach_seg = {}
        for (v, cc), (nv, ne, npd) in sorted(views.items()):
            if cc != c:
                continue
            ft, fk, fs = first[(v, c)]
            reach["all"] += 1
            reach[fk] += 1
            series[c]["reach"][ft] += 1
            reach_seg[int(segment[v])] = reach_seg.get(int(segment[v]), 0) + 1
            if fk == EARNED and fs >= 0:
                attribution[fs] += 1
            views_total += nv
            views_earned += ne
            if m.click_rate > 0:
                kf = _h(kc, _P_FUNNEL)
                ce = int(rng.binomial_from_uniform(_u(kf, 3 * v), ne, m.click_rate)) if ne > 0 else 0
                co = int(rng.binomial_from_uniform(_u(kf, 3 * v + 1), nv - ne, m.click_rate)) if nv > ne else 0
                clicks += ce + co
                clicks_earned += ce
                left, left_paid = nv - ne, npd
                kw = _h(_h(kc, _P_CLICK_SOURCE), v)
                for j in range(co):
                    if _u(kw, j) * left < left_paid:
                        clicks_paid += 1
                        left_paid -= 1
                    left -= 1
                if ce + co > 0 and m.conversion_rate > 0:
                    p_no = math.log1p(-m.conversion_rate) if m.conversion_rate < 1 else -math.inf
                    if _u(kf, 3 * v + 2) < -math.expm1((ce + co) * p_no):
                        conv += 1
                        conv_earned += fk == EARNED
        eng = eng_e = 0
        if m.engagement_rate > 0:
            stream = np.zeros(1, dtype=np.uint64)
            rng.seed_stream(stream, np.uint64(_h(kc, _P_ENGAGE)), np.int64(0))
            eng_e = int(rng.binomial(stream, views_earned, m.engagement_rate))
            eng = eng_e + int(rng.binomial(stream, views_total - views_earned, m.engagement_rate))
        sh = sharers[c]
        seed_posts = sum(1 for x in sh if x[3] == 0)
        shares = len(sh) - seed_posts
        depth = max((x[3] for x in sh), default=0)
        gen1_of_seeds = sum(1 for x in sh if x[1] is not None and sh[x[1]][3] == 0 and sh[x[1]][2] >= 0)
        offspring = sum(1 for x in sh if x[1] is not None)
        offspring_of_sharers = sum(1 for x in sh if x[1] is not None and sh[x[1]][3] != 0)
        roots = {}
        for i, x in enumerate(sh):
            r = i
            while sh[r][1] is not None:
                r = sh[r][1]
            roots.setdefault(r, []).append(i)
        dist = pairs = 0.0
        for members in roots.values():
            if len(members) > 1:
                dist += _tree_distance_sum(members, {i: sh[i][1] for i in members})
                pairs += len(members) * (len(members) - 1) / 2
        ser = series[c]
        ser["impressions"] = [ser["impressions_owned"][t] + ser["impressions_paid"][t] + ser["impressions_earned"][t]
                              for t in range(n_steps + 1)]
        imp = sum(ser["impressions"])
        t50 = t90 = peak = math.nan
        if reach["all"] > 0:
            cum, best = 0, -1
            for t in range(n_steps + 1):
                x = ser["reach"][t]
                cum += x
                if x > best:
                    best, peak = x, t * step
                if math.isnan(t50) and cum >= 0.5 * reach["all"]:
                    t50 = t * step
                if math.isnan(t90) and cum >= 0.9 * reach["all"]:
                    t90 = t * step
        metrics = {
            "reach": reach["all"], "reach_owned": reach[OWNED], "reach_paid": reach[PAID],
            "reach_earned": reach[EARNED], "impressions": imp, "impressions_owned": sum(ser["impressions_owned"]),
            "impressions_paid": sum(ser["impressions_paid"]), "impressions_earned": sum(ser["impressions_earned"]),
            "frequency": imp / reach["all"] if reach["all"] else math.nan, "shares": shares,
            "engagements": eng, "engagements_earned": eng_e, "clicks": clicks, "clicks_earned": clicks_earned,
            "conversions": conv, "conversions_earned": conv_earned, "depth": depth,
            "structural_virality": dist / pairs if pairs else math.nan, "time_to_50pct_h": t50,
            "time_to_90pct_h": t90, "peak_time_h": peak, "virality_rate": shares / imp if imp else math.nan,
            "amplification": gen1_of_seeds / seed_posts if seed_posts else math.nan,
            "k_factor": offspring / len(sh) if sh else math.nan,
            "k_factor_sharers": offspring_of_sharers / shares if shares else math.nan,
            "clicks_owned": clicks - clicks_earned - clicks_paid, "clicks_paid": clicks_paid,
        }
        extras = {"launch_h": launch_step[c] * step if launch_step[c] is not None and launch_step[c] <= n_steps
                  else math.nan, "trigger_h": trig_step[c] * step if trig_step[c] is not None else math.nan,
                  "views_dropped": dropped[c], "seed_posts": seed_posts, "attribution": attribution,
                  "reach_by_segment": reach_seg}
        out.append((metrics, ser, extras))
    viewers = set(viewed_order)
    both = [v for v in viewers if v in first_pos and v in first_neg]
    world = {"audience_reached": len(viewers), "saw_both": len(both),
             "inoculated": sum(1 for v in both if first_pos[v] < first_neg[v]),
             "unanswered": sum(1 for v in viewers if v in first_neg and v not in first_pos),
             "positive_last": sum(1 for v in viewers if sent[last[v]] > 0),
             "negative_last": sum(1 for v in viewers if sent[last[v]] < 0),
             "posted_several": sum(1 for v, cs in posted_set.items() if len(cs) > 1)}
    world["net_sentiment_reach"] = world["positive_last"] - world["negative_last"]
    return out, world
