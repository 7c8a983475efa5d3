"""The WebSocket connection a ``@app.websocket`` handler talks through: the
object the :data:`~framework.websocket` global gives.

Layer 1. :class:`WebSocket` wraps an ASGI ``websocket`` scope's ``receive``
and ``send`` with Quart's names (``accept``, ``receive``, ``send``,
``receive_json``, ``send_json``, ``close``) and keeps the app's limits: a
message over ``WEBSOCKET_MAX_MESSAGE_SIZE`` closes the connection with
1009, a client silent for ``WEBSOCKET_IDLE_TIMEOUT`` seconds with 1001.
The handshake request (headers, cookies, ``args``) is the request
context's :data:`~framework.request`; :attr:`WebSocket.request` is the same
object.

The connection is accepted on the first ``receive`` or ``send`` when the
handler has not accepted it itself, as in Quart.
"""

from __future__ import annotations

import contextlib
import enum
import json
import typing as t

from werkzeug.exceptions import HTTPException

from .ctx import _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Request

__all__ = [
    "MessageTooLarge",
    "NeedsASGI",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketState",
]

Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

#: Close codes (RFC 6455, section 7.4.1).
NORMAL_CLOSURE = 1000
GOING_AWAY = 1001
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011


class WebSocketDisconnect(Exception):
    """The connection is closed: the client went away or closed it, or the
    app closed it (idle, a message over the limit). Raised by
    :meth:`WebSocket.receive` and :meth:`WebSocket.send`; a handler may
    catch it to clean up. Teardown callbacks run either way.

    :param code: the close code.
    :param reason: the close reason, when one was given.
    """

    def __init__(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"WebSocket closed with {self.code}" + (
            f": {self.reason}" if self.reason else ""
        )


class MessageTooLarge(WebSocketDisconnect):
    """A received message was over ``WEBSOCKET_MAX_MESSAGE_SIZE``; the
    connection was closed with 1009."""


class NeedsASGI(HTTPException):
    """A WebSocket handshake reached the app through a WSGI server, which
    can't hand a connection over: 426, with a message that names the fix.

    Without the ``Upgrade`` header a 426 should carry: it is a hop-by-hop
    header, which a WSGI app may not send (PEP 3333). waitress refuses the
    response for it, and gunicorn would answer ``Connection: upgrade``.
    """

    code = 426
    description = (
        "This URL is a WebSocket endpoint, and WebSockets are served only"
        " through ASGI: serve the app with an ASGI server (framework serve"
        " chooses one for an app with WebSocket routes; or uvicorn"
        " module:app.asgi)."
    )


def needs_asgi(**view_args: t.Any) -> t.NoReturn:
    """What a WSGI request to a WebSocket route runs instead of its async
    handler: a 426."""
    raise NeedsASGI()


class WebSocketState(enum.Enum):
    """Where a connection is in its life."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"


class WebSocket:
    """One WebSocket connection.

    :param request: the handshake request (headers, cookies, ``args``).
    :param receive: the ASGI ``receive`` of the connection.
    :param send: the ASGI ``send`` of the connection.
    :param max_message_size: the largest message accepted, in bytes (text
        counted as UTF-8); ``None`` for no limit.
    :param idle_timeout: how long :meth:`receive` waits for a message
        before closing the connection with 1001; ``None`` to wait forever.
    """

    def __init__(
        self,
        request: Request,
        receive: Receive,
        send: Send,
        *,
        max_message_size: int | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self.request = request
        self._receive = receive
        self._send = send
        self.max_message_size = max_message_size
        self.idle_timeout = idle_timeout
        #: Where the connection is: connecting until accepted, closed once
        #: either side closed it.
        self.state = WebSocketState.CONNECTING
        #: The subprotocol accepted, if any.
        self.subprotocol: str | None = None

    # -- what the handshake asked -----------------------------------------

    @property
    def headers(self) -> t.Any:
        """The handshake request's headers."""
        return self.request.headers

    @property
    def args(self) -> t.Any:
        """The handshake request's query arguments."""
        return self.request.args

    @property
    def cookies(self) -> t.Any:
        """The handshake request's cookies."""
        return self.request.cookies

    @property
    def path(self) -> str:
        """The path the client connected to."""
        return self.request.path

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order."""
        scope = self.request._asgi_scope or {}
        return list(scope.get("subprotocols") or ())

    # -- the conversation ---------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: t.Iterable[tuple[str, str]] | t.Mapping[str, str] | None = None,
    ) -> None:
        """Accept the handshake.

        :param subprotocol: one of :attr:`requested_subprotocols`.
        :param headers: extra headers for the handshake response.
        :raise RuntimeError: the connection was already accepted or closed.
        """
        if self.state is not WebSocketState.CONNECTING:
            raise RuntimeError(
                f"The WebSocket can't be accepted: it is {self.state.value}."
            )
        pairs = headers.items() if isinstance(headers, t.Mapping) else headers or ()
        message: Message = {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in pairs
            ],
        }
        await self._send(message)
        self.state = WebSocketState.CONNECTED
        self.subprotocol = subprotocol

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for a text frame, ``bytes`` for a
        binary one. Accepts the connection first if needed.

        :raise WebSocketDisconnect: the client closed the connection or went
            away, or it was idle too long (closed with 1001).
        :raise MessageTooLarge: the message was over the limit (the
            connection is closed with 1009).
        """
        if self.state is WebSocketState.CONNECTING:
            await self.accept()
        elif self.state is WebSocketState.CLOSED:
            raise WebSocketDisconnect(NORMAL_CLOSURE, "already closed")
        if self.idle_timeout is None:
            message = await self._receive()
        else:
            # Imported here: the running loop has loaded asyncio, and this
            # module loads with every app (its dispatcher checks websocket
            # rules), WSGI ones included.
            import asyncio

            try:
                message = await asyncio.wait_for(self._receive(), self.idle_timeout)
            except TimeoutError:
                await self.close(GOING_AWAY, "idle")
                raise WebSocketDisconnect(GOING_AWAY, "idle") from None
        kind = message["type"]
        if kind == "websocket.disconnect":
            self.state = WebSocketState.CLOSED
            raise WebSocketDisconnect(
                message.get("code", NORMAL_CLOSURE), message.get("reason") or ""
            )
        if kind != "websocket.receive":  # pragma: no cover - a server's bug
            raise RuntimeError(f"Unexpected ASGI message {kind!r}.")
        text = message.get("text")
        data: str | bytes = text if text is not None else message.get("bytes") or b""
        limit = self.max_message_size
        if limit is not None and _over(data, limit):
            await self.close(MESSAGE_TOO_BIG, "message too big")
            raise MessageTooLarge(MESSAGE_TOO_BIG, "message too big")
        return data

    async def receive_json(self) -> t.Any:
        """The next message, parsed as JSON.

        :raise WebSocketDisconnect: as :meth:`receive`.
        :raise ValueError: the message is not valid JSON; the connection
            stays open, so the handler may answer it.
        """
        data = await self.receive()
        return json.loads(data)

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message. Accepts the
        connection first if needed.

        :raise WebSocketDisconnect: the connection is closed.
        :raise TypeError: ``data`` is neither.
        """
        if self.state is WebSocketState.CONNECTING:
            await self.accept()
        elif self.state is WebSocketState.CLOSED:
            raise WebSocketDisconnect(NORMAL_CLOSURE, "already closed")
        if isinstance(data, str):
            message: Message = {"type": "websocket.send", "text": data}
        elif isinstance(data, (bytes, bytearray, memoryview)):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"A WebSocket message is str or bytes, not {type(data).__name__};"
                " use send_json() for other values."
            )
        try:
            await self._send(message)
        except OSError as e:  # the server's way of saying the client left
            self.state = WebSocketState.CLOSED
            raise WebSocketDisconnect(GOING_AWAY, str(e)) from e

    async def send_json(self, value: t.Any) -> None:
        """Send ``value`` as a JSON text message (the app's JSON provider
        serializes it, so dates and dataclasses work as in responses)."""
        ctx = _cv_context.get(None)
        text = json.dumps(value) if ctx is None else ctx.app.json.dumps(value)
        await self.send(text)

    async def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Close the connection; before it was accepted, this refuses the
        handshake (the server answers 403). Closing twice does nothing."""
        if self.state is WebSocketState.CLOSED:
            return
        self.state = WebSocketState.CLOSED
        with contextlib.suppress(OSError):  # the client is gone already
            await self._send(
                {"type": "websocket.close", "code": code, "reason": reason}
            )


def _over(data: str | bytes, limit: int) -> bool:
    """Whether a message is over ``limit`` bytes, text counted as UTF-8
    (what went on the wire): encoded only when its length can't tell (a
    character is 1 to 4 bytes)."""
    if isinstance(data, bytes) or len(data) > limit:
        return len(data) > limit
    if len(data) * 4 <= limit:
        return False
    return len(data.encode("utf-8", "surrogatepass")) > limit
