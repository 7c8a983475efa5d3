"""The test client and request builder.

Layer 4. :class:`AppClient` is werkzeug's test client, aware of the app: it
builds requests from the app's config (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``) and, used as ``with client:``, keeps the last
request's context active so that ``request``, ``g`` and ``session`` can be
inspected after the call. How a request reaches the app is the client's
:class:`Transport`: by default :class:`WSGITransport`, which calls the app
as a WSGI application; :class:`ASGITransport` (``transport="asgi"``) sends
the same requests through the app's ASGI callable instead, on an event
loop thread. :class:`AsyncAppClient` is the client for async tests.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import contextvars
import copy
import functools
import importlib.metadata
import os
import queue
import threading
import typing as t
from contextlib import ExitStack, asynccontextmanager, contextmanager
from urllib.parse import quote, unquote_to_bytes, urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import Client
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wsgi import get_current_url

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.test import TestResponse

    from .app import App
    from .asgi import Message, Receive, Scope, Send
    from .concurrency import BackgroundLoop
    from .ctx import RequestContext
    from .sessions import SessionMixin
    from .testing_websocket import WebSocketTestConnection

#: An ASGI 3 application: ``await app(scope, receive, send)``.
ASGIApp: t.TypeAlias = "t.Callable[[Scope, Receive, Send], t.Awaitable[None]]"

R = t.TypeVar("R")

__all__ = [
    "ASGITransport",
    "AppCliRunner",
    "AppClient",
    "AsyncAppClient",
    "ClientDisconnected",
    "EnvironBuilder",
    "LifespanFailed",
    "StreamedResponse",
    "Transport",
    "WSGITransport",
    "environ_to_scope",
]


def _app_url(
    app: App, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    """Split ``path`` into the base URL the app is reached at and the path
    below it. A scheme or host written in ``path`` wins; otherwise the app's
    config gives them (``localhost`` without ``SERVER_NAME``)."""
    config = app.config
    given = urlsplit(path)
    host = given.netloc or config.get("SERVER_NAME") or "localhost"
    if subdomain and not given.netloc:
        host = f"{subdomain}.{host}"
    scheme = given.scheme or url_scheme or config["PREFERRED_URL_SCHEME"]
    root = config["APPLICATION_ROOT"].lstrip("/")
    below = f"{given.path}?{given.query}" if given.query else given.path
    return f"{scheme}://{host}/{root}", below


@functools.cache
def _werkzeug_version() -> str:
    # Read from the installed distribution's metadata: ~0.35 ms, which
    # was nearly all of app.test_client()'s cost when paid per client.
    return importlib.metadata.version("werkzeug")


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """A werkzeug ``EnvironBuilder`` whose base URL comes from the app.

    :param app: the app the request is for.
    :param path: the path, which may carry a query string and, unless
        ``base_url`` is given, a scheme and host.
    :param base_url: the URL the app is mounted at; derived from
        ``SERVER_NAME`` (``localhost`` when unset), ``APPLICATION_ROOT`` and
        ``PREFERRED_URL_SCHEME`` when ``None``.
    :param subdomain: prepended to the host of the derived base URL.
    :param url_scheme: the scheme of the derived base URL.
    """

    def __init__(
        self,
        app: App,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is None:
            base_url, path = _app_url(app, path, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise TypeError("Pass either base_url, or subdomain/url_scheme, not both.")
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` bodies with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


class Transport(t.Protocol):
    """How a test client's request reaches the app and its response comes
    back. The client builds the environ and keeps the cookies; the
    transport only runs the request."""

    def run(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Run one request.

        :param environ: the request, as a WSGI environ.
        :param buffered: read the whole body before returning.
        :return: the body, the status line and the headers.
        """
        ...


