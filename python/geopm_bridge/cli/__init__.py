"""The ``geopm-bridge`` command: launch a job, inspect agents, read the platform."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence

from .. import __version__
from .errors import UsageError, report_error

_USAGE = """\
usage: geopm-bridge [--debug] [--version] COMMAND [ARGS...]

commands:
  launch   run an application under a controller and an agent
  agent    list agents, show one agent's policy and sample, write a policy
  read     list signals and controls, or read one signal
  doctor   show the backend, the GEOPM it runs on, the plugin directory and the agents
  plugin-path  print the directory of the GEOPM plugin (for GEOPM_PLUGIN_PATH)

--debug shows Python tracebacks on error. `geopm-bridge COMMAND --help` for more.
"""

_COMMANDS = "launch, agent, read, doctor, plugin-path"


def _command(name: str) -> Callable[[list[str]], int]:
    # Imported on demand: `agent` and `read` need not pay for the launcher.
    if name == "launch":
        from .launch import main
    elif name == "agent":
        from .agent import main
    elif name == "read":
        from .read import main
    elif name == "doctor":
        from .doctor import main
    elif name == "plugin-path":
        from .plugin_path import main
    else:
        raise UsageError(f"unknown command {name!r} (choose from {_COMMANDS})")
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
            raise UsageError(f"no command given (choose from {_COMMANDS})")
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
        return 2 if isinstance(error, UsageError) else 1
