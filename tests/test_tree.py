"""The tree of agents across simulated nodes (``geopm-bridge launch --geopm-simulate-nodes``).

Jobs run the installed CLI in real processes, each simulated node on its own
node-model platform. ``TreeProbeAgent`` (below, registered through
GEOPM_BRIDGE_AGENTS) is a Python agent used at every level: it numbers the
nodes through its policy (each tree agent gives child ``c`` the value
``X * fan_in + c``, so every leaf should end up with its own node index),
sums ones and those numbers on the way up, checks the shapes of the 2-D
arrays it gets, logs each hook call and raises or stalls on request.
tests/test_mpi.py runs the same agent over MPI ranks.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from cpp_build import clean_env, compile_program, require_cli

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

import geopm_bridge  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


class TreeProbeAgent(geopm_bridge.Agent):
    """A Python agent that makes the tree's messages checkable.

    Environment: TREE_PROBE_LOG (a file: one JSON line per hook call),
    TREE_PROBE_RAISE="<hook>:<level>:<x>" (raise in that hook of the agent
    at that level holding that X, from its third call on),
    TREE_PROBE_SLOW="<x>" (the leaf holding that X sleeps 0.2 s per sample),
    TREE_PROBE_CONTROL=<name> (each leaf writes 100 + X to this board control).
    """

    name = "tree_probe"
    policy_names = ("X", "Y")
    sample_names = ("COUNT", "SUM")
    sample_aggregation = ("sum", "sum")
    period = 0.002

    def __init__(self) -> None:
        super().__init__()
        self.level = -1
        self.fan = 0
        self.x = math.nan
        self.y = math.nan
        self.total = (math.nan, math.nan)
        self.calls: dict[str, int] = {}
        self.log_fd = -1
        path = os.environ.get("TREE_PROBE_LOG")
        if path:
            self.log_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.raise_at = os.environ.get("TREE_PROBE_RAISE", "::").split(":")
        self.slow = os.environ.get("TREE_PROBE_SLOW", "")
        self.control = -1

    def __del__(self) -> None:
        if self.log_fd >= 0:
            os.close(self.log_fd)

    def event(self, hook: str, **detail: Any) -> None:
        self.calls[hook] = self.calls.get(hook, 0) + 1
        if self.log_fd >= 0:
            line = {"hook": hook, "level": self.level, "x": self.x, "id": id(self), **detail}
            # One write per line: lines of concurrent writers do not mix.
            os.write(self.log_fd, (json.dumps(line) + "\n").encode())
        hook_name, level, x = self.raise_at
        if (
            hook == hook_name
            and str(self.level) == level
            and f"{self.x:g}" == x
            and self.calls[hook] >= 3
        ):
            raise RuntimeError(f"probe raised in {hook} at X={x}")

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        self.level = level
        self.fan = fan_in[level - 1] if level > 0 else 0
        control = os.environ.get("TREE_PROBE_CONTROL")
        if level == 0 and control:
            pio = geopm_bridge.platform_io()
            self.control = pio.push_control(control, geopm_bridge.DOMAIN_BOARD, 0)
        self.event("init", fan_in=list(fan_in), is_level_root=is_level_root)

    def validate_policy(self, policy: np.ndarray) -> None:
        if math.isnan(policy[0]):
            policy[0] = 0.0  # the root's number (no policy file)
        self.x = float(policy[0])
        self.event("validate_policy")

    def split_policy(self, in_policy: np.ndarray, out_policy: np.ndarray) -> None:
        assert out_policy.shape == (self.fan, 2) and out_policy.flags.writeable
        out_policy[:, 0] = in_policy[0] * self.fan + np.arange(self.fan)
        out_policy[:, 1] = in_policy[1]  # NaN stays NaN
        self.event("split_policy")

    def aggregate_sample(self, in_sample: np.ndarray, out_sample: np.ndarray) -> None:
        assert in_sample.shape == (self.fan, 2) and not in_sample.flags.writeable
        out_sample[:] = in_sample.sum(axis=0)
        self.total = (float(out_sample[0]), float(out_sample[1]))
        self.event("aggregate_sample", total=list(self.total))

    def adjust_platform(self, in_policy: np.ndarray) -> None:
        self.x, self.y = float(in_policy[0]), float(in_policy[1])
        if self.control >= 0:
            geopm_bridge.platform_io().adjust(self.control, 100.0 + self.x)
        self.event("adjust_platform")

    def sample_platform(self, out_sample: np.ndarray) -> None:
        if f"{self.x:g}" == self.slow:
            time.sleep(0.2)
        out_sample[:] = (1.0, self.x)
        self.event("sample_platform")

    def wait(self) -> None:
        self.event("wait")
        super().wait()

    def report_header(self) -> list[tuple[str, str]]:
        return [("Probe count", f"{self.total[0]:g}"), ("Probe sum", f"{self.total[1]:g}")]

    def report_host(self) -> list[tuple[str, str]]:
        return [("Probe X", f"{self.x:g}")]

    def trace_names(self) -> list[str]:
        return ["X", "Y"]

    def trace_values(self, values: np.ndarray) -> None:
        values[:] = (self.x, self.y)


# ---------------------------------------------------------------- helpers


def probe_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A job environment with TreeProbeAgent registered and logging to tmp_path."""
    pythonpath = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    env = {
        key: value
        for key, value in clean_env().items()
        if not key.startswith(("TREE_PROBE_", "OMPI_", "PMI_", "PMIX_"))
    }
    env.update(
        PYTHONPATH=pythonpath,
        GEOPM_BRIDGE_AGENTS="test_tree:TreeProbeAgent",
        TREE_PROBE_LOG=str(tmp_path / "probe.log"),
    )
    env.update(extra)
    return env


