"""Frequency agents on the model application: what slowing the memory-bound
region buys (experiment (a): monitor vs frequency_map; (c): a Python agent).

    python experiments/frequency_agents.py [--nodes 4] [--low 1.5e9]
        [--config apps/compute_memory.json] [--out DIR [--plot]]

geopm-bridge bench runs geopmbench's configuration on simulated nodes of
the node model: a compute-bound dgemm, a memory-bound stream and an
all2all each loop. Three agents run it:

* monitor: every region at the highest frequency;
* frequency_map (built in, GEOPM's): the stream region's hash mapped to
  ``--low``, the rest at the highest frequency;
* region_frequency (the Python example agent): ``--low`` in every region
  whose hint says the cores wait (memory, network, ...), found at run
  time from the hint, with no map to write.

On the node model stream's time grows little at a lower frequency while
its power falls with the cube of it (docs/bench.md): both frequency agents
save energy for a few percent of runtime.
"""

from __future__ import annotations

import sys

from geopm_bridge.profile import region_hash
from runner import Config, bench_job, compare, experiment_parser


def main() -> int:
    parser = experiment_parser(__doc__, nodes=4, config="compute_memory.json")
    parser.add_argument("--low", type=float, default=1.5e9, help="memory-bound frequency, Hz")
    opts = parser.parse_args()
    high = 3.0e9  # the node model's freq_max (its default)

    def config(agent: str, policy: dict[str, float] | None = None) -> Config:
        return bench_job(opts, agent, policy)

    configs = [
        config("monitor"),
        config(
            "frequency_map",
            {"FREQ_CPU_DEFAULT": high, "HASH_0": float(region_hash("stream")), "FREQ_0": opts.low},
        ),
        config("region_frequency", {"FREQ_HIGH": high, "FREQ_LOW": opts.low}),
    ]
    return compare(parser, opts, configs)


if __name__ == "__main__":
    sys.exit(main())
