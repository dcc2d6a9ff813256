"""The servo adjust-driver protocol on the wire: what a driver reads and writes.

* replies: compact, one-line JSON documents (progress lines and the final
  status line), and :class:`ProtocolError` for a failure servo is told about;
* the settings document servo sends on stdin to ``adjust APP``;
* servo's ``OPTUNE_IO_TIMEOUT`` and ``OPTUNE_VERBOSE_STDERR`` variables.

Nothing here imports :mod:`geopm_bridge`.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import sys
from collections.abc import Mapping
from typing import IO, Any

#: Name of the environment variable servo uses for its output timeout.
IO_TIMEOUT_ENV = "OPTUNE_IO_TIMEOUT"
#: Name of the environment variable selecting how much stderr goes into messages.
VERBOSE_STDERR_ENV = "OPTUNE_VERBOSE_STDERR"

JsonObject = dict[str, Any]

#: The largest document a servo tool reads (settings on stdin, a driver's
#: output line, an endpoint file, config.yaml): they are a few kilobytes;
#: this bounds the memory and time a hostile one can take (docs/servo.md).
MAX_DOCUMENT_BYTES = 1024 * 1024
#: The deepest nesting of lists and objects in such a document: this many
#: inside the outermost, as the runtime's JSON reader (cpp/src/core/Json.hpp).
MAX_DOCUMENT_DEPTH = 200

_BRACKETS = re.compile(rb'[\[\]{}"\\]')


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


def check_document_bounds(data: bytes, what: str) -> None:
    """Raise :class:`ValueError` naming ``what`` when ``data`` is larger than
    MAX_DOCUMENT_BYTES or nests brackets deeper than MAX_DOCUMENT_DEPTH
    (counted outside JSON strings; for YAML's flow collections as well)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{what} is larger than the limit of {MAX_DOCUMENT_BYTES} bytes")
    depth = 0
    in_string = False
    escaped = False
    for match in _BRACKETS.finditer(data):
        char = match.group()
        if in_string:
            if escaped:
                escaped = False
            elif char == b"\\":
                # A backslash escapes the next character only if adjacent.
                escaped = data[match.end() : match.end() + 1] in (b'"', b"\\")
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in (b"[", b"{"):
            depth += 1
            if depth > MAX_DOCUMENT_DEPTH + 1:
                raise ValueError(
                    f"{what} nests deeper than the limit of {MAX_DOCUMENT_DEPTH} levels"
                )
        elif char in (b"]", b"}"):
            depth -= 1


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {text} is out of range")
    return value


def loads_json(data: str | bytes, what: str) -> Any:
    """Parse one strict, bounded JSON document: at most MAX_DOCUMENT_BYTES, nested
    at most MAX_DOCUMENT_DEPTH deep, no NaN, Infinity or number out of a
    double's range. Raises :class:`ValueError` whose text names ``what`` and the
    problem, on one line."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    check_document_bounds(raw, what)
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON: {exc}") from None
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"{what} is not valid JSON: {exc}") from None


def read_document_file(path: str | os.PathLike[str], what: str, follow_links: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, at most MAX_DOCUMENT_BYTES.
    Opened without blocking, so that a FIFO is refused rather than waited on;
    without ``follow_links`` a symbolic link is refused too (the endpoint's
    files, which only their controller writes).
    Raises :class:`ValueError` whose text starts with ``what`` when it is not a
    regular file or is too large, OSError (FileNotFoundError when it is
    missing) when the system cannot open or read it."""
    try:
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
        fd = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_links:
            raise ValueError(f"{what} is a symbolic link, not a regular file") from None
        if exc.errno != errno.ENXIO:  # ENXIO: a socket, which cannot be opened
            raise
        mode = os.stat(path).st_mode
        raise ValueError(f"{what} is {_file_kind(mode)}, not a regular file") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ValueError(f"{what} is {_file_kind(mode)}, not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_DOCUMENT_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{what} is larger than the limit of {MAX_DOCUMENT_BYTES} bytes")
    return data


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


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
    if not text.strip():
        raise _bad_input("empty settings document on stdin")
    try:
        doc = loads_json(text, "settings document")
    except ValueError as exc:
        raise _bad_input(str(exc)) from None
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
    """Read the whole settings document from ``stream`` (stdin by default) and parse it
    (one byte past MAX_DOCUMENT_BYTES at most, so that a larger one is refused)."""
    src = sys.stdin.buffer if stream is None else stream
    return parse_settings(src.read(MAX_DOCUMENT_BYTES + 1))


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
