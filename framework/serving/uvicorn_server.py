"""uvicorn, hardened against slow and silent clients: the ASGI server
:func:`framework.serving.serve` runs by default for apps with async code.

uvicorn reads requests on its event loop, so a slow client costs a socket,
not a thread. What it lacks, this module adds to its HTTP protocol
(httptools' when installed, as ``uvicorn[standard]`` installs it, else
h11's):

- A deadline for the request headers: a connection that has started a
  request and not finished its headers within ``header_timeout`` seconds
  is closed. uvicorn has none: a client that sends a header byte every
  few seconds holds its connection for ever.
- A deadline for a new connection's first request: uvicorn closes a
  connection silent for ``timeout_keep_alive`` seconds only after a
  response; one that never sends anything stays open. Here it is closed
  after ``idle_timeout`` seconds, as between requests.
- Room at the limit: past ``limit_concurrency`` connections uvicorn
  answers every new request 503. Here a new connection that reaches the
  limit closes the connections idle longest (a tenth of the limit at
  most), as waitress does, so that silent connections can't lock clients
  out.

The rest is uvicorn's own: ``idle_timeout`` is its ``timeout_keep_alive``,
``connection_limit`` its ``limit_concurrency`` (past that many connections
or requests, new requests get a ``503``, when no idle connection is left
to close),
``graceful_timeout`` its ``timeout_graceful_shutdown`` (then the requests
still running are cancelled), the access log its ``uvicorn.access``
logger. ``X-Forwarded-*`` headers reach the app as they came (uvicorn's
``proxy_headers`` is off): the app decides whom to believe, as under the
WSGI servers. The app's lifespan handler runs (``lifespan="auto"``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import time
import typing as t

import uvicorn

from .. import streams
from .limits import websocket_max_size
from .stopping import STOP_SIGNALS, on_stop_signals, parent_gone

if t.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator

    from .limits import AsyncLimits

__all__ = ["hardened_protocol", "run_uvicorn"]

logger = logging.getLogger("framework.serving")

#: The least time between two log lines about closed slow connections.
_LOG_EVERY = 10.0


class _SlowHeaders:
    """Counts connections closed for slow headers, and says so at most once
    per :data:`_LOG_EVERY` seconds: a slowloris attack would otherwise
    write a line per connection."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.closed = 0
        self.logged = -_LOG_EVERY

    def count(self) -> None:
        self.closed += 1
        now = time.monotonic()
        if now - self.logged >= _LOG_EVERY:
            logger.info(
                "Closed %d connection(s) that sent no complete request headers"
                " within %g s",
                self.closed,
                self.timeout,
            )
            self.closed, self.logged = 0, now


def hardened_protocol(
    base: type[asyncio.Protocol], limits: AsyncLimits
) -> type[asyncio.Protocol]:
    """A subclass of uvicorn's HTTP protocol ``base`` (httptools' or h11's)
    with the deadlines of the module's description.

    PERF: a request only notes the loop's clock when its headers start (no
    timer armed and cancelled per request, which costs several times that);
    one check a second, per process, closes the connections past a deadline,
    as waitress does.

    :param base: ``HttpToolsProtocol`` or ``H11Protocol``.
    :param limits: the deadlines.
    """
    slow = _SlowHeaders(limits.header_timeout)
    # uvicorn's protocols have these; typed loosely, as their stubs are
    # uvicorn's own and differ between its two protocols.
    Base: t.Any = base

    class Hardened(Base):  # type: ignore[misc]
        #: When the current request's headers started (the loop's clock);
        #: ``None`` when no request is being read.
        head_started: float | None = None
        #: When the connection was made, until it sends anything.
        silent_since: float | None = None
        #: When the client last sent something.
        last_active = 0.0

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self.last_active = self.silent_since = self.loop.time()
            _Deadlines.watch(self.loop, self.connections, limits, slow)
            if limits.connection_limit is not None:
                _make_room(self.connections, limits.connection_limit, self)

        @property
        def idle(self) -> bool:
            """Whether nothing is owed on this connection: no request being
            read or answered."""
            cycle = getattr(self, "cycle", None)
            return (
                self.head_started is None
                and (cycle is None or cycle.response_complete)
                and not self.transport.is_closing()
            )

        # httptools: a request starts, and its headers end.
        def on_message_begin(self) -> None:
            self.head_started = self.last_active
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self.head_started = None
            super().on_headers_complete()

        def data_received(self, data: bytes) -> None:
            self.last_active = self.loop.time()
            self.silent_since = None
            if not hasattr(self, "conn"):
                super().data_received(data)
                return
            # h11 has no such callbacks: its state tells.
            import h11

            if self.conn.their_state is h11.IDLE and self.head_started is None:
                self.head_started = self.last_active
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self.head_started = None

    Hardened.__name__ = f"Hardened{base.__name__}"
    Hardened.__qualname__ = Hardened.__name__
    return Hardened


