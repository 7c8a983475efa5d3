"""Worker processes for a server that runs in one process: fork several,
each serving the same listening socket, and look after them.

The kernel hands each new connection to one of the processes waiting on the
socket. A worker that dies is replaced. When the first workers exit with an error
as they start (an app that fails to load), the supervisor stops with their
status instead of restarting them forever; a later replacement that fails
as it starts is retried after a wait that doubles each time (up to 30 s),
while the other workers go on serving. On ``SIGTERM`` or ``SIGINT`` every
worker gets ``SIGTERM`` and drains; a second signal stops them at once.
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
#: The longest wait before replacing a worker that failed as it started.
_MAX_BACKOFF = 30.0
#: The signals that stop the workers.
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


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
        #: Whether a worker has run past its start: until then, workers
        #: failing as they start mean the app cannot.
        self.up = False
        self.signals = 0

    def spawn(self) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        # A signal between the fork and the worker's own handlers would run
        # the supervisor's in the worker: it waits, blocked, until then.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
            raise
        if pid == 0:  # pragma: no cover - runs in the worker; tests see it
            status = 1
            try:
                # The supervisor passes Ctrl+C on as SIGTERM: a worker taking
                # the terminal's SIGINT too would count two signals. A
                # SIGTERM that came meanwhile ends a worker not serving yet.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
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
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)

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
        #: When to start the next replacement of a worker that failed as it
        #: started, and how long the wait after the next such failure is.
        next_spawn, backoff = 0.0, _START_GRACE
        owed = 0
        while not self.signals:
            time.sleep(_TICK)
            now = time.monotonic()
            if not self.up and any(
                now - t >= _START_GRACE for t in self.workers.values()
            ):
                self.up = True
            if owed and now >= next_spawn:
                owed -= 1
                self.spawn()
            while not self.signals and (ended := self.reap()) is not None:
                pid, status, age = ended
                failed_to_start = age < _START_GRACE and status != 0
                if failed_to_start and status > 0 and not self.up:
                    # The first workers cannot start: the app cannot load.
                    logger.error(
                        "Worker %d exited with status %d as it started: stopping",
                        pid,
                        status,
                    )
                    self.stop_all()
                    return status
                if failed_to_start:
                    # Replacing a worker that dies at once, over and over,
                    # would spin: wait longer each time, and keep serving
                    # with the workers that run.
                    logger.error(
                        "Worker %d exited with status %d as it started: another"
                        " in %g s",
                        pid,
                        status,
                        backoff,
                    )
                    next_spawn = time.monotonic() + backoff
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    owed += 1
                    continue
                backoff = _START_GRACE
                logger.warning(
                    "Worker %d exited with status %d: starting another", pid, status
                )
                self.spawn()
        # Stopping. A worker started as the signal came was not told yet.
        self.tell()
        self.on_stop()
        deadline = time.monotonic() + self.graceful_timeout + 5
        failed = False
        while self.workers and time.monotonic() < deadline:
            time.sleep(_TICK / 4)
            while (ended := self.reap()) is not None:
                pid, status, _ = ended
                # -SIGTERM: told before it had its own handler, so before it
                # served anything.
                if status not in (0, -signal.SIGTERM) and self.signals == 1:
                    failed = True
                    logger.error(
                        "Worker %d exited with status %d while it stopped: its"
                        " requests may be lost",
                        pid,
                        status,
                    )
        if self.workers:
            failed = True
            logger.error(
                "Killing %d worker(s) still running %g s after the stop",
                len(self.workers),
                self.graceful_timeout + 5,
            )
        self.stop_all()
        return 0 if self.signals == 1 and not failed else 1

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
