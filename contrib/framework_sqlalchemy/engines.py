"""Engines from an app's config.

Reads ``SQLALCHEMY_DATABASE_URI``, ``SQLALCHEMY_ENGINE_OPTIONS``,
``SQLALCHEMY_BINDS`` and ``SQLALCHEMY_ECHO`` (when the extension is set up,
and again at first use if they changed since: see
:class:`~framework_sqlalchemy.SQLAlchemyState`) and creates one
:class:`~sqlalchemy.engine.Engine` per bind key (``None`` for the default
database). Creating an engine does not connect, so this is
cheap; what it catches early is a value that can never work, reported as a
:class:`ConfigError` that names the config key. Error messages never repeat
a password: not the URL's, nor one in its query string or in the options.

The engines are also recorded here so that a process made by ``fork()``
(gunicorn's workers, with ``--preload``) starts with empty pools instead of
sharing the parent's open connections.
"""

from __future__ import annotations

import collections.abc as cabc
import os
import typing as t
import weakref

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from .outages import mark_connect_failure

if t.TYPE_CHECKING:
    from framework import App

__all__ = ["DEFAULT_DATABASE_URI", "ConfigError", "create_engines"]

#: The database used when ``SQLALCHEMY_DATABASE_URI`` is not set: a SQLite
#: file in the app's instance folder.
DEFAULT_DATABASE_URI = "sqlite:///db.sqlite3"


class ConfigError(ValueError):
    """A ``SQLALCHEMY_*`` config key holds a value no engine can be made
    from. The message names the key and says what was expected."""


#: Every engine made by :func:`create_engines`, held weakly: the engine of
#: an app that is gone is forgotten with it.
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _reset_pools_after_fork() -> None:
    """In a child process after ``fork()``: give each engine a new, empty
    pool. The connections in the old one are the parent's (the same
    sockets); using them from two processes mixes up the conversations, and
    closing them would close them for the parent, so they are only
    dropped."""
    for engine in list(_engines):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_reset_pools_after_fork)


def create_engines(
    app: App, engine_options: cabc.Mapping[str, t.Any]
) -> dict[str | None, Engine]:
    """Create the engines of ``app``: ``None`` maps to the default engine,
    each key of ``SQLALCHEMY_BINDS`` to its own.

    Options apply in this order, later ones winning: ``engine_options``,
    ``SQLALCHEMY_ENGINE_OPTIONS``, ``SQLALCHEMY_ECHO`` (when true), and the
    options of one bind given as a dict in ``SQLALCHEMY_BINDS``.

    :param app: the app whose config and instance folder are used.
    :param engine_options: the options given to the extension's constructor.
    :raise ConfigError: if a config value can't be used.
    """
    config = app.config
    shared = dict(engine_options)
    shared.update(
        _options(config.get("SQLALCHEMY_ENGINE_OPTIONS"), "SQLALCHEMY_ENGINE_OPTIONS")
    )
    echo = config.get("SQLALCHEMY_ECHO", False)
    if not isinstance(echo, bool) and echo != "debug":
        raise ConfigError(
            f"SQLALCHEMY_ECHO must be True, False or 'debug', got {echo!r}."
        )
    if echo:
        shared["echo"] = echo

    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if uri is None:
        uri = DEFAULT_DATABASE_URI
    sources: list[tuple[str | None, str, object, dict[str, t.Any]]] = [
        (None, "SQLALCHEMY_DATABASE_URI", uri, {})
    ]
    binds = config.get("SQLALCHEMY_BINDS")
    if binds is None:
        binds = {}
    if not isinstance(binds, cabc.Mapping):
        raise ConfigError(
            "SQLALCHEMY_BINDS must be a dict of bind keys to database URLs,"
            f" got {type(binds).__name__}."
        )
    for key, value in binds.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(
                f"SQLALCHEMY_BINDS keys must be non-empty strings, got {key!r}."
            )
        label = f"SQLALCHEMY_BINDS[{key!r}]"
        if isinstance(value, cabc.Mapping):
            options = _options(value, label)
            if "url" not in options:
                raise ConfigError(
                    f"{label} is a dict of engine options without a 'url' key;"
                    " add the database URL under 'url'."
                )
            sources.append((key, label, options.pop("url"), options))
        else:
            sources.append((key, label, value, {}))

    engines: dict[str | None, Engine] = {}
    try:
        for key, label, value, options in sources:
            engines[key] = _create_engine(app, label, value, {**shared, **options})
    except BaseException:
        for engine in engines.values():
            engine.dispose()
        raise
    for engine in engines.values():
        # A failed connect then reads as a connection error (a 503 in a
        # request), as a connection lost later does.
        sa.event.listen(engine, "handle_error", mark_connect_failure)
    _engines.update(engines.values())
    return engines


