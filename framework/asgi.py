"""The ASGI adapter: an ASGI ``(scope, receive, send)`` call served by the
same pipeline as a WSGI call.

Layer 2, below :mod:`framework.app`, which owns one :class:`HTTPAdapter`
per app (DESIGN.md, "One pipeline, two protocols"; ASGI.md). For each HTTP
request the adapter:

1. reads the body before dispatch, on the loop, within
   ``MAX_CONTENT_LENGTH`` and ``ASGI_BODY_TIMEOUT`` (into memory up to
   ``ASGI_BODY_SPOOL_SIZE``, then into a temporary file), so that sync code
   keeps ``request.get_data()``, ``.form``, ``.files`` and ``.json``;
2. builds the request from the scope (:meth:`Request.from_scope`; the WSGI
   environ is made only if something asks for it);
3. runs the request in ONE hop to a bounded thread pool (``ASGI_THREADS``;
   503 past ``ASGI_MAX_PENDING`` waiting requests): push, hooks, view,
   after-request hooks, teardown and pop, the same code and order as under
   WSGI, with the context variables copied in and back out. Async views
   and hooks met inside the hop run on the server's loop;
4. sends the response: a buffered body as one message; an iterable body
   chunk by chunk as it is produced, from the same hop, each chunk sent
   once the server took the previous one.

An app whose ``wsgi_app`` was replaced by WSGI middleware (``ProxyFix``) is
served through that middleware, in the same single hop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
import typing as t
import weakref

from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    ServiceUnavailable,
)
from werkzeug.wsgi import FileWrapper

from . import background, signals
from .bodies import (
    NO_BODY,
    STREAM_BODY,
    ClientGone,
    ReadBody,
    StreamedBody,
    read_body,
)
from .concurrency import CANCEL_ON_DISCONNECT, LoopBridge, ThreadHop, ThreadHopFull
from .ctx import RequestContext
from .dispatch import Dispatcher, LoopPlan
from .errors import ErrorHandling, propagates_exceptions
from .interfaces import Pipeline
from .streams import AsyncBody, encoded
from .wrappers import Response, scope_facts, scope_to_environ

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike

__all__ = [
    "HTTPAdapter",
    "Message",
    "Receive",
    "Scope",
    "Send",
]

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Coroutine[t.Any, t.Any, None]]

_log = logging.getLogger(__name__)

#: ``(status code, [(name, value)] as bytes, body)``: a response ready to
#: send; ``body`` is the whole body, or ``None`` when the hop sent it.
_Ready = tuple[int, list[tuple[bytes, bytes]], "bytes | _LoopBody | None"]

_DEFAULT_SPOOL = 1024 * 1024

#: HTTP versions whose request bodies are delimited by Content-Length or
#: chunked transfer coding; later ones frame bodies without either header.
_LENGTH_FRAMED = frozenset({"1.0", "1.1"})


class HTTPAdapter:
    """Serves the ASGI ``http`` scopes of one app; see the module docstring.

    Made by :attr:`App.asgi_app` on the first ASGI request, when setup is
    finished: it reads its settings from the config once.

    It keeps no reference to the app, which owns it: the app comes with
    each call, so that an app that served ASGI requests is freed by
    reference counting like any other.

    :param app: the app to serve.
    """

    def __init__(self, app: AppLike) -> None:
        config = app.config
        self.hop = ThreadHop(
            config.get("ASGI_THREADS"),
            config.get("ASGI_MAX_PENDING"),
            name="framework-asgi",
        )
        self.spool_size: int = config.get("ASGI_BODY_SPOOL_SIZE") or _DEFAULT_SPOOL
        self.body_timeout: float | None = config.get("ASGI_BODY_TIMEOUT")
        #: Whether any request may run on the loop (see :func:`_loop_capable`).
        self.loop_capable = _loop_capable(app)
        self._warned_wsgi = False
        # What each endpoint's view asks of the adapter; looked up only when
        # some view is marked, so that other apps pay nothing per request.
        self._endpoint_marks: dict[str, _Marks] = {}
        self._any_marks = any(
            hasattr(view, STREAM_BODY) or hasattr(view, CANCEL_ON_DISCONNECT)
            for view in app.view_functions.values()
        )
        # The strategies are fixed once setup is finished (first request).
        self._dispatcher: Dispatcher = app.dispatcher  # type: ignore[assignment]
        self._router = app.router
        #: Whether the app's ASGI entry may call this adapter directly for
        #: an ``http`` scope: set by the app when its class does not
        #: override ``asgi_app``.
        self.direct = False

    async def __call__(
        self, app: AppLike, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Serve one HTTP request of ``app``."""
        ctx: RequestContext | None = None
        plan: LoopPlan | None = None
        try:
            if self.loop_capable and "wsgi_app" not in app.__dict__:
                # Built before the body is read: where the request runs
                # decides whether the body is read ahead at all.
                request = app.request_class.from_scope(scope, NO_BODY)
                ctx = RequestContext(app, request=request)
                facts = request._facts
                if facts is None:  # a request class with its own __init__
                    facts = scope_facts(scope)
            else:
                facts = scope_facts(scope)
        except _MALFORMED as e:
            await _refuse_malformed(send, e)
            return
        if ctx is not None:
            ctx.prematch(self._router)
            plan = self._dispatcher.loop_plan(ctx)
            if (
                plan is not None
                and not self._any_marks
                and "HTTP_TRANSFER_ENCODING" not in facts
                and scope.get("http_version", "1.1") in _LENGTH_FRAMED
            ):
                # PERF: hello, json-echo and API create; on the loop with no
                # body or a declared one (the general path below, without
                # its checks).
                declared = facts.get("CONTENT_LENGTH")
                if declared is None:
                    ready = await _run_request_on_loop(ctx, plan, send, receive, self)
                else:
                    read = await self._read(app, send, receive, declared, False)
                    if read is None:
                        return
                    if read is not NO_BODY:
                        ctx.request._set_asgi_body(read)
                    try:
                        ready = await _run_request_on_loop(
                            ctx, plan, send, receive, self
                        )
                    finally:
                        if read is not NO_BODY:
                            read.close()
                try:
                    if ready is not None:
                        status, headers, content = ready
                        if type(content) is bytes:
                            # PERF: hello; _send's messages, without its frame.
                            await send(
                                {
                                    "type": "http.response.start",
                                    "status": status,
                                    "headers": headers,
                                }
                            )
                            await send({"type": "http.response.body", "body": content})
                        else:
                            await _send(send, receive, ready)
                finally:
                    # Even when the client left before the response was
                    # sent: the request ran, so does the work it queued (a
                    # WSGI server closes the response in that case too).
                    if background.in_use:
                        background.start_pending(ctx)
                return
        marks = (
            self._marks(ctx)
            if plan is not None and self._any_marks and ctx is not None
            else _NO_MARKS
        )
        body: ReadBody | StreamedBody
        if ctx is not None and marks.streams_body:
            body = _streamed(ctx, receive)
        else:
            length: str | None = facts.get("CONTENT_LENGTH")
            chunked = "HTTP_TRANSFER_ENCODING" in facts or (
                # HTTP/2 and HTTP/3 frame a body without either header.
                length is None
                and scope.get("http_version", "1.1") not in _LENGTH_FRAMED
            )
            if length is None and not chunked:
                read = NO_BODY  # PERF: hello; no coroutine to await
            else:
                found = await self._read(app, send, receive, length, chunked)
                if found is None:
                    return
                read = found
            body = read
            if ctx is not None:
                if read is not NO_BODY:  # from_scope was given NO_BODY
                    ctx.request._set_asgi_body(read)
            elif "wsgi_app" in app.__dict__:
                ready = await self._through_wsgi(app, scope, read, send, receive)
                if ready is not None:
                    await _send(send, receive, ready)
                return
            else:
                try:
                    ctx = self._context(app, scope, read, facts)
                except _MALFORMED as e:
                    read.close()
                    await _refuse_malformed(send, e)
                    return
        assert ctx is not None
        try:
            if plan is None:
                ready = await self.hop.run(_run_request, ctx, send, receive)
            elif marks.cancels:
                ready = await _cancellable(
                    _run_request_on_loop(ctx, plan, send, receive, self), receive
                )
            else:
                ready = await _run_request_on_loop(ctx, plan, send, receive, self)
        except ThreadHopFull:
            await _send_error(
                send, ServiceUnavailable("The server is busy; try again shortly.")
            )
            return
        finally:
            if body is not NO_BODY:
                body.close()
        try:
            if ready is not None:
                await _send(send, receive, ready)
        finally:
            if background.in_use:  # as above, even when sending failed
                background.start_pending(ctx)

    async def _read(
        self,
        app: AppLike,
        send: Send,
        receive: Receive,
        length: str | None,
        chunked: bool,
    ) -> ReadBody | None:
        """The request body, read ahead (:func:`read_body`); ``None`` when
        the client was answered instead, or is gone."""
        try:
            return await read_body(
                receive,
                content_length=length,
                chunked=chunked,
                max_length=app.config["MAX_CONTENT_LENGTH"],
                spool_size=self.spool_size,
                timeout=self.body_timeout,
            )
        except ClientGone:
            # Usually nobody is left to answer; but some servers (granian)
            # report a body cut short or malformed this way while the
            # client still waits: it gets its 400.
            with contextlib.suppress(OSError, RuntimeError):
                await _send_error(send, BadRequest("The request body was cut short."))
            return None
        except HTTPException as e:  # 408: the body did not arrive in time
            await _send_error(send, e)
            return None

    async def _through_wsgi(
        self,
        app: AppLike,
        scope: Scope,
        body: ReadBody,
        send: Send,
        receive: Receive,
    ) -> _Ready | None:
        if not self._warned_wsgi:
            self._warned_wsgi = True
            app.logger.warning(
                "app.wsgi_app is wrapped by WSGI middleware (%r): under ASGI"
                " every request goes through it in a thread, so async views"
                " never run on the loop. Wrap app.asgi_app with ASGI"
                " middleware instead where one exists.",
                app.wsgi_app,
            )
        try:
            return await self.hop.run(_through_wsgi, app, scope, body, send, receive)
        except ThreadHopFull:
            await _send_error(
                send, ServiceUnavailable("The server is busy; try again shortly.")
            )
            return None
        finally:
            body.close()

    def _marks(self, ctx: RequestContext) -> _Marks:
        """What the matched view asks of the adapter (:func:`stream_body`,
        :func:`cancel_on_disconnect`); found once per endpoint."""
        rule = ctx.request.url_rule
        if rule is None:
            return _NO_MARKS
        found = self._endpoint_marks.get(rule.endpoint)
        if found is None:
            view = ctx.app.view_functions.get(rule.endpoint)
            streams = bool(getattr(view, STREAM_BODY, False))
            found = self._endpoint_marks[rule.endpoint] = _Marks(
                streams_body=streams,
                # A view reading receive() itself can't share it.
                cancels=not streams
                and bool(getattr(view, CANCEL_ON_DISCONNECT, False)),
            )
        return found

    def _context(
        self, app: AppLike, scope: Scope, body: ReadBody, facts: dict[str, t.Any]
    ) -> RequestContext:
        if getattr(app, "_custom_request_context", False):
            return app.request_context(scope_to_environ(scope, body.content_stream()))
        request = app.request_class.from_scope(scope, body, facts)
        return RequestContext(app, request=request)

    async def shutdown(self, timeout: float | None = None) -> bool:
        """Stop the thread pool, waiting ``timeout`` seconds for running
        requests; whether they all ended."""
        return await self.hop.shutdown(timeout)


