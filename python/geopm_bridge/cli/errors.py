"""How the command line reports failures: one line, unless it carries a traceback."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose errors are one ``geopm-bridge: error:`` line
    like every other (argparse prints its usage block first)."""

    def error(self, message: str) -> NoReturn:
        """Raise the parse error as a UsageError."""
        raise UsageError(f"{message} (see {self.prog} --help)")


# geopm::Exception::what() is "<geopm> <error text>: <message>: at <file>:<line>",
# and a message may carry another's what() (a rank's error inside the job's):
# the user needs the messages, the prefixes and source positions only with --debug.
_GEOPM_PREFIX = re.compile(r"<geopm> (?:[A-Za-z ,/'-]+: )?")
_SOURCE_POSITION = re.compile(r": at [^\s:]+\.(?:c|cc|cpp|cxx|h|hpp):\d+(?=$|[:\s])", re.MULTILINE)


def user_message(error: BaseException, debug: bool = False) -> str:
    """The text to show a user for ``error``.

    Errors raised by an agent's hook carry the agent's Python traceback in
    their message; it is kept whole because the user needs it to find the
    fault. Everything else is cut to its first line.
    """
    message = str(error).strip() or type(error).__name__
    if not debug:
        message = _SOURCE_POSITION.sub("", _GEOPM_PREFIX.sub("", message)).strip()
    if "Traceback (most recent call last)" not in message:
        message = message.splitlines()[0]
    return message


# GEOPM's own errors whose words do not say what to do: a piece of each
# message, and the advice.
_HINTS = (
    (
        # libgeopmd's PlatformTopo: with CAP_SYS_ADMIN (root) GEOPM 3.1 keeps
        # its topology cache in its service's directory, /run/geopm.
        "Could not create temp file",
        "GEOPM 3.1 run with CAP_SYS_ADMIN (as root) writes its topology cache in "
        "/run/geopm, the directory of its service (geopmd), and that directory is missing: "
        "start the geopm service, or create it (install -d -m 700 /run/geopm), or run "
        "without CAP_SYS_ADMIN (setpriv --bounding-set=-sys_admin COMMAND, or as another user)",
    ),
)


def hint(message: str) -> str | None:
    """What to do about the GEOPM error ``message``, or None when it says enough."""
    for piece, advice in _HINTS:
        if piece in message:
            return advice
    return None


def report_error(error: BaseException, debug: bool = False) -> None:
    """Print ``error`` on stderr, naming the program, and a hint line when one is known."""
    print(f"geopm-bridge: error: {user_message(error, debug)}", file=sys.stderr)
    advice = hint(str(error))
    if advice is not None:
        print(f"geopm-bridge: hint: {advice}", file=sys.stderr)


def exit_status(error: BaseException) -> int:
    """The command's exit status for ``error``: 2 for a usage error; for an
    application that cannot start (``ApplicationStartError``, whose class only
    the embedded backend has) a shell's 127 (not found) or 126 (not
    executable); else 1."""
    if isinstance(error, UsageError):
        return 2
    status = getattr(error, "exit_status", None)
    return status if isinstance(status, int) else 1
