"""SocialGraph: edge lists, networkx round trips, .npz save/load, info() against networkx."""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from viralsim.errors import GraphFormatError, InvalidParameterError
from viralsim.graph import SocialGraph, follower, holme_kim, load_graph, read_edgelist, segmented, write_edgelist

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def need(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real data {path} is absent (see /work/shared/data/README.md)")
    return path


def assert_same_graph(a: SocialGraph, b: SocialGraph) -> None:
    assert a.fingerprint() == b.fingerprint()
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)


# ---- real edge lists -----------------------------------------------------------------------


def test_facebook_edge_list_size_and_sampled_clustering_against_networkx():
    g = read_edgelist(need("facebook_combined.txt.gz"), directed=False)
    assert (g.n_nodes, g.n_edges, g.dropped) == (4039, 88234, (0, 0))
    ref = nx.read_edgelist(gzip.open(need("facebook_combined.txt.gz"), "rt"), nodetype=int)
    info = g.info(sample=40_000, seed=3)
    # sampled wedge closure: the estimate's own SE (Bernoulli mean), 4 SE
    assert abs(info.clustering - nx.average_clustering(ref)) < 4 * info.clustering_se
    assert info.max_degree == max(d for _, d in ref.degree())
    assert info.reciprocity == 1.0 and info.mean_degree == pytest.approx(2 * 88234 / 4039)


def test_wiki_vote_is_directed_with_exact_reciprocity():
    g = read_edgelist(need("wiki-Vote.txt.gz"), directed=True)
    assert (g.n_nodes, g.n_arcs) == (7115, 103689)
    ref = nx.read_edgelist(gzip.open(need("wiki-Vote.txt.gz"), "rt"), nodetype=int, create_using=nx.DiGraph)
    info = g.info(sample=100)
    assert info.reciprocity == pytest.approx(nx.overall_reciprocity(ref), abs=1e-12)
    assert g.labels is not None and sorted(ref.nodes()) == g.labels.tolist()
    assert info.max_in_degree == max(d for _, d in ref.in_degree())


def test_email_eu_core_self_loops_are_dropped_and_reported():
    g = read_edgelist(need("email-Eu-core.txt.gz"), directed=True)
    assert g.n_nodes == 1005 and g.dropped == (642, 0) and g.n_arcs == 25571 - 642


def test_edge_list_format_details(tmp_path):
    text = "% a comment\n# another\n\nalice\tbob\nbob carol 3.5 1700000000\nalice bob\ncarol carol\n"
    path = tmp_path / "people.txt"
    path.write_text(text)
    g = read_edgelist(path, directed=False)
    assert g.labels.tolist() == ["alice", "bob", "carol"] and g.n_edges == 2
    assert g.dropped == (1, 1)  # carol-carol, and the repeated alice-bob
    zipped = tmp_path / "people.gz"  # gzip found by content, not by name
    zipped.write_bytes(gzip.compress(text.encode()))
    assert_same_graph(read_edgelist(zipped, directed=False), g)
    ints = tmp_path / "ints.txt"
    ints.write_text("10 30\n30 20\n")
    gi = read_edgelist(ints, directed=True)
    assert gi.labels.tolist() == [10, 20, 30] and arcs_of(gi) == {(0, 2), (2, 1)}


def arcs_of(g):
    src = np.repeat(np.arange(g.n_nodes), g.out_degree)
    return set(zip(src.tolist(), g.indices.tolist()))


def test_bad_edge_lists_raise_one_line_errors(tmp_path):
    with pytest.raises(GraphFormatError, match="no such file"):
        read_edgelist(tmp_path / "missing.txt", directed=False)
    bad = tmp_path / "bad.txt"
    bad.write_text("# header\n1 2\n2 3\n7\n")
    with pytest.raises(GraphFormatError, match=r"bad.txt:4: expected two node ids 'u v'; got '7'"):
        read_edgelist(bad, directed=False)
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(gzip.compress(b"1 2\n" * 1000)[:40])
    with pytest.raises(GraphFormatError, match="damaged gzip"):
        read_edgelist(broken, directed=False)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"1 2\n\xff\xfe 3\n")
    with pytest.raises(GraphFormatError, match=r"binary.txt:2: not UTF-8"):
        read_edgelist(binary, directed=False)
    with pytest.raises(GraphFormatError, match="is a folder") as caught:
        read_edgelist(tmp_path, directed=False)
    assert "\n" not in str(caught.value)
    # columns after u v are numbers (a weight, a timestamp), else an error; no edge at all is an error that says so
    weighted = tmp_path / "weighted.txt"
    weighted.write_text("1 2 0.5\n2 3 7\n")
    assert read_edgelist(weighted, directed=False).n_edges == 2
    for text, line, got in (("1 2\n2 3 heavy\n", 2, "2 3 heavy"), ("1 2 1 now\n", 1, "1 2 1 now")):
        odd = tmp_path / "odd.txt"
        odd.write_text(text)
        with pytest.raises(GraphFormatError, match=re.escape(f"odd.txt:{line}: expected 'u v', 'u v weight' or "
                                                             f"more numeric columns (weights, timestamps); got "
                                                             f"'{got}'")):
            read_edgelist(odd, directed=False)
    for text in ("", "# only a header\n\n% and a comment\n"):
        empty = tmp_path / "empty.txt"
        empty.write_text(text)
        with pytest.raises(GraphFormatError, match="empty.txt: no edges: the file is empty or holds only comments"):
            read_edgelist(empty, directed=False)


