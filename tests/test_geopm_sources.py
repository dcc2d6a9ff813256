"""GEOPM 3.1's own plugins, compiled unchanged from its source tree
(GEOPM_SOURCE_DIR; skipped without it) with the README's g++ line, loaded and
run under ``geopm-bridge launch``.

GEOPM's built-in agents (libgeopm/src/<Name>Agent.cpp) are built the same way,
one source each with GEOPM's private headers beside it on the include path
after ours. GEOPM registers those agents in its own AgentFactory constructor,
not from the agent's source, so each is compiled together with
tests/plugins/geopm_agent_registration.cpp, our file that makes that one
register_plugin() call when the plugin loads."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopm_bridge
import jobs
import pytest
import yaml
from cpp_build import PLUGINS, clean_env

TUTORIAL = "integration/tutorial"
AGENTS = "libgeopm/src"


def compile_plugin(sources: list[Path], include: Path, output: Path, *flags: str) -> None:
    """GEOPM's plugin sources, as they are, built as the README builds a plugin
    (include: the sources' own header directory, after ours)."""
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-shared",
            "-fPIC",
            f"-I{geopm_bridge.get_include()}",
            f"-I{include}",
            *flags,
            *(str(path) for path in sources),
            f"-L{geopm_bridge.get_library_dir()}",
            "-lgeopmd",
            "-lgeopm",
            "-o",
            str(output),
        ],
        check=True,
        capture_output=True,
    )


def build_plugin(source: Path, work: Path, file: str, name: str) -> None:
    """One of GEOPM's tutorial plugins."""
    path = source / TUTORIAL / file
    compile_plugin([path], path.parent, work / name)


def test_geopms_tutorial_agent_runs_unchanged(tmp_path: Path, geopm_source: Path) -> None:
    build_plugin(geopm_source, tmp_path, "agent/ExampleAgent.cpp", "libgeopmagent_example.so.2.1.0")
    result = jobs.launch(
        tmp_path,
        "sleep",
        "0.5",
        options=(
            "--node-model",
            f"--geopm-plugin-path={tmp_path}",
            "--geopm-agent=example",
            "--geopm-period=0.05",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
        ),
    )
    assert result.returncode == 0, result.stderr
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    # Its report_host(): the idle share it saw, a fraction.
    assert 0.0 <= host["Lowest idle %"] <= host["Highest idle %"] <= 1.0
    [trace] = tmp_path.glob("trace-*")
    header = [line for line in trace.read_text().splitlines() if not line.startswith("#")][0]
    assert header.split("|")[-7:] == [
        "user_percent",
        "system_percent",
        "idle_percent",
        "user",
        "system",
        "idle",
        "nice",
    ]


def test_geopms_tutorial_iogroups_load_unchanged(tmp_path: Path, geopm_source: Path) -> None:
    build_plugin(
        geopm_source,
        tmp_path,
        "plugin_load/alice/AliceIOGroup.cpp",
        "libgeopmiogroup_alice.so.2.1.0",
    )
    build_plugin(
        geopm_source, tmp_path, "iogroup/ExampleIOGroup.cpp", "libgeopmiogroup_example.so.2.1.0"
    )
    env = {**clean_env(), "GEOPM_PLUGIN_PATH": str(tmp_path)}
    listing = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "read", "--table"], env=env, capture_output=True, text=True, check=True
    )
    assert "Alice's foo signal" in listing.stdout
    assert "EXAMPLE::USER_TIME" in listing.stdout
    # Alice's read_signal() is a stub that gives NaN; the example's times
    # come from /proc/stat.
    foo = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "read", "FOO", "board", "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert foo.stdout.strip() == "nan"
    user = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "read", "EXAMPLE::USER_TIME", "board", "0"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(user.stdout) > 0


