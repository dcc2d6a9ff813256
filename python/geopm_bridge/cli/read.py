"""``geopm-bridge read``: geopmread (list, describe or read signals), and our
``--table`` of signals and controls."""

from __future__ import annotations

import argparse

from .. import PlatformIO, PlatformTopo
from . import platform_options
from .errors import ArgumentParser, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge read",
        # "--node" would be --node-model taking the signal's name for its value.
        allow_abbrev=False,
        usage="geopm-bridge read [OPTIONS] [SIGNAL DOMAIN INDEX]",
        description="geopmread's command line and output: with no arguments, the signal "
        "names one per line; with SIGNAL DOMAIN INDEX, read it once (in SI units, formatted "
        "as GEOPM formats that signal).",
    )
    parser.add_argument(
        "args", nargs="*", metavar="SIGNAL DOMAIN INDEX", help="the signal, a domain, its index"
    )
    platform_options.add_options(parser, "signal")
    parser.add_argument(
        "--table",
        action="store_true",
        help="(ours) every signal and control with its domain and the first line of its "
        "description",
    )
    return parser


def _table(pio: PlatformIO, topo: PlatformTopo) -> str:
    lines = []
    for kind, names, domain_of, describe in (
        ("signal", pio.signal_names(), pio.signal_domain_type, pio.signal_description),
        ("control", pio.control_names(), pio.control_domain_type, pio.control_description),
    ):
        lines.append(f"{kind.upper()}S")
        for name in sorted(names):
            domain = topo.domain_type_to_name(domain_of(name))
            lines.append(f"  {name:<40} {domain:<8} {_summary(describe(name))}")
    return "".join(f"{line}\n" for line in lines)


def _summary(description: str) -> str:
    """The first line of a GEOPM-style description, without its "description:" label."""
    lines = description.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first.removeprefix("description:").strip()


def main(args: list[str]) -> int:
    """Run ``geopm-bridge read``."""
    opts = _parser().parse_args(platform_options.node_model_as_flag(args))
    platform = platform_options.open_platform(opts)
    if platform is None:
        return 0
    pio, topo = platform
    if opts.table:
        if opts.args or opts.show_domain or opts.info or opts.info_all:
            raise UsageError("--table takes no other option or argument")
        print(_table(pio, topo), end="")
        return 0
    signals = platform_options.Quantities(
        kind="signal",
        command="read",
        names=sorted(pio.signal_names()),
        other_names=pio.control_names(),
        domain_of=pio.signal_domain_type,
        description_of=pio.signal_description,
    )
    if platform_options.answer_query(opts, signals, topo):
        return 0
    if len(opts.args) != 3:
        raise UsageError(
            "read needs SIGNAL DOMAIN INDEX (e.g. geopm-bridge read TIME board 0), "
            f"not {len(opts.args)} argument{'s' if len(opts.args) != 1 else ''}"
        )
    name, domain_text, index_text = opts.args
    platform_options.check_name(name, signals)
    domain, index = platform_options.domain_and_index(topo, domain_text, index_text)
    value = pio.read_signal(name, domain, index)
    print(pio.format_signal(name, value))
    return 0
