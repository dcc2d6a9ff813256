"""GEOPM 3.1's libgeopmd interfaces in programs built as a GEOPM user builds them.

tests/api_libgeopmd/ holds a C program on geopm_sched.h, geopm_topo.h,
geopm_pio.h, geopm_error.h and geopm_shmem.h (built as C with gcc and as C++
with g++ against ``get_include()`` and ``-lgeopmd``) and a C++ program on
Cpuid, SharedMemory, SharedMemoryScopedLock and ServiceProxy. What they print
is checked against this machine: its CPUs and affinity from Python's os
module, /proc/cpuinfo, the shared-memory files in /dev/shm. Where a GEOPM 3.1
install is found (tests/api_coverage.py), the programs are built against
GEOPM's own headers too and run on our library.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import api_coverage
import pytest
from cpp_build import TESTS, Runtime, clean_env, compile_c_program, compile_program, runtime

SOURCES = TESTS / "api_libgeopmd"
GEOPM_ERROR_RUNTIME = -1
GEOPM_ERROR_INVALID = -3
GEOPM_ERROR_NOT_IMPLEMENTED = -6


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The C program built as C and as C++, and the C++ program."""
    out = tmp_path_factory.mktemp("api-libgeopmd")
    c_source = SOURCES / "libgeopmd_c_program.c"
    return {
        "c_as_cpp": compile_program(c_source, out / "c_as_cpp"),
        "cpp": compile_program(SOURCES / "libgeopmd_cpp_program.cpp", out / "cpp"),
        "c": compile_c_program(c_source, out / "c", ("geopmd",)),
    }