# ---- networkx round trips --------------------------------------------------------------


def test_networkx_round_trip_is_exact_with_labels_weights_and_segments():
    ref = nx.Graph()
    ref.add_nodes_from([("b", {"segment": "fans"}), ("a", {"segment": "new"}), ("c", {"segment": "fans"})])
    ref.add_weighted_edges_from([("a", "b", 0.5), ("c", "a", 2.0)])
    g = SocialGraph.from_networkx(ref)
    assert g.labels.tolist() == ["b", "a", "c"] and g.segment_names == ("fans", "new")
    back = g.to_networkx()
    assert nx.utils.graphs_equal(ref, back) and list(back.nodes()) == ["b", "a", "c"]

    directed = nx.gnp_random_graph(300, 0.03, seed=2, directed=True)
    dg = SocialGraph.from_networkx(directed)
    assert dg.directed and dg.labels is None and dg.n_arcs == directed.number_of_edges()
    assert nx.utils.graphs_equal(dg.to_networkx(), directed)

    relabelled = nx.relabel_nodes(nx.karate_club_graph(), {i: 100 - 3 * i for i in range(34)})
    kg = SocialGraph.from_networkx(relabelled, segment="club")
    assert kg.segment_names == ("Mr. Hi", "Officer") and kg.weights is not None
    out = kg.to_networkx()
    assert list(out.nodes()) == list(relabelled.nodes()) and set(map(frozenset, out.edges())) == set(map(frozenset, relabelled.edges()))
    assert all(out[u][v]["weight"] == relabelled[u][v]["weight"] for u, v in relabelled.edges())


def test_generated_graph_to_networkx_and_back():
    g = holme_kim(2000, 3, 0.5, seed=4)
    assert_same_graph(SocialGraph.from_networkx(g.to_networkx()), g)
    f = follower(1000, 3, 0.4, seed=4)
    assert_same_graph(SocialGraph.from_networkx(f.to_networkx()), f)


def test_from_networkx_refuses_multigraphs_and_mixed_ids():
    with pytest.raises(InvalidParameterError, match="multigraph"):
        SocialGraph.from_networkx(nx.MultiGraph([(0, 1)]))
    with pytest.raises(InvalidParameterError, match="all integers or all strings"):
        SocialGraph.from_networkx(nx.Graph([(0, "a")]))
    loops = SocialGraph.from_networkx(nx.Graph([(0, 0), (0, 1)]))
    assert loops.n_edges == 1 and loops.dropped == (1, 0)


# ---- files ------------------------------------------------------------------------------


def test_save_load_round_trip_is_exact(tmp_path):
    seg = segmented(3000, [0.7, 0.3], 6.0, 1.0, names=["fans", "casual"], seed=1)
    ref = nx.karate_club_graph()
    weighted = SocialGraph.from_networkx(nx.relabel_nodes(ref, {i: f"n{i}" for i in ref}), segment="club")
    for g in (seg, follower(2000, 2, 0.5, seed=1), weighted):
        path = tmp_path / "g.npz"
        g.save(path)
        back = SocialGraph.load(path)
        assert_same_graph(back, g)
        assert back.directed == g.directed and back.segment_names == g.segment_names and back.name == g.name
        assert back.fingerprint() == load_graph(path).fingerprint()
    assert [p.name for p in tmp_path.iterdir()] == ["g.npz"]  # no temporary files left


