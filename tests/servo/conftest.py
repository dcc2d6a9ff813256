"""Fixtures for the servo aggregator tests (helpers live in servo_helpers.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from servo_helpers import ServoDir, pid_alive


@pytest.fixture
def servo(tmp_path: Path) -> Iterator[ServoDir]:
    """A fresh servo directory."""
    sd = ServoDir(tmp_path / "servo")
    yield sd


@pytest.fixture
def reaper() -> Iterator[list[int]]:
    """Collect pids of processes a test started indirectly; SIGKILL leftovers at the end."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
