"""A small profiled application for the experiments: ITERATIONS epochs, each
a compute, a memory and a network region of SECONDS of busy work (the node
model draws less power in memory and network regions).

    python phases.py [SECONDS [ITERATIONS]]

It runs for a fixed time whatever the frequency: it shows what an agent does
to power and energy, not to runtime.
"""

from __future__ import annotations

import sys
import time

from geopm_bridge import profile
from geopm_bridge.profile import RegionHint


def busy(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 0.2
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    regions = [
        profile.region("compute", RegionHint.COMPUTE),
        profile.region("memory", RegionHint.MEMORY),
        profile.region("network", RegionHint.NETWORK),
    ]
    for _ in range(iterations):
        profile.epoch()
        for region in regions:
            with region:
                busy(seconds)


if __name__ == "__main__":
    main()
