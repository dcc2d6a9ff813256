"""What a driver's run came to, and what the aggregator tells servo about all of them.

:func:`classify` is the one place that reads a :class:`RunResult`: every
call of a driver (``--version``, ``--info``, ``--query`` and the adjust run
itself) is judged by it, so one driver fault gets one status and reason
whichever call shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from geopm_servo import protocol
from geopm_servo.discovery import Driver
from geopm_servo.protocol import JsonObject
from geopm_servo.runner import RunResult, describe_exit

#: Statuses that a request of servo caused: the driver's stderr says nothing about them.
_REQUESTED = ("canceled", "terminated")
#: Messages :func:`classify` gives a canceled or terminated run that said nothing of its own.
_PLAIN_STOPS = ("canceled", "canceled (terminated)", "terminated")


@dataclass
class Outcome:
    """The status of one driver's run."""

    driver: Driver
    status: str
    reason: str
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the driver did what it was asked."""
        return self.status == "ok"


def _quote(text: str, limit: int = 200) -> str:
    if len(text) > limit:
        text = text[:limit] + "..."
    return protocol.dumps(text)


def _with_stderr(message: str, stderr: str, environ: Mapping[str, str]) -> str:
    extra = protocol.stderr_for_message(stderr, environ)
    if not extra:
        return message
    return f"{message}\nstderr:\n{extra}" if message else f"stderr:\n{extra}"


def classify(
    driver: Driver,
    run: RunResult,
    *,
    io_wait: float | None,
    environ: Mapping[str, str],
    needs_status: bool = True,
) -> Outcome:
    """Turn what happened during one run of ``driver`` into its status.

    With ``needs_status`` (an adjust run) the driver's last non-progress line
    is its status line; without it (``--info``, ``--query``, ``--version``)
    any reply counts as ``ok`` unless it carries a status of its own.  A
    driver that could not be started, printed a line that is not a JSON
    object, timed out, reported ``ok`` but exited non-zero, or gave no
    answer fails.  A failure other than a requested cancel or terminate gets
    the driver's stderr appended (as servo does, following
    ``OPTUNE_VERBOSE_STDERR``).
    """
    out = _verdict(driver, run, io_wait, environ, needs_status)
    if not out.ok and out.status not in _REQUESTED:
        out.message = _with_stderr(out.message, run.stderr, environ)
    return out


def _verdict(
    driver: Driver,
    run: RunResult,
    io_wait: float | None,
    environ: Mapping[str, str],
    needs_status: bool,
) -> Outcome:
    res = run.result
    answer = "a status" if needs_status else "a reply"
    exited = describe_exit(run.returncode)
    if run.spawn_error is not None:
        return Outcome(driver, "failed", "exec-failed", f"cannot run: {run.spawn_error}")
    if run.interrupted == "terminate":
        return Outcome(driver, "terminated", "terminated", "terminated")
    if run.interrupted == "cancel":
        message = "canceled" if run.cancel_forwarded else "canceled (terminated)"
        if res is not None and isinstance(res.get("message"), str) and res["message"]:
            message = res["message"]
        return Outcome(driver, "canceled", "canceled", message)
    if run.bad_output is not None:
        return Outcome(
            driver,
            "failed",
            "bad-driver-output",
            f"output line is not a JSON object: {_quote(run.bad_output)}; terminated",
        )
    if run.timed_out:
        killed = ", then killed (SIGKILL)" if run.killed else ""
        timeout = environ.get(protocol.IO_TIMEOUT_ENV, "").strip()
        return Outcome(
            driver,
            "failed",
            "timeout",
            f"no output for {io_wait:g} s ({protocol.IO_TIMEOUT_ENV}={timeout}); "
            f"terminated{killed}",
        )
    status = None if res is None else res.get("status")
    if isinstance(status, str) and status:
        assert res is not None
        if status == "ok":
            if run.returncode != 0:
                return Outcome(driver, "failed", "exit-code", f"reported ok but {exited}")
            return Outcome(driver, "ok", _text(res.get("reason")) or "ok", _message(res))
        message = _message(res)
        if run.returncode != 0:
            message = f"{message}; {exited}" if message else exited
        return Outcome(driver, status, _text(res.get("reason")) or status, message)
    replied = res is not None or bool(run.stdout.strip())
    if replied and not needs_status and status is None:
        if run.returncode != 0:
            return Outcome(driver, "failed", "exit-code", f"replied but {exited}")
        return Outcome(driver, "ok", "success")
    if res is not None:
        return Outcome(
            driver,
            "failed",
            "bad-driver-output",
            f"result line has no status: {_quote(protocol.dumps(res))}"
            + ("" if run.returncode == 0 else f"; {exited}"),
        )
    if run.returncode != 0:
        return Outcome(driver, "failed", "exit-code", f"{exited} without {answer}")
    if run.progress_lines:
        return Outcome(
            driver, "failed", "no-status", f"exited 0 after progress lines only, without {answer}"
        )
    return Outcome(driver, "failed", "nodata", "exited 0 without any output")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _message(res: JsonObject) -> str:
    raw = res.get("message")
    if isinstance(raw, str):
        return raw
    return "" if raw is None else protocol.dumps(raw)


def combine(outcomes: Sequence[Outcome]) -> JsonObject:
    """Combine the drivers' statuses into the aggregator's status document.

    All ok gives ``ok``, its message naming the drivers, then each driver's
    own message (if any) on a line ``name: message``.  Otherwise
    ``rejected`` wins over ``failed``, which wins over any other status; the
    message names each driver that was not ok with its status, reason and
    message, and the reasons are joined.
    """
    bad = [o for o in outcomes if not o.ok]
    if not bad:
        names = ", ".join(o.driver.name for o in outcomes)
        # The drivers' own messages (a warning, what is in force) go with it, one a line.
        said = [f"{o.driver.name}: {o.message}" for o in outcomes if o.message]
        return protocol.status_document("ok", "success", "\n".join([f"adjusted by {names}", *said]))
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


def interruption_details(outcomes: Sequence[Outcome], running: Driver | None) -> list[str]:
    """What an interrupted adjust run had done: the driver it stopped and those done before."""
    details = []
    if running is not None:
        detail = f"while {running.name} was running"
        # The driver's own word on its cancel (what it did, what it left) is kept.
        own = [o.message for o in outcomes if o.driver is running and o.message]
        if own and own[-1] not in _PLAIN_STOPS:
            detail += f" ({running.name}: {own[-1]})"
        details.append(detail)
    finished = [o for o in outcomes if o.driver is not running]
    if finished:
        details.append(
            "finished before: " + ", ".join(f"{o.driver.name} ({o.status})" for o in finished)
        )
    return details
