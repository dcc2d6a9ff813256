"""What the harness's simulated node offers: the node model's signals, controls and topology.

The catalog is read once per node-model parameter string from the real
runtime, in a child process started with ``GEOPM_BRIDGE_NODE_MODEL`` (the
test's own process keeps its node: one process holds one node context),
so the harness's platform has exactly the names, native domains,
aggregations and topology a ``launch --node-model`` job would have.
Low-level names (``NODE_MODEL::CPU_POWER``) are left out: agents use the
high-level ones. On the native backend, which has no node model, the child
reads the installed GEOPM's platform on this machine instead.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Catalog", "Quantity", "node_model_catalog"]


@dataclass(frozen=True)
class Quantity:
    """A signal or control: its native domain, its aggregation (a GEOPM Agg
    name) and, for a signal, its value at each native domain index when the
    catalog was read."""

    domain: int
    agg: str
    values: tuple[float, ...] = ()


@dataclass(frozen=True)
class Catalog:
    """A node's signals, controls and topology."""

    signals: Mapping[str, Quantity]
    controls: Mapping[str, Quantity]
    num_domain: tuple[int, ...]
    """How many domains of each type (indexed by DOMAIN_*)."""
    nested: Mapping[tuple[int, int, int], tuple[int, ...]]
    """(inner, outer, outer_idx) -> the inner indices inside that outer domain."""
    cpu_domain: Mapping[tuple[int, int], int]
    """(domain, cpu) -> the index of the domain holding that Linux CPU."""


# Run in the child: reads the node model's platform and prints it as JSON.
_READER = r"""
import json, math
import geopm_bridge as g
pio, topo = g.platform_io(), g.platform_topo()
counts = [topo.num_domain(d) for d in range(g.NUM_DOMAIN)]
def read(name, domain, idx):
    try:
        return pio.read_signal(name, domain, idx)
    except g.GeopmError:
        return math.nan
signals = {}
for name in pio.signal_names():
    if "::" in name:
        continue
    domain = pio.signal_domain_type(name)
    signals[name] = [domain, pio.agg_function(name),
                     [read(name, domain, idx) for idx in range(counts[domain])]]
controls = {name: [pio.control_domain_type(name), pio.agg_function(name)]
            for name in pio.control_names() if "::" not in name}
nested = []
for outer in range(g.NUM_DOMAIN):
    for inner in range(g.NUM_DOMAIN):
        if counts[inner] and counts[outer] and topo.is_nested_domain(inner, outer):
            for idx in range(counts[outer]):
                nested.append([inner, outer, idx, topo.domain_nested(inner, outer, idx)])
cpu_domain = [[d, cpu, topo.domain_idx(d, cpu)] for d in range(g.NUM_DOMAIN) if counts[d]
              for cpu in range(counts[g.DOMAIN_CPU])]
print(json.dumps({"signals": signals, "controls": controls, "counts": counts,
                  "nested": nested, "cpu_domain": cpu_domain}).replace("NaN", "null"))
"""


@functools.lru_cache(maxsize=8)
def node_model_catalog(node_model: str = "1") -> Catalog:
    """The catalog of a node with the node model on (``node_model``: its
    parameters, as ``--node-model=`` takes them, e.g. ``"gpus=4"``).

    Raises RuntimeError with the child's error when the parameters are bad.
    """
    env = dict(os.environ, GEOPM_BRIDGE_NODE_MODEL=node_model)
    done = subprocess.run(
        [sys.executable, "-c", _READER], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(
            f"geopm_bridge.testing: cannot read the node model {node_model!r}: "
            f"{lines[-1] if lines else done.returncode}"
        )
    data = json.loads(done.stdout)

    def number(value: float | None) -> float:
        return float("nan") if value is None else float(value)

    return Catalog(
        signals={
            name: Quantity(int(domain), str(agg), tuple(number(v) for v in values))
            for name, (domain, agg, values) in data["signals"].items()
        },
        controls={
            name: Quantity(int(domain), str(agg))
            for name, (domain, agg) in data["controls"].items()
        },
        num_domain=tuple(int(count) for count in data["counts"]),
        nested={
            (int(inner), int(outer), int(idx)): tuple(int(i) for i in indices)
            for inner, outer, idx, indices in data["nested"]
        },
        cpu_domain={(int(d), int(cpu)): int(idx) for d, cpu, idx in data["cpu_domain"]},
    )
