"""``viralsim graph generate|info``: make audience graphs and describe graph files."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from .._text import unclipped
from ..errors import InvalidParameterError

GENERATE_EXAMPLES = """\
examples:
  viralsim graph generate barabasi_albert --nodes 1000000 --param m=5 --seed 1 -o ba.npz
  viralsim graph generate holme_kim --nodes 100000 --param m=5 --param triangle_prob=0.4 -o hk.npz
  viralsim graph generate segmented --nodes 50000 --param shares=0.6,0.3,0.1 \\
      --param within_degree=12 --param between_degree=3 --param names=fans,casual,new -o seg.npz
  viralsim graph generate follower --nodes 200000 --param m=10 --param reciprocity=0.2 -o fol.txt.gz

output: .npz (compact; keeps segments and isolated nodes) or an edge list (.txt, .txt.gz, .edges, .tsv).
"""

INFO_EXAMPLES = """\
examples:
  viralsim graph info ba.npz
  viralsim graph info ../shared/data/facebook_combined.txt.gz
  viralsim graph info ../shared/data/wiki-Vote.txt.gz --directed --json
"""


def _generator_help() -> str:
    from ..graph import GENERATORS

    lines = ["generators and their parameters:"]
    for name, spec in GENERATORS.items():
        lines.append(f"  {name}: {spec.description}")
        for pname, p in spec.params.items():
            req = "required" if p.required else f"default {p.default}"
            lines.append(f"      {pname}: {p.description}; {p.allowed()} ({req})")
    return "\n".join(lines)


def register(sub) -> None:
    graph = sub.add_parser("graph", help="generate audience graphs, describe graph files",
                           description="Generate audience graphs and describe graph files.")
    gsub = graph.add_subparsers(dest="graph_command", metavar="SUBCOMMAND")

    gen = gsub.add_parser(
        "generate",
        help="generate a random social graph",
        description="Generate a random social graph with a numba generator.",
        epilog=GENERATE_EXAMPLES + "\n" + _generator_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gen.add_argument("kind", metavar="KIND", help="generator name (listed below)")
    gen.add_argument("--nodes", "-n", type=int, required=True, metavar="N", help="number of people")
    gen.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                     help="a generator parameter; lists are comma separated (repeatable)")
    gen.add_argument("--seed", type=int, default=None, help="random seed (default: fresh entropy)")
    gen.add_argument("--max-memory-gb", type=float, default=None, metavar="GB",
                     help="refuse graphs whose estimated peak memory exceeds this (default: available RAM)")
    gen.add_argument("--output", "-o", required=True, metavar="FILE", help="output .npz or edge list")
    gen.add_argument("--quiet", "-q", action="store_true", help="no status spinner or summary")
    gen.set_defaults(func=_cmd_generate)

    info = gsub.add_parser(
        "info",
        help="describe a graph file (.npz or edge list)",
        description="Nodes, arcs, degrees, reciprocity, degree-tail exponent and sampled clustering of a graph.",
        epilog=INFO_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    info.add_argument("path", metavar="FILE", help=".npz graph or SNAP-style edge list (.gz read transparently)")
    info.add_argument("--directed", action="store_true", help="read an edge list's 'u v' as arcs u -> v")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.add_argument("--sample", type=int, default=20_000, help="wedges sampled for clustering (default 20000)")
    info.add_argument("--seed", type=int, default=0, help="seed for the clustering sample (default 0)")
    info.set_defaults(func=_cmd_info)

    graph.set_defaults(func=lambda args: (graph.print_help(), 2)[1])


def _parse_value(kind: str, key: str, raw: str, ptype: str):
    def number(text: str, as_int: bool):
        try:
            return int(text) if as_int else float(text)
        except ValueError:
            what = "an integer" if as_int else "a number"
            raise InvalidParameterError(f"--param {key}: must be {what}, got {text!r} ({kind})") from None

    if ptype == "int":
        return number(raw, True)
    if ptype == "float":
        return number(raw, False)
    if ptype == "bool":
        low = raw.strip().lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise InvalidParameterError(f"--param {key}: must be true or false, got {raw!r} ({kind})")
    items = [x.strip() for x in raw.split(",")]
    if ptype == "floats":
        return [number(x, False) for x in items]
    return items


def parse_params(kind: str, pairs: list[str]) -> dict:
    """``["m=5", "shares=0.5,0.5"]`` -> typed values, by the generator's declared parameter types."""
    from ..graph import GENERATORS

    if kind not in GENERATORS:
        raise InvalidParameterError(f"unknown graph generator {kind!r}; allowed: {', '.join(GENERATORS)}")
    spec = GENERATORS[kind]
    out = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidParameterError(f"--param: must look like KEY=VALUE, got {pair!r}")
        if key not in spec.params:
            raise InvalidParameterError(f"--param {key}: unknown parameter of {kind}; allowed: {', '.join(spec.params)}")
        out[key] = _parse_value(kind, key, raw, spec.params[key].kind)
    return out


