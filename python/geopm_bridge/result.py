"""What a job run from Python (:func:`geopm_bridge.run`) leaves: its exit code, report and traces.

The report is read once, as plain Python data (the YAML as ``yaml`` gives
it); each node's trace is read on first use, as a
:class:`~geopm_bridge.trace.Trace` of NumPy columns. Where pandas is
installed, :meth:`RunResult.report_frames` and :meth:`RunResult.trace_frame`
give the data frames ``geopmpy.io`` (GEOPM 3.1) gives for the same files.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .trace import Trace, read_trace

# A pandas.DataFrame: pandas is optional and ships no type information.
DataFrame = Any

__all__ = ["ReportFrames", "RunInterrupted", "RunResult", "read_report"]


class _ReportLoader(yaml.SafeLoader):
    """YAML's safe loader, also reading ``1e+10`` (no decimal point) as a
    float, as geopmpy.io.RawReport does (on its own class, not SafeLoader)."""


_ReportLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def read_report(path: str | Path) -> dict[str, Any]:
    """A GEOPM report file as plain Python data (dicts, lists, str, float, int)."""
    report = yaml.load(Path(path).read_text(), Loader=_ReportLoader)  # noqa: S506 (a SafeLoader)
    if not isinstance(report, dict):
        raise ValueError(f"{path}: not a GEOPM report (no YAML mapping)")
    return report


@dataclass(frozen=True)
class ReportFrames:
    """A report as geopmpy.io.RawReportCollection's four data frames, one row
    per host (and per region in ``regions``): its ``get_df()``,
    ``get_unmarked_df()``, ``get_epoch_df()`` and ``get_app_df()``."""

    regions: DataFrame
    unmarked: DataFrame
    epoch: DataFrame
    app: DataFrame


@dataclass(frozen=True)
class RunResult:
    """One job's outcome.

    ``exit_code`` is the application's (128 + N when signal N stopped the
    job); ``report`` the parsed report (None when none was written);
    ``trace_paths`` each node's trace file by host name, in the report's
    host order; ``directory`` the run's own directory, where the files
    not given a path went (kept: remove it when done).
    """

    exit_code: int
    agent: str
    directory: Path
    report_path: Path | None
    report: Mapping[str, Any] | None
    trace_paths: Mapping[str, Path] = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        """The nodes' names: the report's hosts, else the traces'."""
        if self.report is not None and isinstance(self.report.get("Hosts"), dict):
            return list(self.report["Hosts"])
        return list(self.trace_paths)

    @functools.cached_property
    def traces(self) -> Mapping[str, Trace]:
        """Each node's trace by host name, read on first use (NumPy columns)."""
        return {host: read_trace(path) for host, path in self.trace_paths.items()}

    def report_frames(self) -> ReportFrames:
        """The report as geopmpy.io's data frames (needs pandas).

        Columns as RawReportCollection names them: the header's ``GEOPM
        Version``, ``Start Time``, ``Profile``, ``Agent``, then the policy's
        names (one column each; geopmpy's ``Policy`` dict flattened the
        same way), ``host``, then the section's keys as the report writes
        them (``runtime (s)``, ``power (W)``, ...); ``app`` adds ``FOM`` and
        ``total_runtime`` where the report has them, ``regions`` the
        ``region`` name and ``hash``. Values that read as numbers are
        floats, as geopmpy makes them. A section the report lacks gives an
        empty frame (geopmpy leaves it unset).
        """
        import pandas  # type: ignore[import-untyped,unused-ignore]

        if self.report is None:
            raise ValueError("this run wrote no report")
        return _frames(self.report, pandas)

    def trace_frame(self, host: str | None = None) -> DataFrame:
        """Node ``host``'s trace (the only node's when None) as geopmpy.io.AppOutput's
        trace frame (needs pandas): one column per trace column, ``REGION_HASH`` and
        ``REGION_HINT`` as their hexadecimal strings, the rest numbers."""
        import pandas  # type: ignore[import-untyped,unused-ignore]

        if host is None:
            if len(self.trace_paths) != 1:
                raise ValueError(
                    f"trace_frame(): name a host, one of {sorted(self.trace_paths)}"
                    if self.trace_paths
                    else "this run wrote no trace"
                )
            host = next(iter(self.trace_paths))
        try:
            path = self.trace_paths[host]
        except KeyError:
            raise KeyError(
                f"no trace of host {host!r}; hosts: {sorted(self.trace_paths)}"
            ) from None
        skip = 0  # the "#" header lines, as geopmpy skips them
        with open(path) as lines:
            for line in lines:
                if not line.startswith("#"):
                    break
                skip += 1
        frame = pandas.read_csv(
            path, sep="|", skiprows=skip, dtype={"REGION_HASH": str, "REGION_HINT": str}
        )
        frame.columns = [str(name).strip() for name in frame.columns]
        return frame


class RunInterrupted(KeyboardInterrupt):
    """A job a signal stopped (Ctrl-C: SIGINT) before its end.

    A KeyboardInterrupt, so that code and notebooks that stop on Ctrl-C
    still do; ``result`` is the partial :class:`RunResult` (its report is
    marked ``Run Status: "interrupted by SIGINT"``), ``signal`` the number.
    """

    def __init__(self, result: RunResult, signal: int) -> None:
        super().__init__(f"the {result.agent} job was interrupted by signal {signal}")
        self.result = result
        self.signal = signal


_HEADER_KEYS = ("GEOPM Version", "Start Time", "Profile", "Agent", "Policy")


def _try_float(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _frames(report: Mapping[str, Any], pandas: Any) -> ReportFrames:
    # RawReportCollection.parse_reports(), for one report.
    header: dict[str, Any] = {}
    for key in _HEADER_KEYS:
        value = report.get(key)
        if isinstance(value, dict):
            header.update({name: _try_float(item) for name, item in value.items()})
        else:
            header[key] = str(value)
    rows: dict[str, list[dict[str, Any]]] = {"regions": [], "unmarked": [], "epoch": [], "app": []}
    for host, data in (report.get("Hosts") or {}).items():
        base = {**header, "host": host}

        def row(section: Mapping[str, Any], base: dict[str, Any] = base) -> dict[str, Any]:
            return {**copy.deepcopy(base), **{k: _try_float(v) for k, v in section.items()}}

        for region in data.get("Regions") or []:
            rows["regions"].append(row(region))
        for name, key in (("unmarked", "Unmarked Totals"), ("epoch", "Epoch Totals")):
            if key in data:
                rows[name].append(row(data[key]))
        app = {**base}
        for key, column in (("Figure of Merit", "FOM"), ("Total Runtime", "total_runtime")):
            if key in report:
                app[column] = report[key]
        rows["app"].append(row(data.get("Application Totals") or {}, app))
    return ReportFrames(**{name: pandas.DataFrame(table) for name, table in rows.items()})
