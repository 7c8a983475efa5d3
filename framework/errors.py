"""The default :class:`~framework.interfaces.ErrorHandling`.

Layer 2. Finds the handler for an exception (by status code, then along the
exception class's MRO, innermost blueprint first, then the app), decides what
propagates, logs what nobody handled and answers 500 without leaking a
traceback.
"""

from __future__ import annotations

import sys
import typing as t

from attrs import define, field
from werkzeug.exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from werkzeug.routing import RoutingException

from . import signals
from .wrappers import scopes_outer_first

if t.TYPE_CHECKING:  # pragma: no cover
    from .concurrency import CallKind
    from .ctx import AppContext, RequestContext
    from .dispatch import Dispatcher
    from .interfaces import AppLike
    from .typing import ErrorHandlerCallable
    from .wrappers import Response

__all__ = ["ErrorHandling", "propagates_exceptions"]

#: ``{scope: {code or None: {exception class: handler}}}``, scope ``None``
#: being the app and a dotted name a blueprint.
ErrorHandlerSpec = dict[
    str | None,
    dict[int | None, dict[type[BaseException], "ErrorHandlerCallable"]],
]

_MISSING: t.Any = object()


def propagates_exceptions(app: AppLike) -> bool:
    """Whether an unhandled error is raised to the server (or the test)
    rather than answered with 500: ``PROPAGATE_EXCEPTIONS``, which ``None``
    leaves to testing or debug mode.

    :param app: the app.
    """
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        return bool(app.testing or app.debug)
    return bool(propagate)


