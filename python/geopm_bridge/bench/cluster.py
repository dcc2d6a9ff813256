"""The simulated nodes' MPI: the benches of one controller's simulated nodes meet.

On a real cluster geopmbench's network regions (barrier, reduce, all2all)
are collectives: a node that finished its compute early waits there for the
slowest, and that wait is what a power balancer turns into power for the
slow node. The controller starts one bench per simulated node, with
``GEOPM_BRIDGE_NODE_INDEX`` and ``GEOPM_BRIDGE_NODE_COUNT``; they meet in a
barrier over a small owner-only file in /dev/shm named by their controller
(whose pid leads every node's profiling key, so the next controller's
clean-up removes one a dead controller left).

The file holds one slot per node, three int64 each: the bench's pid, the
barriers it reached, and 1 once it finished. A node waits until every other
one reached as many barriers, finished, or died (so an instance that fails
cannot hang the others); one that never starts is waited for at most
``START_TIMEOUT`` seconds.
"""

from __future__ import annotations

import mmap
import os
import time
from collections.abc import Mapping

import numpy as np

POLL_SECONDS = 0.001
"""Between two looks at the other nodes while waiting."""

START_TIMEOUT = 60.0
"""How long a node waits for another node's bench to start."""

_PID, _ARRIVED, _DONE = range(3)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SimulatedCluster:
    """This bench's place among the benches of its controller's simulated nodes."""

    def __init__(self, controller: int, index: int, count: int) -> None:
        self.controller = controller
        self.index = index
        self.count = count
        self.path = f"/dev/shm/geopm-bridge-{os.getuid()}-{controller}-cluster"
        size = 3 * 8 * count
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Every node grows it to the same size: no node's slot is lost.
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            self._map = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        # Aligned int64 elements: each store and load is one instruction.
        self._slots = np.frombuffer(self._map, dtype=np.int64).reshape(count, 3)
        self._arrived = 0
        self._started = time.monotonic()
        self._slots[index, _PID] = os.getpid()

    def _has_passed(self, peer: int) -> bool:
        pid, arrived, done = (int(value) for value in self._slots[peer])
        if done or arrived >= self._arrived:
            return True
        if pid == 0:
            return time.monotonic() - self._started > START_TIMEOUT
        return not _is_alive(pid)

    def barrier(self) -> None:
        """Wait until every other live node reached this barrier."""
        self._arrived += 1
        self._slots[self.index, _ARRIVED] = self._arrived
        waiting = [peer for peer in range(self.count) if peer != self.index]
        while waiting:
            waiting = [peer for peer in waiting if not self._has_passed(peer)]
            if waiting:
                if not _is_alive(self.controller):
                    return
                time.sleep(POLL_SECONDS)

    def close(self) -> None:
        """Say this node finished; the last one removes the file."""
        self._slots[self.index, _DONE] = 1
        is_last = bool(np.all(self._slots[:, _DONE] == 1))
        del self._slots
        self._map.close()
        if is_last:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


def find_cluster(env: Mapping[str, str]) -> SimulatedCluster | None:
    """This bench's simulated cluster, when its controller runs several simulated nodes."""
    index = env.get("GEOPM_BRIDGE_NODE_INDEX", "")
    count = env.get("GEOPM_BRIDGE_NODE_COUNT", "")
    key = env.get("GEOPM_BRIDGE_PROFILE_KEY", "")
    controller = key.split(".", 1)[0]
    if not (index.isdigit() and count.isdigit() and controller.isdigit()):
        return None
    if int(count) < 2 or int(index) >= int(count):
        return None
    return SimulatedCluster(int(controller), int(index), int(count))
