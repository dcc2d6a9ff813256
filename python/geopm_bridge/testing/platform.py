"""The harness's PlatformIO and PlatformTopo: scripted signals, recorded controls.

A strict Python stand-in for the runtime's PlatformIO, as
``geopm_bridge.platform_io()`` returns it to an agent: the names, native
domains, aggregations and topology are the node model's
(:mod:`.catalog`), and a name, domain or index the real one would refuse
is refused here too, with a :class:`geopm_bridge.GeopmError`. A signal
reads its scripted value, else (a control's name) the control's current
setting, else the node model's value when the harness started, constant;
``TIME`` reads the scripted clock. A signal read at a domain coarser than
the one it is known at is aggregated with its GEOPM aggregation; a control
written at a coarser domain than its native one is split among the native
domains the way PlatformIO does (evenly for a summed control such as a
power limit, the same setting for the others). Signals and controls have
no descriptions or print formats here: agents do not need them in the
loop.

A Python stand-in rather than the runtime's PlatformIO over a scripted
IOGroup: it works the same on both backends (the native one has no
NodeContext to hold a harness node), and nothing in it moves with real
time, so a test's arrays are the same every run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from .._loader import _core
from ..profile import RegionHint
from .catalog import Catalog, Quantity
from .script import Script

__all__ = ["ScriptedPlatformIO", "ScriptedPlatformTopo"]

FloatArray = npt.NDArray[np.float64]
Domain = int | str

_REGION_HASH_UNMARKED = float(0x725E8066)  # GEOPM_REGION_HASH_UNMARKED (geopm_hash.h)


def _error(message: str) -> Exception:
    return _core.GeopmError(message, _core.GEOPM_ERROR_INVALID)


def _common(values: FloatArray, other: float) -> float:
    return float(values[0]) if np.all(values == values[0]) else other


def aggregate(agg: str, values: FloatArray) -> float:
    """GEOPM's Agg function ``agg`` over ``values`` (a non-empty array)."""
    if agg == "sum":
        return float(values.sum())
    if agg == "average":
        return float(values.mean())
    if agg == "median":
        return float(np.median(values))
    if agg == "min":
        return float(values.min())
    if agg == "max":
        return float(values.max())
    if agg == "select_first":
        return float(values[0])
    if agg == "expect_same":
        return _common(values, math.nan)
    if agg == "region_hash":
        return _common(values, _REGION_HASH_UNMARKED)
    if agg == "region_hint":
        return _common(values, float(RegionHint.UNKNOWN))
    if agg == "logical_and":
        return float(bool(np.all(values)))
    if agg == "logical_or":
        return float(bool(np.any(values)))
    raise NotImplementedError(f"geopm_bridge.testing: the aggregation {agg!r} is not supported")


