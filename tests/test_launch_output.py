"""What ``geopm-bridge launch`` shows a person (docs/launch.md, "Output").

launch runs for real, its stderr a pseudo-terminal (``os.openpty``) or a
pipe: on a terminal a status line refreshed about once a second, cleared
at the end, then the two summary lines; nothing of it on a pipe or with
--quiet; --verbose's tree, plugins and signals either way.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
import yaml

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

from cpp_build import clean_env, require_cli  # noqa: E402
from geopm_bridge._core import job_status  # noqa: E402

CLEAR = "\r\x1b[2K"

# app.py SECONDS: one marked region, busy_region, for SECONDS.
APP = r"""
import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

with profile.region("busy_region", RegionHint.COMPUTE):
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        time.sleep(0.005)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "app.py").write_text(APP)
    return clean_env(
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMPI_MCA_rmaps_base_oversubscribe="1",
    )


def launch_on_terminal(tmp_path: Path, *args: str, seconds: float = 2.6) -> tuple[int, str]:
    """launch ARGS -- app.py SECONDS, its stderr a 200-column terminal: its code and stderr."""
    main, terminal = os.openpty()
    # A wide terminal: the status line is cut at its width.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    command = [*require_cli(), "launch", *args, "--", sys.executable, "app.py", str(seconds)]
    with subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
        env=_env(tmp_path),
        cwd=tmp_path,
    ) as job:
        os.close(terminal)
        output = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: every writer closed it
                break
            if not chunk:
                break
            output += chunk
        code = job.wait(60)
    os.close(main)
    # The terminal turns each "\n" into "\r\n".
    return code, output.decode().replace("\r\n", "\n")


def status_lines(text: str) -> list[str]:
    """The status lines shown (each starts with a clear-line; the last one, the summary's)."""
    return text.split(CLEAR)[1:-1]


def number(pattern: str, line: str) -> float:
    """The number pattern's group finds in line."""
    found = re.search(pattern, line)
    assert found is not None, (pattern, line)
    return float(found.group(1))


def summary_lines(text: str) -> list[str]:
    """What follows the last clear-line: the summary."""
    return text.split(CLEAR)[-1].splitlines()


def totals(path: Path) -> tuple[float, float]:
    """The report's runtime and package + GPU energy, over its hosts."""
    hosts = yaml.safe_load(path.read_text())["Hosts"].values()
    runtime = max(host["Application Totals"]["runtime (s)"] for host in hosts)
    energy = sum(
        host["Application Totals"]["package-energy (J)"]
        + host["Application Totals"].get("gpu-energy (J)", 0.0)
        for host in hosts
    )
    return runtime, energy


def test_status_line_then_summary(tmp_path: Path) -> None:
    """On a terminal: status lines with rising periods, the node's power and region, then
    cleared, and a summary naming the report with the report's own figures."""
    code, text = launch_on_terminal(
        tmp_path,
        "--node-model",
        "--geopm-report=r.yaml",
        "--geopm-trace=t",
        "--geopm-agent",
        "power_governor",
    )
    assert code == 0, text
    lines = status_lines(text)
    assert len(lines) >= 2, text
    periods = [number(r"(\d+) periods", line) for line in lines]
    assert periods == sorted(periods) and periods[-1] > periods[0], lines
    for line in lines:
        watts = number(r"\| ([\d.]+) W", line)
        assert 20 < watts < 2000, line  # the node model's CPU power, not 0 nor absurd
        assert "policy CPU_POWER_LIMIT=" in line or "policy default" in line, line
    assert any("region busy_region" in line for line in lines), lines
    # Cleared: the summary starts on a clean line right after the clear-line.
    first, second = summary_lines(text)
    host = os.uname().nodename.split(".")[0]
    assert first.startswith("geopm-bridge: report r.yaml"), first
    assert "trace t-" in first and host.split("-")[0] in first, first
    runtime, energy = totals(tmp_path / "r.yaml")
    figures = re.fullmatch(
        r"geopm-bridge: runtime ([\d.]+) s, energy ([\d.]+) J, average power ([\d.]+) W", second
    )
    assert figures is not None, second
    assert float(figures.group(1)) == pytest.approx(runtime, rel=5e-3)
    assert float(figures.group(2)) == pytest.approx(energy, rel=5e-3, abs=1)
    assert float(figures.group(3)) == pytest.approx(energy / runtime, rel=1e-2)


