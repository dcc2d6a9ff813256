"""The public names of geopm_bridge that need the compiled runtime.

``geopm_bridge`` re-exports them lazily (``geopm_bridge.Agent`` etc.), so
importing the package, or ``geopm_bridge.servo``, loads no C++ code.
"""

from __future__ import annotations

from ._loader import _core
from .agent import Agent as Agent
from .agent import Aggregation as Aggregation
from .agent import FloatArray as FloatArray
from .registry import AgentFactory as AgentFactory
from .registry import AgentLoadError as AgentLoadError
from .registry import agent_factory as agent_factory
from .registry import load_agents as load_agents
from .registry import register_agent as register_agent

BACKEND = _core.BACKEND
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

NativeAgent = _core.NativeAgent
Waiter = _core.Waiter
environment_period = _core.environment_period

PlatformIO = _core.PlatformIO
SampleGroup = _core.SampleGroup
PlatformTopo = _core.PlatformTopo
platform_io = _core.platform_io
platform_topo = _core.platform_topo

JobConfig = _core.JobConfig
run_job = _core.run_job
