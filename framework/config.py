"""The configuration mapping and its default loader.

Layer 1. :class:`Config` is a ``dict`` with Flask's default keys filled in by
the app, and Flask's ways to load more (``from_object``, ``from_pyfile``,
``from_envvar``, ``from_prefixed_env``, ``from_file``, ``from_mapping``).
Reading a source is the job of a :class:`~framework.interfaces.ConfigLoader`
strategy; :class:`Config` applies what the loader read, remembers which
source set each key (:meth:`Config.source_of`) and sends ``config_loaded``.

The default loader, :class:`ConfigLoader`, lives here in layer 1 rather than
with the other default strategies in layer 2 because ``Config`` is usable
without an app (``Config(root_path).from_pyfile(...)``, as in Flask) and then
needs a loader of its own, and a layer 1 module may not import layer 2. It
uses only the standard library and :mod:`framework.settings` (layer 1 too).
An app's config uses ``app.config_loader`` instead, so swapping the strategy
on the app changes how its config loads.

The few settings read from the environment before any config exists
(:func:`get_debug_flag`, :func:`get_load_dotenv`, :func:`env_setting`) live
here too, in layer 1, so that the app, ``framework.helpers`` (where Flask
keeps them) and the command line share one definition: each reads our
``FRAMEWORK_`` name, then Flask's ``FLASK_`` one.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import json
import os
import types
import typing as t
import weakref
from collections.abc import Callable, Mapping
from datetime import timedelta

from . import interfaces, signals

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike

__all__ = [
    "DEFAULT_CONFIG",
    "ENV_PREFIXES",
    "Config",
    "ConfigAttribute",
    "ConfigLoader",
    "env_setting",
    "get_debug_flag",
    "get_load_dotenv",
    "prefix_spellings",
]

T = t.TypeVar("T")

#: The keys every app starts with, and their defaults: Flask 3.1's set,
#: grouped here by what they govern.
DEFAULT_CONFIG: t.Mapping[str, t.Any] = {
    # Modes and error handling.
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "TRAP_BAD_REQUEST_ERRORS": None,
    # Templates.
    "TEMPLATES_AUTO_RELOAD": None,
    "EXPLAIN_TEMPLATE_LOADING": False,
    # Signing.
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    # The session cookie.
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_COOKIE_PARTITIONED": False,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "SESSION_REFRESH_EACH_REQUEST": True,
    # Hosts and URLs.
    "SERVER_NAME": None,
    "TRUSTED_HOSTS": None,
    "APPLICATION_ROOT": "/",
    "PREFERRED_URL_SCHEME": "http",
    # Limits on what a request may send and a response may set.
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "MAX_COOKIE_SIZE": 4093,
    # Responses and files.
    "PROVIDE_AUTOMATIC_OPTIONS": True,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "USE_X_SENDFILE": False,
    # Serving through ASGI (framework.asgi): the thread pool for sync code,
    # and how the request body is read before dispatch.
    "ASGI_THREADS": None,
    "ASGI_MAX_PENDING": None,
    "ASGI_BODY_SPOOL_SIZE": 1024 * 1024,
    "ASGI_BODY_TIMEOUT": 60.0,
    # WebSocket connections (framework.websockets): the largest message a
    # handler receives (1 MiB; larger closes with 1009), and how long a
    # silent client is waited for (None: as long as the server keeps it).
    "WEBSOCKET_MAX_MESSAGE_SIZE": 1024 * 1024,
    "WEBSOCKET_IDLE_TIMEOUT": None,
    # Server-sent events (framework.sse): seconds of silence before a
    # keep-alive comment; 0 or None sends none.
    "SSE_KEEPALIVE_INTERVAL": 15,
}


#: The environment variable prefixes the framework reads settings from:
#: Flask's, so that a ported app's environment keeps working, then ours,
#: which wins where both name the same setting.
ENV_PREFIXES = ("FLASK", "FRAMEWORK")

#: Values of a flag variable that mean "off"; anything else non-empty is on.
_FALSE_WORDS = frozenset({"0", "false", "no"})


def env_setting(name: str) -> str | None:
    """The value of the environment variable ``FRAMEWORK_<name>``, or of
    ``FLASK_<name>`` when ours is unset or empty; ``None`` when neither
    is set.

    :param name: the setting without a prefix, such as ``"DEBUG"``.
    """
    found = None
    for prefix in ENV_PREFIXES:
        found = os.environ.get(f"{prefix}_{name}") or found
    return found


def _is_on(value: str | None) -> bool:
    return bool(value) and str(value).lower() not in _FALSE_WORDS


def get_debug_flag() -> bool:
    """Whether the environment turns debug mode on: ``FRAMEWORK_DEBUG``, or
    ``FLASK_DEBUG`` when ours is unset. Empty, ``0``, ``false`` and ``no``
    (in any case) mean off."""
    return _is_on(env_setting("DEBUG"))


def get_load_dotenv(default: bool = True) -> bool:
    """Whether the dotenv files should be loaded: ``default``, unless
    ``FRAMEWORK_SKIP_DOTENV`` (or ``FLASK_SKIP_DOTENV``) is set to a value
    that is not off.

    :param default: the answer when no skip variable is set.
    """
    skip = env_setting("SKIP_DOTENV")
    return default if not skip else not _is_on(skip)


def prefix_spellings(prefix: str) -> tuple[str, ...]:
    """The prefixes :meth:`Config.from_prefixed_env` reads for ``prefix``,
    weakest first. A prefix with a ``FLASK`` or ``FRAMEWORK`` part is read in
    both spellings (``MY_FLASK`` reads ``MY_FLASK_*`` and then
    ``MY_FRAMEWORK_*``), so renaming the variables or the code while
    porting does not lose settings; any other prefix is read as it is."""
    parts = prefix.split("_")
    if not set(parts) & set(ENV_PREFIXES):
        return (prefix,)
    flask, ours = ENV_PREFIXES
    spellings = (
        "_".join(flask if part == ours else part for part in parts),
        "_".join(ours if part == flask else part for part in parts),
    )
    return tuple(dict.fromkeys(spellings))


def _unchanged(value: t.Any) -> t.Any:
    return value


class ConfigAttribute(t.Generic[T]):
    """An attribute of the app that reads and writes one config key, such as
    ``app.debug`` for ``DEBUG``.

    :param name: the config key.
    :param get_converter: applied to the value when it is read.
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        #: The config key (Flask calls it ``__name__``; both are kept).
        self.key = self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: t.Any) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: t.Any, owner: t.Any) -> T: ...

    def __get__(self, obj: t.Any, owner: t.Any = None) -> T | ConfigAttribute[T]:
        # Read on the class, the descriptor itself (for introspection).
        if obj is None:
            return self
        convert = self.get_converter or _unchanged
        return t.cast(T, convert(obj.config[self.key]))

    def __set__(self, obj: t.Any, value: t.Any) -> None:
        obj.config[self.key] = value


