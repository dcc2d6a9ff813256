"""``geopm-bridge launch``: run an application under a controller, like geopmlaunch."""

from __future__ import annotations

import argparse
import os
import sys

from .. import JobConfig, agent_factory, load_agents, run_job
from .errors import UsageError

# geopmlaunch option -> GEOPM environment variable it sets.
_GEOPM_OPTIONS = {
    "--geopm-agent": "GEOPM_AGENT",
    "--geopm-policy": "GEOPM_POLICY",
    "--geopm-endpoint": "GEOPM_ENDPOINT",
    "--geopm-report": "GEOPM_REPORT",
    "--geopm-report-signals": "GEOPM_REPORT_SIGNALS",
    "--geopm-trace": "GEOPM_TRACE",
    "--geopm-trace-signals": "GEOPM_TRACE_SIGNALS",
    "--geopm-profile": "GEOPM_PROFILE",
    "--geopm-period": "GEOPM_PERIOD",
    "--geopm-plugin-path": "GEOPM_PLUGIN_PATH",
    "--geopm-timeout": "GEOPM_TIMEOUT",
    "--geopm-max-fan-out": "GEOPM_MAX_FAN_OUT",
    "--geopm-simulate-nodes": "GEOPM_BRIDGE_SIMULATE_NODES",
    "--geopm-max-iterations": "GEOPM_BRIDGE_MAX_ITERATIONS",
}
_DEFAULT_REPORT = "geopm.report"  # as geopmlaunch


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geopm-bridge launch",
        usage="geopm-bridge launch [--geopm-OPTION=VALUE ...] [--] APP [ARGS...]",
        description="Run APP under a geopm-bridge controller on this node. The --geopm-* "
        "options are geopmlaunch's and set the GEOPM_* variable of the same name.",
    )
    for option, variable in _GEOPM_OPTIONS.items():
        parser.add_argument(option, dest=variable, metavar="VALUE", help=f"sets {variable}")
    parser.add_argument("--geopm-ctl-local", action="store_true", help="sets GEOPM_CTL_LOCAL")
    parser.add_argument(
        "--geopm-agents",
        dest="GEOPM_BRIDGE_AGENTS",
        metavar="MODULE:CLASS,...",
        help="Python agents to register (sets GEOPM_BRIDGE_AGENTS)",
    )
    parser.add_argument(
        "--node-model",
        nargs="?",
        const="1",
        metavar="KEY=VALUE,...",
        help="simulate the node's power, energy and frequency (sets GEOPM_BRIDGE_NODE_MODEL)",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def _split(args: list[str]) -> tuple[list[str], list[str]]:
    """Separate the launcher's own options from the application command line."""
    takes_value = set(_GEOPM_OPTIONS) | {"--geopm-agents"}
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
    own, app = _split(args)
    opts = _parser().parse_args(own)
    if not app:
        raise UsageError("no application given: geopm-bridge launch [OPTIONS] -- APP [ARGS...]")
    environ = {name: value for name, value in vars(opts).items() if name.isupper() and value}
    if "GEOPM_REPORT" not in environ and "GEOPM_REPORT" not in os.environ:
        environ["GEOPM_REPORT"] = _DEFAULT_REPORT
    if opts.geopm_ctl_local:
        environ["GEOPM_CTL_LOCAL"] = "true"
    if opts.node_model:
        environ["GEOPM_BRIDGE_NODE_MODEL"] = opts.node_model
    _check_values(environ)
    # The controller and the application both see the job's settings, as
    # with geopmlaunch.
    os.environ.update(environ)
    # A BLAS thread pool in the application would spin on the cores it
    # shares with the controller; a user's own setting wins. (This process
    # loaded NumPy with geopm_bridge, so its own pool is already sized.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    # A broken agent package must not stop a job that does not use it; its
    # error is shown when it may be why the requested agent is missing.
    failures = load_agents(strict=False)
    agent = os.environ.get("GEOPM_AGENT", "monitor")
    known = agent_factory().plugin_names()
    if agent not in known:
        detail = "".join(f"; {failure}" for failure in failures)
        raise UsageError(f"unknown agent {agent!r} (known agents: {', '.join(known)}){detail}")
    for failure in failures:
        print(f"geopm-bridge: warning: {failure}", file=sys.stderr)
    config = JobConfig.from_environment()
    config.app_argv = app
    return int(run_job(config))


def _check_values(environ: dict[str, str]) -> None:
    """Refuse values that are wrong on their face before anything starts."""
    for variable, kind in (
        ("GEOPM_PERIOD", float),
        ("GEOPM_TIMEOUT", int),
        ("GEOPM_MAX_FAN_OUT", int),
        ("GEOPM_BRIDGE_SIMULATE_NODES", int),
        ("GEOPM_BRIDGE_MAX_ITERATIONS", int),
    ):
        value = environ.get(variable)
        if value is None:
            continue
        try:
            number = kind(value)
        except ValueError:
            raise UsageError(f"{variable}={value!r} is not a number") from None
        if number < 0:
            raise UsageError(f"{variable}={value!r} must not be negative")
    policy = environ.get("GEOPM_POLICY")
    if policy and not os.path.isfile(policy):
        raise UsageError(f"policy file {policy!r} does not exist")
