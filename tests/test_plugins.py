"""GEOPM-style C++ plugins built by a user's recipe and loaded from GEOPM_PLUGIN_PATH.

tests/plugins/ holds an agent plugin (idle_frequency) and an IOGroup plugin
(SCRATCH) written against the GEOPM 3.1 public headers only, and a plugin
that needs a function the runtime does not define. They are built
with the one-line g++ command a user would type, then loaded by the runtime
from GEOPM_PLUGIN_PATH: by the C++ test driver and, when the package is
installed, by ``geopm-bridge launch`` and ``geopm-bridge read``.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cpp_build import (
    PLUGINS,
    clean_env,
    compile_plugin,
    driver,
    ok,
    require_cli,
    run_driver,
    runtime,
)

GEOPM_ERROR_INVALID = -3

AGENT_FILE = "libgeopmagent_idle_frequency.so.2.1.0"
IOGROUP_FILE = "libgeopmiogroup_scratch.so.2.1.0"
SCRATCH_SIGNALS = {"SCRATCH::UPTIME", "SCRATCH::READ_COUNT", "SCRATCH::REGISTER"}


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding both plugins, built as a user would build them."""
    directory = tmp_path_factory.mktemp("plugins")
    compile_plugin(PLUGINS / "IdleFrequencyAgent.cpp", directory / AGENT_FILE)
    compile_plugin(PLUGINS / "ScratchIOGroup.cpp", directory / IOGROUP_FILE)
    return directory


@pytest.mark.parametrize("source", ["IdleFrequencyAgent.cpp", "ScratchIOGroup.cpp"])
def test_plugin_sources_are_warning_free(source: str) -> None:
    result = subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{runtime().include_dir}",
            str(PLUGINS / source),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_agent_plugin_registers_with_its_dictionary(plugin_dir: Path) -> None:
    env = clean_env(GEOPM_PLUGIN_PATH=str(plugin_dir))
    agents, dictionary = run_driver(["agents", "dictionary idle_frequency"], env)
    names = ok(agents)["agents"]
    # Built-ins first, then plugins, as GEOPM loads them.
    assert names.index("monitor") < names.index("idle_frequency")
    assert ok(dictionary)["policy"] == [
        "LOW_IDLE_THRESHOLD",
        "HIGH_IDLE_THRESHOLD",
        "IDLE_FREQUENCY",
        "BUSY_FREQUENCY",
    ]
    assert dictionary["sample"] == ["USER_FRACTION", "SYSTEM_FRACTION", "IDLE_FRACTION"]
    assert dictionary["dictionary"]["NUM_POLICY"] == "4"


def test_plugins_are_absent_without_plugin_path() -> None:
    agents, names = run_driver(["agents", "names"], clean_env())
    assert "idle_frequency" not in ok(agents)["agents"]
    assert not SCRATCH_SIGNALS & set(ok(names)["signals"])


def test_iogroup_plugin_signals_and_control(plugin_dir: Path) -> None:
    env = clean_env(GEOPM_PLUGIN_PATH=str(plugin_dir))
    before = float(Path("/proc/uptime").read_text().split()[0])
    answers = run_driver(
        [
            "names",
            "read SCRATCH::UPTIME board 0",
            "write SCRATCH::REGISTER cpu 0 42",
            "read SCRATCH::REGISTER cpu 0",
            # The board reads the sum over its CPUs (the others hold 0).
            "read SCRATCH::REGISTER board 0",
            "read SCRATCH::REGISTER package 0",
            "push_signal SCRATCH::READ_COUNT board 0",
            "batch",
            "batch",
            "batch",
        ],
        env,
    )
    after = float(Path("/proc/uptime").read_text().split()[0])
    listing = ok(answers[0])
    assert SCRATCH_SIGNALS <= set(listing["signals"])
    assert "SCRATCH::REGISTER" in listing["controls"]
    assert before <= ok(answers[1])["value"] <= after
    ok(answers[2])
    assert ok(answers[3])["value"] == 42.0
    assert ok(answers[4])["value"] == 42.0
    assert ok(answers[5])["value"] == 42.0
    ok(answers[6])
    assert [ok(a)["values"] for a in answers[7:]] == [[1.0], [2.0], [3.0]]


def test_agent_plugin_validate_policy(plugin_dir: Path) -> None:
    env = clean_env(GEOPM_PLUGIN_PATH=str(plugin_dir))
    answers = run_driver(
        ["make idle_frequency", "validate nan nan 1e9 2e9", "validate 0.8 0.2 nan nan"], env
    )
    ok(answers[0])
    assert ok(answers[1])["policy"] == [0.3, 0.7, 1e9, 2e9]
    assert answers[2]["error"] == GEOPM_ERROR_INVALID


