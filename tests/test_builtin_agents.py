"""The built-in C++ monitor and power_governor agents, driven hook by hook.

The test driver (tests/geopm_driver.cpp), built against the GEOPM
headers, makes each agent from geopm::agent_factory() and calls its hooks the
way the controller does; power_governor runs on the simulated node model.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cpp_build import clean_env, ok, require_cli, run_driver

GEOPM_ERROR_INVALID = -3
GEOPM_ERROR_AGENT_UNSUPPORTED = -11

POWER_GOVERNOR_SAMPLES = ["POWER", "IS_CONVERGED", "POWER_AVERAGE_ENFORCED"]


@pytest.fixture
def model_env() -> dict[str, str]:
    """Environment with the node model on and a short control period."""
    return clean_env(GEOPM_BRIDGE_NODE_MODEL="1", GEOPM_PERIOD="0.001")


def power_limits(env: dict[str, str]) -> dict[str, float]:
    """The node's power range, as power_governor reads it (board domain)."""
    names = ["CPU_POWER_MIN_AVAIL", "CPU_POWER_MAX_AVAIL", "CPU_POWER_LIMIT_DEFAULT"]
    answers = run_driver([f"read {name} board 0" for name in names], env)
    return {name: ok(answer)["value"] for name, answer in zip(names, answers, strict=True)}


def test_builtin_agents_are_registered_in_geopm_order() -> None:
    [answer] = run_driver(["agents"], clean_env())
    agents = ok(answer)["agents"]
    assert agents[:4] == ["monitor", "power_balancer", "power_governor", "frequency_map"]


def test_dictionaries_match_geopm() -> None:
    monitor, governor = run_driver(["dictionary monitor", "dictionary power_governor"], clean_env())
    assert ok(monitor) == {
        "num_policy": 0,
        "num_sample": 0,
        "policy": [],
        "sample": [],
        "dictionary": {"NUM_POLICY": "0", "NUM_SAMPLE": "0"},
    }
    assert ok(governor)["policy"] == ["CPU_POWER_LIMIT"]
    assert governor["sample"] == POWER_GOVERNOR_SAMPLES
    assert governor["dictionary"] == {
        "NUM_POLICY": "1",
        "NUM_SAMPLE": "3",
        "POLICY_0": "CPU_POWER_LIMIT",
        "SAMPLE_0": "POWER",
        "SAMPLE_1": "IS_CONVERGED",
        "SAMPLE_2": "POWER_AVERAGE_ENFORCED",
    }


def test_power_balancer_dictionary_matches_geopm() -> None:
    [balancer] = run_driver(["dictionary power_balancer"], clean_env())
    assert ok(balancer)["dictionary"] == {
        "NUM_POLICY": "4",
        "NUM_SAMPLE": "4",
        "POLICY_0": "CPU_POWER_LIMIT",
        "POLICY_1": "STEP_COUNT",
        "POLICY_2": "MAX_EPOCH_RUNTIME",
        "POLICY_3": "POWER_SLACK",
        "SAMPLE_0": "STEP_COUNT",
        "SAMPLE_1": "MAX_EPOCH_RUNTIME",
        "SAMPLE_2": "SUM_POWER_SLACK",
        "SAMPLE_3": "MIN_POWER_HEADROOM",
    }


def test_monitor_runs_every_hook_without_touching_the_platform() -> None:
    answers = run_driver(
        ["make monitor", "init 0 - 1", "validate", "step 3", "report", "split 2", "aggregate"],
        clean_env(GEOPM_PERIOD="0.001"),
    )
    for answer in answers:
        ok(answer)
    _, _, validate, step, report, split, aggregate = answers
    assert validate == {"policy": []}
    assert step == {
        "policy": [],
        "sample": [],
        "samples": [[], [], []],
        "send": False,
        "trace": [],
        "traces": [[], [], []],
        "writes": 0,
    }
    assert report == {"header": [], "host": [], "regions": 0, "trace_names": [], "trace_formats": 0}
    assert split == {"children": [[], []], "send": False}
    assert aggregate == {"sample": [], "send": False}


