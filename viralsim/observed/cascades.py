"""Observed share cascades: one typed container, built from any reader by one cleaning pass.

A cascade is its root post and the reshares of it, each with its time and, where the data has
them, the post it reshared (its parent) and the sharer's follower count.  Every reader of
:mod:`.readers` turns its format into the same long table (one row per record, in file order)
and :func:`assemble` does the rest, so the rules below hold for every format:

* **Times are relative to the root**, in hours.
* **One post per user and cascade**: a user who appears several times keeps the earliest
  appearance (a root keeps its root row); the later rows are dropped and counted.
* **Parents point backwards**: posts are ordered by (time, root first, file order) and a parent
  must come before its child.  In the strict mode (viralsim's own CSV) anything else is an
  error; third-party data (Twitter15/16 has 1% of children timed before their parent) is
  repaired by attaching such a child to its nearest ancestor that came before it (the root at
  worst), and a parent that is not a post of the cascade is replaced by the root.  Every repair is
  counted in ``cleaning``.
* **The observation window** ``window_h`` drops the posts after it (a kept post's parent is
  always kept: it came before).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ObservedDataError

ROOT = -1  # parent of a root post
UNKNOWN = -2  # parent of a reshare whose parent the data does not give


@dataclass(frozen=True)
class ObservedCascades:
    """Cascades in flat arrays: cascade ``c`` is rows ``offsets[c]:offsets[c + 1]``, root first, in time order.

    ids : str (C,), each cascade's id in the source.
    time_h : float64 (N,), hours since the cascade's root (the root is at 0).
    parent : int64 (N,), the row of the reshared post *within its cascade* (0 is the root),
        ``ROOT`` (-1) for a root, ``UNKNOWN`` (-2) where the data has no parents.
    followers : float64 (N,), the sharer's follower count, NaN where unknown.
    users : int64 (N,), the sharer, as a code unique within the source.
    order_key : float64 (C,), what a time-ordered split sorts the cascades by; ``order_by`` says what it is.
    labels : str (C,) or None, a per-cascade label the source gives (Twitter15/16: veracity).
    cleaning : what the cleaning pass did, as counts (rows read, duplicates dropped, repairs...).
    """

    source: str
    format: str
    ids: np.ndarray
    offsets: np.ndarray
    time_h: np.ndarray
    parent: np.ndarray
    followers: np.ndarray
    users: np.ndarray
    order_key: np.ndarray
    order_by: str
    labels: np.ndarray | None = None
    window_h: float | None = None
    cleaning: dict = field(default_factory=dict)

    @property
    def n_cascades(self) -> int:
        return int(self.ids.shape[0])

    @property
    def sizes(self) -> np.ndarray:
        """Posts per cascade, the root included (int64)."""
        return np.diff(self.offsets)

    @property
    def has_parents(self) -> bool:
        return bool(self.parent.shape[0]) and not bool((self.parent == UNKNOWN).any())

    @property
    def has_followers(self) -> bool:
        return bool(self.followers.shape[0]) and not bool(np.isnan(self.followers).any())

    def cascade_of_row(self) -> np.ndarray:
        """The cascade index of every row (int64 (N,))."""
        return np.repeat(np.arange(self.n_cascades, dtype=np.int64), self.sizes)

    def select(self, cascades) -> "ObservedCascades":
        """The cascades at the given indices (a boolean mask or indices), in that order."""
        idx = np.arange(self.n_cascades)[np.asarray(cascades)]
        sizes = self.sizes[idx]
        offsets = np.zeros(idx.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        rows = _ranges(self.offsets[idx], sizes)
        return ObservedCascades(
            self.source, self.format, self.ids[idx], offsets, self.time_h[rows], self.parent[rows],
            self.followers[rows], self.users[rows], self.order_key[idx], self.order_by,
            None if self.labels is None else self.labels[idx], self.window_h, dict(self.cleaning))

    def observed_until(self, hours: float) -> "ObservedCascades":
        """Every cascade as it stood ``hours`` after its root: the posts at or before that time."""
        keep = self.time_h <= hours
        counts = np.add.reduceat(keep.astype(np.int64), self.offsets[:-1]) if self.time_h.shape[0] else \
            np.zeros(self.n_cascades, dtype=np.int64)
        counts[self.sizes == 0] = 0
        offsets = np.zeros(self.n_cascades + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        window = hours if self.window_h is None else min(hours, self.window_h)
        # rows are in time order, so a cascade's kept rows are a prefix and parents stay valid
        return ObservedCascades(
            self.source, self.format, self.ids, offsets, self.time_h[keep], self.parent[keep],
            self.followers[keep], self.users[keep], self.order_key, self.order_by, self.labels, window,
            dict(self.cleaning))

    def time_ordered_split(self, train_fraction: float) -> tuple[np.ndarray, np.ndarray]:
        """Indices of the earliest ``train_fraction`` of the cascades (by ``order_key``) and of the rest.

        A random split over cascades would let the training set see cascades from after the
        ones it is tested on; ordering by the root's time (or an id that grows with it) does not.
        """
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(f"train_fraction: must be in (0, 1), got {train_fraction!r}")
        order = np.argsort(self.order_key, kind="stable")
        n_train = int(round(train_fraction * self.n_cascades))
        return np.sort(order[:n_train]), np.sort(order[n_train:])


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + length)`` for each pair, without a Python loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    steps = np.ones(total, dtype=np.int64)
    nonempty = lengths > 0
    first = (ends - lengths)[nonempty]
    steps[0] = starts[nonempty][0]
    jump_at = first[1:]
    prev_end = (np.asarray(starts, dtype=np.int64) + lengths - 1)[nonempty][:-1]
    steps[jump_at] = np.asarray(starts, dtype=np.int64)[nonempty][1:] - prev_end
    return np.cumsum(steps)


@dataclass
class LongTable:
    """What a reader hands to :func:`assemble`: one row per record, in file order.

    cascade : int64 code into ``ids``; user : int64 code of the sharer; time_h : float64 hours
    (any origin: they are made relative to the root); parent_user : int64 code of the user whose
    post this reshared, ``ROOT`` for the root row, ``UNKNOWN`` when the data has no parents;
    followers : float64, NaN if unknown; line : the file line of each row (for messages).
    """

    ids: np.ndarray
    cascade: np.ndarray
    user: np.ndarray
    time_h: np.ndarray
    parent_user: np.ndarray
    followers: np.ndarray
    line: np.ndarray
    order_key: np.ndarray
    order_by: str
    labels: np.ndarray | None = None
    user_names: np.ndarray | None = None


def assemble(table: LongTable, *, source: str, format: str, strict: bool,
             window_h: float | None = None) -> ObservedCascades:
    """Clean a reader's long table into :class:`ObservedCascades` (the rules are in the module docstring).

    ``strict``: the rows must already be clean (viralsim's CSV): each cascade has one root, times
    are in order and parents come first, or :class:`ObservedDataError` names the line.  Otherwise
    (third-party data) what can be repaired is repaired and counted.
    """
    t = table
    n = t.cascade.shape[0]
    if n == 0:
        raise ObservedDataError(f"{source}: no cascade in the file (no data row)")

    def fail(row: int, message: str):
        raise ObservedDataError(f"{source}: line {int(t.line[row])}: {message}")

    bad = ~np.isfinite(t.time_h)
    if bad.any():
        fail(int(np.argmax(bad)), "the time is not a finite number")
    with_parents = bool((t.parent_user != UNKNOWN).any())
    if with_parents and (t.parent_user == UNKNOWN).any():
        fail(int(np.argmax(t.parent_user == UNKNOWN)), "a reshare has no parent while others do")

    # stable grouping by cascade, file order kept within each
    by_cascade = np.argsort(t.cascade, kind="stable")
    casc = t.cascade[by_cascade]
    n_cascades = t.ids.shape[0]
    counts = np.bincount(casc, minlength=n_cascades)
    starts = np.zeros(n_cascades + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    if strict:
        # a cascade's rows must be together in the file and in time order
        time_sorted = t.time_h[by_cascade]
        same = casc[1:] == casc[:-1]
        back = same & (time_sorted[1:] < time_sorted[:-1])
        if back.any():
            i = by_cascade[int(np.argmax(back)) + 1]
            fail(i, f"times out of order in cascade {t.ids[t.cascade[i]]} (a row's time is before the row above it)")
        if (t.time_h < 0).any():
            fail(int(np.argmax(t.time_h < 0)), "a time is negative (times are hours, minutes or seconds since an origin)")

    # the root of each cascade
    if with_parents:
        is_root = t.parent_user == ROOT
        roots_per = np.bincount(t.cascade[is_root], minlength=n_cascades)
        if (roots_per == 0).any():
            c = int(np.argmax(roots_per == 0))
            row = by_cascade[starts[c]]
            raise ObservedDataError(f"{source}: line {int(t.line[row])}: cascade {t.ids[c]} has no root "
                                    "(no row with an empty parent)")
        if (roots_per > 1).any():
            c = int(np.argmax(roots_per > 1))
            rows = np.flatnonzero(is_root & (t.cascade == c))
            if strict:
                fail(int(rows[1]), f"cascade {t.ids[c]} has a second root (rows with an empty parent: lines "
                     f"{int(t.line[rows[0]])} and {int(t.line[rows[1]])})")
        # the first root row of each cascade is its root; the other root rows become reshares of it
        root_rows = np.full(n_cascades, -1, dtype=np.int64)
        rr = np.flatnonzero(is_root)[::-1]
        root_rows[t.cascade[rr]] = rr
        extra_roots = is_root.copy()
        extra_roots[root_rows] = False
    else:
        # no parents: the root is the earliest record (the first in the file among equal times)
        key = np.lexsort((np.arange(n), t.time_h, t.cascade))
        first = np.ones(n, dtype=bool)
        first[1:] = t.cascade[key][1:] != t.cascade[key][:-1]
        root_rows = np.full(n_cascades, -1, dtype=np.int64)
        root_rows[t.cascade[key[first]]] = key[first]
        extra_roots = np.zeros(n, dtype=bool)
    is_root_row = np.zeros(n, dtype=bool)
    is_root_row[root_rows] = True

    time_h = t.time_h - t.time_h[root_rows][t.cascade]
    early = time_h < 0
    if early.any():
        if strict:
            i = int(np.argmax(early))
            fail(i, f"a share of cascade {t.ids[t.cascade[i]]} is timed before its root")
    cleaning = {"rows read": int(n), "posts timed before their root dropped": int(early.sum()),
                "extra root rows made reshares of the root": int(extra_roots.sum())}

    # one post per (cascade, user): the root row, else the earliest (first in the file among ties)
    valid = np.flatnonzero(~early)
    key = valid[np.lexsort((valid, time_h[valid], ~is_root_row[valid], t.user[valid], t.cascade[valid]))]
    first = np.ones(key.shape[0], dtype=bool)
    first[1:] = (t.cascade[key][1:] != t.cascade[key][:-1]) | (t.user[key][1:] != t.user[key][:-1])
    kept = np.sort(key[first])
    cleaning["repeat posts by one user dropped"] = int(valid.shape[0] - kept.shape[0])

    # posts in order: (cascade, time, root first, file order)
    order = kept[np.lexsort((kept, ~is_root_row[kept], time_h[kept], t.cascade[kept]))]
    m = order.shape[0]
    rank = np.full(n, -1, dtype=np.int64)
    rank[order] = np.arange(m)
    post_cascade = t.cascade[order]
    post_root = rank[root_rows][post_cascade]

    if with_parents:
        # the post of (cascade, parent user): look the pair up among the kept posts
        pair_key = post_cascade * (int(t.user.max()) + 1) + t.user[order]
        sorter = np.argsort(pair_key, kind="stable")
        parent_user = t.parent_user[order]
        want = post_cascade * (int(t.user.max()) + 1) + np.maximum(parent_user, 0)
        pos = np.searchsorted(pair_key, want, sorter=sorter)
        pos = np.minimum(pos, m - 1)
        found = (pair_key[sorter[pos]] == want) & (parent_user >= 0)
        parent = np.where(found, sorter[pos], -1).astype(np.int64)
        is_root_post = np.zeros(m, dtype=bool)
        is_root_post[rank[root_rows]] = True
        missing = ~found & ~is_root_post
        if strict and missing.any():
            i = order[int(np.argmax(missing))]
            fail(i, f"the parent {_user_name(t, i)} is not a sharer of cascade {t.ids[t.cascade[i]]}")
        parent[missing] = post_root[missing]
        cleaning["parents not in the cascade, root used"] = int(missing.sum())
        parent[is_root_post] = np.flatnonzero(is_root_post)  # roots point at themselves while repairing
        parent = _repair_order(parent, is_root_post, strict, lambda p: fail(order[p[0]], p[1]), post_root, cleaning)
        parent[is_root_post] = ROOT
    else:
        parent = np.full(m, UNKNOWN, dtype=np.int64)
        parent[rank[root_rows]] = ROOT

    post_time = time_h[order]
    if window_h is not None:
        inside = post_time <= window_h
        cleaning["posts after the observation window dropped"] = int((~inside).sum())
        new_index = np.cumsum(inside) - 1
        parent = np.where(parent >= 0, new_index[np.maximum(parent, 0)], parent)[inside]
        order, post_time, post_cascade = order[inside], post_time[inside], post_cascade[inside]
        m = order.shape[0]
    sizes = np.bincount(post_cascade, minlength=n_cascades)
    offsets = np.zeros(n_cascades + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    local_parent = np.where(parent >= 0, parent - offsets[:-1][post_cascade], parent)
    return ObservedCascades(
        source=source, format=format, ids=np.asarray(t.ids), offsets=offsets, time_h=post_time.astype(np.float64),
        parent=local_parent.astype(np.int64), followers=t.followers[order].astype(np.float64),
        users=t.user[order].astype(np.int64), order_key=np.asarray(t.order_key, dtype=np.float64),
        order_by=t.order_by, labels=t.labels, window_h=window_h, cleaning=cleaning)


def _user_name(t: LongTable, row: int) -> str:
    code = int(t.parent_user[row])
    return f"user {t.user_names[code] if t.user_names is not None else code}"


def _repair_order(parent: np.ndarray, is_root: np.ndarray, strict: bool, fail, post_root: np.ndarray,
                  cleaning: dict) -> np.ndarray:
    """Make every parent come before its child (post indices are in time order).

    Strict: a cycle, then a parent after its child, is an error.  Otherwise a child whose parent
    did not come before it is attached to its nearest ancestor that did (the root at worst).
    Roots point at themselves on entry.
    """
    m = parent.shape[0]
    idx = np.arange(m)
    # cycles: after enough doublings every chain that ends has reached its root (a fixed point)
    anc = parent.copy()
    for _ in range(int(np.ceil(np.log2(max(m, 2)))) + 1):
        anc = anc[anc]
    in_cycle = ~is_root[anc] | ((parent == idx) & ~is_root)
    if strict and in_cycle.any():
        fail((int(np.argmax(in_cycle)), "the parent links form a cycle (a sharer is its own ancestor)"))
    late = (parent >= idx) & ~is_root
    if strict and late.any():
        fail((int(np.argmax(late)), "the parent's post comes after its child's (a parent must be timed "
              "before, or on an earlier row at the same time)"))
    cleaning["children timed before their parent, moved up to an earlier ancestor"] = int(late.sum())
    fixed = parent.copy()
    bad = late
    for _ in range(64):
        if not bad.any():
            break
        fixed[bad] = parent[fixed[bad]]
        bad = (fixed >= idx) & ~is_root
    fixed[bad] = post_root[bad]
    return fixed


def from_sharer_trees(trees, replicates=None, *, source: str = "simulated") -> ObservedCascades:
    """Simulated replicates (a :class:`viralsim.model.results.SharerTrees` of one seed each) as observed
    cascades: for parameter-recovery tests, and for checking a method where the truth is known."""
    reps = np.arange(trees.offsets.shape[0] - 1) if replicates is None else np.asarray(replicates, dtype=np.int64)
    sizes = np.diff(trees.offsets)[reps]
    rows = _ranges(trees.offsets[:-1][reps], sizes)
    offsets = np.zeros(reps.shape[0] + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    parent = trees.parent[rows].astype(np.int64)
    local = np.arange(rows.shape[0]) - np.repeat(offsets[:-1], sizes)
    if ((parent < 0) != (local == 0)).any():
        raise ValueError("each replicate must be one tree (one seed, no paid posts)")
    return ObservedCascades(
        source=source, format="simulated", ids=np.array([str(r) for r in reps]), offsets=offsets,
        time_h=trees.time_h[rows].astype(np.float64), parent=np.where(parent < 0, ROOT, parent),
        followers=np.full(rows.shape[0], np.nan), users=trees.node[rows].astype(np.int64),
        order_key=reps.astype(np.float64), order_by="the replicate index")
