"""Run geopm-bridge jobs on simulated nodes and compare their figures side by side.

The experiment scripts in this directory describe each configuration as a
:class:`Config` (agent, policy, application, node count, node-model
parameters, environment), run it with :func:`run_job` (``geopm-bridge
launch`` on N simulated nodes of the node model, in a directory of its own)
and print :func:`comparison_table` of the results: one row per metric, one
column per configuration, and each column's change against the first.

A job's figures come from its report (GEOPM's report format, read as YAML):

* runtime: the application totals' runtime, the longest over the nodes;
* package energy: the application totals' package energy, summed over nodes;
* average power: that energy over that runtime;
* time in each region (by name): the longest over the nodes;
* epoch count and epoch runtime (the longest over the nodes) and the epochs'
  package energy (summed over nodes), where the application marks epochs:
  the steady state, without the application's start-up (a Python
  application's imports take a time that varies with the machine's load).

``Config.plot``/:meth:`JobResult.plot` draw the job's traces with
:mod:`geopm_bridge.plot` (matplotlib: ``pip install 'geopm-bridge[plot]'``).
Scripts run from a checkout (``python experiments/NAME.py``) with the
package installed; this file is on their path as their own directory.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import yaml

__all__ = [
    "Config",
    "ExperimentError",
    "JobResult",
    "NodeFigures",
    "RegionFigures",
    "comparison_table",
    "node_model_value",
    "parse_report",
    "print_comparison",
    "run_job",
    "run_jobs",
]

EXPERIMENTS = Path(__file__).resolve().parent
APPS = EXPERIMENTS / "apps"


MIN_REGION_SECONDS = 0.001
"""A region shorter than this in every result is left out of the table."""


class ExperimentError(RuntimeError):
    """A job that failed, or a report that cannot be read."""


@dataclass(frozen=True)
class Config:
    """One configuration of a comparison: how to run its job.

    ``node_model`` is GEOPM_BRIDGE_NODE_MODEL's ``key=value`` parameters; a
    sequence value gives node i its entry i (modulo its length). ``env`` is
    added to the job's environment (the caller's ``GEOPM_*`` variables are
    not passed on). ``launch_options`` are further ``geopm-bridge launch``
    options (``--geopm-trace-signals=...``)."""

    name: str
    app: Sequence[str]
    agent: str = "monitor"
    policy: Mapping[str, float] | None = None
    nodes: int = 4
    node_model: Mapping[str, object] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    period: float | None = None
    launch_options: Sequence[str] = ()
    timeout: float = 600.0


@dataclass(frozen=True)
class RegionFigures:
    """One region of one node's report."""

    runtime: float
    count: int
    package_energy: float


@dataclass(frozen=True)
class NodeFigures:
    """One node (host section) of a report."""

    host: str
    runtime: float
    package_energy: float
    dram_energy: float
    regions: Mapping[str, RegionFigures]
    unmarked_runtime: float | None
    epoch_count: int | None
    epoch_runtime: float | None
    epoch_package_energy: float | None


