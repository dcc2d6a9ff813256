"""The embedded runtime against an installed GEOPM 3.1's public API (tests/api_coverage.py).

Skipped where no GEOPM 3.1 install is found (GEOPM_ROOT, else
/tmp/geopm-install, /usr/local, /usr). Every header GEOPM installs is asserted
complete, but for what api_coverage.ALLOWED leaves out, each with why
(``python tests/api_coverage.py --allowed`` lists them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import api_coverage
import pytest
from api_coverage import Side

TOOL = Path(api_coverage.__file__)


@pytest.fixture(scope="module")
def geopm() -> Side:
    found = api_coverage.find_geopm()
    if found is None:
        pytest.skip(
            "no GEOPM 3.1 install: set GEOPM_ROOT to its prefix (looked under "
            f"{', '.join(api_coverage.DEFAULT_GEOPM_ROOTS)})"
        )
    return found


@pytest.fixture(scope="module")
def ours() -> Side:
    import geopm_bridge

    if geopm_bridge.BACKEND != "embedded":
        pytest.skip("the native backend uses GEOPM's own headers and libraries")
    return api_coverage.find_ours()


def test_every_header_is_complete(geopm: Side, ours: Side) -> None:
    # Every header GEOPM installs, libgeopmd's and libgeopm's; what ALLOWED
    # leaves out (with why) does not count.
    reports = api_coverage.compare(geopm, ours)
    assert reports and all(report.complete for report in reports), api_coverage.format_reports(
        reports
    )


def test_the_header_sets_follow_the_libraries(geopm: Side, ours: Side) -> None:
    # Each header of a set is GEOPM's, in one set only, and the set of the
    # library that exports its symbols.
    sets = {"libgeopmd": api_coverage.LIBGEOPMD_HEADERS, "libgeopm": api_coverage.LIBGEOPM_HEADERS}
    assert not set(sets["libgeopmd"]) & set(sets["libgeopm"])
    reports = api_coverage.compare(geopm, ours, [*sets["libgeopmd"], *sets["libgeopm"]])
    for report in reports:
        if report.library in sets:
            assert report.header in sets[report.library], report


def test_every_allowed_item_is_still_missing(geopm: Side, ours: Side) -> None:
    # An entry of ALLOWED that matches nothing is stale: remove it.
    reports = {r.header: r for r in api_coverage.compare(geopm, ours, api_coverage.ALLOWED)}
    for header, reasons in api_coverage.ALLOWED.items():
        for item in reasons:
            matched = [
                missing
                for missing in reports[header].allowed
                if missing == item or api_coverage.symbol_owner(missing) == item
            ]
            assert matched, f"{header}: ALLOWED entry {item!r} matches nothing missing"


def test_the_tool_reports_a_missing_declaration_and_symbol(
    geopm: Side, ours: Side, tmp_path: Path
) -> None:
    # Our headers less one declaration, and a library without libgeopmd's symbols.
    include = tmp_path / "include"
    shutil.copytree(ours.include_dir, include)
    header = include / "geopm_sched.h"
    text = header.read_text()
    declaration = "int GEOPM_PUBLIC\n    geopm_sched_woomp(int num_cpu, cpu_set_t *woomp);\n"
    assert declaration in text
    header.write_text(text.replace(declaration, ""))
    profile_only = Side(include, (ours.libraries[-1],))
    assert profile_only.libraries[0].name == "libgeopmprof.so"
    [report] = api_coverage.compare(geopm, profile_only, ["geopm_sched.h"])
    assert report.names == ["geopm_sched_woomp"]
    assert "geopm_sched_num_cpu" in report.symbols
    (include / "geopm" / "Cpuid.hpp").unlink()
    [report] = api_coverage.compare(geopm, profile_only, ["geopm/Cpuid.hpp"])
    assert not report.present and "geopm::Cpuid::make_unique()" in report.symbols


def test_the_tool_runs_as_a_program(geopm: Side, ours: Side) -> None:
    def run_tool(check: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(TOOL), "--geopm", str(geopm.include_dir.parent)]
        return subprocess.run(
            [*command, "--check", check, "--quiet"], capture_output=True, text=True, timeout=120
        )

    done = run_tool("all")
    assert done.returncode == 0, done.stdout + done.stderr
    summary = done.stdout.splitlines()
    assert len(summary) == 3 + len(api_coverage.list_headers(geopm.include_dir))
    assert all(" complete" in line and "missing" not in line for line in summary[3:]), done.stdout
    done = run_tool("libgeopm")
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 3 + len(api_coverage.LIBGEOPM_HEADERS)
    # Without --check every header is listed, the libgeopm ones included.
    done = subprocess.run(
        [sys.executable, str(TOOL), "--geopm", str(geopm.include_dir.parent), "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "geopm/Agent.hpp" in done.stdout and "geopm_agent.h" in done.stdout
