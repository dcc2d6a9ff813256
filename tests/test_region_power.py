"""The node model follows the region hints of the application on its node
(NODE_MODEL::ACTIVITY: memory, network, I/O and inactive regions draw less
than compute regions at the same frequency), and the example agent
region_frequency, which caps the frequency by the hint, saves energy on it
against the monitor agent. Python programs marking regions with
geopm_bridge.profile, under ``geopm-bridge launch``; reports read with
GEOPM's own parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import geopm_bridge
import jobs
import pytest
from cpp_build import clean_env
from geopm_bridge.profile import RegionHint

# app.py SECONDS HINT...: one region per hint (named after it), SECONDS of
# busy work each, in turn, as one epoch; twice.
APP = r"""
import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

seconds = float(sys.argv[1])
regions = [profile.region(name.lower(), RegionHint[name]) for name in sys.argv[2:]]
for _ in range(2):
    profile.epoch()
    for region in regions:
        with region:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                pass
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("region_power") / "app.py"
    path.write_text(APP)
    return path


def run(tmp_path: Path, *options: str, command: tuple[str, ...]) -> None:
    options = ("--geopm-period=0.01", "--geopm-report=report.yaml", "--geopm-trace=trace", *options)
    result = jobs.launch(tmp_path, *command, options=options)
    assert result.returncode == 0, result.stderr


def read_trace(tmp_path: Path) -> list[dict[str, str]]:
    [path] = tmp_path.glob("trace-*")
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    names = lines[0].split("|")
    return [dict(zip(names, line.split("|"), strict=True)) for line in lines[1:]]


def regions(tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The report's regions by name; the application's and the unmarked
    totals as "app" and "unmarked"."""
    import geopmpy.io

    collection = geopmpy.io.RawReportCollection(
        [str(tmp_path / "report.yaml")], dir_name="", do_cache=False, verbose=False
    )
    result = {row["region"]: row for row in collection.get_df().to_dict("records")}
    [result["app"]] = collection.get_app_df().to_dict("records")
    [result["unmarked"]] = collection.get_unmarked_df().to_dict("records")
    return result


def test_the_activity_follows_the_hint_the_application_is_in(tmp_path: Path, app: Path) -> None:
    idle_power = 30.0
    hints = [hint.name for hint in RegionHint]
    run(
        tmp_path,
        f"--node-model=idle_power={idle_power}",
        "--geopm-trace-signals=NODE_MODEL::ACTIVITY@package",
        command=(sys.executable, str(app), "0.1", *hints),
    )
    rows = read_trace(tmp_path)
    # Each row's activity is that of the hint read in the same batch.
    activity: dict[RegionHint, set[float]] = {}
    idle_rows = []
    for row in rows:
        hint = RegionHint(int(row["REGION_HINT"], 16))
        activity.setdefault(hint, set()).add(float(row["NODE_MODEL::ACTIVITY-package-0"]))
        if hint == RegionHint.INACTIVE:
            idle_rows.append(row)
    assert set(activity) == set(RegionHint)
    assert all(len(values) == 1 for values in activity.values()), activity
    by_hint = {hint: values.pop() for hint, values in activity.items()}
    full = {"COMPUTE", "PARALLEL", "SERIAL", "UNSET", "UNKNOWN", "IGNORE"}
    assert {hint.name for hint, value in by_hint.items() if value == 1.0} == full
    h = RegionHint
    assert 1.0 > by_hint[h.SPIN] > by_hint[h.MEMORY] > by_hint[h.NETWORK] > by_hint[h.IO] > 0.0
    assert by_hint[h.INACTIVE] == 0.0
    # Inactive: every package at idle power.
    num_package = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_PACKAGE)
    assert {float(row["CPU_POWER"]) for row in idle_rows} == {idle_power * num_package}


def test_memory_regions_draw_less_than_compute_regions(tmp_path: Path, app: Path) -> None:
    run(tmp_path, "--node-model", command=(sys.executable, str(app), "0.2", "COMPUTE", "MEMORY"))
    found = regions(tmp_path)
    compute, memory = found["compute"], found["memory"]
    # The same frequency limits, and frequency: less power, less energy.
    assert memory["frequency (Hz)"] == pytest.approx(compute["frequency (Hz)"])
    assert memory["power (W)"] < 0.8 * compute["power (W)"]
    assert memory["package-energy (J)"] < compute["package-energy (J)"]
    # Still an exact integral: the regions' and the rest's energy is the whole.
    parts = [found[name]["package-energy (J)"] for name in ("compute", "memory", "unmarked")]
    assert sum(parts) == pytest.approx(found["app"]["package-energy (J)"])


def test_an_unprofiled_application_draws_what_it_did(tmp_path: Path) -> None:
    run(
        tmp_path,
        "--node-model=load=0.5",
        "--geopm-trace-signals=NODE_MODEL::ACTIVITY@package",
        command=("sleep", "0.1"),
    )
    rows = read_trace(tmp_path)
    assert {row["NODE_MODEL::ACTIVITY-package-0"] for row in rows} == {"1"}


def test_the_region_frequency_agent_saves_energy_in_memory_regions(
    tmp_path: Path, app: Path
) -> None:
    command = (sys.executable, str(app), "0.2", "COMPUTE", "MEMORY")
    found = {}
    for agent in ("monitor", "region_frequency"):
        work = tmp_path / agent
        work.mkdir()
        run(work, "--node-model", f"--geopm-agent={agent}", command=command)
        found[agent] = regions(work)
    monitor, agent = found["monitor"], found["region_frequency"]
    # The memory regions ran at a lower frequency and drew less power...
    assert agent["memory"]["frequency (Hz)"] < 0.8 * monitor["memory"]["frequency (Hz)"]
    assert agent["memory"]["power (W)"] < 0.8 * monitor["memory"]["power (W)"]
    # ...and the whole run drew less (the same busy work, about as long).
    assert agent["app"]["power (W)"] < 0.9 * monitor["app"]["power (W)"]
    report = (tmp_path / "region_frequency" / "report.yaml").read_text()
    assert "Periods at FREQ_LOW" in report


def test_the_region_frequency_agent_needs_its_signals(tmp_path: Path) -> None:
    result = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "launch", "--geopm-agent=region_frequency", "--", "true"],
        cwd=tmp_path,
        env=clean_env(GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # One error line (launch adds the agent's traceback below it).
    assert result.returncode != 0
    line = result.stderr.splitlines()[0]
    assert line.startswith("geopm-bridge: error: ")
    assert line.endswith("region_frequency needs CPU_FREQUENCY_MAX_CONTROL (try --node-model)")