class _Marks(t.NamedTuple):
    """What a view asks of the adapter."""

    streams_body: bool = False
    cancels: bool = False


_NO_MARKS = _Marks()


async def _cancellable(
    request: t.Coroutine[t.Any, t.Any, _Ready | None], receive: Receive
) -> _Ready | None:
    """Run ``request`` in this task, cancelled if the client disconnects
    meanwhile; ``None`` (nothing to send) when it was."""
    import asyncio

    task = asyncio.current_task()
    assert task is not None
    watcher = asyncio.ensure_future(_cancel_on_disconnect(receive, task))
    try:
        return await request
    except asyncio.CancelledError:
        if not (watcher.done() and not watcher.cancelled() and watcher.result()):
            raise
        task.uncancel()
        return None
    finally:
        watcher.cancel()


def _streamed(ctx: RequestContext, receive: Receive) -> StreamedBody:
    """Leave the body unread, for the view to read with
    ``request.aiter_body()``."""
    body = StreamedBody(receive, ctx.request.headers.get("Content-Length"))
    ctx.request._set_asgi_body(body)
    return body


def _loop_capable(app: AppLike) -> bool:
    """Whether the app's pipeline has an async twin to run requests on the
    loop with: the default dispatcher and error handling (or subclasses),
    no Flask-style override of a pipeline method, no custom request
    context, a session interface that never blocks."""
    if not isinstance(app.dispatcher, Dispatcher) or not isinstance(
        app.error_handling, ErrorHandling
    ):
        return False
    if getattr(app, "_custom_request_context", False):
        return False
    strategies = (
        app.dispatcher,
        app.error_handling,
        app.router,
        app.response_converter,
    )
    for step in Pipeline.__slots__:
        owner = getattr(getattr(app.pipeline, step, None), "__self__", None)
        if not any(owner is strategy for strategy in strategies):
            return False  # an App method overridden Flask-style
    return bool(type(app.session_interface).__dict__.get("loop_safe", False))