class _Deadlines:
    """Once a second, close the connections of a process past a deadline:
    headers started longer than ``header_timeout`` ago, or silent since
    they were made for longer than ``idle_timeout`` (after a response,
    uvicorn's own keep-alive timer takes over)."""

    #: The loop being watched, at most one per process.
    watching: asyncio.AbstractEventLoop | None = None

    @classmethod
    def watch(
        cls,
        loop: asyncio.AbstractEventLoop,
        connections: t.Collection[t.Any],
        limits: AsyncLimits,
        slow: _SlowHeaders,
    ) -> None:
        if cls.watching is loop:
            return
        cls.watching = loop

        def check() -> None:
            now = loop.time()
            for connection in list(connections):
                if connection.transport.is_closing():
                    continue
                started = getattr(connection, "head_started", None)
                made = getattr(connection, "silent_since", None)
                if started is not None and now - started > limits.header_timeout:
                    slow.count()
                    connection.transport.close()
                elif made is not None and now - made > limits.idle_timeout:
                    connection.transport.close()
            loop.call_later(1.0, check)

        loop.call_later(1.0, check)


def _make_room(connections: t.Collection[t.Any], limit: int, new: object) -> None:
    """At the connection limit, close the connections idle longest (a tenth
    of the limit at most), as waitress does: past ``limit_concurrency``
    uvicorn answers new requests 503 at once, and a client may close a
    kept-alive connection at any time, while one waiting to connect is
    owed a turn more than one that sends nothing."""
    if len(connections) < limit:
        return
    idle = sorted(
        (c for c in connections if c is not new and getattr(c, "idle", False)),
        key=lambda c: c.last_active,
    )
    for connection in idle[: max(1, limit // 10)]:
        connection.transport.close()


def _protocol_base() -> type[asyncio.Protocol]:
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - uvicorn without [standard]
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


class _Server(uvicorn.Server):
    """uvicorn's server, stopped as :mod:`.stopping` says, and watching its
    supervisor when it is a worker."""

    def __init__(
        self,
        config: uvicorn.Config,
        *,
        parent: int | None,
        stop_signals: tuple[signal.Signals, ...],
    ) -> None:
        super().__init__(config)
        self.parent = parent
        self.stop_signals = stop_signals

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Not uvicorn's: it raises the signal again after draining, and a
        # second SIGTERM does not stop it at once.
        previous = on_stop_signals(self.drain, self.stop_signals)
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def drain(self) -> None:
        self.should_exit = True

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # However the stop came (a signal, the supervisor gone), event
        # streams end first, so that the wait for open requests is short.
        streams.drain()
        await super().shutdown(sockets)

    async def on_tick(self, counter: int) -> bool:
        if counter % 10 == 0 and not self.should_exit and parent_gone(self.parent):
            self.should_exit = True
        return await super().on_tick(counter)


def run_uvicorn(
    app: t.Any,
    sock: socket.socket,
    limits: AsyncLimits,
    *,
    parent: int | None = None,
    stop_signals: tuple[signal.Signals, ...] = STOP_SIGNALS,
) -> None:
    """Serve the ASGI application ``app`` on ``sock`` with uvicorn until one
    of ``stop_signals`` (or its supervisor is gone), drain, and return.

    :param app: the ASGI application (``app.asgi``).
    :param sock: a socket already listening.
    :param limits: the limits; see the module's description.
    :param parent: the pid of the supervisor, for a worker.
    :param stop_signals: the signals that stop it; a second one stops it at
        once.
    """
    ws_limit = websocket_max_size(app)
    config = uvicorn.Config(
        app,
        http=hardened_protocol(_protocol_base(), limits),
        # uvicorn's default is 16 MiB; the app's limit, enforced as frames
        # arrive.
        ws_max_size=ws_limit if ws_limit is not None else 16 * 1024 * 1024,
        lifespan="auto",
        access_log=limits.access_log,
        log_level="info",
        proxy_headers=False,
        limit_concurrency=limits.connection_limit,
        timeout_keep_alive=max(1, round(limits.idle_timeout)),
        timeout_graceful_shutdown=max(1, round(limits.graceful_timeout)),
    )
    _Server(config, parent=parent, stop_signals=stop_signals).run(sockets=[sock])
