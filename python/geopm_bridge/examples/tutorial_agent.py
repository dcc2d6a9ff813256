"""A Python version of GEOPM's tutorial agent: act on the node's idle percentage.

Each control period the leaf agent reads the board's user, system, idle and
nice CPU time, turns the change since the last period into percentages, and
sends them up the tree. With the policy's two thresholds it nudges the CPU
frequency cap: down a step while the node idles more than HIGH_THRESHOLD,
up a step while it idles less than LOW_THRESHOLD. The cap is only touched
where the platform offers CPU_FREQUENCY_MAX_CONTROL (the node model does).

The four CPU time signals come from the embedded runtime's PROCSTAT IOGroup.
GEOPM 3.1 has them only from its tutorial IOGroup plugin
(integration/tutorial/iogroup, libgeopmiogroup_example_iogroup.so.2.1.0):
without it ``init()`` stops with an error that says so, and
``geopm-bridge doctor`` repeats it (docs/native.md).
"""

from __future__ import annotations

import math

import numpy as np

import geopm_bridge

_TIMES = ("USER_TIME", "SYSTEM_TIME", "IDLE_TIME", "NICE_TIME")
_FREQ_CONTROL = "CPU_FREQUENCY_MAX_CONTROL"


class TutorialAgent(geopm_bridge.Agent):
    """Report idle percentage; step the frequency cap against two idle thresholds."""

    name = "example_python"
    policy_names = ("LOW_THRESHOLD", "HIGH_THRESHOLD")
    sample_names = ("USER_PERCENT", "SYSTEM_PERCENT", "IDLE_PERCENT")
    period = 1.0  # seconds between control decisions, as GEOPM's tutorial
    default_low = 0.30
    default_high = 0.70
    freq_step = 100e6  # Hz per decision

    def __init__(self) -> None:
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        self._signals = np.zeros(len(_TIMES), dtype=np.int64)
        self._last_times = np.full(len(_TIMES), math.nan)
        self._percent = np.full(3, math.nan)
        self._min_idle = math.inf
        self._max_idle = -math.inf
        self._control = -1
        self._freq = math.nan
        self._freq_range = (math.nan, math.nan)
        self._level = 0

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        self._level = level
        if level != 0:
            return
        board = geopm_bridge.DOMAIN_BOARD
        missing = [name for name in _TIMES if name not in self._pio.signal_names()]
        if missing:
            raise LookupError(
                f"example_python needs the signals {', '.join(missing)}, which this platform "
                "lacks: GEOPM 3.1 offers them only through its tutorial IOGroup plugin "
                "(integration/tutorial/iogroup: libgeopmiogroup_example_iogroup.so.2.1.0 in "
                "GEOPM_PLUGIN_PATH, with the Python agent plugin preloaded: docs/native.md)"
            )
        self._signals[:] = [self._pio.push_signal(name, board, 0) for name in _TIMES]
        if _FREQ_CONTROL in self._pio.control_names():
            self._control = self._pio.push_control(_FREQ_CONTROL, board, 0)
            low = self._pio.read_signal("CPU_FREQUENCY_MIN_AVAIL", board, 0)
            high = self._pio.read_signal("CPU_FREQUENCY_MAX_AVAIL", board, 0)
            self._freq_range = (low, high)
            self._freq = high

    def validate_policy(self, policy: np.ndarray) -> None:
        if math.isnan(policy[0]):
            policy[0] = self.default_low
        if math.isnan(policy[1]):
            policy[1] = self.default_high
        if not 0.0 <= policy[0] <= policy[1] <= 1.0:
            raise ValueError(
                f"thresholds must satisfy 0 <= LOW_THRESHOLD <= HIGH_THRESHOLD <= 1, "
                f"got {policy[0]} and {policy[1]}"
            )

    def sample_platform(self, out_sample: np.ndarray) -> None:
        times = self._pio.sample(self._signals)
        delta = times - self._last_times
        self._last_times = times
        total = delta.sum()
        if total > 0.0:  # else the first period, or no time counted since the last one
            self._percent[:] = delta[:3] / total  # nice time counts only in the total
            idle = self._percent[2]
            self._min_idle = min(self._min_idle, idle)
            self._max_idle = max(self._max_idle, idle)
        # The latest percentages: at a short period (0 included) the counters often
        # do not move between two periods, and the last ones still hold.
        out_sample[:] = self._percent

    def do_send_sample(self) -> bool:
        # A leaf has nothing to send before its first percentages.
        return self._level != 0 or not math.isnan(self._percent[2])

    def adjust_platform(self, in_policy: np.ndarray) -> None:
        idle = self._percent[2]
        if self._control < 0 or math.isnan(idle):
            return
        low_freq, high_freq = self._freq_range
        if idle > in_policy[1]:
            self._freq = max(low_freq, self._freq - self.freq_step)
        elif idle < in_policy[0]:
            self._freq = min(high_freq, self._freq + self.freq_step)
        self._pio.adjust(self._control, self._freq)

    def do_write_batch(self) -> bool:
        return self._control >= 0 and not math.isnan(self._percent[2])

    def report_header(self) -> list[tuple[str, str]]:
        # GEOPM_PERIOD (--geopm-period) overrides the class's period.
        return [("Wait time (sec)", f"{geopm_bridge.environment_period(self.period)}")]

    def report_host(self) -> list[tuple[str, str]]:
        return [
            ("Lowest idle %", f"{self._min_idle * 100:.2f}"),
            ("Highest idle %", f"{self._max_idle * 100:.2f}"),
        ]

    def trace_names(self) -> list[str]:
        return ["user_percent", "system_percent", "idle_percent", "frequency_cap"]

    def trace_values(self, values: np.ndarray) -> None:
        values[:3] = self._percent
        values[3] = self._freq