def test_power_governor_validate_policy_defaults_and_clamps(model_env: dict[str, str]) -> None:
    limits = power_limits(model_env)
    low, high = limits["CPU_POWER_MIN_AVAIL"], limits["CPU_POWER_MAX_AVAIL"]
    assert low < limits["CPU_POWER_LIMIT_DEFAULT"] <= high
    answers = run_driver(
        [
            "make power_governor",
            "validate nan",
            f"validate {low - 10}",
            f"validate {high + 10}",
            f"validate {(low + high) / 2}",
            "validate",  # a policy of the wrong size is rejected
        ],
        model_env,
    )
    ok(answers[0])
    assert [ok(a)["policy"] for a in answers[1:5]] == [
        [limits["CPU_POWER_LIMIT_DEFAULT"]],
        [low],
        [high],
        [(low + high) / 2],
    ]
    assert answers[5]["error"] == GEOPM_ERROR_INVALID


def test_power_governor_budget_lowers_cpu_power(model_env: dict[str, str]) -> None:
    limits = power_limits(model_env)
    [before] = run_driver(["read CPU_POWER board 0"], model_env)
    unconstrained = ok(before)["value"]
    # A budget well below what the node draws when unconstrained.
    budget = max(limits["CPU_POWER_MIN_AVAIL"], 0.6 * unconstrained)
    assert budget < 0.9 * unconstrained
    answers = run_driver(
        [
            "make power_governor",
            "init 0 - 1",
            f"step 40 {budget}",
            "read CPU_POWER board 0",
            "read CPU_POWER_LIMIT_CONTROL board 0",
            "report",
        ],
        model_env,
    )
    step = ok(answers[2])
    power, enforced = step["sample"][0], step["sample"][2]
    # The median power of the last readings sits at (or under) the budget.
    assert power <= budget * 1.02
    assert power >= budget * 0.8
    assert step["sample"][1] == 1.0  # IS_CONVERGED
    assert enforced == pytest.approx(budget)
    assert step["send"] is True
    # The limit is written once: later iterations see no change.
    assert step["writes"] == 1
    assert step["trace"] == [budget]
    assert ok(answers[3])["value"] <= budget * 1.02
    # Board reads sum the packages' limits: together they make the budget.
    assert ok(answers[4])["value"] == pytest.approx(budget)
    assert ok(answers[5])["trace_names"] == ["POWER_BUDGET"]
    assert answers[5]["trace_formats"] == 1


def test_power_governor_budget_change_is_written_again(model_env: dict[str, str]) -> None:
    limits = power_limits(model_env)
    first = limits["CPU_POWER_LIMIT_DEFAULT"]
    second = (limits["CPU_POWER_MIN_AVAIL"] + first) / 2
    answers = run_driver(
        ["make power_governor", "init 0 - 1", f"step 5 {first}", f"step 5 {second}"],
        model_env,
    )
    assert ok(answers[2])["writes"] == 1
    assert ok(answers[3])["writes"] == 1
    assert answers[3]["trace"] == [second]


