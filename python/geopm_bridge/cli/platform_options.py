"""What ``read`` and ``write`` share, as geopmread and geopmwrite share it:
their options, the node-model switch, the domain table, a domain and index
from the command line; and the version lines (``agent``'s too)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass

from .. import (
    GeopmError,
    PlatformIO,
    PlatformTopo,
    __version__,
    geopm_version,
    platform_io,
    platform_topo,
)
from .errors import UsageError

NODE_MODEL_VARIABLE = "GEOPM_BRIDGE_NODE_MODEL"
_NODE_MODEL = "--node-model"


@dataclass(frozen=True)
class Quantities:
    """The signals (for read) or controls (for write) the queries list."""

    kind: str  # signal or control
    command: str  # the command that lists them: read or write
    names: list[str]
    other_names: list[str]  # the other kind's: to say what a wrong name is
    domain_of: Callable[[str], int]
    description_of: Callable[[str], str]


def add_options(parser: argparse.ArgumentParser, kind: str) -> None:
    """Add geopmread's (or geopmwrite's) options for a ``kind`` ("signal"
    or "control"), and ours: ``--node-model`` and ``--debug``."""
    parser.add_argument(
        "-d",
        "--domain",
        dest="show_domain",
        action="store_true",
        help=f"list the domains and their counts; with NAME, print the {kind}'s own domain",
    )
    parser.add_argument("-i", "--info", action="store_true", help=f"describe the {kind} NAME")
    parser.add_argument(
        "-I", "--info-all", action="store_true", help=f"describe every {kind}, one after another"
    )
    parser.add_argument(
        "-c",
        "--cache",
        action="store_true",
        help="accepted as geopmread's and geopmwrite's; does nothing: geopm-bridge reads the "
        "topology each time and keeps no cache",
    )
    parser.add_argument(
        "-v",
        "--version",
        action="store_true",
        help="print the GEOPM version this runtime follows, then geopm-bridge's",
    )
    parser.add_argument(
        _NODE_MODEL,
        metavar="KEY=VALUE,...",
        help="include the simulated node model (sets GEOPM_BRIDGE_NODE_MODEL); bare "
        "--node-model takes no value: give parameters as --node-model=KEY=VALUE,...",
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")


def open_platform(opts: argparse.Namespace) -> tuple[PlatformIO, PlatformTopo] | None:
    """What read and write do first: answer --version and --cache (None: the
    command is done), else apply --node-model and return the platform."""
    if opts.version:
        print(version_text(), end="")
        return None
    if opts.cache:
        return None
    apply_node_model(opts.node_model)
    return platform_io(), platform_topo()


def node_model_as_flag(args: list[str]) -> list[str]:
    """args with a bare ``--node-model`` made ``--node-model=1``, so that a
    parser never takes the word after it (a signal's name) for its value."""
    return [f"{_NODE_MODEL}=1" if arg == _NODE_MODEL else arg for arg in args]


def apply_node_model(value: str | None) -> None:
    """Turn the node model on for this process when ``--node-model`` was given."""
    if value is None:
        return
    if not value:
        raise UsageError("--node-model= needs KEY=VALUE,... (or no '=' at all)")
    os.environ[NODE_MODEL_VARIABLE] = value


def is_node_model() -> bool:
    """Whether this process's platform includes the node model."""
    return bool(os.environ.get(NODE_MODEL_VARIABLE))


def version_text() -> str:
    """The version lines: GEOPM's first, as geopmread prints it, then ours."""
    return f"{geopm_version()}\ngeopm-bridge {__version__}\n"


def domain_table(topo: PlatformTopo) -> str:
    """Every domain and how many this platform has, as geopmread -d prints them."""
    return "".join(
        f"{PlatformTopo.domain_type_to_name(domain):<28}{topo.num_domain(domain)}\n"
        for domain in range(PlatformTopo.num_domain_types())
    )


def domain_and_index(topo: PlatformTopo, domain_text: str, index_text: str) -> tuple[int, int]:
    """The domain type and index the command line names, checked against this platform."""
    try:
        domain = PlatformTopo.domain_name_to_type(domain_text)
    except GeopmError:
        names = ", ".join(
            PlatformTopo.domain_type_to_name(domain)
            for domain in range(PlatformTopo.num_domain_types())
        )
        raise UsageError(f"unknown domain {domain_text!r} (domains: {names})") from None
    try:
        index = int(index_text)
    except ValueError:
        raise UsageError(f"domain index {index_text!r} is not an integer") from None
    count = topo.num_domain(domain)
    if not 0 <= index < count:
        raise UsageError(
            f"{domain_text} index {index} is out of range: "
            + (f"indices 0 to {count - 1}" if count else f"this platform has no {domain_text}")
        )
    return domain, index


def describe(name: str, description: str) -> str:
    """A ``-i`` entry as geopmread prints it: the name and a colon, then the description."""
    return f"{name}:\n{description.rstrip()}\n"


def check_name(name: str, quantities: Quantities) -> None:
    """Refuse a name that is not one of ``quantities``, saying so when it is
    of the other kind (a signal given to write)."""
    if name in quantities.names:
        return
    kind, command = quantities.kind, quantities.command
    if name in quantities.other_names:
        other = "control" if kind == "signal" else "signal"
        raise UsageError(
            f"{name} is a {other}, not a {kind} (list the {kind}s: geopm-bridge {command})"
        )
    raise UsageError(f"unknown {kind} {name!r} (list them: geopm-bridge {command})")


def answer_query(opts: argparse.Namespace, quantities: Quantities, topo: PlatformTopo) -> bool:
    """Answer -d, -i, -I or no NAME as geopmread and geopmwrite do (printing
    the answer); False when the command line asks for the command's own work."""
    name = opts.args[0] if opts.args else None
    if (opts.show_domain or opts.info or opts.info_all) and len(opts.args) > 1:
        raise UsageError(f"too many arguments: {' '.join(opts.args[1:])}")
    if opts.show_domain and (opts.info or opts.info_all):
        raise UsageError("-d cannot be combined with -i or -I")
    if opts.info_all and name is not None:
        raise UsageError(f"-I takes no name (describe one {quantities.kind} with -i NAME)")
    if opts.show_domain:
        if name is None:
            print(domain_table(topo), end="")
        else:
            check_name(name, quantities)
            print(PlatformTopo.domain_type_to_name(quantities.domain_of(name)))
    elif opts.info:
        if name is None:
            raise UsageError(f"-i needs a {quantities.kind} name")
        check_name(name, quantities)
        print(describe(name, quantities.description_of(name)), end="")
    elif opts.info_all:
        for each in quantities.names:
            print(describe(each, quantities.description_of(each)), end="")
    elif name is None:
        print("".join(f"{each}\n" for each in quantities.names), end="")
    else:
        return False
    return True