# -- on the loop, for requests that never leave it ----------------------------


async def _run_request_on_loop(
    ctx: RequestContext,
    plan: LoopPlan,
    send: Send,
    receive: Receive,
    adapter: HTTPAdapter,
) -> _Ready | None:
    """The async twin of :func:`_run_request`: the whole request on the
    loop, in the server's task, with no thread hop."""
    app = ctx.app
    error: BaseException | None = None
    try:
        try:
            ctx.push()
            if plan.bare and signals.request_path_quiet:
                response = await adapter._dispatcher.abare_dispatch(ctx, plan)
            else:
                response = await adapter._dispatcher.afull_dispatch(ctx)
        except Exception as e:
            error = e
            errors: ErrorHandling = app.error_handling  # type: ignore[assignment]
            response = await errors.ahandle_unhandled(ctx, e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        # PERF: hello; the fast lane of _wsgi_parts without its frame.
        head = response.asgi_head(ctx.request.method)
        status, headers, body = _wsgi_parts(response, ctx) if head is None else head
    finally:
        scope = ctx.request._asgi_scope
        if scope is not None and scope.get("extensions"):
            _preserve(ctx)
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)
        error = None  # its traceback holds this frame: no cycle
    if type(body) is list or type(body) is tuple:  # neither has a close()
        return status, headers, b"".join(body)
    if isinstance(body, _LoopBody):
        return status, headers, body
    # A streamed body is produced by sync code: pump it from one thread.
    return await adapter.hop.run(_finish, status, headers, body, send, receive, app)


