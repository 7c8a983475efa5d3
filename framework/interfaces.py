"""One :class:`~typing.Protocol` per swappable strategy.

Layer 0. Each protocol is the contract of one extension point of
:class:`~framework.App`: the default class in layer 2 implements it, and a
project may hand the app any object that satisfies it (see DESIGN.md,
"Strategies"). Every per-request method takes the execution context ``ctx``
explicitly; no strategy reads the global proxies.

Each strategy also has ``prepare(app)``, called whenever the app's setup
changed and once more when setup freezes at the first request: the place to
precompute tables so that the per-request methods do only what the request
needs.

:class:`Pipeline` is the resolved table of request-pipeline steps. Strategies
call each other's steps through ``ctx.app.pipeline`` rather than directly, so
that a Flask-style override of an ``App`` method (``make_response``,
``handle_exception``, ...) is honoured even though the defaults never call
back into ``App``.
"""

from __future__ import annotations

import typing as t

T = t.TypeVar("T")

if t.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from datetime import timedelta
    from logging import Logger

    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from jinja2 import BaseLoader, Template
    from typing_extensions import TypeVar
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Map, MapAdapter, Rule

    from .config import Config
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .errors import ErrorHandlerSpec
    from .sessions import SessionInterface, SessionMixin
    from .templating import Environment
    from .typing import (
        AfterRequestCallable,
        AppOrBlueprintKey,
        BeforeRequestCallable,
        ErrorHandlerCallable,
        ResponseReturnValue,
        RouteCallable,
        TeardownCallable,
        TemplateContextProcessorCallable,
        TemplateFilterCallable,
        TemplateGlobalCallable,
        TemplateTestCallable,
        URLDefaultCallable,
        URLValuePreprocessorCallable,
    )
    from .wrappers import Request, Response

    # The app a strategy serves, as a type parameter: the protocols below
    # take AppT_contra, SessionInterface takes AppT. Each defaults to Any,
    # so that a strategy of one's own, or a Flask-style session interface,
    # whose methods say ``app: App`` fits as it did when these modules
    # named App. AppT is bound to AppLike so that the default session
    # interface is checked against it; naming an app explicitly
    # (``SessionInterface[MyApp]``) is not advertised, because mypy then
    # wrongly refuses App for the bound (python/mypy#20317: App's
    # descriptors, such as ``testing``, against the protocol's properties).
    # Python 3.11's TypeVar has no default: the checker alone sees these.
    AppT = TypeVar("AppT", bound="AppLike", default=t.Any)
    AppT_contra = TypeVar("AppT_contra", default=t.Any, contravariant=True)
else:
    AppT = t.TypeVar("AppT")
    AppT_contra = t.TypeVar("AppT_contra", contravariant=True)

__all__ = [
    "AppLike",
    "ConfigLoader",
    "Dispatcher",
    "ErrorHandling",
    "JSONProvider",
    "Pipeline",
    "ResponseConverter",
    "Router",
    "ScaffoldLike",
    "TemplateRenderer",
    "ViewBinder",
]


class ScaffoldLike(t.Protocol):
    """What the template loader needs from the app and from each of its
    blueprints: a name and a loader for its own template folder.
    :class:`~framework.App` and :class:`~framework.Blueprint` satisfy it."""

    @property
    def name(self) -> str:
        """The app's or blueprint's name."""
        ...

    @property
    def import_name(self) -> str:
        """The module or package it was created in."""
        ...

    @property
    def jinja_loader(self) -> BaseLoader | None:
        """The loader of its own template folder, if it has one."""
        ...


