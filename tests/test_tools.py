"""``read``, ``write`` and ``agent`` as GEOPM 3.1's geopmread, geopmwrite and
geopmagent, and the launcher's details a shell user meets (exit codes 127 and
126, trace options that do nothing, agents' report values), in real processes.

Formats follow GEOPM 3.1's man pages and sources; where GEOPM 3.1 is installed
(/tmp/geopm-install, or GEOPM_ROOT) its geopmagent is run beside ours. Controls
are written on a fake sysfs tree (tests/fake_sysfs.py) and a fake NVML.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import fake_sysfs
import jobs
import pytest
import yaml
from cpp_build import clean_env
from nvml_libs import fake_nvml

pytest.importorskip("geopm_bridge._core", reason="the package is not installed (run ./run-tests)")

import geopm_bridge  # noqa: E402 - after the skip

# The fake machine: 2 packages, 4 cores, 8 CPUs; a cpufreq policy per core.
MAX_FREQ_FILES = [
    f"sys/devices/system/cpu/cpufreq/policy{core}/scaling_max_freq" for core in range(4)
]
# GEOPM 3.1's domains, in geopmread -d's order (PlatformTopo's domain types).
DOMAINS = [
    "board",
    "package",
    "core",
    "cpu",
    "memory",
    "package_integrated_memory",
    "nic",
    "package_integrated_nic",
    "gpu",
    "package_integrated_gpu",
    "gpu_chip",
]


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A fake sysfs tree (cpufreq and powercap controls); returns its root."""
    return fake_sysfs.build(tmp_path / "root")


