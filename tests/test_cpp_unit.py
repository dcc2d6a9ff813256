"""C++ unit tests (GoogleTest) of the runtime's pure parts, in tests/unit/.

They build like the other test programs, against the runtime's headers and
library, plus the internal headers they test, found by file name under
cpp/src (so a header may move between directories there). All run as one
binary; a failing case fails this test with GoogleTest's report. GoogleTest
comes from Debian's libgtest-dev, which ./run-tests installs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cpp_build import REPO, TESTS, clean_env, compile_program

UNIT = TESTS / "unit"
CPP_SRC = REPO / "cpp" / "src"
HEADERS = (
    "TreeGeometry.hpp",
    "Policy.hpp",
    "Json.hpp",
    "GPUTopo.hpp",
    "PlatformTopoImp.hpp",
    "PluginLoader.hpp",
    "ProfileChannel.hpp",
    "ProfileConnection.hpp",
)


def header_dirs() -> tuple[Path, ...]:
    """The directories under cpp/src that hold the headers the unit tests include."""
    dirs = []
    for name in HEADERS:
        found = sorted(CPP_SRC.rglob(name))
        assert len(found) == 1, f"{name}: expected one file under {CPP_SRC}, found {found}"
        dirs.append(found[0].parent)
    return tuple(dict.fromkeys(dirs))


def test_cpp_unit_tests(tmp_path: Path) -> None:
    import geopm_bridge

    if geopm_bridge.BACKEND != "embedded":
        pytest.skip("unit tests of the embedded runtime's internals")
    sources = tuple(sorted(UNIT.glob("*.cpp")))
    try:
        binary = compile_program(
            sources,
            tmp_path / "unit_tests",
            include_dirs=header_dirs(),
            libraries=("geopm", "geopmd", "gtest", "gtest_main"),
        )
    except RuntimeError as error:
        pytest.fail(f"{error}\n(GoogleTest: apt-get install libgtest-dev, as ./run-tests does)")
    result = subprocess.run(
        [str(binary), "--gtest_brief=1"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # Every case in the sources ran: none was left out of the build.
    declared = sum(len(re.findall(r"^TEST(?:_F)?\(", p.read_text(), re.M)) for p in sources)
    ran = re.search(r"\[==========\] (\d+) tests? from \d+ test suites? ran", report)
    assert ran is not None and int(ran.group(1)) == declared, report