class AppLike(ScaffoldLike, t.Protocol):
    """What layers 0 to 2 (the contexts, the config, the default strategies)
    need from the app they serve. :class:`~framework.App` and every subclass
    of it satisfy it.

    The app is composed in layer 3 from the classes of the lower layers, so
    those cannot name :class:`~framework.App`, not even for the type checker:
    doing so made the whole package one import circle under
    ``TYPE_CHECKING``. They name this protocol instead, and so depend on the
    members listed here, not on the whole app; a test
    (``tests/test_layers.py``) keeps it that way. The types of the members
    come from layers 0 to 2 only, imported here for the type checker alone.

    Everything is read-only here: no lower layer sets an attribute of the
    app. The list is what the default strategies really use, no more; a
    strategy of a project's own may need more of its app and say so with its
    own protocol, or with its ``App`` subclass.
    """

    # -- configuration ---------------------------------------------------
    @property
    def config(self) -> Config: ...
    @property
    def config_loader(self) -> ConfigLoader: ...
    @property
    def debug(self) -> bool: ...
    @property
    def testing(self) -> bool: ...
    @property
    def secret_key(self) -> str | bytes | None: ...
    @property
    def permanent_session_lifetime(self) -> timedelta: ...
    @property
    def root_path(self) -> str: ...
    @property
    def logger(self) -> Logger: ...

    # -- strategies, classes and the resolved pipeline -------------------
    @property
    def router(self) -> Router: ...
    @property
    def json(self) -> JSONProvider: ...
    @property
    def template_renderer(self) -> TemplateRenderer: ...
    @property
    def pipeline(self) -> Pipeline: ...
    @property
    def dispatcher(self) -> Dispatcher[t.Any]: ...
    @property
    def view_binder(self) -> ViewBinder[t.Any]: ...
    @property
    def error_handling(self) -> ErrorHandling[t.Any]: ...
    @property
    def response_converter(self) -> ResponseConverter[t.Any]: ...
    @property
    def session_interface(self) -> SessionInterface[t.Any]: ...
    @property
    def request_class(self) -> type[Request]: ...
    @property
    def response_class(self) -> type[Response]: ...
    @property
    def url_rule_class(self) -> type[Rule]: ...
    @property
    def app_ctx_globals_class(self) -> type[_AppCtxGlobals]: ...
    @property
    def jinja_environment(self) -> type[Environment]: ...
    @property
    def jinja_options(self) -> dict[str, t.Any]: ...

    # -- what setup registered -------------------------------------------
    @property
    def subdomain_matching(self) -> bool: ...
    @property
    def view_functions(self) -> dict[str, RouteCallable]: ...
    @property
    def error_handler_spec(self) -> ErrorHandlerSpec: ...
    @property
    def unmatched_url_handlers(self) -> list[tuple[str, str, str | None]]: ...
    @property
    def before_request_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[BeforeRequestCallable]]: ...
    @property
    def after_request_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[AfterRequestCallable[t.Any]]]: ...
    @property
    def teardown_request_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[TeardownCallable]]: ...
    @property
    def teardown_appcontext_funcs(self) -> list[TeardownCallable]: ...
    @property
    def before_websocket_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[t.Callable[[], t.Any]]]: ...
    @property
    def after_websocket_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[t.Callable[[t.Any], t.Any]]]: ...
    @property
    def teardown_websocket_funcs(
        self,
    ) -> dict[AppOrBlueprintKey, list[t.Callable[[BaseException | None], t.Any]]]: ...
    @property
    def url_value_preprocessors(
        self,
    ) -> dict[AppOrBlueprintKey, list[URLValuePreprocessorCallable]]: ...
    @property
    def url_default_functions(
        self,
    ) -> dict[AppOrBlueprintKey, list[URLDefaultCallable]]: ...
    @property
    def template_context_processors(
        self,
    ) -> dict[AppOrBlueprintKey, list[TemplateContextProcessorCallable]]: ...
    @property
    def template_filters(self) -> dict[str, TemplateFilterCallable]: ...
    @property
    def template_tests(self) -> dict[str, TemplateTestCallable]: ...
    @property
    def template_globals(self) -> dict[str, TemplateGlobalCallable]: ...
    def iter_blueprints(self) -> t.Iterable[ScaffoldLike]: ...

    # -- state of the request path ---------------------------------------
    @property
    def got_first_request(self) -> bool: ...
    @property
    def needs_request_teardown(self) -> bool: ...
    @property
    def needs_appcontext_teardown(self) -> bool: ...

    # -- methods the lower layers call -----------------------------------
    def ensure_sync(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]: ...
    def sync_callable(self, func: Callable[..., t.Any]) -> Callable[..., t.Any]: ...
    def get_send_file_max_age(self, filename: str | None) -> int | None: ...
    def open_request_session(self, ctx: RequestContext) -> SessionMixin: ...
    def save_request_session(self, ctx: RequestContext, response: Response) -> None: ...
    def report_teardown_errors(self, errors: list[BaseException]) -> None: ...
    def should_ignore_error(self, error: BaseException | None) -> bool: ...
    def request_context(self, environ: WSGIEnvironment) -> RequestContext: ...
    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]: ...
    def create_global_jinja_loader(self) -> BaseLoader: ...
    def create_jinja_environment(self) -> Environment: ...
    def _prepare_if_changed(self) -> None:
        """Prepare the strategies again if setup changed; the template
        helpers call it, since a render may come before any request."""
        ...


