"""Plugin files that are not what their names promise, or not to be trusted.

Each refused file is left out with one warning line naming it and the rule
it broke, and the good plugin beside it still loads; a plugin whose
load-time code throws or crashes ends the process with one line naming it.
The suite runs as root, so the loader applies its privileged rules
(ownership and write permission of the file and its directory); a copy of
the driver run as ``nobody`` shows they are the privileged process's only.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from cpp_build import TESTS, clean_env, driver, ok, runtime

BUILTIN_AGENTS = ["monitor", "power_balancer", "power_governor", "frequency_map"]
GOOD = "libgeopmagent_good.so.2.1.0"
BAD = "libgeopmagent_bad.so.2.1.0"
NOBODY = 65534
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]

needs_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to give files to another user) and setpriv",
)


def _gxx(*args: str) -> None:
    result = subprocess.run(
        ["g++", "-std=c++17", "-shared", "-fPIC", f"-I{runtime().include_dir}", *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The agent plugin (named by its file name) and the failing plugins."""
    out = tmp_path_factory.mktemp("fault-plugins")
    _gxx(str(TESTS / "runtime_core" / "agent_plugin.cpp"), "-o", str(out / "agent.so"))
    failing = TESTS / "faults" / "plugins" / "failing_plugin.cpp"
    _gxx(str(failing), "-o", str(out / "throwing.so"))
    _gxx("-DFAIL_BY_FAULT", str(failing), "-o", str(out / "faulting.so"))
    return out


@pytest.fixture
def plugins(build: Path, tmp_path: Path) -> Path:
    """A plugin directory holding the good plugin."""
    directory = tmp_path / "plugins"
    directory.mkdir()
    shutil.copy(build / "agent.so", directory / GOOD)
    return directory


def load(
    directory: Path, program: Path | None = None, user: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    """A driver process asked for the agents, with directory as GEOPM_PLUGIN_PATH."""
    return subprocess.run(
        [*user, str(program or driver())],
        input="agents\n",
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=str(directory)),
        timeout=60,  # a guard: a FIFO opened for reading would block forever
    )


def loaded_agents(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return list(ok(json.loads(result.stdout))["agents"])


def one_refusal(result: subprocess.CompletedProcess[str], path: Path, *words: str) -> None:
    """The run loaded the good plugin and said, in one line, why path was left out."""
    assert loaded_agents(result) == BUILTIN_AGENTS + ["good"]
    [line] = result.stderr.splitlines()
    assert line.startswith("geopm-bridge: warning: plugin ") and str(path) in line, line
    for word in words:
        assert word in line, line


# ------------------------------------------------------- what the file is


def test_a_symbolic_link_is_not_followed(plugins: Path, build: Path) -> None:
    (plugins / BAD).symlink_to(build / "agent.so")
    one_refusal(load(plugins), plugins / BAD, "not loaded", "symbolic link")


def test_a_fifo_is_refused_without_blocking(plugins: Path) -> None:
    os.mkfifo(plugins / BAD)
    one_refusal(load(plugins), plugins / BAD, "not a regular file")


def test_a_directory_named_like_a_plugin_is_refused(plugins: Path) -> None:
    (plugins / BAD).mkdir()
    one_refusal(load(plugins), plugins / BAD, "not a regular file")


def test_a_file_that_is_not_elf_is_refused(plugins: Path) -> None:
    (plugins / BAD).write_text("#!/bin/sh\n" + "echo not a plugin\n" * 8)
    one_refusal(load(plugins), plugins / BAD, "not an ELF shared object", "no ELF magic")


def test_a_file_shorter_than_an_elf_header_is_refused(plugins: Path, build: Path) -> None:
    (plugins / BAD).write_bytes((build / "agent.so").read_bytes()[:20])
    one_refusal(load(plugins), plugins / BAD, "not an ELF shared object", "20 bytes")


@pytest.mark.parametrize("kept", [4096, 200])
def test_a_truncated_plugin_is_refused_before_dlopen(plugins: Path, build: Path, kept: int) -> None:
    # Mapped as its headers say, the missing pages would raise SIGBUS.
    (plugins / BAD).write_bytes((build / "agent.so").read_bytes()[:kept])
    one_refusal(load(plugins), plugins / BAD, "truncated", "past the end of the file")


def patched(source: Path, target: Path, offset: int, data: bytes) -> None:
    content = bytearray(source.read_bytes())
    content[offset : offset + len(data)] = data
    target.write_bytes(bytes(content))


def test_a_plugin_for_another_machine_is_refused(plugins: Path, build: Path) -> None:
    # e_machine (offset 18, little-endian): 183 is AArch64, 62 x86-64.
    machine = 62 if os.uname().machine == "aarch64" else 183
    patched(build / "agent.so", plugins / BAD, 18, machine.to_bytes(2, "little"))
    one_refusal(load(plugins), plugins / BAD, f"built for ELF machine {machine}")


def test_a_plugin_of_the_other_elf_class_is_refused(plugins: Path, build: Path) -> None:
    patched(build / "agent.so", plugins / BAD, 4, b"\x01")  # EI_CLASS: ELFCLASS32
    one_refusal(load(plugins), plugins / BAD, "32-bit ELF file", "64-bit")


def test_an_elf_file_that_is_not_a_shared_object_is_refused(plugins: Path, build: Path) -> None:
    patched(build / "agent.so", plugins / BAD, 16, (2).to_bytes(2, "little"))  # ET_EXEC
    one_refusal(load(plugins), plugins / BAD, "not a shared object")


# ------------------------------------------------ load-time code that fails


def test_a_throwing_static_constructor_ends_with_one_line(plugins: Path, build: Path) -> None:
    shutil.copy(build / "throwing.so", plugins / BAD)
    result = load(plugins)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert str(plugins / BAD) in line and "failed while loading" in line, line
    assert "the plugin's table is missing" in line and "terminate called" not in line


def test_a_crashing_static_constructor_ends_with_one_line(plugins: Path, build: Path) -> None:
    shutil.copy(build / "faulting.so", plugins / BAD)
    result = load(plugins)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert str(plugins / BAD) in line and "crashed while loading" in line, line
    assert "Segmentation fault" in line


# ------------------------------------------- who may have written the file


@needs_root
def test_a_file_of_another_user_is_refused(plugins: Path, build: Path) -> None:
    shutil.copy(build / "agent.so", plugins / BAD)
    os.chown(plugins / BAD, NOBODY, NOBODY)
    one_refusal(load(plugins), plugins / BAD, f"owned by uid {NOBODY}", "privileged")


@needs_root
@pytest.mark.parametrize("mode", [0o775, 0o757, 0o777])
def test_a_file_writable_by_group_or_others_is_refused(
    plugins: Path, build: Path, mode: int
) -> None:
    shutil.copy(build / "agent.so", plugins / BAD)
    (plugins / BAD).chmod(mode)
    one_refusal(load(plugins), plugins / BAD, "writable by group or others", f"mode 0{mode:o}")


@needs_root
@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o757])
def test_a_directory_writable_by_others_is_left_out(tmp_path: Path, build: Path, mode: int) -> None:
    directory = tmp_path / "open"
    directory.mkdir()
    shutil.copy(build / "agent.so", directory / BAD)
    directory.chmod(mode)
    result = load(directory)
    assert loaded_agents(result) == BUILTIN_AGENTS
    [line] = result.stderr.splitlines()
    assert f'plugin directory "{directory}" left out' in line, line
    assert "writable by others" in line and f"mode 0{mode:o}" in line


