"""GEOPM 3.1's libgeopm interfaces, used as a GEOPM user uses them.

The sources in tests/libgeopm/ are written against the public headers only
and built with a user's command line (the README's g++ line for the agent
plugin, gcc for the C programs):

* an agent plugin (balance_probe) that aggregates signals per region and
  epoch with geopm::SampleAggregator and lowers its power limit with
  geopm::PowerBalancer through geopm::PowerGovernor, run by
  ``geopm-bridge launch`` on the node model over a C++ application that
  marks its regions and epochs through geopm::ModelRegion, geopm::Profile
  and geopm_imbalancer.h; an application that makes its own geopm::ProfileImp;
* a program reading settings files and the environment with geopm::EnvironmentImp;
* a C program over geopm_agent.h;
* a resource manager over geopm_endpoint.h that changes a running job's
  policy, and a C++ one over geopm/Endpoint.hpp;
* calls to the interfaces declared but not provided (GEOPM_ERROR_NOT_IMPLEMENTED).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cpp_build import clean_env, compile_c_program, compile_plugin, compile_program, runtime

SOURCES = Path(__file__).resolve().parent / "libgeopm"
GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]
GEOPM_ERROR_INVALID = -3
GEOPM_ERROR_FILE_PARSE = -4
GEOPM_ERROR_NOT_IMPLEMENTED = -6
GEOPM_ERROR_NO_AGENT = -13
GEOPM_ERROR_RUNTIME = -1
E2BIG = 7
GEOPM_REGION_HASH_UNMARKED = 0x725E8066
AGENT_FILE = "libgeopmagent_balance_probe.so.2.1.0"

NEW_CXX_HEADERS = [
    "geopm/SampleAggregator.hpp",
    "geopm/PowerBalancer.hpp",
    "geopm/PowerGovernor.hpp",
    "geopm/FrequencyGovernor.hpp",
    "geopm/ModelRegion.hpp",
    "geopm/Profile.hpp",
    "geopm/Endpoint.hpp",
    "geopm/Daemon.hpp",
]
NEW_C_HEADERS = [
    "geopm_agent.h",
    "geopm_endpoint.h",
    "geopm_imbalancer.h",
    "geopm_daemon.h",
    "geopm_policystore.h",
]


def compile_c(source: Path, output: Path) -> Path:
    """A C program built as a C user builds one against GEOPM (-lgeopm -lgeopmd)."""
    return compile_c_program(source, output, ("geopm", "geopmd", "m"))


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("balance_probe")
    compile_plugin(SOURCES / "BalanceProbeAgent.cpp", directory / AGENT_FILE)
    return directory


def launch(
    cwd: Path, options: list[str], app: list[str], node_model: str = "1"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *GEOPM_BRIDGE,
            "launch",
            f"--node-model={node_model}",
            "--geopm-period=0.01",
            *options,
            "--",
            *app,
        ],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def read_trace(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    names = lines[0].split("|")
    return [dict(zip(names, line.split("|"), strict=True)) for line in lines[1:]]


def changes(values: list[float]) -> list[int]:
    """The indices where a value differs from the one before (0 included)."""
    return [idx for idx, value in enumerate(values) if idx == 0 or value != values[idx - 1]]


def number(value: Any) -> float:
    """A report value as a float ("nan" is a string to YAML)."""
    return float(str(value))


@pytest.mark.parametrize("header", NEW_CXX_HEADERS + NEW_C_HEADERS)
def test_header_stands_alone_in_cxx(header: str, tmp_path: Path) -> None:
    source = tmp_path / "include.cpp"
    source.write_text(f'#include "{header}"\n')
    done = subprocess.run(
        ["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]
        + [f"-I{runtime().include_dir}", str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("header", NEW_C_HEADERS)
def test_c_header_is_c(header: str, tmp_path: Path) -> None:
    source = tmp_path / "include.c"
    source.write_text(f'#include "{header}"\n')
    done = subprocess.run(
        ["gcc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"]
        + [f"-I{runtime().include_dir}", str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def _geopm_include() -> Path | None:
    """The include directory of an installed GEOPM 3.1 (GEOPM_ROOT, else /usr/local)."""
    root = Path(os.environ.get("GEOPM_ROOT") or "/usr/local")
    include = root / "include"
    return include if (include / "geopm" / "Agent.hpp").is_file() else None


@pytest.mark.parametrize("source", sorted(path.name for path in SOURCES.iterdir()))
def test_sources_also_build_against_geopm_3_1(source: str) -> None:
    """The test sources are GEOPM 3.1 programs: they compile against GEOPM's own
    headers too (where an installed GEOPM has them), so the declarations match."""
    include = _geopm_include()
    if include is None:
        pytest.skip("no installed GEOPM 3.1 headers (set GEOPM_ROOT to its prefix)")
    path = SOURCES / source
    needed = re.findall(r'^#include "([^"]+)"', path.read_text(), re.M)
    missing = [header for header in needed if not (include / header).is_file()]
    if missing:
        pytest.skip(f"the GEOPM at {include.parent} has no {', '.join(missing)}")
    compiler = ["gcc", "-std=c11"] if source.endswith(".c") else ["g++", "-std=c++17"]
    done = subprocess.run(
        [*compiler, "-fsyntax-only", "-Wall", "-Wextra", "-Werror", f"-I{include}", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


# ------------------------------------------------- SampleAggregator, PowerBalancer


def test_agent_plugin_aggregates_regions_and_balances_power(
    plugin_dir: Path, tmp_path: Path
) -> None:
    app = compile_program(
        SOURCES / "model_app.cpp", tmp_path / "model_app", libraries=("geopm", "geopmd")
    )
    num_epoch, seconds = 60, 0.01
    result = launch(
        tmp_path,
        [
            f"--geopm-plugin-path={plugin_dir}",
            "--geopm-agent=balance_probe",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--geopm-trace-signals=CPU_POWER_LIMIT_CONTROL",
        ],
        [str(app), str(num_epoch), str(seconds)],
    )
    assert result.returncode == 0, result.stderr
    # geopm::Profile kept the names of the regions ModelRegion registered.
    assert "regions: sleep spin" in result.stdout

    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    regions = {region["region"]: region for region in host["Regions"]}
    assert sorted(regions) == ["sleep", "spin"]
    assert regions["spin"]["count"] == regions["sleep"]["count"] == num_epoch
    assert host["Epoch Totals"]["count"] == num_epoch
    # The imbalancer made each spin half as long again (it spins to a deadline).
    assert regions["spin"]["runtime (s)"] >= 0.99 * num_epoch * seconds * 1.5

    # SampleAggregator: nothing before the first update; then every period's
    # TIME and energy credited to exactly one region (those of the model
    # regions and the unmarked one), so that the regions add up to the whole.
    assert math.isnan(number(host["before update"]))
    app_time = number(host["application time"])
    app_energy = number(host["application energy"])
    spin, sleep = (f"region 0x{zlib.crc32(name):08x}" for name in (b"spin", b"sleep"))
    unmarked = f"region 0x{GEOPM_REGION_HASH_UNMARKED:08x}"
    seen = {
        key[: -len(" time")]
        for key in host
        if key.startswith("region ") and key.endswith(" time") and "last" not in key
    }
    assert {spin, sleep} <= seen <= {spin, sleep, unmarked}
    assert sum(number(host[f"{region} time"]) for region in seen) == pytest.approx(
        app_time, rel=1e-9
    )
    assert sum(number(host[f"{region} energy"]) for region in seen) == pytest.approx(
        app_energy, rel=1e-9
    )
    for region in (spin, sleep):
        assert 0 < number(host[f"{region} last time"]) <= number(host[f"{region} time"])
        # An average (CPU_POWER by its behaviour) stays within what was sampled.
        assert (
            number(host["lowest power"])
            <= number(host[f"{region} power"])
            <= number(host["highest power"])
        )
    assert (
        number(host["lowest power"])
        <= number(host["application power"])
        <= number(host["highest power"])
    )
    # (The epochs may have started before the first update.)
    assert 0 < number(host["epoch time"]) <= app_time
    assert 0 < number(host["last epoch time"]) < number(host["epoch time"])
    assert number(host["epoch region time"]) == number(host["epoch time"])
    assert number(host["app region time"]) == app_time
    # A region never seen: 0 for a total, NaN for an average.
    assert number(host["unseen region time"]) == 0
    assert math.isnan(number(host["unseen region power"]))
    assert 0 < number(host["last period time"]) < app_time
    assert number(host["epochs seen"]) == num_epoch

    # PowerBalancer: the cap is 20 W above the governor's floor; the node
    # measures its epochs, then lowers its limit by 8 W trial steps, each
    # after a new measurement of at least 9 epochs, until the governor
    # clamps the request to the floor: the target is then met.
    floor = number(host["power floor"])
    cap = number(host["power cap"])
    assert cap == floor + 20
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    limits = [float(row["POWER_LIMIT"]) for row in rows]
    epochs = [int(row["EPOCH_COUNT"]) for row in rows]
    steps = changes(limits)
    assert [limits[idx] for idx in steps] == [cap, cap - 8, cap - 16, floor]
    step_epochs = [epochs[idx] for idx in steps[1:]]
    assert step_epochs[0] >= 2 + 9
    assert all(
        later - earlier >= 9
        for earlier, later in zip(step_epochs[:-1], step_epochs[1:], strict=True)
    )
    assert rows[-1]["IS_TARGET_MET"] == "1"
    assert all(row["IS_TARGET_MET"] == "0" for row in rows[: steps[-1]])
    # PowerGovernor wrote the clamped limit to the node's control.
    assert float(rows[-1]["CPU_POWER_LIMIT_CONTROL"]) == floor
    assert number(host["power limit"]) == floor
    assert number(host["power slack"]) == cap - floor
    assert number(host["target met"]) == 1
    assert number(host["balancer steps"]) == 3
    assert number(host["governor writes"]) == 4


def test_profile_imp_made_by_the_application_marks_its_regions(tmp_path: Path) -> None:
    app = compile_program(
        SOURCES / "profile_imp.cpp", tmp_path / "profile_imp", libraries=("geopm", "geopmd")
    )
    num_epoch = 20
    result = launch(tmp_path, ["--geopm-report=report.yaml"], [str(app), str(num_epoch)])
    assert result.returncode == 0, result.stderr
    assert "regions: own-work\n" in result.stdout
    assert "disabled regions: 0" in result.stdout
    [region_id] = re.findall(r"region id: 0x([0-9a-f]+)", result.stdout)
    assert int(region_id, 16) & 0xFFFFFFFF == zlib.crc32(b"own-work")
    [host] = yaml.safe_load((tmp_path / "report.yaml").read_text())["Hosts"].values()
    regions = {region["region"]: region for region in host["Regions"]}
    # The disabled ProfileImp's region never reached the controller.
    assert sorted(regions) == ["own-work"]
    assert regions["own-work"]["count"] == num_epoch
    assert host["Epoch Totals"]["count"] == num_epoch
    assert regions["own-work"]["runtime (s)"] >= num_epoch * 0.001


def _environment_imp(
    program: Path, default: Path, override: Path, **variables: str
) -> tuple[dict[str, str], subprocess.CompletedProcess[str]]:
    env = clean_env()
    env.update(variables)
    done = subprocess.run(
        [str(program), str(default), str(override)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return dict(line.split("=", 1) for line in done.stdout.splitlines()), done


def test_environment_imp_reads_default_environment_and_override(tmp_path: Path) -> None:
    program = compile_program(
        SOURCES / "environment_imp.cpp", tmp_path / "environment_imp", libraries=("geopm", "geopmd")
    )
    default, override = tmp_path / "default.json", tmp_path / "override.json"
    default.write_text(
        '{"GEOPM_AGENT": "power_governor", "GEOPM_TIMEOUT": "5", "GEOPM_ENDPOINT": "/site/ep"}'
    )
    override.write_text('{"GEOPM_TIMEOUT": "9"}')
    # The override file beats the environment, which beats the default file;
    # a policy the user names sets aside the site's default endpoint.
    got, done = _environment_imp(
        program, default, override, GEOPM_POLICY="mine.json", GEOPM_TIMEOUT="7"
    )
    assert done.returncode == 0, done.stderr
    assert got["all_vars"] == "23" and got["default_file_entries"] == "3"
    assert got["imp.agent"] == "power_governor"
    assert got["imp.policy"] == "mine.json"
    assert got["imp.timeout"] == "9"
    assert "GEOPM_TIMEOUT" in done.stderr and "Warning" in done.stderr
    assert got["imp.endpoint"] == "" and got["imp.do_endpoint"] == "0"
    assert got["imp.default_config_path"] == str(default)
    assert got["imp.override_config_path"] == str(override)
    # geopm::environment(): the process environment only, no site files.
    assert got["process.agent"] == "monitor"
    assert got["process.timeout"] == "7"
    assert got["process.endpoint"] == "" and got["process.default_config_path"] == ""
    # Without a policy the default endpoint stands; files that are not
    # there give nothing.
    got, done = _environment_imp(program, default, tmp_path / "none.json")
    assert done.returncode == 0, done.stderr
    assert got["imp.endpoint"] == "/site/ep" and got["imp.do_endpoint"] == "1"
    assert got["imp.timeout"] == "5" and done.stderr == ""
    got, done = _environment_imp(program, tmp_path / "none.json", tmp_path / "none.json")
    assert done.returncode == 0, done.stderr
    assert got["default_file_entries"] == "0"
    assert got["imp.agent"] == "monitor" and got["imp.timeout"] == "30"
    # A file naming an unknown variable, or not a JSON object, is an error.
    for text in ('{"GEOPM_NOT_A_VARIABLE": "1"}', '["GEOPM_AGENT"]', '{"GEOPM_TIMEOUT": 5}'):
        default.write_text(text)
        got, done = _environment_imp(program, default, override)
        assert done.returncode == 5, done.stdout + done.stderr
        assert got["error"] == str(GEOPM_ERROR_FILE_PARSE)


def test_frequency_governor_clamps_and_writes_the_frequency_control(tmp_path: Path) -> None:
    program = compile_program(SOURCES / "frequency_governor.cpp", tmp_path / "frequency_governor")
    env = clean_env(GEOPM_BRIDGE_NODE_MODEL="freq_min=1e9,freq_max=3e9,freq_sticker=2.1e9")
    done = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [
        "limits 1000000000 3000000000 100000000",
        "coarser domain 0",
        "domain 0",  # GEOPM_DOMAIN_BOARD: one request for the whole node
        f"domain after init {GEOPM_ERROR_INVALID}",
        f"bounds reversed {GEOPM_ERROR_INVALID}",
        f"bounds outside {GEOPM_ERROR_INVALID}",
        "bounds changed 1",
        "bounds again 0",
        # NaN: the platform's minimum and sticker frequency, within the bounds.
        "default policy 1500000000 2100000000",
        "clamped policy 1500000000 2500000000",
        f"policy reversed {GEOPM_ERROR_INVALID}",
        f"request size {GEOPM_ERROR_INVALID}",
        "write 1 clamps 1",
        "control 2500000000",
        "same again write 0 clamps 2",
        "within write 1 clamps 2",
        "control 2000000000",
    ]


def test_imbalancer_calls_and_its_configuration_file(tmp_path: Path) -> None:
    program = compile_c(SOURCES / "imbalancer.c", tmp_path / "imbalancer")

    def run(config: str | None) -> list[tuple[str, int, str]]:
        env = clean_env()
        if config is not None:
            path = tmp_path / "imbalancer.conf"
            path.write_text(config)
            env["IMBALANCER_CONFIG"] = str(path)
        done = subprocess.run([str(program)], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return [
            (name, int(code), message)
            for name, code, message in (line.split(" ", 2) for line in done.stdout.splitlines())
        ]

    expected = ["enter", "exit", "negative", "frac", "enter", "exit"]
    for config in (None, f"{os.uname().nodename} 0.5\nother-host 1\n"):
        calls = run(config)
        assert [name for name, _, _ in calls] == expected
        assert [code for _, code, _ in calls] == [0, 0, GEOPM_ERROR_INVALID, 0, 0, 0]
        assert "geopm_imbalancer_frac()" in calls[2][2]
    # A bad file is named, with its line, by every call.
    for name, code, message in run("this-host half\n"):
        assert code == GEOPM_ERROR_INVALID, name
        assert "IMBALANCER_CONFIG" in message and "line 1" in message


# ------------------------------------------------------------------ geopm_agent.h


def test_c_program_lists_agents_and_writes_a_policy_file(plugin_dir: Path, tmp_path: Path) -> None:
    program = compile_c(SOURCES / "agent_api.c", tmp_path / "agent_api")
    policy = tmp_path / "policy.json"
    env = clean_env(
        GEOPM_PLUGIN_PATH=str(plugin_dir),
        GEOPM_BRIDGE_NODE_MODEL="1",
        GEOPM_AGENT="power_governor",
        GEOPM_POLICY=str(policy),
    )
    done = subprocess.run([str(program), str(policy)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    facts = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in lines}
    # Built-in agents first, then the plugins of GEOPM_PLUGIN_PATH.
    assert [line.split()[1] for line in lines if line.startswith("agent ")] == [
        "monitor",
        "power_balancer",
        "power_governor",
        "frequency_map",
        "balance_probe",
    ]
    code, message = facts["unknown"].split(" ", 1)
    assert int(code) == GEOPM_ERROR_NO_AGENT
    assert "geopm_agent_supported()" in message and '"no_such_agent"' in message
    out_of_range = next(line for line in lines if line.startswith("out of range"))
    assert int(out_of_range.split()[3]) == GEOPM_ERROR_INVALID
    assert facts["supported"] == "0"
    assert [line.split()[1] for line in lines if line.startswith("policy ")] == ["CPU_POWER_LIMIT"]
    assert [line.split()[1] for line in lines if line.startswith("sample ")] == [
        "POWER",
        "IS_CONVERGED",
        "POWER_AVERAGE_ENFORCED",
    ]
    small = next(line for line in lines if line.startswith("small buffer"))
    assert int(small.split()[2]) == E2BIG and "CPU_POWER_LIMIT" in small
    assert facts["default"] == 'json {"CPU_POWER_LIMIT": "NAN"}'
    too_many = next(line for line in lines if line.startswith("too many"))
    assert int(too_many.split()[2]) == GEOPM_ERROR_INVALID
    assert "geopm_agent_policy_json_partial()" in too_many
    assert facts["json"] == '{"CPU_POWER_LIMIT": 123.5}'
    assert policy.read_text() == '{"CPU_POWER_LIMIT": 123.5}'
    # geopm_agent_enforce_policy() applied the file's policy to the node.
    assert facts["enforced"] == "123.5"

    # The file is a policy launch takes.
    result = launch(
        tmp_path,
        ["--geopm-agent=power_governor", f"--geopm-policy={policy}", "--geopm-report=report.yaml"],
        ["true"],
    )
    assert result.returncode == 0, result.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Policy"] == {"CPU_POWER_LIMIT": 123.5}


# --------------------------------------------------------------- geopm_endpoint.h


def test_endpoint_client_changes_a_running_jobs_policy(tmp_path: Path) -> None:
    client = compile_c(SOURCES / "endpoint_client.c", tmp_path / "endpoint_client")
    prefix = tmp_path / "job"
    stop = tmp_path / "stop"
    # A finished job's files: opening the endpoint clears them, so the next
    # job starts neither with that policy nor taken for attached.
    Path(f"{prefix}.sample").write_text('{"running": false, "agent": "power_governor"}')
    Path(f"{prefix}.policy").write_text('{"CPU_POWER_LIMIT": 61}')
    manager = subprocess.Popen(
        [str(client), str(prefix), str(stop), "140", "110"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        assert manager.stdout is not None
        # Opened before the job starts: nothing is attached yet.
        assert manager.stdout.readline() == 'opened agent=""\n'
        assert not Path(f"{prefix}.policy").exists() and not Path(f"{prefix}.sample").exists()
        result = launch(
            tmp_path,
            [
                "--geopm-agent=power_governor",
                f"--geopm-endpoint={prefix}",
                "--geopm-profile=endpoint_job",
                "--geopm-report=report.yaml",
                "--geopm-trace=trace",
            ],
            ["sh", "-c", f"while [ ! -e {stop} ]; do sleep 0.02; done"],
            # Budgets of 140 W and 110 W lie within the node's bounds
            # whatever its number of packages (up to 5); the default, TDP,
            # differs from both.
            node_model="min_power=20,max_power=400",
        )
        out, err = manager.communicate(timeout=60)
    finally:
        manager.kill()
    assert result.returncode == 0, result.stderr
    assert manager.returncode == 0, out + err
    lines = out.splitlines()
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    [host] = report["Hosts"]
    assert report["Policy"] == "DYNAMIC"
    assert lines[:4] == ["agent power_governor", "profile endpoint_job", "nodes 1", f"node {host}"]
    for what in ("node out of range", "wrong policy size", "wrong sample size"):
        line = next(line for line in lines if line.startswith(what))
        assert int(line[len(what) :].split()[0]) == GEOPM_ERROR_INVALID, line
    # Each policy reached the agent, which reported it enforced.
    assert "enforced 140 age ok" in lines and "enforced 110 age ok" in lines
    [trace] = tmp_path.glob("trace-*")
    budgets = [float(row["POWER_BUDGET"]) for row in read_trace(trace)]
    in_order = [budgets[idx] for idx in changes(budgets)]
    assert in_order[-2:] == [140, 110] and len(in_order) <= 3 and 61 not in in_order
    # The job's end is seen; its last sample stays readable; writing is refused.
    assert 'detached agent=""' in lines and "final enforced 110" in lines
    refused = next(line for line in lines if line.startswith("write after detach"))
    assert int(refused.split()[3]) == GEOPM_ERROR_NO_AGENT
    not_open = next(line for line in lines if line.startswith("agent after close"))
    assert int(not_open.split()[3]) == GEOPM_ERROR_RUNTIME and "open()" in not_open
    assert lines[-1] == "closed"
    # Closed after the job: both files are gone.
    assert not Path(f"{prefix}.policy").exists() and not Path(f"{prefix}.sample").exists()


ENDPOINT_CXX = r"""
#include <cstdio>
#include <memory>

