"""Cancel and terminate requests that reach an adjust driver as POSIX signals.

servo asks a driver to cancel with SIGUSR1 (only when its ``--info`` said
``has_cancel: true``) and to terminate with SIGTERM or SIGINT.  The handlers
here only record the request and wake whoever waits (see
:func:`geopm_servo.runner.run_driver`); the work stops at the next
:meth:`Interrupts.check` with :class:`Interrupted`.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from types import FrameType
from typing import Any

from geopm_servo.protocol import MAX_DOCUMENT_BYTES


class Interrupted(Exception):
    """Raised when a cancel (SIGUSR1) or terminate (SIGTERM, SIGINT) request stops the work.

    ``kind`` is ``"cancel"`` or ``"terminate"``; ``signum`` is the signal received.
    """

    def __init__(self, kind: str, signum: int) -> None:
        super().__init__(f"{kind} requested by {signal_name(signum)}")
        self.kind = kind
        self.signum = signum


def signal_name(signum: int) -> str:
    """Return the name of a signal number (``SIGTERM``), or ``signal N`` if unknown."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class Interrupts:
    """Record cancel and terminate requests arriving as signals.

    SIGUSR1 requests cancel; SIGTERM and SIGINT request termination.  The
    handlers only set flags and wake up the event loop of
    :func:`run_driver` through a self-pipe; :func:`run_driver` then acts on
    the child.  While :attr:`interruptible` is true the handlers raise
    :class:`Interrupted` right away instead, which is meant for blocking
    phases that have no child to look after (reading stdin).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)

    def __init__(self) -> None:
        self.cancel_signal: int | None = None
        self.terminate_signal: int | None = None
        self.interruptible = False
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        self._previous: dict[int, Any] = {}
        self._previous_wakeup: int | None = None
        self._parent: int | None = None
        self._stdout_poll: Any = None
        #: True once :meth:`check_peer` found that servo went away.
        self.peer_gone = False

    @property
    def wake_fd(self) -> int:
        """File descriptor that becomes readable whenever a signal arrives."""
        return self._read_fd

    @property
    def cancel(self) -> bool:
        """True once cancel was requested."""
        return self.cancel_signal is not None

    @property
    def terminate(self) -> bool:
        """True once termination was requested."""
        return self.terminate_signal is not None

    def install(self) -> None:
        """Install the signal handlers (must be called from the main thread)."""
        try:
            self._previous_wakeup = signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        except ValueError:  # not the main thread: the event loop's tick still notices
            self._previous_wakeup = None
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handler)
        self._parent = os.getppid()
        try:
            stdout_poll = select.poll()
            stdout_poll.register(sys.stdout.fileno(), 0)  # no events: only errors and hang-ups
            self._stdout_poll = stdout_poll
        except (AttributeError, OSError, ValueError):  # no poll(), or no real stdout
            self._stdout_poll = None

    def check_peer(self) -> None:
        """Record a terminate request (as SIGHUP) once servo has gone away: our
        parent process changed, or the reading end of our stdout was closed."""
        if self.peer_gone or self._parent is None:
            return
        gone = os.getppid() != self._parent
        if not gone and self._stdout_poll is not None:
            gone = any(
                ev & (select.POLLERR | select.POLLHUP) for _, ev in self._stdout_poll.poll(0)
            )
        if gone:
            self.peer_gone = True
            if self.terminate_signal is None:
                self.terminate_signal = signal.SIGHUP

    def restore(self) -> None:
        """Restore the signal handlers found by :meth:`install` and close the pipe."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
        if self._previous_wakeup is not None:
            signal.set_wakeup_fd(self._previous_wakeup)
            self._previous_wakeup = None
        for fd in (self._read_fd, self._write_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def drain(self) -> None:
        """Empty the wake-up pipe."""
        try:
            while os.read(self._read_fd, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def read_stdin(self) -> bytes:
        """All of standard input, read so that a signal (or one that came
        before) interrupts the read with :class:`Interrupted`."""
        self.interruptible = True
        try:
            self.check()
            # One byte past the limit, so that the parser can refuse it.
            return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
        finally:
            self.interruptible = False

    def check(self) -> None:
        """Raise :class:`Interrupted` if termination or cancel has been requested
        (servo going away counts as a terminate request, see :meth:`check_peer`)."""
        self.check_peer()
        if self.terminate_signal is not None:
            raise Interrupted("terminate", self.terminate_signal)
        if self.cancel_signal is not None:
            raise Interrupted("cancel", self.cancel_signal)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        del frame
        if signum == signal.SIGUSR1:
            if self.cancel_signal is None:
                self.cancel_signal = signum
        elif self.terminate_signal is None:
            self.terminate_signal = signum
        if self.interruptible:
            self.interruptible = False
            self.check()