class ScriptedPlatformTopo:
    """The node model's topology, as :class:`geopm_bridge.PlatformTopo` answers it."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def num_domain(self, domain_type: Domain) -> int:
        """How many domains of this type the node has."""
        return self._catalog.num_domain[domain_of(domain_type)]

    def domain_idx(self, domain_type: Domain, cpu_idx: int) -> int:
        """Index of the domain that holds Linux CPU cpu_idx."""
        key = (domain_of(domain_type), cpu_idx)
        if key not in self._catalog.cpu_domain:
            raise _error(f"PlatformTopo::domain_idx(): no domain {key[0]} holds CPU {cpu_idx}")
        return self._catalog.cpu_domain[key]

    def is_nested_domain(self, inner_domain: Domain, outer_domain: Domain) -> bool:
        """Whether every inner domain lies inside one outer domain."""
        inner, outer = domain_of(inner_domain), domain_of(outer_domain)
        return (inner, outer, 0) in self._catalog.nested

    def domain_nested(
        self, inner_domain: Domain, outer_domain: Domain, outer_idx: int
    ) -> list[int]:
        """Sorted indices of the inner domains inside one outer domain."""
        key = (domain_of(inner_domain), domain_of(outer_domain), outer_idx)
        if key not in self._catalog.nested:
            raise _error(
                f"PlatformTopo::domain_nested(): domain {key[0]} is not nested in "
                f"domain {key[1]} index {outer_idx}"
            )
        return list(self._catalog.nested[key])

    domain_type_to_name = staticmethod(_core.PlatformTopo.domain_type_to_name)
    domain_name_to_type = staticmethod(_core.PlatformTopo.domain_name_to_type)

    @staticmethod
    def num_domain_types() -> int:
        """Number of domain types."""
        return int(_core.NUM_DOMAIN)


def domain_of(domain: Domain) -> int:
    """A DOMAIN_* int or a name as the int (GeopmError for neither)."""
    if isinstance(domain, str):
        return int(_core.PlatformTopo.domain_name_to_type(domain))
    if not 0 <= int(domain) < _core.NUM_DOMAIN:
        raise _error(f"PlatformIO: domain type {domain} is not valid")
    return int(domain)


def _name(domain: int) -> str:
    return str(_core.PlatformTopo.domain_type_to_name(domain))


class _SampleGroup:
    """Pushed signals sampled together (PlatformIO.sample_group())."""

    def __init__(self, pio: ScriptedPlatformIO, indices: Sequence[int]) -> None:
        self._pio = pio
        self.indices = [int(idx) for idx in indices]
        for idx in self.indices:
            pio.sample(idx)  # range check now, as the real group's first sample would
        self._values = np.zeros(len(self.indices))

    def sample(self) -> FloatArray:
        """Values of the group's signals as of the last read_batch()."""
        self._values.setflags(write=True)
        self._values[:] = [self._pio.sample(idx) for idx in self.indices]
        self._values.setflags(write=False)
        return self._values

    def __len__(self) -> int:
        return len(self.indices)


