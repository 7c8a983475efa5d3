"""The execution context: which app, which request, which ``g``.

Layer 1. One :class:`~contextvars.ContextVar` holds the active context. An
:class:`AppContext` exists without a request (the CLI, tests, background
work); a :class:`RequestContext` is an app context that also carries the
request, the session, flashes and ``after_this_request`` callbacks. Contexts
nest, and each thread and asyncio task sees its own.
"""

from __future__ import annotations

import contextvars
import functools
import sys
import typing as t

from werkzeug.exceptions import HTTPException

from . import signals

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.routing import MapAdapter

    from .app import App
    from .sessions import SessionMixin
    from .typing import AfterRequestCallable
    from .wrappers import Request

_cv_context: contextvars.ContextVar[AppContext] = contextvars.ContextVar(
    "framework.context"
)

_sentinel: t.Any = object()

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T = t.TypeVar("T")

_NO_APP = """\
Working outside of application context.

Code that needs the current app (current_app, g, url_for) ran without one.
Push one with 'with app.app_context():' or run it inside a request."""

_NO_REQUEST = """\
Working outside of request context.

Code that needs the current request (request, session) ran without one.
In tests, use 'with app.test_request_context():' or the test client."""


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for data that lives as long as the
    app context. Set it as ``App.app_ctx_globals_class`` to customize."""

    def __getattr__(self, name: str) -> t.Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove ``name`` and return its value; raise ``KeyError`` when it
        is not set and no ``default`` was given."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The value of ``name``, set to ``default`` first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_context.get(None)
        if ctx is not None:
            return f"<framework.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class AppContext:
    """The application context: makes ``current_app`` and ``g`` available.

    Created by :meth:`App.app_context`; use it as a context manager.
    """

    __slots__ = ("_g", "_tokens", "_url_adapter", "app")

    #: ``True`` for a :class:`RequestContext`.
    is_request_context: t.ClassVar[bool] = False

    def __init__(self, app: App) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._url_adapter: MapAdapter | None = _sentinel
        self._tokens: list[contextvars.Token[AppContext]] = []

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace, created on first use."""
        if self._g is None:
            self._g = self.app.app_ctx_globals_class()
        return self._g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The router's URL adapter for this context, bound on first use."""
        if self._url_adapter is _sentinel:
            self._url_adapter = self.app.pipeline.bind(self)
        return self._url_adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    @property
    def request(self) -> Request:
        """Raises: an app context has no request."""
        raise RuntimeError(_NO_REQUEST)

    @property
    def request_context(self) -> RequestContext:
        """This context if it is a request context; raises otherwise. The
        ``request_ctx`` proxy goes through it."""
        raise RuntimeError(_NO_REQUEST)

    @property
    def app_context(self) -> AppContext:
        """The app context this context belongs to: itself. The ``app_ctx``
        proxy goes through it."""
        return self

    @property
    def session(self) -> SessionMixin:
        """Raises: an app context has no session."""
        raise RuntimeError(_NO_REQUEST)

    def push(self) -> None:
        """Make this the active context."""
        self._tokens.append(_cv_context.set(self))
        if len(self._tokens) == 1 and signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Stop being the active context; the last pop runs the
        ``teardown_appcontext`` callbacks, all of them even when one raises."""
        errors: list[BaseException] = []
        last = len(self._tokens) == 1
        try:
            if last:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                errors = self.app.pipeline.teardown_appcontext(self, exc)
        finally:
            active = _cv_context.get(None)
            _cv_context.reset(self._tokens.pop())
        if active is not self:
            raise AssertionError(f"Popped the wrong context: {active!r}, not {self!r}.")
        if last and signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )
        if errors:
            self.app.report_teardown_errors(errors)

    def __enter__(self) -> t.Self:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"


class RequestContext(AppContext):
    """The request context: an app context that also carries the request.

    Pushed by the app for each request; in tests, created by
    :meth:`App.test_request_context`. When an app context of the same app is
    already active, the request shares its ``g`` and leaves the
    ``teardown_appcontext`` callbacks to it.
    """

    __slots__ = (
        "_after_request_functions",
        "_app_context",
        "_owns_app",
        "_session",
        "flashes",
        "request",
    )

    is_request_context: t.ClassVar[bool] = True

    def __init__(
        self,
        app: App,
        environ: WSGIEnvironment,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        self.request = (  # type: ignore[misc]
            app.request_class(environ) if request is None else request
        )
        self._g = None
        self._url_adapter = _sentinel
        self._tokens = []
        self._session = session
        self._owns_app = True
        self._app_context: AppContext | None = None
        #: Messages flashed during this request, loaded on first use.
        self.flashes: list[tuple[str, str]] | None = None
        self._after_request_functions: list[AfterRequestCallable[t.Any]] | None = None

    @property
    def session(self) -> SessionMixin:
        """The session, opened by the app's session interface on first use so
        that a request that never touches it pays nothing."""
        if self._session is None:
            self._session = self.app.open_request_session(self)
        return self._session

    @session.setter
    def session(self, value: SessionMixin | None) -> None:
        self._session = value

    @property
    def request_context(self) -> RequestContext:
        """This context."""
        return self

    @property
    def app_context(self) -> AppContext:
        """The app context of this request, the object ``app_ctx`` gives: the
        enclosing app context of the same app when the request was pushed
        inside one, otherwise an :class:`AppContext` made on first use that
        shares this context's ``g`` and in which the ``teardown_appcontext``
        callbacks run. It stays the same object for the whole request, so
        code may key per-context state on it (Flask-SQLAlchemy does)."""
        if self._app_context is None:
            app_context = AppContext(self.app)
            app_context._g = self.g
            self._app_context = app_context
        return self._app_context

    @property
    def session_opened(self) -> bool:
        """Whether the session was opened during this request."""
        return self._session is not None

    @property
    def after_request_functions(self) -> list[AfterRequestCallable[t.Any]]:
        """The callbacks registered with :func:`after_this_request`."""
        if self._after_request_functions is None:
            self._after_request_functions = []
        return self._after_request_functions

    def copy(self) -> RequestContext:
        """A new context for the same request and session, to push in another
        thread or task (see :func:`copy_current_request_context`)."""
        return type(self)(self.app, self.request.environ, self.request, self.session)

    def match_request(self) -> None:
        """Match the URL; a routing error is stored on the request and raised
        later, during dispatch, after ``before_request`` hooks ran."""
        request = self.request
        try:
            request.url_rule, request.view_args = self.app.router.match(self)
        except HTTPException as e:  # 404, 405, redirects, bad hosts
            request.routing_exception = e
            return
        if signals.request_matched.receivers:
            signals.request_matched.send(
                self.app,
                _async_wrapper=self.app.ensure_sync,
                rule=request.url_rule,
                view_args=request.view_args,
            )

    def push(self) -> None:
        """Make this the active context and match the URL."""
        first = not self._tokens
        if first:
            outer = _cv_context.get(None)
            if outer is not None and outer.app is self.app:
                if self._g is None:
                    self._g = outer.g
                self._owns_app = False
                self._app_context = outer.app_context
            elif not self._owns_app:
                # Pushed again, alone, after a push inside an app context:
                # the g and the app context it lent are not this one's.
                self._owns_app = True
                self._g = None
                self._app_context = None
        self._tokens.append(_cv_context.set(self))
        if first and self._owns_app and signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )
        if self.request.url_rule is None and self.request.routing_exception is None:
            self.match_request()

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Stop being the active context. The last pop runs every
        ``teardown_request`` callback, then, if this context owns its app
        context, every ``teardown_appcontext`` callback."""
        last = len(self._tokens) == 1
        errors: list[BaseException] = []
        app = self.app
        try:
            if last:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                # PERF: hello; most apps have no teardown_request callbacks.
                if app.needs_request_teardown or signals.request_tearing_down.receivers:
                    errors = app.pipeline.teardown_request(self, exc)
                self.request.close()
        finally:
            active = _cv_context.get(None)
            _cv_context.reset(self._tokens.pop())
            if last:
                # Break the request <-> environ cycle for the garbage collector.
                self.request.environ["werkzeug.request"] = None
        if active is not self:
            raise AssertionError(f"Popped the wrong context: {active!r}, not {self!r}.")
        if (
            last
            and self._owns_app
            and (
                app.needs_appcontext_teardown
                or signals.appcontext_tearing_down.receivers
            )
        ):
            # As in Flask, the app context tears down after the request is
            # gone: the callbacks see current_app and g, but no request.
            app_ctx = self._app_context or AppContext(app)
            app_ctx._g = self._g
            token = _cv_context.set(app_ctx)
            try:
                errors = errors + app.pipeline.teardown_appcontext(app_ctx, exc)
            finally:
                _cv_context.reset(token)
        if last and self._owns_app and signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )
        if errors:
            self.app.report_teardown_errors(errors)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name!r}>"
        )


