"""The controller's process lifecycle under faults, in real processes.

A controller that dies without cleaning up (SIGKILL, a segfault in a C++
agent, ``os._exit()`` in a Python agent's hook) leaves the controls to its
guardian, which restores them and ends the application's process group; a
save left by a controller that died with its guardian is restored by the
next job. SIGHUP and SIGQUIT end a job as SIGTERM does; the application's
whole process group ends with the job; the controller answers an exit or a
signal at once whatever its period. Controls are checked on a fake sysfs
tree (tests/fake_sysfs.py), whose files show what was written and restored.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import fake_sysfs
import jobs
import pytest
from cpp_build import clean_env, compile_plugin

CPP = Path(__file__).resolve().parents[1] / "cpp"
PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
MAX_FREQ_FILE = "sys/devices/system/cpu/cpufreq/policy0/scaling_max_freq"
ORIGINAL_MAX_FREQ = fake_sysfs.CPUFREQ_FILES["scaling_max_freq"]
AGENT_MAX_FREQ = "2000000"  # the policy's 2 GHz, in kHz
GUARDIAN = "geopm-bridge-guardian"

# Writes the frequency cap every period; exits the controller's process from
# its hook once the arm file exists.
EXITING_AGENT = """
import os
import geopm_bridge

class Exiter(geopm_bridge.Agent):
    name = "exiter"
    policy_names = ("FREQ",)
    sample_names = ()
    period = 0.01

    def init(self, level, fan_in, is_level_root):
        self.pio = geopm_bridge.platform_io()
        self.control = self.pio.push_control("CPU_FREQUENCY_MAX_CONTROL", "board", 0)

    def adjust_platform(self, in_policy):
        if os.path.exists(os.environ["EXITER_ARM"]):
            os._exit(3)
        self.pio.adjust(self.control, in_policy[0])
"""


@pytest.fixture(scope="session")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The recorder agent plugin (tests/cpp/RecorderAgent.cpp) and the scratch
    IOGroup plugin (tests/plugins/ScratchIOGroup.cpp), compiled once."""
    out = tmp_path_factory.mktemp("lifecycle-plugins")
    compile_plugin(CPP / "RecorderAgent.cpp", out / "libgeopmagent_recorder.so.2.1.0")
    compile_plugin(PLUGINS / "ScratchIOGroup.cpp", out / "libgeopmiogroup_scratch.so.2.1.0")
    return out


@dataclass
class Job:
    """One job's directory, fake machine, runtime directory and environment."""

    dir: Path
    root: Path
    run_dir: Path
    env: dict[str, str]

    def max_freq(self) -> str:
        return (self.root / MAX_FREQ_FILE).read_text().strip()

    def saves(self) -> list[Path]:
        return sorted(self.run_dir.glob("geopm-bridge-save-*"))

    def app_pgid(self) -> int:
        return int((self.dir / "app.pid").read_text())

    def start(self, agent: str, policy: str, *extra: str) -> subprocess.Popen[str]:
        """A job whose application records its pid (its group's id) and sleeps;
        returns once the agent's control is written."""
        (self.dir / "policy.json").write_text(policy)
        app = [
            "sh",
            "-c",
            f"echo $$ > {self.dir / 'app.pid'}.tmp; "
            f"mv {self.dir / 'app.pid'}.tmp {self.dir / 'app.pid'}; exec sleep 60",
        ]
        proc = jobs.start(
            self.dir,
            *app,
            options=[
                f"--geopm-agent={agent}",
                "--geopm-policy=policy.json",
                "--geopm-report=report.yaml",
                *extra,
            ],
            env=self.env,
        )
        wait_for(
            lambda: self.max_freq() == AGENT_MAX_FREQ and (self.dir / "app.pid").exists(),
            "the agent's control",
            proc,
        )
        return proc


