"""geopmbench's model regions: what each kind does, on real hardware or on the node model.

Each kind as in GEOPM 3.1 (libgeopm's ``*ModelRegion.cpp``): its region
name in the report, its hint, what big-o means, and, on the node model, how
its speed follows the simulated frequency (docs/bench.md has the table).
A region's work is split into ``num_progress_updates`` chunks (1, or with
``-progress`` 100 per big-o and at least 100); ``-imbalance`` delays each
chunk by the node's fraction of the chunk's time; ``-unmarked`` leaves the
region unmarked.
"""

from __future__ import annotations

import glob
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import profile
from ..profile import RegionHint
from .cluster import SimulatedCluster
from .config import RegionSpec
from .model import NodeModelView

# Speeds on the node model: how fast a region's work goes at frequency f
# against the reference frequency (the model's sticker frequency).
COMPUTE = "compute"  # f / f_ref: the cores' arithmetic
MEMORY = "memory"  # 1 / (m + (1 - m) * f_ref / f): mostly waiting on DRAM
FIXED = "fixed"  # 1: time-bound (sleep, timed spin) or network

MEMORY_FRACTION = 0.8
"""m: the share of a memory-bound region's time at f_ref that does not
scale with the core frequency."""

MODEL_STEP = 0.005
"""Seconds between two reads of the simulated frequency in a region."""

NETWORK_PAUSE = 100e-6
"""What geopmbench's MPI regions wait without MPI (GEOPMBENCH_NO_MPI)."""


def speed(kind: str, frequency: float, reference: float) -> float:
    """The rate at which work of ``kind`` (seconds at ``reference``) is done at ``frequency``."""
    if kind == FIXED or frequency <= 0 or reference <= 0:
        return 1.0
    if kind == COMPUTE:
        return frequency / reference
    return 1.0 / (MEMORY_FRACTION + (1.0 - MEMORY_FRACTION) * reference / frequency)


@dataclass
class Context:
    """What every region of one bench process shares."""

    model: NodeModelView | None
    """The node model, or None on real hardware."""
    comm: Any
    """mpi4py's COMM_WORLD when several ranks run, else None."""
    imbalance: float
    """This node's delay fraction for ``-imbalance`` regions."""
    verbose: bool
    cluster: SimulatedCluster | None = None
    """The other simulated nodes' benches, met in the network regions
    without MPI; None when not on several simulated nodes."""

    def meets_others(self) -> bool:
        """Whether network regions wait for other ranks or simulated nodes."""
        return self.comm is not None or self.cluster is not None


def num_progress_updates(spec: RegionSpec) -> int:
    """Chunks of a region (ModelRegion::num_progress_updates())."""
    if not spec.do_progress:
        return 1
    return int(100.0 * spec.big_o) if spec.big_o > 1.0 else 100


