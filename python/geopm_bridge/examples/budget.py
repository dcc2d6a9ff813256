"""Dividing a power budget among consumers by what each one needs.

Shared by the example agents that split a budget: ``power_split`` (among a
job's nodes) and ``gpu_power_share`` (among a node's GPUs).
"""

from __future__ import annotations

import numpy as np

from geopm_bridge import FloatArray


def split_budget(
    budget: float, need: FloatArray, low: float | FloatArray, high: float | FloatArray
) -> FloatArray:
    """Divide ``budget`` among consumers needing ``need``, each within [low, high].

    When the needs exceed the budget, everyone keeps ``low`` and the rest goes
    in proportion to the need above it; otherwise every need is met and the
    surplus is spread evenly up to ``high``. The result sums to ``budget``
    whenever ``budget`` lies between the sums of ``low`` and ``high``.
    """
    low_each = np.broadcast_to(np.asarray(low, dtype=float), need.shape)
    high_each = np.broadcast_to(np.asarray(high, dtype=float), need.shape)
    need = np.clip(need, low_each, high_each)
    if float(need.sum()) >= budget:
        extra = need - low_each
        rest = budget - float(low_each.sum())
        extra_total = float(extra.sum())
        if extra_total <= 0.0:
            return np.full(len(need), budget / len(need))
        result: FloatArray = low_each + rest * extra / extra_total
        return result
    share = need.copy()
    surplus = budget - float(need.sum())
    while surplus > 1e-9 * budget:
        room = high_each - share
        open_ = room > 0.0
        if not open_.any():
            break
        add = min(surplus / open_.sum(), float(room[open_].min()))
        share[open_] += add
        surplus -= add * open_.sum()
    return share