def _options(value: object, label: str) -> dict[str, t.Any]:
    """A copy of an options dict from the config, checked."""
    if value is None:
        return {}
    # The value is not repeated: it may hold a password (in a URL or in
    # connect_args).
    if not isinstance(value, cabc.Mapping):
        raise ConfigError(
            f"{label} must be a dict of create_engine() keyword arguments,"
            f" got {type(value).__name__}."
        )
    for name in value:
        if not isinstance(name, str):
            raise ConfigError(
                f"{label} must be a dict of create_engine() keyword arguments,"
                f" with string keys; got the key {name!r}."
            )
    return dict(value)


def _create_engine(
    app: App, label: str, value: object, options: dict[str, t.Any]
) -> Engine:
    if isinstance(value, str):
        try:
            url = make_url(value)
        except (ArgumentError, ValueError):  # ValueError: a port not a number
            # The value is not repeated: it may hold a password.
            raise ConfigError(
                f"{label} is not a database URL; expected a URL such as"
                " 'postgresql+psycopg://user:password@host/dbname' or"
                " 'sqlite:///file.sqlite3'."
            ) from None
    elif isinstance(value, URL):
        url = value
    else:
        raise ConfigError(
            f"{label} must be a database URL (a string or a sqlalchemy URL),"
            f" got {type(value).__name__}."
        )
    if url.get_backend_name() == "sqlite":
        url = _sqlite_in_instance_folder(app, url, options)
    try:
        return sa.create_engine(url, **options)
    except (ArgumentError, TypeError, ValueError, ImportError) as e:
        raise ConfigError(
            f"Can't create the engine of {label} ({_safe_repr(url)}): {e}"
        ) from e


def _safe_repr(url: URL) -> str:
    """``url`` for a message: its repr hides the password; this also leaves
    out the query arguments that are passwords (``?password=``, which libpq
    and several drivers accept)."""
    secret = [name for name in url.query if "password" in name.lower()]
    return repr(url.difference_update_query(secret))


def _sqlite_in_instance_folder(app: App, url: URL, options: dict[str, t.Any]) -> URL:
    """Resolve a relative SQLite path against the instance folder (created
    if missing); share one connection for an in-memory database.

    Changes ``options`` in place.
    """
    database = url.database
    if (
        not database
        or database == ":memory:"
        or (url.query.get("uri") and url.query.get("mode") == "memory")
    ):
        # Each connection to ":memory:" is a new, empty database: keep one
        # connection and let every thread use it, so that all sessions of
        # the app see the same data.
        options.setdefault("poolclass", StaticPool)
        if url.get_driver_name() == "pysqlite":
            connect_args = dict(options.get("connect_args") or {})
            connect_args.setdefault("check_same_thread", False)
            options["connect_args"] = connect_args
        return url
    # A "file:" URI (with ?uri=true) is sqlite3's own syntax: leave it alone.
    if url.query.get("uri") or os.path.isabs(database):
        return url
    os.makedirs(app.instance_path, exist_ok=True)
    return url.set(database=os.path.join(app.instance_path, database))