#: The scope extension through which the test client asks to keep a
#: request's context after the request (``with client:``), as werkzeug's
#: environ key does under WSGI.
_PRESERVE_CONTEXT = "werkzeug.debug.preserve_context"


def _preserve(ctx: RequestContext) -> None:
    """Hand the context to a test client that asked to keep it."""
    scope = ctx.request._asgi_scope
    if scope is not None:
        extensions = scope.get("extensions")
        if extensions and _PRESERVE_CONTEXT in extensions:
            extensions[_PRESERVE_CONTEXT](ctx)


# -- in the hop's thread ---------------------------------------------------


def _run_request(ctx: RequestContext, send: Send, receive: Receive) -> _Ready | None:
    """Run the whole request in this thread, as the WSGI adapter does, and
    send a streamed body from here."""
    app = ctx.app
    error: BaseException | None = None
    pipeline = app.pipeline
    try:
        try:
            ctx.push()
            response = pipeline.full_dispatch(ctx)
        except Exception as e:
            error = e
            response = pipeline.handle_unhandled(ctx, e)
        except BaseException:
            error = sys.exc_info()[1]
            raise
        status, headers, body = _wsgi_parts(response, ctx)
    finally:
        _preserve(ctx)
        if error is not None and app.should_ignore_error(error):
            error = None
        ctx.pop(error)
        error = None  # its traceback holds this frame: no cycle
    return _finish(status, headers, body, send, receive, app)