def run(
    program: Path, *args: str, preexec_fn: Callable[[], None] | None = None
) -> dict[str, list[str]]:
    """Run a program to its end; its "key value ..." lines as {key: values}."""
    result = subprocess.run(
        [str(program), *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        preexec_fn=preexec_fn,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    lines = {}
    for line in result.stdout.splitlines():
        key, _, rest = line.partition(" ")
        lines[key] = rest.split(" ")
    return lines


def numbers(values: list[str]) -> list[int]:
    return [int(value) for value in values]


# ------------------------------------------------------------- the C interfaces


@pytest.mark.parametrize("build", ["c", "c_as_cpp"])
def test_sched_matches_the_machine_and_affinity(programs: dict[str, Path], build: str) -> None:
    mine = sorted(os.sched_getaffinity(0))
    out = run(programs[build], str(os.getpid()))
    num_cpu = int(out["num_cpu"][0])
    assert num_cpu == os.sysconf("SC_NPROCESSORS_CONF") >= len(mine)
    assert int(out["get_cpu"][0]) in mine
    # The child inherits this process's affinity; the other pid is this one.
    assert numbers(out["proc_cpuset"]) == [0, *mine]
    assert numbers(out["woomp"]) == [0, *mine]
    assert numbers(out["other_cpuset"]) == [0, *mine]
    err, *cpus = numbers(out["no_such_pid"])
    assert err == errno.ENOENT and cpus == list(range(num_cpu))


@pytest.mark.parametrize("build", ["c", "c_as_cpp"])
def test_sched_follows_a_narrowed_affinity(programs: dict[str, Path], build: str) -> None:
    cpu = max(os.sched_getaffinity(0))
    out = run(programs[build], str(os.getpid()), preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
    assert int(out["get_cpu"][0]) == cpu
    assert numbers(out["proc_cpuset"]) == [0, cpu]
    assert numbers(out["woomp"]) == [0, cpu]
    # The parent keeps its own CPUs.
    assert numbers(out["other_cpuset"]) == [0, *sorted(os.sched_getaffinity(0))]


def test_topo_counts_this_machines_cpus(programs: dict[str, Path]) -> None:
    out = run(programs["c"], str(os.getpid()))
    online = os.cpu_count()
    assert int(out["topo_board"][0]) == 1
    assert int(out["topo_cpu"][0]) == online
    assert 1 <= int(out["topo_package"][0]) <= int(out["topo_core"][0]) <= online
    err, *cpus = numbers(out["board_cpus"])
    assert err == 0 and cpus == list(range(int(out["topo_cpu"][0])))
    assert out["domain_name"] == ["0", "package"]
    assert int(out["bad_domain"][0]) == GEOPM_ERROR_INVALID


def test_pio_reads_and_names_what_it_cannot_do(programs: dict[str, Path]) -> None:
    out = run(programs["c"], str(os.getpid()))
    assert int(out["num_signal"][0]) > 0
    err, seconds = out["read_time"]
    assert int(err) == 0 and float(seconds) >= 0.0
    assert int(out["unknown_signal"][0]) < 0
    assert "NO_SUCH_SIGNAL" in " ".join(out["unknown_signal"])
    for key, function in (
        ("batch_server", "geopm_pio_start_batch_server"),
        ("profile_pids", "geopm_pio_profile_pids"),
    ):
        code, *message = out[key]
        assert int(code) == GEOPM_ERROR_NOT_IMPLEMENTED
        assert function in " ".join(message), message


def test_shmem_names_the_services_profile_files(programs: dict[str, Path]) -> None:
    create = [] if Path("/run/geopm").exists() else ["create"]
    out = run(programs["c"], str(os.getpid()), *create)
    # "status" is per user, every other key per process.
    assert out["path_status"] == ["0", "/run/geopm/profile-5678-status"]
    assert out["path_record_log"] == ["0", "/run/geopm/profile-1234-record-log"]
    code, *message = out["path_too_long"]
    assert int(code) == GEOPM_ERROR_RUNTIME
    assert "/run/geopm/profile-5678-status" in " ".join(message)
    if create:
        # Without the service's directory the region cannot be made.
        code, *message = out["create_prof"]
        assert int(code) == GEOPM_ERROR_RUNTIME
        assert "/run/geopm/profile-5678-status" in " ".join(message)


# ------------------------------------------------------------ the C++ classes


def test_cpuid_agrees_with_proc_cpuinfo(programs: dict[str, Path]) -> None:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    out = run(programs["cpp"], "cpuid")
    family = re.search(r"^cpu family\s*:\s*(\d+)", cpuinfo, re.M)
    model = re.search(r"^model\s*:\s*(\d+)", cpuinfo, re.M)
    if os.uname().machine in ("x86_64", "i686") and family and model:
        assert int(out["cpuid"][0]) == (int(family.group(1)) << 8) + int(model.group(1))
    else:
        assert out["cpuid"] == ["0"]
    sticker = float(out["freq_sticker"][0])
    assert sticker == 0.0 or 1e8 <= sticker <= 1e10
    assert 0 <= int(out["pmc_bit_width"][0]) <= 64
    supported, rmid_bits, _ = numbers(out["rdt"])
    assert supported in (0, 1) and 0 <= rmid_bits <= 32


def test_service_proxy_is_not_implemented(programs: dict[str, Path]) -> None:
    out = run(programs["cpp"], "service")
    assert "service" not in out
    code, *message = out["error"]
    assert int(code) == GEOPM_ERROR_NOT_IMPLEMENTED
    text = " ".join(message)
    assert "ServiceProxy::make_unique()" in text and "not part of the embedded runtime" in text


def shm_path(key: str) -> Path:
    """The file behind a "/name" key, by GEOPM's rule."""
    run_dir = Path(f"/run/user/{os.getuid()}")
    return (run_dir if run_dir.exists() else Path("/dev/shm")) / key.lstrip("/")


class Process:
    """A running C++ program mode, driven line by line."""

    def __init__(self, program: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(program), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )

    def read(self) -> list[str]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, self.proc.communicate(timeout=60)[1]
        return line.split()

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self) -> None:
        _, stderr = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, stderr


@pytest.fixture
def key() -> str:
    return f"/geopm-bridge-test-{os.getpid()}"


def test_shared_memory_lock_holds_across_processes(programs: dict[str, Path], key: str) -> None:
    lock_holds_across_processes(programs["cpp"], programs["cpp"], key)


def lock_holds_across_processes(owner_program: Path, user_program: Path, key: str) -> None:
    """Two processes add to one counter under the region's lock; none is lost."""
    count = 20000
    owner = Process(owner_program, "owner", key, str(count))
    try:
        assert owner.read() == ["created", key, "8"]
        path = shm_path(key)
        # make_unique_owner: everyone may read and write, whatever the umask.
        assert stat.S_IMODE(path.stat().st_mode) == 0o666
        user = Process(user_program, "user", key, str(count), "5")
        assert user.read() == ["attached", key, "8"]
        owner.send("go")
        user.send("go")
        assert owner.read() == ["done"]
        assert user.read() == ["done"]
        owner.send("end")
        # Every increment of both processes counted: the mutex is shared.
        assert owner.read() == ["total", str(2 * count)]
        owner.finish()
        assert not path.exists()
        # A user's unlink of a region already gone is an error.
        user.send("unlink")
        code, *message = user.read()
        assert code == "error" and int(message[0]) == errno.ENOENT
        assert str(path) in " ".join(message)
        user.proc.communicate(timeout=60)
    finally:
        shm_path(key).unlink(missing_ok=True)


def test_secure_owner_region_is_private(programs: dict[str, Path], key: str) -> None:
    owner = Process(programs["cpp"], "owner", key, "1", "secure")
    try:
        assert owner.read() == ["created", key, "8"]
        assert stat.S_IMODE(shm_path(key).stat().st_mode) == 0o600
        # A second owner of the same key is refused.
        out = run(programs["cpp"], "owner", key, "1")
        assert out["error"][0] == str(errno.EEXIST) and key in " ".join(out["error"])
        owner.send("skip")
        owner.send("end")
        assert owner.read() == ["total", "0"]
        owner.finish()
    finally:
        shm_path(key).unlink(missing_ok=True)


def test_user_of_a_missing_region_fails_naming_it(programs: dict[str, Path], key: str) -> None:
    for timeout in ("0", "1"):
        out = run(programs["cpp"], "attach", key, timeout)
        assert out["error"][0] == str(errno.ENOENT)
        assert str(shm_path(key)) in " ".join(out["error"])


def test_relocking_from_one_thread_is_an_error(programs: dict[str, Path], key: str) -> None:
    # GEOPM's region mutex checks errors rather than deadlock.
    out = run(programs["cpp"], "relock", key)
    assert "locked" in out and "twice" not in out["locked"]
    assert out["error"][0] == str(errno.EDEADLK)
    assert not shm_path(key).exists()


def test_cleanup_removes_this_users_geopm_regions(programs: dict[str, Path]) -> None:
    key = f"/geopm-shm-{os.getuid()}-bridge-test-{os.getpid()}"
    other = Path("/dev/shm") / f"geopm-bridge-keep-{os.getpid()}"
    other.write_bytes(b"")
    try:
        out = run(programs["cpp"], "cleanup", key)
        assert "left" in out and "cleaned" in out
        assert not shm_path(key).exists()
        assert other.exists()
    finally:
        shm_path(key).unlink(missing_ok=True)
        other.unlink()


# ---------------------------------------------- built against GEOPM's headers


@pytest.fixture(scope="module")
def geopm_header_programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The programs built against an installed GEOPM 3.1's headers, linked to our library."""
    geopm = api_coverage.find_geopm()
    if geopm is None:
        pytest.skip("no GEOPM 3.1 install: set GEOPM_ROOT to its prefix")
    out = tmp_path_factory.mktemp("api-libgeopmd-geopm-headers")
    mixed = Runtime(geopm.include_dir, runtime().lib_dir, "geopm-headers")
    return {
        "c": compile_program(SOURCES / "libgeopmd_c_program.c", out / "c", geopm=mixed),
        "cpp": compile_program(SOURCES / "libgeopmd_cpp_program.cpp", out / "cpp", geopm=mixed),
    }


def test_programs_on_geopms_headers_run_on_our_library(
    programs: dict[str, Path], geopm_header_programs: dict[str, Path], key: str
) -> None:
    ours = run(programs["c"], str(os.getpid()))
    theirs = run(geopm_header_programs["c"], str(os.getpid()))
    for line in ("num_cpu", "proc_cpuset", "woomp", "topo_cpu", "path_status", "board_cpus"):
        assert theirs[line] == ours[line]
    assert int(theirs["batch_server"][0]) == GEOPM_ERROR_NOT_IMPLEMENTED
    assert run(geopm_header_programs["cpp"], "cpuid") == run(programs["cpp"], "cpuid")
    assert int(run(geopm_header_programs["cpp"], "service")["error"][0]) == (
        GEOPM_ERROR_NOT_IMPLEMENTED
    )
    # A region made through our headers, shared with a program built on GEOPM's.
    lock_holds_across_processes(programs["cpp"], geopm_header_programs["cpp"], key)
