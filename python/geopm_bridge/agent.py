"""The base class of Python agents."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, TypeAlias

import numpy as np
from numpy.typing import NDArray

from ._loader import _core

FloatArray: TypeAlias = NDArray[np.float64]
"""The NumPy arrays agent hooks receive."""

Aggregation: TypeAlias = str | Callable[[FloatArray], float]
"""A GEOPM Agg name ("sum", "average", "max", ...) or a callable over one column."""

DEFAULT_PERIOD = 0.005
"""Seconds between control periods when an agent sets no ``period`` (GEOPM's
power agents use the same)."""

DEFAULT_AGGREGATION = "average"
"""How the default aggregate_sample() combines a sample it has no rule for."""


class Agent:
    """Base class of GEOPM agents written in Python.

    Subclass it, declare ``policy_names`` and ``sample_names`` (sequences of
    str, possibly empty) as class attributes, override the hooks you need and
    register the class (``@geopm_bridge.register_agent``, an entry point in
    the ``geopm_bridge.agents`` group, or ``GEOPM_BRIDGE_AGENTS``). The C++
    controller then makes one instance per tree level (each call of the
    factory makes a new one) and calls the hooks under the names and argument
    order of ``geopm::Agent``.

    Optional class attributes:

    * ``name``: the agent name (``GEOPM_AGENT``). Only a ``name`` set on the
      class itself counts, not an inherited one. Without it the entry point
      name is used, else the class name in snake_case with nothing stripped
      (``PowerCapAgent`` -> ``power_cap_agent``).
    * ``period``: seconds between control periods for the default ``wait()``
      (default 0.005); ``GEOPM_PERIOD`` overrides it, as for C++ agents.
    * ``sample_aggregation``: how the default ``aggregate_sample()`` combines
      the children's samples: a sequence with one entry per sample, or a
      mapping from sample name to entry (others use "average"). An entry is a
      GEOPM Agg name or a callable taking a float64 array.

    Vectors are NumPy float64 arrays holding the controller's values (a few
    doubles copied in before the call, nothing allocated): write outputs in
    place (``out_sample[:] = ...``, ``policy[0] = ...``), they are copied
    back after the call; inputs are read-only. ``aggregate_sample()``'s
    ``in_sample`` is a read-only children x samples array of the children's
    rows, and ``split_policy()``'s ``out_policy`` a writable children x
    policies array copied into the children's rows after the call. Each
    array is reused from call to call (refilled by the next one): keep
    ``.copy()`` of what you need later. The arrays own their memory, so one
    kept after the run (or a view of it) still holds its last values.

    Registration checks each overridden hook against the parameters it is
    called with (an error naming the class and the hook) and warns about a
    public method whose name is close to a hook's (``sample_plataform``).
    Registering another class under the same name replaces this one (a
    notebook cell run again), with a warning.

    A hook a subclass does not override is never called: the controller runs
    an equivalent built-in default in C++ without entering Python. The
    methods below are those defaults, for subclasses that call ``super()``.

    An exception raised by a hook stops the run; it reaches the caller of
    ``run_job()`` as a :class:`GeopmError` whose message names the agent, the
    hook and the exception and carries the Python traceback. Raise
    ``GeopmError(message, error_code)`` for an error the user must fix (a
    policy out of range): it chooses the GEOPM error code, and the message
    comes without a traceback.
    """

    policy_names: ClassVar[Sequence[str]]
    sample_names: ClassVar[Sequence[str]]
    name: ClassVar[str]
    sample_aggregation: ClassVar[Sequence[Aggregation] | Mapping[str, Aggregation]]
    period: ClassVar[float] = DEFAULT_PERIOD

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        """Called once before the control loop; push signals and controls here.

        ``level`` 0 is the leaf (one per node); ``fan_in[l]`` is the number of
        children of an agent at level ``l + 1`` (empty on a single node).
        """

    def validate_policy(self, policy: FloatArray) -> None:
        """Replace NaN entries of ``policy`` (writable) by defaults; raise on bad values."""

    def split_policy(self, in_policy: FloatArray, out_policy: FloatArray) -> None:
        """Fill ``out_policy`` (children x policies, writable); the default copies
        ``in_policy`` to every child."""
        out_policy[:] = in_policy

    def do_send_policy(self) -> bool:
        """Whether the policies of the last split_policy() go down the tree."""
        return True

    def aggregate_sample(self, in_sample: FloatArray, out_sample: FloatArray) -> None:
        """Combine ``in_sample`` (children x samples, read-only) into ``out_sample``
        with ``sample_aggregation`` (default: average of each sample)."""
        _core.aggregate_sample(in_sample, aggregation_of(type(self)), out_sample)

    def do_send_sample(self) -> bool:
        """Whether the sample of the last aggregate_sample() goes up the tree."""
        return True

    def adjust_platform(self, in_policy: FloatArray) -> None:
        """Leaf: turn the policy (read-only) into ``PlatformIO.adjust()`` calls."""

    def do_write_batch(self) -> bool:
        """Leaf: whether the controller writes the adjusted controls this period.

        By default true exactly when the class overrides adjust_platform().
        """
        return type(self).adjust_platform is not Agent.adjust_platform

    def sample_platform(self, out_sample: FloatArray) -> None:
        """Leaf: fill ``out_sample`` (writable) from this period's ``PlatformIO.sample()``."""

    def wait(self) -> None:
        """Block until the next control period: ``period`` seconds after the last one."""
        waiter = self.__dict__.get("_default_waiter")
        if waiter is None:
            waiter = _core.Waiter(_core.environment_period(type(self).period))
            self.__dict__["_default_waiter"] = waiter
        waiter.wait()

    def report_header(self) -> Sequence[tuple[str, str]]:
        """(key, value) pairs for the report header; values are printed with str()."""
        return []

    def report_host(self) -> Sequence[tuple[str, str]]:
        """(key, value) pairs for this host's section of the report."""
        return []

    def report_region(self) -> Mapping[int, Sequence[tuple[str, str]]]:
        """(key, value) pairs per region hash."""
        return {}

    def trace_names(self) -> Sequence[str]:
        """Names of the trace columns this agent adds."""
        return []

    def trace_formats(self) -> Sequence[str | Callable[[float], str]]:
        """One format per trace column: a printf format of one float ("%.3f") or a
        callable returning str. Empty: every column uses GEOPM's default."""
        return []

    def trace_values(self, values: FloatArray) -> None:
        """Fill ``values`` (writable, one entry per trace column) for this period."""

    def enforce_policy(self, policy: FloatArray) -> None:
        """Apply ``policy`` (read-only) once, outside a control loop."""


def aggregation_of(cls: type[Agent]) -> list[Aggregation]:
    """The aggregation of each sample of ``cls``, from its ``sample_aggregation``.

    Raises TypeError or ValueError naming the class when the attribute does
    not fit the sample names.
    """
    samples = list(cls.sample_names)
    spec = getattr(cls, "sample_aggregation", None)
    if spec is None:
        return [DEFAULT_AGGREGATION] * len(samples)
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - set(samples))
        if unknown:
            raise ValueError(
                f"{cls.__qualname__}.sample_aggregation names unknown samples {unknown} "
                f"(sample_names: {samples})"
            )
        return [spec.get(sample, DEFAULT_AGGREGATION) for sample in samples]
    if isinstance(spec, str) or not isinstance(spec, Sequence):
        raise TypeError(
            f"{cls.__qualname__}.sample_aggregation must be a sequence or a mapping, got {spec!r}"
        )
    if len(spec) != len(samples):
        raise ValueError(
            f"{cls.__qualname__}.sample_aggregation has {len(spec)} entries for "
            f"{len(samples)} samples"
        )
    return list(spec)
