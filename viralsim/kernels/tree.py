"""The sharer list of a replicate and what is computed from it at the end: the diffusion-tree
metrics (depth, structural virality, amplification, k-factors), engagements, and the metrics row."""

from __future__ import annotations

import numpy as np
from numba import njit

from .layout import (
    _M_AMPLIFICATION, _M_ARCS_TRAVERSED, _M_CLICKS, _M_CLICKS_EARNED, _M_CONVERSIONS, _M_CONVERSIONS_EARNED, _M_DEPTH,
    _M_ENGAGEMENTS, _M_ENGAGEMENTS_EARNED, _M_FREQUENCY, _M_IMPRESSIONS, _M_IMPRESSIONS_EARNED, _M_IMPRESSIONS_OWNED,
    _M_IMPRESSIONS_PAID, _M_K_FACTOR, _M_K_FACTOR_SHARERS, _M_PEAK_TIME_H, _M_REACH, _M_REACH_EARNED, _M_REACH_OWNED, _M_REACH_PAID,
    _M_SEED_POSTS, _M_SHARES, _M_STRUCTURAL_VIRALITY, _M_TIME_TO_50PCT_H, _M_TIME_TO_90PCT_H, _M_VIRALITY_RATE,
    _P_ENGAGE, _S_IMPRESSIONS, _S_KIND, _S_REACH, EARNED, OWNED, PAID, T_ARCS_TRAVERSED, T_CLICKS, T_CLICKS_EARNED,
    T_CONVERSIONS, T_CONVERSIONS_EARNED, T_FROM_SEED_GEN1, T_REACH, T_REACH_EARNED, T_REACH_OWNED, T_REACH_PAID,
    T_SEED_POSTS, T_SHARERS, T_VIEWS, T_VIEWS_EARNED,
)
from .rng import binomial, hash2, seed_stream


# rows of a sharer list ``sh`` (int32 (SH_ROWS, n)): sharer s is user sh[SH_NODE, s], ...
SH_NODE = 0
SH_PARENT = 1  # the sharer whose post s shared, -1 for a seed's own post or a share of a paid post
SH_SEED = 2  # the seed whose cascade s belongs to, -1 for none (a paid post's)
SH_ROOT = 3
SH_GEN = 4
SH_SUB = 5  # subtree size, summed at the end
SH_STEP = 6  # the step of the post
SH_ROWS = 7


@njit(cache=True, inline="always")
def add_sharer(sh, s, v, parent, seed_idx, seed_post, t):
    """Enter user v as sharer ``s``, posting at step t (its post: a seed's own if ``seed_post``, else
    a share of sharer ``parent``'s post, or of a paid post when parent is -1).  Returns 1 if this
    is a first-generation share of a seed's post (amplification), else 0."""
    sh[SH_NODE, s] = v
    sh[SH_STEP, s] = t
    sh[SH_PARENT, s] = parent
    sh[SH_SEED, s] = seed_idx
    sh[SH_SUB, s] = 1
    if parent >= 0:
        sh[SH_GEN, s] = sh[SH_GEN, parent] + 1
        sh[SH_ROOT, s] = sh[SH_ROOT, parent]
        return 1 if sh[SH_GEN, parent] == 0 and sh[SH_SEED, parent] >= 0 else 0
    sh[SH_GEN, s] = 0 if seed_post else 1  # a share off a paid post is generation 1
    sh[SH_ROOT, s] = s
    return 0


