"""GEOPM 3.1's own plugins, compiled unchanged from its source tree
(GEOPM_SOURCE_DIR; skipped without it) with the README's g++ line, loaded and
run under ``geopm-bridge launch``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopm_bridge
import jobs
import yaml

TUTORIAL = "integration/tutorial"


def build_plugin(source: Path, work: Path, file: str, name: str) -> None:
    """One of GEOPM's plugin sources, as it is, as the README builds a plugin."""
    path = source / TUTORIAL / file
    subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-shared",
            "-fPIC",
            f"-I{geopm_bridge.get_include()}",
            f"-I{path.parent}",
            str(path),
            f"-L{geopm_bridge.get_library_dir()}",
            "-lgeopmd",
            "-lgeopm",
            "-o",
            str(work / name),
        ],
        check=True,
        capture_output=True,
    )


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
    env = {**jobs.clean_env(), "GEOPM_PLUGIN_PATH": str(tmp_path)}
    listing = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "read"], env=env, capture_output=True, text=True, check=True
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
