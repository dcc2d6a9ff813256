"""The tree over MPI: ``mpirun -np 4 geopm-bridge launch ...``, one node per rank.

Real mpirun (Open MPI from Debian) runs four ranks on this machine, each a
node of the tree with its own controller; the agent is TreeProbeAgent from
test_tree.py. Where a test checks that controls are put back, the ranks run
on a fake sysfs tree (tests/fake_sysfs.py) whose power-limit file shows what
was last written.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import fake_sysfs
import pytest
import yaml
from test_tree import probe_env, read_trace

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

from cpp_build import require_cli  # noqa: E402

POWER_LIMIT_FILE = "sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"
SAVED_POWER_LIMIT = fake_sysfs.POWERCAP_FILES["constraint_0_power_limit_uw"]
HOST = socket.gethostname().split(".")[0]


def rank_name(rank: int) -> str:
    """A rank's host name in the report and trace (every rank runs here)."""
    return f"{HOST}-rank{rank}"


def mpirun(
    tmp_path: Path, env: dict[str, str], *jobs: list[str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run ``mpirun -np 4`` (or one ``-np N ARGS`` block per job, MPMD) in tmp_path.

    A job is ``["-np", "N", "--geopm-...", ..., "--", APP...]``: the launch
    options follow the rank count.
    """
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    cli = require_cli()
    command = ["mpirun", "--oversubscribe"]
    for index, job in enumerate(jobs):
        command += [":"] if index else []
        command += [*job[:2], *cli, "launch", *job[2:]]
    env = {**env, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    return subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=timeout
    )


def fake_machine_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """probe_env on a fake sysfs tree, each leaf writing the power limit."""
    fake_sysfs.build(tmp_path / "sysfs")
    # The controls' saves (docs/controller.md) stay with the fake tree: a
    # killed rank's guardian may read a file another rank is rewriting.
    (tmp_path / "run").mkdir(mode=0o700)
    return probe_env(
        tmp_path,
        GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path / "sysfs"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
        TREE_PROBE_CONTROL="CPU_POWER_LIMIT_CONTROL",
        **extra,
    )


def power_limit(tmp_path: Path) -> str:
    return (tmp_path / "sysfs" / POWER_LIMIT_FILE).read_text().strip()


PROBE = [
    "--geopm-agent=tree_probe",
    "--geopm-max-fan-out=2",
    "--geopm-report=report.yaml",
    "--geopm-trace=trace",
]


def test_each_rank_is_a_node_of_the_tree(tmp_path: Path) -> None:
    """4 ranks as 2 x 2, on the node model with a light and a heavy load in
    turn: each rank gets its own number through the tree, rank 0's root sums
    every rank's sample, rank 0 writes one host per rank and every rank its
    own trace, even when rank 0's application ends first."""
    import geopmpy.io

    app = ["sh", "-c", 'sleep "$(( OMPI_COMM_WORLD_RANK == 0 ? 1 : 2 ))"']
    result = mpirun(
        tmp_path, probe_env(tmp_path), ["-np", "4", "--node-model=load=0.3:0.9", *PROBE, "--", *app]
    )
    assert result.returncode == 0, result.stderr
    names = [rank_name(rank) for rank in range(4)]
    report = geopmpy.io.RawReport(str(tmp_path / "report.yaml"))
    assert report.host_names() == names
    assert report.raw_report()["Probe count"] == 4
    assert report.raw_report()["Probe sum"] == 0 + 1 + 2 + 3
    assert "Run Status" not in report.raw_report()
    power = []
    for rank, name in enumerate(names):
        rows = read_trace(tmp_path / f"trace-{name}")
        assert rows[-1]["X"] == str(rank)
        power.append(float(rows[-1]["CPU_POWER"]))
    assert power[0] == power[2] < power[1] == power[3]


@pytest.mark.parametrize(
    ("option", "other", "difference"),
    [
        ("--geopm-agent=tree_probe", "--geopm-agent=monitor", 'has agent "monitor" where rank 0 ('),
        (
            "--geopm-max-fan-out=2",
            "--geopm-max-fan-out=3",
            "has GEOPM_MAX_FAN_OUT 3 where rank 0 (",
        ),
    ],
)
def test_ranks_that_disagree_fail_on_every_rank(
    tmp_path: Path, option: str, other: str, difference: str
) -> None:
    """Ranks 2 and 3 are started with another setting than ranks 0 and 1."""
    env = probe_env(tmp_path)
    result = mpirun(
        tmp_path,
        env,
        ["-np", "2", "--node-model", "--geopm-agent=tree_probe", option, "--", "true"],
        ["-np", "2", "--node-model", "--geopm-agent=tree_probe", other, "--", "true"],
    )
    assert result.returncode != 0
    assert result.stderr.count("the ranks of this MPI job disagree on its settings") == 4
    assert f"rank 2 ({rank_name(2)}) {difference}" in result.stderr
    assert f"rank 3 ({rank_name(3)}) {difference}" in result.stderr
    assert not (tmp_path / "probe.log").exists()  # no agent was made


def test_an_agent_error_at_one_rank_stops_every_rank(tmp_path: Path) -> None:
    """The leaf of rank 2 raises: every rank stops with an error naming that
    node and level, every rank puts the controls back, and rank 0 writes the
    report with every host and the error."""
    env = fake_machine_env(tmp_path, TREE_PROBE_RAISE="sample_platform:0:2")
    result = mpirun(tmp_path, env, ["-np", "4", *PROBE, "--", "sleep", "60"])
    assert result.returncode != 0
    where = f"node {rank_name(2)}, level 0: tree_probe.sample_platform(): RuntimeError"
    assert result.stderr.count(f"error: {where}") == 1
    assert result.stderr.count(f"error: the job stopped because {where}") == 3
    assert power_limit(tmp_path) == SAVED_POWER_LIMIT
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Run Status"].startswith(f"error: {where}")
    assert list(report["Hosts"]) == [rank_name(rank) for rank in range(4)]


def test_a_rank_that_dies_leaves_a_report_of_the_others(tmp_path: Path) -> None:
    """Rank 2's controller is killed: mpirun stops the others, which put the
    controls back; rank 0 writes the report of the ranks it heard from and
    names the one it did not."""
    env = fake_machine_env(tmp_path)
    app = [
        "sh",
        "-c",
        'if [ "$OMPI_COMM_WORLD_RANK" = 2 ]; then sleep 1; kill -KILL $PPID; exit; fi; sleep 60',
    ]
    result = mpirun(tmp_path, env, ["-np", "4", *PROBE, "--", *app])
    assert result.returncode != 0
    missing = f"no report from node {rank_name(2)} (rank 2)"
    assert missing in result.stderr
    assert power_limit(tmp_path) == SAVED_POWER_LIMIT
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Run Status"] == f"interrupted by SIGTERM; {missing}"
    assert list(report["Hosts"]) == [rank_name(rank) for rank in (0, 1, 3)]


def test_a_slow_rank_holds_back_only_itself(tmp_path: Path) -> None:
    """The leaf of rank 3 takes 0.2 s per sample: the other ranks keep their
    own pace (non-blocking messages), and the job ends normally."""
    env = probe_env(tmp_path, TREE_PROBE_SLOW="3")
    result = mpirun(tmp_path, env, ["-np", "4", "--node-model", *PROBE, "--", "sleep", "2"])
    assert result.returncode == 0, result.stderr
    rows = {rank: len(read_trace(tmp_path / f"trace-{rank_name(rank)}")) for rank in range(4)}
    assert min(rows[0], rows[1], rows[2]) > 3 * rows[3]


def test_geopm_ctl_local_runs_independent_controllers(tmp_path: Path) -> None:
    """GEOPM_CTL_LOCAL: no tree, each rank a single-node job (as GEOPM)."""
    env = probe_env(tmp_path, GEOPM_CTL_LOCAL="true")
    result = mpirun(
        tmp_path,
        env,
        [
            "-np",
            "2",
            "--node-model",
            "--geopm-agent=tree_probe",
            "--geopm-trace=trace",
            "--",
            "sleep",
            "0.3",
        ],
    )
    assert result.returncode == 0, result.stderr
    inits = [
        line
        for line in (tmp_path / "probe.log").read_text().splitlines()
        if '"hook": "init"' in line
    ]
    assert len(inits) == 2 and all('"fan_in": []' in line for line in inits)
    assert os.path.exists(tmp_path / f"trace-{HOST}")


def test_each_ranks_application_is_profiled_on_its_own_node(tmp_path: Path) -> None:
    """Two ranks, each with its own copy of an instrumented program (2 and
    4 epochs): rank 0's report has each host's own regions and epochs."""
    from test_profile import APP, build_app

    app = str(build_app(tmp_path, "app", APP))
    options = ["--node-model", "--geopm-period=0.02", "--geopm-report=report.yaml"]
    result = mpirun(
        tmp_path,
        dict(os.environ),
        ["-np", "1", *options, "--", app, "0.4", "2"],
        ["-np", "1", *options, "--", app, "0.4", "4"],
    )
    assert result.returncode == 0, result.stderr
    hosts = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"]
    for rank, num_epoch in ((0, 2), (1, 4)):
        host = hosts[rank_name(rank)]
        [region] = host["Regions"]
        assert (region["region"], region["count"]) == ("busy_loop", num_epoch)
        assert host["Epoch Totals"]["count"] == num_epoch
