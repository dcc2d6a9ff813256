"""The controller: run_job() end to end, in real processes.

A small C++ program (tests/cpp/run_job_main.cpp) runs one job the way the
CLI does: configuration from the GEOPM_* environment, its arguments as the
application. The "recorder" agent plugin (tests/cpp/RecorderAgent.cpp),
compiled here like any GEOPM plugin, logs each hook the controller calls and
misbehaves on request. Controls are checked on a fake sysfs tree, whose
files show what the controller wrote and restored.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fake_sysfs
import pytest
import yaml
from cpp_build import clean_env, compile_plugin, compile_program

CPP = Path(__file__).resolve().parent / "cpp"
POWER_LIMIT_FILE = "sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"
SAVED_POWER_LIMIT = fake_sysfs.POWERCAP_FILES["constraint_0_power_limit_uw"]
ITERATION = ["validate_policy", "adjust_platform", "wait", "sample_platform", "trace_values"]


@dataclass(frozen=True)
class Built:
    """The test driver and the directory holding the recorder plugin."""

    driver: Path
    plugin_dir: Path


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Compile run_job_main and the recorder plugin once per session."""
    out = tmp_path_factory.mktemp("controller-build")
    driver = compile_program(CPP / "run_job_main.cpp", out / "run_job_main")
    plugin_dir = out / "plugins"
    plugin_dir.mkdir()
    compile_plugin(CPP / "RecorderAgent.cpp", plugin_dir / "libgeopmagent_recorder.so.2.1.0")
    return Built(driver, plugin_dir)


@dataclass
class Job:
    """One job's files, environment and driver."""

    built: Built
    dir: Path
    env: dict[str, str]

    @property
    def log(self) -> Path:
        return self.dir / "hooks.log"

    @property
    def report(self) -> Path:
        return self.dir / "report.yaml"

    def trace(self) -> Path:
        [path] = self.dir.glob("trace-*")
        return path

    def command(self, app: list[str]) -> list[str]:
        return [str(self.built.driver), *app]

    def run(self, app: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(app),
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.dir,
        )

    def start(self, app: list[str], **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(app),
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.dir,
        )

    def hooks(self) -> list[str]:
        """The hook names logged, in call order."""
        return [line.split()[1] for line in self.log.read_text().splitlines()]

    def log_lines(self, hook: str) -> list[str]:
        """The details logged for each call of hook."""
        return [
            line.split(" ", 2)[2]
            for line in self.log.read_text().splitlines()
            if line.split()[1] == hook
        ]

    def power_limit(self) -> str:
        return (self.dir / "sysfs" / POWER_LIMIT_FILE).read_text().strip()

    def write_policy(self, text: str) -> None:
        path = self.dir / "policy.json"
        path.write_text(text)
        self.env["GEOPM_POLICY"] = str(path)


@pytest.fixture
def job(built: Built, tmp_path: Path) -> Job:
    """A recorder job on a fake machine, with report and trace."""
    fake_sysfs.build(tmp_path / "sysfs")
    env = clean_env(
        GEOPM_AGENT="recorder",
        GEOPM_PLUGIN_PATH=str(built.plugin_dir),
        GEOPM_PERIOD="0.01",
        GEOPM_REPORT=str(tmp_path / "report.yaml"),
        GEOPM_TRACE=str(tmp_path / "trace"),
        GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path / "sysfs"),
        RECORDER_LOG=str(tmp_path / "hooks.log"),
    )
    return Job(built, tmp_path, env)


def wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[str]) -> None:
    """Poll condition until it holds; fail (showing the job's output) if the job ends first."""
    deadline = time.monotonic() + 30
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"never saw {what}; job rc={proc.returncode}\n{out}\n{err}")
        time.sleep(0.02)


def error_of(result: subprocess.CompletedProcess[str]) -> str:
    """The driver's error line, asserting that the job failed."""
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr


def load_report(path: Path) -> dict[str, Any]:
    """The report as plain YAML (GEOPM's own parser is tried in the report tests)."""
    return yaml.safe_load(path.read_text())


def host_of(report: dict[str, Any]) -> dict[str, Any]:
    """The report's section for its only host."""
    [host] = report["Hosts"].values()
    return host


