"""Read a GEOPM trace file (``--geopm-trace``) into columns, and a report's region names.

A trace is one file per node: ``#`` comment lines (``# key: value``, among
them ``node_name``), then a ``|``-separated header of column names, then one
row per control period. A value is a decimal number (``nan`` included)
or a ``0x`` hexadecimal integer (``REGION_HASH``, ``REGION_HINT``); an
agent's column may hold words (power_balancer's ``POLICY_STEP_COUNT``,
``0-STEP_SEND_DOWN_LIMIT``), read as NaN. Columns
of a signal traced per domain are named ``NAME-DOMAIN-INDEX``
(``CPU_POWER_LIMIT_CONTROL-package-0``).

NumPy only: this module is what ``geopm-bridge plot`` and the experiment
scripts read traces with, and neither may need pandas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import yaml

__all__ = [
    "REGION_HASH_UNMARKED",
    "Trace",
    "TraceError",
    "read_trace",
    "region_names",
]

# GEOPM_REGION_HASH_UNMARKED (geopm_hash.h): time outside every marked region.
REGION_HASH_UNMARKED = 0x725E8066

FloatArray = npt.NDArray[np.float64]


class TraceError(ValueError):
    """A file that is not a readable trace (names the file and the problem)."""


@dataclass(frozen=True)
class Trace:
    """One node's trace: its header comments and its columns, each a float64
    array with one value per row (hexadecimal values as their integer value)."""

    path: Path
    header: Mapping[str, str]
    columns: Mapping[str, FloatArray] = field(repr=False)

    @property
    def host(self) -> str:
        """The node's name (``# node_name:``), else the file's name."""
        return self.header.get("node_name") or self.path.name

    @property
    def num_rows(self) -> int:
        """How many control periods the trace has (its rows)."""
        return len(self.columns["TIME"])

    @property
    def time(self) -> FloatArray:
        """Seconds since the job started, per row."""
        return self.columns["TIME"]

    def board(self, name: str, *, total: bool) -> FloatArray | None:
        """Signal ``name`` of the whole node: its own column, else the sum
        (``total``) or the mean of its per-domain columns; None if traced
        neither way."""
        if name in self.columns:
            return self.columns[name]
        parts = [values for column, values in self.columns.items() if _is_domain_of(column, name)]
        if not parts:
            return None
        stacked = np.vstack(parts)
        values: FloatArray = stacked.sum(axis=0) if total else stacked.mean(axis=0)
        return values

    def power(self) -> FloatArray | None:
        """The node's CPU power in watts: ``CPU_POWER``, else the rate of
        ``CPU_ENERGY`` (nan in the first row); None if neither is traced."""
        power = self.board("CPU_POWER", total=True)
        if power is not None:
            return power
        energy = self.board("CPU_ENERGY", total=True)
        if energy is None:
            return None
        rate = np.full(self.num_rows, math.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate[1:] = np.diff(energy) / np.diff(self.time)
        return rate

    def frequency(self) -> FloatArray | None:
        """The mean CPU frequency in hertz (``CPU_FREQUENCY_STATUS``), or None."""
        return self.board("CPU_FREQUENCY_STATUS", total=False)

    # Columns that hold the node's power limit, in order of preference: the
    # power_governor's and power_balancer's own trace columns, then the
    # control itself traced as a signal (--geopm-trace-signals).
    POWER_LIMIT_COLUMNS = (
        "POWER_BUDGET",
        "ENFORCED_POWER_LIMIT",
        "POWER_LIMIT",
        "CPU_POWER_LIMIT_CONTROL",
        "CPU_POWER_LIMIT",
    )

    def power_limit(self) -> tuple[str, FloatArray] | None:
        """The node's power limit in watts and the column it came from, or None."""
        for name in self.POWER_LIMIT_COLUMNS:
            values = self.board(name, total=True)
            if values is not None:
                return name, values
        return None

    def region_hash(self) -> FloatArray | None:
        """``REGION_HASH`` per row (nan where none), or None if not traced."""
        return self.columns.get("REGION_HASH")


def _is_domain_of(column: str, name: str) -> bool:
    """Whether ``column`` is ``name`` traced at a domain (``NAME-DOMAIN-INDEX``)."""
    if not column.startswith(name + "-"):
        return False
    domain, _, index = column[len(name) + 1 :].rpartition("-")
    return bool(domain) and "-" not in domain and index.isdigit()


def _number(text: str) -> float:
    text = text.strip()
    if text.startswith(("0x", "0X")):
        return float(int(text, 16))
    return float(text)


def _number_or_nan(text: str) -> float:
    try:
        return _number(text)
    except ValueError:
        return math.nan


def read_trace(path: str | Path) -> Trace:
    """Read one trace file; raises :class:`TraceError` (naming the file) if it
    is missing or not a trace."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TraceError(f"{path}: is a directory, not a trace file") from None
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not a trace (not text)") from None
    except OSError as error:
        raise TraceError(f"{path}: cannot read: {error.strerror}") from None
    header: dict[str, str] = {}
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon:
                header[key.strip()] = value.strip()
        elif line.strip():
            lines.append(line)
    if not lines:
        raise TraceError(f"{path}: not a trace (no header line of column names)")
    names = lines[0].split("|")
    if names[:3] == ["TIME", "PROCESS", "EVENT"]:
        raise TraceError(
            f"{path}: a profile trace (--geopm-trace-profile), not a trace (--geopm-trace)"
        )
    if "TIME" not in names:
        raise TraceError(f"{path}: not a trace (no TIME column in its first line)")
    time_index = names.index("TIME")
    rows = []
    for row, line in enumerate(lines[1:], start=1):
        fields = line.split("|")
        if len(fields) != len(names):
            # A job killed mid-write leaves a short last line: drop it.
            if row == len(lines) - 1:
                break
            raise TraceError(
                f"{path}: not a trace (row {row} has {len(fields)} fields, the header {len(names)})"
            )
        values = [_number_or_nan(value) for value in fields]
        if math.isnan(values[time_index]):
            raise TraceError(f"{path}: not a trace (row {row} has no TIME)")
        rows.append(values)
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(names))
    columns = {name: table[:, index].copy() for index, name in enumerate(names)}
    return Trace(path=path, header=header, columns=columns)


def region_names(reports: Iterable[str | Path]) -> dict[int, str]:
    """Region hash -> region name, from GEOPM-format reports (``--geopm-report``);
    the unmarked hash is always named ``unmarked``."""
    names = {REGION_HASH_UNMARKED: "unmarked"}
    for path in reports:
        try:
            report = yaml.safe_load(Path(path).read_text())
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise TraceError(f"{path}: not a readable report ({type(error).__name__})") from None
        hosts = report.get("Hosts") if isinstance(report, dict) else None
        if not isinstance(hosts, dict):
            raise TraceError(f"{path}: not a report (no Hosts section)")
        for host in hosts.values():
            for region in (host or {}).get("Regions") or []:
                if isinstance(region, dict) and "hash" in region and "region" in region:
                    names[int(region["hash"])] = str(region["region"])
    return names
