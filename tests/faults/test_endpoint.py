"""The endpoint's files cannot be turned against the processes that use them.

Another user (``nobody``, through setpriv) plants symbolic links and FIFOs at
the endpoint's paths: in a directory its group may write (allowed: no user
outside the group can) and in one every user may write (refused before the
run). Nothing outside the endpoint's directory is read or written (the link
targets keep their content and modification time, a policy behind a link
never reaches the agent) and the control loop never stalls: the job ends, as
the subprocess timeouts (guards, not measurements) require.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cpp_build import clean_env, compile_c_program
from jobs import launch

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root (to act as another user through setpriv)",
)

NOBODY = 65534
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
GEOPM_ERROR_INVALID = -3


@pytest.fixture
def base() -> Iterator[Path]:
    """A directory every user can reach (pytest's own are its owner's only)."""
    path = Path(tempfile.mkdtemp(prefix="geopm-endpoint-fault-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


class Outside:
    """Files outside the endpoint's directory that the planted links point at."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "outside"
        self.dir.mkdir()
        # A valid policy: were it read through a link, the agent would get it.
        self.policy = self.dir / "policy.json"
        self.policy.write_text('{"CPU_POWER_LIMIT": 111}')
        self.secret = self.dir / "secret"
        self.secret.write_text("the owner's data\n")
        self.before = self.state()

    def state(self) -> dict[str, tuple[bytes, int]]:
        return {
            path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in self.dir.iterdir()
        }

    def assert_untouched(self) -> None:
        assert self.state() == self.before


def endpoint_dir(base: Path, mode: int, group_of_nobody: bool = False) -> Path:
    directory = base / "endpoint"
    directory.mkdir()
    if group_of_nobody:
        os.chown(directory, 0, NOBODY)
    directory.chmod(mode)
    return directory


def as_nobody(*command: str) -> None:
    subprocess.run([*AS_NOBODY, *command], check=True, timeout=30)


def run_job(base: Path, prefix: Path, *app: str) -> subprocess.CompletedProcess[str]:
    return launch(
        base,
        *(app or ("sleep", "0.3")),
        options=[
            "--node-model",
            "--geopm-agent=power_governor",
            f"--geopm-endpoint={prefix}",
            f"--geopm-report={base / 'report.yaml'}",
            "--geopm-period=0.02",
        ],
        timeout=60,  # a guard: a blocked read would hang the job
    )


def final_sample(prefix: Path) -> dict[str, Any]:
    """The last sample the controller wrote: a file of its own, not what was planted."""
    sample = Path(f"{prefix}.sample")
    assert sample.is_file() and not sample.is_symlink()
    document: dict[str, Any] = json.loads(sample.read_text())
    assert document["running"] is False
    return document


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [
        line for line in result.stderr.splitlines() if "ignoring an endpoint policy update" in line
    ]


# ------------------------------------- a directory others of its group share


def test_links_at_the_endpoint_paths_are_not_followed(base: Path) -> None:
    outside = Outside(base)
    prefix = endpoint_dir(base, 0o770, group_of_nobody=True) / "job"
    as_nobody("ln", "-s", str(outside.policy), f"{prefix}.policy")
    as_nobody("ln", "-s", str(outside.secret), f"{prefix}.sample")
    # The name the controller once wrote its sample through.
    as_nobody("ln", "-s", str(outside.secret), f"{prefix}.sample.tmp")
    result = run_job(base, prefix)
    assert result.returncode == 0, result.stderr
    outside.assert_untouched()
    # The policy behind the link never reached the agent; said once.
    assert final_sample(prefix)["policy"] == {"CPU_POWER_LIMIT": None}
    [warning] = warnings(result)
    assert f"{prefix}.policy" in warning and "symbolic link" in warning


def test_fifos_at_the_endpoint_paths_do_not_stall_the_loop(base: Path) -> None:
    prefix = endpoint_dir(base, 0o770, group_of_nobody=True) / "job"
    for suffix in ("policy", "sample", "sample.tmp"):
        as_nobody("mkfifo", "-m", "666", f"{prefix}.{suffix}")
    result = run_job(base, prefix)
    assert result.returncode == 0, result.stderr
    assert final_sample(prefix)["policy"] == {"CPU_POWER_LIMIT": None}
    [warning] = warnings(result)
    assert f"{prefix}.policy" in warning and "not a regular file" in warning


