"""``geopm-bridge launch LAUNCHER ... -- APP``: geopmlaunch's command line (docs/launch.md).

Open MPI's mpirun runs here for real: one controller step (one rank per
node: this one) and the application step's ranks, which attach to it.
srun is a stand-in script on PATH that records the command lines and
environments it is given and runs the tasks here. Every option of the
table is accepted or refused as the table says.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

from cpp_build import clean_env, require_cli  # noqa: E402
from geopm_bridge.cli import launch_options  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOST = socket.gethostname().split(".")[0]

# app.py SECONDS [EXIT]: one region named by the rank, then exit.
APP = r"""
import os
import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

rank = os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("SLURM_PROCID", "0"))
with profile.region(f"rank{rank}_work", RegionHint.COMPUTE):
    end = time.monotonic() + float(sys.argv[1])
    while time.monotonic() < end:
        pass
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""

# A stand-in srun: records its arguments and the job's variables, then runs
# -n tasks of the command here (SLURM_PROCID set, --export applied),
# forwarding SIGUSR1 and SIGTERM to them as srun does.
FAKE_SRUN = r"""
import json, os, signal, subprocess, sys

args = sys.argv[1:]
env = dict(os.environ)
with open(os.environ["FAKE_SRUN_LOG"], "a") as log:
    seen = {k: v for k, v in env.items() if k.startswith(("GEOPM_", "SLURM_", "LD_PRELOAD"))}
    log.write(json.dumps({"argv": args, "env": seen}) + "\n")
ntasks, index = 1, 0
while index < len(args) and args[index].startswith("-"):
    word = args[index]
    if word in ("-n", "--ntasks", "-N", "--nodes"):
        ntasks = int(args[index + 1]) if word in ("-n", "--ntasks") else ntasks
        index += 1
    elif word.startswith("--export="):
        for item in word.split("=", 1)[1].split(",")[1:]:
            name, value = item.split("=", 1)
            env[name] = value
    index += 1
command = args[index:]
tasks = [
    subprocess.Popen(command, env={**env, "SLURM_PROCID": str(rank)}) for rank in range(ntasks)
]
def forward(signum, frame):
    for task in tasks:
        task.send_signal(signum)
for signum in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT):
    signal.signal(signum, forward)
sys.exit(max(task.wait() for task in tasks))
"""


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A clean environment with the stand-in srun first on PATH, mpirun allowed as root."""
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        srun = bin_dir / "srun"
        srun.write_text(f"#!{sys.executable}\n{FAKE_SRUN}")
        srun.chmod(0o755)
    (tmp_path / "app.py").write_text(APP)
    env = clean_env(
        PATH=f"{bin_dir}:{os.environ['PATH']}",
        FAKE_SRUN_LOG=str(tmp_path / "srun.log"),
        OMPI_ALLOW_RUN_AS_ROOT="1",
        OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
        OMPI_MCA_rmaps_base_oversubscribe="1",
    )
    env.update(extra)
    return env


def launch(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*require_cli(), "launch", *args],
        capture_output=True,
        text=True,
        env=base_env(tmp_path) if env is None else env,
        cwd=tmp_path,
        timeout=timeout,
    )


def need_mpirun() -> None:
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")


def hosts(tmp_path: Path, name: str = "r.yaml") -> dict[str, dict[str, object]]:
    report = yaml.safe_load((tmp_path / name).read_text())
    result: dict[str, dict[str, object]] = report["Hosts"]
    return result


def regions(host: dict[str, object]) -> dict[str, dict[str, float]]:
    listed = host.get("Regions") or []
    assert isinstance(listed, list)
    return {region["region"]: region for region in listed}


def srun_calls(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (tmp_path / "srun.log").read_text().splitlines()]


def error_line(process: subprocess.CompletedProcess[str]) -> str:
    lines = [
        line for line in process.stderr.splitlines() if line.startswith("geopm-bridge: error:")
    ]
    assert lines, process.stderr
    assert "Traceback" not in process.stderr, process.stderr
    return lines[0]


# ------------------------------------------------------------- Open MPI


def test_mpirun_two_ranks_attach_to_one_controller(tmp_path: Path) -> None:
    need_mpirun()
    process = launch(
        tmp_path,
        *("mpirun", "-n", "2", "--geopm-preload", "--node-model", "--geopm-report=r.yaml"),
        *("--", sys.executable, "app.py", "0.6"),
    )
    assert process.returncode == 0, process.stderr
    found = hosts(tmp_path)
    # One controller for the node, both ranks' regions under its host.
    assert len(found) == 1, found
    ((name, host),) = found.items()
    assert name.split(".")[0] == HOST
    named = regions(host)
    assert {"rank0_work", "rank1_work"} <= set(named), named
    for rank in (0, 1):
        # Each process's time, averaged over the node's two processes.
        assert 0.2 < named[f"rank{rank}_work"]["runtime (s)"] < 0.45, named
        assert named[f"rank{rank}_work"]["count"] == 0.5
    runtime = host["Application Totals"]["runtime (s)"]  # type: ignore[index]
    assert 0.6 <= runtime < 4.0, runtime


def test_mpirun_exit_code_passes_through(tmp_path: Path) -> None:
    need_mpirun()
    process = launch(
        tmp_path,
        *("mpirun", "-n", "1", "--geopm-preload", "--node-model", "--geopm-report=r.yaml"),
        *("--", sys.executable, "app.py", "0.1", "3"),
    )
    assert process.returncode == 3, process.stderr
    assert "rank0_work" in regions(next(iter(hosts(tmp_path).values())))


def test_uninstrumented_program_with_preload(tmp_path: Path) -> None:
    """--geopm-preload: a program that makes no call connects when the library loads."""
    need_mpirun()
    process = launch(
        tmp_path,
        *("mpirun", "-n", "1", "--geopm-preload", "--node-model", "--geopm-report=r.yaml"),
        *("--", "sleep", "0.5"),
    )
    assert process.returncode == 0, process.stderr
    host = next(iter(hosts(tmp_path).values()))
    assert 0.4 < host["Application Totals"]["runtime (s)"] < 3.0  # type: ignore[index]


def test_uninstrumented_program_without_preload_fails_when_it_ends(tmp_path: Path) -> None:
    """Nothing connects: the controllers fail when the application step ends (no wait)."""
    need_mpirun()
    started = time.monotonic()
    process = launch(
        tmp_path, "mpirun", "-n", "1", "--node-model", "--geopm-report=r.yaml", "--", "true"
    )
    assert process.returncode == 1, process.stderr
    assert time.monotonic() - started < 20
    assert "none of its processes connected" in process.stderr
    assert "--geopm-preload" in process.stderr
    report = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert "none of its processes connected" in report["Run Status"]


def test_controller_timeout_when_nothing_connects(tmp_path: Path) -> None:
    need_mpirun()
    process = launch(
        tmp_path,
        *("mpirun", "-n", "1", "--node-model", "--geopm-timeout=1", "--geopm-report=r.yaml"),
        *("--", "sleep", "3"),
    )
    assert process.returncode == 1, process.stderr
    assert "within GEOPM_TIMEOUT=1 s" in process.stderr
    assert "controller step failed" in process.stderr.strip().splitlines()[-1]
    assert "GEOPM_TIMEOUT=1" in yaml.safe_load((tmp_path / "r.yaml").read_text())["Run Status"]


def test_sigterm_reaches_both_steps(tmp_path: Path) -> None:
    """SIGTERM to launch: both steps stop, the report says so, nothing is left running."""
    need_mpirun()
    app = ["sleep", "30.25"]  # a command line no other test runs
    with subprocess.Popen(
        [*require_cli(), "launch", "mpirun", "-n", "1", "--geopm-preload", "--node-model"]
        + ["--geopm-report=r.yaml", "--", *app],
        env=base_env(tmp_path),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    ) as job:
        # The application runs once the controllers are ready.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _running(app):
            time.sleep(0.1)
        time.sleep(0.3)
        job.send_signal(signal.SIGTERM)
        code = job.wait(30)
    assert code == 128 + signal.SIGTERM
    assert "interrupted" in yaml.safe_load((tmp_path / "r.yaml").read_text())["Run Status"]
    assert not _running(app)


def _running(command: list[str]) -> bool:
    """Whether a process runs exactly this command line."""
    done = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True)
    return " ".join(command) in (line.strip() for line in done.stdout.splitlines())


def test_mpirun_ctl_local_writes_one_report_per_host(tmp_path: Path) -> None:
    need_mpirun()
    process = launch(
        tmp_path,
        *("mpirun", "-n", "1", "--geopm-ctl-local", "--geopm-preload", "--node-model"),
        *("--geopm-report=r.yaml", "--", "sleep", "0.2"),
    )
    assert process.returncode == 0, process.stderr
    assert len(hosts(tmp_path, f"r.yaml-{socket.gethostname()}")) == 1


def test_attached_controllers_form_the_tree(tmp_path: Path) -> None:
    """Two attached controllers as MPI ranks (on one host here, both see the
    same processes): the tree, the ready line once, every host's regions."""
    need_mpirun()
    from geopm_bridge._core import ATTACH_READY_LINE

    key = f"launch-test{os.getpid()}"
    env = base_env(
        tmp_path, GEOPM_BRIDGE_ATTACH_KEY=key, GEOPM_REPORT="r.yaml", GEOPM_BRIDGE_NODE_MODEL="1"
    )
    with subprocess.Popen(
        ["mpirun", "-np", "2", *require_cli(), "launch"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    ) as controllers:
        assert controllers.stdout is not None
        assert controllers.stdout.readline().strip() == ATTACH_READY_LINE
        app_env = {**base_env(tmp_path), "GEOPM_BRIDGE_PROFILE_KEY": key}
        app_env["GEOPM_BRIDGE_PROFILE_AT_LOAD"] = "1"
        subprocess.run([sys.executable, "app.py", "0.3"], env=app_env, cwd=tmp_path, check=True)
        rest = controllers.stdout.read()
        assert controllers.wait(30) == 0
    assert ATTACH_READY_LINE not in rest
    found = hosts(tmp_path)
    assert set(found) == {f"{HOST}-rank0", f"{HOST}-rank1"}, found
    for host in found.values():
        assert "rank0_work" in regions(host)


# ------------------------------------------------------------- srun (stand-in)


def test_srun_steps(tmp_path: Path) -> None:
    process = launch(
        tmp_path,
        *("srun", "-N", "1", "-n", "2", "--geopm-preload", "--node-model"),
        *("--geopm-report=r.yaml", "--geopm-agent=monitor", "--geopm-launch-script=job.sh"),
        *("--", sys.executable, "app.py", "0.3"),
    )
    assert process.returncode == 0, process.stderr
    controller, app = srun_calls(tmp_path)
    controller_argv = controller["argv"]
    app_argv = app["argv"]
    assert isinstance(controller_argv, list) and isinstance(app_argv, list)
    # One task per node: the user's -N kept, -n replaced.
    assert controller_argv[:2] == ["-N", "1"] and "-n" not in controller_argv
    assert "--ntasks-per-node=1" in controller_argv
    assert controller_argv[-4:] == [sys.executable, "-m", "geopm_bridge.cli", "launch"]
    # The application step: the user's placement, the job's variables, the
    # preload in the tasks only.
    assert app_argv[:4] == ["-N", "1", "-n", "2"]
    export = next(word for word in app_argv if word.startswith("--export=ALL,"))
    assert "LD_PRELOAD=" in export and "GEOPM_BRIDGE_PROFILE_KEY=launch-" in export
    for call in (controller, app):
        env = call["env"]
        assert isinstance(env, dict)
        assert env["GEOPM_REPORT"] == "r.yaml" and env["GEOPM_AGENT"] == "monitor"
        assert "LD_PRELOAD" not in env
    key = export.split("GEOPM_BRIDGE_PROFILE_KEY=")[1].split(",")[0]
    assert controller["env"]["GEOPM_BRIDGE_ATTACH_KEY"] == key  # type: ignore[index]
    named = regions(next(iter(hosts(tmp_path).values())))
    assert {"rank0_work", "rank1_work"} <= set(named)
    script = (tmp_path / "job.sh").read_text().splitlines()
    assert script[0] == "#!/bin/bash"
    assert script[1].endswith(" &") and "GEOPM_BRIDGE_ATTACH_KEY=" in script[1]
    assert "--ntasks-per-node=1" in script[1] and "app.py" in script[2]


def test_srun_ctl_disable_runs_the_launcher_alone(tmp_path: Path) -> None:
    process = launch(tmp_path, "srun", "-n", "2", "--geopm-ctl-disable", "--", "sh", "-c", "exit 4")
    assert process.returncode == 4, process.stderr
    (call,) = srun_calls(tmp_path)
    assert call["argv"] == ["-n", "2", "sh", "-c", "exit 4"]
    assert not (tmp_path / "geopm.report").exists()


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["aprun", "-n", "2", "--", "true"], "launcher 'aprun' is not supported"),
        (["mpirun", "-n", "2", "true"], "put -- before the application"),
        (
            ["--geopm-ctl=process", "--", "true"],
            "--geopm-ctl=process: not supported: geopm-bridge runs",
        ),
        (["--geopm-ctl=pthread", "--", "true"], "--geopm-ctl=pthread: not supported"),
        (["--geopm-ctl=other", "--", "true"], "choose application"),
        (["--geopm-agnet=monitor", "--", "true"], "unknown option --geopm-agnet"),
        (["--geopm-timeout=abc", "--", "true"], "GEOPM_TIMEOUT"),
        (["srun", "--geopm-timeout=abc", "--", "true"], "GEOPM_TIMEOUT"),
        (["srun", "--export=NONE", "--", "true"], "--export=NONE conflicts"),
        (["mpirun", "-x", "LD_PRELOAD=/x.so", "--geopm-preload", "--", "true"], "conflicts"),
        (["srun", "--geopm-simulate-nodes=2", "--", "true"], "give no launcher"),
        (["mpirun", "-x", "GEOPM_AGENT=x", "--geopm-agent=monitor", "--", "true"], "GEOPM_*"),
    ],
)
def test_bad_command_lines(tmp_path: Path, args: list[str], expected: str) -> None:
    process = launch(tmp_path, *args)
    assert process.returncode == 2, process.stderr
    assert expected in error_line(process)
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr


