"""Run one job from Python: an agent, its policy and an application, on this node or simulated ones.

:func:`run` is ``geopm-bridge launch`` as a function: it builds the job's
``JobConfig``, runs it in this process with the GIL released (other Python
threads run meanwhile; a Python agent takes the GIL for each hook call)
and returns a :class:`~geopm_bridge.result.RunResult` with the report and
traces read back. The controller owns SIGINT while the job runs: Ctrl-C
ends the job (controls restored, report written) and :func:`run` raises
:class:`~geopm_bridge.result.RunInterrupted` carrying the partial result.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ._loader import BACKEND, _core
from .agent import Agent
from .composite import resolve_composite
from .registry import agent_factory, agent_name, load_agents
from .result import RunInterrupted, RunResult, read_report

__all__ = ["NodeModel", "run"]

NodeModel = bool | str | Mapping[str, float | int | str]
"""The node model: True (its defaults), False (off), ``"k=v,..."``, or a dict."""

# GEOPM_PERIOD is the process's: runs that set it take turns.
_PERIOD_LOCK = threading.Lock()


def run(
    agent: str | type[Agent],
    app: Sequence[str | os.PathLike[str]] | None = None,
    *,
    policy: Mapping[str, float] | None = None,
    node_model: NodeModel | None = None,
    simulate_nodes: int | None = None,
    period: float | None = None,
    max_iterations: int | None = None,
    report: str | os.PathLike[str] | None = None,
    trace: str | os.PathLike[str] | bool | None = None,
    report_signals: Sequence[str] = (),
    trace_signals: Sequence[str] = (),
    profile: str = "",
    max_fan_out: int | None = None,
    init_control: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run ``agent`` over the application ``app`` and return the job's result.

    ``agent``: an agent's name (built-in, C++ plugin or registered Python
    agent), or a :class:`~geopm_bridge.Agent` subclass, registered under its
    :func:`~geopm_bridge.registry.agent_name` first unless it already is.
    ``app``: the application's argv (``["./app", "--size", "4"]``); None runs
    the agent alone for ``max_iterations`` control periods. ``policy``: the
    static policy by name (``{"CPU_POWER_LIMIT": 150.0}``); names the agent
    lacks are a ValueError, missing ones are NaN (the agent's default).
    ``node_model``: simulate the node (True; ``"load=0.5,gpus=4"``; or
    ``{"gpus": 4, "load": 0.5}``; False: never; None: as
    ``GEOPM_BRIDGE_NODE_MODEL`` says). ``simulate_nodes``: run N simulated
    nodes and their tree in this process (needs the node model).
    ``period``: the control period in seconds (``GEOPM_PERIOD``, set for the
    run). ``max_iterations``: end after that many control periods.
    ``report``/``trace``: where to write them; by default both go to the
    run's new directory (``RunResult.directory``, kept), ``trace=False``
    writes no trace; a node's trace is ``<trace>-<host>``.
    ``report_signals``/``trace_signals``: extra ``NAME[@domain]`` signals.
    ``profile``: the report's profile name. ``max_fan_out``: the widest
    node of the tree of simulated nodes (``GEOPM_MAX_FAN_OUT``, default 16).
    ``init_control``: a file of controls (``NAME DOMAIN INDEX VALUE`` per
    line) written once the controls are saved, as ``--geopm-init-control``.

    Returns the :class:`~geopm_bridge.result.RunResult` whatever the
    application's exit code. Raises ValueError or TypeError for bad
    arguments (naming the agent and the key), ApplicationStartError when
    the application cannot start (``exit_status`` 127 or 126), GeopmError
    when the job fails (its report, marked, is in the run's directory), and
    :class:`~geopm_bridge.result.RunInterrupted` when a signal (Ctrl-C)
    stopped the job. One job runs at a time in a process.
    """
    if BACKEND != "embedded":
        raise RuntimeError(
            "geopm_bridge.run() needs the embedded backend; with an installed GEOPM "
            "run jobs with geopmlaunch"
        )
    # Every argument checked before anything is made.
    name = _agent_name(agent)
    config = _core.JobConfig(
        agent=name,
        app_argv=_app_argv(app, max_iterations),
        report_signals=list(report_signals),
        trace_signals=list(trace_signals),
        profile=profile,
        node_model=_node_model_text(node_model),
        simulate_nodes=_count("simulate_nodes", simulate_nodes),
        max_iterations=_count("max_iterations", max_iterations),
    )
    if max_fan_out is not None:
        config.max_fan_out = _count("max_fan_out", max_fan_out)
    if init_control is not None:
        config.init_control_path = os.fspath(init_control)
    policy_json = None if policy is None else json.dumps(_policy_json(name, policy))
    period_text = _period_text(period)
    directory = Path(tempfile.mkdtemp(prefix="geopm-bridge-run-"))
    config.report_path = str(report) if report is not None else str(directory / "report.yaml")
    config.trace_path = _trace_path(trace, directory)
    if policy_json is not None:
        path = directory / "policy.json"
        path.write_text(policy_json)
        config.policy_path = str(path)
    try:
        with _period(period_text):
            exit_code = _core.run_job(config)
    except _core.GeopmError as error:
        # The report of a failed job is marked with its error: say where.
        if Path(config.report_path).is_file() and hasattr(error, "add_note"):
            error.add_note(f"the job's report: {config.report_path}")
        raise
    result = _result(config, exit_code, directory)
    if exit_code > 128 and _was_interrupted(result):
        raise RunInterrupted(result, exit_code - 128)
    return result


