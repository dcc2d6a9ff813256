"""The NVML IOGroup against the node's real NVIDIA GPUs, read only (``pytest -m gpu``).

Runs only where a real NVML is (libnvidia-ml.so.1 loads and nvidia-smi
answers); elsewhere every test skips, naming why. Nothing here writes to a
GPU: the reads go through geopm-bridge with no control written, and the one
job launched sees NVML through tests/readonly_nvml.c, which has no setter,
so the job cannot write a GPU control even by mistake. The
figures are compared with nvidia-smi's.
"""

from __future__ import annotations

import ctypes
import functools
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import jobs
import pytest
import yaml
from cpp_build import clean_env
from nvml_libs import readonly_nvml

GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]
# The suite's processes see no GPU unless told (cpp_build.NO_NVML): these name it.
REAL_NVML = "libnvidia-ml.so.1"
SMI_FIELDS = (
    "power.limit",
    "power.min_limit",
    "power.max_limit",
    "power.default_limit",
    "clocks.sm",
    "clocks.max.sm",
    "utilization.gpu",
)


@functools.cache
def why_no_gpu() -> str | None:
    """None where a real NVML and nvidia-smi answer, else the reason."""
    try:
        ctypes.CDLL(REAL_NVML)
    except OSError as error:
        return f"no NVIDIA driver: libnvidia-ml.so.1 does not load ({error})"
    if shutil.which("nvidia-smi") is None:
        return "no nvidia-smi on PATH"
    result = subprocess.run(
        ["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0 or not result.stdout.strip():
        return f"nvidia-smi lists no GPU: {(result.stdout + result.stderr).strip()}"
    return None


# Marked and skipped, not skipped at import: `pytest -m gpu` (and
# ./run-tests -m gpu) then still collects these tests, and a machine without
# a GPU reports them skipped with the reason instead of "no tests ran".
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(why_no_gpu() is not None, reason=why_no_gpu() or ""),
]


def env() -> dict[str, str]:
    """The real NVML, the real sysfs: no GEOPM_* setting of the caller."""
    return clean_env(GEOPM_BRIDGE_NVML_LIBRARY=REAL_NVML)


@functools.cache
def smi() -> list[dict[str, float]]:
    """nvidia-smi's figures per GPU, in NVML's order (NaN where it says N/A)."""
    result = subprocess.run(
        ["nvidia-smi", f"--query-gpu={','.join(SMI_FIELDS)}", "--format=csv,noheader,nounits"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = []
    for line in result.stdout.strip().splitlines():
        values = [word.strip() for word in line.split(",")]
        rows.append({key: _number(value) for key, value in zip(SMI_FIELDS, values, strict=True)})
    return rows


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def read(name: str, domain: str = "gpu", index: int = 0) -> float:
    """``geopm-bridge read NAME DOMAIN INDEX``."""
    result = subprocess.run(
        [*GEOPM_BRIDGE, "read", name, domain, str(index)],
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip())


# Python's platform_io(), in its own process: only reads and samples.
PIO_SCRIPT = """
import json, time, geopm_bridge
pio = geopm_bridge.platform_io()
topo = geopm_bridge.platform_topo()
names = ("GPU_POWER", "GPU_ENERGY", "GPU_POWER_LIMIT_CONTROL", "GPU_POWER_LIMIT_MIN_AVAIL",
         "GPU_POWER_LIMIT_MAX_AVAIL", "GPU_POWER_LIMIT_DEFAULT", "GPU_CORE_FREQUENCY_STATUS",
         "GPU_CORE_FREQUENCY_MIN_AVAIL", "GPU_CORE_FREQUENCY_MAX_AVAIL", "GPU_UTILIZATION",
         "NVML::GPU_UNCORE_UTILIZATION", "GPU_TEMPERATURE")
gpus = []
for gpu in range(topo.num_domain("gpu")):
    values = {name: pio.read_signal(name, "gpu", gpu) for name in names}
    # The energy counter over half a second, beside the power at both ends.
    start = time.monotonic()
    energy0 = pio.read_signal("GPU_ENERGY", "gpu", gpu)
    power0 = pio.read_signal("GPU_POWER", "gpu", gpu)
    time.sleep(0.5)
    energy1 = pio.read_signal("GPU_ENERGY", "gpu", gpu)
    power1 = pio.read_signal("GPU_POWER", "gpu", gpu)
    values["interval"] = time.monotonic() - start
    values["energy_delta"] = energy1 - energy0
    values["mean_power"] = (power0 + power1) / 2
    gpus.append(values)
print(json.dumps({"num_gpu": topo.num_domain("gpu"), "gpus": gpus}))
"""


@functools.cache
def pio_values() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PIO_SCRIPT], env=env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_gpu_count_equals_nvidia_smi() -> None:
    assert pio_values()["num_gpu"] == len(smi())
    result = subprocess.run(
        [*GEOPM_BRIDGE, "read", "-d"], env=env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    counts = dict(line.split() for line in result.stdout.splitlines())
    assert int(counts["gpu"]) == len(smi())


def test_cli_reads_plausible_power() -> None:
    power = read("GPU_POWER")
    limit = read("GPU_POWER_LIMIT_CONTROL")
    assert 0 < power <= limit * 1.2, (power, limit)
    assert read("GPU_ENERGY") > 0
    assert 0 <= read("GPU_UTILIZATION") <= 1
    assert read("NVML::GPU_POWER") == pytest.approx(power, rel=0.5)


def test_power_plausible_on_every_gpu() -> None:
    for gpu, values in enumerate(pio_values()["gpus"]):
        power, limit = values["GPU_POWER"], values["GPU_POWER_LIMIT_CONTROL"]
        assert 0 < power <= limit * 1.2, (gpu, power, limit)


def test_energy_grows_as_power_times_time() -> None:
    for gpu, values in enumerate(pio_values()["gpus"]):
        assert values["energy_delta"] > 0, (gpu, values)
        # The counter and the power reading are each refreshed by the driver
        # every few tens of milliseconds: within half, or 25 W for an idle GPU.
        mean = values["energy_delta"] / values["interval"]
        assert abs(mean - values["mean_power"]) <= max(0.5 * values["mean_power"], 25.0), (
            gpu,
            mean,
            values["mean_power"],
        )


def test_power_limits_equal_nvidia_smi() -> None:
    for gpu, (values, row) in enumerate(zip(pio_values()["gpus"], smi(), strict=True)):
        # nvidia-smi prints watts with two decimals.
        for name, field in (
            ("GPU_POWER_LIMIT_CONTROL", "power.limit"),
            ("GPU_POWER_LIMIT_MIN_AVAIL", "power.min_limit"),
            ("GPU_POWER_LIMIT_MAX_AVAIL", "power.max_limit"),
            ("GPU_POWER_LIMIT_DEFAULT", "power.default_limit"),
        ):
            if math.isnan(row[field]):
                continue  # nvidia-smi says N/A: a GPU without power management
            assert values[name] == pytest.approx(row[field], abs=0.01), (gpu, name)
        assert values["GPU_POWER_LIMIT_MIN_AVAIL"] <= values["GPU_POWER_LIMIT_CONTROL"]
        assert values["GPU_POWER_LIMIT_CONTROL"] <= values["GPU_POWER_LIMIT_MAX_AVAIL"]


def test_sm_clock_within_its_range() -> None:
    for gpu, (values, row) in enumerate(zip(pio_values()["gpus"], smi(), strict=True)):
        low = values["GPU_CORE_FREQUENCY_MIN_AVAIL"]
        high = values["GPU_CORE_FREQUENCY_MAX_AVAIL"]
        assert 0 < low <= high, (gpu, low, high)
        assert low <= values["GPU_CORE_FREQUENCY_STATUS"] <= high, (gpu, values)
        # nvidia-smi's clocks in MHz, within the same range.
        assert low <= row["clocks.sm"] * 1e6 <= high, (gpu, row)
        assert high == pytest.approx(row["clocks.max.sm"] * 1e6), (gpu, high, row)


def test_utilizations_are_fractions() -> None:
    for gpu, (values, row) in enumerate(zip(pio_values()["gpus"], smi(), strict=True)):
        assert 0 <= values["GPU_UTILIZATION"] <= 1, (gpu, values)
        assert 0 <= values["NVML::GPU_UNCORE_UTILIZATION"] <= 1, (gpu, values)
        assert 0 <= row["utilization.gpu"] <= 100, (gpu, row)
        assert 0 < values["GPU_TEMPERATURE"] < 120, (gpu, values)


def readonly_env(**extra: str) -> dict[str, str]:
    """A job's environment with the real NVML seen through one without
    setters: the job cannot write a GPU control."""
    return clean_env(
        GEOPM_BRIDGE_NVML_LIBRARY=str(readonly_nvml()), READONLY_NVML_LIBRARY=REAL_NVML, **extra
    )


def traced_second(tmp_path: Path, env: dict[str, str], *options: str) -> list[list[str]]:
    """``launch OPTIONS --geopm-trace=trace -- sleep 1`` in tmp_path: the
    trace's header row and rows."""
    result = jobs.launch(tmp_path, "sleep", "1", options=(*options, "--geopm-trace=trace"), env=env)
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    return [line.split("|") for line in trace.read_text().splitlines() if line[:1] != "#"]


def test_monitor_job_reports_gpus(tmp_path: Path) -> None:
    job_env = readonly_env()
    listing = subprocess.run(
        [*GEOPM_BRIDGE, "read", "--table"], env=job_env, capture_output=True, text=True, timeout=60
    )
    assert listing.returncode == 0, listing.stderr
    assert "GPU_" not in listing.stdout.split("CONTROLS")[1], "a GPU control is writable"
    rows = traced_second(
        tmp_path,
        job_env,
        "--geopm-agent=monitor",
        "--geopm-report=report.yaml",
        "--geopm-trace-signals=GPU_POWER@gpu",
    )
    column = rows[0].index("GPU_POWER-gpu-0")
    assert all(float(row[column]) > 0 for row in rows[1:]), rows
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    # The report's GPU figures, as GEOPM writes them on a GPU node.
    totals = host["Application Totals"]
    assert totals["gpu-energy (J)"] > 0, totals
    most = sum(row["power.max_limit"] for row in smi()) * 1.2
    assert 0 < totals["gpu-power (W)"] <= most, totals
    assert totals["gpu-power (W)"] == pytest.approx(
        totals["gpu-energy (J)"] / totals["sync-runtime (s)"], rel=0.1
    ), totals
    low = min(values["GPU_CORE_FREQUENCY_MIN_AVAIL"] for values in pio_values()["gpus"])
    high = max(values["GPU_CORE_FREQUENCY_MAX_AVAIL"] for values in pio_values()["gpus"])
    assert low * 0.99 <= totals["gpu-frequency (Hz)"] <= high * 1.01, totals


DRY_RUN_AGENT = """
from geopm_bridge.examples.gpu_power_share_agent import GpuPowerShareAgent


class DryRun(GpuPowerShareAgent):
    name = "gpu_share_dry_run"
    dry_run = True
"""


def test_example_gpu_agent_dry_run(tmp_path: Path) -> None:
    """The example agent gpu_power_share, computing limits from the real
    GPUs' utilization without writing them: each within the GPU's range,
    and nvidia-smi's limits unchanged."""
    (tmp_path / "dry_run_agent.py").write_text(DRY_RUN_AGENT)
    job_env = readonly_env(PYTHONPATH=str(tmp_path), GEOPM_BRIDGE_AGENTS="dry_run_agent:DryRun")
    before = [(row["power.limit"], row["clocks.max.sm"]) for row in smi()]
    rows = traced_second(
        tmp_path,
        job_env,
        "--geopm-agent=gpu_share_dry_run",
        "--geopm-period=0.1",
        "--geopm-trace-signals=GPU_POWER_LIMIT_MIN_AVAIL@gpu,GPU_POWER_LIMIT_MAX_AVAIL@gpu",
    )
    smi.cache_clear()
    assert [(row["power.limit"], row["clocks.max.sm"]) for row in smi()] == before
    header = rows[0]
    for gpu in range(len(before)):
        for row in rows[2:]:
            limit = float(row[header.index(f"GPU_POWER_LIMIT-gpu-{gpu}")])
            low = float(row[header.index(f"GPU_POWER_LIMIT_MIN_AVAIL-gpu-{gpu}")])
            high = float(row[header.index(f"GPU_POWER_LIMIT_MAX_AVAIL-gpu-{gpu}")])
            assert low - 1e-6 <= limit <= high + 1e-6, (gpu, row)