#include "geopm/Endpoint.hpp"
#include "geopm/Exception.hpp"

template <typename func_t>
static void report(const char *name, func_t func)
{
    try {
        func();
        std::printf("%s ok\n", name);
    }
    catch (const geopm::Exception &ex) {
        std::printf("%s %d %s\n", name, ex.err_value(), ex.what());
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    std::unique_ptr<geopm::Endpoint> endpoint = geopm::Endpoint::make_unique(argv[1]);
    report("agent before open", [&]() { endpoint->get_agent(); });
    endpoint->open();
    std::printf("agent \"%s\" profile \"%s\" hosts %zu\n", endpoint->get_agent().c_str(),
                endpoint->get_profile_name().c_str(), endpoint->get_hostnames().size());
    report("attach timeout", [&]() { endpoint->wait_for_agent_attach(0.05); });
    endpoint->stop_wait_loop();
    report("stopped attach", [&]() { endpoint->wait_for_agent_attach(-1.0); });
    endpoint->reset_wait_loop();
    report("detach", [&]() { endpoint->wait_for_agent_detach(-1.0); });
    report("write", [&]() { endpoint->write_policy({1.0}); });
    std::vector<double> sample(1);
    report("read", [&]() { endpoint->read_sample(sample); });
    endpoint->close();
    std::unique_ptr<geopm::Endpoint> nowhere = geopm::Endpoint::make_unique(argv[2]);
    report("open nowhere", [&]() { nowhere->open(); });
    return 0;
}
"""


def test_endpoint_cxx_interface_without_a_job(tmp_path: Path) -> None:
    source = tmp_path / "endpoint.cpp"
    source.write_text(ENDPOINT_CXX)
    program = compile_program(source, tmp_path / "endpoint", libraries=("geopm", "geopmd"))
    done = subprocess.run(
        [str(program), str(tmp_path / "job"), str(tmp_path / "no" / "job")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()

    def code(name: str) -> int:
        line = next(line for line in lines if line.startswith(name + " "))
        word = line[len(name) + 1 :].split()[0]
        return 0 if word == "ok" else int(word)

    assert code("agent before open") == GEOPM_ERROR_RUNTIME
    assert 'agent "" profile "" hosts 0' in lines
    assert code("attach timeout") == GEOPM_ERROR_RUNTIME
    assert code("stopped attach") == 0  # a stopped wait returns at once
    assert code("detach") == 0  # nothing attached: nothing to wait for
    assert code("write") == GEOPM_ERROR_NO_AGENT
    assert code("read") == GEOPM_ERROR_NO_AGENT
    assert code("open nowhere") == GEOPM_ERROR_INVALID
    assert "does not exist" in next(line for line in lines if line.startswith("open nowhere"))


# ---------------------------------------------------------------- declared only


def test_declared_only_interfaces_say_they_are_not_implemented(tmp_path: Path) -> None:
    program = compile_program(
        SOURCES / "declared_only.cpp", tmp_path / "declared_only", libraries=("geopm", "geopmd")
    )
    done = subprocess.run([str(program)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 19
    for line in lines:
        name, code, message = line.split(" ", 2)
        if name == "geopm::ModelRegion::model_region":
            kind, code, message = line.split(" ", 3)[1:]
            if kind == "unknown":
                assert int(code) == GEOPM_ERROR_INVALID and '"unknown"' in message
                continue
            assert f'"{kind.split("-")[0]}"' in message
        else:
            assert f"{name}()" in message, line
        assert int(code) == GEOPM_ERROR_NOT_IMPLEMENTED, line
        assert "not implemented in geopm-bridge" in message, line
