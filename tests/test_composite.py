"""Composite agents (several agents run as one: ``--geopm-agent=a+b``) in real
jobs under ``geopm-bridge launch`` on the node model: one node, simulated
nodes, MPI ranks; and ``geopm_bridge.compose()``. Values are read back from
the traces and from the report, parsed by GEOPM's own parser."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import geopm_bridge
import jobs
import pytest
from cpp_build import clean_env
from geopm_bridge.profile import RegionHint
from test_mpi import mpirun, rank_name
from test_region_power import APP
from test_tree import read_trace, sim_name

CAP = 100.0  # W: below what the node model's compute regions draw at full speed

# Two Python agents: fixed_cap caps the CPU frequency at FREQ_CAP (the same
# control region_frequency sets) and reports the FREQ_LOW it was given (a
# policy name region_frequency has too); fixed_power_cap pushes the packages'
# power limits, as power_governor does.
AGENTS = r"""
import math

import geopm_bridge

BOARD = geopm_bridge.DOMAIN_BOARD


class FixedCapAgent(geopm_bridge.Agent):
    name = "fixed_cap"
    policy_names = ("FREQ_CAP", "FREQ_LOW")
    sample_names = ("POWER",)
    period = 0.01

    def __init__(self):
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        self._idx = -1
        self._freq_low = math.nan
        self._cap = math.nan
        self._is_new = False

    def init(self, level, fan_in, is_level_root):
        if level == 0:
            self._idx = self._pio.push_control("CPU_FREQUENCY_MAX_CONTROL", BOARD, 0)
            self._power_idx = self._pio.push_signal("CPU_POWER", BOARD, 0)

    def adjust_platform(self, in_policy):
        self._freq_low = float(in_policy[1])
        self._is_new = not math.isnan(in_policy[0]) and in_policy[0] != self._cap
        if self._is_new:
            self._cap = float(in_policy[0])
            self._pio.adjust(self._idx, self._cap)

    def do_write_batch(self):
        return self._is_new

    def sample_platform(self, out_sample):
        out_sample[0] = self._pio.sample(self._power_idx)

    def report_host(self):
        return [("FREQ_LOW seen", repr(self._freq_low))]

    def trace_names(self):
        return ["frequency_cap"]

    def trace_values(self, values):
        values[0] = self._cap


class FixedPowerCapAgent(geopm_bridge.Agent):
    name = "fixed_power_cap"
    policy_names = ("POWER_CAP",)
    sample_names = ()

    def init(self, level, fan_in, is_level_root):
        if level == 0:
            pio = geopm_bridge.platform_io()
            package = geopm_bridge.DOMAIN_PACKAGE
            for idx in range(geopm_bridge.platform_topo().num_domain(package)):
                pio.push_control("CPU_POWER_LIMIT_CONTROL", package, idx)


class FixedBoardCapAgent(geopm_bridge.Agent):
    name = "fixed_board_cap"
    policy_names = ()
    sample_names = ()

    def init(self, level, fan_in, is_level_root):
        if level == 0:
            geopm_bridge.platform_io().push_control("CPU_POWER_LIMIT_CONTROL", BOARD, 0)
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("composite")
    (path / "app.py").write_text(APP)
    (path / "composite_agents.py").write_text(AGENTS)
    return path


def env(work: Path, **extra: str) -> dict[str, str]:
    return clean_env(
        GEOPM_BRIDGE_AGENTS=",".join(
            f"composite_agents:{name}"
            for name in ("FixedCapAgent", "FixedPowerCapAgent", "FixedBoardCapAgent")
        ),
        PYTHONPATH=str(work),
        **extra,
    )


def app(work: Path, seconds: float = 0.2) -> tuple[str, ...]:
    return (sys.executable, str(work / "app.py"), str(seconds), "COMPUTE", "MEMORY")


def write_policy(tmp_path: Path, agent: str, values: str) -> Path:
    """``geopm-bridge agent -a AGENT -p VALUES -o policy.json``: the policy file."""
    path = tmp_path / "policy.json"
    subprocess.run(
        [*jobs.GEOPM_BRIDGE, "agent", "-a", agent, "-p", values, "-o", str(path)],
        env=clean_env(),
        check=True,
    )
    return path


def launch(tmp_path: Path, work: Path, *options: str, **extra: str) -> None:
    options = ("--geopm-period=0.01", "--geopm-report=report.yaml", "--geopm-trace=trace", *options)
    result = jobs.launch(tmp_path, *app(work), options=options, env=env(work, **extra))
    assert result.returncode == 0, result.stderr