def test_edge_list_output_reads_back(tmp_path):
    g = follower(500, 2, 0.5, seed=2)
    write_edgelist(g, tmp_path / "f.txt.gz")
    assert_same_graph(read_edgelist(tmp_path / "f.txt.gz", directed=True), g)
    people = read_edgelist(_write(tmp_path / "p.txt", "x y\ny z\n"), directed=False)
    write_edgelist(people, tmp_path / "p2.txt")
    assert_same_graph(read_edgelist(tmp_path / "p2.txt", directed=False), people)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_failed_save_leaves_nothing_and_bad_files_raise(tmp_path, monkeypatch):
    g = holme_kim(100, 2, 0.5, seed=0)

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", explode)
    with pytest.raises(OSError):
        g.save(tmp_path / "g.npz")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(GraphFormatError, match="damaged or unreadable"):
        SocialGraph.load(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", x=np.arange(3))
    with pytest.raises(GraphFormatError, match="not a viralsim graph file"):
        SocialGraph.load(tmp_path / "other.npz")
    with pytest.raises(GraphFormatError, match="no such file"):
        load_graph(tmp_path / "absent.npz")
    g.save(tmp_path / "g.npz")
    with pytest.raises(GraphFormatError, match="holds a undirected graph but directed=True"):
        load_graph(tmp_path / "g.npz", directed=True)


# ---- identity and info ------------------------------------------------------------------


def test_fingerprint_covers_direction_segments_and_labels():
    src, dst = [0, 1, 2], [1, 2, 0]
    und = SocialGraph.from_arcs(3, src, dst, directed=False)
    base = und.fingerprint()
    assert len(base) == 64 and base == SocialGraph.from_arcs(3, dst, src, directed=False).fingerprint()
    directed_same_arcs = SocialGraph(und.indptr, und.indices, True)
    assert directed_same_arcs.fingerprint() != base
    tagged = und.with_segments(np.array([0, 1, 0]), ["a", "b"])
    assert tagged.fingerprint() != base and tagged.segment.tolist() == [0, 1, 0]
    assert SocialGraph.from_arcs(3, src, dst, directed=False, labels=np.array([5, 6, 7])).fingerprint() != base
    with pytest.raises(InvalidParameterError, match="one label per node"):
        und.with_segments(np.array([0, 1]), ["a"])
    with pytest.raises(InvalidParameterError, match="distinct"):
        SocialGraph(und.indptr, und.indices, False, labels=np.array([1, 1, 2]))


def test_info_on_a_generated_follower_graph_matches_networkx_exactly_where_exact():
    g = follower(3000, 3, 0.25, seed=6)
    ref = g.to_networkx()
    info = g.info(sample=30_000, seed=1)
    assert info.reciprocity == pytest.approx(nx.overall_reciprocity(ref), abs=1e-12)
    assert info.max_degree == max(d for _, d in ref.out_degree())
    assert info.max_in_degree == max(d for _, d in ref.in_degree())
    # clustering of the undirected version, estimated from 30,000 wedges: within 4 SE
    assert abs(info.clustering - nx.average_clustering(ref.to_undirected())) < 4 * info.clustering_se
    d = info.to_dict()
    assert d["nodes"] == 3000 and d["arcs"] == g.n_arcs and isinstance(d["tail_exponent"], float)
    with pytest.raises(InvalidParameterError, match="sample must be a positive integer"):
        g.info(sample=0)
    assert math.isnan(SocialGraph.from_arcs(5, [], [], directed=False).info().tail_exponent)


@pytest.mark.parametrize("own_lower, own_sorted", [(True, True), (False, True), (True, False)])
def test_csr_from_runs_builds_what_the_general_builder_builds(own_lower, own_sorted):
    from viralsim.kernels.csr import csr_from_arcs, csr_from_runs

    rng = np.random.default_rng(5)
    n = 300
    a, b = rng.integers(0, n, size=(2, 4000))
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([lo, hi], axis=1)[lo != hi], axis=0)  # rows sorted by (lo, hi)
    if own_lower:  # runs of the larger end, each listing smaller ends in increasing order
        pairs = pairs[np.lexsort((pairs[:, 0], pairs[:, 1]))][:, ::-1]
    if not own_sorted:  # shuffle within each run, as growth models list a node's links
        pairs = pairs[np.lexsort((rng.random(len(pairs)), pairs[:, 0]))]
    ends = np.ascontiguousarray(pairs, dtype=np.int32).ravel()
    indptr, indices = csr_from_runs(n, ends, own_lower, own_sorted)
    ref_ptr, ref_ind, _, _ = csr_from_arcs(n, ends[0::2], ends[1::2], True)
    assert np.array_equal(indptr, ref_ptr) and np.array_equal(indices, ref_ind)


def test_csr_from_directed_runs_builds_what_the_general_builder_builds():
    from viralsim.kernels.csr import csr_from_arcs, csr_from_directed_runs

    rng = np.random.default_rng(6)
    n = 300
    a, b = rng.integers(0, n, size=(2, 5000))
    arcs = np.unique(np.stack([a, b], axis=1)[a != b], axis=0)
    later = arcs.max(axis=1)
    arcs = arcs[np.lexsort((rng.random(len(arcs)), later))]  # by later end, shuffled within
    ends = np.ascontiguousarray(arcs, dtype=np.int32).ravel()
    indptr, indices = csr_from_directed_runs(n, ends)
    ref_ptr, ref_ind, _, _ = csr_from_arcs(n, ends[0::2], ends[1::2], False)
    assert np.array_equal(indptr, ref_ptr) and np.array_equal(indices, ref_ind)
