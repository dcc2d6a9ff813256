#!/usr/bin/env python3
"""Per-iteration cost of the controller loop, C++ agent versus Python agent.

Runs ``geopm-bridge launch --geopm-period=0 ... -- sleep DURATION`` once per
case and repeat, in a fresh process each time, and divides the controller's
loop time by the iterations the agent counted. The loop time is the report's
``GEOPM overhead (s)``: the controller's time outside the agent's ``wait()``
(which returns at once at period 0), so interpreter start-up, plugin loading
and the report itself are left out. Cases:

* ``bench_cpp``: a C++ agent plugin (agents/BenchCppAgent.cpp), built
  here with g++ against the installed package, on the node model;
* ``bench_python``: its Python twin (agents/bench_agents.py), same logic;
* ``bench_read_scalar`` / ``bench_read_vector`` / ``bench_read_group``:
  Python agents reading 64 per-CPU signals each iteration, one ``sample()``
  call per signal, one ``sample(indices)`` call for all, or one call of a
  ``SampleGroup`` made in ``init()``, on a fake 64-CPU machine
  (GEOPM_BRIDGE_SYSFS_ROOT). Besides the iteration cost, these time the read
  itself inside the agent.

Repeats are interleaved across cases so that a change of load on the machine
hits every case alike; the table shows the median and the best run of each
case. See docs/benchmarks.md.
Needs the package installed (``pip install .``), g++, and this checkout
(the fake machine comes from tests/fake_sysfs.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopm_bridge
import yaml

HERE = Path(__file__).resolve().parent
AGENTS_DIR = HERE / "agents"
CPP_SOURCE = AGENTS_DIR / "BenchCppAgent.cpp"
CPP_PLUGIN = "libgeopmagent_bench_cpp.so.2.1.0"
PYTHON_AGENTS = ",".join(
    f"bench_agents:{name}"
    for name in ("BenchPython", "BenchReadScalar", "BenchReadVector", "BenchReadGroup")
)

# Issue targets, printed beside the figures (never asserted).
MAX_PYTHON_EXTRA_US = 5.0
MIN_VECTOR_SPEEDUP = 10.0

# Launches `geopm-bridge` with this interpreter, whatever is on PATH.
CLI = [sys.executable, "-c", "import sys; from geopm_bridge.cli import main; sys.exit(main())"]


@dataclass(frozen=True)
class Case:
    """One benchmarked agent and the platform it runs on."""

    agent: str
    fake_machine: bool  # the 64-CPU fake tree, else this machine with the node model


CASES = (
    Case("bench_cpp", False),
    Case("bench_python", False),
    Case("bench_read_group", True),
    Case("bench_read_vector", True),
    Case("bench_read_scalar", True),
)


@dataclass
class Runs:
    """What the repeats of one case measured."""

    iterations: list[int] = field(default_factory=list)
    loop_us: list[float] = field(default_factory=list)  # per iteration
    read_us: list[float] = field(default_factory=list)  # per iteration, read cases only


def build_cpp_plugin(plugin_dir: Path) -> None:
    """Compile the C++ agent as a GEOPM user builds a plugin."""
    if shutil.which("g++") is None:
        sys.exit("bench_agent.py needs g++ to build the C++ agent")
    command = [
        "g++",
        "-O2",
        "-std=c++17",
        "-shared",
        "-fPIC",
        f"-I{geopm_bridge.get_include()}",
        str(CPP_SOURCE),
        f"-L{geopm_bridge.get_library_dir()}",
        "-lgeopmd",
        "-o",
        str(plugin_dir / CPP_PLUGIN),
    ]
    subprocess.run(command, check=True)


def build_fake_machine(root: Path) -> None:
    """A 64-CPU machine's /proc and /sys files (no cpufreq or powercap: only
    /proc/stat is read in the loop)."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import fake_sysfs

    machine = fake_sysfs.FakeMachine(
        packages=2, cores_per_package=16, threads_per_core=2, cpufreq=False, powercap=False
    )
    fake_sysfs.build(root, machine)


