"""The Python sources stay ruff-clean and mypy-clean (settings in pyproject.toml), the
hand-written stub of the extension module matches the built module, and every public
name has a docstring (the API reference)."""

from __future__ import annotations

import importlib
import inspect
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


PUBLIC_MODULES = [
    "geopm_bridge",
    "geopm_bridge.testing",
    "geopm_bridge.profile",
    "geopm_bridge.trace",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_documented(module_name: str) -> None:
    """The API reference is the docstrings: every public class and function
    of the public modules, and every public method and property of those
    classes, has one."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", [name for name in vars(module) if not name.startswith("_")])
    missing = []
    for name in names:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value) or inspect.isbuiltin(value)):
            continue  # constants and type aliases: documented where they are listed
        if not inspect.getdoc(value):
            missing.append(name)
        if not inspect.isclass(value):
            continue
        for member, attribute in vars(value).items():
            if member.startswith("_"):
                continue
            if isinstance(attribute, (staticmethod, classmethod)):
                attribute = attribute.__func__
            if (inspect.isfunction(attribute) or isinstance(attribute, property)) and not (
                attribute.__doc__
            ):
                missing.append(f"{name}.{member}")
    assert not missing, f"{module_name}: no docstring: {', '.join(missing)}"