def raw_report(path: Path) -> dict[str, object]:
    import geopmpy.io

    report: dict[str, object] = geopmpy.io.RawReport(str(path)).raw_report()
    return report


def test_agent_command_shows_and_writes_a_composite() -> None:
    shown = jobs.agent_command("-a", "power_governor+region_frequency")
    assert shown.splitlines() == [
        "Policy: CPU_POWER_LIMIT,FREQ_HIGH,FREQ_LOW",
        "Sample: POWER,IS_CONVERGED,POWER_AVERAGE_ENFORCED",
    ]
    written = jobs.agent_command("-a", "power_governor+region_frequency", "-p", "120,2e9,1e9")
    assert json.loads(written) == {"CPU_POWER_LIMIT": 120, "FREQ_HIGH": 2e9, "FREQ_LOW": 1e9}


def test_declared_composites_are_registered_by_name() -> None:
    # GEOPM_BRIDGE_COMPOSITES, which the native backend needs (GEOPM looks
    # agents up by exact name), serves the embedded one alike.
    declared = "capped=power_governor+region_frequency monitor+power_governor oops=monitor"
    result = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "agent"],
        env=clean_env(GEOPM_BRIDGE_COMPOSITES=declared),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    names = result.stdout.split()
    assert "capped" in names and "monitor+power_governor" in names and "oops" not in names
    assert result.stderr.splitlines() == [
        "geopm-bridge: warning: GEOPM_BRIDGE_COMPOSITES entry 'oops=monitor': "
        "'monitor' is no composite (write NAME=a+b)"
    ]
    shown = subprocess.run(
        [*jobs.GEOPM_BRIDGE, "agent", "-a", "capped"],
        env=clean_env(GEOPM_BRIDGE_COMPOSITES=declared),
        capture_output=True,
        text=True,
        timeout=60,
    )
    policy = shown.stdout.splitlines()[0]
    assert policy == "Policy: CPU_POWER_LIMIT,FREQ_HIGH,FREQ_LOW", shown.stderr


def test_power_cap_held_while_the_frequency_follows_the_regions(tmp_path: Path, work: Path) -> None:
    agent = "power_governor+region_frequency"
    policy = write_policy(tmp_path, agent, str(CAP))
    # GEOPM_AGENT takes the same name as --geopm-agent.
    launch(tmp_path, work, f"--geopm-policy={policy}", "--node-model", GEOPM_AGENT=agent)
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    memory = [
        float(row["frequency_cap"])
        for row in rows
        if int(row["REGION_HINT"], 16) == RegionHint.MEMORY
    ]
    compute = [
        float(row["frequency_cap"])
        for row in rows
        if int(row["REGION_HINT"], 16) == RegionHint.COMPUTE
    ]
    low, high = min(memory), max(compute)
    assert low < 0.5 * high
    # Most memory periods at the low cap, most compute periods at the high one
    # (it follows one period late).
    assert memory.count(low) > 0.8 * len(memory)
    assert compute.count(high) > 0.8 * len(compute)
    assert max(float(row["CPU_POWER"]) for row in rows[5:]) <= CAP + 1e-6
    # Compute regions would draw more than the cap without it.
    assert max(float(row["CPU_POWER"]) for row in rows) == pytest.approx(CAP)
    report = raw_report(tmp_path / "report.yaml")
    assert report["Agent"] == agent
    host = report["Hosts"][next(iter(report["Hosts"]))]  # type: ignore[index]
    low_periods = int(host["region_frequency/Periods at FREQ_LOW"])
    assert low_periods == pytest.approx(len(memory), abs=3)


def test_cpu_cap_and_gpu_limits_both_applied(tmp_path: Path, work: Path) -> None:
    agent = "power_governor+gpu_power_share"
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"CPU_POWER_LIMIT": CAP, "GPU_POWER_BUDGET": 500}))
    result = jobs.launch(
        tmp_path,
        "sleep",
        "0.3",
        options=(
            "--node-model=gpus=2",
            f"--geopm-agent={agent}",
            f"--geopm-policy={policy}",
            "--geopm-period=0.01",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--geopm-trace-signals=CPU_POWER_LIMIT_CONTROL,GPU_POWER_LIMIT_CONTROL@gpu",
        ),
        env=env(work),
    )
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    last = read_trace(trace)[-1]
    assert float(last["CPU_POWER_LIMIT_CONTROL"]) == CAP
    gpu = [float(last[f"GPU_POWER_LIMIT_CONTROL-gpu-{idx}"]) for idx in range(2)]
    assert sum(gpu) == pytest.approx(500)
    # Both members' columns, each once.
    assert {"POWER_BUDGET", "GPU_POWER_LIMIT-gpu-0", "GPU_POWER_LIMIT-gpu-1"} <= set(last)
    report = raw_report(tmp_path / "report.yaml")
    assert report["gpu_power_share/GPU power budget (W)"] == 500


