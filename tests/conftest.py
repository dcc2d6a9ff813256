"""Session checks shared by the whole suite.

The suite tests the installed package (``./run-tests`` installs it): the
compiled runtime, its headers and console scripts. A missing or shadowed
install would otherwise turn whole test modules into skips, so it stops the
run with an error instead.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run against a source tree instead of the installed package."""
    try:
        package = importlib.import_module("geopm_bridge")
        importlib.import_module("geopm_bridge._core")
    except ImportError as error:
        raise pytest.UsageError(
            f"geopm_bridge is not installed with its compiled runtime ({error}); "
            "run ./run-tests, or pip install . into this Python first"
        ) from None
    location = Path(package.__file__).resolve()
    if REPO / "python" in location.parents:
        raise pytest.UsageError(
            f"geopm_bridge is imported from the source tree ({location}), not the install"
        )


def pytest_sessionstart(session: pytest.Session) -> None:
    """No real NVIDIA GPU for this process and the children that inherit its
    environment as it is (clean_env() does the same for the others): only
    tests/test_gpu_real.py names the real NVML, and only reads."""
    from cpp_build import NO_NVML

    os.environ.update(NO_NVML)


@pytest.fixture
def geopm_source() -> Path:
    """The GEOPM 3.1 source tree GEOPM_SOURCE_DIR names (its `integration/`
    at least: a checkout of tag v3.1.0, or its release), for the tests that
    build GEOPM's own programs and plugins unchanged; they skip without it.
    None of GEOPM's code is in this repository."""
    value = os.environ.get("GEOPM_SOURCE_DIR")
    if not value:
        pytest.skip("GEOPM_SOURCE_DIR does not name a GEOPM 3.1 source tree")
    source = Path(value)
    assert (source / "integration").is_dir(), f"GEOPM_SOURCE_DIR={value} has no integration/"
    return source
