"""The ``framework`` command line.

Layer 4. ``framework --app APP COMMAND`` finds the application (see
:func:`locate_app`), then runs one of the built-in commands (``run``,
``serve``, ``shell``, ``routes``), a command an installed package adds through the
``framework.commands`` entry-point group, or a command of ``app.cli``.

Commands of an :class:`AppGroup` run inside an app context; use
:func:`with_appcontext` for a plain click command that needs one.
"""

from __future__ import annotations

import ast
import code
import collections.abc as cabc
import functools
import importlib
import importlib.util
import inspect
import os
import platform
import re
import ssl
import sys
import traceback
import typing as t
from importlib import metadata
from types import ModuleType

import click
from click.core import ParameterSource
from werkzeug.serving import is_running_from_reloader

from .app import App
from .ctx import has_app_context
from .globals import current_app

if t.TYPE_CHECKING:  # pragma: no cover
    from .serving import ServerName

__all__ = [
    "AppGroup",
    "CertParamType",
    "FrameworkGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "serve_command",
    "shell_command",
    "show_server_banner",
    "with_appcontext",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The entry-point group installed packages add commands through.
PLUGIN_GROUP = "framework.commands"
#: Names of the factory functions discovery calls when a module has no app.
FACTORY_NAMES = ("create_app", "make_app")
#: Names of the app attribute discovery looks for first.
APP_NAMES = ("app", "application")


class NoAppException(click.UsageError):
    """The application could not be found or created.

    Shown as one ``Error: ...`` line on stderr, with exit code 2.
    """

    def show(self, file: t.IO[t.Any] | None = None) -> None:
        # A usage error normally repeats the usage text; the message alone
        # says what was tried and how to fix it.
        click.echo(f"Error: {self.format_message()}", file=file, err=True)


# -- environment -------------------------------------------------------------


def _flag(value: str | None) -> bool:
    return bool(value) and str(value).lower() not in ("0", "false", "no")


def get_debug_flag() -> bool:
    """Whether ``FRAMEWORK_DEBUG`` turns debug mode on."""
    return _flag(os.environ.get("FRAMEWORK_DEBUG"))


def get_load_dotenv(default: bool = True) -> bool:
    """Whether to load dotenv files: ``default``, unless the
    ``FRAMEWORK_SKIP_DOTENV`` environment variable is set to a true value."""
    skip = os.environ.get("FRAMEWORK_SKIP_DOTENV")
    if not skip:
        return default
    return not _flag(skip)


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Load environment variables from dotenv files with python-dotenv.

    ``.frameworkenv`` (public defaults, committed) and ``.env`` (private
    values, not committed) are searched from the current folder upwards
    when ``load_defaults`` is true. A value in ``.env`` wins over one in
    ``.frameworkenv``, and one in ``path`` over both. Variables already
    set in the environment are never overwritten.

    :param path: a file to load before the default ones.
    :param load_defaults: also load ``.frameworkenv`` and ``.env``.
    :return: whether a file was loaded. ``False`` when python-dotenv is not
        installed (a hint is printed when a default file exists).
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".frameworkenv"):
            click.secho(
                " * Tip: there are .env files present. Install python-dotenv"
                " (pip install 'framework[dotenv]') to use them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (".frameworkenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data |= dotenv.dotenv_values(found, encoding="utf-8")
    if path is not None and os.path.isfile(path):
        data |= dotenv.dotenv_values(path, encoding="utf-8")
    for key, value in data.items():
        if key not in os.environ and value is not None:
            os.environ[key] = value
    return bool(data)


# -- app discovery -------------------------------------------------------------


def _factory_failed_itself(factory: t.Callable[..., t.Any]) -> bool:
    """Whether the ``TypeError`` being handled came from calling ``factory``
    with the wrong arguments, rather than from inside it."""
    tb = sys.exc_info()[2]
    target = getattr(factory, "__code__", None)
    while tb is not None:
        if tb.tb_frame.f_code is target:
            return False
        tb = tb.tb_next
    return True


def _call_factory(
    module: ModuleType, name: str, args: list[t.Any], kwargs: dict[str, t.Any]
) -> t.Any:
    factory = getattr(module, name)
    try:
        return factory(*args, **kwargs)
    except TypeError as e:
        if not _factory_failed_itself(factory):
            raise
        raise NoAppException(
            f"Found factory {name!r} in module {module.__name__!r}, but could"
            f" not call it with these arguments ({e}); give the arguments in"
            f" --app, e.g. '{module.__name__}:{name}(...)'."
        ) from e


def find_best_app(module: ModuleType) -> App:
    """Find the app in a module: an ``app`` or ``application`` attribute,
    the only :class:`App` instance in it, or the result of calling
    ``create_app()`` or ``make_app()`` without arguments.

    :raises NoAppException: when none of these gives an app, naming what was
        tried.
    """
    for name in APP_NAMES:
        value = getattr(module, name, None)
        if isinstance(value, App):
            return value
    apps = [v for v in vars(module).values() if isinstance(v, App)]
    if len(apps) == 1:
        return apps[0]
    if len(apps) > 1:
        raise NoAppException(
            f"Found several apps in module {module.__name__!r}; choose one"
            f" with '--app {module.__name__}:name'."
        )
    for name in FACTORY_NAMES:
        if inspect.isfunction(getattr(module, name, None)):
            app = _call_factory(module, name, [], {})
            if isinstance(app, App):
                return app
            raise NoAppException(
                f"Factory {name!r} in module {module.__name__!r} returned"
                f" {app!r}, not an App."
            )
    raise NoAppException(
        f"No app in module {module.__name__!r}: tried the attributes 'app'"
        " and 'application', an App instance, and the factories"
        " 'create_app()' and 'make_app()'. Use '--app module:name'."
    )


_Call = tuple[list[t.Any], dict[str, t.Any]] | None


def _parse_app_name(module: ModuleType, app_name: str) -> tuple[str, _Call]:
    """``(name, (args, kwargs) or None)`` from ``name`` or ``name(args)``,
    where the arguments are Python literals."""
    where = f"in module {module.__name__!r}"
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Could not parse {app_name!r} {where} as an attribute name or a"
            " function call."
        ) from None
    if isinstance(expr, ast.Name):
        return expr.id, None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            kwargs = {
                kw.arg: ast.literal_eval(kw.value)
                for kw in expr.keywords
                if kw.arg is not None
            }
        except ValueError:
            raise NoAppException(
                f"The arguments of {app_name!r} {where} must be Python"
                " literals (strings, numbers, lists, ...)."
            ) from None
        return expr.func.id, (args, kwargs)
    raise NoAppException(
        f"{app_name!r} {where} is not an attribute name or a function call."
    )


