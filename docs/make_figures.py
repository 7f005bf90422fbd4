"""Make the README's figures from the bundled scenarios: ``python3 docs/make_figures.py``.

Runs scenarios/baseline.yaml, celebrity.yaml and micro.yaml with common random numbers (the
scenarios' own seed and run count), writes their result folders like ``viralsim run`` does, and
draws from those files:

- docs/figures/spread_reach.png: cumulative reach over time, mean and 5-95% band;
- docs/figures/compare_strategies.png: celebrity and micro-influencers against the organic baseline.

The same figures from the command line::

    viralsim run scenarios/baseline.yaml scenarios/celebrity.yaml scenarios/micro.yaml --out results
    viralsim plot results/baseline results/celebrity results/micro -o spread_reach.png
    viralsim plot results/baseline results/celebrity results/micro --kind compare -o compare_strategies.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("baseline", "celebrity", "micro")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="Monte Carlo runs per scenario (default: the scenario files')")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures", help="folder for the PNGs")
    parser.add_argument("--keep", type=Path, help="also keep the result folders here (default: a temporary folder)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from viralsim import compare, load_scenario
    from viralsim.plotting import comparison, load_results, save_figure, spread_curves
    from viralsim.scenario.outputs import write_run_outputs

    overrides = [f"runs={args.runs}"] if args.runs else []
    scenarios = [load_scenario(ROOT / "scenarios" / f"{name}.yaml", overrides) for name in SCENARIOS]
    result = compare(scenarios)
    with tempfile.TemporaryDirectory(prefix="viralsim-figures-") as tmp:
        where = args.keep or Path(tmp)
        dirs = [write_run_outputs(r, where, argv=["docs/make_figures.py", *(argv or sys.argv[1:])])
                for r in result.results]
        results = load_results(dirs)
        for name, fig in (("spread_reach.png", spread_curves(results, "reach")),
                          ("compare_strategies.png", comparison(results, ["reach", "reach_earned", "conversions",
                                                                          "emv", "roi"]))):
            path = save_figure(fig, args.out / name)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
