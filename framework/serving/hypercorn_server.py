"""hypercorn, embedded: an ASGI server with HTTP/1.1 (h11) and HTTP/2 (h2),
run by :func:`framework.serving.serve` on its socket.

hypercorn keeps a single timer per connection, ``keep_alive_timeout``: it
runs whenever the connection has no request being served, from the moment
it is accepted until a request's headers are complete, and again after each
response. So a client that trickles its headers is closed when that timer
runs out, like one that sends nothing: ``header_timeout`` and
``idle_timeout`` both set it, and the shorter wins.

hypercorn has no connection limit of its own; this module adds one.
Each connection hypercorn accepts is served by its ``TCPServer``; a
subclass, put in place of hypercorn's for the process's one server, takes
a place among ``connection_limit`` before serving, and gives it back when
the connection closes. At the limit a new connection closes the
connections idle longest (a tenth of the limit at most; idle: no request
being read past its headers or answered, as hypercorn's own ``Updated``
events say), as waitress and our uvicorn do, so that silent connections
can't lock clients out; with none idle, it waits, accepted but unread,
for a place. That takes hypercorn's ``TCPServer`` class by its name in
``hypercorn.asyncio.run`` and its ``Updated`` events: the reason for the
pinned minor version in the ``hypercorn`` extra, and checked at start.

Its ``read_timeout`` is left off: it would also close the connection of a
client waiting silently for a slow answer. On ``SIGTERM`` it stops
listening, closes idle connections, and gives requests in flight
``graceful_timeout`` seconds. The access log is hypercorn's, in gunicorn's
format.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import typing as t

from .. import streams
from .limits import websocket_max_size
from .stopping import STOP_SIGNALS, on_stop_signals, parent_gone

if t.TYPE_CHECKING:  # pragma: no cover
    import signal
    import socket

    from .limits import AsyncLimits

__all__ = ["limited_connections", "run_hypercorn"]

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
    ws_limit = websocket_max_size(app)
    if ws_limit is not None:
        config.websocket_max_message_size = ws_limit
    config.accesslog = "-" if limits.access_log else None
    config.errorlog = "-"
    if limits.connection_limit is None:
        asyncio.run(_serve(serve, app, config, parent, stop_signals))
        return
    with limited_connections(limits.connection_limit):
        asyncio.run(_serve(serve, app, config, parent, stop_signals))


@contextlib.contextmanager
def limited_connections(limit: int) -> t.Iterator[None]:
    """While in the block, hypercorn's asyncio servers of this process
    serve at most ``limit`` connections at once, as the module's
    description says.

    :param limit: connections at once, 1 or more.
    :raises ~framework.serving.ServeError: when this hypercorn serves
        connections otherwise than through
        ``hypercorn.asyncio.run.TCPServer``.
    """
    from hypercorn.asyncio import run

    from . import ServeError

    # hypercorn's module, typed loosely: TCPServer is its import, not its
    # export, and is looked up there for each connection.
    hypercorn_run: t.Any = run
    base = getattr(hypercorn_run, "TCPServer", None)
    if base is None or not all(
        hasattr(base, name) for name in ("run", "protocol_send")
    ):
        raise ServeError(
            "connection_limit: this hypercorn serves connections otherwise"
            " than version 0.18 does, and the limit can't be applied (serve"
            " with --server uvicorn, or install hypercorn<0.19)."
        )
    hypercorn_run.TCPServer = _limited_server_class(base, limit)
    try:
        yield
    finally:
        hypercorn_run.TCPServer = base


def _limited_server_class(base: type, limit: int) -> type:
    """A subclass of hypercorn's ``TCPServer`` ``base`` whose connections
    take one of ``limit`` places before they are served."""
    from hypercorn.events import Updated

    #: The connections being served, each with the loop time since which it
    #: has been idle, or ``None`` while it reads or answers a request.
    served: dict[t.Any, float | None] = {}
    #: New connections waiting for a place, oldest first.
    waiting: collections.deque[asyncio.Future[None]] = collections.deque()
    # hypercorn's class, typed loosely: its attributes are its own.
    Base: t.Any = base

    class LimitedTCPServer(Base):  # type: ignore[misc]
        async def run(self) -> None:
            try:
                while len(served) >= limit:
                    _make_room(served, limit)
                    if len(served) < limit:
                        break
                    place = self.loop.create_future()
                    waiting.append(place)
                    await place
            except asyncio.CancelledError:
                # Stopping while it waited: hypercorn never saw it.
                self.writer.close()
                raise
            served[self] = self.loop.time()
            try:
                await super().run()
            finally:
                # Gone already if it was closed to make room.
                served.pop(self, None)
                _wake_one(waiting)

        async def protocol_send(self, event: t.Any) -> None:
            if isinstance(event, Updated) and self in served:
                served[self] = self.loop.time() if event.idle else None
                if event.idle:
                    # A connection waiting for a place may now make room.
                    _wake_one(waiting)
            await super().protocol_send(event)

    return LimitedTCPServer


def _wake_one(waiting: collections.deque[asyncio.Future[None]]) -> None:
    """Wake the connection that has waited longest for a place (it looks
    again, and makes room if it can)."""
    while waiting:
        place = waiting.popleft()
        if not place.done():
            place.set_result(None)
            return


def _make_room(served: dict[t.Any, float | None], limit: int) -> None:
    """Close the connections idle longest, a tenth of the limit at most,
    and give their places up at once: one waiting to connect is owed a
    turn more than one that sends nothing, and a client may close a
    kept-alive connection at any time. (hypercorn itself ends a closed
    idle connection's task only when its idle timer runs out; its socket
    is closed now.)"""
    # A stable sort: of two idle since the same moment, the older first.
    idle = sorted(
        (
            (since, connection)
            for connection, since in served.items()
            if since is not None
        ),
        key=lambda entry: entry[0],
    )
    for _, connection in idle[: max(1, limit // 10)]:
        del served[connection]
        connection.writer.close()


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
        while not stopping.is_set() and not parent_gone(parent):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), _PARENT_CHECK)
        # Event streams end now, so that the drain of open requests is short.
        streams.drain()

    try:
        await serve(app, config, shutdown_trigger=stop_requested, mode="asgi")
    finally:
        import signal

        for sig, handler in previous.items():
            signal.signal(sig, handler)