def find_app_by_string(module: ModuleType, app_name: str) -> App:
    """Find the app named by ``app_name`` in a module: an attribute
    (``app``), or a function call with literal arguments
    (``create_app('dev')``). A function named without a call is called
    without arguments.

    :raises NoAppException: when the name gives no app.
    """
    name, call = _parse_app_name(module, app_name)
    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(
            f"Module {module.__name__!r} has no attribute {name!r}."
        ) from None
    if inspect.isfunction(attr):
        args, kwargs = call if call is not None else ([], {})
        app = _call_factory(module, name, args, kwargs)
    elif call is not None:
        raise NoAppException(
            f"{name!r} in module {module.__name__!r} is not a function, so it"
            " can't be called."
        )
    else:
        app = attr
    if isinstance(app, App):
        return app
    raise NoAppException(
        f"{app_name!r} in module {module.__name__!r} gave {app!r}, not an App."
    )


def prepare_import(path: str) -> str:
    """Make a file or folder path importable: put the folder holding its
    top-level package first on ``sys.path`` and return the dotted module
    name. A plain module name is returned as is."""
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.isfile(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> App: ...


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[False]
) -> App | None: ...


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> App | None:
    """Import ``module_name`` and find the app in it: by ``app_name`` (see
    :func:`find_app_by_string`) or, without one, with :func:`find_best_app`.

    :param raise_if_not_found: when false, a module that does not exist
        gives ``None`` instead of an error.
    :raises NoAppException: naming the module and what was tried.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        # An ImportError raised inside the module is the module's own bug.
        tb = sys.exc_info()[2]
        if tb is not None and tb.tb_next is not None:
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised: {e}"
            ) from None
        if not raise_if_not_found:
            return None
        raise NoAppException(
            f"Could not import {module_name!r} (searched from {os.getcwd()}): {e}."
        ) from None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def get_version(ctx: click.Context, param: click.Parameter, value: t.Any) -> None:
    """The ``--version`` option's callback: print Python's, framework's and
    werkzeug's versions."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(
        f"Python {platform.python_version()}\n"
        f"framework {metadata.version('framework')}\n"
        f"Werkzeug {metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


