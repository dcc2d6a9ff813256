"""Scripted signal values: what a signal reads in each control period of the harness."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "ControlReader",
    "Script",
    "ScriptLike",
    "constant",
    "of_controls",
    "of_time",
    "per_period",
]

FloatArray = npt.NDArray[np.float64]
Value: TypeAlias = float | Sequence[float] | FloatArray

ControlReader: TypeAlias = Callable[..., float]
"""``setting(name, domain="board", index=0)``: a control's current setting."""


@dataclass(frozen=True)
class Script:
    """The values of one scripted signal, one way or another.

    Make it with :func:`constant`, :func:`per_period` or :func:`of_time`;
    the harness also takes the plain forms (see ``ScriptLike``).
    """

    kind: str
    """"constant", "per_period", "of_time" or "of_controls"."""
    values: FloatArray | None = None
    function: Callable[[float], Value] | None = None
    reacting: Callable[[float, ControlReader], Value] | None = None

    def num_periods(self) -> int | None:
        """How many periods the script covers; None: any number."""
        if self.kind == "per_period" and self.values is not None:
            return len(self.values)
        return None

    def value(self, period: int, time: float, setting: ControlReader) -> FloatArray:
        """The value in ``period`` (0-based) at ``time`` seconds, with the controls
        as ``setting`` reads them: a 0-d array (every domain index) or one entry
        per domain index."""
        if self.kind == "of_controls":
            assert self.reacting is not None
            return np.asarray(self.reacting(time, setting), dtype=np.float64)
        if self.kind == "of_time":
            assert self.function is not None
            return np.asarray(self.function(time), dtype=np.float64)
        assert self.values is not None
        if self.kind == "constant":
            return self.values
        return np.asarray(self.values[period], dtype=np.float64)


ScriptLike: TypeAlias = (
    Script | float | Sequence[float] | FloatArray | Callable[[float], float | Sequence[float]]
)
"""A number (the same every period), a sequence or array with one value per
period (a 2-D array: periods x domain indices), a function of the time in
seconds, or a :class:`Script`."""


def constant(value: float | Sequence[float] | FloatArray) -> Script:
    """The same value every period: a number, or one per domain index
    (``constant([1.0, 0.6, 0.2, 0.0])`` for ``GPU_UTILIZATION@gpu``)."""
    return Script("constant", values=np.asarray(value, dtype=np.float64))


def per_period(values: Sequence[float] | Sequence[Sequence[float]] | FloatArray) -> Script:
    """One value per period (``values[k]`` in period k), or a periods x domain
    indices array."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim not in (1, 2):
        raise ValueError(f"per_period() takes 1-D or 2-D values, got shape {array.shape}")
    return Script("per_period", values=array)


def of_time(function: Callable[[float], Value]) -> Script:
    """``function(t)`` at the scripted time ``t`` (seconds since the start) of
    each period: a number, or one value per domain index."""
    return Script("of_time", function=function)


def of_controls(function: Callable[[float, ControlReader], Value]) -> Script:
    """``function(t, setting)`` at the scripted time ``t``, where
    ``setting(name, domain="board", index=0)`` reads a control's current
    setting: a signal that answers the agent, such as a power that follows
    its cap (``of_controls(lambda t, setting: min(180.0,
    setting("CPU_POWER_LIMIT_CONTROL")))``)."""
    return Script("of_controls", reacting=function)


def as_script(name: str, value: ScriptLike) -> Script:
    """``value`` in one of the plain forms as a Script (TypeError naming the signal)."""
    if isinstance(value, Script):
        return value
    if callable(value):
        return of_time(value)
    if isinstance(value, (int, float, np.floating, np.integer)):
        return constant(float(value))
    try:
        return per_period(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"geopm_bridge.testing: the script of {name} is not a number, a sequence of "
            f"numbers, a function of time or a Script: {value!r} ({error})"
        ) from None