def launch(
    tmp_path: Path, options: list[str], env: dict[str, str], app: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``geopm-bridge launch OPTIONS -- APP`` in tmp_path (the agents
    alone by default: the jobs end by GEOPM_BRIDGE_MAX_ITERATIONS)."""
    return subprocess.run(
        [*require_cli(), "launch", *options, "--", *app],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def probe_log(tmp_path: Path) -> list[dict[str, Any]]:
    """The probe agents' hook calls, in call order."""
    return [json.loads(line) for line in (tmp_path / "probe.log").read_text().splitlines()]


def read_trace(path: Path) -> list[dict[str, str]]:
    """Rows of a GEOPM trace file, keyed by column name."""
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"), strict=True)) for line in lines[1:]]


def sim_name(index: int) -> str:
    """The host name of a simulated node."""
    return f"sim{index:04d}"


def expected_inits(num_node: int, fan_in: list[int]) -> list[tuple[int, bool]]:
    """(level, is_level_root) of every agent GEOPM makes for this tree."""
    result = []
    for node in range(num_node):
        controlled, stride = 0, 1
        while controlled < len(fan_in) and (node // stride) % fan_in[controlled] == 0:
            stride *= fan_in[controlled]
            controlled += 1
        result += [(level, level < controlled) for level in range(controlled + 1)]
    return sorted(result)


# ---------------------------------------------------------------- geometry


GEOMETRY_MAIN = r"""
#include <cstdio>
#include "TreeGeometry.hpp"
int main()
{
    for (int fan_out : {2, 3, 4, 7, 16}) {
        for (int num_node = 1; num_node <= 700; ++num_node) {
            geopm_bridge::TreeGeometry geometry(num_node, fan_out);
            std::printf("%d %d:", fan_out, num_node);
            for (int size : geometry.fan_in()) {
                std::printf(" %d", size);
            }
            std::printf("\n");
        }
    }
}
"""

# GEOPM's rule (TreeComm::fan_out()) on top of the real MPI_Dims_create().
MPI_FAN_OUT_MAIN = r"""
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    int fan_outs[] = {2, 3, 4, 7, 16};
    MPI_Init(&argc, &argv);
    for (int ff = 0; ff < 5; ++ff) {
        for (int num_node = 1; num_node <= 700; ++num_node) {
            int dims[32] = {num_node};
            int num_dim = num_node > 1 ? 1 : 0;
            while (num_dim > 0 && dims[0] > fan_outs[ff] && dims[num_dim - 1] != 1) {
                ++num_dim;
                for (int dd = 0; dd < num_dim; ++dd) {
                    dims[dd] = 0;
                }
                MPI_Dims_create(num_node, num_dim, dims);
            }
            if (num_dim > 1 && dims[num_dim - 1] == 1) {
                --num_dim;
            }
            printf("%d %d:", fan_outs[ff], num_node);
            for (int dd = 0; dd < num_dim; ++dd) {
                printf(" %d", dims[dd]);
            }
            printf("\n");
        }
    }
    MPI_Finalize();
    return 0;
}
"""


def test_tree_shape_matches_geopm_over_mpi_dims_create(tmp_path: Path) -> None:
    """Our geometry, for 1..700 nodes and five fan-outs, equals GEOPM's fan_out
    computed with the MPI library's own MPI_Dims_create()."""
    if shutil.which("mpicc") is None:
        pytest.skip("no mpicc (Debian: libopenmpi-dev)")
    (tmp_path / "geometry.cpp").write_text(GEOMETRY_MAIN)
    (tmp_path / "mpi_fan_out.c").write_text(MPI_FAN_OUT_MAIN)
    compile_program(
        tmp_path / "geometry.cpp",
        tmp_path / "geometry",
        include_dirs=(REPO / "cpp/src/tree",),
    )
    subprocess.run(
        ["mpicc", str(tmp_path / "mpi_fan_out.c"), "-o", str(tmp_path / "mpi_fan_out")],
        check=True,
        capture_output=True,
    )
    ours = subprocess.run([str(tmp_path / "geometry")], check=True, capture_output=True, text=True)
    env = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    mpi = subprocess.run(
        [str(tmp_path / "mpi_fan_out")], check=True, capture_output=True, text=True, env=env
    )
    assert ours.stdout.splitlines() == mpi.stdout.splitlines()
    assert "16 64: 8 8" in ours.stdout and "16 17: 17" in ours.stdout


@pytest.mark.parametrize(
    ("num_node", "max_fan_out", "fan_in"),
    [(17, 16, [17]), (64, 16, [8, 8]), (12, 3, [3, 2, 2]), (1000, 16, [10, 10, 10])],
)
def test_every_agent_gets_geopms_init_arguments(
    tmp_path: Path, num_node: int, max_fan_out: int, fan_in: list[int]
) -> None:
    """One agent per level per node, each init()ed once with GEOPM's
    (level, fan_in, is_level_root)."""
    result = launch(
        tmp_path,
        [
            "--node-model",
            f"--geopm-simulate-nodes={num_node}",
            f"--geopm-max-fan-out={max_fan_out}",
            "--geopm-agent=tree_probe",
            "--geopm-report=report.yaml",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="2"),
    )
    assert result.returncode == 0, result.stderr
    inits = [event for event in probe_log(tmp_path) if event["hook"] == "init"]
    assert all(event["fan_in"] == fan_in for event in inits)
    assert sorted((event["level"], event["is_level_root"]) for event in inits) == expected_inits(
        num_node, fan_in
    )
    assert len({event["id"] for event in inits}) == len(inits)


def test_a_single_simulated_node_is_a_tree_of_one(tmp_path: Path) -> None:
    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=1",
            "--geopm-agent=tree_probe",
            "--geopm-report=report.yaml",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="2"),
    )
    assert result.returncode == 0, result.stderr
    [init] = [event for event in probe_log(tmp_path) if event["hook"] == "init"]
    assert (init["level"], init["fan_in"], init["is_level_root"]) == (0, [], False)
    assert list(yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"]) == ["sim0000"]


@pytest.mark.parametrize("fan_out", ["0", "1"])
def test_a_fan_out_below_two_is_refused(tmp_path: Path, fan_out: str) -> None:
    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=4",
            f"--geopm-max-fan-out={fan_out}",
        ],
        probe_env(tmp_path),
        app=("true",),
    )
    assert result.returncode == 1
    assert f"(GEOPM_MAX_FAN_OUT) is {fan_out}: it must be at least 2" in result.stderr


