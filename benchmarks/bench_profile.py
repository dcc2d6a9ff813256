#!/usr/bin/env python3
"""Application profiling's costs: the application's per call (geopm_prof.h),
with no controller and under a live one, beside an empty call into the same
library; and the controller's per control period to read 1, 8 and 64
application processes' channels.

Builds benchmarks/profile/prof_calls.c with gcc against the installed
package (``-lgeopm``) and runs it twice: alone (no controller: every call is
a no-op) and under ``geopm-bridge launch`` with a trace at a 5 ms period (the
controller reads the application's channel every period while it runs); then
the same for its Python twin, benchmarks/profile/prof_calls.py (the
``geopm_bridge.profile`` API over ctypes, the cost of Python's loop taken
out). Each figure is the best of the program's rounds, in ns per call.

Then builds benchmarks/profile/source_update.cpp with g++ against the
installed package and this tree's private ProfileSource.hpp (the tree must
be the one installed) and times ProfileSource::update() once per period
while N forked processes mark regions and epochs: without a scan (the
steady state) and with one (every 50 ms the source looks for new and exited
processes), medians and 90th percentiles in us, and the mean per period.
Targets (issue 10) are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import geopm_bridge

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "profile" / "prof_calls.c"
PYTHON_PROGRAM = HERE / "profile" / "prof_calls.py"
SOURCE_UPDATE = HERE / "profile" / "source_update.cpp"
PRIVATE_HEADERS = HERE.parent / "cpp" / "src" / "profile"
SCAN_INTERVAL_S = 0.05  # ProfileSource's
TARGET_UPDATE_US = 5.0  # one period's read of 64 processes' channels
CLI = [sys.executable, "-c", "import sys; from geopm_bridge.cli import main; sys.exit(main())"]
TARGETS_NS = {"enter_exit": 100.0, "epoch": 50.0, "tprof_post_1": 10.0}
ROWS = (
    ("empty", "empty call into the library (baseline)"),
    ("enter_exit", "geopm_prof_enter + geopm_prof_exit"),
    ("epoch", "geopm_prof_epoch"),
    ("tprof_post_1", "geopm_tprof_post, 1 thread"),
    ("tprof_post_2", "geopm_tprof_post, 2 threads at once"),
    ("first_region", "first geopm_prof_region (connects)"),
    ("py_enter_exit", "Python: with region (a Region kept)"),
    ("py_region_enter_exit", "Python: with profile.region(name, hint)"),
    ("py_epoch", "Python: profile.epoch()"),
    ("py_tprof_post", "Python: profile.tprof_post()"),
)


def compile_against_package(compiler: str, source: Path, program: Path, *flags: str) -> Path:
    """source built with compiler against the installed package's headers and libgeopm."""
    found = shutil.which(compiler) or sys.exit(f"bench_profile.py needs {compiler}")
    lib = geopm_bridge.get_library_dir()
    subprocess.run(
        [
            found,
            "-O2",
            *flags,
            str(source),
            f"-I{geopm_bridge.get_include()}",
            f"-L{lib}",
            "-lgeopm",
            "-pthread",
            f"-Wl,-rpath,{lib}",
            "-o",
            str(program),
        ],
        check=True,
    )
    return program


def build(work: Path) -> Path:
    flags = ("-std=c11", "-D_POSIX_C_SOURCE=200809L")
    return compile_against_package("gcc", SOURCE, work / "prof_calls", *flags)


def build_source_update(work: Path) -> Path:
    flags = ("-std=c++17", f"-I{PRIVATE_HEADERS}")
    return compile_against_package("g++", SOURCE_UPDATE, work / "source_update", *flags)


def run(command: list[str], work: Path) -> dict[str, Any]:
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=True)
    [line] = [text for text in done.stdout.splitlines() if text.startswith("{")]
    result: dict[str, Any] = json.loads(line)
    return result


def print_source_update(figures: dict[str, dict[str, float]], period_ms: float) -> None:
    print(
        f"\n{'ProfileSource::update(), us':28} {'no scan: median':>16} {'p90':>7} "
        f"{'scan: median':>13} {'p90':>7} {f'mean/period ({period_ms:g} ms)':>22}"
    )
    scans_per_period = period_ms * 1e-3 / SCAN_INTERVAL_S
    for count, row in figures.items():
        steady, scan = row["steady_median"] / 1e3, row["scan_median"] / 1e3
        mean = steady + (scan - steady) * scans_per_period
        print(
            f"{count + ' processes':28} {steady:>16.2f} {row['steady_p90'] / 1e3:>7.2f} "
            f"{scan:>13.1f} {row['scan_p90'] / 1e3:>7.1f} {mean:>22.2f}"
        )
    if "64" in figures:
        steady = figures["64"]["steady_median"] / 1e3
        state = "met" if steady <= TARGET_UPDATE_US else "MISSED"
        print(
            f"update() of 64 processes, no scan due: {steady:.2f} us "
            f"(target <= {TARGET_UPDATE_US:g}: {state})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--calls", type=int, default=1000000, help="calls per round")
    parser.add_argument(
        "--processes", default="1,8,64", help="application processes read (default 1,8,64)"
    )
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="time each source is read (default 2)"
    )
    parser.add_argument(
        "--period-ms",
        type=float,
        default=3.0,
        help="control period of the source's reads (default 3; not a divisor of 50)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        launch = [
            *CLI,
            "launch",
            "--node-model",
            "--geopm-period=0.005",
            "--geopm-trace=trace",
            "--geopm-report=report.yaml",
            "--",
        ]
        program = [str(build(work)), str(args.repeats), str(args.calls)]
        alone = run(program, work)
        live = run([*launch, *program], work)
        # Python's loop is slower: a fifth of the calls take as long.
        python = [sys.executable, str(PYTHON_PROGRAM), str(args.repeats), str(args.calls // 5)]
        alone.update(run(python, work))
        live.update(run([*launch, *python], work))
        source = run(
            [
                str(build_source_update(work)),
                str(args.seconds),
                str(args.period_ms),
                *args.processes.split(","),
            ],
            work,
        )
    print(
        f"\n{'ns per call (best of ' + str(args.repeats) + ' rounds)':46} "
        f"{'no controller':>14} {'live controller':>16} {'target':>8}"
    )
    for key, label in ROWS:
        target = TARGETS_NS.get(key)
        verdict = "" if target is None else f"<= {target:g}"
        print(f"{label:46} {alone[key]:>14.1f} {live[key]:>16.1f} {verdict:>8}")
    for key, target in TARGETS_NS.items():
        state = "met" if live[key] <= target else "MISSED"
        print(f"{key} with a live controller: {live[key]:.1f} ns (target <= {target:g}: {state})")
    print_source_update(source, args.period_ms)


if __name__ == "__main__":
    main()