class WSGITransport:
    """The default :class:`Transport`: calls the app (or whatever wraps
    it, e.g. middleware set on ``app.wsgi_app``) as a WSGI application, in
    the calling thread.

    :param app: the WSGI application to call.
    """

    def __init__(self, app: t.Any) -> None:
        self.app = app

    def run(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Call the app with ``environ``; see :meth:`Transport.run`."""
        return werkzeug.test.run_wsgi_app(self.app, environ, buffered=buffered)


_ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}
_BODY_KEYS = {"CONTENT_TYPE": b"content-type", "CONTENT_LENGTH": b"content-length"}
#: Characters a path keeps unquoted in ``raw_path`` (RFC 3986 ``pchar``).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
#: The scope extension through which the client asks the app to hand over
#: a request's context (``with client:``); see :meth:`AppClient.__enter__`.
_PRESERVE_CONTEXT = "werkzeug.debug.preserve_context"


def _wsgi_decoded(text: str) -> str:
    """A WSGI environ string (UTF-8 bytes read as latin-1) as text."""
    return text.encode("latin-1").decode("utf-8", "replace")


def _raw_path(environ: WSGIEnvironment, path: bytes) -> bytes:
    """The request target's path as sent: ``REQUEST_URI`` without its
    query when it names the same path (an ``environ_overrides`` of
    ``PATH_INFO`` may have changed it), else ``path`` quoted."""
    target = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if target:
        sent: bytes = target.partition("?")[0].encode("latin-1")
        if unquote_to_bytes(sent) == path:
            return sent
    return quote(path, safe=_PATH_SAFE).encode("ascii")


def _port(value: t.Any) -> int:
    """A port from an environ value; 0 when there is none."""
    text = str(value or "")
    return int(text) if text.isdigit() else 0


def environ_to_scope(environ: WSGIEnvironment) -> Scope:
    """The ASGI HTTP scope of the request described by the WSGI
    ``environ``: what an ASGI server passes for the request from which a
    WSGI server made ``environ``.

    ``path`` includes ``root_path`` (``SCRIPT_NAME``), as the ASGI spec
    says; ``HTTP_*``, ``CONTENT_TYPE`` and ``CONTENT_LENGTH`` become
    lower-cased header byte pairs; ``REMOTE_ADDR``/``REMOTE_PORT`` and
    ``SERVER_NAME``/``SERVER_PORT`` become ``client`` and ``server``.
    Other keys have no place in a scope and are not sent, except the
    client's hook for keeping the request context, which goes in
    ``extensions``.

    :param environ: the request, e.g. from :class:`EnvironBuilder`.
    """
    root = environ.get("SCRIPT_NAME", "")
    whole = (root + environ.get("PATH_INFO", "")).encode("latin-1")
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                # The environ's CONTENT_* keys are what a server sends.
                continue
            name = key[5:].lower().replace("_", "-").encode("latin-1")
        elif key in _BODY_KEYS:
            if not value:
                continue
            name = _BODY_KEYS[key]
        else:
            continue
        headers.append((name, str(value).encode("latin-1")))
    port = str(environ.get("SERVER_PORT") or "")
    remote = environ.get("REMOTE_ADDR")
    protocol: str = environ.get("SERVER_PROTOCOL") or "HTTP/1.1"
    scope: Scope = {
        "type": "http",
        "asgi": dict(_ASGI_VERSION),
        "http_version": protocol.partition("/")[2] or "1.1",
        "method": environ.get("REQUEST_METHOD", "GET").upper(),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": whole.decode("utf-8", "replace"),
        "raw_path": _raw_path(environ, whole),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": _wsgi_decoded(root),
        "headers": headers,
        "client": (None if not remote else (remote, _port(environ.get("REMOTE_PORT")))),
        "server": (
            environ.get("SERVER_NAME", "localhost"),
            int(port) if port.isdigit() else None,
        ),
        "extensions": {},
    }
    if _PRESERVE_CONTEXT in environ:
        scope["extensions"][_PRESERVE_CONTEXT] = environ[_PRESERVE_CONTEXT]
    return scope


class _BodyReader:
    """Reads a request body from a WSGI environ's ``wsgi.input`` in chunks,
    as an ASGI server hands it over: ``Content-Length`` bytes, or, for a
    chunked request, up to the end of the stream. Reads happen when the
    app asks for the next chunk, so an endless test stream is fine as long
    as the app stops asking."""

    def __init__(self, environ: WSGIEnvironment, chunk_size: int) -> None:
        self.stream: t.IO[bytes] | None = environ.get("wsgi.input")
        self.chunk_size = chunk_size
        length = str(environ.get("CONTENT_LENGTH") or "")
        self.left: int | None
        if length.isdigit():
            self.left = int(length)
        elif environ.get("wsgi.input_terminated") or environ.get(
            "HTTP_TRANSFER_ENCODING"
        ):
            self.left = None  # to the end of the stream
        else:
            self.left = 0
        if self.stream is None:
            self.left = 0
        #: Where the body starts, to go back to once it was all sent.
        self.start: int | None = None
        seekable = getattr(self.stream, "seekable", None)
        if self.left != 0 and seekable is not None and seekable():
            assert self.stream is not None
            self.start = self.stream.tell()

    def read(self) -> tuple[bytes, bool]:
        """The next chunk, and whether more follows."""
        if self.left == 0 or self.stream is None:
            return b"", False
        size = self.chunk_size if self.left is None else min(self.left, self.chunk_size)
        chunk = self.stream.read(size) or b""
        if self.left is None:
            more = bool(chunk)
        else:
            self.left = self.left - len(chunk) if chunk else 0
            more = self.left > 0
        if not more and self.start is not None:
            # The app has the whole body: a 307 or 308 redirect that the
            # client follows sends it again, as a browser would. (Under
            # WSGI it is still unread when routing redirects.)
            self.stream.seek(self.start)
        return chunk, more


class ClientDisconnected(OSError):
    """Raised by ``send`` in an app served by :class:`ASGITransport` once
    the test closed the response (the client went away), as the ASGI spec
    asks of servers."""


_DONE = "done"


class _Exchange:
    """One request between the test's thread and the app on the loop.

    The app's messages go to the test thread through a queue. A body
    message with ``more_body`` keeps the app waiting in ``send`` until the
    test wants the next chunk, so a streamed body is produced as the test
    reads it, as a server's flow control does. ``receive`` after the whole
    body waits until the response is complete or the test closed it, then
    says ``http.disconnect``: an app watching for the client going away
    sees it go when it does, not before.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        body: _BodyReader,
        timeout: float | None,
        pathsend: bool = False,
    ) -> None:
        self.loop = loop
        self.body = body
        self.timeout = timeout
        self.pathsend = pathsend
        # Test thread <- loop: ("message", message) or (_DONE, error).
        self.events: queue.SimpleQueue[tuple[str, t.Any]] = queue.SimpleQueue()
        # Loop state, touched only on the loop thread.
        self._body_sent = False
        self._started = False
        self._complete = False
        self._gone = False
        self._ended: asyncio.Event | None = None
        self._resume: asyncio.Future[None] | None = None
        self.future: concurrent.futures.Future[None] | None = None

    # -- the loop's side ---------------------------------------------------

    async def serve(self, app: ASGIApp, scope: Scope) -> None:
        self._ended = asyncio.Event()
        try:
            await app(scope, self.receive, self.send)
        except BaseException as error:
            # Everything goes to the test, KeyboardInterrupt and SystemExit
            # too (raised there, as under WSGI): let out here, they would
            # stop the loop that every client shares.
            self.events.put((_DONE, error))
        else:
            self.events.put((_DONE, None))
        finally:
            self._ended.set()

    async def receive(self) -> Message:
        if not self._body_sent and not self._gone:
            chunk, more = self.body.read()
            self._body_sent = not more
            return {"type": "http.request", "body": chunk, "more_body": more}
        assert self._ended is not None
        await self._ended.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self._gone:
            raise ClientDisconnected("the test client closed the response")
        kind = message["type"]
        if kind == "http.response.start":
            if self._started:
                raise RuntimeError("The ASGI app sent 'http.response.start' twice.")
            self._started = True
            self.events.put(("message", message))
            return
        if kind == "http.response.pathsend" and self.pathsend:
            # The server reads the file: here, the whole of it, as the
            # response's last body message.
            message = {
                "type": "http.response.body",
                "body": _read_file(message["path"]),
            }
        elif kind != "http.response.body":
            raise RuntimeError(f"The ASGI app sent an unexpected {kind!r} message.")
        if not self._started:
            raise RuntimeError(
                "The ASGI app sent 'http.response.body' before 'http.response.start'."
            )
        if self._complete:
            raise RuntimeError("The ASGI app sent a body after the response ended.")
        if not message.get("more_body", False):
            self._complete = True
            assert self._ended is not None
            self._ended.set()
            self.events.put(("message", message))
            return
        resume = self._resume = self.loop.create_future()
        self.events.put(("message", message))
        try:
            await resume
        finally:
            # A ClientDisconnected set on the future has this frame in its
            # traceback: no cycle once the frame lets go of the future.
            del resume

    def _wake(self) -> None:
        resume, self._resume = self._resume, None
        if resume is not None and not resume.done():
            resume.set_result(None)

    def _disconnect(self) -> None:
        self._gone = True
        if self._ended is not None:
            self._ended.set()
        resume, self._resume = self._resume, None
        if resume is not None and not resume.done():
            resume.set_exception(ClientDisconnected("the test client went away"))

    # -- the test thread's side ----------------------------------------------

    def next_event(self, wake: bool) -> tuple[str, t.Any]:
        """The app's next message or its end; ``wake`` lets an app that
        waits for the test to read its last chunk go on first."""
        if wake:
            self.loop.call_soon_threadsafe(self._wake)
        try:
            return self.events.get(timeout=self.timeout)
        except queue.Empty:
            if self.future is not None:
                self.future.cancel()
            raise TimeoutError(
                f"The ASGI app sent nothing for {self.timeout} seconds."
            ) from None

    def disconnect(self) -> None:
        """Tell the app the client went away, from the test thread."""
        self.loop.call_soon_threadsafe(self._disconnect)


