"""The options of ``geopm-bridge launch``: one table, geopmlaunch 3.1's options and ours.

The table is the one owner of what each option does: the command line is
parsed from it, ``--help`` and the documentation's table (docs/launch.md,
checked by tests/test_launcher.py) are made from it. An option either sets
its variable (read and checked by JobConfig.from_environment(), or by the
application's profiling library), is acted on by the launcher itself
(``variable`` None), or is refused with one line saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Arity = Literal["flag", "value", "optional"]


@dataclass(frozen=True)
class LaunchOption:
    """One option of ``geopm-bridge launch``."""

    name: str
    arity: Arity
    help: str
    variable: str | None = None
    refusal: str = ""  # not empty: the option is refused, this is why
    geopmlaunch: bool = True  # one of geopmlaunch 3.1's options


_UNSUPPORTED = "not supported: "
_NO_AFFINITY = (
    _UNSUPPORTED + "geopm-bridge chooses no CPU affinity; bind the application with the "
    "launcher's own options"
)

OPTIONS: tuple[LaunchOption, ...] = (
    LaunchOption(
        "--geopm-report", "value", "the report's path (default geopm.report)", "GEOPM_REPORT"
    ),
    LaunchOption(
        "--geopm-report-signals",
        "value",
        "extra report signals, comma-separated NAME or NAME@domain",
        "GEOPM_REPORT_SIGNALS",
    ),
    LaunchOption("--geopm-trace", "value", "trace files' path, one per host", "GEOPM_TRACE"),
    LaunchOption(
        "--geopm-trace-signals",
        "value",
        "extra trace columns, NAME or NAME@domain",
        "GEOPM_TRACE_SIGNALS",
    ),
    LaunchOption(
        "--geopm-trace-profile",
        "value",
        "profile trace files' path (the application's region events), one per host",
        "GEOPM_TRACE_PROFILE",
    ),
    LaunchOption(
        "--geopm-trace-endpoint-policy",
        "value",
        "the endpoint's policy trace",
        "GEOPM_TRACE_ENDPOINT_POLICY",
        refusal=_UNSUPPORTED + "geopm-bridge writes no endpoint policy trace",
    ),
    LaunchOption("--geopm-profile", "value", "the report's profile name", "GEOPM_PROFILE"),
    LaunchOption(
        "--geopm-ctl",
        "value",
        "how the controller runs: only `application` (the default), a launcher step of its own "
        "beside the application's",
    ),
    LaunchOption(
        "--geopm-agent",
        "value",
        "the agent (default monitor); a+b runs several as one (a composite agent)",
        "GEOPM_AGENT",
    ),
    LaunchOption("--geopm-policy", "value", "the static policy, a JSON file", "GEOPM_POLICY"),
    LaunchOption(
        "--geopm-timeout",
        "value",
        "seconds a controller of a launcher's job waits for the first application process "
        "of its node (default 30)",
        "GEOPM_TIMEOUT",
    ),
    LaunchOption(
        "--geopm-endpoint", "value", "the endpoint's path (dynamic policy)", "GEOPM_ENDPOINT"
    ),
    LaunchOption(
        "--geopm-plugin-path",
        "value",
        "directories of plugins, colon-separated",
        "GEOPM_PLUGIN_PATH",
    ),
    LaunchOption(
        "--geopm-debug-attach",
        "value",
        "hold a rank in MPI_Init for a debugger",
        "GEOPM_DEBUG_ATTACH",
        refusal=_UNSUPPORTED + "geopm-bridge has no PMPI wrappers to hold a rank in MPI_Init; "
        "attach the debugger to the application's process",
    ),
    LaunchOption(
        "--geopm-preload",
        "flag",
        "preload the profiling library into the application (LD_PRELOAD of the application "
        "step only), for programs not linked with it",
    ),
    LaunchOption(
        "--geopm-hyperthreads-disable",
        "flag",
        "pin without hyperthreads",
        refusal=_NO_AFFINITY,
    ),
    LaunchOption(
        "--geopm-ompt-disable",
        "flag",
        "no OpenMP region detection (geopm-bridge detects none in any case)",
        "GEOPM_OMPT_DISABLE",
    ),
    LaunchOption(
        "--geopm-record-filter",
        "value",
        "infer epochs from the region records",
        "GEOPM_RECORD_FILTER",
        refusal=_UNSUPPORTED + "the record filters (proxy_epoch, edit_distance) are not "
        "implemented; mark epochs with geopm_prof_epoch()",
    ),
    LaunchOption("--geopm-affinity-enable", "flag", "choose CPU affinity", refusal=_NO_AFFINITY),
    LaunchOption("--geopm-launch-verbose", "flag", "print the commands run on stderr first"),
    LaunchOption("--geopm-launch-script", "value", "write the commands run to this file first"),
    LaunchOption(
        "--geopm-init-control",
        "value",
        "controls written when the job starts, a file of CONTROL DOMAIN INDEX VALUE lines "
        "(geopmwrite's words, # comments); restored at its end with the others",
        "GEOPM_INIT_CONTROL",
    ),
    LaunchOption(
        "--geopm-period",
        "value",
        "the agents' control period, seconds (at most 10)",
        "GEOPM_PERIOD",
    ),
    LaunchOption(
        "--geopm-program-filter",
        "value",
        "profile only these programs (comma-separated names); optional, unlike geopmlaunch's",
        "GEOPM_PROGRAM_FILTER",
    ),
    LaunchOption(
        "--geopm-ctl-local",
        "flag",
        "independent controllers, no tree; with a launcher, one report per host (REPORT-<host>)",
        "GEOPM_CTL_LOCAL",
    ),
    LaunchOption(
        "--geopm-ctl-disable", "flag", "no controller: run the launcher (or the application) alone"
    ),
    # geopm-bridge's own.
    LaunchOption(
        "--geopm-max-fan-out",
        "value",
        "widest node of the tree (default 16)",
        "GEOPM_MAX_FAN_OUT",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--geopm-simulate-nodes",
        "value",
        "run N simulated nodes and their tree in this process (no launcher; needs --node-model)",
        "GEOPM_BRIDGE_SIMULATE_NODES",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--geopm-max-iterations",
        "value",
        "end the job after K control periods",
        "GEOPM_BRIDGE_MAX_ITERATIONS",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--geopm-agents",
        "value",
        "Python agents to register, comma-separated module:Class",
        "GEOPM_BRIDGE_AGENTS",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--node-model",
        "optional",
        "simulate the nodes' power, energy and frequency (KEY=VALUE,...)",
        "GEOPM_BRIDGE_NODE_MODEL",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--quiet",
        "flag",
        "no status line and no summary on a terminal (docs/launch.md, Output)",
        geopmlaunch=False,
    ),
    LaunchOption(
        "--verbose",
        "flag",
        "print the agent tree (levels, fan-in, agent), the agents and IOGroups, and the "
        "signals the agents pushed, once they are set up",
        geopmlaunch=False,
    ),
    LaunchOption("--debug", "flag", "show Python tracebacks on error", geopmlaunch=False),
)

BY_NAME = {option.name: option for option in OPTIONS}


def find(word: str) -> LaunchOption | None:
    """The option ``word`` (``--name`` or ``--name=value``) names, or None."""
    return BY_NAME.get(word.split("=", 1)[0])


def markdown_table() -> str:
    """The options as a Markdown table, for docs/launch.md."""
    rows = ["| option | sets | what it does |", "| --- | --- | --- |"]
    for option in OPTIONS:
        name = option.name + ("=VALUE" if option.arity == "value" else "")
        name += "[=VALUE]" if option.arity == "optional" else ""
        sets = f"`{option.variable}`" if option.variable else ""
        what = f"refused: {option.refusal}" if option.refusal else option.help
        what += "" if option.geopmlaunch else " (geopm-bridge's own)"
        rows.append(f"| `{name}` | {sets} | {what} |")
    return "\n".join(rows) + "\n"