def _agent_name(agent: object) -> str:
    if isinstance(agent, str):
        if agent not in _core.agent_names():
            load_agents(strict=False)  # the installed Python agents, once
            resolve_composite(agent)
        if agent not in _core.agent_names():
            raise ValueError(f"unknown agent {agent!r}; known: {', '.join(_core.agent_names())}")
        return agent
    if not (isinstance(agent, type) and issubclass(agent, Agent)):
        what = "an Agent instance: pass its class" if isinstance(agent, Agent) else repr(agent)
        raise TypeError(f"run(): agent must be an agent name or an Agent subclass, got {what}")
    name = agent_name(agent)
    factory = agent_factory()
    if factory.agent_class(name) is not agent:
        factory.register_plugin(name, agent)
    return name


def _app_argv(app: object, max_iterations: int | None) -> list[str]:
    if app is None:
        if not max_iterations:
            raise ValueError(
                "run(): without an application (app=None) give max_iterations, "
                "or the job runs until a signal"
            )
        return []
    if isinstance(app, (str, bytes)) or not isinstance(app, Sequence):
        raise TypeError(f"run(): app must be a list of the program and its arguments, got {app!r}")
    if not app:
        raise ValueError("run(): app is empty: give the program and its arguments, or None")
    return [os.fspath(word) for word in app]


def _trace_path(trace: str | os.PathLike[str] | bool | None, directory: Path) -> str:
    if trace is None or trace is True:
        return str(directory / "trace")
    if trace is False:
        return ""
    return os.fspath(trace)


def _node_model_text(node_model: NodeModel | None) -> str:
    if node_model is None:
        return ""
    if isinstance(node_model, bool):
        return "1" if node_model else "0"
    if isinstance(node_model, str):
        return node_model if node_model.strip() else "0"
    if isinstance(node_model, Mapping):
        return ",".join(f"{key}={_model_value(key, value)}" for key, value in node_model.items())
    raise TypeError(f"run(): node_model must be a bool, a str or a dict, got {node_model!r}")


def _model_value(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError(f"run(): node_model[{key!r}] must be a number or a str, got {value!r}")


def _count(key: str, value: int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"run(): {key} must be an int >= 1, got {value!r}")
    return value


def _policy_json(agent: str, policy: Mapping[str, float]) -> dict[str, float | str]:
    """The policy file's object (GEOPM's: NaN is "NAN"), every name checked."""
    if not isinstance(policy, Mapping):
        raise TypeError(f"run(): policy must be a dict of policy names to numbers, got {policy!r}")
    names = _core.policy_names(agent)
    result: dict[str, float | str] = {}
    for key, value in policy.items():
        if key not in names:
            known = ", ".join(names) if names else "none"
            raise ValueError(
                f"run(): agent {agent!r} has no policy named {key!r} (its policy names: {known})"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(
                f"run(): policy {key!r} of agent {agent!r} must be a number, got {value!r}"
            )
        if math.isinf(value):
            raise ValueError(f"run(): policy {key!r} of agent {agent!r} is infinite")
        result[key] = "NAN" if math.isnan(value) else float(value)
    return result


def _period_text(period: float | None) -> str | None:
    if period is None:
        return None
    if isinstance(period, bool) or not isinstance(period, (int, float)) or not period > 0:
        raise ValueError(f"run(): period must be seconds > 0, got {period!r}")
    return repr(float(period))


@contextmanager
def _period(period: str | None) -> Iterator[None]:
    if period is None:
        yield
        return
    with _PERIOD_LOCK:
        before = os.environ.get("GEOPM_PERIOD")
        os.environ["GEOPM_PERIOD"] = period
        try:
            yield
        finally:
            if before is None:
                del os.environ["GEOPM_PERIOD"]
            else:
                os.environ["GEOPM_PERIOD"] = before


def _result(config: _core.JobConfig, exit_code: int, directory: Path) -> RunResult:
    report_path = Path(config.report_path)
    report = read_report(report_path) if report_path.is_file() else None
    trace_paths: dict[str, Path] = {}
    if config.trace_path:
        hosts = list((report or {}).get("Hosts") or {})
        if not hosts:
            prefix = Path(config.trace_path).name + "-"
            found = Path(config.trace_path).parent.glob(prefix + "*")
            hosts = sorted(path.name[len(prefix) :] for path in found)
        for host in hosts:
            path = Path(f"{config.trace_path}-{host}")
            if path.is_file():
                trace_paths[host] = path
    return RunResult(
        exit_code=exit_code,
        agent=config.agent,
        directory=directory,
        report_path=report_path if report is not None else None,
        report=report,
        trace_paths=trace_paths,
    )


def _was_interrupted(result: RunResult) -> bool:
    status = (result.report or {}).get("Run Status", "")
    return isinstance(status, str) and status.startswith("interrupted by")
