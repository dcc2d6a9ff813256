"""Finding the drivers in ``adjust.d`` and the environment they run in.

Only executables count; hidden files and editor or package-manager backups
never do, even with the run bit.  File names order the drivers (System V
style ``01ec2asg``, ``02winec2``); a driver's name is the first word of its
version, else its file name without the ordering prefix.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field

from geopm_servo.layout import DRIVERS_DIR
from geopm_servo.protocol import JsonObject, ProtocolError

#: File name endings of editor backups, package-manager leftovers and the like.
IGNORED_SUFFIXES = (
    "~",
    ".bak",
    ".backup",
    ".old",
    ".orig",
    ".rej",
    ".tmp",
    ".swp",
    ".swo",
    ".swn",
    ".swx",
    ".save",
    ".dpkg-dist",
    ".dpkg-new",
    ".dpkg-old",
    ".dpkg-tmp",
    ".rpmnew",
    ".rpmorig",
    ".rpmsave",
)

_ORDER_PREFIX = re.compile(r"^[0-9]+[-_.]?")


def is_ignored_name(name: str) -> bool:
    """Tell whether a file in ``adjust.d`` is skipped because of its name.

    Hidden files (dot-files), Emacs auto-save files (``#name#``) and editor
    or package-manager backups (``name~``, ``name.bak``, ``name.swp``,
    ``name.orig``, ...) are never drivers.
    """
    if name.startswith(".") or (name.startswith("#") and name.endswith("#")):
        return True
    return name.lower().endswith(IGNORED_SUFFIXES)


def name_from_filename(filename: str) -> str:
    """Strip an ordering prefix from a driver's file name: ``01ec2asg`` gives ``ec2asg``."""
    return _ORDER_PREFIX.sub("", filename) or filename


@dataclass(eq=False)
class Driver:
    """One driver found in ``adjust.d``."""

    #: Absolute path of the executable.
    path: str
    #: File name in ``adjust.d``.
    filename: str
    #: Version string the driver reported (``ec2asg 1.3``), once known.
    version: str | None = None
    #: Whether the driver's ``--info`` said ``has_cancel: true``.
    has_cancel: bool = False
    #: The driver's ``--query`` reply, once known.
    query: JsonObject = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The driver's own name: first word of its version string, else its file name.

        An ordering prefix of the file name (``01``, ``10-``) is dropped.
        """
        if self.version:
            words = self.version.split()
            if len(words) >= 2:
                return words[0]
        return name_from_filename(self.filename)

    @property
    def label(self) -> str:
        """The name with the file, for error messages: ``ec2asg (adjust.d/01ec2asg)``."""
        return f"{self.name} ({DRIVERS_DIR}/{self.filename})"

    def version_label(self) -> str:
        """The version as shown in the aggregator's version: always ``name version``."""
        version = (self.version or "").strip()
        if not version:
            return f"{self.name} unknown"
        if len(version.split()) >= 2:
            return version
        return f"{self.name} {version}"


def discover_drivers(directory: str = DRIVERS_DIR) -> list[Driver]:
    """Return the drivers in ``directory``, ordered by file name.

    Drivers are the regular files (symbolic links to them count) with the
    run bit, except the names :func:`is_ignored_name` rejects.  Anything else
    (data files, modules, sub-directories) is left alone.  Raises
    :class:`ProtocolError` (reason ``no-drivers-dir``) when the directory is
    missing or cannot be read.
    """
    where = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise ProtocolError(
            f"drivers directory {where} not found: run the aggregator in servo's "
            f"directory, with the drivers in {DRIVERS_DIR}/",
            reason="no-drivers-dir",
        )
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise ProtocolError(
            f"cannot list drivers directory {where}: {exc.strerror}", reason="no-drivers-dir"
        ) from None
    drivers = []
    for name in names:
        if is_ignored_name(name):
            continue
        path = os.path.join(where, name)
        try:
            st = os.stat(path)
        except OSError:
            continue  # e.g. a dangling symbolic link
        if not stat.S_ISREG(st.st_mode):
            continue
        if not st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH):
            continue
        if not os.access(path, os.X_OK):
            continue
        drivers.append(Driver(path=path, filename=name))
    return drivers


def child_environment(
    environ: Mapping[str, str], servo_dir: str, drivers_dir: str
) -> dict[str, str]:
    """Return the environment for the drivers: ``environ`` with ``PYTHONPATH`` extended.

    Servo's directory and the drivers directory are appended to whatever
    ``PYTHONPATH`` already holds (nothing is removed or reordered), so that
    drivers find supporting modules placed beside them or beside ``adjust``.
    """
    env = dict(environ)
    current = env.get("PYTHONPATH", "")
    present = current.split(os.pathsep) if current else []
    extra = [p for p in (servo_dir, drivers_dir) if p not in present]
    if extra:
        env["PYTHONPATH"] = os.pathsep.join(([current] if current else []) + extra)
    return env
