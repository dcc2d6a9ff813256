#!/usr/bin/env python3
"""The application's cost of the profiling calls (geopm_prof.h), with no
controller and under a live one, beside an empty call into the same library.

Builds benchmarks/profile/prof_calls.c with gcc against the installed
package (``-lgeopm``) and runs it twice: alone (no controller: every call is
a no-op) and under ``geopm-bridge launch`` with a trace at a 5 ms period (the
controller reads the application's channel every period while it runs); then
the same for its Python twin, benchmarks/profile/prof_calls.py (the
``geopm_bridge.profile`` API over ctypes, the cost of Python's loop taken
out). Each figure is the best of the program's rounds, in ns per call.
Targets (issue 10) are printed beside them, never asserted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopm_bridge

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "profile" / "prof_calls.c"
PYTHON_PROGRAM = HERE / "profile" / "prof_calls.py"
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


def build(work: Path) -> Path:
    compiler = shutil.which("gcc") or sys.exit("bench_profile.py needs gcc")
    program = work / "prof_calls"
    lib = geopm_bridge.get_library_dir()
    subprocess.run(
        [
            compiler,
            "-O2",
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            str(SOURCE),
            f"-I{geopm_bridge.get_include()}",
            f"-L{lib}",
            "-lgeopm",
            "-lgeopmd",
            "-pthread",
            f"-Wl,-rpath,{lib}",
            "-o",
            str(program),
        ],
        check=True,
    )
    return program


def run(command: list[str], work: Path) -> dict[str, float]:
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, check=True)
    [line] = [text for text in done.stdout.splitlines() if text.startswith("{")]
    result: dict[str, float] = json.loads(line)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--calls", type=int, default=1000000, help="calls per round")
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


if __name__ == "__main__":
    main()
