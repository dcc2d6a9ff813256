"""The core of the embedded runtime, driven through small compiled C++ programs.

The test driver (tests/geopm_driver.cpp) answers one command per line with
one JSON line (errors as {"error": code, "what": text}); tests/runtime_core/
holds an agent plugin (registering under the name in its own file name), an
IOGroup plugin and a plugin that cannot be loaded. Everything is built once
per session with g++ against the runtime's headers and library
(tests/cpp_build.py), then run as real processes with real plugin files.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import fake_sysfs
import pytest
from cpp_build import TESTS, DriverProcess, clean_env, driver, ok, runtime
from fake_sysfs import FakeMachine

GEOPM_ERROR_RUNTIME = -1
GEOPM_ERROR_INVALID = -3
SOURCES = TESTS / "runtime_core"
BUILTIN_AGENTS = ["monitor", "power_balancer", "power_governor", "frequency_map"]
MACHINE = FakeMachine(cpufreq=False, powercap=False)  # 2 packages x 2 cores x 2 threads


def _gxx(*args: str) -> None:
    result = subprocess.run(
        ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", *args], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin binaries, built once."""
    out = tmp_path_factory.mktemp("runtime-core-build")
    # Plugins are built like GEOPM's tutorials: no library on the link line,
    # the geopm:: symbols resolve against the runtime already loaded.
    plugin = ["-shared", "-fPIC", f"-I{runtime().include_dir}"]
    _gxx(*plugin, str(SOURCES / "agent_plugin.cpp"), "-o", str(out / "agent.so"))
    for name, who in (("RTCORE_A", 1), ("RTCORE_B", 2)):
        _gxx(
            *plugin,
            f'-DIOGROUP_NAME="{name}"',
            f"-DWHO_VALUE={who}",
            str(SOURCES / "iogroup_plugin.cpp"),
            "-o",
            str(out / f"{name}.so"),
        )
    _gxx(*plugin, str(SOURCES / "unresolved_plugin.cpp"), "-o", str(out / "unresolved.so"))
    return out