@dataclass(frozen=True)
class JobResult:
    """A finished job: its configuration, its directory (None once a
    temporary one is removed) and its nodes' figures."""

    config: Config
    workdir: Path | None
    nodes: Sequence[NodeFigures]
    late_epoch_time: float | None = None
    """Seconds per epoch over the second half of the epochs (the slowest
    node's, from the traces): the state an agent settles in, without its
    first steps."""

    @property
    def runtime(self) -> float:
        """The application's runtime in seconds: the longest over the nodes."""
        return max(node.runtime for node in self.nodes)

    @property
    def package_energy(self) -> float:
        """The CPU package energy in joules, summed over the nodes."""
        return sum(node.package_energy for node in self.nodes)

    @property
    def average_power(self) -> float:
        """The job's average package power in watts (all nodes together)."""
        return self.package_energy / self.runtime if self.runtime > 0 else math.nan

    @property
    def epoch_count(self) -> int | None:
        counts = [node.epoch_count for node in self.nodes if node.epoch_count is not None]
        return max(counts) if counts else None

    @property
    def epoch_runtime(self) -> float | None:
        times = [node.epoch_runtime for node in self.nodes if node.epoch_runtime is not None]
        return max(times) if times else None

    @property
    def epoch_package_energy(self) -> float | None:
        """The package energy of the epochs, summed over the nodes: the
        application's steady state, without its start-up and end."""
        energies = [node.epoch_package_energy for node in self.nodes]
        if not energies or any(energy is None for energy in energies):
            return None
        return sum(energy for energy in energies if energy is not None)

    def region_names(self) -> list[str]:
        """The regions any node reports, by name (reports list them in no set order)."""
        return sorted({name for node in self.nodes for name in node.regions})

    def region_runtime(self, name: str) -> float | None:
        """Seconds in region ``name``: the longest over the nodes (None if absent)."""
        times = [node.regions[name].runtime for node in self.nodes if name in node.regions]
        return max(times) if times else None

    def metrics(self) -> dict[str, float]:
        """The job's figures by metric name, as the comparison table shows them."""
        figures = {
            "runtime (s)": self.runtime,
            "package energy (J)": self.package_energy,
            "average power, all nodes (W)": self.average_power,
        }
        if self.epoch_count:
            figures["epoch count"] = float(self.epoch_count)
        if self.epoch_runtime is not None and self.epoch_count:
            figures["epoch runtime (s)"] = self.epoch_runtime
        if self.epoch_package_energy is not None and self.epoch_count:
            figures["epoch package energy (J)"] = self.epoch_package_energy
        if self.late_epoch_time is not None:
            figures["epoch time, 2nd half (ms)"] = 1000 * self.late_epoch_time
        for name in self.region_names():
            runtime = self.region_runtime(name)
            if runtime is not None:
                figures[f"region {name} (s)"] = runtime
        return figures

    @property
    def report(self) -> Path:
        return self._dir() / "report.yaml"

    @property
    def traces(self) -> list[Path]:
        return sorted(self._dir().glob("trace-*"))

    def plot(self, output: str | Path, size: tuple[int, int] = (1600, 1000)) -> Path:
        """Draw the job's traces (power, limit, frequency, region per node)."""
        from geopm_bridge.plot import plot_traces
        from geopm_bridge.trace import read_trace, region_names

        traces = [read_trace(path) for path in self.traces if not path.name.endswith("-profile")]
        if not traces:
            raise ExperimentError(f"{self.config.name}: the job wrote no trace (trace=False?)")
        plot_traces(
            traces,
            output,
            region_names=region_names([self.report]),
            title=self._title(),
            size=size,
        )
        return Path(output)

    def _title(self) -> str:
        config = self.config
        where = f"{config.agent} on {config.nodes} nodes"
        return where if config.name == config.agent else f"{config.name}: {where}"

    def _dir(self) -> Path:
        if self.workdir is None:
            raise ExperimentError(f"{self.config.name}: its temporary directory is gone")
        return self.workdir


def node_model_value(params: Mapping[str, object]) -> str:
    """GEOPM_BRIDGE_NODE_MODEL's value for ``params`` (``1`` when empty)."""
    if not params:
        return "1"
    parts = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            value = ":".join(str(item) for item in value)
        parts.append(f"{key}={value}")
    return ",".join(parts)


def _job_environment(config: Config) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GEOPM_")}
    env.update(config.env)
    return env


