"""geopm_bridge.run(): real jobs on the node model, their results read back,
threads, Ctrl-C and bad input."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import geopm_bridge as g
import numpy as np
import pytest


def _totals(result: g.RunResult, host: str | None = None) -> dict[str, float]:
    assert result.report is not None
    hosts = result.report["Hosts"]
    return hosts[host or next(iter(hosts))]["Application Totals"]


def test_power_governor_cap_shows_in_power(tmp_path: Path) -> None:
    powers = {}
    for cap in (60.0, 200.0):
        result = g.run(
            "power_governor",
            ["sleep", "0.6"],
            policy={"CPU_POWER_LIMIT": cap},
            node_model={"load": 1.0},
            report=tmp_path / f"cap{cap:.0f}.yaml",
            trace=tmp_path / f"cap{cap:.0f}.trace",
        )
        assert result.exit_code == 0
        assert result.report_path == tmp_path / f"cap{cap:.0f}.yaml"
        assert result.report is not None
        assert result.report["Agent"] == "power_governor"
        assert result.report["Policy"] == {"CPU_POWER_LIMIT": cap}
        powers[cap] = _totals(result)["power (W)"]
    assert powers[60.0] <= 60.0 * 1.05
    assert powers[200.0] > powers[60.0] * 1.2


def test_traces_and_files_in_the_run_directory() -> None:
    result = g.run(
        "monitor",
        ["sleep", "0.3"],
        node_model=True,
        period=0.02,
        trace_signals=["CPU_FREQUENCY_STATUS@package"],
    )
    assert result.report_path == result.directory / "report.yaml"
    (host,) = result.hosts
    assert result.trace_paths == {host: result.directory / f"trace-{host}"}
    trace = result.traces[host]
    assert trace.host == host
    assert trace.num_rows >= 5
    assert np.all(np.diff(trace.columns["TIME"]) > 0)
    assert "CPU_POWER" in trace.columns
    assert "CPU_FREQUENCY_STATUS-package-0" in trace.columns


def test_no_trace_when_asked(tmp_path: Path) -> None:
    result = g.run("monitor", ["true"], node_model=True, trace=False)
    assert result.trace_paths == {} and result.traces == {}
    assert result.report is not None


def test_data_frames_match_geopmpy() -> None:
    pandas = pytest.importorskip("pandas")
    result = g.run(
        "power_governor", ["sleep", "0.3"], node_model=True, policy={"CPU_POWER_LIMIT": 100}
    )
    frames = result.report_frames()
    (host,) = result.hosts
    assert list(frames.app["host"]) == [host]
    assert frames.app["CPU_POWER_LIMIT"][0] == 100.0
    assert frames.app["power (W)"][0] == _totals(result)["power (W)"]
    assert list(frames.app.columns[:5]) == [
        "GEOPM Version",
        "Start Time",
        "Profile",
        "Agent",
        "CPU_POWER_LIMIT",
    ]
    assert len(frames.unmarked) == 1 and len(frames.epoch) == 1
    trace = result.trace_frame()
    assert isinstance(trace, pandas.DataFrame)
    assert len(trace) == result.traces[host].num_rows
    assert trace["REGION_HASH"][0].startswith("0x")
    try:
        import geopmpy.io
    except ImportError:
        return
    theirs = geopmpy.io.RawReportCollection(
        [str(result.report_path)], do_cache=False, verbose=False
    )
    pandas.testing.assert_frame_equal(frames.app, theirs.get_app_df(), check_dtype=False)
    pandas.testing.assert_frame_equal(frames.epoch, theirs.get_epoch_df(), check_dtype=False)
    pandas.testing.assert_frame_equal(frames.unmarked, theirs.get_unmarked_df(), check_dtype=False)
    their_trace = geopmpy.io.AppOutput(traces=str(result.trace_paths[host]), do_cache=False)
    pandas.testing.assert_frame_equal(
        trace.reset_index(drop=True),
        their_trace.get_trace_df().reset_index(drop=True)[trace.columns],
        check_dtype=False,
    )


class CountingAgent(g.Agent):
    """Counts its periods and reports the policy it was given."""

    name = "run_api_counting"
    policy_names = ("LIMIT", "OTHER")
    sample_names = ()
    period = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.policy: list[float] = []

    def adjust_platform(self, in_policy: g.FloatArray) -> None:
        self.count += 1
        self.policy = [float(value) for value in in_policy]

    def report_host(self) -> list[tuple[str, str]]:
        return [("Periods", str(self.count))] + [
            (f"Policy {index}", str(value)) for index, value in enumerate(self.policy)
        ]


def test_python_agent_class_alone() -> None:
    result = g.run(CountingAgent, policy={"LIMIT": 7}, node_model=True, max_iterations=12)
    assert result.exit_code == 0 and result.agent == "run_api_counting"
    assert g.agent_factory().agent_class("run_api_counting") is CountingAgent
    assert result.report is not None
    host = result.report["Hosts"][result.hosts[0]]
    assert host["Periods"] == 12
    assert host["Policy 0"] == 7.0
    assert host["Policy 1"] == "nan"  # missing names are NaN
    # Registered once: a second run reuses the registration.
    assert g.run(CountingAgent, node_model=True, max_iterations=2).exit_code == 0


def test_simulated_nodes_each_in_the_report() -> None:
    result = g.run("monitor", ["sleep", "0.3"], node_model="load=0.2:1.0", simulate_nodes=2)
    assert result.hosts == ["sim0000", "sim0001"]
    assert set(result.trace_paths) == {"sim0000", "sim0001"}
    light, heavy = (_totals(result, host)["power (W)"] for host in result.hosts)
    assert heavy > light
    if sys.modules.get("pandas") or _has_pandas():
        assert list(result.report_frames().app["host"]) == ["sim0000", "sim0001"]


def _has_pandas() -> bool:
    try:
        import pandas  # noqa: F401
    except ImportError:
        return False
    return True


def test_other_threads_run_meanwhile() -> None:
    ticks = 0
    done = threading.Event()

    def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.05)
        before = ticks
        g.run(CountingAgent, ["sleep", "0.5"], node_model=True)
        during = ticks - before
    finally:
        done.set()
        ticker.join()
    assert during > 100  # ~500 a free GIL allows; none if run() held it


def test_runs_from_a_thread() -> None:
    results: list[g.RunResult] = []
    worker = threading.Thread(
        target=lambda: results.append(g.run("monitor", ["sleep", "0.3"], node_model=True))
    )
    start = time.monotonic()
    worker.start()
    spins = 0
    while worker.is_alive():
        spins += 1
        time.sleep(0.001)
    assert time.monotonic() - start >= 0.3 and spins > 50
    assert results[0].exit_code == 0 and results[0].report is not None


def test_ctrl_c_ends_the_job(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent("""
        import json, signal
        import geopm_bridge as g
        try:
            g.run("monitor", ["sh", "-c", "touch running; exec sleep 60"], node_model=True)
        except g.RunInterrupted as interrupted:
            result = interrupted.result
            print(json.dumps({
                "signal": interrupted.signal,
                "keyboard": isinstance(interrupted, KeyboardInterrupt),
                "exit_code": result.exit_code,
                "status": result.report["Run Status"],
                "rows": result.traces[result.hosts[0]].num_rows,
                "handler": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
            }))
    """)
    )
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not (tmp_path / "running").exists():
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.01)
        start = time.monotonic()
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert time.monotonic() - start < 10
    assert json.loads(stdout) == {
        "signal": signal.SIGINT,
        "keyboard": True,
        "exit_code": 128 + signal.SIGINT,
        "status": "interrupted by SIGINT",
        "rows": json.loads(stdout)["rows"],
        "handler": True,  # Python's own Ctrl-C handler is back
    }
    assert json.loads(stdout)["rows"] > 0


def test_ctrl_c_before_the_iteration_limit(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent("""
        import os, signal, threading
        import geopm_bridge as g
        # The agent alone has no application to mark that it runs: a timer.
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        g.run("monitor", node_model=True, max_iterations=100000)
    """)
    )
    process = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert process.returncode != 0
    assert "RunInterrupted: the monitor job was interrupted by signal 2" in process.stderr


def test_bad_policy_names_the_key_and_agent() -> None:
    with pytest.raises(
        ValueError,
        match=r"'power_governor' has no policy named 'CPU_POWER_LIMT'.*CPU_POWER_LIMIT\)",
    ):
        g.run("power_governor", ["true"], policy={"CPU_POWER_LIMT": 100}, node_model=True)
    with pytest.raises(ValueError, match=r"'CPU_POWER_LIMIT' of agent 'power_governor'.*'lots'"):
        g.run("power_governor", ["true"], policy={"CPU_POWER_LIMIT": "lots"}, node_model=True)
    with pytest.raises(ValueError, match="infinite"):
        g.run("power_governor", ["true"], policy={"CPU_POWER_LIMIT": math.inf}, node_model=True)


def test_bad_agents_and_apps() -> None:
    with pytest.raises(ValueError, match="unknown agent 'no_such_agent'.*monitor"):
        g.run("no_such_agent", ["true"], node_model=True)
    with pytest.raises(TypeError, match="Agent subclass.*dict"):
        g.run(dict, ["true"], node_model=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="an Agent instance: pass its class"):
        g.run(CountingAgent(), ["true"], node_model=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="list of the program"):
        g.run("monitor", "sleep 1", node_model=True)
    with pytest.raises(ValueError, match="max_iterations"):
        g.run("monitor", node_model=True)
    with pytest.raises(g.ApplicationStartError, match="no_such_program") as error:
        g.run("monitor", ["/no/such/dir/no_such_program"], node_model=True)
    assert error.value.exit_status == 127
    with pytest.raises(g.GeopmError, match="no_such_key=1.*unknown key; known keys are tdp"):
        g.run("monitor", ["true"], node_model={"no_such_key": 1})


def test_bad_input_makes_no_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(ValueError, match="period must be seconds > 0"):
        g.run("monitor", ["true"], node_model=True, period=0)
    with pytest.raises(ValueError, match="simulate_nodes must be an int >= 1"):
        g.run("monitor", ["true"], node_model=True, simulate_nodes=-2)
    with pytest.raises(TypeError, match=r"node_model\['load'\] must be a number"):
        g.run("monitor", ["true"], node_model={"load": [1]})
    assert list(tmp_path.iterdir()) == []
    assert g.run("monitor", ["true"], node_model=True).directory.parent == tmp_path


class FailingAgent(g.Agent):
    """Fails in its third period."""

    name = "run_api_failing"
    policy_names = ()
    sample_names = ()
    period = 0.01

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def sample_platform(self, out_sample: g.FloatArray) -> None:
        self.count += 1
        if self.count == 3:
            raise ArithmeticError("sensor gone")


def test_a_failing_agent_raises_naming_the_report() -> None:
    with pytest.raises(g.GeopmError, match=r"run_api_failing.sample_platform\(\)") as error:
        g.run(FailingAgent, ["sleep", "5"], node_model=True)
    (note,) = error.value.__notes__
    report = Path(note.removeprefix("the job's report: "))
    assert 'Run Status: "error: ' in report.read_text()


def test_region_frames_match_geopmpy(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    config = tmp_path / "bench.json"
    config.write_text(json.dumps({"loop-count": 3, "region": ["sleep"], "big-o": [0.05]}))
    bench = [sys.executable, "-m", "geopm_bridge.cli", "bench", str(config)]
    result = g.run("monitor", bench, node_model=True, trace=False)
    assert result.exit_code == 0
    regions = result.report_frames().regions
    assert "sleep" in list(regions["region"])
    assert (regions["host"] == result.hosts[0]).all()
    try:
        import geopmpy.io
    except ImportError:
        return
    theirs = geopmpy.io.RawReportCollection(
        [str(result.report_path)], do_cache=False, verbose=False
    )
    pandas.testing.assert_frame_equal(regions, theirs.get_df(), check_dtype=False)
    pandas.testing.assert_frame_equal(
        result.report_frames().epoch, theirs.get_epoch_df(), check_dtype=False
    )


def test_init_control_and_fan_out(tmp_path: Path) -> None:
    """An init-control file caps the simulated frequency from the start, as
    --geopm-init-control does; a fan-out GEOPM's tree cannot take is refused
    by the job, naming it."""
    controls = tmp_path / "controls.txt"
    controls.write_text("CPU_FREQUENCY_MAX_CONTROL board 0 2.0e9\n")
    result = g.run(
        "monitor",
        max_iterations=5,
        node_model=True,
        simulate_nodes=4,
        max_fan_out=2,
        init_control=controls,
        trace_signals=["CPU_FREQUENCY_MAX_CONTROL"],
    )
    assert len(result.hosts) == 4
    for trace in result.traces.values():
        assert trace.frequency() == pytest.approx(np.full(trace.num_rows, 2.0e9))
    with pytest.raises(g.GeopmError, match="GEOPM_MAX_FAN_OUT"):
        g.run("monitor", max_iterations=2, node_model=True, simulate_nodes=4, max_fan_out=1)
