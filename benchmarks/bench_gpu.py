#!/usr/bin/env python3
"""Cost per control period of reading the GPU signals, beside the CPU signals'.

Each platform runs in a fresh process (a process holds one NVML and one
platform). There, the GPU signals GPU_POWER, GPU_ENERGY,
GPU_CORE_FREQUENCY_STATUS and GPU_UTILIZATION are pushed on every gpu
domain, the CPU signals CPU_POWER, CPU_ENERGY and CPU_FREQUENCY_STATUS on
every package (those the platform has), and one control period is timed as
an agent spends it: ``pio.read_batch()`` then one ``sample()`` of a sample
group holding every pushed signal. Cases, interleaved over the repeats:

* ``TIME only``: one signal, the batch's own cost (the baseline);
* ``GPU signals``, ``CPU signals``, ``GPU + CPU signals``.

NVML's own cost is the anchor: ``nvmlDeviceGetPowerUsage`` of GPU 0 called
directly through ctypes, per call. Platforms:

* this machine's NVIDIA GPUs when libnvidia-ml.so.1 loads (reads only:
  nothing is written to a GPU);
* otherwise the fake NVML library (tests/fake_nvml/fake_nvml.c, built here
  with cc) with --gpus GPUs, beside the fake sysfs tree of the tests
  (tests/fake_sysfs.py: 2 packages, powercap and cpufreq files) for the
  CPU signals;
* the node model's simulated GPUs (GEOPM_BRIDGE_NODE_MODEL="gpus=N"), when
  this build's node model takes the parameter.

Figures: the median and best of --repeats rounds, each the mean over
--periods periods, in microseconds. See docs/benchmarks.md. Needs the
package installed (``pip install .``) and, for the fake, cc and this checkout.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FAKE_SOURCE = HERE.parent / "tests" / "fake_nvml" / "fake_nvml.c"
REAL_NVML = "libnvidia-ml.so.1"

GPU_SIGNALS = ("GPU_POWER", "GPU_ENERGY", "GPU_CORE_FREQUENCY_STATUS", "GPU_UTILIZATION")
CPU_SIGNALS = ("CPU_POWER", "CPU_ENERGY", "CPU_FREQUENCY_STATUS")
CASES = ("TIME only", "GPU signals", "CPU signals", "GPU + CPU signals")

# The measuring program, one case of one platform per process (a batch
# reads everything pushed); prints one JSON object.
CHILD = r"""
import ctypes, json, sys, time
import geopm_bridge

args = json.loads(sys.argv[1])
case = args["case"]
try:
    pio = geopm_bridge.platform_io()
    topo = geopm_bridge.platform_topo()
    names = set(pio.signal_names())

    def push(signals, domain):
        return [pio.push_signal(name, domain, idx)
                for name in signals if name in names
                for idx in range(topo.num_domain(domain))]

    indices = push(["TIME"], "board") if case == "TIME only" else []
    if "GPU" in case:
        indices += push(args["gpu_signals"], "gpu")
    if "CPU" in case:
        indices += push(args["cpu_signals"], "package")
    pio.read_batch()  # an IOGroup may refuse its settings only now
except Exception as error:  # e.g. a node model that refuses gpus=N
    print(json.dumps({"error": str(error)}))
    sys.exit(0)
result = {"gpus": topo.num_domain("gpu"), "signals": len(indices),
          "cpu_signals": [name for name in args["cpu_signals"] if name in names]}
if indices:
    group = pio.sample_group(indices)
    for _ in range(args["periods"] // 10 + 1):  # warm up
        pio.read_batch()
        group.sample()
    rounds = []
    for _ in range(args["repeats"]):
        start = time.perf_counter()
        for _ in range(args["periods"]):
            pio.read_batch()
            group.sample()
        rounds.append((time.perf_counter() - start) / args["periods"] * 1e6)
    result["us"] = rounds

if args.get("nvml") and topo.num_domain("gpu") > 0:
    # NVML's own per-call cost, through ctypes, on the library in use.
    nvml = ctypes.CDLL(args["nvml"])
    device = ctypes.c_void_p()
    milliwatts = ctypes.c_uint()
    if (nvml.nvmlInit_v2() == 0 and
            nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(device)) == 0):
        call = nvml.nvmlDeviceGetPowerUsage
        rounds = []
        for _ in range(args["repeats"]):
            start = time.perf_counter()
            for _ in range(args["calls"]):
                call(device, ctypes.byref(milliwatts))
            rounds.append((time.perf_counter() - start) / args["calls"] * 1e6)
        nvml.nvmlShutdown()
        result["nvml_us"] = rounds
