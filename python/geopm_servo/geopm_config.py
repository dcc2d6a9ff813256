"""The ``geopm`` section of servo's ``config.yaml``: which policy values servo may set.

Each configured policy name of the job's agent is one servo range setting
of a component; every error names the key at fault.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geopm_servo.config import config_section
from geopm_servo.layout import CONFIG_FILE
from geopm_servo.protocol import JsonObject, ProtocolError

#: The driver's name: its section in config.yaml and the first word of its version.
NAME = "geopm"
#: Seconds to wait for the controller to apply a policy when the config gives no timeout.
DEFAULT_TIMEOUT = 30.0

_SECTION_KEYS = ("agent", "endpoint", "timeout", "settings")
_SETTING_KEYS = ("component", "setting", "min", "max", "step", "unit", "default", "enforced")

#: The sample name that shows the value an agent enforces for a policy name, for the
#: built-in agents whose sample has one (``enforced:`` of a setting names it for others).
ENFORCED_SAMPLES = {("power_governor", "CPU_POWER_LIMIT"): "POWER_AVERAGE_ENFORCED"}


def _bad_config(key: str, problem: str) -> ProtocolError:
    return ProtocolError(f"{CONFIG_FILE}: {NAME}.{key}: {problem}", reason="bad-config")


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad_config(key, f"must be a finite number, not {value!r}")
    return float(value)


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad_config(key, f"must be a non-empty string, not {value!r}")
    return value


def format_value(value: float) -> str:
    """Show a policy value the way a person writes it: ``200``, ``2.5``, ``NAN``."""
    if math.isnan(value):
        return "NAN"
    return str(int(value)) if value.is_integer() else repr(value)


def _json_number(value: float) -> int | float:
    # Whole numbers go out as JSON integers: servo checks the step only for integers.
    return int(value) if value.is_integer() else value


@dataclass(frozen=True)
class SettingSpec:
    """One policy name of the agent, shown to servo as a range setting of a component."""

    #: The agent's policy name, e.g. ``CPU_POWER_LIMIT``.
    policy: str
    #: Servo component the setting belongs to.
    component: str
    #: Servo setting name.
    setting: str
    minimum: float
    maximum: float
    step: float
    unit: str | None = None
    #: Value reported while the agent's sample does not show the value it enforces,
    #: the policy value is NaN and none was written (default: minimum).
    default: float | None = None
    #: The agent's sample name that shows the value it enforces (None: the built-in one).
    enforced: str | None = None

    @classmethod
    def from_config(cls, policy: str, entry: Any) -> SettingSpec:
        """Build from the config entry ``settings.POLICY``; errors name the key."""
        key = f"settings.{policy}"
        if not isinstance(entry, dict):
            raise _bad_config(key, "must be a mapping with component, min, max and step")
        for name in entry:
            if name not in _SETTING_KEYS:
                raise _bad_config(
                    f"{key}.{name}", f"unknown key (known: {', '.join(_SETTING_KEYS)})"
                )
        for name in ("component", "min", "max", "step"):
            if name not in entry:
                raise _bad_config(f"{key}.{name}", "missing")
        spec = cls(
            policy=policy,
            component=_text(entry["component"], f"{key}.component"),
            setting=_text(entry.get("setting", policy), f"{key}.setting"),
            minimum=_number(entry["min"], f"{key}.min"),
            maximum=_number(entry["max"], f"{key}.max"),
            step=_number(entry["step"], f"{key}.step"),
            unit=None if entry.get("unit") is None else _text(entry["unit"], f"{key}.unit"),
            default=None if "default" not in entry else _number(entry["default"], f"{key}.default"),
            enforced=None
            if entry.get("enforced") is None
            else _text(entry["enforced"], f"{key}.enforced"),
        )
        if spec.minimum >= spec.maximum:
            raise _bad_config(
                key, f"min ({spec.minimum:g}) must be less than max ({spec.maximum:g})"
            )
        if spec.step <= 0:
            raise _bad_config(f"{key}.step", "must be greater than 0")
        problem = None if spec.default is None else spec.value_problem(spec.default)
        if problem:
            raise _bad_config(f"{key}.default", problem)
        return spec

    @property
    def label(self) -> str:
        """``setting 'power_cap' of component 'node'``, for messages."""
        return f"setting '{self.setting}' of component '{self.component}'"

    def value_problem(self, value: float) -> str | None:
        """Why ``value`` is not allowed (outside the range, off the step grid), or None."""
        if not self.minimum <= value <= self.maximum:
            return (
                f"{format_value(value)} is out of range [{format_value(self.minimum)}, "
                f"{format_value(self.maximum)}]"
            )
        steps = (value - self.minimum) / self.step
        if abs(steps - round(steps)) > 1e-9 * max(1.0, abs(steps)):
            return (
                f"{format_value(value)} is not min {format_value(self.minimum)} plus a "
                f"multiple of step {format_value(self.step)}"
            )
        return None

    def nearest(self, value: float) -> float:
        """The allowed value nearest ``value``: within ``[min, max]``, ``min`` plus a
        multiple of ``step`` (servo checks both in a description)."""
        inside = min(max(value, self.minimum), self.maximum)
        steps = math.floor((inside - self.minimum) / self.step + 0.5)
        top = math.floor((self.maximum - self.minimum) / self.step + 1e-9)
        return self.minimum + min(max(steps, 0), top) * self.step

    def describe(self, value: float) -> JsonObject:
        """The servo description of this setting with the given current value."""
        doc: JsonObject = {
            "type": "range",
            "value": _json_number(value),
            "min": _json_number(self.minimum),
            "max": _json_number(self.maximum),
            "step": _json_number(self.step),
        }
        if self.unit is not None:
            doc["unit"] = self.unit
        return doc


@dataclass(frozen=True)
class DriverConfig:
    """The driver's section of ``config.yaml``."""

    agent: str
    endpoint: str
    timeout: float
    settings: tuple[SettingSpec, ...]

    @classmethod
    def from_section(cls, section: Mapping[str, Any]) -> DriverConfig:
        """Check a ``geopm`` section; errors (reason ``bad-config``) name the key."""
        for key in section:
            if key not in _SECTION_KEYS:
                raise _bad_config(str(key), f"unknown key (known: {', '.join(_SECTION_KEYS)})")
        for key in ("agent", "endpoint", "settings"):
            if section.get(key) is None:
                raise _bad_config(key, "missing")
        timeout = _number(section.get("timeout", DEFAULT_TIMEOUT), "timeout")
        if timeout <= 0:
            raise _bad_config("timeout", "must be greater than 0")
        entries = section["settings"]
        if not isinstance(entries, dict) or not entries:
            raise _bad_config("settings", "must map at least one policy name to a setting")
        specs = tuple(SettingSpec.from_config(str(name), e) for name, e in entries.items())
        seen: dict[tuple[str, str], str] = {}
        for spec in specs:
            other = seen.setdefault((spec.component, spec.setting), spec.policy)
            if other != spec.policy:
                raise _bad_config(f"settings.{spec.policy}", f"{spec.label} is used by {other} too")
        endpoint = os.path.expanduser(_text(section["endpoint"], "endpoint"))
        return cls(
            agent=_text(section["agent"], "agent"),
            endpoint=endpoint,
            timeout=timeout,
            settings=specs,
        )

    def enforced_name(self, spec: SettingSpec) -> str | None:
        """The sample name showing the value the agent enforces for ``spec``, if known."""
        return spec.enforced or ENFORCED_SAMPLES.get((self.agent, spec.policy))

    def find(self, component: str, setting: str) -> SettingSpec | None:
        """The spec servo calls ``setting`` of ``component``, if configured."""
        for spec in self.settings:
            if spec.component == component and spec.setting == setting:
                return spec
        return None


def load_config(path: str = CONFIG_FILE) -> DriverConfig:
    """Read and check the ``geopm`` section of ``config.yaml`` (a missing file is named)."""
    if not os.path.exists(path):
        raise ProtocolError(
            f"{path} not found in {os.getcwd()}: the {NAME} driver reads its '{NAME}' section "
            "there (run it in servo's directory)",
            reason="bad-config",
        )
    return DriverConfig.from_section(config_section(NAME, path))