@t.runtime_checkable
class Router(t.Protocol[AppT_contra]):
    """Owns the URL map: adds rules, matches requests, builds URLs."""

    #: The werkzeug URL map; the app creates one when it is ``None``.
    url_map: Map | None

    def prepare(self, app: AppT_contra) -> None:
        """Precompute matching tables from the app's URL map."""

    def add_rule(
        self,
        app: AppT_contra,
        rule: str,
        endpoint: str,
        methods: set[str],
        options: dict[str, t.Any],
    ) -> Rule:
        """Create a rule with ``app.url_rule_class`` and add it to the map.

        :param rule: the URL rule string, e.g. ``/user/<int:id>``.
        :param endpoint: the endpoint the rule points to.
        :param methods: the upper-case HTTP methods the rule accepts.
        :param options: the remaining werkzeug ``Rule`` keyword arguments.
        :return: the rule that was added.
        """
        ...

    def bind(self, ctx: AppContext) -> MapAdapter | None:
        """Return the URL adapter for the context, or ``None`` when the app
        context has no request and no ``SERVER_NAME`` to build URLs from."""
        ...

    def match(self, ctx: RequestContext) -> tuple[Rule, dict[str, t.Any]]:
        """Match the context's request; raise a werkzeug ``HTTPException``
        (including ``RequestRedirect``) when it does not match."""
        ...

    def allowed_methods(self, ctx: RequestContext) -> list[str]:
        """The methods the request's URL accepts, for ``Allow`` headers."""
        ...

    def inject_url_defaults(
        self, ctx: AppContext | None, endpoint: str, values: dict[str, t.Any]
    ) -> None:
        """Let the ``url_defaults`` callbacks fill in ``values`` in place."""

    def build(
        self,
        ctx: AppContext,
        endpoint: str,
        values: dict[str, t.Any],
        *,
        method: str | None = None,
        anchor: str | None = None,
        scheme: str | None = None,
        external: bool | None = None,
    ) -> str:
        """Build a URL; raise ``werkzeug.routing.BuildError`` on failure."""
        ...


