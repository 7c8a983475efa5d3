"""hypercorn, embedded: an ASGI server with HTTP/1.1 (h11) and HTTP/2 (h2),
run by :func:`framework.serving.serve` on its socket.

hypercorn keeps a single timer per connection, ``keep_alive_timeout``: it
runs whenever the connection has no request being served, from the moment
it is accepted until a request's headers are complete, and again after each
response. So a client that trickles its headers is closed when that timer
runs out, like one that sends nothing: ``header_timeout`` and
``idle_timeout`` both set it, and the shorter wins.

hypercorn has no connection limit: ``connection_limit`` is refused. Its
``read_timeout`` is left off: it would also close the connection of a
client waiting silently for a slow answer. On ``SIGTERM`` it stops
listening, closes idle connections, and gives requests in flight
``graceful_timeout`` seconds. The access log is hypercorn's, in gunicorn's
format.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing as t

from .stopping import STOP_SIGNALS, on_stop_signals, parent_gone

if t.TYPE_CHECKING:  # pragma: no cover
    import signal
    import socket

    from .limits import AsyncLimits

__all__ = ["run_hypercorn"]

#: How often a worker looks for its supervisor.
_PARENT_CHECK = 1.0


def run_hypercorn(
    app: t.Any,
    sock: socket.socket,
    limits: AsyncLimits,
    *,
    parent: int | None = None,
    stop_signals: tuple[signal.Signals, ...] = STOP_SIGNALS,
) -> None:
    """Serve the ASGI application ``app`` on ``sock`` with hypercorn until
    one of ``stop_signals`` (or its supervisor is gone), drain, and return.

    :param app: the ASGI application (``app.asgi``).
    :param sock: a socket already listening; hypercorn takes it over.
    :param limits: the limits; see the module's description.
    :param parent: the pid of the supervisor, for a worker.
    :param stop_signals: the signals that stop it; a second one stops it at
        once.
    """
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    config = Config()
    # hypercorn makes its socket object from the descriptor and closes it.
    config.bind = [f"fd://{sock.detach()}"]
    config.keep_alive_timeout = min(limits.header_timeout, limits.idle_timeout)
    config.graceful_timeout = limits.graceful_timeout
    config.accesslog = "-" if limits.access_log else None
    config.errorlog = "-"
    asyncio.run(_serve(serve, app, config, parent, stop_signals))


async def _serve(
    serve: t.Callable[..., t.Awaitable[None]],
    app: t.Any,
    config: t.Any,
    parent: int | None,
    stop_signals: tuple[signal.Signals, ...],
) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def drain() -> None:
        loop.call_soon_threadsafe(stopping.set)

    previous = on_stop_signals(drain, stop_signals)

    async def stop_requested() -> None:
        while not stopping.is_set():
            if parent_gone(parent):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), _PARENT_CHECK)

    try:
        await serve(app, config, shutdown_trigger=stop_requested, mode="asgi")
    finally:
        import signal

        for sig, handler in previous.items():
            signal.signal(sig, handler)
