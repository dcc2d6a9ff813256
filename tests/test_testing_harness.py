"""geopm_bridge.testing: agents driven in-process with scripted signals, the
package's example agents unit-tested with it, a real job's trace replayed."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import geopm_bridge
import numpy as np
import pytest
from cpp_build import clean_env
from geopm_bridge import RegionHint
from geopm_bridge.examples.gpu_power_share_agent import GpuPowerShareAgent
from geopm_bridge.examples.power_split_agent import PowerSplitAgent
from geopm_bridge.examples.region_frequency_agent import RegionFrequencyAgent
from geopm_bridge.examples.tutorial_agent import TutorialAgent
from geopm_bridge.testing import (
    AgentHookError,
    ControlReader,
    HarnessResult,
    Script,
    agent_harness,  # noqa: F401  (the fixture, as a conftest.py would import it)
    constant,
    node_model_catalog,
    of_controls,
    of_time,
    per_period,
    run_agent,
)
from geopm_bridge.trace import read_trace
from jobs import launch

FREQ = "CPU_FREQUENCY_MAX_CONTROL"


def board(name: str, node_model: str = "1") -> float:
    """A node-model signal at the board, as the harness's platform reads it."""
    signal = node_model_catalog(node_model).signals[name]
    values = np.array(signal.values)
    return float(values.sum() if signal.agg == "sum" else values[0])


def cpu_times(idle: list[float]) -> dict[str, object]:
    """CPU time counters whose change in period k is idle[k] idle and the
    rest user time (one second per period)."""
    idle_total = np.cumsum([0.0, *idle[1:]])
    user_total = np.cumsum([0.0, *(1.0 - np.array(idle[1:]))])
    return {
        "USER_TIME": per_period(user_total),
        "SYSTEM_TIME": 0.0,
        "IDLE_TIME": per_period(idle_total),
        "NICE_TIME": 0.0,
    }


# --- The tutorial agent (example_python), every documented decision. ---


def test_tutorial_defaults_its_thresholds() -> None:
    result = run_agent(TutorialAgent, 3, signals=cpu_times([0.5] * 3))
    assert result.policies.tolist() == [[0.30, 0.70]] * 3
    # Given ones are kept.
    result = run_agent(TutorialAgent, 2, policy={"HIGH_THRESHOLD": 0.9})
    assert result.policies.tolist() == [[0.30, 0.90]] * 2


def test_tutorial_refuses_crossed_thresholds() -> None:
    with pytest.raises(AgentHookError, match=r"example_python .*validate_policy\(\).*ValueError"):
        run_agent(TutorialAgent, 1, policy=[0.8, 0.2])


def test_tutorial_percentages_count_nice_time_only_in_the_total() -> None:
    signals = {
        "USER_TIME": per_period([0.0, 5.0, 10.0]),
        "SYSTEM_TIME": per_period([0.0, 1.0, 2.0]),
        "IDLE_TIME": per_period([0.0, 3.0, 6.0]),
        "NICE_TIME": per_period([0.0, 1.0, 2.0]),
    }
    result = run_agent(TutorialAgent, 3, signals=signals)
    # The first period has no earlier reading: nothing sent yet.
    assert np.isnan(result.samples[0]).all()
    assert np.isnan(result.root_samples[0]).all()
    np.testing.assert_allclose(result.samples[1:], [[0.5, 0.1, 0.3]] * 2)
    np.testing.assert_allclose(result.root_samples[1:], [[0.5, 0.1, 0.3]] * 2)
    np.testing.assert_allclose(result.trace["idle_percent"][1:], [0.3, 0.3])


def test_tutorial_steps_the_cap_down_while_idle_and_stops_at_the_minimum() -> None:
    periods = 30
    result = run_agent(TutorialAgent, periods, signals=cpu_times([0.9] * periods))
    high = board("CPU_FREQUENCY_MAX_AVAIL")
    low = board("CPU_FREQUENCY_MIN_AVAIL")
    cap = result.controls[FREQ][:, 0]
    # No decision before the first percentages (periods 0 and 1: one period late).
    assert cap[:2].tolist() == [high, high]
    expected = np.maximum(low, high - 100e6 * (np.arange(periods) - 1))
    np.testing.assert_allclose(cap[2:], expected[2:])
    assert cap[-1] == low
    np.testing.assert_allclose(result.trace["frequency_cap"][2:], cap[2:])


