"""The NVML libraries the tests build: the fake (tests/fake_nvml) and the
read-only one put before a real NVML (tests/readonly_nvml.c), each built
once per session."""

from __future__ import annotations

import functools
from pathlib import Path

from cpp_build import _session_dir, compile_c_library

TESTS = Path(__file__).resolve().parent


@functools.cache
def fake_nvml(*defines: str) -> Path:
    """The fake NVML library (with ``-D`` defines)."""
    return compile_c_library(
        TESTS / "fake_nvml" / "fake_nvml.c",
        _session_dir("fake-nvml-") / "libnvidia-ml.so.1",
        defines,
    )


@functools.cache
def readonly_nvml() -> Path:
    """An NVML without setters over READONLY_NVML_LIBRARY (else libnvidia-ml.so.1)."""
    return compile_c_library(
        TESTS / "readonly_nvml.c", _session_dir("readonly-nvml-") / "libnvidia-ml.so.1"
    )
