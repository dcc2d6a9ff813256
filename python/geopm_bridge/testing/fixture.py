"""The pytest fixture ``agent_harness``: :func:`~geopm_bridge.testing.run_agent` for a test.

Import it into a ``conftest.py`` (or a test module) to make it available::

    from geopm_bridge.testing import agent_harness  # noqa: F401

then ask for it by name::

    def test_cap(agent_harness):
        result = agent_harness(MyAgent, 5, signals={"CPU_POWER": 150.0})

Override it in a ``conftest.py`` to fix arguments for a whole directory
(``functools.partial(run_agent, node_model="gpus=4")``).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .harness import HarnessResult, run_agent

__all__ = ["agent_harness"]


@pytest.fixture
def agent_harness() -> Callable[..., HarnessResult]:
    """``run_agent``: drive an agent for N periods with scripted signals."""
    return run_agent