def geopmpy_io():  # noqa: ANN201 - geopmpy has no type hints
    """geopmpy.io, GEOPM's report and trace parser (run-tests installs it).

    Imported, not skipped when missing: reading our reports with GEOPM's own
    parser is a requirement, so its absence must fail the suite.
    """
    import geopmpy.io

    return geopmpy.io


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# ---------------------------------------------------------------- the loop


def test_hooks_are_called_in_geopm_order(job: Job) -> None:
    result = job.run(["sleep", "0.2"])
    assert result.returncode == 0, result.stderr
    lines = job.log.read_text().splitlines()
    # One node: a single level-0 agent, fan_in empty, not a level root (GEOPM's rule).
    assert lines[0] == "0 init fan_in=0 is_level_root=0"
    hooks = job.hooks()[1:]
    num_iteration = len(hooks) // len(ITERATION)
    assert num_iteration >= 3
    assert hooks == ITERATION * num_iteration
    # A single node has no tree levels to split or aggregate for.
    assert all(line.startswith("0 ") for line in lines)


def test_trace_values_is_not_called_without_a_trace(job: Job) -> None:
    del job.env["GEOPM_TRACE"]
    assert job.run(["sleep", "0.1"]).returncode == 0
    hooks = job.hooks()
    assert "trace_values" not in hooks
    assert hooks[1:5] == ["validate_policy", "adjust_platform", "wait", "sample_platform"]


def test_unknown_agent_lists_the_known_ones(job: Job) -> None:
    message = error_of(job.run(["true"], GEOPM_AGENT="no_such_agent"))
    assert '"no_such_agent"' in message
    assert "monitor" in message and "recorder" in message


def test_runs_until_sigterm_without_an_application(job: Job) -> None:
    proc = job.start([])
    wait_for(lambda: job.log.exists() and "sample_platform" in job.hooks(), "iterations", proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    # Like geopmctl alone: a signal is the normal end of such a job.
    assert proc.returncode == 0, err
    assert "Run Status" not in job.report.read_text()


# ---------------------------------------------------------------- policy file


@pytest.mark.parametrize(
    ("policy", "seen"),
    [
        ('{"ALPHA": 1.5, "BETA": 2e3}', "1.5,2000"),
        ('{"ALPHA": 7}', "7,nan"),  # missing names are NaN
        ('{"ALPHA": "NAN", "BETA": "nan"}', "nan,nan"),
        ("{}", "nan,nan"),
        (None, "nan,nan"),  # no policy file at all
    ],
)
def test_policy_file_values_reach_the_agent(job: Job, policy: str | None, seen: str) -> None:
    if policy is not None:
        job.write_policy(policy)
    result = job.run(["sleep", "0.05"])
    assert result.returncode == 0, result.stderr
    adjusted = job.log_lines("adjust_platform")
    assert adjusted and set(adjusted) == {seen}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ('{"ALPHA": 1, "GAMMA": 2}', ['"GAMMA"', '"recorder"', "ALPHA, BETA"]),
        ('{"ALPHA": "high"}', ["ALPHA", "must be a number", '"high"']),
        ('{"ALPHA": [1]}', ["ALPHA", "must be a number"]),
        ('{"ALPHA": 1,', ["policy.json", "offset"]),
        ("[1, 2]", ["policy.json", "JSON object"]),
    ],
)
def test_bad_policy_file_is_a_clear_error(job: Job, policy: str, expected: list[str]) -> None:
    job.write_policy(policy)
    message = error_of(job.run(["true"]))
    for part in expected:
        assert part in message
    assert not job.log.exists()  # refused before any agent was made


def test_missing_policy_file_is_an_error(job: Job) -> None:
    job.env["GEOPM_POLICY"] = str(job.dir / "absent.json")
    message = error_of(job.run(["true"]))
    assert "absent.json" in message and "No such file" in message


# ---------------------------------------------------------------- application


def test_application_exit_code_is_returned(job: Job) -> None:
    assert job.run(["sh", "-c", "exit 3"]).returncode == 3


def test_application_killed_by_a_signal_gives_128_plus_signal(job: Job) -> None:
    assert job.run(["sh", "-c", "kill -KILL $$"]).returncode == 128 + signal.SIGKILL


