"""Lower the CPU frequency cap while the application waits on memory, the network or I/O.

Every control period the leaf agent reads the hint of the region the
application is in (``REGION_HINT``: what it marks with ``geopm_prof.h`` or
``geopm_bridge.profile``) and caps the CPU frequency
(``CPU_FREQUENCY_MAX_CONTROL``): at ``FREQ_LOW`` in regions whose hint says
the cores wait on something else (memory, network, I/O, a spin or sleep),
at ``FREQ_HIGH`` everywhere else. A region that waits runs about as fast at
a lower frequency and draws less power, so the job saves energy for little
time. The cap follows the application one control period late: keep the
period well below the length of the regions.

Policy (Hz; NaN: the default): ``FREQ_HIGH`` (default
``CPU_FREQUENCY_MAX_AVAIL``) and ``FREQ_LOW`` (default
``CPU_FREQUENCY_MIN_AVAIL``). Sample: the node's ``POWER``, summed up the
tree. Try it on the node model with an application that marks its regions::

    geopm-bridge launch --node-model --geopm-agent=region_frequency \\
        --geopm-period=0.01 --geopm-report=report.yaml -- python app.py
"""

from __future__ import annotations

import math

import geopm_bridge
from geopm_bridge import FloatArray, RegionHint

_HINT = "REGION_HINT"
_POWER = "CPU_POWER"
_CAP = "CPU_FREQUENCY_MAX_CONTROL"

LOW_HINTS = frozenset(
    {RegionHint.MEMORY, RegionHint.NETWORK, RegionHint.IO, RegionHint.SPIN, RegionHint.INACTIVE}
)
"""The hints of regions that run at ``FREQ_LOW``."""


class RegionFrequencyAgent(geopm_bridge.Agent):
    """Cap the CPU frequency by the hint of the application's current region."""

    name = "region_frequency"
    policy_names = ("FREQ_HIGH", "FREQ_LOW")
    sample_names = ("POWER",)
    sample_aggregation = ("sum",)
    period = 0.01

    def __init__(self) -> None:
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        signals, controls = self._pio.signal_names(), self._pio.control_names()
        missing = [name for name, have in ((_HINT, signals), (_CAP, controls)) if name not in have]
        if missing:
            raise geopm_bridge.GeopmError(
                f"region_frequency needs {' and '.join(missing)} (try --node-model)",
                geopm_bridge.GEOPM_ERROR_AGENT_UNSUPPORTED,
            )
        board = geopm_bridge.DOMAIN_BOARD
        self._min_freq = self._pio.read_signal("CPU_FREQUENCY_MIN_AVAIL", board, 0)
        self._max_freq = self._pio.read_signal("CPU_FREQUENCY_MAX_AVAIL", board, 0)
        self._hint_idx = -1
        self._power_idx = -1
        self._cap_idx = -1
        self._hint = math.nan  # as of the last sample
        self._cap = math.nan
        self._is_cap_new = False
        self._periods = {"low": 0, "high": 0}

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        if level == 0:
            board = geopm_bridge.DOMAIN_BOARD
            self._hint_idx = self._pio.push_signal(_HINT, board, 0)
            self._power_idx = self._pio.push_signal(_POWER, board, 0)
            self._cap_idx = self._pio.push_control(_CAP, board, 0)

    def validate_policy(self, policy: FloatArray) -> None:
        if math.isnan(policy[0]):
            policy[0] = self._max_freq
        if math.isnan(policy[1]):
            policy[1] = self._min_freq
        if not policy[1] <= policy[0]:
            raise ValueError(
                f"FREQ_LOW ({policy[1]:g} Hz) must not be above FREQ_HIGH ({policy[0]:g} Hz)"
            )

    def adjust_platform(self, in_policy: FloatArray) -> None:
        is_low = not math.isnan(self._hint) and int(self._hint) in LOW_HINTS
        cap = float(in_policy[1] if is_low else in_policy[0])
        self._periods["low" if is_low else "high"] += 1
        self._is_cap_new = cap != self._cap
        if self._is_cap_new:
            self._cap = cap
            self._pio.adjust(self._cap_idx, cap)

    def do_write_batch(self) -> bool:
        return self._is_cap_new

    def sample_platform(self, out_sample: FloatArray) -> None:
        self._hint = self._pio.sample(self._hint_idx)
        out_sample[0] = self._pio.sample(self._power_idx)

    def report_host(self) -> list[tuple[str, str]]:
        return [
            ("Periods at FREQ_LOW", str(self._periods["low"])),
            ("Periods at FREQ_HIGH", str(self._periods["high"])),
        ]

    def trace_names(self) -> list[str]:
        return ["frequency_cap"]

    def trace_values(self, values: FloatArray) -> None:
        values[0] = self._cap
