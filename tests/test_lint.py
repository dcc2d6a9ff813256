"""The Python sources stay ruff-clean and mypy-clean (settings in pyproject.toml), and the
hand-written stub of the extension module matches the built module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOURCES = ["python", "tests", "benchmarks", "experiments"]


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *SOURCES],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    "targets",
    [["-p", "geopm_bridge", "-p", "geopm_servo"], ["experiments"]],
    ids=["packages", "experiments"],
)
def test_mypy(targets: list[str]) -> None:
    # mypy_path in pyproject.toml points at python/: the sources are checked.
    # The experiment scripts are files (mypy takes packages or files, not both).
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *targets],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_stub_matches_the_built_module() -> None:
    import geopm_bridge

    if geopm_bridge.BACKEND != "embedded":
        pytest.skip("_core.pyi describes the embedded build (the native one has no job API)")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "--allowlist",
            str(REPO / "tests" / "stubtest_allowlist.txt"),
            "geopm_bridge._core",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
