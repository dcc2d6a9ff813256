"""The command line every adjust driver of this package shares, and how its run ends.

:func:`run_main` is the one ``main()`` skeleton: it parses the command line
(answering a bad one with a ``usage`` status line), runs the driver's own
work, and turns whatever stops that work into servo's last line and the
process exit code.  The exit codes, one table for every driver:

=====================  =========================================================
``EXIT_OK`` (0)        the work was done; the status line says ``ok``
``EXIT_FAILED`` (1)    the status line says why not; also after a cancel
``EXIT_USAGE`` (2)     the command line cannot be run as given
128 + signal number    terminated by SIGTERM or SIGINT, as a shell reports it
=====================  =========================================================
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from geopm_servo import protocol
from geopm_servo.interrupts import Interrupted, Interrupts, signal_name
from geopm_servo.protocol import JsonObject, ProtocolError

#: The work was done.
EXIT_OK = 0
#: The status line says why the work was not done (also after a cancel).
EXIT_FAILED = 1
#: The command line cannot be run as given.
EXIT_USAGE = 2

#: The options that choose what a driver does; at most one is given.
MODES = ("version", "info", "query")


class UsageError(Exception):
    """A driver's command line that cannot be run as given."""


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser that raises :class:`UsageError` instead of exiting, so a
    driver can answer a bad command line with a status line like any other error."""

    def error(self, message: str) -> NoReturn:
        """Raise :class:`UsageError` with argparse's complaint."""
        raise UsageError(message)


def driver_parser(prog: str, description: str, usage: str, query_help: str) -> ArgumentParser:
    """A parser with the options every adjust driver answers: ``--version``,
    ``--info``, ``--query`` (alias ``--describe``) and ``--debug``. The driver
    adds its positional arguments."""
    parser = ArgumentParser(prog=prog, description=description, usage=usage)
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("--info", action="store_true", help="print driver info as JSON")
    parser.add_argument("--query", "--describe", dest="query", action="store_true", help=query_help)
    parser.add_argument(
        "--debug", action="store_true", help="log to stderr and show tracebacks of internal errors"
    )
    return parser


def exit_code_for(exc: Interrupted) -> int:
    """Exit code after an interruption: 128 + signal for terminate, 1 for cancel."""
    return 128 + exc.signum if exc.kind == "terminate" else EXIT_FAILED


def interrupted_status(exc: Interrupted, *details: str) -> JsonObject:
    """The status line after a cancel or terminate request, ``details`` appended."""
    status = "terminated" if exc.kind == "terminate" else "canceled"
    message = "; ".join([f"{status} by {signal_name(exc.signum)}", *details])
    return protocol.status_document(status, status, message)


def internal_error_status(prog: str, error: BaseException) -> JsonObject:
    """The status line for an error the driver did not expect (no traceback for servo)."""
    return protocol.status_document(
        "failed", "internal-error", f"{prog}: {type(error).__name__}: {error}"
    )


#: Checks a driver's parsed arguments beyond what argparse knows; raises UsageError.
CheckArgs = Callable[[argparse.Namespace], None]
#: Does a driver's work; returns its exit code, raises what :func:`run_main` reports.
Serve = Callable[[argparse.Namespace, Interrupts], int]


def run_main(
    parser: ArgumentParser, argv: Sequence[str] | None, check_args: CheckArgs, serve: Serve
) -> int:
    """Run one adjust driver's command line and return its exit code.

    ``serve`` installs the signal handlers of the :class:`Interrupts` it gets
    when signals should count (until then SIGTERM ends the process as usual);
    they are restored afterwards.  :class:`Interrupted`, :class:`ProtocolError`
    and any other error it raises become servo's status line.
    """
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if sum(bool(getattr(args, mode)) for mode in MODES) > 1:
            raise UsageError("use only one of --version, --info, --query")
        check_args(args)
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        protocol.write_json(protocol.status_document("failed", "usage", f"{parser.prog}: {exc}"))
        return EXIT_USAGE

    interrupts = Interrupts()
    try:
        return serve(args, interrupts)
    except Interrupted as exc:
        return protocol.report(interrupted_status(exc), exit_code_for(exc))
    except ProtocolError as exc:
        return protocol.report(exc.to_status(), EXIT_FAILED)
    except BrokenPipeError:  # servo went away: nobody to tell
        protocol.silence_stdout()
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - servo must get a status line, not a traceback
        if args.debug:
            traceback.print_exc()
        return protocol.report(internal_error_status(parser.prog, exc), EXIT_FAILED)
    finally:
        interrupts.restore()