class ModelRegion:
    """One region of the configuration: set up once, run once per loop."""

    name = ""
    """The region's name in the report (geopmbench's, not the configuration's)."""
    hint = RegionHint.UNKNOWN
    rate = FIXED
    """How its work follows the simulated frequency."""

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        self.spec = spec
        self.context = context
        self.big_o = spec.big_o
        self.num_chunk = num_progress_updates(spec)
        self.region = None if spec.do_unmarked else profile.region(self.name, self.hint)
        if context.model is None:
            self.setup_hardware()

    # -- what a kind defines

    def setup_hardware(self) -> None:
        """Allocate and warm up for real work (not on the node model)."""

    def chunk_hardware(self, idx: int) -> None:
        """One chunk of real work."""

    def describe(self) -> str:
        return f"{self.big_o:g} big-o {self.name}"

    def chunk_seconds(self) -> float:
        """One chunk's work on the node model, in seconds at the reference frequency."""
        return self.big_o / self.num_chunk

    # -- the common loop (ModelRegion's region_enter/loop_enter/loop_exit)

    def run(self) -> None:
        if self.big_o == 0.0:
            return
        if self.context.verbose:
            print(f"Executing {self.describe()}.", flush=True)
        if self.region is not None:
            self.region.__enter__()
        try:
            if self.spec.do_progress:
                profile.tprof_init(self.num_chunk)
            for idx in range(self.num_chunk):
                start = time.monotonic()
                self.run_chunk(idx)
                if self.spec.do_imbalance and self.context.imbalance > 0:
                    self.delay((time.monotonic() - start) * self.context.imbalance)
                if self.spec.do_progress:
                    profile.tprof_post()
        finally:
            if self.region is not None:
                self.region.__exit__(None, None, None)

    def run_chunk(self, idx: int) -> None:
        if self.context.model is None:
            self.chunk_hardware(idx)
        else:
            self.advance(self.chunk_seconds())

    def delay(self, seconds: float) -> None:
        """geopm_imbalancer: a busy wait on hardware, a sleep on the model."""
        if self.context.model is None:
            spin(seconds)
        else:
            time.sleep(seconds)

    def advance(self, work: float) -> None:
        """Do ``work`` seconds (at the reference frequency) of this region's
        kind on the node model: sleep in steps, each progressing at the
        speed of the simulated frequency read at its start."""
        model = self.context.model
        assert model is not None
        if self.rate == FIXED:
            time.sleep(work)
            return
        reference = model.freq_sticker
        done = 0.0
        last = time.monotonic()
        while True:
            rate = speed(self.rate, model.frequency(), reference)
            remaining = (work - done) / rate
            if remaining <= 1e-6:
                return
            time.sleep(min(MODEL_STEP, remaining))
            now = time.monotonic()
            done += (now - last) * rate
            last = now


