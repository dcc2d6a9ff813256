"""geopmbench's JSON configuration (GEOPM 3.1, ``geopmbench(1)``), read and checked.

The keys and their meaning are geopmbench's (libgeopm's ``ModelParse.cpp``)::

    {"loop-count": 10,
     "region": ["sleep", "stream", "dgemm-imbalance", "stream", "all2all"],
     "big-o": [1.0, 1.0, 1.0, 1.0, 1.0],
     "hostname": ["compute-node-3", "compute-node-15"],
     "imbalance": [0.05, 0.15]}

Like geopmbench, a missing key is an empty list (or 0 loops) and any other
key is an error. Stricter than geopmbench, every error is found before
anything runs: an unknown region kind, a negative big-o, loop-count or
imbalance (geopmbench checks an imbalance on its own host only), and a
non-finite number. Each error is one :class:`ConfigError` naming the key and
the file.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

# The region kinds, as ModelRegion::model_region() tells them apart: the
# name is the kind, or the kind followed by "-" and options.
KINDS = (
    "sleep",
    "spin",
    "dgemm",
    "stream",
    "all2all",
    "ignore",
    "scaling",
    "barrier",
    "reduce",
    "timed_scaling",
)

KEYS = ("loop-count", "region", "big-o", "hostname", "imbalance")


class ConfigError(Exception):
    """A configuration that cannot be run: one line naming the key and the file."""


@dataclass(frozen=True)
class RegionSpec:
    """One entry of ``"region"`` with its ``"big-o"``."""

    name: str
    """As written in the configuration (``"dgemm-imbalance"``)."""
    kind: str
    """One of :data:`KINDS`."""
    big_o: float
    do_imbalance: bool
    do_progress: bool
    do_unmarked: bool


@dataclass(frozen=True)
class BenchConfig:
    loop_count: int
    regions: tuple[RegionSpec, ...]
    hostnames: tuple[str, ...]
    imbalances: tuple[float, ...]
    path: str | None = None
    """The file it came from; None for geopmbench's default."""

    def imbalance_for(self, node_name: str | None, host_name: str) -> float:
        """The delay fraction of ``-imbalance`` regions on this node.

        An entry applies when it names the node (GEOPM_BRIDGE_NODE_NAME: a
        simulated node ``sim0003``, or ``<host>-rank<R>``) or the host; one
        naming the node wins over one naming the host; among equals the
        last, as in geopmbench. 0 when none applies.
        """
        by_node = by_host = None
        for host, fraction in zip(self.hostnames, self.imbalances, strict=True):
            if node_name is not None and host == node_name:
                by_node = fraction
            elif host == host_name:
                by_host = fraction
        found = by_node if by_node is not None else by_host
        return 0.0 if found is None else found


def region_spec(name: str, big_o: float) -> RegionSpec | None:
    """The spec of one region name, None for an unknown kind."""
    for kind in KINDS:
        if name == kind or name.startswith(kind + "-"):
            do_unmarked = "-unmarked" in name
            return RegionSpec(
                name=name,
                kind=kind,
                big_o=big_o,
                do_imbalance="-imbalance" in name,
                # Unmarked regions report no progress (ModelRegion).
                do_progress="-progress" in name and not do_unmarked,
                do_unmarked=do_unmarked,
            )
    return None


def default_config() -> BenchConfig:
    """geopmbench's configuration when it is given none (geopmbench_main.cpp)."""
    names = ("sleep", "stream", "dgemm", "stream", "all2all")
    regions = tuple(region_spec(name, 1.0) for name in names)
    return BenchConfig(10, regions, (), (), None)  # type: ignore[arg-type]


def _is_number(value: object) -> bool:
    # JSON true/false are no numbers (Python's bool is an int).
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load_config(path: str) -> BenchConfig:
    """Read and check the configuration file ``path``; raises :class:`ConfigError`."""

    def fail(what: str) -> ConfigError:
        return ConfigError(f"bench config {path}: {what}")

    try:
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise fail(f"cannot read the file: {reason}") from None
    try:
        root = json.loads(text, parse_constant=lambda name: float(name))
    except json.JSONDecodeError as error:
        raise fail(
            f"not valid JSON: {error.msg} (line {error.lineno} column {error.colno})"
        ) from None
    if not isinstance(root, dict):
        raise fail(f"expected a JSON object with keys {', '.join(KEYS)}, got {type(root).__name__}")

    for key in root:
        if key not in KEYS:
            raise fail(f'unknown key "{key}" (known keys: {", ".join(KEYS)})')

    def array(key: str, is_item: object, item_kind: str) -> list[object]:
        value = root.get(key, [])
        if not isinstance(value, list):
            raise fail(f'"{key}" must be an array of {item_kind}s, got {json.dumps(value)}')
        for idx, item in enumerate(value):
            if not is_item(item):  # type: ignore[operator]
                raise fail(f'"{key}"[{idx}] must be a {item_kind}, got {json.dumps(item)}')
        return value

    def numbers(key: str) -> list[float]:
        values = [float(item) for item in array(key, _is_number, "number")]  # type: ignore[arg-type]
        for idx, value in enumerate(values):
            if not math.isfinite(value) or value < 0:
                raise fail(f'"{key}"[{idx}] is {value!r}: it must be a finite number >= 0')
        return values

    loop_count = root.get("loop-count", 0)
    if not _is_number(loop_count) or not math.isfinite(loop_count) or loop_count != int(loop_count):
        raise fail(f'"loop-count" must be an integer, got {json.dumps(loop_count)}')
    if loop_count < 0:
        raise fail(f'"loop-count" is {int(loop_count)}: it must be at least 0')

    names = [str(name) for name in array("region", lambda item: isinstance(item, str), "string")]
    big_o = numbers("big-o")
    hostnames = [
        str(host) for host in array("hostname", lambda item: isinstance(item, str), "string")
    ]
    imbalances = numbers("imbalance")
    if len(names) != len(big_o):
        raise fail(
            f'array length mismatch: "region" has {len(names)} entries, "big-o" has {len(big_o)}'
        )
    if len(hostnames) != len(imbalances):
        raise fail(
            f'array length mismatch: "hostname" has {len(hostnames)} entries, '
            f'"imbalance" has {len(imbalances)}'
        )
    regions = []
    for idx, (name, size) in enumerate(zip(names, big_o, strict=True)):
        spec = region_spec(name, size)
        if spec is None:
            raise fail(
                f'"region"[{idx}] is "{name}": unknown region kind (known: {", ".join(KINDS)}, '
                "optionally followed by -imbalance, -progress, -unmarked)"
            )
        regions.append(spec)
    return BenchConfig(int(loop_count), tuple(regions), tuple(hostnames), tuple(imbalances), path)
