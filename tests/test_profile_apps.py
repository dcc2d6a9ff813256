"""Application profiling from whole programs, as users write them: a Fortran
program through the geopm_prof module, OpenMP threads reporting progress, an
MPI job of four ranks and a process that forks, each compiled against the
installed package and run under ``geopm-bridge launch``; the report (read
with GEOPM's own parser) and the trace must show what the program did.

GEOPM's own example programs, compiled unchanged, run here too when
GEOPM_SOURCE_DIR names a GEOPM 3.1 source tree (none of its code is here).
"""

from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import geopm_bridge
import jobs
import pytest
from cpp_build import clean_env
from test_profile import read_trace

INCLUDE = Path(geopm_bridge.get_include())
LIBRARY_DIR = Path(geopm_bridge.get_library_dir())

pytestmark = pytest.mark.skipif(
    geopm_bridge.BACKEND != "embedded", reason="jobs run on the embedded backend only"
)


def launch(
    work: Path, *app: str, options: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run app under one controller, the report in work/report.yaml."""
    options = ("--geopm-report=report.yaml", *options)
    result = jobs.launch(work, *app, options=options, env=env, timeout=60)
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
    # The module's hint constants are the C ones: solve's time is under its
    # COMPUTE hint, but inside the nested sweeps under their MEMORY hint.
    assert solve["time-hint-compute (s)"] > 0 and solve["time-hint-memory (s)"] > 0
    assert solve["time-hint-compute (s)"] + solve["time-hint-memory (s)"] == pytest.approx(
        solve["runtime (s)"]
    )
    assert write_out["runtime (s)"] > 0
    assert write_out["time-hint-io (s)"] == write_out["runtime (s)"]
    assert epoch["count"] == 7


# ---------------------------------------------------------------- C programs


def build(work: Path, name: str, text: str, compiler: str = "gcc", *flags: str) -> Path:
    """A C program as a GEOPM user builds it (-lgeopm), warnings as errors."""
    found = shutil.which(compiler)
    if found is None:
        pytest.skip(f"no {compiler}")
    (work / f"{name}.c").write_text(text)
    subprocess.run(
        [
            found,
            "-std=c11",
            "-D_GNU_SOURCE",
            "-Wall",
            "-Wextra",
            "-Werror",
            *flags,
            f"-I{INCLUDE}",
            f"{name}.c",
            f"-L{LIBRARY_DIR}",
            "-lgeopm",
            f"-Wl,-rpath,{LIBRARY_DIR}",
            "-o",
            name,
        ],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return work / name


def trace_rows(work: Path) -> list[dict[str, str]]:
    [trace] = work.glob("trace-*")
    return read_trace(trace)


OPENMP_APP = r"""
#include <stdint.h>
#include <time.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

static void pause_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* One region of 1000 work units shared by 4 threads: half of them posted,
   a pause, the other half, a pause; then a pause outside the region. */
int main(void)
{
    uint64_t region_id = 0;
    if (geopm_prof_region("work", GEOPM_REGION_HINT_PARALLEL, &region_id) != 0 ||
        geopm_prof_enter(region_id) != 0) {
        return 10;
    }
    int err = 0;
#pragma omp parallel num_threads(4) reduction(| : err)
    {
#pragma omp single
        err |= geopm_tprof_init(1000);
        for (int half = 0; half < 2; ++half) {
#pragma omp for
            for (int unit = 0; unit < 500; ++unit) {
                err |= geopm_tprof_post();
            }
#pragma omp single
            pause_ms(300);
        }
    }
    if (err != 0 || geopm_prof_exit(region_id) != 0) {
        return 11;
    }
    pause_ms(100);
    return 0;
}
"""


def test_openmp_threads_report_their_progress_through_the_region(tmp_path: Path) -> None:
    app = build(tmp_path, "progress", OPENMP_APP, "gcc", "-fopenmp")
    launch(tmp_path, str(app), options=("--geopm-period=0.02", "--geopm-trace=trace"))
    rows = trace_rows(tmp_path)
    work = f"0x{zlib.crc32(b'work'):08x}"
    inside = [float(row["REGION_PROGRESS"]) for row in rows if row["REGION_HASH"] == work]
    # Unknown (NaN) until the work is declared, then never going back.
    declared = list(itertools.dropwhile(math.isnan, inside))
    assert declared == sorted(declared), inside
    # Each half is posted in full before a pause of many control periods.
    assert 0.5 in declared and declared[-1] == 1.0, inside
    # After the region progress means nothing.
    last_inside = max(idx for idx, row in enumerate(rows) if row["REGION_HASH"] == work)
    after = [row["REGION_PROGRESS"] for row in rows[last_inside + 1 :]]
    assert after and all(math.isnan(float(value)) for value in after), after
    regions, _ = report(tmp_path)
    assert regions["work"]["count"] == 1


MPI_APP = r"""
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

/* Every rank: 6 epochs of a "compute" region and an "exchange" region (an
   allreduce of the ranks' numbers), then once a region of its own. */
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0;
    int size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char own[32];
    snprintf(own, sizeof(own), "rank_%d", rank);
    uint64_t compute = 0;
    uint64_t exchange = 0;
    uint64_t mine = 0;
    int err = geopm_prof_region("compute", GEOPM_REGION_HINT_COMPUTE, &compute) |
              geopm_prof_region("exchange", GEOPM_REGION_HINT_NETWORK, &exchange) |
              geopm_prof_region(own, GEOPM_REGION_HINT_SERIAL, &mine);
    for (int epoch = 0; epoch < 6; ++epoch) {
        err |= geopm_prof_epoch() | geopm_prof_enter(compute);
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, NULL);
        err |= geopm_prof_exit(compute) | geopm_prof_enter(exchange);
        int value = rank;
        int sum = 0;
        MPI_Allreduce(&value, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        err |= geopm_prof_exit(exchange);
        err |= sum != size * (size - 1) / 2;
    }
    err |= geopm_prof_enter(mine) | geopm_prof_exit(mine);
    MPI_Finalize();
    return err != 0;
}
"""


def mpi_env() -> dict[str, str]:
    return clean_env(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")


def test_four_mpi_ranks_under_one_controller(tmp_path: Path) -> None:
    if shutil.which("mpirun") is None:
        pytest.skip("no mpirun (Debian: openmpi-bin)")
    app = build(tmp_path, "ranks", MPI_APP, "mpicc")
    launch(tmp_path, "mpirun", "-np", "4", "--oversubscribe", str(app), env=mpi_env())
    regions, epoch = report(tmp_path)
    # Every rank's channel is read: each rank's own region is there. A
    # region's count is per process, averaged over the node's 4 processes
    # as GEOPM 3.1 prints it: a region of one rank counts 1/4.
    assert {name: regions[name]["count"] for name in regions if name.startswith("rank_")} == {
        f"rank_{rank}": 0.25 for rank in range(4)
    }
    # Every rank marks each shared region 6 times; the epoch count is the
    # fewest any rank began.
    assert regions["compute"]["count"] == 6
    assert regions["exchange"]["count"] == 6
    assert regions["compute"]["time-hint-compute (s)"] == regions["compute"]["runtime (s)"] > 0
    assert regions["exchange"]["time-hint-network (s)"] == regions["exchange"]["runtime (s)"] > 0
    assert epoch["count"] == 6


FORK_APP = r"""
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

