"""Run an adjust driver as a child process and follow its output.

:func:`run_driver` starts one driver, feeds it its stdin, reads its stdout
line by line (every line must be a JSON object), collects its stderr, and
always reaps it.  It enforces an output timeout, forwards cancellation and
termination requests recorded by :class:`~geopm_servo.interrupts.Interrupts`, and escalates from
SIGTERM to SIGKILL when a driver does not go away.

Every child runs in a session (and process group) of its own, so that
signals reach the driver's own children too; when the driver has exited,
whatever it left in its process group is killed.  On Linux the driver is
killed by the kernel should the calling process die without cleaning up,
and a :class:`~geopm_servo.guard.Guard`, when given, kills the rest of its
process group then.
"""

from __future__ import annotations

import ctypes
import functools
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geopm_servo.guard import Guard
from geopm_servo.interrupts import Interrupts, signal_name
from geopm_servo.protocol import MAX_DOCUMENT_BYTES, loads_json

#: Seconds a driver gets to exit after SIGTERM before it is sent SIGKILL.
KILL_GRACE = 3.0
#: Seconds a driver that supports cancel gets to exit after SIGUSR1 before it is terminated.
CANCEL_GRACE = 10.0
#: Seconds to wait, once a driver has exited, for its leftover children to close its pipes.
EXIT_DRAIN = 1.0
#: Longest single wait in the event loop, so that exits are noticed without pipe activity.
_TICK = 0.25
#: At most this many bytes of a driver's stderr are kept (the most recent ones).
STDERR_LIMIT = 256 * 1024

_PR_SET_PDEATHSIG = 1


def _load_libc() -> Any:
    """Return the C library on Linux (for prctl), None elsewhere or when unavailable."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "prctl") else None
    except OSError:
        return None


_LIBC = _load_libc()


def _child_setup(parent_pid: int) -> None:
    """Runs in the child before exec: ask for SIGKILL when the parent dies."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent_pid:
        # The parent died between fork and prctl: nobody would reap us.
        os._exit(127)


@dataclass
class RunResult:
    """What happened to one driver run."""

    #: Exit status as in :attr:`subprocess.Popen.returncode` (negative: killed by that signal).
    returncode: int | None = None
    #: The last stdout line that is not a progress line, decoded (None if there was none).
    result: dict[str, Any] | None = None
    #: Number of progress lines seen.
    progress_lines: int = 0
    #: Raw stdout text, only kept when the run was not in JSON-lines mode.
    stdout: str = ""
    #: Everything (up to :data:`STDERR_LIMIT` bytes, the latest) the driver wrote to stderr.
    stderr: str = ""
    #: Set when the driver could not be started; the OS error text.
    spawn_error: str | None = None
    #: The first stdout line that was not a JSON object, if any (the driver was terminated).
    bad_output: str | None = None
    #: True when the driver was terminated for not writing a line in time.
    timed_out: bool = False
    #: ``"cancel"`` or ``"terminate"`` when a request of the caller stopped the driver.
    interrupted: str | None = None
    #: True when SIGUSR1 was forwarded to the driver.
    cancel_forwarded: bool = False
    #: True when SIGKILL had to be sent.
    killed: bool = False


ProgressCallback = Callable[[dict[str, Any]], None]


def run_driver(
    argv: Sequence[str],
    *,
    stdin_data: bytes | None = None,
    env: Mapping[str, str] | None = None,
    io_wait: float | None = None,
    interrupts: Interrupts | None = None,
    has_cancel: bool = False,
    on_progress: ProgressCallback | None = None,
    on_timeout: Callable[[], None] | None = None,
    kill_grace: float = KILL_GRACE,
    cancel_grace: float = CANCEL_GRACE,
    json_lines: bool = True,
    guard: Guard | None = None,
) -> RunResult:
    """Run one driver to completion and return what happened.

    ``stdin_data`` is written to the driver's stdin (which is closed after
    it; with None the driver reads from ``/dev/null``).  With ``json_lines``
    every stdout line must be a JSON object: progress lines are passed to
    ``on_progress``, the last other one becomes :attr:`RunResult.result`,
    and the first line that is not a JSON object gets the driver terminated.
    Without ``json_lines`` stdout is kept as text.

    ``io_wait`` (seconds, None for no limit) is the longest wait for each
    stdout line; when it runs out ``on_timeout`` is called and the driver is
    terminated.  Termination is SIGTERM to the driver's process group, then
    SIGKILL after ``kill_grace`` seconds.  When ``interrupts`` records a
    terminate request the driver is terminated; on a cancel request it is
    sent SIGUSR1 if ``has_cancel`` (and terminated if it has not exited
    ``cancel_grace`` seconds later), otherwise terminated.

    The child is always reaped, and its process group killed, before this
    function returns or raises; ``guard`` knows the group while it runs.
    """
    return _DriverRun(
        argv=list(argv),
        stdin_data=stdin_data,
        env=env,
        io_wait=io_wait,
        interrupts=interrupts,
        has_cancel=has_cancel,
        on_progress=on_progress,
        on_timeout=on_timeout,
        kill_grace=kill_grace,
        cancel_grace=cancel_grace,
        json_lines=json_lines,
        guard=guard,
    ).run()


