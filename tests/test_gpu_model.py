"""The node model's simulated GPUs (``--node-model=gpus=N``) and the report's GPU fields.

Each test runs real processes: Python programs over ``geopm_bridge.platform_io()``,
``geopm-bridge read``, and jobs under ``geopm-bridge launch`` with a Python
agent written here that caps the GPUs' power. Values are checked against the
documented model (README, "gpus=N"): with the defaults a GPU wants
IDLE + LOAD * (TDP - IDLE) = 576 W at its highest clock.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from cpp_build import clean_env
from jobs import GEOPM_BRIDGE, launch

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

TDP, MIN_POWER, IDLE, LOAD = 700.0, 200.0, 80.0, 0.8  # the GPU defaults
FREQ_MIN, FREQ_MAX, FREQ_STEP = 345e6, 1980e6, 15e6
DEMAND = IDLE + LOAD * (TDP - IDLE)
CAP = 300.0  # the test agent's GPU power limit, below DEMAND
GPU_FIELDS = ("gpu-energy (J)", "gpu-power (W)", "gpu-frequency (Hz)")


def gpu_power(freq: float, load: float = LOAD) -> float:
    """The documented GPU power curve."""
    return IDLE + load * (TDP - IDLE) * (freq / FREQ_MAX) ** 3


def gpu_freq_at(limit: float, load: float = LOAD) -> float:
    """The clock at which gpu_power() meets limit."""
    return FREQ_MAX * ((limit - IDLE) / (load * (TDP - IDLE))) ** (1 / 3)


def run_python(code: str, node_model: str, **env: str) -> Any:
    """Run code after ``pio``, ``topo``, ``g`` (geopm_bridge) and ``GPU``/``BOARD``
    are set up, on a node with GEOPM_BRIDGE_NODE_MODEL=node_model; return the
    JSON it prints."""
    prelude = (
        "import json, math, time\n"
        "import geopm_bridge as g\n"
        "pio, topo = g.platform_io(), g.platform_topo()\n"
        "GPU, BOARD, CPU = g.DOMAIN_GPU, g.DOMAIN_BOARD, g.DOMAIN_CPU\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        env=clean_env(GEOPM_BRIDGE_NODE_MODEL=node_model, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def read_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GEOPM_BRIDGE, "read", *args], env=clean_env(), capture_output=True, text=True, timeout=60
    )


# ---------------------------------------------------------------- topology and names


def test_gpus_are_domains_with_an_even_cpu_split() -> None:
    answer = run_python(
        """
        num_cpu = topo.num_domain(CPU)
        print(json.dumps({
            "cpu": num_cpu,
            "gpu_domain": GPU,
            "gpu": topo.num_domain(GPU),
            "chip": topo.num_domain(g.DOMAIN_GPU_CHIP),
            "cpus": [topo.domain_nested(CPU, GPU, idx) for idx in range(4)],
            "gpu_of_cpu": [topo.domain_idx(GPU, cpu) for cpu in range(num_cpu)],
            "power_domain": pio.signal_domain_type("GPU_POWER"),
            "limit_domain": pio.control_domain_type("GPU_POWER_LIMIT_CONTROL"),
            "agg": pio.agg_function("GPU_POWER"),
            "freq_agg": pio.agg_function("GPU_CORE_FREQUENCY_STATUS"),
            "behaviors": [pio.signal_behavior(name) for name in
                          ("GPU_POWER", "GPU_ENERGY", "GPU_CORE_FREQUENCY_MAX_AVAIL")],
            "controls": sorted(name for name in pio.control_names() if "GPU" in name),
        }))
        """,
        "gpus=4",
    )
    assert answer["gpu"] == 4 and answer["chip"] == 4
    num_cpu = answer["cpu"]
    # Split in index order, the first GPUs taking the remainder.
    expect, first = [], 0
    for gpu in range(4):
        share = num_cpu // 4 + (1 if gpu < num_cpu % 4 else 0)
        expect.append(list(range(first, first + share)))
        first += share
    assert answer["cpus"] == expect
    assert answer["gpu_of_cpu"] == [gpu for gpu, cpus in enumerate(expect) for _ in cpus]
    assert answer["power_domain"] == answer["limit_domain"] == answer["gpu_domain"]
    assert (answer["agg"], answer["freq_agg"]) == ("sum", "average")
    assert answer["behaviors"] == [2, 1, 0]  # variable, monotone, constant
    assert answer["controls"] == [
        "GPU_CORE_FREQUENCY_MAX_CONTROL",
        "GPU_CORE_FREQUENCY_MIN_CONTROL",
        "GPU_POWER_LIMIT_CONTROL",
        "NODE_MODEL::GPU_CORE_FREQUENCY_MAX_CONTROL",
        "NODE_MODEL::GPU_CORE_FREQUENCY_MIN_CONTROL",
        "NODE_MODEL::GPU_CORE_FREQUENCY_RESET_CONTROL",  # no alias, as GEOPM's NVML
        "NODE_MODEL::GPU_LOAD",
        "NODE_MODEL::GPU_POWER_LIMIT_CONTROL",
    ]


def test_geopm_bridge_read_shows_the_gpus() -> None:
    domains = read_cli("--node-model=gpus=4", "-d")
    assert domains.returncode == 0, domains.stderr
    counts = dict(line.split() for line in domains.stdout.splitlines())
    assert (counts["gpu"], counts["gpu_chip"]) == ("4", "4")
    power = read_cli("--node-model=gpus=4", "GPU_POWER", "board", "0")
    assert power.returncode == 0, power.stderr
    assert float(power.stdout) == pytest.approx(4 * DEMAND)
    listing = read_cli("--node-model=gpus=4")
    assert "GPU_TEMPERATURE" in listing.stdout and "NODE_MODEL::GPU_LOAD" in listing.stdout


def test_no_gpus_by_default() -> None:
    answer = run_python(
        """
        print(json.dumps({"gpu": topo.num_domain(GPU),
                          "names": [n for n in pio.signal_names() if "GPU" in n]}))
        """,
        "1",
    )
    assert answer == {"gpu": 0, "names": []}


# ---------------------------------------------------------------- the model's values


def test_defaults_and_constants() -> None:
    names = (
        "GPU_POWER",
        "GPU_CORE_FREQUENCY_STATUS",
        "GPU_UTILIZATION",
        "GPU_TEMPERATURE",
        "GPU_POWER_LIMIT_CONTROL",
        "GPU_POWER_LIMIT_DEFAULT",
        "GPU_POWER_LIMIT_MIN_AVAIL",
        "GPU_POWER_LIMIT_MAX_AVAIL",
        "GPU_CORE_FREQUENCY_MIN_AVAIL",
        "GPU_CORE_FREQUENCY_MAX_AVAIL",
        "GPU_CORE_FREQUENCY_STEP",
        "GPU_CORE_FREQUENCY_MIN_CONTROL",
        "GPU_CORE_FREQUENCY_MAX_CONTROL",
    )
    answer = run_python(
        f"""
        print(json.dumps({{name: pio.read_signal(name, GPU, 1) for name in {names!r}}}))
        """,
        "gpus=2",
    )
    assert answer == pytest.approx(
        {
            "GPU_POWER": DEMAND,
            "GPU_CORE_FREQUENCY_STATUS": FREQ_MAX,
            "GPU_UTILIZATION": LOAD,
            "GPU_TEMPERATURE": 30 + 0.06 * DEMAND,
            "GPU_POWER_LIMIT_CONTROL": TDP,
            "GPU_POWER_LIMIT_DEFAULT": TDP,
            "GPU_POWER_LIMIT_MIN_AVAIL": MIN_POWER,
            "GPU_POWER_LIMIT_MAX_AVAIL": TDP,
            "GPU_CORE_FREQUENCY_MIN_AVAIL": FREQ_MIN,
            "GPU_CORE_FREQUENCY_MAX_AVAIL": FREQ_MAX,
            "GPU_CORE_FREQUENCY_STEP": FREQ_STEP,
            "GPU_CORE_FREQUENCY_MIN_CONTROL": FREQ_MIN,
            "GPU_CORE_FREQUENCY_MAX_CONTROL": FREQ_MAX,
        }
    )


def test_power_limit_and_clock_controls_follow_the_formula() -> None:
    answer = run_python(
        """
        def state(idx=0):
            return [pio.read_signal(name, GPU, idx) for name in
                    ("GPU_POWER", "GPU_CORE_FREQUENCY_STATUS", "GPU_POWER_LIMIT_CONTROL",
                     "GPU_CORE_FREQUENCY_MAX_CONTROL", "GPU_CORE_FREQUENCY_MIN_CONTROL")]
        out = {"start": state()}
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 0, 400)
        out["400"] = state()
        out["other"] = state(1)
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 0, 300)
        out["300"] = state()
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 0, 50)
        out["50"] = state()
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 0, 5000)
        out["5000"] = state()
        pio.write_control("GPU_CORE_FREQUENCY_MAX_CONTROL", GPU, 0, 1.2e9)
        out["cap"] = state()
        pio.write_control("GPU_CORE_FREQUENCY_MIN_CONTROL", GPU, 0, 1.5e9)
        out["floor_above_cap"] = state()
        pio.write_control("GPU_CORE_FREQUENCY_MAX_CONTROL", GPU, 0, 1e6)
        out["cap_low"] = state()
        pio.write_control("NODE_MODEL::GPU_CORE_FREQUENCY_RESET_CONTROL", GPU, 0, 0)
        out["reset"] = state()
        pio.write_control("NODE_MODEL::GPU_LOAD", GPU, 0, 0.5)
        out["load"] = [pio.read_signal("GPU_UTILIZATION", GPU, 0), *state()]
        try:
            pio.write_control("NODE_MODEL::GPU_LOAD", GPU, 0, 1.5)
            out["bad_load"] = "accepted"
        except g.GeopmError as err:
            out["bad_load"] = str(err)
        print(json.dumps(out))
        """,
        "gpus=2",
    )
    assert answer["start"] == pytest.approx([DEMAND, FREQ_MAX, TDP, FREQ_MAX, FREQ_MIN])
    # A limit below the demand: the power meets it, the clock drops to fit.
    power, freq, limit, _, _ = answer["400"]
    assert (power, limit) == pytest.approx((400, 400))
    assert freq == pytest.approx(gpu_freq_at(400))
    assert answer["other"][:2] == pytest.approx([DEMAND, FREQ_MAX])  # GPUs are apart
    assert answer["300"][0] == pytest.approx(300)
    assert answer["300"][1] < freq
    # Out of range: clamped into [gpu_min_power, gpu_max_power].
    assert answer["50"][:3] == pytest.approx([MIN_POWER, gpu_freq_at(MIN_POWER), MIN_POWER])
    assert answer["5000"][:3] == pytest.approx([DEMAND, FREQ_MAX, TDP])
    # The clock cap holds the clock and lowers the power below the limit.
    assert answer["cap"][:2] == pytest.approx([gpu_power(1.2e9), 1.2e9])
    assert answer["cap"][0] < DEMAND
    # A floor above the cap: the cap wins (as the CPU model's).
    assert answer["floor_above_cap"][1] == pytest.approx(1.2e9)
    assert answer["floor_above_cap"][4] == pytest.approx(1.5e9)
    assert answer["cap_low"][3] == pytest.approx(FREQ_MIN)  # clamped
    assert answer["cap_low"][1] == pytest.approx(FREQ_MIN)
    assert answer["reset"][1:] == pytest.approx([FREQ_MAX, TDP, FREQ_MAX, FREQ_MIN])
    assert answer["load"][:2] == pytest.approx([0.5, gpu_power(FREQ_MAX, 0.5)])
    assert "GPU load outside [0, 1]" in answer["bad_load"]


def test_energy_integrates_power_and_board_sums_the_gpus() -> None:
    answer = run_python(
        """
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 1, 300)
        idx = [pio.push_signal("TIME", BOARD, 0),
               pio.push_signal("GPU_ENERGY", GPU, 0),
               pio.push_signal("GPU_ENERGY", GPU, 1),
               pio.push_signal("GPU_POWER", BOARD, 0),
               pio.push_signal("GPU_ENERGY", BOARD, 0)]
        rows = []
        for _ in range(3):
            pio.read_batch()
            rows.append([pio.sample(i) for i in idx])
            time.sleep(0.2)
        print(json.dumps(rows))
        """,
        "gpus=2",
    )
    for prev, curr in zip(answer, answer[1:], strict=False):
        elapsed = curr[0] - prev[0]
        assert curr[1] - prev[1] == pytest.approx(DEMAND * elapsed, rel=5e-2)
        assert curr[2] - prev[2] == pytest.approx(CAP * elapsed, rel=5e-2)
        assert curr[4] - prev[4] == pytest.approx((DEMAND + CAP) * elapsed, rel=5e-2)
    assert answer[-1][3] == pytest.approx(DEMAND + CAP)


def test_utilization_is_the_gpu_load_parameter() -> None:
    answer = run_python(
        """
        print(json.dumps([pio.read_signal(n, GPU, 0) for n in ("GPU_UTILIZATION", "GPU_POWER")]))
        """,
        "gpus=1,gpu_load=0.25,gpu_idle_power=100",
    )
    assert answer == pytest.approx([0.25, 100 + 0.25 * (TDP - 100)])


def test_save_and_restore_bring_the_gpu_controls_back() -> None:
    answer = run_python(
        """
        pio.save_control()
        pio.write_control("GPU_POWER_LIMIT_CONTROL", GPU, 0, 250)
        pio.write_control("GPU_CORE_FREQUENCY_MAX_CONTROL", GPU, 1, 1e9)
        pio.write_control("GPU_CORE_FREQUENCY_MIN_CONTROL", GPU, 1, 0.5e9)
        pio.restore_control()
        print(json.dumps([pio.read_signal(n, GPU, i) for n, i in (
            ("GPU_POWER_LIMIT_CONTROL", 0), ("GPU_CORE_FREQUENCY_MAX_CONTROL", 1),
            ("GPU_CORE_FREQUENCY_MIN_CONTROL", 1), ("GPU_POWER", 0))]))
        """,
        "gpus=2",
    )
    assert answer == pytest.approx([TDP, FREQ_MAX, FREQ_MIN, DEMAND])


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ("gpus=-1", "gpus=-1"),
        ("gpus=2.5", "gpus=2.5"),
        ("gpus=65", "gpus=65"),
        ("gpus=2,gpu_watts=3", "gpu_watts=3"),
        ("gpus=1,gpu_load=1.5", "gpu_load=1.5"),
        ("gpus=1,gpu_tdp=150", "gpu_tdp=150"),  # below gpu_min_power
    ],
)
def test_bad_gpu_parameters_are_one_line_naming_the_item(value: str, named: str) -> None:
    # Whatever is read: a GPU signal too, though the GPUs never existed.
    result = read_cli(f"--node-model={value}", "GPU_POWER", "board", "0")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f'bad node_model parameter "{named}"' in lines[0]


# ---------------------------------------------------------------- jobs: report and trace

AGENT = '''
import math
import geopm_bridge


class GpuCapAgent(geopm_bridge.Agent):
    """Caps every GPU of the node at GPU_CAP watts (default 300)."""

    name = "gpu_cap"
    policy_names = ("GPU_CAP",)
    sample_names = ()
    period = 0.05

    def __init__(self):
        super().__init__()
        self._pio = geopm_bridge.platform_io()
        self._controls = []
        self._written = False

    def init(self, level, fan_in, is_level_root):
        if level == 0:
            num_gpu = geopm_bridge.platform_topo().num_domain(geopm_bridge.DOMAIN_GPU)
            self._controls = [self._pio.push_control("GPU_POWER_LIMIT_CONTROL",
                                                     geopm_bridge.DOMAIN_GPU, idx)
                              for idx in range(num_gpu)]

    def validate_policy(self, policy):
        if math.isnan(policy[0]):
            policy[0] = 300.0

    def adjust_platform(self, in_policy):
        for control in self._controls:
            self._pio.adjust(control, in_policy[0])

    def do_write_batch(self):
        first = not self._written
        self._written = True
        return first
'''

APP = """
import time
from geopm_bridge import profile
from geopm_bridge.profile import RegionHint

