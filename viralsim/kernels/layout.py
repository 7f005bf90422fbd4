"""The cascade kernels' data layout: output slots, state columns, draw purposes, and the
structures (named tuples of arrays and scalars) that carry a simulation's inputs and buffers.

The model layer builds the structures once per simulation; numba passes them by value (their
arrays by reference), so a kernel reads ``rules.fatigue`` instead of its 30th positional argument.
"""

from __future__ import annotations

from collections import namedtuple

# ---- output layout (the model layer names these) ------------------------------------------
METRIC_NAMES = (
    "reach", "reach_owned", "reach_paid", "reach_earned",
    "impressions", "impressions_owned", "impressions_paid", "impressions_earned",
    "frequency", "shares", "engagements", "engagements_earned", "clicks", "clicks_earned",
    "conversions", "conversions_earned", "depth", "structural_virality",
    "time_to_50pct_h", "time_to_90pct_h", "peak_time_h", "virality_rate", "amplification",
    "k_factor", "k_factor_sharers", "seed_posts", "arcs_traversed",
)
SERIES_NAMES = ("reach", "impressions", "impressions_owned", "impressions_paid", "impressions_earned", "shares")
N_METRICS = len(METRIC_NAMES)
N_SERIES = len(SERIES_NAMES)
# metric slots of a metrics row, by name (checked against METRIC_NAMES below)
_M_REACH = 0
_M_REACH_OWNED = 1
_M_REACH_PAID = 2
_M_REACH_EARNED = 3
_M_IMPRESSIONS = 4
_M_IMPRESSIONS_OWNED = 5
_M_IMPRESSIONS_PAID = 6
_M_IMPRESSIONS_EARNED = 7
_M_FREQUENCY = 8
_M_SHARES = 9
_M_ENGAGEMENTS = 10
_M_ENGAGEMENTS_EARNED = 11
_M_CLICKS = 12
_M_CLICKS_EARNED = 13
_M_CONVERSIONS = 14
_M_CONVERSIONS_EARNED = 15
_M_DEPTH = 16
_M_STRUCTURAL_VIRALITY = 17
_M_TIME_TO_50PCT_H = 18
_M_TIME_TO_90PCT_H = 19
_M_PEAK_TIME_H = 20
_M_VIRALITY_RATE = 21
_M_AMPLIFICATION = 22
_M_K_FACTOR = 23
_M_K_FACTOR_SHARERS = 24
_M_SEED_POSTS = 25
_M_ARCS_TRAVERSED = 26
assert all(globals()[f"_M_{name.upper()}"] == i for i, name in enumerate(METRIC_NAMES))
# series rows: new reach, impressions (summed at the end), impressions of kind k at _S_KIND + k, shares
_S_REACH = 0
_S_IMPRESSIONS = 1
_S_KIND = 2
_S_SHARES = 5
assert SERIES_NAMES[_S_KIND:_S_SHARES] == ("impressions_owned", "impressions_paid", "impressions_earned")

MODE_CASCADE = 0
MODE_THRESHOLD = 1
RULE_COUNT = 0
RULE_FRACTION = 1

# impression kinds (also the first-exposure kind of a reached user)
OWNED = 0
PAID = 1
EARNED = 2

# per-node state columns (int32 each, one 32-byte row per node and thread)
_STAMP = 0
_VIEWS = 1
_EARNED = 2
_FIRST_T = 3
_FIRST_KIND = 4
_FIRST_SEED = 5
_SHARER = 6  # -1: has not shared; -2: a seed waiting for its own post; >= 0: index in the sharer list
_AUX = 7  # fast path: queued candidate time; slow cascade: views decided so far; threshold: sharers viewed
_NSTATE = 8
NODE_STATE_COLUMNS = _NSTATE

_NEVER = 2_000_000_000
_AHEAD = 8  # rows of followers' state prefetched ahead of the arc being processed
_EVENTS_AHEAD = 4  # events ahead whose poster's row of followers is prefetched (full-feed path)

# purpose constants for sub-keys of a replicate key
_P_REACH = 1
_P_DELAY = 2
_P_SHARE = 4
_P_THRESHOLD = 5
_P_FUNNEL = 6
_P_PAID_TARGET = 7
_P_PAID_SHARE = 8
_P_SEED_PICK = 9
_P_ENGAGE = 10