class _DriverRun:
    """State of one :func:`run_driver` call."""

    def __init__(
        self,
        *,
        argv: list[str],
        stdin_data: bytes | None,
        env: Mapping[str, str] | None,
        io_wait: float | None,
        interrupts: Interrupts | None,
        has_cancel: bool,
        on_progress: ProgressCallback | None,
        on_timeout: Callable[[], None] | None,
        kill_grace: float,
        cancel_grace: float,
        json_lines: bool,
        guard: Guard | None,
    ) -> None:
        self.argv = argv
        self.guard = guard
        self.stdin_data = stdin_data
        self.env = None if env is None else dict(env)
        self.io_wait = io_wait
        self.interrupts = interrupts
        self.has_cancel = has_cancel
        self.on_progress = on_progress
        self.on_timeout = on_timeout
        self.kill_grace = kill_grace
        self.cancel_grace = cancel_grace
        self.json_lines = json_lines
        self.res = RunResult()
        self.proc: subprocess.Popen[bytes] | None = None
        self.stdout_buf = b""
        self.stdout_text: list[bytes] = []
        self.stderr_buf = bytearray()
        self.stdin_pos = 0
        self.terminating = False
        self.kill_at: float | None = None
        self.cancel_deadline: float | None = None
        self.exited_at: float | None = None
        self.pipes_closed_at: float | None = None
        self.deadline: float | None = None

    # -- process control ---------------------------------------------------

    def _signal_group(self, signum: int) -> None:
        """Send ``signum`` to the driver's process group (or the driver alone as a fallback)."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass
        except OSError:
            try:
                self.proc.send_signal(signum)
            except OSError:
                pass

    def _terminate(self, now: float) -> None:
        """Start terminating the driver: SIGTERM now, SIGKILL after the grace period."""
        if self.terminating:
            return
        self.terminating = True
        self._signal_group(signal.SIGTERM)
        self.kill_at = now + self.kill_grace

    def _kill(self) -> None:
        self.res.killed = True
        self._signal_group(signal.SIGKILL)
        self.kill_at = None

    def _check_interrupts(self, now: float) -> None:
        ints = self.interrupts
        if ints is None or self.proc is None:
            return
        ints.check_peer()
        if ints.terminate and self.res.interrupted != "terminate":
            self.res.interrupted = "terminate"
            self._terminate(now)
        elif ints.cancel and self.res.interrupted is None:
            self.res.interrupted = "cancel"
            if self.has_cancel and self.proc.poll() is None:
                try:
                    self.proc.send_signal(signal.SIGUSR1)
                    self.res.cancel_forwarded = True
                except OSError:
                    pass
                self.cancel_deadline = now + self.cancel_grace
            else:
                self._terminate(now)

    # -- output handling -----------------------------------------------------

    def _line(self, raw: bytes) -> None:
        if not self.json_lines:
            self.stdout_text.append(raw)
            return
        if self.res.bad_output is not None or self.res.timed_out:
            return  # the driver is being terminated, its output no longer counts
        text = raw.strip()
        if not text:
            return
        try:
            doc = loads_json(text, "output line")
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            self.res.bad_output = text.decode("utf-8", errors="replace")
            self._terminate(time.monotonic())
            return
        if "progress" in doc:
            self.res.progress_lines += 1
            if self.on_progress is not None and not self.terminating:
                self.on_progress(doc)
        else:
            self.res.result = doc

    def _stdout_data(self, data: bytes) -> None:
        self.stdout_buf += data
        while True:
            nl = self.stdout_buf.find(b"\n")
            if nl < 0:
                break
            line, self.stdout_buf = self.stdout_buf[:nl], self.stdout_buf[nl + 1 :]
            self._line(line)
            if self.io_wait is not None and not self.terminating:
                self.deadline = time.monotonic() + self.io_wait
        if self.json_lines and len(self.stdout_buf) > MAX_DOCUMENT_BYTES:
            # A line past the limit is no reply: stop keeping it.
            self.stdout_buf = b""
            if self.res.bad_output is None and not self.res.timed_out:
                self.res.bad_output = f"an output line longer than {MAX_DOCUMENT_BYTES} bytes"
                self._terminate(time.monotonic())

    def _stdout_eof(self) -> None:
        if self.stdout_buf:
            line, self.stdout_buf = self.stdout_buf, b""
            self._line(line)

    def _stderr_data(self, data: bytes) -> None:
        self.stderr_buf += data
        if len(self.stderr_buf) > STDERR_LIMIT:
            del self.stderr_buf[: len(self.stderr_buf) - STDERR_LIMIT]

    # -- main loop -------------------------------------------------------------

    def run(self) -> RunResult:
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE if self.stdin_data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.env,
                start_new_session=True,
                preexec_fn=functools.partial(_child_setup, os.getpid()),
            )
        except OSError as exc:
            self.res.spawn_error = exc.strerror or str(exc)
            return self.res
        if self.guard is not None:
            self.guard.add(self.proc.pid)
        try:
            self._loop()
        finally:
            self._cleanup()
        return self.res

    def _loop(self) -> None:
        proc = self.proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        sel = _make_selector()
        try:
            out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
            os.set_blocking(out_fd, False)
            os.set_blocking(err_fd, False)
            sel.register(out_fd, selectors.EVENT_READ, "out")
            sel.register(err_fd, selectors.EVENT_READ, "err")
            open_pipes = {out_fd, err_fd}
            in_fd: int | None = None
            if proc.stdin is not None:
                in_fd = proc.stdin.fileno()
                os.set_blocking(in_fd, False)
                sel.register(in_fd, selectors.EVENT_WRITE, "in")
            if self.interrupts is not None:
                sel.register(self.interrupts.wake_fd, selectors.EVENT_READ, "wake")
            now = time.monotonic()
            self.deadline = None if self.io_wait is None else now + self.io_wait

            while True:
                now = time.monotonic()
                self._check_interrupts(now)
                alive = proc.poll() is None
                if not alive and self.exited_at is None:
                    self.exited_at = now
                if not open_pipes:
                    if not alive:
                        break
                    if self.pipes_closed_at is None:
                        self.pipes_closed_at = now
                    elif now - self.pipes_closed_at >= self.kill_grace:
                        self._terminate(now)  # closed its output but does not exit
                elif not alive and self.exited_at is not None:
                    if now - self.exited_at >= EXIT_DRAIN:
                        # The driver is gone but something it started holds the pipes.
                        self._signal_group(signal.SIGKILL)
                        for fd in list(open_pipes):
                            sel.unregister(fd)
                        open_pipes.clear()
                        if self.json_lines:
                            self._stdout_eof()
                        break
                if self.deadline is not None and now >= self.deadline and not self.terminating:
                    self.res.timed_out = True
                    self.deadline = None
                    if self.on_timeout is not None:
                        self.on_timeout()
                    self._terminate(now)
                if self.cancel_deadline is not None and now >= self.cancel_deadline and alive:
                    self.cancel_deadline = None
                    self._terminate(now)
                if self.kill_at is not None and now >= self.kill_at:
                    if alive:
                        self._kill()
                    else:
                        self.kill_at = None

                wait = _TICK
                for t in (self.deadline, self.kill_at, self.cancel_deadline):
                    if t is not None:
                        wait = min(wait, max(t - now, 0.0))
                for key, _ in sel.select(wait):
                    what = key.data
                    if what == "wake":
                        assert self.interrupts is not None
                        self.interrupts.drain()
                    elif what == "in":
                        assert in_fd is not None and self.stdin_data is not None
                        done = self._write_stdin(in_fd)
                        if done:
                            sel.unregister(in_fd)
                            self._close_stdin()
                            in_fd = None
                    else:
                        fd = key.fd
                        try:
                            data = os.read(fd, 65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if data:
                            if what == "out":
                                self._stdout_data(data)
                            else:
                                self._stderr_data(data)
                        else:
                            sel.unregister(fd)
                            open_pipes.discard(fd)
                            if what == "out":
                                self._stdout_eof()
        finally:
            sel.close()

    def _write_stdin(self, fd: int) -> bool:
        """Write the next chunk of stdin; return True when done (or the driver closed it)."""
        data = self.stdin_data or b""
        if self.stdin_pos >= len(data):
            return True
        try:
            self.stdin_pos += os.write(fd, data[self.stdin_pos : self.stdin_pos + 65536])
        except BlockingIOError:
            return False
        except OSError:  # EPIPE: the driver does not read its stdin
            return True
        return self.stdin_pos >= len(data)

    def _close_stdin(self) -> None:
        assert self.proc is not None
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def _cleanup(self) -> None:
        """Make sure the child is dead and reaped, and its pipes closed."""
        proc = self.proc
        assert proc is not None
        if proc.poll() is None:
            self._kill()
        self._close_stdin()
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self.res.returncode = proc.wait()
        # What the driver left behind in its group goes with it (an empty group: ESRCH).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.guard is not None:
            self.guard.remove(proc.pid)
        self.res.stderr = self.stderr_buf.decode("utf-8", errors="replace")
        if not self.json_lines:
            self.res.stdout = b"\n".join(self.stdout_text).decode("utf-8", errors="replace")


def _make_selector() -> selectors.BaseSelector:
    """A selector that also works with regular files and without epoll quirks."""
    if hasattr(selectors, "PollSelector"):
        return selectors.PollSelector()
    return selectors.SelectSelector()


def describe_exit(returncode: int | None) -> str:
    """Describe an exit status: ``exited with code 3`` or ``killed by SIGKILL``."""
    if returncode is None:
        return "did not exit"
    if returncode < 0:
        return f"killed by {signal_name(-returncode)}"
    return f"exited with code {returncode}"
