"""Build helpers for the tests that compile C++ against the runtime.

The tests build programs and plugins the way a GEOPM user does: with g++,
the GEOPM-compatible headers and ``-lgeopmd``. They use the installed
package (``geopm_bridge.get_include()`` / ``get_library_dir()``) when it is
there, else they build the runtime library from this checkout with CMake
(in GEOPM_BRIDGE_TEST_BUILD_DIR if set, which also forces that build).
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
PLUGINS = TESTS / "plugins"
DRIVER_SOURCE = TESTS / "drivers" / "geopm_driver.cpp"


@dataclass(frozen=True)
class Runtime:
    """Where plugins and programs find the GEOPM headers and ``libgeopmd``."""

    include_dir: Path
    lib_dir: Path
    origin: str  # "installed" or "cmake"


def _installed_runtime() -> Runtime | None:
    try:
        package = importlib.import_module("geopm_bridge")
    except ImportError:
        return None
    include_dir = Path(package.get_include())
    lib_dir = Path(package.get_library_dir())
    # A source checkout on sys.path has neither: it is not installed.
    if (include_dir / "geopm" / "Agent.hpp").is_file() and (lib_dir / "libgeopmd.so").exists():
        return Runtime(include_dir, lib_dir, "installed")
    return None


def _cmake_runtime() -> Runtime:
    # One build dir per user, reused across runs (ninja rebuilds what
    # changed); the lock keeps concurrent test runs out of each other's way.
    build_dir = Path(
        os.environ.get("GEOPM_BRIDGE_TEST_BUILD_DIR")
        or Path(tempfile.gettempdir()) / f"geopm-bridge-test-build-{os.getuid()}"
    )
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (build_dir / "build.ninja").exists():
            configure = [
                "cmake",
                "-S",
                str(REPO),
                "-B",
                str(build_dir),
                "-G",
                "Ninja",
                "-DCMAKE_BUILD_TYPE=Debug",
                "-DGEOPM_BRIDGE_BACKEND=embedded",
                f"-DPython_EXECUTABLE={sys.executable}",
            ]
            try:
                import pybind11

                configure.append(f"-Dpybind11_DIR={pybind11.get_cmake_dir()}")
            except ImportError:
                pass
            _check_run(configure)
        _check_run(["cmake", "--build", str(build_dir), "--target", "geopmbridge", "-j", "2"])
    # cpp/ of the build holds the library and its libgeopmd.so linker script,
    # as the installed package's lib/ does.
    return Runtime(REPO / "cpp" / "include", build_dir / "cpp", "cmake")


def _check_run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(
            f"command failed ({result.returncode}): {' '.join(command)}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


@functools.cache
def runtime() -> Runtime:
    """Return the runtime to build against (built once per test session).

    Setting GEOPM_BRIDGE_TEST_BUILD_DIR builds this checkout there even when
    the package is installed.
    """
    if os.environ.get("GEOPM_BRIDGE_TEST_BUILD_DIR"):
        return _cmake_runtime()
    return _installed_runtime() or _cmake_runtime()


def compile_plugin(source: Path, output: Path) -> Path:
    """Build a plugin with exactly the command a GEOPM user would type."""
    rt = runtime()
    _check_run(
        [
            "g++",
            "-std=c++17",
            "-shared",
            "-fPIC",
            f"-I{rt.include_dir}",
            str(source),
            f"-L{rt.lib_dir}",
            "-lgeopmd",
            "-o",
            str(output),
        ]
    )
    return output


def compile_program(source: Path, output: Path, include_dirs: tuple[Path, ...] = ()) -> Path:
    """Build a test program against the runtime, warnings as errors, found at run time
    through its rpath."""
    rt = runtime()
    _check_run(
        [
            "g++",
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Werror",
            *(f"-I{path}" for path in include_dirs),
            f"-I{rt.include_dir}",
            str(source),
            f"-L{rt.lib_dir}",
            "-lgeopmd",
            f"-Wl,-rpath,{rt.lib_dir}",
            "-o",
            str(output),
        ]
    )
    return output


@functools.cache
def driver() -> Path:
    """Build the command-driven test program (tests/drivers/geopm_driver.cpp)."""
    out_dir = Path(tempfile.mkdtemp(prefix="geopm-driver-"))
    atexit.register(shutil.rmtree, out_dir, ignore_errors=True)
    return compile_program(DRIVER_SOURCE, out_dir / "geopm_driver")


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without GEOPM settings, plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GEOPM_")}
    env.update(overrides)
    return env


def run_driver(commands: list[str], env: dict[str, str]) -> list[dict[str, Any]]:
    """Feed ``commands`` to the driver; return one parsed answer per command."""
    result = subprocess.run(
        [str(driver())],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, f"driver failed ({result.returncode}):\n{result.stderr}"
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(commands), result.stdout + result.stderr
    return answers


def ok(answer: dict[str, Any]) -> dict[str, Any]:
    """Return ``answer``, failing the test with its message if it is an error."""
    assert "error" not in answer, answer.get("what")
    return answer


def require_cli() -> list[str]:
    """The installed ``geopm-bridge`` command; skips the test when it cannot run."""
    script = Path(sys.executable).with_name("geopm-bridge")
    found = str(script) if script.exists() else shutil.which("geopm-bridge")
    probe = subprocess.run([sys.executable, "-c", "import geopm_bridge._core"], capture_output=True)
    if found is None or probe.returncode != 0:
        pytest.skip("the geopm-bridge CLI is not installed (no script or no geopm_bridge._core)")
    return [found]
