"""NVIDIA GPUs through NVML, against a fake libnvidia-ml.so (tests/fake_nvml).

The fake is compiled (nvml_libs.py) and named in GEOPM_BRIDGE_NVML_LIBRARY; its GPUs
come from a small table file (FAKE_NVML_CONFIG). The CPUs come from a fake
sysfs tree (tests/fake_sysfs.py): 2 packages x 2 cores x 2 threads = 8 CPUs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import fake_sysfs
import pytest
from cpp_build import clean_env
from nvml_libs import fake_nvml, readonly_nvml

pytest.importorskip("geopm_bridge._core", reason="the package is not installed (run ./run-tests)")

GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]

TOPOLOGY = """
import json, geopm_bridge
topo = geopm_bridge.platform_topo()
num_cpu = topo.num_domain("cpu")
print(json.dumps({
    "gpu": topo.num_domain("gpu"),
    "gpu_chip": topo.num_domain("gpu_chip"),
    "cpu_gpu": [topo.domain_idx("gpu", cpu) for cpu in range(num_cpu)],
    "gpu_cpus": [sorted(topo.domain_nested("cpu", "gpu", gpu))
                 for gpu in range(topo.num_domain("gpu"))],
    "gpu_chips": [sorted(topo.domain_nested("gpu_chip", "gpu", gpu))
                  for gpu in range(topo.num_domain("gpu"))],
    "board_gpus": sorted(topo.domain_nested("gpu", "board", 0)),
}))
"""


@pytest.fixture
def sysfs_root(tmp_path: Path) -> Path:
    return fake_sysfs.build(tmp_path / "root")


def gpu_env(tmp_path: Path, sysfs_root: Path, gpus: list[str], **extra: str) -> dict[str, str]:
    """The environment of a process that sees the GPUs of table ``gpus`` (one line each)."""
    config = tmp_path / "nvml.conf"
    config.write_text("".join(line + "\n" for line in gpus))
    return clean_env(
        GEOPM_BRIDGE_NVML_LIBRARY=str(fake_nvml()),
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
        FAKE_NVML_CONFIG=str(config),
        FAKE_NVML_LOG=str(tmp_path / "nvml.log"),
        **extra,
    )


def topology(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", TOPOLOGY], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def test_gpu_domains_follow_nvml_affinity(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, ["affinity=4-7", "affinity=0-3"])
    topo = topology(env)
    assert topo["gpu"] == 2
    assert topo["gpu_chip"] == 2
    assert topo["cpu_gpu"] == [1, 1, 1, 1, 0, 0, 0, 0]
    assert topo["gpu_cpus"] == [[4, 5, 6, 7], [0, 1, 2, 3]]
    assert topo["gpu_chips"] == [[0], [1]]
    assert topo["board_gpus"] == [0, 1]


def test_cpus_near_every_gpu_are_shared_out(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, ["affinity=0-7", "affinity=0-7"])
    assert topology(env)["gpu_cpus"] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_cpu_near_no_gpu_belongs_to_none(tmp_path: Path, sysfs_root: Path) -> None:
    # CPUs 6 and 7 are near no GPU; CPU 100 is not on this node.
    env = gpu_env(tmp_path, sysfs_root, ["affinity=0-2", "affinity=3-5,100"])
    topo = topology(env)
    assert topo["cpu_gpu"] == [0, 0, 0, 1, 1, 1, -1, -1]


def test_gpu_without_affinity_still_counts(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, ["affinity=0-7", "power_mw=1 error=999"])
    topo = topology(env)
    assert topo["gpu"] == 2
    assert topo["gpu_cpus"] == [list(range(8)), []]
    assert topo["gpu_chips"] == [[0], [1]]


def test_no_library_no_gpus(tmp_path: Path, sysfs_root: Path) -> None:
    env = clean_env(
        GEOPM_BRIDGE_NVML_LIBRARY=str(tmp_path / "absent" / "libnvidia-ml.so.1"),
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
    )
    topo = topology(env)
    assert topo["gpu"] == 0
    assert topo["cpu_gpu"] == [-1] * 8


def test_failed_init_no_gpus(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, ["affinity=0-7"], FAKE_NVML_INIT_ERROR="9")
    assert topology(env)["gpu"] == 0


def test_read_lists_gpu_domains(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, ["affinity=0-3", "affinity=4-7", "affinity="])
    result = subprocess.run(
        [*GEOPM_BRIDGE, "read", "-d"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    counts = dict(line.split() for line in result.stdout.splitlines())
    assert counts["gpu"] == "3"
    assert counts["gpu_chip"] == "3"


TABLE = [
    "power_mw=150500 energy_mj=2000000 limit_mw=250000 affinity=0-3 sm_mhz=1410 mem_mhz=1215"
    " clocks=300,600,900,1410 util=37 temp=55 throttle=5 pstate=2",
    "power_mw=90250 energy_mj=1500 limit_mw=200000 affinity=4-7",
]

LIMITER = '''
import geopm_bridge

class GpuLimiter(geopm_bridge.Agent):
    """Sets GPU 0's power limit to 175 W and its highest SM clock to 900 MHz."""
    name = "gpu_limiter"
    policy_names = ()
    sample_names = ()
    period = 0.01

    def init(self, level, fan_in, is_level_root):
        self.pio = geopm_bridge.platform_io()
        self.control = self.pio.push_control("GPU_POWER_LIMIT_CONTROL", "gpu", 0)
        self.clock = self.pio.push_control("GPU_CORE_FREQUENCY_MAX_CONTROL", "gpu", 0)

    def adjust_platform(self, in_policy):
        self.pio.adjust(self.control, 175.0)
        self.pio.adjust(self.clock, 900e6)
