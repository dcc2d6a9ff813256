#!/usr/bin/env python3
"""Per-iteration cost of a composite agent beside its members run alone.

Runs ``geopm-bridge launch --geopm-period=0 --node-model ... -- sleep
DURATION`` once per case and repeat, in a fresh process each time, as
bench_agent.py does, and divides the controller's loop time (the report's
``GEOPM overhead (s)``) by the iterations the agent counted. Cases:

* ``bench_cpp`` and ``bench_cpp_twin``: the C++ agent plugin of
  bench_agent.py under its two names, alone, then composed
  (``bench_cpp+bench_cpp_twin``);
* ``bench_python`` and ``bench_python_twin``: its Python twin, alone, then
  composed.

Both members of a composite push ``CPU_POWER_LIMIT_CONTROL`` and adjust it
every iteration, so the composites carry the merge rule
``@CPU_POWER_LIMIT_CONTROL=min``: the figures include a merge per iteration.
The issue's targets: a composite of two C++ agents costs at most the sum of
the two alone plus 0.2 us, of two Python agents the sum plus 1 us (the sum
counts the controller's own work twice, so the targets are loose). See
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from bench_agent import AGENTS_DIR, CLI, build_cpp_plugin

MERGE = "@CPU_POWER_LIMIT_CONTROL=min"
PYTHON_AGENTS = "bench_agents:BenchPython,bench_agents:BenchPythonTwin"
GROUPS = {
    "C++": ("bench_cpp", "bench_cpp_twin"),
    "Python": ("bench_python", "bench_python_twin"),
}
# Issue targets, printed beside the figures (never asserted): us over the sum.
MAX_EXTRA_US = {"C++": 0.2, "Python": 1.0}


def composite(members: tuple[str, str]) -> str:
    """The composite agent's name."""
    return "+".join(members) + MERGE


def run_once(agent: str, args: argparse.Namespace, work: Path) -> float:
    """Run one job of agent; its controller cost per iteration in us."""
    report = work / "report.yaml"
    command = CLI + [
        "launch",
        "--geopm-period=0",
        "--node-model",
        f"--geopm-agent={agent}",
        f"--geopm-report={report}",
        f"--geopm-plugin-path={work / 'plugins'}",
        f"--geopm-agents={PYTHON_AGENTS}",
        "--",
        "sleep",
        str(args.duration),
    ]
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEOPM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(AGENTS_DIR), env.get("PYTHONPATH")]))
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{agent}: geopm-bridge launch failed ({done.returncode}):\n{done.stderr}")
    with open(report) as stream:
        (host,) = yaml.safe_load(stream)["Hosts"].values()
    report.unlink()
    # A composite reports each member's pairs under "member/".
    key = next(key for key in host if key == "Iterations" or key.endswith("/Iterations"))
    iterations = int(host[key])
    overhead: float = host["Application Totals"]["GEOPM overhead (s)"]
    return overhead / iterations * 1e6


def main() -> None:
    """Parse the options, build the C++ plugin, run the cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=2.0, help="seconds each run lasts (default 2)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="runs of each case (default 5)")
    args = parser.parse_args()
    if args.duration <= 0 or args.repeats < 1:
        parser.error("--duration must be positive and --repeats at least 1")

    agents = [name for members in GROUPS.values() for name in (*members, composite(members))]
    work = Path(tempfile.mkdtemp(prefix="bench-composite-"))
    try:
        (work / "plugins").mkdir()
        build_cpp_plugin(work / "plugins")
        costs: dict[str, list[float]] = {agent: [] for agent in agents}
        for repeat in range(args.repeats):
            print(f"run {repeat + 1}/{args.repeats}: ", end="", flush=True)
            for agent in agents:  # interleaved: a change of load hits every case alike
                costs[agent].append(run_once(agent, args, work))
                print(".", end="", flush=True)
            print()
    finally:
        shutil.rmtree(work)

    median = statistics.median
    print(
        f"\nController cost per iteration at period 0, median and best of {args.repeats} runs "
        f"of {args.duration:g} s (us: microseconds)\n"
    )
    print(f"{'case':<58} {'us/iteration':>13} {'best':>8}")
    for agent in agents:
        print(f"{agent:<58} {median(costs[agent]):>13.2f} {min(costs[agent]):>8.2f}")
    print()
    for kind, members in GROUPS.items():
        alone = sum(median(costs[name]) for name in members)
        composed = median(costs[composite(members)])
        extra = composed - alone
        target = MAX_EXTRA_US[kind]
        print(
            f"two {kind} agents composed: {composed:.2f} us, alone {alone:.2f} us together: "
            f"{extra:+.2f} us (target <= +{target:g}: {'met' if extra <= target else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
