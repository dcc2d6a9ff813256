"""``geopm-bridge plugin-path``: where GEOPM finds the plugin that loads Python agents."""

from __future__ import annotations

import os

from .. import BACKEND
from .errors import ArgumentParser

PLUGIN_FILE = "libgeopmagent_python.so.2.1.0"
"""The plugin's file name (GEOPM 3.1 plugin ABI 2.1.0)."""

WRAPPER = "geopmctl"
"""The native build's geopmctl that preloads the plugin (src/plugin/geopmctl.in)."""

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plugin_directory() -> str:
    """The directory holding the GEOPM agent plugin.

    Both backends build it: GEOPM's libgeopm loads it on the native one, the
    embedded runtime's plugin loader on the embedded one (a C++ program
    linked with ``-lgeopmd`` against :func:`geopm_bridge.get_include`).
    """
    return os.path.join(_PACKAGE, "plugins")


def wrapper_directory() -> str | None:
    """The directory holding the ``geopmctl`` that preloads the plugin, or
    None on the embedded backend (which has no geopmctl)."""
    return os.path.join(_PACKAGE, "wrappers") if BACKEND == "native" else None


def main(args: list[str]) -> int:
    """Run ``geopm-bridge plugin-path``."""
    parser = ArgumentParser(
        prog="geopm-bridge plugin-path",
        description="Print the directory to put in GEOPM_PLUGIN_PATH so that GEOPM's own "
        "tools (geopmagent, geopmctl, geopmlaunch) load the Python agents.",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--file", action="store_true", help="print the plugin file instead (for LD_PRELOAD)"
    )
    what.add_argument(
        "--wrappers",
        action="store_true",
        help="print the directory of the geopmctl that preloads the plugin instead (to put "
        "first in PATH for geopmlaunch when another GEOPM plugin is needed; native backend)",
    )
    opts = parser.parse_args(args)
    if opts.wrappers:
        wrappers = wrapper_directory()
        if wrappers is None:
            raise RuntimeError(
                "this geopm-bridge is built on the embedded backend, which has no geopmctl to "
                "wrap: reinstall it with GEOPM_ROOT=<GEOPM 3.1 prefix> to run Python agents in "
                "GEOPM"
            )
        print(wrappers)
        return 0
    directory = plugin_directory()
    print(os.path.join(directory, PLUGIN_FILE) if opts.file else directory)
    return 0
