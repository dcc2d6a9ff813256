"""Python agents of the per-iteration cost benchmark (benchmarks/bench_agent.py).

``BenchPython`` is the twin of the C++ ``bench_cpp`` agent
(BenchCppAgent.cpp): the same hooks doing the same work, so the two differ
only by the cost of doing that work in Python. ``BenchReadScalar`` and
``BenchReadVector`` read the same 64 per-CPU signals each iteration, one
``sample()`` call per signal or one call for all of them, and time that read.
All report their iteration count as "Iterations" in ``report_host()``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import geopm_bridge
import numpy as np
from geopm_bridge import FloatArray

NUM_READ_SIGNALS = 64
READ_SIGNAL = "PROCSTAT::USER_TIME"


class BenchPython(geopm_bridge.Agent):
    """Same logic as BenchCppAgent.cpp, hook for hook."""

    name = "bench_python"
    policy_names = ("POWER_LIMIT",)
    sample_names = ("TIME", "CPU_POWER", "CPU_ENERGY")

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        """Push the sampled signals and the power limit control."""
        self._iterations = 0
        self._limit = math.nan
        self._default_limit = math.nan
        if level != 0:
            return
        self._pio = geopm_bridge.platform_io()
        board = geopm_bridge.DOMAIN_BOARD
        self._signals = [self._pio.push_signal(name, board, 0) for name in self.sample_names]
        self._control = self._pio.push_control("CPU_POWER_LIMIT_CONTROL", board, 0)
        self._default_limit = self._pio.read_signal("CPU_POWER_LIMIT_DEFAULT", board, 0)

    def validate_policy(self, policy: FloatArray) -> None:
        """A NaN limit means the platform's default."""
        if math.isnan(policy[0]):
            policy[0] = self._default_limit

    def adjust_platform(self, in_policy: FloatArray) -> None:
        """Stage the policy's limit on the control."""
        self._limit = float(in_policy[0])
        self._pio.adjust(self._control, self._limit)

    def sample_platform(self, out_sample: FloatArray) -> None:
        """Copy this period's readings into the sample and count the iteration."""
        sample = self._pio.sample
        for pos, index in enumerate(self._signals):
            out_sample[pos] = sample(index)
        self._iterations += 1

    def report_host(self) -> Sequence[tuple[str, str]]:
        """The iteration count."""
        return [("Iterations", str(self._iterations))]

    def trace_names(self) -> Sequence[str]:
        """The limit applied and the iteration count."""
        return ["POWER_LIMIT", "ITERATION"]

    def trace_values(self, values: FloatArray) -> None:
        """Fill the two trace columns."""
        values[0] = self._limit
        values[1] = self._iterations


class BenchPythonTwin(BenchPython):
    """BenchPython under a second name, so that bench_composite.py can compose
    two Python agents."""

    name = "bench_python_twin"


class _BenchRead(geopm_bridge.Agent):
    """Pushes READ_SIGNAL on the first 64 CPUs; subclasses say how to read them."""

    policy_names = ()
    sample_names = ()

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        """Push the 64 signals (the platform needs at least 64 CPUs)."""
        self._iterations = 0
        self._read_seconds = 0.0
        self._values: list[float] | FloatArray = []
        if level != 0:
            return
        num_cpu = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_CPU)
        if num_cpu < NUM_READ_SIGNALS:
            raise geopm_bridge.GeopmError(
                f"{type(self).__name__} needs {NUM_READ_SIGNALS} CPUs, the platform has {num_cpu}",
                geopm_bridge.GEOPM_ERROR_AGENT_UNSUPPORTED,
            )
        self._pio = geopm_bridge.platform_io()
        cpu = geopm_bridge.DOMAIN_CPU
        self._indices = [
            self._pio.push_signal(READ_SIGNAL, cpu, idx) for idx in range(NUM_READ_SIGNALS)
        ]
        self._index_array = np.array(self._indices, dtype=np.int32)
        self._group = self._pio.sample_group(self._index_array)

    def read(self) -> list[float] | FloatArray:
        """This period's values of the 64 signals."""
        raise NotImplementedError

    def sample_platform(self, out_sample: FloatArray) -> None:
        """Read the signals, timing only the read."""
        start = time.perf_counter()
        self._values = self.read()
        self._read_seconds += time.perf_counter() - start
        self._iterations += 1

    def report_host(self) -> Sequence[tuple[str, str]]:
        """The iteration count and the total time spent reading."""
        return [
            ("Iterations", str(self._iterations)),
            ("Read time (s)", repr(self._read_seconds)),
        ]


class BenchReadScalar(_BenchRead):
    """One ``sample(index)`` call per signal, in a Python loop."""

    name = "bench_read_scalar"

    def read(self) -> list[float]:
        """A list built from 64 calls."""
        sample = self._pio.sample
        return [sample(index) for index in self._indices]


class BenchReadVector(_BenchRead):
    """One ``sample(indices)`` call for all the signals."""

    name = "bench_read_vector"

    def read(self) -> FloatArray:
        """A float64 array from one call."""
        return self._pio.sample(self._index_array)


class BenchReadGroup(_BenchRead):
    """One ``SampleGroup.sample()`` call for all the signals (group made in init)."""

    name = "bench_read_group"

    def read(self) -> FloatArray:
        """The group's array, refilled in place by one call."""
        return self._group.sample()