def test_an_oversized_policy_is_refused_unread(base: Path) -> None:
    prefix = endpoint_dir(base, 0o755) / "job"
    # A valid policy, only far longer than any policy (16 MiB of blanks).
    policy = Path(f"{prefix}.policy")
    policy.write_text('{"CPU_POWER_LIMIT": 111}' + " " * (16 << 20))
    result = run_job(base, prefix)
    assert result.returncode == 0, result.stderr
    assert final_sample(prefix)["policy"] == {"CPU_POWER_LIMIT": None}
    [warning] = warnings(result)
    # The limit (M_ENDPOINT_FILE_MAX_BYTES) is named, and the file exceeds it.
    limit = re.search(r"is larger than (\d+) bytes", warning)
    assert limit is not None and f"{policy}" in warning, warning
    assert 4096 <= int(limit.group(1)) < policy.stat().st_size


# ---------------------------------------------- directories that are refused


def assert_refused(result: subprocess.CompletedProcess[str], marker: Path, *words: str) -> None:
    """The run was refused with one line, before the application started."""
    assert result.returncode != 0
    [line] = result.stderr.splitlines()
    for word in words:
        assert word in line, line
    assert not marker.exists()


@pytest.mark.parametrize("mode", [0o777, 0o1777])
def test_an_endpoint_directory_others_can_write_is_refused(base: Path, mode: int) -> None:
    outside = Outside(base)
    directory = endpoint_dir(base, mode)
    prefix = directory / "job"
    as_nobody("ln", "-s", str(outside.secret), f"{prefix}.sample")
    as_nobody("mkfifo", f"{prefix}.policy")
    marker = base / "ran"
    result = run_job(base, prefix, "touch", str(marker))
    assert_refused(result, marker, f'"{directory}"', "writable by others", f"mode {mode:04o}")
    outside.assert_untouched()


def test_an_endpoint_directory_of_another_user_is_refused(base: Path) -> None:
    directory = endpoint_dir(base, 0o755)
    os.chown(directory, NOBODY, NOBODY)
    marker = base / "ran"
    result = run_job(base, directory / "job", "touch", str(marker))
    assert_refused(result, marker, f'"{directory}"', f"belongs to uid {NOBODY}", "uid 0")


# ----------------------------------------------- the resource manager's side

MANAGER_C = r"""
/* manager PREFIX: opens the endpoint, then for each line read asks for the
 * attached agent; prints each call's error code and message. */
#include <stdio.h>
#include <string.h>

#include "geopm_endpoint.h"
#include "geopm_error.h"

static void say(const char *what, int err)
{
    char message[1024] = "";
    if (err != 0) {
        geopm_error_message(err, message, sizeof(message));
    }
    printf("%s %d %s\n", what, err, message);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct geopm_endpoint_c *endpoint = NULL;
    char line[64];
    char agent[256];
    if (argc != 2 || geopm_endpoint_create(argv[1], &endpoint) != 0) {
        return 2;
    }
    int err = geopm_endpoint_open(endpoint);
    say("open", err);
    while (err == 0 && fgets(line, sizeof(line), stdin) != NULL) {
        say("agent", geopm_endpoint_agent(endpoint, sizeof(agent), agent));
    }
    geopm_endpoint_destroy(endpoint);
    return 0;
}
"""


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("manager")
    source = out / "manager.c"
    source.write_text(MANAGER_C)
    return compile_c_program(source, out / "manager")


def test_the_manager_refuses_a_directory_others_can_write(base: Path, manager: Path) -> None:
    directory = endpoint_dir(base, 0o1777)
    result = subprocess.run(
        [str(manager), str(directory / "job")],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    [line] = result.stdout.splitlines()
    assert line.startswith(f"open {GEOPM_ERROR_INVALID} ") and "writable by others" in line, line


def test_the_manager_reads_no_planted_sample(base: Path, manager: Path) -> None:
    outside = Outside(base)
    prefix = endpoint_dir(base, 0o770, group_of_nobody=True) / "job"
    with subprocess.Popen(
        [str(manager), str(prefix)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        assert proc.stdout.readline() == "open 0 \n"
        answers = []
        for plant in (
            ("mkfifo", f"{prefix}.sample"),
            ("ln", "-sf", str(outside.secret), f"{prefix}.sample"),
        ):
            as_nobody(*plant)
            proc.stdin.write("\n")
            proc.stdin.flush()
            answers.append(proc.stdout.readline())
            os.unlink(f"{prefix}.sample")
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0  # a guard: a blocked read never returns
    fifo, link = answers
    assert fifo.startswith(f"agent {GEOPM_ERROR_INVALID} ") and "not a regular file" in fifo, fifo
    assert link.startswith(f"agent {GEOPM_ERROR_INVALID} ") and "symbolic link" in link, link
    outside.assert_untouched()