class ScriptInfo:
    """What the command line knows about the app, shared by all commands
    as the click context's ``obj``.

    :param app_import_path: the ``--app`` value (``module``,
        ``module:name``, ``path/to/file.py:create_app('dev')``).
    :param create_app: a function that returns the app; wins over
        ``app_import_path``.
    :param set_debug_flag: set ``app.debug`` from ``FRAMEWORK_DEBUG`` after
        loading.
    :param load_dotenv_defaults: whether ``.env`` and ``.frameworkenv`` are
        loaded.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., App] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        #: Anything a command wants to keep between calls.
        self.data: dict[t.Any, t.Any] = {}
        self._loaded_app: App | None = None

    def _app_location(self) -> tuple[str, str | None]:
        """``(module name, app name or None)`` of the app :meth:`load_app`
        imports, found without importing anything; the module's folder goes
        first on ``sys.path``."""
        if self.app_import_path:
            # A colon followed by a slash is a Windows drive, not a name.
            parts = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            name = parts[1] if len(parts) > 1 else None
            return prepare_import(parts[0]), name
        for candidate in ("wsgi.py", "app.py"):
            if os.path.isfile(candidate):
                return prepare_import(candidate), None
        raise NoAppException(
            "Could not locate an app: no --app option, no"
            " FRAMEWORK_APP environment variable, and no wsgi.py or"
            f" app.py in {os.getcwd()}. Use '--app module' or"
            " 'module:name'."
        )

    def find_app_module(self) -> str | None:
        """The name of the module :meth:`load_app` would import the app
        from, found without importing it; ``None`` when :attr:`create_app`
        makes the app. Like :meth:`load_app`, it puts the module's folder
        first on ``sys.path``.

        ``framework serve`` calls it to report a missing app before it
        starts server processes that each import the app themselves.

        :raises NoAppException: when no app is named and there is no
            ``wsgi.py`` or ``app.py``, or when the module's top-level package
            can't be found.
        """
        if self.create_app is not None:
            return None
        module, _ = self._app_location()
        top = module.partition(".")[0]
        if top in sys.modules:
            return module
        try:
            found = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError) as e:
            raise NoAppException(f"Could not import {module!r}: {e}.") from None
        if not found:
            raise NoAppException(
                f"Could not import {module!r} (searched from {os.getcwd()}):"
                f" No module named {top!r}."
            )
        return module

    def load_app(self) -> App:
        """Find, import or create the app, once.

        :raises NoAppException: naming what was tried.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: App | None
        if self.create_app is not None:
            app = self.create_app()
        else:
            module, name = self._app_location()
            app = locate_app(module, name)
        if app is None:
            raise NoAppException("The app factory returned None, not an App.")
        if self.set_debug_flag:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run a click command callback inside an app context, loading the app
    from the :class:`ScriptInfo` unless a context is already active.
    :class:`AppGroup` commands get this by default."""

    @click.pass_context
    def run(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return functools.update_wrapper(run, f)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose commands run in an app context (pass
    ``with_appcontext=False`` to :meth:`command` to opt out) and whose
    subgroups are ``AppGroup`` too. ``app.cli`` and ``blueprint.cli`` are
    ``AppGroup`` instances."""

    @t.overload
    def command(self, __func: t.Callable[..., t.Any]) -> click.Command: ...

    @t.overload
    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]: ...

    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> click.Command | t.Callable[[t.Callable[..., t.Any]], click.Command]:
        """Like :meth:`click.Group.command`, with the callback wrapped in
        :func:`with_appcontext` unless ``with_appcontext=False``."""
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            command: click.Command = click.Group.command(self, *args, **kwargs)(f)
            return command

        # Used bare, as @app.cli.command without parentheses.
        if len(args) == 1 and callable(args[0]) and not kwargs:
            f, args = args[0], ()
            return decorator(f)
        return decorator

    @t.overload
    def group(self, __func: t.Callable[..., t.Any]) -> AppGroup: ...

    @t.overload
    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], AppGroup]: ...

    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> AppGroup | t.Callable[[t.Callable[..., t.Any]], AppGroup]:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)  # type: ignore[no-any-return]


