"""The built-in power_balancer agent (geopm_agent_power_balancer(7)), run under
``geopm-bridge launch`` on the node model: alone on one node, over simulated
nodes (the in-process tree) and over MPI ranks, with an application whose
epochs take longer on one node (tests/apps/imbalance_app.py)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import fake_sysfs
import jobs
import pytest
import yaml
from cpp_build import clean_env
from test_profile import APP, build_app, read_trace

IMBALANCE_APP = Path(__file__).parent / "apps" / "imbalance_app.py"
# The node model's power range (one package): CPU_POWER_MIN_AVAIL,
# CPU_POWER_LIMIT_DEFAULT (TDP), CPU_POWER_MAX_AVAIL.
POWER_MIN, TDP, POWER_MAX = 50.0, 150.0, 200.0
STEPS = ("SEND_DOWN_LIMIT", "MEASURE_RUNTIME", "REDUCE_LIMIT")


def launch(
    work: Path,
    policy: dict[str, float],
    *app: str,
    nodes: int = 0,
    node_model: str = "--node-model",
    options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    (work / "policy.json").write_text(json.dumps(policy))
    simulate = [f"--geopm-simulate-nodes={nodes}"] if nodes else []
    return jobs.launch(
        work,
        *app,
        options=(
            node_model,
            *simulate,
            "--geopm-agent=power_balancer",
            "--geopm-policy=policy.json",
            "--geopm-period=0.01",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            *options,
        ),
        env=env,
    )


def imbalanced(seconds: float, slow_node: str) -> list[str]:
    """Epochs of 20 ms, 40 ms on slow_node, for about seconds."""
    return [sys.executable, str(IMBALANCE_APP), str(seconds), "0.02", slow_node, "2"]


def traces(work: Path, names: list[str]) -> dict[str, list[dict[str, str]]]:
    return {name: read_trace(work / f"trace-{name}") for name in names}


def node_names(count: int) -> list[str]:
    return [f"sim{index:04d}" for index in range(count)]


def check_balanced(
    rows: dict[str, list[dict[str, str]]], budget: float, slow: str, same_iterations: bool = True
) -> None:
    """What power_balancer must show on the nodes whose traces are rows, with
    the average limit budget and the slow node slow; same_iterations: row i
    of every trace is from the same control iteration."""
    # Every node starts at the budget, sent down at round 0.
    for node_rows in rows.values():
        assert node_rows[0]["POLICY_STEP_COUNT"] == "0-STEP_SEND_DOWN_LIMIT"
        assert float(node_rows[0]["POLICY_CPU_POWER_LIMIT"]) == budget
        assert float(node_rows[0]["ENFORCED_POWER_LIMIT"]) == budget
        steps = {row["POLICY_STEP_COUNT"] for row in node_rows}
        assert {f"0-STEP_{step}" for step in STEPS} | {"1-STEP_SEND_DOWN_LIMIT"} <= steps
        # The slowest node's epoch (40 ms), sent down from the root.
        assert float(node_rows[-1]["POLICY_MAX_EPOCH_RUNTIME"]) == pytest.approx(0.04, rel=0.1)
    # The job's limits never add up to more than its budget, row by row.
    total = len(rows) * budget
    if same_iterations:
        for row_set in zip(*rows.values(), strict=True):
            limits = [float(row["ENFORCED_POWER_LIMIT"]) for row in row_set]
            assert sum(limits) <= total * (1 + 1e-9), row_set
    # Power went from the nodes that wait to the one that holds the job back.
    final = {name: float(node_rows[-1]["ENFORCED_POWER_LIMIT"]) for name, node_rows in rows.items()}
    others = [limit for name, limit in final.items() if name != slow]
    assert final[slow] > budget > max(others), final
    assert min(others) >= POWER_MIN


def test_one_node_holds_its_limit_and_steps_through_the_rounds(tmp_path: Path) -> None:
    # (Was the check of GEOPM's own power_balancer source, built as a
    # plugin; that name is now ours, tests/test_geopm_sources.py.)
    app = build_app(tmp_path, "app", APP)
    # Two thirds of TDP: below what the model's compute load draws (126 W
    # a package at its defaults), so the limit holds the power.
    limit = TDP * 2 / 3
    result = launch(tmp_path, {"CPU_POWER_LIMIT": limit}, str(app), "2.0", "20")
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Agent"] == "power_balancer"
    [host] = report["Hosts"].values()
    assert host["Application Totals"]["power (W)"] == pytest.approx(limit, rel=0.01)
    assert host["Epoch Totals"]["count"] == 20
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    # GEOPM's trace columns, and its steps: the limit sent down, the epochs'
    # runtime measured (0.1 s each), the limit reduced, round after round.
    assert list(rows[0])[-5:] == [
        "POLICY_CPU_POWER_LIMIT",
        "POLICY_STEP_COUNT",
        "POLICY_MAX_EPOCH_RUNTIME",
        "POLICY_POWER_SLACK",
        "ENFORCED_POWER_LIMIT",
    ]
    assert rows[0]["POLICY_STEP_COUNT"] == "0-STEP_SEND_DOWN_LIMIT"
    assert float(rows[0]["POLICY_CPU_POWER_LIMIT"]) == pytest.approx(limit)
    steps = {row["POLICY_STEP_COUNT"] for row in rows}
    assert {"0-STEP_MEASURE_RUNTIME", "0-STEP_REDUCE_LIMIT", "1-STEP_SEND_DOWN_LIMIT"} <= steps
    runtime = float(rows[-1]["POLICY_MAX_EPOCH_RUNTIME"])
    assert runtime == pytest.approx(0.1, rel=0.1)
    # Alone, it is its own slowest node: the limit stays where it was sent.
    assert {float(row["ENFORCED_POWER_LIMIT"]) for row in rows} == {limit}


@pytest.mark.parametrize(
    ("policy", "node_model", "limit"),
    [
        # NAN (or left out): the node's TDP, CPU_POWER_LIMIT_DEFAULT.
        ({}, "--node-model", TDP),
        ({"CPU_POWER_LIMIT": "NAN", "STEP_COUNT": "NAN"}, "--node-model=tdp=120", 120.0),
        # Above the nodes' range: brought to its maximum, as GEOPM does.
        ({"CPU_POWER_LIMIT": 500}, "--node-model", POWER_MAX),
    ],
)
def test_policy_defaults_and_bounds(
    tmp_path: Path, policy: dict[str, Any], node_model: str, limit: float
) -> None:
    result = launch(tmp_path, policy, "sleep", "0.3", nodes=2, node_model=node_model)
    assert result.returncode == 0, result.stderr
    for rows in traces(tmp_path, node_names(2)).values():
        assert float(rows[0]["POLICY_CPU_POWER_LIMIT"]) == limit
        assert float(rows[-1]["ENFORCED_POWER_LIMIT"]) == limit


@pytest.mark.parametrize("nodes", [0, 4])
@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {"CPU_POWER_LIMIT": 0, "STEP_COUNT": 0, "MAX_EPOCH_RUNTIME": 0, "POWER_SLACK": 0},
            "PowerBalancerAgent::validate_policy(): invalid policy: CPU_POWER_LIMIT, "
            "STEP_COUNT, MAX_EPOCH_RUNTIME and POWER_SLACK are all 0",
        ),
        (
            {"CPU_POWER_LIMIT": 0, "STEP_COUNT": 1},
            "CPU_POWER_LIMIT 0 W is outside the range [50, 200] W that the nodes allow",
        ),
        # Below the nodes' minimum (GEOPM would raise it to the minimum and
        # the job would draw more than its budget).
        (
            {"CPU_POWER_LIMIT": 10},
            "PowerBalancerAgent::validate_policy(): CPU_POWER_LIMIT 10 W is below the "
            "nodes' minimum, 50 W (CPU_POWER_MIN_AVAIL): the budget cannot be kept",
        ),
    ],
)
def test_a_bad_policy_is_refused_at_launch(
    tmp_path: Path, nodes: int, policy: dict[str, float], message: str
) -> None:
    # The controller takes the policy in its first control period, so the
    # job must outlive one.
    result = launch(tmp_path, policy, "sleep", "0.5", nodes=nodes)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("num_node", [4, 8])
def test_power_moves_to_the_node_that_holds_the_job_back(tmp_path: Path, num_node: int) -> None:
    budget = 70.0
    result = launch(
        tmp_path, {"CPU_POWER_LIMIT": budget}, *imbalanced(3.0, "sim0001"), nodes=num_node
    )
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Agent"] == "power_balancer"
    names = node_names(num_node)
    assert list(report["Hosts"]) == names
    check_balanced(traces(tmp_path, names), budget, "sim0001")


def test_two_packages_share_the_node_budget(tmp_path: Path) -> None:
    # A fake machine of 2 packages (tests/fake_sysfs.py): the node's range
    # is twice a package's, so a budget above one package's maximum (200 W)
    # is the node's to share.  The application runs on package 0 only:
    # package 1, with no epochs, keeps its share and does not hold the
    # steps back.
    fake_sysfs.build(tmp_path / "sysfs")
    budget = 210.0
    result = launch(
        tmp_path,
        {"CPU_POWER_LIMIT": budget},
        *imbalanced(3.5, "sim0001"),
        nodes=2,
        options=("--geopm-trace-signals=CPU_POWER_LIMIT_CONTROL@package",),
        env=clean_env(GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path / "sysfs")),
    )
    assert result.returncode == 0, result.stderr
    rows = traces(tmp_path, node_names(2))
    for node_rows in rows.values():
        assert float(node_rows[0]["CPU_POWER_LIMIT_CONTROL-package-0"]) == budget / 2
        assert float(node_rows[0]["CPU_POWER_LIMIT_CONTROL-package-1"]) == budget / 2
    check_balanced(rows, budget, "sim0001")
    # The fast node lowered the package its application runs on.
    fast = rows["sim0000"][-1]
    assert float(fast["CPU_POWER_LIMIT_CONTROL-package-0"]) < budget / 2
    assert float(fast["CPU_POWER_LIMIT_CONTROL-package-1"]) >= budget / 2


def test_ranks_of_an_mpi_job_balance_power(tmp_path: Path) -> None:
    from test_mpi import mpirun, rank_name

    budget = 70.0
    (tmp_path / "policy.json").write_text(json.dumps({"CPU_POWER_LIMIT": budget}))
    names = [rank_name(rank) for rank in range(3)]
    result = mpirun(
        tmp_path,
        clean_env(),
        [
            "-np",
            "3",
            "--node-model",
            "--geopm-agent=power_balancer",
            "--geopm-policy=policy.json",
            "--geopm-period=0.01",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--",
            *imbalanced(3.0, names[1]),
        ],
    )
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert list(report["Hosts"]) == names
    rows = traces(tmp_path, names)
    for name in names[1:]:
        # Until rank 0's first policy arrives a rank sets no limit (not its
        # TDP: that would overrun the budget).
        waiting = 0
        while math.isnan(float(rows[name][waiting]["POLICY_CPU_POWER_LIMIT"])):
            assert math.isnan(float(rows[name][waiting]["ENFORCED_POWER_LIMIT"]))
            waiting += 1
        rows[name] = rows[name][waiting:]
    # Each rank writes its trace in its own loop: row i of one rank is not
    # from the moment row i of another is, so the rows are not summed.
    check_balanced(rows, budget, names[1], same_iterations=False)


def test_agent_lists_and_writes_its_policy() -> None:
    assert "power_balancer" in jobs.agent_command().split()
    assert jobs.agent_command("power_balancer").splitlines() == [
        "Policy: CPU_POWER_LIMIT,STEP_COUNT,MAX_EPOCH_RUNTIME,POWER_SLACK",
        "Sample: STEP_COUNT,MAX_EPOCH_RUNTIME,SUM_POWER_SLACK,MIN_POWER_HEADROOM",
    ]
    assert json.loads(jobs.agent_command("-a", "power_balancer", "-p", "400")) == {
        "CPU_POWER_LIMIT": 400.0
    }
    document = json.loads(jobs.agent_command("-a", "power_balancer", "-p", "400,nan,0,0"))
    assert document["STEP_COUNT"] == "NAN" and document["POWER_SLACK"] == 0.0
    assert not any(isinstance(value, float) and math.isnan(value) for value in document.values())


def test_the_model_applications_slow_node_gets_power_and_runs_faster(tmp_path: Path) -> None:
    # geopm-bridge bench on 4 simulated nodes: sim0001's dgemm does twice
    # the work, and the nodes meet at a barrier each loop (docs/bench.md).
    # The others' wait is power the balancer moves to sim0001, whose
    # simulated frequency then rises above what the budget alone allows.
    budget = 70.0
    config = {
        "loop-count": 100,
        "region": ["dgemm-imbalance", "barrier"],
        "big-o": [0.02, 1],
        "hostname": ["sim0001"],
        "imbalance": [1.0],
    }
    (tmp_path / "bench.json").write_text(json.dumps(config))
    bench = (sys.executable, "-m", "geopm_bridge.cli", "bench", "bench.json")
    result = launch(tmp_path, {"CPU_POWER_LIMIT": budget}, *bench, nodes=4)
    assert result.returncode == 0, result.stderr
    rows = traces(tmp_path, node_names(4))
    for row_set in zip(*rows.values(), strict=True):
        limits = [float(row["ENFORCED_POWER_LIMIT"]) for row in row_set]
        assert sum(limits) <= 4 * budget * (1 + 1e-9), row_set
    final = {name: float(node_rows[-1]["ENFORCED_POWER_LIMIT"]) for name, node_rows in rows.items()}
    others = [limit for name, limit in final.items() if name != "sim0001"]
    assert final["sim0001"] > budget > max(others), final
    # At 70 W the model's compute load runs at 3 GHz * cbrt(40 / 96) = 2.24
    # GHz (NodeModelIOGroup.hpp); with the others' slack, faster.
    slow_rows = rows["sim0001"]
    late = [float(row["CPU_FREQUENCY_STATUS"]) for row in slow_rows[len(slow_rows) * 3 // 4 :]]
    assert sum(late) / len(late) > 2.35e9
