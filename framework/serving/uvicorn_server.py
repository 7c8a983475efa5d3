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

The rest is uvicorn's own: ``idle_timeout`` is its ``timeout_keep_alive``,
``connection_limit`` its ``limit_concurrency`` (past that many connections
or requests, new requests get a ``503``, instead of waiting),
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

    :param base: ``HttpToolsProtocol`` or ``H11Protocol``.
    :param limits: the deadlines.
    """
    slow = _SlowHeaders(limits.header_timeout)
    # uvicorn's protocols have these; typed loosely, as their stubs are
    # uvicorn's own and differ between its two protocols.
    Base: t.Any = base

    class Hardened(Base):  # type: ignore[misc]
        deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            self.arm(limits.idle_timeout, headers=False)

        def connection_lost(self, exc: Exception | None) -> None:
            self.disarm()
            super().connection_lost(exc)

        def arm(self, seconds: float, *, headers: bool) -> None:
            self.disarm()
            self.deadline = self.loop.call_later(seconds, self.expire, headers)

        def disarm(self) -> None:
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def expire(self, headers: bool) -> None:
            self.deadline = None
            if not self.transport.is_closing():
                if headers:
                    slow.count()
                self.transport.close()

        # httptools: a request starts, and its headers end.
        def on_message_begin(self) -> None:
            self.arm(limits.header_timeout, headers=True)
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self.disarm()
            super().on_headers_complete()

        # h11 has no such callbacks: its state tells.
        def data_received(self, data: bytes) -> None:
            if not hasattr(self, "conn"):
                super().data_received(data)
                return
            import h11

            reading_head = self.conn.their_state is h11.IDLE
            if reading_head and (self.deadline is None or not self.deadline_is_head):
                self.arm(limits.header_timeout, headers=True)
                self.deadline_is_head = True
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE and self.deadline_is_head:
                self.disarm()
                self.deadline_is_head = False

        deadline_is_head = False

    Hardened.__name__ = f"Hardened{base.__name__}"
    Hardened.__qualname__ = Hardened.__name__
    return Hardened


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
    config = uvicorn.Config(
        app,
        http=hardened_protocol(_protocol_base(), limits),
        lifespan="auto",
        access_log=limits.access_log,
        log_level="info",
        proxy_headers=False,
        limit_concurrency=limits.connection_limit,
        timeout_keep_alive=max(1, round(limits.idle_timeout)),
        timeout_graceful_shutdown=max(1, round(limits.graceful_timeout)),
    )
    _Server(config, parent=parent, stop_signals=stop_signals).run(sockets=[sock])
