"""The Python agent plugin (src/plugin, libgeopmagent_python) without GEOPM.

Both backends build the plugin. On the embedded one the runtime's own plugin
loader (cpp/src/core/PluginLoader.cpp) loads it from GEOPM_PLUGIN_PATH, so
the suite runs what libgeopm runs on the native backend: a C++ program
(tests/geopm_driver.cpp, linked with -lgeopmd) that has no Python gets an
interpreter from the plugin, the Python agents registered, driven, and their
errors reported. The native backend's geopmctl wrapper (src/plugin/geopmctl.in)
is a shell script, tested here against a stand-in geopmctl;
tests/test_native_backend.py runs both with a real GEOPM.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from cpp_build import REPO, clean_env, driver, ok, require_cli, runtime

AGENTS_DIR = REPO / "tests" / "native_backend"
TEST_AGENTS = "native_test_agents:TimeScale,native_test_agents:FailingHook"
PLUGIN_FILE = "libgeopmagent_python.so.2.1.0"
LOG_PREFIX = "geopm-bridge plugin (libgeopmagent_python): "
GEOPM_ERROR_RUNTIME = -1


@pytest.fixture(scope="module")
def plugin_dir() -> Path:
    """The installed package's plugin directory (embedded backend)."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import geopm_bridge as g; from geopm_bridge.cli.plugin_path import plugin_directory;"
            " print(g.BACKEND); print(plugin_directory())",
        ],
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    lines = probe.stdout.split()
    if probe.returncode != 0 or lines[0] != "embedded" or runtime().origin != "installed":
        pytest.skip("needs geopm_bridge installed on the embedded backend")
    directory = Path(lines[1])
    if not (directory / PLUGIN_FILE).is_file() and not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        pytest.skip("this Python has no libpython to embed: the build left the plugin out")
    assert (directory / PLUGIN_FILE).is_file(), f"the wheel lacks plugins/{PLUGIN_FILE}"
    return directory