def run_job(
    config: Config,
    workdir: str | Path | None = None,
    *,
    trace: bool = True,
    plot: str | Path | None = None,
) -> JobResult:
    """Run ``config``'s job in ``workdir`` (made if missing; a temporary
    directory, removed afterwards, if None) and read its report. ``trace``
    writes the per-node traces (``trace-<host>``); ``plot`` draws them there.
    Raises :class:`ExperimentError` if the job fails."""
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="geopm-experiment-") as temporary:
            result = run_job(config, temporary, trace=trace or plot is not None, plot=plot)
        return JobResult(config, None, result.nodes, result.late_epoch_time)
    work = Path(workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    for stale in [work / "report.yaml", *work.glob("trace-*")]:
        stale.unlink(missing_ok=True)
    options = [
        f"--geopm-simulate-nodes={config.nodes}",
        f"--geopm-agent={config.agent}",
        f"--node-model={node_model_value(config.node_model)}",
        "--geopm-report=report.yaml",
    ]
    if config.policy is not None:
        (work / "policy.json").write_text(json.dumps(dict(config.policy)) + "\n")
        options.append("--geopm-policy=policy.json")
    if trace or plot is not None:
        options.append("--geopm-trace=trace")
    if config.period is not None:
        options.append(f"--geopm-period={config.period}")
    command = [
        sys.executable,
        "-m",
        "geopm_bridge.cli",
        "launch",
        *options,
        *config.launch_options,
        "--",
        *config.app,
    ]
    try:
        done = subprocess.run(
            command,
            cwd=work,
            env=_job_environment(config),
            capture_output=True,
            text=True,
            timeout=config.timeout,
        )
    except subprocess.TimeoutExpired:
        raise ExperimentError(f"{config.name}: the job ran past {config.timeout} s") from None
    (work / "stdout.txt").write_text(done.stdout)
    (work / "stderr.txt").write_text(done.stderr)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        raise ExperimentError(
            f"{config.name}: the job exited {done.returncode}: " + " / ".join(tail)
        )
    traces = [path for path in work.glob("trace-*") if not path.name.endswith("-profile")]
    result = JobResult(config, work, parse_report(work / "report.yaml"), late_epoch_time(traces))
    if plot is not None:
        result.plot(plot)
    return result


def late_epoch_time(traces: Sequence[Path]) -> float | None:
    """Seconds per epoch from the start of the middle epoch to the start of
    the last, the longest over the nodes' traces (None without epochs)."""
    from geopm_bridge.trace import read_trace

    result = None
    for path in traces:
        trace = read_trace(path)
        counts = trace.columns.get("EPOCH_COUNT")
        if counts is None or not np.nanmax(counts, initial=0) >= 4:
            continue
        last = int(np.nanmax(counts))
        middle = last // 2
        # The first row of each count: when that epoch had begun.
        start_middle = trace.time[np.argmax(counts >= middle)]
        start_last = trace.time[np.argmax(counts >= last)]
        per_epoch = float(start_last - start_middle) / (last - middle)
        result = per_epoch if result is None else max(result, per_epoch)
    return result


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "job"


def run_jobs(
    configs: Sequence[Config],
    out_dir: str | Path | None = None,
    *,
    plot: bool = False,
    progress: TextIO | None = sys.stderr,
) -> list[JobResult]:
    """Run each configuration in turn, in ``out_dir/<name>`` (kept) or in a
    temporary directory (removed); ``plot`` also writes ``<name>.png`` into
    ``out_dir`` (which it then needs)."""
    if plot and out_dir is None:
        raise ValueError("plot=True needs an out_dir to write the pictures into")
    names = [config.name for config in configs]
    if len(set(names)) != len(names):
        raise ValueError(f"configuration names repeat: {names}")
    results = []
    for config in configs:
        if progress is not None:
            print(f"running {config.name} ({config.agent}, {config.nodes} nodes)", file=progress)
        if out_dir is None:
            results.append(run_job(config))
            continue
        work = Path(out_dir) / _slug(config.name)
        picture = Path(out_dir) / f"{_slug(config.name)}.png" if plot else None
        results.append(run_job(config, work, plot=picture))
    return results


def _number(section: Mapping[str, Any], key: str) -> float:
    value = section.get(key)
    return float(value) if value is not None else math.nan


def parse_report(path: str | Path) -> list[NodeFigures]:
    """The host sections of a GEOPM-format report, one per node."""
    try:
        report = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as error:
        raise ExperimentError(f"{path}: cannot read the report: {error}") from None
    hosts = report.get("Hosts") if isinstance(report, dict) else None
    if not isinstance(hosts, dict) or not hosts:
        raise ExperimentError(f"{path}: not a report (no Hosts section)")
    nodes = []
    for host, section in hosts.items():
        totals = section.get("Application Totals") or {}
        regions = {
            str(region["region"]): RegionFigures(
                runtime=_number(region, "runtime (s)"),
                count=int(region.get("count") or 0),
                package_energy=_number(region, "package-energy (J)"),
            )
            for region in section.get("Regions") or []
        }
        unmarked = section.get("Unmarked Totals")
        epoch = section.get("Epoch Totals")
        nodes.append(
            NodeFigures(
                host=str(host),
                runtime=_number(totals, "runtime (s)"),
                package_energy=_number(totals, "package-energy (J)"),
                dram_energy=_number(totals, "dram-energy (J)"),
                regions=regions,
                unmarked_runtime=_number(unmarked, "runtime (s)") if unmarked else None,
                epoch_count=int(epoch["count"]) if epoch and "count" in epoch else None,
                epoch_runtime=_number(epoch, "runtime (s)") if epoch else None,
                epoch_package_energy=_number(epoch, "package-energy (J)") if epoch else None,
            )
        )
    return nodes


def _format(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}" if abs(value) >= 1e5 else f"{value:.3f}"


def comparison_table(results: Sequence[JobResult]) -> str:
    """A text table: one row per metric, one column per result, and after
    every column but the first its change against the first (``%chg``)."""
    if not results:
        return ""
    figures = [result.metrics() for result in results]
    rows: dict[str, None] = {}
    for metrics in figures:
        rows.update(dict.fromkeys(metrics))
    for row in list(rows):
        # Set-up regions of microseconds everywhere: noise in a table of seconds.
        values = [metrics[row] for metrics in figures if row in metrics]
        if row.startswith("region ") and all(value < MIN_REGION_SECONDS for value in values):
            del rows[row]
    header = ["metric", results[0].config.name]
    for result in results[1:]:
        header += [result.config.name, "%chg"]
    table = [header]
    for row in rows:
        base = figures[0].get(row)
        line = [row, _format(base)]
        for metrics in figures[1:]:
            value = metrics.get(row)
            line.append(_format(value))
            if value is None or base is None or base == 0 or math.isnan(base):
                line.append("-")
            else:
                line.append(f"{100.0 * (value - base) / base:+.1f}%")
        table.append(line)
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in table
    )


