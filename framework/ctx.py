"""The execution context: which app, which request, which ``g``.

Layer 1. Two :class:`~contextvars.ContextVar` objects say what is active:
:data:`_cv_app` the app context (``current_app``, ``g``), :data:`_cv_request`
the request context (``request``, ``session``). An :class:`AppContext`
exists without a request (the CLI, tests, background work); a
:class:`RequestContext` is an app context that also carries the request,
the session, flashes and ``after_this_request`` callbacks, and stands in
:data:`_cv_app` itself unless an app context of its app was already active,
so a request costs no second context object. Contexts nest, count their
pushes, and each thread and asyncio task sees its own.
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
    from blinker import NamedSignal
    from werkzeug.routing import MapAdapter

    from .app import App
    from .sessions import SessionMixin
    from .typing import AfterRequestCallable
    from .wrappers import Request

#: The active app context. During a request it is the request context itself
#: (a :class:`RequestContext` is an :class:`AppContext`), or the app context
#: of the same app that was active when the request was pushed.
_cv_app: contextvars.ContextVar[AppContext] = contextvars.ContextVar(
    "framework.app_ctx"
)
#: The active request context; unset in a bare app context.
_cv_request: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "framework.request_ctx"
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


class _ActiveContext:
    """The context a public function hands to the strategies when it is
    called outside the request path (``url_for``, ``render_template``,
    ``jsonify``): the request context while one of the current app is
    active, else the app context. Looked up per call, never stored."""

    __slots__ = ()

    @t.overload
    def get(self) -> AppContext | None: ...
    @t.overload
    def get(self, default: T) -> AppContext | T: ...
    def get(self, default: t.Any = None) -> t.Any:
        """The context, or ``default`` when no app context is active.

        :param default: what to return outside any context.
        """
        app_context = _cv_app.get(None)
        if app_context is None:
            return default
        request_context = _cv_request.get(None)
        if request_context is not None and request_context.app is app_context.app:
            return request_context
        return app_context


#: See :class:`_ActiveContext`; ``_cv_context.get(None)`` is the context
#: for the strategies, or ``None``.
_cv_context = _ActiveContext()


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for data that lives as long as the
    app context, with a few dict-like helpers. Set another class as
    ``App.app_ctx_globals_class`` to customize it."""

    if t.TYPE_CHECKING:  # pragma: no cover
        # Any attribute may be set on g; say so to the type checker only.
        # At run time, ordinary attribute lookup already does the job.
        def __getattr__(self, name: str) -> t.Any: ...
        def __setattr__(self, name: str, value: t.Any) -> None: ...

    #: How ``repr(g)`` names the namespace: ``flask.g`` once the Flask
    #: alias is installed (:mod:`framework.compat.flask` sets it).
    _display_name: t.ClassVar[str] = "framework.g"

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        return vars(self).get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove ``name`` and return its value; raise ``KeyError`` when it
        is not set and no ``default`` was given."""
        fallback = () if default is _sentinel else (default,)
        return vars(self).pop(name, *fallback)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """The value of ``name``, set to ``default`` first if missing."""
        return vars(self).setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in vars(self)

    def __iter__(self) -> t.Iterator[str]:
        return iter(vars(self))

    def __repr__(self) -> str:
        active = _cv_app.get(None)
        if active is None:
            return object.__repr__(self)
        return f"<{self._display_name} of {active.app.name!r}>"


def _deactivate(
    var: contextvars.ContextVar[t.Any],
    token: contextvars.Token[t.Any],
    ctx: AppContext,
    kind: str,
) -> None:
    """Reset ``var`` with ``token``; raise if ``ctx`` was not the value it
    held, which means contexts were popped out of order."""
    active = var.get(None)
    var.reset(token)
    if active is not ctx:
        raise AssertionError(
            f"Popped wrong {kind} context. ({active!r} instead of {ctx!r})"
        )


class AppContext:
    """The application context: makes ``current_app`` and ``g`` available.

    Created by :meth:`App.app_context`; use it as a context manager. It may
    be pushed more than once; only the last pop tears it down. Extensions
    may keep their own attributes on it.
    """

    #: ``True`` for a :class:`RequestContext`.
    is_request_context: t.ClassVar[bool] = False

    if t.TYPE_CHECKING:  # pragma: no cover
        # Only a request context has a request (an app context has no such
        # attribute, as in Flask); strategies check is_request_context
        # before reading it, which the type checker cannot follow.
        request: Request

    def __init__(self, app: App) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._url_adapter: MapAdapter | None = _sentinel
        #: One token per push not yet popped.
        self._cv_tokens: list[t.Any] = []

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
    def app_context(self) -> AppContext:
        """The app context this context belongs to: itself."""
        return self

    def _announce(self, signal: NamedSignal) -> None:
        if signal.receivers:
            signal.send(self.app, _async_wrapper=self.app.ensure_sync)

    def push(self) -> None:
        """Make this the active app context."""
        self._cv_tokens.append(_cv_app.set(self))
        if len(self._cv_tokens) == 1:
            self._announce(signals.appcontext_pushed)

    def teardown(self, exc: BaseException | None) -> list[BaseException]:
        """Run every ``teardown_appcontext`` callback with ``exc``, even when
        one raises; return what they raised. :meth:`pop` calls it on the
        last pop, while this context is still active."""
        return self.app.pipeline.teardown_appcontext(self, exc)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Undo one :meth:`push`. The last pop runs :meth:`teardown` (with
        ``exc``, by default the exception being handled), then deactivates
        the context and sends ``appcontext_popped``.

        :raise AssertionError: another context was pushed after this one
            and is still active.
        """
        last = len(self._cv_tokens) == 1
        errors: list[BaseException] = []
        try:
            if last:
                errors = self.teardown(sys.exc_info()[1] if exc is _sentinel else exc)
        finally:
            _deactivate(_cv_app, self._cv_tokens.pop(), self, "app")
        if last:
            self._announce(signals.appcontext_popped)
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
    ``teardown_appcontext`` callbacks to it; otherwise the request context
    is also the active app context.

    :param app: the app handling the request.
    :param environ: the WSGI environ to build the request from; not needed
        when ``request`` is given.
    :param request: the request, already built (a copy of a context, or a
        request built by another protocol adapter).
    :param session: the session, already opened; by default it is opened
        on first use.
    """

    is_request_context: t.ClassVar[bool] = True

    #: Whether :meth:`prematch` matched a rule that ``request_matched``
    #: was not yet sent for.
    _unannounced_match = False

    def __init__(
        self,
        app: App,
        environ: WSGIEnvironment | None = None,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        if request is None:
            if environ is None:
                raise TypeError("RequestContext needs an environ or a request.")
            request = app.request_class(environ)
        self.app = app
        self.request: Request = request
        self._g = None
        self._url_adapter = _sentinel
        self._cv_tokens = []
        self._loaded_session = session
        #: The app context of the same app this request was pushed inside,
        #: whose ``g`` and teardown it shares; ``None`` when it is its own;
        #: not decided before the first push.
        self._outer: AppContext | None = _sentinel
        #: Messages flashed during this request, loaded on first use.
        self.flashes: list[tuple[str, str]] | None = None
        self._after_request_functions: list[AfterRequestCallable[t.Any]] | None = None

    # -- the session -------------------------------------------------------

    @property
    def _session(self) -> SessionMixin:
        """The session, opened on first use, without counting as a use of
        it (``accessed`` stays as it is). Flask's name for the session a
        request context holds; extensions read and assign it."""
        if self._loaded_session is None:
            self._loaded_session = self.app.open_request_session(self)
        return self._loaded_session

    @_session.setter
    def _session(self, value: SessionMixin | None) -> None:
        self._loaded_session = value

    @property
    def session(self) -> SessionMixin:
        """The session, the object the ``session`` proxy gives. Opened by the
        app's session interface on first use, so that a request that never
        touches it pays nothing; each use marks it ``accessed``, so the
        response varies by cookie."""
        current = self._session
        current.accessed = True
        return current

    @session.setter
    def session(self, value: SessionMixin | None) -> None:
        self._loaded_session = value

    @property
    def session_opened(self) -> bool:
        """Whether the session was opened during this request."""
        return self._loaded_session is not None

    # -- what the request carries -------------------------------------------

    @property
    def app_context(self) -> AppContext:
        """The app context of this request, the object ``app_ctx`` gives
        while it is active: the app context of the same app that was active
        when the request was pushed, otherwise this context itself. It stays
        the same object for the whole request and its teardown, so code may
        key per-context state on it (Flask-SQLAlchemy does)."""
        outer = self._outer
        return self if outer is None or outer is _sentinel else outer

    @property
    def after_request_functions(self) -> list[AfterRequestCallable[t.Any]]:
        """The callbacks registered with :func:`after_this_request`."""
        if self._after_request_functions is None:
            self._after_request_functions = []
        return self._after_request_functions

    def copy(self) -> RequestContext:
        """A new context for the same request and session, to push in another
        thread or task (see :func:`copy_current_request_context`)."""
        return type(self)(self.app, request=self.request, session=self._loaded_session)

    # -- matching ----------------------------------------------------------

    def prematch(self) -> None:
        """Match the URL unless that was done, without sending a signal: a
        protocol adapter may match before it pushes. A routing error is
        stored on the request and raised later, during dispatch, after the
        ``before_request`` hooks ran."""
        request = self.request
        if request.url_rule is not None or request.routing_exception is not None:
            return
        try:
            request.url_rule, request.view_args = self.app.router.match(self)
        except HTTPException as e:  # 404, 405, redirects, bad hosts
            request.routing_exception = e
            return
        self._unannounced_match = True

    def match_request(self) -> None:
        """Match the URL (see :meth:`prematch`) and send ``request_matched``
        for a rule found. :meth:`push` calls it; override it to hook into
        matching."""
        self.prematch()
        if self._unannounced_match:
            self._unannounced_match = False
            if signals.request_matched.receivers:
                signals.request_matched.send(
                    self.app,
                    _async_wrapper=self.app.ensure_sync,
                    rule=self.request.url_rule,
                    view_args=self.request.view_args,
                )

    # -- push and pop ------------------------------------------------------

    def push(self) -> None:
        """Make this the active request context and, unless it shares an
        app context (see below), the active app context; match the URL when
        this is the first push.

        A request context pushed while an app context of the same app is
        active shares that context's ``g`` and teardown. Whether it does is
        decided at the first push: a context that was its own app context
        stays so when pushed again (the test client's ``with client:``, a
        stream), one that shared decides again.
        """
        outer = _cv_app.get(None)
        alone = outer is None or outer.app is not self.app
        if not self._cv_tokens and self._outer is not None:
            if alone:
                if self._outer is not _sentinel:
                    # It shared a g that is not its own: start afresh.
                    self._g = None
                self._outer = None
            else:
                if self._outer is not _sentinel or self._g is None:
                    self._g = outer.g  # type: ignore[union-attr]
                self._outer = outer.app_context  # type: ignore[union-attr]
        first = not self._cv_tokens
        app_token = None
        # Later pushes (with app_ctx: inside the request) take the app role
        # only where another app's context hides this one, as in Flask.
        if self._outer is None if first else alone:
            app_token = _cv_app.set(self)
        self._cv_tokens.append((_cv_request.set(self), app_token))
        if first:
            if app_token is not None:
                self._announce(signals.appcontext_pushed)
            self.match_request()

    def teardown_request(self, exc: BaseException | None) -> list[BaseException]:
        """Run every ``teardown_request`` callback with ``exc``, even when one
        raises, then close the request; return what the callbacks raised.
        :meth:`pop` calls it on the last pop, while the request is active."""
        errors: list[BaseException] = []
        app = self.app
        # PERF: hello; most apps have no teardown_request callbacks.
        if app.needs_request_teardown or signals.request_tearing_down.receivers:
            errors = app.pipeline.teardown_request(self, exc)
        self.request.close()
        return errors

    def teardown(self, exc: BaseException | None) -> list[BaseException]:
        """Run the ``teardown_appcontext`` callbacks of a request context that
        is its own app context; the request is no longer active by then."""
        app = self.app
        if app.needs_appcontext_teardown or signals.appcontext_tearing_down.receivers:
            return app.pipeline.teardown_appcontext(self, exc)
        return []

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Undo one :meth:`push`. The last pop tears down in two steps, as
        Flask does: :meth:`teardown_request` while the request is active,
        then, once it is not and if this context is its own app context,
        :meth:`teardown` (the ``teardown_appcontext`` callbacks see
        ``current_app`` and ``g`` but no request) and ``appcontext_popped``.

        :raise AssertionError: another request context was pushed after
            this one and is still active.
        """
        last = len(self._cv_tokens) == 1
        if last and exc is _sentinel:
            exc = sys.exc_info()[1]
        errors: list[BaseException] = []
        request_token, app_token = self._cv_tokens[-1]
        try:
            if last:
                errors = self.teardown_request(exc)
        finally:
            self._cv_tokens.pop()
            try:
                _deactivate(_cv_request, request_token, self, "request")
            finally:
                if last:
                    # Break the request <-> environ cycle for the collector.
                    self.request.environ["werkzeug.request"] = None
                if app_token is not None:
                    try:
                        if last:
                            errors += self.teardown(exc)
                    finally:
                        _deactivate(_cv_app, app_token, self, "app")
        if last and app_token is not None:
            self._announce(signals.appcontext_popped)
        if errors:
            self.app.report_teardown_errors(errors)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name!r}>"
        )


def has_app_context() -> bool:
    """Whether an app context (or a request context) is active."""
    return _cv_app.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active."""
    return _cv_request.get(None) is not None


def _active_request_context(error: str) -> RequestContext:
    """The active request context, for functions that only make sense
    inside a request.

    :param error: the message of the ``RuntimeError`` raised outside a
        request: what the caller needs and where to call it instead.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
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
