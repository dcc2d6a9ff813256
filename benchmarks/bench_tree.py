#!/usr/bin/env python3
"""Cost of one control iteration of the whole tree, C++ agents versus Python agents.

Runs ``geopm-bridge launch --geopm-simulate-nodes=N --geopm-period=0 ...`` for
1, 16, 256, 1024, 4096 and 16384 simulated leaves (the node model on every
node; GEOPM's tree: 16 -> one level of 16, 256 -> 16 x 16, 4096 -> 16 x 16 x
16), each in a fresh process, for a fixed number of iterations
(GEOPM_BRIDGE_MAX_ITERATIONS). The cost of an iteration is the sum over all
hosts of the report's ``GEOPM overhead (s)`` (each simulated node's time in
its walks down and up, agent hooks included) divided by the iterations; the
cost per agent divides that by the number of agents (every leaf, plus the
tree agents: 4369 at 4096 leaves). Cases:

* C++: ``bench_cpp`` (benchmarks/agents/BenchCppAgent.cpp, built
  here with g++) at every level of every node;
* Python: ``BenchTreePython`` below, its twin hook for hook, at every level
  of every node, its tree hooks (split_policy, aggregate_sample) included.

Repeats are interleaved across cases; the table shows the median of each.
Then the machine's memory latency by working-set size
(benchmarks/memory_latency.cpp): the cost per node steps up where the nodes'
memory leaves the last cache level that holds it.
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
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "agents"))

from bench_agent import CLI, build_cpp_plugin  # noqa: E402
from bench_agents import BenchPython  # noqa: E402
from geopm_bridge import FloatArray  # noqa: E402

LEAVES = (1, 16, 256, 1024, 4096, 16384)
# Issue targets, printed beside the figures (never asserted).
TARGET_LEAVES = 4096
MAX_PYTHON_RATIO = 3.0  # Python tree over C++ tree at TARGET_LEAVES
MAX_PER_AGENT_GROWTH = 1.5  # cost per agent at TARGET_LEAVES over its value at 16
LATENCY_SOURCE = HERE / "memory_latency.cpp"

_OVERHEAD = re.compile(r"^ *GEOPM overhead \(s\): (\S+)$", re.MULTILINE)
_FAN_IN = re.compile(r"^ *Fan-in: (\S+)$", re.MULTILINE)


class BenchTreePython(BenchPython):
    """BenchPython with the tree hooks of BenchCppAgent.cpp in Python too."""

    name = "bench_tree_python"

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        """As BenchPython; keep the tree's shape for the report."""
        super().init(level, fan_in, is_level_root)
        self._fan_in = list(fan_in)

    def report_host(self) -> Sequence[tuple[str, str]]:
        """The iteration count, and the fan-in of every level (to count the agents)."""
        shape = "x".join(str(size) for size in self._fan_in) or "none"
        return [*super().report_host(), ("Fan-in", shape)]

    def split_policy(self, in_policy: FloatArray, out_policy: FloatArray) -> None:
        """Every child gets the parent's policy."""
        out_policy[:] = in_policy

    def aggregate_sample(self, in_sample: FloatArray, out_sample: FloatArray) -> None:
        """Latest time, summed power and energy."""
        out_sample[0] = in_sample[:, 0].max()
        out_sample[1:] = in_sample[:, 1:].sum(axis=0)


def num_agents(leaves: int, fan_in: list[int]) -> int:
    """Agents of the tree: every leaf, plus one per parent at every level."""
    total = parents = leaves
    for size in fan_in:
        parents //= size
        total += parents
    return total