def test_tutorial_steps_the_cap_up_when_busy_and_holds_in_between() -> None:
    # Busy (idle 0.1 < 0.3): up to the maximum; idle 0.5 between the thresholds:
    # held; idle 0.9: down.
    idle = [0.9] * 6 + [0.5] * 4 + [0.1] * 6
    result = run_agent(TutorialAgent, len(idle), signals=cpu_times(idle))
    high = board("CPU_FREQUENCY_MAX_AVAIL")
    cap = result.controls[FREQ][:, 0]
    # Periods 2-6 decide on idle 0.9 (five steps down), 7-10 on 0.5 (held),
    # 11-15 on 0.1 (up again, to the maximum).
    assert cap[6] == pytest.approx(high - 5 * 100e6)
    assert cap[7:11].tolist() == [cap[6]] * 4
    assert cap[11] == pytest.approx(cap[6] + 100e6)
    assert cap[-1] == high


def test_tutorial_thresholds_changed_during_the_run() -> None:
    policy = np.array([[0.3, 0.7]] * 5 + [[0.3, 0.95]] * 5)
    result = run_agent(TutorialAgent, 10, policy=policy, signals=cpu_times([0.9] * 10))
    cap = result.controls[FREQ][:, 0]
    assert np.all(np.diff(cap[1:5]) < 0)  # periods 2-4: 0.9 idle > 0.7, down
    assert np.all(np.diff(cap[4:]) == 0)  # from period 5: 0.9 idle < 0.95, held


def test_tutorial_report() -> None:
    idle = [0.0, 0.2, 0.6, 0.4]
    result = run_agent(TutorialAgent, 4, signals=cpu_times(idle))
    assert result.report_header == {"Wait time (sec)": "1.0"}
    assert result.report_host == {"Lowest idle %": "20.00", "Highest idle %": "60.00"}
    # TIME reads the scripted clock: the agent's period per step.
    assert result.time.tolist() == [1.0, 2.0, 3.0, 4.0]


# --- The other example agents. ---


def test_gpu_power_share_limits_follow_utilization() -> None:
    utilization = constant([1.0, 0.6, 0.2, 0.0])
    result = run_agent(
        GpuPowerShareAgent,
        4,
        policy=[1600.0],
        node_model="gpus=4",
        signals={"GPU_UTILIZATION@gpu": utilization, "GPU_POWER@gpu": constant(300.0)},
    )
    limits = result.controls["GPU_POWER_LIMIT_CONTROL"]
    assert limits.shape == (4, 4)
    # Before the first sample an even split; then the hand-worked one:
    # needs 700, 500, 300, 200 W exceed 1600 W, so each keeps 200 W and the
    # other 800 W go by need above it (500, 300, 100, 0 of 900).
    np.testing.assert_allclose(limits[0], [400.0] * 4)
    np.testing.assert_allclose(limits[1:], [[644.4444, 466.6667, 288.8889, 200.0]] * 3, rtol=1e-6)
    np.testing.assert_allclose(limits.sum(axis=1), 1600.0)
    np.testing.assert_allclose(result.samples, [[1200.0, 0.45]] * 4)


def test_gpu_power_share_utilization_over_time() -> None:
    # GPU 0 busy then idle, GPU 1 the reverse: the limits swap.
    def utilization(t: float) -> list[float]:
        return [1.0, 0.0, 0.0, 0.0] if t < 3 * 0.005 + 1e-9 else [0.0, 1.0, 0.0, 0.0]

    result = run_agent(
        GpuPowerShareAgent,
        6,
        policy=[1600.0],
        node_model="gpus=4",
        signals={"GPU_UTILIZATION@gpu": of_time(utilization)},
    )
    limits = result.controls["GPU_POWER_LIMIT_CONTROL"]
    assert limits[2, 0] > limits[2, 1]
    assert limits[5, 1] > limits[5, 0]
    np.testing.assert_allclose(limits[5, 1], limits[2, 0])


def test_power_split_in_a_tree_follows_the_power() -> None:
    tdp = board("CPU_POWER_LIMIT_DEFAULT")
    budget = 1.5 * tdp
    heavy, light = 2.0 * tdp, 0.3 * tdp
    periods = 20

    def drawing(demands: list[float]) -> Script:
        # A node draws what its load asks for, up to its cap.
        def power(t: float, setting: ControlReader) -> float:
            demand = demands[min(round(t / PowerSplitAgent.period) - 1, periods - 1)]
            return min(demand, setting("CPU_POWER_LIMIT_CONTROL"))

        return of_controls(power)

    swap = [heavy] * 10 + [light] * 10
    result = run_agent(
        PowerSplitAgent,
        periods,
        policy=[budget],
        fan_in=[2],
        signals=[{"CPU_POWER": drawing(swap)}, {"CPU_POWER": drawing(swap[::-1])}],
    )
    caps = np.column_stack(
        [node.controls["CPU_POWER_LIMIT_CONTROL"][:, 0] for node in result.nodes]
    )
    # An even split first; always the whole budget.
    np.testing.assert_allclose(caps[0], [budget / 2] * 2)
    np.testing.assert_allclose(caps.sum(axis=1), budget)
    # The heavy node gains, then, once the loads swap, the other one.
    assert caps[9, 0] > caps[9, 1] + 0.2 * tdp
    assert caps[-1, 1] > caps[-1, 0] + 0.2 * tdp
    # The light node draws what it needs, the heavy one all it is given.
    np.testing.assert_allclose(result.nodes[1].samples[9, 0], light)
    np.testing.assert_allclose(result.nodes[0].samples[9, 0], caps[9, 0])
    # The root's sample: the power and the need, summed over the nodes.
    total = result.nodes[0].samples + result.nodes[1].samples
    np.testing.assert_allclose(result.root_samples[1:], total[1:])
    assert result.report_header == {"Job power budget (W)": f"{budget:g}"}
    with pytest.raises(AttributeError, match="nodes"):
        result.controls  # noqa: B018


