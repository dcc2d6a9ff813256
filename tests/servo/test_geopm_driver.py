"""The GEOPM adjust driver (servo-adjust-geopm), run as a real process.

Most tests drive it against the controller stand-in of geopm_standin.py, a
real process that follows the endpoint file protocol; the last one runs the
whole stack: servo's aggregator, this driver in adjust.d, and a real
``geopm-bridge launch`` with the power_governor agent.
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from geopm_helpers import (
    DRIVER_MODULE,
    POWER_CAP,
    DriverDir,
    Standin,
    adjust_request,
    clean_env,
    geopm_section,
)
from servo_helpers import ServoDir, catches_signal, parse_lines, wait_for


@pytest.fixture
def ddir(tmp_path: Path) -> DriverDir:
    return DriverDir(tmp_path / "servo")


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return tmp_path / "job" / "endpoint"


@pytest.fixture
def standins() -> Iterator[list[Standin]]:
    started: list[Standin] = []
    yield started
    for standin in started:
        standin.stop()


@pytest.fixture
def governor(prefix: Path, standins: list[Standin]) -> Standin:
    """A stand-in power_governor-like controller with CPU_POWER_LIMIT=200 and OTHER=7 in force."""
    return start_standin(standins, prefix, policy=("CPU_POWER_LIMIT=200", "OTHER=7"))


def start_standin(
    standins: list[Standin],
    prefix: Path,
    *args: str,
    agent: str = "power_governor",
    policy: tuple[str, ...] = ("CPU_POWER_LIMIT",),
) -> Standin:
    prefix.parent.mkdir(parents=True, exist_ok=True)
    standin = Standin(prefix, agent, list(policy), *args)
    standins.append(standin)
    return standin


def power_cap(result_doc: dict) -> dict:
    return result_doc["application"]["components"]["node"]["settings"]["power_cap"]


# --- version, info, query ---------------------------------------------------------


def test_version_and_info(ddir: DriverDir) -> None:
    res = ddir.run("--version")
    assert res.returncode == 0
    assert res.stdout == "geopm 1.0\n"
    res = ddir.run("--info", "app1")
    assert res.returncode == 0
    assert res.docs == [{"version": "geopm 1.0", "has_cancel": True}]


def test_query_reports_policy_in_force(ddir: DriverDir, governor: Standin) -> None:
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("--query", "app1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.docs == [
        {
            "application": {
                "components": {
                    "node": {
                        "settings": {
                            "power_cap": {
                                "type": "range",
                                "value": 200,
                                "min": 50,
                                "max": 300,
                                "step": 10,
                                "unit": "W",
                            }
                        }
                    }
                }
            }
        }
    ]
    # Whole numbers are JSON integers (servo checks the step of integers).
    assert '"value":200,"min":50,"max":300,"step":10,"unit":"W"' in res.stdout
    assert not governor.policy_path.exists()  # a query writes nothing


@pytest.mark.parametrize("nan_flag", [[], ["--nan-as-string"]])
def test_query_nan_policy_reports_default_else_min(
    ddir: DriverDir, prefix: Path, standins: list[Standin], nan_flag: list[str]
) -> None:
    start_standin(standins, prefix, *nan_flag)
    ddir.configure(geopm_section(prefix))
    assert power_cap(ddir.run("--describe", "app1").docs[0])["value"] == 50
    section = geopm_section(prefix)
    section["settings"]["CPU_POWER_LIMIT"]["default"] = 280
    ddir.configure(section)
    assert power_cap(ddir.run("--query", "app1").docs[0])["value"] == 280


def test_query_nan_policy_reports_last_written_value(
    ddir: DriverDir, prefix: Path, standins: list[Standin]
) -> None:
    standin = start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=0.2))
    res = ddir.run("app1", stdin=adjust_request(120))
    assert res.status["reason"] == "timeout"
    assert standin.sample()["policy"] == {"CPU_POWER_LIMIT": None}
    assert power_cap(ddir.run("--query", "app1").docs[0])["value"] == 120


# --- adjust --------------------------------------------------------------------------


def test_adjust_writes_policy_and_waits_until_applied(ddir: DriverDir, governor: Standin) -> None:
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin=adjust_request(150))
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.status["status"] == "ok"
    assert res.status["reason"] == "success"
    assert "CPU_POWER_LIMIT=150" in res.status["message"]
    percents = [p["progress"] for p in res.progress]
    assert percents == sorted(percents) and percents[-1] == 100

    written = governor.written_policy()
    # The name servo does not control keeps its value in force.
    assert written["policy"] == {"CPU_POWER_LIMIT": 150, "OTHER": 7}
    seq = written["seq"]
    assert seq in governor.accepted()
    sample = governor.sample()
    assert sample["policy_seq"] >= seq and sample["policy"]["CPU_POWER_LIMIT"] == 150
    assert power_cap(ddir.run("--query", "app1").docs[0])["value"] == 150

    # A second adjust uses a fresh seq.
    res = ddir.run("app1", stdin=adjust_request(300))
    assert res.status["status"] == "ok", res.stdout
    assert governor.written_policy()["seq"] > seq
    assert governor.sample()["policy"]["CPU_POWER_LIMIT"] == 300


def test_adjust_seq_above_existing_policy_file(ddir: DriverDir, governor: Standin) -> None:
    # Another writer's file with a large seq, not yet accepted (unknown name).
    other = governor.prefix.with_name("other-writer.tmp")
    other.write_text('{"seq": 41, "policy": {"NOT_A_POLICY": 1}}')
    os.replace(other, governor.policy_path)
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin=adjust_request(100))
    assert res.status["status"] == "ok", res.stdout
    assert governor.written_policy()["seq"] == 42
    assert governor.accepted()[-1] == 42


def test_adjust_timeout_when_controller_never_applies(
    ddir: DriverDir, prefix: Path, standins: list[Standin]
) -> None:
    start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=0.5))
    res = ddir.run("app1", stdin=adjust_request(100))
    assert res.returncode == 1
    status = res.status
    assert status["status"] == "failed"
    assert status["reason"] == "timeout"
    assert str(prefix) in status["message"] and "0.5 s" in status["message"]
    assert res.progress  # it told servo what it was doing


def test_agent_mismatch(ddir: DriverDir, prefix: Path, standins: list[Standin]) -> None:
    standin = start_standin(standins, prefix, agent="monitor", policy=())
    ddir.configure(geopm_section(prefix))
    for args, stdin in ((["--query", "app1"], None), (["app1"], adjust_request(100))):
        res = ddir.run(*args, stdin=stdin)
        assert res.returncode == 1
        assert res.status["reason"] == "agent-mismatch"
        assert "'monitor'" in res.status["message"]
        assert "'power_governor'" in res.status["message"]
    assert not standin.policy_path.exists()


def test_configured_policy_unknown_to_agent(ddir: DriverDir, governor: Standin) -> None:
    section = geopm_section(governor.prefix)
    section["settings"]["FREQ_MAX"] = dict(POWER_CAP, setting="freq")
    ddir.configure(section)
    res = ddir.run("--query", "app1")
    assert res.status["reason"] == "bad-config"
    assert "FREQ_MAX" in res.status["message"]
    assert "CPU_POWER_LIMIT, OTHER" in res.status["message"]


@pytest.mark.parametrize(
    ("value", "reason", "text"),
    [
        (400, "out-of-range", "out of range [50, 300]"),
        (40, "out-of-range", "out of range"),
        (155, "out-of-range", "multiple of step 10"),
        ("200", "invalid-value", "not a number"),
        (True, "invalid-value", "not a number"),
    ],
)
def test_bad_value_rejected(
    ddir: DriverDir, governor: Standin, value: object, reason: str, text: str
) -> None:
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin=adjust_request(value))
    assert res.returncode == 1
    assert res.status["status"] == "rejected"
    assert res.status["reason"] == reason
    assert text in res.status["message"] and "power_cap" in res.status["message"]
    assert not governor.policy_path.exists()


def test_fractional_step_grid() -> None:
    from geopm_servo.geopm_config import SettingSpec

    spec = SettingSpec.from_config("X", {"component": "c", "min": 0.1, "max": 1.0, "step": 0.1})
    assert spec.setting == "X"
    assert all(spec.value_problem(round(0.1 * k, 10)) is None for k in range(1, 11))
    assert "multiple of step 0.1" in (spec.value_problem(0.25) or "")
    assert "out of range" in (spec.value_problem(1.1) or "")


def test_unknown_setting_rejected(ddir: DriverDir, governor: Standin) -> None:
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin=adjust_request(1.5, setting="cpu"))
    assert res.status["status"] == "rejected"
    assert res.status["reason"] == "unknown-setting"
    assert "'cpu'" in res.status["message"] and "'node'" in res.status["message"]
    request = adjust_request(100)
    request["application"]["settings"] = {"replicas": {"value": 2}}
    res = ddir.run("app1", stdin=request)
    assert res.status["reason"] == "unknown-setting" and "replicas" in res.status["message"]
    assert not governor.policy_path.exists()


def test_missing_endpoint(ddir: DriverDir, prefix: Path) -> None:
    ddir.configure(geopm_section(prefix))
    for args, stdin in ((["--query", "app1"], None), (["app1"], adjust_request(100))):
        res = ddir.run(*args, stdin=stdin)
        assert res.returncode == 1
        assert res.status["status"] == "failed"
        assert res.status["reason"] == "endpoint-not-found"
        assert f"{prefix}.sample" in res.status["message"]


def test_controller_not_running(ddir: DriverDir, governor: Standin) -> None:
    governor.stop()
    assert governor.sample()["running"] is False
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin=adjust_request(100))
    assert res.status["reason"] == "controller-not-running"
    assert f"{governor.prefix}.sample" in res.status["message"]
    assert not governor.policy_path.exists()


def test_controller_stops_while_waiting(
    ddir: DriverDir, prefix: Path, standins: list[Standin]
) -> None:
    standin = start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=60))
    proc = ddir.start("app1", stdin=adjust_request(100))
    wait_for(lambda: standin.policy_path.exists())
    standin.stop()
    out, err = proc.communicate(timeout=30)
    status = parse_lines(out)[-1]
    assert proc.returncode == 1, err
    assert status["reason"] == "controller-not-running"
    assert "stopped before applying" in status["message"]


def test_sigusr1_cancels_the_wait(ddir: DriverDir, prefix: Path, standins: list[Standin]) -> None:
    standin = start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=120))
    proc = ddir.start("app1", stdin=adjust_request(100))
    wait_for(lambda: standin.policy_path.exists() and catches_signal(proc.pid, signal.SIGUSR1))
    proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    status = parse_lines(out)[-1]
    assert status["status"] == "canceled"
    assert "SIGUSR1" in status["message"] and str(standin.policy_path) in status["message"]


def test_sigusr1_before_the_request_writes_nothing(ddir: DriverDir, governor: Standin) -> None:
    ddir.configure(geopm_section(governor.prefix))
    proc = subprocess.Popen(
        [sys.executable, "-m", DRIVER_MODULE, "app1"],
        cwd=ddir.root,
        stdin=subprocess.PIPE,  # kept open: the driver waits for its request
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ddir.env(),
    )
    wait_for(lambda: catches_signal(proc.pid, signal.SIGUSR1))
    proc.send_signal(signal.SIGUSR1)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    status = parse_lines(out)[-1]
    assert status["status"] == "canceled" and "nothing was written" in status["message"]
    assert not governor.policy_path.exists()


def test_sigterm_terminates(ddir: DriverDir, prefix: Path, standins: list[Standin]) -> None:
    standin = start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=120))
    proc = ddir.start("app1", stdin=adjust_request(100))
    wait_for(lambda: standin.policy_path.exists() and catches_signal(proc.pid, signal.SIGTERM))
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert parse_lines(out)[-1]["status"] == "terminated"


# --- configuration errors -----------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda s: s.pop("agent"), "geopm.agent: missing"),
        (lambda s: s.pop("endpoint"), "geopm.endpoint: missing"),
        (lambda s: s.pop("settings"), "geopm.settings: missing"),
        (lambda s: s.update(timeout=0), "geopm.timeout"),
        (lambda s: s.update(agnet="x"), "geopm.agnet: unknown key"),
        (lambda s: s["settings"]["CPU_POWER_LIMIT"].pop("max"), "CPU_POWER_LIMIT.max: missing"),
        (lambda s: s["settings"]["CPU_POWER_LIMIT"].update(min=300), "min (300) must be less"),
        (lambda s: s["settings"]["CPU_POWER_LIMIT"].update(step="ten"), "CPU_POWER_LIMIT.step"),
        (lambda s: s["settings"]["CPU_POWER_LIMIT"].update(default=55), "CPU_POWER_LIMIT.default"),
    ],
)
def test_bad_config_names_the_key(ddir: DriverDir, prefix: Path, change: object, key: str) -> None:
    section = geopm_section(prefix)
    change(section)  # type: ignore[operator]
    ddir.configure(section)
    for args, stdin in ((["--query", "app1"], None), (["app1"], adjust_request(100))):
        res = ddir.run(*args, stdin=stdin)
        assert res.returncode == 1
        assert res.status["reason"] == "bad-config"
        assert key in res.status["message"]


def test_missing_section(ddir: DriverDir, prefix: Path) -> None:
    ddir.configure(geopm_section(prefix), name="other")
    res = ddir.run("--query", "app1")
    assert res.status["reason"] == "bad-config"
    assert "no 'geopm' section" in res.status["message"]


def test_usage_and_bad_input(ddir: DriverDir, governor: Standin) -> None:
    res = ddir.run()
    assert res.returncode == 2 and res.status["reason"] == "usage"
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("app1", stdin="not json")
    assert res.returncode == 1 and res.status["reason"] == "bad-input"


# --- end to end: servo's aggregator, this driver, a live geopm-bridge launch ----------


def _stack_problem() -> str | None:
    """Why the compiled stack cannot be used here, or None when it can."""
    probe = subprocess.run(
        [sys.executable, "-c", "import geopm_bridge._core"],
        env=clean_env(),
        cwd="/",
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return "geopm_bridge._core cannot be imported (install the package): " + (
        lines[-1] if lines else f"exit {probe.returncode}"
    )


def _console_script(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"console script {name} not found: is the package installed?"
    return found


def _read_trace(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="|"))


def test_end_to_end_aggregator_adjusts_live_power_governor(tmp_path: Path) -> None:
    problem = _stack_problem()
    if problem:
        pytest.skip(problem)
    job = tmp_path / "job"
    job.mkdir()
    prefix, trace, report, release = (job / n for n in ("endpoint", "trace", "report", "release"))
    # The application runs until the test lets it go, so the job outlives the adjustment
    # however slow this machine is.
    app = ["sh", "-c", 'until [ -e "$0" ]; do sleep 0.05; done', str(release)]
    launch = subprocess.Popen(
        [
            _console_script("geopm-bridge"),
            "launch",
            "--node-model",
            "--geopm-agent=power_governor",
            f"--geopm-endpoint={prefix}",
            f"--geopm-trace={trace}",
            f"--geopm-report={report}",
            "--geopm-period=0.01",
            "--",
            *app,
        ],
        cwd=job,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sample_path = Path(f"{prefix}.sample")
    try:
        wait_for(lambda: sample_path.exists() or launch.poll() is not None, timeout=120)
        assert launch.poll() is None, launch.communicate()
        before = json.loads(sample_path.read_text())
        assert before["agent"] == "power_governor" and before["running"] is True
        servo = ServoDir(tmp_path / "servo")
        servo.add(
            "01geopm",
            f'#!/bin/sh\nexec {shlex.quote(_console_script("servo-adjust-geopm"))} "$@"\n',
        )
        section = geopm_section(prefix)  # max 300 W: beyond the node model's 200 W
        section["settings"]["CPU_POWER_LIMIT"]["default"] = 120
        (servo.root / "config.yaml").write_text(yaml.safe_dump({"geopm": section}))
        assert servo.run("--version").stdout.startswith("aggregator 2.0 (geopm 1.0")

        def enforced() -> float | None:
            value: float | None = json.loads(sample_path.read_text())["sample"][
                "POWER_AVERAGE_ENFORCED"
            ]
            return value

        wait_for(lambda: enforced() is not None, timeout=60)
        query = servo.run("--query", "app1")
        assert query.returncode == 0, query.stdout + query.stderr
        # NaN in force: the agent's default (the node's TDP, 150 W), which its sample
        # shows, not the configured default (for agents whose sample does not) nor min.
        assert power_cap(query.docs[-1])["value"] == enforced() == 150

        # Beyond the platform: the agent enforces its maximum, and servo is told both values.
        res = servo.run("app1", stdin=adjust_request(250))
        assert res.returncode == 0, res.stdout + res.stderr
        assert res.status["status"] == "ok", res.stdout
        warning = res.status["message"].split("warning: ", 1)[1]
        assert "is 250 but the agent enforces 200" in warning, warning
        assert power_cap(servo.run("--query", "app1").docs[-1])["value"] == 200

        res = servo.run("app1", stdin=adjust_request(90))
        assert res.returncode == 0, res.stdout + res.stderr
        assert res.status["status"] == "ok", res.stdout
        assert res.progress[-1]["progress"] == 100
        assert any("geopm: applied" in p.get("message", "") for p in res.progress)
        assert power_cap(servo.run("--query", "app1").docs[-1])["value"] == 90

        # Let the job end once the agent reports the new budget enforced.
        wait_for(
            lambda: json.loads(sample_path.read_text())["sample"]["POWER_AVERAGE_ENFORCED"] == 90,
            timeout=60,
        )
    finally:
        release.touch()
        try:
            out, err = launch.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            launch.kill()
            out, err = launch.communicate()
    assert launch.returncode == 0, out + err
    assert json.loads(sample_path.read_text())["running"] is False

    [trace_file] = job.glob("trace-*")
    rows = _read_trace(trace_file)
    budgets = [float(r["POWER_BUDGET"]) for r in rows]
    # The default budget first, then the cap servo set.
    assert budgets[0] > 90 and budgets[-1] == 90
    power = [float(r["CPU_POWER"]) for r in rows]
    assert power[0] > 90 and power[-1] <= 90 + 1e-6
    assert "Policy: DYNAMIC" in report.read_text()


# --- the last gaps: no app id, a dead controller, no config.yaml ----------------------


def test_info_and_query_need_no_app_id(ddir: DriverDir, governor: Standin) -> None:
    # As upstream's adjust base: servo's own test_adjust.py runs a bare --info.
    res = ddir.run("--info")
    assert res.returncode == 0 and res.docs == [{"version": "geopm 1.0", "has_cancel": True}]
    ddir.configure(geopm_section(governor.prefix))
    res = ddir.run("--query")
    assert res.returncode == 0, res.stdout
    assert power_cap(res.docs[0])["value"] == 200
    res = ddir.run()
    assert res.returncode == 2 and res.status["reason"] == "usage"  # adjusting needs the id


def _sigkill(standin: Standin) -> None:
    """Kill a stand-in as a crash would: its sample file goes on saying it runs."""
    standin.proc.kill()
    standin.proc.communicate(timeout=10)
    assert standin.sample()["running"] is True


def test_dead_controller_is_named(ddir: DriverDir, governor: Standin) -> None:
    ddir.configure(geopm_section(governor.prefix, timeout=0.5))
    _sigkill(governor)
    wait_for(lambda: time.time() - governor.sample()["timestamp"] > 1.0)
    for args, stdin in ((["--query", "app1"], None), (["app1"], adjust_request(100))):
        res = ddir.run(*args, stdin=stdin)
        assert res.returncode == 1
        assert res.status["reason"] == "controller-not-running", res.status
        message = res.status["message"]
        assert "has died" in message and f"{governor.prefix}.sample" in message
        assert "seq" not in message
    assert not governor.policy_path.exists()


def test_controller_dying_while_waiting_is_named(
    ddir: DriverDir, prefix: Path, standins: list[Standin]
) -> None:
    standin = start_standin(standins, prefix, "--never-apply")
    ddir.configure(geopm_section(prefix, timeout=1.0))
    # The stand-in dies as soon as the driver has written its policy.
    proc = ddir.start("app1", stdin=adjust_request(100))
    try:
        wait_for(lambda: standin.policy_path.exists())
        _sigkill(standin)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    status = parse_lines(out)[-1]
    assert proc.returncode == 1, err
    assert status["reason"] == "controller-not-running", status
    assert "has died" in status["message"] and "seq" not in status["message"]


def test_missing_config_file_is_named(ddir: DriverDir) -> None:
    for args, stdin in ((["--query"], None), (["app1"], adjust_request(100))):
        res = ddir.run(*args, stdin=stdin)
        assert res.returncode == 1
        assert res.status["reason"] == "bad-config"
        assert res.status["message"].startswith(f"config.yaml not found in {ddir.root}")


def test_query_reports_the_nearest_allowed_value(
    ddir: DriverDir, prefix: Path, standins: list[Standin]
) -> None:
    # servo checks that (value - min) is a multiple of step: 165 is off the grid.
    start_standin(standins, prefix, policy=("CPU_POWER_LIMIT=165",))
    ddir.configure(geopm_section(prefix))
    assert power_cap(ddir.run("--query").docs[0])["value"] == 170