def plugin_env(plugin_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a C++ program that loads the plugin and the test agents."""
    settings = {
        "GEOPM_PLUGIN_PATH": str(plugin_dir),
        "GEOPM_BRIDGE_AGENTS": TEST_AGENTS,
        "PYTHONPATH": str(AGENTS_DIR),
    }
    return clean_env(**(settings | overrides))


def drive(commands: list[str], env: dict[str, str]) -> tuple[list[dict[str, Any]], str]:
    """The C++ driver's answers to ``commands`` and its stderr."""
    result = subprocess.run(
        [str(driver())],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(answers) == len(commands), result.stdout + result.stderr
    return answers, result.stderr


def test_cpp_program_gets_python_agents_from_the_plugin(plugin_dir: Path) -> None:
    commands = [
        "agents",
        "dictionary py_time_scale",
        "thread make py_time_scale",
        "thread make py_time_scale",
        "thread init 0 - 1",
        "thread step 3 2",
    ]
    answers, stderr = drive(commands, plugin_env(plugin_dir))
    agents, dictionary, _, _, _, step = [ok(answer) for answer in answers]
    assert LOG_PREFIX not in stderr
    # The built-ins, the package's entry points, then GEOPM_BRIDGE_AGENTS.
    names = agents["agents"]
    assert names[0] == "monitor"
    assert {"example_python", "power_split", "py_time_scale", "py_failing_hook"} <= set(names)
    assert len(names) == len(set(names))
    assert dictionary["policy"] == ["SCALE"]
    assert dictionary["sample"] == ["SCALED_TIME", "INSTANCE"]
    samples = step["samples"]
    assert len(samples) == 3
    # The second agent made is the one driven (a new Python object each time),
    # on a thread Python never saw, reading the runtime's TIME.
    assert {sample[1] for sample in samples} == {2.0}
    assert samples[0][0] < samples[1][0] < samples[2][0]


def test_hook_error_reaches_the_cpp_program_with_agent_and_traceback(plugin_dir: Path) -> None:
    commands = ["thread make py_failing_hook", "thread init 0 - 1", "thread step 1 0"]
    answers, _ = drive(commands, plugin_env(plugin_dir))
    error = answers[-1]
    assert error["error"] == GEOPM_ERROR_RUNTIME
    assert "py_failing_hook.adjust_platform(): ValueError: adjust_platform refused" in error["what"]
    assert "Traceback (most recent call last)" in error["what"]
    assert "native_test_agents.py" in error["what"]


def test_broken_agents_are_reported_and_the_others_still_register(
    plugin_dir: Path, tmp_path: Path
) -> None:
    # A module that fails on import, a class that does not fit, and a name
    # taken by a built-in: each is one message; the rest register.
    (tmp_path / "taken_name.py").write_text(
        "from geopm_bridge import Agent\n\n\n"
        "class Monitor(Agent):\n"
        '    name = "monitor"\n'
        "    policy_names = ()\n"
        "    sample_names = ()\n"
    )
    # Registered by the module itself, on import: refused by the factory at
    # once, not left for the plugin loader (which would fail the plugin).
    (tmp_path / "taken_on_import.py").write_text(
        "from geopm_bridge import Agent, register_agent\n\n\n"
        '@register_agent("power_governor")\n'
        "class Governor(Agent):\n"
        "    policy_names = ()\n"
        "    sample_names = ()\n"
    )
    agents = (
        "broken_agent_module:Agent,native_test_agents:NoPolicyNames,taken_name:Monitor,"
        "taken_on_import:Governor," + TEST_AGENTS
    )
    env = plugin_env(plugin_dir, GEOPM_BRIDGE_AGENTS=agents, PYTHONPATH=f"{AGENTS_DIR}:{tmp_path}")
    answers, err = drive(["agents", "thread make py_time_scale"], env)
    names = ok(answers[0])["agents"]
    assert "py_time_scale" in names and "py_no_policy_names" not in names
    assert names.count("monitor") == 1
    ok(answers[1])
    assert f"{LOG_PREFIX}Python agent skipped: GEOPM_BRIDGE_AGENTS entry 'broken_agent" in err
    assert "broken_agent_module fails on import on purpose" in err
    assert "Traceback (most recent call last)" in err
    assert "NoPolicyNames has no policy_names" in err
    assert "GEOPM_BRIDGE_AGENTS entry 'taken_name:Monitor'" in err
    assert "agent name 'monitor' is already taken" in err
    assert "GEOPM_BRIDGE_AGENTS entry 'taken_on_import:Governor'" in err
    assert 'name "power_governor" is already registered' in err


def test_interpreter_that_cannot_start_says_which_python(plugin_dir: Path) -> None:
    env = plugin_env(plugin_dir, PYTHONHOME="/nonexistent-python-home")
    answers, err = drive(["agents"], env)
    names = ok(answers[0])["agents"]
    # The C++ program goes on with its C++ agents.
    assert "monitor" in names and "py_time_scale" not in names
    assert f"{LOG_PREFIX}cannot start Python " in err
    python = subprocess.run(
        [sys.executable, "-c", "import geopm_bridge as g; print(g.get_plugin_python())"],
        capture_output=True,
        text=True,
        env=clean_env(),
    ).stdout.strip()
    assert f"cannot start Python {python}" in err


def test_python_program_registers_its_agents_once(plugin_dir: Path) -> None:
    # geopm_bridge in a Python process registers its agents itself; the
    # plugin, loaded there too, must neither repeat nor disturb that.
    code = (
        "import geopm_bridge as g\n"
        "g.load_agents()\n"
        "names = g.agent_factory().plugin_names()\n"
        "assert len(names) == len(set(names)), names\n"
        "print(' '.join(names))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=plugin_env(plugin_dir),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "py_time_scale" in result.stdout.split()
    assert LOG_PREFIX not in result.stderr


def test_plugin_path_names_the_plugin_on_the_embedded_backend(plugin_dir: Path) -> None:
    cli = require_cli()
    env = clean_env()
    directory = subprocess.run(cli + ["plugin-path"], capture_output=True, text=True, env=env)
    assert directory.returncode == 0, directory.stderr
    assert directory.stdout.strip() == str(plugin_dir)
    file = subprocess.run(cli + ["plugin-path", "--file"], capture_output=True, text=True, env=env)
    assert file.stdout.strip() == str(plugin_dir / PLUGIN_FILE)
    wrappers = subprocess.run(
        cli + ["plugin-path", "--wrappers"], capture_output=True, text=True, env=env
    )
    assert wrappers.returncode == 1
    assert "embedded backend, which has no geopmctl to wrap" in wrappers.stderr


# ------------------------------------------------------------ geopmctl wrapper


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def wrapper(tmp_path: Path) -> tuple[Path, Path]:
    """The wrapper laid out as in the wheel (wrappers/, plugins/) around a
    stand-in geopmctl that prints its arguments and environment."""
    package = tmp_path / "geopm_bridge"
    (package / "wrappers").mkdir(parents=True)
    (package / "plugins").mkdir()
    (package / "plugins" / PLUGIN_FILE).write_bytes(b"")
    real = _executable(
        tmp_path / "real-geopmctl",
        '#!/bin/sh\necho "args=$*"\necho "LD_PRELOAD=$LD_PRELOAD"\n'
        'echo "GEOPM_PLUGIN_PATH=${GEOPM_PLUGIN_PATH-(unset)}"\n',
    )
    text = (REPO / "src" / "plugin" / "geopmctl.in").read_text()
    _executable(
        package / "wrappers" / "geopmctl", text.replace("@GEOPM_BRIDGE_GEOPMCTL@", str(real))
    )
    return package, real


def _run_wrapper(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=env, timeout=60
    )


def test_geopmctl_wrapper_preloads_the_plugin_for_geopmctl_alone(
    wrapper: tuple[Path, Path], tmp_path: Path
) -> None:
    package, _ = wrapper
    plugins = package / "plugins"
    other = tmp_path / "other plugins"
    other.mkdir()
    os.symlink(plugins, tmp_path / "link-to-ours")
    # As geopmlaunch runs it: "geopmctl" from PATH, the ranks' environment.
    env = clean_env(
        PATH=f"{package / 'wrappers'}:{os.environ['PATH']}",
        LD_PRELOAD="libgeopm.so",
        GEOPM_PLUGIN_PATH=f"{plugins}::{other}:{tmp_path / 'link-to-ours'}:",
    )
    result = _run_wrapper("geopmctl -x 'a b'", env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "args=-x a b"
    # Ours first, the application's preload kept (geopmlaunch --geopm-preload).
    assert lines[1] == f"LD_PRELOAD={plugins / PLUGIN_FILE}:libgeopm.so"
    # Our directory (by any name) and the empty entries leave the path.
    assert lines[2] == f"GEOPM_PLUGIN_PATH={other}"


def test_geopmctl_wrapper_without_other_plugins_unsets_the_path(
    wrapper: tuple[Path, Path],
) -> None:
    package, _ = wrapper
    env = clean_env(GEOPM_PLUGIN_PATH=str(package / "plugins"))
    env.pop("LD_PRELOAD", None)
    result = _run_wrapper(str(package / "wrappers" / "geopmctl"), env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1] == f"LD_PRELOAD={package / 'plugins' / PLUGIN_FILE}"
    assert lines[2] == "GEOPM_PLUGIN_PATH=(unset)"


def test_geopmctl_wrapper_names_a_missing_geopmctl(wrapper: tuple[Path, Path]) -> None:
    package, real = wrapper
    real.unlink()
    result = _run_wrapper(str(package / "wrappers" / "geopmctl"), clean_env())
    assert result.returncode == 127
    assert f"{real}, the geopmctl of the GEOPM geopm-bridge was built against, is missing" in (
        result.stderr
    )