def test_application_that_cannot_start(job: Job) -> None:
    job.write_policy('{"ALPHA": 100}')
    result = job.run(["/no/such/program", "arg"], RECORDER_CONTROL="CPU_POWER_LIMIT_CONTROL")
    # A shell's status for a program not found (ApplicationStartError).
    assert result.returncode == 127, result.stderr
    message = result.stderr
    assert message.startswith("error: ") and message.count("\n") == 1
    assert '"/no/such/program"' in message and "No such file or directory" in message
    # Refused before the loop: no agent hook beyond init ran, no report.
    assert job.hooks() == ["init"]
    assert not job.report.exists()
    assert job.power_limit() == SAVED_POWER_LIMIT


def test_application_is_looked_up_in_path_and_shares_stdout(job: Job) -> None:
    result = job.run(["echo", "hello from the app"])
    assert result.returncode == 0
    assert result.stdout == "hello from the app\n"


# ---------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_the_job_cleanly(job: Job, signum: signal.Signals) -> None:
    job.write_policy('{"ALPHA": 100}')
    pid_file = job.dir / "app.pid"
    proc = job.start(
        ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
        RECORDER_CONTROL="CPU_POWER_LIMIT_CONTROL",
    )
    # The controller writes the agent's 100 W over the two packages.
    wait_for(lambda: job.power_limit() == "50000000", "the agent's power limit", proc)
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "", "the app", proc)
    app_pid = int(pid_file.read_text())
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert not is_alive(app_pid)
    assert job.power_limit() == SAVED_POWER_LIMIT
    name = signal.Signals(signum).name
    assert f'Run Status: "interrupted by {name}"' in job.report.read_text()
    assert host_of(load_report(job.report))["Application Totals"]["runtime (s)"] > 0


# ---------------------------------------------------------------- agent errors


@pytest.mark.parametrize(
    "hook", ["validate_policy", "adjust_platform", "wait", "sample_platform", "trace_values"]
)
def test_agent_exception_ends_the_job_cleanly(job: Job, hook: str) -> None:
    job.write_policy('{"ALPHA": 100}')
    pid_file = job.dir / "app.pid"
    arm_file = job.dir / "arm"
    proc = job.start(
        ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
        RECORDER_RAISE=f"{hook}@2",
        RECORDER_ARM=str(arm_file),
        RECORDER_CONTROL="CPU_POWER_LIMIT_CONTROL",
    )
    wait_for(lambda: job.power_limit() == "50000000", "the agent's power limit", proc)
    wait_for(lambda: pid_file.exists() and pid_file.read_text().strip() != "", "the app", proc)
    arm_file.touch()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and err.startswith("error: "), err
    # The agent's message comes through verbatim, second line included.
    assert f"recorder raised in {hook}\nsecond line" in err
    assert not is_alive(int(pid_file.read_text()))
    assert job.power_limit() == SAVED_POWER_LIMIT
    text = job.report.read_text()
    assert 'Run Status: "error: ' in text and f"recorder raised in {hook}" in text
    iterations = host_of(load_report(job.report))["Recorder Iterations"]
    assert iterations == job.hooks().count("sample_platform") >= 1
    # The trace keeps every row written before the error.
    rows = len(job.trace().read_text().splitlines()) - 6
    assert rows == job.hooks().count("trace_values") - (hook == "trace_values")


def test_agent_exception_in_a_report_hook_still_writes_the_report(job: Job) -> None:
    message = error_of(job.run(["true"], RECORDER_RAISE="report_host"))
    assert "recorder raised in report_host" in message
    report = load_report(job.report)
    assert report["Recorder Header"] == "hello"
    assert "Recorder Iterations" not in host_of(report)
    assert report["Run Status"].startswith("error: ")


@pytest.mark.parametrize(
    ("hook", "vector"),
    [
        ("validate_policy", "policy from 2 to 3"),
        ("sample_platform", "out_sample from 2 to 3"),
        ("trace_values", "values from 2 to 3"),
    ],
)
def test_agent_resizing_a_vector_is_an_error(job: Job, hook: str, vector: str) -> None:
    message = error_of(job.run(["sleep", "10"], RECORDER_RESIZE=hook))
    assert f'agent "recorder" at level 0: {hook}() changed the length of {vector}' in message


def test_agent_sending_nan_is_an_error_after_the_first_iteration(job: Job) -> None:
    message = error_of(job.run(["sleep", "10"], RECORDER_NAN="1"))
    assert "sample_platform() left NaN in out_sample[0] (S0)" in message
    # The first iteration's NaN is forgiven (not sent), the second is not.
    assert job.hooks().count("sample_platform") == 2


