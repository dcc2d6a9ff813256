"""The Python marking API (geopm_bridge.profile): a Python program marks its
regions, epochs and progress through the package's libgeopmprof.so, under
``geopm-bridge launch`` (the report read back with GEOPM's own parser) and
with no controller at all (every call does nothing)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import geopm_bridge
import jobs
import pytest
from cpp_build import clean_env
from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

# app.py EPOCHS: every use of the API, then its errors, one line each.
APP = r"""
import os
import sys
import time

import geopm_bridge
from geopm_bridge import profile
from geopm_bridge.profile import RegionHint


def busy(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@profile.region("py_decorated", RegionHint.IO)
def decorated():
    busy(0.005)


def main():
    print(f"pids: {os.getpid()}")
    for _ in range(int(sys.argv[1])):
        profile.epoch()
        with profile.region("py_compute", RegionHint.COMPUTE):
            busy(0.01)
            with profile.region("py_inner", RegionHint.MEMORY):  # nested: the hint only
                busy(0.005)
        with profile.region("py_memory", RegionHint.MEMORY):
            profile.tprof_init(4)
            for _ in range(4):
                busy(0.002)
                profile.tprof_post()
    for _ in range(3):
        decorated()
    try:
        with profile.region("py_raises", RegionHint.NETWORK):
            raise KeyError("inside the region")
    except KeyError:
        pass
    for label, call in [
        ("bad hint", lambda: profile.region("bad", 99)),
        ("exit without entry", lambda: profile.region("never_entered").__exit__(None, None, None)),
        ("long name", lambda: profile.region("x" * 300)),
    ]:
        try:
            call()
        except geopm_bridge.GeopmError as error:
            print(f"{label}: {error.error_code}: {error}")
    profile.shutdown()
    with profile.region("after_shutdown", RegionHint.COMPUTE):
        profile.epoch()


main()
"""


def channels_of(stdout: str) -> set[str]:
    """The profiling channels in /dev/shm of the app's processes (its
    first line names them)."""
    pids = stdout.splitlines()[0].split()[1:]
    prefix = f"geopm-bridge-{os.getuid()}-"
    return {
        name
        for name in os.listdir("/dev/shm")
        if name.startswith(prefix) and name.rsplit("-", 1)[1] in pids
    }


def errors(stdout: str) -> dict[str, tuple[int, str]]:
    """The app's error lines: label -> (error code, message)."""
    result = {}
    for line in stdout.splitlines()[1:]:
        label, code, message = line.split(": ", 2)
        result[label] = (int(code), message)
    return result