print(json.dumps(result))
"""


def build_fake_platform(work: Path, num_gpu: int) -> dict[str, str]:
    """The fake NVML with a table of num_gpu GPUs and the tests' fake sysfs
    tree: the environment that selects them."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import fake_sysfs
    from cpp_build import compile_c_library  # the tests' own build step

    output = compile_c_library(FAKE_SOURCE, work / REAL_NVML)
    sysfs = fake_sysfs.build(work / "sysfs")
    config = work / "nvml.conf"
    config.write_text(
        "".join(
            f"power_mw={150000 + gpu} energy_mj=1000000 sm_mhz=1410 mem_mhz=1215 util=37"
            " clocks=300,1410\n"
            for gpu in range(num_gpu)
        )
    )
    return {
        "GEOPM_BRIDGE_NVML_LIBRARY": str(output),
        "FAKE_NVML_CONFIG": str(config),
        "GEOPM_BRIDGE_SYSFS_ROOT": str(sysfs),
    }


def measure(env_extra: dict[str, str], case: str, args: argparse.Namespace, nvml: str) -> Any:
    """One case on one platform, in a fresh process: the child's answer."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GEOPM_")}
    env.update(env_extra)
    child_args = {
        "case": case,
        "gpu_signals": GPU_SIGNALS,
        "cpu_signals": CPU_SIGNALS,
        "periods": args.periods,
        "repeats": args.repeats,
        "calls": args.calls,
        "nvml": nvml,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(child_args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        sys.exit(f"bench_gpu.py: the {case!r} run failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def figure(values: list[float] | None) -> str:
    """median (best), or a dash."""
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} ({min(values):.2f})"


def main() -> None:
    """Parse the options, measure every case on every platform, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--periods", type=int, default=2000, help="periods per round (2000)")
    parser.add_argument("--repeats", type=int, default=5, help="rounds per case (5)")
    parser.add_argument("--calls", type=int, default=10000, help="direct NVML calls per round")
    parser.add_argument("--gpus", type=int, default=4, help="fake and simulated GPUs (4)")
    args = parser.parse_args()
    if args.periods < 1 or args.repeats < 1 or args.calls < 1 or args.gpus < 1:
        parser.error("every count must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench-gpu-"))
    try:
        platforms: list[tuple[str, dict[str, str], str]] = []
        try:
            ctypes.CDLL(REAL_NVML)
            platforms.append(("this machine's GPUs (NVML)", {}, REAL_NVML))
        except OSError as error:
            print(f"No NVIDIA driver on this machine ({error}): the same batch is")
            print(f"measured on the fake NVML library with {args.gpus} GPUs.")
            fake = build_fake_platform(work, args.gpus)
            platforms.append(("fake NVML, fake sysfs", fake, fake["GEOPM_BRIDGE_NVML_LIBRARY"]))
        platforms.append(("node model", {"GEOPM_BRIDGE_NODE_MODEL": f"gpus={args.gpus}"}, ""))

        results: dict[str, dict[str, Any]] = {}
        for label, env_extra, nvml in platforms:
            results[label] = {}
            for case in CASES:
                # The NVML anchor once per platform, in the GPU case's process.
                answer = measure(env_extra, case, args, nvml if case == "GPU signals" else "")
                results[label][case] = answer
                if "error" in answer:
                    break
        print_table(results, args)
    finally:
        shutil.rmtree(work)


def print_table(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    """The cases side by side, one column per platform, then the anchor."""
    print(
        f"\nCost of one control period (read_batch() + one sample() of all pushed), "
        f"us, median (best) of {args.repeats} rounds of {args.periods} periods\n"
    )
    usable = {}
    for label, cases in results.items():
        answers = list(cases.values())
        if any("error" in answer for answer in answers):
            print(f"{label}: not measured: {answers[-1]['error']}")
            continue
        if cases["GPU signals"]["gpus"] == 0:
            print(f"{label}: not measured: no gpu domain")
            continue
        usable[label] = cases
    if not usable:
        return
    width = 26
    print(f"{'case':<22}" + "".join(f"{label:>{width}}" for label in usable))
    print(
        f"{'  GPUs':<22}"
        + "".join(f"{cases['GPU signals']['gpus']:>{width}}" for cases in usable.values())
    )
    for case in CASES:
        cells = []
        for cases in usable.values():
            answer = cases[case]
            text = figure(answer.get("us"))
            cells.append(f"{text} [{answer['signals']}]" if answer.get("us") else text)
        print(f"{case:<22}" + "".join(f"{cell:>{width}}" for cell in cells))
    print("\n[N]: signals read per period.")
    for label, cases in usable.items():
        cpu = cases["CPU signals"]["cpu_signals"]
        print(f"{label}: CPU signals offered: {', '.join(cpu) if cpu else 'none'}")
    for label, cases in usable.items():
        nvml_us = cases["GPU signals"].get("nvml_us")
        if not nvml_us:
            continue
        gpu = cases["GPU signals"]
        base = statistics.median(cases["TIME only"]["us"])
        per_signal_ns = (statistics.median(gpu["us"]) - base) / gpu["signals"] * 1e3
        print(
            f"{label}: nvmlDeviceGetPowerUsage through ctypes: {figure(nvml_us)} us/call;\n"
            f"  the GPU batch costs {per_signal_ns:.1f} ns/signal over the TIME-only period"
        )


if __name__ == "__main__":
    main()
