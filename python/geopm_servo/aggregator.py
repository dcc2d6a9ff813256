"""Adjust-driver aggregator for the servo (Optune) agent.

Several adjust drivers, placed as executables in ``adjust.d/`` of servo's
directory, are presented to servo as one adjust driver.  Installed as the
console script ``servo-adjust-aggregator`` and placed (or linked) as
``./adjust`` next to ``config.yaml``::

    adjust --version            aggregator 2.0 (ec2asg 1.3, winec2 0.9)
    adjust --info APP           {"version":"...","has_cancel":true}
    adjust --query APP          merged description of all drivers (alias --describe)
    adjust APP < settings.json  every driver adjusts its own settings, in file name order
    adjust init DIR             lay out a new servo directory

See ``docs/servo.md`` for the details.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NoReturn

from geopm_servo import protocol
from geopm_servo.protocol import JsonObject, ProtocolError
from geopm_servo.runner import (
    KILL_GRACE,
    Interrupted,
    Interrupts,
    RunResult,
    describe_exit,
    run_driver,
    signal_name,
)

#: Name of the aggregator, as shown by ``--version``.
NAME = "aggregator"
#: Version of the aggregator.
VERSION = "2.0"
#: Directory (relative to servo's directory, the current one) holding the drivers.
DRIVERS_DIR = "adjust.d"
#: Name of the console script.
PROG = "servo-adjust-aggregator"

#: File name endings of editor backups, package-manager leftovers and the like.
IGNORED_SUFFIXES = (
    "~",
    ".bak",
    ".backup",
    ".old",
    ".orig",
    ".rej",
    ".tmp",
    ".swp",
    ".swo",
    ".swn",
    ".swx",
    ".save",
    ".dpkg-dist",
    ".dpkg-new",
    ".dpkg-old",
    ".dpkg-tmp",
    ".rpmnew",
    ".rpmorig",
    ".rpmsave",
)

_ORDER_PREFIX = re.compile(r"^[0-9]+[-_.]?")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


# --- discovery ---------------------------------------------------------------


def is_ignored_name(name: str) -> bool:
    """Tell whether a file in ``adjust.d`` is skipped because of its name.

    Hidden files (dot-files), Emacs auto-save files (``#name#``) and editor
    or package-manager backups (``name~``, ``name.bak``, ``name.swp``,
    ``name.orig``, ...) are never drivers.
    """
    if name.startswith(".") or (name.startswith("#") and name.endswith("#")):
        return True
    return name.lower().endswith(IGNORED_SUFFIXES)


def name_from_filename(filename: str) -> str:
    """Strip an ordering prefix from a driver's file name: ``01ec2asg`` gives ``ec2asg``."""
    return _ORDER_PREFIX.sub("", filename) or filename


@dataclass(eq=False)
class Driver:
    """One driver found in ``adjust.d``."""

    #: Absolute path of the executable.
    path: str
    #: File name in ``adjust.d``.
    filename: str
    #: Version string the driver reported (``ec2asg 1.3``), once known.
    version: str | None = None
    #: Whether the driver's ``--info`` said ``has_cancel: true``.
    has_cancel: bool = False
    #: The driver's ``--query`` reply, once known.
    query: JsonObject = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The driver's own name: first word of its version string, else its file name.

        An ordering prefix of the file name (``01``, ``10-``) is dropped.
        """
        if self.version:
            words = self.version.split()
            if len(words) >= 2:
                return words[0]
        return name_from_filename(self.filename)

    @property
    def label(self) -> str:
        """The name with the file, for error messages: ``ec2asg (adjust.d/01ec2asg)``."""
        return f"{self.name} ({DRIVERS_DIR}/{self.filename})"

    def version_label(self) -> str:
        """The version as shown in the aggregator's version: always ``name version``."""
        version = (self.version or "").strip()
        if not version:
            return f"{self.name} unknown"
        if len(version.split()) >= 2:
            return version
        return f"{self.name} {version}"


def discover_drivers(directory: str = DRIVERS_DIR) -> list[Driver]:
    """Return the drivers in ``directory``, ordered by file name.

    Drivers are the regular files (symbolic links to them count) with the
    run bit, except the names :func:`is_ignored_name` rejects.  Anything else
    (data files, modules, sub-directories) is left alone.  Raises
    :class:`ProtocolError` (reason ``no-drivers-dir``) when the directory is
    missing or cannot be read.
    """
    where = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise ProtocolError(
            f"drivers directory {where} not found: run the aggregator in servo's "
            f"directory, with the drivers in {DRIVERS_DIR}/",
            reason="no-drivers-dir",
        )
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise ProtocolError(
            f"cannot list drivers directory {where}: {exc.strerror}", reason="no-drivers-dir"
        ) from None
    drivers = []
    for name in names:
        if is_ignored_name(name):
            continue
        path = os.path.join(where, name)
        try:
            st = os.stat(path)
        except OSError:
            continue  # e.g. a dangling symbolic link
        if not stat.S_ISREG(st.st_mode):
            continue
        if not st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
            continue
        if not os.access(path, os.X_OK):
            continue
        drivers.append(Driver(path=path, filename=name))
    return drivers


def child_environment(
    environ: Mapping[str, str], servo_dir: str, drivers_dir: str
) -> dict[str, str]:
    """Return the environment for the drivers: ``environ`` with ``PYTHONPATH`` extended.

    Servo's directory and the drivers directory are appended to whatever
    ``PYTHONPATH`` already holds (nothing is removed or reordered), so that
    drivers find supporting modules placed beside them or beside ``adjust``.
    """
    env = dict(environ)
    current = env.get("PYTHONPATH", "")
    present = current.split(os.pathsep) if current else []
    extra = [p for p in (servo_dir, drivers_dir) if p not in present]
    if extra:
        env["PYTHONPATH"] = os.pathsep.join(([current] if current else []) + extra)
    return env


# --- merging -----------------------------------------------------------------

#: Key of a setting: (component name or None for an app-wide setting, setting name).
SettingKey = tuple[str | None, str]


def _describe_key(key: SettingKey) -> str:
    comp, setting = key
    if comp is None:
        return f"app-wide setting '{setting}'"
    return f"setting '{setting}' of component '{comp}'"


def _as_object(value: Any, what: str, driver: Driver) -> JsonObject:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(
            f"{driver.label}: --query: {what} is not an object", reason="bad-driver-output"
        )
    return value


def normalize_query(driver: Driver, reply: JsonObject) -> JsonObject:
    """Check a driver's ``--query`` reply and return it in the ``{"application": ...}`` form.

    A legacy reply without the ``application`` level is wrapped.
    """
    if "application" not in reply and "components" in reply:
        reply = {"application": reply}
    app = _as_object(reply.get("application"), "'application'", driver)
    comps = _as_object(app.get("components"), "'application.components'", driver)
    for cname, comp in comps.items():
        comp = _as_object(comp, f"component '{cname}'", driver)
        _as_object(comp.get("settings"), f"'settings' of component '{cname}'", driver)
    _as_object(app.get("settings"), "'application.settings'", driver)
    return reply


def merge_queries(drivers: Sequence[Driver]) -> tuple[JsonObject, dict[SettingKey, Driver]]:
    """Merge the ``--query`` replies of ``drivers`` into one description.

    Returns the merged description and the owner (driver) of every setting.
    Components present in several replies are merged; a setting (of a
    component, or app-wide in ``application.settings``) described by two
    drivers raises :class:`ProtocolError` naming both.  Other keys are kept,
    the first driver's value winning (except a reply's own status fields).
    """
    owners: dict[SettingKey, Driver] = {}
    merged_app: JsonObject = {"components": {}}
    merged: JsonObject = {"application": merged_app}

    def claim(key: SettingKey, driver: Driver) -> None:
        first = owners.get(key)
        if first is not None:
            raise ProtocolError(
                f"{_describe_key(key)} is defined by two drivers: {first.label} and {driver.label}",
                reason="duplicate-setting",
            )
        owners[key] = driver

    for driver in drivers:
        reply = driver.query
        app = reply.get("application") or {}
        for akey, avalue in app.items():
            if akey == "components":
                for cname, comp in (avalue or {}).items():
                    target = merged_app["components"].setdefault(cname, {})
                    for ckey, cvalue in (comp or {}).items():
                        if ckey == "settings":
                            settings = target.setdefault("settings", {})
                            for sname, sdesc in (cvalue or {}).items():
                                claim((cname, sname), driver)
                                settings[sname] = sdesc
                        else:
                            target.setdefault(ckey, cvalue)
            elif akey == "settings":
                settings = merged_app.setdefault("settings", {})
                for sname, sdesc in (avalue or {}).items():
                    claim((None, sname), driver)
                    settings[sname] = sdesc
            else:
                merged_app.setdefault(akey, avalue)
        for key, value in reply.items():
            if key not in ("application", "status", "reason", "message"):
                merged.setdefault(key, value)
    return merged, owners


def split_request(
    request: JsonObject, drivers: Sequence[Driver], owners: Mapping[SettingKey, Driver]
) -> list[tuple[Driver, JsonObject]]:
    """Split an adjust request into one request per driver that has something to do.

    Each driver gets the settings it owns (by component, and app-wide), the
    request's ``control`` and any other top-level keys of the request.
    Drivers owning none of the requested settings are left out.  Settings no
    driver owns raise :class:`ProtocolError` (reason ``unknown-settings``).
    """
    comps: dict[Driver, JsonObject] = {}
    app_wide: dict[Driver, JsonObject] = {}
    unowned: list[str] = []
    app = request.get("application") or {}
    for cname, comp in (app.get("components") or {}).items():
        for sname, setting in ((comp or {}).get("settings") or {}).items():
            owner = owners.get((cname, sname))
            if owner is None:
                unowned.append(f"{cname}.{sname}")
                continue
            dcomps = comps.setdefault(owner, {})
            dcomps.setdefault(cname, {"settings": {}})["settings"][sname] = setting
    for sname, setting in (app.get("settings") or {}).items():
        owner = owners.get((None, sname))
        if owner is None:
            unowned.append(f"application.{sname}")
            continue
        app_wide.setdefault(owner, {})[sname] = setting
    if unowned:
        raise ProtocolError(
            f"settings that no driver in {DRIVERS_DIR}/ provides: {', '.join(unowned)}",
            reason="unknown-settings",
        )
    plan = []
    for driver in drivers:
        if driver not in comps and driver not in app_wide:
            continue
        dapp: JsonObject = {"components": comps.get(driver, {})}
        if driver in app_wide:
            dapp["settings"] = app_wide[driver]
        doc: JsonObject = {k: v for k, v in request.items() if k not in ("application", "control")}
        doc["application"] = dapp
        doc["control"] = request.get("control") or {}
        plan.append((driver, doc))
    return plan


# --- progress ----------------------------------------------------------------


class ProgressTracker:
    """Overall progress of a sequence of drivers that each count for an equal share.

    With ``total`` drivers, ``done`` of them complete and the running one at
    ``p`` percent, the overall progress is ``floor((done * 100 + p) / total)``:
    a driver's advance is divided by the number of drivers.  Driver values
    are clamped to 0..100, a driver going backwards is ignored, and the
    reported value never decreases.  After the last driver completes it is
    exactly 100.
    """

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.current = 0.0
        self.reported = 0

    def _overall(self) -> int:
        value = int((self.done * 100 + self.current) // self.total)
        self.reported = max(self.reported, min(value, 100))
        return self.reported

    def update(self, driver_progress: Any) -> int:
        """Take a progress value of the running driver; return the overall progress."""
        try:
            value = float(driver_progress)
        except (TypeError, ValueError):
            return self._overall()
        if value != value:  # NaN
            return self._overall()
        value = min(max(value, 0.0), 100.0)
        self.current = max(self.current, value)
        return self._overall()

    def complete(self) -> int:
        """Record that the running driver finished; return the overall progress."""
        self.done = min(self.done + 1, self.total)
        self.current = 0.0
        return self._overall()


# --- results -----------------------------------------------------------------


@dataclass
class Outcome:
    """The status of one driver's adjust run."""

    driver: Driver
    status: str
    reason: str
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the driver reported success."""
        return self.status == "ok"


def _with_stderr(message: str, stderr: str, environ: Mapping[str, str]) -> str:
    extra = protocol.stderr_for_message(stderr, environ)
    if not extra:
        return message
    return f"{message}\nstderr:\n{extra}" if message else f"stderr:\n{extra}"


def _quote(text: str, limit: int = 200) -> str:
    if len(text) > limit:
        text = text[:limit] + "..."
    return protocol.dumps(text)


def adjust_outcome(
    driver: Driver, run: RunResult, io_wait: float | None, environ: Mapping[str, str]
) -> Outcome:
    """Turn what happened during a driver's adjust run into its status.

    The driver's last non-progress line is its status.  A driver that could
    not be started, printed a line that is not a JSON object, timed out,
    exited non-zero without a status (or with ``ok``), or exited 0 without a
    status line fails.  Failed runs get the driver's stderr appended to the
    message (as servo does, following ``OPTUNE_VERBOSE_STDERR``).
    """
    res = run.result
    if run.spawn_error is not None:
        out = Outcome(driver, "failed", "exec-failed", f"cannot run: {run.spawn_error}")
    elif run.interrupted == "terminate":
        out = Outcome(driver, "terminated", "terminated", "terminated")
    elif run.interrupted == "cancel":
        message = "canceled" if run.cancel_forwarded else "canceled (terminated)"
        if res is not None and isinstance(res.get("message"), str) and res["message"]:
            message = res["message"]
        out = Outcome(driver, "canceled", "canceled", message)
    elif run.bad_output is not None:
        out = Outcome(
            driver,
            "failed",
            "bad-driver-output",
            f"output line is not a JSON object: {_quote(run.bad_output)}; terminated",
        )
    elif run.timed_out:
        killed = ", then killed (SIGKILL)" if run.killed else ""
        timeout = environ.get(protocol.IO_TIMEOUT_ENV, "").strip()
        out = Outcome(
            driver,
            "failed",
            "timeout",
            f"no output for {io_wait:g} s ({protocol.IO_TIMEOUT_ENV}={timeout}); "
            f"terminated{killed}",
        )
    elif res is not None and isinstance(res.get("status"), str) and res["status"]:
        status = str(res["status"])
        raw_reason, raw_message = res.get("reason"), res.get("message")
        reason = raw_reason if isinstance(raw_reason, str) and raw_reason else status
        if isinstance(raw_message, str):
            text = raw_message
        else:
            text = "" if raw_message is None else protocol.dumps(raw_message)
        if status == "ok" and run.returncode != 0:
            out = Outcome(
                driver, "failed", "exit-code", f"reported ok but {describe_exit(run.returncode)}"
            )
        else:
            out = Outcome(driver, status, reason, text)
    elif res is not None:
        out = Outcome(
            driver,
            "failed",
            "bad-driver-output",
            f"result line has no status: {_quote(protocol.dumps(res))}"
            + ("" if run.returncode == 0 else f"; {describe_exit(run.returncode)}"),
        )
    elif run.returncode != 0:
        out = Outcome(
            driver, "failed", "exit-code", f"{describe_exit(run.returncode)} without a status"
        )
    elif run.progress_lines:
        out = Outcome(
            driver, "failed", "no-status", "exited 0 after progress lines only, without a status"
        )
    else:
        out = Outcome(driver, "failed", "nodata", "exited 0 without any output")
    if not out.ok and out.status not in ("canceled", "terminated"):
        out.message = _with_stderr(out.message, run.stderr, environ)
    return out


def combine_outcomes(outcomes: Sequence[Outcome]) -> JsonObject:
    """Combine the drivers' statuses into the aggregator's status document.

    All ok gives ``ok``.  Otherwise ``rejected`` wins over ``failed``, which
    wins over any other status; the message names each driver that was not
    ok with its status, reason and message, and the reasons are joined.
    """
    bad = [o for o in outcomes if not o.ok]
    if not bad:
        names = ", ".join(o.driver.name for o in outcomes)
        return protocol.status_document("ok", "success", f"adjusted by {names}")
    statuses = [o.status for o in bad]
    if "rejected" in statuses:
        status = "rejected"
    elif "failed" in statuses:
        status = "failed"
    else:
        status = statuses[0]
    reasons: list[str] = []
    for o in bad:
        if o.reason not in reasons:
            reasons.append(o.reason)
    message = "\n".join(f"{o.driver.name}: {o.status} ({o.reason}): {o.message}" for o in bad)
    return protocol.status_document(status, ", ".join(reasons), message)


# --- the aggregator ------------------------------------------------------------


class Aggregator:
    """Runs the drivers of ``adjust.d`` on behalf of servo."""

    def __init__(
        self,
        app_id: str | None,
        *,
        interrupts: Interrupts,
        environ: Mapping[str, str] | None = None,
        drivers_dir: str = DRIVERS_DIR,
        out: IO[str] | None = None,
        debug: bool = False,
    ) -> None:
        self.app_id = app_id
        self.interrupts = interrupts
        self.environ = dict(os.environ if environ is None else environ)
        self.drivers_dir = drivers_dir
        self.out = sys.stdout if out is None else out
        self.debug = debug
        timeout = protocol.io_timeout(self.environ)
        #: Longest wait for a driver's line: one second less than OPTUNE_IO_TIMEOUT.
        self.io_wait: float | None = None if timeout is None else max(timeout - 1.0, 0.5)
        #: SIGTERM-to-SIGKILL grace, kept below the I/O wait so that servo never times out.
        self.kill_grace = KILL_GRACE if self.io_wait is None else min(KILL_GRACE, self.io_wait)
        self.child_env = child_environment(self.environ, os.getcwd(), os.path.abspath(drivers_dir))
        self.drivers: list[Driver] = []

    # -- plumbing ------------------------------------------------------------

    def emit(self, doc: JsonObject) -> None:
        """Write one reply line to servo."""
        protocol.write_json(doc, self.out)

    def log(self, message: str) -> None:
        """Write a debugging message to stderr when ``--debug`` is on."""
        if self.debug:
            print(f"{PROG}: {message}", file=sys.stderr, flush=True)

    def discover(self) -> list[Driver]:
        """Find the drivers (see :func:`discover_drivers`)."""
        self.drivers = discover_drivers(self.drivers_dir)
        self.log("drivers: " + ", ".join(d.filename for d in self.drivers))
        return self.drivers

    def _run(self, driver: Driver, args: list[str], **kwargs: Any) -> RunResult:
        self.interrupts.check()
        argv = [driver.path, *args]
        self.log("running " + " ".join(argv))
        run = run_driver(
            argv,
            env=self.child_env,
            io_wait=self.io_wait,
            interrupts=self.interrupts,
            kill_grace=self.kill_grace,
            **kwargs,
        )
        self.log(f"{driver.filename}: {describe_exit(run.returncode)}")
        if run.interrupted is not None:
            self.interrupts.check()
        return run

    def _call_failed(self, driver: Driver, what: str, run: RunResult) -> NoReturn:
        res = run.result or {}
        status = res.get("status")
        status = status if isinstance(status, str) and status and status != "ok" else "failed"
        reason = res.get("reason")
        reason = reason if isinstance(reason, str) and reason else "driver-error"
        parts = [f"{driver.label}: {what} failed"]
        if run.spawn_error is not None:
            parts.append(f"cannot run: {run.spawn_error}")
        elif run.bad_output is not None:
            reason = "bad-driver-output"
            parts.append(f"output line is not a JSON object: {_quote(run.bad_output)}")
        elif run.timed_out:
            reason = "timeout"
            timeout = self.environ.get(protocol.IO_TIMEOUT_ENV, "").strip()
            parts.append(f"no output for {self.io_wait:g} s ({protocol.IO_TIMEOUT_ENV}={timeout})")
        else:
            message = res.get("message")
            if isinstance(message, str) and message:
                parts.append(message)
            if run.returncode != 0:
                parts.append(describe_exit(run.returncode))
            elif not run.result:
                reason = "bad-driver-output"
                parts.append("no reply")
        text = _with_stderr(": ".join(parts), run.stderr, self.environ)
        raise ProtocolError(text, status=status, reason=reason)

    def call_json(self, driver: Driver, option: str, *, keepalive: bool = False) -> JsonObject:
        """Run ``driver option APP`` and return its reply (its last non-progress line).

        A driver that cannot be run, fails, or replies with anything but
        JSON objects raises :class:`ProtocolError` keeping the driver's own
        message and stderr.
        """
        args = [option] if self.app_id is None else [option, self.app_id]
        on_timeout = self._keepalive_on_timeout(driver) if keepalive else None
        run = self._run(driver, args, on_timeout=on_timeout)
        res = run.result
        bad_status = res is not None and res.get("status") not in (None, "ok")
        if (
            run.spawn_error is not None
            or run.bad_output is not None
            or run.timed_out
            or run.returncode != 0
            or res is None
            or bad_status
        ):
            self._call_failed(driver, option, run)
        assert res is not None
        return res

    def _keepalive_on_timeout(self, driver: Driver, progress: int = 0) -> Callable[[], None]:
        def notify() -> None:
            self.emit(
                protocol.progress_document(
                    progress,
                    f"{NAME}: {driver.name}: no output for {self.io_wait:g} s, terminating it",
                )
            )

        return notify

    def load_info(self, driver: Driver) -> None:
        """Ask a driver for its ``--info`` (version and has_cancel)."""
        info = self.call_json(driver, "--info")
        version = info.get("version")
        driver.version = str(version) if version is not None else None
        driver.has_cancel = info.get("has_cancel") is True

    def load_query(self, driver: Driver, *, keepalive: bool = False) -> None:
        """Ask a driver for its ``--query`` reply, passing the real app id."""
        reply = self.call_json(driver, "--query", keepalive=keepalive)
        driver.query = normalize_query(driver, reply)

    def version_string(self) -> str:
        """``aggregator 2.0 (ec2asg 1.3, winec2 0.9)`` for the known driver versions."""
        return f"{NAME} {VERSION} ({', '.join(d.version_label() for d in self.drivers)})"

    # -- commands ------------------------------------------------------------

    def cmd_version(self) -> int:
        """``--version``: one plain-text line with the aggregator's and drivers' versions."""
        for driver in self.discover():
            run = self._run(driver, ["--version"], json_lines=False)
            lines = [ln.strip() for ln in run.stdout.splitlines() if ln.strip()]
            if run.spawn_error is not None or run.timed_out or run.returncode != 0 or not lines:
                self._call_failed(driver, "--version", run)
            driver.version = lines[0]
        self.out.write(self.version_string() + "\n")
        self.out.flush()
        return EXIT_OK

    def cmd_info(self) -> int:
        """``--info APP``: version and ``has_cancel`` (true only if every driver has it)."""
        for driver in self.discover():
            self.load_info(driver)
        has_cancel = bool(self.drivers) and all(d.has_cancel for d in self.drivers)
        self.emit({"version": self.version_string(), "has_cancel": has_cancel})
        return EXIT_OK

    def cmd_query(self) -> int:
        """``--query APP``: the drivers' descriptions merged into one."""
        for driver in self.discover():
            self.load_info(driver)
            self.load_query(driver, keepalive=True)
        merged, _ = merge_queries(self.drivers)
        self.emit(merged)
        return EXIT_OK

    def cmd_adjust(self, request: JsonObject) -> int:
        """``APP`` with settings on stdin: run the drivers that own settings, in order."""
        for driver in self.discover():
            self.emit(protocol.progress_document(0, f"{NAME}: querying {driver.filename}"))
            self.load_info(driver)
            self.load_query(driver, keepalive=True)
        _, owners = merge_queries(self.drivers)
        plan = split_request(request, self.drivers, owners)
        if not plan:
            self.emit(protocol.progress_document(100, f"{NAME}: nothing to adjust"))
            self.emit(
                protocol.status_document("ok", "no-settings-to-adjust", "no settings to adjust")
            )
            return EXIT_OK

        self.log("plan: " + ", ".join(d.filename for d, _ in plan))
        tracker = ProgressTracker(len(plan))
        outcomes: list[Outcome] = []
        for driver, doc in plan:
            try:
                self.interrupts.check()
            except Interrupted as exc:
                return self._interrupted(exc, outcomes, driver=None)
            run = run_driver(
                [driver.path] + ([] if self.app_id is None else [self.app_id]),
                stdin_data=protocol.dumps(doc).encode("utf-8"),
                env=self.child_env,
                io_wait=self.io_wait,
                interrupts=self.interrupts,
                has_cancel=driver.has_cancel,
                on_progress=self._forwarder(driver, tracker),
                on_timeout=self._timeout_notice(driver, tracker),
                kill_grace=self.kill_grace,
            )
            outcome = adjust_outcome(driver, run, self.io_wait, self.environ)
            self.log(f"{driver.filename}: {outcome.status} ({describe_exit(run.returncode)})")
            if run.interrupted is not None:
                outcomes.append(outcome)
                kind = "terminate" if self.interrupts.terminate else "cancel"
                signum = self.interrupts.terminate_signal or self.interrupts.cancel_signal or 0
                return self._interrupted(Interrupted(kind, signum), outcomes, driver=driver)
            outcomes.append(outcome)
            self.emit(
                protocol.progress_document(tracker.complete(), f"{driver.name}: {outcome.status}")
            )
        status = combine_outcomes(outcomes)
        self.emit(status)
        return EXIT_OK if status["status"] == "ok" else EXIT_FAILED

    def _forwarder(self, driver: Driver, tracker: ProgressTracker) -> Callable[[JsonObject], None]:
        def forward(doc: JsonObject) -> None:
            overall = tracker.update(doc.get("progress"))
            message = doc.get("message")
            text = f"{driver.name}: {message}" if isinstance(message, str) and message else None
            self.emit(
                protocol.progress_document(
                    overall, text, stage=doc.get("stage"), stageprogress=doc.get("stageprogress")
                )
            )

        return forward

    def _timeout_notice(self, driver: Driver, tracker: ProgressTracker) -> Callable[[], None]:
        def notify() -> None:
            self.emit(
                protocol.progress_document(
                    tracker.reported,
                    f"{driver.name}: no output for {self.io_wait:g} s, terminating it",
                )
            )

        return notify

    def _interrupted(
        self, exc: Interrupted, outcomes: Sequence[Outcome], driver: Driver | None
    ) -> int:
        doc = interrupted_status(exc, outcomes, driver)
        self.emit(doc)
        return exit_code_for(exc)


def interrupted_status(
    exc: Interrupted, outcomes: Sequence[Outcome] = (), driver: Driver | None = None
) -> JsonObject:
    """Status document for a run stopped by cancel or terminate."""
    status = "terminated" if exc.kind == "terminate" else "canceled"
    parts = [f"{status} by {signal_name(exc.signum)}"]
    if driver is not None:
        parts.append(f"while {driver.name} was running")
    finished = [o for o in outcomes if o.driver is not driver]
    if finished:
        parts.append(
            "finished before: " + ", ".join(f"{o.driver.name} ({o.status})" for o in finished)
        )
    return protocol.status_document(status, status, "; ".join(parts))


def exit_code_for(exc: Interrupted) -> int:
    """Exit code after an interruption: 128 + signal for terminate, 1 for cancel."""
    return 128 + exc.signum if exc.kind == "terminate" else EXIT_FAILED


# --- command line ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``servo-adjust-aggregator``."""
    parser = protocol.driver_parser(
        PROG,
        description=(
            "Servo adjust driver that runs every driver in ./adjust.d as one. "
            "Run it in servo's directory (where config.yaml is)."
        ),
        usage=(
            "%(prog)s --version\n"
            "       %(prog)s --info APP\n"
            "       %(prog)s --query APP   (or --describe APP)\n"
            "       %(prog)s APP < settings.json\n"
            "       %(prog)s init DIR"
        ),
        query_help="print the merged description of all drivers' settings",
    )
    parser.add_argument(
        "args",
        nargs="*",
        metavar="APP | init DIR",
        help="application id; or 'init DIR' to lay out a new servo directory",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``servo-adjust-aggregator``; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
        modes = [m for m in ("version", "info", "query") if getattr(args, m)]
        if len(modes) > 1:
            raise protocol.UsageError("use only one of --version, --info, --query")
        positional: list[str] = args.args
        if not modes and positional[:1] == ["init"]:
            if len(positional) == 2:
                from geopm_servo.layout import init_main

                return init_main(positional[1])
            if len(positional) == 1 and sys.stdin.isatty():
                raise protocol.UsageError("init needs the directory to lay out: init DIR")
        if modes == ["version"]:
            app_id = positional[0] if positional else None
            if len(positional) > 1:
                raise protocol.UsageError("too many arguments")
        else:
            if len(positional) != 1:
                raise protocol.UsageError("expected exactly one application id")
            app_id = positional[0]
    except protocol.UsageError as exc:
        parser.print_usage(sys.stderr)
        protocol.write_json(protocol.status_document("failed", "usage", f"{PROG}: {exc}"))
        return EXIT_USAGE

    interrupts = Interrupts()
    interrupts.install()
    try:
        agg = Aggregator(app_id, interrupts=interrupts, debug=args.debug)
        if args.version:
            return agg.cmd_version()
        if args.info:
            return agg.cmd_info()
        if args.query:
            return agg.cmd_query()
        data = interrupts.read_stdin()
        interrupts.check()
        request = protocol.parse_settings(data)
        return agg.cmd_adjust(request)
    except Interrupted as exc:
        return protocol.report(interrupted_status(exc), exit_code_for(exc))
    except ProtocolError as exc:
        return protocol.report(exc.to_status(), EXIT_FAILED)
    except BrokenPipeError:
        protocol.silence_stdout()
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - servo must get a status line, not a traceback
        if args.debug:
            traceback.print_exc()
        return protocol.report(protocol.internal_error_status(PROG, exc), EXIT_FAILED)
    finally:
        interrupts.restore()


if __name__ == "__main__":
    sys.exit(main())
