"""App's Flask-named pipeline methods: ``full_dispatch_request``,
``make_response``, ``handle_exception``, ``do_teardown_request`` and the
rest of the steps a request goes through, and ``ensure_sync``.

Layer 3, part of :mod:`framework.app`: :class:`PipelineMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. Each
method is thin: it hands the current context to the strategy that does the
work. Requests do not go through these methods but through
:attr:`App.pipeline <framework.App.pipeline>`, which calls the strategies
directly; an ``App`` subclass that overrides one of these methods gets it
called in the pipeline instead (see :mod:`framework._app.overrides`).
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import typing as t

from .. import interfaces
from .. import typing as ft
from ..config import Config
from ..ctx import AppContext, RequestContext, _cv_context
from ..errors import propagates_exceptions
from ..wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.exceptions import HTTPException

    from ..interfaces import AppLike
    from . import MakesResponses, ResponseT

__all__ = ["PipelineMethods"]

#: The default of ``do_teardown_*``'s ``exc``: the exception being handled.
_sentinel: t.Any = object()


def _sync_caller(
    func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]],
) -> t.Callable[..., t.Any]:
    """``func`` made callable from sync code (see
    :meth:`PipelineMethods.async_to_sync`)."""
    # Imported here: an app without async code never loads asyncio.
    from ..concurrency import run_coroutine

    @functools.wraps(func)
    def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return run_coroutine(func(*args, **kwargs))

    return call


class PipelineMethods:
    """Part of :class:`~framework.App`: its Flask-named pipeline methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        config: Config
        debug: bool
        testing: bool
        dispatcher: interfaces.Dispatcher[t.Any]
        error_handling: interfaces.ErrorHandling[t.Any]

        @property
        def logger(self) -> logging.Logger: ...
        def _prepare_if_changed(self) -> None: ...

        _sync_callables: dict[t.Callable[..., t.Any], t.Callable[..., t.Any]]

    def _current_context(self) -> AppContext:
        self._prepare_if_changed()
        ctx = _cv_context.get(None)
        if ctx is None:
            raise RuntimeError(
                "This needs an active app or request context; use 'with"
                " app.app_context():' or 'with app.test_request_context():'."
            )
        return ctx

    def _current_request_context(self) -> RequestContext:
        ctx = self._current_context()
        if not isinstance(ctx, RequestContext):
            raise RuntimeError(
                "This needs an active request context; use the test client or"
                " 'with app.test_request_context():'."
            )
        return ctx

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func``, or, for a coroutine function, a function that runs
        it to completion. Hooks and views are wrapped once, at setup."""
        if inspect.iscoroutinefunction(func):
            return self.async_to_sync(func)
        return func

    def sync_callable(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """:meth:`ensure_sync` of ``func``, made once per function for this
        app: the strategies ask for a view's, a hook's or a handler's here
        at setup, so that a function registered in several places, or
        prepared again, is wrapped once.

        :param func: a view, hook, handler or other callback.
        """
        made = self._sync_callables.get(func)
        if made is None:
            made = self._sync_callables[func] = self.ensure_sync(func)
        return made

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Wrap a coroutine function so that sync code can call it: each call
        runs it to completion and returns its result.

        Inside a request served through ASGI it runs on the server's event
        loop; under a WSGI server, on one event loop thread kept for the
        whole process (see :func:`framework.concurrency.run_coroutine`), not
        a new loop per call as Flask's asgiref wrapper does. It sees the
        caller's context variables (the active app and request), and the
        changes it makes to them are handed back.
        """
        return _sync_caller(func)

    def full_dispatch_request(self) -> Response:
        """Run the request pipeline for the current request."""
        return self.dispatcher.full_dispatch(self._current_request_context())

    def preprocess_request(self) -> ft.ResponseReturnValue | None:
        """Run URL value preprocessors and ``before_request`` hooks."""
        return self.dispatcher.preprocess(self._current_request_context())

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the error routing stored on ``request`` (404, 405, a
        redirect)."""
        self.dispatcher.raise_routing_exception(self._current_request_context())

    def dispatch_request(self) -> ft.ResponseReturnValue:
        """Call the matched view (or raise the routing error)."""
        return self.dispatcher.dispatch(self._current_request_context())

    def finalize_request(
        self,
        rv: ft.ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """Convert ``rv`` and run the ``after_request`` chain."""
        return self.dispatcher.finalize(
            self._current_request_context(), rv, from_error_handler
        )

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` callbacks and ``after_request`` hooks."""
        return self.dispatcher.process_response(
            self._current_request_context(), response
        )

    def make_default_options_response(self) -> Response:
        """The response to an automatic ``OPTIONS`` request."""
        return self.dispatcher.make_default_options_response(
            self._current_request_context()
        )

    def make_response(
        self: MakesResponses[ResponseT], rv: ft.ResponseReturnValue
    ) -> ResponseT:
        """Convert a view's return value into :attr:`response_class`. Works
        with no active context too, as in Flask."""
        app = t.cast("AppLike", self)
        converter = app.response_converter
        ctx = _cv_context.get(None)
        if ctx is None:
            # The converter reads the app from a context; an unpushed one
            # hands it this app without the push's signals and teardowns.
            ctx = AppContext(app)
        return t.cast("ResponseT", converter.make_response(ctx, rv))

    def handle_http_exception(self, e: HTTPException) -> t.Any:
        """Run the handler for an HTTP error, or return the error."""
        return self.error_handling.handle_http(self._current_context(), e)

    def handle_user_exception(self, e: Exception) -> t.Any:
        """Run the handler for an exception raised during dispatch, or
        re-raise it."""
        return self.error_handling.handle_user(self._current_context(), e)

    def handle_exception(self, e: Exception) -> Response:
        """Answer an unhandled exception with 500 (or re-raise it when
        exceptions propagate)."""
        return self.error_handling.handle_unhandled(self._current_request_context(), e)

    def log_exception(
        self,
        exc_info: tuple[type[BaseException], BaseException, t.Any]
        | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception on :attr:`logger`."""
        self.error_handling.log_exception(self._current_context(), exc_info)

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP error is raised like any other exception."""
        return self.error_handling.trap_http_exception(self._current_context(), e)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown callbacks should see ``None`` instead of
        ``error``. Never, by default."""
        return False

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_request`` callbacks with ``exc`` (by default the
        exception being handled, if any); raise the first error one raised,
        after all ran."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        errors = self.dispatcher.teardown_request(self._current_request_context(), exc)
        if errors:
            raise errors[0]

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_appcontext`` callbacks with ``exc`` (by default
        the exception being handled, if any); raise the first error one
        raised, after all ran."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        errors = self.dispatcher.teardown_appcontext(self._current_context(), exc)
        if errors:
            raise errors[0]

    def report_teardown_errors(self, errors: list[BaseException]) -> None:
        """Report exceptions teardown callbacks raised, after all callbacks
        ran: each is logged; the first is re-raised when exceptions propagate
        (testing or debug mode, or ``PROPAGATE_EXCEPTIONS``)."""
        for error in errors:
            self.logger.error(
                "A teardown callback raised an exception",
                exc_info=(type(error), error, error.__traceback__),
            )
        if propagates_exceptions(self):  # type: ignore[arg-type]
            raise errors[0]