def print_comparison(results: Sequence[JobResult], file: TextIO | None = None) -> None:
    """Print :func:`comparison_table` with a line naming each configuration."""
    out = file if file is not None else sys.stdout
    for result in results:
        config = result.config
        policy = json.dumps(dict(config.policy)) if config.policy is not None else "default"
        print(
            f"{config.name}: agent {config.agent}, policy {policy}, {config.nodes} nodes, "
            f"node model {node_model_value(config.node_model)}",
            file=out,
        )
    print(file=out)
    print(comparison_table(results), file=out)


def bench(config: str | Path) -> list[str]:
    """The application that runs geopm-bridge bench with the given configuration."""
    return [sys.executable, "-m", "geopm_bridge.cli", "bench", str(config)]


def experiment_parser(doc: str, nodes: int, config: str) -> argparse.ArgumentParser:
    """The options every experiment script takes: ``--nodes``, ``--config``
    (a bench configuration, ``config`` under apps/ by default), ``--period``,
    ``--out DIR`` and ``--plot``; the script adds its own."""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=nodes, help=f"simulated nodes ({nodes})")
    parser.add_argument("--config", default=str(APPS / config), help=f"bench config ({config})")
    parser.add_argument("--period", type=float, default=0.01, help="control period, s (0.01)")
    parser.add_argument("--out", help="keep each job's files (and pictures) under this directory")
    parser.add_argument("--plot", action="store_true", help="draw each job's traces into --out")
    return parser


def bench_job(
    opts: argparse.Namespace,
    agent: str,
    policy: Mapping[str, float] | None = None,
    node_model: Mapping[str, object] | None = None,
) -> Config:
    """The configuration named after ``agent`` that runs the bench on the
    experiment options' configuration, nodes and period."""
    return Config(
        agent,
        bench(opts.config),
        agent=agent,
        policy=policy,
        nodes=opts.nodes,
        node_model=node_model or {},
        period=opts.period,
    )


def compare(
    parser: argparse.ArgumentParser, opts: argparse.Namespace, configs: Sequence[Config]
) -> int:
    """Run ``configs`` as the experiment options say and print their table;
    the script's exit code (1, with one line, when a job failed)."""
    if opts.plot and not opts.out:
        parser.error("--plot needs --out DIR")
    try:
        results = run_jobs(configs, opts.out, plot=opts.plot)
    except ExperimentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_comparison(results)
    return 0
