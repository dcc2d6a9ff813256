"""Jobs under ``geopm-bridge launch`` in real processes, as the tests run them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from cpp_build import clean_env

GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]


def launch(
    cwd: Path,
    *app: str,
    options: Sequence[str] = (),
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``geopm-bridge launch OPTIONS -- APP`` in cwd, without the caller's GEOPM
    settings unless env is given; the caller checks the result."""
    return subprocess.run(
        [*GEOPM_BRIDGE, "launch", *options, "--", *app],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(
    cwd: Path,
    *app: str,
    options: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> subprocess.Popen[str]:
    """``launch``'s job started, not waited for (stdout and stderr piped): for
    tests that signal or kill the controller while it runs."""
    return subprocess.Popen(
        [*GEOPM_BRIDGE, "launch", *options, "--", *app],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def agent_command(*args: str) -> str:
    """``geopm-bridge agent ARGS``'s output; it must succeed."""
    result = subprocess.run(
        [*GEOPM_BRIDGE, "agent", *args],
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout
