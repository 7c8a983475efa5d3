"""The ASGI ``websocket`` scope: one connection served by an
``@app.websocket`` handler.

Layer 2, beside :mod:`framework.asgi` (which serves ``http`` scopes). For a
connection the adapter:

1. builds the handshake request from the scope and a
   :class:`WebSocketContext` holding the :class:`~framework.websockets.WebSocket`;
2. matches the path against the websocket rules (a websocket scope only
   ever matches rules made by ``@app.websocket``); no match refuses the
   handshake (the server answers 403, or the error's own status where the
   server offers ASGI's ``websocket.http.response`` extension);
3. pushes the context in the connection's task, sends
   ``websocket_started``, runs the ``before_websocket`` hooks of the app and
   of the handler's blueprints, awaits the handler, runs the
   ``after_websocket`` hooks, sends ``websocket_finished``;
4. closes the connection if the handler left it open (1000), or with 1011
   after an error, which is logged and sent as ``got_websocket_exception``;
   a client that went away (:class:`~framework.websockets.WebSocketDisconnect`)
   is no error;
5. runs the ``teardown_websocket`` callbacks, then pops the context (its
   ``teardown_appcontext`` callbacks run as after a request).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import sys
import typing as t

from werkzeug.exceptions import HTTPException

from . import signals
from .ctx import RequestContext
from .errors import propagates_exceptions
from .websockets import (
    GOING_AWAY,
    INTERNAL_ERROR,
    WebSocket,
    WebSocketDisconnect,
    WebSocketState,
)
from .wrappers import scopes_outer_first

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike

__all__ = ["WebSocketContext", "serve_websocket"]

Scope = t.MutableMapping[str, t.Any]
Message = t.MutableMapping[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

#: What building a request from a malformed scope raises.
_MALFORMED = (KeyError, TypeError, ValueError, UnicodeError, AttributeError)
#: ASGI's extension for answering a refused handshake with an HTTP response.
_DENIAL = "websocket.http.response"


class WebSocketContext(RequestContext):
    """The context of one WebSocket connection: a request context (the
    handshake request is :data:`~framework.request`, ``g`` and ``session``
    work, the session read-only) that also holds the connection.

    :param app: the app.
    :param request: the handshake request.
    :param websocket: the connection.
    """

    __slots__ = ("websocket",)

    def __init__(self, app: AppLike, request: t.Any, websocket: WebSocket) -> None:
        super().__init__(app, request=request)
        self.websocket = websocket  # type: ignore[misc]

    def teardown_request(self, exc: BaseException | None) -> list[BaseException]:
        """A connection is not a request: its ``teardown_websocket``
        callbacks ran before the pop (see :func:`serve_websocket`); this
        only closes the handshake request."""
        self.request.close()
        return []


async def serve_websocket(
    app: AppLike, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one ASGI ``websocket`` connection of ``app``; see the module
    docstring."""
    config = app.config
    # ASGI's first message of a connection; a client gone before it needs
    # no answer.
    if (await receive())["type"] != "websocket.connect":
        return
    try:
        # The handshake is a GET; the scope has no method of its own.
        request = app.request_class.from_scope({**scope, "method": "GET"})
        websocket = WebSocket(
            request,
            receive,
            send,
            max_message_size=config.get("WEBSOCKET_MAX_MESSAGE_SIZE"),
            idle_timeout=config.get("WEBSOCKET_IDLE_TIMEOUT"),
        )
        ctx = WebSocketContext(app, request, websocket)
    except _MALFORMED:
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    try:
        adapter = ctx.url_adapter
        assert adapter is not None
        rule, args = adapter.match(return_rule=True)
    except HTTPException as e:
        await _refuse(scope, send, e.code or 403, e.description or "")
        return
    request.url_rule = rule
    request.view_args = dict(args)
    handler = app.view_functions[rule.endpoint]
    error: BaseException | None = None
    ctx.push()
    try:
        try:
            # The client went away, or the app closed on a limit: no error.
            with contextlib.suppress(WebSocketDisconnect):
                await _converse(app, ctx, handler, args)
            if signals.websocket_finished.receivers:
                await _send_signal(signals.websocket_finished, app)
        except Exception as e:
            error = e
            await _failed(app, ctx, e)
        except asyncio.CancelledError:
            error = sys.exc_info()[1]
            await websocket.close(GOING_AWAY, "server shutting down")
            raise
        finally:
            errors = await _teardown_websocket(ctx, error)
            if errors:
                app.report_teardown_errors(errors)
    finally:
        ctx.pop(error)


