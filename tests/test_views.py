"""The vectors a Python agent sees: NumPy arrays that own their memory.

Each hook gets a cached float64 array into which the C++ vector is copied
(and, for an output, out of which it is copied back after the call), so an
array the agent keeps never points at a vector the controller has freed
(tests/faults/test_python.py keeps them past a whole job).

An AgentDriver (from geopm_bridge_testing, a test-only extension module)
owns C++ vectors and calls the agent's hooks from C++ with the GIL released,
as the controller does; the tests compare what the hooks saw with the
driver's buffers.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any, ClassVar

import numpy as np
import pytest

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

import geopm_bridge  # noqa: E402
from cpp_build import load_testing_module  # noqa: E402
from geopm_bridge._loader import _core  # noqa: E402

AgentDriver = load_testing_module().AgentDriver
NAN = math.nan


def _view_facts(array: np.ndarray) -> dict[str, Any]:
    return {
        "address": array.ctypes.data,
        "shape": array.shape,
        "dtype": array.dtype,
        "writeable": array.flags.writeable,
        "owndata": array.flags.owndata,
        "id": id(array),
    }


@geopm_bridge.register_agent("views_probe")
class ViewsProbe(geopm_bridge.Agent):
    """Writes known values into every output and records what it was given."""

    policy_names = ("P0", "P1")
    sample_names = ("S0", "S1", "S2")
    instances: ClassVar[list[ViewsProbe]] = []

    def __init__(self) -> None:
        ViewsProbe.instances.append(self)
        self.seen: dict[str, list[dict[str, Any]]] = {}
        self.values: dict[str, list[float]] = {}

    def _record(self, hook: str, array: np.ndarray) -> None:
        self.seen.setdefault(hook, []).append(_view_facts(array))
        self.values[hook] = array.tolist()

    def validate_policy(self, policy: np.ndarray) -> None:
        self._record("validate_policy", policy)
        policy[np.isnan(policy)] = 42.0

    def split_policy(self, in_policy: np.ndarray, out_policy: np.ndarray) -> None:
        self._record("split_policy.in", in_policy)
        self._record("split_policy.out", out_policy)
        out_policy[:] = in_policy * np.arange(1, out_policy.shape[0] + 1)[:, None]

    def aggregate_sample(self, in_sample: np.ndarray, out_sample: np.ndarray) -> None:
        self._record("aggregate_sample.in", in_sample)
        self._record("aggregate_sample.out", out_sample)
        out_sample[:] = in_sample.max(axis=0)

    def adjust_platform(self, in_policy: np.ndarray) -> None:
        self._record("adjust_platform", in_policy)

    def sample_platform(self, out_sample: np.ndarray) -> None:
        self._record("sample_platform", out_sample)
        out_sample[:] = [1.5, 2.5, 3.5]

    def trace_names(self) -> list[str]:
        return ["t0", "t1"]

    def trace_values(self, values: np.ndarray) -> None:
        self._record("trace_values", values)
        values[0] = 7.0
        values[1] = 8.0

    def enforce_policy(self, policy: np.ndarray) -> None:
        self._record("enforce_policy", policy)


@pytest.fixture
def probe() -> tuple[Any, ViewsProbe]:
    """A driver and the Python agent object it drives."""
    driver = AgentDriver("views_probe")
    return driver, ViewsProbe.instances[-1]


def test_outputs_are_writable_arrays_copied_back(probe: tuple[Any, ViewsProbe]) -> None:
    driver, agent = probe
    assert driver.validate_policy([NAN, 3.0]) == [42.0, 3.0]
    assert driver.sample_platform() == [1.5, 2.5, 3.5]
    driver.trace_names()
    assert driver.trace_values() == [7.0, 8.0]
    for hook, buffer, shape in (
        ("validate_policy", "policy", (2,)),
        ("sample_platform", "sample", (3,)),
        ("trace_values", "trace", (2,)),
    ):
        facts = agent.seen[hook][0]
        # The array owns its memory: never the driver's buffer, which it outlives.
        assert facts["address"] != driver.address(buffer), hook
        assert facts["shape"] == shape
        assert facts["dtype"] == np.float64
        assert facts["writeable"] and facts["owndata"]


def test_arrays_are_reused_while_the_shape_stays(probe: tuple[Any, ViewsProbe]) -> None:
    driver, agent = probe
    for _ in range(3):
        driver.sample_platform()
    first, *others = agent.seen["sample_platform"]
    assert all(other["id"] == first["id"] for other in others)
    assert all(other["address"] == first["address"] for other in others)


def test_inputs_are_read_only_copies(probe: tuple[Any, ViewsProbe]) -> None:
    driver, agent = probe
    driver.adjust_platform([1.0, 2.0])
    driver.enforce_policy([3.0, 4.0])
    assert agent.values["adjust_platform"] == [1.0, 2.0]
    assert agent.values["enforce_policy"] == [3.0, 4.0]
    for hook in ("adjust_platform", "enforce_policy"):
        facts = agent.seen[hook][0]
        assert facts["address"] != driver.address("policy"), hook
        assert not facts["writeable"] and facts["owndata"], hook


def test_writing_an_input_fails_the_hook() -> None:
    @geopm_bridge.register_agent("views_writes_input")
    class WritesInput(geopm_bridge.Agent):
        policy_names = ("P0",)
        sample_names = ()

        def adjust_platform(self, in_policy: np.ndarray) -> None:
            in_policy[0] = 1.0

    driver = AgentDriver("views_writes_input")
    with pytest.raises(geopm_bridge.GeopmError, match="read-only") as caught:
        driver.adjust_platform([0.0])
    assert "views_writes_input.adjust_platform(): ValueError" in str(caught.value)


def test_in_sample_is_a_read_only_children_by_samples_array(
    probe: tuple[Any, ViewsProbe],
) -> None:
    driver, agent = probe
    rows = [[1.0, 20.0, 3.0], [4.0, 5.0, 60.0]]
    assert driver.aggregate_sample(rows) == [4.0, 20.0, 60.0]
    facts = agent.seen["aggregate_sample.in"][0]
    assert facts["shape"] == (2, 3) and not facts["writeable"]
    assert agent.values["aggregate_sample.in"] == rows
    out = agent.seen["aggregate_sample.out"][0]
    assert out["address"] != driver.address("sample") and out["writeable"]


def test_split_policy_rows_are_written_back(probe: tuple[Any, ViewsProbe]) -> None:
    driver, agent = probe
    assert driver.split_policy([1.0, 2.0], 3) == [[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]]
    out = agent.seen["split_policy.out"][0]
    assert out["shape"] == (3, 2) and out["writeable"]
    # The rows' contents were copied in before the call (the driver starts them NaN).
    assert all(math.isnan(value) for row in agent.values["split_policy.out"] for value in row)
    in_facts = agent.seen["split_policy.in"][0]
    assert in_facts["address"] != driver.address("policy") and not in_facts["writeable"]
    assert agent.values["split_policy.in"] == [1.0, 2.0]


def test_a_kept_array_is_refilled_by_the_next_call() -> None:
    """Documented behaviour: the array is reused, so keep .copy() of it to keep its values."""
    kept: list[np.ndarray] = []

    @geopm_bridge.register_agent("views_keeps")
    class Keeps(geopm_bridge.Agent):
        policy_names = ("P0",)
        sample_names = ()

        def validate_policy(self, policy: np.ndarray) -> None:
            kept.append(policy)

    driver = AgentDriver("views_keeps")
    driver.validate_policy([1.0])
    driver.validate_policy([2.0])
    assert kept[0] is kept[1]
    assert kept[0][0] == 2.0


class DefaultsOnly(geopm_bridge.Agent):
    policy_names = ("P0", "P1")
    sample_names = ("POWER", "FREQ", "COUNT")
    sample_aggregation = {"POWER": "sum", "COUNT": len}


geopm_bridge.register_agent("views_defaults")(DefaultsOnly)


@pytest.fixture
def python_calls() -> Iterator[list[str]]:
    """Names of the Python functions called on this thread while active."""
    calls: list[str] = []

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        yield calls
    finally:
        sys.setprofile(None)


def test_default_hooks_stay_in_cpp(python_calls: list[str]) -> None:
    driver = AgentDriver("views_defaults")
    python_calls.clear()
    driver.init(0, [], True)
    policy = driver.validate_policy([NAN, 1.0])
    rows = driver.split_policy([1.0, 2.0], 2)
    flags = (driver.do_send_policy(), driver.do_send_sample(), driver.do_write_batch())
    driver.adjust_platform([1.0, 2.0])
    sample = driver.sample_platform()
    names = driver.trace_names()
    reports = (driver.report_header(), driver.report_host(), driver.report_region())
    formats = driver.trace_formats([1.0])
    driver.enforce_policy([1.0, 2.0])
    hooks = set(_core.AGENT_HOOKS)
    assert not hooks & set(python_calls), python_calls

    assert math.isnan(policy[0]) and policy[1] == 1.0
    assert rows == [[1.0, 2.0], [1.0, 2.0]]
    assert flags == (True, True, False)
    assert all(math.isnan(value) for value in sample)
    assert names == [] and reports == ([], [], {}) and formats == []


def test_default_aggregation_uses_sample_aggregation() -> None:
    driver = AgentDriver("views_defaults")
    in_sample = [[100.0, 2.0e9, 1.0], [50.0, 1.0e9, 1.0], [25.0, 3.0e9, 1.0]]
    expected = [175.0, 2.0e9, 3.0]
    assert driver.aggregate_sample(in_sample) == expected

    # The Python defaults agree with the ones the controller runs in C++.
    agent = DefaultsOnly()
    out = np.full(3, NAN)
    agent.aggregate_sample(np.array(in_sample), out)
    assert out.tolist() == expected
    out_policy = np.full((2, 2), NAN)
    agent.split_policy(np.array([1.0, 2.0]), out_policy)
    assert out_policy.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    assert not agent.do_write_batch()


def test_do_write_batch_defaults_to_whether_adjust_platform_is_overridden() -> None:
    @geopm_bridge.register_agent("views_adjusts")
    class Adjusts(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def adjust_platform(self, in_policy: np.ndarray) -> None:
            pass

    assert AgentDriver("views_adjusts").do_write_batch()
    assert Adjusts().do_write_batch()


def test_aggregate_sample_helper() -> None:
    out = np.zeros(3)
    geopm_bridge.aggregate_sample(
        [[1.0, 5.0, 2.0], [3.0, 1.0, 2.0]], ["sum", "max", lambda column: column.size], out
    )
    assert out.tolist() == [4.0, 5.0, 2.0]
    with pytest.raises(ValueError, match="unknown aggregation"):
        geopm_bridge.aggregate_sample([[1.0]], ["no_such_agg"], np.zeros(1))
    with pytest.raises(ValueError, match="must agree"):
        geopm_bridge.aggregate_sample([[1.0, 2.0]], ["sum"], np.zeros(1))
    with pytest.raises(TypeError, match="float64"):
        geopm_bridge.aggregate_sample([[1.0]], ["sum"], np.zeros(1, dtype=np.int64))
    with pytest.raises(ZeroDivisionError):
        geopm_bridge.aggregate_sample([[1.0]], [lambda column: 1 / 0], np.zeros(1))
