"""Servo's directory as the aggregator expects it, and ``init DIR`` that lays one out.

The layout::

    DIR/adjust        launcher that runs the aggregator
    DIR/adjust.d/     the drivers go here (executables, ordered by file name)
    DIR/config.yaml   servo's configuration, one section per driver

An existing layout is never overwritten.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

#: The adjust driver servo runs, in its own directory.
ADJUST = "adjust"
#: Directory (relative to servo's directory) holding the aggregator's drivers.
DRIVERS_DIR = "adjust.d"
#: servo's configuration file, relative to servo's directory.
CONFIG_FILE = "config.yaml"

#: The module the ``adjust`` launcher runs.
MODULE = "geopm_servo.aggregator"

CONFIG_TEMPLATE = """\
# servo configuration, read by the adjust drivers in adjust.d/.
#
# ./adjust (the driver aggregator) runs every executable file in adjust.d/
# as one adjust driver, in file name order.  Each driver reads the section
# named after itself, whatever its file is called: adjust.d/01geopm reads
# the "geopm" section, adjust.d/02mydriver reads "mydriver".
#
# Example (uncomment and adapt; the keys inside a section are defined by
# that driver, see its documentation):
#
# geopm:                               # servo-adjust-geopm (docs/servo.md)
#   agent: power_governor
#   endpoint: /tmp/job/endpoint        # the --geopm-endpoint of the running launch
#   timeout: 30
#   settings:
#     CPU_POWER_LIMIT: {component: node, setting: power_cap, min: 50, max: 200, step: 10, unit: W}
#
# mydriver:
#   some_option: some value
"""


class LayoutError(Exception):
    """The layout cannot be created (it exists already, or the file system refused)."""


def _package_root() -> Path:
    """Directory that holds the ``geopm_servo`` package this module was loaded from."""
    return Path(__file__).resolve().parent.parent


def _needs_pythonpath(python: str) -> bool:
    """Tell whether ``python`` needs PYTHONPATH to import this copy of the package."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = "import geopm_servo as m; print(m.__file__)"
    try:
        found = subprocess.run(
            [python, "-c", probe],
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return True
    if found.returncode != 0 or not found.stdout.strip():
        return True
    here = Path(__file__).resolve().parent
    return Path(found.stdout.strip()).resolve().parent != here


def launcher_script(python: str | None = None) -> str:
    """Text of the ``adjust`` launcher for the interpreter ``python`` (default: this one)."""
    python = python or sys.executable
    lines = [
        "#!/bin/sh",
        "# servo adjust driver: the geopm-bridge driver aggregator.",
        "# It runs every executable in ./adjust.d as one adjust driver; run it",
        "# from this directory, where config.yaml is (servo does).",
    ]
    if _needs_pythonpath(python):
        root = shlex.quote(str(_package_root()))
        lines.append(f'PYTHONPATH={root}"${{PYTHONPATH:+:$PYTHONPATH}}"')
        lines.append("export PYTHONPATH")
    lines.append(f'exec {shlex.quote(python)} -m {MODULE} "$@"')
    return "\n".join(lines) + "\n"


def init_layout(directory: str | os.PathLike[str], python: str | None = None) -> list[Path]:
    """Create ``adjust``, ``adjust.d/`` and ``config.yaml`` in ``directory``.

    ``directory`` is created if needed and may already hold other files
    (servo itself, say).  Raises :class:`LayoutError` without touching
    anything if ``adjust`` or ``config.yaml`` exists, or ``adjust.d``
    exists and is not an empty directory.  Returns the paths created.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise LayoutError(f"{root} exists and is not a directory")
    adjust, drivers, config = root / ADJUST, root / DRIVERS_DIR, root / CONFIG_FILE
    existing = [p.name for p in (adjust, config) if p.exists() or p.is_symlink()]
    if drivers.is_symlink() or drivers.exists():
        if not drivers.is_dir() or any(drivers.iterdir()):
            existing.append(DRIVERS_DIR + "/")
    if existing:
        raise LayoutError(
            f"refusing to overwrite the existing servo layout in {root}: "
            f"{', '.join(existing)} already there (move them away first)"
        )
    script = launcher_script(python)
    created: list[Path] = []
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not drivers.is_dir():
            drivers.mkdir()
        created.append(drivers)
        with open(adjust, "x", encoding="utf-8") as fh:
            fh.write(script)
        adjust.chmod(0o755)
        created.append(adjust)
        with open(config, "x", encoding="utf-8") as fh:
            fh.write(CONFIG_TEMPLATE)
        created.append(config)
    except OSError as exc:
        raise LayoutError(f"cannot create the layout in {root}: {exc}") from None
    return created


def init_main(directory: str) -> int:
    """Command ``init DIR``: create the layout and tell the user what to do next."""
    try:
        created = init_layout(directory)
    except LayoutError as exc:
        print(f"servo-adjust-aggregator init: error: {exc}", file=sys.stderr)
        return 1
    for path in created:
        print(f"created {path}{'/' if path.is_dir() else ''}")
    print(
        f"next: put the drivers (executables) in {Path(directory) / DRIVERS_DIR}, "
        f"give each its section in {Path(directory) / CONFIG_FILE}, then check with "
        f"'cd {shlex.quote(str(directory))} && ./adjust --version'"
    )
    return 0