def tool(
    args: list[str], machine: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """``geopm-bridge ARGS`` without the caller's GEOPM settings, on ``machine``."""
    if machine is not None:
        env["GEOPM_BRIDGE_SYSFS_ROOT"] = str(machine)
    return subprocess.run(
        [*jobs.GEOPM_BRIDGE, *args],
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def output(args: list[str], machine: Path | None = None, **env: str) -> str:
    """stdout of a command that must succeed without a word on stderr."""
    result = tool(args, machine, **env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def error_line(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    """The one error line of a failed command, without traceback."""
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("geopm-bridge: error: "), result.stderr
    return lines[0]


def max_freqs(machine: Path) -> list[str]:
    return [(machine / path).read_text().strip() for path in MAX_FREQ_FILES]


def geopm_program(name: str) -> Path | None:
    """GEOPM 3.1's own tool, where it is installed and runs here."""
    for root in (os.environ.get("GEOPM_ROOT"), "/tmp/geopm-install"):
        if root and (Path(root) / "bin" / name).exists():
            return Path(root) / "bin" / name
    return None


def run_geopm(name: str, *args: str) -> str:
    """GEOPM's tool's output, or a skip where it is not installed (CI)."""
    program = geopm_program(name)
    if program is None:
        pytest.skip(f"GEOPM 3.1's {name} is not installed")
    lib = str(program.parent.parent / "lib")
    result = subprocess.run(
        [str(program), *args],
        env=clean_env(LD_LIBRARY_PATH=lib),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.skip(f"GEOPM's {name} does not run here: {result.stderr.strip()}")
    return result.stdout


# ------------------------------------------------------------------ read


def test_read_lists_signal_names_one_per_line(machine: Path) -> None:
    names = output(["read"], machine).splitlines()
    assert names == sorted(names)
    assert all(name and " " not in name for name in names)
    assert {"TIME", "CPU_FREQUENCY_MAX_CONTROL", "CPU_ENERGY"} <= set(names)
    assert set(names) == set(geopm_bridge_names(machine, "signal_names"))


def geopm_bridge_names(machine: Path, method: str) -> list[str]:
    """PlatformIO's names, in a process of its own on ``machine``."""
    script = f"import geopm_bridge; print('\\n'.join(geopm_bridge.platform_io().{method}()))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(GEOPM_BRIDGE_SYSFS_ROOT=str(machine)),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


def test_read_table_is_an_option_of_ours(machine: Path) -> None:
    text = output(["read", "--table"], machine)
    signals, controls = text.split("CONTROLS\n")
    assert signals.startswith("SIGNALS\n")
    rows = {line.split()[0]: line.split()[1] for line in controls.splitlines()}
    assert rows["CPU_POWER_LIMIT_CONTROL"] == "package"


@pytest.mark.parametrize("command", ["read", "write"])
def test_domain_table_as_geopmread_prints_it(machine: Path, command: str) -> None:
    # geopmread_main.cpp: std::setw(28) << std::left << name << count.
    lines = output([command, "-d"], machine).splitlines()
    assert [line[:28].rstrip() for line in lines] == DOMAINS
    assert all(re.fullmatch(r"[a-z_]+ +\d+", line) and len(line) > 28 for line in lines)
    counts = {line.split()[0]: int(line.split()[1]) for line in lines}
    assert (counts["board"], counts["package"], counts["core"], counts["cpu"]) == (1, 2, 4, 8)


def test_domain_of_a_name_as_the_man_pages_show(machine: Path) -> None:
    # geopmread(1): "geopmread --domain DRAM_ENERGY" prints "memory" (its domain).
    assert output(["read", "-d", "TIME"], machine) == "cpu\n"
    assert output(["read", "--domain", "CPU_ENERGY"], machine) == "package\n"
    assert output(["write", "-d", "CPU_POWER_LIMIT_CONTROL"], machine) == "package\n"
    assert "not a control" in error_line(tool(["write", "-d", "TIME"], machine))


def test_info_and_info_all(machine: Path) -> None:
    # geopmread_main.cpp: NAME ":" newline, then signal_description().
    info = output(["read", "-i", "TIME"], machine)
    assert info.startswith("TIME:\n    description: ")
    everything = output(["read", "--info-all"], machine)
    names = output(["read"], machine).splitlines()
    assert [line[:-1] for line in everything.splitlines() if not line[0].isspace()] == names
    assert info in everything
    control = output(["write", "--info", "CPU_POWER_LIMIT_CONTROL"], machine)
    assert control.startswith("CPU_POWER_LIMIT_CONTROL:\n") and "units: watts" in control
    assert output(["write", "-I"], machine).count(":\n    description:") == len(
        output(["write"], machine).splitlines()
    )


@pytest.mark.parametrize("command", ["read", "write", "agent"])
def test_version_and_cache(machine: Path, command: str) -> None:
    # geopmread -v prints geopm_version() first; our own version follows.
    first, second = output([command, "--version"], machine).splitlines()
    assert first == geopm_bridge.geopm_version() == "3.1.0"
    assert second == f"geopm-bridge {geopm_bridge.__version__}"
    # The short option is -v for geopmread and geopmwrite, -V for geopmagent.
    short = "-V" if command == "agent" else "-v"
    assert output([command, short], machine).startswith("3.1.0\n")
    if command != "agent":
        # No topology cache here: accepted, does nothing.
        assert output([command, "--cache"], machine) == ""


def test_read_formats_values_as_geopm(machine: Path) -> None:
    # PlatformIO::format_function(): the region hash in hex, frequencies as integers.
    assert re.fullmatch(r"0x[0-9a-f]{8}\n", output(["read", "REGION_HASH", "board", "0"], machine))
    assert output(["read", "CPU_FREQUENCY_MAX_CONTROL", "board", "0"], machine) == "3400000000\n"


def test_node_model_option_takes_no_signal_for_its_value(tmp_path: Path) -> None:
    # A bare --node-model is a flag; its parameters come with '='.
    value = output(["read", "--node-model", "CPU_FREQUENCY_MAX_CONTROL", "board", "0"])
    assert float(value) > 1e9
    power = output(["read", "--node-model=load=0.5", "CPU_POWER", "package", "0"])
    assert float(power) > 0
    assert "--node-model=" in error_line(tool(["read", "--node-model=", "TIME", "board", "0"]))
    assert "unrecognized arguments: --node" in error_line(
        tool(["read", "--node", "CPU_POWER", "package", "0"])
    )


@pytest.mark.parametrize(
    "args, expected",
    [
        (["NOPE", "board", "0"], "unknown signal 'NOPE'"),
        (["TIME", "bogus", "0"], "unknown domain 'bogus'"),
        (["TIME", "board", "1"], "board index 1 is out of range: indices 0 to 0"),
        (["TIME", "gpu", "0"], "this platform has no gpu"),
        (["TIME", "board", "x"], "domain index 'x' is not an integer"),
        (["TIME", "board"], "read needs SIGNAL DOMAIN INDEX"),
        (["TIME", "board", "0", "extra"], "not 4 arguments"),
        (["-i"], "-i needs a signal name"),
        (["-d", "-i", "TIME"], "-d cannot be combined with -i"),
        (["-i", "NOPE"], "unknown signal 'NOPE'"),
        (["-I", "TIME"], "-I takes no name"),
        (["-d", "TIME", "board"], "too many arguments: board"),
        (["--table", "TIME"], "--table takes no other"),
        (["--bogus"], "unrecognized arguments: --bogus (see geopm-bridge read --help)"),
    ],
)
def test_read_bad_input(machine: Path, args: list[str], expected: str) -> None:
    assert expected in error_line(tool(["read", *args], machine))


# ------------------------------------------------------------------ write


def test_write_lists_control_names_one_per_line(machine: Path) -> None:
    names = output(["write"], machine).splitlines()
    assert names == sorted(names)
    assert {"CPU_FREQUENCY_MAX_CONTROL", "CPU_POWER_LIMIT_CONTROL"} <= set(names)
    assert "TIME" not in names


def test_write_then_read_back(machine: Path) -> None:
    assert output(["write", "CPU_FREQUENCY_MAX_CONTROL", "board", "0", "2.0e9"], machine) == ""
    assert max_freqs(machine) == ["2000000"] * 4  # cpufreq's kHz
    assert output(["read", "CPU_FREQUENCY_MAX_CONTROL", "board", "0"], machine) == "2000000000\n"
    # One core's: the others keep their value.
    output(["write", "CPU_FREQUENCY_MAX_CONTROL", "core", "1", "1.5e9"], machine)
    assert max_freqs(machine) == ["2000000", "1500000", "2000000", "2000000"]
    output(["write", "CPU_POWER_LIMIT_CONTROL", "package", "0", "150"], machine)
    assert output(["read", "CPU_POWER_LIMIT_CONTROL", "package", "0"], machine) == "150\n"


def test_write_config_file(machine: Path, tmp_path: Path) -> None:
    config = tmp_path / "controls"
    config.write_text(
        "# the caps\n"
        "CPU_FREQUENCY_MAX_CONTROL core 0 1.8e9  # the first core\n"
        "\n"
        "CPU_FREQUENCY_MAX_CONTROL package 1 1.9e9\n"
    )
    assert output(["write", "--config", str(config)], machine) == ""
    caps = ["1800000", "3400000", "1900000", "1900000"]
    assert max_freqs(machine) == caps
    # A bad line anywhere: nothing written, the line named.
    config.write_text("CPU_FREQUENCY_MAX_CONTROL core 0 1.2e9\nCPU_FREQUENCY_MAX_CONTROL cpu 9 1\n")
    message = error_line(tool(["write", "--config", str(config)], machine))
    assert f"{config}:2: cpu index 9 is out of range: indices 0 to 7" in message
    assert max_freqs(machine) == caps
    config.write_text("CPU_FREQUENCY_MAX_CONTROL core 0\n")
    assert "3 words" in error_line(tool(["write", "--config", str(config)], machine))
    assert "no control" in error_line(tool(["write", "--config", os.devnull], machine))
    missing = tmp_path / "absent"
    assert "cannot read" in error_line(tool(["write", "--config", str(missing)], machine))


@pytest.mark.parametrize(
    "args, expected",
    [
        (["TIME", "board", "0", "1"], "TIME is a signal, not a control"),
        (["NOPE", "board", "0", "1"], "unknown control 'NOPE'"),
        (["CPU_FREQUENCY_MAX_CONTROL", "socket", "0", "1e9"], "unknown domain 'socket'"),
        (["CPU_FREQUENCY_MAX_CONTROL", "core", "4", "1e9"], "core index 4 is out of range"),
        (["CPU_FREQUENCY_MAX_CONTROL", "cpu", "-1", "1e9"], "cpu index -1 is out of range"),
        (["CPU_FREQUENCY_MAX_CONTROL", "cpu", "0", "fast"], "value 'fast' is not a number"),
        (["CPU_FREQUENCY_MAX_CONTROL", "cpu", "0", "inf"], "not a finite number"),
        (["CPU_FREQUENCY_MAX_CONTROL", "cpu", "0", "nan"], "not a finite number"),
        (["CPU_FREQUENCY_MAX_CONTROL", "cpu", "0"], "write needs CONTROL DOMAIN INDEX VALUE"),
        (["-i"], "-i needs a control name"),
        (["--config"], "argument --config: expected one argument"),
    ],
)
def test_write_bad_input_changes_nothing(machine: Path, args: list[str], expected: str) -> None:
    before = max_freqs(machine)
    assert expected in error_line(tool(["write", *args], machine))
    assert max_freqs(machine) == before


def test_write_refuses_the_node_model(machine: Path) -> None:
    # Its controls live in the writing process: a write would vanish with it.
    for option in ("--node-model", "--node-model=load=0.5"):
        message = error_line(
            tool(["write", option, "CPU_POWER_LIMIT_CONTROL", "package", "0", "100"], machine)
        )
        assert "node model" in message and "lost" in message
    message = error_line(
        tool(
            ["write", "CPU_POWER_LIMIT_CONTROL", "package", "0", "100"], GEOPM_BRIDGE_NODE_MODEL="1"
        )
    )
    assert "node model" in message


def test_node_model_write_and_read_back_within_one_process() -> None:
    script = (
        "import geopm_bridge\n"
        "pio = geopm_bridge.platform_io()\n"
        "pio.write_control('CPU_POWER_LIMIT_CONTROL', 'package', 0, 123.0)\n"
        "print(pio.read_signal('CPU_POWER_LIMIT_CONTROL', 'package', 0))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(GEOPM_BRIDGE_NODE_MODEL="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 123.0


def gpu_env(tmp_path: Path, machine: Path) -> dict[str, str]:
    config = tmp_path / "nvml.conf"
    config.write_text("limit_mw=250000 limit_min_mw=100000 limit_max_mw=300000 affinity=0-1\n")
    return {
        "GEOPM_BRIDGE_SYSFS_ROOT": str(machine),
        "GEOPM_BRIDGE_NVML_LIBRARY": str(fake_nvml()),
        "FAKE_NVML_CONFIG": str(config),
        "FAKE_NVML_LOG": str(tmp_path / "nvml.log"),
    }


def test_write_out_of_range_puts_back_what_was_written(machine: Path, tmp_path: Path) -> None:
    env = gpu_env(tmp_path, machine)
    args = ["write", "GPU_POWER_LIMIT_CONTROL", "gpu", "0", "400"]
    message = error_line(tool(args, **env), status=1)
    assert "outside its range 100 W to 300 W" in message
    assert not (tmp_path / "nvml.log").exists()
    # From a file: the CPU cap written first is put back when the GPU's fails.
    config = tmp_path / "controls"
    config.write_text(
        "CPU_FREQUENCY_MAX_CONTROL board 0 1.2e9\nGPU_POWER_LIMIT_CONTROL gpu 0 400\n"
    )
    message = error_line(tool(["write", "--config", str(config)], **env), status=1)
    assert "outside its range" in message
    assert max_freqs(machine) == ["3400000"] * 4
    output(["write", "GPU_POWER_LIMIT_CONTROL", "gpu", "0", "200"], **env)
    assert "nvmlDeviceSetPowerManagementLimit 0 200000" in (tmp_path / "nvml.log").read_text()


# ------------------------------------------------------------------ agent


@pytest.mark.parametrize(
    "args, expected",
    [
        # geopm_agent_policy_json_partial(): string_format_double (%.16g), NaN as "NAN".
        (["-a", "power_governor", "-p", "500"], '{"CPU_POWER_LIMIT": 500}'),
        (["-a", "power_governor", "-p", "0x10"], '{"CPU_POWER_LIMIT": 16}'),
        (
            ["-a", "power_balancer", "-p", "500,0.1,1e20,nan"],
            '{"CPU_POWER_LIMIT": 500, "STEP_COUNT": 0.1, "MAX_EPOCH_RUNTIME": 1e+20, '
            '"POWER_SLACK": "NAN"}',
        ),
        (
            ["-a", "power_balancer", "-p", "1.5e9,2"],
            '{"CPU_POWER_LIMIT": 1500000000, "STEP_COUNT": 2}',
        ),
        (["-a", "monitor", "-p", "none"], "{}"),
    ],
)
def test_agent_policy_as_geopmagent_prints_it(args: list[str], expected: str) -> None:
    assert output(["agent", *args]) == expected + "\n"
    if geopm_program("geopmagent") is not None:
        assert run_geopm("geopmagent", *args) == expected + "\n"


def test_agent_listing_and_description_as_geopmagent() -> None:
    ours = output(["agent"]).splitlines()
    described = output(["agent", "-a", "power_balancer"])
    assert described.startswith("Policy: CPU_POWER_LIMIT,STEP_COUNT,")
    if geopm_program("geopmagent") is None:
        pytest.skip("GEOPM 3.1's geopmagent is not installed")
    assert ours[:4] == run_geopm("geopmagent").splitlines()
    for agent in ours[:4]:
        assert output(["agent", "-a", agent]) == run_geopm("geopmagent", "-a", agent)


def test_agent_policy_bad_values() -> None:
    assert "not finite" in error_line(tool(["agent", "-a", "power_governor", "-p", "inf"]))
    assert "not a number" in error_line(tool(["agent", "-a", "power_governor", "-p", "x"]))
    assert "unrecognized arguments: --bogus" in error_line(tool(["agent", "--bogus"]))


def test_agent_listing_survives_plugins_that_fail(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "libgeopmagent_junk.so.2.1.0").write_text("not a shared object\n")
    (tmp_path / "broken_agents.py").write_text("raise ImportError('half installed')\n")
    result = tool(
        ["agent"],
        GEOPM_PLUGIN_PATH=str(plugins),
        GEOPM_BRIDGE_AGENTS="broken_agents:Agent",
        PYTHONPATH=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "monitor",
        "power_balancer",
        "power_governor",
        "frequency_map",
    ]
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2 and all(w.startswith("geopm-bridge: warning: ") for w in warnings)
    assert "libgeopmagent_junk.so.2.1.0" in warnings[0] and "half installed" in warnings[1]


# ------------------------------------------------------------------ launch


@pytest.mark.parametrize("app", ["/no/such/program", "no_such_command_anywhere"])
def test_application_not_found_exits_127(tmp_path: Path, app: str) -> None:
    result = jobs.launch(tmp_path, app, "arg", options=["--geopm-report=report.yaml"])
    message = error_line(result, status=127)
    assert f'cannot start the application "{app}": No such file or directory' in message
    assert not (tmp_path / "report.yaml").exists()


def test_application_not_executable_exits_126(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    message = error_line(jobs.launch(tmp_path, str(script)), status=126)
    assert "Permission denied" in message
    error_line(jobs.launch(tmp_path, str(tmp_path)), status=126)  # a directory


def test_python_api_carries_the_exit_status() -> None:
    config = geopm_bridge.JobConfig(app_argv=["/no/such/program"], report_path="")
    with pytest.raises(geopm_bridge.ApplicationStartError) as caught:
        geopm_bridge.run_job(config)
    assert caught.value.exit_status == 127
    assert isinstance(caught.value, geopm_bridge.GeopmError)


def test_trace_signals_without_a_trace_are_a_warning(tmp_path: Path) -> None:
    # GEOPM ignores them silently; we say so (and run the job, as GEOPM does).
    result = jobs.launch(tmp_path, "true", options=["--geopm-trace-signals=BOGUS"])
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()
    assert warning.startswith("geopm-bridge: warning: GEOPM_TRACE_SIGNALS")
    assert "without GEOPM_TRACE" in warning
    assert list(tmp_path.glob("trace*")) == []
    # With a trace, the same name is an error naming it.
    result = jobs.launch(
        tmp_path, "true", options=["--geopm-trace-signals=BOGUS", "--geopm-trace=trace"]
    )
    assert 'unknown signal "BOGUS"' in error_line(result, status=1)


def test_endpoint_policy_trace_is_a_warning(tmp_path: Path) -> None:
    result = jobs.launch(
        tmp_path, "true", env=clean_env(GEOPM_TRACE_ENDPOINT_POLICY=str(tmp_path / "ep"))
    )
    assert result.returncode == 0, result.stderr
    [warning] = result.stderr.splitlines()
    assert "GEOPM_TRACE_ENDPOINT_POLICY" in warning and "ignored" in warning


def test_profile_trace_stands_alone(tmp_path: Path) -> None:
    # As GEOPM: the profile trace is a file of its own, with or without GEOPM_TRACE.
    result = jobs.launch(tmp_path, "true", options=["--geopm-trace-profile=profile"])
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert len(list(tmp_path.glob("profile-*"))) == 1


def test_application_exit_ends_the_period_at_once(tmp_path: Path) -> None:
    result = jobs.launch(
        tmp_path,
        "sleep",
        "2.3",
        options=["--geopm-period=1", "--geopm-report=report.yaml", "--node-model"],
    )
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    [host] = report["Hosts"].values()
    runtime = host["Application Totals"]["runtime (s)"]
    # Not rounded up to the next whole period (3 s); the clock starts a
    # little after the application, so a hair under 2.3 s is fine.
    assert 2.2 <= runtime < 2.6


HOSTILE_VALUES = [
    "3",
    "ratio: 3",
    "# not a comment",
    "- a list?",
    "'single' and \"double\" quotes",
    "two\nlines",
    "trailing: ",
    "{unclosed",
    "[1, 2",
    "& anchor",
    "* alias",
    "!tag value",
    "%directive",
    "@at",
    "`tick",
    "| block",
    "> folded",
    "",
    " padded ",
    "tab\tin",
    "back\\slash",
]

REPORTER = r"""
import json, os
import geopm_bridge

VALUES = json.loads(os.environ["HOSTILE_VALUES"])


class Reporter(geopm_bridge.Agent):
    name = "reporter"
    policy_names = ()
    sample_names = ()

    def report_header(self):
        return [(f"header {i}", value) for i, value in enumerate(VALUES)]

    def report_host(self):
        return [(f"host {i}", value) for i, value in enumerate(VALUES)]
"""


def test_agent_report_values_keep_the_report_valid_yaml(tmp_path: Path) -> None:
    import json

    (tmp_path / "reporter.py").write_text(REPORTER)
    env = clean_env(HOSTILE_VALUES=json.dumps(HOSTILE_VALUES), PYTHONPATH=str(tmp_path))
    result = jobs.launch(
        tmp_path,
        "true",
        options=[
            "--node-model",
            "--geopm-agents=reporter:Reporter",
            "--geopm-agent=reporter",
            "--geopm-report=report.yaml",
        ],
        env=env,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = yaml.safe_load((tmp_path / "report.yaml").read_text())
    [host] = report["Hosts"].values()
    for index, value in enumerate(HOSTILE_VALUES):
        # Text stays text; a plain number stays a number, as GEOPM writes it.
        expected: Any = 3 if value == "3" else value
        assert report[f"header {index}"] == expected, value
        assert host[f"host {index}"] == expected, value
    import geopmpy.io

    raw = geopmpy.io.RawReport(str(tmp_path / "report.yaml"))
    assert raw.raw_report()["header 1"] == "ratio: 3"
    [name] = raw.host_names()
    assert raw.raw_report()["Hosts"][name]["host 5"] == "two\nlines"
    assert not math.isnan(raw.raw_totals(name)["runtime (s)"])