@pytest.fixture
def job(tmp_path: Path, plugin_dir: Path) -> Job:
    """A fake machine and a private runtime directory for the saved controls."""
    root = fake_sysfs.build(tmp_path / "root")
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    env = clean_env(
        GEOPM_BRIDGE_SYSFS_ROOT=str(root),
        GEOPM_PLUGIN_PATH=str(plugin_dir),
        XDG_RUNTIME_DIR=str(run_dir),
        RECORDER_CONTROL="CPU_FREQUENCY_MAX_CONTROL",
        PYTHONPATH=str(tmp_path),
    )
    return Job(tmp_path, root, run_dir, env)


def wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[str]) -> None:
    """Poll condition until it holds; fail (showing the job's output) if the job ends first."""
    deadline = time.monotonic() + 60
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"never saw {what}; job rc={proc.returncode}\n{out}\n{err}")
        time.sleep(0.01)


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group (zombies are gone: they only wait
    for their parent to reap them)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def guardian_of(controller: int) -> int:
    """The pid of the controller's guardian (its child running GUARDIAN)."""
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or not os.readlink(entry / "exe").endswith(GUARDIAN):
                continue
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == controller:
            return int(entry.name)
    raise AssertionError(f"controller {controller} has no {GUARDIAN}")


def assert_cleaned_up_by_guardian(job: Job, proc: subprocess.Popen[str]) -> None:
    """The controller died: its guardian (which holds its stderr until it is
    done) restored the controls and ended the application's group."""
    _, err = proc.communicate(timeout=60)
    assert "guardian: the controller" in err, err
    assert "restored the controls" in err, err
    assert job.max_freq() == ORIGINAL_MAX_FREQ
    assert group_members(job.app_pgid()) == []
    assert job.saves() == []


# ---------------------------------------------------------------- the guardian


def test_sigkill_of_the_controller(job: Job) -> None:
    proc = job.start("recorder", '{"ALPHA": 2.0e9}')
    proc.kill()
    assert_cleaned_up_by_guardian(job, proc)
    assert proc.returncode == -signal.SIGKILL


def test_segfault_in_a_cpp_agent(job: Job) -> None:
    job.env.update(RECORDER_CRASH="adjust_platform", RECORDER_ARM=str(job.dir / "arm"))
    proc = job.start("recorder", '{"ALPHA": 2.0e9}')
    (job.dir / "arm").touch()
    assert_cleaned_up_by_guardian(job, proc)
    assert proc.returncode == -signal.SIGSEGV


def test_os_exit_in_a_python_agent_hook(job: Job) -> None:
    (job.dir / "exiting_agent.py").write_text(EXITING_AGENT)
    job.env.update(GEOPM_BRIDGE_AGENTS="exiting_agent:Exiter", EXITER_ARM=str(job.dir / "arm"))
    proc = job.start("exiter", '{"FREQ": 2.0e9}')
    (job.dir / "arm").touch()
    assert_cleaned_up_by_guardian(job, proc)
    assert proc.returncode == 3


def leave_dead_save(job: Job) -> tuple[int, Path]:
    """Kill a running job's controller and guardian together (as a power-cut
    of the processes would): returns the controller's pid and its save."""
    proc = job.start("recorder", '{"ALPHA": 2.0e9}')
    os.kill(guardian_of(proc.pid), signal.SIGKILL)
    proc.kill()
    os.killpg(job.app_pgid(), signal.SIGKILL)  # it holds the job's stdout
    proc.communicate(timeout=60)
    [save] = job.saves()
    assert save.name == f"geopm-bridge-save-{proc.pid}"
    # The kill may have cut a write of the (regular, fake) file short.
    (job.root / MAX_FREQ_FILE).write_text(AGENT_MAX_FREQ + "\n")
    return proc.pid, save


def test_save_of_a_dead_controller_is_restored_by_the_next_job(job: Job) -> None:
    pid, save = leave_dead_save(job)
    assert stat.S_IMODE(save.stat().st_mode) == 0o700
    files = list(save.iterdir())
    assert files and all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in files)

    result = jobs.launch(job.dir, "true", options=["--geopm-report=next.yaml"], env=job.env)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if str(save) in line]
    assert f"restored the controls that controller {pid} saved" in line
    assert job.max_freq() == ORIGINAL_MAX_FREQ
    assert job.saves() == []