@njit(cache=True)
def finish(key, stream, engagement_rate, step_h, t_end, series_row, node_counts, record_nodes, sh, tally, metrics_row):
    """End of a replicate, whichever path ran it: engagements, the diffusion-tree metrics of the
    sharer list ``sh`` (node, parent, seed, root, generation, subtree size rows), the impression
    totals and reach timing from the series, and the metrics row from the tallies.  Returns ``t_end``."""
    sh_node, sh_parent, sh_root, sh_gen, sh_sub = sh[SH_NODE], sh[SH_PARENT], sh[SH_ROOT], sh[SH_GEN], sh[SH_SUB]
    n_sharers = tally[T_SHARERS]
    seed_posts = tally[T_SEED_POSTS]
    from_seed_gen1 = tally[T_FROM_SEED_GEN1]
    reach = tally[T_REACH]
    views_earned = tally[T_VIEWS_EARNED]
    views_total = tally[T_VIEWS]
    engagements = 0
    engagements_earned = 0
    if engagement_rate > 0.0:
        seed_stream(stream, hash2(key, _P_ENGAGE), 0)
        engagements_earned = binomial(stream, views_earned, engagement_rate)
        engagements = engagements_earned + binomial(stream, views_total - views_earned, engagement_rate)

    # subtree sizes: a parent always shares before its children, so one reverse pass suffices
    depth = 0
    for s in range(n_sharers - 1, -1, -1):
        p = sh_parent[s]
        if p >= 0:
            sh_sub[p] += sh_sub[s]
    wiener = 0.0
    pairs = 0.0
    with_parent = 0  # posters whose post shared another poster's
    for s in range(n_sharers):
        g = sh_gen[s]
        if g > depth:
            depth = g
        if sh_parent[s] >= 0:
            with_parent += 1
            sub = float(sh_sub[s])
            wiener += sub * (sh_sub[sh_root[s]] - sub)  # pairs this tree edge separates
        else:
            size = float(sh_sub[s])
            pairs += size * (size - 1.0) / 2.0
        if record_nodes:
            node_counts[0, sh_node[s]] += 1
    shares = n_sharers - seed_posts
    impressions = 0
    imp_owned = 0
    imp_paid = 0
    imp_earned = 0
    for t in range(t_end + 1):  # nothing is recorded after t_end
        series_row[_S_IMPRESSIONS, t] = (series_row[_S_KIND + OWNED, t] + series_row[_S_KIND + PAID, t]
                                          + series_row[_S_KIND + EARNED, t])
        impressions += series_row[_S_IMPRESSIONS, t]
        imp_owned += series_row[_S_KIND + OWNED, t]
        imp_paid += series_row[_S_KIND + PAID, t]
        imp_earned += series_row[_S_KIND + EARNED, t]

    # per-step timing of reach
    t50 = np.nan
    t90 = np.nan
    peak = np.nan
    if reach > 0:
        cum = 0
        best = -1
        for t in range(t_end + 1):
            x = series_row[_S_REACH, t]
            cum += x
            if x > best:
                best = x
                peak = t * step_h
            if np.isnan(t50) and cum >= 0.5 * reach:
                t50 = t * step_h
            if np.isnan(t90) and cum >= 0.9 * reach:
                t90 = t * step_h
    m = metrics_row
    m[_M_REACH] = reach
    m[_M_REACH_OWNED] = tally[T_REACH_OWNED]
    m[_M_REACH_PAID] = tally[T_REACH_PAID]
    m[_M_REACH_EARNED] = tally[T_REACH_EARNED]
    m[_M_IMPRESSIONS] = impressions
    m[_M_IMPRESSIONS_OWNED] = imp_owned
    m[_M_IMPRESSIONS_PAID] = imp_paid
    m[_M_IMPRESSIONS_EARNED] = imp_earned
    m[_M_FREQUENCY] = impressions / reach if reach > 0 else np.nan
    m[_M_SHARES] = shares
    m[_M_ENGAGEMENTS] = engagements
    m[_M_ENGAGEMENTS_EARNED] = engagements_earned
    m[_M_CLICKS] = tally[T_CLICKS]
    m[_M_CLICKS_EARNED] = tally[T_CLICKS_EARNED]
    m[_M_CONVERSIONS] = tally[T_CONVERSIONS]
    m[_M_CONVERSIONS_EARNED] = tally[T_CONVERSIONS_EARNED]
    m[_M_DEPTH] = depth
    m[_M_STRUCTURAL_VIRALITY] = wiener / pairs if pairs > 0 else np.nan
    m[_M_TIME_TO_50PCT_H] = t50
    m[_M_TIME_TO_90PCT_H] = t90
    m[_M_PEAK_TIME_H] = peak
    m[_M_VIRALITY_RATE] = shares / impressions if impressions > 0 else np.nan
    m[_M_AMPLIFICATION] = from_seed_gen1 / seed_posts if seed_posts > 0 else np.nan
    # mean offspring per poster (the shares each post drew), seeds included, and per sharer
    m[_M_K_FACTOR] = with_parent / n_sharers if n_sharers > 0 else np.nan
    m[_M_K_FACTOR_SHARERS] = (with_parent - from_seed_gen1) / shares if shares > 0 else np.nan
    m[_M_SEED_POSTS] = seed_posts
    m[_M_ARCS_TRAVERSED] = tally[T_ARCS_TRAVERSED]
    return t_end
