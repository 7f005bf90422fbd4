"""The ``viralsim`` command line: a thin client of the Python API.

Each command lives in its own module with ``register(subparsers)``; every error viralsim
raises on purpose becomes one line on stderr and exit status 2 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import sys

from ..errors import ViralsimError

EXAMPLES = """\
examples:
  viralsim run scenarios/baseline.yaml                 simulate the bundled baseline scenario
  viralsim run scenarios/micro.yaml --runs 200 --set content.stickiness=0.05
  viralsim validate scenarios/*.yaml                   check scenario files without running
  viralsim compare scenarios/celebrity.yaml scenarios/micro.yaml
  viralsim run scenarios/celebrity.yaml scenarios/micro.yaml --plot
  viralsim plot results/celebrity results/micro -o spread.png     spread curves with 5-95% bands
  viralsim report results/ -o report.html                         one self-contained HTML report
  viralsim graph generate holme_kim --nodes 100000 --param m=5 --param triangle_prob=0.4 -o hk.npz
  viralsim graph info ../shared/data/facebook_combined.txt.gz
  viralsim describe ../shared/data/twitter16_trees.tsv.gz            statistics of observed cascades
  viralsim fit observed.csv --audience scenarios/baseline.yaml -o fits/mine   fit the model to them
  viralsim predict early.csv --scenario fits/mine/fitted.yaml --at 2h          final sizes from the first hours
"""


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, like every other viralsim error (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import graph_cmd, observed_cmd, plot_cmd, predict_cmd, run_cmd

    parser = _Parser(
        prog="viralsim",
        description="Simulate how content spreads by shares (eWOM) on social graphs: reach, impressions, "
        "engagement, conversions and earned media value, with Monte Carlo uncertainty.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"viralsim {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run_cmd.register(sub)
    graph_cmd.register(sub)
    plot_cmd.register(sub)
    observed_cmd.register(sub)
    predict_cmd.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ViralsimError as exc:
        if args.debug:
            raise
        print(f"viralsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("viralsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
