"""Unit-test agents: drive one agent, or a small tree, in-process with scripted signals.

::

    from geopm_bridge.testing import constant, run_agent

    result = run_agent(MyAgent, 10, policy=[0.3, 0.7], signals={"CPU_POWER": 180.0})
    result.samples            # periods x samples, what sample_platform() filled
    result.controls["CPU_FREQUENCY_MAX_CONTROL"]  # periods x domain indices

No controller, no application and no real time: :func:`run_agent` calls the
hooks in the controller's order (:mod:`.harness`) against a strict Python
PlatformIO whose names, domains and topology are the node model's and whose
signals read the scripts (:mod:`.platform`). ``agent_harness`` is a pytest
fixture giving ``run_agent``: import it into a ``conftest.py``
(``from geopm_bridge.testing import agent_harness``); it is loaded only
then, so this package does not need pytest.
"""

from __future__ import annotations

from typing import Any

from .catalog import Catalog, node_model_catalog
from .harness import AgentHookError, HarnessResult, NodeResult, run_agent, trace_scripts
from .platform import ScriptedPlatformIO, ScriptedPlatformTopo
from .script import ControlReader, Script, ScriptLike, constant, of_controls, of_time, per_period

__all__ = [
    "AgentHookError",
    "Catalog",
    "ControlReader",
    "HarnessResult",
    "NodeResult",
    "Script",
    "ScriptLike",
    "ScriptedPlatformIO",
    "ScriptedPlatformTopo",
    "agent_harness",
    "constant",
    "node_model_catalog",
    "of_controls",
    "of_time",
    "per_period",
    "run_agent",
    "trace_scripts",
]


def __getattr__(name: str) -> Any:
    # The fixture imports pytest: only when asked for.
    if name == "agent_harness":
        from .fixture import agent_harness

        return agent_harness
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
