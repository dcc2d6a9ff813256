"""``geopm-bridge plugin-path``: where GEOPM finds the plugin that loads Python agents."""

from __future__ import annotations

import argparse
import os

from .. import BACKEND

PLUGIN_FILE = "libgeopmagent_python.so.2.1.0"
"""The plugin's file name (GEOPM 3.1 plugin ABI 2.1.0)."""


def plugin_directory() -> str | None:
    """The directory holding the GEOPM plugin, or None when the embedded backend
    (which needs no plugin) is built."""
    if BACKEND != "native":
        return None
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(package, "plugins")


def main(args: list[str]) -> int:
    """Run ``geopm-bridge plugin-path``."""
    parser = argparse.ArgumentParser(
        prog="geopm-bridge plugin-path",
        description="Print the directory to put in GEOPM_PLUGIN_PATH so that GEOPM's own "
        "tools (geopmagent, geopmctl, geopmlaunch) load the Python agents.",
    )
    parser.add_argument(
        "--file", action="store_true", help="print the plugin file instead (for LD_PRELOAD)"
    )
    opts = parser.parse_args(args)
    directory = plugin_directory()
    if directory is None:
        raise RuntimeError(
            "this geopm-bridge is built on the embedded backend, which has no GEOPM plugin: "
            "reinstall it with GEOPM_ROOT=<GEOPM 3.1 prefix> to run Python agents in GEOPM"
        )
    print(os.path.join(directory, PLUGIN_FILE) if opts.file else directory)
    return 0
