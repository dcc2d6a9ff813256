"""The built-in frequency_map agent (geopm_agent_frequency_map(7)), run under
``geopm-bridge launch`` on the node model with an instrumented program, and
its policy through ``geopm-bridge agent``."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import jobs
import pytest
import yaml
from cpp_build import clean_env
from geopm_bridge.profile import region_hash
from test_profile import APP, build_app, read_trace

BUSY = zlib.crc32(b"busy_loop")
UNMARKED = 0x725E8066
# The node model's range (CPU_FREQUENCY_MIN_AVAIL, CPU_FREQUENCY_MAX_AVAIL).
FREQ_MIN, FREQ_MAX = 1.0e9, 3.0e9


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app(tmp_path_factory.mktemp("frequency_map_app"), "app", APP)


def launch(work: Path, policy: dict[str, float], *app: str) -> subprocess.CompletedProcess[str]:
    (work / "policy.json").write_text(json.dumps(policy))
    return jobs.launch(
        work,
        *app,
        options=(
            "--node-model",
            "--geopm-agent=frequency_map",
            "--geopm-policy=policy.json",
            "--geopm-period=0.02",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--geopm-trace-signals=CPU_FREQUENCY_MAX_CONTROL,CPU_UNCORE_FREQUENCY_MIN_CONTROL,"
            "CPU_UNCORE_FREQUENCY_MAX_CONTROL",
        ),
    )


def test_regions_run_at_their_mapped_frequency(tmp_path: Path, app: Path) -> None:
    policy = {"FREQ_CPU_DEFAULT": 2.0e9, "FREQ_CPU_UNCORE": 1.8e9, "HASH_0": BUSY, "FREQ_0": 1.5e9}
    # Eight epochs: 0.125 s in busy_loop, then 0.125 s unmarked.
    result = launch(tmp_path, policy, str(app), "2.0", "8")
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Agent"] == "frequency_map"
    [host] = report["Hosts"].values()
    # report_host(): every region it set, at its frequency.
    assert host["Frequency map"] == {BUSY: 1.5e9, UNMARKED: 2.0e9}
    # report_region(): the frequency each region was given.
    [region] = host["Regions"]
    assert (region["region"], region["hash"]) == ("busy_loop", BUSY)
    assert float(region["frequency-map"]) == 1.5e9
    assert float(host["Unmarked Totals"]["frequency-map"]) == 2.0e9
    # The node model ran them so: each change lands within a period (0.02 s),
    # so up to a period of each 0.125 s region runs at the frequency before
    # (1.58 GHz on average in the region; the rows below check each period).
    assert region["frequency (Hz)"] == pytest.approx(1.5e9, rel=0.1)
    assert host["Unmarked Totals"]["frequency (Hz)"] == pytest.approx(2.0e9, rel=0.1)

    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    mapped = {BUSY: 1.5e9}

    def wanted(row: dict[str, str]) -> float:
        return mapped.get(int(row["REGION_HASH"], 16), 2.0e9)

    # The control a row shows was set from the hash of that row or the one
    # before it (one control period of lag).
    for before, row in zip(rows, rows[1:], strict=False):
        assert float(row["CPU_FREQUENCY_MAX_CONTROL"]) in {wanted(before), wanted(row)}, row
    seen = {float(row["CPU_FREQUENCY_MAX_CONTROL"]) for row in rows}
    assert {1.5e9, 2.0e9} <= seen
    in_region = [row for row in rows if int(row["REGION_HASH"], 16) == BUSY]
    assert sum(float(row["CPU_FREQUENCY_STATUS"]) == 1.5e9 for row in in_region) >= (
        len(in_region) * 3 // 4
    )
    # The uncore is pinned at FREQ_CPU_UNCORE from the first period on.
    for row in rows[1:]:
        assert float(row["CPU_UNCORE_FREQUENCY_MIN_CONTROL"]) == 1.8e9
        assert float(row["CPU_UNCORE_FREQUENCY_MAX_CONTROL"]) == 1.8e9


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {"FREQ_CPU_DEFAULT": 2.0e9, "HASH_0": BUSY, "FREQ_0": 3.5e9},
            "FREQ_0 3500000000 Hz is outside the range [1000000000, 3000000000] Hz",
        ),
        (
            {"FREQ_CPU_DEFAULT": 4.0e9},
            "FREQ_CPU_DEFAULT 4000000000 Hz is outside the range [1000000000, 3000000000] Hz",
        ),
        ({"FREQ_CPU_UNCORE": 2.0e9}, "FREQ_CPU_DEFAULT is required"),
        (
            {"FREQ_CPU_DEFAULT": 2.0e9, "FREQ_GPU_DEFAULT": 1.0e9},
            "FREQ_GPU_DEFAULT is 1000000000 Hz but the platform has no GPU frequency control",
        ),
        (
            {
                "FREQ_CPU_DEFAULT": 2.0e9,
                "HASH_3": BUSY,
                "FREQ_3": 1.5e9,
                "HASH_7": BUSY,
                "FREQ_7": 2e9,
            },
            f"region 0x{BUSY:08x} is mapped twice, by HASH_3 and HASH_7",
        ),
        ({"FREQ_CPU_DEFAULT": 2.0e9, "HASH_2": BUSY}, "HASH_2 maps region"),
        ({"FREQ_CPU_DEFAULT": 2.0e9, "FREQ_4": 2e9}, "FREQ_4 is 2000000000 Hz but HASH_4"),
    ],
)
def test_a_bad_policy_is_refused_at_launch(
    tmp_path: Path, app: Path, policy: dict[str, float], message: str
) -> None:
    # The controller validates the policy in its first control period, so
    # the job must outlive one (`true` may end before it).
    result = launch(tmp_path, policy, str(app), "0.5", "2")
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert "FrequencyMapAgent::validate_policy(): " + message in line


def test_agent_lists_its_policy_names() -> None:
    assert "frequency_map" in jobs.agent_command().split()
    lines = jobs.agent_command("frequency_map").splitlines()
    pairs = [f"HASH_{index},FREQ_{index}" for index in range(31)]
    assert lines == [
        "Policy: FREQ_CPU_DEFAULT,FREQ_CPU_UNCORE,FREQ_GPU_DEFAULT," + ",".join(pairs),
        "Sample: (none)",
    ]


def test_agent_writes_a_policy_with_region_names_or_hashes(tmp_path: Path) -> None:
    output = tmp_path / "policy.json"
    # As geopmagent takes it: a region name or a 0x hash in a HASH_<i> slot.
    jobs.agent_command(
        "-a",
        "frequency_map",
        "-p",
        "2e9,nan,nan,busy_loop,1.5e9,0xfd421de1,2.5e9",
        "-o",
        str(output),
    )
    assert json.loads(output.read_text()) == {
        "FREQ_CPU_DEFAULT": 2.0e9,
        "FREQ_CPU_UNCORE": "NAN",
        "FREQ_GPU_DEFAULT": "NAN",
        "HASH_0": BUSY,
        "FREQ_0": 1.5e9,
        "HASH_1": 0xFD421DE1,
        "FREQ_1": 2.5e9,
    }
    # Only a HASH_<i> slot takes a name.
    result = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "agent", "-a", "frequency_map", "-p", "busy_loop"],
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "policy value 'busy_loop' for FREQ_CPU_DEFAULT is not a number" in result.stderr


def test_the_model_application_runs_its_mapped_region_slower(tmp_path: Path) -> None:
    # geopm-bridge bench on the node model: stream (memory-bound) mapped to
    # 1.5 GHz, dgemm at the 3 GHz default; stream's time follows the lower
    # frequency, and its power falls.
    stream, dgemm = region_hash("stream"), region_hash("dgemm")
    config = {"loop-count": 4, "region": ["dgemm", "stream"], "big-o": [0.3, 0.2]}
    bench = (sys.executable, "-m", "geopm_bridge.cli", "bench", "bench.json")
    runs = {}
    for name, policy in (
        ("mapped", {"FREQ_CPU_DEFAULT": FREQ_MAX, "HASH_0": stream, "FREQ_0": 1.5e9}),
        ("default", {"FREQ_CPU_DEFAULT": FREQ_MAX}),
    ):
        work = tmp_path / name
        work.mkdir()
        (work / "bench.json").write_text(json.dumps(config))
        result = launch(work, policy, *bench)
        assert result.returncode == 0, result.stderr
        [host] = yaml.safe_load((work / "report.yaml").read_text())["Hosts"].values()
        runs[name] = {region["region"]: region for region in host["Regions"]}
        rows = read_trace(next(work.glob("trace-*")))
        # Every period wholly inside a region ran at its frequency (the
        # first period after an entry may still show the one before).
        frequency = {stream: 1.5e9 if name == "mapped" else FREQ_MAX, dgemm: FREQ_MAX}
        for before, row in zip(rows, rows[1:], strict=False):
            hash_now, hash_before = int(row["REGION_HASH"], 16), int(before["REGION_HASH"], 16)
            if hash_now == hash_before and hash_now in frequency:
                assert float(row["CPU_FREQUENCY_STATUS"]) == frequency[hash_now], row
    mapped, default = runs["mapped"], runs["default"]
    assert mapped["stream"]["frequency (Hz)"] == pytest.approx(1.5e9, rel=0.1)
    # A region's first period may still show the one before's frequency.
    assert mapped["dgemm"]["frequency (Hz)"] == pytest.approx(FREQ_MAX, rel=0.1)
    # docs/bench.md: stream at 1.5 GHz against 3 GHz is 1.15x as long.
    ratio = mapped["stream"]["runtime (s)"] / default["stream"]["runtime (s)"]
    assert 1.08 < ratio < 1.25
    assert mapped["dgemm"]["runtime (s)"] == pytest.approx(default["dgemm"]["runtime (s)"], rel=0.1)
    assert mapped["stream"]["power (W)"] < 0.6 * default["stream"]["power (W)"]
