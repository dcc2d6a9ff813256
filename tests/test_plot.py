"""``geopm-bridge plot``: a real job on four simulated nodes (the node model,
power_governor under a budget, a Python application marking regions) writes
its traces; the command draws them into a PNG of the requested size, and
refuses bad input in one line with exit status 2. The trace reader
(geopm_bridge.trace) is checked on the same files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jobs
import numpy as np
import pytest
from geopm_bridge.trace import REGION_HASH_UNMARKED, Trace, read_trace, region_names

NODES = 4
BUDGET = 100.0

APP = r"""
import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

seconds = float(sys.argv[1])
regions = [profile.region(name.lower(), RegionHint[name]) for name in ("COMPUTE", "MEMORY")]
for _ in range(3):
    profile.epoch()
    for region in regions:
        with region:
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                pass
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished job's directory: report.yaml and trace-sim000{0..3}."""
    work = tmp_path_factory.mktemp("plot")
    (work / "app.py").write_text(APP)
    (work / "policy.json").write_text(f'{{"CPU_POWER_LIMIT": {BUDGET}}}')
    result = jobs.launch(
        work,
        sys.executable,
        "app.py",
        "0.1",
        options=(
            "--node-model",
            f"--geopm-simulate-nodes={NODES}",
            "--geopm-agent=power_governor",
            "--geopm-policy=policy.json",
            "--geopm-period=0.02",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
        ),
    )
    assert result.returncode == 0, result.stderr
    return work


def traces(run: Path) -> list[str]:
    found = sorted(str(path) for path in run.glob("trace-sim*"))
    assert len(found) == NODES
    return found


def plot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*jobs.GEOPM_BRIDGE, "plot", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_trace_reader_reads_every_column(run: Path) -> None:
    trace = read_trace(traces(run)[0])
    assert trace.host == "sim0000"
    assert trace.header["agent"] == "power_governor"
    assert trace.num_rows > 10
    assert np.all(np.diff(trace.time) > 0)
    hashes = trace.region_hash()
    assert hashes is not None
    names = region_names([run / "report.yaml"])
    assert {names[int(value)] for value in hashes} == {"unmarked", "compute", "memory"}
    assert names[REGION_HASH_UNMARKED] == "unmarked"
    limit = trace.power_limit()
    assert limit is not None and limit[0] == "POWER_BUDGET"
    assert set(limit[1]) == {BUDGET}
    frequency = trace.frequency()
    assert frequency is not None and np.all(frequency > 1e8)


def test_power_is_derived_from_the_energy_when_not_traced(run: Path) -> None:
    trace = read_trace(traces(run)[0])
    measured = trace.power()
    assert measured is not None
    without = Trace(
        trace.path,
        trace.header,
        {name: values for name, values in trace.columns.items() if name != "CPU_POWER"},
    )
    derived = without.power()
    assert derived is not None and np.isnan(derived[0])
    # The model's power is constant within a region: the two agree but
    # around a change, where the energy's rate averages over the period.
    close = np.isclose(derived[1:], measured[1:], rtol=0.02)
    assert close.mean() > 0.6, (derived, measured)


def test_plot_writes_a_png_of_the_requested_size(run: Path) -> None:
    matplotlib_image = pytest.importorskip("matplotlib.image")
    output = run / "run.png"
    result = plot(
        run, *traces(run), "--report", "report.yaml", "-o", str(output), "--size", "1200x900"
    )
    assert result.returncode == 0, result.stderr
    data = output.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    pixels = matplotlib_image.imread(str(output))
    assert pixels.shape[:2] == (900, 1200)
    # The plot area (inside the margins) is not one colour.
    inner = pixels[100:-100, 100:-250, :3]
    assert inner.var() > 0.001
    # A power panel, a frequency panel and a region panel: many colours.
    assert len(np.unique(inner.reshape(-1, 3), axis=0)) > 20


def test_a_trace_of_the_energy_alone_plots_its_power(run: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    # Only the time and the energy: the power panel from the energy's rate.
    source = read_trace(traces(run)[1])
    energy = source.columns["CPU_ENERGY"]
    rows = [f"{float(t)!r}|{float(e)!r}\n" for t, e in zip(source.time, energy, strict=True)]
    text = "# node_name: lonely\nTIME|CPU_ENERGY\n" + "".join(rows)
    (tmp_path / "trace-lonely").write_text(text)
    result = plot(tmp_path, "trace-lonely", "-o", "out.png")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-trace", "-o", "x.png"], "missing-trace: no such file"),
        (["not-a-trace", "-o", "x.png"], "not-a-trace: not a trace (no TIME column"),
        (["no-columns", "-o", "x.png"], "no-columns: no column to plot"),
        (["bad-row", "-o", "x.png"], "bad-row: not a trace (row 1 has no TIME)"),
        (["no-columns"], "no output file given: add -o FILE.png"),
        (["-o", "x.png"], "no trace file given"),
        (["TRACE", "-o", "x.png", "--size", "big"], "--size 'big': give WIDTHxHEIGHT"),
        (["TRACE", "-o", "x.png", "--report", "not-a-trace"], "not-a-trace: not a report"),
        (["profile", "-o", "x.png"], "profile: a profile trace (--geopm-trace-profile)"),
        (["TRACE", "-o", "nowhere/x.png"], "nowhere/x.png: no such directory"),
        (["TRACE", "-o", "x.bmpx"], "x.bmpx: unknown image format 'bmpx'"),
    ],
    ids=[
        "missing",
        "not-a-trace",
        "no-columns",
        "bad-row",
        "no-output",
        "no-trace",
        "size",
        "report",
        "profile",
        "no-directory",
        "format",
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "not-a-trace").write_text("hello: world\n")
    (tmp_path / "no-columns").write_text("# node_name: x\nTIME|EPOCH_COUNT\n0.1|0\n0.2|1\n")
    (tmp_path / "bad-row").write_text("TIME|CPU_POWER\nabc|3\n0.2|3\n")
    (tmp_path / "profile").write_text("TIME|PROCESS|EVENT|SIGNAL\n0.1|42|REGION_ENTRY|0x1\n")
    if "x.bmpx" in args:
        pytest.importorskip("matplotlib")  # which formats it writes
    args = [traces(run)[0] if arg == "TRACE" else arg for arg in args]
    result = plot(tmp_path, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("geopm-bridge: error: ")
    assert message in result.stderr
    assert not list(tmp_path.glob("x.*"))


def test_without_matplotlib_it_says_what_to_install(run: Path, tmp_path: Path) -> None:
    # A None entry in sys.modules makes `import matplotlib` fail as if absent.
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "from geopm_bridge.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "plot", *traces(run), "-o", "x.png"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "pip install 'geopm-bridge[plot]'" in result.stderr
    assert not (tmp_path / "x.png").exists()
