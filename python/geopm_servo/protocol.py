"""The servo adjust-driver protocol on the wire: what a driver reads and writes.

* replies: compact, one-line JSON documents (progress lines and the final
  status line), and :class:`ProtocolError` for a failure servo is told about;
* the settings document servo sends on stdin to ``adjust APP``;
* servo's ``OPTUNE_IO_TIMEOUT`` and ``OPTUNE_VERBOSE_STDERR`` variables.

Nothing here imports :mod:`geopm_bridge`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import IO, Any

#: Name of the environment variable servo uses for its output timeout.
IO_TIMEOUT_ENV = "OPTUNE_IO_TIMEOUT"
#: Name of the environment variable selecting how much stderr goes into messages.
VERBOSE_STDERR_ENV = "OPTUNE_VERBOSE_STDERR"

JsonObject = dict[str, Any]


class ProtocolError(Exception):
    """An error to be reported to servo as a one-line status document.

    ``status`` and ``reason`` become the fields of the same name in the
    status line; the exception text becomes its ``message``.
    """

    def __init__(self, message: str, *, status: str = "failed", reason: str = "failed") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason

    @property
    def message(self) -> str:
        """The human-readable message of the error."""
        return str(self)

    def to_status(self) -> JsonObject:
        """Return the status document describing this error."""
        return status_document(self.status, self.reason, self.message)


def dumps(obj: Any) -> str:
    """Encode ``obj`` as compact JSON on a single line (no spaces, no newlines)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def write_json(obj: Any, stream: IO[str] | None = None) -> None:
    """Write ``obj`` as one compact JSON line to ``stream`` (stdout by default) and flush."""
    out = sys.stdout if stream is None else stream
    out.write(dumps(obj) + "\n")
    out.flush()


def progress_document(progress: int, message: str | None = None, **extra: Any) -> JsonObject:
    """Build a progress document; ``message`` and ``extra`` keys are kept only when not None."""
    doc: JsonObject = {"progress": progress}
    if message is not None:
        doc["message"] = message
    doc.update({key: value for key, value in extra.items() if value is not None})
    return doc


def status_document(status: str, reason: str, message: str | None = None) -> JsonObject:
    """Build a status (result) document."""
    doc: JsonObject = {"status": status, "reason": reason}
    if message is not None:
        doc["message"] = message
    return doc


def print_progress(
    progress: int, message: str | None = None, stream: IO[str] | None = None, **extra: Any
) -> None:
    """Write one progress line, e.g. ``{"progress":40,"message":"scaling"}``."""
    write_json(progress_document(progress, message, **extra), stream)


def print_status(
    status: str, reason: str, message: str | None = None, stream: IO[str] | None = None
) -> None:
    """Write the final status line, e.g. ``{"status":"ok","reason":"success"}``."""
    write_json(status_document(status, reason, message), stream)


def silence_stdout() -> None:
    """Point stdout at /dev/null, after servo closed the pipe, so the final flush does not fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except OSError:
        pass


def report(doc: Any, exit_code: int) -> int:
    """Write a driver's final reply and return its exit code; a closed pipe (servo
    went away) is not an error worth a traceback."""
    try:
        write_json(doc)
    except BrokenPipeError:
        silence_stdout()
    return exit_code


# --- input -------------------------------------------------------------------


def parse_settings(text: str | bytes) -> JsonObject:
    """Parse and check a settings document as sent by servo to ``adjust APP``.

    The accepted shape is ``{"application": {"components": {NAME: {"settings":
    {SETTING: {"value": V, ...}}}}, "settings": {...}}, "control": {...}}``
    where every part except the top-level object may be missing.  The
    returned document always has a ``control`` object and an
    ``application`` object with a ``components`` object.

    Raises :class:`ProtocolError` (reason ``bad-input``) naming the first
    problem found.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _bad_input(f"settings document is not UTF-8: {exc}") from None
    if not text.strip():
        raise _bad_input("empty settings document on stdin")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad_input(f"settings document is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _bad_input("settings document is not a JSON object")

    control = doc.get("control", {})
    if control is None:
        control = {}
    if not isinstance(control, dict):
        raise _bad_input("'control' is not an object")
    doc["control"] = control

    app = doc.get("application", {})
    if app is None:
        app = {}
    if not isinstance(app, dict):
        raise _bad_input("'application' is not an object")
    doc["application"] = app

    components = app.get("components", {})
    if components is None:
        components = {}
    if not isinstance(components, dict):
        raise _bad_input("'application.components' is not an object")
    app["components"] = components
    for comp_name, comp in components.items():
        where = f"component '{comp_name}'"
        if not isinstance(comp, dict):
            raise _bad_input(f"{where} is not an object")
        _check_settings(comp.get("settings", {}), where)

    if "settings" in app:
        _check_settings(app["settings"], "application")
    return doc


def _check_settings(settings: Any, where: str) -> None:
    """Check a ``settings`` object of an adjust request."""
    if settings is None:
        return
    if not isinstance(settings, dict):
        raise _bad_input(f"'settings' of {where} is not an object")
    for name, setting in settings.items():
        if not isinstance(setting, dict):
            raise _bad_input(f"setting '{name}' of {where} is not an object")
        if "value" not in setting:
            raise _bad_input(f"setting '{name}' of {where} has no 'value'")


def _bad_input(message: str) -> ProtocolError:
    return ProtocolError(message, reason="bad-input")


def read_settings(stream: IO[bytes] | None = None) -> JsonObject:
    """Read the whole settings document from ``stream`` (stdin by default) and parse it."""
    src = sys.stdin.buffer if stream is None else stream
    return parse_settings(src.read())


# --- environment -------------------------------------------------------------


def io_timeout(environ: Mapping[str, str] | None = None) -> int | None:
    """Return ``OPTUNE_IO_TIMEOUT`` in seconds, or None when it is unset, empty or 0.

    Raises :class:`ProtocolError` (reason ``bad-config``) for a value that is
    not a non-negative integer.
    """
    env = os.environ if environ is None else environ
    raw = env.get(IO_TIMEOUT_ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ProtocolError(
            f"{IO_TIMEOUT_ENV}={raw!s} is not a non-negative integer", reason="bad-config"
        )
    return value or None


def stderr_for_message(stderr: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the part of a driver's stderr that goes into a status message.

    Follows servo's ``OPTUNE_VERBOSE_STDERR``: ``all`` (default) keeps it all,
    ``minimal`` keeps the first two lines, anything else keeps nothing.
    """
    env = os.environ if environ is None else environ
    mode = env.get(VERBOSE_STDERR_ENV, "all") or "all"
    text = stderr.strip("\n")
    if mode == "all":
        return text
    if mode == "minimal":
        return "\n".join(text.splitlines()[:2])
    return ""
