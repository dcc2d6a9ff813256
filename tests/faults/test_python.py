"""Python agents at the edges: the shipped examples at every period, and the
NumPy arrays an agent keeps after its job has ended.

Every job runs in a real process (``geopm-bridge launch`` or a script
calling ``run_job()``), as users run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

import jobs  # noqa: E402
from cpp_build import clean_env  # noqa: E402

# --- the shipped examples run at any legal period ----------------------------------------

#: Each example of geopm_bridge.examples with the options it needs (a policy file is
#: written beside the job when the example takes one).
EXAMPLES = {
    "example_python": {},
    "region_frequency": {},
    "power_split": {"POWER_BUDGET": 4 * 120.0},
}


@pytest.mark.parametrize("period", ["0", "0.01"])
@pytest.mark.parametrize("agent", sorted(EXAMPLES))
def test_example_runs_at_any_period(tmp_path: Path, agent: str, period: str) -> None:
    """On 4 simulated nodes (two tree levels), so every hook of the example runs;
    period 0 (as fast as the loop goes) used to leave NaN in the tutorial's sample."""
    options = [
        "--node-model",
        "--geopm-simulate-nodes=4",
        "--geopm-max-fan-out=2",
        f"--geopm-agent={agent}",
        f"--geopm-period={period}",
        "--geopm-report=report.yaml",
        "--geopm-trace=trace",
    ]
    policy = EXAMPLES[agent]
    if policy:
        (tmp_path / "policy.json").write_text(json.dumps(policy))
        options.append("--geopm-policy=policy.json")
    # A bounded number of control periods keeps period 0 from spinning for the whole app.
    env = clean_env(GEOPM_BRIDGE_MAX_ITERATIONS="300")
    result = jobs.launch(tmp_path, "sleep", "0.3", options=options, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.yaml").exists()


# --- arrays an agent keeps outlive the job -----------------------------------------------

KEEPER = '''
import gc, json, math
import numpy as np
import geopm_bridge as g

kept = {}

@g.register_agent("keeper")
class Keeper(g.Agent):
    """Keeps every array it is handed (and a slice of one) past the job's end."""

    policy_names = ("P0", "P1")
    sample_names = ("S0", "S1")
    sample_aggregation = ("sum", "max")
    period = 0.0

    def __init__(self):
        super().__init__()
        self.count = 0
        self.level = 0

    def init(self, level, fan_in, is_level_root):
        self.level = level

    def validate_policy(self, policy):
        policy[np.isnan(policy)] = 5.0
        kept["validate_policy"] = policy

    def split_policy(self, in_policy, out_policy):
        out_policy[:] = in_policy
        kept["split_policy.in"] = in_policy
        kept["split_policy.out"] = out_policy

    def aggregate_sample(self, in_sample, out_sample):
        out_sample[:] = in_sample.sum(axis=0)
        kept["aggregate_sample.in"] = in_sample
        kept["aggregate_sample.out"] = out_sample

    def adjust_platform(self, in_policy):
        kept["adjust_platform"] = in_policy

    def sample_platform(self, out_sample):
        self.count += 1
        out_sample[:] = [self.count, 7.0]
        kept["sample_platform"] = out_sample
        kept["sample_platform.tail"] = out_sample[1:]  # a view of the view

    def trace_names(self):
        return ["count"]

    def trace_values(self, values):
        values[0] = self.count
        kept["trace_values"] = values

def snapshot():
    # tobytes() copies with memcpy, which AddressSanitizer checks even from NumPy.
    return {name: np.frombuffer(array.tobytes()).reshape(array.shape).tolist()
            for name, array in sorted(kept.items())}

rc = g.run_job(g.JobConfig(agent="keeper", app_argv=["sleep", "0.2"], simulate_nodes=4,
                           max_fan_out=2, max_iterations=50, trace_path="trace"))
after = snapshot()
# Churn the heap the job's vectors lived in: freed memory would now hold other data.
junk = [np.full(64, 123.0) for _ in range(20000)] + [[1.5] * 16 for _ in range(20000)]
del junk
gc.collect()
again = snapshot()
kept["sample_platform"][0] = -1.0  # writing a kept output array is harmless too
print(json.dumps({"rc": rc, "after": after, "again": again}))
'''


def test_arrays_kept_by_an_agent_outlive_the_job(tmp_path: Path) -> None:
    script = tmp_path / "keeper.py"
    script.write_text(textwrap.dedent(KEEPER))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=clean_env(GEOPM_BRIDGE_NODE_MODEL="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["rc"] == 0
    after, again = out["after"], out["again"]
    assert set(after) == {
        "validate_policy",
        "split_policy.in",
        "split_policy.out",
        "aggregate_sample.in",
        "aggregate_sample.out",
        "adjust_platform",
        "sample_platform",
        "sample_platform.tail",
        "trace_values",
    }
    # The last values each array was given, unchanged by the heap churn after the job.
    assert again == after
    assert after["validate_policy"] == [5.0, 5.0]
    assert after["adjust_platform"] == [5.0, 5.0]
    assert after["split_policy.in"] == [5.0, 5.0]
    assert after["split_policy.out"] == [[5.0, 5.0], [5.0, 5.0]]
    count, seven = after["sample_platform"]
    assert count >= 1 and seven == 7.0
    assert after["sample_platform.tail"] == [7.0]
    assert after["trace_values"] == [count]
    assert len(after["aggregate_sample.in"]) == 2 and len(after["aggregate_sample.out"]) == 2


def test_arrays_kept_by_an_agent_outlive_the_job_under_asan(tmp_path: Path) -> None:
    """The same job under AddressSanitizer, when a sanitized package is at hand.

    Set ``GEOPM_BRIDGE_ASAN_PYTHONPATH`` to a directory holding a
    ``geopm_bridge`` package whose ``_core`` and ``lib/libgeopmbridge.so``
    come from a build with ``-fsanitize=address,undefined`` (configure the
    repository with CMake, ``ninja src/bindings/all``, and copy them over an
    installed package). NumPy is not instrumented, but ``tobytes()`` copies
    with memcpy, which ASan checks: reading a freed vector is a
    heap-use-after-free report and a failed run.
    """
    pythonpath = os.environ.get("GEOPM_BRIDGE_ASAN_PYTHONPATH")
    if not pythonpath:
        pytest.skip("GEOPM_BRIDGE_ASAN_PYTHONPATH names no sanitized package")
    runtime = [
        subprocess.run(
            ["gcc", f"-print-file-name={name}"], capture_output=True, text=True, check=True
        ).stdout.strip()
        for name in ("libasan.so", "libubsan.so")
    ]
    script = tmp_path / "keeper.py"
    script.write_text(textwrap.dedent(KEEPER))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=clean_env(
            GEOPM_BRIDGE_NODE_MODEL="1",
            PYTHONPATH=pythonpath,
            LD_PRELOAD=" ".join(runtime),
            ASAN_OPTIONS="detect_leaks=0",
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "AddressSanitizer" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["again"] == out["after"]
