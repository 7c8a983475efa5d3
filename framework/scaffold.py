"""The hook registry shared by :class:`~framework.App` and blueprints.

Layer 3. :class:`Scaffold` holds the registries (view functions, request
hooks, error handlers, URL callbacks, template context processors) keyed by
scope, ``None`` standing for the object itself, and exposes the public
decorators. Every registration is a *setup method*: refused with a clear
error once the app has handled its first request.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pathlib
import sys
import typing as t
from collections import defaultdict
from datetime import timedelta

from jinja2 import BaseLoader, FileSystemLoader
from werkzeug.exceptions import HTTPException, default_exceptions

from . import static
from . import typing as ft
from .ctx import _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .errors import ErrorHandlerSpec
    from .wrappers import Response

__all__ = ["Scaffold", "find_package_path", "setupmethod"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T_after_request = t.TypeVar("T_after_request", bound=ft.AfterRequestCallable[t.Any])
T_before_request = t.TypeVar("T_before_request", bound=ft.BeforeRequestCallable)
T_error_handler = t.TypeVar("T_error_handler", bound=ft.ErrorHandlerCallable)
T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)
T_template_context_processor = t.TypeVar(
    "T_template_context_processor", bound=ft.TemplateContextProcessorCallable
)
T_url_defaults = t.TypeVar("T_url_defaults", bound=ft.URLDefaultCallable)
T_url_value_preprocessor = t.TypeVar(
    "T_url_value_preprocessor", bound=ft.URLValuePreprocessorCallable
)
T_route = t.TypeVar("T_route", bound=ft.RouteCallable)
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)


def _active_app() -> App:
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


def find_package_path(import_name: str) -> str:
    """The folder that holds the module or package ``import_name``; the
    working directory when it can't be found (an interactive session)."""
    module = sys.modules.get(import_name.partition(":")[0])
    file: str | None = getattr(module, "__file__", None)
    if file is None:
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin in (None, "namespace", "built-in", "frozen"):
            return os.getcwd()
        file = spec.origin
    assert file is not None
    return str(pathlib.Path(file).resolve().parent)


def exception_class_and_code(
    exc_class_or_code: type[BaseException] | int,
) -> tuple[type[BaseException], int | None]:
    """Resolve what ``errorhandler`` was given into an exception class and
    its HTTP status code (``None`` for non-HTTP exceptions).

    :raises ValueError: for an unknown code, an exception instance, or a
        class that is not an ``Exception``.
    """
    if isinstance(exc_class_or_code, int):
        try:
            exc_class: type[BaseException] = default_exceptions[exc_class_or_code]
        except KeyError:
            raise ValueError(
                f"{exc_class_or_code!r} is not an HTTP error code werkzeug knows."
                " Use a subclass of HTTPException with that code and register"
                " the handler for the class instead."
            ) from None
    else:
        exc_class = exc_class_or_code
    if isinstance(exc_class, BaseException):
        raise TypeError(
            f"errorhandler() needs an exception class: {exc_class!r} is an"
            " instance, not a class."
        )
    if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
        raise ValueError(
            "errorhandler() needs an HTTP status code or an exception class:"
            f" {getattr(exc_class, '__name__', exc_class)!r} is not a subclass"
            " of Exception."
        )
    if issubclass(exc_class, HTTPException):
        return exc_class, exc_class.code
    return exc_class, None


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

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: The template folder, relative to :attr:`root_path`.
        self.template_folder = template_folder
        if root_path is None:
            root_path = find_package_path(import_name)
        #: The absolute folder relative paths are resolved against.
        self.root_path = root_path

        #: ``endpoint -> view function``.
        self.view_functions: dict[str, ft.RouteCallable] = {}
        #: ``scope -> {code or None -> {exception class -> handler}}``.
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(
            lambda: defaultdict(dict)
        )
        #: ``scope -> before_request functions``, in registration order.
        self.before_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.BeforeRequestCallable]
        ] = defaultdict(list)
        #: ``scope -> after_request functions``, in registration order.
        self.after_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.AfterRequestCallable[t.Any]]
        ] = defaultdict(list)
        #: ``scope -> teardown_request functions``, in registration order.
        self.teardown_request_funcs: dict[
            ft.AppOrBlueprintKey, list[ft.TeardownCallable]
        ] = defaultdict(list)
        #: ``scope -> template context processors``.
        self.template_context_processors: dict[
            ft.AppOrBlueprintKey, list[ft.TemplateContextProcessorCallable]
        ] = defaultdict(list)
        #: ``scope -> URL value preprocessors``.
        self.url_value_preprocessors: dict[
            ft.AppOrBlueprintKey, list[ft.URLValuePreprocessorCallable]
        ] = defaultdict(list)
        #: ``scope -> URL defaults callbacks``.
        self.url_default_functions: dict[
            ft.AppOrBlueprintKey, list[ft.URLDefaultCallable]
        ] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @property
    def static_folder(self) -> str | None:
        """The absolute static folder, or ``None`` when there is none."""
        if self._static_folder is None:
            return None
        return os.path.join(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        self._static_folder = None if value is None else os.fspath(value).rstrip("\\/")

    @functools.cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """The loader of this object's own templates: a file system loader
        for :attr:`template_folder`, or ``None`` without one."""
        if self.template_folder is None:
            return None
        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is set."""
        return self._static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix of static files: as configured, else ``/`` and the
        static folder's name."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self._static_folder is not None:
            return f"/{os.path.basename(self._static_folder)}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        self._static_url_path = None if value is None else value.rstrip("/")

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` for files sent without one: the current app's
        ``SEND_FILE_MAX_AGE_DEFAULT`` in seconds, ``None`` (the default)
        meaning conditional requests instead of a timed cache."""
        value = _active_app().config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if isinstance(value, timedelta):
            return int(value.total_seconds())
        return int(value)

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

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule; see :meth:`route`."""
        raise NotImplementedError

    @setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``, for a
        rule added without a view function."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- request hooks ---------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f`` before each view. A non-``None`` return value is used as
        the response and the view is skipped."""
        self.before_request_funcs[None].append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f`` with each response; it returns the response to send.
        Hooks run in reverse registration order. Not run when an exception
        was not handled."""
        self.after_request_funcs[None].append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f`` when the request context ends, with the unhandled
        exception or ``None``. Runs even after errors; its return value is
        ignored, and an exception it raises is reported without stopping the
        other teardown callbacks."""
        self.teardown_request_funcs[None].append(f)
        return f

    @setupmethod
    def context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Register a function whose returned dict is merged into the context
        of every template rendered."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Run ``f(endpoint, view_args)`` after matching and before the
        ``before_request`` hooks; it may change ``view_args`` in place."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` whenever a URL is built; it may fill in
        ``values`` in place."""
        self.url_default_functions[None].append(f)
        return f

    # -- error handlers --------------------------------------------------

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP status code or an
        exception class (and its subclasses)."""

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ft.ErrorHandlerCallable
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        exc_class, code = exception_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f
