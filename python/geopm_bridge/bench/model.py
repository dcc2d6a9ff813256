"""The node model as the bench sees it: the simulated frequency of its package.

Under ``geopm-bridge launch --node-model`` (or GEOPM_BRIDGE_NODE_MODEL) the
controller's NODE_MODEL IOGroup publishes each simulated package's state in
a shared-memory segment for the application of its node, named by the
profiling key the controller gives the application
(``GEOPM_BRIDGE_PROFILE_KEY``): ``/dev/shm/geopm-bridge-<uid>-<key>-model``.

The layout is owned by ``NodeModelSegmentHeader`` and
``NodeModelSegmentPackage`` in cpp/src/iogroups/NodeModelIOGroup.hpp; this
reader follows it and refuses any other version. It reads with the
segment's sequence lock (retrying while the controller writes) and never
writes.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from collections.abc import Mapping

MAGIC = 0x474E4D42
VERSION = 1
# NodeModelSegmentHeader: magic, version, seq, num_package, num_cpu,
# is_closed, reserved, freq_min, freq_max, freq_sticker, update_ns, num_update.
HEADER = struct.Struct("<IIQIIIIdddqQ")
# NodeModelSegmentPackage: frequency, cpu_power, power_limit, activity.
PACKAGE = struct.Struct("<dddd")
CPU = struct.Struct("<i")
assert HEADER.size == 72 and PACKAGE.size == 32

# How long a bench that is told the model is on waits for its segment (the
# controller makes it before it starts the application; this covers a
# PlatformIO made late).
WAIT_SECONDS = 10.0


def segment_path(key: str) -> str:
    """The segment of the application with profiling key ``key``
    (``node_model_segment_name()`` in NodeModelIOGroup.cpp)."""
    return f"/dev/shm/geopm-bridge-{os.getuid()}-{key}-model"


def is_model_on(env: Mapping[str, str]) -> bool:
    """Whether GEOPM_BRIDGE_NODE_MODEL turns the node model on (as the IOGroup reads it)."""
    return env.get("GEOPM_BRIDGE_NODE_MODEL", "").strip() not in ("", "0")


class NotReady(Exception):
    """The segment is not there, or not complete yet."""


class NodeModelView:
    """One mapped segment: the frequency of the packages this process may run on."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._map = self._open(path)
        try:
            header = self._header()
        except NotReady:
            self._map.close()
            raise
        self.num_package = int(header[3])
        self.num_cpu = int(header[4])
        self.freq_min = float(header[7])
        self.freq_max = float(header[8])
        self.freq_sticker = float(header[9])
        cpu_base = HEADER.size + self.num_package * PACKAGE.size
        cpu_package = [
            CPU.unpack_from(self._map, cpu_base + cpu * CPU.size)[0] for cpu in range(self.num_cpu)
        ]
        # The packages of the CPUs this process may run on (its affinity);
        # all of them when that says nothing (a CPU the model does not know).
        mine = {cpu_package[cpu] for cpu in os.sched_getaffinity(0) if 0 <= cpu < self.num_cpu}
        self.packages = sorted(pkg for pkg in mine if 0 <= pkg < self.num_package) or list(
            range(self.num_package)
        )
        self._last = self.freq_sticker
        self._reopen_after = 0.0

    @staticmethod
    def _open(path: str) -> mmap.mmap:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError as error:
            raise NotReady(str(error)) from None
        try:
            info = os.fstat(fd)
            # Only this user's (the controller's) segment is trusted.
            if info.st_uid != os.getuid() or info.st_size < HEADER.size:
                raise NotReady(f"{path}: not a complete segment of this user")
            return mmap.mmap(fd, info.st_size, prot=mmap.PROT_READ)
        finally:
            os.close(fd)

    def _header(self) -> tuple[int | float, ...]:
        header = HEADER.unpack_from(self._map, 0)
        if header[0] != MAGIC:
            raise NotReady(f"{self.path}: not stamped yet")
        if header[1] != VERSION:
            raise RuntimeError(
                f"{self.path}: node model segment version {header[1]}, this bench reads "
                f"version {VERSION} (a geopm-bridge of another version made it)"
            )
        size = HEADER.size + header[3] * PACKAGE.size + header[4] * CPU.size
        if len(self._map) < size:
            raise NotReady(f"{self.path}: shorter than its layout")
        return header

    def close(self) -> None:
        self._map.close()

    def frequency(self) -> float:
        """The mean simulated frequency (Hz) of this process's packages now.

        When the controller's model is gone (a PlatformIO made again) the
        segment is looked for again, at most every 0.1 s; meanwhile the
        last frequency read stands.
        """
        for _ in range(100):
            seq, is_closed = struct.unpack_from("<Q", self._map, 8)[0], self._closed()
            if is_closed:
                self._reopen()
                return self._last
            if seq % 2:
                continue
            values = [
                PACKAGE.unpack_from(self._map, HEADER.size + pkg * PACKAGE.size)[0]
                for pkg in self.packages
            ]
            if struct.unpack_from("<Q", self._map, 8)[0] == seq:
                valid = [value for value in values if value > 0]
                if valid:
                    self._last = sum(valid) / len(valid)
                return self._last
        return self._last

    def _closed(self) -> bool:
        return bool(struct.unpack_from("<I", self._map, 24)[0])

    def _reopen(self) -> None:
        now = time.monotonic()
        if now < self._reopen_after:
            return
        self._reopen_after = now + 0.1
        try:
            fresh = NodeModelView(self.path)
        except NotReady:
            return
        self._map.close()
        self.__dict__.update(fresh.__dict__)


def find_node_model(env: Mapping[str, str]) -> NodeModelView | None:
    """The node model of the application's node, or None on real hardware.

    Under a controller (GEOPM_BRIDGE_PROFILE_KEY set) a segment that is
    there is used; when GEOPM_BRIDGE_NODE_MODEL says the model is on, the
    segment is waited for (:data:`WAIT_SECONDS`), and its absence is an
    error rather than a silent run on the real hardware.
    """
    key = env.get("GEOPM_BRIDGE_PROFILE_KEY", "")
    if not key:
        return None
    path = segment_path(key)
    deadline = time.monotonic() + (WAIT_SECONDS if is_model_on(env) else 0.0)
    while True:
        try:
            return NodeModelView(path)
        except NotReady as error:
            if time.monotonic() >= deadline:
                if is_model_on(env):
                    raise RuntimeError(
                        f"the node model is on (GEOPM_BRIDGE_NODE_MODEL) but its segment did "
                        f"not appear within {WAIT_SECONDS:g} s: {error}"
                    ) from None
                return None
        time.sleep(0.02)
