"""Write GEOPM power-management agents in Python; run them in a C++ control loop.

The compiled runtime is loaded on first use of a name that needs it, so that
``geopm_bridge.servo`` and the path helpers work without it.
"""

from __future__ import annotations

import os
from typing import Any

__version__ = "0.1.0"

_HERE = os.path.dirname(os.path.abspath(__file__))


def get_include() -> str:
    """Return the directory holding the installed GEOPM-compatible C++ headers."""
    return os.path.join(_HERE, "include")


def get_library_dir() -> str:
    """Return the directory holding the runtime library (``-lgeopmd`` resolves there)."""
    return os.path.join(_HERE, "lib")


def __getattr__(name: str) -> Any:
    # Names of the compiled API are resolved on first access (PEP 562).
    from . import _api

    try:
        return getattr(_api, name)
    except AttributeError:
        raise AttributeError(f"module 'geopm_bridge' has no attribute {name!r}") from None
