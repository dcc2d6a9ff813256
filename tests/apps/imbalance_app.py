"""An application with epochs whose work is imbalanced across nodes, for the
power_balancer tests: ``imbalance_app.py SECONDS EPOCH_SECONDS [SLOW_NODE
FACTOR]`` runs epochs of EPOCH_SECONDS (a sleep in a compute region) for
about SECONDS; on the node named SLOW_NODE (GEOPM_BRIDGE_NODE_NAME, as
``geopm-bridge launch --geopm-simulate-nodes`` names them) each epoch takes
FACTOR times as long, so that node holds the job back.  Time spent asleep does
not depend on the power limit: the durations are those of the node's work,
whatever the agent does."""

from __future__ import annotations

import os
import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint


def main(argv: list[str]) -> int:
    seconds = float(argv[1])
    epoch_seconds = float(argv[2])
    if len(argv) > 4 and os.environ.get("GEOPM_BRIDGE_NODE_NAME") == argv[3]:
        epoch_seconds *= float(argv[4])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        profile.epoch()
        with profile.region("work", RegionHint.COMPUTE):
            time.sleep(epoch_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
