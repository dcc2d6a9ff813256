"""Adjust-driver aggregator for the servo (Optune) agent.

Several adjust drivers, placed as executables in ``adjust.d/`` of servo's
directory, are presented to servo as one adjust driver.  Installed as the
console script ``servo-adjust-aggregator`` and placed (or linked) as
``./adjust`` next to ``config.yaml``::

    adjust --version            aggregator 2.0 (ec2asg 1.3, winec2 0.9)
    adjust --info [APP]         {"version":"...","has_cancel":true}
    adjust --query [APP]        merged description of all drivers (alias --describe)
    adjust APP < settings.json  every driver adjusts its own settings, in file name order
    adjust init DIR             lay out a new servo directory

See ``docs/servo.md`` for the details.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from geopm_servo import protocol
from geopm_servo.command import (
    EXIT_FAILED,
    EXIT_OK,
    ArgumentParser,
    UsageError,
    driver_parser,
    exit_code_for,
    interrupted_status,
    run_main,
)
from geopm_servo.discovery import Driver, child_environment, discover_drivers
from geopm_servo.guard import Guard
from geopm_servo.interrupts import Interrupted, Interrupts
from geopm_servo.layout import DRIVERS_DIR, init_main
from geopm_servo.merge import merge_queries, normalize_query, split_request
from geopm_servo.outcome import Outcome, classify, combine, interruption_details
from geopm_servo.progress import ProgressTracker
from geopm_servo.protocol import JsonObject, ProtocolError
from geopm_servo.runner import KILL_GRACE, RunResult, describe_exit, run_driver

#: Name of the aggregator, as shown by ``--version``.
NAME = "aggregator"
#: Version of the aggregator.
VERSION = "2.0"
#: Name of the console script.
PROG = "servo-adjust-aggregator"


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
        #: Kills what is left of the drivers should this process die (started with the first).
        self.guard = Guard()

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

    def _guard(self) -> Guard:
        self.guard.start()
        return self.guard

    def _run(self, driver: Driver, args: list[str], **kwargs: Any) -> RunResult:
        self.interrupts.check()
        argv = [driver.path, *args]
        self.log("running " + " ".join(argv))
        run = run_driver(
            argv,
            guard=self._guard(),
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

    def _judge(self, driver: Driver, run: RunResult, *, needs_status: bool = True) -> Outcome:
        return classify(
            driver, run, io_wait=self.io_wait, environ=self.environ, needs_status=needs_status
        )

    def call(self, driver: Driver, option: str, *, keepalive: bool = False) -> RunResult:
        """Run ``driver option [APP]`` and return what it answered.

        A driver that cannot be run, fails, or answers with anything but
        JSON objects (plain text for ``--version``) raises
        :class:`ProtocolError` keeping the driver's own message and stderr.
        """
        # As servo does: --version is answered in plain text and gets no app id.
        plain = option == "--version"
        args = [option] if plain or self.app_id is None else [option, self.app_id]
        on_timeout = None
        if keepalive:
            on_timeout = self._timeout_notice(f"{NAME}: {driver.name}", lambda: 0)
        run = self._run(driver, args, on_timeout=on_timeout, json_lines=not plain)
        outcome = self._judge(driver, run, needs_status=False)
        if not outcome.ok:
            raise ProtocolError(
                f"{driver.label}: {option} failed: {outcome.message}",
                status=outcome.status,
                reason=outcome.reason,
            )
        return run

    def call_json(self, driver: Driver, option: str, *, keepalive: bool = False) -> JsonObject:
        """Run ``driver option APP`` and return its reply (its last non-progress line)."""
        reply = self.call(driver, option, keepalive=keepalive).result
        assert reply is not None  # call() accepts no run without one
        return reply

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
            run = self.call(driver, "--version")
            driver.version = next(ln.strip() for ln in run.stdout.splitlines() if ln.strip())
        self.out.write(self.version_string() + "\n")
        self.out.flush()
        return EXIT_OK

    def cmd_info(self) -> int:
        """``--info [APP]``: version and ``has_cancel: true``.

        The aggregator handles cancel itself (SIGUSR1 goes to a driver that
        has cancel, a driver without it is terminated), so servo may always
        cancel it with SIGUSR1 instead of killing it and its drivers.
        """
        for driver in self.discover():
            self.load_info(driver)
        self.emit({"version": self.version_string(), "has_cancel": True})
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
                return self._interrupted(exc, outcomes, running=None)
            run = run_driver(
                [driver.path] + ([] if self.app_id is None else [self.app_id]),
                stdin_data=protocol.dumps(doc).encode("utf-8"),
                env=self.child_env,
                io_wait=self.io_wait,
                interrupts=self.interrupts,
                has_cancel=driver.has_cancel,
                on_progress=self._forwarder(driver, tracker),
                on_timeout=self._timeout_notice(driver.name, lambda: tracker.reported),
                kill_grace=self.kill_grace,
                guard=self._guard(),
            )
            outcome = self._judge(driver, run)
            self.log(f"{driver.filename}: {outcome.status} ({describe_exit(run.returncode)})")
            if run.interrupted is not None:
                outcomes.append(outcome)
                kind = "terminate" if self.interrupts.terminate else "cancel"
                signum = self.interrupts.terminate_signal or self.interrupts.cancel_signal or 0
                return self._interrupted(Interrupted(kind, signum), outcomes, running=driver)
            outcomes.append(outcome)
            self.emit(
                protocol.progress_document(tracker.complete(), f"{driver.name}: {outcome.status}")
            )
        status = combine(outcomes)
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

    def _timeout_notice(self, who: str, progress: Callable[[], int]) -> Callable[[], None]:
        # Said before a silent driver is terminated, so servo hears why it waited.
        def notify() -> None:
            self.emit(
                protocol.progress_document(
                    progress(), f"{who}: no output for {self.io_wait:g} s, terminating it"
                )
            )

        return notify

    def _interrupted(
        self, exc: Interrupted, outcomes: Sequence[Outcome], running: Driver | None
    ) -> int:
        self.emit(interrupted_status(exc, *interruption_details(outcomes, running)))
        return exit_code_for(exc)


def build_parser() -> ArgumentParser:
    """The command-line parser of ``servo-adjust-aggregator``."""
    parser = driver_parser(
        PROG,
        description=(
            "Servo adjust driver that runs every driver in ./adjust.d as one. "
            "Run it in servo's directory (where config.yaml is)."
        ),
        usage=(
            "%(prog)s --version\n"
            "       %(prog)s --info [APP]\n"
            "       %(prog)s --query [APP]   (or --describe [APP])\n"
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


def _is_init(args: argparse.Namespace) -> bool:
    """``init DIR``: lay out a servo directory instead of acting as a driver."""
    modes = args.version or args.info or args.query
    return not modes and len(args.args) == 2 and args.args[0] == "init"


def _check_args(args: argparse.Namespace) -> None:
    positional: list[str] = args.args
    if _is_init(args):
        return
    modes = args.version or args.info or args.query
    # A lone "init" is the application id of that name when settings come on stdin.
    if not modes and positional == ["init"] and sys.stdin.isatty():
        raise UsageError("init needs the directory to lay out: init DIR")
    if modes:
        # As upstream's adjust base: --version, --info and --query need no app id.
        if len(positional) > 1:
            raise UsageError("too many arguments")
    elif len(positional) != 1:
        raise UsageError("expected exactly one application id")


def _serve(args: argparse.Namespace, interrupts: Interrupts) -> int:
    if _is_init(args):
        return init_main(args.args[1])
    interrupts.install()
    app_id = args.args[0] if args.args else None
    agg = Aggregator(app_id, interrupts=interrupts, debug=args.debug)
    try:
        if args.version:
            return agg.cmd_version()
        if args.info:
            return agg.cmd_info()
        if args.query:
            return agg.cmd_query()
        data = interrupts.read_stdin()
        interrupts.check()
        return agg.cmd_adjust(protocol.parse_settings(data))
    finally:
        agg.guard.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``servo-adjust-aggregator``; returns the exit code."""
    return run_main(build_parser(), argv, _check_args, _serve)


if __name__ == "__main__":
    sys.exit(main())
