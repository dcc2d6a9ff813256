"""Every input is bounded, and every error speaks to the user.

Hostile inputs to ``geopm-bridge launch`` (policy files and their names,
the period, node-model parameters, report and trace signals) each end the
command with one line on stderr naming what was wrong, no traceback, and
no wait on a file that never ends; names a user or an agent chose keep the
report valid YAML. The servo tools read their documents under the same
bounds (python/geopm_servo/protocol.py).
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import jobs
import pytest
import yaml
from cpp_build import clean_env
from geopm_servo import protocol

# The runtime's limits (cpp/src/core/Json.hpp) and the servo tools' (protocol.py).
MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 200
# A guard only: each refusal below takes well under a second.
GUARD_S = 60


def launch(
    cwd: Path, *options: str, app: tuple[str, ...] = ("true",), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A job on the node model, the given options, and ``app``."""
    return jobs.launch(cwd, *app, options=("--node-model", *options), env=env, timeout=GUARD_S)


def one_line(process: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command wrote (asserting there is one, and no traceback)."""
    assert process.returncode != 0, process.stdout
    lines = process.stderr.splitlines()
    assert len(lines) == 1, process.stderr
    assert lines[0].startswith("geopm-bridge: error: "), process.stderr
    assert "Traceback" not in process.stderr
    assert "<geopm>" not in lines[0] and ".cpp:" not in lines[0], lines[0]
    return lines[0]


def governor(tmp_path: Path, policy: str, *options: str) -> subprocess.CompletedProcess[str]:
    return launch(tmp_path, "--geopm-agent=power_governor", f"--geopm-policy={policy}", *options)


# ----------------------------------------------------------- policy documents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"CPU_POWER_LIMIT": 1e999}', "number 1e999 is out of range"),
        ('{"CPU_POWER_LIMIT": -1e400}', "number -1e400 is out of range"),
        ('{"CPU_POWER_LIMIT": inf}', "expected value"),
        ('{"CPU_POWER_LIMIT": nan}', "expected null, got nan"),
        ('{"CPU_POWER_LIMIT": NaN}', "expected value"),
        ('{"CPU_POWER_LIMIT": Infinity}', "expected value"),
        ('{"CPU_POWER_LIMIT": -Infinity}', "invalid 'I'"),
        ('{"CPU_POWER_LIMIT": 0x64}', "expected ',' in object, got 'x'"),
        ('{"CPU_POWER_LIMIT": 100} // comment', "unexpected trailing"),
        ("[" * 100_000, "exceeded maximum nesting depth"),
        ("[" * (MAX_JSON_DEPTH + 2) + "]" * (MAX_JSON_DEPTH + 2), "exceeded maximum nesting"),
    ],
    ids=[
        "overflow",
        "negative-overflow",
        "inf",
        "nan",
        "NaN",
        "Infinity",
        "minus-Infinity",
        "hex",
        "comment",
        "deep",
        "just-too-deep",
    ],
)
def test_policy_json_is_strict_and_bounded(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "policy.json").write_text(text)
    line = one_line(governor(tmp_path, "policy.json"))
    assert 'policy file "policy.json": JSON parse error at offset' in line
    assert expected in line


def test_the_nan_string_still_means_nan(tmp_path: Path) -> None:
    # GEOPM's policy files spell an unset value "NAN": that is no number to refuse.
    (tmp_path / "policy.json").write_text('{"CPU_POWER_LIMIT": "NAN"}')
    process = governor(tmp_path, "policy.json", "--geopm-report=report.yaml")
    assert process.returncode == 0, process.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_text())
    assert report["Policy"] == {"CPU_POWER_LIMIT": "NAN"}


def test_a_huge_policy_file_is_refused_unread(tmp_path: Path) -> None:
    with open(tmp_path / "policy.json", "wb") as out:
        out.write(b"{" + b" " * (20 * 1024 * 1024) + b"}")
    line = one_line(governor(tmp_path, "policy.json"))
    assert f'policy file "policy.json" is larger than the limit of {MAX_JSON_BYTES} bytes' in line


def test_a_policy_at_the_depth_limit_is_read(tmp_path: Path) -> None:
    # Nested as deep as allowed (MAX_JSON_DEPTH inside the outermost), it is
    # refused for what it is (no object), not for its depth.
    depth = MAX_JSON_DEPTH + 1
    (tmp_path / "policy.json").write_text("[" * depth + "]" * depth)
    line = one_line(governor(tmp_path, "policy.json"))
    assert "a policy is a JSON object" in line


# -------------------------------------------------------- what a policy file is


def make_socket(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("fifo", "is a FIFO, not a regular file"),
        ("directory", "is a directory, not a regular file"),
        ("device", "is a character device, not a regular file"),
        ("socket", "is a socket, not a regular file"),
        ("missing", "cannot open policy file"),
    ],
)
@pytest.mark.parametrize("named_by", ["option", "environment"])
def test_only_a_regular_file_is_a_policy(
    tmp_path: Path, kind: str, expected: str, named_by: str
) -> None:
    path = tmp_path / kind
    server = None
    if kind == "fifo":
        os.mkfifo(path)  # no writer: opening it for reading must not wait for one
    elif kind == "directory":
        path.mkdir()
    elif kind == "device":
        path = Path("/dev/zero")  # endless: reading it would never finish
    elif kind == "socket":
        server = make_socket(path)
    try:
        if named_by == "option":
            process = governor(tmp_path, str(path))
        else:
            env = clean_env(GEOPM_POLICY=str(path))
            process = launch(tmp_path, "--geopm-agent=power_governor", env=env)
    finally:
        if server is not None:
            server.close()
    line = one_line(process)
    assert f'policy file "{path}"' in line
    assert expected in line


# ------------------------------------------------------------------ the period


def test_the_period_is_bounded(tmp_path: Path) -> None:
    line = one_line(launch(tmp_path, "--geopm-period=10.5"))
    assert 'GEOPM_PERIOD="10.5" is longer than the limit of 10 seconds' in line
    # (10 itself is taken: tests/test_runtime_core.py.)


# ---------------------------------------------------------------- node model


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("tdp=0", '"tdp=0" (GEOPM_BRIDGE_NODE_MODEL): min_power (0) must be above 0'),
        ("tdp=-30", '"tdp=-30" (GEOPM_BRIDGE_NODE_MODEL): min_power (-10) must be above 0'),
        ("tdp=40,min_power=50", '"tdp=40" (GEOPM_BRIDGE_NODE_MODEL): tdp must be at least'),
        ("min_power=200", '"min_power=200" (GEOPM_BRIDGE_NODE_MODEL): tdp (150) must be at least'),
        ("freq_min=4e9", '"freq_min=4e9" (GEOPM_BRIDGE_NODE_MODEL): freq_max (3000000000)'),
    ],
)
def test_node_model_errors_name_what_was_given(tmp_path: Path, model: str, expected: str) -> None:
    process = jobs.launch(tmp_path, "true", options=[f"--node-model={model}"], timeout=GUARD_S)
    assert expected in one_line(process)


# --------------------------------------------------- report and trace signals


@pytest.mark.parametrize("option", ["--geopm-trace-signals", "--geopm-report-signals"])
@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("CPU_POWER@gpu", '"CPU_POWER@gpu": this platform has no gpu domain'),
        ("CPU_POWER@core", '"CPU_POWER@core": CPU_POWER is measured per package, not per core'),
        ("CPU_POWER@nowhere", 'unknown domain "nowhere" in "CPU_POWER@nowhere"'),
        ("NO_SUCH_SIGNAL", 'unknown signal "NO_SUCH_SIGNAL"'),
    ],
    ids=["absent-domain", "finer-domain", "unknown-domain", "unknown-signal"],
)
def test_signal_entries_the_platform_lacks_are_errors(
    tmp_path: Path, option: str, entry: str, expected: str
) -> None:
    line = one_line(launch(tmp_path, "--geopm-trace=trace", f"{option}={entry}"))
    assert expected in line
    assert option.removeprefix("--").upper().replace("-", "_") in line


# ------------------------------------------------------- errors for a person


def test_debug_keeps_the_source_position(tmp_path: Path) -> None:
    (tmp_path / "policy.json").write_text("{")
    process = jobs.launch(
        tmp_path,
        "true",
        options=["--debug", "--node-model", "--geopm-policy=policy.json"],
        timeout=GUARD_S,
    )
    assert process.returncode == 1
    last = process.stderr.splitlines()[-1]
    assert last.startswith("geopm-bridge: error: <geopm> Input file could not be parsed: ")
    assert "Json.cpp:" in last


# -------------------------------------------------------- the report's YAML

HOSTILE = [
    "key: value",
    "# not a comment",
    'a "quoted" name',
    "it's",
    "two\nlines",
    "- leading dash",
    "{flow: map}",
    "[1, 2]",
    "tab\there",
    "caf\u00e9 \u2603 \U0001f600",
    "del\x7fand\u0085nel",
    "",
    "123",
    "true",
    "~",
    "trailing: ",
    "---",
    "x" * 2000,
]

AGENT = r"""
import json, os
import geopm_bridge

NAMES = json.loads(os.environ["HOSTILE_NAMES"])


class HostileAgent(geopm_bridge.Agent):
    name = "hostile"
    policy_names = ()
    sample_names = ()

    def report_header(self):
        return [(name, name) for name in NAMES] + [("Header Number", "200")]

    def report_host(self):
        return [("host " + name, name) for name in NAMES] + [
            ("Frequency map", "{0x00000000deadbeef: 1000000000.0, 0x0000000012345678: 2.0e+09}")
        ]
"""

APP = r"""
import json, os
from geopm_bridge import profile

for name in json.loads(os.environ["HOSTILE_NAMES"]):
    if 0 < len(name) < 256:  # a region's name is not empty, and short
        with profile.region(name):
            pass
"""


def test_hostile_names_keep_the_report_valid_yaml(tmp_path: Path) -> None:
    (tmp_path / "hostile_agent.py").write_text(AGENT)
    (tmp_path / "app.py").write_text(APP)
    env = clean_env(HOSTILE_NAMES=json.dumps(HOSTILE), PYTHONPATH=str(tmp_path))
    # (GEOPM drops '"' and newlines from a profile name; the rest must survive.)
    profile_name = "- prof: #1 'x' {y} [z] \u00fc"
    process = jobs.launch(
        tmp_path,
        sys.executable,
        "app.py",
        options=[
            "--node-model",
            "--geopm-agents=hostile_agent:HostileAgent",
            "--geopm-agent=hostile",
            f"--geopm-profile={profile_name}",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
        ],
        env=env,
        timeout=GUARD_S,
    )
    assert process.returncode == 0, process.stderr
    text = (tmp_path / "report.yaml").read_text()
    report: dict[str, Any] = yaml.safe_load(text)

    assert report["Profile"] == profile_name
    assert report["Agent"] == "hostile"
    for name in HOSTILE:
        # Keys read back as written; values too, but for plain text an agent
        # wrote that YAML reads as something else ("123", "true", "[1, 2]"):
        # that stays as GEOPM writes it.
        expected: Any = name
        if name in ("123", "true", "~", "[1, 2]", "{flow: map}"):
            expected = yaml.safe_load(name)
        assert report[name] == expected, name
    assert report["Header Number"] == 200
    [host] = report["Hosts"].values()
    assert host["host # not a comment"] == "# not a comment"
    assert host["Frequency map"] == {0xDEADBEEF: 1e9, 0x12345678: 2e9}
    regions = {region["region"] for region in host["Regions"]}
    assert {name for name in HOSTILE if 0 < len(name) < 256} <= regions

    # The trace's header is YAML too.
    [trace] = tmp_path.glob("trace-*")
    header = "".join(line[1:] for line in trace.read_text().splitlines(True) if line[0] == "#")
    assert yaml.safe_load(header)["profile_name"] == profile_name

    # GEOPM's own parser reads the report too.
    import geopmpy.io

    raw = geopmpy.io.RawReport(str(tmp_path / "report.yaml"))
    assert raw.meta_data()["Profile"] == profile_name
    [host_name] = raw.host_names()
    expected_regions = {"key: value", "two\nlines", "caf\u00e9 \u2603 \U0001f600"}
    assert set(raw.region_names(host_name)) >= expected_regions


def test_invalid_utf8_names_are_replaced_not_lost(tmp_path: Path) -> None:
    # A byte that is no UTF-8 cannot stand in a YAML document: U+FFFD takes its place.
    process = jobs.launch(
        tmp_path,
        "true",
        options=["--node-model", "--geopm-report=report.yaml"],
        env=clean_env(GEOPM_PROFILE="bad\udcffbyte"),
        timeout=GUARD_S,
    )
    assert process.returncode == 0, process.stderr
    report = yaml.safe_load((tmp_path / "report.yaml").read_bytes())
    assert report["Profile"] == "bad\ufffdbyte"


# ----------------------------------------------------------- servo's input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1e999}', "out of range"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": Infinity}', "Infinity is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 0x10}', "not valid JSON"),
        ("[" * 100_000, f"nests deeper than the limit of {MAX_JSON_DEPTH} levels"),
        ("[" * (MAX_JSON_DEPTH + 2), f"nests deeper than the limit of {MAX_JSON_DEPTH} levels"),
        (" " * (MAX_JSON_BYTES + 1), f"larger than the limit of {MAX_JSON_BYTES} bytes"),
    ],
    ids=["overflow", "NaN", "Infinity", "minus-Infinity", "hex", "deep", "just-too-deep", "huge"],
)
def test_servo_documents_are_strict_and_bounded(text: str, expected: str) -> None:
    with pytest.raises(ValueError, match="^settings") as error:
        protocol.loads_json(text, "settings")
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_servo_reads_settings_no_further_than_the_limit() -> None:
    stream = io.BytesIO(b"x" * (3 * MAX_JSON_BYTES))
    with pytest.raises(protocol.ProtocolError, match="larger than the limit") as error:
        protocol.read_settings(stream)
    assert error.value.reason == "bad-input"
    assert stream.tell() == MAX_JSON_BYTES + 1


def test_servo_nesting_limit_is_the_runtimes() -> None:
    depth = MAX_JSON_DEPTH + 1  # MAX_JSON_DEPTH inside the outermost, as json11
    text = "[" * depth + "]" * depth
    assert protocol.loads_json(text, "x") == json.loads(text)


def test_servo_json_strings_do_not_count_as_nesting() -> None:
    deep_text = '"' + "[" * 1000 + '\\"{"'
    assert protocol.loads_json(json.dumps({"a": deep_text}), "x") == {"a": deep_text}


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_servo_reads_only_regular_files(tmp_path: Path, kind: str) -> None:
    path = tmp_path / kind
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    else:
        path = Path("/dev/zero")
    with pytest.raises(ValueError, match="not a regular file"):
        protocol.read_document_file(path, "the file")


def test_servo_settings_on_stdin_are_bounded(tmp_path: Path) -> None:
    # A real aggregator, fed a document nested past the limit on stdin.
    (tmp_path / "adjust.d").mkdir()
    process = subprocess.run(
        [sys.executable, "-m", "geopm_servo.aggregator", "app"],
        input="[" * 100_000,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
        timeout=GUARD_S,
    )
    assert process.returncode != 0
    assert "Traceback" not in process.stderr
    [status] = [json.loads(line) for line in process.stdout.splitlines()][-1:]
    assert status["reason"] == "bad-input"
    assert f"nests deeper than the limit of {MAX_JSON_DEPTH} levels" in status["message"]
