"""Demo of the experiment runner: the monitor agent against power_governor
under a node power budget, on simulated nodes of the node model, with a
small profiled Python application (apps/phases.py).

    python experiments/monitor_vs_power_governor.py [--nodes 4] [--budget 100]
        [--seconds 0.1] [--iterations 3] [--out DIR [--plot]]

Prints one table: a row per metric, a column per agent and the change
against monitor. The application runs for a fixed time, so the budget shows
in energy and power, not runtime: power_governor's energy is the lower one
when the budget is below what compute regions draw unlimited.
"""

from __future__ import annotations

import argparse
import sys

from runner import APPS, Config, ExperimentError, print_comparison, run_jobs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=4, help="simulated nodes (4)")
    parser.add_argument("--budget", type=float, default=100.0, help="node power budget, W (100)")
    parser.add_argument("--seconds", type=float, default=0.1, help="seconds per region (0.1)")
    parser.add_argument("--iterations", type=int, default=3, help="epochs (3)")
    parser.add_argument("--period", type=float, default=0.02, help="control period, s (0.02)")
    parser.add_argument("--out", help="keep each job's files (and pictures) under this directory")
    parser.add_argument("--plot", action="store_true", help="draw each job's traces into --out")
    opts = parser.parse_args()
    if opts.plot and not opts.out:
        parser.error("--plot needs --out DIR")
    app = [sys.executable, str(APPS / "phases.py"), str(opts.seconds), str(opts.iterations)]
    configs = [
        Config("monitor", app, agent="monitor", nodes=opts.nodes, period=opts.period),
        Config(
            "power_governor",
            app,
            agent="power_governor",
            policy={"CPU_POWER_LIMIT": opts.budget},
            nodes=opts.nodes,
            period=opts.period,
        ),
    ]
    try:
        results = run_jobs(configs, opts.out, plot=opts.plot)
    except ExperimentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_comparison(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