def test_a_control_two_members_push_is_refused_in_one_line(tmp_path: Path, work: Path) -> None:
    agent = "region_frequency+fixed_cap"
    result = jobs.launch(
        tmp_path, "true", options=("--node-model", f"--geopm-agent={agent}"), env=env(work)
    )
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        'geopm-bridge: error: composite agent "region_frequency+fixed_cap": members '
        '"region_frequency" and "fixed_cap" both push control CPU_FREQUENCY_MAX_CONTROL '
        "(board 0); give it a merge rule: ...@CPU_FREQUENCY_MAX_CONTROL=min|max|first|last"
    )
    # A C++ member and a Python one alike.
    result = jobs.launch(
        tmp_path,
        "true",
        options=("--node-model", "--geopm-agent=power_governor+fixed_power_cap"),
        env=env(work),
    )
    assert result.returncode != 0
    assert result.stderr.splitlines()[0].endswith(
        '"power_governor" and "fixed_power_cap" both push control CPU_POWER_LIMIT_CONTROL '
        "(package 0); give it a merge rule: ...@CPU_POWER_LIMIT_CONTROL=min|max|first|last"
    )


def test_a_control_pushed_at_two_domains_is_refused_even_with_a_rule(
    tmp_path: Path, work: Path
) -> None:
    # power_governor pushes each package's limit, fixed_board_cap the board's:
    # the same hardware, split differently.
    agent = "power_governor+fixed_board_cap@CPU_POWER_LIMIT_CONTROL=min"
    result = jobs.launch(
        tmp_path, "true", options=("--node-model", f"--geopm-agent={agent}"), env=env(work)
    )
    assert result.returncode != 0
    line = result.stderr.splitlines()[0]
    assert line.startswith(
        f'geopm-bridge: error: composite agent "{agent}": members "power_governor" and '
        '"fixed_board_cap" both push control CPU_POWER_LIMIT_CONTROL (package '
    )
    assert line.endswith(
        "and CPU_POWER_LIMIT_CONTROL (board 0); "
        "a merge rule needs both at the same domain and index"
    )


@pytest.mark.parametrize("rule", ["min", "max", "first", "last"])
def test_a_merge_rule_decides_a_shared_control(tmp_path: Path, work: Path, rule: str) -> None:
    # Two Python agents; FREQ_LOW is a policy name both have: one entry, fed to both.
    agent = f"region_frequency+fixed_cap@CPU_FREQUENCY_MAX_CONTROL={rule}"
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"FREQ_CAP": 2.0e9, "FREQ_LOW": 1.5e9}))
    launch(
        tmp_path,
        work,
        "--node-model",
        f"--geopm-agent={agent}",
        f"--geopm-policy={policy}",
        "--geopm-trace-signals=CPU_FREQUENCY_MAX_CONTROL",
    )
    [trace] = tmp_path.glob("trace-*")
    rows = read_trace(trace)
    # Both members trace a column "frequency_cap": each is prefixed.
    assert {"region_frequency/frequency_cap", "fixed_cap/frequency_cap"} <= set(rows[0])
    written: dict[int, list[float]] = {int(RegionHint.MEMORY): [], int(RegionHint.COMPUTE): []}
    for row in rows[2:]:
        hint = int(row["REGION_HINT"], 16)
        if hint in written:
            written[hint].append(float(row["CPU_FREQUENCY_MAX_CONTROL"]))
    # region_frequency asks for the maximum (compute) or FREQ_LOW (memory);
    # fixed_cap for FREQ_CAP.
    memory = max(set(written[RegionHint.MEMORY]), key=written[RegionHint.MEMORY].count)
    compute = max(set(written[RegionHint.COMPUTE]), key=written[RegionHint.COMPUTE].count)
    if rule == "min":
        assert (memory, compute) == (1.5e9, 2.0e9)
    elif rule == "max":
        assert memory == 2.0e9 and compute > 2.0e9
    elif rule == "first":  # region_frequency, the first member
        assert memory == 1.5e9 and compute > 2.0e9
    else:  # last: fixed_cap, the last member, whatever region_frequency asks
        assert (memory, compute) == (2.0e9, 2.0e9)
    report = raw_report(tmp_path / "report.yaml")
    host = report["Hosts"][next(iter(report["Hosts"]))]  # type: ignore[index]
    assert host["fixed_cap/FREQ_LOW seen"] == 1.5e9