/* The parent marks "in_parent" 3 times, forks, and marks it 3 times more;
   the child marks a region of its own, "in_child", twice, and once the
   parent's region with the id the parent was given. */
int main(void)
{
    uint64_t parent_id = 0;
    int err = geopm_prof_region("in_parent", GEOPM_REGION_HINT_COMPUTE, &parent_id);
    for (int idx = 0; idx < 3; ++idx) {
        err |= geopm_prof_enter(parent_id) | geopm_prof_exit(parent_id);
    }
    pid_t child = fork();
    if (child == 0) {
        uint64_t child_id = 0;
        int child_err = geopm_prof_region("in_child", GEOPM_REGION_HINT_IO, &child_id);
        for (int idx = 0; idx < 2; ++idx) {
            child_err |= geopm_prof_enter(child_id) | geopm_prof_exit(child_id);
        }
        child_err |= geopm_prof_enter(parent_id) | geopm_prof_exit(parent_id);
        _exit(child_err != 0 ? 20 : 0);
    }
    int status = -1;
    waitpid(child, &status, 0);
    for (int idx = 0; idx < 3; ++idx) {
        err |= geopm_prof_enter(parent_id) | geopm_prof_exit(parent_id);
    }
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return WIFEXITED(status) ? WEXITSTATUS(status) : 30;
    }
    return err != 0 ? 10 : 0;
}
"""


def test_a_forked_child_marks_its_own_regions(tmp_path: Path) -> None:
    app = build(tmp_path, "forks", FORK_APP)
    launch(tmp_path, str(app))
    regions, _ = report(tmp_path)
    # The child's channel is its own: its region twice, and one entry of
    # the parent's region (whose id it inherited). Counts are per process,
    # averaged over the 2 processes as GEOPM 3.1 prints them.
    assert regions["in_child"]["count"] == 2 / 2
    assert regions["in_child"]["time-hint-io (s)"] == regions["in_child"]["runtime (s)"]
    assert regions["in_parent"]["count"] == (6 + 1) / 2


# ---------------------------------------------------------------- GEOPM's examples

# GEOPM 3.1's example programs, compiled unchanged from the GEOPM source tree
# that GEOPM_SOURCE_DIR names (a checkout of tag v3.1.0, or its release).
EXAMPLES = "integration/runtime_examples"


def build_example(
    source: Path,
    work: Path,
    compiler: str,
    files: tuple[str, ...],
    *flags: str,
    libraries: tuple[str, ...] = ("geopm",),
) -> Path:
    """GEOPM's sources, as they are, built against the package."""
    found = shutil.which(compiler)
    if found is None:
        pytest.skip(f"no {compiler}")
    program = work / Path(files[0]).stem
    subprocess.run(
        [
            found,
            *flags,
            f"-I{INCLUDE}",
            *(str(source / name) for name in files),
            f"-L{LIBRARY_DIR}",
            *(f"-l{name}" for name in libraries),
            f"-Wl,-rpath,{LIBRARY_DIR}",
            "-o",
            str(program),
        ],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return program


@pytest.mark.parametrize(
    ("compiler", "file", "flags", "mpi_ranks", "args", "counts"),
    [
        ("mpicxx", "timed_region.cpp", (), 2, (), {"loop_one": 1, "loop_two": 1, "loop_three": 1}),
        ("mpicxx", "synthetic_benchmark.cpp", (), 2, ("-r", "0.5", "-i", "1000"), {"loop_one": 1}),
        ("mpicc", "simple_prof_c.c", ("-fopenmp",), 0, (), {"loop_0": 1}),
        ("mpif90", "simple_prof_f.f90", ("-fopenmp",), 0, (), {"loop_0": 1}),
    ],
)
def test_geopms_profiled_examples_run_unchanged(
    tmp_path: Path,
    geopm_source: Path,
    compiler: str,
    file: str,
    flags: tuple[str, ...],
    mpi_ranks: int,
    args: tuple[str, ...],
    counts: dict[str, int],
) -> None:
    # GEOPM's Fortran programs link libgeopmfort (geopm_fortran(3)).
    libraries = ("geopmfort",) if file.endswith(".f90") else ("geopm",)
    program = build_example(
        geopm_source / EXAMPLES, tmp_path, compiler, (file,), *flags, libraries=libraries
    )
    mpirun = ("mpirun", "-np", str(mpi_ranks), "--oversubscribe") if mpi_ranks else ()
    launch(
        tmp_path,
        *mpirun,
        str(program),
        *args,
        options=("--geopm-period=0.05", "--geopm-trace=trace"),
        env=mpi_env(),
    )
    regions, _ = report(tmp_path)
    assert {name: row["count"] for name, row in regions.items()} == counts
    assert all(row["runtime (s)"] > 0 for row in regions.values())
    if file.startswith("simple_prof"):
        # Its threads post 10^8 work units inside loop_0.
        loop = f"0x{zlib.crc32(b'loop_0'):08x}"
        progress = [
            float(row["REGION_PROGRESS"])
            for row in trace_rows(tmp_path)
            if row["REGION_HASH"] == loop
        ]
        declared = list(itertools.dropwhile(math.isnan, progress))
        assert declared == sorted(declared) and len(set(declared)) >= 2, progress


def test_geopms_utility_examples_run_unchanged(tmp_path: Path, geopm_source: Path) -> None:
    examples = geopm_source / EXAMPLES
    geopmhash = build_example(examples, tmp_path, "gcc", ("geopmhash.c",))
    done = subprocess.run([geopmhash, "loop_0"], capture_output=True, text=True, check=True)
    assert done.stdout == f"0x{zlib.crc32(b'loop_0'):016x}\n"
    print_error = build_example(examples, tmp_path, "gcc", ("geopm_print_error.c",))
    done = subprocess.run([print_error], capture_output=True, text=True)
    # It checks that every code has a message of its own, tagged "<geopm> ".
    assert done.returncode == 0, done.stderr
    assert "GEOPM_ERROR_DATA_STORE = -14" in done.stdout
    pio = build_example(examples, tmp_path, "gcc", ("simple_pio_example.c",), libraries=("geopmd",))
    done = subprocess.run(
        [pio], capture_output=True, text=True, env=clean_env(GEOPM_BRIDGE_NODE_MODEL="1")
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Total energy for package 0: ")


def test_geopms_nas_ft_builds_against_the_fortran_module(
    tmp_path: Path, geopm_source: Path
) -> None:
    # NAS FT with GEOPM's markup; its problem size needs tens of GB to run.
    nasft = geopm_source / "integration/apps/nasft/nasft"
    files = ("ft.f90", "print_results.f", "randi8.f", "timers.f")
    program = build_example(
        nasft, tmp_path, "mpif90", files, "-std=legacy", "-fopenmp", libraries=("geopmfort",)
    )
    assert program.is_file()
