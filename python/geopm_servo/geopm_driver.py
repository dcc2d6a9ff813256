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
                          min: 50, max: 200, step: 10, unit: W}

Commands::

    servo-adjust-geopm --version            geopm 1.0
    servo-adjust-geopm --info [APP]         {"version":"geopm 1.0","has_cancel":true}
    servo-adjust-geopm --query [APP]        the values the agent enforces, as servo settings
    servo-adjust-geopm APP < settings.json  write a new policy, wait until it is applied

See ``docs/servo.md`` ("The GEOPM adjust driver") for the details.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping, Sequence

from geopm_servo import protocol
from geopm_servo.command import (
    EXIT_OK,
    ArgumentParser,
    UsageError,
    driver_parser,
    exit_code_for,
    interrupted_status,
    run_main,
)
from geopm_servo.endpoint_client import Endpoint, Sample
from geopm_servo.geopm_config import NAME, DriverConfig, SettingSpec, format_value, load_config
from geopm_servo.interrupts import Interrupted, Interrupts
from geopm_servo.layout import CONFIG_FILE
from geopm_servo.protocol import JsonObject, ProtocolError

#: Version of the driver.
VERSION = "1.0"
#: Name of the console script.
PROG = "servo-adjust-geopm"
#: Seconds between two looks at the sample file while waiting.
POLL_INTERVAL = 0.05
#: Longest silence, in seconds, while waiting (shortened to fit OPTUNE_IO_TIMEOUT).
PROGRESS_INTERVAL = 1.0

# --- the controller ---------------------------------------------------------------


def check_controller(
    endpoint: Endpoint, config: DriverConfig, sample: Sample, *, running: bool = True
) -> None:
    """Make sure the controller behind ``sample`` runs the configured agent, has every
    configured policy name and (if ``running``) still runs; raise :class:`ProtocolError`."""
    if sample.agent != config.agent:
        raise ProtocolError(
            f"the controller at endpoint {endpoint.prefix} runs agent '{sample.agent}', "
            f"but {CONFIG_FILE} configures agent '{config.agent}' ({NAME}.agent)",
            reason="agent-mismatch",
        )
    missing = [spec.policy for spec in config.settings if spec.policy not in sample.policy]
    if missing:
        known = ", ".join(sample.policy) or "none"
        raise ProtocolError(
            f"{CONFIG_FILE}: {NAME}.settings: agent '{sample.agent}' has no policy "
            f"{', '.join(missing)} (its policy names: {known})",
            reason="bad-config",
        )
    if running and not sample.running:
        raise ProtocolError(
            f"the controller at endpoint {endpoint.prefix} is not running "
            f"({endpoint.sample_path} says its job has ended)",
            reason="controller-not-running",
        )
    if running:
        check_alive(endpoint, config, sample)


def silence(sample: Sample) -> float:
    """Seconds since the controller last wrote its sample file (0 when it gives no time)."""
    return 0.0 if sample.timestamp is None else max(0.0, time.time() - sample.timestamp)