#: What :meth:`ConfigLoader.load_file` passes ``load``: a function reading an
#: open file, such as :func:`json.load` or :func:`tomllib.load`.
FileLoad = Callable[[t.IO[t.Any]], Mapping[str, t.Any]]


class Config(dict[str, t.Any]):
    """The app's configuration: a ``dict`` whose upper-case keys are
    settings.

    :param root_path: relative file names are resolved against this folder
        (the current directory when ``None``).
    :param defaults: the initial keys and values.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str] | None = None,
        defaults: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path
        #: The loader used when the config belongs to no app; an app's
        #: config uses ``app.config_loader``.
        self.loader: interfaces.ConfigLoader = ConfigLoader()
        self._app: weakref.ref[AppLike] | None = None
        # key -> (source, value): the source counts only while the key still
        # holds that very value, so a later ``config[key] = ...`` in code is
        # not blamed on a file.
        self._sources: dict[str, tuple[str, t.Any]] = {
            key: ("defaults", value) for key, value in self.items()
        }

    # -- the app, the loader and sources ---------------------------------

    def attach_app(self, app: AppLike) -> None:
        """Make this the config of ``app``: loading then goes through
        ``app.config_loader`` and sends ``config_loaded`` with
        ``sender=app``. The app is held weakly. :meth:`App.make_config
        <framework.App.make_config>` calls this."""
        self._app = weakref.ref(app)

    @property
    def app(self) -> AppLike | None:
        """The app this config belongs to, if any and still alive."""
        return self._app() if self._app is not None else None

    @property
    def current_loader(self) -> interfaces.ConfigLoader:
        """The loader in use: the app's ``config_loader``, else
        :attr:`loader`."""
        app = self.app
        return app.config_loader if app is not None else self.loader

    def source_of(self, key: str) -> str | None:
        """Where the current value of ``key`` came from: the ``source`` of the
        load that set it (``"pyfile:/srv/app/settings.py"``,
        ``"env:FRAMEWORK_"``, ``"defaults"``...), or ``None`` when it was set
        some other way, e.g. by item assignment."""
        entry = self._sources.get(key)
        if entry is None or key not in self or self[key] is not entry[1]:
            return None
        return entry[0]

    def resolve_path(self, filename: str | os.PathLike[str]) -> str:
        """The absolute path of ``filename``, resolved against
        :attr:`root_path`."""
        return os.path.abspath(os.path.join(self.root_path or "", filename))

    def _apply(self, items: t.Iterable[tuple[str, t.Any]], source: str) -> None:
        """Set the upper-case keys of ``items``, record their source, and
        send ``config_loaded``."""
        for key, value in items:
            if key.isupper():
                self[key] = value
                self._sources[key] = (source, value)
        self._loaded(source)

    def _loaded(self, source: str) -> None:
        if signals.config_loaded.receivers:
            app = self.app
            if app is not None:
                signals.config_loaded.send(
                    app, _async_wrapper=app.ensure_sync, source=source
                )

    # -- Flask's loading API ---------------------------------------------

    def from_mapping(
        self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Set the upper-case keys of ``mapping`` and ``kwargs``; other keys
        are ignored, as with every loader. Sends ``config_loaded`` with
        ``source="mapping"``. Always returns ``True``."""
        items: dict[str, t.Any] = {}
        if mapping is not None:
            items.update(mapping)
        items.update(kwargs)
        self._apply(items.items(), "mapping")
        return True

    def from_object(self, obj: object | str) -> None:
        """Set every upper-case attribute of ``obj``: a module, a class, an
        instance, or the dotted import path of one (``"pkg.settings:Prod"``
        or ``"pkg.settings.Prod"``). The source is ``"object:<dotted
        name>"``."""
        items, source = self.current_loader.load_object(obj)
        self._apply(items.items(), source)

    def from_pyfile(
        self, filename: str | os.PathLike[str], silent: bool = False
    ) -> bool:
        """Run a Python file and set its upper-case names, as
        :meth:`from_object` does for a module. The source is
        ``"pyfile:<absolute path>"``.

        :param filename: absolute, or relative to :attr:`root_path`.
        :param silent: return ``False`` instead of raising when the file does
            not exist. Errors in the file are raised regardless.
        :return: ``True`` when the file was loaded.
        :raise OSError: the file can't be read; the message has the path.
        :raise SyntaxError: the file is not valid Python; the message has the
            path and line.
        """
        path = self.resolve_path(filename)
        items = self.current_loader.load_pyfile(path, silent)
        if items is None:
            return False
        self._apply(items.items(), f"pyfile:{path}")
        return True

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """:meth:`from_pyfile` with the file named by an environment
        variable.

        :param variable_name: the variable holding the file name.
        :param silent: return ``False`` when the variable is unset or empty
            or the file is missing, instead of raising.
        :raise RuntimeError: the variable is unset or empty.
        """
        filename = os.environ.get(variable_name) or None
        if filename is None and not silent:
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no"
                " configuration could be loaded from it. Set it to the path of"
                " a Python configuration file."
            )
        return filename is not None and self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FRAMEWORK", *, loads: Callable[[str], t.Any] = json.loads
    ) -> bool:
        """Set keys from the environment variables named ``<prefix>_<KEY>``,
        in sorted order. Each value goes through ``loads`` (JSON by default,
        so ``true``, ``8080`` and ``[1, 2]`` become Python values) and stays
        a string when that fails. ``__`` in a name sets a key of a nested
        dict: ``FRAMEWORK_DB__HOST`` sets ``config["DB"]["HOST"]``, creating
        ``DB`` when missing. ``config_loaded`` is sent once, with the source
        ``"env:<prefix>_"``; :meth:`source_of` names the variable's own
        prefix (``"env:FLASK_"`` for a key set from ``FLASK_SECRET_KEY``).

        The default prefix reads Flask's variables too: ``FLASK_SECRET_KEY``
        sets ``SECRET_KEY`` unless ``FRAMEWORK_SECRET_KEY`` is set, which
        wins. The same goes for any prefix with a ``FLASK`` or ``FRAMEWORK``
        part (see :func:`prefix_spellings`); other prefixes are read as given.

        :param prefix: the variable name prefix, without the ``_``.
        :param loads: parses each value; any exception keeps the string.
        :return: ``True``.
        """
        for spelling in prefix_spellings(prefix):
            loaded = self.current_loader.load_prefixed_env(spelling, loads)
            for name, value in loaded:
                self._set_path(name.split("__"), value, f"env:{spelling}_")
        # One load, one signal, named by the prefix the caller gave.
        self._loaded(f"env:{prefix}_")
        return True

    def _set_path(self, path: list[str], value: t.Any, source: str) -> None:
        """Set ``self[path[0]][path[1]]...`` to ``value``, creating the
        dicts on the way, and record ``source`` for the top key."""
        *parents, last = path
        target: t.MutableMapping[str, t.Any] = self
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = value
        self._sources[path[0]] = (source, self[path[0]])

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: FileLoad,
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Read a file with ``load`` and set the upper-case keys of the
        mapping it returns::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        The source is ``"file:<absolute path>"``.

        :param filename: absolute, or relative to :attr:`root_path`.
        :param load: reads the open file and returns a mapping.
        :param silent: return ``False`` instead of raising when the file does
            not exist.
        :param text: open the file in text mode (UTF-8); ``False`` for
            binary, which :func:`tomllib.load` needs.
        :return: ``True`` when the file was loaded.
        :raise OSError: the file can't be read; the message has the path.
        :raise ValueError: ``load`` rejected the content: the exception
            ``load`` raised (such as :exc:`json.JSONDecodeError`), with a note
            (:pep:`678`) that names the file; its message has the parser's
            position.
        """
        path = self.resolve_path(filename)
        items = self.current_loader.load_file(path, load, silent, text)
        if items is None:
            return False
        self._apply(items.items(), f"file:{path}")
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The keys that start with ``namespace`` as a new dict, e.g.
        ``get_namespace("MAIL_")`` turns ``MAIL_SERVER`` into ``server``.

        :param lowercase: lower-case the resulting keys.
        :param trim_namespace: drop the prefix from the resulting keys.
        """
        rv: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            rv[name.lower() if lowercase else name] = value
        return rv

    def load_settings(self, schema: type[T]) -> T:
        """Check this config against the attrs class ``schema``; see
        :meth:`App.load_settings <framework.App.load_settings>`."""
        return self.current_loader.load_settings(self, schema)

    def __getstate__(self) -> dict[str, t.Any]:
        # A weak reference can't be pickled; a copy belongs to no app.
        return {**self.__dict__, "_app": None}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class ConfigLoader:
    """The default :class:`~framework.interfaces.ConfigLoader`: reads Python
    files, objects, files through a ``load`` function and the environment,
    and checks typed settings with :func:`framework.settings.load_settings`.
    """

    def load_object(self, obj: object | str) -> tuple[dict[str, t.Any], str]:
        """The upper-case attributes of ``obj`` (imported first when it is a
        string) and the source ``"object:<dotted name>"``."""
        if isinstance(obj, str):
            name = obj.replace(":", ".")
            obj = import_string(obj)
        else:
            name = _dotted_name(obj)
        return {key: getattr(obj, key) for key in dir(obj) if key.isupper()}, (
            f"object:{name}"
        )

    def load_pyfile(self, path: str, silent: bool) -> dict[str, t.Any] | None:
        """Run the Python file at ``path`` and return its upper-case names;
        ``None`` when it is missing and ``silent``."""
        try:
            with open(path, "rb") as f:
                code = f.read()
        except OSError as e:
            _missing(e, silent)
            return None
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            compiled = compile(code, path, "exec")
        except SyntaxError as e:
            raise SyntaxError(
                f"Invalid Python in configuration file {path}, line {e.lineno}:"
                f" {e.msg}",
                (e.filename, e.lineno, e.offset, e.text),
            ) from e
        exec(compiled, module.__dict__)
        return {key: getattr(module, key) for key in dir(module) if key.isupper()}

    def load_file(
        self, path: str, load: FileLoad, silent: bool, text: bool
    ) -> Mapping[str, t.Any] | None:
        """Read the file at ``path`` with ``load``; ``None`` when it is
        missing and ``silent``."""
        try:
            f = open(path, encoding="utf-8") if text else open(path, "rb")  # noqa: SIM115
        except OSError as e:
            _missing(e, silent)
            return None
        with f:
            try:
                rv = load(f)
            except ValueError as e:
                # json.JSONDecodeError and tomllib.TOMLDecodeError both say
                # where (line and column) but not in which file. The parser's
                # own exception goes on, as in Flask, so that code catching
                # its type still catches it; the note names the file.
                e.add_note(f"Invalid configuration file {path}")
                raise
        if not isinstance(rv, Mapping):
            raise TypeError(
                f"Configuration file {path} did not load as a mapping but as"
                f" {type(rv).__name__}."
            )
        return rv

    def load_prefixed_env(
        self, prefix: str, loads: Callable[[str], t.Any]
    ) -> list[tuple[str, t.Any]]:
        """``(name without the prefix, parsed value)`` for each environment
        variable starting with ``<prefix>_``, sorted by name."""
        start = f"{prefix}_"
        rv = []
        for name in sorted(os.environ):
            if not name.startswith(start):
                continue
            value: t.Any = os.environ[name]
            # Not JSON (or not what ``loads`` parses): a plain string.
            with contextlib.suppress(Exception):
                value = loads(value)
            rv.append((name[len(start) :], value))
        return rv

    def load_settings(self, config: Config, schema: type[T]) -> T:
        """Check ``config`` against ``schema``; see
        :func:`framework.settings.load_settings`."""
        # Loaded by the first check: an app without typed settings (most)
        # never needs the module.
        from .settings import load_settings

        return load_settings(config, schema, config.source_of)


def _missing(error: OSError, silent: bool) -> None:
    """Return for a missing file when ``silent``; otherwise raise the error
    with a message that says it was a configuration file."""
    if silent and error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR):
        return None
    error.strerror = f"Unable to load configuration file ({error.strerror})"
    raise error


def _dotted_name(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def import_string(path: str) -> t.Any:
    """Import ``"package.module:attr"`` or ``"package.module.attr"``. In the
    dotted form the last part may also be a submodule that nobody imported
    yet (``"apiflask.settings"``), as with werkzeug's ``import_string``.
    The error names the path and what was missing."""
    module_name, colon, attr = path.partition(":")
    if not colon:
        module_name, _, attr = path.rpartition(".")
        if not module_name:
            return importlib.import_module(path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ImportError(f"Could not import {path!r}: {e}") from e
    with contextlib.suppress(AttributeError):
        return getattr(module, attr)
    if not colon:
        try:
            return importlib.import_module(path)
        except ModuleNotFoundError as e:
            # Only "no such submodule" means the name is missing; an import
            # failing inside the submodule is that module's own error.
            if e.name != path:
                raise
    raise ImportError(
        f"Could not import {path!r}: module {module_name!r} has no {attr!r}"
    )
