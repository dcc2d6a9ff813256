"""``geopm-bridge bench``: geopmbench's configuration, its regions under
``launch``, and their durations on the node model, which follow the
simulated frequency (docs/bench.md). Reports read with GEOPM's parser or
as YAML; every job runs a few seconds at most."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopm_bridge
import jobs
import pytest
from cpp_build import clean_env
from geopm_bridge import profile
from geopm_bridge.bench import config as bench_config
from geopm_bridge.bench import model as bench_model
from geopm_bridge.bench.regions import MEMORY_FRACTION, speed

BENCH = [sys.executable, "-m", "geopm_bridge.cli", "bench"]


def write_config(tmp_path: Path, content: dict[str, Any] | str, name: str = "bench.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def hosts(tmp_path: Path, report: str = "report.yaml") -> dict[str, Any]:
    import yaml

    result: dict[str, Any] = yaml.safe_load((tmp_path / report).read_text())["Hosts"]
    return result


def regions_of(host: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {region["region"]: region for region in host["Regions"]}


def bench_job(
    tmp_path: Path, config: Path, *options: str, report: str = "report.yaml"
) -> subprocess.CompletedProcess[str]:
    result = jobs.launch(
        tmp_path,
        *BENCH,
        str(config),
        options=("--geopm-period=0.01", f"--geopm-report={report}", *options),
    )
    assert result.returncode == 0, result.stderr
    return result


# ------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read the file"),
        ('{"loop-count": 2, ', "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ({"loop-count": 1, "regions": ["sleep"]}, 'unknown key "regions"'),
        ({"region": ["sleep", "warp"], "big-o": [1, 1]}, '"region"[1] is "warp"'),
        ({"region": ["sleep", "spin"], "big-o": [1]}, '"region" has 2 entries, "big-o" has 1'),
        ({"hostname": ["a", "b"], "imbalance": [0.1]}, '"hostname" has 2 entries'),
        ({"region": ["sleep"], "big-o": [-0.5]}, '"big-o"[0] is -0.5'),
        ({"region": ["sleep"], "big-o": ["1"]}, '"big-o"[0] must be a number'),
        ({"hostname": ["a"], "imbalance": [-1]}, '"imbalance"[0] is -1.0'),
        ({"loop-count": 2.5}, '"loop-count" must be an integer'),
        ({"loop-count": -1}, '"loop-count" is -1'),
        ({"region": "sleep", "big-o": [1]}, '"region" must be an array'),
    ],
    ids=[
        "missing-file",
        "bad-json",
        "not-object",
        "unknown-key",
        "unknown-kind",
        "region-big-o-lengths",
        "hostname-imbalance-lengths",
        "negative-big-o",
        "big-o-type",
        "negative-imbalance",
        "fractional-loop-count",
        "negative-loop-count",
        "region-not-array",
    ],
)
def test_a_bad_configuration_is_one_line_naming_key_and_file_exit_2(
    tmp_path: Path, content: dict[str, Any] | str | None, expected: str
) -> None:
    path = tmp_path / "bench.json" if content is None else write_config(tmp_path, content)
    result = subprocess.run(
        [*BENCH, str(path)], capture_output=True, text=True, env=clean_env(), timeout=60
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"geopm-bridge: error: bench config {path}: "), line
    assert expected in line


def test_the_configuration_reads_as_geopmbench_reads_it(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        {
            "loop-count": 4.0,
            "region": [
                "dgemm-imbalance",
                "stream-progress",
                "sleep-unmarked-progress",
                "timed_scaling",
            ],
            "big-o": [1, 0.5, 2, 0],
            "hostname": ["host-a", "sim0001", "host-a"],
            "imbalance": [0.1, 0.2, 0.3],
        },
    )
    config = bench_config.load_config(str(path))
    assert config.loop_count == 4
    dgemm, stream, sleep, timed = config.regions
    assert (dgemm.kind, dgemm.do_imbalance, dgemm.do_progress) == ("dgemm", True, False)
    assert (stream.kind, stream.do_progress, stream.big_o) == ("stream", True, 0.5)
    # -unmarked turns progress off, as in geopmbench.
    assert (sleep.kind, sleep.do_unmarked, sleep.do_progress) == ("sleep", True, False)
    assert timed.kind == "timed_scaling"
    # The node's name wins over the host's; among equals the last.
    assert config.imbalance_for("sim0001", "host-a") == 0.2
    assert config.imbalance_for("sim0000", "host-a") == 0.3
    assert config.imbalance_for(None, "host-b") == 0.0
    default = bench_config.default_config()
    assert default.loop_count == 10
    assert [spec.name for spec in default.regions] == [
        "sleep",
        "stream",
        "dgemm",
        "stream",
        "all2all",
    ]
    assert {spec.big_o for spec in default.regions} == {1.0}


def test_the_speed_table() -> None:
    ref = 2.0e9
    assert speed("compute", 3.0e9, ref) == pytest.approx(1.5)
    assert speed("compute", 1.0e9, ref) == pytest.approx(0.5)
    m = MEMORY_FRACTION
    assert speed("memory", 1.0e9, ref) == pytest.approx(1 / (m + (1 - m) * 2))
    assert speed("memory", ref, ref) == pytest.approx(1.0)
    assert 0.5 < speed("memory", 1.0e9, ref) < 1.0
    assert speed("fixed", 1.0e9, ref) == 1.0


def test_a_bench_told_the_model_is_on_fails_without_its_segment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bench_model, "WAIT_SECONDS", 0.05)
    env = {"GEOPM_BRIDGE_PROFILE_KEY": f"{os.getpid()}.no-such-node"}
    # Not on: real hardware.
    assert bench_model.find_node_model(env) is None
    with pytest.raises(RuntimeError, match="segment did not appear"):
        bench_model.find_node_model({**env, "GEOPM_BRIDGE_NODE_MODEL": "1"})
    # Without a controller: real hardware, whatever the variable says.
    assert bench_model.find_node_model({"GEOPM_BRIDGE_NODE_MODEL": "1"}) is None


# ------------------------------------------------------------ the node model

SEGMENT_APP = r"""
import json, os, stat
from geopm_bridge.bench.model import find_node_model
view = find_node_model(os.environ)
info = os.stat(view.path)
print(json.dumps({"path": view.path, "mode": stat.S_IMODE(info.st_mode),
                  "sticker": view.freq_sticker, "max": view.freq_max, "min": view.freq_min,
                  "frequency": view.frequency(), "packages": view.packages,
                  "num_package": view.num_package}))
