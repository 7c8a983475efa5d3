"""The hook registry shared by :class:`~framework.App` and blueprints.

Layer 3. :class:`Scaffold` holds the registries (view functions, request
hooks, error handlers, URL callbacks, template context processors) keyed by
scope, ``None`` standing for the object itself, and exposes the public
decorators. Every registration is a *setup method*: refused with a clear
error once the app has handled its first request.
"""

from __future__ import annotations

import functools
import inspect
import os
import typing as t
from collections import defaultdict
from datetime import timedelta

from werkzeug.exceptions import HTTPException, default_exceptions

from . import static
from . import typing as ft
from .ctx import _cv_context
from .package_paths import find_package_path as find_package_path
from .typing import RouteCallable

# Flask's flask.sansio.scaffold defines these type variables, and code in the
# wild imports them from there; they live with the aliases they bind.
from .typing import T_after_request as T_after_request
from .typing import T_before_request as T_before_request
from .typing import T_error_handler as T_error_handler
from .typing import T_route as T_route
from .typing import T_teardown as T_teardown
from .typing import T_template_context_processor as T_template_context_processor
from .typing import T_url_defaults as T_url_defaults
from .typing import T_url_value_preprocessor as T_url_value_preprocessor

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import BaseLoader

    from .errors import ErrorHandlerSpec
    from .interfaces import AppLike
    from .wrappers import Response

__all__ = ["Scaffold", "find_package_path", "setupmethod"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: A folder argument: a path, or ``None`` for none.
_Folder = t.Union[str, "os.PathLike[str]", None]

#: The per-scope registries every app and blueprint has, each a
#: ``{scope: [functions]}`` mapping (``None`` the object itself, else a
#: blueprint's dotted name), by attribute name. Blueprints copy the same
#: ones into the app on registration.
_SCOPED_REGISTRIES = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
    "before_websocket_funcs",
    "after_websocket_funcs",
    "teardown_websocket_funcs",
)

_Fn = t.TypeVar("_Fn")
_Scoped = dict[ft.AppOrBlueprintKey, list[_Fn]]


def _handing_back(register: t.Callable[[t.Any], object]) -> t.Callable[[F], F]:
    """Make the decorator every registration method returns: it passes the
    decorated function to ``register`` and gives it back unchanged, so that
    decorators stack.

    :param register: called with the decorated function.
    """

    def decorator(f: F) -> F:
        register(f)
        return f

    return decorator


def _active_app() -> AppLike:
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            "This needs an active app context; use 'with app.app_context():'."
        )
    return ctx.app