@t.runtime_checkable
class Dispatcher(t.Protocol[AppT_contra]):
    """Runs the request pipeline: hooks, the view, finalization, teardown."""

    def prepare(self, app: AppT_contra) -> None:
        """Compile the app's hooks into flat per-blueprint tuples."""

    def full_dispatch(self, ctx: RequestContext) -> Response:
        """Run the whole pipeline for the request and return the response.
        Exceptions no error handler caught propagate to the caller."""
        ...

    def preprocess(self, ctx: RequestContext) -> ResponseReturnValue | None:
        """Run URL value preprocessors and ``before_request`` hooks; a hook's
        non-``None`` return value stops the request."""
        ...

    def dispatch(self, ctx: RequestContext) -> ResponseReturnValue:
        """Call the matched view (or raise the routing error)."""
        ...

    def raise_routing_exception(self, ctx: RequestContext) -> t.NoReturn:
        """Raise the error matching stored on the request."""
        ...

    def finalize(
        self,
        ctx: RequestContext,
        rv: ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """Turn ``rv`` into a response and run the ``after_request`` chain."""
        ...

    def process_response(self, ctx: RequestContext, response: Response) -> Response:
        """Run ``after_this_request`` callbacks and ``after_request`` hooks."""
        ...

    def make_default_options_response(self, ctx: RequestContext) -> Response:
        """The response to an automatic ``OPTIONS`` request."""
        ...

    def teardown_request(
        self, ctx: RequestContext, exc: BaseException | None
    ) -> list[BaseException]:
        """Run every ``teardown_request`` callback; return what they raised."""
        ...

    def teardown_appcontext(
        self, ctx: AppContext, exc: BaseException | None
    ) -> list[BaseException]:
        """Run every ``teardown_appcontext`` callback; return what they raised."""
        ...


@t.runtime_checkable
class ViewBinder(t.Protocol[AppT_contra]):
    """Makes, from each registered view, the callable the pipeline calls
    with the URL's values as keyword arguments.

    :meth:`bind` runs at setup, when the dispatcher prepares (again after
    any change to the app's setup), never per request: a binder compiles
    whatever it needs from the view (its signature, its type hints) there.
    It may be called more than once for the same view, so a binder whose
    work is costly keeps what it made per view.

    What :meth:`bind` returns must be called like the view: with the URL's
    values as keyword arguments, returning what a view may return. It must
    be a coroutine function exactly when the view is one, and keep the
    view's attributes (``functools.wraps`` does both for a wrapper), which
    the pipeline reads to decide where the view runs. A class-based view
    (a function with ``view_class``) is awaited on the event loop through
    its class, so a binder that changes how its methods are called binds
    the methods rather than wrapping the function. WebSocket handlers are
    not bound.

    Binders compose: an extension that adds one keeps the app's binder and
    calls it for the views it leaves alone.
    """

    def bind(
        self, app: AppT_contra, endpoint: str, view: RouteCallable
    ) -> RouteCallable:
        """The callable the pipeline calls for ``view``.

        :param app: the app the view is registered on.
        :param endpoint: the view's endpoint.
        :param view: the registered view.
        """
        ...


@t.runtime_checkable
class ResponseConverter(t.Protocol[AppT_contra]):
    """Turns whatever a view returned into a response object."""

    def prepare(self, app: AppT_contra) -> None:
        """Precompute anything that depends on the app's classes or config."""

    def make_response(
        self, ctx: AppContext | None, rv: ResponseReturnValue | HTTPException
    ) -> Response:
        """Convert a view's return value; raise ``TypeError`` naming the view
        when the value can't be a response."""
        ...


@t.runtime_checkable
class ErrorHandling(t.Protocol[AppT_contra]):
    """Finds and runs error handlers; decides what propagates."""

    def prepare(self, app: AppT_contra) -> None:
        """Compile the registered handlers into lookup tables."""

    def find_handler(
        self, ctx: AppContext, exc: BaseException
    ) -> ErrorHandlerCallable | None:
        """The handler for ``exc``: by status code, then by the exception
        class's MRO, innermost blueprint first, then the app."""
        ...

    def handle_http(
        self, ctx: AppContext, exc: HTTPException
    ) -> HTTPException | ResponseReturnValue:
        """Handle an ``HTTPException``; return it unchanged when unhandled."""
        ...

    def handle_user(
        self, ctx: AppContext, exc: Exception
    ) -> HTTPException | ResponseReturnValue:
        """Handle an exception raised during dispatch; re-raise it when no
        handler exists."""
        ...

    def handle_unhandled(self, ctx: RequestContext, exc: Exception) -> Response:
        """The last resort: signal, log, and answer 500 (or re-raise when
        exceptions propagate)."""
        ...

    def trap_http_exception(self, ctx: AppContext, exc: Exception) -> bool:
        """Whether an HTTP error is raised like any other exception instead
        of becoming its error page."""
        ...

    def log_exception(
        self,
        ctx: AppContext,
        exc_info: tuple[type[BaseException], BaseException, t.Any]
        | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception."""


@t.runtime_checkable
class JSONProvider(t.Protocol):
    """Serializes to and from JSON and makes JSON responses."""

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` to the text file ``fp``."""

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Deserialize the JSON document read from ``fp``."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        ...

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize a JSON document."""
        ...

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """Serialize the arguments into a JSON response (see ``jsonify``)."""
        ...


@t.runtime_checkable
class TemplateRenderer(t.Protocol[AppT_contra]):
    """Creates the Jinja environment and renders templates."""

    def prepare(self, app: AppT_contra) -> None:
        """Forget anything compiled from the app's context processors."""

    @property
    def created(self) -> bool:
        """Whether the environment exists yet."""
        ...

    def environment(self, app: AppT_contra) -> Environment:
        """The app's environment, created on first use through
        ``app.create_jinja_environment()``."""
        ...

    def create_environment(self, app: AppT_contra) -> Environment:
        """Build a new environment for the app."""
        ...

    def update_context(self, ctx: AppContext | None, context: dict[str, t.Any]) -> None:
        """Add what the context processors return to ``context``."""

    def render(
        self,
        ctx: AppContext,
        template: str | Template | list[str | Template],
        context: dict[str, t.Any],
    ) -> str:
        """Render a template by name (or the first existing of several)."""
        ...

    def render_string(
        self, ctx: AppContext, source: str, context: dict[str, t.Any]
    ) -> str:
        """Render template source code."""
        ...

    def stream(
        self,
        ctx: AppContext,
        template: str | Template | list[str | Template],
        context: dict[str, t.Any],
    ) -> t.Iterator[str]:
        """Render a template piece by piece."""
        ...

    def stream_string(
        self, ctx: AppContext, source: str, context: dict[str, t.Any]
    ) -> t.Iterator[str]:
        """Render template source code piece by piece."""
        ...


@t.runtime_checkable
class ConfigLoader(t.Protocol):
    """Reads configuration sources for :class:`~framework.Config`.

    The loader only reads: ``Config.from_*`` apply what it returns (the
    upper-case keys), record each key's source and send ``config_loaded``,
    so a custom loader (another file format, a secrets store, stricter
    parsing) gets those for free. File paths arrive absolute, already
    resolved against the config's root path.
    """

    def load_object(self, obj: object | str) -> tuple[t.Mapping[str, t.Any], str]:
        """The upper-case attributes of ``obj`` (an object or the import path
        of one) and the source name, e.g. ``"object:pkg.settings.Prod"``."""
        ...

    def load_pyfile(self, path: str, silent: bool) -> t.Mapping[str, t.Any] | None:
        """Run a Python file and return its upper-case names; ``None`` when
        the file is missing and ``silent``. Raise ``OSError`` with the path
        for an unreadable file, ``SyntaxError`` with the path and line for
        invalid Python."""
        ...

    def load_file(
        self,
        path: str,
        load: Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
        silent: bool,
        text: bool,
    ) -> t.Mapping[str, t.Any] | None:
        """Open the file (text or binary) and return what ``load`` reads;
        ``None`` when the file is missing and ``silent``. Raise
        ``ValueError`` naming the path when ``load`` rejects the content."""
        ...

    def load_prefixed_env(
        self, prefix: str, loads: Callable[[str], t.Any]
    ) -> t.Sequence[tuple[str, t.Any]]:
        """``(name, value)`` for each environment variable ``<prefix>_name``,
        in the order to apply them, each value parsed with ``loads`` when it
        parses. ``__`` in a name means a nested key; ``Config`` applies it."""
        ...

    def load_settings(self, config: Config, schema: type[T]) -> T:
        """Check ``config`` against the attrs class ``schema`` and return an
        instance; raise :class:`~framework.settings.SettingsError` listing
        every bad key."""
        ...


class Pipeline:
    """The request pipeline's steps, resolved when setup changes.

    Each attribute is the default strategy's bound method, or, when a
    subclass of ``App`` overrides the Flask method of the same meaning, an
    adapter that calls that override. Strategies call one another through
    this table (``ctx.app.pipeline.finalize(ctx, rv)``).
    """

    __slots__ = (
        "bind",
        "dispatch",
        "finalize",
        "full_dispatch",
        "handle_http",
        "handle_unhandled",
        "handle_user",
        "inject_url_defaults",
        "log_exception",
        "make_default_options_response",
        "make_response",
        "preprocess",
        "process_response",
        "raise_routing_exception",
        "teardown_appcontext",
        "teardown_request",
        "trap_http_exception",
    )

    bind: Callable[[t.Any], MapAdapter | None]
    inject_url_defaults: Callable[[t.Any, str, dict[str, t.Any]], None]
    trap_http_exception: Callable[[t.Any, Exception], bool]

    full_dispatch: Callable[[RequestContext], Response]
    preprocess: Callable[[RequestContext], ResponseReturnValue | None]
    dispatch: Callable[[RequestContext], ResponseReturnValue]
    finalize: Callable[..., Response]
    process_response: Callable[[RequestContext, Response], Response]
    raise_routing_exception: Callable[[RequestContext], t.NoReturn]
    make_response: Callable[[t.Any, t.Any], Response]
    make_default_options_response: Callable[[RequestContext], Response]
    handle_http: Callable[[t.Any, HTTPException], t.Any]
    handle_user: Callable[[t.Any, Exception], t.Any]
    handle_unhandled: Callable[[RequestContext, Exception], Response]
    log_exception: Callable[[t.Any, t.Any], None]
    teardown_request: Callable[[t.Any, BaseException | None], list[BaseException]]
    teardown_appcontext: Callable[[t.Any, BaseException | None], list[BaseException]]