"""


def test_the_node_model_publishes_its_frequency_to_the_application(tmp_path: Path) -> None:
    app = tmp_path / "segment_app.py"
    app.write_text(SEGMENT_APP)
    result = jobs.launch(
        tmp_path,
        sys.executable,
        str(app),
        options=("--node-model=freq_min=1e9,freq_sticker=2e9,freq_max=2.5e9",),
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    num_package = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_PACKAGE)
    assert facts["num_package"] == num_package
    assert (facts["min"], facts["sticker"], facts["max"]) == (1e9, 2e9, 2.5e9)
    # The monitor sets no limit: the package runs at its highest frequency.
    assert facts["frequency"] == 2.5e9
    assert facts["mode"] == 0o600
    assert facts["packages"] and set(facts["packages"]) <= set(range(num_package))
    # Named by the application's key, and gone with the controller.
    assert facts["path"].endswith("-model")
    assert not Path(facts["path"]).exists()


def test_imbalance_on_simulated_nodes(tmp_path: Path) -> None:
    loops = 3
    config = write_config(
        tmp_path,
        {
            "loop-count": loops,
            "region": ["dgemm-imbalance", "stream", "sleep-progress"],
            "big-o": [0.1, 0.05, 0.05],
            "hostname": ["sim0001"],
            "imbalance": [0.5],
        },
    )
    result = bench_job(tmp_path, config, "--node-model", "--geopm-simulate-nodes=2")
    assert result.stdout.count("Beginning loop of 3 iterations (node model).") == 2
    found = hosts(tmp_path)
    assert sorted(found) == ["sim0000", "sim0001"]
    for host in found.values():
        regions = regions_of(host)
        for name in ("dgemm", "stream", "sleep"):
            assert regions[name]["count"] == loops, (name, regions[name])
        assert regions["model-init"]["count"] == 1
        assert host["Epoch Totals"]["count"] == loops
        # The report's hashes are those geopm_bridge.profile.region_hash() gives.
        for name, region in regions.items():
            assert region["hash"] == profile.region_hash(name), name
    balanced, imbalanced = (regions_of(found[name]) for name in ("sim0000", "sim0001"))
    # 50% more on sim0001's dgemm only.
    ratio = imbalanced["dgemm"]["runtime (s)"] / balanced["dgemm"]["runtime (s)"]
    assert 1.3 < ratio < 1.8
    for name in ("stream", "sleep"):
        assert imbalanced[name]["runtime (s)"] == pytest.approx(
            balanced[name]["runtime (s)"], rel=0.2
        )


def test_simulated_nodes_wait_for_the_slowest_in_network_regions(tmp_path: Path) -> None:
    # As MPI ranks would: the balanced node waits in MPI_Barrier (NETWORK)
    # for the imbalanced one each loop, so both take the same epoch time.
    loops = 3
    config = write_config(
        tmp_path,
        {
            "loop-count": loops,
            "region": ["dgemm-imbalance", "barrier"],
            "big-o": [0.2, 1],
            "hostname": ["sim0002"],
            "imbalance": [1.0],
        },
    )
    bench_job(tmp_path, config, "--node-model", "--geopm-simulate-nodes=3")
    found = hosts(tmp_path)
    slow = regions_of(found["sim0002"])
    dgemm_gap = slow["dgemm"]["runtime (s)"] / 2  # twice the balanced nodes' dgemm
    for name in ("sim0000", "sim0001"):
        regions = regions_of(found[name])
        # Each loop's barrier and the final one (MPI_Finalize's wait).
        assert regions["MPI_Barrier"]["count"] == loops + 1
        assert regions["MPI_Barrier"]["runtime (s)"] == pytest.approx(dgemm_gap, rel=0.25)
        assert regions["MPI_Barrier"]["time-hint-network (s)"] > 0
        # Without the wait the epochs would differ by the whole dgemm gap;
        # a third of it leaves room for the nodes' start skew on a busy machine.
        assert found[name]["Epoch Totals"]["runtime (s)"] == pytest.approx(
            found["sim0002"]["Epoch Totals"]["runtime (s)"], abs=dgemm_gap / 3
        )
    assert slow["MPI_Barrier"]["runtime (s)"] < dgemm_gap / 5
    # The last bench to finish removed the meeting file.
    assert not list(Path("/dev/shm").glob(f"geopm-bridge-{os.getuid()}-*-cluster"))


def region_runtime(tmp_path: Path, config: Path, name: str, *options: str, report: str) -> float:
    bench_job(tmp_path, config, "--node-model", *options, report=report)
    [host] = hosts(tmp_path, report).values()
    runtime: float = regions_of(host)[name]["runtime (s)"]
    return runtime


@pytest.mark.parametrize(("kind", "low", "high"), [("dgemm", 1.3, 2.5), ("sleep", 0.9, 1.1)])
def test_a_low_power_limit_slows_dgemm_not_sleep(
    tmp_path: Path, kind: str, low: float, high: float
) -> None:
    config = write_config(tmp_path, {"loop-count": 3, "region": [kind], "big-o": [0.1]})
    num_package = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_PACKAGE)
    # The model's lowest limit (tdp/3 a package): about 1.8 GHz against 3 GHz.
    policy = write_config(tmp_path, {"CPU_POWER_LIMIT": 50.0 * num_package}, "policy.json")
    monitor = region_runtime(tmp_path, config, kind, report="monitor.yaml")
    governed = region_runtime(
        tmp_path,
        config,
        kind,
        "--geopm-agent=power_governor",
        f"--geopm-policy={policy}",
        report="governor.yaml",
    )
    # dgemm's work follows f: expected 3 GHz / 1.78 GHz = 1.69.
    assert low < governed / monitor < high, (monitor, governed)


# ------------------------------------------------------------ real hardware


def test_real_dgemm_and_stream_under_launch(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "loop-count": 2,
            "region": ["dgemm-progress", "stream", "spin", "scaling-unmarked"],
            "big-o": [0.001, 0.002, 0.01, 0.01],
        },
    )
    result = bench_job(tmp_path, config)
    assert "Beginning loop of 2 iterations (real hardware)." in result.stdout
    [host] = hosts(tmp_path).values()
    regions = regions_of(host)
    for name in ("dgemm", "stream", "spin"):
        assert regions[name]["count"] == 2
    assert "scaling" not in regions
    assert regions["spin"]["runtime (s)"] == pytest.approx(0.02, abs=0.01)
    assert host["Epoch Totals"]["count"] == 2


def test_without_config_the_bench_runs_geopmbenchs_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # 10 loops of sleep, stream, dgemm, stream, all2all at big-o 1 take
    # about 46 s on the node model: the command's choice is checked, not run.
    import geopm_bridge.bench
    from geopm_bridge.cli import bench as bench_cli

    given: list[bench_config.BenchConfig] = []
    monkeypatch.setattr(
        geopm_bridge.bench, "run", lambda config, verbose=False: given.append(config) or 0
    )
    assert bench_cli.main([]) == 0
    assert given == [bench_config.default_config()]


# ------------------------------------------------------------ MPI


def test_four_mpi_ranks_under_launch(tmp_path: Path) -> None:
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    pytest.importorskip("mpi4py")
    loops = 3
    config = write_config(
        tmp_path,
        {
            "loop-count": loops,
            "region": ["barrier", "reduce", "all2all", "dgemm"],
            "big-o": [1, 0.0001, 0.02, 0.001],
        },
    )
    env = clean_env(
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    result = jobs.launch(
        tmp_path,
        "mpirun",
        "-n",
        "4",
        "--oversubscribe",
        *BENCH,
        str(config),
        options=("--geopm-report=report.yaml", "--geopm-trace-profile=profile"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    # Rank 0 speaks.
    assert result.stdout.count("Completed loop.") == 1
    [host] = hosts(tmp_path).values()
    regions = regions_of(host)
    # all2all's barrier beside the barrier region, as GEOPM's PMPI layer shows it.
    assert regions["MPI_Barrier"]["count"] == 2 * loops
    assert regions["MPI_Allreduce"]["count"] == loops
    assert regions["all2all"]["count"] == loops
    assert regions["dgemm"]["count"] == loops
    # Each of the four ranks ran its loops: its epochs in the profile trace.
    [trace] = tmp_path.glob("profile-*")
    epochs: dict[str, int] = {}
    for line in trace.read_text().splitlines():
        fields = line.split("|")
        if not line.startswith("#") and len(fields) == 4 and fields[2] == "EPOCH_COUNT":
            epochs[fields[1]] = max(epochs.get(fields[1], 0), int(fields[3]))
    assert list(epochs.values()) == [loops] * 4, epochs


def test_each_controller_rank_runs_its_own_bench(tmp_path: Path) -> None:
    # mpirun runs the controllers: each starts one bench for its node,
    # which inherits the rank's launcher variables but runs alone (no MPI),
    # and selects its imbalance by its node's name.
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    pytest.importorskip("mpi4py")
    import socket

    config = write_config(
        tmp_path,
        {
            "loop-count": 2,
            "region": ["barrier", "dgemm-imbalance", "all2all"],
            "big-o": [1, 0.05, 0.02],
            "hostname": [f"{socket.gethostname()}-rank1"],
            "imbalance": [1.0],
        },
    )
    env = clean_env(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    result = subprocess.run(
        ["mpirun", "-n", "2", "--oversubscribe", *jobs.GEOPM_BRIDGE, "launch", "--node-model"]
        + ["--geopm-report=report.yaml", "--", *BENCH, str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Completed loop.") == 2
    found = hosts(tmp_path)
    rank0, rank1 = (regions_of(found[name]) for name in sorted(found))
    assert "MPI_Barrier" not in rank0 and rank0["all2all"]["count"] == 2
    ratio = rank1["dgemm"]["runtime (s)"] / rank0["dgemm"]["runtime (s)"]
    assert 1.6 < ratio < 2.5
