"""Observed cascades: the CSV and the public formats, their cleaning, bad input, and the statistics kernel."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from naive import mean_pairwise_distance
from viralsim.errors import ObservedDataError
from viralsim.observed import ROOT, UNKNOWN, read_cascades
from viralsim.observed.stats import describe, describe_trees

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _write(tmp_path, text, name="c.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


TREE_CSV = """cascade_id,user,time_min,parent_user,followers
a,alice,100,,500
a,bob,110,alice,20
a,carol,130,bob,
a,dave,130,alice,3
a,bob,140,carol,20
b,erin,50,,10
b,frank,65,erin,1
"""


def test_csv_with_parents_is_cleaned_to_root_relative_hours(tmp_path):
    c = read_cascades(_write(tmp_path, TREE_CSV))
    assert c.format == "csv" and c.n_cascades == 2 and c.has_parents
    np.testing.assert_array_equal(c.ids, ["a", "b"])
    np.testing.assert_array_equal(c.sizes, [4, 2])  # bob's second post dropped
    np.testing.assert_allclose(c.time_h, [0, 10 / 60, 30 / 60, 30 / 60, 0, 15 / 60])
    np.testing.assert_array_equal(c.parent, [ROOT, 0, 1, 0, ROOT, 0])
    np.testing.assert_array_equal(c.followers[:4], [500, 20, np.nan, 3])
    assert c.cleaning["repeat posts by one user dropped"] == 1
    # absolute times: the time-ordered split follows the roots' times (b's root came first)
    train, test = c.time_ordered_split(0.5)
    np.testing.assert_array_equal(train, [1])
    np.testing.assert_array_equal(test, [0])


def test_csv_without_parents_takes_the_first_row_as_root(tmp_path):
    c = read_cascades(_write(tmp_path, "cascade_id,user,time_s\nx,u1,0\nx,u2,3600\nx,u3,7200\n"))
    assert not c.has_parents and not c.has_followers
    np.testing.assert_array_equal(c.parent, [ROOT, UNKNOWN, UNKNOWN])
    np.testing.assert_allclose(c.time_h, [0, 1, 2])
    st = describe(c)
    assert np.isnan(st.per_cascade[0, 1]) and np.isnan(st.per_cascade[0, 2])  # depth, virality unknown
    np.testing.assert_allclose(st.share_time_h, [1, 2])


def test_window_and_prefix_keep_parents_valid(tmp_path):
    c = read_cascades(_write(tmp_path, TREE_CSV), window_h=0.4)
    np.testing.assert_array_equal(c.sizes, [2, 2])
    assert c.cleaning["posts after the observation window dropped"] == 2
    full = read_cascades(_write(tmp_path, TREE_CSV))
    early = full.observed_until(0.25)
    np.testing.assert_array_equal(early.sizes, [2, 2])
    np.testing.assert_array_equal(early.parent, [ROOT, 0, ROOT, 0])
    picked = full.select([1])
    np.testing.assert_array_equal(picked.ids, ["b"])
    np.testing.assert_allclose(picked.time_h, [0, 0.25])


BAD_CSV = {
    "empty file": ("", "the file is empty"),
    "header only": ("cascade_id,user,time_h\n", "no data row"),
    "missing column": ("cascade_id,time_h\na,1\n", "missing column 'user'"),
    "no time column": ("cascade_id,user\na,u\n", "missing the time column"),
    "two time columns": ("cascade_id,user,time_h,time_s\na,u,0,0\n", "two time columns"),
    "unknown column": ("cascade_id,user,time_h,parent\na,u,0,\n", "unknown column 'parent'"),
    "wrong field count": ("cascade_id,user,time_h\na,u,0\na,v\n", "line 3: 2 fields"),
    "not a number": ("cascade_id,user,time_h\na,u,0\na,v,soon\n", "line 3: time_h: must be a number, got 'soon'"),
    "negative time": ("cascade_id,user,time_h\na,u,-1\na,v,0\n", "line 2: a time is negative"),
    "times out of order": ("cascade_id,user,time_h\na,u,0\na,v,2\na,w,1\n", "line 4: times out of order in cascade a"),
    "no root": ("cascade_id,user,time_h,parent_user\na,u,0,v\na,v,1,u\n", "cascade a has no root"),
    "two roots": ("cascade_id,user,time_h,parent_user\na,u,0,\na,v,1,\n", "second root"),
    "unknown parent": ("cascade_id,user,time_h,parent_user\na,u,0,\na,v,1,zed\n",
                       "the parent user zed is not a sharer of cascade a"),
    "parent after child": ("cascade_id,user,time_h,parent_user\na,u,0,\na,v,1,w\na,w,2,u\n",
                           "line 3: the parent's post comes after its child's"),
    "cycle": ("cascade_id,user,time_h,parent_user\na,r,0,\na,u,1,v\na,v,2,u\n", "form a cycle"),
    "self parent": ("cascade_id,user,time_h,parent_user\na,r,0,\na,u,1,u\n", "form a cycle"),
    "negative followers": ("cascade_id,user,time_h,followers\na,u,0,-3\n", "followers: must be >= 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_bad_csv_is_one_clear_error_naming_the_file(tmp_path, case):
    text, message = BAD_CSV[case]
    path = _write(tmp_path, text)
    with pytest.raises(ObservedDataError) as err:
        read_cascades(path)
    assert str(path) in str(err.value) and message in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_missing_and_damaged_files(tmp_path):
    with pytest.raises(ObservedDataError, match="no such file"):
        read_cascades(tmp_path / "nope.csv")
    bad = tmp_path / "x.csv.gz"
    bad.write_bytes(gzip.compress(b"cascade_id,user,time_h\n")[:12])
    with pytest.raises(ObservedDataError, match="damaged gzip"):
        read_cascades(bad)
    with pytest.raises(ObservedDataError, match="not a known cascade format"):
        read_cascades(_write(tmp_path, "a,b,c\n1,2,3\n", "y.csv"))
    with pytest.raises(ObservedDataError, match="format: must be one of"):
        read_cascades(_write(tmp_path, TREE_CSV), format="json")


# ---- the statistics kernel, against hand counts and a plain BFS ---------------------------------

def test_statistics_of_a_star_and_a_path():
    # a star of 5 (root and 4 reshares of it) and a path of 4, in one flat array
    offsets = np.array([0, 5, 9])
    parent = np.array([-1, 0, 0, 0, 0, -1, 0, 1, 2])
    time_h = np.array([0, 1, 2, 3, 4, 0, 1, 5, 9], dtype=float)
    st = describe_trees(offsets, parent, time_h, label="t")
    np.testing.assert_array_equal(st.sizes, [5, 4])
    np.testing.assert_array_equal(st.per_cascade[:, 1], [1, 3])  # depth
    np.testing.assert_allclose(st.per_cascade[:, 2], [2 * 4 / 5, 5 / 3])  # star 2(n-1)/n, path (n+1)/3
    np.testing.assert_array_equal(st.per_cascade[:, 3], [2, 1])  # 3rd of 5, 2nd of 4 posts
    np.testing.assert_array_equal(st.per_cascade[:, 4], [4, 9])
    np.testing.assert_array_equal(st.generations[0, :3], [1, 4, 0])
    np.testing.assert_array_equal(st.generations[1, :4], [1, 1, 1, 1])
    np.testing.assert_allclose(st.offspring_by_generation()[:3], [5 / 2, 1 / 5, 1])
    np.testing.assert_allclose(np.sort(st.share_delay_h), [1, 1, 2, 3, 4, 4, 4])


def test_structural_virality_equals_a_plain_bfs_on_random_trees():
    rng = np.random.default_rng(4)
    sizes = rng.integers(2, 40, size=30)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    parent = np.concatenate([[-1] + [int(rng.integers(0, i)) for i in range(1, s)] for s in sizes])
    time_h = np.concatenate([np.arange(s, dtype=float) for s in sizes])
    st = describe_trees(offsets, parent, time_h, label="t")
    for c, s in enumerate(sizes):
        edges = [(i, int(parent[offsets[c] + i])) for i in range(1, s)]
        assert st.per_cascade[c, 2] == pytest.approx(mean_pairwise_distance(int(s), edges), rel=1e-12)


# ---- the public data in ../shared/data (skipped where it is absent) ------------------------------

def _data(*names):
    paths = [DATA / n for n in names]
    if not all(p.exists() for p in paths):
        pytest.skip(f"{DATA} does not have {', '.join(names)} (the shared data folder beside the project)")
    return paths


def _check_invariants(c):
    rows = c.cascade_of_row()
    local = np.arange(c.time_h.shape[0]) - c.offsets[:-1][rows]
    assert (c.time_h[c.offsets[:-1]] == 0).all()  # every root at 0
    assert (np.diff(c.time_h)[np.diff(rows) == 0] >= 0).all()  # in time order
    assert ((c.parent == ROOT) == (local == 0)).all()
    if c.has_parents:
        assert (c.parent < local).all()
        parent_time = c.time_h[c.offsets[:-1][rows] + np.maximum(c.parent, 0)]
        assert (parent_time <= c.time_h).all()
    users = c.users.astype(np.int64) * (c.n_cascades + 1) + rows
    assert np.unique(users).shape[0] == users.shape[0]  # one post per user and cascade


@pytest.mark.parametrize("names, fmt, cascades, rows", [
    (("twitter15_trees.part1.tsv.gz", "twitter15_trees.part2.tsv.gz"), "twitter-trees", 1490, 624458),
    (("twitter16_trees.tsv.gz",), "twitter-trees", 818, 363536),
    (("auspol_retweet_cascades.csv.gz",), "evently", 3333, 10504),
    (("seismic_example_tweet.csv.gz",), "seismic", 1, 15563),
    (("weibo_deephawkes_sample30.txt.gz",), "weibo", 30, 7147),
])
def test_public_data_reads_with_the_published_counts(names, fmt, cascades, rows):
    c = read_cascades(_data(*names))
    assert c.format == fmt and c.n_cascades == cascades and c.cleaning["rows read"] == rows
    _check_invariants(c)
    assert c.has_parents == (fmt in ("twitter-trees", "weibo"))
    assert c.has_followers == (fmt in ("evently", "seismic"))
    assert np.isfinite(describe(c).summary()["size_mean"])


def test_twitter_cleaning_counts_and_labels():
    c = read_cascades(_data("twitter16_trees.tsv.gz"))
    assert set(c.labels) == {"true", "false", "unverified", "non-rumor"}
    assert c.cleaning["repeat posts by one user dropped"] > 10549  # at least the exact duplicates
    assert c.cleaning["posts timed before their root dropped"] >= 1
    assert np.all(np.diff(c.order_key[np.argsort(c.order_key)]) >= 0)
    w = read_cascades(_data("twitter16_trees.tsv.gz"), window_h=24.0)
    assert w.time_h.max() <= 24.0 and (w.sizes <= c.sizes).all()


# ---- the engine's side: sharer trees and seed pools -----------------------------------------------

def _small_graph():
    from viralsim.graph import generate

    return generate("holme_kim", 400, seed=3, m=3, triangle_prob=0.3)


def test_simulated_trees_give_the_engines_own_depth_and_virality():
    from viralsim.model import CascadeModel, simulate

    g = _small_graph()
    m = CascadeModel(stickiness=0.2, feed_reach=0.7, delay_median=1.0, delay_sigma=0.8, horizon=48.0, step=0.5)
    res = simulate(g, m, [0, 5], runs=200, seed=2, keep_trees=g.n_nodes)
    tr = res.trees
    np.testing.assert_array_equal(np.diff(tr.offsets), res.metrics["shares"] + res.diagnostics["seed_posts"])
    st = describe_trees(tr.offsets, tr.parent, tr.time_h, label="sim")
    np.testing.assert_array_equal(st.per_cascade[:, 1], res.metrics["depth"])
    np.testing.assert_array_equal(st.per_cascade[:, 2], res.metrics["structural_virality"])
    assert res.metrics["depth"].max() >= 3  # not vacuous
    small = simulate(g, m, [0, 5], runs=200, seed=2, keep_trees=4)
    assert small.trees.truncated.sum() == (np.diff(tr.offsets) > 4).sum()
    np.testing.assert_array_equal(small.trees.parent, tr.parent[np.concatenate(
        [np.arange(a, min(b, a + 4)) for a, b in zip(tr.offsets[:-1], tr.offsets[1:])])])


def test_a_seed_pool_of_one_is_that_seed_and_a_larger_pool_is_drawn_uniformly():
    from scipy import stats

    from viralsim.model import CascadeModel, simulate, simulate_random_seed

    g = _small_graph()
    m = CascadeModel(stickiness=0.2, feed_reach=0.7, delay_median=1.0, delay_sigma=0.8, horizon=48.0, step=0.5)
    one = simulate_random_seed(g, m, runs=100, seed=9, seed_pool=[17], keep_trees=g.n_nodes, timeseries=False)
    fixed = simulate(g, m, [17], runs=100, seed=9, keep_trees=g.n_nodes, timeseries=False)
    for name in ("reach", "shares", "impressions", "depth"):
        np.testing.assert_array_equal(one.metrics[name], fixed.metrics[name])
    np.testing.assert_array_equal(one.trees.node, fixed.trees.node)
    pool = np.array([3, 50, 77, 120, 301])
    runs = 5000
    res = simulate_random_seed(g, m, runs=runs, seed=1, seed_pool=pool, keep_trees=1, timeseries=False)
    first = res.trees.node[res.trees.offsets[:-1]]
    assert np.isin(first, pool).all()
    counts = np.array([(first == v).sum() for v in pool])
    assert stats.chisquare(counts).pvalue > 1e-3
    with pytest.raises(Exception, match="seed_pool"):
        simulate_random_seed(g, m, runs=10, seed=1, seed_pool=[])
