"""``geopm-bridge doctor``: what this installation runs on, which agents it finds,
and what would keep them from running under GEOPM.

Problems are printed on stderr, one ``warning:`` line each. The exit status is
1 when the setup as it stands cannot run the Python agents: an agent that
cannot be loaded, a ``GEOPM_PLUGIN_PATH`` entry GEOPM 3.1 aborts on (empty,
or not a directory), another plugin GEOPM would load instead of ours (from a
path that holds ours, which is not preloaded), or a platform GEOPM cannot
open. An agent whose ``init()`` fails on this node
(a signal the node lacks) is a warning only: the agent is sound, the node
lacks what it needs, and the same package serves other nodes.
"""

from __future__ import annotations

import os
import re
import sys

from .. import (
    BACKEND,
    Agent,
    agent_factory,
    geopm_version,
    get_plugin_python,
    load_agents,
    platform_io,
    policy_names,
    runtime_libraries,
    sample_names,
)
from .._loader import GEOPM_LIBRARY_DIR
from .errors import ArgumentParser, hint, user_message
from .plugin_path import PLUGIN_FILE, plugin_directory

_AGENT_PREFIX = "libgeopmagent_"
_IOGROUP_PREFIX = "libgeopmiogroup_"
# GEOPM 3.1's plugin file names: <prefix>...so.2.<minor <= 1>.<any>.
_PLUGIN_VERSION = re.compile(r"\.so\.2\.[01]\.\d+$")


def _warn(problem: str) -> None:
    print(f"warning: {problem}", file=sys.stderr)


def _usable_plugin_path() -> tuple[list[str], bool]:
    """GEOPM_PLUGIN_PATH without the entries GEOPM 3.1 aborts on, and whether
    there were any. Each is warned about, and left out of this process's
    variable so that the doctor itself goes on to list what the others give."""
    entries = os.environ.get("GEOPM_PLUGIN_PATH", "").split(":")
    if entries == [""]:
        return [], False
    usable = []
    for entry in entries:
        if not entry:
            _warn(
                "GEOPM_PLUGIN_PATH has an empty entry (a leading, trailing or doubled ':'): "
                "GEOPM 3.1 aborts on it (\"failed to open directory ''\"); left out below"
            )
        elif not os.path.isdir(entry):
            _warn(
                f"GEOPM_PLUGIN_PATH names {entry!r}, which is not a directory: "
                "GEOPM 3.1 aborts on it (left out below)"
            )
        else:
            usable.append(entry)
    if usable != entries:
        os.environ["GEOPM_PLUGIN_PATH"] = ":".join(usable)
    return usable, usable != entries


def _geopm_plugin_files(plugin_path: list[str], prefix: str) -> list[str]:
    """The plugin files of ``prefix`` in the order GEOPM 3.1 loads them: its own
    plugin directory (<libdir>/geopm), then GEOPM_PLUGIN_PATH from the last
    entry to the first, each directory in its listing's order."""
    directories = [os.path.join(GEOPM_LIBRARY_DIR, "geopm"), *reversed(plugin_path)]
    files = []
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        files += [
            os.path.join(directory, name)
            for name in names
            if name.startswith(prefix) and _PLUGIN_VERSION.search(name)
        ]
    return files


def _holds(paths: list[str], path: str) -> bool:
    """Whether ``paths`` names ``path``, by whatever name (links, a trailing /)."""
    real = os.path.realpath(path)
    return any(entry and os.path.realpath(entry) == real for entry in paths)


