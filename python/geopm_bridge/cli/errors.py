"""How the command line reports failures: one line, unless it carries a traceback."""

from __future__ import annotations

import sys


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2)."""


def report_error(error: BaseException) -> None:
    """Print ``error`` for a user: its message, naming the program.

    Errors raised by an agent's hook carry the agent's Python traceback in
    their message; it is printed whole because the user needs it to find the
    fault. Everything else is one line.
    """
    message = str(error).strip() or type(error).__name__
    if "Traceback (most recent call last)" not in message:
        message = message.splitlines()[0]
    print(f"geopm-bridge: error: {message}", file=sys.stderr)