for _ in range(4):
    profile.epoch()
    with profile.region("gpu_work", RegionHint.COMPUTE):
        time.sleep(0.15)
    time.sleep(0.05)
"""


def job_env(tmp_path: Path, **env: str) -> dict[str, str]:
    (tmp_path / "gpu_cap_agent.py").write_text(AGENT)
    (tmp_path / "app.py").write_text(APP)
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    return clean_env(PYTHONPATH=pythonpath, GEOPM_BRIDGE_AGENTS="gpu_cap_agent:GpuCapAgent", **env)


def run_job(tmp_path: Path, node_model: str, *options: str) -> dict[str, Any]:
    result = launch(
        tmp_path,
        sys.executable,
        "app.py",
        options=[
            f"--node-model={node_model}",
            "--geopm-agent=gpu_cap",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            *options,
        ],
        env=job_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = yaml.safe_load((tmp_path / "report.yaml").read_text())
    return report


def check_gpu_section(section: dict[str, Any], num_gpu: int) -> None:
    """gpu-power is the section's mean power: energy over sync-runtime; the
    cap holds it at num_gpu * CAP after the first period (at DEMAND)."""
    keys = list(section)
    # After the time-hint fields, as GEOPM appends its conditional fields.
    hint_end = keys.index("time-hint-spin (s)")
    assert keys[hint_end + 1 : hint_end + 4] == list(GPU_FIELDS)
    energy, power, freq = (section[key] for key in GPU_FIELDS)
    runtime = section["sync-runtime (s)"]
    assert runtime > 0
    assert power == pytest.approx(energy / runtime, rel=0.05)
    assert num_gpu * CAP * 0.99 <= power <= num_gpu * DEMAND
    assert power == pytest.approx(num_gpu * CAP, rel=0.25)
    assert gpu_freq_at(CAP) * 0.99 <= freq <= FREQ_MAX
    assert freq == pytest.approx(gpu_freq_at(CAP), rel=0.15)


def test_report_has_gpu_fields_in_every_section(tmp_path: Path) -> None:
    import geopmpy.io

    report = run_job(
        tmp_path,
        "gpus=2",
        "--geopm-trace-signals=GPU_POWER@gpu,GPU_CORE_FREQUENCY_STATUS@gpu",
    )
    (host,) = report["Hosts"].values()
    check_gpu_section(host["Application Totals"], 2)
    check_gpu_section(host["Epoch Totals"], 2)
    (region,) = [r for r in host["Regions"] if r["region"] == "gpu_work"]
    check_gpu_section(region, 2)
    unmarked = host["Unmarked Totals"]
    assert list(GPU_FIELDS) == [k for k in unmarked if k.startswith("gpu-")]
    # The sections share out the run's energy.
    total = host["Application Totals"]["gpu-energy (J)"]
    assert region["gpu-energy (J)"] + unmarked["gpu-energy (J)"] == pytest.approx(total, rel=1e-6)

    parsed = geopmpy.io.RawReport(str(tmp_path / "report.yaml"))
    (name,) = parsed.host_names()
    totals = parsed.raw_totals(name)
    assert totals["gpu-power (W)"] == host["Application Totals"]["gpu-power (W)"]
    assert parsed.raw_region(name, "gpu_work")["gpu-energy (J)"] == region["gpu-energy (J)"]

    # The trace: no GPU columns of its own (GEOPM 3.1), the asked ones per GPU.
    (trace,) = tmp_path.glob("trace-*")
    rows = [line.split("|") for line in trace.read_text().splitlines() if not line.startswith("#")]
    header, values = rows[0], rows[1:]
    gpu_columns = [col for col in header if "GPU" in col]
    assert gpu_columns == [
        "GPU_POWER-gpu-0",
        "GPU_POWER-gpu-1",
        "GPU_CORE_FREQUENCY_STATUS-gpu-0",
        "GPU_CORE_FREQUENCY_STATUS-gpu-1",
    ]
    last = dict(zip(header, values[-1], strict=True))
    assert float(last["GPU_POWER-gpu-1"]) == pytest.approx(CAP)
    assert float(last["GPU_CORE_FREQUENCY_STATUS-gpu-0"]) == pytest.approx(gpu_freq_at(CAP))
    first = dict(zip(header, values[0], strict=True))
    assert CAP - 1e-6 <= float(first["GPU_POWER-gpu-0"]) <= DEMAND + 1e-6


def test_report_without_gpus_has_no_gpu_keys(tmp_path: Path) -> None:
    report = run_job(tmp_path, "1")
    (host,) = report["Hosts"].values()
    for section in (host["Application Totals"], host["Unmarked Totals"], *host["Regions"]):
        assert not [key for key in section if key.startswith("gpu-")]


def test_simulated_nodes_report_their_own_gpus(tmp_path: Path) -> None:
    report = run_job(tmp_path, "gpus=2:1", "--geopm-simulate-nodes=2")
    hosts = report["Hosts"]
    assert sorted(hosts) == ["sim0000", "sim0001"]
    check_gpu_section(hosts["sim0000"]["Application Totals"], 2)
    check_gpu_section(hosts["sim0001"]["Application Totals"], 1)


def test_the_job_restores_the_gpu_controls(tmp_path: Path) -> None:
    """run_job() in this process's default node: after the job, the limits
    the agent set are back at their defaults."""
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            import geopm_bridge as g
            g.load_agents()
            pio = g.platform_io()
            config = g.JobConfig(agent="gpu_cap", app_argv=[sys.executable, "-c",
                                 "import time; time.sleep(0.3)"], trace_path="trace",
                                 trace_signals=["GPU_POWER_LIMIT_CONTROL@gpu"])
            rc = g.run_job(config)
            print(json.dumps({"rc": rc, "limits": [pio.read_signal(
                "GPU_POWER_LIMIT_CONTROL", g.DOMAIN_GPU, idx) for idx in range(2)]}))
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=job_env(tmp_path, GEOPM_BRIDGE_NODE_MODEL="gpus=2"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer == {"rc": 0, "limits": [TDP, TDP]}
    (trace,) = tmp_path.glob("trace-*")
    lines = [line for line in trace.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("|")
    during = float(lines[-1].split("|")[header.index("GPU_POWER_LIMIT_CONTROL-gpu-0")])
    assert during == CAP  # the agent's limit held during the job
    assert not math.isnan(during)