@contextlib.contextmanager
def _status(message: str, enabled: bool):
    """A rich spinner on stderr while long work runs (only on a terminal)."""
    if not enabled or not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def _cmd_generate(args) -> int:
    from ..graph import GENERATORS, check_generator_params, generate, write_edgelist

    params = parse_params(args.kind, args.param)
    try:
        check_generator_params(args.kind, args.nodes, params)
    except InvalidParameterError as exc:  # name the flag, not the API argument
        if exc.parameter is None:
            raise
        flag = "--nodes" if exc.parameter == "nodes" else f"--param {exc.parameter}"
        raise InvalidParameterError(f"{flag}: {exc.detail} ({args.kind})") from None
    out = Path(args.output)
    suffixes = "".join(out.suffixes[-2:])
    if out.suffix != ".npz" and not any(suffixes.endswith(s) for s in (".txt", ".txt.gz", ".edges", ".edges.gz", ".tsv", ".tsv.gz")):
        raise InvalidParameterError(f"output must end in .npz, .txt, .txt.gz, .edges or .tsv; got {out.name!r}")
    if args.max_memory_gb is not None and args.max_memory_gb <= 0:
        raise InvalidParameterError(f"--max-memory-gb must be positive; got {args.max_memory_gb}")
    max_bytes = None if args.max_memory_gb is None else int(args.max_memory_gb * 2**30)
    with _status(f"generating {args.kind} on {args.nodes:,} nodes", not args.quiet):
        g = generate(args.kind, args.nodes, seed=args.seed, max_bytes=max_bytes, **params)
    with _status(f"writing {out}", not args.quiet):
        if out.suffix == ".npz":
            g.save(out)
        else:
            write_edgelist(g, out)
    if not args.quiet:
        isolated = int(((g.out_degree == 0) & (g.in_degree == 0)).sum())
        if out.suffix != ".npz" and isolated:
            print(f"note: {isolated:,} isolated nodes cannot appear in an edge list; use .npz to keep them", file=sys.stderr)
        kind = "arcs" if g.directed else "edges"
        print(f"wrote {out}: {g.n_nodes:,} nodes, {g.n_edges:,} {kind} ({GENERATORS[args.kind].description})", file=sys.stderr)
    return 0


def _cmd_info(args) -> int:
    from ..graph import load_graph

    path = Path(args.path)
    g = load_graph(path, directed=True if args.directed else None)
    info = g.info(sample=args.sample, seed=args.seed)
    data = info.to_dict()
    data = {"file": str(path), "fingerprint": g.fingerprint(), **data}
    if g.segment is not None:
        data["segment_names"] = list(g.segment_names)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{path.name}" + (f" - {g.name}" if g.name and g.name != path.name else ""), show_header=False)
    table.add_column("statistic")
    table.add_column("value", justify="right")
    for key, value in data.items():
        if key == "file":
            continue
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        table.add_row(key.replace("_", " "), str(value))
    Console().print(unclipped(table))  # the fingerprint wraps instead of ending in an ellipsis
    return 0
