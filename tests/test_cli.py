"""The ``geopm-bridge`` command as a user runs it: real processes, real files.

Python agents come from small modules written by the tests and named in
GEOPM_BRIDGE_AGENTS, as a user launches an agent kept in a plain script.
Controls are checked on a fake sysfs tree (tests/fake_sysfs.py) whose
cpufreq files the agent writes through PlatformIO: after every run, good
or bad, the files must hold their values from before the run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fake_sysfs
import pytest
import yaml

pytest.importorskip("geopm_bridge._core", reason="the package is not installed (run ./run-tests)")

# The package is installed: its console script sits beside the interpreter.
GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]
MAX_FREQ_FILE = "sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq"

AGENTS = '''
import math, os, time
import numpy as np
import geopm_bridge

class Capper(geopm_bridge.Agent):
    """Writes the frequency cap every iteration; misbehaves on request."""
    name = "capper"
    policy_names = ("FREQ",)
    sample_names = ("COUNT",)
    period = 0.01

    def __init__(self):
        super().__init__()
        self.pio = geopm_bridge.platform_io()
        self.count = 0
        self.fault = os.environ.get("CAPPER_FAULT", "")

    def init(self, level, fan_in, is_level_root):
        self.control = self.pio.push_control("CPU_FREQUENCY_MAX_CONTROL", "board", 0)
        if self.fault == "init":
            raise KeyError("no such sensor")

    def validate_policy(self, policy):
        if math.isnan(policy[0]):
            policy[0] = 1.5e9

    def adjust_platform(self, in_policy):
        self.pio.adjust(self.control, in_policy[0])

    def sample_platform(self, out_sample):
        self.count += 1
        marker = os.environ.get("CAPPER_MARKER")
        if marker and self.count == 3:
            open(marker, "w").close()
        if self.count < 3:
            out_sample[0] = self.count
            return
        if self.fault == "raise":
            raise ZeroDivisionError("the sensor said zero")
        if self.fault == "length":
            out_sample[:] = np.zeros(5)
        if self.fault == "push":
            self.pio.push_signal("TIME", "board", 0)
        if self.fault == "nan":
            out_sample[0] = math.nan
            return
        out_sample[0] = self.count

    def report_host(self):
        return [("Iterations", str(self.count))]
'''


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A fake sysfs tree with cpufreq controls; returns its root."""
    return fake_sysfs.build(tmp_path / "root")


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run geopm-bridge with args in cwd and wait for it."""
    return subprocess.run(
        GEOPM_BRIDGE + args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def agent_env(tmp_path: Path, machine: Path, **extra: str) -> dict[str, str]:
    """Environment launching the test agents on the fake machine."""
    (tmp_path / "cli_agents.py").write_text(AGENTS)
    return {
        "GEOPM_BRIDGE_AGENTS": "cli_agents:Capper",
        "PYTHONPATH": str(tmp_path),
        "GEOPM_BRIDGE_SYSFS_ROOT": str(machine),
        **extra,
    }


def launch_capper(
    tmp_path: Path,
    machine: Path,
    *options: str,
    app: tuple[str, ...] = ("sleep", "0.3"),
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Launch the capper agent with a report in tmp_path."""
    return run(
        ["launch", "--geopm-agent=capper", "--geopm-report=report.yaml", *options, "--", *app],
        tmp_path,
        agent_env(tmp_path, machine, **env),
    )


def one_line_error(process: subprocess.CompletedProcess[str]) -> str:
    """The single error line of a failed command (and check it is single)."""
    assert process.returncode != 0, process.stdout
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("geopm-bridge: error: "), process.stderr
    assert "Traceback" not in process.stderr
    return lines[0]


def max_freq(machine: Path) -> str:
    """The cap in the fake cpufreq file (kHz), as text."""
    return (machine / MAX_FREQ_FILE).read_text().strip()


def wait_for_max_freq(machine: Path, expected: str) -> None:
    """Wait until a running agent's cap shows in the file.

    The agent rewrites the file every period, so a read may catch it empty.
    """
    deadline = time.monotonic() + 30
    while max_freq(machine) != expected:
        assert time.monotonic() < deadline, max_freq(machine)
        time.sleep(0.01)


# ------------------------------------------------------------- agent, read


def test_agent_lists_native_and_python_agents(tmp_path: Path, machine: Path) -> None:
    process = run(["agent"], tmp_path, agent_env(tmp_path, machine))
    assert process.returncode == 0, process.stderr
    names = process.stdout.split()
    assert names[:4] == ["monitor", "power_balancer", "power_governor", "frequency_map"]
    assert {"example_python", "capper"} <= set(names)