def iterations_for(leaves: int, budget: int) -> int:
    """Iterations of one run: about budget leaf-iterations, at least 20."""
    return max(20, budget // leaves)


def run_once(agent: str, leaves: int, iterations: int, work: Path) -> tuple[float, list[int]]:
    """Seconds of controller work per iteration of one job, and the tree's
    fan-in per level (from the Python agent's report; empty otherwise)."""
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
    ]
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEOPM_")}
    paths = [str(HERE), str(HERE / "agents"), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    env["GEOPM_BRIDGE_MAX_ITERATIONS"] = str(iterations)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{agent} on {leaves} leaves: geopm-bridge launch failed:\n{done.stderr}")
    # A regular expression: PyYAML takes seconds over 4096 hosts.
    text = report.read_text()
    report.unlink()
    overheads = [float(value) for value in _OVERHEAD.findall(text)]
    if len(overheads) != leaves:
        sys.exit(f"{agent} on {leaves} leaves: {len(overheads)} hosts in the report")
    shape = _FAN_IN.search(text)
    fan_in = [int(size) for size in shape.group(1).split("x")] if shape and leaves > 1 else []
    return sum(overheads) / iterations, fan_in


def memory_latency(work: Path) -> list[tuple[int, float]]:
    """(KiB, ns per dependent load) by working-set size, from memory_latency.cpp."""
    program = work / "memory_latency"
    command = ["g++", "-O2", "-std=c++17", str(LATENCY_SOURCE), "-o", str(program)]
    subprocess.run(command, check=True)
    lines = subprocess.run([str(program)], check=True, capture_output=True, text=True).stdout
    return [(int(kib), float(ns)) for kib, ns in (line.split() for line in lines.splitlines())]


def main() -> None:
    """Parse the options, build the C++ agent, run the cases, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each case (default 3)")
    parser.add_argument(
        "--budget",
        type=int,
        default=100000,
        help="leaf-iterations per run (default 100000: 24 iterations at 4096 leaves)",
    )
    parser.add_argument(
        "--leaves",
        type=lambda text: sorted({int(size) for size in text.split(",")}),
        default=list(LEAVES),
        help="comma-separated leaf counts (default " + ",".join(map(str, LEAVES)) + ")",
    )
    args = parser.parse_args()
    if args.repeats < 1 or args.budget < 1 or min(args.leaves) < 1:
        parser.error("--repeats, --budget and --leaves must be positive")
    leaf_counts: list[int] = args.leaves

    agents = ("bench_cpp", "bench_tree_python")
    seconds: dict[tuple[str, int], list[float]] = {
        (agent, leaves): [] for agent in agents for leaves in leaf_counts
    }
    fan_in: dict[int, list[int]] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    try:
        (work / "plugins").mkdir()
        build_cpp_plugin(work / "plugins")
        for repeat in range(args.repeats):
            print(f"run {repeat + 1}/{args.repeats}: ", end="", flush=True)
            for leaves in leaf_counts:
                for agent in agents:
                    iterations = iterations_for(leaves, args.budget)
                    cost, shape = run_once(agent, leaves, iterations, work)
                    seconds[agent, leaves].append(cost)
                    if agent == "bench_tree_python":
                        fan_in[leaves] = shape
                    print(".", end="", flush=True)
            print()
        latency = memory_latency(work)
    finally:
        shutil.rmtree(work)

    def us(agent: str, leaves: int) -> float:
        return statistics.median(seconds[agent, leaves]) * 1e6

    def per_agent(agent: str, leaves: int) -> float:
        return us(agent, leaves) / num_agents(leaves, fan_in[leaves])

    print(
        f"\nOne control iteration of the whole tree, period 0, median of {args.repeats} runs "
        "(us: microseconds; per agent: divided by every agent of the tree)\n"
    )
    print(
        f"{'leaves':>6} {'agents':>6} {'C++ us/iter':>15} {'us/agent':>9} "
        f"{'Python us/iter':>15} {'us/agent':>9} {'Python/C++':>14}"
    )
    for leaves in leaf_counts:
        cpp, python = us("bench_cpp", leaves), us("bench_tree_python", leaves)
        print(
            f"{leaves:>6} {num_agents(leaves, fan_in[leaves]):>6} {cpp:>15.1f} "
            f"{per_agent('bench_cpp', leaves):>9.2f} {python:>15.1f} "
            f"{per_agent('bench_tree_python', leaves):>9.2f} {python / cpp:>14.2f}"
        )

    print("\nMemory latency of this machine by working set (one dependent load at a time):")
    print("  " + ", ".join(f"{kib / 1024:g} MiB: {ns:.0f} ns" for kib, ns in latency))

    def verdict(is_met: bool) -> str:
        return "met" if is_met else "MISSED"

    print()
    if TARGET_LEAVES in leaf_counts:
        ratio = us("bench_tree_python", TARGET_LEAVES) / us("bench_cpp", TARGET_LEAVES)
        print(
            f"Python tree / C++ tree at {TARGET_LEAVES} leaves: {ratio:.2f} "
            f"(target <= {MAX_PYTHON_RATIO:g}: {verdict(ratio <= MAX_PYTHON_RATIO)})"
        )
    for agent, label in (("bench_cpp", "C++"), ("bench_tree_python", "Python")):
        if 16 in leaf_counts and TARGET_LEAVES in leaf_counts:
            growth = per_agent(agent, TARGET_LEAVES) / per_agent(agent, 16)
            print(
                f"{label} cost per agent at {TARGET_LEAVES} leaves / at 16: {growth:.2f} "
                f"(flat from 16 leaves: target <= {MAX_PER_AGENT_GROWTH:g}: "
                f"{verdict(growth <= MAX_PER_AGENT_GROWTH)})"
            )
        largest = leaf_counts[-1]
        if largest > TARGET_LEAVES:
            # Both sizes outgrow the caches of common machines (see the
            # latency line): what is left is the tree's own growth.
            growth = per_agent(agent, largest) / per_agent(agent, TARGET_LEAVES)
            print(
                f"{label} cost per agent at {largest} leaves / at {TARGET_LEAVES}: {growth:.2f} "
                f"(flat at scale: target <= {MAX_PER_AGENT_GROWTH:g}: "
                f"{verdict(growth <= MAX_PER_AGENT_GROWTH)})"
            )


if __name__ == "__main__":
    main()
