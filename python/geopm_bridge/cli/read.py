"""``geopm-bridge read``: list signals and controls, describe or read one (like geopmread)."""

from __future__ import annotations

import argparse
import os

from .. import GeopmError, PlatformIO, PlatformTopo, platform_io, platform_topo
from .errors import UsageError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geopm-bridge read",
        description="With no arguments, list every signal and control with its domain and "
        "description. With NAME DOMAIN INDEX, read one signal once, as geopmread does.",
    )
    parser.add_argument("name", nargs="?", help="signal name")
    parser.add_argument("domain", nargs="?", help="domain name (board, package, core, cpu, ...)")
    parser.add_argument("index", nargs="?", help="domain index")
    parser.add_argument("-i", "--info", action="store_true", help="describe NAME")
    parser.add_argument(
        "-d",
        "--domain",
        dest="show_domains",
        action="store_true",
        help="list the domains of this platform and their counts",
    )
    parser.add_argument(
        "--node-model",
        nargs="?",
        const="1",
        metavar="KEY=VALUE,...",
        help="include the simulated node model (sets GEOPM_BRIDGE_NODE_MODEL)",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def _list(pio: PlatformIO, topo: PlatformTopo) -> None:
    for kind, names, domain_of, describe in (
        ("signal", pio.signal_names(), pio.signal_domain_type, pio.signal_description),
        ("control", pio.control_names(), pio.control_domain_type, pio.control_description),
    ):
        print(f"{kind.upper()}S")
        for name in sorted(names):
            domain = topo.domain_type_to_name(domain_of(name))
            print(f"  {name:<40} {domain:<8} {_summary(describe(name))}")


def _summary(description: str) -> str:
    """The first line of a GEOPM-style description, without its "description:" label."""
    lines = description.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first.removeprefix("description:").strip()


def main(args: list[str]) -> int:
    """Run ``geopm-bridge read``."""
    opts = _parser().parse_args(args)
    if opts.node_model:
        os.environ["GEOPM_BRIDGE_NODE_MODEL"] = opts.node_model

    pio = platform_io()
    topo = platform_topo()
    if opts.show_domains:
        for domain in range(topo.num_domain_types()):
            print(f"{topo.domain_type_to_name(domain):<28} {topo.num_domain(domain)}")
        return 0
    if opts.name is None:
        _list(pio, topo)
        return 0
    if opts.name not in pio.signal_names() and opts.name not in pio.control_names():
        raise UsageError(
            f"unknown signal or control {opts.name!r} (list them with: geopm-bridge read)"
        )
    if opts.info or opts.domain is None:
        is_signal = opts.name in pio.signal_names()
        describe = pio.signal_description if is_signal else pio.control_description
        domain_of = pio.signal_domain_type if is_signal else pio.control_domain_type
        print(f"{opts.name}:")
        print(f"    domain: {topo.domain_type_to_name(domain_of(opts.name))}")
        for line in describe(opts.name).strip().splitlines():
            print(f"    {line.strip()}")
        return 0
    if opts.index is None:
        raise UsageError("read needs NAME DOMAIN INDEX, e.g. geopm-bridge read TIME board 0")
    try:
        domain = topo.domain_name_to_type(opts.domain)
    except GeopmError:
        raise UsageError(f"unknown domain {opts.domain!r}") from None
    try:
        index = int(opts.index)
    except ValueError:
        raise UsageError(f"domain index {opts.index!r} is not an integer") from None
    value = pio.read_signal(opts.name, domain, index)
    print(pio.format_signal(opts.name, value))
    return 0
