"""Application profiling (geopm_prof.h): an instrumented C program under
``geopm-bridge launch``, its regions and epochs seen by the controller
through the PROFILE and EPOCH signals (the trace's live columns) and in the
report, read back with GEOPM's own parser.

What is not done yet (issue 10): preloading into programs not linked with
-lgeopm, TIME_HINT_* signals, simulated nodes, the profile trace.
"""

from __future__ import annotations

import os
import subprocess
import zlib
from pathlib import Path

import jobs
import pytest
from cpp_build import compile_program
from geopm_bridge.profile import RegionHint

GEOPM_REGION_HINT_COMPUTE = int(RegionHint.COMPUTE)
GEOPM_REGION_HASH_UNMARKED = 0x725E8066

APP = r"""
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* app SECONDS EPOCHS: EPOCHS epochs, each a busy region then as long unmarked. */
int main(int argc, char **argv)
{
    if (argc != 3) {
        return 2;
    }
    double seconds = atof(argv[1]);
    int num_epoch = atoi(argv[2]);
    uint64_t region_id = 0;
    if (geopm_prof_region("busy_loop", GEOPM_REGION_HINT_COMPUTE, &region_id) != 0) {
        return 10;
    }
    double half = seconds / num_epoch / 2;
    for (int epoch = 0; epoch < num_epoch; ++epoch) {
        if (geopm_prof_epoch() != 0 || geopm_prof_enter(region_id) != 0) {
            return 11;
        }
        for (double start = now(); now() - start < half;) {
        }
        if (geopm_prof_exit(region_id) != 0) {
            return 12;
        }
        struct timespec pause = {0, (long)(half * 1e9)};
        nanosleep(&pause, NULL);
    }
    return 0;
}
"""


BURST_APP = r"""
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "geopm_hint.h"
#include "geopm_prof.h"

/* burst N: N epochs and N enter/exit pairs back to back, between two
   control periods; then a child that dies inside a region; then a pause. */
int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    long num_call = atol(argv[1]);
    uint64_t region_id = 0;
    geopm_prof_region("burst", GEOPM_REGION_HINT_MEMORY, &region_id);
    for (long idx = 0; idx < num_call; ++idx) {
        if (geopm_prof_epoch() != 0 || geopm_prof_enter(region_id) != 0 ||
            geopm_prof_exit(region_id) != 0) {
            return 11;
        }
    }
    pid_t child = fork();
    if (child == 0) {
        geopm_prof_enter(region_id);
        abort();
    }
    int status = 0;
    waitpid(child, &status, 0);
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT ? 0 : 12;
}
"""


def build_app(work: Path, name: str, text: str) -> Path:
    """An instrumented program, linked with -lgeopm as a GEOPM user links it."""
    source = work / f"{name}.c"
    source.write_text(text)
    # A C program: g++ compiles it as C++, which the header allows.
    return compile_program(source, work / name, libraries=("geopm", "geopmd"))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_app(tmp_path_factory.mktemp("profiled_app"), "app", APP)