class ScriptedPlatformIO:
    """PlatformIO of one simulated node of the harness (see the module's docstring)."""

    def __init__(self, catalog: Catalog, scripts: Mapping[tuple[str, int], Script]) -> None:
        self._catalog = catalog
        self._topo = ScriptedPlatformTopo(catalog)
        self._scripts = dict(scripts)
        self._scripted: dict[str, tuple[int, FloatArray]] = {}
        self._time = 0.0
        # Controls, per native domain index, start at what the node model reads.
        self._controls: dict[str, FloatArray] = {}
        for name, control in catalog.controls.items():
            signal = catalog.signals.get(name)
            count = catalog.num_domain[control.domain]
            self._controls[name] = (
                np.array(signal.values) if signal is not None else np.full(count, math.nan)
            )
        self._saved: dict[str, FloatArray] | None = None
        self._signals: list[tuple[str, int, int]] = []
        self._sampled: list[float] = []
        self._pushed_controls: list[tuple[str, int, int]] = []
        self._adjusted: dict[int, float] = {}
        self._is_batch_started = False
        self.control_domains: dict[str, int] = {}
        """Each control the agent pushed or wrote, with the domain it first used."""

    # The harness's side.

    def set_period(self, period: int, time: float) -> None:
        """Make the scripted values those of ``period`` at ``time`` seconds."""
        self._time = time
        for (name, domain), script in self._scripts.items():
            count = self._catalog.num_domain[domain]
            value = script.value(period, time, self._setting)
            if value.ndim == 0:
                value = np.full(count, float(value))
            if value.shape != (count,):
                raise ValueError(
                    f"geopm_bridge.testing: the script of {name}@{_name(domain)} gave "
                    f"{value.shape[0] if value.ndim == 1 else value.shape} values in period "
                    f"{period}; the node has {count} {_name(domain)} domain(s)"
                )
            self._scripted[name] = (domain, value)

    def _setting(self, name: str, domain: Domain = "board", index: int = 0) -> float:
        if name not in self._catalog.controls:
            raise ValueError(f"geopm_bridge.testing: a script reads {name}, not a control")
        return self.control_value(name, domain_of(domain), index)

    def control_value(self, name: str, domain: int, idx: int) -> float:
        """The current setting of a control at a domain it may be read at."""
        control = self._catalog.controls[name]
        return aggregate(
            control.agg, self._controls[name][self._native(control.domain, domain, idx)]
        )

    # PlatformIO.

    def signal_names(self) -> list[str]:
        """All signal names, sorted."""
        return sorted(self._catalog.signals)

    def control_names(self) -> list[str]:
        """All control names, sorted."""
        return sorted(self._catalog.controls)

    def signal_domain_type(self, signal_name: str) -> int:
        """The native domain of a signal."""
        return self._signal(signal_name).domain

    def control_domain_type(self, control_name: str) -> int:
        """The native domain of a control."""
        return self._control(control_name).domain

    def agg_function(self, signal_name: str) -> str:
        """Name of the Agg function that combines a signal."""
        return self._signal(signal_name).agg

    def push_signal(self, signal_name: str, domain_type: Domain, domain_idx: int) -> int:
        """Add a signal to the batch; returns its index for sample()."""
        key = self._check_signal(signal_name, domain_type, domain_idx, "push_signal")
        if self._is_batch_started:
            raise _error(
                "PlatformIO::push_signal(): pushing signals after read_batch() or adjust()"
            )
        if key not in self._signals:
            self._signals.append(key)
            self._sampled.append(math.nan)
        return self._signals.index(key)

    def push_control(self, control_name: str, domain_type: Domain, domain_idx: int) -> int:
        """Add a control to the batch; returns its index for adjust()."""
        key = self._check_control(control_name, domain_type, domain_idx, "push_control")
        if self._is_batch_started:
            raise _error(
                "PlatformIO::push_control(): pushing controls after read_batch() or adjust()"
            )
        if key not in self._pushed_controls:
            self._pushed_controls.append(key)
        self.control_domains.setdefault(control_name, key[1])
        return self._pushed_controls.index(key)

    def sample(self, signal_idx: int | Sequence[int] | npt.NDArray[np.int64]) -> float | FloatArray:
        """Value of a pushed signal (or an array of them) as of the last read_batch()."""
        if not isinstance(signal_idx, (int, np.integer)):
            indices = np.asarray(signal_idx)
            return np.array([self.sample(int(idx)) for idx in indices.flat]).reshape(indices.shape)
        if not 0 <= signal_idx < len(self._signals):
            raise _error(f"PlatformIO::sample(): signal_idx {signal_idx} out of range")
        return self._sampled[signal_idx]

    def sample_group(self, signal_indices: Sequence[int]) -> _SampleGroup:
        """A group of pushed signals sampled together."""
        return _SampleGroup(self, signal_indices)

    def adjust(
        self, control_idx: int | Sequence[int] | npt.NDArray[np.int64], setting: float | FloatArray
    ) -> None:
        """Stage a setting (or many) for a pushed control until write_batch()."""
        if not isinstance(control_idx, (int, np.integer)):
            indices, settings = np.asarray(control_idx), np.asarray(setting, dtype=np.float64)
            if indices.size != settings.size:
                raise ValueError(
                    f"adjust(): {indices.size} control indices but {settings.size} settings"
                )
            for idx, value in zip(indices.flat, settings.flat, strict=True):
                self.adjust(int(idx), float(value))
            return
        if not 0 <= control_idx < len(self._pushed_controls):
            raise _error(f"PlatformIO::adjust(): control_idx {control_idx} out of range")
        if math.isnan(float(setting)):
            raise _error("PlatformIO::adjust(): setting is NaN")
        self._is_batch_started = True
        self._adjusted[int(control_idx)] = float(setting)

    def read_batch(self) -> None:
        """Read every pushed signal."""
        self._is_batch_started = True
        for pos, (name, domain, idx) in enumerate(self._signals):
            self._sampled[pos] = self._value(name, domain, idx)

    def write_batch(self) -> None:
        """Write every adjusted control."""
        for pos, setting in self._adjusted.items():
            self._write(*self._pushed_controls[pos], setting)
        self._adjusted.clear()

    def read_signal(self, signal_name: str, domain_type: Domain, domain_idx: int) -> float:
        """Read one signal now, outside the batch."""
        name, domain, idx = self._check_signal(signal_name, domain_type, domain_idx, "read_signal")
        return self._value(name, domain, idx)

    def write_control(
        self, control_name: str, domain_type: Domain, domain_idx: int, setting: float
    ) -> None:
        """Write one control now, outside the batch."""
        key = self._check_control(control_name, domain_type, domain_idx, "write_control")
        self.control_domains.setdefault(control_name, key[1])
        self._write(*key, float(setting))

    def save_control(self, save_dir: str | None = None) -> None:
        """Remember the current value of every control (``save_dir`` is ignored)."""
        self._saved = {name: values.copy() for name, values in self._controls.items()}

    def restore_control(self, save_dir: str | None = None) -> None:
        """Write back the values save_control() remembered."""
        if self._saved is not None:
            self._controls = {name: values.copy() for name, values in self._saved.items()}

    @staticmethod
    def is_valid_value(value: float) -> bool:
        """False for NaN, the value of a signal that could not be read."""
        return not math.isnan(value)

    # Checks and values.

    def _signal(self, name: str) -> Quantity:
        if name not in self._catalog.signals:
            raise _error(f'PlatformIO: signal name "{name}" not found')
        return self._catalog.signals[name]

    def _control(self, name: str) -> Quantity:
        if name not in self._catalog.controls:
            raise _error(f'PlatformIO: control name "{name}" not found')
        return self._catalog.controls[name]

    def _native(self, native: int, domain: int, idx: int) -> list[int]:
        indices = self._catalog.nested.get((native, domain, idx))
        if indices is None:
            raise _error(
                f"PlatformIO: domain {_name(domain)} index {idx} is finer than or not made of "
                f"the native domain {_name(native)}"
            )
        return list(indices)

    def _check_index(self, what: str, domain: int, idx: int) -> None:
        count = self._catalog.num_domain[domain]
        if not 0 <= idx < count:
            raise _error(
                f"PlatformIO::{what}(): domain_idx {idx} out of range: the node has {count} "
                f"{_name(domain)} domain(s)"
            )

    def _check_signal(
        self, name: str, domain_type: Domain, idx: int, what: str
    ) -> tuple[str, int, int]:
        native = self._signal(name).domain
        domain = domain_of(domain_type)
        self._check_index(what, domain, idx)
        self._native(native, domain, idx)
        scripted = next((d for (n, d) in self._scripts if n == name), None)
        if scripted is not None and (scripted, domain, idx) not in self._catalog.nested:
            raise ValueError(
                f"geopm_bridge.testing: {name} is scripted at the {_name(scripted)} domain and "
                f'read at the finer {_name(domain)} domain: script "{name}@{_name(domain)}" '
                "instead"
            )
        return name, domain, int(idx)

    def _check_control(
        self, name: str, domain_type: Domain, idx: int, what: str
    ) -> tuple[str, int, int]:
        native = self._control(name).domain
        domain = domain_of(domain_type)
        self._check_index(what, domain, idx)
        self._native(native, domain, idx)
        return name, domain, int(idx)

    def _value(self, name: str, domain: int, idx: int) -> float:
        if name in self._scripted:
            scripted_domain, values = self._scripted[name]
            if scripted_domain == domain:
                return float(values[idx])
            inner = self._catalog.nested.get((scripted_domain, domain, idx))
            if inner is None:
                raise ValueError(
                    f"geopm_bridge.testing: {name} is scripted at the {_name(scripted_domain)} "
                    f"domain and read at the finer {_name(domain)} domain: script "
                    f'"{name}@{_name(domain)}" instead'
                )
            return aggregate(self._catalog.signals[name].agg, values[list(inner)])
        if name == "TIME":
            return self._time
        if name in self._controls:
            return self.control_value(name, domain, idx)
        signal = self._catalog.signals[name]
        native = self._native(signal.domain, domain, idx)
        return aggregate(signal.agg, np.array(signal.values)[native])

    def _write(self, name: str, domain: int, idx: int, setting: float) -> None:
        control = self._catalog.controls[name]
        native = self._native(control.domain, domain, idx)
        share = setting / len(native) if control.agg == "sum" else setting
        self._controls[name][native] = share
