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
import dataclasses
import functools
import importlib
import importlib.util
import inspect
import os
import pathlib
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

from ..app import App
from ..config import (
    ENV_PREFIXES,
    get_debug_flag,
    get_load_dotenv,
    import_string,
)
from ..ctx import has_app_context
from ..devserver import (
    DEFAULT_IDLE_TIMEOUT,
    checked_idle_timeout,
    idle_timeout_options,
    single_thread_warning,
)
from ..globals import current_app

if t.TYPE_CHECKING:  # pragma: no cover
    from ..serving import ServerName

__all__ = [
    "DOTENV_FILES",
    "FLASK_API",
    "AppGroup",
    "CertParamType",
    "EnvOption",
    "FrameworkGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "debugger_exposure_warning",
    "export_env",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "read_both_spellings",
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
#: Flask extensions' entry-point group (Flask-Limiter's ``limiter``,
#: Flask-AppBuilder's ``fab``...), read once the Flask alias is active:
#: loading those commands earlier would import Flask itself.
FLASK_PLUGIN_GROUP = "flask.commands"
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

#: The version of Flask's API this framework provides, for ``--version``.
FLASK_API = "3.1"

#: The dotenv files loaded by default, weakest first: Flask's public file,
#: ours, then the private ``.env``.
DOTENV_FILES = (".flaskenv", ".frameworkenv", ".env")


def _flask_alias_active() -> bool:
    """Whether ``import flask`` gives this framework in this process
    (:func:`framework.compat.flask.install` ran and something imported it)."""
    return getattr(sys.modules.get("flask"), "Flask", None) is App


def export_env(name: str, value: str) -> None:
    """Tell the app and child processes a setting through the environment:
    ``FRAMEWORK_<name>``, or ``FLASK_<name>`` when the Flask alias is active
    (Flask code reads those names, and Flask's test fixtures reset them).
    The other spelling is overwritten too when it is set, so that the two
    never disagree; :func:`~framework.config.env_setting` reads either.

    :param name: the setting without a prefix, such as ``"DEBUG"``.
    :param value: its new value.
    """
    flask, ours = ENV_PREFIXES
    primary, other = (flask, ours) if _flask_alias_active() else (ours, flask)
    os.environ[f"{primary}_{name}"] = value
    if f"{other}_{name}" in os.environ:
        os.environ[f"{other}_{name}"] = value


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Load environment variables from dotenv files with python-dotenv.

    With ``load_defaults``, the files of :data:`DOTENV_FILES` are searched
    from the current folder upwards: ``.flaskenv`` and ``.frameworkenv``
    (public defaults, committed) and ``.env`` (private values, not
    committed). A later file wins: ``.env`` over ``.frameworkenv`` over
    ``.flaskenv``, and ``path`` over all three. Variables already set in the
    environment are never overwritten.

    :param path: a file to load besides the default ones.
    :param load_defaults: also load the default files.
    :return: whether a file with at least one variable was loaded. ``False``
        when python-dotenv is not installed (a hint is printed when one of
        the files exists).
    """
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(name) for name in DOTENV_FILES):
            click.secho(
                " * Tip: there are .env files present. Install python-dotenv"
                " (pip install python-dotenv: the 'dotenv' extra) to use them.",
                fg="yellow",
                err=True,
            )
        return False

    files = []
    if load_defaults:
        files = [dotenv.find_dotenv(name, usecwd=True) for name in DOTENV_FILES]
    if path is not None and os.path.isfile(path):
        files.append(os.fspath(path))
    merged: dict[str, str] = {}
    for found in filter(None, files):
        values = dotenv.dotenv_values(found, encoding="utf-8")
        merged.update((k, v) for k, v in values.items() if v is not None)
    for key, value in merged.items():
        os.environ.setdefault(key, value)
    return bool(merged)


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
    where = f"{app_name!r} in module {module.__name__!r}"
    try:
        tree = ast.parse(app_name.strip(), mode="eval")
    except SyntaxError:
        raise NoAppException(
            f"Could not parse {where} as an attribute name or a function call."
        ) from None
    match tree.body:
        case ast.Name(id=name):
            return name, None
        case ast.Call(func=ast.Name(id=name), args=args, keywords=keywords):
            try:
                return name, _literal_arguments(args, keywords)
            except ValueError:
                raise NoAppException(
                    f"The arguments of {where} must be Python literals"
                    " (strings, numbers, lists, ...), given by name or"
                    " position."
                ) from None
    raise NoAppException(f"{where} is not an attribute name or a function call.")


def _literal_arguments(
    args: list[ast.expr], keywords: list[ast.keyword]
) -> tuple[list[t.Any], dict[str, t.Any]]:
    """The values of a call's arguments, each a literal; ``ValueError`` for
    anything else, ``*args`` and ``**kwargs`` included."""
    positional = list(map(ast.literal_eval, args))
    named: dict[str, t.Any] = {}
    for keyword in keywords:
        if keyword.arg is None:
            raise ValueError("**kwargs")
        named[keyword.arg] = ast.literal_eval(keyword.value)
    return positional, named


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
    module = pathlib.Path(os.path.realpath(path))
    if module.suffix == ".py":
        module = module.with_suffix("")
    if module.name == "__init__":
        module = module.parent
    # Climb out of the packages around the module, naming each on the way.
    names = [module.name]
    folder = module.parent
    while (folder / "__init__.py").is_file():
        names.insert(0, folder.name)
        folder = folder.parent
    if sys.path[0] != str(folder):
        sys.path.insert(0, str(folder))
    return ".".join(names)


def _is_machinery(filename: str) -> bool:
    """Whether a traceback frame belongs to the import system or to this
    module rather than to the code being imported."""
    return filename.startswith("<frozen ") or filename in (
        importlib.__file__,
        __file__,
    )


def _raised_inside(error: ImportError, module_name: str) -> bool:
    """Whether ``error`` comes from code of the module being imported (or a
    module it imports), rather than from not finding ``module_name`` or one
    of its parent packages."""
    if isinstance(error, ModuleNotFoundError) and error.name is not None:
        missing = error.name
        return not (module_name == missing or module_name.startswith(f"{missing}."))
    frames = traceback.extract_tb(error.__traceback__)
    return not all(_is_machinery(frame.filename) for frame in frames)


def _user_traceback(error: BaseException) -> str:
    """The traceback of ``error`` from the user's code on, without the
    frames of this module and the import system, which say nothing about
    where the user's code went wrong."""
    summary = traceback.TracebackException.from_exception(error)
    frames = [f for f in summary.stack if not _is_machinery(f.filename)]
    summary.stack = traceback.StackSummary.from_list(frames)
    return "".join(summary.format()).rstrip()


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
        importlib.import_module(module_name)
    except ImportError as e:
        if _raised_inside(e, module_name):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised"
                f" inside it:\n\n{_user_traceback(e)}"
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


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def get_version(ctx: t.Any, param: click.Parameter | None, value: t.Any) -> None:
    """The ``--version`` option's callback: print the versions of Python,
    framework and Werkzeug, and the Flask API level this framework provides
    (with the version of the Flask package when one is installed: Flask
    extensions depend on it, but the framework does not use it)."""
    if not value or ctx.resilient_parsing:
        return
    flask = _installed("flask")
    lines = [
        f"Python {platform.python_version()}",
        f"framework {_installed('framework') or 'unknown'}",
        f"Werkzeug {_installed('werkzeug') or 'unknown'}",
        f"Flask API {FLASK_API}"
        + (f" (installed: Flask {flask})" if flask else " (Flask not installed)"),
    ]
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()


@dataclasses.dataclass(eq=False)
class ScriptInfo:
    """What the command line knows about the app, shared by all commands
    as the click context's ``obj``.

    :param app_import_path: the ``--app`` value (``module``,
        ``module:name``, ``path/to/file.py:create_app('dev')``).
    :param create_app: a function that returns the app; wins over
        ``app_import_path``.
    :param set_debug_flag: set ``app.debug`` from ``FRAMEWORK_DEBUG`` (or
        ``FLASK_DEBUG``) after loading.
    :param load_dotenv_defaults: whether ``.env``, ``.frameworkenv`` and
        ``.flaskenv`` are loaded; ``FRAMEWORK_SKIP_DOTENV`` or
        ``FLASK_SKIP_DOTENV`` set to a true value turns it off.
    """

    app_import_path: str | None = None
    create_app: t.Callable[..., App] | None = None
    set_debug_flag: bool = True
    load_dotenv_defaults: bool = True
    #: Anything a command wants to keep between calls.
    data: dict[t.Any, t.Any] = dataclasses.field(default_factory=dict, init=False)
    _loaded_app: App | None = dataclasses.field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # The skip variables can only turn the default files off.
        self.load_dotenv_defaults = get_load_dotenv(self.load_dotenv_defaults)

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
            "Could not locate an app: no --app option, no FRAMEWORK_APP (or"
            " FLASK_APP) environment variable, and no wsgi.py or app.py in"
            f" {os.getcwd()}. Use '--app module' or 'module:name'."
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


# -- both spellings of the automatic environment variables ---------------------


@functools.lru_cache(maxsize=256)
def _other_spelling(prefix: str) -> str | None:
    """The automatic prefix ``prefix`` with its root spelled the other way
    (``FRAMEWORK_ROUTES`` gives ``FLASK_ROUTES`` and back), or ``None`` for a
    root that is neither. Only the root: a command named ``flask`` under ours
    gives ``FLASK_FLASK``, as Flask itself would read."""
    flask, ours = ENV_PREFIXES
    root, sep, rest = prefix.partition("_")
    if root == ours:
        return flask + sep + rest
    if root == flask:
        return ours + sep + rest
    return None


class EnvOption(click.Option):
    """A click option whose automatic environment variable is read in both
    spellings: with the prefix ``FRAMEWORK_RUN``, ``--port`` reads
    ``FRAMEWORK_RUN_PORT``, then Flask's ``FLASK_RUN_PORT``. The context's
    own spelling wins when both are set. An option with an explicit
    ``envvar`` reads that (and click's automatic name) only.

    Every option of a command that the ``framework`` command or an
    :class:`AppGroup` hands out becomes one: see :func:`read_both_spellings`.
    """

    # Options of any class become a subclass of it and this one in place,
    # which needs the same instance layout.
    __slots__ = ()

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        found = super().resolve_envvar_value(ctx)
        prefix = ctx.auto_envvar_prefix
        if found is not None or self.envvar or prefix is None or not self.name:
            return found
        if not self.allow_from_autoenv:
            return None
        other = _other_spelling(prefix)
        if other is None:
            return None
        return os.environ.get(f"{other}_{self.name.upper()}") or None


class _AdoptingGroup(click.Group):
    """Mixed into the class of a plain click group met in the command tree,
    so that the commands it hands out, even ones it makes on demand, read
    both spellings too."""

    __slots__ = ()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return read_both_spellings(super().get_command(ctx, cmd_name))


# A variant per class met: made once, so adopting costs a dict get after.
_variants: dict[type, type] = {click.Option: EnvOption}


def _variant(cls: type, mixin: type) -> type:
    variant = _variants.get(cls)
    if variant is None:
        namespace = {"__slots__": (), "__module__": cls.__module__}
        namespace["__qualname__"] = cls.__qualname__
        variant = _variants[cls] = type(cls.__name__, (mixin, cls), namespace)
    return variant


def _adopt(item: click.Parameter | click.Command, mixin: type) -> None:
    if isinstance(item, mixin):
        return
    try:
        item.__class__ = _variant(type(item), mixin)
    except TypeError:
        # A class whose instances are laid out differently (its own
        # __slots__) keeps click's reading: our spelling only.
        return


@t.overload
def read_both_spellings(command: click.Command) -> click.Command: ...


@t.overload
def read_both_spellings(command: None) -> None: ...


def read_both_spellings(command: click.Command | None) -> click.Command | None:
    """Make ``command``'s options read their automatic environment variables
    in both spellings, ``FRAMEWORK_<COMMAND>_<OPTION>`` and Flask's
    ``FLASK_<COMMAND>_<OPTION>`` (see :class:`EnvOption`), and those of the
    commands a group among them hands out. Options with an explicit
    ``envvar`` are left as they are.

    Flask's command reads ``FLASK_*`` through click's ``auto_envvar_prefix``,
    which gives each option one name; ours reads ``FRAMEWORK_*`` the same
    way, so the option itself looks up the second name. Each option's class
    becomes, in place, a subclass of its own class and :class:`EnvOption`:
    ``isinstance`` checks and the option's behaviour are unchanged, and a
    lookup costs one more dict get when our spelling is not set. Nothing is
    written to ``os.environ``.

    :param command: a command or group, or ``None`` (returned as it is).
    :return: ``command``.
    """
    if command is None:
        return None
    for param in command.params:
        if isinstance(param, click.Option) and not param.envvar:
            _adopt(param, EnvOption)
    if isinstance(command, click.Group) and not isinstance(command, AppGroup):
        _adopt(command, _AdoptingGroup)
    return command


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

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Like :meth:`click.Group.get_command`; the command's options read
        their environment variables in Flask's spelling too
        (:func:`read_both_spellings`)."""
        return read_both_spellings(super().get_command(ctx, cmd_name))


# -- the root group --------------------------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


def _explicit(ctx: click.Context, param: click.Parameter) -> bool:
    """Whether the user gave ``param`` (on the command line or through its
    environment variable), rather than it taking its default."""
    source = ctx.get_parameter_source(param.name or "")
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    # The environment is how the choice reaches apps created later, the
    # reloader's child process and get_debug_flag(); only a choice the user
    # made overrides what it holds.
    if value is not None and _explicit(ctx, param):
        export_env("DEBUG", "1" if value else "0")


def _load_env_file(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    if value is not None and importlib.util.find_spec("dotenv") is None:
        raise click.BadParameter(
            "python-dotenv must be installed to load an env file"
            " (pip install python-dotenv: the 'dotenv' extra).",
            ctx,
            param,
        )
    # FRAMEWORK_SKIP_DOTENV skips the default files only, never --env-file.
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
    return value


# Options of the root group, eager so that they act before a command (or
# --help) loads the app: --env-file first, as it may set FRAMEWORK_APP.
_env_file_option = EnvOption(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = EnvOption(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app to load, as 'module', 'module:name' or"
        " 'module:create_app(args)'; FRAMEWORK_APP (or FLASK_APP) when not"
        " given, then wsgi.py or app.py in the current folder."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = EnvOption(
    ["--debug/--no-debug"],
    default=None,
    help="Turn debug mode on or off (sets FRAMEWORK_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)
_version_option = click.Option(
    ["--version"],
    help="Show the versions of Python, framework and Werkzeug, and exit.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class FrameworkGroup(AppGroup):
    """The root ``framework`` group: ``--app``, ``--debug``, ``--env-file``
    and ``--version``, the built-in commands, plugin commands from the
    ``framework.commands`` entry-point group, and the app's own commands.

    :param add_default_commands: add ``run``, ``serve``, ``shell`` and
        ``routes``.
    :param create_app: a function returning the app, for a custom script.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env``, ``.frameworkenv`` and ``.flaskenv``.
    :param set_debug_flag: set ``app.debug`` from ``FRAMEWORK_DEBUG`` (or
        ``FLASK_DEBUG``).
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
        ours: list[click.Parameter] = [_env_file_option, _app_option, _debug_option]
        if add_version_option:
            ours.append(_version_option)
        extra["params"] = [*(extra.get("params") or ()), *ours]
        settings = extra.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "FRAMEWORK")
        super().__init__(**extra)
        read_both_spellings(self)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            for command in (run_command, serve_command, shell_command, routes_command):
                self.add_command(command)
        self._plugins_loaded = False
        self._flask_plugins_loaded = False

    def _add_plugin_commands(self) -> None:
        """Add the commands of installed packages' entry points, on first
        need rather than at import, which would slow every command. Flask
        extensions' commands (:data:`FLASK_PLUGIN_GROUP`) join once the
        Flask alias is active, usually after the app's module installed it;
        a name taken already keeps its command."""
        groups = []
        if not self._plugins_loaded:
            self._plugins_loaded = True
            groups.append((PLUGIN_GROUP, True))
        if not self._flask_plugins_loaded and _flask_alias_active():
            self._flask_plugins_loaded = True
            groups.append((FLASK_PLUGIN_GROUP, False))
        for group, replace in groups:
            for entry in metadata.entry_points(group=group):
                if replace or entry.name not in self.commands:
                    self.add_command(entry.load(), entry.name)

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        """The app's command group, or ``None`` (after printing why) when the
        app can't be found."""
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # App commands, their parameters' callbacks included, run in the
        # app's context without asking for it.
        active = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
        if active is not app:
            ctx.with_resource(app.app_context())
        return app.cli

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._add_plugin_commands()
        # Built-in and plugin commands work even when the app is broken.
        command = super().get_command(ctx, name)
        if command is not None or ctx.resilient_parsing:
            return command
        group = self._app_commands(ctx)
        self._add_plugin_commands()  # the app may have installed the alias
        command = super().get_command(ctx, name)
        if command is not None or group is None:
            return command
        return read_both_spellings(group.get_command(ctx, name))

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            group = self._app_commands(ctx)
        except Exception:
            # The help still lists the built-in commands; show why the app's
            # are missing, whatever went wrong in its code.
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        else:
            if group is not None:
                names.update(group.list_commands(ctx))
        self._add_plugin_commands()  # the app may have installed the alias
        names.update(super().list_commands(ctx))
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # app.run() inside the app's module must not start a second server.
        export_env("RUN_FROM_CLI", "true")
        if "obj" not in self.context_settings:
            extra.setdefault(
                "obj",
                ScriptInfo(
                    create_app=self.create_app,
                    set_debug_flag=self.set_debug_flag,
                    load_dotenv_defaults=self.load_dotenv,
                ),
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_only = len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        if help_only or (not args and self.no_args_is_help):
            # The help lists the app's commands: read the env files and
            # FRAMEWORK_APP now, as no option callback runs before it.
            for option in (_env_file_option, _app_option):
                option.handle_parse_result(ctx, {}, [])
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


def _adhoc_certificate(param: click.Parameter | None, ctx: click.Context | None) -> str:
    """``"adhoc"``, once it is known that werkzeug can make the certificate."""
    try:
        importlib.import_module("cryptography")
    except ImportError:
        raise click.BadParameter(
            "'adhoc' makes a throwaway self-signed certificate with the"
            " cryptography package, which is not installed: run 'pip install"
            " cryptography', or give a certificate file and --key.",
            ctx,
            param,
        ) from None
    return "adhoc"


def _imported_ssl_context(
    path: str, param: click.Parameter | None, ctx: click.Context | None
) -> ssl.SSLContext:
    """The :class:`ssl.SSLContext` that the import path ``path`` names,
    or that the function it names returns."""
    problem = "names no file, is not 'adhoc', and"
    try:
        found = import_string(path)
    except (ImportError, ValueError) as e:
        raise click.BadParameter(
            f"{path!r} {problem} can't be imported ({e}).", ctx, param
        ) from None
    # A function is called; a class is not: ssl.SSLContext() would be a
    # context without a certificate, which fails every handshake.
    if callable(found) and not isinstance(found, (type, ssl.SSLContext)):
        found = found()
    if not isinstance(found, ssl.SSLContext):
        what = "a class" if isinstance(found, type) else type(found).__name__
        raise click.BadParameter(
            f"{path!r} {problem} is {what}, not an ssl.SSLContext.", ctx, param
        )
    return found


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file (resolved to its real path),
    ``adhoc`` for a throwaway one (needs cryptography), or the import path
    of an :class:`ssl.SSLContext` or of a function returning one."""

    name = "path"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        if not isinstance(value, str):
            return value  # converted already: a context or a (cert, key) pair
        if os.path.isfile(value):
            return os.path.realpath(value)
        if value.lower() == "adhoc":
            return _adhoc_certificate(param, ctx)
        return _imported_ssl_context(value, param, ctx)


def _pair_key_with_cert(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """``--key`` goes with a certificate file, and only with one; the two
    become the ``(cert, key)`` pair werkzeug's ``ssl_context`` takes.
    ``--cert`` is eager, so it is known here whatever the order."""
    cert = ctx.params.get("cert")
    cert_is_file = isinstance(cert, str) and cert != "adhoc"
    if value is None:
        if cert_is_file:
            raise click.BadParameter('Required when using "--cert".', ctx, param)
        return None
    if cert is None:
        raise click.BadParameter('"--cert" must also be given.', ctx, param)
    if not cert_is_file:
        what = "adhoc" if cert == "adhoc" else "an SSLContext"
        raise click.BadParameter(
            f'When "--cert" is {what}, "--key" is not used.', ctx, param
        )
    ctx.params["cert"] = (cert, value)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by :data:`os.pathsep` (``:``
    on POSIX, ``;`` on Windows)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        convert_one = super().convert
        return [convert_one(v, param, ctx) for v in self.split_envvar_value(value)]


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def debugger_exposure_warning(host: str) -> str | None:
    """The warning ``run`` prints when the debugger listens on ``host``:
    ``None`` for a loopback address, which only this machine reaches."""
    if host in _LOOPBACK:
        return None
    return (
        f" * Warning: the debugger is reachable on {host}; anyone who can"
        " reach it and knows the PIN can run code."
    )


# The address options of run and serve. A port out of range is a usage
# error here; bind() would raise OverflowError or wrap it silently.
_host_option = click.option(
    "--host", "-h", default="127.0.0.1", help="The interface to bind to.", cls=EnvOption
)


def _port_option(default: int) -> t.Callable[[F], F]:
    return click.option(
        "--port",
        "-p",
        default=default,
        type=click.IntRange(0, 65535),
        help="The port to bind to.",
        cls=EnvOption,
    )


def _loaded_or_failing_app(info: ScriptInfo) -> t.Any:
    """The app to serve. In the reloader's child a broken app is served as
    a WSGI app that raises its error on every request, so that the reloader
    keeps watching and fixing the code brings the app back."""
    try:
        return info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        traceback.print_exc()
        error = e

        def failing(environ: t.Any, start_response: t.Any) -> t.Any:
            raise error from None

        return failing


def _idle_timeout_option(
    ctx: click.Context, param: click.Parameter, value: float
) -> float | None:
    try:
        return checked_idle_timeout(value)
    except ValueError:
        raise click.BadParameter(
            f"{value:g} is not a timeout: give a positive number of seconds,"
            " or 0 for none.",
            ctx,
            param,
        ) from None


@click.command("run", short_help="Run a development server.")
@_host_option
@_port_option(5000)
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    cls=EnvOption,
    help="A certificate file, 'adhoc', or an ssl.SSLContext import path.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_pair_key_with_cert,
    expose_value=False,
    cls=EnvOption,
    help="The key file for --cert.",
)
@click.option(
    "--debug/--no-debug",
    default=None,
    callback=_set_debug,
    expose_value=False,
    allow_from_autoenv=False,
    help="Turn debug mode on or off; the same as giving it before 'run'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    cls=EnvOption,
    help="Restart when code changes; on by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    cls=EnvOption,
    help="The interactive debugger; on in debug mode, refused without it.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    cls=EnvOption,
    help="Serve each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    cls=EnvOption,
    help=f"More files the reloader watches, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    cls=EnvOption,
    help=f"fnmatch patterns the reloader ignores, separated by {os.pathsep!r}.",
)
@click.option(
    "--idle-timeout",
    default=DEFAULT_IDLE_TIMEOUT,
    type=float,
    callback=_idle_timeout_option,
    cls=EnvOption,
    metavar="SECONDS",
    help="Close a connection that sends or reads nothing for this many seconds"
    f" ({DEFAULT_IDLE_TIMEOUT:g}; 0: never).",
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
    idle_timeout: float | None,
) -> None:
    """Serve the app with werkzeug's development server. Not for
    production: use 'framework serve' or another WSGI server.

    Debug mode (--debug) turns on the reloader and the debugger.
    """
    served = _loaded_or_failing_app(info)
    debug = get_debug_flag()
    if debugger and not debug:
        # The debugger runs code sent from the browser: only in debug mode.
        raise click.UsageError("--debugger needs debug mode: add --debug.")
    debugger = debug if debugger is None else debugger
    warning = debugger_exposure_warning(host) if debugger else None
    if warning is not None:
        click.secho(warning, fg="red", err=True)
    if not with_threads and not is_running_from_reloader():
        click.secho(single_thread_warning(idle_timeout), fg="yellow", err=True)
    show_server_banner(debug, info.app_import_path)

    from werkzeug.serving import run_simple

    options = {
        "use_reloader": debug if reload is None else reload,
        "use_debugger": debugger,
        "threaded": with_threads,
        "ssl_context": cert,
        "extra_files": extra_files,
        "exclude_patterns": exclude_patterns,
    }
    run_simple(host, port, served, **idle_timeout_options(idle_timeout, options))


# -- serve -----------------------------------------------------------------------


@click.command("serve", short_help="Serve the app with a production server.")
@_host_option
@_port_option(8000)
@click.option(
    "--server",
    type=click.Choice(("auto", "gunicorn", "waitress")),
    default="auto",
    help="The WSGI server; 'auto' is waitress when installed, else gunicorn.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes: 1 for waitress; 2 x CPU cores + 1, at most 12, for"
    " gunicorn.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Threads per process: 2 x CPU cores + 1, at most 12, for waitress;"
    " 1 per gunicorn worker.",
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
    help="Seconds accepted requests get to be answered on SIGTERM (30).",
)
@click.option(
    "--idle-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Close a connection silent for this many seconds (waitress: 30;"
    " gunicorn: its keep-alive, 2).",
)
@click.option(
    "--header-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="waitress: close a connection whose request headers take longer (10).",
)
@click.option(
    "--connection-limit",
    type=click.IntRange(min=1),
    default=None,
    help="waitress: open connections at most (1000); more wait to be accepted.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    help="Write a line per request to standard output.",
)
@click.option(
    "--preload",
    is_flag=True,
    help="With worker processes: import the app once, before forking them.",
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
    idle_timeout: int | None,
    header_timeout: int | None,
    connection_limit: int | None,
    access_log: bool,
    preload: bool,
) -> None:
    """Serve the app with a production WSGI server: waitress by default,
    or gunicorn. Install them with pip install waitress gunicorn (the
    'serve' extra).

    \b
    waitress (the default) can face clients directly: it reads each
    request whole before a thread runs the app, closes connections whose
    headers trickle past --header-timeout or that go silent past
    --idle-timeout, and keeps up to --connection-limit connections open.
    It runs one process; --workers forks more, for apps that need more
    than one core. gunicorn (--server gunicorn) has none of these
    defences: a slow client holds a worker, so put a buffering proxy
    (nginx) in front of it.

    On SIGTERM or Ctrl+C the server stops listening and answers the
    requests it accepted, for up to --graceful-timeout seconds.

    Never starts the reloader or the debugger, and refuses debug mode.
    """
    if get_debug_flag():
        raise click.UsageError(
            "'serve' is for production and refuses debug mode: remove --debug"
            " or unset FRAMEWORK_DEBUG (use 'run' to develop)."
        )
    # L4 to L4; loaded only by this command, so other commands start faster.
    from ..serving import serve

    serve(
        info,
        server=t.cast("ServerName", server),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        timeout=timeout,
        graceful_timeout=graceful_timeout,
        idle_timeout=idle_timeout,
        header_timeout=header_timeout,
        connection_limit=connection_limit,
        access_log=access_log,
        preload=preload,
    )


# -- shell -----------------------------------------------------------------------


def _shell_namespace(app: App) -> dict[str, t.Any]:
    """The names the shell starts with: those the PYTHONSTARTUP file
    defines, as in the standard interpreter, then the app's shell context,
    which wins."""
    namespace: dict[str, t.Any] = {}
    startup = pathlib.Path(os.environ.get("PYTHONSTARTUP") or "")
    if startup.name and startup.is_file():
        exec(compile(startup.read_text(), str(startup), "exec"), namespace)
    return namespace | app.make_shell_context()


def _offer_completion(namespace: dict[str, t.Any]) -> None:
    """Tab completion over ``namespace`` and history, on a terminal where
    the readline module exists."""
    hook = getattr(sys, "__interactivehook__", None)
    if hook is None or not sys.stdin.isatty():
        return
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:
        return
    hook()
    readline.set_completer(Completer(namespace).complete)


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell with the app context pushed.

    The names app and g are defined, and those of the app's shell context
    processors. Reads PYTHONSTARTUP like the standard interpreter.
    """
    app: App = current_app._get_current_object()  # type: ignore[attr-defined]
    namespace = _shell_namespace(app)
    _offer_completion(namespace)
    header = [
        f"Python {sys.version} on {sys.platform}",
        f"App: {app.name}",
        f"Instance: {app.instance_path}",
    ]
    code.interact(banner="\n".join(header), local=namespace, exitmsg="")


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
(or FLASK_APP) environment variable; without either, wsgi.py or app.py in
the current folder is used. Variables in .env, .frameworkenv and .flaskenv
are loaded first when python-dotenv is installed.
""",
)


def main(args: cabc.Sequence[str] | None = None) -> None:
    """Run the ``framework`` command: the console script's entry point, and
    what ``python -m framework`` and ``python -m framework.cli`` run. The
    usage line says ``framework`` however it was started."""
    cli.main(args=args, prog_name="framework")

