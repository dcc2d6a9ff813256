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
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
PLUGINS = TESTS / "plugins"
DRIVER_SOURCE = TESTS / "geopm_driver.cpp"
TESTING_MODULE_SOURCE = TESTS / "testing_module.cpp"


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


def _link_args(rt: Runtime, libraries: tuple[str, ...]) -> list[str]:
    return [
        f"-L{rt.lib_dir}",
        *(f"-l{name}" for name in libraries),
        "-pthread",
        f"-Wl,-rpath,{rt.lib_dir}",
    ]


def compile_program(
    source: Path | tuple[Path, ...],
    output: Path,
    include_dirs: tuple[Path, ...] = (),
    *,
    geopm: Runtime | None = None,
    libraries: tuple[str, ...] = ("geopmd",),
) -> Path:
    """Build a test program (from one source or several), warnings as errors, that finds
    its libraries at run time through its rpath.

    It builds against ``geopm`` (default: :func:`runtime`); an installed GEOPM
    needs ``libraries=("geopm", "geopmd")``, the embedded runtime is one library.
    """
    rt = geopm or runtime()
    _check_run(
        [
            "g++",
            "-std=c++17",
            "-Wall",
            "-Wextra",
            "-Werror",
            *(f"-I{path}" for path in include_dirs),
            f"-I{rt.include_dir}",
            *(str(path) for path in (source if isinstance(source, tuple) else (source,))),
            *_link_args(rt, libraries),
            "-o",
            str(output),
        ]
    )
    return output


def compile_c_program(
    source: Path, output: Path, libraries: tuple[str, ...] = ("geopm", "geopmd")
) -> Path:
    """Build a C program as a C user builds one against GEOPM (C11, warnings
    as errors, ``-l`` each of ``libraries``), finding them through its rpath."""
    rt = runtime()
    _check_run(
        [
            "gcc",
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{rt.include_dir}",
            str(source),
            f"-L{rt.lib_dir}",
            *(f"-l{name}" for name in libraries),
            f"-Wl,-rpath,{rt.lib_dir}",
            "-o",
            str(output),
        ]
    )
    return output


def compile_c_library(source: Path, output: Path, defines: tuple[str, ...] = ()) -> Path:
    """Build a stand-alone C shared library (C99, warnings as errors, ``-D``
    each of ``defines``, libdl for one that loads another at run time)."""
    _check_run(
        [
            "cc",
            *(f"-D{name}" for name in defines),
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-shared",
            "-fPIC",
            str(source),
            "-o",
            str(output),
            "-ldl",
        ]
    )
    return output


def _session_dir(prefix: str) -> Path:
    out_dir = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, out_dir, ignore_errors=True)
    return out_dir


@functools.cache
def driver() -> Path:
    """Build the test driver (tests/geopm_driver.cpp) once per session."""
    return compile_program(DRIVER_SOURCE, _session_dir("geopm-driver-") / "geopm_driver")


class DriverProcess:
    """One driver process: each call() sends a command and returns its parsed answer."""

    def __init__(self, env: dict[str, str], program: Path | None = None) -> None:
        self._proc = subprocess.Popen(
            [str(program or driver())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    def __enter__(self) -> DriverProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, command: str) -> dict[str, Any]:
        """Run one command; the answer may hold "error" and "what"."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        assert line, f"driver died on {command!r}: {self._proc.communicate()[1]}"
        return json.loads(line)

    def ok(self, command: str) -> dict[str, Any]:
        """Run one command that must succeed."""
        return ok(self.call(command))

    def close(self) -> None:
        """End the process (it exits at the end of its input); it must exit with 0."""
        _, stderr = self._proc.communicate(timeout=60)
        assert self._proc.returncode == 0, f"driver failed ({self._proc.returncode}):\n{stderr}"


# No NVIDIA GPU for the suite's processes unless a test names an NVML
# library: a test's agent may write controls, and no test but
# test_gpu_real.py (which only reads) may reach a real GPU.
NO_NVML = {"GEOPM_BRIDGE_NVML_LIBRARY": "/nonexistent/geopm-bridge-tests/libnvidia-ml.so.1"}


def clean_env(**overrides: str) -> dict[str, str]:
    """This process's environment without GEOPM settings (and without a real
    NVML: NO_NVML), plus ``overrides``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GEOPM_")}
    env.update(NO_NVML)
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


@functools.cache
def build_testing_module() -> Path:
    """Build the test-only extension module geopm_bridge_testing (tests/testing_module.cpp)
    once per session, with pybind11 against the runtime; return the directory holding it.

    It is no part of the wheel: like the test programs, it is built from the
    installed package's headers and library.
    """
    import pybind11

    rt = runtime()
    out_dir = _session_dir("geopm-bridge-testing-")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    _check_run(
        [
            "g++",
            "-std=c++17",
            "-shared",
            "-fPIC",
            "-fvisibility=hidden",  # pybind11's advice for extension modules
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{pybind11.get_include()}",
            f"-I{sysconfig.get_paths()['include']}",
            f"-I{rt.include_dir}",
            str(TESTING_MODULE_SOURCE),
            *_link_args(rt, ("geopmd",)),
            "-o",
            str(out_dir / f"geopm_bridge_testing{suffix}"),
        ]
    )
    return out_dir


def load_testing_module() -> ModuleType:
    """Import geopm_bridge_testing (built on first use), after geopm_bridge, which
    loads the runtime it links to."""
    importlib.import_module("geopm_bridge")
    directory = str(build_testing_module())
    if directory not in sys.path:
        sys.path.insert(0, directory)
    return importlib.import_module("geopm_bridge_testing")