def split_answers(commands: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """Run power_governor at level 1 of a tree whose leaves have 3 nodes."""
    answers = run_driver(["make power_governor", "init 1 3 1", *commands], env)
    ok(answers[0])
    ok(answers[1])
    return answers[2:]


def test_power_governor_split_policy_at_level_1(model_env: dict[str, str]) -> None:
    limits = power_limits(model_env)
    budget = limits["CPU_POWER_LIMIT_DEFAULT"]
    lower = (limits["CPU_POWER_MIN_AVAIL"] + budget) / 2
    first, same, changed, too_high = split_answers(
        [
            f"split 3 {budget}",
            f"split 3 {budget}",
            f"split 3 {lower}",
            f"split 3 {limits['CPU_POWER_MAX_AVAIL'] + 1}",
        ],
        model_env,
    )
    # Every child gets the whole node budget, sent only when it changes.
    assert ok(first) == {"children": [[budget]] * 3, "send": True}
    assert ok(same)["send"] is False
    assert ok(changed) == {"children": [[lower]] * 3, "send": True}
    assert too_high["error"] == GEOPM_ERROR_INVALID


def test_power_governor_aggregate_sample_at_level_1(model_env: dict[str, str]) -> None:
    converged = ["100,1,110", "120,1,110", "140,1,110"]
    one_not_converged = ["100,1,110", "150,0,110", "140,1,110"]
    answers = split_answers(
        ["aggregate " + " ".join(one_not_converged)] + ["aggregate " + " ".join(converged)] * 11,
        model_env,
    )
    for answer in answers:
        ok(answer)
    # Nothing goes up until every child has converged.
    assert answers[0]["send"] is False
    # Then POWER and POWER_AVERAGE_ENFORCED are averaged and IS_CONVERGED is
    # the logical and; one converged sample in ten is forwarded.
    assert answers[1] == {"sample": [120.0, 1.0, 110.0], "send": True}
    assert [a["send"] for a in answers[2:11]] == [False] * 9
    assert answers[11]["send"] is True


def test_commands_answer_the_same_on_a_thread_of_their_own(model_env: dict[str, str]) -> None:
    # The native backend's tests call Python agents this way, from a thread
    # Python never saw, as GEOPM's controller may; here on the C++ agents.
    budget = power_limits(model_env)["CPU_POWER_LIMIT_DEFAULT"]
    commands = [
        "make power_governor",
        "init 1 3 1",
        f"split 3 {budget}",
        "validate nan",
        "validate",
        "aggregate 100,1,110 120,1,110 140,1,110",
    ]
    direct = run_driver(commands, model_env)
    threaded = run_driver([f"thread {command}" for command in commands], model_env)
    assert threaded == direct
    assert direct[3]["policy"] == [budget]
    assert direct[4]["error"] == GEOPM_ERROR_INVALID  # errors cross back from the thread


def test_power_governor_rejects_a_level_outside_the_tree(model_env: dict[str, str]) -> None:
    answers = run_driver(["make power_governor", "init 2 3 1"], model_env)
    assert answers[1]["error"] == GEOPM_ERROR_INVALID


def test_power_governor_needs_power_controls(tmp_path: Path) -> None:
    # An empty sysfs root: no powercap files and no node model, as on a VM.
    env = clean_env(GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path))
    [answer] = run_driver(["make power_governor"], env)
    assert answer["error"] == GEOPM_ERROR_AGENT_UNSUPPORTED
    assert "CPU_POWER_MIN_AVAIL" in answer["what"]


def test_power_governor_enforce_policy(model_env: dict[str, str]) -> None:
    budget = power_limits(model_env)["CPU_POWER_LIMIT_DEFAULT"]
    answers = run_driver(
        [
            "make power_governor",
            "enforce",
            f"enforce {budget}",
            "read CPU_POWER_LIMIT_CONTROL board 0",
        ],
        model_env,
    )
    assert answers[1]["error"] == GEOPM_ERROR_INVALID
    ok(answers[2])
    # A board write of a summed control is shared out over the packages.
    assert ok(answers[3])["value"] == pytest.approx(budget)


def read_trace(path: Path) -> list[dict[str, str]]:
    """Rows of a GEOPM trace file, keyed by column name."""
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("|")
    return [dict(zip(header, line.split("|"), strict=True)) for line in lines[1:]]


def test_cli_power_governor_holds_the_budget(tmp_path: Path) -> None:
    cli = require_cli()
    budget = 90.0
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"CPU_POWER_LIMIT": budget}))
    result = subprocess.run(
        [
            *cli,
            "launch",
            "--node-model",
            "--geopm-agent=power_governor",
            f"--geopm-policy={policy}",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--",
            "sleep",
            "0.3",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    assert len(rows) > 5
    assert {float(row["POWER_BUDGET"]) for row in rows} == {budget}
    assert float(rows[-1]["CPU_POWER"]) == pytest.approx(budget)


def test_cli_power_governor_without_power_controls_fails_clearly(tmp_path: Path) -> None:
    cli = require_cli()
    env = clean_env(GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path))
    result = subprocess.run(
        [
            *cli,
            "launch",
            "--geopm-agent=power_governor",
            "--geopm-report=report.yaml",
            "--",
            "true",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CPU_POWER_MIN_AVAIL" in result.stderr