def test_agent_describes_and_writes_policies(tmp_path: Path) -> None:
    described = run(["agent", "power_governor"], tmp_path)
    assert described.stdout.splitlines() == [
        "Policy: CPU_POWER_LIMIT",
        "Sample: POWER,IS_CONVERGED,POWER_AVERAGE_ENFORCED",
    ]
    written = run(["agent", "-a", "example_python", "-p", "0.2", "-o", "policy.json"], tmp_path)
    assert written.returncode == 0, written.stderr
    assert json.loads((tmp_path / "policy.json").read_text()) == {"LOW_THRESHOLD": 0.2}
    assert run(["agent", "-a", "monitor", "-p", "none"], tmp_path).stdout.strip() == "{}"
    assert "not a number" in one_line_error(
        run(["agent", "-a", "power_governor", "-p", "x"], tmp_path)
    )
    assert "has 1" in one_line_error(run(["agent", "-a", "power_governor", "-p", "1,2"], tmp_path))
    assert "unknown agent 'nope'" in one_line_error(run(["agent", "nope"], tmp_path))


def test_read_lists_and_reads_signals(tmp_path: Path, machine: Path) -> None:
    env = {"GEOPM_BRIDGE_SYSFS_ROOT": str(machine)}
    listing = run(["read", "--table"], tmp_path, env)
    assert listing.returncode == 0, listing.stderr
    rows = {
        line.split()[0]: line.split()[1]
        for line in listing.stdout.splitlines()[1:]
        if line.startswith("  ")
    }
    assert rows["TIME"] == "cpu" and rows["CPU_FREQUENCY_MAX_CONTROL"]
    value = run(["read", "CPU_FREQUENCY_MAX_CONTROL", "board", "0"], tmp_path, env)
    assert value.returncode == 0, value.stderr
    assert float(value.stdout) == pytest.approx(float(max_freq(machine)) * 1e3)
    assert "unknown domain 'bogus'" in one_line_error(run(["read", "TIME", "bogus", "0"], tmp_path))
    assert "unknown signal" in one_line_error(run(["read", "NOPE", "board", "0"], tmp_path))


# ------------------------------------------------------------- launch


def test_tutorial_agent_end_to_end(tmp_path: Path) -> None:
    process = run(
        [
            "launch",
            "--node-model",
            "--geopm-agent=example_python",
            "--geopm-period=0.05",
            "--geopm-report=tutorial.report",
            "--geopm-trace=tutorial.trace",
            "--",
            "sleep",
            "0.5",
        ],
        tmp_path,
    )
    assert process.returncode == 0, process.stderr
    import geopmpy.io

    report = geopmpy.io.RawReport(str(tmp_path / "tutorial.report"))
    [host] = report.host_names()
    assert report.meta_data()["Agent"] == "example_python"
    assert "Lowest idle %" in report.raw_report()["Hosts"][host]
    [trace] = tmp_path.glob("tutorial.trace-*")
    header = [line for line in trace.read_text().splitlines() if not line.startswith("#")][0]
    assert header.split("|")[-4:] == [
        "user_percent",
        "system_percent",
        "idle_percent",
        "frequency_cap",
    ]


def test_launch_returns_the_application_exit_code(tmp_path: Path, machine: Path) -> None:
    # The app lives a few periods, so the agent runs before it exits.
    process = launch_capper(tmp_path, machine, app=("sh", "-c", "sleep 0.2; exit 7"))
    assert process.returncode == 7, process.stderr
    assert max_freq(machine) == "3400000"  # restored after the agent's writes
    hosts = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"]
    [host] = hosts.values()
    assert int(host["Iterations"]) >= 1


def test_policy_reaches_the_agent_and_controls_are_restored(tmp_path: Path, machine: Path) -> None:
    (tmp_path / "policy.json").write_text('{"FREQ": 2.0e9}')
    marker = tmp_path / "running"
    process = subprocess.Popen(
        GEOPM_BRIDGE
        + [
            "launch",
            "--geopm-agent=capper",
            "--geopm-policy=policy.json",
            "--geopm-report=report.yaml",
            "--",
            "sleep",
            "30",
        ],
        cwd=tmp_path,
        env={**os.environ, **agent_env(tmp_path, machine, CAPPER_MARKER=str(marker))},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.01)
        wait_for_max_freq(machine, "2000000")  # the policy's value, in kHz
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ('{"FREQ": 1e9, "VOLTS": 1}', "VOLTS"),
        ('{"FREQ": "fast"}', "fast"),
        ('{"FREQ": 1e9', "JSON"),
    ],
    ids=["unknown-name", "not-a-number", "broken-json"],
)
def test_bad_policy_file(tmp_path: Path, machine: Path, policy: str, expected: str) -> None:
    (tmp_path / "policy.json").write_text(policy)
    process = launch_capper(tmp_path, machine, "--geopm-policy=policy.json")
    assert expected in one_line_error(process)
    assert max_freq(machine) == "3400000"


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        ("--geopm-max-fan-out=16x", 'GEOPM_MAX_FAN_OUT="16x" is not an integer'),
        ("--geopm-simulate-nodes=-2", 'GEOPM_BRIDGE_SIMULATE_NODES="-2" must be at least 0'),
        ("--geopm-period=fast", 'GEOPM_PERIOD="fast" is not a non-negative number'),
        ("--geopm-timeout=-1", 'GEOPM_TIMEOUT="-1" must be at least 0'),
    ],
    ids=["fan-out", "simulate-nodes", "period", "timeout"],
)
def test_bad_launch_value(tmp_path: Path, option: str, expected: str) -> None:
    # Read and checked once, by JobConfig.from_environment(), before the job starts.
    process = run(["launch", option, "--", "true"], tmp_path)
    assert expected in one_line_error(process)
    assert process.returncode == 2
    assert not (tmp_path / "geopm.report").exists()