def setupmethod(f: F) -> F:
    """Mark ``f`` as a setup method: it checks that setup is still open
    before running."""
    name = f.__name__

    @functools.wraps(f)
    def wrapper(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return t.cast(F, wrapper)


def exception_class_and_code(
    exc_class_or_code: type[BaseException] | int,
) -> tuple[type[BaseException], int | None]:
    """Resolve what ``errorhandler`` was given into an exception class and
    its HTTP status code (``None`` for non-HTTP exceptions).

    :raises ValueError: for a code werkzeug has no exception for, or a class
        that is not an ``Exception``.
    :raises TypeError: for an exception instance instead of its class.
    """
    given = exc_class_or_code
    if isinstance(given, int):
        known = default_exceptions.get(given)
        if known is None:
            raise ValueError(
                f"{given!r} is not an HTTP error code werkzeug has an exception"
                " for, so no error can match it. Use a subclass of HTTPException"
                " with that code instead."
            )
        return known, given
    if isinstance(given, BaseException):
        raise TypeError(
            f"{given!r} is an instance, not a class. Register the handler for"
            f" its class, {type(given).__name__}."
        )
    if isinstance(given, type) and issubclass(given, Exception):
        http = issubclass(given, HTTPException)
        return given, t.cast(type[HTTPException], given).code if http else None
    name = getattr(given, "__name__", repr(given))
    raise ValueError(
        f"'{name}' is not a subclass of Exception. errorhandler() takes an HTTP"
        " status code or an exception class."
    )


class Scaffold:
    """Registries and decorators common to the app and blueprints.

    :param import_name: the name of the package or module the object lives
        in, usually ``__name__``; it locates ``root_path``.
    :param static_folder: the folder of static files, relative to
        ``root_path``.
    :param static_url_path: the URL prefix of static files.
    :param template_folder: the folder of templates, relative to
        ``root_path``.
    :param root_path: the folder relative paths are resolved against;
        derived from ``import_name`` when ``None``.
    """

    name: str

    #: ``endpoint -> view function``.
    view_functions: dict[str, ft.RouteCallable]
    #: ``scope -> {code or None -> {exception class -> handler}}``.
    error_handler_spec: ErrorHandlerSpec
    #: ``scope -> before_request hooks``, in registration order.
    before_request_funcs: _Scoped[ft.BeforeRequestCallable]
    #: ``scope -> after_request hooks``, in registration order (they run in
    #: reverse).
    after_request_funcs: _Scoped[ft.AfterRequestCallable[t.Any]]
    #: ``scope -> teardown_request callbacks``, in registration order.
    teardown_request_funcs: _Scoped[ft.TeardownCallable]
    #: ``scope -> template context processors``.
    template_context_processors: _Scoped[ft.TemplateContextProcessorCallable]
    #: ``scope -> URL value preprocessors``.
    url_value_preprocessors: _Scoped[ft.URLValuePreprocessorCallable]
    #: ``scope -> URL defaults callbacks``.
    url_default_functions: _Scoped[ft.URLDefaultCallable]
    #: ``scope -> before_websocket hooks``, in registration order.
    before_websocket_funcs: _Scoped[t.Callable[[], t.Any]]
    #: ``scope -> after_websocket hooks`` (they run in reverse).
    after_websocket_funcs: _Scoped[t.Callable[[t.Any], t.Any]]
    #: ``scope -> teardown_websocket callbacks`` (they run in reverse).
    teardown_websocket_funcs: _Scoped[t.Callable[[BaseException | None], t.Any]]

    def __init__(
        self,
        import_name: str,
        static_folder: _Folder = None,
        static_url_path: str | None = None,
        template_folder: _Folder = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        #: The absolute folder relative paths are resolved against.
        self.root_path = (
            find_package_path(import_name) if root_path is None else root_path
        )
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: The template folder, relative to :attr:`root_path`.
        self.template_folder = template_folder

        self.view_functions = {}
        self.error_handler_spec = defaultdict(lambda: defaultdict(dict))
        for registry in _SCOPED_REGISTRIES:
            setattr(self, registry, defaultdict(list))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def static_folder(self) -> str | None:
        """The absolute static folder, or ``None`` when there is none."""
        if self._static_folder is None:
            return None
        return os.path.join(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: _Folder) -> None:
        self._static_folder = None if value is None else os.fspath(value).rstrip("\\/")

    @functools.cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """The loader of this object's own templates: a file system loader
        for :attr:`template_folder`, or ``None`` without one."""
        if self.template_folder is None:
            return None
        # Read by the app's template loader: Jinja2 is loaded by then.
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set."""
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files: as configured, else ``/`` and the
        static folder's name."""
        configured = self._static_url_path
        if configured is not None or self._static_folder is None:
            return configured
        return ("/" + os.path.basename(self._static_folder)).rstrip("/")

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = None if value is None else value.rstrip("/")

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` for files sent without one: the current app's
        ``SEND_FILE_MAX_AGE_DEFAULT`` in seconds, ``None`` (the default)
        meaning conditional requests instead of a timed cache."""
        value = _active_app().config["SEND_FILE_MAX_AGE_DEFAULT"]
        if isinstance(value, timedelta):
            value = value.total_seconds()
        return None if value is None else int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` endpoint: send ``filename`` from
        :attr:`static_folder`."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError(
                f"{self!r} has no static folder: pass static_folder=... to serve"
                " static files."
            )
        ctx = _cv_context.get(None)
        if ctx is None or not ctx.is_request_context:
            raise RuntimeError(
                "send_static_file() serves a request: call it in a view."
            )
        return static.send_from_directory(
            ctx.app,
            ctx.request.environ,
            folder,
            filename,
            max_age=self.get_send_file_max_age(filename),
        )

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.Any]:
        """Open ``resource``, a path relative to :attr:`root_path`, for
        reading (``mode`` ``"rb"``, ``"r"`` or ``"rt"``; ``encoding`` applies
        to text mode)."""
        if mode not in ("r", "rt", "rb"):
            raise ValueError(
                f"open_resource() only reads; mode {mode!r} is not 'rb', 'r' or 'rt'."
            )
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- routes ----------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError(
                f"{method.lower()}() sets the method itself; use route() to"
                " pass 'methods'."
            )
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``.

        :param rule: the URL rule, e.g. ``/user/<int:user_id>``.
        :param options: ``endpoint``, ``methods``, ``provide_automatic_options``
            and any werkzeug :class:`~werkzeug.routing.Rule` option
            (``defaults``, ``strict_slashes``, ``host``, ``subdomain``...).
        """

        # "endpoint" is taken out when the decorator runs, as Flask does.
        return _handing_back(
            lambda f: self.add_url_rule(
                rule, options.pop("endpoint", None), f, **options
            )
        )

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule; see :meth:`route`. The app adds it to its
        router, a blueprint records it for its registrations."""
        raise NotImplementedError

    @setupmethod
    def websocket(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Register the decorated ``async def`` function as the handler of
        WebSocket connections to ``rule``; it talks through the
        :data:`~framework.websocket` global. Served under ASGI only: a
        WSGI server answers the handshake with 426.

        :param rule: the URL rule, with converters like any route.
        :param options: ``endpoint`` and werkzeug
            :class:`~werkzeug.routing.Rule` options, as for :meth:`route`.
        :raise TypeError: the handler is not a coroutine function.
        """

        def register(f: t.Any) -> None:
            if not inspect.iscoroutinefunction(f):
                raise TypeError(
                    f"The WebSocket handler {getattr(f, '__name__', f)!r} must"
                    " be an 'async def' function: it awaits websocket.receive()"
                    " and websocket.send()."
                )
            options.setdefault("provide_automatic_options", False)
            self.add_url_rule(
                rule, options.pop("endpoint", None), f, websocket=True, **options
            )

        return _handing_back(register)

    @setupmethod
    def before_websocket(self, f: F) -> F:
        """Run ``f`` (async, or sync in a thread) before each WebSocket
        handler of this scope. A non-``None`` return value refuses the
        handshake with that response, and the handler is skipped."""
        return self._own(self.before_websocket_funcs, f)

    @setupmethod
    def after_websocket(self, f: F) -> F:
        """Run ``f`` after each WebSocket handler of this scope, with what
        the handler returned (usually ``None``); a non-``None`` return value
        replaces it. Hooks run in reverse registration order. Not run when
        the handler raised."""
        return self._own(self.after_websocket_funcs, f)

    @setupmethod
    def teardown_websocket(self, f: F) -> F:
        """Run ``f`` when a WebSocket connection of this scope ends, with
        the exception that ended it or ``None``; runs even after errors, and
        what it raises is reported without stopping the other callbacks."""
        return self._own(self.teardown_websocket_funcs, f)

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``, for a
        rule added without a view function."""

        return _handing_back(lambda f: self.view_functions.__setitem__(endpoint, f))

    # -- request hooks ---------------------------------------------------
    # Each appends to its registry under this object's own scope (None);
    # a blueprint's scope is renamed when it is registered on an app.

    @staticmethod
    def _own(registry: _Scoped[t.Any], f: F) -> F:
        registry[None].append(f)
        return f

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f`` before each view. A non-``None`` return value is used as
        the response and the view is skipped."""
        return self._own(self.before_request_funcs, f)

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f`` with each response; it returns the response to send.
        Hooks run in reverse registration order. Not run when an exception
        was not handled."""
        return self._own(self.after_request_funcs, f)

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f`` when the request context ends, with the unhandled
        exception or ``None``. Runs even after errors; its return value is
        ignored, and an exception it raises is reported without stopping the
        other teardown callbacks."""
        return self._own(self.teardown_request_funcs, f)

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Register a function whose returned dict is merged into the context
        of every template rendered."""
        return self._own(self.template_context_processors, f)

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, view_args)`` after matching and before the
        ``before_request`` hooks; it may change ``view_args`` in place."""
        return self._own(self.url_value_preprocessors, f)

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` whenever a URL is built; it may fill in
        ``values`` in place."""
        return self._own(self.url_default_functions, f)

    # -- error handlers --------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP status code or an
        exception class (and its subclasses)."""

        def register(handler: T_error_handler) -> None:
            self.register_error_handler(code_or_exception, handler)

        return _handing_back(register)

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ft.ErrorHandlerCallable
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        exc_class, code = exception_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f
