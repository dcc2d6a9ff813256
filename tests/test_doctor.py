"""``geopm-bridge doctor`` on the installed (embedded) package: its warnings,
one line each, and its exit status (docs/native.md's table). The checks that
need a real GEOPM (a plugin that hides ours, root without GEOPM's service)
are in tests/test_native_backend.py.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cpp_build import clean_env, require_cli
from geopm_bridge.cli.errors import hint, report_error


def doctor(**env: str) -> subprocess.CompletedProcess[str]:
    """Run ``geopm-bridge doctor`` with ``env`` over a clean environment."""
    return subprocess.run(
        require_cli() + ["doctor"],
        capture_output=True,
        text=True,
        env=clean_env(**env),
        timeout=120,
    )


def warnings(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The doctor's own warning lines."""
    return [line for line in result.stderr.splitlines() if line.startswith("warning: ")]


def test_doctor_on_a_sound_setup_exits_0_and_lists_every_agent() -> None:
    result = doctor()
    assert result.returncode == 0, result.stderr
    assert "  example_python (Python)\n" in result.stdout
    # The embedded runtime has example_python's CPU time signals (PROCSTAT).
    assert not [line for line in warnings(result) if "example_python" in line]


@pytest.mark.parametrize("path", ["{dir}:", ":{dir}", "{dir}::{dir}"])
def test_doctor_warns_about_an_empty_plugin_path_entry(tmp_path: Path, path: str) -> None:
    result = doctor(GEOPM_PLUGIN_PATH=path.format(dir=tmp_path))
    assert result.returncode == 1
    empty = [line for line in warnings(result) if "empty entry" in line]
    assert len(empty) == 1, result.stderr
    assert "GEOPM 3.1 aborts on it" in empty[0]
    # The doctor leaves it out and still says everything else.
    assert "GEOPM_PLUGIN_PATH: " + ":".join([str(tmp_path)] * path.count("{dir}")) in result.stdout
    assert "  monitor (C++)\n" in result.stdout


def test_doctor_warns_about_a_plugin_path_entry_that_is_no_directory(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = doctor(GEOPM_PLUGIN_PATH=f"{tmp_path}:{missing}")
    assert result.returncode == 1
    assert f"warning: GEOPM_PLUGIN_PATH names '{missing}', which is not a directory" in (
        result.stderr
    )
    assert f"GEOPM_PLUGIN_PATH: {tmp_path}\n" in result.stdout


def test_doctor_tries_each_python_agents_init(tmp_path: Path) -> None:
    (tmp_path / "needy_agent.py").write_text(
        "import geopm_bridge\n\n\n"
        "class Needy(geopm_bridge.Agent):\n"
        '    name = "py_needy"\n'
        "    policy_names = ()\n"
        "    sample_names = ()\n\n"
        "    def init(self, level, fan_in, is_level_root):\n"
        "        pio = geopm_bridge.platform_io()\n"
        '        pio.push_signal("NO_SUCH_SIGNAL", geopm_bridge.DOMAIN_BOARD, 0)\n\n\n'
        "class Fine(geopm_bridge.Agent):\n"
        '    name = "py_fine"\n'
        "    policy_names = ()\n"
        "    sample_names = ()\n\n"
        "    def init(self, level, fan_in, is_level_root):\n"
        "        pio = geopm_bridge.platform_io()\n"
        '        pio.push_signal("TIME", geopm_bridge.DOMAIN_BOARD, 0)\n'
    )
    result = doctor(
        GEOPM_BRIDGE_AGENTS="needy_agent:Needy,needy_agent:Fine", PYTHONPATH=str(tmp_path)
    )
    # A node that lacks what an agent needs: a warning, not a failure.
    assert result.returncode == 0, result.stderr
    needy = [line for line in warnings(result) if "py_needy" in line]
    assert len(needy) == 1, result.stderr
    assert needy[0].startswith(
        "warning: agent py_needy cannot start on this node: py_needy.init(): GeopmError: "
    )
    assert "NO_SUCH_SIGNAL" in needy[0]
    assert "py_fine" not in result.stderr
    assert "Traceback" not in result.stderr


def test_doctor_fails_on_an_agent_that_cannot_load(tmp_path: Path) -> None:
    result = doctor(GEOPM_BRIDGE_AGENTS="no_such_module:Agent")
    assert result.returncode == 1
    assert "warning: GEOPM_BRIDGE_AGENTS entry 'no_such_module:Agent'" in result.stderr


def test_example_python_says_which_signals_it_lacks() -> None:
    from geopm_bridge.examples.tutorial_agent import TutorialAgent

    class OnlyTime:
        def signal_names(self) -> list[str]:
            return ["TIME"]

    agent = TutorialAgent()
    agent._pio = OnlyTime()  # type: ignore[assignment]
    with pytest.raises(LookupError, match="USER_TIME, SYSTEM_TIME, IDLE_TIME, NICE_TIME") as caught:
        agent.init(0, [], False)
    assert "tutorial IOGroup" in str(caught.value)


def test_root_without_geopm_service_error_gets_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    # GEOPM 3.1's words as geopmread prints them (tests/test_native_backend.py
    # has the real one where GEOPM is installed).
    error = RuntimeError(
        "<geopm> No such file or directory: PlatformTopo::create_cache(): "
        "Could not create temp file: : at src/PlatformTopo.cpp:465"
    )
    report_error(error)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("geopm-bridge: error: ")
    assert lines[1].startswith("geopm-bridge: hint: ")
    assert "/run/geopm" in lines[1] and "setpriv --bounding-set=-sys_admin" in lines[1]
    assert hint("signal name not found") is None