def test_save_of_another_platform_is_left_alone(job: Job) -> None:
    _, save = leave_dead_save(job)
    other = fake_sysfs.build(job.dir / "other-root")
    env = {**job.env, "GEOPM_BRIDGE_SYSFS_ROOT": str(other)}
    result = jobs.launch(job.dir, "true", options=["--geopm-report=next.yaml"], env=env)
    assert result.returncode == 0, result.stderr
    assert str(save) not in result.stderr
    assert job.saves() == [save]
    assert job.max_freq() == AGENT_MAX_FREQ


def test_save_that_cannot_be_restored_is_kept_and_named_once(job: Job) -> None:
    _, save = leave_dead_save(job)
    for path in save.glob("*-save-control.json"):
        path.write_text("{broken")
    options = ["--geopm-report=next.yaml"]
    result = jobs.launch(job.dir, "true", options=options, env=job.env)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert (
        line.startswith("geopm-bridge: warning: cannot restore the controls") and save.name in line
    )
    assert job.saves() == [save.with_name(save.name + ".failed")]
    again = jobs.launch(job.dir, "true", options=options, env=job.env)
    assert again.returncode == 0 and again.stderr == ""


def test_a_save_that_fails_is_one_warning_and_the_job_runs(job: Job) -> None:
    job.env["SCRATCH_SAVE_FAILS"] = "1"
    proc = job.start("recorder", '{"ALPHA": 2.0e9}')
    assert job.saves() == []
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    [line] = err.splitlines()
    assert line.startswith("geopm-bridge: warning: the controls are not saved for the guardian")
    assert "saving to a file is broken" in line
    assert job.max_freq() == ORIGINAL_MAX_FREQ


# ---------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT])
def test_sighup_and_sigquit_end_the_job_as_sigterm(job: Job, signum: signal.Signals) -> None:
    proc = job.start("recorder", '{"ALPHA": 2.0e9}')
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert f'Run Status: "interrupted by {signum.name}"' in (job.dir / "report.yaml").read_text()
    assert job.max_freq() == ORIGINAL_MAX_FREQ
    assert group_members(job.app_pgid()) == []
    assert job.saves() == []
    assert "guardian" not in err


# ---------------------------------------------------------------- the job's end


def test_what_the_application_leaves_behind_ends_with_the_job(job: Job) -> None:
    pid_file = job.dir / "background.pid"
    result = jobs.launch(
        job.dir,
        "sh",
        "-c",
        f"sleep 100 & echo $! > {pid_file}; exit 0",
        options=["--geopm-report=report.yaml"],
        env=job.env,
    )
    assert result.returncode == 0, result.stderr
    assert not is_alive(int(pid_file.read_text()))


def test_application_exit_is_noticed_whatever_the_period(job: Job) -> None:
    begin = time.monotonic()
    result = jobs.launch(
        job.dir,
        "sleep",
        "0.2",
        options=["--geopm-period=10", "--geopm-report=report.yaml"],
        env=job.env,
    )
    # A behaviour bound: without an early wake-up the job takes a period
    # (10 s, the largest allowed).
    assert time.monotonic() - begin < 2.5
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert job.saves() == []  # removed on a normal end


def test_sigterm_is_noticed_whatever_the_period(job: Job) -> None:
    pid_file = job.dir / "app.pid"
    proc = jobs.start(
        job.dir,
        "sh",
        "-c",
        f"echo $$ > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; exec sleep 60",
        options=["--geopm-period=10", "--geopm-report=report.yaml"],
        env=job.env,
    )
    wait_for(pid_file.exists, "the application", proc)
    time.sleep(0.3)  # inside the first period
    begin = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - begin < 2.5
    assert proc.returncode == 128 + signal.SIGTERM, err