@pytest.fixture(scope="session")
def sysfs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fake two-package machine for the topology and PlatformIO tests."""
    return fake_sysfs.build(tmp_path_factory.mktemp("sysfs"), MACHINE)


def install(build: Path, directory: Path, binary: str, *file_names: str) -> Path:
    """Copy a built plugin into directory under each file name (copies, not
    links: the agent plugin takes its name from its real file name)."""
    directory.mkdir(parents=True, exist_ok=True)
    for file_name in file_names:
        shutil.copy(build / binary, directory / file_name)
    return directory


def run_probe(commands: list[str], **env: str) -> list[dict[str, Any]]:
    """Answers to commands, run in one driver process with a clean GEOPM environment
    plus env."""
    with DriverProcess(clean_env(**env)) as probe:
        return [probe.call(command) for command in commands]


def agents(**env: str) -> list[str]:
    """Agent names, asserting the factory filled without error."""
    return ok(run_probe(["agents"], **env)[0])["agents"]


# ------------------------------------------------------------- plugin loading


def test_every_plugin_loads_and_later_path_entries_load_first(build: Path, tmp_path: Path) -> None:
    first = install(
        build,
        tmp_path / "first",
        "agent.so",
        "libgeopmagent_first_a.so.2.1.0",
        "libgeopmagent_first_b.so.2.1.0",
    )
    second = install(build, tmp_path / "second", "agent.so", "libgeopmagent_second.so.2.1.0")
    names = agents(GEOPM_PLUGIN_PATH=f"{first}:{second}")
    assert names == BUILTIN_AGENTS + ["second", "first_a", "first_b"]
    names = agents(GEOPM_PLUGIN_PATH=f"{second}:{first}")
    assert names == BUILTIN_AGENTS + ["first_a", "first_b", "second"]


def test_only_files_with_a_supported_version_suffix_load(build: Path, tmp_path: Path) -> None:
    directory = install(
        build,
        tmp_path,
        "agent.so",
        "libgeopmagent_v210.so.2.1.0",
        "libgeopmagent_v200.so.2.0.7",
        "libgeopmagent_v220.so.2.2.0",
        "libgeopmagent_v310.so.3.1.0",
        "libgeopmagent_v21.so.2.1",
        "libgeopmagent_plain.so",
        "libgeopmagent_x.so.2.1.a",
        "libgeopmcomm_comm.so.2.1.0",
        "xlibgeopmagent_prefix.so.2.1.0",
    )
    names = agents(GEOPM_PLUGIN_PATH=str(directory))
    assert names == BUILTIN_AGENTS + ["v200", "v210"]


def test_empty_path_entries_are_ignored(build: Path, tmp_path: Path) -> None:
    directory = install(build, tmp_path, "agent.so", "libgeopmagent_solo.so.2.1.0")
    assert agents(GEOPM_PLUGIN_PATH=f":{directory}:") == BUILTIN_AGENTS + ["solo"]


def test_missing_plugin_directory_is_an_error_on_every_use(build: Path, tmp_path: Path) -> None:
    good = install(build, tmp_path / "good", "agent.so", "libgeopmagent_good.so.2.1.0")
    missing = tmp_path / "no-such-dir"
    answers = run_probe(
        ["agents", "dictionary monitor", "iogroups"], GEOPM_PLUGIN_PATH=f"{good}:{missing}"
    )
    for answer in answers:
        assert answer["error"] == GEOPM_ERROR_INVALID
        assert str(missing) in answer["what"]


def test_plugin_that_fails_to_load_is_left_out_with_a_warning(build: Path, tmp_path: Path) -> None:
    # As GEOPM: a warning naming the file and dlerror()'s reason; the others load.
    directory = install(build, tmp_path, "unresolved.so", "libgeopmagent_broken.so.2.1.0")
    install(build, directory, "agent.so", "libgeopmagent_fine.so.2.1.0")
    result = subprocess.run(
        [str(driver())],
        input="agents\n",
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=str(directory)),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ok(json.loads(result.stdout))["agents"] == BUILTIN_AGENTS + ["fine"]
    [warning] = result.stderr.splitlines()
    assert f"{directory}/libgeopmagent_broken.so.2.1.0" in warning
    assert "undefined symbol: rtcore_symbol_nobody_defines" in warning


def test_duplicate_registration_leaves_the_plugin_out_with_a_warning(
    build: Path, tmp_path: Path
) -> None:
    first = install(build, tmp_path / "a", "agent.so", "libgeopmagent_twin.so.2.1.0")
    second = install(build, tmp_path / "b", "agent.so", "libgeopmagent_twin.so.2.1.0")
    install(build, first, "agent.so", "libgeopmagent_zfine.so.2.1.0")
    # b loads first, so a's copy is the duplicate: a warning naming it, and
    # the other plugins still load (so that `geopm-bridge agent` lists them).
    result = subprocess.run(
        [str(driver())],
        input="agents\n",
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=f"{first}:{second}"),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ok(json.loads(result.stdout))["agents"] == BUILTIN_AGENTS + ["twin", "zfine"]
    [warning] = result.stderr.splitlines()
    assert warning.startswith("geopm-bridge: warning: plugin ")
    assert f"{first}/libgeopmagent_twin.so.2.1.0" in warning and '"twin"' in warning
    # So `geopm-bridge agent` still lists, as geopmagent does, the warning on stderr.
    listing = subprocess.run(
        [sys.executable, "-m", "geopm_bridge.cli", "agent"],
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=f"{first}:{second}"),
        timeout=60,
    )
    assert listing.returncode == 0, listing.stderr
    assert {"monitor", "twin", "zfine"} <= set(listing.stdout.split())
    assert listing.stderr.splitlines() == [warning]
    # A plugin may not take a built-in agent's name either.
    clash = install(build, tmp_path / "c", "agent.so", "libgeopmagent_monitor.so.2.1.0")
    result = subprocess.run(
        [str(driver())],
        input="agents\n",
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=str(clash)),
        timeout=60,
    )
    assert ok(json.loads(result.stdout))["agents"] == BUILTIN_AGENTS
    assert "libgeopmagent_monitor.so.2.1.0" in result.stderr


def test_no_plugins_without_plugin_path() -> None:
    assert agents() == BUILTIN_AGENTS


def test_most_recently_registered_iogroup_wins_a_shared_name(
    build: Path, tmp_path: Path, sysfs_root: Path
) -> None:
    dir_a = install(build, tmp_path / "a", "RTCORE_A.so", "libgeopmiogroup_a.so.2.1.0")
    dir_b = install(build, tmp_path / "b", "RTCORE_B.so", "libgeopmiogroup_b.so.2.1.0")
    for path, expected in ((f"{dir_a}:{dir_b}", 1.0), (f"{dir_b}:{dir_a}", 2.0)):
        iogroups, who = run_probe(
            ["iogroups", "read RTCORE_WHO board 0"],
            GEOPM_PLUGIN_PATH=path,
            GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
        )
        assert {"RTCORE_A", "RTCORE_B"} <= set(ok(iogroups)["iogroups"])
        assert ok(who)["value"] == expected


def test_iogroup_that_cannot_start_is_left_out(
    build: Path, tmp_path: Path, sysfs_root: Path
) -> None:
    directory = install(build, tmp_path / "a", "RTCORE_A.so", "libgeopmiogroup_a.so.2.1.0")
    install(build, directory, "RTCORE_B.so", "libgeopmiogroup_b.so.2.1.0")
    iogroups, info, names = run_probe(
        ["iogroups", "info RTCORE_WHO", "names"],
        GEOPM_PLUGIN_PATH=str(directory),
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
        RTCORE_FAIL_CONSTRUCTOR="RTCORE_B",
    )
    assert "RTCORE_B" in ok(iogroups)["iogroups"]  # registered, but its constructor throws
    ok(info)
    assert "RTCORE_A::CPU_INDEX" in ok(names)["signals"]
    assert not any(name.startswith("RTCORE_B::") for name in names["signals"])


# ----------------------------------------------------------------- PlatformIO


@pytest.fixture
def pio_env(build: Path, tmp_path: Path, sysfs_root: Path) -> dict[str, str]:
    """Environment with the RTCORE_A IOGroup on the fake machine."""
    directory = install(build, tmp_path, "RTCORE_A.so", "libgeopmiogroup_rtcore.so.2.1.0")
    return {"GEOPM_PLUGIN_PATH": str(directory), "GEOPM_BRIDGE_SYSFS_ROOT": str(sysfs_root)}


def test_same_request_same_index_and_no_push_after_read_batch(pio_env: dict[str, str]) -> None:
    with DriverProcess(clean_env(**pio_env)) as probe:
        first = probe.ok("push_signal RTCORE_A::CPU_INDEX cpu 3")["index"]
        again = probe.ok("push_signal RTCORE_A::CPU_INDEX cpu 3")["index"]
        other = probe.ok("push_signal RTCORE_A::CPU_INDEX cpu 4")["index"]
        early = probe.call(f"sample {first}")
        probe.ok("read_batch")
        late_signal = probe.call("push_signal RTCORE_A::CPU_INDEX cpu 5")
        late_control = probe.call("push_control RTCORE_A::SETTING cpu 0")
        existing = probe.ok("push_signal RTCORE_A::CPU_INDEX cpu 3")["index"]
        values = [probe.ok(f"sample {idx}")["value"] for idx in (first, other)]
        unknown_index = probe.call("sample 99")
    assert first == again != other
    assert early["error"] == GEOPM_ERROR_RUNTIME  # sample() before read_batch()
    for late in (late_signal, late_control):
        assert late["error"] == GEOPM_ERROR_INVALID
        assert "read_batch" in late["what"]
    assert existing == first  # a request made before is still found
    assert values == [3.0, 4.0]
    assert unknown_index["error"] == GEOPM_ERROR_INVALID


def test_no_push_after_adjust(pio_env: dict[str, str]) -> None:
    with DriverProcess(clean_env(**pio_env)) as probe:
        control = probe.ok("push_control RTCORE_A::SETTING cpu 0")["index"]
        not_a_number = probe.call(f"adjust {control} nan")
        probe.ok(f"adjust {control} 2")
        late = probe.call("push_signal RTCORE_A::CPU_INDEX cpu 0")
    assert not_a_number["error"] == GEOPM_ERROR_INVALID  # NaN settings are refused
    assert late["error"] == GEOPM_ERROR_INVALID


def test_signals_aggregate_over_nested_native_domains(pio_env: dict[str, str]) -> None:
    requests = {
        "CPU_INDEX package 0": sum(MACHINE.package_cpus(0)),
        "CPU_INDEX package 1": sum(MACHINE.package_cpus(1)),
        "CPU_INDEX core 1": sum(MACHINE.core_cpus(1)),
        "CPU_INDEX board 0": sum(range(MACHINE.num_cpu)),
        "PACKAGE_VALUE board 0": 10.5,  # aggregated by average: (10 + 11) / 2
        "FIRST package 1": 100 + min(MACHINE.package_cpus(1)),  # select_first
    }
    with DriverProcess(clean_env(**pio_env)) as probe:
        indices = {req: probe.ok(f"push_signal RTCORE_A::{req}")["index"] for req in requests}
        probe.ok("read_batch")
        sampled = {req: probe.ok(f"sample {idx}")["value"] for req, idx in indices.items()}
        read = {req: probe.ok(f"read RTCORE_A::{req}")["value"] for req in requests}
    assert len(set(indices.values())) == len(requests)
    assert sampled == requests
    assert read == requests


def test_a_coarse_request_over_one_native_domain_keeps_its_aggregation(
    build: Path, tmp_path: Path
) -> None:
    # One thread per core: a core holds one CPU. Aggregations that give the
    # value back for a single operand are read directly; the others still
    # apply (logical_and of 7 is 1).
    machine = FakeMachine(threads_per_core=1, cpufreq=False, powercap=False)
    root = fake_sysfs.build(tmp_path / "sysfs", machine)
    directory = install(
        build, tmp_path / "plugins", "RTCORE_A.so", "libgeopmiogroup_rtcore.so.2.1.0"
    )
    env = {"GEOPM_PLUGIN_PATH": str(directory), "GEOPM_BRIDGE_SYSFS_ROOT": str(root)}
    requests = {"CPU_INDEX core 3": 3.0, "SEVEN core 3": 1.0, "SEVEN cpu 3": 7.0}
    with DriverProcess(clean_env(**env)) as probe:
        indices = {req: probe.ok(f"push_signal RTCORE_A::{req}")["index"] for req in requests}
        budget = probe.ok("push_control RTCORE_A::BUDGET core 2")["index"]
        probe.ok("read_batch")
        sampled = {req: probe.ok(f"sample {idx}")["value"] for req, idx in indices.items()}
        probe.ok(f"adjust {budget} 40")
        probe.ok("write_batch")
        cpu_budget = probe.ok("read RTCORE_A::BUDGET cpu 2")["value"]
    assert sampled == requests
    assert cpu_budget == 40.0  # the whole budget: the core has one CPU


def test_controls_at_a_coarser_domain_write_every_native_domain(pio_env: dict[str, str]) -> None:
    num_cpu = MACHINE.num_cpu
    with DriverProcess(clean_env(**pio_env)) as probe:
        setting = probe.ok("push_control RTCORE_A::SETTING package 1")["index"]
        budget = probe.ok("push_control RTCORE_A::BUDGET board 0")["index"]
        probe.ok(f"adjust {setting} 7")
        probe.ok(f"adjust {budget} 80")
        probe.ok("write_batch")
        settings = [
            probe.ok(f"read RTCORE_A::SETTING cpu {cpu}")["value"] for cpu in range(num_cpu)
        ]
        budgets = [probe.ok(f"read RTCORE_A::BUDGET cpu {cpu}")["value"] for cpu in range(num_cpu)]
        probe.ok("write RTCORE_A::BUDGET package 0 30")
        package_budget = probe.ok("read RTCORE_A::BUDGET package 0")["value"]
        cpu_budget = probe.ok("read RTCORE_A::BUDGET cpu 0")["value"]
    in_package_1 = set(MACHINE.package_cpus(1))
    assert settings == [7.0 if cpu in in_package_1 else 0.0 for cpu in range(num_cpu)]
    # A control whose signal aggregates by sum is a budget: it is split.
    assert budgets == [80.0 / num_cpu] * num_cpu
    assert package_budget == pytest.approx(30.0)
    assert cpu_budget == pytest.approx(30.0 / len(MACHINE.package_cpus(0)))


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (
            "push_signal RTCORE_A::PACKAGE_VALUE cpu 0",
            ["RTCORE_A::PACKAGE_VALUE", "package", "cpu"],
        ),
        ("read RTCORE_A::PACKAGE_VALUE core 1", ["RTCORE_A::PACKAGE_VALUE", "package", "core"]),
        ("push_signal NO_SUCH_SIGNAL board 0", ["NO_SUCH_SIGNAL"]),
        ("push_control NO_SUCH_CONTROL board 0", ["NO_SUCH_CONTROL"]),
        ("write RTCORE_A::CPU_INDEX cpu 0 1", ["RTCORE_A::CPU_INDEX"]),
        ("push_signal RTCORE_A::CPU_INDEX cpu 8", ["cpu", "8"]),
        ("push_signal RTCORE_A::CPU_INDEX package -1", ["package", "-1"]),
        ("read RTCORE_A::CPU_INDEX gpu 0", ["gpu", "0"]),
        ("push_signal RTCORE_A::CPU_INDEX socket 0", ["socket"]),
    ],
)
def test_bad_requests_are_invalid_and_named(
    pio_env: dict[str, str], command: str, words: list[str]
) -> None:
    [answer] = run_probe([command], **pio_env)
    assert answer["error"] == GEOPM_ERROR_INVALID
    for word in words:
        assert word in answer["what"]


def test_signal_information_comes_from_the_iogroup(pio_env: dict[str, str]) -> None:
    info, names = run_probe(["info RTCORE_A::PACKAGE_VALUE", "names"], **pio_env)
    assert ok(info)["domain"] == "package"
    assert info["agg"] == "average"
    assert info["behavior"] == 2
    assert info["format"] == "1.5"
    assert info["description"] == "test signal RTCORE_A::PACKAGE_VALUE"
    assert {"RTCORE_A::CPU_INDEX", "RTCORE_WHO"} <= set(ok(names)["signals"])
    assert names["signals"] == sorted(names["signals"])
    assert {"RTCORE_A::SETTING", "RTCORE_A::BUDGET"} <= set(names["controls"])


# ------------------------------------------------------------------- topology


def _expected_topology(machine: FakeMachine) -> dict[str, Any]:
    cores = machine.packages * machine.cores_per_package
    return {
        "package": [machine.package_core_of(cpu)[0] for cpu in range(machine.num_cpu)],
        "core": [cpu % cores for cpu in range(machine.num_cpu)],
        "num": {"board": 1, "package": machine.packages, "core": cores, "cpu": machine.num_cpu},
    }


@pytest.mark.parametrize(
    "machine",
    [
        MACHINE,
        FakeMachine(
            packages=1, cores_per_package=3, threads_per_core=1, cpufreq=False, powercap=False
        ),
    ],
)
@pytest.mark.parametrize("source", ["sysfs", "cpuinfo"])
def test_topology_from_a_fake_tree(tmp_path: Path, machine: FakeMachine, source: str) -> None:
    root = fake_sysfs.build(tmp_path, machine)
    if source == "cpuinfo":
        # Without topology files the "physical id"/"core id" lines are used.
        for cpu in range(machine.num_cpu):
            shutil.rmtree(root / f"sys/devices/system/cpu/cpu{cpu}/topology")
    [topo] = run_probe(["topo"], GEOPM_BRIDGE_SYSFS_ROOT=str(root))
    expected = _expected_topology(machine)
    assert ok(topo)["package"] == expected["package"]
    assert topo["core"] == expected["core"]
    for name, count in expected["num"].items():
        assert topo["num"][name] == count
    assert topo["num"]["memory"] == topo["num"]["gpu"] == topo["num"]["nic"] == 0


def test_topology_without_any_information_is_one_package(tmp_path: Path) -> None:
    [topo] = run_probe(["topo"], GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path))
    online = os.sysconf("SC_NPROCESSORS_ONLN")
    assert ok(topo)["num"]["package"] == 1
    assert topo["num"]["core"] == topo["num"]["cpu"] == online
    assert topo["core"] == list(range(online))


def test_nested_domains(sysfs_root: Path) -> None:
    answers = run_probe(
        [
            "nested cpu package 1",
            "nested core package 0",
            "nested cpu core 2",
            "nested package board 0",
            "nested cpu cpu 5",
            "nested package core 0",
            "nested cpu package 2",
        ],
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
    )
    assert ok(answers[0])["nested"] == MACHINE.package_cpus(1)
    assert ok(answers[1])["nested"] == [0, 1]
    assert ok(answers[2])["nested"] == MACHINE.core_cpus(2)
    assert ok(answers[3])["nested"] == [0, 1]
    assert ok(answers[4])["nested"] == [5]
    assert answers[5]["error"] == GEOPM_ERROR_INVALID  # a package is not inside a core
    assert answers[6]["error"] == GEOPM_ERROR_INVALID  # there is no package 2


def test_node_contexts_have_their_own_platform(tmp_path: Path, sysfs_root: Path) -> None:
    small = fake_sysfs.build(
        tmp_path, FakeMachine(packages=1, cores_per_package=3, threads_per_core=1)
    )
    [node] = run_probe(
        [f"node {small}"],
        GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root),
        GEOPM_BRIDGE_NODE_MODEL="load=0.5",
    )
    assert ok(node)["outside"] == MACHINE.num_cpu
    assert node["inside"] == 3
    assert node["inside_name"] == "simulated-7"
    assert node["after_name"] != "simulated-7"  # the guard restored the default node
    # Options not given to the node fall back to GEOPM_BRIDGE_<KEY>.
    assert node["node_model"] == "load=0.5"
    assert node["default_sysfs_root"] == str(sysfs_root)


def test_c_interfaces(sysfs_root: Path) -> None:
    [answer] = run_probe(["c_api"], GEOPM_BRIDGE_SYSFS_ROOT=str(sysfs_root))
    assert ok(answer)["type_err"] == GEOPM_ERROR_INVALID
    assert answer["core_name"] == "core"
    assert answer["num_nested"] == len(MACHINE.package_cpus(1))
    assert answer["nested_err"] == 0
    assert answer["nested"] == MACHINE.package_cpus(1)
    assert answer["read_err"] == GEOPM_ERROR_INVALID
    assert "NO_SUCH_SIGNAL" in answer["read_message"]
    assert (answer["valid_nan"], answer["valid_one"]) == (0, 1)


# ------------------------------------------------------------------------ Agg

NAN = math.nan


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("sum", [1, 2, NAN, 4], 7.0),
        ("sum", [], NAN),
        ("sum", [NAN, NAN], NAN),
        ("average", [1, NAN, 2], 1.5),
        ("median", [5, 1, 3], 3.0),
        ("median", [4, 1, 3, NAN, 2], 2.5),
        ("integer_bitwise_or", [1, 4, NAN, 8], 13.0),
        ("logical_and", [1, 2, NAN], 1.0),
        ("logical_and", [1, 0], 0.0),
        ("logical_or", [0, NAN, 0.5], 1.0),
        ("logical_or", [0, 0], 0.0),
        ("min", [3, NAN, -2], -2.0),
        ("max", [3, NAN, -2], 3.0),
        ("max", [], NAN),
        ("stddev", [2, 4, 4, 4, 5, 5, 7, 9], math.sqrt(32 / 7)),
        ("stddev", [3, NAN], 0.0),
        ("region_hash", [5, 5, NAN], 5.0),
        ("region_hash", [5, 6], float(0x725E8066)),
        ("region_hint", [2, 3], 1.0),
        ("select_first", [NAN, 1], NAN),
        ("select_first", [], 0.0),
        ("expect_same", [2, NAN, 2], 2.0),
        ("expect_same", [2, 3], NAN),
    ],
)
def test_agg_functions(name: str, values: list[float], expected: float) -> None:
    text = " ".join("nan" if math.isnan(v) else repr(float(v)) for v in values)
    [answer] = run_probe([f"agg {name} {text}"])
    value = ok(answer)["value"]
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected)


def test_agg_names_and_types() -> None:
    names = [
        "sum",
        "average",
        "median",
        "integer_bitwise_or",
        "logical_and",
        "logical_or",
        "min",
        "max",
        "stddev",
        "region_hash",
        "region_hint",
        "select_first",
        "expect_same",
    ]
    answers = run_probe([f"agg_type {name}" for name in names] + ["agg_type mean"])
    for type_value, (name, answer) in enumerate(zip(names, answers, strict=False)):
        assert ok(answer) == {
            "name": name,
            "type": type_value,
            "type_name": name,
            "round_trip": name,
        }
    assert answers[-1]["error"] == GEOPM_ERROR_INVALID
    assert "mean" in answers[-1]["what"]


def test_region_hash_is_zlib_crc32() -> None:
    [answer] = run_probe(["hash MPI_Barrier"])
    assert ok(answer) == {"c": zlib.crc32(b"MPI_Barrier"), "cxx": zlib.crc32(b"MPI_Barrier")}


# -------------------------------------------------------------- Agent statics


def test_agent_dictionary_helpers(build: Path, tmp_path: Path) -> None:
    directory = install(build, tmp_path, "agent.so", "libgeopmagent_dict.so.2.1.0")
    made, by_name, none, aggregated, unknown = run_probe(
        [
            "make_dictionary A,B C",
            "dictionary dict",
            "make_dictionary - -",
            "aggregate_sample",
            "dictionary no_such_agent",
        ],
        GEOPM_PLUGIN_PATH=str(directory),
    )
    assert ok(made)["dictionary"] == {
        "NUM_POLICY": "2",
        "POLICY_0": "A",
        "POLICY_1": "B",
        "NUM_SAMPLE": "1",
        "SAMPLE_0": "C",
    }
    assert (made["num_policy"], made["policy"], made["num_sample"], made["sample"]) == (
        2,
        ["A", "B"],
        1,
        ["C"],
    )
    assert ok(by_name) == {
        "num_policy": 2,
        "num_sample": 1,
        "policy": ["POWER_CAP", "STEP"],
        "sample": ["ENERGY"],
        "dictionary": {
            "NUM_POLICY": "2",
            "POLICY_0": "POWER_CAP",
            "POLICY_1": "STEP",
            "NUM_SAMPLE": "1",
            "SAMPLE_0": "ENERGY",
        },
    }
    assert ok(none)["dictionary"] == {"NUM_POLICY": "0", "NUM_SAMPLE": "0"}
    # Columns: sum(1, 3), max(5, 2), average(NaN, 4) with NaN ignored.
    assert ok(aggregated)["out"] == [4.0, 5.0, 4.0]
    assert unknown["error"] == GEOPM_ERROR_INVALID
    assert "no_such_agent" in unknown["what"]


# ---------------------------------------------------- Environment and Waiter


def test_environment_defaults_and_overrides() -> None:
    [defaults] = run_probe(["env 0.25"])
    assert ok(defaults) == {
        "agent": "monitor",
        "max_fan_out": 16,
        "period": 0.25,
        "policy": "",
        "do_policy": 0,
        "profile": '"default"',
        "timeout": 30,
    }
    [custom] = run_probe(
        ["env 0.25"],
        GEOPM_AGENT="power_governor",
        GEOPM_MAX_FAN_OUT="4",
        GEOPM_PERIOD="0.005",
        GEOPM_POLICY="/tmp/p.json",
        GEOPM_PROFILE='my "app"',
    )
    assert ok(custom) == {
        "agent": "power_governor",
        "max_fan_out": 4,
        "period": 0.005,
        "policy": "/tmp/p.json",
        "do_policy": 1,
        "profile": '"my app"',
        "timeout": 30,
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GEOPM_PERIOD", "fast"),
        ("GEOPM_PERIOD", "0.1s"),
        ("GEOPM_PERIOD", "-1"),
        ("GEOPM_PERIOD", "10.5"),  # past the longest period, 10 s
        ("GEOPM_MAX_FAN_OUT", "sixteen"),
    ],
)
def test_malformed_environment_values_are_named(name: str, value: str) -> None:
    [answer] = run_probe(["env"], **{name: value})
    assert answer["error"] == GEOPM_ERROR_INVALID
    assert name in answer["what"] and value in answer["what"]


def test_the_longest_period_is_ten_seconds() -> None:
    [answer] = run_probe(["env"], GEOPM_PERIOD="10")
    assert answer["period"] == 10.0


def test_environment_is_read_at_query_time() -> None:
    # A process that sets GEOPM_* between queries sees the new values.
    before, _, _, after = run_probe(
        [
            "env 1",
            "setenv GEOPM_AGENT other",
            "setenv GEOPM_PERIOD 0.5",
            "env 1",
        ],
    )
    assert (ok(before)["agent"], before["period"]) == ("monitor", 1.0)
    assert (ok(after)["agent"], after["period"]) == ("other", 0.5)


def test_waiter_wakes_on_the_period_grid() -> None:
    period = 0.02
    waits, zero, negative = run_probe([f"waiter {period} 5", "waiter 0 3", "waiter -1 1"])
    assert ok(waits)["period"] == period
    # Each wake-up is at or after its boundary on the grid since reset().
    for count, wake in enumerate(waits["wakes"], start=1):
        assert wake >= count * period - 1e-6
    assert ok(zero)["period"] == 0.0 and len(zero["wakes"]) == 3
    assert negative["error"] == GEOPM_ERROR_INVALID


# ------------------------------------------------- Exception and SaveControl


def test_exception_messages_and_codes() -> None:
    exception, invalid, errno_text = run_probe(
        ["exception", f"error_message {GEOPM_ERROR_INVALID}", "error_message 2"]
    )
    assert "disk on fire" in ok(exception)["what"]
    assert "where.cpp:42" in exception["what"]
    assert "Invalid argument" in exception["what"]
    assert exception["err"] == GEOPM_ERROR_INVALID
    assert exception["zero_err"] == GEOPM_ERROR_RUNTIME
    assert "zero code" in exception["zero_what"]
    assert (exception["copy_err"], exception["copy_what"]) == (exception["err"], exception["what"])
    assert "Invalid argument" in ok(invalid)["text"]
    assert "No such file or directory" in ok(errno_text)["text"]


def test_save_control_json_round_trip() -> None:
    [answer] = run_probe(["savecontrol"])
    # The NaN setting is not saved; the rest survives text and back.
    assert json.loads(ok(answer)["json"]) == [
        {"name": "A::X", "domain_type": 3, "domain_idx": 3, "setting": 1.5}
    ]
    assert answer["names"] == ["A::X@3/3"]
    assert answer["values"] == [1.5]
    assert answer["unsaved"] == ["C::Y"]
