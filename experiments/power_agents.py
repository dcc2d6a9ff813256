"""Power agents under one job budget on an imbalanced job (experiment (b)):
power_governor against power_balancer, and a Python agent (experiment (c)).

    python experiments/power_agents.py [--nodes 8] [--budget 100]
        [--config apps/imbalanced.json] [--out DIR [--plot]]

geopm-bridge bench runs on simulated nodes of the node model: each loop a
compute-bound dgemm, then a barrier where the nodes meet as MPI ranks do.
One node (sim0007) does 30% more work per loop, so the others wait for it at
the barrier every epoch. The nodes' compute load is 1.5 (``--load``): a
package would draw 210 W unlimited, so up to its 200 W maximum every watt
buys speed (at the model's default 0.8 a package at 3 GHz draws 126 W and
power above that buys nothing). Every agent gets the same budget per node:

* power_governor: every node's package power capped at the budget, so the
  slow node runs as slowly as a capped node runs and the others wait;
* power_balancer (built in, GEOPM's): the nodes that wait give up power
  they do not need (their limit is lowered until their work, not counting
  the wait, takes as long as the slow node's), and the slack goes to the
  slow node, which then runs faster: the epochs, and the job, are shorter
  under the same budget, and the waiting nodes spend less energy;
* power_split (the Python example agent): the job budget shared by what
  each node draws against its cap, moved a part of the way every control
  period. At load 1.5 every node draws its cap even while it waits, so it
  moves nothing and runs as power_governor does; at ``--load 0.8`` the
  waiting nodes draw less than their cap and it settles within a few
  periods, finishing sooner than the balancer, whose rounds take several
  epochs each (docs/experiments.md has both tables).

The epoch time over the second half of the epochs shows where each agent
settles, without its first steps.
"""

from __future__ import annotations

import sys

from runner import Config, bench_job, compare, experiment_parser


def main() -> int:
    parser = experiment_parser(__doc__, nodes=8, config="imbalanced.json")
    parser.add_argument("--budget", type=float, default=100.0, help="power per node, W (100)")
    parser.add_argument(
        "--load", type=float, default=1.5, help="node model's compute load (1.5: see above)"
    )
    opts = parser.parse_args()

    def config(agent: str, policy: dict[str, float]) -> Config:
        return bench_job(opts, agent, policy, {"load": opts.load})

    configs = [
        config("power_governor", {"CPU_POWER_LIMIT": opts.budget}),
        config("power_balancer", {"CPU_POWER_LIMIT": opts.budget}),
        config("power_split", {"POWER_BUDGET": opts.budget * opts.nodes}),
    ]
    return compare(parser, opts, configs)


if __name__ == "__main__":
    sys.exit(main())
