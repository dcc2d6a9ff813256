#!/usr/bin/env python3
"""Cost of one control iteration of the whole tree, native agents versus Python agents.

Runs ``geopm-bridge launch --geopm-simulate-nodes=N --geopm-period=0 ...`` for
1, 16, 256 and 4096 simulated leaves (the node model on every node; GEOPM's
tree: 16 -> one level of 16, 256 -> 16 x 16, 4096 -> 16 x 16 x 16), each in
a fresh process, for a fixed number of iterations
(GEOPM_BRIDGE_MAX_ITERATIONS). The cost of an iteration is the sum over all
hosts of the report's ``GEOPM overhead (s)`` (each simulated node's time in
its walks down and up, agent hooks included) divided by the iterations; the
cost per agent divides that by the number of agents (every leaf, plus the
tree agents: 4369 at 4096 leaves). Cases:

* native: ``bench_native`` (benchmarks/agents/BenchNativeAgent.cpp, built
  here with g++) at every level of every node;
* Python: ``BenchTreePython`` below, its twin hook for hook, at every level
  of every node, its tree hooks (split_policy, aggregate_sample) included.

Repeats are interleaved across cases; the table shows the median of each.
Needs the package installed (``pip install .``) and g++.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "agents"))

from bench_agent import CLI, build_native_plugin  # noqa: E402
from bench_agents import BenchPython  # noqa: E402
from geopm_bridge import FloatArray  # noqa: E402

LEAVES = (1, 16, 256, 4096)
# Issue targets, printed beside the figures (never asserted).
MAX_PYTHON_RATIO = 3.0  # Python tree over native tree at 4096 leaves
MAX_PER_AGENT_GROWTH = 1.5  # cost per agent at 4096 leaves over its value at 16

_OVERHEAD = re.compile(r"^ *GEOPM overhead \(s\): (\S+)$", re.MULTILINE)


class BenchTreePython(BenchPython):
    """BenchPython with the tree hooks of BenchNativeAgent.cpp in Python too."""

    name = "bench_tree_python"

    def split_policy(self, in_policy: FloatArray, out_policy: FloatArray) -> None:
        """Every child gets the parent's policy."""
        out_policy[:] = in_policy

    def aggregate_sample(self, in_sample: FloatArray, out_sample: FloatArray) -> None:
        """Latest time, summed power and energy."""
        out_sample[0] = in_sample[:, 0].max()
        out_sample[1:] = in_sample[:, 1:].sum(axis=0)


def num_agents(leaves: int) -> int:
    """Agents of GEOPM's tree over this many leaves (fan-out 16: powers of 16 here)."""
    total, level_size = 0, leaves
    while level_size > 1:
        total += level_size
        level_size //= 16
    return total + 1


def iterations_for(leaves: int, budget: int) -> int:
    """Iterations of one run: about budget leaf-iterations, at least 20."""
    return max(20, budget // leaves)


def run_once(agent: str, leaves: int, iterations: int, work: Path) -> float:
    """Seconds of controller work per iteration of one job."""
    report = work / "report.yaml"
    command = CLI + [
        "launch",
        "--node-model",
        f"--geopm-simulate-nodes={leaves}",
        "--geopm-period=0",
        f"--geopm-agent={agent}",
        f"--geopm-report={report}",
        f"--geopm-plugin-path={work / 'plugins'}",
        "--geopm-agents=bench_tree:BenchTreePython",
        "--",
        "sleep",
        "1000",
    ]
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEOPM_")}
    paths = [str(HERE), str(HERE / "agents"), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    env["GEOPM_BRIDGE_MAX_ITERATIONS"] = str(iterations)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{agent} on {leaves} leaves: geopm-bridge launch failed:\n{done.stderr}")
    # A regular expression: PyYAML takes seconds over 4096 hosts.
    overheads = [float(value) for value in _OVERHEAD.findall(report.read_text())]
    report.unlink()
    if len(overheads) != leaves:
        sys.exit(f"{agent} on {leaves} leaves: {len(overheads)} hosts in the report")
    return sum(overheads) / iterations


def main() -> None:
    """Parse the options, build the native agent, run the cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument(
        "--budget",
        type=int,
        default=100000,
        help="leaf-iterations per run (default 100000: 24 iterations at 4096 leaves)",
    )
    args = parser.parse_args()
    if args.repeats < 1 or args.budget < 1:
        parser.error("--repeats and --budget must be positive")

    work = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    try:
        (work / "plugins").mkdir()
        build_native_plugin(work / "plugins")
        agents = ("bench_native", "bench_tree_python")
        seconds: dict[tuple[str, int], list[float]] = {
            (agent, leaves): [] for agent in agents for leaves in LEAVES
        }
        for repeat in range(args.repeats):
            print(f"run {repeat + 1}/{args.repeats}: ", end="", flush=True)
            for leaves in LEAVES:
                for agent in agents:
                    iterations = iterations_for(leaves, args.budget)
                    seconds[agent, leaves].append(run_once(agent, leaves, iterations, work))
                    print(".", end="", flush=True)
            print()
    finally:
        shutil.rmtree(work)

    def us(agent: str, leaves: int) -> float:
        return statistics.median(seconds[agent, leaves]) * 1e6

    print(
        f"\nOne control iteration of the whole tree, period 0, median of {args.repeats} runs "
        "(us: microseconds; per agent: divided by every agent of the tree)\n"
    )
    print(
        f"{'leaves':>6} {'agents':>6} {'native us/iter':>15} {'us/agent':>9} "
        f"{'Python us/iter':>15} {'us/agent':>9} {'Python/native':>14}"
    )
    for leaves in LEAVES:
        native, python = us("bench_native", leaves), us("bench_tree_python", leaves)
        agents_here = num_agents(leaves)
        print(
            f"{leaves:>6} {agents_here:>6} {native:>15.1f} {native / agents_here:>9.2f} "
            f"{python:>15.1f} {python / agents_here:>9.2f} {python / native:>14.2f}"
        )

    largest, small = LEAVES[-1], LEAVES[1]
    ratio = us("bench_tree_python", largest) / us("bench_native", largest)
    print(
        f"\nPython tree / native tree at {largest} leaves: {ratio:.2f} "
        f"(target <= {MAX_PYTHON_RATIO:g}: {'met' if ratio <= MAX_PYTHON_RATIO else 'MISSED'})"
    )
    for agent, label in (("bench_native", "native"), ("bench_tree_python", "Python")):
        growth = (us(agent, largest) / num_agents(largest)) / (us(agent, small) / num_agents(small))
        is_met = growth <= MAX_PER_AGENT_GROWTH
        print(
            f"{label} cost per agent at {largest} leaves / at {small}: {growth:.2f} "
            f"(linear growth: target <= {MAX_PER_AGENT_GROWTH:g}: {'met' if is_met else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