# ---------------------------------------------------------------- trace


def test_trace_header_rows_and_columns(job: Job) -> None:
    job.env["GEOPM_TRACE_SIGNALS"] = "TIME@package,USER_TIME"
    job.env["GEOPM_PROFILE"] = "my profile"
    job.write_policy('{"ALPHA": 2.5}')
    assert job.run(["sleep", "0.2"]).returncode == 0
    lines = job.trace().read_text().splitlines()
    assert lines[:5] == [
        "# geopm_version: 3.1.0",
        lines[1],
        "# profile_name: my profile",
        f"# node_name: {job.trace().name.removeprefix('trace-')}",
        "# agent: recorder",
    ]
    assert lines[1].startswith("# start_time: ")
    columns = lines[5].split("|")
    assert columns[:5] == ["TIME", "EPOCH_COUNT", "REGION_HASH", "REGION_HINT", "REGION_PROGRESS"]
    # The fake machine's powercap and cpufreq signals are there too.
    assert {"CPU_ENERGY", "CPU_FREQUENCY_STATUS"} <= set(columns)
    assert columns[-5:] == [
        "TIME-package-0",
        "TIME-package-1",
        "USER_TIME",
        "recorder_iteration",
        "recorder_alpha",
    ]
    rows = [line.split("|") for line in lines[6:]]
    assert len(rows) == job.hooks().count("sample_platform")
    # Not instrumented: no epoch, the unmarked region, GEOPM's formats.
    assert {tuple(row[1:5]) for row in rows} == {("0", "0x725e8066", "0x00000000", "0")}
    assert [row[-2] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert {row[-1] for row in rows} == {"2.5"}
    times = [float(row[0]) for row in rows]
    assert times == sorted(times)


def test_trace_is_readable_by_geopmpy(job: Job) -> None:
    assert job.run(["sleep", "0.1"]).returncode == 0
    trace = geopmpy_io().Trace(str(job.trace()))
    assert trace.get_agent() == "recorder"
    assert list(trace.get_df()["recorder_iteration"])[:3] == [1, 2, 3]


def test_unknown_trace_signal_is_an_error(job: Job) -> None:
    message = error_of(job.run(["true"], GEOPM_TRACE_SIGNALS="NO_SUCH_SIGNAL"))
    assert 'GEOPM_TRACE_SIGNALS: unknown signal "NO_SUCH_SIGNAL"' in message
    message = error_of(job.run(["true"], GEOPM_TRACE_SIGNALS="TIME@nowhere"))
    assert 'unknown domain "nowhere"' in message


# ---------------------------------------------------------------- report


def test_report_is_read_by_geopmpy(job: Job) -> None:
    job.write_policy('{"ALPHA": 120, "BETA": "NAN"}')
    job.env["GEOPM_REPORT_SIGNALS"] = "TIME@package,CPU_FREQUENCY_STATUS"
    assert job.run(["sleep", "0.3"]).returncode == 0
    report = geopmpy_io().RawReport(str(job.report))
    meta = report.meta_data()
    assert meta["GEOPM Version"] == "3.1.0"
    assert meta["Agent"] == "recorder"
    assert meta["Profile"] == "default"
    assert meta["Policy"] == {"ALPHA": 120, "BETA": "NAN"}
    raw = report.raw_report()
    assert raw["Recorder Header"] == "hello"
    [host] = report.host_names()
    iterations = job.hooks().count("sample_platform")
    assert raw["Hosts"][host]["Recorder Iterations"] == iterations
    # The agent's region entries: its own region by hash, and the unmarked one.
    assert report.region_names(host) == ["0x00001234"]
    assert report.raw_region(host, "0x00001234")["recorder-region"] == 8
    assert report.raw_unmarked(host)["recorder-unmarked"] == 7
    assert report.raw_epoch(host)["count"] == 0
    totals = report.raw_totals(host)
    assert totals["count"] == 0
    assert 0 < totals["sync-runtime (s)"] <= totals["runtime (s)"]
    # The fake machine's cpufreq files say 2.15 GHz on average; its sticker is 2.1 GHz.
    assert totals["frequency (Hz)"] == pytest.approx(2.15e9)
    assert totals["frequency (%)"] == pytest.approx(100 * 2.15 / 2.1)
    assert totals["CPU_FREQUENCY_STATUS"] == pytest.approx(2.15e9)
    assert totals["TIME@package-0"] > 0 and "TIME@package-1" in totals
    for key in ("GEOPM startup (s)", "GEOPM overhead (s)", "geopmctl memory HWM (B)"):
        assert totals[key] > 0
    assert all(f"time-hint-{hint} (s)" in totals for hint in ("compute", "unset", "spin"))


def test_report_energy_and_power_on_the_node_model(job: Job) -> None:
    job.env["GEOPM_BRIDGE_NODE_MODEL"] = "1"
    assert job.run(["sleep", "0.3"]).returncode == 0
    collection = geopmpy_io().RawReportCollection(
        [str(job.report)], dir_name="", do_cache=False, verbose=False
    )
    [row] = collection.get_app_df().to_dict("records")
    assert row["Agent"] == "recorder"
    assert row["package-energy (J)"] > 0 and row["dram-energy (J)"] > 0
    assert row["power (W)"] == pytest.approx(row["package-energy (J)"] / row["sync-runtime (s)"])
    assert len(collection.get_unmarked_df()) == 1


def test_unwritable_report_is_an_error_before_the_run(job: Job) -> None:
    message = error_of(job.run(["true"], GEOPM_REPORT=str(job.dir / "no" / "report")))
    assert "report" in message and "No such file or directory" in message
    assert "validate_policy" not in job.hooks()


# ---------------------------------------------------------------- endpoint


def test_dynamic_endpoint(job: Job) -> None:
    prefix = job.dir / "endpoint"
    policy_file = Path(f"{prefix}.policy")
    sample_file = Path(f"{prefix}.sample")
    stop_file = job.dir / "stop"
    proc = job.start(
        ["sh", "-c", f"while [ ! -e {stop_file} ]; do sleep 0.02; done"],
        GEOPM_ENDPOINT=str(prefix),
    )

    def sample() -> dict:
        return json.loads(sample_file.read_text()) if sample_file.exists() else {}

    def publish(document: dict) -> None:
        # Atomic replacement, as the protocol asks of writers.
        tmp = job.dir / "policy.tmp"
        tmp.write_text(json.dumps(document))
        tmp.replace(policy_file)

    wait_for(lambda: sample().get("policy_seq", 0) is None, "the first sample file", proc)
    first = sample()
    assert first["agent"] == "recorder" and first["running"] is True
    assert first["policy"] == {"ALPHA": None, "BETA": None}

    publish({"seq": 5, "policy": {"ALPHA": 42}})
    wait_for(lambda: "42,nan" in job.log_lines("adjust_platform"), "the new policy", proc)
    wait_for(lambda: sample().get("policy_seq") == 5, "policy_seq 5", proc)
    current = sample()
    assert current["policy"] == {"ALPHA": 42, "BETA": None}
    assert current["sample"]["S0"] >= 1 and current["sample"]["S1"] == 2 * current["sample"]["S0"]
    assert current["hosts"] and isinstance(current["timestamp"], float)

    publish({"seq": 6, "policy": {"GAMMA": 1}})  # bad: ignored, the run goes on
    publish({"ALPHA": 43})  # the bare form: seq counts accepted updates
    wait_for(lambda: "43,nan" in job.log_lines("adjust_platform"), "the bare policy", proc)
    stop_file.touch()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    final = sample()
    assert final["running"] is False and final["policy"]["ALPHA"] == 43
    assert final["policy_seq"] == 2
    assert load_report(job.report)["Policy"] == "DYNAMIC"
    seen = set(job.log_lines("adjust_platform"))
    assert seen <= {"nan,nan", "42,nan", "43,nan"}


def test_bad_endpoint_update_is_reported_once_and_ignored(job: Job) -> None:
    prefix = job.dir / "endpoint"
    Path(f"{prefix}.policy").write_text('{"GAMMA": 1}')
    result = job.run(["sleep", "0.2"], GEOPM_ENDPOINT=str(prefix))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("geopm-bridge: warning: ignoring an endpoint policy update") == 1
    assert '"GAMMA"' in result.stderr
    # Words for a person: no GEOPM error prefix, no source position.
    assert "<geopm>" not in result.stderr and ".cpp:" not in result.stderr, result.stderr
    assert set(job.log_lines("adjust_platform")) == {"nan,nan"}
