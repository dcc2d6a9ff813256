"""Share a job's power budget among its nodes by what each one needs.

The root gets the job budget (policy ``POWER_BUDGET``, watts for the whole
job; NaN means every node at its TDP). Every tree agent splits the budget it
gets among its children's subtrees, and every leaf caps its node's CPU power
(``CPU_POWER_LIMIT_CONTROL``) at the budget it gets. Going up, each node
reports its power and its *need*, summed over each subtree:

* a node drawing clearly less than its cap needs only what it draws, plus a
  little headroom;
* a node at its cap is held back by it: it asks for more than its cap.

With those needs a tree agent gives every child what it needs when the
budget allows and spreads the rest evenly; when the budget is short, every
child keeps its minimum power and the rest goes in proportion to the need
above it. Each decision moves only part of the way toward that split, so
the budget flows from lightly loaded nodes to heavily loaded ones over a
few control periods and settles there. The split always sums to the budget
given (as long as it covers every node's minimum power).

Try it on simulated nodes of unequal load::

    echo '{"POWER_BUDGET": 400}' > budget.json
    geopm-bridge launch --node-model=load=0.3:0.9 --geopm-simulate-nodes=4 \\
        --geopm-agent=power_split --geopm-policy=budget.json \\
        --geopm-trace=trace -- sleep 2
"""

from __future__ import annotations

import math

import numpy as np

import geopm_bridge
from geopm_bridge import FloatArray
from geopm_bridge.examples.budget import split_budget

_POWER = "CPU_POWER"
_LIMIT = "CPU_POWER_LIMIT_CONTROL"


class PowerSplitAgent(geopm_bridge.Agent):
    """Split a job power budget across nodes in proportion to their measured need."""

    name = "power_split"
    policy_names = ("POWER_BUDGET",)
    sample_names = ("POWER", "NEED")
    sample_aggregation = ("sum", "sum")
    headroom = 0.03
    """Fraction above its power that an uncapped node asks for."""
    capped_margin = 0.01
    """A node drawing within this fraction of its cap is held back by it."""
    raise_step = 0.10
    """Fraction above its cap that a capped node asks for."""
    damping = 0.5
    """Fraction of the way to the new split taken at each decision."""

    def __init__(self) -> None:
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        board = geopm_bridge.DOMAIN_BOARD
        if _POWER not in self._pio.signal_names() or _LIMIT not in self._pio.control_names():
            raise geopm_bridge.GeopmError(
                f"power_split needs the signal {_POWER} and the control {_LIMIT} "
                "(try --node-model)",
                geopm_bridge.GEOPM_ERROR_AGENT_UNSUPPORTED,
            )
        # Per node: the range a cap can take and the default budget.
        self._min_power = self._pio.read_signal("CPU_POWER_MIN_AVAIL", board, 0)
        self._max_power = self._pio.read_signal("CPU_POWER_MAX_AVAIL", board, 0)
        self._tdp = self._pio.read_signal("CPU_POWER_LIMIT_DEFAULT", board, 0)
        self._num_leaf = 1  # nodes below this agent
        self._is_root = False
        self._budget = math.nan
        # Leaf state.
        self._power_idx = -1
        self._limit_idx = -1
        self._cap = math.nan
        self._need = math.nan
        self._is_cap_new = False
        # Tree state: the children's latest needs and the last split.
        self._child_need: FloatArray | None = None
        self._share: FloatArray | None = None

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        self._num_leaf = math.prod(fan_in[:level])
        self._is_root = level == len(fan_in)
        if level == 0:
            board = geopm_bridge.DOMAIN_BOARD
            self._power_idx = self._pio.push_signal(_POWER, board, 0)
            self._limit_idx = self._pio.push_control(_LIMIT, board, 0)

    def validate_policy(self, policy: FloatArray) -> None:
        if math.isnan(policy[0]):
            policy[0] = self._tdp * self._num_leaf
        if self._is_root and policy[0] < self._min_power * self._num_leaf:
            raise geopm_bridge.GeopmError(
                f"POWER_BUDGET {policy[0]:g} W is below the minimum power of the "
                f"{self._num_leaf} node(s) it covers ({self._min_power * self._num_leaf:g} W)",
                geopm_bridge.GEOPM_ERROR_INVALID,
            )
        self._budget = float(policy[0])

    def split_policy(self, in_policy: FloatArray, out_policy: FloatArray) -> None:
        budget = float(in_policy[0])
        num_child = out_policy.shape[0]
        per_child = self._num_leaf // num_child
        low = self._min_power * per_child
        high = self._max_power * per_child
        if self._child_need is None:
            target = np.full(num_child, budget / num_child)
        else:
            target = split_budget(budget, self._child_need, low, high)
        if self._share is None:
            share = target
        else:
            # Keep the old proportions under a new budget, then move part
            # of the way toward the target: the result still sums to budget.
            share = self._share * (budget / self._share.sum())
            share += self.damping * (target - share)
        self._share = share
        out_policy[:, 0] = share

    def aggregate_sample(self, in_sample: FloatArray, out_sample: FloatArray) -> None:
        out_sample[:] = in_sample.sum(axis=0)
        self._child_need = in_sample[:, 1].copy()

    def adjust_platform(self, in_policy: FloatArray) -> None:
        cap = min(max(float(in_policy[0]), self._min_power), self._max_power)
        self._is_cap_new = cap != self._cap
        if self._is_cap_new:
            self._pio.adjust(self._limit_idx, cap)
            self._cap = cap

    def do_write_batch(self) -> bool:
        return self._is_cap_new

    def sample_platform(self, out_sample: FloatArray) -> None:
        power = self._pio.sample(self._power_idx)
        if power >= self._cap * (1.0 - self.capped_margin):
            need = self._cap * (1.0 + self.raise_step)
        else:
            need = power * (1.0 + self.headroom)
        self._need = min(need, self._max_power)
        out_sample[0] = power
        out_sample[1] = self._need

    def report_header(self) -> list[tuple[str, str]]:
        return [("Job power budget (W)", f"{self._budget:g}")]

    def report_host(self) -> list[tuple[str, str]]:
        return [("Power cap (W)", f"{self._cap:.6g}"), ("Power need (W)", f"{self._need:.6g}")]

    def trace_names(self) -> list[str]:
        return ["POWER_CAP", "POWER_NEED"]

    def trace_values(self, values: FloatArray) -> None:
        values[0] = self._cap
        values[1] = self._need