def _through_wsgi(
    app: AppLike, scope: Scope, body: ReadBody, send: Send, receive: Receive
) -> _Ready | None:
    """Serve the request through ``app.wsgi_app`` as replaced by WSGI
    middleware, so that the middleware keeps working under ASGI."""
    environ = scope_to_environ(scope, body.content_stream())
    parts: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        parts[:] = [status, headers]
        return _no_write

    iterable = app.wsgi_app(environ, start_response)
    try:
        if not parts:  # a lazy app calls start_response on the first chunk
            iterable = _primed(iterable)
    except BaseException:
        _close(iterable)
        raise
    return _finish(*_converted(parts[0], parts[1]), iterable, send, receive, app)


def _no_write(data: bytes) -> object:
    raise RuntimeError("The ASGI adapter does not support WSGI's write().")


def _primed(iterable: t.Iterable[bytes]) -> t.Iterable[bytes]:
    """Start ``iterable`` so that its ``start_response`` call happens now."""
    iterator = iter(iterable)
    try:
        first = next(iterator)
    except StopIteration:
        return iterable
    return _Prefixed(first, iterator, iterable)


class _Prefixed:
    """An iterable that yields ``first``, then the rest of ``iterator``,
    and closes the original iterable."""

    def __init__(
        self, first: bytes, iterator: t.Iterator[bytes], original: t.Iterable[bytes]
    ) -> None:
        self.first, self.iterator, self.original = first, iterator, original

    def __iter__(self) -> t.Iterator[bytes]:
        yield self.first
        yield from self.iterator

    def close(self) -> None:
        _close(self.original)


def _wsgi_parts(
    response: Response, ctx: RequestContext
) -> tuple[int, list[tuple[bytes, bytes]], t.Iterable[bytes] | _LoopBody]:
    """The status, headers and body iterable the response gives as a WSGI
    app for this request."""
    head = response.asgi_head(ctx.request.method)
    if head is not None:
        return head
    if type(response.response) is AsyncBody:
        return _async_parts(response, ctx)
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        captured[:] = [status, headers]
        return _no_write

    response_class = type(response)
    plain = _PLAIN_CLASSES.get(response_class)
    if plain is None:
        plain = _PLAIN_CLASSES[response_class] = _plain_class(response_class)
    if plain:
        # A stock response reads only the method from the environ: the
        # request's environ (built from the scope on first use) is spared.
        environ: dict[str, t.Any] = {"REQUEST_METHOD": ctx.request.method}
    else:
        environ = ctx.request.environ
    body = response(environ, start_response)
    status, headers = _converted(captured[0], captured[1])
    buffered = response.response
    if (
        (type(buffered) is list or type(buffered) is tuple)
        and not response.direct_passthrough
        and not response._on_close
    ):
        # PERF: API create benchmark; a body held in memory, with no
        # callback to run when it is closed, is joined here: nothing in it
        # can block, so it need not be sent from a thread.
        try:
            return status, headers, (b"".join(body),)
        finally:
            _close(body)
    path = _path_of(body, ctx)
    if path is not None:
        return status, headers, _PathSend(path, body)
    return status, headers, body


def _async_parts(
    response: Response, ctx: RequestContext
) -> tuple[int, list[tuple[bytes, bytes]], _AsyncStream]:
    """The parts of a response whose body is produced by async code: its
    WSGI headers, and the body, to be iterated on the loop."""
    environ = ctx.request.environ
    status, headers = _converted(
        response.status, response.get_wsgi_headers(environ).to_wsgi_list()
    )
    code = response.status_code
    empty = environ["REQUEST_METHOD"] == "HEAD" or code < 200 or code in (204, 304)
    body = _AsyncStream(ctx.app, response, t.cast(AsyncBody, response.response), empty)
    return status, headers, body


class _LoopBody:
    """A response body the loop sends itself, after the head."""

    __slots__ = ()

    async def send(self, receive: Receive, send: Send) -> None:
        """Send the body and close what it holds."""
        raise NotImplementedError


