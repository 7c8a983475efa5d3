"""The execution context: which app, which request, which ``g``.

Layer 1. One :class:`~contextvars.ContextVar`, :data:`_cv_context`, holds
the active context, so a request sets and resets one variable. An
:class:`AppContext` exists without a request (the CLI, tests, background
work); a :class:`RequestContext` is an app context that also carries the
request, the session, flashes and ``after_this_request`` callbacks, and is
its own app context unless one of its app was active when it was pushed.
An app context pushed during a request keeps the request visible beneath it,
as in Flask; a second variable records that, only then. Flask's two
variables, :data:`_cv_app` and :data:`_cv_request`, are views over these
with the same ``get``/``set``/``reset``. Contexts nest, count their pushes,
and each thread and asyncio task sees its own.
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

    from . import interfaces
    from .interfaces import AppLike
    from .sessions import SessionMixin
    from .typing import AfterRequestCallable
    from .websockets import WebSocket
    from .wrappers import Request

#: The active context: an app context, or a request context (which is one).
_cv_context: contextvars.ContextVar[AppContext] = contextvars.ContextVar(
    "framework.context"
)
#: The request context beneath an app context pushed during a request; set
#: only by such a push.
_cv_request_below: contextvars.ContextVar[RequestContext | None] = (
    contextvars.ContextVar("framework.request_below")
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

_NO_WEBSOCKET = """\
Working outside of a WebSocket connection.

