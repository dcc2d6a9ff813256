"""``geopm-bridge write``: geopmwrite (list, describe or write controls), and
``--config FILE``, several writes at once."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass

from .. import GeopmError, PlatformIO, PlatformTopo
from . import platform_options
from .errors import ArgumentParser, UsageError

# A controls file is small; a bigger one is no controls file.
_MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class _Write:
    """One write, checked: the control, its domain and index, the value."""

    name: str
    domain: int
    index: int
    value: float


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge write",
        # "--node" would be --node-model taking the signal's name for its value.
        allow_abbrev=False,
        usage="geopm-bridge write [OPTIONS] [CONTROL DOMAIN INDEX VALUE | --config FILE]",
        description="geopmwrite's command line and output: with no arguments, the control "
        "names one per line; with CONTROL DOMAIN INDEX VALUE, write it (VALUE in SI units; a "
        "domain above the control's sets every one inside it). On the node model, whose "
        "controls live only as long as this process, a write is refused.",
    )
    parser.add_argument(
        "args",
        nargs="*",
        metavar="CONTROL DOMAIN INDEX VALUE",
        help="the control, a domain, its index, the value",
    )
    platform_options.add_options(parser, "control")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="(ours) write every control FILE lists, one 'CONTROL DOMAIN INDEX VALUE' per "
        "line ('#' starts a comment), all checked before the first write and all put back "
        "if one write fails",
    )
    return parser


def _value(text: str) -> float:
    """VALUE as strtod reads it (decimal, exponent, 0x hexadecimal), finite."""
    try:
        value = float(int(text, 16)) if text.lower().startswith(("0x", "-0x")) else float(text)
    except ValueError:
        raise UsageError(f"value {text!r} is not a number") from None
    if not math.isfinite(value):
        raise UsageError(f"value {text!r} is not a finite number")
    return value


def _check(words: list[str], controls: platform_options.Quantities, topo: PlatformTopo) -> _Write:
    name, domain_text, index_text, value_text = words
    platform_options.check_name(name, controls)
    domain, index = platform_options.domain_and_index(topo, domain_text, index_text)
    return _Write(name, domain, index, _value(value_text))


def _config_writes(
    path: str, controls: platform_options.Quantities, topo: PlatformTopo
) -> list[_Write]:
    """The writes a controls file lists, each checked; an error names the line."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(_MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read the controls file {path!r}: {error.strerror}") from None
    if len(data) > _MAX_CONFIG_BYTES:
        raise UsageError(f"the controls file {path!r} is over {_MAX_CONFIG_BYTES} bytes")
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise UsageError(f"the controls file {path!r} is not UTF-8 text") from None
    writes = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        try:
            if len(words) != 4:
                raise UsageError(f"{len(words)} words, not CONTROL DOMAIN INDEX VALUE")
            writes.append(_check(words, controls, topo))
        except UsageError as error:
            raise UsageError(f"{path}:{number}: {error}") from None
    if not writes:
        raise UsageError(f"the controls file {path!r} lists no control")
    return writes


def _write_all(pio: PlatformIO, writes: list[_Write]) -> None:
    """Write each one. Several: when one fails, every control is put back as it
    was (one alone is written as geopmwrite does, without a save of them all,
    which may need more rights than the write)."""
    if len(writes) == 1:
        write = writes[0]
        pio.write_control(write.name, write.domain, write.index, write.value)
        return
    pio.save_control()
    try:
        for write in writes:
            pio.write_control(write.name, write.domain, write.index, write.value)
    except GeopmError:
        pio.restore_control()
        raise


def main(args: list[str]) -> int:
    """Run ``geopm-bridge write``."""
    opts = _parser().parse_args(platform_options.node_model_as_flag(args))
    platform = platform_options.open_platform(opts)
    if platform is None:
        return 0
    pio, topo = platform
    controls = platform_options.Quantities(
        kind="control",
        command="write",
        names=sorted(pio.control_names()),
        other_names=pio.signal_names(),
        domain_of=pio.control_domain_type,
        description_of=pio.control_description,
    )
    if opts.config is not None:
        if opts.args or opts.show_domain or opts.info or opts.info_all:
            raise UsageError("--config takes no other option or argument")
        writes = _config_writes(opts.config, controls, topo)
    elif platform_options.answer_query(opts, controls, topo):
        return 0
    elif len(opts.args) != 4:
        raise UsageError(
            "write needs CONTROL DOMAIN INDEX VALUE (e.g. geopm-bridge write "
            f"CPU_POWER_LIMIT_CONTROL package 0 150), not {len(opts.args)} "
            f"argument{'s' if len(opts.args) != 1 else ''}"
        )
    else:
        writes = [_check(opts.args, controls, topo)]
    if platform_options.is_node_model():
        raise UsageError(
            "the node model's controls live only as long as the process that writes them, "
            "so a write from the command line would be lost at once: write them from Python "
            "(geopm_bridge.platform_io().write_control()) or in a job (launch --node-model)"
        )
    _write_all(pio, writes)
    return 0