def build_geopm_agent(source: Path, work: Path, agent_class: str, name: str) -> None:
    """GEOPM's own agent agent_class, its source as it is, as the plugin
    libgeopmagent_<name>.so.2.1.0 with our registration file beside it."""
    sources = source / AGENTS
    compile_plugin(
        [sources / f"{agent_class}.cpp", PLUGINS / "geopm_agent_registration.cpp"],
        sources,
        work / f"libgeopmagent_{name}.so.2.1.0",
        f'-DGEOPM_AGENT_HEADER="{agent_class}.hpp"',
        f"-DGEOPM_AGENT_CLASS={agent_class}",
    )


@pytest.mark.parametrize(
    ("agent_class", "name"),
    [
        ("MonitorAgent", "monitor"),
        ("PowerBalancerAgent", "power_balancer"),
        ("PowerGovernorAgent", "power_governor"),
        ("FrequencyMapAgent", "frequency_map"),
    ],
)
def test_geopms_agents_that_are_our_builtins_are_refused(
    tmp_path: Path, geopm_source: Path, agent_class: str, name: str
) -> None:
    # Our runtime has its own monitor, power_balancer, power_governor and
    # frequency_map, under GEOPM's names and class names: the plugin's
    # registration is refused with a warning naming it, as any plugin that
    # fails to load, and our agent of that name runs.  (The behaviour of
    # power_balancer and frequency_map, which GEOPM's sources used to show
    # here, is tested on ours in tests/test_power_balancer.py and
    # tests/test_frequency_map.py.)
    build_geopm_agent(geopm_source, tmp_path, agent_class, name)
    result = jobs.launch(
        tmp_path,
        "true",
        options=(
            "--node-model",
            f"--geopm-plugin-path={tmp_path}",
            f"--geopm-agent={name}",
            "--geopm-report=report.yaml",
        ),
    )
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()
    assert warning.startswith(f'geopm-bridge: warning: plugin "{tmp_path}/libgeopmagent_{name}')
    assert f'name "{name}" is already registered' in warning
    assert f"Agent: {name}" in (tmp_path / "report.yaml").read_text()


def test_geopms_gpu_activity_agent_runs_on_simulated_gpus(
    tmp_path: Path, geopm_source: Path
) -> None:
    """GEOPM's gpu_activity, unchanged, on the node model's GPUs: it asks for
    the efficient clock (the middle of the range, no CONST_CONFIG here) plus
    the range above it times GPU_CORE_ACTIVITY / GPU_UTILIZATION, and the
    simulated GPUs run there and draw the model's power."""
    build_geopm_agent(geopm_source, tmp_path, "GPUActivityAgent", "gpu_activity")
    low, high, idle, tdp, load, activity = 345e6, 1980e6, 80.0, 700.0, 0.8, 0.5
    result = jobs.launch(
        tmp_path,
        "sleep",
        "0.5",
        options=(
            f"--node-model=gpus=2,gpu_load={load},gpu_activity={activity}",
            f"--geopm-plugin-path={tmp_path}",
            "--geopm-agent=gpu_activity",
            "--geopm-period=0.05",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--geopm-trace-signals=GPU_CORE_FREQUENCY_STATUS@gpu,GPU_POWER@gpu",
        ),
    )
    assert result.returncode == 0, result.stderr
    efficient = (low + high) / 2
    clock = efficient + (high - efficient) * (load * activity) / load
    power = idle + load * activity * (tdp - idle) * (clock / high) ** 3
    [trace] = tmp_path.glob("trace-*")
    rows = [line.split("|") for line in trace.read_text().splitlines() if line[:1] != "#"]
    header, last = rows[0], rows[-1]
    for gpu in range(2):
        assert float(last[header.index(f"GPU_CORE_FREQUENCY_STATUS-gpu-{gpu}")]) == (
            pytest.approx(clock)
        )
        assert float(last[header.index(f"GPU_POWER-gpu-{gpu}")]) == pytest.approx(power)
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    assert host["Application Totals"]["gpu-power (W)"] < 2 * tdp * load
