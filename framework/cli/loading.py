"""Finding and loading the app: what ``--app`` names, or ``wsgi.py`` or
``app.py`` in the current folder.

Layer 4. :class:`~framework.cli.ScriptInfo` holds what the command line
knows about the app and loads it once; :func:`~framework.cli.locate_app`
imports a module and finds the app in it, by name
(:func:`~framework.cli.find_app_by_string`) or by looking
(:func:`~framework.cli.find_best_app`). An app that can't be found or
imported is a :class:`~framework.cli.NoAppException` saying what was tried;
an ``ImportError`` raised inside the user's module shows the user's
traceback without the import system's frames.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import inspect
import os
import pathlib
import re
import sys
import traceback
import typing as t
from types import ModuleType

import click

from ..app import App
from ..config import get_debug_flag, get_load_dotenv

__all__ = [
    "NoAppException",
    "ScriptInfo",
    "find_app_by_string",
    "find_best_app",
    "locate_app",
    "pass_script_info",
    "prepare_import",
]


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