# -- the root group --------------------------------------------------------------


def _set_app(ctx: click.Context, param: click.Option, value: str | None) -> None:
    if value is None:
        return
    ctx.ensure_object(ScriptInfo).app_import_path = value


def _set_debug(ctx: click.Context, param: click.Option, value: bool) -> None:
    # Only an explicit flag overrides FRAMEWORK_DEBUG; the environment
    # variable is how the choice reaches the reloader's child process and
    # apps created before the flag is read.
    source = ctx.get_parameter_source(param.name or "debug")
    if source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return
    os.environ["FRAMEWORK_DEBUG"] = "1" if value else "0"


def _load_env_file(
    ctx: click.Context, param: click.Option, value: str | None
) -> str | None:
    if value is not None:
        try:
            import dotenv  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file"
                " (pip install 'framework[dotenv]').",
                ctx,
                param,
            ) from None
    # FRAMEWORK_SKIP_DOTENV skips the default files only, never --env-file.
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
    return value


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app to load, as 'module', 'module:name' or"
        " 'module:create_app(args)'; FRAMEWORK_APP when not given, then"
        " wsgi.py or app.py in the current folder."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Turn debug mode on or off (sets FRAMEWORK_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)


class FrameworkGroup(AppGroup):
    """The root ``framework`` group: ``--app``, ``--debug``, ``--env-file``
    and ``--version``, the built-in commands, plugin commands from the
    ``framework.commands`` entry-point group, and the app's own commands.

    :param add_default_commands: add ``run``, ``serve``, ``shell`` and
        ``routes``.
    :param create_app: a function returning the app, for a custom script.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env`` and ``.frameworkenv``.
    :param set_debug_flag: set ``app.debug`` from ``FRAMEWORK_DEBUG``.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., App] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params += [_env_file_option, _app_option, _debug_option]
        if add_version_option:
            params.append(
                click.Option(
                    ["--version"],
                    help="Show the versions and exit.",
                    expose_value=False,
                    callback=get_version,
                    is_flag=True,
                    is_eager=True,
                )
            )
        extra.setdefault("context_settings", {}).setdefault(
            "auto_envvar_prefix", "FRAMEWORK"
        )
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(serve_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        for ep in metadata.entry_points(group=PLUGIN_GROUP):
            self.add_command(ep.load(), ep.name)
        self._plugins_loaded = True

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._load_plugin_commands()
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        # Not built in: it must be one of the app's commands.
        if ctx.resilient_parsing:
            return None
        app = ctx.ensure_object(ScriptInfo).load_app()
        if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(
                ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx)
            )
        except NoAppException as e:
            # Help still lists the built-in commands; say why the app's are
            # missing.
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # app.run() inside the app's module must not start a second server.
        os.environ["FRAMEWORK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help:
            # Bare `framework` shows help; load the env files and the app so
            # that the help lists the app's commands too.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# -- run -------------------------------------------------------------------------


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (once, not
    again in the reloader's child process)."""
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving framework app '{app_import_path}'")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file, ``adhoc`` for a generated one (needs
    cryptography), or the import path of an :class:`ssl.SSLContext`."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            value = click.STRING(value, param, ctx).lower()
            if value == "adhoc":
                if importlib.util.find_spec("cryptography") is None:
                    raise click.BadParameter(
                        "Using ad-hoc certificates requires the cryptography"
                        " library (pip install cryptography).",
                        ctx,
                        param,
                    ) from None
                return value
            try:
                obj = importlib.import_module(value.rpartition(".")[0])
                context = getattr(obj, value.rpartition(".")[2])
            except (ImportError, AttributeError, ValueError):
                self.fail(
                    f"{value!r} is not a file, 'adhoc', or the import path of"
                    " an ssl.SSLContext.",
                    param,
                    ctx,
                )
            if callable(context) and not isinstance(context, ssl.SSLContext):
                context = context()
            if isinstance(context, ssl.SSLContext):
                return context
            self.fail(f"{value!r} is not an ssl.SSLContext.", param, ctx)