def _read_file(path: str) -> bytes:
    """The content of the file an ``http.response.pathsend`` names."""
    with open(path, "rb") as file:
        return file.read()


class _ASGIBody:
    """A response body coming from the app: iterate it to read the chunks
    as the app sends them; :meth:`close` before the end disconnects, and
    waits for the app to finish."""

    def __init__(self, exchange: _Exchange, chunks: list[bytes], done: bool) -> None:
        self.exchange = exchange
        self.chunks = collections.deque(chunks)
        #: The app waits in ``send`` for the test to read on.
        self.parked = not done
        self.done = done
        self.closed = False
        #: The last body message came.
        self.complete = done

    def __iter__(self) -> _ASGIBody:
        return self

    def __next__(self) -> bytes:
        while not self.chunks:
            if self.done or self.closed:
                raise StopIteration
            kind, value = self.exchange.next_event(wake=self.parked)
            self.parked = False
            if kind == _DONE:
                self.done = True
                if value is not None:
                    raise value
                if not self.complete:
                    raise _cut_off()
                continue
            if value.get("more_body", False):
                self.parked = True
            else:
                self.complete = True
            chunk = value.get("body", b"")
            if chunk:
                self.chunks.append(bytes(chunk))
        return self.chunks.popleft()

    def __del__(self) -> None:
        # A response dropped unread: let the app waiting in send go, as a
        # dropped WSGI body's generator is closed when it is collected.
        if not self.done and not self.closed:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                self.exchange.disconnect()

    def close(self) -> None:
        """Stop reading: the app sees the client go away, and this returns
        once it has finished (its teardown ran)."""
        if self.closed:
            return
        self.closed = True
        self.chunks.clear()
        if self.done:
            return
        self.exchange.disconnect()
        error: BaseException | None = None
        while True:
            kind, value = self.exchange.next_event(wake=False)
            if kind == _DONE:
                error = value
                break
        self.done = True
        # The app may let the disconnect out of send: that is the test's
        # doing, not an error in the app.
        if error is not None and not isinstance(
            error, (ClientDisconnected, asyncio.CancelledError)
        ):
            raise error