Code that needs the current connection (websocket) ran outside an
'@app.websocket' handler or its hooks."""


class _NoSessionError(RuntimeError, AttributeError):
    """Raised for the session of an app context without a request: a
    ``RuntimeError``, as the ``session`` proxy raises outside a request,
    and an ``AttributeError``, so that ``hasattr(app_ctx, "session")`` is
    ``False`` as on Flask's app context (Flask-SocketIO checks it)."""


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

    #: The names an attribute lookup on an instance could find on the class
    #: (its methods, ``__class__``...), which :meth:`get` must not return:
    #: only what was set on ``g`` counts. Computed for each subclass when
    #: it is made; a subclass with ``__getattr__`` gets a set that holds
    #: every name, so that :meth:`get` never calls it.
    _class_names: t.ClassVar[t.Container[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._class_names = _names_of_class(cls)

    def get(self, name: str, default: t.Any | None = None) -> t.Any:
        """The attribute ``name``, or ``default`` when it is not set."""
        # PERF: hooks benchmark; vars() would turn the instance's inline
        # attribute values into a dict, about 1 us on CPython 3.11 (on each
        # request's new g); getattr reads them where they are. A name the
        # class has is looked up in the instance's own dict, as before.
        if name in self._class_names or type(name) is not str:
            return vars(self).get(name, default)
        return getattr(self, name, default)

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


class _EveryName:
    """A container holding every name: the class names of a ``g`` class
    with its own ``__getattr__``, whose every lookup may find something
    other than what was set."""

    __slots__ = ()

    def __contains__(self, name: object) -> bool:
        return True


def _names_of_class(cls: type) -> t.Container[str]:
    """What :attr:`_AppCtxGlobals._class_names` holds for ``cls``."""
    if hasattr(cls, "__getattr__"):
        return _EveryName()
    return frozenset(dir(cls))


_AppCtxGlobals._class_names = _names_of_class(_AppCtxGlobals)


class _AppContextVar:
    """``_cv_app``: Flask's context variable of the app context, as a view
    over :data:`_cv_context` with the same ``get``, ``set`` and ``reset``.
    Its value is the active context's app context (a request context when
    the request is its own)."""

    __slots__ = ()
    name = "flask.app_ctx"

    def get(self, default: t.Any = _sentinel) -> t.Any:
        """The active app context; ``default`` (or :exc:`LookupError`
        without one) outside any."""
        ctx = _cv_context.get(None)
        if ctx is not None:
            return ctx.app_context
        if default is _sentinel:
            raise LookupError(self)
        return default

    def set(self, value: AppContext) -> t.Any:
        """Make ``value`` the active context without pushing it (no signal,
        no teardown); undo with :meth:`reset`. An app context set during a
        request keeps the request visible beneath it, as a push does (and
        as Flask's separate request variable does)."""
        request = None if value.is_request_context else _cv_request.get(None)
        if request is None:
            return _cv_context.set(value)
        return (_cv_request_below.set(request), _cv_context.set(value))

    def reset(self, token: t.Any) -> None:
        """Undo the :meth:`set` that gave ``token``."""
        _reset_views(token)


def _reset_views(token: t.Any) -> None:
    """Undo a ``set`` of :data:`_cv_app` or :data:`_cv_request`: its token
    is the active context's, or a pair when it set the request beneath
    too."""
    if type(token) is tuple:
        below, token = token
        _cv_request_below.reset(below)
    _cv_context.reset(token)


class _RequestContextVar:
    """``_cv_request``: Flask's context variable of the request context, as
    a view over :data:`_cv_context`. ``get(None)`` is ``None`` in a bare app
    context and the request context inside a request."""

    __slots__ = ()
    name = "flask.request_ctx"

    def get(self, default: t.Any = _sentinel) -> t.Any:
        """The active request context; ``default`` (or :exc:`LookupError`
        without one) outside any."""
        ctx = _cv_context.get(None)
        if ctx is not None:
            if ctx.is_request_context:
                return ctx
            below = _cv_request_below.get(None)
            if below is not None:
                return below
        if default is _sentinel:
            raise LookupError(self)
        return default

    def set(self, value: RequestContext | None) -> t.Any:
        """Make ``value`` the active context without pushing it; ``None``
        leaves only the app context active (and hides a request beneath
        it). Undo with :meth:`reset`."""
        if value is not None:
            return _cv_context.set(value)
        active = _cv_context.get(None)
        if active is not None and active.is_request_context:
            return _cv_context.set(_AppRole(active))  # type: ignore[arg-type]
        return (_cv_request_below.set(None), _cv_context.set(active))  # type: ignore[arg-type]

    def reset(self, token: t.Any) -> None:
        """Undo the :meth:`set` that gave ``token``."""
        _reset_views(token)


#: Flask's ``flask.globals._cv_app``; see :class:`_AppContextVar`.
_cv_app = _AppContextVar()
#: Flask's ``flask.globals._cv_request``; see :class:`_RequestContextVar`.
_cv_request = _RequestContextVar()


def _wrong_pop(kind: str, active: object, ctx: object) -> AssertionError:
    return AssertionError(
        f"Popped wrong {kind} context. ({active!r} instead of {ctx!r})"
    )


class AppContext:
    """The application context: makes ``current_app`` and ``g`` available.

    Created by :meth:`App.app_context`; use it as a context manager. It may
    be pushed more than once; only the last pop tears it down. Extensions
    may keep their own attributes on it.
    """

    # PERF: hello; slots for the context's own state, and a __dict__ for
    # what extensions keep on it (Flask-Limiter's request state).
    __slots__ = ("__dict__", "_cv_tokens", "_g", "_url_adapter", "app")

    #: ``True`` for a :class:`RequestContext`.
    is_request_context: t.ClassVar[bool] = False

    def __init__(self, app: AppLike) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._url_adapter: MapAdapter | None = _sentinel
        #: One entry per push not yet popped.
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
        """The app context this context belongs to: itself. The ``app_ctx``
        proxy goes through it."""
        return self

    @property
    def request_context(self) -> RequestContext:
        """The request this app context was pushed during, which stays
        visible (as in Flask); raises ``RuntimeError`` when there is none.
        The ``request_ctx`` proxy goes through it."""
        below = _cv_request_below.get(None)
        if below is None:
            raise RuntimeError(_NO_REQUEST)
        return below

    @property
    def request(self) -> Request:
        """The request of :attr:`request_context`."""
        return self.request_context.request

    @property
    def websocket(self) -> WebSocket:
        """The WebSocket connection, which only the context of a connection
        has (see :class:`framework.asgi_websocket.WebSocketContext`).

        :raise RuntimeError: this is not a connection's context.
        """
        raise RuntimeError(_NO_WEBSOCKET)

    @property
    def session(self) -> SessionMixin:
        """The session of :attr:`request_context`."""
        below = _cv_request_below.get(None)
        if below is None:
            raise _NoSessionError(_NO_REQUEST)
        return below.session

    def push(self) -> None:
        """Make this the active app context; a request active before stays
        visible beneath it."""
        outer = _cv_context.get(None)
        below = None
        if outer is not None and outer.is_request_context:
            below = _cv_request_below.set(outer)  # type: ignore[arg-type]
        self._cv_tokens.append((_cv_context.set(self), below))
        if len(self._cv_tokens) == 1 and signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(
                self.app, _async_wrapper=self.app.ensure_sync
            )

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
            token, below = self._cv_tokens.pop()
            active = _cv_context.get(None)
            _cv_context.reset(token)
            if below is not None:
                _cv_request_below.reset(below)
        if active is not self:
            raise _wrong_pop("app", active, self)
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


class _AppRole(AppContext):
    """A request context's app role once its request is gone: active while
    its ``teardown_appcontext`` callbacks run, which see ``current_app`` and
    ``g`` but no request (as in Flask), and give the request context as
    ``app_ctx``, the object that was the app context all along."""

    __slots__ = ("_owner",)

    def __init__(self, owner: RequestContext) -> None:
        super().__init__(owner.app)
        self._owner = owner

    @property
    def g(self) -> _AppCtxGlobals:
        """The request context's ``g``, created there on first use so that
        it outlives this role."""
        return self._owner.g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._owner.g = value

    @property
    def app_context(self) -> AppContext:
        """The app context of the request context whose role this is."""
        return self._owner.app_context

    @property
    def request_context(self) -> RequestContext:
        """Raises: the request is over."""
        raise RuntimeError(_NO_REQUEST)


class RequestContext(AppContext):
    """The request context: an app context that also carries the request.

    Pushed by the app for each request; in tests, created by
    :meth:`App.test_request_context`. When an app context of the same app is
    already active, the request shares its ``g`` and leaves the
    ``teardown_appcontext`` callbacks to it; otherwise the request context
    is its own app context.

    :param app: the app handling the request.
    :param environ: the WSGI environ to build the request from; not needed
        when ``request`` is given.
    :param request: the request, already built (a copy of a context, or a
        request built by another protocol adapter).
    :param session: the session, already opened; by default it is opened
        on first use.
    """

    __slots__ = (
        "_after_request_functions",
        "_facts",
        "_loaded_session",
        "_outer",
        "flashes",
        "request",
    )

    is_request_context: t.ClassVar[bool] = True

    #: Whether :meth:`prematch` matched a rule that ``request_matched`` was
    #: not sent for yet; set on the instance only then.
    _unannounced_match = False

    def __init__(
        self,
        app: AppLike,
        environ: WSGIEnvironment | None = None,
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        if request is None:
            if environ is None:
                raise TypeError("RequestContext needs an environ or a request.")
            request = app.request_class(environ)
            self._facts = None
        else:
            self._facts = request._facts
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
    def request_context(self) -> RequestContext:
        """This context."""
        return self

    @property
    def app_context(self) -> AppContext:
        """The app context of this request, the object ``app_ctx`` gives: the
        app context of the same app that was active when the request was
        pushed, otherwise this context itself. It stays the same object for
        the whole request and its teardown, so code may key per-context
        state on it (Flask-SQLAlchemy does)."""
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
        thread or task (see :func:`copy_current_request_context`). The
        session is opened now if it was not yet, so that both contexts hold
        the same session object and what the copy writes is saved with this
        request's response."""
        return type(self)(self.app, request=self.request, session=self._session)

    # -- matching ----------------------------------------------------------

    def prematch(self, router: interfaces.Router[t.Any] | None = None) -> None:
        """Match the URL without sending a signal, so that a protocol
        adapter may match before it pushes; :meth:`push` still sends
        ``request_matched`` for the rule found. A routing error is stored
        on the request and raised later, during dispatch, after the
        ``before_request`` hooks ran.

        :param router: the app's router, when the caller has it already.
        """
        request = self.request
        if request.url_rule is not None or request.routing_exception is not None:
            return
        if router is None:
            router = self.app.router
        try:
            request.url_rule, request.view_args = router.match(self)
        except HTTPException as e:  # 404, 405, redirects, bad hosts
            request.routing_exception = e
        else:
            self._unannounced_match = True

    def match_request(self) -> None:
        """Match the URL (unless :meth:`prematch` did) and send
        ``request_matched`` for a rule found. :meth:`push` calls it on the
        first push; override it to hook into matching."""
        request = self.request
        # PERF: hello; matching inline rather than through prematch().
        if request.url_rule is None and request.routing_exception is None:
            try:
                request.url_rule, request.view_args = self.app.router.match(self)
            except HTTPException as e:
                request.routing_exception = e
                return
        elif self._unannounced_match:
            self._unannounced_match = False
        else:
            return
        if signals.request_matched.receivers:
            signals.request_matched.send(
                self.app,
                _async_wrapper=self.app.ensure_sync,
                rule=request.url_rule,
                view_args=request.view_args,
            )

    # -- push and pop ------------------------------------------------------

    def push(self) -> None:
        """Make this the active context and match the URL when this is the
        first push.

        Pushed while an app context of the same app is active, the request
        shares that context's ``g`` and teardown. Whether it does is decided
        at the first push: a context that was its own app context stays so
        when pushed again (``with client:``, a stream), one that shared
        decides again.
        """
        tokens = self._cv_tokens
        if not tokens and self._outer is not None:
            outer = _cv_context.get(None)
            if outer is None or outer.app is not self.app:
                if self._outer is not _sentinel:
                    # It shared a g that is not its own: start afresh.
                    self._g = None
                self._outer = None
            else:
                if self._outer is not _sentinel or self._g is None:
                    self._g = outer.g
                self._outer = outer.app_context
        first = not tokens
        tokens.append(_cv_context.set(self))
        if first:
            if signals.request_path_quiet:
                # PERF: ASGI hello; with no receiver for request_matched,
                # a URL prematch() matched leaves match_request nothing to
                # do.
                if self._unannounced_match:
                    self._unannounced_match = False
                    return
            elif self._outer is None and signals.appcontext_pushed.receivers:
                signals.appcontext_pushed.send(
                    self.app, _async_wrapper=self.app.ensure_sync
                )
            self.match_request()

    def teardown_request(self, exc: BaseException | None) -> list[BaseException]:
        """Run every ``teardown_request`` callback with ``exc``, even when one
        raises, then close the request; return what the callbacks raised.
        :meth:`pop` calls it on the last pop, while the request is active."""
        try:
            return self.app.pipeline.teardown_request(self, exc)
        finally:
            self.request.close()

    def teardown(self, exc: BaseException | None) -> list[BaseException]:
        """Run the ``teardown_appcontext`` callbacks of a request context that
        is its own app context, once its request is no longer active: its
        app role (see :attr:`app_context`) is active while they run."""
        role = _AppRole(self)
        token = _cv_context.set(role)
        try:
            return self.app.pipeline.teardown_appcontext(role, exc)
        finally:
            _cv_context.reset(token)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Undo one :meth:`push`. The last pop tears down in two steps, as
        Flask does: :meth:`teardown_request` while the request is active,
        then, once it is not and if this context is its own app context,
        :meth:`teardown` and ``appcontext_popped``.

        :raise AssertionError: another context was pushed after this one
            and is still active.
        """
        tokens = self._cv_tokens
        last = len(tokens) == 1
        if last and exc is _sentinel:
            exc = sys.exc_info()[1]
        app = self.app
        errors: list[BaseException] = []
        try:
            # PERF: hello; most apps have no teardown_request callbacks.
            if not last:
                pass  # an inner pop: the outermost one tears down
            elif app.needs_request_teardown or (
                not signals.request_path_quiet
                and signals.request_tearing_down.receivers
            ):
                errors = self.teardown_request(exc)
            else:
                self.request.close()
        finally:
            active = _cv_context.get(None)
            _cv_context.reset(tokens.pop())
            # Break the request <-> environ cycle for the collector (a
            # request from a scope has one only if its environ was made).
            if last and (self._facts is None or self.request._environ_made):
                self.request.environ["werkzeug.request"] = None
        # The app role is torn down even after a wrong pop, which raises
        # below: its callbacks release what the request held (a database
        # session), as Flask's do in that case too.
        if last and self._outer is None:
            if app.needs_appcontext_teardown or (
                not signals.request_path_quiet
                and signals.appcontext_tearing_down.receivers
            ):
                errors += self.teardown(exc)
            if not signals.request_path_quiet and signals.appcontext_popped.receivers:
                signals.appcontext_popped.send(app, _async_wrapper=app.ensure_sync)
        try:
            if errors:
                app.report_teardown_errors(errors)
        finally:
            if active is not self:
                raise _wrong_pop("request", active, self)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.request.url!r}"
            f" [{self.request.method}] of {self.app.name!r}>"
        )


def has_app_context() -> bool:
    """Whether an app context (or a request context) is active."""
    return _cv_context.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active (beneath an app context pushed
    during it, too)."""
    return _cv_request.get(None) is not None


def _with_request_beneath(ctx: AppContext) -> AppContext:
    """``ctx``, the active app context; or, when it was pushed during a
    request of the same app, that request's context. URL building and
    template context processors work with it: Flask's find the request
    there through their separate request variable, and a bare app context
    would build external URLs from ``SERVER_NAME`` and skip the request's
    blueprint."""
    below = _cv_request_below.get(None)
    if below is not None and below.app is ctx.app:
        return below
    return ctx


def _active_request_context(error: str) -> RequestContext:
    """The active request context, for functions that only make sense
    inside a request.

    :param error: the message of the ``RuntimeError`` raised outside a
        request: what the caller needs and where to call it instead.
    """
    ctx: RequestContext | None = _cv_request.get(None)
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


def keep_context_async(
    ctx: RequestContext, iterator: t.AsyncIterator[T]
) -> t.AsyncIterator[T]:
    """The async twin of :func:`keep_context`: wrap an async response body
    so that ``ctx`` is active again while it is produced. The whole body is
    produced in one task (the ASGI adapter's, or under WSGI one task of the
    background loop), so the push and the pop happen in one context."""

    async def generate() -> t.AsyncIterator[T]:
        closed = False
        try:
            with ctx:
                try:
                    async for item in iterator:
                        yield item
                except Exception:
                    ctx.app.pipeline.log_exception(ctx, sys.exc_info())
                    raise
                finally:
                    # Stopped early (the client went away): the body's own
                    # cleanup runs now, while the context is still active.
                    closed = True
                    await _aclose(iterator)
        finally:
            if not closed:  # the push failed
                await _aclose(iterator)

    return generate()


async def _aclose(iterator: t.AsyncIterator[t.Any]) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()
