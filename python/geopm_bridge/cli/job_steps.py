"""A job under a launcher: the controller step and the application step (docs/launch.md).

The controllers start first; once rank 0 writes the ready line (every
node's controller has started) the application step starts. When it ends,
the controller step gets SIGUSR1, which the launcher forwards to every
controller: each ends as if its node's processes had all exited. SIGINT,
SIGTERM, SIGHUP and SIGQUIT to this process go to both steps' launchers,
which pass them on to their tasks; both are always waited for.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from types import FrameType
from typing import IO

from .errors import UsageError

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
# After the application step: how long the controllers may take to write
# the report before they are stopped, then killed.
_CONTROLLER_END_S = 60.0
_KILL_AFTER_S = 10.0
# The controllers usually end by themselves when their processes exit:
# SIGUSR1 only for those that did not (a process that never connected).
_NOTICE_AFTER_S = 2.0


class JobSteps:
    """The two steps of one job and the signals that reach them."""

    def __init__(self, ready_line: str) -> None:
        self._ready_line = ready_line
        self._ready = threading.Event()
        self._steps: list[subprocess.Popen[bytes]] = []
        self.stop_signal = 0

    def _forward(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stop_signal:
            self.stop_signal = signum
        for step in self._steps:
            if step.poll() is None:
                step.send_signal(signum)

    def _relay(self, stream: IO[bytes]) -> None:
        """Copy the controllers' output to ours, all but the ready line."""
        for line in stream:
            if (
                not self._ready.is_set()
                and line.decode(errors="replace").strip() == self._ready_line
            ):
                self._ready.set()
                continue
            try:
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
            except OSError:
                pass  # no reader: keep draining, the controllers must never block
        self._ready.set()  # the step ended: nothing more to wait for

    def run(
        self,
        controller: list[str],
        controller_env: Mapping[str, str],
        app: list[str],
        app_env: Mapping[str, str],
    ) -> int:
        """Run both steps; the application's exit code (128 + a signal that stopped the job)."""
        previous = {signum: signal.signal(signum, self._forward) for signum in _STOP_SIGNALS}
        try:
            return self._run(controller, controller_env, app, app_env)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _start(
        self, command: list[str], env: Mapping[str, str], is_controller: bool = False
    ) -> subprocess.Popen[bytes]:
        # The controllers' output comes through the relay; stdin is the
        # application's: the controllers' launcher must not read it.
        quiet = subprocess.DEVNULL if is_controller else None
        piped = subprocess.PIPE if is_controller else None
        try:
            step = subprocess.Popen(command, env=dict(env), stdin=quiet, stdout=piped)
        except OSError as error:
            raise UsageError(f"cannot run {command[0]}: {error.strerror}") from None
        self._steps.append(step)
        return step

    def _run(
        self,
        controller: list[str],
        controller_env: Mapping[str, str],
        app: list[str],
        app_env: Mapping[str, str],
    ) -> int:
        controllers = self._start(controller, controller_env, is_controller=True)
        assert controllers.stdout is not None
        relay = threading.Thread(target=self._relay, args=(controllers.stdout,), daemon=True)
        relay.start()
        while not self._ready.wait(0.05) and not self.stop_signal:
            pass
        started = controllers.poll() is None and not self.stop_signal
        app_code = 0
        if started:
            app_step = self._start(app, app_env)
            app_code = app_step.wait()
            try:
                controllers.wait(_NOTICE_AFTER_S)
            except subprocess.TimeoutExpired:
                if not self.stop_signal:
                    controllers.send_signal(signal.SIGUSR1)
        controller_code = _wait(controllers)
        relay.join()
        if self.stop_signal:
            return 128 + self.stop_signal
        if not started:
            raise RuntimeError(
                f"the controllers did not start ({controller[0]} exited with {controller_code})"
            )
        if app_code == 0 and controller_code != 0:
            raise RuntimeError(
                f"the application step ended well but the controller step failed "
                f"({controller[0]} exited with {controller_code})"
            )
        # A launcher reports a task killed by a signal its own way; a
        # launcher killed by one is 128 + it, as a shell says.
        return app_code if app_code >= 0 else 128 - app_code


def _wait(step: subprocess.Popen[bytes]) -> int:
    """Wait for step, stopping it when it outlives its bound."""
    for action, bound in (
        (None, _CONTROLLER_END_S),
        (step.terminate, _KILL_AFTER_S),
        (step.kill, None),
    ):
        if action is not None:
            action()
        try:
            return step.wait(bound)
        except subprocess.TimeoutExpired:
            continue
    return step.wait()
