"""Python agents that tests/test_native_backend.py loads into a real GEOPM."""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopm_bridge
from geopm_bridge import Agent, FloatArray


class TimeScale(Agent):
    """Samples GEOPM's TIME signal times the SCALE policy, and which instance it is."""

    name = "py_time_scale"
    policy_names = ("SCALE",)
    sample_names = ("SCALED_TIME", "INSTANCE")
    period = 0.01
    made = 0

    def __init__(self) -> None:
        TimeScale.made += 1
        self.instance = TimeScale.made
        self.scale = math.nan
        self.time_idx = -1

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        self.pio = geopm_bridge.platform_io()
        self.time_idx = self.pio.push_signal("TIME", "board", 0)

    def validate_policy(self, policy: FloatArray) -> None:
        if math.isnan(policy[0]):
            policy[0] = 1.0

    def adjust_platform(self, in_policy: FloatArray) -> None:
        self.scale = float(in_policy[0])

    def do_write_batch(self) -> bool:
        return False

    def sample_platform(self, out_sample: FloatArray) -> None:
        out_sample[0] = self.pio.sample(self.time_idx) * self.scale
        out_sample[1] = self.instance

    def trace_names(self) -> Sequence[str]:
        return ["SCALE"]

    def trace_values(self, values: FloatArray) -> None:
        values[0] = self.scale


class FailingHook(Agent):
    """Raises in adjust_platform(), as a buggy agent would."""

    name = "py_failing_hook"
    policy_names = ()
    sample_names = ()

    def adjust_platform(self, in_policy: FloatArray) -> None:
        raise ValueError("adjust_platform refused on purpose")


class NoPolicyNames(Agent):
    """Declares no policy_names: registration must refuse it."""

    name = "py_no_policy_names"
    sample_names = ()


class Reader(Agent):
    """Only reads (TIME): a composite member that this VM's GEOPM can run."""

    name = "py_reader"
    policy_names = ()
    sample_names = ("ELAPSED",)

    def __init__(self) -> None:
        self.periods = 0
        self.time = math.nan

    def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
        self.pio = geopm_bridge.platform_io()
        self.time_idx = self.pio.push_signal("TIME", "board", 0)

    def sample_platform(self, out_sample: FloatArray) -> None:
        self.periods += 1
        self.time = self.pio.sample(self.time_idx)
        out_sample[0] = self.time

    def report_host(self) -> list[tuple[str, str]]:
        return [("Reader periods", str(self.periods))]

    def trace_names(self) -> Sequence[str]:
        return ["READER_TIME"]

    def trace_values(self, values: FloatArray) -> None:
        values[0] = self.time