async def _converse(
    app: AppLike,
    ctx: WebSocketContext,
    handler: t.Callable[..., t.Any],
    args: t.Mapping[str, t.Any],
) -> None:
    """The hooks, the handler, and a close it did not do itself."""
    websocket = ctx.websocket
    if signals.websocket_started.receivers:
        await _send_signal(signals.websocket_started, app)
    scopes = scopes_outer_first(ctx.request.blueprint)
    rv: t.Any = None
    for scope in scopes:
        for hook in app.before_websocket_funcs.get(scope, ()):
            rv = await _call(hook)
            if rv is not None:
                break
        if rv is not None:
            break
    if rv is None:
        rv = await handler(**args)
    for scope in reversed(scopes):
        for hook in reversed(app.after_websocket_funcs.get(scope, ())):
            out = await _call(hook, rv)
            if out is not None:
                rv = out
    if websocket.state is WebSocketState.CONNECTING and rv is not None:
        # A hook or the handler refused the handshake with a response.
        response = app.response_converter.make_response(ctx, rv)
        await _deny(ctx, response)
    else:
        await websocket.close()


async def _failed(app: AppLike, ctx: WebSocketContext, error: Exception) -> None:
    """An error in a hook or the handler: logged, sent as
    ``got_websocket_exception``, the connection closed with 1011 (or the
    handshake refused); re-raised where the app propagates errors."""
    if signals.got_websocket_exception.receivers:
        await _send_signal(signals.got_websocket_exception, app, exception=error)
    websocket = ctx.websocket
    if websocket.state is WebSocketState.CONNECTING:
        await _refuse(websocket.request._asgi_scope or {}, websocket._send, 500, "")
        websocket.state = WebSocketState.CLOSED
    else:
        await websocket.close(INTERNAL_ERROR, "internal error")
    if propagates_exceptions(app):
        raise error
    app.logger.error(
        "Exception in WebSocket handler %s [%s]",
        ctx.request.path,
        ctx.request.url_rule.endpoint if ctx.request.url_rule else "?",
        exc_info=(type(error), error, error.__traceback__),
    )


async def _teardown_websocket(
    ctx: WebSocketContext, error: BaseException | None
) -> list[BaseException]:
    """Run every ``teardown_websocket`` callback, innermost scope first and
    the latest registered first, collecting what they raise."""
    app = ctx.app
    errors: list[BaseException] = []
    for scope in reversed(scopes_outer_first(ctx.request.blueprint)):
        for hook in reversed(app.teardown_websocket_funcs.get(scope, ())):
            try:
                await _call(hook, error)
            except Exception as e:
                errors.append(e)
    return errors


async def _call(hook: t.Callable[..., t.Any], *args: t.Any) -> t.Any:
    """Call a hook from the connection's task: awaited when async; a sync
    one (it may block) in a thread of the loop's executor, in a copy of the
    context."""
    from .concurrency import CallKind, classify

    kind = classify(hook)
    if kind is CallKind.ASYNC:
        return await hook(*args)
    if kind is CallKind.INLINE:
        return hook(*args)
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    return await loop.run_in_executor(None, context.run, hook, *args)


async def _send_signal(signal: t.Any, app: AppLike, **kwargs: t.Any) -> None:
    from .concurrency import as_coroutine_function

    await signal.send_async(app, _sync_wrapper=as_coroutine_function, **kwargs)


async def _deny(ctx: WebSocketContext, response: t.Any) -> None:
    """Refuse the handshake with ``response``: sent as it is where the
    server offers the denial extension, else a plain refusal (403)."""
    websocket = ctx.websocket
    scope = ctx.request._asgi_scope or {}
    websocket.state = WebSocketState.CLOSED
    if _DENIAL not in (scope.get("extensions") or {}):
        await websocket._send({"type": "websocket.close", "code": 1008, "reason": ""})
        return
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers.items()
    ]
    await websocket._send(
        {
            "type": "websocket.http.response.start",
            "status": response.status_code,
            "headers": headers,
        }
    )
    await websocket._send(
        {"type": "websocket.http.response.body", "body": response.get_data()}
    )


async def _refuse(
    scope: t.Mapping[str, t.Any], send: Send, status: int, text: str
) -> None:
    """Refuse a handshake: with ``status`` and ``text`` where the server
    offers the denial extension, else by closing (the server answers
    403)."""
    if _DENIAL in (scope.get("extensions") or {}):
        body = text.encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": ""})