def test_simulated_nodes_need_the_node_model(tmp_path: Path) -> None:
    result = launch(tmp_path, ["--geopm-simulate-nodes=4"], probe_env(tmp_path), app=("true",))
    assert result.returncode == 1
    assert "GEOPM_BRIDGE_SIMULATE_NODES=4 needs the node model" in result.stderr


# ---------------------------------------------------------------- walks


def test_policies_reach_every_node_and_samples_reach_the_root(tmp_path: Path) -> None:
    """12 nodes as 3 x 2 x 2: every leaf gets its own number through three
    levels of split_policy(), a NaN policy entry crosses every level, and the
    root aggregates one sample from each node. One host per node in the
    report (read by GEOPM's parser) and one trace per node."""
    import geopmpy.io

    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=12",
            "--geopm-max-fan-out=3",
            "--geopm-agent=tree_probe",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="5"),
    )
    assert result.returncode == 0, result.stderr
    names = [sim_name(node) for node in range(12)]
    assert sorted(path.name for path in tmp_path.glob("trace-*")) == [f"trace-{n}" for n in names]
    for node, name in enumerate(names):
        rows = read_trace(tmp_path / f"trace-{name}")
        assert len(rows) == 5
        assert {(row["X"], row["Y"]) for row in rows} == {(str(node), "nan")}
    report = geopmpy.io.RawReport(str(tmp_path / "report.yaml"))
    assert report.host_names() == names
    assert report.raw_report()["Probe count"] == 12
    assert report.raw_report()["Probe sum"] == sum(range(12))
    assert [report.raw_report()["Hosts"][name]["Probe X"] for name in names] == list(range(12))


