"""The example GPU agent (gpu_power_share) on the node model's simulated GPUs
(its read-only run on a real GPU: test_gpu_real.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml
from cpp_build import clean_env
from jobs import launch

pytest.importorskip("geopm_bridge._core", reason="the package is not installed (run ./run-tests)")

from geopm_bridge.trace import read_trace  # noqa: E402

# The simulated GPUs' defaults (README, "The node model"): limits from 200
# to 700 W, 80 W idle; a GPU's utilization is its NODE_MODEL::GPU_LOAD.
LOW, HIGH, IDLE = 200.0, 700.0, 80.0
LOADS = (1.0, 0.6, 0.2, 0.0)

# A subclass that gives the node's four GPUs unequal loads before the run.
UNEVEN_AGENT = f"""
import geopm_bridge
from geopm_bridge.examples.gpu_power_share_agent import GpuPowerShareAgent


class UnevenGpus(GpuPowerShareAgent):
    name = "gpu_share_uneven"

    def init(self, level, fan_in, is_level_root):
        super().init(level, fan_in, is_level_root)
        if level == 0:
            for idx, load in enumerate({LOADS!r}):
                self._pio.write_control("NODE_MODEL::GPU_LOAD", geopm_bridge.DOMAIN_GPU, idx, load)
"""


def agent_env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "gpu_test_agents.py").write_text(UNEVEN_AGENT)
    return {
        **clean_env(),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "GEOPM_BRIDGE_AGENTS": "gpu_test_agents:UnevenGpus",
    }


# The needs at LOADS are 200 + load * 500 W: 700, 500, 300 and 200 W.
SPLITS = {
    # Short of the 1700 W needed: 200 W each, the other 800 W by need above
    # 200 W (500, 300, 100, 0 of 900).
    1600.0: [200 + 800 * 5 / 9, 200 + 800 * 3 / 9, 200 + 800 / 9, 200.0],
    # 700 W to spare: spread evenly, none above 700 W (GPU 0 already is;
    # GPU 1 fills up at +200 W, the last 100 W goes to GPUs 2 and 3).
    2400.0: [700.0, 700.0, 550.0, 450.0],
}


@pytest.mark.parametrize("budget", SPLITS)
def test_busy_gpus_take_the_budget_from_idle_ones(tmp_path: Path, budget: float) -> None:
    """Four simulated GPUs at loads 1, 0.6, 0.2 and 0 under one budget: the
    limits set follow the utilization, sum to the budget, and the model's
    GPUs draw no more than their limits."""
    (tmp_path / "policy.json").write_text(json.dumps({"GPU_POWER_BUDGET": budget}))
    result = launch(
        tmp_path,
        "sleep",
        "0.6",
        options=[
            "--node-model=gpus=4",
            "--geopm-agent=gpu_share_uneven",
            "--geopm-policy=policy.json",
            "--geopm-period=0.05",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--geopm-trace-signals=GPU_POWER_LIMIT_CONTROL@gpu,GPU_POWER@gpu,GPU_UTILIZATION@gpu",
        ],
        env=agent_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    trace = read_trace(next(tmp_path.glob("trace*")))
    expected = np.array(SPLITS[budget])
    assert expected.sum() == pytest.approx(budget)
    last = {name: values[-1] for name, values in trace.columns.items()}
    decided = np.array([last[f"GPU_POWER_LIMIT-gpu-{idx}"] for idx in range(4)])
    applied = np.array([last[f"GPU_POWER_LIMIT_CONTROL-gpu-{idx}"] for idx in range(4)])
    power = np.array([last[f"GPU_POWER-gpu-{idx}"] for idx in range(4)])
    utilization = np.array([last[f"GPU_UTILIZATION-gpu-{idx}"] for idx in range(4)])
    assert utilization == pytest.approx(LOADS)
    assert decided == pytest.approx(expected)
    assert applied == pytest.approx(expected)
    # Busier GPUs get more; each draws at most its limit, the idle one idles.
    assert list(decided) == sorted(decided, reverse=True)
    assert (power <= applied * (1 + 1e-9)).all()
    assert power[3] == pytest.approx(IDLE)
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["GPU power budget (W)"] == budget
    host = next(iter(report["Hosts"].values()))
    limits = [float(text) for text in host["GPU power limits (W)"].split()]
    assert limits == pytest.approx(expected, rel=1e-5)


def test_a_budget_out_of_range_is_refused(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text(json.dumps({"GPU_POWER_BUDGET": 500}))
    # The policy is checked in the first control period (as GEOPM does):
    # the application must outlive it; the error then ends the job.
    result = launch(
        tmp_path,
        "sleep",
        "10",
        options=[
            "--node-model=gpus=4",
            "--geopm-agent=gpu_power_share",
            "--geopm-policy=policy.json",
        ],
    )
    assert result.returncode != 0
    assert "GPU_POWER_BUDGET 500 W is outside the range of the node's 4 GPU(s), [800, 2800] W" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_without_gpus_the_agent_says_what_it_needs(tmp_path: Path) -> None:
    result = launch(tmp_path, "true", options=["--node-model", "--geopm-agent=gpu_power_share"])
    assert result.returncode != 0
    assert "gpu_power_share needs GPUs" in result.stderr
    assert "--node-model=gpus=4" in result.stderr
    assert "Traceback" not in result.stderr
