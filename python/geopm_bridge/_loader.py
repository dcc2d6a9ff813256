"""Load the GEOPM libraries of this build's backend, then the extension module ``_core``.

The libraries are opened with ``RTLD_GLOBAL`` before ``_core`` is imported:
GEOPM plugins (``libgeopmagent_*.so``, ``libgeopmiogroup_*.so``) are often
built without linking any library and must find the ``geopm::`` symbols
already loaded in the process. The embedded backend loads the bundled
runtime (``lib/``); the native backend the installed GEOPM that ``_core``
was linked with, and never the bundled runtime: one process holds one GEOPM.
Import ``_core`` from here, never directly.
"""

from __future__ import annotations

import ctypes
import os

try:
    from ._build_info import BACKEND, GEOPM_LIBRARY_DIR
except ImportError:  # a source checkout: only the embedded build runs from one
    BACKEND, GEOPM_LIBRARY_DIR = "embedded", ""

_EMBEDDED_RUNTIME = "libgeopmbridge.so"
# libgeopm needs libgeopmd: load that first.
_NATIVE_RUNTIME = ("libgeopmd.so", "libgeopm.so")


def runtime_libraries() -> list[str]:
    """Paths of the GEOPM libraries this build loads before ``_core``."""
    if BACKEND == "native":
        return [os.path.join(GEOPM_LIBRARY_DIR, name) for name in _NATIVE_RUNTIME]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", _EMBEDDED_RUNTIME)
    return [path] if os.path.exists(path) else []


def _loaded_files() -> set[str]:
    """Paths of the files mapped into this process."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            fields = [line.split(maxsplit=5) for line in maps]
    except OSError:
        return set()
    # address, permissions, offset, device, inode, then the path if any
    return {entry[5].strip() for entry in fields if len(entry) == 6}


def _check_one_runtime() -> None:
    """Refuse to load a second GEOPM runtime into a process that has one."""
    if BACKEND == "native":
        foreign = (_EMBEDDED_RUNTIME,)
    else:
        foreign = ("libgeopm.so", "libgeopmd.so")
    for path in sorted(_loaded_files()):
        if os.path.basename(path).startswith(foreign):
            raise ImportError(
                f"geopm_bridge ({BACKEND} backend) cannot load: this process already holds "
                f"another GEOPM runtime, {path}, and one process holds one GEOPM. Use a "
                "geopm_bridge built for it (GEOPM_ROOT=<its prefix> pip install geopm-bridge "
                "for an installed GEOPM)."
            )


def _load_runtime() -> None:
    _check_one_runtime()
    for path in runtime_libraries():
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


_load_runtime()

from . import _core  # noqa: E402  (needs the runtime loaded first)

__all__ = ["BACKEND", "_core", "runtime_libraries"]
