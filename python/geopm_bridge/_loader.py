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

# Sonames first: _core's own dependency on them is then already satisfied.
_EMBEDDED_RUNTIME = ("libgeopmbridge.so.0", "libgeopmbridge.so")
# libgeopm needs libgeopmd: load that first.
_NATIVE_RUNTIME = ("libgeopmd.so", "libgeopm.so")


def runtime_libraries() -> list[str]:
    """Paths of the GEOPM libraries this build loads before ``_core``."""
    if BACKEND == "native":
        return [os.path.join(GEOPM_LIBRARY_DIR, name) for name in _NATIVE_RUNTIME]
    lib_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
    for name in _EMBEDDED_RUNTIME:
        path = os.path.join(lib_dir, name)
        if os.path.exists(path):
            return [path]
    return []


def _load_runtime() -> None:
    for path in runtime_libraries():
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)


_load_runtime()

from . import _core  # noqa: E402  (needs the runtime loaded first)

__all__ = ["BACKEND", "_core", "runtime_libraries"]