def test_agent_plugin_controls_frequency_on_the_node_model(plugin_dir: Path) -> None:
    env = clean_env(
        GEOPM_PLUGIN_PATH=str(plugin_dir), GEOPM_BRIDGE_NODE_MODEL="1", GEOPM_PERIOD="0.05"
    )
    idle_freq, busy_freq = 1.2e9, 2.4e9
    answers = run_driver(
        [
            "make idle_frequency",
            "init 0 - 1",
            f"step 8 0.5 0.5 {idle_freq} {busy_freq}",
            "read CPU_FREQUENCY_MAX_CONTROL board 0",
            "report",
        ],
        env,
    )
    for answer in answers:
        ok(answer)
    step = answers[2]
    for user, system, idle in step["samples"][1:]:
        assert 0.0 <= min(user, system, idle) and max(user, system, idle) <= 1.0
        assert user + system + idle == pytest.approx(1.0)
    # Each period acts on the previous period's idle fraction: above the
    # threshold it asks for the idle frequency, below it the busy one. How
    # idle this machine is varies, so follow the samples it saw.
    expected = math.nan
    for _, _, idle in step["samples"][:-1]:
        if idle > 0.5:
            expected = idle_freq
        elif idle < 0.5:
            expected = busy_freq
    assert not math.isnan(expected)
    assert step["trace"] == [step["sample"][2], expected]
    assert ok(answers[3])["value"] == pytest.approx(expected)
    assert answers[4]["trace_names"] == ["IDLE_FRACTION", "FREQUENCY_REQUEST"]
    host = dict(answers[4]["host"])
    assert set(host) == {"Lowest idle fraction", "Highest idle fraction", "Frequency changes"}
    assert int(host["Frequency changes"]) == step["writes"] >= 1


@pytest.fixture
def cli() -> list[str]:
    """The installed ``geopm-bridge`` command (the test is skipped without it)."""
    return require_cli()


def test_cli_launch_runs_the_plugin_agent(cli: list[str], plugin_dir: Path, tmp_path: Path) -> None:
    report = tmp_path / "idle.report"
    result = subprocess.run(
        [
            *cli,
            "launch",
            "--geopm-agent=idle_frequency",
            f"--geopm-report={report}",
            f"--geopm-plugin-path={plugin_dir}",
            "--geopm-period=0.05",
            "--",
            "sleep",
            "0.3",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(report.read_text())
    assert data["Agent"] == "idle_frequency"
    assert float(data["Wait time (s)"]) == pytest.approx(0.05)
    [host] = data["Hosts"].values()
    assert {"Lowest idle fraction", "Highest idle fraction", "Frequency changes"} <= set(host)


def test_cli_read_uses_the_iogroup_plugin(cli: list[str], plugin_dir: Path) -> None:
    env = clean_env(GEOPM_PLUGIN_PATH=str(plugin_dir))
    result = subprocess.run([*cli, "read"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "SCRATCH::READ_COUNT" in result.stdout
    before = float(Path("/proc/uptime").read_text().split()[0])
    result = subprocess.run(
        [*cli, "read", "SCRATCH::UPTIME", "board", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    after = float(Path("/proc/uptime").read_text().split()[0])
    assert result.returncode == 0, result.stderr
    assert before <= float(result.stdout.split()[-1]) <= after


MISSING_FILE = "libgeopmagent_needs_missing.so.2.1.0"


@pytest.fixture(scope="module")
def mixed_plugin_dir(plugin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two working plugins and one that cannot load, side by side."""
    directory = tmp_path_factory.mktemp("mixed-plugins")
    for name in (AGENT_FILE, IOGROUP_FILE):
        shutil.copy(plugin_dir / name, directory / name)
    compile_plugin(PLUGINS / "MissingSymbolPlugin.cpp", directory / MISSING_FILE)
    return directory


def missing_symbol_warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if MISSING_FILE in line]


def assert_one_clear_warning(stderr: str, directory: Path) -> None:
    # One line, naming the file and the function as C++ spells it.
    [warning] = missing_symbol_warnings(stderr)
    assert str(directory / MISSING_FILE) in warning
    assert "not loaded" in warning
    assert "geopm::frequency_steps(std::" in warning and "_ZN" not in warning


def test_plugin_missing_a_symbol_is_named_and_the_others_load(mixed_plugin_dir: Path) -> None:
    env = clean_env(GEOPM_PLUGIN_PATH=str(mixed_plugin_dir))
    result = subprocess.run(
        [str(driver())],
        input="agents\nnames\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    agents, names = (json.loads(line) for line in result.stdout.splitlines())
    assert "idle_frequency" in ok(agents)["agents"]
    assert SCRATCH_SIGNALS <= set(ok(names)["signals"])
    assert_one_clear_warning(result.stderr, mixed_plugin_dir)


def test_cli_launch_runs_beside_a_plugin_missing_a_symbol(
    cli: list[str], mixed_plugin_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "idle.report"
    result = subprocess.run(
        [
            *cli,
            "launch",
            "--geopm-agent=idle_frequency",
            f"--geopm-report={report}",
            f"--geopm-plugin-path={mixed_plugin_dir}",
            "--geopm-period=0.05",
            "--",
            "true",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(report.read_text())["Agent"] == "idle_frequency"
    assert_one_clear_warning(result.stderr, mixed_plugin_dir)