def test_the_composite_waits_by_its_shortest_member(tmp_path: Path, work: Path) -> None:
    # monitor keeps 0.2 s, region_frequency 0.01 s (no GEOPM_PERIOD here).
    result = jobs.launch(
        tmp_path,
        *app(work, 0.1),
        options=("--node-model", "--geopm-agent=monitor+region_frequency", "--geopm-trace=trace"),
        env=env(work),
    )
    assert result.returncode == 0, result.stderr
    [trace] = tmp_path.glob("trace-*")
    times = [float(row["TIME"]) for row in read_trace(trace)]
    steps = sorted(later - earlier for earlier, later in itertools.pairwise(times))
    assert steps[len(steps) // 2] == pytest.approx(0.01, rel=0.3)


def test_simulated_nodes_run_the_composite_at_every_level(tmp_path: Path, work: Path) -> None:
    agent = "power_governor+region_frequency"
    policy = write_policy(tmp_path, agent, str(CAP))
    launch(
        tmp_path,
        work,
        "--node-model",
        "--geopm-simulate-nodes=4",
        "--geopm-max-fan-out=2",
        f"--geopm-agent={agent}",
        f"--geopm-policy={policy}",
    )
    report = raw_report(tmp_path / "report.yaml")
    hosts = report["Hosts"]
    assert sorted(hosts) == [sim_name(idx) for idx in range(4)]  # type: ignore[arg-type]
    for idx in range(4):
        rows = read_trace(tmp_path / f"trace-{sim_name(idx)}")
        assert max(float(row["CPU_POWER"]) for row in rows[5:]) <= CAP + 1e-6
        caps = {float(row["frequency_cap"]) for row in rows}
        assert len(caps) == 2  # low in memory regions, high in compute ones
        assert int(hosts[sim_name(idx)]["region_frequency/Periods at FREQ_LOW"]) > 0  # type: ignore[index]


def test_mpi_ranks_run_the_composite(tmp_path: Path, work: Path) -> None:
    agent = "power_governor+region_frequency"
    policy = write_policy(tmp_path, agent, str(CAP))
    result = mpirun(
        tmp_path,
        env(work),
        [
            "-np",
            "2",
            "--node-model",
            f"--geopm-agent={agent}",
            f"--geopm-policy={policy}",
            "--geopm-period=0.01",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--",
            *app(work),
        ],
    )
    assert result.returncode == 0, result.stderr
    report = raw_report(tmp_path / "report.yaml")
    assert sorted(report["Hosts"]) == [rank_name(0), rank_name(1)]  # type: ignore[arg-type]
    for rank in range(2):
        rows = read_trace(tmp_path / f"trace-{rank_name(rank)}")
        assert max(float(row["CPU_POWER"]) for row in rows[5:]) <= CAP + 1e-6
        assert len({float(row["frequency_cap"]) for row in rows}) == 2


def test_compose_from_python(tmp_path: Path) -> None:
    class Probe(geopm_bridge.Agent):
        """Shares FREQ_LOW with region_frequency; reports what it got."""

        name = "composite_probe"
        policy_names = ("FREQ_LOW", "PROBE")
        sample_names = ("POWER",)

        def __init__(self) -> None:
            super().__init__()
            self.seen = float("nan")

        def adjust_platform(self, in_policy: geopm_bridge.FloatArray) -> None:
            self.seen = float(in_policy[0])

        def report_host(self) -> list[tuple[str, str]]:
            return [("FREQ_LOW seen", repr(self.seen))]

    geopm_bridge.load_agents(strict=False)
    spelled = geopm_bridge.compose("region_frequency", Probe)
    assert spelled == "region_frequency+composite_probe"
    assert geopm_bridge.policy_names(spelled) == ["FREQ_HIGH", "FREQ_LOW", "PROBE"]
    assert geopm_bridge.sample_names(spelled) == ["POWER"]
    named = geopm_bridge.compose("region_frequency", "composite_probe", name="probed_frequency")
    assert named == "probed_frequency"
    assert geopm_bridge.policy_names(named) == ["FREQ_HIGH", "FREQ_LOW", "PROBE"]
    result = geopm_bridge.run(
        named,
        ["sleep", "0.2"],
        policy={"FREQ_LOW": 1.25e9},
        node_model=True,
        period=0.01,
        report=tmp_path / "report.yaml",
    )
    assert result.exit_code == 0
    assert result.report is not None
    [host] = result.report["Hosts"].values()
    assert float(host["composite_probe/FREQ_LOW seen"]) == 1.25e9
    with pytest.raises(ValueError, match="two members"):
        geopm_bridge.compose("monitor")
    with pytest.raises(geopm_bridge.GeopmError, match='unknown merge rule "median"'):
        geopm_bridge.compose("monitor", "power_governor", merge={"X": "median"})
    with pytest.raises(geopm_bridge.GeopmError, match='no agent named "nope"'):
        geopm_bridge.compose("monitor", "nope")


def test_geopm_agent_h_knows_composites() -> None:
    import ctypes

    lib = ctypes.CDLL(None)  # the runtime, loaded RTLD_GLOBAL by geopm_bridge
    count = ctypes.c_int()
    assert lib.geopm_agent_num_policy(b"monitor+power_governor", ctypes.byref(count)) == 0
    assert count.value == 1
    text = ctypes.create_string_buffer(256)
    policy = (ctypes.c_double * 1)(150.0)
    assert lib.geopm_agent_policy_json(b"monitor+power_governor", policy, 256, text) == 0
    assert text.value == b'{"CPU_POWER_LIMIT": 150}'
    assert lib.geopm_agent_num_policy(b"monitor+", ctypes.byref(count)) == -3  # INVALID


def test_an_endpoint_drives_a_composite(tmp_path: Path) -> None:
    from test_api_libgeopm import SOURCES, compile_c
    from test_api_libgeopm import launch as launch_here

    # monitor has no policy and no sample: the composite's names are
    # power_governor's, which the endpoint client expects.
    agent = "power_governor+monitor"
    client = compile_c(SOURCES / "endpoint_client.c", tmp_path / "endpoint_client")
    prefix = tmp_path / "job"
    stop = tmp_path / "stop"
    manager = subprocess.Popen(
        [str(client), str(prefix), str(stop), "140", "110"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    try:
        result = launch_here(
            tmp_path,
            [f"--geopm-agent={agent}", f"--geopm-endpoint={prefix}", "--geopm-trace=trace"],
            ["sh", "-c", f"while [ ! -e {stop} ]; do sleep 0.02; done"],
            node_model="min_power=20,max_power=400",
        )
        out, err = manager.communicate(timeout=60)
    finally:
        manager.kill()
    assert result.returncode == 0, result.stderr
    assert manager.returncode == 0, out + err
    lines = out.splitlines()
    assert lines[:2] == ['opened agent=""', f"agent {agent}"]
    assert "enforced 140 age ok" in lines and "enforced 110 age ok" in lines
    [trace] = tmp_path.glob("trace-*")
    budgets = [float(row["POWER_BUDGET"]) for row in read_trace(trace)]
    assert budgets[-1] == 110 and 140 in budgets


@pytest.mark.parametrize(
    ("agent", "why"),
    [
        ("monitor+", "empty member name"),
        ("monitor+monitor", 'member "monitor" is named twice'),
        ("monitor+power_governor@CPU_POWER_LIMIT_CONTROL=median", 'unknown merge rule "median"'),
        (
            "monitor+power_governor@CPU_POWER_LIMIT_CONTROL",
            'merge entry "CPU_POWER_LIMIT_CONTROL" is not CONTROL=rule',
        ),
        ("monitor+nope", 'no agent named "nope"'),
    ],
)
def test_a_malformed_composite_is_one_error_line(tmp_path: Path, agent: str, why: str) -> None:
    for command in (
        [*jobs.GEOPM_BRIDGE, "launch", "--node-model", f"--geopm-agent={agent}", "--", "true"],
        [*jobs.GEOPM_BRIDGE, "agent", "-a", agent],
    ):
        result = subprocess.run(
            command, cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 2, result.stderr
        [line] = result.stderr.splitlines()
        assert line.startswith(f'geopm-bridge: error: composite agent "{agent}": {why}')