class Probe(geopm_bridge.Agent):
    """Records its init() arguments and passes policies and samples through."""

    name = "probe"
    policy_names = ("P",)
    sample_names = ("X",)
    sample_aggregation = ("sum",)
    inits: list[tuple[int, list[int], bool]] = []

    def __init__(self) -> None:
        super().__init__()
        self._pio = geopm_bridge.platform_io()

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        Probe.inits.append((level, fan_in, is_level_root))
        if level == 0:
            self._idx = self._pio.push_signal("CPU_POWER", "board", 0)

    def split_policy(self, in_policy: np.ndarray, out_policy: np.ndarray) -> None:
        # Each child gets its share of P.
        out_policy[:, 0] = in_policy[0] / out_policy.shape[0]

    def sample_platform(self, out_sample: np.ndarray) -> None:
        out_sample[0] = self._pio.sample(self._idx)


def test_a_tree_of_two_levels() -> None:
    Probe.inits.clear()
    power = [{"CPU_POWER": float(10 * (node + 1))} for node in range(4)]
    result = run_agent(Probe, 3, policy=[80.0], fan_in=[2, 2], signals=power)
    # GEOPM's init() arguments (docs/tree.md): node 0 runs levels 0-2, node
    # 2 levels 0-1, nodes 1 and 3 the leaf only.
    assert sorted(Probe.inits) == [
        (0, [2, 2], False),
        (0, [2, 2], False),
        (0, [2, 2], True),
        (0, [2, 2], True),
        (1, [2, 2], False),
        (1, [2, 2], True),
        (2, [2, 2], False),
    ]
    assert [node.policies[0, 0] for node in result.nodes] == [20.0] * 4
    np.testing.assert_allclose(result.root_samples, [[100.0]] * 3)
    assert [node.samples[-1, 0] for node in result.nodes] == [10.0, 20.0, 30.0, 40.0]


def test_hooks_get_the_same_arrays_every_period_as_from_the_controller() -> None:
    seen: list[np.ndarray] = []

    class Keeper(geopm_bridge.Agent):
        name = "keeper"
        policy_names = ("P",)
        sample_names = ()

        def adjust_platform(self, in_policy: np.ndarray) -> None:
            seen.append(in_policy)  # no copy: refilled by the next period

    run_agent(Keeper, 3, policy=np.array([[1.0], [2.0], [3.0]]))
    assert len({id(array) for array in seen}) == 1
    assert seen[0].tolist() == [3.0]
    assert not seen[0].flags.writeable


def test_region_frequency_follows_the_hint_one_period_late() -> None:
    hints = [RegionHint.COMPUTE, RegionHint.MEMORY, RegionHint.MEMORY, RegionHint.COMPUTE]
    hints += [RegionHint.NETWORK, RegionHint.SERIAL]
    result = run_agent(
        RegionFrequencyAgent,
        len(hints),
        policy=[2.5e9, 1.2e9],
        signals={"REGION_HINT": per_period([float(h) for h in hints]), "CPU_POWER": 100.0},
    )
    cap = result.controls[FREQ][:, 0].tolist()
    assert cap == [2.5e9, 2.5e9, 1.2e9, 1.2e9, 2.5e9, 1.2e9]
    assert result.samples[:, 0].tolist() == [100.0] * len(hints)
    assert result.report_host == {"Periods at FREQ_LOW": "3", "Periods at FREQ_HIGH": "3"}


def test_region_frequency_defaults_are_the_platforms_range() -> None:
    result = run_agent(RegionFrequencyAgent, 2)
    assert result.policies[0].tolist() == [
        board("CPU_FREQUENCY_MAX_AVAIL"),
        board("CPU_FREQUENCY_MIN_AVAIL"),
    ]


# --- A real job's trace, replayed. ---