def read_trace(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    names = lines[0].split("|")
    return [dict(zip(names, line.split("|"), strict=True)) for line in lines[1:]]


def orphan_channels() -> set[str]:
    """This user's profiling channels in /dev/shm whose controller is gone
    (those of jobs still running, other tests' for instance, are theirs)."""
    prefix = f"geopm-bridge-{os.getuid()}-"
    result = set()
    for name in os.listdir("/dev/shm"):
        if name.startswith(prefix):
            controller = int(name[len(prefix) :].split("-")[0].split(".")[0])
            if not Path(f"/proc/{controller}").exists():
                result.add(name)
    return result


def launch(
    tmp_path: Path, *app_args: str, options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return jobs.launch(
        tmp_path,
        *app_args,
        options=(
            "--node-model",
            "--geopm-period=0.02",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            *options,
        ),
    )


def test_trace_follows_the_applications_regions_and_epochs(tmp_path: Path, app: Path) -> None:
    before = orphan_channels()
    result = launch(tmp_path, str(app), "1.0", "10")
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    epochs = [int(row["EPOCH_COUNT"]) for row in rows]
    assert epochs == sorted(epochs), "EPOCH_COUNT never goes back"
    assert epochs[-1] >= 8 and max(epochs) <= 10
    busy = f"0x{zlib.crc32(b'busy_loop'):08x}"
    hashes = {row["REGION_HASH"] for row in rows}
    assert busy in hashes, hashes  # inside the region...
    assert f"0x{GEOPM_REGION_HASH_UNMARKED:08x}" in hashes  # ...and between
    inside = [row for row in rows if row["REGION_HASH"] == busy]
    assert {row["REGION_HINT"] for row in inside} == {f"0x{GEOPM_REGION_HINT_COMPUTE:08x}"}
    # The controller removes the channel of the process it read.
    assert orphan_channels() <= before


def test_report_breaks_the_run_down_by_region_and_epoch(tmp_path: Path, app: Path) -> None:
    import geopmpy.io  # GEOPM's report parser (run-tests installs it)

    options = ("--geopm-report-signals=TIME_HINT_COMPUTE",)
    result = launch(tmp_path, str(app), "1.0", "10", options=options)
    assert result.returncode == 0, result.stderr
    collection = geopmpy.io.RawReportCollection(
        [str(tmp_path / "report.yaml")], dir_name="", do_cache=False, verbose=False
    )
    [region] = collection.get_df().to_dict("records")
    assert region["region"] == "busy_loop"
    assert region["count"] == 10
    # Half of each of the 10 epochs of 0.1 s is spent in the region.
    assert region["runtime (s)"] == pytest.approx(0.5, rel=0.1)
    assert region["time-hint-compute (s)"] == region["runtime (s)"]
    [epoch] = collection.get_epoch_df().to_dict("records")
    assert epoch["count"] == 10
    assert epoch["runtime (s)"] == pytest.approx(1.0, rel=0.1)
    [app_totals] = collection.get_app_df().to_dict("records")
    [unmarked] = collection.get_unmarked_df().to_dict("records")
    # The node model's energy is shared out by time, none lost or doubled.
    assert region["package-energy (J)"] > 0 and unmarked["package-energy (J)"] > 0
    assert region["package-energy (J)"] + unmarked["package-energy (J)"] == pytest.approx(
        app_totals["package-energy (J)"]
    )
    # A report signal is shared out the same way (by each period's time in
    # the region): the time in the compute hint went up mostly inside the
    # region, and nothing is lost or doubled.
    assert app_totals["TIME_HINT_COMPUTE"] == pytest.approx(0.5, abs=0.02)
    assert region["TIME_HINT_COMPUTE"] > 3 * unmarked["TIME_HINT_COMPUTE"]
    assert region["TIME_HINT_COMPUTE"] + unmarked["TIME_HINT_COMPUTE"] == pytest.approx(
        app_totals["TIME_HINT_COMPUTE"]
    )


def test_the_program_filter_leaves_other_programs_out(tmp_path: Path, app: Path) -> None:
    import yaml

    options = ("--geopm-program-filter=some_other_program",)
    result = launch(tmp_path, str(app), "0.2", "4", options=options)
    assert result.returncode == 0, result.stderr
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    assert "Regions" not in host
    assert host["Epoch Totals"]["count"] == 0
    result = launch(tmp_path, str(app), "0.2", "4", options=(f"--geopm-program-filter={app}",))
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    assert [region["region"] for region in host["Regions"]] == ["busy_loop"]


def test_an_uninstrumented_application_shows_no_region(tmp_path: Path) -> None:
    result = launch(tmp_path, "sleep", "0.3")
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    assert {row["REGION_HASH"] for row in rows} == {f"0x{GEOPM_REGION_HASH_UNMARKED:08x}"}
    assert {row["EPOCH_COUNT"] for row in rows} == {"0"}


def test_a_burst_and_a_crash_lose_and_leave_nothing(tmp_path: Path) -> None:
    # A million epochs and region calls between two control periods (GEOPM
    # 3.1 keeps 1024 records a process and fails every later call), then a
    # child process that dies inside a region.
    burst = build_app(tmp_path, "burst", BURST_APP)
    before = orphan_channels()
    result = launch(tmp_path, str(burst), "1000000")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    assert int(rows[-1]["EPOCH_COUNT"]) == 1000000
    assert orphan_channels() <= before


def test_each_simulated_node_profiles_its_own_copy_of_the_application(
    tmp_path: Path, app: Path
) -> None:
    import yaml

    # As `srun -N 3 app` would: one copy of the application per node, each
    # seen by its own node's signals and report section.
    options = ("--geopm-simulate-nodes=3",)
    result = launch(tmp_path, str(app), "0.6", "3", options=options)
    assert result.returncode == 0, result.stderr
    hosts = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"]
    assert sorted(hosts) == ["sim0000", "sim0001", "sim0002"]
    for host in hosts.values():
        [region] = host["Regions"]
        assert (region["region"], region["count"]) == ("busy_loop", 3)
        assert region["runtime (s)"] == pytest.approx(0.3, rel=0.2)
        assert host["Epoch Totals"]["count"] == 3
    for trace in tmp_path.glob("trace-sim*"):
        assert int(read_trace(trace)[-1]["EPOCH_COUNT"]) == 3


def test_an_applications_failure_on_any_simulated_node_is_the_jobs_exit_code(
    tmp_path: Path,
) -> None:
    script = tmp_path / "fail_on_one.sh"
    # Each copy knows its node; only one copy fails.
    script.write_text('#!/bin/sh\n[ "$GEOPM_BRIDGE_NODE_NAME" = sim0001 ] && exit 7; exit 0\n')
    script.chmod(0o755)
    result = launch(tmp_path, str(script), options=("--geopm-simulate-nodes=3",))
    assert result.returncode == 7, result.stderr


def test_time_hint_signals_count_the_time_in_each_hint(tmp_path: Path, app: Path) -> None:
    import yaml

    options = ("--geopm-trace-signals=TIME_HINT_COMPUTE,PROFILE::TIME_HINT_UNSET",)
    result = launch(tmp_path, str(app), "1.0", "10", options=options)
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    compute = [float(row["TIME_HINT_COMPUTE"]) for row in rows]
    unset = [float(row["PROFILE::TIME_HINT_UNSET"]) for row in rows]
    assert compute == sorted(compute) and unset == sorted(unset)
    # Exact, not sampled: the time in the compute region to the
    # microsecond (the report's runtime comes from the same clock), about
    # half of the application's second; the other half outside any region.
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    [region] = host["Regions"]
    assert compute[-1] == pytest.approx(region["runtime (s)"], abs=1e-6)
    assert compute[-1] == pytest.approx(0.5, abs=0.05)
    assert unset[-1] == pytest.approx(0.5, abs=0.05)


def test_the_profile_trace_has_every_entry_exit_and_epoch(tmp_path: Path, app: Path) -> None:
    result = launch(tmp_path, str(app), "0.4", "4", options=("--geopm-trace-profile=events",))
    assert result.returncode == 0, result.stderr
    [path] = tmp_path.glob("events-*")
    text = path.read_text()
    assert "# agent: monitor" in text
    rows = read_trace(path)
    busy = f"0x{zlib.crc32(b'busy_loop'):08x}"
    assert [(row["EVENT"], row["SIGNAL"]) for row in rows] == [
        pair
        for epoch in range(1, 5)
        for pair in (("EPOCH_COUNT", str(epoch)), ("REGION_ENTRY", busy), ("REGION_EXIT", busy))
    ]
    assert len({row["PROCESS"] for row in rows}) == 1
    times = [float(row["TIME"]) for row in rows]
    assert times == sorted(times) and 0 < times[0] < times[-1] < 1.0
    # Each entry is followed by its exit 50 ms later (the epoch's busy half).
    for entry, exit_ in zip(times[1::3], times[2::3], strict=True):
        assert exit_ - entry == pytest.approx(0.05, abs=0.01)


WEAK_APP = r"""
#include <stdint.h>
#include <stdio.h>

/* Marked up for GEOPM without linking it: the calls happen only where a
   profiling library is loaded. */
#ifdef __cplusplus
extern "C" {
#endif
__attribute__((weak)) int geopm_prof_region(const char *name, uint64_t hint, uint64_t *region_id);
__attribute__((weak)) int geopm_prof_enter(uint64_t region_id);
__attribute__((weak)) int geopm_prof_exit(uint64_t region_id);
#ifdef __cplusplus
}
#endif

int main(void)
{
    if (geopm_prof_region == NULL) {
        puts("not profiled");
        return 0;
    }
    uint64_t region_id = 0;
    geopm_prof_region("weak_region", 2, &region_id);
    for (int idx = 0; idx < 3; ++idx) {
        geopm_prof_enter(region_id);
        geopm_prof_exit(region_id);
    }
    puts("profiled");
    return 0;
}
"""


def test_preload_profiles_a_program_not_linked_with_geopm(tmp_path: Path) -> None:
    import yaml

    source = tmp_path / "weak.c"
    source.write_text(WEAK_APP)
    weak = compile_program(source, tmp_path / "weak", libraries=())
    result = launch(tmp_path, str(weak))
    assert (result.returncode, result.stdout) == (0, "not profiled\n"), result.stderr
    result = launch(tmp_path, str(weak), options=("--geopm-preload",))
    assert (result.returncode, result.stdout) == (0, "profiled\n"), result.stderr
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    [region] = host["Regions"]
    assert (region["region"], region["count"]) == ("weak_region", 3)


MANY_APP = r"""
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "geopm_prof.h"

/* many N: N processes, each marking one region once, alive together. */
int main(int argc, char **argv)
{
    int num_child = argc == 2 ? atoi(argv[1]) : 0;
    for (int idx = 0; idx < num_child; ++idx) {
        if (fork() == 0) {
            uint64_t region_id = 0;
            int err = geopm_prof_region("one", 2, &region_id) || geopm_prof_enter(region_id) ||
                      geopm_prof_exit(region_id);
            struct timespec pause = {0, 400000000};
            nanosleep(&pause, NULL);
            _exit(err);
        }
    }
    int failed = 0;
    for (int idx = 0; idx < num_child; ++idx) {
        int status = 0;
        wait(&status);
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    }
    return failed;
}
"""


def test_more_processes_than_a_node_reads_is_one_warning(tmp_path: Path) -> None:
    import yaml

    many = build_app(tmp_path, "many", MANY_APP)
    before = orphan_channels()
    result = launch(tmp_path, str(many), "1030")
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()
    assert "more than 1024 profiled application processes on one node" in warning
    # The 1024 read are in the report; the others' channels are removed too.
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    [region] = host["Regions"]
    assert (region["region"], region["count"]) == ("one", 1)
    assert orphan_channels() <= before


def test_a_crashed_controllers_channels_are_removed_at_the_next_start(tmp_path: Path) -> None:
    gone = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    dead_controller = int(gone.stdout)  # a process that has exited
    stale = Path(f"/dev/shm/geopm-bridge-{os.getuid()}-{dead_controller}-12345")
    stale.write_bytes(b"left by a controller that crashed")
    result = launch(tmp_path, "true")
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