def spin(seconds: float, atom: Callable[[], None] | None = None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if atom is not None:
            atom()


def startup(name: str) -> Any:
    """The IGNORE region geopmbench marks around a kind's set-up."""
    return profile.region(name, RegionHint.IGNORE)


class SleepRegion(ModelRegion):
    """clock_nanosleep() for big-o seconds."""

    name = "sleep"

    def describe(self) -> str:
        return f"{self.big_o:g} second sleep"

    def chunk_hardware(self, idx: int) -> None:
        time.sleep(self.big_o / self.num_chunk)


class IgnoreRegion(SleepRegion):
    """A sleep agents are told to ignore."""

    name = "ignore"
    hint = RegionHint.IGNORE

    def describe(self) -> str:
        return f"ignored {self.big_o:g} second sleep"


class SpinRegion(ModelRegion):
    """A busy loop for big-o seconds: timed, so its time does not follow the frequency."""

    name = "spin"

    def describe(self) -> str:
        return f"{self.big_o:g} second spin"

    def chunk_hardware(self, idx: int) -> None:
        spin(self.big_o / self.num_chunk)


class DgemmRegion(ModelRegion):
    """A dense matrix multiply of 4e9 * big-o / chunks elements' cube root a side
    (8e9 * big-o floating-point operations), NumPy's (BLAS) matmul."""

    name = "dgemm"
    hint = RegionHint.COMPUTE
    rate = COMPUTE

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        self.size = int(math.pow(4e9 * spec.big_o / num_progress_updates(spec), 1.0 / 3.0))
        with startup("geopm_dgemm_model_region_startup"):
            super().__init__(spec, context)

    def setup_hardware(self) -> None:
        import numpy as np

        if self.big_o == 0.0:
            return
        count = self.size * self.size
        self.a = np.arange(count, dtype=np.float64).reshape(self.size, self.size) * 2.0
        self.b = np.arange(count, dtype=np.float64).reshape(self.size, self.size) * 3.0
        self.c = np.empty_like(self.a)
        for _ in range(4):  # geopmbench's warm-up
            self.chunk_hardware(0)

    def describe(self) -> str:
        return f"{self.size} x {self.size} DGEMM {self.num_chunk} times"

    def chunk_hardware(self, idx: int) -> None:
        import numpy as np

        np.matmul(self.a, self.b, out=self.c)


class StreamRegion(ModelRegion):
    """STREAM triad a = b + 3 c over 5e8 * big-o doubles (three arrays), in chunks."""

    name = "stream"
    hint = RegionHint.MEMORY
    rate = MEMORY

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        self.length = int(5e8 * spec.big_o)
        with startup("geopm_stream_model_region_startup"):
            super().__init__(spec, context)

    def setup_hardware(self) -> None:
        import numpy as np

        self.a = np.zeros(self.length)
        self.b = np.ones(self.length)
        self.c = np.full(self.length, 2.0)
        self.block = self.length // self.num_chunk

    def describe(self) -> str:
        return f"{self.length} array length stream triad"

    def chunk_hardware(self, idx: int) -> None:
        import numpy as np

        end = self.length if idx == self.num_chunk - 1 else (idx + 1) * self.block
        part = slice(idx * self.block, end)
        np.multiply(self.c[part], 3.0, out=self.a[part])
        np.add(self.a[part], self.b[part], out=self.a[part])


def llc_size() -> int:
    """The last-level cache of CPU 0 in bytes, from sysfs (ScalingModelRegion)."""
    size = 0
    for path in sorted(
        glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"),
        key=lambda text: int(text.split("index")[1].split("/")[0]),
    ):
        with open(path) as stream:
            text = stream.read().strip()
        digits = text.rstrip("KMG")
        scale = {"K": 1024, "M": 1048576, "G": 1 << 30}.get(text[len(digits) :], 1)
        size = int(digits) * scale
    if size == 0:
        raise RuntimeError("scaling region: no cache size in /sys/devices/system/cpu/cpu0/cache")
    return size


class ScalingKernel:
    """Three arrays sized to fill the last-level cache (shared by the ranks
    of a node) and ScalingModelRegion's atom a0 += a1 + 3 a2."""

    def __init__(self, ranks_per_node: int) -> None:
        import numpy as np

        length = max(8, (llc_size() // max(1, ranks_per_node) - 320) // 24)
        self.arrays = [np.zeros(length), np.ones(length), np.full(length, 2.0)]
        self.scratch = np.empty(length)

    def atom(self) -> None:
        import numpy as np

        a0, a1, a2 = self.arrays
        np.multiply(a2, 3.0, out=self.scratch)
        self.scratch += a1
        a0 += self.scratch

    def atom_seconds(self) -> float:
        """The median time of one atom (after a warm-up), as geopmbench calibrates."""
        for _ in range(20):
            self.atom()
        trials = []
        for _ in range(11):
            start = time.perf_counter()
            for _ in range(10):
                self.atom()
            trials.append((time.perf_counter() - start) / 10)
        return sorted(trials)[len(trials) // 2]


def ranks_per_node(comm: Any) -> int:
    if comm is None:
        return 1
    from mpi4py import MPI

    shared = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return int(shared.Get_size())
    finally:
        shared.Free()


class ScalingRegion(ModelRegion):
    """A fixed number of LLC-resident arithmetic atoms, calibrated at set-up to
    take big-o seconds: its time follows the core frequency (GEOPM hints it
    MEMORY; its data never leaves the cache)."""

    name = "scaling"
    hint = RegionHint.MEMORY
    rate = COMPUTE

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        # Its chunks are its atoms; on the node model, big-o seconds in one.
        self.num_atom = 1
        with startup("geopm_scaling_model_region_startup"):
            super().__init__(spec, context)
        if context.model is None:
            self.num_chunk = self.num_atom

    def setup_hardware(self) -> None:
        self.kernel = ScalingKernel(ranks_per_node(self.context.comm))
        self.num_atom = max(1, int(self.big_o / self.kernel.atom_seconds()))

    def describe(self) -> str:
        return f"scaling triad {self.num_chunk} times"

    def chunk_hardware(self, idx: int) -> None:
        self.kernel.atom()

    def chunk_seconds(self) -> float:
        return self.big_o / self.num_chunk


class TimedScalingRegion(SpinRegion):
    """A spin of big-o seconds made of scaling atoms. GEOPM builds it on its
    spin region: it reports as "spin"."""

    def setup_hardware(self) -> None:
        with startup("geopm_scaling_model_region_startup"):
            self.kernel = ScalingKernel(ranks_per_node(self.context.comm))

    def chunk_hardware(self, idx: int) -> None:
        spin(self.big_o / self.num_chunk, self.kernel.atom)


def mpi_region(name: str) -> Any:
    """A region as GEOPM's PMPI layer marks an MPI call: named after it, NETWORK."""
    return profile.region(name, RegionHint.NETWORK)


class All2allRegion(ModelRegion):
    """MPI_Alltoall of 1 MB (10 MB in one chunk) per rank, repeated for big-o
    seconds (rank 0's clock, broadcast). Without MPI: big-o seconds of
    waiting (geopmbench without MPI waits 100 us; the duration is kept so
    the region's share of the loop stays that of a cluster)."""

    name = "all2all"

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        super().__init__(spec, context)
        self.num_send = 1048576 if self.num_chunk > 1 else 10485760
        if context.comm is not None:
            import numpy as np

            size = context.comm.Get_size() * self.num_send
            self.send = (np.arange(size) % 256).astype(np.uint8)
            self.recv = np.empty_like(self.send)

    def describe(self) -> str:
        return f"{self.num_send} byte buffer all2all {self.num_chunk} times"

    def run(self) -> None:
        if self.big_o != 0.0:
            if self.context.comm is not None:
                with mpi_region("MPI_Barrier"):
                    self.context.comm.Barrier()
            elif self.context.cluster is not None:
                with mpi_region("MPI_Barrier"):
                    self.context.cluster.barrier()
        super().run()

    def run_chunk(self, idx: int) -> None:
        comm = self.context.comm
        seconds = self.big_o / self.num_chunk
        if comm is None:
            time.sleep(seconds)
            return
        import numpy as np
        from mpi4py import MPI

        start = time.monotonic()
        done = np.zeros(1, dtype=np.int32)
        while not done[0]:
            with mpi_region("MPI_Alltoall"):
                comm.Alltoall([self.send, MPI.BYTE], [self.recv, MPI.BYTE])
            if comm.Get_rank() == 0 and time.monotonic() - start > seconds:
                done[0] = 1
            with mpi_region("MPI_Bcast"):
                comm.Bcast([done, MPI.INT], root=0)


class BarrierRegion(ModelRegion):
    """MPI_Barrier; big-o has no effect. GEOPM marks no region of its own:
    its PMPI layer shows the call as "MPI_Barrier" (NETWORK), as here.
    Without MPI: a 100 us wait, unmarked."""

    name = "MPI_Barrier"
    hint = RegionHint.NETWORK
    verbose_name = "barrier"

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        self.spec = spec
        self.context = context
        self.big_o = spec.big_o
        self.region = mpi_region(self.name) if context.meets_others() else None

    def run(self) -> None:
        if self.context.verbose:
            print(f"Executing {self.verbose_name}", flush=True)
        if self.context.comm is not None:
            with self.region:  # type: ignore[union-attr]
                self.collective()
        elif self.context.cluster is not None:
            with self.region:  # type: ignore[union-attr]
                self.context.cluster.barrier()
        else:
            time.sleep(NETWORK_PAUSE)

    def collective(self) -> None:
        """The MPI call."""
        self.context.comm.Barrier()


class ReduceRegion(BarrierRegion):
    """MPI_Allreduce (sum) of 64 Mi doubles per big-o (geopmbench's buffer:
    512 MiB; its manual says 64 MiB), marked "MPI_Allreduce" (NETWORK) as
    GEOPM's PMPI layer would. Without MPI: a 100 us wait, unmarked."""

    name = "MPI_Allreduce"
    verbose_name = "reduce"

    def __init__(self, spec: RegionSpec, context: Context) -> None:
        super().__init__(spec, context)
        if context.comm is not None:
            import numpy as np

            count = int(67108864 * spec.big_o)
            self.send = np.ones(count)
            self.recv = np.zeros(count)

    def collective(self) -> None:
        from mpi4py import MPI

        self.context.comm.Allreduce(self.send, self.recv, op=MPI.SUM)


KIND_CLASSES: dict[str, type[ModelRegion]] = {
    "sleep": SleepRegion,
    "spin": SpinRegion,
    "dgemm": DgemmRegion,
    "stream": StreamRegion,
    "all2all": All2allRegion,
    "ignore": IgnoreRegion,
    "scaling": ScalingRegion,
    "barrier": BarrierRegion,
    "reduce": ReduceRegion,
    "timed_scaling": TimedScalingRegion,
}


def make_region(spec: RegionSpec, context: Context) -> ModelRegion:
    return KIND_CLASSES[spec.kind](spec, context)
