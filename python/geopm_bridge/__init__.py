"""Write GEOPM power-management agents in Python; run them in a C++ control loop.

Importing the package loads the GEOPM runtime of this build's backend and
the extension module (see ``_loader``).
"""

from __future__ import annotations

import os

# _loader first: it loads the GEOPM runtime that _core needs (agent,
# profile and registry import it too). _core's names are re-bound below, not imported
# from it, so that no import sorter can move them ahead of the loader.
from ._loader import (
    BACKEND,
    GEOPM_INCLUDE_DIR,
    GEOPM_LIBRARY_DIR,
    PLUGIN_PYTHON,
    VERSION,
    _core,
    runtime_libraries,
)
from .agent import Agent, Aggregation, FloatArray
from .composite import compose
from .job import run
from .profile import RegionHint
from .registry import AgentFactory, AgentLoadError, agent_factory, load_agents, register_agent
from .result import ReportFrames, RunInterrupted, RunResult

__version__ = VERSION

_HERE = os.path.dirname(os.path.abspath(__file__))

geopm_version = _core.geopm_version

GeopmError = _core.GeopmError
error_message = _core.error_message

GEOPM_ERROR_RUNTIME = _core.GEOPM_ERROR_RUNTIME
GEOPM_ERROR_LOGIC = _core.GEOPM_ERROR_LOGIC
GEOPM_ERROR_INVALID = _core.GEOPM_ERROR_INVALID
GEOPM_ERROR_FILE_PARSE = _core.GEOPM_ERROR_FILE_PARSE
GEOPM_ERROR_LEVEL_RANGE = _core.GEOPM_ERROR_LEVEL_RANGE
GEOPM_ERROR_NOT_IMPLEMENTED = _core.GEOPM_ERROR_NOT_IMPLEMENTED
GEOPM_ERROR_PLATFORM_UNSUPPORTED = _core.GEOPM_ERROR_PLATFORM_UNSUPPORTED
GEOPM_ERROR_MSR_OPEN = _core.GEOPM_ERROR_MSR_OPEN
GEOPM_ERROR_MSR_READ = _core.GEOPM_ERROR_MSR_READ
GEOPM_ERROR_MSR_WRITE = _core.GEOPM_ERROR_MSR_WRITE
GEOPM_ERROR_AGENT_UNSUPPORTED = _core.GEOPM_ERROR_AGENT_UNSUPPORTED
GEOPM_ERROR_AFFINITY = _core.GEOPM_ERROR_AFFINITY
GEOPM_ERROR_NO_AGENT = _core.GEOPM_ERROR_NO_AGENT
GEOPM_ERROR_DATA_STORE = _core.GEOPM_ERROR_DATA_STORE

DOMAIN_INVALID = _core.DOMAIN_INVALID
DOMAIN_BOARD = _core.DOMAIN_BOARD
DOMAIN_PACKAGE = _core.DOMAIN_PACKAGE
DOMAIN_CORE = _core.DOMAIN_CORE
DOMAIN_CPU = _core.DOMAIN_CPU
DOMAIN_MEMORY = _core.DOMAIN_MEMORY
DOMAIN_PACKAGE_INTEGRATED_MEMORY = _core.DOMAIN_PACKAGE_INTEGRATED_MEMORY
DOMAIN_NIC = _core.DOMAIN_NIC
DOMAIN_PACKAGE_INTEGRATED_NIC = _core.DOMAIN_PACKAGE_INTEGRATED_NIC
DOMAIN_GPU = _core.DOMAIN_GPU
DOMAIN_PACKAGE_INTEGRATED_GPU = _core.DOMAIN_PACKAGE_INTEGRATED_GPU
DOMAIN_GPU_CHIP = _core.DOMAIN_GPU_CHIP
NUM_DOMAIN = _core.NUM_DOMAIN

SIGNAL_BEHAVIOR_CONSTANT = _core.SIGNAL_BEHAVIOR_CONSTANT
SIGNAL_BEHAVIOR_MONOTONE = _core.SIGNAL_BEHAVIOR_MONOTONE
SIGNAL_BEHAVIOR_VARIABLE = _core.SIGNAL_BEHAVIOR_VARIABLE
SIGNAL_BEHAVIOR_LABEL = _core.SIGNAL_BEHAVIOR_LABEL

# GEOPM's Agent statics, as functions.
agent_names = _core.agent_names
num_policy = _core.num_policy
num_sample = _core.num_sample
policy_names = _core.policy_names
sample_names = _core.sample_names
make_dictionary = _core.make_dictionary
aggregate_sample = _core.aggregate_sample

CppAgent = _core.CppAgent
Waiter = _core.Waiter
environment_period = _core.environment_period

PlatformIO = _core.PlatformIO
SampleGroup = _core.SampleGroup
PlatformTopo = _core.PlatformTopo
platform_io = _core.platform_io
platform_topo = _core.platform_topo

# Jobs run on the embedded runtime; an installed GEOPM runs them under
# geopmlaunch, and its build has no job API.
if BACKEND == "embedded":
    JobConfig = _core.JobConfig
    run_job = _core.run_job
    ApplicationStartError = _core.ApplicationStartError


def get_include() -> str:
    """Return the directory of the GEOPM C++ headers that plugins build against.

    The bundled GEOPM-compatible headers on the embedded backend; the
    installed GEOPM's own on the native backend.
    """
    return GEOPM_INCLUDE_DIR if BACKEND == "native" else os.path.join(_HERE, "include")


def get_library_dir() -> str:
    """Return the directory where ``-lgeopmd`` (and ``-lgeopm``) resolve for plugins."""
    return GEOPM_LIBRARY_DIR if BACKEND == "native" else os.path.join(_HERE, "lib")


def get_plugin_python() -> str | None:
    """Return the Python the GEOPM agent plugin starts in a process that has none.

    Both backends build the plugin; None only in a source checkout, which has none.
    """
    return PLUGIN_PYTHON or None


__all__ = [
    "__version__",
    "get_include",
    "get_library_dir",
    "get_plugin_python",
    "runtime_libraries",
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
    "CppAgent",
    "PlatformIO",
    "SampleGroup",
    "PlatformTopo",
    "RegionHint",
    "ReportFrames",
    "RunInterrupted",
    "RunResult",
    "Waiter",
    "agent_factory",
    "agent_names",
    "aggregate_sample",
    "compose",
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
    "profile",
    "register_agent",
    "run",
    "sample_names",
]
if BACKEND == "embedded":
    __all__ += ["ApplicationStartError", "JobConfig", "run_job"]