def test_replay_a_real_jobs_trace(tmp_path: Path) -> None:
    done = launch(
        tmp_path,
        "sleep",
        "0.3",
        options=[
            "--node-model",
            "--geopm-agent=region_frequency",
            "--geopm-period=0.01",
            "--geopm-trace=trace",
        ],
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    (path,) = tmp_path.glob("trace-*")
    trace = read_trace(path)
    assert trace.num_rows > 3
    result = run_agent(RegionFrequencyAgent, replay=path)
    assert len(result.time) == trace.num_rows
    np.testing.assert_allclose(result.time, trace.time)
    np.testing.assert_allclose(result.samples[:, 0], trace.columns["CPU_POWER"])
    # The replayed agent decides as the job's did: the trace's own column.
    np.testing.assert_allclose(
        result.trace["frequency_cap"], trace.columns["frequency_cap"], equal_nan=True
    )


# --- The fixture. ---


def test_the_fixture_runs_an_agent(
    agent_harness: Callable[..., HarnessResult],  # noqa: F811
) -> None:
    result = agent_harness(RegionFrequencyAgent, 2, signals={"REGION_HINT": 3.0})
    assert result.controls[FREQ][1, 0] == board("CPU_FREQUENCY_MIN_AVAIL")


# --- README's unit test of its tutorial agent, run as a user would. ---


def test_readme_unit_test_of_the_tutorial_agent(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    files = {
        "my_agent.py": next(block for block in blocks if "class PowerCap" in block),
        "test_my_agent.py": next(b for b in blocks if b.startswith("# test_my_agent.py")),
        "conftest.py": next(b for b in blocks if b.startswith("# conftest.py")),
    }
    for name, code in files.items():
        (tmp_path / name).write_text(code)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_agent.py"],
        cwd=tmp_path,
        env={**clean_env(), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


# --- Bad input. ---


class Raising(geopm_bridge.Agent):
    """Raises in sample_platform."""

    name = "raising"
    policy_names = ()
    sample_names = ("X",)

    def sample_platform(self, out_sample: np.ndarray) -> None:
        raise ZeroDivisionError("no")


def test_a_raising_hook_names_the_agent_and_the_hook() -> None:
    with pytest.raises(
        AgentHookError, match=r"agent raising .*sample_platform\(\).*ZeroDivision"
    ) as info:
        run_agent(Raising, 2)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_signal_the_platform_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="GPU_UTILIZATION is not a signal of the platform"):
        run_agent(RegionFrequencyAgent, 1, signals={"GPU_UTILIZATION": 1.0})
    with pytest.raises(ValueError, match="is a control"):
        run_agent(RegionFrequencyAgent, 1, signals={FREQ: 1.0})
    with pytest.raises(ValueError, match="has 2 values for 3 periods"):
        run_agent(RegionFrequencyAgent, 3, signals={"CPU_POWER": [1.0, 2.0]})


def test_the_platform_is_as_strict_as_the_real_one() -> None:
    class Pushy(geopm_bridge.Agent):
        name = "pushy"
        policy_names = ()
        sample_names = ()

        def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
            geopm_bridge.platform_io().push_signal("NO_SUCH_SIGNAL", "board", 0)

    with pytest.raises(AgentHookError, match=r"pushy .*init\(\).*NO_SUCH_SIGNAL") as info:
        run_agent(Pushy, 1)
    assert isinstance(info.value.__cause__, geopm_bridge.GeopmError)

    class Deep(Pushy):
        name = "deep"

        def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
            geopm_bridge.platform_io().push_signal("CPU_POWER", "board", 1)

    with pytest.raises(AgentHookError, match="domain_idx 1 out of range"):
        run_agent(Deep, 1)

    class Fine(Pushy):
        name = "fine"

        def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
            geopm_bridge.platform_io().push_signal("CPU_POWER", "package", 0)

    # A signal scripted per board and read per package: script it finer.
    with pytest.raises(AgentHookError, match=r"script \"CPU_POWER@package\""):
        run_agent(Fine, 1, signals={"CPU_POWER": 1.0})
    run_agent(Fine, 1, signals={"CPU_POWER@package": 1.0})


def test_a_constructor_that_refuses_the_platform_names_the_agent() -> None:
    # No GPUs on the default node model.
    with pytest.raises(AgentHookError, match=r"gpu_power_share .*__init__\(\).*gpus=4"):
        run_agent(GpuPowerShareAgent, 1)


def test_an_incomplete_sample_after_the_first_period_is_an_error() -> None:
    class Gappy(geopm_bridge.Agent):
        name = "gappy"
        policy_names = ()
        sample_names = ("A", "B")

        def sample_platform(self, out_sample: np.ndarray) -> None:
            out_sample[0] = 1.0

    with pytest.raises(
        AgentHookError, match=r"gappy .*sample_platform\(\) with NaN at index 1 \(B\)"
    ):
        run_agent(Gappy, 2)
