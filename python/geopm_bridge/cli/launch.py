"""``geopm-bridge launch``: run an application under a controller, like geopmlaunch."""

from __future__ import annotations

import argparse
import os
import sys

from .. import BACKEND, GeopmError, agent_factory, load_agents
from .._loader import profile_library
from .errors import UsageError

# Each option is a plain map to the variable it sets; the values are read and
# checked in one place, JobConfig.from_environment() (and GEOPM_PERIOD by the
# agents). Adding an option: one entry here, one field in JobConfig.hpp.
_VALUE_OPTIONS = {
    "--geopm-agent": "GEOPM_AGENT",
    "--geopm-policy": "GEOPM_POLICY",
    "--geopm-endpoint": "GEOPM_ENDPOINT",
    "--geopm-report": "GEOPM_REPORT",
    "--geopm-report-signals": "GEOPM_REPORT_SIGNALS",
    "--geopm-trace": "GEOPM_TRACE",
    "--geopm-trace-signals": "GEOPM_TRACE_SIGNALS",
    "--geopm-trace-profile": "GEOPM_TRACE_PROFILE",
    "--geopm-profile": "GEOPM_PROFILE",
    "--geopm-period": "GEOPM_PERIOD",
    "--geopm-plugin-path": "GEOPM_PLUGIN_PATH",
    "--geopm-timeout": "GEOPM_TIMEOUT",
    "--geopm-max-fan-out": "GEOPM_MAX_FAN_OUT",
    "--geopm-simulate-nodes": "GEOPM_BRIDGE_SIMULATE_NODES",
    "--geopm-max-iterations": "GEOPM_BRIDGE_MAX_ITERATIONS",
    "--geopm-agents": "GEOPM_BRIDGE_AGENTS",
    "--geopm-program-filter": "GEOPM_PROGRAM_FILTER",
}
_FLAG_OPTIONS = {"--geopm-ctl-local": "GEOPM_CTL_LOCAL"}
_NODE_MODEL = "GEOPM_BRIDGE_NODE_MODEL"
_DEFAULT_REPORT = "geopm.report"  # as geopmlaunch


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geopm-bridge launch",
        usage="geopm-bridge launch [--geopm-OPTION=VALUE ...] [--] APP [ARGS...]",
        description="Run APP under a geopm-bridge controller on this node. The --geopm-* "
        "options are geopmlaunch's and set the GEOPM_* variable of the same name.",
    )
    for option, variable in _VALUE_OPTIONS.items():
        parser.add_argument(option, dest=variable, metavar="VALUE", help=f"sets {variable}")
    for option, variable in _FLAG_OPTIONS.items():
        parser.add_argument(
            option, dest=variable, action="store_const", const="true", help=f"sets {variable}"
        )
    parser.add_argument(
        "--node-model",
        dest=_NODE_MODEL,
        nargs="?",
        const="1",
        metavar="KEY=VALUE,...",
        help=f"simulate the node's power, energy and frequency (sets {_NODE_MODEL})",
    )
    parser.add_argument(
        "--geopm-preload",
        action="store_true",
        help="preload the profiling library (geopm_prof.h) into the application, for programs "
        "not linked with -lgeopm that reach it at run time (weak symbols, dlsym)",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def _split(args: list[str]) -> tuple[list[str], list[str]]:
    """Separate the launcher's own options from the application command line."""
    takes_value = set(_VALUE_OPTIONS)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            return args[:index], args[index + 1 :]
        if not arg.startswith("-"):
            break
        if arg in takes_value:
            index += 1  # its value is the next word
        index += 1
    return args[:index], args[index:]


def main(args: list[str]) -> int:
    """Run ``geopm-bridge launch``; returns the application's exit code."""
    if BACKEND != "embedded":
        raise RuntimeError(
            "geopm-bridge launch needs the embedded backend; this geopm-bridge is built against "
            "an installed GEOPM: run the job with geopmlaunch --geopm-agent=AGENT, "
            "GEOPM_PLUGIN_PATH set to the output of `geopm-bridge plugin-path`"
        )
    from .. import JobConfig, run_job  # the embedded backend's job API

    own, app = _split(args)
    opts = _parser().parse_args(own)
    environ = {name: value for name, value in vars(opts).items() if name.isupper() and value}
    # The agents alone, for K periods, is a job too (benchmarks, agent
    # experiments on simulated nodes); otherwise nothing would end it.
    if not app and "GEOPM_BRIDGE_MAX_ITERATIONS" not in {**os.environ, **environ}:
        raise UsageError(
            "no application given: geopm-bridge launch [OPTIONS] -- APP [ARGS...] "
            "(or --geopm-max-iterations=K to run the agents alone for K control periods)"
        )
    if "GEOPM_REPORT" not in environ and "GEOPM_REPORT" not in os.environ:
        environ["GEOPM_REPORT"] = _DEFAULT_REPORT
    if opts.geopm_preload:
        # Not by default, as geopmlaunch: a preload must come second to a
        # sanitizer's runtime, and a static program cannot take one.
        preload = os.environ.get("LD_PRELOAD", "")
        environ["LD_PRELOAD"] = profile_library() + (f":{preload}" if preload else "")
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
    known = agent_factory().plugin_names()
    if config.agent not in known:
        detail = "".join(f"; {failure}" for failure in failures)
        raise UsageError(
            f"unknown agent {config.agent!r} (known agents: {', '.join(known)}){detail}"
        )
    for failure in failures:
        print(f"geopm-bridge: warning: {failure}", file=sys.stderr)
    config.app_argv = app
    return int(run_job(config))