@define(slots=True)
class ErrorHandling:
    """Looks up and runs error handlers.

    Lookups are cached per (blueprint, exception class) once setup froze:
    exception classes are finitely many, so the cache stays small.
    """

    _spec: ErrorHandlerSpec = field(factory=dict, init=False)
    _cache: dict[tuple[str | None, type[BaseException]], t.Any] = field(
        factory=dict, init=False
    )
    _kinds: dict[t.Any, CallKind] = field(factory=dict, init=False)

    def prepare(self, app: AppLike) -> None:
        """Take the app's handler registry, wrap each handler with
        ``app.ensure_sync`` once, and forget cached lookups."""
        self._spec = app.error_handler_spec
        self._cache.clear()
        # PERF: no per-error async check; handlers are wrapped at setup.
        for codes in self._spec.values():
            for handlers in codes.values():
                for handler in handlers.values():
                    app.sync_callable(handler)

    def _call(self, ctx: AppContext, handler: t.Any, exc: t.Any) -> t.Any:
        """Call ``handler`` with ``exc``, as the app wrapped it at
        :meth:`prepare` (or now, for a handler found elsewhere)."""
        return ctx.app.sync_callable(handler)(exc)

    def find_handler(
        self, ctx: AppContext, exc: BaseException
    ) -> ErrorHandlerCallable | None:
        """The handler registered for ``exc``, or ``None``."""
        exc_class = type(exc)
        blueprint = None
        if ctx.is_request_context:
            request = ctx.request
            blueprint = request.blueprint
            if request.url_rule is None and ctx.app.unmatched_url_handlers:
                try:
                    adapter = ctx.url_adapter
                except HTTPException:
                    # The Host was refused (the error being handled): the
                    # request reached no blueprint, so the app answers.
                    pass
                else:
                    blueprint = _unmatched_owner(
                        ctx.app.unmatched_url_handlers,
                        request.path,
                        adapter.subdomain if adapter is not None else None,
                    )
        key = (blueprint, exc_class)
        handler = self._cache.get(key, _MISSING)
        if handler is _MISSING:
            handler = self._lookup(blueprint, exc_class)
            if ctx.app.got_first_request:
                self._cache[key] = handler
        return t.cast("ErrorHandlerCallable | None", handler)

    def _lookup(
        self, blueprint: str | None, exc_class: type[BaseException]
    ) -> ErrorHandlerCallable | None:
        """The handler for ``exc_class`` raised under ``blueprint``. A
        handler registered by status code wins over one registered by class;
        within each, the innermost scope (blueprint, its parents, then the
        app) wins, and within a scope the nearest class in the MRO."""
        code = exc_class.code if issubclass(exc_class, HTTPException) else None
        inner_first = scopes_outer_first(blueprint)[::-1]
        keys = (None,) if code is None else (code, None)
        tables = [
            self._spec.get(scope, {}).get(key) for key in keys for scope in inner_first
        ]
        mro = exc_class.__mro__
        for table in tables:
            if table:
                found = next((table[cls] for cls in mro if cls in table), None)
                if found is not None:
                    return found
        return None

    def trap_http_exception(self, ctx: AppContext, exc: Exception) -> bool:
        """Whether an ``HTTPException`` should be raised like any other error
        instead of becoming its HTTP response (``TRAP_HTTP_EXCEPTIONS``,
        ``TRAP_BAD_REQUEST_ERRORS``; key errors in debug mode)."""
        config = ctx.app.config
        if config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None:
            return ctx.app.debug and isinstance(exc, BadRequestKeyError)
        return bool(trap_bad_request) and isinstance(exc, BadRequest)

    def handle_http(self, ctx: AppContext, exc: HTTPException) -> t.Any:
        """Run the handler for an HTTP error, or return the error itself to be
        rendered as its default page. Redirects raised by routing and errors
        without a code are never handled."""
        if exc.code is None or isinstance(exc, RoutingException):
            return exc
        handler = self.find_handler(ctx, exc)
        if handler is None:
            return exc
        return self._call(ctx, handler, exc)

    def handle_user(self, ctx: AppContext, exc: Exception) -> t.Any:
        """Handle an exception raised by a view or hook. HTTP errors go to
        :meth:`handle_http` unless trapped; other exceptions go to their
        handler, or propagate when none is registered."""
        if isinstance(exc, BadRequestKeyError) and (
            ctx.app.debug or ctx.app.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            exc.show_exception = True
        pipeline = ctx.app.pipeline
        if isinstance(exc, HTTPException) and not pipeline.trap_http_exception(
            ctx, exc
        ):
            return pipeline.handle_http(ctx, exc)
        handler = self.find_handler(ctx, exc)
        if handler is None:
            try:
                raise exc
            finally:
                # Its traceback holds this frame, which holds it: let go,
                # or the request would wait for the cycle collector.
                del exc
        return self._call(ctx, handler, exc)

    def handle_unhandled(self, ctx: RequestContext, exc: Exception) -> Response:
        """Answer an exception nothing handled: send ``got_request_exception``,
        re-raise it when exceptions propagate (``PROPAGATE_EXCEPTIONS``, or
        testing/debug mode), else log it and answer 500 through the 500
        handler if one exists. The 500 page never shows the traceback."""
        app = ctx.app
        if signals.got_request_exception.receivers:
            signals.got_request_exception.send(
                app, _async_wrapper=app.ensure_sync, exception=exc
            )
        if propagates_exceptions(app):
            raise exc
        pipeline = app.pipeline
        pipeline.log_exception(ctx, (type(exc), exc, exc.__traceback__))
        server_error: t.Any = InternalServerError(original_exception=exc)
        handler = self.find_handler(ctx, server_error)
        if handler is not None:
            try:
                server_error = self._call(ctx, handler, server_error)
            except Exception as handler_error:
                # A broken 500 handler must not take the whole response down.
                pipeline.log_exception(
                    ctx,
                    (type(handler_error), handler_error, handler_error.__traceback__),
                )
                server_error = InternalServerError(original_exception=exc)
        return pipeline.finalize(ctx, server_error, True)

    # -- the async twin (see Dispatcher.afull_dispatch) ----------------------

    async def ahandle_user(self, ctx: RequestContext, exc: Exception) -> t.Any:
        """The async twin of :meth:`handle_user`, for requests served on the
        event loop: the same decisions, the handler awaited."""
        if isinstance(exc, BadRequestKeyError) and (
            ctx.app.debug or ctx.app.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            exc.show_exception = True
        pipeline = ctx.app.pipeline
        if isinstance(exc, HTTPException) and not pipeline.trap_http_exception(
            ctx, exc
        ):
            if exc.code is None or isinstance(exc, RoutingException):
                return exc
            handler = self.find_handler(ctx, exc)
            return exc if handler is None else await self._acall(handler, exc)
        handler = self.find_handler(ctx, exc)
        if handler is None:
            raise exc
        return await self._acall(handler, exc)

    async def ahandle_unhandled(self, ctx: RequestContext, exc: Exception) -> Response:
        """The async twin of :meth:`handle_unhandled`."""
        from .concurrency import as_coroutine_function

        app = ctx.app
        if signals.got_request_exception.receivers:
            await signals.got_request_exception.send_async(
                app, _sync_wrapper=as_coroutine_function, exception=exc
            )
        if propagates_exceptions(app):
            raise exc
        pipeline = app.pipeline
        pipeline.log_exception(ctx, (type(exc), exc, exc.__traceback__))
        server_error: t.Any = InternalServerError(original_exception=exc)
        handler = self.find_handler(ctx, server_error)
        if handler is not None:
            try:
                server_error = await self._acall(handler, server_error)
            except Exception as handler_error:
                pipeline.log_exception(
                    ctx,
                    (type(handler_error), handler_error, handler_error.__traceback__),
                )
                server_error = InternalServerError(original_exception=exc)
        dispatcher = t.cast("Dispatcher", app.dispatcher)
        return await dispatcher.afinalize(ctx, server_error, True)

    async def _acall(self, handler: t.Any, exc: t.Any) -> t.Any:
        """Call ``handler`` from the event loop: awaited when async; a sync
        handler, which may block (render a template from disk, query a
        database), in a thread of the loop's executor, in a copy of the
        context."""
        import asyncio
        import contextvars

        from .concurrency import CallKind, classify

        kind = self._kinds.get(handler)
        if kind is None:
            kind = self._kinds[handler] = classify(handler)
        if kind is CallKind.ASYNC:
            return await handler(exc)
        if kind is CallKind.INLINE:
            return handler(exc)
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(None, context.run, handler, exc)

    def log_exception(
        self,
        ctx: AppContext,
        exc_info: tuple[type[BaseException], BaseException, t.Any]
        | tuple[None, None, None],
    ) -> None:
        """Log an exception at ``ERROR`` level on ``app.logger``, naming the
        request's path and method."""
        if ctx.is_request_context:
            request = ctx.request
            message = f"Exception on {request.path} [{request.method}]"
        else:
            message = "Exception outside a request"
        if exc_info[0] is None:
            exc_info = sys.exc_info()
        ctx.app.logger.error(message, exc_info=exc_info)


def _unmatched_owner(
    prefixes: list[tuple[str, str, str | None]], path: str, subdomain: str | None
) -> str | None:
    """The blueprint that handles errors for an unmatched ``path``: the one
    with the longest URL prefix the path falls under, among those registered
    for the request's subdomain (or for none)."""
    best: tuple[int, str] | None = None
    for prefix, name, own_subdomain in prefixes:
        if own_subdomain and own_subdomain != subdomain:
            continue
        stem = prefix.rstrip("/")
        under = path == stem or path.startswith(stem + "/")
        if under and (best is None or len(stem) > best[0]):
            best = (len(stem), name)
    return None if best is None else best[1]
