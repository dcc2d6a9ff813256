"""Helpers for the GEOPM adjust driver tests: config.yaml, the controller stand-in, runs.

The driver always runs as a real process (``python -m
geopm_servo.geopm_driver``) in a servo directory holding
``config.yaml``; the controller is either the stand-in of geopm_standin.py,
also a real process, or a real ``geopm-bridge launch``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from servo_helpers import Result, base_env, wait_for

DRIVER_MODULE = "geopm_servo.geopm_driver"
STANDIN = Path(__file__).resolve().parent / "geopm_standin.py"

POWER_CAP = {"component": "node", "setting": "power_cap", "min": 50, "max": 300, "step": 10}


def geopm_section(endpoint: Path, **overrides: Any) -> dict[str, Any]:
    """A ``geopm`` config section for the power_governor's CPU_POWER_LIMIT."""
    section: dict[str, Any] = {
        "agent": "power_governor",
        "endpoint": str(endpoint),
        "timeout": 20,
        "settings": {"CPU_POWER_LIMIT": dict(POWER_CAP, unit="W")},
    }
    section.update(overrides)
    return section


def adjust_request(value: Any, component: str = "node", setting: str = "power_cap") -> dict:
    """A servo adjust request setting one value."""
    return {
        "application": {"components": {component: {"settings": {setting: {"value": value}}}}},
        "control": {},
    }


class Standin:
    """A running controller stand-in publishing at ``prefix``."""

    def __init__(self, prefix: Path, agent: str, policy: list[str], *flags: str) -> None:
        self.prefix = prefix
        args = [sys.executable, str(STANDIN), str(prefix), "--agent", agent]
        for item in policy:
            args += ["--policy", item]
        self.proc = subprocess.Popen([*args, *flags], stderr=subprocess.PIPE, text=True)
        wait_for(lambda: self.sample_path.exists() or self.proc.poll() is not None)
        assert self.proc.poll() is None, self.proc.communicate()[1]

    @property
    def sample_path(self) -> Path:
        return Path(f"{self.prefix}.sample")

    @property
    def policy_path(self) -> Path:
        return Path(f"{self.prefix}.policy")

    def sample(self) -> dict[str, Any]:
        """The current sample document."""
        return json.loads(self.sample_path.read_text())

    def written_policy(self) -> dict[str, Any]:
        """The policy document the driver wrote."""
        return json.loads(self.policy_path.read_text())

    def accepted(self) -> list[int]:
        """The seqs the stand-in accepted, in order."""
        path = Path(f"{self.prefix}.accepted")
        return [int(x) for x in path.read_text().split()] if path.exists() else []

    def stop(self) -> None:
        """Stop it; it publishes ``running: false`` first."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=10)


class DriverDir:
    """A servo directory with ``config.yaml``, where the driver runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def configure(self, section: Any, name: str = "geopm") -> None:
        """Write ``config.yaml`` with ``section`` as the ``name`` section."""
        (self.root / "config.yaml").write_text(yaml.safe_dump({name: section}))

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for the driver: the source tree first on PYTHONPATH."""
        return base_env(**extra)

    def run(self, *args: str, stdin: str | dict | None = None, **extra_env: str) -> Result:
        """Run the driver to completion."""
        if isinstance(stdin, dict):
            stdin = json.dumps(stdin)
        proc = subprocess.run(
            [sys.executable, "-m", DRIVER_MODULE, *args],
            cwd=self.root,
            input="" if stdin is None else stdin,
            capture_output=True,
            text=True,
            env=self.env(**extra_env),
            timeout=60,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        return Result(proc.returncode, proc.stdout, proc.stderr, 0.0)

    def start(self, *args: str, stdin: dict) -> subprocess.Popen[str]:
        """Start the driver in the background, its stdin read from a file."""
        request = self.root / "request.json"
        request.write_text(json.dumps(stdin))
        with open(request) as fh:
            return subprocess.Popen(
                [sys.executable, "-m", DRIVER_MODULE, *args],
                cwd=self.root,
                stdin=fh,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env(),
            )


def clean_env(**extra: str) -> dict[str, str]:
    """Environment that imports the installed package (no source tree on PYTHONPATH)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH" and not k.startswith(("GEOPM", "OPTUNE_"))
    }
    env.update(extra)
    return env
