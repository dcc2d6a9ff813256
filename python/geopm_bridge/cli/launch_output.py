"""What ``geopm-bridge launch`` shows a person: the live status line, the summary, --verbose.

On a terminal the process that hosts the tree's root shows one status line
on stderr while the job runs (elapsed time, control periods, node power,
the policy in force, the application's region), read from the
controller's JobStatus snapshot about once a second and cleared at the end;
the launching process then prints a two-line summary whose figures are the
report's totals. ``--quiet``, or a stderr that is not a terminal: none of
it. ``--verbose``: the tree, the plugins and the signals the agents pushed,
once the agents are set up (docs/launch.md, "Output").
"""

from __future__ import annotations

import glob
import math
import os
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

import yaml

if TYPE_CHECKING:
    from .._core import JobStatus

_PREFIX = "geopm-bridge: "
_CLEAR = "\r\x1b[2K"  # carriage return, then erase the line
_REFRESH_S = 1.0
# Asked this long before it is read: the controller refreshes the snapshot
# at the end of its next period, so the line is that fresh.
_ASK_AHEAD_S = 0.2
# Before the first line: how often to look for the agents' set-up (--verbose).
_SETUP_POLL_S = 0.05


def is_terminal(stream: TextIO) -> bool:
    """Whether stream is a terminal a person reads (not a file or a pipe)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _number(value: float, unit: str) -> str:
    """value with its unit, three significant digits or whole (12.3 s, 245 W)."""
    text = "?" if math.isnan(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return f"{text} {unit}".rstrip()


def _energy(status: JobStatus) -> tuple[float, float]:
    """The snapshot's CPU and GPU energy (J); GPU 0 when there is none."""
    gpu = status.gpu_energy
    return status.cpu_energy, 0.0 if math.isnan(gpu) else gpu


def status_text(previous: JobStatus | None, status: JobStatus) -> str:
    """The status line of status; power from the energy since previous (None: since the start)."""
    parts = [_number(status.elapsed, "s"), f"{status.periods} periods"]
    cpu, gpu = _energy(status)
    if previous is not None and status.elapsed > previous.elapsed:
        before_cpu, before_gpu = _energy(previous)
        span = status.elapsed - previous.elapsed
    else:
        before_cpu, before_gpu, span = 0.0, 0.0, status.elapsed
    if not math.isnan(cpu) and span > 0:
        cpu_power = (cpu - before_cpu) / span
        gpu_power = (gpu - before_gpu) / span
        nodes = f"{status.num_node} nodes " if status.num_node > 1 else ""
        power = f"{nodes}{_number(cpu_power + gpu_power, 'W')}"
        if not math.isnan(status.gpu_energy):
            power += f" (CPU {_number(cpu_power, '')} + GPU {_number(gpu_power, 'W')})"
        parts.append(power)
    if status.region:
        parts.append(f"region {status.region}")
    elif status.region_hash:
        parts.append(f"region {status.region_hash:#x}")
    # Last: a long policy is what a narrow terminal cuts.
    if status.policy_names:
        values = " ".join(
            f"{name}={'default' if math.isnan(value) else f'{value:g}'}"
            for name, value in zip(status.policy_names, status.policy, strict=False)
        )
        is_default = all(math.isnan(value) for value in status.policy)
        parts.append("policy default" if is_default else f"policy {values}")
    return _PREFIX + " | ".join(parts)


def describe(status: JobStatus, plugins: list[str]) -> str:
    """--verbose: the tree, the plugins and the signals the agents pushed, one line each."""
    # The controller's lines: the tree's levels, the IOGroups, the signals.
    lines = [f"tree: {line}" if line.startswith("level ") else line for line in status.description]
    lines[-1:-1] = plugins
    return "".join(f"{_PREFIX}{line}\n" for line in lines)


def _columns(stream: TextIO) -> int:
    """The width of stream's terminal (80 when it does not say)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or shutil.get_terminal_size().columns


class JobWatch:
    """While run_job() runs: the status line (show_status) and --verbose's lines (verbose).

    Used as a context manager around run_job(); a thread reads the
    controller's snapshot (the controller runs with the GIL released).
    """

    def __init__(
        self, show_status: bool, verbose: bool, plugins: list[str], stream: TextIO = sys.stderr
    ) -> None:
        self._show_status = show_status
        self._verbose = verbose
        self._plugins = plugins
        self._stream = stream
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False  # a status line is on the screen

    def __enter__(self) -> JobWatch:
        if self._show_status or self._verbose:
            self._thread = threading.Thread(target=self._watch, name="launch-status", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            self._write(_CLEAR)

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            pass  # no reader: the job goes on

    def _watch(self) -> None:
        from .._core import job_status

        # The agents' set-up first: the snapshot's description (--verbose)
        # and whether this process hosts the root (only it shows a line).
        status = job_status()
        while not status.description and not self._stop.wait(_SETUP_POLL_S):
            status = job_status()
        if not status.description or not status.is_root:
            return
        if self._verbose:
            self._write(describe(status, self._plugins))
        if not self._show_status:
            return
        previous: JobStatus | None = None
        while not self._stop.wait(_REFRESH_S - _ASK_AHEAD_S):
            job_status()
            if self._stop.wait(_ASK_AHEAD_S):
                break
            status = job_status()
            if not status.is_running:
                continue
            width = _columns(self._stream)
            # One screen line at most: a wrapped line would not clear.
            self._write(_CLEAR + status_text(previous, status)[: max(width - 1, 1)])
            self._shown = True
            previous = status


@dataclass(frozen=True)
class Summary:
    """The run as its report tells it: the job's runtime and energy, summed over its hosts."""

    runtime: float  # s: the longest host's application runtime
    energy: float  # J: package and GPU energy of every host

    @property
    def power(self) -> float:
        """The job's average power (W)."""
        return self.energy / self.runtime if self.runtime > 0 else math.nan


def read_summary(reports: list[str]) -> Summary | None:
    """The reports' Application Totals, over their hosts; None when one is not readable."""
    try:
        totals = []
        for report in reports:
            data = yaml.safe_load(Path(report).read_text(encoding="utf-8"))
            totals += [host["Application Totals"] for host in data["Hosts"].values()]
        runtime = max(float(total["runtime (s)"]) for total in totals)
        energy = sum(
            float(total.get("package-energy (J)", 0.0)) + float(total.get("gpu-energy (J)", 0.0))
            for total in totals
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, ValueError):
        return None
    return Summary(runtime, energy)


def _files(path: str) -> list[str]:
    """path's files: itself, or one per host (PATH-<host>: traces, --geopm-ctl-local's reports)."""
    if Path(path).is_file():
        return [path]
    return sorted(glob.glob(glob.escape(path) + "-*"))


def _where(kind: str, path: str, files: list[str]) -> str:
    if len(files) == 1:
        return f"{kind} {files[0]}"
    return f"{kind} {path}-<host> ({len(files)} files)"


def summary_text(report: str, trace: str) -> str:
    """The two summary lines: where the report and trace are, then the run's figures."""
    reports = _files(report) if report else []
    where = [_where("report", report, reports) if report else "no report"]
    if trace:
        where.append(_where("trace", trace, _files(trace)))
    lines = [_PREFIX + ", ".join(where)]
    summary = read_summary(reports) if reports else None
    if summary is not None:
        lines.append(
            f"{_PREFIX}runtime {_number(summary.runtime, 's')}, energy "
            f"{_number(summary.energy, 'J')}, average power {_number(summary.power, 'W')}"
        )
    return "".join(line + "\n" for line in lines)