class _PathSend(_LoopBody):
    """A file sent by the server itself, from its path: the ASGI
    ``http.response.pathsend`` extension (granian offers it), the
    zero-copy path where WSGI has ``wsgi.file_wrapper``."""

    __slots__ = ("path", "wrapper")

    def __init__(self, path: str, wrapper: t.Any) -> None:
        self.path = path
        self.wrapper = wrapper

    async def send(self, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.pathsend", "path": self.path})
        finally:
            self.wrapper.close()


def _path_of(body: object, ctx: RequestContext) -> str | None:
    """The path to send a file body from, when the server can send files
    by path and the body is a whole file opened from an absolute path."""
    if type(body) is not FileWrapper:
        return None
    scope = ctx.request._asgi_scope
    extensions = scope.get("extensions") if scope is not None else None
    if not extensions or "http.response.pathsend" not in extensions:
        return None
    file = body.file
    name = getattr(file, "name", None)
    if not isinstance(name, str) or not os.path.isabs(name):
        return None
    try:
        if file.tell() != 0:
            return None
    except (AttributeError, OSError, ValueError):
        return None
    return name


class _AsyncStream(_LoopBody):
    """A response body made by async code, sent from the loop in the
    request's task: chunk by chunk as produced, each once the server took
    the previous one; cancelled when the client goes away."""

    __slots__ = ("app", "body", "empty", "response")

    def __init__(
        self, app: AppLike, response: Response, body: AsyncBody, empty: bool
    ) -> None:
        self.app = app
        self.response = response
        self.body = body
        self.empty = empty

    async def send(self, receive: Receive, send: Send) -> None:
        """Send the body, then close it and the response."""
        import asyncio

        task = asyncio.current_task()
        assert task is not None
        watcher = asyncio.ensure_future(_cancel_on_disconnect(receive, task))
        try:
            if not self.empty:
                iterator = aiter(self.body.iterable)
                while True:
                    try:
                        chunk = await anext(iterator)
                    except StopAsyncIteration:
                        break
                    except Exception:
                        if _stream_failed(self.app):  # see _finish
                            raise
                        return
                    if chunk:
                        await send(
                            {
                                "type": "http.response.body",
                                "body": encoded(chunk),
                                "more_body": True,
                            }
                        )
            await send({"type": "http.response.body", "body": b""})
        except asyncio.CancelledError:
            if not (watcher.done() and not watcher.cancelled() and watcher.result()):
                raise
            task.uncancel()  # the client went away: nothing left to send
        except OSError:
            pass  # the server says the client went away
        finally:
            watcher.cancel()
            try:
                await self.body.aclose()
            finally:
                self.response.close()


async def _disconnected(receive: Receive) -> bool:
    """Wait for the client to disconnect: ``True`` when it did. Once the
    body is read, a server's ``receive`` answers only that; ``False`` when
    it keeps giving other messages instead (a body nobody read, or a
    server or test double that never blocks), so that waiting never turns
    into a busy loop."""
    for _ in range(_OTHER_MESSAGES):
        if (await receive())["type"] == "http.disconnect":
            return True
    return False


#: How many other messages :func:`_disconnected` reads before it gives up:
#: the end of a body nobody asked for, and one more.
_OTHER_MESSAGES = 2


async def _cancel_on_disconnect(receive: Receive, task: t.Any) -> bool:
    """Cancel ``task`` when the client disconnects; ``True`` once it did."""
    if await _disconnected(receive):
        task.cancel()
        return True
    return False


#: Whether each response class seen is plain (:func:`_plain_class`), so
#: that the answer, true or false, is found once per class.
_PLAIN_CLASSES: weakref.WeakKeyDictionary[type, bool] = weakref.WeakKeyDictionary()


def _plain_class(cls: type[Response]) -> bool:
    """Whether responses of ``cls`` read nothing but the method from the
    environ."""
    return (
        issubclass(cls, Response)
        and cls.supports_fast()
        and not cls.autocorrect_location_header
    )


def _converted(
    status: str, headers: list[tuple[str, str]]
) -> tuple[int, list[tuple[bytes, bytes]]]:
    return int(status[:3]), [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in headers
    ]


def _finish(
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: t.Iterable[bytes] | _LoopBody,
    send: Send,
    receive: Receive,
    app: AppLike,
) -> _Ready | None:
    """Hand a buffered body back to the loop, or send a streamed one from
    this thread, chunk by chunk."""
    if type(body) is list or type(body) is tuple:
        try:
            return status, headers, b"".join(body)
        finally:
            _close(body)
    if isinstance(body, _LoopBody):
        return status, headers, body  # sent from the loop
    bridge = LoopBridge.current()
    assert bridge is not None, "_finish runs in a ThreadHop call"
    gone = _DisconnectFlag(bridge.loop, receive)
    try:
        start = {"type": "http.response.start", "status": status, "headers": headers}
        bridge.run(gone.send(send, start))
        iterator = iter(body)
        while not gone.is_set():
            try:
                chunk = next(iterator)
            except StopIteration:
                break
            except Exception:
                # Too late for an error page: the status went out. The
                # response is left incomplete, so the server drops the
                # connection and the client sees a cut-off body.
                if _stream_failed(app):
                    raise
                return None
            if chunk:
                message = {
                    "type": "http.response.body",
                    "body": chunk,
                    "more_body": True,
                }
                bridge.run(gone.send(send, message))
        if not gone.is_set():
            bridge.run(gone.send(send, {"type": "http.response.body", "body": b""}))
    except OSError:
        pass  # the client went away: stop producing (the finally closes)
    finally:
        gone.stop()
        _close(body)
    return None


class _DisconnectFlag:
    """Set when the client disconnects, for a thread producing a streamed
    body: a task on the loop waits for ``http.disconnect`` (some servers
    let ``send`` succeed silently after it), and the thread checks the flag
    before each chunk, then closes the generator."""

    def __init__(self, loop: asyncio.AbstractEventLoop, receive: Receive) -> None:
        self._event = threading.Event()
        self._loop = loop
        self._task: asyncio.Future[t.Any] | None = None
        loop.call_soon_threadsafe(self._start, receive)

    def _start(self, receive: Receive) -> None:
        self._task = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        if await _disconnected(receive):
            self._event.set()
        else:
            await asyncio.Event().wait()  # keep the send race meaningful

    async def send(self, send: Send, message: Message) -> None:
        """``send(message)``, given up when the client disconnects first
        (a server may block a send to a connection that is gone).

        :raise OSError: the client disconnected.
        """
        watcher = self._task
        if self._event.is_set() or watcher is None:
            if self._event.is_set():
                raise OSError("The client disconnected.")
            await send(message)
            return
        sending = asyncio.ensure_future(send(message))
        done, _ = await asyncio.wait(
            {sending, watcher}, return_when=asyncio.FIRST_COMPLETED
        )
        if sending in done:
            try:
                sending.result()
            finally:
                # A raised error's traceback holds this frame, and the task
                # holds the error: no cycle once the frame lets go of it.
                done.clear()
                del sending
            return
        sending.cancel()
        raise OSError("The client disconnected.")

    def is_set(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        """Stop watching (the response is over)."""

        def cancel() -> None:
            if self._task is not None:
                self._task.cancel()

        with contextlib.suppress(RuntimeError):  # the loop closed
            self._loop.call_soon_threadsafe(cancel)


def _stream_failed(app: AppLike) -> bool:
    """Log an error raised while a response body was produced, unless the
    app propagates exceptions (testing, debug mode,
    ``PROPAGATE_EXCEPTIONS``): then say so, and the caller re-raises it to
    the server (or the test), as a WSGI server gets it."""
    if propagates_exceptions(app):
        return True
    app.logger.exception(
        "Producing the response body failed after its headers were sent;"
        " the connection is closed"
    )
    return False


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


# -- on the loop -------------------------------------------------------------


async def _send(send: Send, receive: Receive, ready: _Ready) -> None:
    """Send a response ready on the loop: a whole body as one message."""
    status, headers, content = ready
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if type(content) is bytes:
        await send({"type": "http.response.body", "body": content})
    elif isinstance(content, _LoopBody):
        await content.send(receive, send)
    else:
        await send({"type": "http.response.body", "body": content or b""})


#: What building a request from a malformed scope raises.
_MALFORMED = (KeyError, TypeError, ValueError, UnicodeError, AttributeError)


async def _refuse_malformed(send: Send, error: Exception) -> None:
    """Answer 400 to a scope no request can be built from (a path that is
    not a string, headers that are not byte pairs): the server's fault or
    an attacker's, refused without running the app."""
    _log.warning("Refused a malformed ASGI scope: %r", error)
    await _send_error(send, BadRequest("The request could not be read."))


async def _send_error(send: Send, error: HTTPException) -> None:
    """Answer with ``error``'s own page, without the app: used before a
    request exists, or when the pool is full."""
    response = error.get_response()
    status, headers = _converted(response.status, response.headers.to_wsgi_list())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": response.get_data()})
