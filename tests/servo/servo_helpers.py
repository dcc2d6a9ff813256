"""Helpers for the servo aggregator tests: servo directories, fake drivers, running it.

The aggregator always runs as a real subprocess, in the servo directory, with
``<repo>/python`` at the front of ``PYTHONPATH``.  Fake drivers are small
/bin/sh or Python scripts; each one appends ``<file name> <arguments>`` to
the file named by ``SERVO_TEST_RECORD`` whenever it runs, and Python drivers
also save their adjust input as ``<record>.<file name>.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PYTHON_DIR = REPO / "python"
if str(PYTHON_DIR) not in sys.path:
    # Appended, never first: in this process the installed package (with its
    # compiled runtime, which the other test modules need) must win.
    sys.path.append(str(PYTHON_DIR))

MODULE = "geopm_servo.aggregator"
OK = '{"status":"ok","reason":"success"}'


def base_env(**extra: str) -> dict[str, str]:
    """Environment for the aggregator: PYTHONPATH starts with <repo>/python."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTUNE_")}
    current = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(PYTHON_DIR) + (os.pathsep + current if current else "")
    env.update(extra)
    return env


def query_doc(components: dict[str, list[str]], app_settings: list[str] | None = None) -> dict:
    """A --query reply describing ``{component: [setting, ...]}`` (and app-wide settings)."""
    setting = {"type": "range", "value": 1, "min": 0, "max": 10, "step": 1}
    app: dict[str, Any] = {
        "components": {
            c: {"settings": {s: dict(setting) for s in ss}} for c, ss in components.items()
        }
    }
    if app_settings:
        app["settings"] = {s: dict(setting) for s in app_settings}
    return {"application": app}


def sh_driver(
    name: str,
    *,
    version: str = "1.0",
    has_cancel: bool = False,
    query: dict | None = None,
    adjust: str = f"echo '{OK}'",
    query_cmd: str | None = None,
    info_cmd: str | None = None,
) -> str:
    """Text of a /bin/sh driver; ``adjust`` is the shell code run for ``adjust APP``."""
    info = json.dumps({"version": f"{name} {version}", "has_cancel": has_cancel})
    q = json.dumps(query if query is not None else query_doc({}))
    return f"""#!/bin/sh
printf '%s %s\\n' "$(basename "$0")" "$*" >> "$SERVO_TEST_RECORD"
case "$1" in
--version) echo "{name} {version}";;
--info) {info_cmd or f"echo '{info}'"};;
--query|--describe) {query_cmd or f"echo '{q}'"};;
*)
{adjust}
;;
esac
"""


def py_driver(
    name: str,
    *,
    version: str = "1.0",
    has_cancel: bool = False,
    query: dict | None = None,
    adjust: str = f"print({OK!r})",
    query_code: str | None = None,
    site: bool = False,
) -> str:
    """Text of a Python driver; ``adjust`` is Python code run with ``data`` = stdin document.

    Without ``site`` the driver runs with ``python -S`` (faster start; only the
    standard library and PYTHONPATH are importable).
    """
    q = query if query is not None else query_doc({})
    body = "\n".join("    " + line for line in adjust.splitlines())
    qbody = "\n".join(
        "    " + line for line in (query_code or "print(json.dumps(QUERY))").splitlines()
    )
    flags = "" if site else " -S"
    return f"""#!{sys.executable}{flags}
import json, os, signal, sys, time
NAME = {name!r}
VERSION = {version!r}
QUERY = {q!r}
me = os.path.basename(sys.argv[0])
with open(os.environ["SERVO_TEST_RECORD"], "a") as fh:
    fh.write(me + " " + " ".join(sys.argv[1:]) + "\\n")
def progress(p, msg=None):
    d = {{"progress": p}}
    if msg:
        d["message"] = msg
    print(json.dumps(d), flush=True)
arg = sys.argv[1]
if arg == "--version":
    print(NAME + " " + VERSION)
elif arg == "--info":
    print(json.dumps({{"version": NAME + " " + VERSION, "has_cancel": {has_cancel!r}}}))
elif arg in ("--query", "--describe"):
{qbody}
else:
    data = json.load(sys.stdin)
    with open(os.environ["SERVO_TEST_RECORD"] + "." + me + ".json", "w") as fh:
        json.dump(data, fh)
{body}
"""