class ASGITransport:
    """A :class:`Transport` that sends the client's requests through an
    ASGI application, in process: the request's environ becomes a scope
    (see :func:`environ_to_scope`), its body goes to ``receive`` in chunks,
    and the ``http.response.*`` messages become the test response.

    The app runs on an event loop in another thread (one loop thread shared
    by every client that does not name a loop), so async views run on a
    loop, as under a server, while the test stays plain sync code. A call
    returns when the response is complete (teardown has run), or, for a
    streamed body, as soon as the first chunk was sent: later chunks are
    produced as the test reads them, and closing the response early is a
    client disconnect.

    :param app: the ASGI callable, e.g. ``app.asgi``.
    :param loop: the event loop to run the app on, running in another
        thread; by default one loop thread for all test clients.
    :param state: the lifespan state: each request's scope gets a copy
        under ``"state"``, as servers do after lifespan startup.
    :param chunk_size: the most bytes of request body per
        ``http.request`` message.
    :param timeout: seconds to wait for the app's next message before
        failing the test rather than hanging it; ``None`` waits forever.
    :param pathsend: offer the ``http.response.pathsend`` extension, as
        granian does, so that the app may send a file by its path.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        state: dict[str, t.Any] | None = None,
        chunk_size: int = 65536,
        timeout: float | None = 30.0,
        pathsend: bool = False,
    ) -> None:
        self.app = app
        self._loop = loop
        self.state = state
        self.chunk_size = chunk_size
        self.timeout = timeout
        self.pathsend = pathsend

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the app runs on."""
        return _client_loop().loop if self._loop is None else self._loop

    def run(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Send the request of ``environ`` to the app; see
        :meth:`Transport.run`.

        :raise RuntimeError: called on the app's own loop thread, or the
            app returned without starting a response.
        :raise TimeoutError: the app sent nothing for :attr:`timeout`
            seconds.
        """
        loop = self.loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError(
                "The ASGI transport was called on its own event loop, which"
                " would wait for itself: in async tests, await"
                " app.async_test_client() requests instead."
            )
        scope = environ_to_scope(environ)
        if self.state is not None:
            scope["state"] = dict(self.state)
        if self.pathsend:
            scope["extensions"]["http.response.pathsend"] = {}
        exchange = _Exchange(
            loop, _BodyReader(environ, self.chunk_size), self.timeout, self.pathsend
        )
        exchange.future = asyncio.run_coroutine_threadsafe(
            exchange.serve(self.app, scope), loop
        )
        start: Message | None = None
        chunks: list[bytes] = []
        complete = False
        while True:
            kind, value = exchange.next_event(wake=False)
            if kind == _DONE:
                if value is not None:
                    raise value
                if start is None:
                    raise RuntimeError(
                        "The ASGI app returned without sending 'http.response.start'."
                    )
                if not complete:
                    raise _cut_off()
                break
            if value["type"] == "http.response.start":
                start = value
                continue
            chunk = value.get("body", b"")
            if chunk:
                chunks.append(bytes(chunk))
            if value.get("more_body", False):
                # Streamed: the app waits for the test to read on.
                if buffered:
                    break
                return _ASGIBody(exchange, chunks, done=False), *_head(start)
            complete = True
        if buffered and kind != _DONE:
            body = _ASGIBody(exchange, chunks, done=False)
            try:
                chunks = list(body)
            finally:
                body.close()
        return chunks, *_head(start)


def _cut_off() -> ConnectionError:
    """What reading a response the app left incomplete raises: a server
    closes the connection, and the client sees a cut-off body."""
    return ConnectionError(
        "The ASGI app returned before the response was complete: a server"
        " would close the connection, and the body is cut off."
    )


def _head(start: Message | None) -> tuple[str, Headers]:
    """The status line and headers of an ``http.response.start``."""
    if start is None:
        raise RuntimeError("The ASGI app sent a body before starting the response.")
    code = int(start["status"])
    headers = Headers(
        [
            (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
            for name, value in start.get("headers", ())
        ]
    )
    # Upper-cased, as werkzeug's responses write it under WSGI.
    return f"{code} {HTTP_STATUS_CODES.get(code, 'unknown').upper()}", headers


_client_loop_lock = threading.Lock()
_client_loop_instance: BackgroundLoop | None = None


def _client_loop() -> BackgroundLoop:
    """The loop thread :class:`ASGITransport` runs apps on by default: one
    for the process, made on first use, apart from the background loop that
    runs async code under WSGI so that neither waits for the other."""
    global _client_loop_instance
    with _client_loop_lock:
        instance = _client_loop_instance
        if instance is None or instance.loop.is_closed():
            # A loop stopped by something else is replaced rather than
            # failing every later test.
            from .concurrency import BackgroundLoop

            instance = _client_loop_instance = BackgroundLoop("framework-test-client")
        return instance


class AppClient(Client):
    """The test client: ``app.test_client()``.

    Requests go through the whole app as a server would send them. Inside
    ``with client:``, the context of the last request stays active until the
    block ends.

    :param transport: how requests reach the app: ``"wsgi"`` (a
        :class:`WSGITransport` of the app), ``"asgi"`` (an
        :class:`ASGITransport` of ``app.asgi``) or a :class:`Transport`;
        :attr:`default_transport` when ``None``.
    :param args: passed to :class:`werkzeug.test.Client` (the app, the
        response class, ``use_cookies``...).
    """

    application: App

    #: The transport of a client made without one: ``"wsgi"``, or
    #: ``"asgi"`` to send every client's requests through the ASGI callable
    #: (a fixture can set it on the class to run a module's tests both ways).
    default_transport: t.ClassVar[str] = "wsgi"

    def __init__(
        self,
        *args: t.Any,
        transport: Transport | str | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: How requests reach the app.
        self.transport: Transport = self._make_transport(
            self.default_transport if transport is None else transport
        )
        self.preserve_context = False
        #: Contexts the app handed over at the end of a request, to keep.
        self._new_contexts: list[RequestContext] = []
        self._context_stack = ExitStack()
        #: Environ values every request starts from.
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }

    def _make_transport(self, transport: Transport | str) -> Transport:
        """The transport ``transport`` names, or ``transport`` itself."""
        if not isinstance(transport, str):
            return transport
        if transport == "wsgi":
            return WSGITransport(self.application)
        if transport == "asgi":
            return ASGITransport(self.application.asgi)
        raise ValueError(
            f"Unknown transport {transport!r}: use 'wsgi', 'asgi' or an"
            " object with a run(environ, buffered) method."
        )

    def _copy_environ(self, other: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """``other`` over :attr:`environ_base`, plus, in a ``with client:``
        block, the hook through which the app hands over the request's
        context to keep."""
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> _WerkzeugRequest:
        """The request :class:`EnvironBuilder` makes of ``args`` and
        ``kwargs``, over :attr:`environ_base`. Flask's private name: other
        test clients (Flask-SocketIO's) build their requests with it."""
        options = {
            **kwargs,
            "environ_base": self._copy_environ(kwargs.get("environ_base") or {}),
        }
        builder = EnvironBuilder(self.application, *args, **options)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def _make_request(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> _WerkzeugRequest:
        """The request :meth:`open` sends: built from a request, an environ
        or a builder given as the first argument, else from the arguments."""
        source = args[0] if args else None
        if isinstance(source, _WerkzeugRequest):
            request = copy.copy(source)
            request.environ = self._copy_environ(source.environ)
            return request
        if isinstance(source, dict):
            builder = EnvironBuilder.from_environ(source, app=self.application)
        elif isinstance(source, werkzeug.test.EnvironBuilder):
            builder = copy.copy(source)
        else:
            return self._request_from_builder_args(args, kwargs)
        builder.environ_base = self._copy_environ(builder.environ_base or {})
        return builder.get_request()

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Send one request through :attr:`transport`, with the client's
        cookies, and keep the cookies its response sets."""
        self._add_cookies_to_wsgi(environ)
        body, status, headers = self.transport.run(environ, buffered=buffered)
        url = urlsplit(get_current_url(environ))
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, headers.getlist("Set-Cookie")
        )
        return body, status, headers

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request; takes the arguments of
        :class:`werkzeug.test.EnvironBuilder`, or a builder, environ dict or
        request."""
        request = self._make_request(args, kwargs)
        # A new request ends the contexts kept from the previous one (and
        # those of the redirects it follows).
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        kept, self._new_contexts = self._new_contexts, []
        for ctx in kept:
            self._context_stack.enter_context(ctx)
        return response

    def _load_session(self, ctx: RequestContext) -> SessionMixin:
        app = self.application
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "Session backend did not open a session: the app's session"
                " interface gave none. Is SECRET_KEY set?"
            )
        return session

    def _store_session(self, ctx: RequestContext, session: SessionMixin) -> None:
        app = self.application
        interface = app.session_interface
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        request = ctx.request
        self._update_cookies_from_response(
            urlsplit(request.host_url).hostname or "localhost",
            request.path,
            response.headers.getlist("Set-Cookie"),
        )

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[SessionMixin]:
        """Open the session the client's cookies carry, for a test to read or
        change, and store it back in the cookies when the block ends::

            with client.session_transaction() as session:
                session["user_id"] = 1

        The arguments build the request the session is opened for (see
        :meth:`App.test_request_context`), e.g. a path for a cookie path.

        :raise TypeError: the client keeps no cookies.
        :raise RuntimeError: the session interface opened no session.
        """
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled: session_transaction() needs them;"
                " create the client with app.test_client(use_cookies=True)."
            )
        ctx = self.application.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        session = self._load_session(ctx)
        yield session
        self._store_session(ctx, session)

    def __enter__(self) -> AppClient:
        if self.preserve_context:
            raise RuntimeError(
                "Cannot nest client invocations: the test client is already"
                " in a 'with' block."
            )
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


async def _in_thread(func: t.Callable[..., R], /, *args: t.Any, **kwargs: t.Any) -> R:
    """``func(*args, **kwargs)`` in a new thread, in a copy of the current
    context, awaited without blocking the loop.

    Not the loop's default executor, as ``asyncio.to_thread`` uses: its few
    threads would let a handful of requests that wait for each other (the
    app runs on this same loop) wait forever.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[R] = loop.create_future()
    context = contextvars.copy_context()

    def settle(value: t.Any, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(value)

    def run() -> None:
        value: t.Any = None
        error: BaseException | None = None
        try:
            value = context.run(func, *args, **kwargs)
        except BaseException as e:  # handed to the awaiting task
            error = e
        # The loop may have closed meanwhile: nobody waits then.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=run, name="framework-test-client-call", daemon=True).start()
    return await done


class LifespanFailed(RuntimeError):
    """The app answered ASGI lifespan startup or shutdown with
    ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``; the message
    is the app's."""


class _Lifespan:
    """Drives the ASGI lifespan protocol of an app, as a server does: one
    ``lifespan`` scope for the app's whole life, startup before the first
    request, shutdown after the last."""

    def __init__(self, app: ASGIApp, timeout: float | None) -> None:
        self.app = app
        self.timeout = timeout
        #: What the app keeps for requests (``scope["state"]``).
        self.state: dict[str, t.Any] = {}
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._outbox: asyncio.Queue[Message | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _serve(self, scope: Scope) -> None:
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        finally:
            self._outbox.put_nowait(None)

    async def _answer(self, phase: str) -> None:
        """Wait for the app's answer to ``lifespan.<phase>``."""
        assert self._task is not None
        try:
            message = await asyncio.wait_for(self._outbox.get(), self.timeout)
        except TimeoutError:
            self._task.cancel()
            raise TimeoutError(
                f"The ASGI app did not answer lifespan {phase} within"
                f" {self.timeout} seconds."
            ) from None
        if message is None:
            # The app returned (or raised) without answering.
            error = self._task.exception()
            if error is not None:
                raise error
            raise RuntimeError(f"The ASGI app returned during lifespan {phase}.")
        kind = message["type"]
        if kind == f"lifespan.{phase}.failed":
            raise LifespanFailed(message.get("message") or f"lifespan {phase} failed")
        if kind != f"lifespan.{phase}.complete":
            raise RuntimeError(f"The ASGI app sent {kind!r} during lifespan {phase}.")

    async def startup(self) -> None:
        """Start the app; returns once it completed startup.

        :raise LifespanFailed: the app's startup failed.
        """
        scope = {"type": "lifespan", "asgi": dict(_ASGI_VERSION), "state": self.state}
        self._task = asyncio.create_task(self._serve(scope))
        await self._inbox.put({"type": "lifespan.startup"})
        try:
            await self._answer("startup")
        except BaseException:
            await self._finish()
            raise

    async def shutdown(self) -> None:
        """Shut the app down; returns once it completed shutdown and
        returned.

        :raise LifespanFailed: the app's shutdown failed.
        """
        await self._inbox.put({"type": "lifespan.shutdown"})
        try:
            await self._answer("shutdown")
        finally:
            await self._finish()

    async def _finish(self) -> None:
        task = self._task
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), self.timeout)
        except TimeoutError:
            task.cancel()
        except BaseException:
            # The app's error reached the test through _answer already.
            return


