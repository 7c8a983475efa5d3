"""What the extension keeps per app, in ``app.extensions["sqlalchemy"]``,
and when it reads the app's config."""

from __future__ import annotations

import collections.abc as cabc
import threading
import typing as t
import weakref

from .engines import DEFAULT_DATABASE_URI, ConfigError, create_engines
from .outages import DEFAULT_RETRY_AFTER

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from framework import App

    from .extension import SQLAlchemy

__all__ = ["CONFIG_KEYS", "SQLAlchemyState"]

#: The config keys the extension reads, each of them set to its default by
#: :meth:`SQLAlchemy.init_app <framework_sqlalchemy.SQLAlchemy.init_app>`
#: unless the app has it already.
CONFIG_KEYS: dict[str, t.Any] = {
    "SQLALCHEMY_DATABASE_URI": DEFAULT_DATABASE_URI,
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SQLALCHEMY_BINDS": {},
    "SQLALCHEMY_ECHO": False,
    "SQLALCHEMY_RETRY_AFTER": DEFAULT_RETRY_AFTER,
}


def _frozen_copy(value: t.Any) -> t.Any:
    """A copy of a config value deep enough to tell later whether it was
    changed in place (an option added to the dict of options)."""
    if isinstance(value, cabc.Mapping):
        return {key: _frozen_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_frozen_copy(item) for item in value)
    return value


def _read(app: App) -> dict[str, t.Any]:
    config = app.config
    return {key: _frozen_copy(config.get(key)) for key in CONFIG_KEYS}


def _check_retry_after(value: object) -> int | None:
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and value > 0
    ):
        return value
    raise ConfigError(
        "SQLALCHEMY_RETRY_AFTER must be a whole number of seconds (1 or more),"
        f" or None to send no Retry-After header; got {value!r}."
    )


class SQLAlchemyState:
    """The extension's state on one app, stored as
    ``app.extensions["sqlalchemy"]`` by :meth:`SQLAlchemy.init_app
    <framework_sqlalchemy.SQLAlchemy.init_app>`.

    The ``SQLALCHEMY_*`` config keys are checked when the state is made (a
    value no engine can be made from fails at once), and read for good when
    the engines are first needed: a key set or changed between
    ``init_app`` and then is honoured, the engines made again from it.
    Later changes are not seen.

    :param db: the extension.
    :param app: the app it sets up.
    :param engine_options: the extension's own engine options.
    :raise ConfigError: if a config key holds a value that can't be used.
    """

    def __init__(
        self, db: SQLAlchemy, app: App, engine_options: cabc.Mapping[str, t.Any]
    ) -> None:
        #: The extension that set up the app.
        self.db = db
        # Weak: the app holds this state in its extensions.
        self._app = weakref.ref(app)
        self._engine_options = engine_options
        self._lock = threading.Lock()
        self._config = _read(app)
        self._retry_after = _check_retry_after(self._config["SQLALCHEMY_RETRY_AFTER"])
        # Made now, so that a bad value fails in init_app; creating an
        # engine does not connect.
        self._engines = create_engines(app, engine_options)
        self._settled = False

    @property
    def engines(self) -> cabc.Mapping[str | None, Engine]:
        """The app's engines by bind key; ``None`` is the default engine."""
        # PERF: one attribute test once settled (each new db.session).
        if not self._settled:
            self._settle()
        return self._engines

    @property
    def retry_after(self) -> int | None:
        """``SQLALCHEMY_RETRY_AFTER``: the ``Retry-After`` of the 503 for a
        database outage, in seconds; ``None`` for none."""
        if not self._settled:
            self._settle()
        return self._retry_after

    def _settle(self) -> None:
        """Read the config for good, at first use: make the engines again if
        a key changed since ``init_app``."""
        with self._lock:
            if self._settled:
                return
            app = self._app()
            config = self._config if app is None else _read(app)
            if config != self._config:
                assert app is not None
                retry_after = _check_retry_after(config["SQLALCHEMY_RETRY_AFTER"])
                engines = create_engines(app, self._engine_options)
                # Never used (this is their first use): nothing to close.
                for engine in self._engines.values():
                    engine.dispose()
                self._engines, self._retry_after = engines, retry_after
                self._config = config
            self._settled = True
