"""Calling an ASGI app in-process, the way a server does, and nothing more.

The same driver serves every app of :mod:`benchmarks.asgi_run`, so whatever
it costs is the same for each and cancels out of the ratios: a scope copied
from one prepared per scenario, a ``receive`` that hands over the request body
in one message, and a ``send`` that only notes when the response is complete.
No sockets, no HTTP parsing, no test client.

Standard library only, so that the peers' own packages are the only extra
ones the ASGI benchmarks need.
"""

from __future__ import annotations

import asyncio
import gc
import time
import typing as t
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass

__all__ = [
    "ASGIApp",
    "Lifespan",
    "Reply",
    "Request",
    "call_once",
    "time_round",
]

Message = MutableMapping[str, t.Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
#: An ASGI 3 application: ``await app(scope, receive, send)``.
ASGIApp = Callable[[MutableMapping[str, t.Any], Receive, Send], Awaitable[None]]

#: What ``receive`` returns once the request body was handed over and the
#: response is complete: the client has gone, as a server reports it.
DISCONNECT: Mapping[str, t.Any] = {"type": "http.disconnect"}


@dataclass(frozen=True)
class Request:
    """The request a scenario sends, turned into a scope once.

    :param method: the HTTP method.
    :param path: the URL path, without a query string.
    :param body: the request body, sent in one ``http.request`` message.
    :param headers: request headers besides ``host`` (and ``content-length``,
        added when there is a body).
    :param query: the query string, already encoded, without the ``?``.
    """

    method: str = "GET"
    path: str = "/"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    query: str = ""

    def scope(self) -> dict[str, t.Any]:
        """The HTTP scope of this request, as uvicorn would build it.

        No ``state`` key: a server copies its lifespan state into every
        scope; a shared one here would carry values from one request to the
        next.
        """
        headers = [(b"host", b"localhost")]
        headers += [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self.headers
        ]
        if self.body:
            headers.append((b"content-length", str(len(self.body)).encode()))
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": self.method,
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode("ascii"),
            "query_string": self.query.encode("ascii"),
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("localhost", 80),
        }

    def message(self) -> dict[str, t.Any]:
        """The one ``http.request`` message that carries the whole body."""
        return {"type": "http.request", "body": self.body, "more_body": False}


class Exchange:
    """The ``receive`` and ``send`` of one request.

    ``receive`` returns the request message once; called again (Quart's
    reader task does, Starlette's streaming responses do), it waits until the
    response is complete and then reports a disconnect, as uvicorn does.
    Nothing is allocated for that wait unless an app asks.

    :param message: the ``http.request`` message to hand over.
    """

    __slots__ = ("_complete", "_request", "_waiter")

    def __init__(self, message: Message) -> None:
        self._request: Message | None = message
        self._complete = False
        self._waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        """The request message first; after it, a disconnect once the
        response is complete."""
        message = self._request
        if message is not None:
            self._request = None
            return message
        if not self._complete:
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return dict(DISCONNECT)

    async def send(self, message: Message) -> None:
        """Note the end of the response; keep nothing else.

        :param message: an ``http.response.*`` message.
        """
        if message["type"] == "http.response.body" and not message.get("more_body"):
            self._complete = True
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


@dataclass(frozen=True)
class Reply:
    """What an app sent back for one request, for the sanity check."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or ``None``."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class _Recorder(Exchange):
    """An :class:`Exchange` that keeps every message sent, for one reply."""

    __slots__ = ("sent",)

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        await super().send(message)


async def call_once(app: ASGIApp, request: Request) -> Reply:
    """Send ``request`` to ``app`` once and return the whole reply.

    :param app: the ASGI app.
    :param request: the request to send.
    :raise AssertionError: if the app did not complete a response.
    """
    recorder = _Recorder(request.message())
    await app(request.scope(), recorder.receive, recorder.send)
    starts = [m for m in recorder.sent if m["type"] == "http.response.start"]
    assert len(starts) == 1, f"expected one http.response.start: {recorder.sent}"
    assert recorder._complete, f"the response was not completed: {recorder.sent}"
    body = b"".join(
        m.get("body", b"") for m in recorder.sent if m["type"] == "http.response.body"
    )
    headers = tuple(
        (bytes(k).decode("latin-1"), bytes(v).decode("latin-1"))
        for k, v in starts[0].get("headers", ())
    )
    return Reply(int(starts[0]["status"]), headers, body)


async def time_round(
    app: ASGIApp, scope: Mapping[str, t.Any], message: Message, number: int
) -> float:
    """Send ``number`` requests one after the other; return the mean
    nanoseconds per request.

    Each request gets a shallow copy of ``scope`` (apps write into theirs)
    and a new :class:`Exchange`. GC is off during the round, as in the WSGI
    benchmarks, so one app's garbage is not collected on another's time.

    :param app: the ASGI app.
    :param scope: the prepared scope.
    :param message: the ``http.request`` message of every request.
    :param number: how many requests.
    """
    copy = dict(scope).copy
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(number):
            exchange = Exchange(message)
            await app(copy(), exchange.receive, exchange.send)
        elapsed = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return elapsed / number


class Lifespan:
    """An app's lifespan, run as uvicorn's default ``lifespan="auto"`` does:
    startup before the first request, shutdown at the end; an app that
    raises on the lifespan scope is taken not to support it.

    :param app: the ASGI app.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._events: asyncio.Queue[Message] = asyncio.Queue()
        self._replies: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.supported = True

    async def _receive(self) -> Message:
        return await self._events.get()

    async def _send(self, message: Message) -> None:
        await self._replies.put(message)

    async def _reply(self) -> Message | None:
        """The app's next lifespan message, or ``None`` if it returned or
        raised instead."""
        assert self._task is not None
        getter = asyncio.ensure_future(self._replies.get())
        done, _ = await asyncio.wait(
            {getter, self._task}, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        return None

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait for the app's answer.

        :raise RuntimeError: the app answered ``lifespan.startup.failed``.
        """
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self._task = asyncio.ensure_future(
            self.app(scope, self._receive, self._send)  # type: ignore[arg-type]
        )
        await self._events.put({"type": "lifespan.startup"})
        reply = await self._reply()
        if reply is None:
            # Returned or raised without answering: no lifespan support.
            self.supported = False
            if not self._task.cancelled():
                self._task.exception()  # retrieved, so asyncio does not log it
            return
        if reply["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {reply}")

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the app to finish."""
        if not self.supported or self._task is None:
            return
        await self._events.put({"type": "lifespan.shutdown"})
        reply = await self._reply()
        if reply is not None and reply["type"] != "lifespan.shutdown.complete":
            raise RuntimeError(f"lifespan shutdown failed: {reply}")
        await asyncio.wait({self._task}, timeout=5)
