"""The application object.

Layer 3. :class:`App` composes the strategies of layer 2 and exposes Flask's
public API. Its Flask-named methods (``make_response``, ``dispatch_request``,
``handle_exception``...) are thin: they delegate to a strategy. A subclass
may override them Flask-style; :attr:`App.pipeline` then routes the
strategies' calls through the override.

App's methods are grouped by concern in :mod:`framework._app`, one class a
module, which ``App`` inherits (registration, configuration, templates,
URL building, serving, the command line, test tools, the pipeline methods,
sessions). This module keeps the composition itself: the strategy and class
attributes, the constructor, preparing the pipeline and freezing setup at
the first request, and the WSGI and ASGI entry points.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import pathlib
import sys
import threading
import typing as t
import weakref
from datetime import timedelta

from werkzeug.exceptions import Aborter, BadRequest
from werkzeug.routing import Map, Rule

from . import background, interfaces, lifespan, signals
from . import typing as ft
from ._app.commands import CommandLineMethods
from ._app.commands import T_shell_context_processor as T_shell_context_processor
from ._app.configuration import ConfigMethods
from ._app.deferred import DeferredImport
from ._app.overrides import overridden, resolve_pipeline
from ._app.pipeline_methods import PipelineMethods
from ._app.pipeline_methods import _sentinel as _sentinel
from ._app.registration import RegistrationMethods
from ._app.registration import T_teardown as T_teardown
from ._app.serving import ServingMethods
from ._app.serving import T_serving as T_serving
from ._app.serving import T_while_serving as T_while_serving
from ._app.sessions import SessionMethods
from ._app.strategy_attribute import StrategyAttribute as _Strategy
from ._app.templates import T_template_filter as T_template_filter
from ._app.templates import T_template_global as T_template_global
from ._app.templates import T_template_test as T_template_test
from ._app.templates import TemplateMethods
from ._app.testing_tools import TestToolMethods
from ._app.urls import URLMethods
from .binding import ViewBinder
from .blueprints import Blueprint
from .config import DEFAULT_CONFIG, Config, ConfigAttribute, ConfigLoader
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .dispatch import Dispatcher
from .errors import ErrorHandling
from .json.provider import DefaultJSONProvider, JSONProvider
from .package_paths import find_package as _find_package  # noqa: F401
from .package_paths import package_path as _package_path  # noqa: F401
from .registries import WatchedDict, WatchedList, WatchedScopes
from .responses import ResponseConverter
from .routing import Router
from .scaffold import _SCOPED_REGISTRIES, Scaffold
from .sessions import SecureCookieSessionInterface, SessionInterface
from .templating import TemplateRenderer
from .wrappers import Request, Response

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .asgi import HTTPAdapter, Receive, Scope, Send
    from .jinja_environment import Environment
    from .testing import AppClient, AppCliRunner


__all__ = ["App"]

# framework.compat.flask.scaffold exports _sentinel, _find_package and
# _package_path from here, as Flask's modules do; the other names this
# module had before App's parts moved to framework._app are in _MOVED.

T = t.TypeVar("T")

_PRESERVE_CONTEXT = "werkzeug.debug.preserve_context"
#: A folder argument: a path, or ``None`` for no such folder.
_Folder: t.TypeAlias = "str | os.PathLike[str] | None"


def _make_timedelta(value: timedelta | int | None) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _static_view(app: App) -> t.Callable[..., Response]:
    """The ``static`` endpoint's view; holds the app weakly so that the app
    and its URL map do not keep each other alive."""
    app_ref = weakref.ref(app)

    def static(filename: str) -> Response:
        target = app_ref()
        assert target is not None, "the app was garbage collected"
        return target.send_static_file(filename)

    return static


def _unreadable_environ(
    environ: WSGIEnvironment, start_response: StartResponse
) -> t.Iterable[bytes]:
    """The 400 for an environ no request object can be built from."""
    error = BadRequest(
        "The request's path, query string or headers could not be decoded."
    )
    return error.get_response()(environ, start_response)


class ASGIEntry:
    """An app's ASGI application (:attr:`App.asgi`): an object whose
    ``__call__`` is a coroutine function, as ASGI servers expect, calling
    the app's :meth:`~App.asgi_app`.

    :param app: the app it serves.
    """

    __slots__ = ("app",)

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        app = self.app
        adapter = app._http_adapter
        if (
            adapter is not None
            and adapter.direct
            and scope["type"] == "http"
            and "asgi_app" not in app.__dict__
        ):
            # PERF: hello; asgi_app's frame skipped when nothing wraps or
            # overrides it.
            await adapter(app, scope, receive, send)
        else:
            await app.asgi_app(scope, receive, send)

    def __repr__(self) -> str:
        return f"<ASGIEntry of {self.app.name!r}>"


class App(
    # First: its add_url_rule is the app's, where Scaffold's is abstract.
    RegistrationMethods,
    Scaffold,
    ConfigMethods,
    TemplateMethods,
    URLMethods,
    ServingMethods,
    CommandLineMethods,
    TestToolMethods,
    PipelineMethods,
    SessionMethods,
):
    """The WSGI application: register views and hooks on it, then serve it.

    :param import_name: the name of the application package or module,
        usually ``__name__``; it locates the root path.
    :param static_url_path: the URL prefix of static files.
    :param static_folder: the folder of static files, relative to the root
        path.
    :param static_host: the host static files are served from, with
        ``host_matching``.
    :param host_matching: match rules by their ``host`` option.
    :param subdomain_matching: match rules by their ``subdomain`` option
        relative to ``SERVER_NAME``.
    :param template_folder: the folder of templates, relative to the root
        path.
    :param instance_path: the instance folder; ``instance`` next to the
        package when ``None``.
    :param instance_relative_config: resolve config file names against the
        instance folder instead of the root path.
    :param root_path: the root path; derived from ``import_name`` when
        ``None``.
    :param router: a :class:`~framework.interfaces.Router` to use instead of
        ``router_class()``. ``dispatcher``, ``view_binder``,
        ``response_converter``,
        ``error_handling``, ``json``, ``template_renderer`` and
        ``config_loader`` work the same way.
    """

    #: The request object class.
    request_class: type[Request] = Request
    #: The response object class.
    response_class: type[Response] = Response
    #: The class of :attr:`url_map`.
    url_map_class: type[Map] = Map
    #: The class of the rules :meth:`add_url_rule` creates.
    url_rule_class: type[Rule] = Rule
    #: The class of :attr:`aborter`.
    aborter_class: type[Aborter] = Aborter
    #: The class of :attr:`config`.
    config_class: type[Config] = Config
    #: The class of ``g``.
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    #: The class :meth:`test_client` instantiates; ``None`` for
    #: :class:`~framework.testing.AppClient`.
    test_client_class: type[AppClient] | None = None
    #: The class :meth:`test_cli_runner` instantiates; ``None`` for
    #: :class:`~framework.testing.AppCliRunner`.
    test_cli_runner_class: type[AppCliRunner] | None = None
    #: The class of :attr:`json`.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: The default strategy classes, used when no instance is passed to the
    #: constructor.
    router_class: type[Router] = Router
    dispatcher_class: type[Dispatcher] = Dispatcher
    response_converter_class: type[ResponseConverter] = ResponseConverter
    error_handling_class: type[ErrorHandling] = ErrorHandling
    config_loader_class: type[ConfigLoader] = ConfigLoader
    view_binder_class: type[ViewBinder] = ViewBinder
    #: How sessions are opened and saved.
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: The defaults :attr:`config` starts from.
    default_config: t.Mapping[str, t.Any] = DEFAULT_CONFIG

    #: The URL router strategy.
    router: _Strategy[interfaces.Router] = _Strategy()
    #: The request pipeline strategy.
    dispatcher: _Strategy[interfaces.Dispatcher] = _Strategy()
    #: The return-value-to-response strategy.
    response_converter: _Strategy[interfaces.ResponseConverter] = _Strategy()
    #: What the pipeline calls for each view (the view itself by default).
    view_binder: _Strategy[interfaces.ViewBinder] = _Strategy()
    #: The error handler strategy.
    error_handling: _Strategy[interfaces.ErrorHandling] = _Strategy()
    #: The JSON provider: ``app.json.dumps(...)``, ``app.json.response(...)``.
    json: _Strategy[interfaces.JSONProvider] = _Strategy()
    #: The template strategy: the Jinja environment and rendering.
    template_renderer: _Strategy[interfaces.TemplateRenderer] = _Strategy()
    template_renderer_class: type[TemplateRenderer] = TemplateRenderer
    #: The config loading strategy: reads the sources of ``config.from_*``
    #: and checks typed settings (:meth:`load_settings`).
    config_loader: _Strategy[interfaces.ConfigLoader] = _Strategy()
    #: The class of :attr:`jinja_env`. Jinja2 is imported when this is
    #: first read, at the first template.
    jinja_environment: type[Environment] = DeferredImport(  # type: ignore[assignment]
        "framework.jinja_environment", "Environment"
    )
    #: Options for the Jinja environment, e.g. ``{"trim_blocks": True}``;
    #: set before the environment is first used.
    jinja_options: dict[str, t.Any] = {}

    #: ``DEBUG``: show tracebacks in the browser and propagate errors.
    #: ``TESTING``: propagate errors to the test client.
    testing: ConfigAttribute[bool] = ConfigAttribute("TESTING")
    #: ``SECRET_KEY``: the key sessions and other signed data use.
    secret_key: ConfigAttribute[str | bytes | None] = ConfigAttribute("SECRET_KEY")
    #: ``PERMANENT_SESSION_LIFETIME`` as a :class:`~datetime.timedelta`.
    permanent_session_lifetime: ConfigAttribute[timedelta] = ConfigAttribute(
        "PERMANENT_SESSION_LIFETIME",
        _make_timedelta,  # type: ignore[arg-type]
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: _Folder = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: _Folder = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
        *,
        router: interfaces.Router | None = None,
        dispatcher: interfaces.Dispatcher | None = None,
        view_binder: interfaces.ViewBinder | None = None,
        response_converter: interfaces.ResponseConverter | None = None,
        error_handling: interfaces.ErrorHandling | None = None,
        json: interfaces.JSONProvider | None = None,
        template_renderer: interfaces.TemplateRenderer | None = None,
        config_loader: interfaces.ConfigLoader | None = None,
    ) -> None:
        self._got_first_request = False
        self._pipeline_ready = False
        # Bumped by every setup method; contexts created before the first
        # request prepare again when it moved.
        self._setup_version = 0
        self._prepared_version = -1
        self._custom_request_context = False
        #: Serves ASGI HTTP requests; made at the first one.
        self._http_adapter: HTTPAdapter | None = None
        self._setup_lock = threading.Lock()
        # The folders the app shares with blueprints (Scaffold's part).
        super().__init__(
            import_name, static_folder, static_url_path, template_folder, root_path
        )
        registries_changed = self._watch_registries()
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                f"instance_path must be absolute, got {instance_path!r}; build"
                " it with os.path.abspath()."
            )
        #: The instance folder: files that belong to one deployment.
        self.instance_path = instance_path
        # Before make_config: the config loads through this strategy.
        self.config_loader = (
            config_loader if config_loader is not None else self.config_loader_class()
        )
        #: The configuration, a ``dict`` with Flask's default keys.
        self.config = self.make_config(instance_relative_config)
        #: Extensions keep their per-app state here, under their name.
        self.extensions: dict[str, t.Any] = {}
        # What ensure_sync made of each function (see sync_callable).
        self._sync_callables: dict[t.Callable[..., t.Any], t.Callable[..., t.Any]] = {}
        #: Functions called with ``(error, endpoint, values)`` when
        #: :meth:`url_for` fails; the first that returns a URL wins.
        self.url_build_error_handlers: list[ft.URLBuildErrorHandler] = []
        #: ``teardown_appcontext`` callbacks, in registration order; they
        #: run in reverse. Those registered with ``last=True`` are first.
        self.teardown_appcontext_funcs: list[ft.TeardownCallable] = WatchedList(
            registries_changed
        )
        self._last_teardowns = 0
        #: Functions whose dicts make up the ``shell`` command's namespace.
        self.shell_context_processors: list[ft.ShellContextProcessorCallable] = []
        #: Registered blueprints by their dotted name, in registration order.
        self.blueprints: dict[str, Blueprint] = {}
        #: ``(url prefix, blueprint name, subdomain)`` of blueprints registered with
        #: ``handle_unmatched=True``, whose 404/405 handlers answer unmatched
        #: URLs under their prefix.
        self.unmatched_url_handlers: list[tuple[str, str, str | None]] = []
        #: Template filters, tests and globals registered with the
        #: ``template_*`` decorators, by name.
        self.template_filters: dict[str, ft.TemplateFilterCallable] = {}
        self.template_tests: dict[str, ft.TemplateTestCallable] = {}
        self.template_globals: dict[str, ft.TemplateGlobalCallable] = {}
        #: Whether rules match their ``subdomain`` option.
        self.subdomain_matching = subdomain_matching
        self.static_host = static_host
        #: Raises HTTP errors for :func:`~framework.abort`.
        self.aborter = self.make_aborter()

        self.router = router if router is not None else self.router_class()
        if self.router.url_map is None:
            self.router.url_map = self.url_map_class(host_matching=host_matching)
        elif host_matching:
            self.router.url_map.host_matching = True
        self.dispatcher = (
            dispatcher if dispatcher is not None else self.dispatcher_class()
        )
        self.view_binder = (
            view_binder if view_binder is not None else self.view_binder_class()
        )
        self.response_converter = (
            response_converter
            if response_converter is not None
            else self.response_converter_class()
        )
        self.error_handling = (
            error_handling
            if error_handling is not None
            else self.error_handling_class()
        )
        self.json = json if json is not None else self.json_provider_class(self)
        self.template_renderer = (
            template_renderer
            if template_renderer is not None
            else self.template_renderer_class()
        )
        if self.has_static_folder:
            # AssertionError, as Flask raises for these setup mistakes.
            if static_host and not host_matching:
                raise AssertionError(
                    "static_host only works with host_matching=True: without"
                    " host matching, rules do not match on the host."
                )
            if host_matching and not static_host:
                raise AssertionError(
                    "host_matching=True needs static_host, the host the static"
                    " route serves files from (or static_folder=None for no"
                    " static route)."
                )
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=_static_view(self),
            )
        self._prepare()

    # -- identity and configuration --------------------------------------

    @functools.cached_property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's file name when
        run as ``__main__``."""
        if self.import_name != "__main__":
            return self.import_name
        script = getattr(sys.modules["__main__"], "__file__", None)
        # No file for an interactive session or python -c.
        return pathlib.Path(script).stem if script else "__main__"

    @functools.cached_property
    def logger(self) -> logging.Logger:
        """The standard-library logger named after :attr:`name`, made by
        :func:`framework.logging.create_logger` on first use: its level is
        ``DEBUG`` in debug mode when not set otherwise, and it gets
        :data:`framework.logging.default_handler` only when no handler
        configured by the user would print its records."""
        # L3 loads the L4 logging module when the logger is first used.
        from .logging import create_logger

        return create_logger(self)

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter` from :attr:`aborter_class`."""
        return self.aborter_class()

    @property
    def url_map(self) -> Map:
        """The werkzeug URL map; its ``converters`` dict takes custom
        converters."""
        url_map = self.router.url_map
        assert url_map is not None
        return url_map

    @url_map.setter
    def url_map(self, value: Map) -> None:
        self._check_setup_finished("app.url_map = ...")
        self.router.url_map = value

    @property
    def got_first_request(self) -> bool:
        """Whether the app handled a request; setup is frozen from then on."""
        return self._got_first_request

    # -- setup -----------------------------------------------------------

    def _check_setup_finished(self, f_name: str) -> None:
        self._setup_version += 1
        if self._got_first_request:
            raise AssertionError(
                f"The setup method {f_name!r} can't be used now: the app"
                " already handled its first request, and changes after that"
                " would apply to some requests and not others. Do all setup"
                " (routes, hooks, strategies, extensions) before the app"
                " serves requests."
            )

    # -- setup compiled into the pipeline ---------------------------------

    def _prepare(self) -> None:
        """Resolve :attr:`pipeline` and let each strategy precompute its
        tables. Runs at construction, at the first request, and before then
        whenever a context is created after setup changed."""
        strategies = {
            "router": self.router,
            # Before the dispatcher: its prepare() binds the views.
            "view_binder": self.view_binder,
            "dispatcher": self.dispatcher,
            "response_converter": self.response_converter,
            "error_handling": self.error_handling,
        }
        #: The resolved request pipeline; see
        #: :class:`~framework.interfaces.Pipeline`.
        self.pipeline = pipeline = resolve_pipeline(self, strategies, App)
        self._custom_request_context = (
            overridden(self, "request_context", App) is not None
        )
        #: Whether a request's app context teardown has work to do besides
        #: the signal (callbacks, an override or a custom dispatcher).
        self.needs_appcontext_teardown = bool(self.teardown_appcontext_funcs) or (
            getattr(pipeline.teardown_appcontext, "__func__", None)
            is not Dispatcher.teardown_appcontext
        )
        #: The same for the request's own teardown (``teardown_request``
        #: callbacks of the app or any blueprint).
        self.needs_request_teardown = any(self.teardown_request_funcs.values()) or (
            getattr(pipeline.teardown_request, "__func__", None)
            is not Dispatcher.teardown_request
        )
        self._prepared_version = self._setup_version
        for strategy in (*strategies.values(), self.json, self.template_renderer):
            prepare = getattr(strategy, "prepare", None)
            if prepare is not None:
                prepare(self)
        self._pipeline_ready = True

    def _prepare_if_changed(self) -> None:
        """Prepare again if setup changed since the last time; setup is
        frozen after the first request, so this is for tests and scripts."""
        if (
            self._prepared_version != self._setup_version
            and not self._got_first_request
        ):
            self._prepare()

    def _watch_registries(self) -> t.Callable[[], None]:
        """Make the registries Flask code writes to directly report their
        writes to :meth:`_registries_changed`; return the callback, for
        more."""
        # Weak: the app owns the registries, and a strong reference back
        # would make a cycle that only the cycle collector frees.
        method = weakref.WeakMethod(self._registries_changed)

        def changed() -> None:
            registries_changed = method()
            if registries_changed is not None:
                registries_changed()

        self.view_functions = WatchedDict(changed)
        for registry in _SCOPED_REGISTRIES:
            setattr(self, registry, WatchedScopes(changed))
        return changed

    def _registries_changed(self) -> None:
        """A registry was written to directly (``app.view_functions[e] = f``,
        ``app.before_request_funcs[None].append(f)``). Before the first
        request, contexts prepare again; after it, the views and hooks are
        compiled again at once, so the write takes effect as in Flask while
        requests keep reading only the compiled tables."""
        if not self._got_first_request:
            self._setup_version += 1
            return
        with self._setup_lock:
            self._prepare()

    def _freeze(self) -> None:
        """Prepare once more and freeze setup, at the first request; run the
        serving startup hooks first when no server ran them."""
        hooks = self.__dict__.get("serving_hooks")
        if hooks is not None and not hooks.started:
            lifespan.start_at_first_request(self)
        with self._setup_lock:
            if self._got_first_request:
                return
            self._prepare()
            self._got_first_request = True
        if signals.app_ready.receivers:
            signals.app_ready.send(self, _async_wrapper=self.ensure_sync)

    # -- contexts and WSGI -------------------------------------------------

    def app_context(self) -> AppContext:
        """A new app context: ``with app.app_context(): ...``."""
        self._prepare_if_changed()
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A new request context for a WSGI environ; :meth:`wsgi_app` uses it
        when a subclass overrides it."""
        self._prepare_if_changed()
        return RequestContext(self, environ)

    def wsgi_app(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """The WSGI application proper; wrap it (``app.wsgi_app =
        Middleware(app.wsgi_app)``) to add middleware while keeping ``app``."""
        if not self._got_first_request:
            self._freeze()
        try:
            if self._custom_request_context:
                ctx = self.request_context(environ)
            else:
                ctx = RequestContext(self, environ)
        except UnicodeError:
            # The path, query string or a header holds characters a WSGI
            # string can't (code points over 255): no request can be built,
            # so no handler can run; the client still gets a 400, not a 500.
            return _unreadable_environ(environ, start_response)
        error: BaseException | None = None
        pipeline = self.pipeline
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
            if background.in_use:
                background.attach(ctx, response)
            return response(environ, start_response)
        finally:
            if _PRESERVE_CONTEXT in environ:
                environ[_PRESERVE_CONTEXT](ctx)
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)
            # The exception's traceback holds this frame: let go of it, or
            # the request would wait for the cycle collector.
            error = None

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Serve a WSGI request through :meth:`wsgi_app`."""
        return self.wsgi_app(environ, start_response)

    @property
    def asgi(self) -> ASGIEntry:
        """The app as an ASGI application, for ASGI servers: ``uvicorn
        module:app.asgi``. ``app`` itself stays the WSGI application, for
        WSGI servers and WSGI middleware. Calls go through
        :meth:`asgi_app`, so ASGI middleware wraps that."""
        return ASGIEntry(self)

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI application proper; wrap it (``app.asgi_app =
        Middleware(app.asgi_app)``) to add ASGI middleware while keeping
        ``app.asgi``.

        HTTP requests run the same pipeline as under WSGI; see
        :mod:`framework.asgi`.
        """
        kind = scope["type"]
        if kind == "http":
            adapter = self._http_adapter
            if adapter is None:
                # The ASGI machinery (and asyncio) loads with the first ASGI
                # request, not with the app: a WSGI process never needs it.
                from .asgi import HTTPAdapter

                await lifespan.ensure_started(self)
                self._freeze()
                adapter = self._http_adapter = HTTPAdapter(self)
                adapter.direct = type(self).asgi_app is App.asgi_app
            await adapter(self, scope, receive, send)
        elif kind == "lifespan":
            await lifespan.handle_lifespan(
                self, scope, receive, self._pool_closer(send)
            )
        elif kind == "websocket":
            from .asgi_websocket import serve_websocket

            if not self.serving_hooks.started:
                await lifespan.ensure_started(self)
            if not self._got_first_request:
                self._freeze()
            await serve_websocket(self, scope, receive, send)
        else:
            raise ValueError(f"Unknown ASGI scope type {kind!r}.")

    def _pool_closer(self, send: Send) -> Send:
        """``send`` that, before it reports a finished lifespan shutdown,
        stops the thread pool of sync requests, waiting up to 10 seconds
        for the ones still running (the server drained its connections
        before the shutdown)."""

        async def send_after_pool(message: t.MutableMapping[str, t.Any]) -> None:
            adapter = self._http_adapter
            if message["type"] == "lifespan.shutdown.complete" and adapter is not None:
                self._http_adapter = None  # a later request starts afresh
                await adapter.shutdown(10.0)
            await send(message)

        return send_after_pool


#: ``name -> (module, name there)``: the names this module defined or
#: imported before App's parts moved to :mod:`framework._app`, for code that
#: imports them from here (or from ``flask.app`` through the alias).
_MOVED: dict[str, tuple[str, str]] = {
    "_PIPELINE_STEPS": ("framework._app.overrides", "_PIPELINE_STEPS"),
    "_no_ctx": ("framework._app.overrides", "_no_ctx"),
    "_teardown": ("framework._app.overrides", "_teardown"),
    "_url_adapter": ("framework._app.overrides", "_url_adapter"),
    "_with_request": ("framework._app.overrides", "_with_request"),
    "_sync_caller": ("framework._app.pipeline_methods", "_sync_caller"),
    "_add_and_return": ("framework._app.templates", "_add_and_return"),
    "_register_or_decorate": ("framework._app.templates", "_register_or_decorate"),
    "_ask_build_handler": ("framework._app.urls", "_ask_build_handler"),
    "_view_methods": ("framework._app.registration", "_view_methods"),
    "_view_setting": ("framework._app.registration", "_view_setting"),
    "_install_prefix": ("framework.package_paths", "install_prefix"),
    "_cv_context": ("framework.ctx", "_cv_context"),
    "_with_request_beneath": ("framework.ctx", "_with_request_beneath"),
    "env_setting": ("framework.config", "env_setting"),
    "get_debug_flag": ("framework.config", "get_debug_flag"),
    "get_load_dotenv": ("framework.config", "get_load_dotenv"),
    "Pipeline": ("framework.interfaces", "Pipeline"),
    "SessionMixin": ("framework.sessions", "SessionMixin"),
    "setupmethod": ("framework.scaffold", "setupmethod"),
    "DispatchingJinjaLoader": ("framework.templating", "DispatchingJinjaLoader"),
    "check_redirect_target": ("framework.wrappers", "check_redirect_target"),
    "BuildError": ("werkzeug.routing", "BuildError"),
    "MapAdapter": ("werkzeug.routing", "MapAdapter"),
    "_werkzeug_redirect": ("werkzeug.utils", "redirect"),
}

if not t.TYPE_CHECKING:
    # Hidden from the type checker: new code names the new homes.

    def __getattr__(name: str) -> t.Any:
        """A name this module had before App's parts moved out."""
        try:
            module, attribute = _MOVED[name]
        except KeyError:
            raise AttributeError(
                f"module {__name__!r} has no attribute {name!r}"
            ) from None
        return getattr(importlib.import_module(module), attribute)