def pid_alive(pid: int) -> bool:
    """True if ``pid`` is a live process (a zombie counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def catches_signal(pid: int, signum: int) -> bool:
    """True once process ``pid`` has a handler installed for ``signum`` (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) & (1 << (signum - 1)))
    except OSError:
        pass
    return False


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            pytest.fail("timed out waiting for a condition")
        time.sleep(0.02)


def parse_lines(stdout: str) -> list[dict[str, Any]]:
    """Decode the aggregator's output; every line must be compact JSON of an object."""
    docs = []
    for line in stdout.splitlines():
        doc = json.loads(line)
        assert isinstance(doc, dict), line
        assert line == json.dumps(doc, separators=(",", ":"), ensure_ascii=False), line
        docs.append(doc)
    return docs


@dataclass
class Result:
    """Outcome of one aggregator run."""

    returncode: int
    stdout: str
    stderr: str
    elapsed: float

    @property
    def docs(self) -> list[dict[str, Any]]:
        """All output lines, decoded."""
        return parse_lines(self.stdout)

    @property
    def status(self) -> dict[str, Any]:
        """The last line (the status), checked to be the only non-progress line."""
        docs = self.docs
        assert docs, f"no output; stderr: {self.stderr}"
        assert all("progress" in d for d in docs[:-1]), self.stdout
        assert "progress" not in docs[-1]
        return docs[-1]

    @property
    def progress(self) -> list[dict[str, Any]]:
        """The progress lines."""
        return [d for d in self.docs if "progress" in d]


class ServoDir:
    """A servo directory (cwd of the aggregator) with ``adjust.d`` and a call record."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.drivers = root / "adjust.d"
        self.drivers.mkdir(parents=True)
        self.record = root / "record.txt"
        self.record.touch()

    def add(self, filename: str, text: str, mode: int = 0o755) -> Path:
        """Write a file into adjust.d with the given mode."""
        path = self.drivers / filename
        path.write_text(text)
        path.chmod(mode)
        return path

    def calls(self) -> list[str]:
        """Recorded driver calls, ``<file name> <args>``, in order."""
        return self.record.read_text().splitlines()

    def adjust_calls(self) -> list[str]:
        """File names of the drivers that were run in adjust mode."""
        return [c.split()[0] for c in self.calls() if not c.split()[1].startswith("--")]

    def received(self, filename: str) -> dict[str, Any]:
        """The adjust input a Python driver received."""
        return json.loads(Path(f"{self.record}.{filename}.json").read_text())

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for the aggregator."""
        return base_env(SERVO_TEST_RECORD=str(self.record), **extra)

    def run(
        self,
        *args: str,
        stdin: str | dict | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 30,
        **extra_env: str,
    ) -> Result:
        """Run the aggregator to completion."""
        if isinstance(stdin, dict):
            stdin = json.dumps(stdin)
        start = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", MODULE, *args],
            cwd=self.root,
            input="" if stdin is None else stdin,
            capture_output=True,
            text=True,
            env=env or self.env(**extra_env),
            timeout=timeout,
        )
        res = Result(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
        assert "Traceback" not in proc.stderr, proc.stderr
        return res

    def start(self, *args: str, stdin: str | dict, **extra_env: str) -> subprocess.Popen[str]:
        """Start the aggregator in the background, its stdin read from a file."""
        if isinstance(stdin, dict):
            stdin = json.dumps(stdin)
        request = self.root / "request.json"
        request.write_text(stdin)
        with open(request) as fh:
            return subprocess.Popen(
                [sys.executable, "-m", MODULE, *args],
                cwd=self.root,
                stdin=fh,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self.env(**extra_env),
            )
