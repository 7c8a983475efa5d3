"""How the ASGI servers :func:`framework.serving.serve` runs are stopped:
the first ``SIGTERM`` or ``SIGINT`` drains (the server stops listening and
lets requests in flight finish), a second one ends the process at once,
and a worker whose supervisor is gone drains on its own.

uvicorn and hypercorn each have their own signal handling, but neither
stops at once on a second ``SIGTERM``, and uvicorn raises the signal again
once it has drained, so that the process ends killed by it (status -15)
rather than with status 0. These helpers give every server the behaviour
of the waitress one.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from types import FrameType

__all__ = ["STOP_SIGNALS", "on_stop_signals", "parent_gone", "stop_at_once"]

logger = logging.getLogger("framework.serving")

#: The signals that stop a server running on its own.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_at_once() -> t.NoReturn:
    """End the process now with status 1: the operator asked twice. Threads
    still running the app's sync code would otherwise hold the interpreter
    open until they finish."""
    logger.warning("Stopping at once: a second signal came")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)


def on_stop_signals(
    drain: t.Callable[[], None],
    signals: tuple[signal.Signals, ...] = STOP_SIGNALS,
) -> dict[int, t.Any]:
    """Call ``drain`` on the first of ``signals``, and :func:`stop_at_once`
    on the next; return the handlers they replace. Does nothing (and
    returns ``{}``) outside the main thread, where signals can't be
    handled: the caller's own process stops the server then.

    :param drain: starts the graceful stop; called in the signal handler,
        so it must only set a flag or schedule work.
    :param signals: the signals to handle.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    received = 0

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        received += 1
        if received > 1:
            stop_at_once()
        drain()

    return {sig: signal.signal(sig, handle) for sig in signals}


def parent_gone(parent: int | None) -> bool:
    """Whether ``parent``, the supervisor of this worker, is gone (killed,
    out of memory): the worker then drains and stops rather than hold the
    port with no one to stop it. ``None``: not a worker, never gone."""
    if parent is None or os.getppid() == parent:
        return False
    logger.warning("The supervisor (pid %d) is gone: this worker stops", parent)
    return True
