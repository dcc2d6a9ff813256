"""Write GEOPM power-management agents in Python; run them in a C++ control loop.

The compiled runtime is loaded on first use of a name that needs it, so that
``geopm_bridge.servo`` and the path helpers work without it.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what __getattr__ resolves at run time, spelled out for type checkers
    from ._api import (
        BACKEND,
        DOMAIN_BOARD,
        DOMAIN_CORE,
        DOMAIN_CPU,
        DOMAIN_GPU,
        DOMAIN_GPU_CHIP,
        DOMAIN_INVALID,
        DOMAIN_MEMORY,
        DOMAIN_NIC,
        DOMAIN_PACKAGE,
        DOMAIN_PACKAGE_INTEGRATED_GPU,
        DOMAIN_PACKAGE_INTEGRATED_MEMORY,
        DOMAIN_PACKAGE_INTEGRATED_NIC,
        GEOPM_ERROR_AFFINITY,
        GEOPM_ERROR_AGENT_UNSUPPORTED,
        GEOPM_ERROR_DATA_STORE,
        GEOPM_ERROR_FILE_PARSE,
        GEOPM_ERROR_INVALID,
        GEOPM_ERROR_LEVEL_RANGE,
        GEOPM_ERROR_LOGIC,
        GEOPM_ERROR_MSR_OPEN,
        GEOPM_ERROR_MSR_READ,
        GEOPM_ERROR_MSR_WRITE,
        GEOPM_ERROR_NO_AGENT,
        GEOPM_ERROR_NOT_IMPLEMENTED,
        GEOPM_ERROR_PLATFORM_UNSUPPORTED,
        GEOPM_ERROR_RUNTIME,
        NUM_DOMAIN,
        SIGNAL_BEHAVIOR_CONSTANT,
        SIGNAL_BEHAVIOR_LABEL,
        SIGNAL_BEHAVIOR_MONOTONE,
        SIGNAL_BEHAVIOR_VARIABLE,
        Agent,
        AgentFactory,
        AgentLoadError,
        Aggregation,
        FloatArray,
        GeopmError,
        JobConfig,
        NativeAgent,
        PlatformIO,
        PlatformTopo,
        SampleGroup,
        Waiter,
        agent_factory,
        agent_names,
        aggregate_sample,
        environment_period,
        error_message,
        geopm_version,
        load_agents,
        make_dictionary,
        num_policy,
        num_sample,
        platform_io,
        platform_topo,
        policy_names,
        register_agent,
        run_job,
        sample_names,
    )

__version__ = "0.1.0"

_HERE = os.path.dirname(os.path.abspath(__file__))


def _native_dirs() -> tuple[str, str] | None:
    """(include, library) directories of the installed GEOPM on the native backend."""
    try:
        from ._build_info import BACKEND, GEOPM_INCLUDE_DIR, GEOPM_LIBRARY_DIR
    except ImportError:  # a source checkout: embedded
        return None
    return (GEOPM_INCLUDE_DIR, GEOPM_LIBRARY_DIR) if BACKEND == "native" else None


def get_include() -> str:
    """Return the directory of the GEOPM C++ headers that plugins build against.

    The bundled GEOPM-compatible headers on the embedded backend; the
    installed GEOPM's own on the native backend.
    """
    native = _native_dirs()
    return native[0] if native else os.path.join(_HERE, "include")


def get_library_dir() -> str:
    """Return the directory where ``-lgeopmd`` (and ``-lgeopm``) resolve for plugins."""
    native = _native_dirs()
    return native[1] if native else os.path.join(_HERE, "lib")


def __getattr__(name: str) -> Any:
    # Names of the compiled API are resolved on first access (PEP 562).
    # Private and dunder names never load it: import machinery and tools
    # probe those (a "from . import _api" here would even recurse).
    if name in __all__ and not name.startswith("_"):
        return getattr(importlib.import_module(f"{__name__}._api"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "__version__",
    "get_include",
    "get_library_dir",
    "BACKEND",
    "DOMAIN_BOARD",
    "DOMAIN_CORE",
    "DOMAIN_CPU",
    "DOMAIN_GPU",
    "DOMAIN_GPU_CHIP",
    "DOMAIN_INVALID",
    "DOMAIN_MEMORY",
    "DOMAIN_NIC",
    "DOMAIN_PACKAGE",
    "DOMAIN_PACKAGE_INTEGRATED_GPU",
    "DOMAIN_PACKAGE_INTEGRATED_MEMORY",
    "DOMAIN_PACKAGE_INTEGRATED_NIC",
    "GEOPM_ERROR_AFFINITY",
    "GEOPM_ERROR_AGENT_UNSUPPORTED",
    "GEOPM_ERROR_DATA_STORE",
    "GEOPM_ERROR_FILE_PARSE",
    "GEOPM_ERROR_INVALID",
    "GEOPM_ERROR_LEVEL_RANGE",
    "GEOPM_ERROR_LOGIC",
    "GEOPM_ERROR_MSR_OPEN",
    "GEOPM_ERROR_MSR_READ",
    "GEOPM_ERROR_MSR_WRITE",
    "GEOPM_ERROR_NOT_IMPLEMENTED",
    "GEOPM_ERROR_NO_AGENT",
    "GEOPM_ERROR_PLATFORM_UNSUPPORTED",
    "GEOPM_ERROR_RUNTIME",
    "NUM_DOMAIN",
    "SIGNAL_BEHAVIOR_CONSTANT",
    "SIGNAL_BEHAVIOR_LABEL",
    "SIGNAL_BEHAVIOR_MONOTONE",
    "SIGNAL_BEHAVIOR_VARIABLE",
    "Agent",
    "AgentFactory",
    "AgentLoadError",
    "Aggregation",
    "FloatArray",
    "GeopmError",
    "JobConfig",
    "NativeAgent",
    "PlatformIO",
    "SampleGroup",
    "PlatformTopo",
    "Waiter",
    "agent_factory",
    "agent_names",
    "aggregate_sample",
    "environment_period",
    "error_message",
    "geopm_version",
    "load_agents",
    "make_dictionary",
    "num_policy",
    "num_sample",
    "platform_io",
    "platform_topo",
    "policy_names",
    "register_agent",
    "run_job",
    "sample_names",
]