def test_unknown_agent_and_missing_app(tmp_path: Path, machine: Path) -> None:
    error = one_line_error(run(["launch", "--geopm-agent=nope", "--", "true"], tmp_path))
    assert "unknown agent 'nope'" in error and "power_governor" in error
    error = one_line_error(launch_capper(tmp_path, machine, app=("/no/such/app",)))
    assert "/no/such/app" in error
    assert max_freq(machine) == "3400000"
    assert "no application" in one_line_error(run(["launch", "--geopm-agent=monitor"], tmp_path))


def test_the_agents_alone_for_a_number_of_periods(tmp_path: Path) -> None:
    result = run(
        ["launch", "--node-model", "--geopm-max-iterations=5", "--geopm-trace=trace"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = [line for line in trace.read_text().splitlines() if not line.startswith("#")]
    assert len(rows) == 1 + 5  # the header row, then one row per period
    assert (tmp_path / "geopm.report").exists()


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("raise", "ZeroDivisionError: the sensor said zero"),
        ("init", "KeyError"),
        ("length", "could not broadcast"),
        ("push", "capper.sample_platform()"),
        ("nan", "NaN"),
    ],
)
def test_misbehaving_agent(tmp_path: Path, machine: Path, fault: str, expected: str) -> None:
    process = launch_capper(tmp_path, machine, app=("sleep", "30"), CAPPER_FAULT=fault)
    assert process.returncode == 1
    assert expected in process.stderr
    if fault in ("raise", "init"):  # the agent's own traceback is shown
        assert "Traceback (most recent call last)" in process.stderr
        assert "cli_agents.py" in process.stderr
    assert max_freq(machine) == "3400000"
    if fault != "init":  # the loop ran: the report holds what was gathered
        report = yaml.safe_load((tmp_path / "report.yaml").read_text())
        [host] = report["Hosts"].values()
        assert int(host["Iterations"]) >= 3


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_launch(tmp_path: Path, machine: Path, signum: int) -> None:
    marker = tmp_path / "running"
    pid_file = tmp_path / "app.pid"
    process = subprocess.Popen(
        GEOPM_BRIDGE
        + [
            "launch",
            "--geopm-agent=capper",
            "--geopm-report=report.yaml",
            "--",
            "sh",
            "-c",
            f"echo $$ > {pid_file}; exec sleep 60",
        ],
        cwd=tmp_path,
        env={**os.environ, **agent_env(tmp_path, machine, CAPPER_MARKER=str(marker))},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (marker.exists() and pid_file.exists() and pid_file.read_text().strip()):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr
            time.sleep(0.01)
        wait_for_max_freq(machine, "1500000")  # the agent's default cap is in force
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr
    app_pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(app_pid, 0)
    assert max_freq(machine) == "3400000"
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Agent"] == "capper"


def test_python_agent_from_a_plain_script_option(tmp_path: Path, machine: Path) -> None:
    (tmp_path / "cli_agents.py").write_text(AGENTS)
    process = run(
        [
            "launch",
            "--geopm-agents=cli_agents:Capper",
            "--geopm-agent=capper",
            "--geopm-report=report.yaml",
            "--",
            "true",
        ],
        tmp_path,
        {"PYTHONPATH": str(tmp_path), "GEOPM_BRIDGE_SYSFS_ROOT": str(machine)},
    )
    assert process.returncode == 0, process.stderr
    assert yaml.safe_load((tmp_path / "report.yaml").read_text())["Agent"] == "capper"


def test_max_iterations_ends_the_job(tmp_path: Path, machine: Path) -> None:
    started = time.monotonic()
    process = launch_capper(tmp_path, machine, "--geopm-max-iterations=4", app=("sleep", "60"))
    assert process.returncode == 0, process.stderr
    assert time.monotonic() - started < 50  # the app did not run its course
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    assert int(host["Iterations"]) == 4
    assert max_freq(machine) == "3400000"