# per-replicate tallies (int64), accumulated by the paths and turned into metrics by ``finish``
T_REACH = 0
T_REACH_OWNED = 1  # T_REACH_OWNED + kind: reach by the kind of the first view
T_REACH_PAID = 2
T_REACH_EARNED = 3
T_VIEWS = 4
T_VIEWS_EARNED = 5
T_CLICKS = 6
T_CLICKS_EARNED = 7
T_CONVERSIONS = 8
T_CONVERSIONS_EARNED = 9
T_SHARERS = 10
T_SEED_POSTS = 11
T_FROM_SEED_GEN1 = 12  # first-generation shares of seeds' own posts (amplification)
T_ARCS_TRAVERSED = 13
N_TALLY = 14
assert T_REACH_OWNED + EARNED == T_REACH_EARNED and T_REACH_OWNED + PAID == T_REACH_PAID

# ---- structures ------------------------------------------------------------------------------
CascadeGraph = namedtuple("CascadeGraph", "indptr indices in_degree segment")
CascadeGraph.__doc__ = """CSR of the audience (row u = u's followers), int64 in-degree per node (the threshold
rule's denominator), int32 segment per node."""

Seeding = namedtuple("Seeding", "seeds seed_steps random_seed paid_steps paid_counts paid_segment seg_indptr "
                                "seg_nodes seed_pool")
Seeding.__doc__ = """Seeds (int64 nodes) and the step of each seed's own post; ``random_seed``: each replicate
draws its own uniformly random seed(s) from its key instead; paid placements (int64 step, count,
segment or -1 for anyone, per placement); the nodes grouped by segment (for paid targeting);
``seed_pool``, int64, the users a random seed is drawn from (empty: everyone)."""

Rules = namedtuple("Rules", "mode queue_all full_feed share_prob_by_step affinity unit_affinity fatigue feed_reach "
                            "delay_cdf delay_guide step_h fixed_delay_steps threshold_rule threshold_value "
                            "engagement_rate click_rate conversion_rate stop_after_sharers")
Rules.__doc__ = """What decides shares and the funnel.

mode, queue_all : MODE_CASCADE or MODE_THRESHOLD; queue every view (needed when fatigue < 1).
full_feed : run the full-feed path; the caller decides that the model allows it (feed_reach 1,
    a fixed delay, fatigue 1, no paid posts, no clicks).
share_prob_by_step : float64 (n_steps + 1,), stickiness x decay at each view step.
affinity : float64 share multiplier per segment; unit_affinity : every multiplier is 1.
fatigue, feed_reach : floats in [0, 1].
delay_cdf : float64 (n_steps,), P(delay <= j steps) for j = 1..n_steps (used when
    fixed_delay_steps is 0); delay_guide : int32 (G,), ``searchsorted(delay_cdf, g / G,
    side="right")``: where the search for a uniform in [g / G, (g + 1) / G) starts.
step_h : the step in hours; fixed_delay_steps : a fixed delay in steps, or 0 to draw one.
threshold_rule, threshold_value : RULE_COUNT or RULE_FRACTION; a fixed threshold or -1 (random).
engagement_rate, click_rate, conversion_rate : funnel probabilities.
stop_after_sharers : end a replicate once this many users have posted (0: never)."""

Outputs = namedtuple("Outputs", "metrics series reach_seg attribution node_counts overflow trees")
Outputs.__doc__ = """Outputs for all runs (rows ``replicate_ids`` written): metrics float64 (R, N_METRICS);
series int32 (R or 0, N_SERIES, steps + 1) (0 rows: not kept); reach_seg int64 (R, segments);
attribution int64 (R, seeds); node_counts int64 (threads, 2, n or 0), per-thread counts of
(shared, reached) per node; overflow uint8 (R,), set for a replicate whose pool overflowed;
trees int32 (R or 0, 3, cap), each replicate's first ``cap`` posts in time order: the parent
post's row (-1 for a seed's own post or a share of a paid post), the step, the user (0 rows:
not kept; the replicate's post count is its shares + seed posts)."""

Buffers = namedtuple("Buffers", "state touched bits pool_node pool_src pool_next sh")
Buffers.__doc__ = """Per-thread O(n) buffers, allocated once per simulation and reused by every batch (numpy
gives large arrays huge pages; allocating them in the kernel faulted 4 KiB pages one by one).
state int32 (T, n, NODE_STATE_COLUMNS), all zero at the first call (stamps are replicate
indices; 0 rows on the full-feed path); touched int32 (T, n + 1); bits uint64 (T, 2,
ceil(n / 64)), all zero (touched nodes; the full-feed path's seen and posted); pool_* int32
(T, cap), the event pool, cap >= seeds + paid impressions + 1; sh int32 (T, SH_ROWS, n), the sharer
list (node, parent, seed, root, generation, subtree size, step)."""