@needs_root
def test_a_directory_of_another_user_is_left_out(tmp_path: Path, build: Path) -> None:
    directory = tmp_path / "theirs"
    directory.mkdir()
    shutil.copy(build / "agent.so", directory / BAD)
    os.chown(directory, NOBODY, NOBODY)
    result = load(directory)
    assert loaded_agents(result) == BUILTIN_AGENTS
    [line] = result.stderr.splitlines()
    assert f'plugin directory "{directory}"' in line and f"owned by uid {NOBODY}" in line, line


@needs_root
def test_a_directory_writable_by_its_group_only_is_used(tmp_path: Path, build: Path) -> None:
    # GEOPM checks no directory; ours asks only that no other user can write.
    directory = tmp_path / "shared"
    directory.mkdir()
    shutil.copy(build / "agent.so", directory / GOOD)
    directory.chmod(0o775)
    result = load(directory)
    assert loaded_agents(result) == BUILTIN_AGENTS + ["good"] and result.stderr == ""


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory every user can reach (pytest's own are its owner's only)."""
    path = Path(tempfile.mkdtemp(prefix="geopm-fault-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


@needs_root
def test_an_unprivileged_process_loads_files_it_does_not_own(open_dir: Path, build: Path) -> None:
    program = open_dir / "geopm_driver"
    shutil.copy(driver(), program)
    directory = open_dir / "plugins"
    directory.mkdir()
    shutil.copy(build / "agent.so", directory / GOOD)
    (directory / GOOD).chmod(0o666)
    directory.chmod(0o777 | stat.S_ISVTX)
    result = load(directory, program, AS_NOBODY)
    assert loaded_agents(result) == BUILTIN_AGENTS + ["good"] and result.stderr == ""
    # ... but never through a link, nor a FIFO.
    os.mkfifo(directory / BAD)
    (directory / "libgeopmagent_link.so.2.1.0").symlink_to(directory / GOOD)
    result = load(directory, program, AS_NOBODY)
    assert loaded_agents(result) == BUILTIN_AGENTS + ["good"]
    assert len(result.stderr.splitlines()) == 2
    assert "symbolic link" in result.stderr and "not a regular file" in result.stderr


@pytest.mark.parametrize("faulthandler", [False, True])
def test_the_load_guard_leaves_signal_handling_as_it_was(plugins: Path, faulthandler: bool) -> None:
    # The guard catches faults only while a plugin loads; afterwards the
    # process's own dispositions are back: none of its own, or faulthandler's.
    program = f"""
import faulthandler
import geopm_bridge

def caught() -> str:
    with open("/proc/self/status") as status:
        return next(line for line in status if line.startswith("SigCgt:"))

if {faulthandler}:
    faulthandler.enable()
before = caught()
names = geopm_bridge.agent_factory().plugin_names()
print("good" in names, caught() == before)
"""
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=clean_env(GEOPM_PLUGIN_PATH=str(plugins)),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
