"""Worker processes for a server that runs in one process: fork several,
each serving the same listening socket, and look after them.

The kernel hands each new connection to one of the processes waiting on the
socket. A worker that dies is replaced; one that exits with an error right
after it starts (an app that fails to load) stops them all instead of
being restarted forever. On ``SIGTERM`` or ``SIGINT`` every worker gets ``SIGTERM`` and
drains; a second signal stops them at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from types import FrameType

__all__ = ["supervise"]

logger = logging.getLogger("framework.serving")

#: A worker that exits sooner than this after it started did not start.
_START_GRACE = 2.0
#: How often the supervisor looks at its workers.
_TICK = 0.2


class _Supervisor:
    def __init__(
        self,
        work: t.Callable[[], int],
        graceful_timeout: float,
        on_stop: t.Callable[[], None],
    ) -> None:
        self.work = work
        self.on_stop = on_stop
        self.graceful_timeout = graceful_timeout
        #: The workers: pid -> when they started.
        self.workers: dict[int, float] = {}
        #: The workers told to stop.
        self.told: set[int] = set()
        self.signals = 0

    def spawn(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the worker; tests see it
            status = 1
            try:
                # The supervisor passes Ctrl+C on as SIGTERM: a worker taking
                # the terminal's SIGINT too would count two signals.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                status = self.work()
            except SystemExit as e:
                status = e.code if isinstance(e.code, int) else 1
            except BaseException:
                logger.exception("Worker %d failed", os.getpid())
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                # Not SystemExit: nothing of the supervisor's (atexit
                # handlers, the command line's cleanup) may run here.
                os._exit(status)
        self.workers[pid] = time.monotonic()

    def signalled(self, signum: int, frame: FrameType | None) -> None:
        self.signals += 1
        # A worker told twice stops at once.
        self.tell(again=self.signals > 1)

    def tell(self, *, again: bool = False) -> None:
        """Send SIGTERM to the workers not told yet; ``again``: to every
        worker."""
        for pid in self.workers:
            if again or pid not in self.told:
                self.told.add(pid)
                with contextlib.suppress(ProcessLookupError, ChildProcessError):
                    os.kill(pid, signal.SIGTERM)

    def reap(self) -> tuple[int, int, float] | None:
        """One worker that exited: its pid, status and age; ``None`` if none
        has. Only the workers are waited for: a child the app started in
        this process is the app's to wait for."""
        for pid, started in list(self.workers.items()):
            try:
                done, wait_status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, wait_status = pid, 0
            if done:
                del self.workers[pid]
                status = os.waitstatus_to_exitcode(wait_status)
                return pid, status, time.monotonic() - started
        return None

    def run(self, count: int) -> int:
        previous = {
            sig: signal.signal(sig, self.signalled)
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for _ in range(count):
                self.spawn()
            status = self.watch()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def watch(self) -> int:
        while not self.signals:
            time.sleep(_TICK)
            while not self.signals and (ended := self.reap()) is not None:
                pid, status, age = ended
                # Killed by a signal (a negative status), a worker is
                # replaced however young it was.
                if age < _START_GRACE and status > 0:
                    logger.error(
                        "Worker %d exited with status %d as it started: stopping",
                        pid,
                        status,
                    )
                    self.stop_all()
                    return status
                logger.warning(
                    "Worker %d exited with status %d: starting another", pid, status
                )
                self.spawn()
        # Stopping. A worker started as the signal came was not told yet.
        self.tell()
        self.on_stop()
        deadline = time.monotonic() + self.graceful_timeout + 5
        while self.workers and time.monotonic() < deadline:
            time.sleep(_TICK / 4)
            while self.reap() is not None:
                pass
        self.stop_all()
        return 0 if self.signals == 1 else 1

    def stop_all(self) -> None:
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.waitpid(pid, 0)
        self.workers.clear()


def supervise(
    count: int,
    work: t.Callable[[], int],
    *,
    graceful_timeout: float,
    on_stop: t.Callable[[], None] = lambda: None,
) -> int:
    """Fork ``count`` worker processes, each calling ``work`` and exiting
    with the status it returns; replace a worker that exits; stop them on
    ``SIGTERM`` or ``SIGINT``. Call it from the main thread of a process
    that holds the listening socket, after the socket is open.

    :param count: how many workers.
    :param work: what each worker does; returns its exit status.
    :param graceful_timeout: how long the workers may take to drain once
        stopped, before they are killed.
    :param on_stop: called once the workers are told to stop, for
        example to close this process's copy of the listening socket so
        that it closes when the last worker's does.
    :return: the status to exit with: 0 after a stop, 1 after a second
        signal, a worker's status when it failed to start.
    """
    return _Supervisor(work, graceful_timeout, on_stop).run(count)