def run_once(case: Case, args: argparse.Namespace, work: Path, runs: Runs) -> None:
    """Run one job of a case and add what it measured to runs."""
    report = work / "report.yaml"
    trace = work / "trace"
    command = CLI + [
        "launch",
        "--geopm-period=0",
        f"--geopm-agent={case.agent}",
        f"--geopm-report={report}",
        f"--geopm-plugin-path={work / 'plugins'}",
        f"--geopm-agents={PYTHON_AGENTS}",
    ]
    if args.trace:
        command.append(f"--geopm-trace={trace}")
    # Only the settings given here: none of the caller's GEOPM_* variables.
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEOPM_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(AGENTS_DIR), env.get("PYTHONPATH")]))
    if case.fake_machine:
        env["GEOPM_BRIDGE_SYSFS_ROOT"] = str(work / "sysfs")
    else:
        command.append("--node-model")
    command += ["--", "sleep", str(args.duration)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{case.agent}: geopm-bridge launch failed ({done.returncode}):\n{done.stderr}")

    with open(report) as stream:
        (host,) = yaml.safe_load(stream)["Hosts"].values()
    report.unlink()
    for path in work.glob("trace-*"):
        path.unlink()  # can be large at period 0
    iterations = int(host["Iterations"])
    runs.iterations.append(iterations)
    runs.loop_us.append(host["Application Totals"]["GEOPM overhead (s)"] / iterations * 1e6)
    if "Read time (s)" in host:
        runs.read_us.append(float(host["Read time (s)"]) / iterations * 1e6)


def row(label: str, runs: Runs | None, values: list[float], baseline: list[float] | None) -> str:
    """One table line: the median and best of values, the iterations of runs, and how the
    median compares with the baseline's median (none given: this is the baseline)."""
    value = statistics.median(values)
    iterations = "" if runs is None else str(int(statistics.median(runs.iterations)))
    if baseline is None:
        versus, ratio = "(baseline)", 1.0
    else:
        base = statistics.median(baseline)
        versus, ratio = f"{value - base:+.2f}", value / base
    return (
        f"{label:<38} {iterations:>10} {value:>13.2f} {min(values):>8.2f} "
        f"{versus:>11} {ratio:>6.2f}"
    )


def verdict(is_met: bool) -> str:
    """How a target line ends."""
    return "met" if is_met else "MISSED"


def print_table(results: dict[str, Runs], args: argparse.Namespace) -> None:
    """The figures side by side, then the targets."""
    cpp, python = results["bench_cpp"], results["bench_python"]
    group = results["bench_read_group"]
    vector, scalar = results["bench_read_vector"], results["bench_read_scalar"]
    print(
        f"\nController cost per iteration at period 0, median and best of {args.repeats} runs "
        f"of {args.duration:g} s{' with a trace' if args.trace else ''} (us: microseconds)\n"
    )
    print(
        f"{'case':<38} {'iterations':>10} {'us/iteration':>13} {'best':>8} "
        f"{'difference':>11} {'ratio':>6}"
    )
    print(row("C++ agent", cpp, cpp.loop_us, None))
    print(row("Python agent, same logic", python, python.loop_us, cpp.loop_us))
    print()
    print(row("64 signals, sample group: iteration", group, group.loop_us, None))
    print(row("64 signals, sample(array): iteration", vector, vector.loop_us, group.loop_us))
    print(row("64 signals, one by one: iteration", scalar, scalar.loop_us, group.loop_us))
    print(row("64 signals, sample group: read only", None, group.read_us, None))
    print(row("64 signals, sample(array): read only", None, vector.read_us, group.read_us))
    print(row("64 signals, one by one: read only", None, scalar.read_us, group.read_us))

    median = statistics.median
    extra = median(python.loop_us) - median(cpp.loop_us)
    speedup = median(scalar.read_us) / median(group.read_us)
    print(
        f"\nPython agent costs {extra:+.2f} us/iteration over C++ "
        f"(target <= {MAX_PYTHON_EXTRA_US:g}: {verdict(extra <= MAX_PYTHON_EXTRA_US)})"
    )
    print(
        f"vectorized 64-signal read (sample group) is {speedup:.1f}x faster than one by one "
        f"(target >= {MIN_VECTOR_SPEEDUP:g}x: {verdict(speedup >= MIN_VECTOR_SPEEDUP)})"
    )


def main() -> None:
    """Parse the options, build what the runs need, run them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--duration", type=float, default=2.0, help="seconds each run lasts (default 2)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="runs of each case (default 5)")
    parser.add_argument(
        "--trace",
        action="store_true",
        help="also write a trace (one row per iteration: adds trace_values() and the row's cost)",
    )
    args = parser.parse_args()
    if args.duration <= 0 or args.repeats < 1:
        parser.error("--duration must be positive and --repeats at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench-agent-"))
    try:
        (work / "plugins").mkdir()
        build_cpp_plugin(work / "plugins")
        build_fake_machine(work / "sysfs")
        results = {case.agent: Runs() for case in CASES}
        for repeat in range(args.repeats):
            print(f"run {repeat + 1}/{args.repeats}: ", end="", flush=True)
            for case in CASES:
                run_once(case, args, work, results[case.agent])
                print(".", end="", flush=True)
            print()
        print_table(results, args)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
