"""``geopm-bridge plot``: draw a run's traces (power, its limit, frequency, region per node)."""

from __future__ import annotations

import argparse
import re

from ..plot import OutputError, PlotUnavailable, plot_traces
from ..trace import TraceError, read_trace, region_names
from .errors import ArgumentParser, UsageError

_SIZE = re.compile(r"^(\d+)x(\d+)$")


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge plot",
        usage="geopm-bridge plot TRACE... -o FILE.png [--report REPORT] [--size WxH]",
        description="Draw the traces of one run (--geopm-trace, one file per node): per node "
        "over time the CPU power and its limit, the CPU frequency and the region, one panel "
        "per quantity. Needs matplotlib (pip install 'geopm-bridge[plot]').",
    )
    parser.add_argument("traces", nargs="*", metavar="TRACE", help="trace files, one per node")
    parser.add_argument("-o", "--output", metavar="FILE", help="image to write (.png, .svg, .pdf)")
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="REPORT",
        help="the run's report (--geopm-report), to name the regions; may repeat",
    )
    parser.add_argument(
        "--size", default="1600x1000", metavar="WxH", help="image size in pixels (1600x1000)"
    )
    parser.add_argument("--title", help="the picture's title (default: agent and node count)")
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def main(args: list[str]) -> int:
    """Run ``geopm-bridge plot``."""
    opts = _parser().parse_args(args)
    if not opts.traces:
        raise UsageError("no trace file given: geopm-bridge plot TRACE... -o FILE.png")
    if not opts.output:
        raise UsageError("no output file given: add -o FILE.png")
    size = _SIZE.match(opts.size)
    if size is None or 0 in (int(size[1]), int(size[2])):
        raise UsageError(f"--size {opts.size!r}: give WIDTHxHEIGHT in pixels, e.g. 1600x1000")
    try:
        traces = [read_trace(path) for path in opts.traces]
        names = region_names(opts.report)
        plot_traces(
            traces,
            opts.output,
            region_names=names,
            title=opts.title,
            size=(int(size[1]), int(size[2])),
        )
    except (TraceError, OutputError) as error:
        raise UsageError(str(error)) from None
    except PlotUnavailable as error:
        raise RuntimeError(str(error)) from None
    print(f"wrote {opts.output}")
    return 0