def test_one_iteration_runs_in_geopms_order(tmp_path: Path) -> None:
    """4 nodes as 2 x 2: parents split before their children adjust; one
    wait(); children sample before their parents aggregate, each parent
    aggregating only once all of its children sent."""
    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=4",
            "--geopm-max-fan-out=2",
            "--geopm-agent=tree_probe",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="3"),
    )
    assert result.returncode == 0, result.stderr
    events = [(e["hook"], e["level"], e["x"]) for e in probe_log(tmp_path) if e["hook"] != "init"]
    iteration = [
        # node 0: the root (level 2), its level-1 agent, its leaf
        ("validate_policy", 2, 0),
        ("split_policy", 2, 0),
        ("validate_policy", 1, 0),
        ("split_policy", 1, 0),
        ("validate_policy", 0, 0),
        ("adjust_platform", 0, 0),
        ("validate_policy", 0, 1),
        ("adjust_platform", 0, 1),  # node 1
        ("validate_policy", 1, 1),
        ("split_policy", 1, 1),  # node 2
        ("validate_policy", 0, 2),
        ("adjust_platform", 0, 2),
        ("validate_policy", 0, 3),
        ("adjust_platform", 0, 3),  # node 3
        ("wait", 0, 0),
        ("sample_platform", 0, 3),
        ("sample_platform", 0, 2),
        ("aggregate_sample", 1, 1),
        ("sample_platform", 0, 1),
        ("sample_platform", 0, 0),
        ("aggregate_sample", 1, 0),
        ("aggregate_sample", 2, 0),
    ]
    assert events == iteration * 3


def test_an_agent_error_names_the_node_and_level(tmp_path: Path) -> None:
    """12 nodes as 3 x 2 x 2: the level-1 agent on sim0003 raises; the job
    stops cleanly with the node and level in the error and the report."""
    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=12",
            "--geopm-max-fan-out=3",
            "--geopm-agent=tree_probe",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
        ],
        probe_env(tmp_path, TREE_PROBE_RAISE="aggregate_sample:1:1"),
        app=("sleep", "100"),  # one copy per node, stopped by the error
    )
    assert result.returncode == 1
    assert "node sim0003, level 1: " in result.stderr
    assert "probe raised in aggregate_sample at X=1" in result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Run Status"].startswith("error: node sim0003, level 1: ")
    assert len(report["Hosts"]) == 12
    assert len(list(tmp_path.glob("trace-sim*"))) == 12