def test_simulated_nodes_show_the_job(tmp_path: Path) -> None:
    """Several simulated nodes: one line for the job, their power summed, GPUs apart."""
    code, text = launch_on_terminal(
        tmp_path,
        "--node-model=gpus=1",
        "--geopm-simulate-nodes=3",
        "--geopm-report=r.yaml",
        seconds=2.2,
    )
    assert code == 0, text
    lines = status_lines(text)
    assert lines and all("3 nodes" in line for line in lines), text
    match = re.search(r"3 nodes ([\d.]+) W \(CPU ([\d.]+) \+ GPU ([\d.]+) W\)", lines[-1])
    assert match is not None, lines[-1]
    total, cpu, gpu = (float(value) for value in match.groups())
    assert total == pytest.approx(cpu + gpu, rel=0.02) and cpu > 0 and gpu > 0
    assert summary_lines(text)[0] == "geopm-bridge: report r.yaml"


def test_quiet_and_no_terminal_show_nothing(tmp_path: Path) -> None:
    """--quiet on a terminal, or a stderr that is a pipe: no status line, no summary."""
    code, text = launch_on_terminal(tmp_path, "--quiet", "--node-model", seconds=1.2)
    assert code == 0 and text == "", text
    piped = subprocess.run(
        [*require_cli(), "launch", "--node-model", "--", sys.executable, "app.py", "1.2"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert piped.returncode == 0 and piped.stderr == "", piped.stderr


def test_verbose_lists_tree_plugins_signals(tmp_path: Path) -> None:
    """--verbose (a pipe will do): each level's agent and fan-in, the plugins, the signals
    the agents pushed; once, from the root's process."""
    result = subprocess.run(
        [*require_cli(), "launch", "--verbose", "--node-model", "--geopm-simulate-nodes=4"]
        + ["--geopm-max-fan-out=2", "--geopm-agent=power_balancer", "--geopm-max-iterations=50"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        "geopm-bridge: tree: level 0 (leaves): agent power_balancer, fan-in 2",
        "geopm-bridge: tree: level 1: agent power_balancer, fan-in 2",
        "geopm-bridge: tree: level 2 (root): agent power_balancer",
    ], lines
    assert any(re.match(r"geopm-bridge: IOGroups of sim0000: .*NODE_MODEL", x) for x in lines)
    assert any(x.startswith("geopm-bridge: agents: ") and "power_balancer" in x for x in lines)
    signals = [x for x in lines if x.startswith("geopm-bridge: signals pushed by the agents")]
    assert len(signals) == 1 and "EPOCH_COUNT@package 0" in signals[0], lines


@pytest.mark.parametrize("local", [False, True], ids=["tree", "ctl-local"])
def test_launcher_job_summary_once(tmp_path: Path, local: bool) -> None:
    """Under mpirun: the launching process prints the summary, once; with
    --geopm-ctl-local, from the one report per host."""
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    options = ["--geopm-ctl-local"] if local else []
    code, text = launch_on_terminal(
        tmp_path,
        "mpirun",
        "-n",
        "1",
        "--geopm-preload",
        "--node-model",
        "--geopm-report=r.yaml",
        *options,
        seconds=1.2,
    )
    assert code == 0, text
    report = next(tmp_path.glob("r.yaml-*")) if local else tmp_path / "r.yaml"
    assert text.count(f"geopm-bridge: report {report.name}\n") == 1, text
    _, energy = totals(report)
    assert number(r"geopm-bridge: runtime .* energy ([\d.]+) J", text) == pytest.approx(
        energy, rel=5e-3, abs=1
    )


def test_mpi_ranks_only_the_root_speaks(tmp_path: Path) -> None:
    """mpirun -np 2 geopm-bridge launch --verbose: two nodes of one tree, one description."""
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    result = subprocess.run(
        ["mpirun", "-np", "2", *require_cli(), "launch", "--verbose", "--node-model"]
        + ["--geopm-report=r.yaml", "--", sys.executable, "app.py", "0.5"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert output.count("geopm-bridge: tree: level 1 (root): agent monitor") == 1, output
    assert output.count("signals pushed by the agents") == 1, output


def test_job_status_outside_a_job() -> None:
    """job_status() with no job running: an empty snapshot, not an error."""
    status = job_status()
    assert not status.is_running and status.periods >= 0
