"""Share a node's GPU power budget among its GPUs by how busy each one is.

Policy ``GPU_POWER_BUDGET``: watts for all the GPUs of a node together (NaN
means the sum of their default power limits); every node gets the same
budget. Each control period every GPU *needs* its lowest power limit plus
its utilization's share of its range (``GPU_UTILIZATION`` times the span
from ``GPU_POWER_LIMIT_MIN_AVAIL`` to ``GPU_POWER_LIMIT_MAX_AVAIL``). When
the budget covers every need, each GPU gets its need and the rest is spread
evenly; when it does not, every GPU keeps its lowest limit and the rest goes
by need above it. The limits (``GPU_POWER_LIMIT_CONTROL``) always sum to the
budget, so busy GPUs take power from idle ones.

Only GEOPM's high-level names are used, so the agent runs unchanged on the
node model's simulated GPUs and on NVIDIA GPUs through NVML::

    echo '{"GPU_POWER_BUDGET": 1600}' > gpu_budget.json
    geopm-bridge launch --node-model=gpus=4 --geopm-agent=gpu_power_share \\
        --geopm-policy=gpu_budget.json --geopm-report=report.yaml -- sleep 5

With ``dry_run`` set (a subclass's class attribute), it computes and traces
the limits it would set and writes no control: a read-only check on a real
GPU.
"""

from __future__ import annotations

import math

import numpy as np

import geopm_bridge
from geopm_bridge import FloatArray
from geopm_bridge.examples.budget import split_budget

_SIGNALS = ("GPU_POWER", "GPU_UTILIZATION")
_LIMIT = "GPU_POWER_LIMIT_CONTROL"


class GpuPowerShareAgent(geopm_bridge.Agent):
    """Split a node's GPU power budget across its GPUs by their utilization."""

    name = "gpu_power_share"
    policy_names = ("GPU_POWER_BUDGET",)
    sample_names = ("GPU_POWER", "GPU_UTILIZATION")
    sample_aggregation = ("sum", "average")
    min_change = 1.0
    """Watts a GPU's limit must move by before it is written again."""
    dry_run = False
    """True: compute and trace the limits, write no control."""

    def __init__(self) -> None:
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        self._num_gpu = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_GPU)
        needed = [*_SIGNALS, "GPU_POWER_LIMIT_MIN_AVAIL", "GPU_POWER_LIMIT_MAX_AVAIL"]
        missing = [name for name in needed if name not in self._pio.signal_names()]
        if not self.dry_run and _LIMIT not in self._pio.control_names():
            missing.append(_LIMIT)
        if self._num_gpu == 0 or missing:
            raise geopm_bridge.GeopmError(
                f"gpu_power_share needs GPUs with {', '.join(missing) or 'the GPU signals'} "
                "(try --node-model=gpus=4)",
                geopm_bridge.GEOPM_ERROR_AGENT_UNSUPPORTED,
            )
        gpu = geopm_bridge.DOMAIN_GPU
        gpus = range(self._num_gpu)

        def each(name: str) -> FloatArray:
            return np.array([self._pio.read_signal(name, gpu, idx) for idx in gpus])

        self._low = each("GPU_POWER_LIMIT_MIN_AVAIL")
        self._high = each("GPU_POWER_LIMIT_MAX_AVAIL")
        self._default_budget = float(each("GPU_POWER_LIMIT_CONTROL").sum())
        self._budget = math.nan
        self._signal_idx: list[list[int]] = []
        self._limit_idx: list[int] = []
        self._limit = np.full(self._num_gpu, math.nan)
        self._written = np.full(self._num_gpu, math.nan)
        self._is_limit_new = False

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        if level == 0:
            gpu = geopm_bridge.DOMAIN_GPU
            self._signal_idx = [
                [self._pio.push_signal(name, gpu, idx) for idx in range(self._num_gpu)]
                for name in _SIGNALS
            ]
            if not self.dry_run:
                self._limit_idx = [
                    self._pio.push_control(_LIMIT, gpu, idx) for idx in range(self._num_gpu)
                ]

    def validate_policy(self, policy: FloatArray) -> None:
        if math.isnan(policy[0]):
            policy[0] = self._default_budget
        low, high = float(self._low.sum()), float(self._high.sum())
        if not low <= policy[0] <= high:
            raise geopm_bridge.GeopmError(
                f"GPU_POWER_BUDGET {policy[0]:g} W is outside the range of the node's "
                f"{self._num_gpu} GPU(s), [{low:g}, {high:g}] W",
                geopm_bridge.GEOPM_ERROR_INVALID,
            )
        self._budget = float(policy[0])

    def split_policy(self, in_policy: FloatArray, out_policy: FloatArray) -> None:
        out_policy[:] = in_policy

    def aggregate_sample(self, in_sample: FloatArray, out_sample: FloatArray) -> None:
        out_sample[0] = in_sample[:, 0].sum()
        out_sample[1] = in_sample[:, 1].mean()

    def sample_platform(self, out_sample: FloatArray) -> None:
        power_idx, utilization_idx = self._signal_idx
        power = np.array([self._pio.sample(idx) for idx in power_idx])
        utilization = np.array([self._pio.sample(idx) for idx in utilization_idx])
        out_sample[0] = power.sum()
        out_sample[1] = utilization.mean()
        busy = np.nan_to_num(np.clip(utilization, 0.0, 1.0))
        self._limit = split_budget(
            self._budget, self._low + busy * (self._high - self._low), self._low, self._high
        )

    def adjust_platform(self, in_policy: FloatArray) -> None:
        self._budget = float(in_policy[0])
        if math.isnan(self._limit[0]):
            # Before the first sample: an even split.
            self._limit = split_budget(self._budget, self._low, self._low, self._high)
        moved = ~(np.abs(self._limit - self._written) < self.min_change)
        self._is_limit_new = bool(moved.any()) and not self.dry_run
        if self._is_limit_new:
            for idx in np.flatnonzero(moved):
                self._pio.adjust(self._limit_idx[idx], float(self._limit[idx]))
            self._written[moved] = self._limit[moved]

    def do_write_batch(self) -> bool:
        return self._is_limit_new

    def report_header(self) -> list[tuple[str, str]]:
        return [("GPU power budget (W)", f"{self._budget:g}")]

    def report_host(self) -> list[tuple[str, str]]:
        limits = " ".join(f"{limit:.6g}" for limit in self._limit)
        return [("GPU power limits (W)", limits)]

    def trace_names(self) -> list[str]:
        return [f"GPU_POWER_LIMIT-gpu-{idx}" for idx in range(self._num_gpu)]

    def trace_values(self, values: FloatArray) -> None:
        values[:] = self._limit
