"""The built-in IOGroups, read and written through geopm::platform_io().

The test driver (tests/geopm_driver.cpp, built against the GEOPM headers
and the runtime library) answers PlatformIO commands one line at a time, so
a test can change files between two batches. TIME, PROCSTAT and
CPUINFO read this machine; CPUFREQ and POWERCAP read a fake sysfs tree
(tests/fake_sysfs.py) named by GEOPM_BRIDGE_SYSFS_ROOT; the node model runs
on any machine when GEOPM_BRIDGE_NODE_MODEL is set.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fake_sysfs
import pytest
from cpp_build import DriverProcess, clean_env
from fake_sysfs import FakeMachine

GEOPM_ERROR_INVALID = -3
BEHAVIOR_CONSTANT = 0
BEHAVIOR_MONOTONE = 1
BEHAVIOR_VARIABLE = 2
TICK = 1.0 / os.sysconf("SC_CLK_TCK")
PROCSTAT_COLUMNS = [
    "USER_TIME",
    "NICE_TIME",
    "SYSTEM_TIME",
    "IDLE_TIME",
    "IOWAIT_TIME",
    "IRQ_TIME",
    "SOFTIRQ_TIME",
    "STEAL_TIME",
    "GUEST_TIME",
    "GUEST_NICE_TIME",
]


class Probe(DriverProcess):
    """One driver process, with shorthands for the commands these tests repeat."""

    def read(self, name: str, domain: str = "board", idx: int = 0) -> float:
        """read_signal() value."""
        return float(self.ok(f"read {name} {domain} {idx}")["value"])

    def batch(self) -> list[float]:
        """read_batch() and the samples of everything pushed."""
        return [float(value) for value in self.ok("batch")["values"]]

    def names(self) -> tuple[set[str], set[str]]:
        """All signal names and all control names."""
        answer = self.ok("names")
        return set(answer["signals"]), set(answer["controls"])


@pytest.fixture
def start() -> Iterator[Any]:
    """Factory of driver processes with a clean GEOPM environment plus overrides."""
    probes: list[Probe] = []

    def make(**env: str) -> Probe:
        probe = Probe(clean_env(**env))
        probes.append(probe)
        return probe

    yield make
    for probe in probes:
        probe.close()


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    """A fake two-socket machine with cpufreq and powercap."""
    return fake_sysfs.build(tmp_path / "root")


# ---------------------------------------------------------------- TIME


def test_time_grows_and_is_a_monotone_cpu_signal(start: Any) -> None:
    probe = start()
    info = probe.ok("info TIME")
    assert info["domain"] == "cpu"
    assert info["behavior"] == BEHAVIOR_MONOTONE
    assert "TIME::ELAPSED" in probe.names()[0]
    first = probe.read("TIME")
    probe.ok("push_signal TIME board 0")
    probe.ok("push_signal TIME::ELAPSED cpu 0")
    batch1 = probe.batch()
    probe.ok("sleep 0.02")
    batch2 = probe.batch()
    assert 0 <= first <= batch1[0] < batch2[0]
    assert batch2[0] - batch1[0] >= 0.02
    # Every CPU shows the same clock reading within a batch.
    assert batch2[0] == batch2[1]


# ---------------------------------------------------------------- PROCSTAT


def test_procstat_times_grow_and_board_is_the_sum_of_cpus(start: Any) -> None:
    probe = start()
    num_cpu = probe.ok("topo")["num"]["cpu"]
    for name in PROCSTAT_COLUMNS:
        probe.ok(f"push_signal {name} board 0")
        for cpu in range(num_cpu):
            probe.ok(f"push_signal PROCSTAT::{name} cpu {cpu}")
    before = probe.batch()
    probe.ok("sleep 0.1")
    after = probe.batch()
    assert all(old <= new for old, new in zip(before, after, strict=True))
    for values in (before, after):
        for start_idx in range(0, len(values), num_cpu + 1):
            board, cpus = values[start_idx], values[start_idx + 1 : start_idx + 1 + num_cpu]
            assert board == pytest.approx(sum(cpus), rel=1e-12)
    # The CPUs spent the sleep in some state.
    assert sum(after) > sum(before)
    info = probe.ok("info PROCSTAT::USER_TIME")
    assert (info["domain"], info["agg"], info["behavior"]) == (
        "cpu",
        "sum",
        BEHAVIOR_MONOTONE,
    )
    assert "seconds" in info["description"]


def test_procstat_converts_ticks_of_the_fake_tree(start: Any, tmp_path: Path) -> None:
    machine = FakeMachine(cpufreq=False, powercap=False)
    root = fake_sysfs.build(tmp_path / "root", machine)
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(root))
    for col, name in enumerate(PROCSTAT_COLUMNS):
        assert probe.read(name, "cpu", 5) == pytest.approx(fake_sysfs.stat_ticks(5, col) * TICK)
    package_cpus = machine.package_cpus(1)
    expect = sum(fake_sysfs.stat_ticks(cpu, 3) for cpu in package_cpus) * TICK
    assert probe.read("PROCSTAT::IDLE_TIME", "package", 1) == pytest.approx(expect)


# ---------------------------------------------------------------- CPUINFO


def test_cpuinfo_on_this_machine_is_a_consistent_range(start: Any) -> None:
    probe = start()
    low = probe.read("CPUINFO::FREQ_MIN")
    sticker = probe.read("CPUINFO::FREQ_STICKER")
    high = probe.read("CPUINFO::FREQ_MAX")
    assert 1e8 < low <= sticker <= high < 1e10
    assert probe.read("CPU_FREQUENCY_STICKER") == sticker
    assert probe.read("CPUINFO::FREQ_STEP") == 100e6
    info = probe.ok("info CPU_FREQUENCY_STICKER")
    assert (info["domain"], info["behavior"]) == ("board", BEHAVIOR_CONSTANT)
    assert "alias_for: CPUINFO::FREQ_STICKER" in info["description"]


def test_cpuinfo_reads_cpufreq_range_and_model_name_sticker(start: Any, fake_root: Path) -> None:
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    assert probe.read("CPUINFO::FREQ_MIN") == 1.0e9
    assert probe.read("CPUINFO::FREQ_STICKER") == 2.1e9
    assert probe.read("CPUINFO::FREQ_MAX") == 3.5e9


def test_cpuinfo_without_cpufreq_uses_cpu_mhz(start: Any, tmp_path: Path) -> None:
    machine = FakeMachine(model_name="Fake CPU", cpufreq=False, powercap=False)
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_sysfs.build(tmp_path / "root", machine)))
    expect = machine.cpu_mhz * 1e6
    for name in ("CPUINFO::FREQ_MIN", "CPU_FREQUENCY_STICKER", "CPU_FREQUENCY_MAX_AVAIL"):
        assert probe.read(name) == pytest.approx(expect)


# ---------------------------------------------------------------- CPUFREQ


def test_cpufreq_is_absent_without_policies(start: Any, tmp_path: Path) -> None:
    machine = FakeMachine(cpufreq=False, powercap=False)
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_sysfs.build(tmp_path / "root", machine)))
    signals, controls = probe.names()
    assert not [name for name in signals | controls if name.startswith("CPUFREQ::")]
    assert "CPU_FREQUENCY_MAX_CONTROL" not in controls


def test_cpufreq_reads_policies_at_core_domain(start: Any, fake_root: Path) -> None:
    machine = FakeMachine()
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    signals, controls = probe.names()
    assert {
        "CPUFREQ::SCALING_MAX_FREQ",
        "CPU_FREQUENCY_MAX_CONTROL",
        "CPU_FREQUENCY_MIN_CONTROL",
    } <= controls
    assert {
        "CPUFREQ::SCALING_CUR_FREQ",
        "CPU_FREQUENCY_STATUS",
        "CPUFREQ::CPUINFO_MAX_FREQ",
    } <= signals
    # scaling_setspeed says "<unsupported>": not offered.
    assert "CPUFREQ::SCALING_SETSPEED" not in signals | controls
    info = probe.ok("info CPU_FREQUENCY_STATUS")
    assert (info["domain"], info["agg"], info["behavior"]) == (
        "core",
        "average",
        BEHAVIOR_VARIABLE,
    )
    # Core 2 (CPUs 2 and 6) has policy2; a finer domain than core is refused.
    assert machine.core_cpus(6) == [2, 6]
    assert probe.read("CPU_FREQUENCY_STATUS", "core", 2) == 1e3 * fake_sysfs.scaling_cur_khz(2)
    assert probe.call("read CPU_FREQUENCY_STATUS cpu 6").get("error") == GEOPM_ERROR_INVALID
    package1 = sorted({machine.core_cpus(cpu)[0] for cpu in machine.package_cpus(1)})
    expect = sum(1e3 * fake_sysfs.scaling_cur_khz(pol) for pol in package1) / len(package1)
    assert probe.read("CPU_FREQUENCY_STATUS", "package", 1) == pytest.approx(expect)
    assert probe.read("CPU_FREQUENCY_MAX_AVAIL") == 3.5e9


def test_cpufreq_controls_write_files_and_restore(start: Any, fake_root: Path) -> None:
    policy_dir = "sys/devices/system/cpu/cpufreq"
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    probe.ok("save")
    probe.ok("write CPU_FREQUENCY_MAX_CONTROL core 1 2500000000")
    assert fake_sysfs.read(fake_root, f"{policy_dir}/policy1/scaling_max_freq") == "2500000"
    assert fake_sysfs.read(fake_root, f"{policy_dir}/policy0/scaling_max_freq") == "3400000"
    assert probe.read("CPUFREQ::SCALING_MAX_FREQ", "core", 1) == 2.5e9
    # Batched: a board-wide cap reaches every policy at write_batch().
    index = probe.ok("push_control CPU_FREQUENCY_MAX_CONTROL board 0")["index"]
    probe.ok(f"adjust {index} 2000000000")
    assert fake_sysfs.read(fake_root, f"{policy_dir}/policy3/scaling_max_freq") == "3400000"
    probe.ok("write_batch")
    for policy in range(4):
        assert (
            fake_sysfs.read(fake_root, f"{policy_dir}/policy{policy}/scaling_max_freq") == "2000000"
        )
    probe.ok("restore")
    for policy in range(4):
        assert (
            fake_sysfs.read(fake_root, f"{policy_dir}/policy{policy}/scaling_max_freq") == "3400000"
        )


def test_cpufreq_save_and_restore_through_a_directory(
    start: Any, fake_root: Path, tmp_path: Path
) -> None:
    path = fake_root / "sys/devices/system/cpu/cpufreq/policy0/scaling_min_freq"
    save_dir = tmp_path / "saved"
    save_dir.mkdir()
    first = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    first.ok(f"save {save_dir}")
    assert (save_dir / "CPUFREQ-save-control.json").is_file()
    first.ok("write CPU_FREQUENCY_MIN_CONTROL board 0 1500000000")
    assert path.read_text().strip() == "1500000"
    # Another process puts the saved settings back.
    second = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    second.ok(f"restore {save_dir}")
    assert path.read_text().strip() == "1200000"


def test_cpufreq_rejects_a_bad_setting(start: Any, fake_root: Path) -> None:
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    answer = probe.call("write CPUFREQ::SCALING_MAX_FREQ core 0 nan")
    assert answer.get("error") == GEOPM_ERROR_INVALID
    assert "SCALING_MAX_FREQ" in answer["what"]


# ---------------------------------------------------------------- POWERCAP


def test_powercap_is_absent_on_this_machine(start: Any) -> None:
    if Path("/sys/class/powercap/intel-rapl:0").exists():
        pytest.skip("this machine has RAPL")
    signals, controls = start().names()
    assert not [name for name in signals | controls if name.startswith("POWERCAP::")]


def test_powercap_limits_and_ranges(start: Any, fake_root: Path) -> None:
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    signals, controls = probe.names()
    assert {"CPU_POWER_LIMIT_CONTROL", "CPU_POWER_TIME_WINDOW_CONTROL"} <= controls
    assert {
        "CPU_ENERGY",
        "CPU_POWER",
        "DRAM_ENERGY",
        "DRAM_POWER",
        "CPU_POWER_LIMIT_DEFAULT",
        "CPU_POWER_MAX_AVAIL",
    } <= signals
    # The fake zones have no min_power_uw.
    assert "CPU_POWER_MIN_AVAIL" not in signals
    assert probe.read("CPU_POWER_LIMIT_CONTROL", "package", 1) == 150.0
    assert probe.read("CPU_POWER_LIMIT_CONTROL") == 300.0
    assert probe.read("CPU_POWER_TIME_WINDOW_CONTROL") == pytest.approx(0.999424)
    assert probe.read("CPU_POWER_LIMIT_DEFAULT", "package", 0) == 165.0
    assert probe.read("CPU_POWER_MAX_AVAIL", "package", 0) == 330.0
    info = probe.ok("info CPU_POWER_LIMIT_DEFAULT")
    assert (info["domain"], info["agg"], info["behavior"]) == (
        "package",
        "sum",
        BEHAVIOR_CONSTANT,
    )


def test_powercap_energy_unwraps_and_power_is_its_rate(start: Any, fake_root: Path) -> None:
    zone = fake_root / "sys/class/powercap/intel-rapl:1"
    energy_file = zone / "energy_uj"
    limit = int(fake_sysfs.POWERCAP_FILES["max_energy_range_uj"])
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    for command in (
        "push_signal TIME board 0",
        "push_signal CPU_ENERGY package 1",
        "push_signal CPU_POWER package 1",
        "push_signal CPU_ENERGY board 0",
    ):
        probe.ok(command)
    time0, energy0, power0, board0 = probe.batch()
    assert energy0 == 1.0
    assert board0 == 2.0
    assert math.isnan(power0)  # a rate needs two batches
    energy_file.write_text(f"{limit - 1000000}\n")
    probe.ok("sleep 0.2")
    time1, energy1, power1, _ = probe.batch()
    # The counter wrapped: 40 J past its range since the last batch.
    energy_file.write_text("39000000\n")
    probe.ok("sleep 0.2")
    time2, energy2, power2, _ = probe.batch()
    assert energy1 == pytest.approx((limit - 1000000) * 1e-6)
    assert energy2 - energy1 == pytest.approx(40.000001, rel=1e-9)
    # TIME and POWERCAP read the clock at slightly different moments.
    assert power1 == pytest.approx((energy1 - energy0) / (time1 - time0), rel=5e-2)
    assert power2 == pytest.approx(40.000001 / (time2 - time1), rel=5e-2)
    info = probe.ok("info CPU_ENERGY")
    assert (info["agg"], info["behavior"]) == ("sum", BEHAVIOR_MONOTONE)


def test_powercap_limit_writes_file_and_restores(start: Any, fake_root: Path) -> None:
    limit_file = "sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"
    window_file = "sys/class/powercap/intel-rapl:1/constraint_0_time_window_us"
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root))
    probe.ok("save")
    index = probe.ok("push_control CPU_POWER_LIMIT_CONTROL package 0")["index"]
    probe.ok(f"adjust {index} 120.5")
    probe.ok("write_batch")
    assert fake_sysfs.read(fake_root, limit_file) == "120500000"
    probe.ok("write CPU_POWER_TIME_WINDOW_CONTROL package 1 0.25")
    assert fake_sysfs.read(fake_root, window_file) == "250000"
    assert probe.read("CPU_POWER_LIMIT_CONTROL") == pytest.approx(270.5)
    probe.ok("restore")
    assert fake_sysfs.read(fake_root, limit_file) == "150000000"
    assert fake_sysfs.read(fake_root, window_file) == "999424"


# ---------------------------------------------------------------- NODE_MODEL

IDLE, TDP, LOAD, FREQ_MAX = 30.0, 150.0, 0.8, 3.0e9  # the model's defaults


def model_power(freq: float, load: float = LOAD) -> float:
    """The documented power curve of the node model (one package)."""
    return IDLE + load * (TDP - IDLE) * (freq / FREQ_MAX) ** 3


def test_node_model_is_off_without_the_variable(start: Any) -> None:
    signals, controls = start().names()
    assert "NODE_MODEL::LOAD" not in signals | controls
    assert "CPU_POWER_LIMIT_CONTROL" not in controls


def test_node_model_defaults(start: Any) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL="1")
    packages = probe.ok("topo")["num"]["package"]
    assert probe.read("CPU_POWER_LIMIT_DEFAULT") == TDP * packages
    assert probe.read("CPU_POWER_MIN_AVAIL", "package", 0) == 50.0
    assert probe.read("CPU_POWER_MAX_AVAIL", "package", 0) == 200.0
    assert probe.read("CPU_FREQUENCY_MAX_AVAIL") == FREQ_MAX
    assert probe.read("CPU_FREQUENCY_STICKER") == 2.1e9
    assert probe.read("CPU_FREQUENCY_STATUS") == FREQ_MAX
    assert probe.read("CPU_POWER", "package", 0) == pytest.approx(model_power(FREQ_MAX))
    assert probe.read("DRAM_POWER") == 10.0 * packages
    info = probe.ok("info CPU_POWER")
    assert (info["domain"], info["agg"], info["behavior"]) == (
        "package",
        "sum",
        BEHAVIOR_VARIABLE,
    )
    assert "NODE_MODEL" in info["description"]


def test_node_model_power_limit_lowers_power_and_frequency(start: Any) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL="1")
    before_power = probe.read("CPU_POWER", "package", 0)
    before_freq = probe.read("CPU_FREQUENCY_STATUS", "package", 0)
    probe.ok("write CPU_POWER_LIMIT_CONTROL package 0 100")
    after_power = probe.read("CPU_POWER", "package", 0)
    after_freq = probe.read("CPU_FREQUENCY_STATUS", "package", 0)
    assert after_power == pytest.approx(100.0)
    assert after_power < before_power
    assert after_freq < before_freq
    assert model_power(after_freq) == pytest.approx(100.0)
    # Out of range: clamped to [min_power, max_power] as hardware does.
    probe.ok("write CPU_POWER_LIMIT_CONTROL package 0 10")
    assert probe.read("CPU_POWER_LIMIT_CONTROL", "package", 0) == 50.0
    assert probe.read("CPU_POWER", "package", 0) == pytest.approx(50.0)
    probe.ok("write CPU_POWER_LIMIT_CONTROL package 0 1000")
    assert probe.read("CPU_POWER_LIMIT_CONTROL", "package", 0) == 200.0
    assert probe.read("CPU_POWER", "package", 0) == pytest.approx(model_power(FREQ_MAX))


def test_node_model_frequency_cap_and_load(start: Any) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL="load=1.2,idle_power=20")
    # Load above 1 wants more than TDP: the default limit (TDP) holds it.
    assert probe.read("CPU_POWER", "package", 0) == pytest.approx(TDP)
    probe.ok("write CPU_FREQUENCY_MAX_CONTROL package 0 2.0e9")
    assert probe.read("CPU_FREQUENCY_STATUS", "package", 0) == 2.0e9
    expect = 20 + 1.2 * (TDP - 20) * (2.0 / 3.0) ** 3
    assert probe.read("CPU_POWER", "package", 0) == pytest.approx(expect)
    probe.ok("write NODE_MODEL::LOAD package 0 0.5")
    assert probe.read("NODE_MODEL::LOAD", "package", 0) == 0.5
    assert probe.read("CPU_POWER", "package", 0) < expect
    answer = probe.call("write NODE_MODEL::LOAD package 0 -1")
    assert answer.get("error") == GEOPM_ERROR_INVALID


def test_node_model_uncore_limits_are_kept_not_modelled(start: Any) -> None:
    # GEOPM's frequency_map agent sets them; the model keeps them and reads
    # them back, clamped, with the power and frequency unchanged.
    probe = start(GEOPM_BRIDGE_NODE_MODEL="freq_min=1.2e9")
    power = probe.read("CPU_POWER", "package", 0)
    assert probe.read("CPU_UNCORE_FREQUENCY_MIN_CONTROL") == 1.2e9
    assert probe.read("CPU_UNCORE_FREQUENCY_MAX_CONTROL") == FREQ_MAX
    probe.ok("write CPU_UNCORE_FREQUENCY_MAX_CONTROL package 0 2.0e9")
    probe.ok("write CPU_UNCORE_FREQUENCY_MIN_CONTROL package 0 0.5e9")
    assert probe.read("CPU_UNCORE_FREQUENCY_MAX_CONTROL", "package", 0) == 2.0e9
    assert probe.read("CPU_UNCORE_FREQUENCY_MIN_CONTROL", "package", 0) == 1.2e9
    assert probe.read("CPU_POWER", "package", 0) == power
    assert probe.read("CPU_FREQUENCY_STATUS", "package", 0) == FREQ_MAX
    info = probe.ok("info CPU_UNCORE_FREQUENCY_MAX_CONTROL")
    assert (info["domain"], info["agg"]) == ("package", "average")


def test_node_model_energy_integrates_power(start: Any) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL="1")
    for command in (
        "push_signal TIME board 0",
        "push_signal CPU_ENERGY board 0",
        "push_signal CPU_POWER board 0",
        "push_signal DRAM_ENERGY package 0",
    ):
        probe.ok(command)
    limit = probe.ok("push_control CPU_POWER_LIMIT_CONTROL package 0")["index"]
    rows = [probe.batch()]
    for setting in (120, 120, 80, 80):
        probe.ok(f"adjust {limit} {setting}")
        probe.ok("write_batch")
        rows.append(probe.batch())
        probe.ok("sleep 0.2")
        rows.append(probe.batch())
    for prev, curr in zip(rows, rows[1:], strict=False):
        elapsed = curr[0] - prev[0]
        assert curr[1] > prev[1]
        assert curr[3] > prev[3]
        if elapsed >= 0.2:  # the sleeps, where no control changed
            # TIME and NODE_MODEL read the clock at slightly different moments.
            assert curr[1] - prev[1] == pytest.approx(prev[2] * elapsed, rel=5e-2)
    assert rows[-1][2] < rows[0][2]


def test_node_model_save_and_restore(start: Any) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL="tdp=100")
    probe.ok("save")
    probe.ok("write CPU_POWER_LIMIT_CONTROL package 0 70")
    probe.ok("write CPU_FREQUENCY_MAX_CONTROL package 0 1.5e9")
    probe.ok("restore")
    assert probe.read("CPU_POWER_LIMIT_CONTROL", "package", 0) == 100.0
    assert probe.read("CPU_FREQUENCY_MAX_CONTROL", "package", 0) == FREQ_MAX


def test_node_model_overrides_powercap(start: Any, fake_root: Path) -> None:
    limit_file = "sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"
    probe = start(GEOPM_BRIDGE_SYSFS_ROOT=str(fake_root), GEOPM_BRIDGE_NODE_MODEL="tdp=120")
    # One simulated package per package of the (fake) topology.
    assert probe.read("CPU_POWER_LIMIT_DEFAULT") == 240.0
    probe.ok("write CPU_POWER_LIMIT_CONTROL package 0 90")
    assert fake_sysfs.read(fake_root, limit_file) == "150000000"
    assert probe.read("POWERCAP::CPU_POWER_LIMIT", "package", 0) == 150.0


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("tdp=abc", "tdp=abc"),
        ("watts=3", "watts"),
        ("tdp", "tdp"),
        ("min_power=300", "min_power"),
        ("load=1,load=2", "load"),
    ],
)
def test_node_model_bad_parameter_is_a_clear_error(start: Any, value: str, named: str) -> None:
    probe = start(GEOPM_BRIDGE_NODE_MODEL=value)
    answer = probe.call("read CPU_POWER board 0")
    assert answer.get("error") == GEOPM_ERROR_INVALID, answer
    assert "node_model" in answer["what"]
    assert named in answer["what"]
