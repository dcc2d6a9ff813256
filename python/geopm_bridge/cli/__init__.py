"""The ``geopm-bridge`` command: launch a job, inspect agents, read and write the platform."""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from .errors import UsageError, exit_status, report_error

# Each command: its module in this package (imported on demand, so that
# `agent`, `read` and `write` need not pay for the launcher) and its one-line help.
_COMMANDS = {
    "launch": ("launch", "run an application under a controller and an agent"),
    "agent": ("agent", "list agents, show one agent's policy and sample, write a policy"),
    "read": ("read", "list, describe or read signals (like geopmread)"),
    "write": ("write", "list, describe or write controls (like geopmwrite)"),
    "plot": ("plot", "draw a run's traces: power, power limit, frequency and region per node"),
    "doctor": (
        "doctor",
        "show the backend, the GEOPM it runs on, the plugin directory and the agents",
    ),
    "bench": (
        "bench",
        "run geopmbench's model application (its JSON config; follows the node model)",
    ),
    "plugin-path": (
        "plugin_path",
        "print the directory of the GEOPM plugin (for GEOPM_PLUGIN_PATH)",
    ),
}
_WIDTH = max(len(name) for name in _COMMANDS)
_USAGE = (
    "usage: geopm-bridge [--debug] [--version] COMMAND [ARGS...]\n\ncommands:\n"
    + "".join(f"  {name:<{_WIDTH}}  {text}\n" for name, (_, text) in _COMMANDS.items())
    + "\n--debug shows Python tracebacks on error. `geopm-bridge COMMAND --help` for more.\n"
)


def _command(name: str) -> Callable[[list[str]], int]:
    if name not in _COMMANDS:
        raise UsageError(f"unknown command {name!r} (choose from {', '.join(_COMMANDS)})")
    module = importlib.import_module(f"{__name__}.{_COMMANDS[name][0]}")
    main: Callable[[list[str]], int] = module.main
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``geopm-bridge``; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    own_args = args[: args.index("--")] if "--" in args else args
    debug = "--debug" in own_args
    try:
        while args and args[0].startswith("-"):
            option = args.pop(0)
            if option in ("-h", "--help"):
                print(_USAGE, end="")
                return 0
            if option == "--version":
                print(f"geopm-bridge {__version__}")
                return 0
            if option != "--debug":
                raise UsageError(f"unknown option {option!r}")
        if not args:
            raise UsageError(f"no command given (choose from {', '.join(_COMMANDS)})")
        return _command(args[0])(args[1:])
    except KeyboardInterrupt:
        print("geopm-bridge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `geopm-bridge read | head`): not an error.
        sys.stderr.close()
        return 0
    except Exception as error:  # noqa: BLE001 - the one place errors become a message
        if debug:
            traceback.print_exc()
        report_error(error, debug)
        return exit_status(error)
