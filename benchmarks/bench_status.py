#!/usr/bin/env python3
"""Cost of the controller's loop per period, with and without launch's status line watching.

Runs ``geopm-bridge launch --node-model --geopm-period=0
--geopm-max-iterations=K`` (the monitor agent, no application) in a fresh
process per run and divides the report's runtime, less the start-up, by K:
the whole period (Controller::step(), the JobStatus check included), not
only the walks the report's overhead counts. Cases: stderr a pipe (nobody
asks for the JobStatus snapshot: the loop pays one relaxed atomic load per
period), and stderr a pseudo-terminal (launch's status thread asks once a
second: one snapshot per second besides). Repeats are interleaved; the
table shows the median and the best run. The whole period's noise is far
above the check's cost, so job_status_cost.cpp (built here with g++ from
this checkout) then times the check alone, and one snapshot's publish and
read. See docs/benchmarks.md. Needs the package installed (``pip install
.``) and g++.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CLI = [sys.executable, "-c", "import sys; from geopm_bridge.cli import main; sys.exit(main())"]


def run_once(work: Path, iterations: int, watched: bool) -> float:
    """Microseconds per period of one run."""
    report = work / "r.yaml"
    command = [*CLI, "launch", "--node-model", "--geopm-period=0"]
    command += [f"--geopm-max-iterations={iterations}", f"--geopm-report={report}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOPM_")}
    if watched:
        main, terminal = os.openpty()
        with subprocess.Popen(command, env=env, stderr=terminal, stdout=subprocess.DEVNULL) as job:
            os.close(terminal)
            while True:
                try:
                    if not os.read(main, 4096):
                        break
                except OSError:
                    break
            job.wait()
        os.close(main)
    else:
        subprocess.run(command, env=env, check=True, capture_output=True)
    totals = yaml.safe_load(report.read_text())["Hosts"]
    app = next(iter(totals.values()))["Application Totals"]
    return (app["runtime (s)"] - app["GEOPM startup (s)"]) / iterations * 1e6


def main() -> None:
    """Run the cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2_000_000, help="periods per run")
    parser.add_argument("--repeats", type=int, default=7, help="runs of each case (default 7)")
    args = parser.parse_args()
    results: dict[str, list[float]] = {"not watched (pipe)": [], "watched (terminal)": []}
    with tempfile.TemporaryDirectory(prefix="bench-status-") as work:
        for _ in range(args.repeats):
            for label, values in results.items():
                values.append(run_once(Path(work), args.iterations, label.startswith("watched")))
    print(f"controller loop, period 0, monitor agent, {args.iterations} periods per run")
    print(f"{'case':<22} {'median us/period':>17} {'best':>8}")
    for label, values in results.items():
        print(f"{label:<22} {statistics.median(values):>17.4f} {min(values):>8.4f}")
    with tempfile.TemporaryDirectory(prefix="bench-status-") as work:
        program = Path(work) / "job_status_cost"
        source = HERE / "job_status_cost.cpp"
        include = [f"-I{HERE.parent / 'cpp' / name}" for name in ("src", "include")]
        subprocess.run(
            ["g++", "-O2", "-std=c++17", *include, str(source), "-o", str(program)], check=True
        )
        subprocess.run([str(program)], check=True)


if __name__ == "__main__":
    main()