def _validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a ``--cert`` file; together they become the
    ``(cert, key)`` pair run_simple takes."""
    cert = ctx.params.get("cert")
    is_adhoc = cert == "adhoc"
    is_context = isinstance(cert, ssl.SSLContext)
    if value is not None:
        if is_adhoc:
            raise click.BadParameter(
                'When "--cert" is "adhoc", "--key" is not used.', ctx, param
            )
        if is_context:
            raise click.BadParameter(
                'When "--cert" is an SSLContext, "--key" is not used.', ctx, param
            )
        if not cert:
            raise click.BadParameter('"--cert" must also be given.', ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and not (is_adhoc or is_context):
        raise click.BadParameter('Required when using "--cert".', ctx, param)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by :data:`os.pathsep` (``:``
    on POSIX, ``;`` on Windows)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        paths = []
        for item in self.split_envvar_value(value):
            paths.append(super().convert(item, param, ctx))
        return paths


_LOOPBACK = ("127.0.0.1", "localhost", "::1")

# The address options of run and serve. A port out of range is a usage
# error here; bind() would raise OverflowError or wrap it silently.
_host_option = click.option(
    "--host", "-h", default="127.0.0.1", help="The interface to bind to."
)


def _port_option(default: int) -> t.Callable[[F], F]:
    return click.option(
        "--port",
        "-p",
        default=default,
        type=click.IntRange(0, 65535),
        help="The port to bind to.",
    )


@click.command("run", short_help="Run a development server.")
@_host_option
@_port_option(5000)
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    help="A certificate file, 'adhoc', or an ssl.SSLContext import path.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file for --cert.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when code changes; on by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="The interactive debugger; on in debug mode, refused without it.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Serve each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"More files the reloader watches, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=f"fnmatch patterns the reloader ignores, separated by {os.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: t.Any,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with werkzeug's development server. Not for
    production: use a WSGI server such as gunicorn.

    Debug mode (--debug) turns on the reloader and the debugger.
    """
    served: t.Any
    try:
        served = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        # In the reloader's child, keep serving so that fixing the code
        # reloads the app; show the error on every request until then.
        traceback.print_exc()
        error = e

        def failed(environ: t.Any, start_response: t.Any) -> t.Any:
            raise error from None

        served = failed

    debug = get_debug_flag()
    if reload is None:
        reload = debug
    if debugger is None:
        debugger = debug
    elif debugger and not debug:
        # The debugger runs code sent from the browser: only in debug mode.
        raise click.UsageError("--debugger needs debug mode: add --debug before 'run'.")
    if debugger and host not in _LOOPBACK:
        click.secho(
            f" * Warning: the debugger is reachable on {host}; anyone who"
            " can reach it and knows the PIN can run code.",
            fg="red",
            err=True,
        )
    show_server_banner(debug, info.app_import_path)

    from werkzeug.serving import run_simple

    run_simple(
        host,
        port,
        served,
        use_reloader=reload,
        use_debugger=debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


# -- serve -----------------------------------------------------------------------


@click.command("serve", short_help="Serve the app with a production server.")
@_host_option
@_port_option(8000)
@click.option(
    "--server",
    type=click.Choice(("auto", "gunicorn", "waitress")),
    default="auto",
    help="The WSGI server; 'auto' is gunicorn on POSIX when installed, else waitress.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="gunicorn worker processes; 2 x CPU cores + 1, at most 12, by default.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Threads per process: 1 per gunicorn worker, as many as the default"
    " gunicorn workers for waitress.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=0),
    default=None,
    help="gunicorn: restart a worker silent for this many seconds (30; 0: never).",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(min=0),
    default=None,
    help="gunicorn: seconds running requests get to finish on SIGTERM (30).",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    help="Write a line per request to standard output.",
)
@click.option(
    "--preload",
    is_flag=True,
    help="gunicorn: import the app once, before forking the workers.",
)
@pass_script_info
def serve_command(
    info: ScriptInfo,
    host: str,
    port: int,
    server: str,
    workers: int | None,
    threads: int | None,
    timeout: int | None,
    graceful_timeout: int | None,
    access_log: bool,
    preload: bool,
) -> None:
    """Serve the app with a production WSGI server: gunicorn (Linux, macOS)
    or waitress (anywhere). Install them with pip install 'framework[serve]'.

    Never starts the reloader or the debugger, and refuses debug mode.
    """
    if get_debug_flag():
        raise click.UsageError(
            "'serve' is for production and refuses debug mode: remove --debug"
            " or unset FRAMEWORK_DEBUG (use 'run' to develop)."
        )
    # L4 to L4; loaded only by this command, so other commands start faster.
    from .serving import serve

    serve(
        info,
        server=t.cast("ServerName", server),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        timeout=timeout,
        graceful_timeout=graceful_timeout,
        access_log=access_log,
        preload=preload,
    )


# -- shell -----------------------------------------------------------------------


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell with the app context pushed; ``app``,
    ``g`` and the values of the shell context processors are defined.
    Reads PYTHONSTARTUP like the standard interpreter."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    # Tab completion and history, when the readline module can give them.
    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            hook()
            readline.set_completer(Completer(namespace).complete)
    code.interact(banner=banner, local=namespace, exitmsg="")


# -- routes ----------------------------------------------------------------------


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="The column to sort by; 'match' keeps the order rules match in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every route: endpoint, methods, (host or subdomain,) rule."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    by_host = url_map.host_matching

    def domain(rule: t.Any) -> str:
        return (rule.host if by_host else rule.subdomain) or ""

    show_domain = any(domain(rule) for rule in rules)
    columns: list[tuple[str, str, t.Callable[[t.Any], str]]] = [
        ("endpoint", "Endpoint", lambda r: str(r.endpoint)),
        (
            "methods",
            "Methods",
            lambda r: ", ".join(sorted(set(r.methods or ()) - hidden)),
        ),
    ]
    if show_domain:
        columns.append(("domain", "Host" if by_host else "Subdomain", domain))
    columns.append(("rule", "Rule", lambda r: str(r.rule)))
    rows = [[get(rule) for _, _, get in columns] for rule in rules]
    keys = [key for key, _, _ in columns]
    if sort in keys:
        index = keys.index(sort)
        rows.sort(key=lambda row: row[index])
    headers = [title for _, title, _ in columns]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        click.echo(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        )


#: The ``framework`` command.
cli = FrameworkGroup(
    name="framework",
    help="""\
A command line for framework apps.

Tell it which app to load with the --app option, or the FRAMEWORK_APP
environment variable; without either, wsgi.py or app.py in the current
folder is used. Variables in .env and .frameworkenv are loaded first when
python-dotenv is installed.
""",
)


def main(args: cabc.Sequence[str] | None = None) -> None:
    """Run the ``framework`` command (the console script's entry point)."""
    cli.main(args=args)


if __name__ == "__main__":
    # `python -m framework.cli`: run the imported module's main, so that
    # there is one copy of ScriptInfo and AppGroup, not a second in __main__.
    from framework.cli import main as _main

    _main()
