"""``geopm-bridge launch``: run an application under controllers, like geopmlaunch.

``geopm-bridge launch [LAUNCHER [LAUNCHER ARGS]] [OPTIONS] -- APP [ARGS]``
(docs/launch.md). Without a launcher this process is the one node's
controller and starts the application itself. With one (mpirun, mpiexec,
srun) the job is two launcher steps: one controller per node (this command
again, attached: GEOPM_BRIDGE_ATTACH_KEY) and the application as the user
placed it, whose processes find their node's controller by that key.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .. import BACKEND, GeopmError, agent_factory, load_agents
from .._loader import profile_library
from ..composite import resolve_composite
from . import launch_options
from .errors import ArgumentParser, UsageError, user_message
from .launch_output import JobWatch, is_terminal, summary_text
from .launchers import Launcher, launcher_of

if TYPE_CHECKING:
    from .._core import JobConfig

_DEFAULT_REPORT = "geopm.report"  # as geopmlaunch
_ATTACH_KEY = "GEOPM_BRIDGE_ATTACH_KEY"
# The application step's own variables (launchers pass them to its tasks only).
_PROFILE_KEY = "GEOPM_BRIDGE_PROFILE_KEY"
_PROFILE_AT_LOAD = "GEOPM_BRIDGE_PROFILE_AT_LOAD"
_USAGE = (
    "geopm-bridge launch [LAUNCHER [LAUNCHER ARGS]] [--geopm-OPTION[=VALUE] ...] -- APP [ARGS...]"
)


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge launch",
        usage=_USAGE,
        allow_abbrev=False,
        description="Run APP under geopm-bridge controllers. LAUNCHER (mpirun, mpiexec or srun, "
        "with its own arguments) runs one controller per node and APP's ranks as it places "
        "them; without one, this process is the controller of this node and starts APP. The "
        "--geopm-* options are geopmlaunch's (docs/launch.md).",
    )
    for option in launch_options.OPTIONS:
        text = option.help + (f" (sets {option.variable})" if option.variable else "")
        if option.refusal:
            text = f"refused: {option.refusal}"
        if option.arity == "flag":
            parser.add_argument(option.name, action="store_true", help=text)
        elif option.arity == "optional":
            parser.add_argument(option.name, nargs="?", const="1", metavar="VALUE", help=text)
        else:
            parser.add_argument(option.name, metavar="VALUE", help=text)
    return parser


def _split(args: list[str], with_launcher: bool) -> tuple[list[str], list[str], list[str]]:
    """The words for us, for the launcher and the application's."""
    own: list[str] = []
    launcher: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return own, launcher, args[index + 1 :]
        option = launch_options.find(word)
        if option is None and word.startswith("--geopm-"):
            raise UsageError(
                f"unknown option {word.split('=', 1)[0]} (see geopm-bridge launch --help)"
            )
        if option is None and word in ("-h", "--help"):
            own.append(word)
        elif option is None and with_launcher:
            launcher.append(word)
        elif option is None:
            # Without a launcher the first other word begins the application.
            return own, launcher, args[index:]
        else:
            own.append(word)
            if option.arity == "value" and "=" not in word and index + 1 < len(args):
                index += 1
                own.append(args[index])
        index += 1
    if with_launcher:
        raise UsageError(
            "with a launcher, put -- before the application: geopm-bridge launch "
            "LAUNCHER [LAUNCHER ARGS] [OPTIONS] -- APP [ARGS...]"
        )
    return own, launcher, []


def _job_variables(opts: argparse.Namespace) -> dict[str, str]:
    """The variables the options set, refusing the options that are refused."""
    result: dict[str, str] = {}
    for option in launch_options.OPTIONS:
        value = getattr(opts, option.name[2:].replace("-", "_"))
        if value in (None, False):
            continue
        if option.refusal:
            raise UsageError(f"{option.name}: {option.refusal}")
        if option.variable:
            result[option.variable] = "true" if value is True else str(value)
    if opts.geopm_ctl not in (None, "application"):
        raise UsageError(
            f"--geopm-ctl={opts.geopm_ctl}: not supported: geopm-bridge runs the controller as a "
            "separate launcher step (--geopm-ctl=application)"
            if opts.geopm_ctl in ("process", "pthread")
            else f"--geopm-ctl={opts.geopm_ctl}: choose application (process and pthread are "
            "geopmlaunch's others, not supported)"
        )
    return result