def check_alive(endpoint: Endpoint, config: DriverConfig, sample: Sample) -> None:
    """A controller writes its sample file every control period (at most every 50 ms):
    one silent for longer than the configured timeout died without saying so."""
    quiet = silence(sample)
    if sample.running and quiet > config.timeout:
        raise ProtocolError(
            f"the controller at endpoint {endpoint.prefix} has died: {endpoint.sample_path} "
            f"still says it is running but was last written {quiet:.0f} s ago (more than "
            f"{NAME}.timeout, {config.timeout:g} s)",
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


def enforced_value(config: DriverConfig, spec: SettingSpec, sample: Sample) -> float:
    """The value the agent enforces for ``spec`` as its sample shows it (NaN if it does not)."""
    name = config.enforced_name(spec)
    return math.nan if name is None else sample.values.get(name, math.nan)


def reported_value(
    config: DriverConfig, spec: SettingSpec, sample: Sample, written: Mapping[str, float]
) -> float:
    """What ``--query`` reports for ``spec``: the value the agent enforces.

    That is the agent's sample value showing it (see
    :func:`enforced_value`), else the policy value in force, else (NaN: the
    agent's default, which its sample does not show) the last value written
    to the policy file, else the setting's ``default``, else its ``min``.
    It is brought to the nearest allowed value (within ``[min, max]``, on
    the step grid) so that the description stays valid for servo.
    """
    candidates = (
        enforced_value(config, spec, sample),
        sample.policy[spec.policy],
        written.get(spec.policy, math.nan),
        spec.minimum if spec.default is None else spec.default,
    )
    value = next((v for v in candidates[:-1] if math.isfinite(v)), candidates[-1])
    return spec.nearest(value)


def cmd_query(config: DriverConfig) -> JsonObject:
    """The ``--query`` reply: the values the agent enforces, as servo components and settings
    (see :func:`reported_value`)."""
    endpoint = Endpoint(config.endpoint)
    sample = live_sample(endpoint, config)
    _, written = endpoint.read_policy_file()
    components: dict[str, JsonObject] = {}
    for spec in config.settings:
        value = reported_value(config, spec, sample, written)
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
            f"'{NAME}' section of {CONFIG_FILE}",
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
                    f"the '{NAME}' section of {CONFIG_FILE}",
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
        #: When the wait for the controller began (monotonic seconds).
        self.start = time.monotonic()
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
        self.start = time.monotonic()
        applied = self.wait_applied(seq, wanted)
        warnings = self.clamped(wanted, applied)
        for warning in warnings:
            protocol.print_progress(95, warning)
        protocol.print_progress(100, f"applied: {shown}")
        message = f"{shown} in force (endpoint {self.endpoint.prefix})"
        return protocol.status_document("ok", "success", "; ".join([message, *warnings]))

    def clamped(self, wanted: Mapping[str, float], applied: Sample) -> list[str]:
        """Warnings for requested values the agent enforces otherwise (brought within what
        the platform can do), read from the first sample written after ``applied``."""
        specs = [
            spec
            for spec in self.config.settings
            if spec.policy in wanted and self.config.enforced_name(spec) is not None
        ]
        if not specs:
            return []
        sample = self.wait_next_sample(applied)
        if sample is None:
            return []
        warnings = []
        for spec in specs:
            enforced = enforced_value(self.config, spec, sample)
            value = wanted[spec.policy]
            if math.isfinite(enforced) and not math.isclose(
                enforced, value, rel_tol=1e-6, abs_tol=1e-6
            ):
                warnings.append(
                    f"warning: {spec.label} ({spec.policy}) is {format_value(value)} but the "
                    f"agent enforces {format_value(enforced)}, what the platform can do: keep "
                    f"{NAME}.settings.{spec.policy} min/max in {CONFIG_FILE} within it"
                )
        return warnings

    def wait_next_sample(self, after: Sample) -> Sample | None:
        """The first sample written after ``after`` (None if none comes within the timeout)."""
        while time.monotonic() - self.start < self.config.timeout:
            self.interrupts.check()
            sample = self.endpoint.read_sample()
            newer = (sample.timestamp or 0.0) > (after.timestamp or 0.0)
            if newer or not sample.running:
                return sample
            time.sleep(POLL_INTERVAL)
        return None

    def wait_applied(self, seq: int, wanted: Mapping[str, float]) -> Sample:
        """Poll the sample file until policy ``seq`` is in force and return that sample;
        raise on timeout or error."""
        prefix = self.endpoint.prefix
        timeout = self.config.timeout
        start = self.start
        last_output = time.monotonic()
        while True:
            self.interrupts.check()
            sample = self.endpoint.read_sample()
            check_controller(self.endpoint, self.config, sample, running=False)
            if sample.policy_seq >= seq:
                conflict = conflicts(sample, wanted)
                if conflict:
                    raise ProtocolError(
                        f"the controller at endpoint {prefix} took a newer policy from another "
                        f"writer: {'; '.join(conflict)}",
                        reason="superseded",
                    )
                return sample
            if not sample.running:
                raise ProtocolError(
                    f"the controller at endpoint {prefix} stopped before applying the new "
                    f"policy ({self.endpoint.sample_path} says its job has ended)",
                    reason="controller-not-running",
                )
            now = time.monotonic()
            elapsed = now - start
            if elapsed >= timeout:
                # A live controller writes its sample file every period: one silent
                # for the second half of the wait died (its period cannot be that long).
                quiet = silence(sample)
                if sample.running and quiet >= elapsed / 2:
                    raise ProtocolError(
                        f"the controller at endpoint {prefix} has died: "
                        f"{self.endpoint.sample_path} still says it is running but was last "
                        f"written {quiet:.1f} s ago, while the new policy waited {elapsed:.1f} s",
                        reason="controller-not-running",
                    )
                raise ProtocolError(
                    f"the controller at endpoint {prefix} did not apply the new policy within "
                    f"{timeout:g} s (its stderr names rejected policy updates)",
                    reason="timeout",
                )
            if now - last_output >= self.progress_interval:
                last_output = now
                protocol.print_progress(
                    10 + int(85 * elapsed / timeout),
                    f"waiting for the controller to apply seq {seq} ({elapsed:.0f} s)",
                )
            time.sleep(POLL_INTERVAL)


# --- command line --------------------------------------------------------------------


def build_parser() -> ArgumentParser:
    """The command-line parser of ``servo-adjust-geopm``."""
    parser = driver_parser(
        PROG,
        description=(
            "Servo adjust driver that sets the policy of a running geopm-bridge controller "
            "through its endpoint. Run it where config.yaml is (servo's directory)."
        ),
        usage=(
            "%(prog)s --version\n"
            "       %(prog)s --info [APP]\n"
            "       %(prog)s --query [APP]   (or --describe [APP])\n"
            "       %(prog)s APP < settings.json"
        ),
        query_help="print the policy in force as servo settings",
    )
    parser.add_argument("app", nargs="?", metavar="APP", help="application id")
    return parser


def _check_args(args: argparse.Namespace) -> None:
    # As upstream's adjust base: --version, --info and --query need no app id.
    if not (args.version or args.info or args.query) and args.app is None:
        raise UsageError("expected the application id")


def _serve(args: argparse.Namespace, interrupts: Interrupts) -> int:
    if args.version:
        print(f"{NAME} {VERSION}", flush=True)
        return EXIT_OK
    if args.info:
        protocol.write_json({"version": f"{NAME} {VERSION}", "has_cancel": True})
        return EXIT_OK
    if args.query:
        return protocol.report(cmd_query(load_config()), EXIT_OK)
    adjuster: Adjuster | None = None
    try:
        # Signals count only while adjusting; servo sends SIGUSR1 only then.
        interrupts.install()
        request = protocol.parse_settings(interrupts.read_stdin())
        adjuster = Adjuster(load_config(), interrupts)
        return protocol.report(adjuster.run(request), EXIT_OK)
    except Interrupted as exc:
        return protocol.report(interrupted_status(exc, _written_note(adjuster)), exit_code_for(exc))


def _written_note(adjuster: Adjuster | None) -> str:
    """What an interrupted adjust run leaves behind, for servo's status line."""
    if adjuster is None or adjuster.written_seq is None:
        return "nothing was written"
    return (
        f"policy seq {adjuster.written_seq} was already written to "
        f"{adjuster.endpoint.policy_path} and may still be applied by the controller"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``servo-adjust-geopm``; returns the exit code."""
    return run_main(build_parser(), argv, _check_args, _serve)


if __name__ == "__main__":
    sys.exit(main())
