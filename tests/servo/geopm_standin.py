"""A controller stand-in that follows the endpoint file protocol (docs/endpoint.md).

Run as a real process by the GEOPM driver tests::

    python geopm_standin.py PREFIX --agent NAME --policy NAME[=VALUE] ... [--never-apply]

It publishes ``PREFIX.sample`` (atomic replace) every 20 ms with the agent,
``running: true``, the policy in force (NaN as null, as the controller
writes it; ``--nan-as-string`` writes ``"NAN"`` instead) and ``policy_seq``
(null until a policy was accepted).  It reads ``PREFIX.policy`` whenever the
file changes and, like the controller, ignores (with a line on stderr)
documents naming unknown policy names.  With ``--never-apply`` it never
reads the policy file.  Every accepted seq is appended to ``PREFIX.accepted``.
On SIGTERM it publishes a last sample with ``running: false`` and exits 0.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from typing import Any


def value_out(value: float, nan_as_string: bool) -> Any:
    if math.isnan(value):
        return "NAN" if nan_as_string else None
    return value


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("prefix")
    parser.add_argument("--agent", required=True)
    parser.add_argument("--policy", action="append", default=[], help="NAME or NAME=VALUE")
    parser.add_argument("--never-apply", action="store_true")
    parser.add_argument("--nan-as-string", action="store_true")
    opts = parser.parse_args()

    policy: dict[str, float] = {}
    for item in opts.policy:
        name, _, value = item.partition("=")
        policy[name] = float(value) if value else math.nan
    seq: int | None = None
    stop = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    sample_path = opts.prefix + ".sample"
    policy_path = opts.prefix + ".policy"

    def publish(running: bool) -> None:
        doc = {
            "agent": opts.agent,
            "timestamp": time.time(),
            "running": running,
            "sample": {"POWER": 100.0},
            "policy": {k: value_out(v, opts.nan_as_string) for k, v in policy.items()},
            "policy_seq": seq,
            "hosts": ["standin"],
        }
        tmp = sample_path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(doc, fh)
        os.replace(tmp, sample_path)

    last_stat = None
    while not stop:
        if not opts.never_apply:
            try:
                st = os.stat(policy_path)
                ident = (st.st_ino, st.st_size, st.st_mtime_ns)
            except FileNotFoundError:
                ident = None
            if ident is not None and ident != last_stat:
                last_stat = ident
                with open(policy_path) as fh:
                    doc = json.load(fh)
                values = doc["policy"]
                unknown = sorted(set(values) - set(policy))
                if unknown:
                    print(f"standin: ignoring policy with unknown names {unknown}", file=sys.stderr)
                else:
                    for name, value in values.items():
                        policy[name] = math.nan if value == "NAN" else float(value)
                    seq = doc["seq"]
                    with open(opts.prefix + ".accepted", "a") as fh:
                        fh.write(f"{seq}\n")
        publish(True)
        time.sleep(0.02)
    publish(False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
