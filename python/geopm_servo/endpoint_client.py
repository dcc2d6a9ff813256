"""Client side of the controller's policy endpoint (``--geopm-endpoint=PREFIX``).

A running ``geopm-bridge`` controller started with an endpoint prefix
publishes ``PREFIX.sample`` and reads ``PREFIX.policy`` (docs/endpoint.md):

* ``PREFIX.sample`` (written by the controller, every control period):
  ``{"agent": NAME, "timestamp": T, "running": BOOL, "sample": {...},
  "policy": {NAME: VALUE},
  "policy_seq": N, "hosts": [...]}``; ``policy`` is the policy in force,
  ``policy_seq`` the sequence number of the last policy it accepted (null or
  -1 before any); a NaN value appears as null (``"NAN"`` is accepted too).
* ``PREFIX.policy`` (written by policy writers, atomically replaced):
  ``{"seq": N, "policy": {NAME: VALUE}}`` with NaN written as ``"NAN"``.

Only the standard library is used.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geopm_servo.protocol import ProtocolError, loads_json, read_document_file

#: Spellings of NaN the controller accepts in a policy document.
_NAN_STRINGS = ("NAN", "NaN", "nan")


def to_policy_value(raw: Any) -> float | None:
    """Decode one policy value of an endpoint file: a number, or NaN (null or ``"NAN"``).

    Returns None for anything else.
    """
    if raw is None or (isinstance(raw, str) and raw in _NAN_STRINGS):
        return math.nan
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    return None


def from_policy_value(value: float) -> float | str:
    """Encode one policy value for the policy file (NaN becomes ``"NAN"``)."""
    return "NAN" if math.isnan(value) else value


@dataclass(frozen=True)
class Sample:
    """The parts of ``PREFIX.sample`` a policy writer needs."""

    #: Name of the controller's agent.
    agent: str
    #: False once the job has ended (the last sample of a run).
    running: bool
    #: The policy in force, by name (NaN where no value is set).
    policy: dict[str, float]
    #: Sequence number of the last policy the controller accepted; -1 before any.
    policy_seq: int
    #: Wall-clock time (seconds since the epoch) the controller wrote the file; None if absent.
    timestamp: float | None = None
    #: The root agent's last sample, by name (NaN where it is null or not a number).
    values: dict[str, float] = field(default_factory=dict)


class Endpoint:
    """The two files of one endpoint prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.sample_path = prefix + ".sample"
        self.policy_path = prefix + ".policy"

    def read_sample(self) -> Sample:
        """Read and check ``PREFIX.sample``.

        Raises :class:`ProtocolError` with reason ``endpoint-not-found`` when
        the file does not exist and ``bad-endpoint`` when it cannot be read
        or does not have the documented shape.
        """
        path = self.sample_path
        try:
            doc = loads_json(read_document_file(path, "it", follow_links=False), "it")
        except FileNotFoundError:
            raise ProtocolError(
                f"endpoint sample file {path} not found: is a controller running with "
                f"--geopm-endpoint={self.prefix}?",
                reason="endpoint-not-found",
            ) from None
        except ValueError as exc:
            raise _bad_endpoint(path, str(exc)) from None
        except OSError as exc:
            raise _bad_endpoint(path, f"cannot read it: {exc}") from None
        if not isinstance(doc, dict):
            raise _bad_endpoint(path, "not a JSON object")
        agent = doc.get("agent")
        if not isinstance(agent, str):
            raise _bad_endpoint(path, "'agent' is missing or not a string")
        running = doc.get("running")
        if not isinstance(running, bool):
            raise _bad_endpoint(path, "'running' is missing or not true/false")
        raw_policy = doc.get("policy")
        if not isinstance(raw_policy, dict):
            raise _bad_endpoint(path, "'policy' is missing or not an object")
        policy = {}
        for name, raw in raw_policy.items():
            value = to_policy_value(raw)
            if value is None:
                raise _bad_endpoint(path, f"policy value {name}={raw!r} is not a number")
            policy[name] = value
        seq = doc.get("policy_seq")
        if seq is None:
            seq = -1
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise _bad_endpoint(path, "'policy_seq' is not an integer")
        stamp = doc.get("timestamp")
        timestamp = None
        if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) and math.isfinite(stamp):
            timestamp = float(stamp)
        raw_values = doc.get("sample")
        values = {}
        if isinstance(raw_values, dict):
            for name, raw in raw_values.items():
                value = to_policy_value(raw)
                values[str(name)] = math.nan if value is None else value
        return Sample(
            agent=agent,
            running=running,
            policy=policy,
            policy_seq=max(seq, -1),
            timestamp=timestamp,
            values=values,
        )

    def read_policy_file(self) -> tuple[int, dict[str, float]]:
        """Return ``(seq, policy)`` of the current ``PREFIX.policy``.

        A missing or unreadable file, or one in another shape, gives
        ``(-1, {})``; a bare policy object (no ``seq``) gives seq -1.  Values
        that are not numbers or NaN are left out.
        """
        try:
            doc = loads_json(
                read_document_file(self.policy_path, "policy file", follow_links=False),
                "policy file",
            )
        except (OSError, ValueError):
            return -1, {}
        if not isinstance(doc, dict):
            return -1, {}
        seq = doc.get("seq")
        if isinstance(doc.get("policy"), dict):
            doc = doc["policy"]
        else:
            seq = None
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            seq = -1
        policy = {}
        for name, raw in doc.items():
            value = to_policy_value(raw)
            if value is not None:
                policy[name] = value
        return seq, policy

    def write_policy(self, seq: int, policy: Mapping[str, float]) -> None:
        """Replace ``PREFIX.policy`` atomically with ``{"seq": seq, "policy": policy}``.

        The document is written to a temporary file in the same directory
        and renamed over the policy file, so the controller never reads a
        partial document.  Raises :class:`ProtocolError` (reason
        ``endpoint-write-failed``) naming the path when that fails.
        """
        doc = {"seq": seq, "policy": {name: from_policy_value(v) for name, v in policy.items()}}
        directory = os.path.dirname(os.path.abspath(self.policy_path))
        tmp_path = None
        try:
            fd, tmp_path = tempfile.mkstemp(
                dir=directory, prefix=os.path.basename(self.policy_path) + ".", suffix=".tmp"
            )
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
                fh.write("\n")
            os.chmod(tmp_path, 0o644)
            os.replace(tmp_path, self.policy_path)
        except OSError as exc:
            if tmp_path is not None:
                try:
                    os.unlink(tmp_path)
                except OSError:
                    pass
            raise ProtocolError(
                f"cannot write the endpoint policy file {self.policy_path}: {exc.strerror or exc}",
                reason="endpoint-write-failed",
            ) from None


def _bad_endpoint(path: str, problem: str) -> ProtocolError:
    return ProtocolError(f"endpoint sample file {path}: {problem}", reason="bad-endpoint")
