"""Readers of observed cascades: viralsim's CSV and the public formats of ``../shared/data/``.

Each reader parses its format into a :class:`.cascades.LongTable`; :func:`.cascades.assemble`
then applies the same cleaning to all (times relative to the root, one post per user, parents
before children, the observation window).  :func:`read_cascades` detects the format from the
file's first line.

viralsim's CSV (``format="csv"``), one row per post, the header naming the columns:

=================  ==========  ==============================================================
column             required    meaning
=================  ==========  ==============================================================
``cascade_id``     yes         the cascade the post belongs to (any text)
``user``           yes         who posted (any text; one post per user and cascade is kept)
``time_h``         one of the  the post's time in hours, minutes or seconds, since the root or
``time_min``       three       any fixed origin (e.g. Unix seconds); with absolute times the
``time_s``                     time-ordered split follows them, else it follows the file order
``parent_user``    no          the user whose post this reshared; empty for the root
``followers``      no          the poster's follower count
``label``          no          a label of the cascade (its value on the root row is kept)
=================  ==========  ==============================================================

A cascade's rows come together, in time order, the root first; with ``parent_user`` each
cascade has exactly one row with it empty, and a parent's row comes before its children's.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from .._io import read_text
from ..errors import ObservedDataError
from .cascades import ROOT, UNKNOWN, LongTable, ObservedCascades, assemble

__all__ = ["FORMATS", "read_cascades"]

_TIME_COLUMNS = {"time_h": 1.0, "time_min": 1.0 / 60.0, "time_s": 1.0 / 3600.0}
_CSV_COLUMNS = ("cascade_id", "user", *_TIME_COLUMNS, "parent_user", "followers", "label")
_TWITTER_HEADER = ["root_tweet_id", "label", "parent_uid", "parent_tweet_id", "parent_delay_min", "child_uid",
                   "child_tweet_id", "child_delay_min"]
_EVENTLY_HEADER = ["cascade_id", "event_idx", "time_s", "magnitude_followers", "user"]
_SEISMIC_HEADER = ["relative_time_second", "number_of_followers"]

FORMATS = {
    "csv": "viralsim's CSV: cascade_id, user, time_h|time_min|time_s[, parent_user, followers, label]",
    "twitter-trees": "Twitter15/16 propagation trees (Ma et al. 2017), TSV with delays in minutes",
    "evently": "retweet cascades with follower counts (the evently package's #auspol data)",
    "seismic": "one retweet cascade: relative_time_second, number_of_followers (SEISMIC's example)",
    "weibo": "Sina Weibo repost paths (DeepHawkes format): id, root user, time, count, paths",
}


def read_cascades(paths, *, format: str = "auto", window_h: float | None = None) -> ObservedCascades:
    """Read observed cascades from one file, or several of one format read as one (Twitter15's two parts).

    Parameters
    ----------
    paths : a path or a list of paths; text, gzip-compressed or not (detected from the content).
    format : one of :data:`FORMATS`, or ``"auto"`` to detect it from the first line.
    window_h : the observation window in hours: posts later than this after their root are dropped.

    Raises
    ------
    ObservedDataError
        A missing, empty or malformed file, naming the file and line.
    """
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    if not paths:
        raise ObservedDataError("no cascade file given")
    if window_h is not None and not (np.isfinite(window_h) and window_h > 0):
        raise ObservedDataError(f"window_h: must be a number of hours > 0, got {window_h!r}")
    texts = [read_text(p, ObservedDataError, "a cascade file", "a cascade file is CSV or TSV text") for p in paths]
    formats = [_detect(p, text) if format == "auto" else format for p, text in zip(paths, texts)]
    if format != "auto" and format not in FORMATS:
        raise ObservedDataError(f"format: must be one of auto, {', '.join(FORMATS)}, got {format!r}")
    if len(set(formats)) > 1:
        raise ObservedDataError(f"{paths[1]}: is {formats[1]} data, but {paths[0]} is {formats[0]}: "
                                "files read together must have one format")
    fmt = formats[0]
    parse = _PARSERS[fmt]
    source = " + ".join(str(p) for p in paths)
    tables = [parse(p, text) for p, text in zip(paths, texts)]
    table = tables[0] if len(tables) == 1 else _concat(tables, paths)
    return assemble(table, source=source, format=fmt, strict=fmt == "csv", window_h=window_h)


def _detect(path: Path, text: str) -> str:
    first = text.split("\n", 1)[0].strip()
    if not first:
        raise ObservedDataError(f"{path}: the file is empty" if not text.strip() else
                                f"{path}: line 1: empty (a cascade file starts with its header)")
    fields_tab = first.split("\t")
    fields_comma = [f.strip() for f in first.split(",")]
    if fields_tab == _TWITTER_HEADER:
        return "twitter-trees"
    if fields_comma == _EVENTLY_HEADER:
        return "evently"
    if fields_comma == _SEISMIC_HEADER:
        return "seismic"
    if len(fields_tab) == 5 and ":" in fields_tab[4] and fields_tab[0].isdigit():
        return "weibo"
    if "cascade_id" in fields_comma:
        return "csv"
    raise ObservedDataError(f"{path}: line 1: not a known cascade format; viralsim reads {_format_list()} "
                            "(pass --format to choose one)")


def _format_list() -> str:
    return "; ".join(f"{name} ({what})" for name, what in FORMATS.items())


def _rows(path: Path, text: str, delimiter: str) -> tuple[list[str], list[list[str]], np.ndarray]:
    """Header, data rows and each data row's line number (blank lines skipped)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ObservedDataError(f"{path}: line {reader.line_num}: {exc}") from None
    lines = np.arange(1, len(rows) + 1)
    nonblank = [i for i, r in enumerate(rows) if r and any(f.strip() for f in r)]
    if not nonblank:
        raise ObservedDataError(f"{path}: the file is empty")
    header = [f.strip() for f in rows[nonblank[0]]]
    data = [rows[i] for i in nonblank[1:]]
    if not data:
        raise ObservedDataError(f"{path}: no cascade in the file (a header and no data row)")
    width = len(header)
    widths = np.fromiter((len(r) for r in data), dtype=np.int64, count=len(data))
    line_of = lines[np.asarray(nonblank[1:], dtype=np.int64)]
    bad = widths != width
    if bad.any():
        i = int(np.argmax(bad))
        raise ObservedDataError(f"{path}: line {int(line_of[i])}: {widths[i]} fields, the header has {width}")
    return header, data, line_of


def _expect_header(path: Path, header: list[str], expected: list[str], fmt: str) -> None:
    if header != expected:
        raise ObservedDataError(f"{path}: line 1: not {fmt} data (its header is {', '.join(expected)})")


def _numbers(path: Path, values, line_of: np.ndarray, column: str, *, empty_as_nan: bool = False) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if empty_as_nan:
        arr = np.where(np.char.strip(arr.astype(str)) == "", "nan", arr)
    try:
        return arr.astype(np.float64)
    except ValueError:
        for i, v in enumerate(arr):  # only on failure: find the offending row to name it
            try:
                float(v)
            except ValueError:
                raise ObservedDataError(f"{path}: line {int(line_of[i])}: {column}: must be a number, "
                                        f"got {str(v)!r}") from None
        raise


def _codes(values) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of string values in order of first appearance, and the distinct values."""
    arr = np.asarray(values, dtype=str)
    uniq, first, inverse = np.unique(arr, return_index=True, return_inverse=True)
    by_first = np.argsort(first, kind="stable")
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(by_first.shape[0])
    return rank[inverse].astype(np.int64), uniq[by_first]


def _csv(path: Path, text: str) -> LongTable:
    header, data, line_of = _rows(path, text, ",")
    unknown = [c for c in header if c not in _CSV_COLUMNS]
    if unknown:
        raise ObservedDataError(f"{path}: line 1: unknown column {unknown[0]!r}; the columns are "
                                f"{', '.join(_CSV_COLUMNS)} (one time column)")
    for col in ("cascade_id", "user"):
        if col not in header:
            raise ObservedDataError(f"{path}: line 1: missing column {col!r} (the required columns are "
                                    "cascade_id, user and one of time_h, time_min, time_s)")
    time_cols = [c for c in header if c in _TIME_COLUMNS]
    if len(time_cols) != 1:
        raise ObservedDataError(f"{path}: line 1: " + ("missing the time column: one of time_h, time_min, time_s"
                                                        if not time_cols else
                                                        f"two time columns ({', '.join(time_cols)}): give one"))
    cols = list(zip(*data))
    col = {name: cols[i] for i, name in enumerate(header)}
    ids_code, ids = _codes([s.strip() for s in col["cascade_id"]])
    users_raw = [s.strip() for s in col["user"]]
    if "" in users_raw:
        raise ObservedDataError(f"{path}: line {int(line_of[users_raw.index('')])}: user: empty")
    time_h = _numbers(path, col[time_cols[0]], line_of, time_cols[0]) * _TIME_COLUMNS[time_cols[0]]
    if "parent_user" in col:
        parents_raw = [s.strip() for s in col["parent_user"]]
        user_code, names = _codes(users_raw + [p for p in parents_raw if p])
        user = user_code[: len(users_raw)]
        parent_code = iter(user_code[len(users_raw):])
        parent_user = np.array([next(parent_code) if p else ROOT for p in parents_raw], dtype=np.int64)
    else:
        user, names = _codes(users_raw)
        parent_user = np.full(len(data), UNKNOWN, dtype=np.int64)
    followers = (_numbers(path, col["followers"], line_of, "followers", empty_as_nan=True) if "followers" in col
                 else np.full(len(data), np.nan))
    if (followers < 0).any():
        i = int(np.argmax(followers < 0))
        raise ObservedDataError(f"{path}: line {int(line_of[i])}: followers: must be >= 0, got {followers[i]:g}")
    # the time-ordered split follows the roots' times; with relative times (all 0) the file order
    first_row = np.unique(ids_code, return_index=True)[1]
    root_time = np.full(ids.shape[0], np.inf)
    is_root = parent_user == ROOT if "parent_user" in col else np.isin(np.arange(len(data)), first_row)
    np.minimum.at(root_time, ids_code[is_root], time_h[is_root])
    root_time = np.where(np.isfinite(root_time), root_time, 0.0)
    labels = None
    if "label" in col:
        labels = np.asarray([s.strip() for s in col["label"]], dtype=object)[first_row]
    return LongTable(ids=ids, cascade=ids_code, user=user, time_h=time_h, parent_user=parent_user,
                     followers=followers, line=line_of, order_key=root_time + 1e-9 * np.arange(ids.shape[0]),
                     order_by="the root's time (then the file order)", labels=labels, user_names=names)


def _twitter(path: Path, text: str) -> LongTable:
    header, data, line_of = _rows(path, text, "\t")
    _expect_header(path, header, _TWITTER_HEADER, "twitter-trees")
    root_id, label, parent_uid, _, _, child_uid, _, child_delay = zip(*data)
    ids_code, ids = _codes(root_id)
    # users are dense integers in this release; the parent of the source row is 'ROOT'
    parent_is_root = np.asarray(parent_uid) == "ROOT"
    try:
        users = np.asarray(child_uid, dtype=np.int64)
        parents = np.where(parent_is_root, "-1", np.asarray(parent_uid)).astype(np.int64)
    except ValueError:
        raise ObservedDataError(f"{path}: a user id is not an integer (this reader expects the re-indexed release "
                                "in ../shared/data/)") from None
    parents[parent_is_root] = ROOT
    time_h = _numbers(path, child_delay, line_of, "child_delay_min") / 60.0  # 671 are negative: cleaning drops them
    # exact duplicate rows (17,169 in Twitter15) are repeat posts of one user: the cleaning drops them
    first_row = np.unique(ids_code, return_index=True)[1]
    try:
        order_key = np.asarray(ids, dtype=np.float64)  # Twitter ids grow with time (snowflake ids since 2010)
    except ValueError:
        order_key = first_row.astype(np.float64)
    return LongTable(ids=ids, cascade=ids_code, user=users, time_h=time_h, parent_user=parents,
                     followers=np.full(len(data), np.nan), line=line_of, order_key=order_key,
                     order_by="the source tweet's id (Twitter ids grow with time)",
                     labels=np.asarray(label, dtype=object)[first_row])


def _evently(path: Path, text: str) -> LongTable:
    header, data, line_of = _rows(path, text, ",")
    _expect_header(path, header, _EVENTLY_HEADER, "evently")
    cascade_id, _, time_s, followers, user = zip(*data)
    ids_code, ids = _codes([s.strip() for s in cascade_id])
    users, _ = _codes([s.strip() for s in user])
    time_h = _numbers(path, time_s, line_of, "time_s") / 3600.0
    try:
        order_key = np.asarray(ids, dtype=np.float64)
    except ValueError:
        order_key = np.arange(ids.shape[0], dtype=np.float64)
    return LongTable(ids=ids, cascade=ids_code, user=users, time_h=time_h,
                     parent_user=np.full(len(data), UNKNOWN, dtype=np.int64),
                     followers=_numbers(path, followers, line_of, "magnitude_followers"), line=line_of,
                     order_key=order_key, order_by="the cascade id (the data has no absolute times)")


def _seismic(path: Path, text: str) -> LongTable:
    header, data, line_of = _rows(path, text, ",")
    _expect_header(path, header, _SEISMIC_HEADER, "seismic")
    time_s, followers = zip(*data)
    n = len(data)
    return LongTable(ids=np.asarray([path.name.split(".")[0]]), cascade=np.zeros(n, dtype=np.int64),
                     user=np.arange(n, dtype=np.int64),  # one row per retweet: each is its own user
                     time_h=_numbers(path, time_s, line_of, "relative_time_second") / 3600.0,
                     parent_user=np.full(n, UNKNOWN, dtype=np.int64),
                     followers=_numbers(path, followers, line_of, "number_of_followers"), line=line_of,
                     order_key=np.zeros(1), order_by="(one cascade)")


def _weibo(path: Path, text: str) -> LongTable:
    cascade, user, time_h, parent, line, ids, published = [], [], [], [], [], [], []
    for lineno, raw in enumerate(text.split("\n"), start=1):  # one line per cascade (30 in the sample)
        if not raw.strip():
            continue
        fields = raw.rstrip("\r").split("\t")
        if len(fields) != 5:
            raise ObservedDataError(f"{path}: line {lineno}: {len(fields)} tab-separated fields, the Weibo format "
                                    "has 5 (id, root user, publish time, count, paths)")
        c = len(ids)
        ids.append(fields[0])
        try:
            published.append(float(fields[2]))
            entries = [e.rsplit(":", 1) for e in fields[4].split()]
            for path_text, delay in entries:
                users = path_text.split("/")
                user.append(int(users[-1]))
                parent.append(int(users[-2]) if len(users) > 1 else ROOT)
                time_h.append(float(delay) / 3600.0)
                cascade.append(c)
                line.append(lineno)
        except ValueError:
            raise ObservedDataError(f"{path}: line {lineno}: a repost entry is not 'u1/u2/...:seconds'") from None
    if not ids:
        raise ObservedDataError(f"{path}: the file is empty")
    return LongTable(ids=np.asarray(ids), cascade=np.asarray(cascade, dtype=np.int64),
                     user=np.asarray(user, dtype=np.int64), time_h=np.asarray(time_h),
                     parent_user=np.asarray(parent, dtype=np.int64), followers=np.full(len(user), np.nan),
                     line=np.asarray(line), order_key=np.asarray(published),
                     order_by="the publish time (Unix seconds)")


_PARSERS = {"csv": _csv, "twitter-trees": _twitter, "evently": _evently, "seismic": _seismic, "weibo": _weibo}


def _concat(tables: list[LongTable], paths: list[Path]) -> LongTable:
    """One table from several files of one format (cascade ids must not repeat across them)."""
    all_ids = np.concatenate([t.ids for t in tables])
    uniq, counts = np.unique(all_ids, return_counts=True)
    if (counts > 1).any():
        raise ObservedDataError(f"{' + '.join(map(str, paths))}: cascade {uniq[np.argmax(counts > 1)]} appears in "
                                "two files (a cascade must be in one file)")
    shift = np.cumsum([0] + [t.ids.shape[0] for t in tables[:-1]])
    user_names = None
    if tables[0].user_names is not None:  # CSV users are text: recode them over all files
        merged = np.concatenate([t.user_names for t in tables])
        user_codes, user_names = _codes(merged)
        offs = np.cumsum([0] + [t.user_names.shape[0] for t in tables[:-1]])
        users = [user_codes[o + t.user] for o, t in zip(offs, tables)]
        parents = [np.where(t.parent_user >= 0, user_codes[o + np.maximum(t.parent_user, 0)], t.parent_user)
                   for o, t in zip(offs, tables)]
    else:
        users = [t.user for t in tables]
        parents = [t.parent_user for t in tables]
    labels = None if tables[0].labels is None else np.concatenate([t.labels for t in tables])
    return LongTable(
        ids=all_ids, cascade=np.concatenate([t.cascade + s for t, s in zip(tables, shift)]),
        user=np.concatenate(users), time_h=np.concatenate([t.time_h for t in tables]),
        parent_user=np.concatenate(parents), followers=np.concatenate([t.followers for t in tables]),
        line=np.concatenate([t.line for t in tables]), order_key=np.concatenate([t.order_key for t in tables]),
        order_by=tables[0].order_by, labels=labels, user_names=user_names)