def _shell_line(env: Mapping[str, str], command: list[str]) -> str:
    return " ".join(
        [
            *(f"{name}={shlex.quote(value)}" for name, value in env.items()),
            *map(shlex.quote, command),
        ]
    )


def _show(opts: argparse.Namespace, lines: list[str]) -> None:
    """--geopm-launch-script and --geopm-launch-verbose: the commands, as geopmlaunch."""
    text = "".join(line + "\n" for line in lines)
    if opts.geopm_launch_script:
        try:
            with open(opts.geopm_launch_script, "w", encoding="utf-8") as script:
                script.write("#!/bin/bash\n" + text)
        except OSError as error:
            raise UsageError(
                f"--geopm-launch-script={opts.geopm_launch_script}: {error.strerror}"
            ) from None
    if opts.geopm_launch_verbose:
        print(text, end="", file=sys.stderr, flush=True)


def _check_job(environ: dict[str, str], attached: bool, app: list[str]) -> JobConfig:
    """The job's settings, checked here before anything runs."""
    from .._core import JobConfig

    # The agents alone, for K periods, is a job too (benchmarks, agent
    # experiments on simulated nodes); otherwise nothing would end it.
    if not app and not attached and "GEOPM_BRIDGE_MAX_ITERATIONS" not in {**os.environ, **environ}:
        raise UsageError(
            "no application given: geopm-bridge launch [OPTIONS] -- APP [ARGS...] "
            "(or --geopm-max-iterations=K to run the agents alone for K control periods)"
        )
    if "GEOPM_REPORT" not in environ and "GEOPM_REPORT" not in os.environ:
        environ["GEOPM_REPORT"] = _DEFAULT_REPORT
    # The controller and the application both see the job's settings, as
    # with geopmlaunch.
    os.environ.update(environ)
    # A BLAS thread pool in the application would spin on the cores it
    # shares with the controller; a user's own setting wins. (This process
    # loaded NumPy with geopm_bridge, so its own pool is already sized.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        config = JobConfig.from_environment()
    except GeopmError as error:
        raise UsageError(str(error)) from None
    # A broken agent package must not stop a job that does not use it; its
    # error is shown when it may be why the requested agent is missing.
    failures = load_agents(strict=False)
    try:
        resolve_composite(config.agent)
    except GeopmError as error:
        raise UsageError(user_message(error)) from None
    known = agent_factory().plugin_names()
    if config.agent not in known:
        detail = "".join(f"; {failure}" for failure in failures)
        raise UsageError(
            f"unknown agent {config.agent!r} (known agents: {', '.join(known)}){detail}"
        )
    for failure in failures:
        print(f"geopm-bridge: warning: {failure}", file=sys.stderr)
    return config


def _run_here(opts: argparse.Namespace, environ: dict[str, str], app: list[str]) -> int:
    """This process is the controller of its node (no launcher, or a controller step's task)."""
    from .._core import job_status, run_job

    attached = bool(os.environ.get(_ATTACH_KEY))
    if opts.geopm_preload and not attached:
        # Not by default, as geopmlaunch: a preload must come second to a
        # sanitizer's runtime, and a static program cannot take one.
        preload = os.environ.get("LD_PRELOAD", "")
        environ["LD_PRELOAD"] = profile_library() + (f":{preload}" if preload else "")
    _show(
        opts,
        [_shell_line(environ, [sys.executable, "-m", "geopm_bridge.cli", "launch", "--", *app])],
    )
    config = _check_job(environ, attached, app)
    if attached and config.ctl_local and config.report_path:
        # Independent controllers: one report each, as geopmlaunch names them.
        config.report_path += f"-{socket.gethostname()}"
    config.app_argv = app
    # A controller step's stderr is a terminal only where its launcher
    # gives it one; the launching process prints the summary.
    show = is_terminal(sys.stderr) and not opts.quiet
    with JobWatch(show, opts.verbose, _plugin_lines() if opts.verbose else []):
        code = int(run_job(config))
    # Ranks of an MPI job each run this: the root's alone speaks.
    if show and not attached and job_status().is_root:
        _print_summary()
    return code


def _plugin_lines() -> list[str]:
    """--verbose: the agents this process knows (built-in, plugins and Python)."""
    return [f"agents: {', '.join(agent_factory().plugin_names())}"]


