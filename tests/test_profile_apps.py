"""Application profiling from whole programs, as users write them: a Fortran
program through the geopm_prof module, OpenMP threads reporting progress, an
MPI job of four ranks and a process that forks, each compiled against the
installed package and run under ``geopm-bridge launch``; the report (read
with GEOPM's own parser) and the trace must show what the program did.

GEOPM's own example programs, compiled unchanged, run here too when
GEOPM_SOURCE_DIR names a GEOPM 3.1 source tree (none of its code is here).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopm_bridge
import pytest
from cpp_build import clean_env

GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]
INCLUDE = Path(geopm_bridge.get_include())
LIBRARY_DIR = Path(geopm_bridge.get_library_dir())

pytestmark = pytest.mark.skipif(
    geopm_bridge.BACKEND != "embedded", reason="jobs run on the embedded backend only"
)


def launch(
    work: Path, *app: str, options: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run app under one controller, the report in work/report.yaml."""
    result = subprocess.run(
        [*GEOPM_BRIDGE, "launch", "--geopm-report=report.yaml", *options, "--", *app],
        cwd=work,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def report(work: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The report's regions by name and its Epoch Totals, as geopmpy reads them."""
    import geopmpy.io  # GEOPM's report parser (run-tests installs it)

    collection = geopmpy.io.RawReportCollection(
        [str(work / "report.yaml")], dir_name="", do_cache=False, verbose=False
    )
    regions = {row["region"]: row for row in collection.get_df().to_dict("records")}
    [epoch] = collection.get_epoch_df().to_dict("records")
    return regions, epoch


# ---------------------------------------------------------------- Fortran

FORTRAN_APP = """\
! nested EPOCHS: each epoch a region "solve" holding three entries of a
! region "sweep" (nested: counted in solve), then a region "write_out".
program nested
    use geopm_prof
    use, intrinsic :: iso_c_binding
    implicit none
    integer(c_int64_t) :: solve_id, sweep_id, write_id
    integer :: epoch, sweep, num_epoch
    character(len=16) :: arg

    call get_command_argument(1, arg)
    read (arg, *) num_epoch
    call check(geopm_prof_region(c_char_'solve'//c_null_char, &
                                 GEOPM_REGION_HINT_COMPUTE, solve_id), 10)
    call check(geopm_prof_region(c_char_'sweep'//c_null_char, &
                                 GEOPM_REGION_HINT_MEMORY, sweep_id), 11)
    call check(geopm_prof_region(c_char_'write_out'//c_null_char, &
                                 GEOPM_REGION_HINT_IO, write_id), 12)
    do epoch = 1, num_epoch
        call check(geopm_prof_epoch(), 13)
        call check(geopm_prof_enter(solve_id), 14)
        do sweep = 1, 3
            call check(geopm_prof_enter(sweep_id), 15)
            call spin(0.002d0)
            call check(geopm_prof_exit(sweep_id), 16)
        end do
        call check(geopm_prof_exit(solve_id), 17)
        call check(geopm_prof_enter(write_id), 18)
        call spin(0.002d0)
        call check(geopm_prof_exit(write_id), 19)
    end do
    ! An exit with no region entered is an error, and changes nothing.
    if (geopm_prof_exit(write_id) == 0) error stop 20
    call check(geopm_prof_shutdown(), 21)
    ! After the shutdown every call is a no-op.
    call check(geopm_prof_enter(write_id), 22)
contains
    subroutine check(err, code)
        integer(c_int), intent(in) :: err
        integer, intent(in) :: code
        if (err /= 0) error stop code
    end subroutine check

    subroutine spin(seconds)
        double precision, intent(in) :: seconds
        integer(8) :: start, now, rate
        call system_clock(start, rate)
        now = start
        do while (dble(now - start) / dble(rate) < seconds)
            call system_clock(now)
        end do
    end subroutine spin
end program nested
"""


def test_a_fortran_program_marks_nested_and_repeated_regions(tmp_path: Path) -> None:
    # Built as geopm_fortran(3) says: `use geopm_prof`, -lgeopmfort.
    gfortran = shutil.which("gfortran")
    if gfortran is None:
        pytest.skip("no gfortran (Debian: gfortran)")
    assert (INCLUDE / "geopm_prof.mod").is_file(), (
        "gfortran is here but the package holds no geopm_prof.mod: rebuild it "
        "(pip install .) now that a Fortran compiler is found"
    )
    (tmp_path / "nested.f90").write_text(FORTRAN_APP)
    subprocess.run(
        [
            gfortran,
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{INCLUDE}",
            "nested.f90",
            f"-L{LIBRARY_DIR}",
            "-lgeopmfort",
            f"-Wl,-rpath,{LIBRARY_DIR}",
            "-o",
            "nested",
        ],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    launch(tmp_path, "./nested", "7")
    regions, epoch = report(tmp_path)
    solve, write_out = regions["solve"], regions["write_out"]
    assert (solve["count"], write_out["count"]) == (7, 7)
    # Nested entries change only the hint: their time and count are solve's.
    assert regions.get("sweep", {"count": 0})["count"] == 0
    assert regions.get("sweep", {"runtime (s)": 0.0})["runtime (s)"] == 0.0
    # The module's hint constants are the C ones.
    assert solve["runtime (s)"] > 0 and solve["time-hint-compute (s)"] == solve["runtime (s)"]
    assert write_out["runtime (s)"] > 0
    assert write_out["time-hint-io (s)"] == write_out["runtime (s)"]
    assert epoch["count"] == 7
