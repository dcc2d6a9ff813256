"""``geopm-bridge bench``: geopmbench, GEOPM 3.1's model application, in Python.

It reads geopmbench's JSON configuration (:mod:`.config`), marks the same
regions with the same hints through :mod:`geopm_bridge.profile`, and runs
each loop of the configuration as one epoch. On real hardware it does real
work (NumPy's matmul for dgemm, a STREAM triad, busy loops, sleeps, and MPI
collectives through mpi4py when it runs as several MPI ranks). Under the
controller's node model it burns no CPU: each region's work advances, in
small sleeping steps, at the speed the simulated frequency of its package
allows (:mod:`.model`, :mod:`.regions`; docs/bench.md).
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from .config import BenchConfig, ConfigError, default_config, load_config

__all__ = ["BenchConfig", "ConfigError", "default_config", "load_config", "run"]

# The variables an MPI launcher gives each rank its world size in (as the
# controller's own launcher detection, cpp/src/tree/Launcher.cpp).
_MPI_SIZE_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")


_MPI_RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMI_RANK")


def _inherits_controllers_launch(env: Mapping[str, str]) -> bool:
    """Whether the launcher's variables are the controller's own.

    Under ``mpirun geopm-bridge launch -- geopm-bridge bench`` each rank's
    controller starts the bench, which inherits the rank's variables
    without being a rank: it must not start MPI. The controller's pid
    leads its profiling key (ProfileSource::new_key()).
    """
    key = env.get("GEOPM_BRIDGE_PROFILE_KEY", "")
    digits = key[: len(key) - len(key.lstrip("0123456789"))]
    if not digits:
        return False
    try:
        with open(f"/proc/{digits}/environ", "rb") as stream:
            entries = stream.read().decode(errors="replace").split("\0")
    except OSError:
        return False
    controller = dict(entry.split("=", 1) for entry in entries if "=" in entry)
    names = _MPI_SIZE_VARIABLES + _MPI_RANK_VARIABLES
    return all(controller.get(name) == env.get(name) for name in names)


def mpi_world(env: Mapping[str, str]) -> Any:
    """mpi4py's COMM_WORLD when this process is one of several MPI ranks, else None.

    MPI is started only when a launcher says the world has more than one
    rank (and GEOPMBENCH_NO_MPI, as for geopmbench, is not set), and not
    when those variables are the controller's (a controller rank's own
    bench); without mpi4py each rank runs alone, with a warning.
    """
    if "GEOPMBENCH_NO_MPI" in env:
        return None
    sizes = [env.get(name, "") for name in _MPI_SIZE_VARIABLES]
    if not any(size.isdigit() and int(size) > 1 for size in sizes):
        return None
    if _inherits_controllers_launch(env):
        return None
    try:
        from mpi4py import MPI
    except ImportError:
        print(
            "geopm-bridge bench: warning: launched as several MPI ranks but mpi4py is not "
            "installed (pip install geopm-bridge[mpi]): each rank runs alone",
            file=sys.stderr,
        )
        return None
    comm = MPI.COMM_WORLD
    return comm if comm.Get_size() > 1 else None


def run(
    config: BenchConfig,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the bench (geopmbench's main()); returns the exit code."""
    from .. import profile
    from .cluster import find_cluster
    from .model import find_node_model
    from .regions import Context, make_region

    env = os.environ if env is None else env
    out = sys.stdout if out is None else out
    comm = mpi_world(env)
    rank = 0 if comm is None else comm.Get_rank()
    model = find_node_model(env)
    imbalance = config.imbalance_for(env.get("GEOPM_BRIDGE_NODE_NAME"), socket.gethostname())
    # Simulated nodes meet in their network regions as MPI ranks would.
    cluster = find_cluster(env) if comm is None else None
    context = Context(model, comm, imbalance, verbose and rank == 0, cluster)

    # geopmbench marks its set-up, unless every region is unmarked.
    specs = config.regions
    do_markup_init = not (specs and all(spec.do_unmarked for spec in specs))
    init = profile.region("model-init", profile.RegionHint.UNKNOWN) if do_markup_init else None
    if init is not None:
        init.__enter__()
    try:
        regions = [make_region(spec, context) for spec in specs]
    finally:
        if init is not None:
            init.__exit__(None, None, None)
    # geopmbench sleeps 5 s here for its controller to attach; the
    # controller here finds the application's channels as they appear.
    if rank == 0:
        mode = "real hardware" if model is None else "node model"
        print(f"Beginning loop of {config.loop_count} iterations ({mode}).", file=out, flush=True)
    try:
        for idx in range(config.loop_count):
            profile.epoch()
            for region in regions:
                region.run()
            if rank == 0 and verbose:
                print(f"Iteration: {idx}", file=out, flush=True)
        if cluster is not None:
            # MPI_Finalize's wait: a node done early waits for the others
            # at the network's power, not at a compute region's.
            with profile.region("MPI_Barrier", profile.RegionHint.NETWORK):
                cluster.barrier()
    finally:
        if cluster is not None:
            cluster.close()
    if rank == 0:
        print("Completed loop.", file=out, flush=True)
    if model is not None:
        model.close()
    return 0
