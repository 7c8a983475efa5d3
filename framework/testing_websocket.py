"""WebSocket connections in tests: what
``app.async_test_client().websocket(path)`` opens.

Layer 4, beside :mod:`framework.testing`. The connection drives the app's
ASGI callable in a task on the test's loop, as a server would: a
``websocket.connect`` first, then the test's messages in and the app's out.
"""

from __future__ import annotations

import asyncio
import json
import typing as t
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from .websockets import WebSocketDisconnect

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App

__all__ = ["WebSocketRejected", "WebSocketTestConnection", "connect"]

Message = t.MutableMapping[str, t.Any]


class WebSocketRejected(Exception):
    """The app refused the handshake.

    :param status: the HTTP status the client got (403 when the app closed
        before accepting).
    :param body: the body of a refusal sent as a response.
    """

    def __init__(self, status: int, body: bytes = b"") -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


class WebSocketTestConnection:
    """An open WebSocket connection to the app, the client's side.

    :param to_app: the queue of messages for the app's ``receive``.
    :param from_app: the queue of what the app sent.
    :param task: the task running the app.
    :param timeout: seconds to wait for the app before failing.
    """

    def __init__(
        self,
        to_app: asyncio.Queue[Message],
        from_app: asyncio.Queue[Message],
        task: asyncio.Task[None],
        timeout: float | None,
    ) -> None:
        self._to_app = to_app
        self._from_app = from_app
        self._task = task
        self._timeout = timeout
        #: The subprotocol the app accepted, if any.
        self.subprotocol: str | None = None
        #: The headers of the app's accept, lowercase names.
        self.headers: dict[str, str] = {}
        #: The close code, once the app closed the connection.
        self.close_code: int | None = None

    async def _next(self) -> Message:
        """The app's next message; what the app raised, if it ended."""
        getter = asyncio.ensure_future(self._from_app.get())
        done, _ = await asyncio.wait(
            {getter, self._task},
            timeout=self._timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        if self._task in done:
            self._task.result()  # raises what the app raised
            return {"type": "websocket.close", "code": 1006}  # ended silently
        raise TimeoutError(f"The app sent nothing in {self._timeout} s.")

    async def _handshake(self) -> None:
        message = await self._next()
        kind = message["type"]
        if kind == "websocket.accept":
            self.subprotocol = message.get("subprotocol")
            self.headers = {
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in message.get("headers") or ()
            }
            return
        if kind == "websocket.http.response.start":
            body = b""
            while True:
                part = await self._next()
                body += part.get("body", b"")
                if not part.get("more_body"):
                    break
            raise WebSocketRejected(message["status"], body)
        raise WebSocketRejected(403)

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        key = "text" if isinstance(data, str) else "bytes"
        await self._to_app.put({"type": "websocket.receive", key: data})

    async def send_json(self, value: t.Any) -> None:
        """Send ``value`` as a JSON text message."""
        await self.send(json.dumps(value))

    async def receive(self) -> str | bytes:
        """The app's next message.

        :raise WebSocketDisconnect: the app closed the connection (its
            code is also in :attr:`close_code`).
        """
        message = await self._next()
        if message["type"] == "websocket.send":
            text = message.get("text")
            return text if text is not None else message.get("bytes") or b""
        self.close_code = message.get("code", 1000)
        raise WebSocketDisconnect(self.close_code, message.get("reason") or "")

    async def receive_json(self) -> t.Any:
        """The app's next message, parsed as JSON."""
        return json.loads(await self.receive())

    async def close(self, code: int = 1000) -> None:
        """Close the connection from the client's side; the app's
        ``receive`` raises :class:`~framework.websockets.WebSocketDisconnect`."""
        await self._to_app.put({"type": "websocket.disconnect", "code": code})


@asynccontextmanager
async def connect(
    app: App,
    path: str,
    *,
    headers: t.Mapping[str, str] | None = None,
    subprotocols: t.Sequence[str] = (),
    cookies: t.Mapping[str, str] | None = None,
    timeout: float | None = 30.0,
) -> t.AsyncIterator[WebSocketTestConnection]:
    """Open a WebSocket connection to ``app`` at ``path`` (with a query
    string if any); closed when the block ends, and the app's task awaited
    (what it raised is raised here).

    :raise WebSocketRejected: the app refused the handshake.
    """
    parts = urlsplit(path)
    header_list = [(b"host", b"localhost")]
    for name, value in (headers or {}).items():
        header_list.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    if cookies:
        cookie = "; ".join(f"{key}={value}" for key, value in cookies.items())
        header_list.append((b"cookie", cookie.encode("latin-1")))
    scope: Message = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": parts.path or "/",
        "raw_path": (parts.path or "/").encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": header_list,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "subprotocols": list(subprotocols),
        "extensions": {"websocket.http.response": {}},
    }
    to_app: asyncio.Queue[Message] = asyncio.Queue()
    from_app: asyncio.Queue[Message] = asyncio.Queue()
    await to_app.put({"type": "websocket.connect"})
    task = asyncio.ensure_future(app.asgi(scope, to_app.get, from_app.put))
    connection = WebSocketTestConnection(to_app, from_app, task, timeout)
    try:
        await connection._handshake()
        yield connection
        await connection.close()
        await asyncio.wait_for(asyncio.shield(task), timeout)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
