"""``geopm-bridge doctor``: what this installation runs on and which agents it finds."""

from __future__ import annotations

import argparse
import os
import sys

from .. import (
    BACKEND,
    agent_factory,
    geopm_version,
    get_plugin_python,
    load_agents,
    policy_names,
    runtime_libraries,
    sample_names,
)
from .plugin_path import PLUGIN_FILE, plugin_directory


def _usable_plugin_path() -> list[str]:
    """Drop GEOPM_PLUGIN_PATH entries that are not directories, with a warning each.

    GEOPM 3.1 ends the process on such an entry when it loads its plugins;
    the doctor reports it instead and lists what the other entries give.
    """
    entries = [entry for entry in os.environ.get("GEOPM_PLUGIN_PATH", "").split(":") if entry]
    usable = [entry for entry in entries if os.path.isdir(entry)]
    for entry in entries:
        if entry not in usable:
            print(
                f"warning: GEOPM_PLUGIN_PATH names {entry!r}, which is not a directory: "
                "GEOPM 3.1 aborts on it (left out below)",
                file=sys.stderr,
            )
    if usable != entries:
        os.environ["GEOPM_PLUGIN_PATH"] = ":".join(usable)
    return usable


def main(args: list[str]) -> int:
    """Run ``geopm-bridge doctor``."""
    argparse.ArgumentParser(
        prog="geopm-bridge doctor",
        description="Print the backend, the GEOPM version it runs on, the GEOPM plugin "
        "directory and every agent found, with its policy and sample names.",
    ).parse_args(args)
    plugin_path = _usable_plugin_path()

    print(f"backend: {BACKEND}")
    print(f"GEOPM version: {geopm_version()}")
    print(f"GEOPM libraries: {', '.join(runtime_libraries()) or '(none found)'}")
    print(f"Python: {sys.executable} ({sys.version.split()[0]})")
    directory = plugin_directory()
    if directory is None:
        print("plugin directory: none (the embedded backend needs no GEOPM plugin)")
    else:
        plugin = os.path.join(directory, PLUGIN_FILE)
        state = "" if os.path.isfile(plugin) else " (plugin file missing!)"
        print(f"plugin directory: {directory}{state}")
        print(f"plugin Python: {get_plugin_python()}")
        if directory not in plugin_path:
            print(
                "note: GEOPM_PLUGIN_PATH does not hold the plugin directory: GEOPM's tools "
                "will not see the Python agents (export GEOPM_PLUGIN_PATH=$(geopm-bridge "
                "plugin-path))"
            )
    print(f"GEOPM_PLUGIN_PATH: {':'.join(plugin_path) or '(unset)'}")

    failures = load_agents(strict=False)
    factory = agent_factory()
    names = factory.plugin_names()
    print(f"agents ({len(names)}):")
    for name in names:
        kind = "Python" if factory.agent_class(name) is not None else "C++"
        policy = policy_names(name)
        sample = sample_names(name)
        print(f"  {name} ({kind})")
        print(f"    policy: {', '.join(policy) or '(none)'}")
        print(f"    sample: {', '.join(sample) or '(none)'}")
    for failure in failures:
        print(f"warning: {failure}", file=sys.stderr)
    return 1 if failures else 0