'''


def cli(args: list[str], env: dict[str, str], cwd: Path | None = None):
    return subprocess.run(
        [*GEOPM_BRIDGE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def read_one(env: dict[str, str], name: str, domain: str, index: int) -> str:
    result = cli(["read", name, domain, str(index)], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_read_lists_gpu_signals(tmp_path: Path, sysfs_root: Path) -> None:
    result = cli(["read", "--table"], gpu_env(tmp_path, sysfs_root, TABLE))
    assert result.returncode == 0, result.stderr
    listed = {
        line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line[:2] == "  "
    }
    for name in (
        "GPU_POWER",
        "GPU_ENERGY",
        "GPU_POWER_LIMIT_CONTROL",
        "NVML::GPU_POWER",
        "NVML::GPU_ENERGY_CONSUMPTION_TOTAL",
        "NVML::GPU_POWER_LIMIT_CONTROL",
    ):
        assert listed[name] == "gpu"


def test_read_values_in_si_units(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    assert float(read_one(env, "GPU_POWER", "gpu", 0)) == 150.5
    assert float(read_one(env, "GPU_POWER", "gpu", 1)) == 90.25
    assert float(read_one(env, "NVML::GPU_POWER", "gpu", 1)) == 90.25
    assert float(read_one(env, "GPU_ENERGY", "gpu", 0)) == 2000.0
    assert float(read_one(env, "GPU_ENERGY", "gpu", 1)) == 1.5
    assert float(read_one(env, "GPU_POWER_LIMIT_CONTROL", "gpu", 1)) == 200.0


def test_read_clocks_and_states(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    assert float(read_one(env, "GPU_CORE_FREQUENCY_STATUS", "gpu", 0)) == 1410e6
    assert float(read_one(env, "NVML::GPU_UNCORE_FREQUENCY_STATUS", "gpu", 0)) == 1215e6
    assert float(read_one(env, "GPU_CORE_FREQUENCY_MIN_AVAIL", "gpu", 0)) == 300e6
    assert float(read_one(env, "GPU_CORE_FREQUENCY_MAX_AVAIL", "gpu", 0)) == 1410e6
    assert float(read_one(env, "GPU_CORE_FREQUENCY_STEP", "gpu", 0)) == 370e6
    assert float(read_one(env, "GPU_UTILIZATION", "gpu", 0)) == 0.37
    assert float(read_one(env, "GPU_TEMPERATURE", "gpu", 0)) == 55
    assert float(read_one(env, "NVML::GPU_CORE_THROTTLE_REASONS", "gpu", 0)) == 5
    assert float(read_one(env, "NVML::GPU_PERFORMANCE_STATE", "gpu", 0)) == 2
    # GPU 1 lists no supported clocks: no range, no step.
    assert read_one(env, "GPU_CORE_FREQUENCY_MAX_AVAIL", "gpu", 1) == "nan"
    assert read_one(env, "GPU_CORE_FREQUENCY_STEP", "gpu", 1) == "nan"


def test_nvml_error_reads_nan(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, [TABLE[0], TABLE[1] + " error=3"])
    assert float(read_one(env, "GPU_POWER", "gpu", 0)) == 150.5
    assert read_one(env, "GPU_POWER", "gpu", 1) == "nan"
    assert read_one(env, "GPU_ENERGY", "gpu", 1) == "nan"
    assert read_one(env, "GPU_CORE_FREQUENCY_STATUS", "gpu", 1) == "nan"
    assert read_one(env, "GPU_TEMPERATURE", "gpu", 1) == "nan"


def test_no_library_no_gpu_signals(tmp_path: Path, sysfs_root: Path) -> None:
    env = clean_env(
        GEOPM_BRIDGE_NVML_LIBRARY=str(tmp_path / "absent" / "libnvidia-ml.so.1"),
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
    )
    result = cli(["read"], env)
    assert result.returncode == 0
    assert result.stderr == ""
    assert "GPU_POWER" not in result.stdout


def test_monitor_trace_has_gpu_columns(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    result = cli(
        [
            "launch",
            "--geopm-agent=monitor",
            "--geopm-max-iterations=3",
            "--geopm-trace=trace",
            "--geopm-trace-signals=GPU_POWER@gpu",
        ],
        env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = [line.split("|") for line in trace.read_text().splitlines() if line[:1] != "#"]
    header = rows[0]
    assert "GPU_POWER-gpu-0" in header and "GPU_POWER-gpu-1" in header
    for row in rows[1:]:
        assert float(row[header.index("GPU_POWER-gpu-0")]) == 150.5
        assert float(row[header.index("GPU_POWER-gpu-1")]) == 90.25
    # Reading only, the job wrote nothing to the GPUs, not even at the end.
    log = tmp_path / "nvml.log"
    assert not log.exists() or log.read_text() == ""


def test_controls_set_then_restored(tmp_path: Path, sysfs_root: Path) -> None:
    (tmp_path / "gpu_agents.py").write_text(LIMITER)
    env = gpu_env(
        tmp_path,
        sysfs_root,
        TABLE,
        GEOPM_BRIDGE_AGENTS="gpu_agents:GpuLimiter",
        PYTHONPATH=str(tmp_path),
    )
    result = cli(
        ["launch", "--geopm-agent=gpu_limiter", "--geopm-max-iterations=3"], env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "nvml.log").read_text().splitlines()
    assert "nvmlDeviceSetGpuLockedClocks 0 300 900" in calls
    # The clock range is freed at the end.
    assert (
        "nvmlDeviceResetGpuLockedClocks 0"
        in calls[calls.index("nvmlDeviceSetGpuLockedClocks 0 300 900") :]
    )
    assert "nvmlDeviceSetPowerManagementLimit 0 175000" in calls
    # The saved limit is written back at the end; GPU 1, never written, is
    # left alone (a job that only reads a GPU writes nothing to it).
    assert calls[-1] == "nvmlDeviceSetPowerManagementLimit 0 250000"
    assert not [call for call in calls if call.split()[1] == "1"]
    assert (
        "nvmlDeviceSetPowerManagementLimit 0 250000"
        in calls[calls.index("nvmlDeviceSetPowerManagementLimit 0 175000") :]
    )


def test_power_limit_outside_range_refused(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    script = (
        "import geopm_bridge\n"
        "geopm_bridge.platform_io().write_control('GPU_POWER_LIMIT_CONTROL', 'gpu', 0, 400.0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "outside its range 100 W to 300 W" in result.stderr
    assert not (tmp_path / "nvml.log").exists()


def test_node_model_hides_real_gpus(tmp_path: Path, sysfs_root: Path) -> None:
    # Simulated nodes all share this process: none may reach a real GPU.
    env = gpu_env(tmp_path, sysfs_root, TABLE, GEOPM_BRIDGE_NODE_MODEL="1")
    assert topology(env)["gpu"] == 0
    result = cli(["read"], env)
    assert result.returncode == 0, result.stderr
    assert "GPU_POWER" not in result.stdout


def test_old_driver_reads_nan_where_a_call_is_missing(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    env["GEOPM_BRIDGE_NVML_LIBRARY"] = str(fake_nvml("FAKE_NVML_OLD_DRIVER"))
    assert read_one(env, "GPU_ENERGY", "gpu", 0) == "nan"
    assert float(read_one(env, "GPU_POWER", "gpu", 0)) == 150.5
    # No clock locking: no clock controls; the power limit stays a control.
    listing = cli(["read", "--table"], env)
    assert listing.returncode == 0 and listing.stderr == ""
    controls = listing.stdout.split("CONTROLS")[1]
    assert "GPU_CORE_FREQUENCY_MAX_CONTROL" not in controls
    assert "GPU_POWER_LIMIT_CONTROL" in controls


def test_read_memory_pcie_and_power_limit_range(tmp_path: Path, sysfs_root: Path) -> None:
    env = gpu_env(
        tmp_path,
        sysfs_root,
        [
            TABLE[0] + " mem_util=12 pcie_rx_kib=2048 pcie_tx_kib=1000 limit_min_mw=150000"
            " limit_max_mw=275500 limit_default_mw=240000",
            TABLE[1] + " error=3",
        ],
    )
    assert float(read_one(env, "NVML::GPU_UNCORE_UTILIZATION", "gpu", 0)) == 0.12
    # NVML counts KiB/s: 1024 bytes each, as GEOPM.
    assert float(read_one(env, "NVML::GPU_PCIE_RX_THROUGHPUT", "gpu", 0)) == 2048 * 1024
    assert float(read_one(env, "NVML::GPU_PCIE_TX_THROUGHPUT", "gpu", 0)) == 1000 * 1024
    for name, watts in (
        ("GPU_POWER_LIMIT_MIN_AVAIL", 150.0),
        ("GPU_POWER_LIMIT_MAX_AVAIL", 275.5),
        ("GPU_POWER_LIMIT_DEFAULT", 240.0),
    ):
        assert float(read_one(env, name, "gpu", 0)) == watts
        assert float(read_one(env, "NVML::" + name, "gpu", 0)) == watts
        # Summed over the board; NaN where NVML fails.
        assert read_one(env, name, "gpu", 1) == "nan"
    for name in (
        "NVML::GPU_UNCORE_UTILIZATION",
        "NVML::GPU_PCIE_RX_THROUGHPUT",
        "NVML::GPU_PCIE_TX_THROUGHPUT",
    ):
        assert read_one(env, name, "gpu", 1) == "nan"


def test_new_signals_listed_with_domains(tmp_path: Path, sysfs_root: Path) -> None:
    result = cli(["read", "--table"], gpu_env(tmp_path, sysfs_root, TABLE))
    assert result.returncode == 0, result.stderr
    listed = {
        line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line[:2] == "  "
    }
    for name in (
        "NVML::GPU_UNCORE_UTILIZATION",
        "NVML::GPU_PCIE_RX_THROUGHPUT",
        "NVML::GPU_PCIE_TX_THROUGHPUT",
        "NVML::GPU_POWER_LIMIT_MIN_AVAIL",
        "NVML::GPU_POWER_LIMIT_MAX_AVAIL",
        "NVML::GPU_POWER_LIMIT_DEFAULT",
        "GPU_POWER_LIMIT_MIN_AVAIL",
        "GPU_POWER_LIMIT_MAX_AVAIL",
        "GPU_POWER_LIMIT_DEFAULT",
    ):
        assert listed[name] == "gpu", name
    assert listed["NVML::GPU_CPU_ACTIVE_AFFINITIZATION"] == "cpu"
    # As GEOPM: no high-level names for these.
    assert "GPU_UNCORE_UTILIZATION" not in listed
    assert "GPU_PCIE_RX_THROUGHPUT" not in listed


AFFINITIZATION = """
import json, sys, geopm_bridge
pio = geopm_bridge.platform_io()
name = "NVML::GPU_CPU_ACTIVE_AFFINITIZATION"
# A batch: the process list is asked once for every CPU.
idx = [pio.push_signal(name, "cpu", cpu) for cpu in range(8)]
pio.read_batch()
batch = [pio.sample(i) for i in idx]
single = [pio.read_signal(name, "cpu", cpu) for cpu in range(8)]
print(json.dumps({"batch": [None if v != v else v for v in batch],
                  "single": [None if v != v else v for v in single]}))
"""


@pytest.fixture
def pinned_process():
    """A process allowed on CPU 0 only (a real pid whose affinity the IOGroup reads)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        os.sched_setaffinity(proc.pid, {0})
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def affinitization(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", AFFINITIZATION], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["batch"] == values["single"]
    return values["batch"]


def test_cpu_active_affinitization(tmp_path: Path, sysfs_root: Path, pinned_process: int) -> None:
    # Pid 0x7ffffffe runs nowhere: passed over. GPU 1 runs the pinned process.
    env = gpu_env(
        tmp_path,
        sysfs_root,
        [TABLE[0] + " pids=2147483646", TABLE[1] + f" pids=2147483646,{pinned_process}"],
    )
    assert affinitization(env) == [1] + [-1] * 7


def test_cpu_active_affinitization_several_gpus_nan(
    tmp_path: Path, sysfs_root: Path, pinned_process: int
) -> None:
    env = gpu_env(
        tmp_path,
        sysfs_root,
        [TABLE[0] + f" pids={pinned_process}", TABLE[1] + f" pids={pinned_process}"],
    )
    assert affinitization(env) == [None] + [-1] * 7


def test_cpu_active_affinitization_none(tmp_path: Path, sysfs_root: Path) -> None:
    assert affinitization(gpu_env(tmp_path, sysfs_root, TABLE)) == [-1] * 8


def test_old_driver_extensions_nan_and_old_process_list(
    tmp_path: Path, sysfs_root: Path, pinned_process: int
) -> None:
    # The old driver lacks the default limit and the _v3 process list: the
    # signals stay, NaN; the unversioned list (smaller entries) serves.
    env = gpu_env(
        tmp_path,
        sysfs_root,
        [TABLE[0] + " pids=2147483646", TABLE[1] + f" pids=2147483646,{pinned_process}"],
    )
    env["GEOPM_BRIDGE_NVML_LIBRARY"] = str(fake_nvml("FAKE_NVML_OLD_DRIVER"))
    assert read_one(env, "GPU_POWER_LIMIT_DEFAULT", "gpu", 0) == "nan"
    assert float(read_one(env, "GPU_POWER_LIMIT_MAX_AVAIL", "gpu", 0)) == 300.0
    assert affinitization(env) == [1] + [-1] * 7


def test_readonly_nvml_reads_and_never_writes(tmp_path: Path, sysfs_root: Path) -> None:
    # Over the fake, as over a real GPU in test_gpu_real.py.
    env = gpu_env(tmp_path, sysfs_root, TABLE)
    env["READONLY_NVML_LIBRARY"] = env["GEOPM_BRIDGE_NVML_LIBRARY"]
    env["GEOPM_BRIDGE_NVML_LIBRARY"] = str(readonly_nvml())
    assert float(read_one(env, "GPU_POWER", "gpu", 0)) == 150.5
    assert float(read_one(env, "GPU_POWER_LIMIT_CONTROL", "gpu", 1)) == 200.0
    assert float(read_one(env, "GPU_CORE_FREQUENCY_MAX_AVAIL", "gpu", 0)) == 1410e6
    listing = cli(["read", "--table"], env)
    assert listing.returncode == 0 and listing.stderr == ""
    assert "GPU_" not in listing.stdout.split("CONTROLS")[1]
    # A job through it cannot write a GPU control even by mistake (its
    # restore writes back only what it wrote, and here it has no setter).
    result = cli(["launch", "--geopm-agent=monitor", "--geopm-max-iterations=2"], env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "nvml.log").exists()
