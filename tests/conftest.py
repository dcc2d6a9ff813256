"""Session checks shared by the whole suite.

The suite tests the installed package (``./run-tests`` installs it): the
compiled runtime, its headers and console scripts. A missing or shadowed
install would otherwise turn whole test modules into skips, so it stops the
run with an error instead.
"""

from __future__ import annotations

import importlib
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
