"""A watchdog that ends every process of the aggregator's drivers when the aggregator dies.

Each driver runs in a session (and process group) of its own and is killed
by the kernel when the aggregator dies (``PR_SET_PDEATHSIG``), but the
kernel does nothing for the processes a driver started.  :class:`Guard`
forks a small watchdog process, in a session of its own and deaf to the
signals servo sends, that learns each driver's process group through a
pipe.  When the pipe's write end closes, because the aggregator exited or
was killed (even by SIGKILL), the watchdog sends SIGKILL to every process
group still registered and exits.
"""

from __future__ import annotations

import os
import signal

#: Signals the watchdog ignores: it ends only when the aggregator's pipe closes (or by SIGKILL).
_IGNORED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGPIPE)


class Guard:
    """The watchdog of one aggregator process; start it before the first driver."""

    def __init__(self) -> None:
        self._write_fd: int | None = None
        self.pid: int | None = None

    @property
    def running(self) -> bool:
        """True while the watchdog has been started and not closed."""
        return self._write_fd is not None

    def start(self) -> None:
        """Fork the watchdog (a no-op when it runs already, or when it cannot be
        forked: the kernel's PDEATHSIG still ends the drivers themselves)."""
        if self._write_fd is not None:
            return
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the watchdog: never returns
            code = 0
            try:
                _watch(read_fd)
            except BaseException:  # noqa: BLE001 - a forked child must not unwind into its parent's code
                code = 1
            os._exit(code)
        os.close(read_fd)
        self._write_fd = write_fd
        self.pid = pid

    def add(self, pgid: int) -> None:
        """Register a driver's process group: it is killed should the aggregator die."""
        self._send(f"+{pgid}\n")

    def remove(self, pgid: int) -> None:
        """Forget a process group whose driver has been reaped and cleaned up after."""
        self._send(f"-{pgid}\n")

    def close(self) -> None:
        """Stop the watchdog (it kills the groups still registered) and reap it."""
        if self._write_fd is None:
            return
        os.close(self._write_fd)
        self._write_fd = None
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None

    def _send(self, line: str) -> None:
        if self._write_fd is None:
            return
        try:
            os.write(self._write_fd, line.encode("ascii"))
        except OSError:  # the watchdog is gone: the kernel's PDEATHSIG still covers the driver
            pass


def _watch(read_fd: int) -> None:
    """The watchdog's life: follow the registrations until EOF, then kill what is left."""
    os.setsid()  # out of the aggregator's process group: a signal to that group misses us
    for signum in _IGNORED:
        signal.signal(signum, signal.SIG_IGN)
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # hold none of servo's pipes open
        os.dup2(devnull, fd)
    os.closerange(3, read_fd)
    os.closerange(read_fd + 1, 65536)
    groups: set[int] = set()
    pending = b""
    while True:
        try:
            data = os.read(read_fd, 4096)
        except InterruptedError:
            continue
        if not data:
            break
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line[:1] == b"+":
                groups.add(int(line[1:]))
            elif line[:1] == b"-":
                groups.discard(int(line[1:]))
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