def _print_summary() -> None:
    """The job's report and trace, and its figures from the report."""
    text = summary_text(os.environ.get("GEOPM_REPORT", ""), os.environ.get("GEOPM_TRACE", ""))
    print(text, end="", file=sys.stderr, flush=True)


def _run_steps(
    opts: argparse.Namespace, launcher: Launcher, environ: dict[str, str], app: list[str]
) -> int:
    """The job as two launcher steps: the controllers, then the application."""
    from .._core import ATTACH_READY_LINE
    from .job_steps import JobSteps

    if opts.geopm_simulate_nodes:
        raise UsageError(
            "--geopm-simulate-nodes runs the simulated nodes in one process: give no launcher"
        )
    # Not a digit first: a key's leading digits name a controller's pid
    # (ProfileSource's clean-up of channels left by dead controllers).
    key = f"launch-{secrets.token_hex(6)}"
    app_env = {_PROFILE_KEY: key, _PROFILE_AT_LOAD: "1"}
    if opts.geopm_preload:
        preload = os.environ.get("LD_PRELOAD", "")
        app_env["LD_PRELOAD"] = profile_library() + (f":{preload}" if preload else "")
    launcher.check(app_env)
    _check_job(environ, False, app)
    # The job's variables, and where Python agents are imported from; not
    # the keys of a controller this process may itself run under.
    own = (_ATTACH_KEY, _PROFILE_KEY, _PROFILE_AT_LOAD)
    base = {name: value for name, value in os.environ.items() if name not in own}
    names = sorted(name for name in base if name.startswith("GEOPM_") or name == "PYTHONPATH")
    controller_env = launcher.controller_env({**base, _ATTACH_KEY: key})
    command = [
        sys.executable,
        "-m",
        "geopm_bridge.cli",
        "launch",
        *(["--debug"] if opts.debug else []),
        *(["--quiet"] if opts.quiet else []),
        *(["--verbose"] if opts.verbose else []),
    ]
    controller = launcher.controller_command([*names, _ATTACH_KEY], command)
    application = launcher.app_command(names, app_env, app)
    job_env = {name: base[name] for name in names}
    _show(
        opts,
        [
            _shell_line({**job_env, _ATTACH_KEY: key}, controller) + " &",
            _shell_line(job_env, application),
        ],
    )
    code = JobSteps(ATTACH_READY_LINE).run(controller, controller_env, application, base)
    if is_terminal(sys.stderr) and not opts.quiet:
        _print_summary()
    return code


def main(args: list[str]) -> int:
    """Run ``geopm-bridge launch``; returns the application's exit code."""
    if BACKEND != "embedded":
        raise RuntimeError(
            "geopm-bridge launch needs the embedded backend; this geopm-bridge is built against "
            "an installed GEOPM: run the job with GEOPM's geopmlaunch (e.g. geopmlaunch ompi "
            "-n N --npernode N --geopm-preload --geopm-program-filter=APP --geopm-agent=AGENT "
            "-- APP), GEOPM_PLUGIN_PATH set to the output of `geopm-bridge plugin-path` "
            "(docs/native.md)"
        )
    launcher = launcher_of(args[0]) if args and not args[0].startswith("-") else None
    own, launcher_args, app = _split(args[1:] if launcher else args, launcher is not None)
    if launcher is not None:
        launcher.args = launcher_args
    opts = _parser().parse_args(own)
    environ = _job_variables(opts)
    if opts.geopm_ctl_disable:
        # geopmlaunch's pass-through: the launcher (or the application) alone.
        command = [launcher.program, *launcher.args, *app] if launcher else app
        if not app:
            raise UsageError(
                "no application given: geopm-bridge launch [LAUNCHER ...] -- APP [ARGS...]"
            )
        _show(opts, [_shell_line({}, command)])
        return _run_alone(command)
    if launcher is None:
        return _run_here(opts, environ, app)
    if shutil.which(launcher.program) is None:
        raise UsageError(f"launcher {launcher.program!r} not found (is it installed and on PATH?)")
    if not app:
        raise UsageError("no application given after --")
    return _run_steps(opts, launcher, environ, app)


def _run_alone(command: list[str]) -> int:
    try:
        return subprocess.call(command)
    except OSError as error:
        raise UsageError(f"cannot run {command[0]}: {error.strerror}") from None
