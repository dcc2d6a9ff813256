"""The Python application's cost of the profiling calls (geopm_bridge.profile),
in ns per call, best of REPEATS rounds of CALLS calls each; one line of JSON.

Usage: python prof_calls.py [REPEATS [CALLS]]. The C twin is prof_calls.c.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint


def best_ns(body: Callable[[int], None], repeats: int, calls: int) -> float:
    """ns per call of body(calls), best of repeats rounds."""
    result = float("inf")
    for _ in range(repeats):
        start = time.perf_counter_ns()
        body(calls)
        result = min(result, (time.perf_counter_ns() - start) / calls)
    return result


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    solve = profile.region("bench_py", RegionHint.COMPUTE)

    def empty_loop(count: int) -> None:
        for _ in range(count):
            pass

    def enter_exit(count: int) -> None:
        for _ in range(count):
            with solve:
                pass

    def lookup_enter_exit(count: int) -> None:
        for _ in range(count):
            with profile.region("bench_py", RegionHint.COMPUTE):
                pass

    def epoch(count: int) -> None:
        for _ in range(count):
            profile.epoch()

    def post(count: int) -> None:
        for _ in range(count):
            profile.tprof_post()

    loop = best_ns(empty_loop, repeats, calls)
    figures = {
        "py_loop": loop,
        "py_enter_exit": best_ns(enter_exit, repeats, calls) - loop,
        "py_region_enter_exit": best_ns(lookup_enter_exit, repeats, calls) - loop,
        "py_epoch": best_ns(epoch, repeats, calls) - loop,
        "py_tprof_post": best_ns(post, repeats, calls) - loop,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