class StreamedResponse:
    """A response read as the app sends it, from
    :meth:`AsyncAppClient.stream`::

        async with client.stream("/events") as response:
            assert response.status_code == 200
            async for chunk in response:
                ...

    :param response: the test response, whose body is not read yet.
    """

    def __init__(self, response: TestResponse) -> None:
        #: The test response; reading its body from async code would block
        #: the loop the app runs on: iterate this object instead.
        self.response = response
        #: The status code.
        self.status_code: int = response.status_code
        #: The status line.
        self.status: str = response.status
        #: The response headers.
        self.headers: Headers = response.headers
        self._chunks: t.Iterator[bytes] = iter(
            t.cast("t.Iterable[bytes]", response.response)
        )

    def __aiter__(self) -> t.AsyncIterator[bytes]:
        return self._iterate()

    async def _iterate(self) -> t.AsyncIterator[bytes]:
        while True:
            # The body waits for the app, which runs on this loop: wait for
            # it in a thread.
            chunk = await _in_thread(next, self._chunks, None)
            if chunk is None:
                return
            yield chunk

    async def read(self) -> bytes:
        """The rest of the body."""
        return b"".join([chunk async for chunk in self])


class AsyncAppClient:
    """The test client for async tests: ``app.async_test_client()``.

    Requests go through the app's ASGI callable (``app.asgi``) on the
    test's own event loop, so the app's async code and the test share it::

        async def test_hello():
            async with app.async_test_client() as client:
                response = await client.get("/hello")
                assert response.json == {"hello": "world"}

    The methods take the arguments of :meth:`AppClient.open` and return the
    same test responses, with the body already read; :meth:`stream` reads
    one as it comes. Cookies, ``environ_base``, ``follow_redirects`` and
    :meth:`session_transaction` work as on :class:`AppClient` (which does
    the work, in a thread, while the app runs on the loop).

    ``async with client:`` runs the ASGI lifespan protocol: startup on
    entry (an app that fails it raises :class:`LifespanFailed`, and the
    block does not run), shutdown on exit; requests in between get the
    lifespan state in their scope. Without ``async with`` there is no
    lifespan, as with a server that has it turned off.

    :param app: the app.
    :param lifespan: run lifespan startup and shutdown in ``async with``.
    :param timeout: seconds to wait for the app before failing the test.
    :param kwargs: passed to :meth:`App.test_client` (``use_cookies``, or
        the arguments of a custom :attr:`App.test_client_class`).
    """

    def __init__(
        self,
        app: App,
        *,
        lifespan: bool = True,
        timeout: float | None = 30.0,
        **kwargs: t.Any,
    ) -> None:
        self.app = app
        self.lifespan = lifespan
        self.timeout = timeout
        #: The sync client that builds requests and keeps cookies.
        self.client: AppClient = app.test_client(transport="asgi", **kwargs)
        self._lifespan: _Lifespan | None = None

    @property
    def environ_base(self) -> dict[str, t.Any]:
        """Environ values every request starts from; see
        :attr:`AppClient.environ_base`."""
        return self.client.environ_base

    def _transport(self) -> None:
        """Point the client's transport at the running loop, with the
        lifespan state."""
        loop = asyncio.get_running_loop()
        state = None if self._lifespan is None else self._lifespan.state
        current = self.client.transport
        if (
            isinstance(current, ASGITransport)
            and current._loop is loop
            and current.state is state
        ):
            return
        self.client.transport = ASGITransport(
            self.app.asgi, loop=loop, state=state, timeout=self.timeout
        )

    async def open(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """Send a request and read the whole response; takes the arguments
        of :meth:`AppClient.open` (``follow_redirects`` too)."""
        self._transport()
        kwargs["buffered"] = True
        return await _in_thread(self.client.open, *args, **kwargs)

    async def get(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``GET`` request; see :meth:`open`."""
        return await self.open(*args, method="GET", **kwargs)

    async def post(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``POST`` request; see :meth:`open`."""
        return await self.open(*args, method="POST", **kwargs)

    async def put(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``PUT`` request; see :meth:`open`."""
        return await self.open(*args, method="PUT", **kwargs)

    async def patch(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``PATCH`` request; see :meth:`open`."""
        return await self.open(*args, method="PATCH", **kwargs)

    async def delete(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``DELETE`` request; see :meth:`open`."""
        return await self.open(*args, method="DELETE", **kwargs)

    async def head(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """A ``HEAD`` request; see :meth:`open`."""
        return await self.open(*args, method="HEAD", **kwargs)

    async def options(self, *args: t.Any, **kwargs: t.Any) -> TestResponse:
        """An ``OPTIONS`` request; see :meth:`open`."""
        return await self.open(*args, method="OPTIONS", **kwargs)

    @asynccontextmanager
    async def stream(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.AsyncIterator[StreamedResponse]:
        """Send a request and read the response as the app sends it; takes
        the arguments of :meth:`AppClient.open`. Leaving the block before
        the end closes the response: the app sees the client go away.
        """
        self._transport()
        kwargs["buffered"] = False
        response = await _in_thread(self.client.open, *args, **kwargs)
        try:
            yield StreamedResponse(response)
        finally:
            await _in_thread(response.close)

    def websocket(
        self,
        path: str,
        *,
        headers: t.Mapping[str, str] | None = None,
        subprotocols: t.Sequence[str] = (),
    ) -> t.AsyncContextManager[WebSocketTestConnection]:
        """Open a WebSocket connection to ``path`` (a query string may
        follow), carrying the client's cookies::

            async with client.websocket("/ws/lobby") as ws:
                await ws.send("hello")
                assert await ws.receive() == "lobby: hello"

        :param headers: extra handshake headers.
        :param subprotocols: the subprotocols to offer.
        :raise framework.testing_websocket.WebSocketRejected: the app
            refused the handshake (403, or its own response).
        """
        from .testing_websocket import connect

        cookies = {
            cookie.key: cookie.value
            for cookie in getattr(self.client, "_cookies", {}).values()
        }
        return connect(
            self.app,
            path,
            headers=headers,
            subprotocols=subprotocols,
            cookies=cookies,
            timeout=self.timeout,
        )

    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.ContextManager[SessionMixin]:
        """Open the session the client's cookies carry; see
        :meth:`AppClient.session_transaction`."""
        return self.client.session_transaction(*args, **kwargs)

    def get_cookie(self, key: str, domain: str = "localhost", path: str = "/") -> t.Any:
        """The client's cookie ``key``; see :meth:`werkzeug.test.Client.get_cookie`."""
        return self.client.get_cookie(key, domain, path)

    def set_cookie(self, key: str, value: str = "", **kwargs: t.Any) -> None:
        """Set a cookie the client sends; see
        :meth:`werkzeug.test.Client.set_cookie`."""
        self.client.set_cookie(key, value, **kwargs)

    async def __aenter__(self) -> AsyncAppClient:
        if self.lifespan:
            lifespan = _Lifespan(self.app.asgi, self.timeout)
            await lifespan.startup()
            self._lifespan = lifespan
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        if lifespan is not None:
            await lifespan.shutdown()


class AppCliRunner(CliRunner):
    """Runs the app's commands in tests: ``app.test_cli_runner()``.

    A click :class:`~click.testing.CliRunner` whose :meth:`invoke` runs
    ``app.cli`` by default, with the app already loaded.
    """

    def __init__(self, app: App, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (``app.cli`` when ``None``) with ``args`` (a list, or
        a string split like a shell would), in a new isolated context.

        :param kwargs: passed to :meth:`click.testing.CliRunner.invoke`;
            ``obj`` defaults to a :class:`~framework.cli.ScriptInfo` that
            gives this app.
        """
        from .cli import ScriptInfo

        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        # The framework command sets these in os.environ; the runner puts
        # back their values afterwards so one test can't change the next.
        env = kwargs["env"] = dict(kwargs.get("env") or {})
        for name in (
            *("FRAMEWORK_RUN_FROM_CLI", "FRAMEWORK_DEBUG"),
            *("FLASK_RUN_FROM_CLI", "FLASK_DEBUG"),
        ):
            env.setdefault(name, os.environ.get(name))
        return super().invoke(cli, args, **kwargs)