def test_mpiexec_that_is_not_open_mpi(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    mpiexec = tmp_path / "bin" / "mpiexec"
    mpiexec.write_text("#!/bin/sh\necho 'HYDRA build details:'\n")
    mpiexec.chmod(0o755)
    process = launch(tmp_path, "mpiexec", "-n", "2", "--", "true", env=env)
    assert process.returncode == 2
    assert "mpiexec is not Open MPI's (mpiexec --version: HYDRA build details:)" in error_line(
        process
    )


def test_launcher_not_installed(tmp_path: Path) -> None:
    env = base_env(tmp_path, PATH=str(Path(sys.executable).parent))
    process = launch(tmp_path, "srun", "-n", "2", "--", "true", env=env)
    assert process.returncode == 2
    assert "launcher 'srun' not found" in error_line(process)


# ------------------------------------------------------------- --geopm-init-control


def test_init_control_written_and_restored(tmp_path: Path) -> None:
    """On a fake machine: the job runs at the file's power limit, the saved one is back after."""
    import fake_sysfs

    fake_sysfs.build(tmp_path / "sysfs")
    (tmp_path / "run").mkdir(mode=0o700)
    limit_file = tmp_path / "sysfs/sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw"
    saved = limit_file.read_text().strip()
    (tmp_path / "init.txt").write_text(
        "# geopmwrite's words\nCPU_POWER_LIMIT_CONTROL package 0 100  # watts\n\n"
    )
    env = base_env(
        tmp_path,
        GEOPM_BRIDGE_SYSFS_ROOT=str(tmp_path / "sysfs"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
    )
    process = launch(
        tmp_path,
        *("--geopm-init-control=init.txt", "--geopm-report=r.yaml"),
        *("--geopm-report-signals=CPU_POWER_LIMIT_CONTROL@package", "--", "sleep", "0.3"),
        env=env,
    )
    assert process.returncode == 0, process.stderr
    host = next(iter(hosts(tmp_path).values()))
    totals = host["Application Totals"]
    assert isinstance(totals, dict)
    assert totals["CPU_POWER_LIMIT_CONTROL@package-0"] == pytest.approx(100)
    assert limit_file.read_text().strip() == saved


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "init.txt is empty"),
        ("CPU_POWER_LIMIT_CONTROL pkg 0 100\n", 'line 1: unknown domain "pkg"'),
        (
            "# ok\nCPU_POWER_LIMIT_CONTROL package 0\n",
            "line 2: expected CONTROL DOMAIN INDEX VALUE",
        ),
        ("CPU_POWER_LIMIT_CONTROL package x 100\n", 'the index "x" is not a whole number'),
        ("CPU_POWER_LIMIT_CONTROL package 0 10W\n", 'the value "10W" is not a number'),
        ("NO_SUCH_CONTROL package 0 1\n", 'unknown control "NO_SUCH_CONTROL"'),
    ],
)
def test_bad_init_control(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "init.txt").write_text(text)
    process = launch(tmp_path, "--node-model", "--geopm-init-control=init.txt", "--", "true")
    assert process.returncode == 1
    line = error_line(process)
    assert line.startswith("geopm-bridge: error: GEOPM_INIT_CONTROL: init.txt") and expected in line
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr


# ------------------------------------------------------------- the table


@pytest.mark.parametrize("option", launch_options.OPTIONS, ids=lambda option: option.name)
def test_every_option_is_accepted_or_refused(
    option: launch_options.LaunchOption,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With --geopm-ctl-disable, parsed and checked only: the launcher runs alone."""
    from geopm_bridge import cli

    monkeypatch.chdir(tmp_path)  # --geopm-launch-script=x writes x
    value = {"--geopm-ctl": "application", "--geopm-timeout": "5"}.get(option.name, "x")
    word = option.name + (f"={value}" if option.arity == "value" else "")
    code = cli.main(["launch", "--geopm-ctl-disable", word, "--", "true"])
    error = capfd.readouterr().err
    if option.refusal:
        assert code == 2
        assert error == f"geopm-bridge: error: {option.name}: {option.refusal}\n"
    else:
        assert code == 0, error


def test_docs_hold_the_table() -> None:
    assert launch_options.markdown_table() in (REPO / "docs" / "launch.md").read_text()


def test_help_lists_every_option(tmp_path: Path) -> None:
    process = launch(tmp_path, "--help")
    assert process.returncode == 0
    for option in launch_options.OPTIONS:
        assert option.name in process.stdout