def has_app_context() -> bool:
    """Whether an app context (or a request context) is active."""
    return _cv_context.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active."""
    ctx = _cv_context.get(None)
    return ctx is not None and ctx.is_request_context


def _active_request_context(error: str) -> RequestContext:
    """The active request context, for functions that only make sense
    inside a request.

    :param error: the message of the ``RuntimeError`` raised outside a
        request: what the caller needs and where to call it instead.
    """
    ctx = _cv_context.get(None)
    if ctx is None or not isinstance(ctx, RequestContext):
        raise RuntimeError(error)
    return ctx


def after_this_request(f: F) -> F:
    """Register ``f`` to run with the response of the current request, before
    the ``after_request`` hooks. ``f`` takes the response and returns a
    response. Usable as a decorator inside a view."""
    ctx = _active_request_context(
        "after_this_request() needs an active request: call it inside a"
        " view or a before_request hook."
    )
    ctx.after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so that it runs in a copy of the current request context,
    for work handed to another thread or greenlet. The copy shares the
    request and session objects with the original."""
    ctx = _active_request_context(
        "copy_current_request_context() needs an active request: call it"
        " inside a view, not at import time."
    )
    copied = ctx.copy()

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return t.cast(F, wrapper)


def keep_context(ctx: RequestContext, iterator: t.Iterator[T]) -> t.Iterator[T]:
    """Wrap a response body iterator so that ``ctx`` is active again while
    the server iterates it, after the view returned.

    The context is pushed when iteration starts, in the server's own
    execution context: an async view runs in an event loop's copy of the
    context, where a push could not be undone from outside. An exception
    raised mid-stream is logged, pops the context (its teardown callbacks
    see the exception) and reaches the server, which drops the connection.
    """

    def generate() -> t.Iterator[T]:
        try:
            yield None  # type: ignore[misc]
            with ctx:
                try:
                    yield from iterator
                except Exception:
                    ctx.app.pipeline.log_exception(ctx, sys.exc_info())
                    raise
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    stream = generate()
    # Run to the first yield now, so that closing the stream before the
    # server iterated it (a client that went away) still closes `iterator`.
    next(stream)
    return stream