def _check_one_plugin(plugin_path: list[str], ours: str) -> bool:
    """Warn about the plugins GEOPM 3.1, which loads one plugin per process,
    would load instead of ours from a path that holds ours; True when any."""
    preloads = os.environ.get("LD_PRELOAD", "").replace(" ", ":").split(":")
    if _holds(preloads, ours) or not _holds(plugin_path, os.path.dirname(ours)):
        return False
    found = False
    agents = _geopm_plugin_files(plugin_path, _AGENT_PREFIX)
    if agents and os.path.realpath(agents[0]) != os.path.realpath(ours):
        _warn(
            f"GEOPM 3.1 loads only the first plugin it finds (its own lib/geopm, then "
            f"GEOPM_PLUGIN_PATH from the last entry to the first): its tools would load "
            f"{agents[0]} and skip the Python agents; to have both, keep "
            f"{os.path.dirname(ours)} out of GEOPM_PLUGIN_PATH and preload ours "
            "(docs/native.md, 'Only the first plugin loads')"
        )
        found = True
    iogroups = _geopm_plugin_files(plugin_path, _IOGROUP_PREFIX)
    if iogroups:
        _warn(
            f"geopmctl loads IOGroup plugins before agent plugins, so GEOPM 3.1 would load "
            f"{iogroups[0]} there and no Python agent (geopmagent still lists them): keep "
            f"{os.path.dirname(ours)} out of GEOPM_PLUGIN_PATH and run geopmctl with ours "
            "preloaded (PATH=$(geopm-bridge plugin-path --wrappers):$PATH)"
        )
        found = True
    return found


def _platform_failure() -> str | None:
    """Why GEOPM cannot open this node's platform, or None when it can."""
    try:
        platform_io().signal_names()
    except Exception as error:  # noqa: BLE001 - reported, with what to do
        advice = hint(str(error))
        return user_message(error) + (f" ({advice})" if advice else "")
    return None


def _init_failure(name: str) -> str | None:
    """Why Python agent ``name`` cannot start on this node: a new one's
    ``init()`` tried as a leaf (level 0) that pushes what it reads; nothing
    is written, since no batch is ever run."""
    # One line each: the hook and the agent's message, without a traceback.
    try:
        agent = agent_factory().make_plugin(name)
    except Exception as error:  # noqa: BLE001 - the agent's own error, reported
        # It names the constructor and the Python error already.
        return user_message(error).splitlines()[0]
    try:
        if isinstance(agent, Agent):
            agent.init(0, [], False)
    except Exception as error:  # noqa: BLE001 - the agent's own error, reported
        line = user_message(error).splitlines()[0]
        return f"{name}.init(): {type(error).__name__}: {line}"
    return None


def main(args: list[str]) -> int:
    """Run ``geopm-bridge doctor``."""
    ArgumentParser(
        prog="geopm-bridge doctor",
        description="Print the backend, the GEOPM version it runs on, the GEOPM plugin "
        "directory and every agent found, with its policy and sample names; warn about what "
        "would keep the Python agents from running (exit status 1 when something does).",
    ).parse_args(args)
    plugin_path, is_path_broken = _usable_plugin_path()
    broken = is_path_broken

    print(f"backend: {BACKEND}")
    print(f"GEOPM version: {geopm_version()}")
    print(f"GEOPM libraries: {', '.join(runtime_libraries()) or '(none found)'}")
    print(f"Python: {sys.executable} ({sys.version.split()[0]})")
    directory = plugin_directory()
    plugin = os.path.join(directory, PLUGIN_FILE)
    state = "" if os.path.isfile(plugin) else " (plugin file missing!)"
    print(f"plugin directory: {directory}{state}")
    print(f"plugin Python: {get_plugin_python()}")
    if BACKEND == "native":
        if not _holds(plugin_path, directory):
            print(
                "note: GEOPM_PLUGIN_PATH does not hold the plugin directory: GEOPM's tools "
                "see the Python agents only where ours is preloaded (geopmctl: "
                "PATH=$(geopm-bridge plugin-path --wrappers):$PATH); else export "
                "GEOPM_PLUGIN_PATH=$(geopm-bridge plugin-path)"
            )
        broken |= _check_one_plugin(plugin_path, plugin)
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
        _warn(str(failure))
    broken |= bool(failures)

    platform = _platform_failure()
    if platform is not None:
        _warn(f"GEOPM cannot open this node's platform, so no agent can run: {platform}")
        return 1
    for name in names:
        if factory.agent_class(name) is not None:
            why = _init_failure(name)
            if why is not None:
                _warn(f"agent {name} cannot start on this node: {why}")
    return 1 if broken else 0
