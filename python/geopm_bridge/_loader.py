"""Load the compiled runtime, then the extension module ``_core``.

The runtime library is opened with ``RTLD_GLOBAL`` before ``_core`` is
imported: GEOPM plugins (``libgeopmagent_*.so``, ``libgeopmiogroup_*.so``)
are often built without linking any library and must find the ``geopm::``
symbols already loaded in the process. Import ``_core`` from here, never
directly.
"""

from __future__ import annotations

import ctypes
import os

# The soname first: _core's own dependency on it is then already satisfied.
_RUNTIME_NAMES = ("libgeopmbridge.so.0", "libgeopmbridge.so")


def _load_runtime() -> None:
    lib_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib")
    for name in _RUNTIME_NAMES:
        path = os.path.join(lib_dir, name)
        if os.path.exists(path):
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
            return
    # No bundled runtime (the native backend links an installed libgeopm):
    # _core's own dependencies are all there is to load.


_load_runtime()

from . import _core  # noqa: E402  (needs the runtime loaded first)

__all__ = ["_core"]