# ---------------------------------------------------------------- agents


def test_native_power_governor_runs_at_every_level(tmp_path: Path) -> None:
    """GEOPM's power_governor gives every node the node budget, through a
    3-level tree."""
    (tmp_path / "policy.json").write_text('{"CPU_POWER_LIMIT": 95}')
    result = launch(
        tmp_path,
        [
            "--node-model",
            "--geopm-simulate-nodes=8",
            "--geopm-max-fan-out=2",
            "--geopm-agent=power_governor",
            "--geopm-policy=policy.json",
            "--geopm-trace=trace",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="5"),
    )
    assert result.returncode == 0, result.stderr
    for node in range(8):
        rows = read_trace(tmp_path / f"trace-{sim_name(node)}")
        assert {row["POWER_BUDGET"] for row in rows} == {"95"}
        assert float(rows[-1]["CPU_POWER"]) == pytest.approx(95)


def test_each_simulated_node_takes_its_own_node_model_values(tmp_path: Path) -> None:
    """--node-model=load=a:b:c: node i takes entry i modulo 3."""
    result = launch(
        tmp_path,
        [
            "--node-model=tdp=100,idle_power=20,load=0.25:0.5:0.75",
            "--geopm-simulate-nodes=6",
            "--geopm-trace=trace",
        ],
        probe_env(tmp_path, GEOPM_BRIDGE_MAX_ITERATIONS="2"),
    )
    assert result.returncode == 0, result.stderr
    powers = [
        float(read_trace(tmp_path / f"trace-{sim_name(node)}")[-1]["CPU_POWER"])
        for node in range(6)
    ]
    packages = powers[0] / (20 + 0.25 * 80)  # the model simulates every package of this host
    assert powers == pytest.approx(
        [packages * (20 + load * 80) for load in (0.25, 0.5, 0.75, 0.25, 0.5, 0.75)]
    )


def test_power_split_respects_the_budget_and_follows_the_load(tmp_path: Path) -> None:
    """The example agent on 8 nodes (3 levels), alternately light and heavy:
    the caps start equal, always sum to the job budget, and move to the heavy
    nodes; the power drawn stays within the budget."""
    budget = 8 * 100.0
    (tmp_path / "budget.json").write_text(json.dumps({"POWER_BUDGET": budget}))
    env = {
        key: value for key, value in probe_env(tmp_path).items() if key != "GEOPM_BRIDGE_AGENTS"
    }  # the example is registered by its entry point
    result = launch(
        tmp_path,
        [
            "--node-model=tdp=150,idle_power=30,load=0.3:0.9",
            "--geopm-simulate-nodes=8",
            "--geopm-max-fan-out=2",
            "--geopm-agent=power_split",
            "--geopm-policy=budget.json",
            "--geopm-trace=trace",
            "--geopm-period=0.001",
            "--geopm-report=report.yaml",
        ],
        {**env, "GEOPM_BRIDGE_MAX_ITERATIONS": "80"},
    )
    assert result.returncode == 0, result.stderr
    traces = [read_trace(tmp_path / f"trace-{sim_name(node)}") for node in range(8)]
    caps = np.array([[float(row["POWER_CAP"]) for row in rows] for rows in traces])
    power = np.array([[float(row["CPU_POWER"]) for row in rows] for rows in traces])
    assert caps[:, 0] == pytest.approx(np.full(8, budget / 8))
    assert caps.sum(axis=0) == pytest.approx(np.full(caps.shape[1], budget))
    assert (power.sum(axis=0) <= budget * (1 + 1e-9)).all()
    light, heavy = caps[0::2, -1], caps[1::2, -1]
    assert heavy.min() > light.max() + 40
    # The light nodes keep what they use: nothing is wasted on them.
    assert light == pytest.approx(power[0::2, -1], rel=0.05)
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Job power budget (W)"] == budget