def launch(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """command under a controller on the node model; report.yaml in tmp_path."""
    options = ("--node-model", "--geopm-period=0.02", "--geopm-report=report.yaml")
    return jobs.launch(tmp_path, *command, options=options)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("python_app") / "app.py"
    path.write_text(APP)
    return path


def test_the_report_has_the_python_programs_regions_and_epochs(tmp_path: Path, app: Path) -> None:
    import geopmpy.io

    result = launch(tmp_path, sys.executable, str(app), "10")
    assert result.returncode == 0, result.stderr
    collection = geopmpy.io.RawReportCollection(
        [str(tmp_path / "report.yaml")], dir_name="", do_cache=False, verbose=False
    )
    regions = {row["region"]: row for row in collection.get_df().to_dict("records")}
    counts = {name: row["count"] for name, row in regions.items()}
    # As GEOPM, no entry for a region never completed: "py_inner" is only
    # ever nested (its time is py_compute's), "never_entered" never ran.
    assert counts == {
        "py_compute": 10,
        "py_memory": 10,
        "py_decorated": 3,
        "py_raises": 1,  # left by an exception
    }
    assert regions["py_memory"]["time-hint-memory (s)"] == regions["py_memory"]["runtime (s)"]
    assert regions["py_decorated"]["time-hint-io (s)"] > 0
    [epoch] = collection.get_epoch_df().to_dict("records")
    assert epoch["count"] == 10
    # Under a controller, the library's own checks answer too.
    found = errors(result.stdout)
    assert found["bad hint"][0] == geopm_bridge.GEOPM_ERROR_INVALID
    assert "hint 99 is not a GEOPM region hint" in found["bad hint"][1]
    assert found["exit without entry"] == (
        geopm_bridge.GEOPM_ERROR_RUNTIME,
        "<geopm> Runtime error: geopm_prof_exit() of region 'never_entered'",
    )
    assert found["long name"][0] == geopm_bridge.GEOPM_ERROR_INVALID
    # The controller removed the process's channel.
    assert channels_of(result.stdout) == set()


# A Region made before fork() is entered in the child: the child has a
# channel of its own, where the region must be registered again.
FORK_APP = r"""
import os
import time

import geopm_bridge
from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

in_child = profile.region("py_child", RegionHint.COMPUTE)
with profile.region("py_parent", RegionHint.COMPUTE):
    pass
child = os.fork()
if child == 0:
    try:
        with in_child:
            time.sleep(0.01)
    except geopm_bridge.GeopmError as error:
        print(f"child: {error}", flush=True)
        os._exit(3)
    os._exit(0)
_, status = os.waitpid(child, 0)
print(f"pids: {os.getpid()} {child}")
print(f"child status: {os.waitstatus_to_exitcode(status)}")
time.sleep(0.2)  # the controller finds new processes every 50 ms
"""


def test_a_forked_child_marks_regions_of_its_own(tmp_path: Path) -> None:
    import yaml

    (tmp_path / "fork_app.py").write_text(FORK_APP)
    result = launch(tmp_path, sys.executable, str(tmp_path / "fork_app.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1:] == ["child status: 0"], result.stdout
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    counts = {region["region"]: region["count"] for region in host["Regions"]}
    # Entered once in one process each (the report averages over the two).
    assert counts["py_child"] > 0 and counts["py_parent"] > 0
    assert channels_of(result.stdout) == set()


def test_without_a_controller_every_call_does_nothing(tmp_path: Path, app: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(app), "3"],
        cwd=tmp_path,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # A bad hint is refused either way; what only the library checks is not.
    assert list(errors(result.stdout)) == ["bad hint"]
    assert channels_of(result.stdout) == set()


def test_a_bad_argument_is_one_geopm_error() -> None:
    with pytest.raises(geopm_bridge.GeopmError, match="hint 11 is not a GEOPM region hint") as bad:
        profile.region("some_region", 11)
    assert bad.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    assert "\n" not in str(bad.value)
    with pytest.raises(geopm_bridge.GeopmError, match="outside") as bad:
        profile.tprof_init(-1)
    assert bad.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    with pytest.raises(TypeError, match="region name"):
        profile.region("with\0nul")


def test_region_is_a_reusable_context_manager_and_decorator() -> None:
    solve = profile.region("solve", RegionHint.COMPUTE)
    assert profile.region("solve", RegionHint.COMPUTE) is solve
    assert profile.region("solve", RegionHint.MEMORY) is not solve
    assert repr(solve) == "Region('solve', RegionHint.COMPUTE)"
    with solve, solve:
        pass
    with pytest.raises(ValueError), solve:
        raise ValueError("left through __exit__")

    @solve
    def twice(value: int) -> int:
        return 2 * value

    assert twice(21) == 42
    assert solve.region_id == 0  # no controller: GEOPM's id 0


def test_the_hints_are_geopm_hint_h() -> None:
    header = Path(geopm_bridge.get_include(), "geopm_hint.h").read_text()
    names = re.findall(
        r"GEOPM_REGION_HINT_(\w+)", header.split("enum geopm_region_hint_e")[1].split("};")[0]
    )
    assert names == [member.name for member in RegionHint]
    assert [member.value for member in RegionHint] == list(range(len(names)))
    assert geopm_bridge.RegionHint is RegionHint
