"""Servo adjust driver for the policy of a running geopm-bridge controller.

Installed as the console script ``servo-adjust-geopm``; it is meant to be
placed in servo's ``adjust.d/`` (or used alone as ``./adjust``) and reads the
``geopm`` section of ``config.yaml`` in the current directory::

    geopm:
      agent: power_governor        # the agent of the running controller
      endpoint: /tmp/job/endpoint  # its --geopm-endpoint prefix
      timeout: 30                  # seconds to wait for a policy to be applied
      settings:
        CPU_POWER_LIMIT: {component: node, setting: power_cap,
                          min: 50, max: 300, step: 10, unit: W}

Commands::

    servo-adjust-geopm --version            geopm 1.0
    servo-adjust-geopm --info APP           {"version":"geopm 1.0","has_cancel":true}
    servo-adjust-geopm --query APP          the policy in force, as servo settings
    servo-adjust-geopm APP < settings.json  write a new policy, wait until it is applied

See ``docs/servo.md`` ("The GEOPM adjust driver") for the details.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geopm_servo import protocol
from geopm_servo.endpoint_client import Endpoint, Sample
from geopm_servo.protocol import JsonObject, ProtocolError
from geopm_servo.runner import Interrupted, Interrupts, signal_name

#: The driver's name: its section in config.yaml and the first word of its version.
NAME = "geopm"
#: Version of the driver.
VERSION = "1.0"
#: Name of the console script.
PROG = "servo-adjust-geopm"
#: Seconds to wait for the controller to apply a policy when the config gives no timeout.
DEFAULT_TIMEOUT = 30.0
#: Seconds between two looks at the sample file while waiting.
POLL_INTERVAL = 0.05
#: Longest silence, in seconds, while waiting (shortened to fit OPTUNE_IO_TIMEOUT).
PROGRESS_INTERVAL = 1.0

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_SECTION_KEYS = ("agent", "endpoint", "timeout", "settings")
_SETTING_KEYS = ("component", "setting", "min", "max", "step", "unit", "default")


# --- configuration -------------------------------------------------------------


def _bad_config(key: str, problem: str) -> ProtocolError:
    return ProtocolError(f"{protocol.CONFIG_FILE}: {NAME}.{key}: {problem}", reason="bad-config")


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
    #: Value reported while the policy value is NaN and none was written (default: minimum).
    default: float | None = None

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

    def find(self, component: str, setting: str) -> SettingSpec | None:
        """The spec servo calls ``setting`` of ``component``, if configured."""
        for spec in self.settings:
            if spec.component == component and spec.setting == setting:
                return spec
        return None


def load_config(path: str = protocol.CONFIG_FILE) -> DriverConfig:
    """Read and check the ``geopm`` section of ``config.yaml``."""
    return DriverConfig.from_section(protocol.config_section(NAME, path))


# --- the controller ---------------------------------------------------------------


def check_controller(
    endpoint: Endpoint, config: DriverConfig, sample: Sample, *, running: bool = True
) -> None:
    """Make sure the controller behind ``sample`` runs the configured agent, has every
    configured policy name and (if ``running``) still runs; raise :class:`ProtocolError`."""
    if sample.agent != config.agent:
        raise ProtocolError(
            f"the controller at endpoint {endpoint.prefix} runs agent '{sample.agent}', "
            f"but {protocol.CONFIG_FILE} configures agent '{config.agent}' ({NAME}.agent)",
            reason="agent-mismatch",
        )
    missing = [spec.policy for spec in config.settings if spec.policy not in sample.policy]
    if missing:
        known = ", ".join(sample.policy) or "none"
        raise ProtocolError(
            f"{protocol.CONFIG_FILE}: {NAME}.settings: agent '{sample.agent}' has no policy "
            f"{', '.join(missing)} (its policy names: {known})",
            reason="bad-config",
        )
    if running and not sample.running:
        raise ProtocolError(
            f"the controller at endpoint {endpoint.prefix} is not running "
            f"({endpoint.sample_path} says its job has ended)",
            reason="controller-not-running",
        )


def live_sample(endpoint: Endpoint, config: DriverConfig) -> Sample:
    """Read the sample file and check it with :func:`check_controller`."""
    sample = endpoint.read_sample()
    check_controller(endpoint, config, sample)
    return sample


def conflicts(sample: Sample, wanted: Mapping[str, float]) -> list[str]:
    """The policy values in force that differ from ``wanted``, as ``NAME is X, not Y``."""
    found = []
    for name, value in wanted.items():
        current = sample.policy.get(name, math.nan)
        if not math.isclose(current, value, rel_tol=1e-12, abs_tol=1e-12):
            found.append(f"{name} is {format_value(current)}, not {format_value(value)}")
    return found


# --- commands ---------------------------------------------------------------------


def cmd_query(config: DriverConfig) -> JsonObject:
    """The ``--query`` reply: the policy in force, as servo components and settings.

    A NaN (unset) value is reported as the last value written to the policy
    file, else the setting's ``default``, else its ``min``; values outside
    ``[min, max]`` are clamped so that the description stays valid.
    """
    endpoint = Endpoint(config.endpoint)
    sample = live_sample(endpoint, config)
    _, written = endpoint.read_policy_file()
    components: dict[str, JsonObject] = {}
    for spec in config.settings:
        value = sample.policy[spec.policy]
        if math.isnan(value):
            value = written.get(spec.policy, math.nan)
        if math.isnan(value):
            value = spec.minimum if spec.default is None else spec.default
        value = min(max(value, spec.minimum), spec.maximum)
        comp = components.setdefault(spec.component, {"settings": {}})
        comp["settings"][spec.setting] = spec.describe(value)
    return {"application": {"components": components}}


def requested_values(config: DriverConfig, request: JsonObject) -> dict[str, float]:
    """Map the settings of an adjust request to policy values, checking each one.

    Raises :class:`ProtocolError` with status ``rejected`` for a setting that
    is not configured (reason ``unknown-setting``), a value that is not a
    number (``invalid-value``) or is outside the range or off the step grid
    (``out-of-range``).
    """
    app = request["application"]
    app_settings = app.get("settings") or {}
    if app_settings:
        raise ProtocolError(
            f"app-wide setting(s) {', '.join(sorted(app_settings))} not configured in the "
            f"'{NAME}' section of {protocol.CONFIG_FILE}",
            status="rejected",
            reason="unknown-setting",
        )
    values: dict[str, float] = {}
    for comp_name, comp in app["components"].items():
        for set_name, setting in (comp.get("settings") or {}).items():
            spec = config.find(comp_name, set_name)
            if spec is None:
                raise ProtocolError(
                    f"setting '{set_name}' of component '{comp_name}' is not configured in "
                    f"the '{NAME}' section of {protocol.CONFIG_FILE}",
                    status="rejected",
                    reason="unknown-setting",
                )
            raw = setting["value"]
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
                raise ProtocolError(
                    f"{spec.label}: value {raw!r} is not a number",
                    status="rejected",
                    reason="invalid-value",
                )
            problem = spec.value_problem(float(raw))
            if problem:
                raise ProtocolError(
                    f"{spec.label} ({spec.policy}): {problem}",
                    status="rejected",
                    reason="out-of-range",
                )
            values[spec.policy] = float(raw)
    return values


class Adjuster:
    """``adjust APP``: write the new policy and follow the controller until it applies it."""

    def __init__(self, config: DriverConfig, interrupts: Interrupts) -> None:
        self.config = config
        self.interrupts = interrupts
        self.endpoint = Endpoint(config.endpoint)
        #: Seq of the policy this run wrote, once written.
        self.written_seq: int | None = None
        io = protocol.io_timeout()
        self.progress_interval = PROGRESS_INTERVAL if io is None else min(PROGRESS_INTERVAL, io / 4)

    def run(self, request: JsonObject) -> JsonObject:
        """Carry out the request; returns the status document (raises on errors)."""
        wanted = requested_values(self.config, request)
        if not wanted:
            protocol.print_progress(100, "nothing to adjust")
            return protocol.status_document("ok", "no-settings-to-adjust", "no settings to adjust")
        shown = ", ".join(f"{name}={format_value(v)}" for name, v in wanted.items())
        protocol.print_progress(0, f"setting {shown}")
        sample = live_sample(self.endpoint, self.config)
        file_seq, _ = self.endpoint.read_policy_file()
        seq = max(sample.policy_seq, file_seq) + 1
        # Policy names servo does not control keep the values in force.
        policy = dict(sample.policy)
        policy.update(wanted)
        self.interrupts.check()
        self.endpoint.write_policy(seq, policy)
        self.written_seq = seq
        protocol.print_progress(
            10,
            f"policy seq {seq} written to {self.endpoint.policy_path}, waiting for the controller",
        )
        self.wait_applied(seq, wanted)
        protocol.print_progress(100, f"applied: {shown}")
        return protocol.status_document(
            "ok", "success", f"{shown} in force (policy seq {seq}, endpoint {self.endpoint.prefix})"
        )

    def wait_applied(self, seq: int, wanted: Mapping[str, float]) -> None:
        """Poll the sample file until policy ``seq`` is in force; raise on timeout or error."""
        prefix = self.endpoint.prefix
        timeout = self.config.timeout
        start = last_output = time.monotonic()
        while True:
            self.interrupts.check()
            sample = self.endpoint.read_sample()
            check_controller(self.endpoint, self.config, sample, running=False)
            if sample.policy_seq >= seq:
                conflict = conflicts(sample, wanted)
                if conflict:
                    raise ProtocolError(
                        f"the controller at endpoint {prefix} took a newer policy (seq "
                        f"{sample.policy_seq}) from another writer: {'; '.join(conflict)}",
                        reason="superseded",
                    )
                return
            if not sample.running:
                raise ProtocolError(
                    f"the controller at endpoint {prefix} stopped before applying policy "
                    f"seq {seq} ({self.endpoint.sample_path} says its job has ended)",
                    reason="controller-not-running",
                )
            now = time.monotonic()
            elapsed = now - start
            if elapsed >= timeout:
                raise ProtocolError(
                    f"the controller at endpoint {prefix} did not apply policy seq {seq} "
                    f"within {timeout:g} s (it is at seq {sample.policy_seq}; its stderr "
                    "names rejected policy updates)",
                    reason="timeout",
                )
            if now - last_output >= self.progress_interval:
                last_output = now
                protocol.print_progress(
                    10 + int(85 * elapsed / timeout),
                    f"waiting for the controller to apply seq {seq} ({elapsed:.0f} s)",
                )
            time.sleep(POLL_INTERVAL)


def interrupted_status(exc: Interrupted, note: str | None = None) -> JsonObject:
    """Status document for a cancel (SIGUSR1) or terminate (SIGTERM, SIGINT) request."""
    status = "terminated" if exc.kind == "terminate" else "canceled"
    message = f"{status} by {signal_name(exc.signum)}"
    if note:
        message += f"; {note}"
    return protocol.status_document(status, status, message)


# --- command line --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``servo-adjust-geopm``."""
    parser = protocol.driver_parser(
        PROG,
        description=(
            "Servo adjust driver that sets the policy of a running geopm-bridge controller "
            "through its endpoint. Run it where config.yaml is (servo's directory)."
        ),
        usage=(
            "%(prog)s --version\n"
            "       %(prog)s --info APP\n"
            "       %(prog)s --query APP   (or --describe APP)\n"
            "       %(prog)s APP < settings.json"
        ),
        query_help="print the policy in force as servo settings",
    )
    parser.add_argument("app", nargs="?", metavar="APP", help="application id")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``servo-adjust-geopm``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        modes = [m for m in ("version", "info", "query") if getattr(args, m)]
        if len(modes) > 1:
            raise protocol.UsageError("use only one of --version, --info, --query")
        if not args.version and args.app is None:
            raise protocol.UsageError("expected the application id")
    except protocol.UsageError as exc:
        parser.print_usage(sys.stderr)
        protocol.write_json(protocol.status_document("failed", "usage", f"{PROG}: {exc}"))
        return EXIT_USAGE

    if args.version:
        print(f"{NAME} {VERSION}", flush=True)
        return EXIT_OK
    if args.info:
        protocol.write_json({"version": f"{NAME} {VERSION}", "has_cancel": True})
        return EXIT_OK

    interrupts = Interrupts()
    adjuster: Adjuster | None = None
    try:
        if args.query:
            return protocol.report(cmd_query(load_config()), EXIT_OK)
        # Signals count only while adjusting; servo sends SIGUSR1 only then.
        interrupts.install()
        request = protocol.parse_settings(interrupts.read_stdin())
        adjuster = Adjuster(load_config(), interrupts)
        return protocol.report(adjuster.run(request), EXIT_OK)
    except Interrupted as exc:
        if adjuster is None or adjuster.written_seq is None:
            note = "nothing was written"
        else:
            note = (
                f"policy seq {adjuster.written_seq} was already written to "
                f"{adjuster.endpoint.policy_path} and may still be applied by the controller"
            )
        return protocol.report(interrupted_status(exc, note), _exit_code(exc))
    except ProtocolError as exc:
        return protocol.report(exc.to_status(), EXIT_FAILED)
    except Exception as exc:  # noqa: BLE001 - servo must get a status line, not a traceback
        if args.debug:
            traceback.print_exc()
        return protocol.report(protocol.internal_error_status(PROG, exc), EXIT_FAILED)
    finally:
        interrupts.restore()


def _exit_code(exc: Interrupted) -> int:
    return 128 + exc.signum if exc.kind == "terminate" else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
