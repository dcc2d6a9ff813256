"""``geopm-bridge bench``: geopmbench's model application (GEOPM 3.1's configuration)."""

from __future__ import annotations

import argparse

from .errors import ArgumentParser, UsageError


def _parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="geopm-bridge bench",
        description="Run geopmbench's model application: each loop of CONFIG's regions is one "
        "epoch, each region marked with its hint. Under the node model the regions' durations "
        "follow the simulated frequency instead of burning CPU (docs/bench.md). Without CONFIG: "
        'geopmbench\'s default, {"loop-count": 10, "region": ["sleep", "stream", "dgemm", '
        '"stream", "all2all"], "big-o": [1.0, 1.0, 1.0, 1.0, 1.0]}.',
    )
    parser.add_argument("config", nargs="?", metavar="CONFIG", help="geopmbench JSON file")
    parser.add_argument(
        "--verbose", action="store_true", help="print each region and iteration as it runs (rank 0)"
    )
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on error")
    return parser


def main(args: list[str]) -> int:
    """Run ``geopm-bridge bench``."""
    from ..bench import ConfigError, default_config, load_config, run

    opts = _parser().parse_args(args)
    try:
        config = default_config() if opts.config is None else load_config(opts.config)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    return run(config, verbose=opts.verbose)
