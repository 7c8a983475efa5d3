"""The :class:`SQLAlchemy` extension object."""

from __future__ import annotations

import collections.abc as cabc
import re
import typing as t
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from sqlalchemy.exc import MultipleResultsFound, NoResultFound, UnboundExecutionError

from framework import abort, current_app
from framework.globals import app_ctx

from .cli import add_db_commands
from .outages import DatabaseUnavailable, describe, is_connection_error
from .pagination import Pagination, paginate
from .session import Session, record_bind_key, table_bind_key
from .state import CONFIG_KEYS, SQLAlchemyState

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from framework import App

__all__ = ["SQLAlchemy"]

_T = t.TypeVar("_T")

#: ``bind_key`` arguments: a key, ``None`` for the default engine, several.
_BindKeys: t.TypeAlias = "str | cabc.Iterable[str | None] | None"

#: ``create_all(bind_key=ALL)``: every engine.
ALL = "__all__"

# Backends whose INTEGER is 32 bits and SMALLINT 16 (SQLite's are 64).
_SIZED_INTEGERS = frozenset({"postgresql", "mysql", "mariadb", "mssql"})
_INTEGER_LITERAL = re.compile(r"-?[0-9]{1,20}")

#: The errors the extension's error handler sees: those a connection error
#: comes as (the pool's timeout, and the driver's errors); it answers only
#: the connection errors among them.
_HANDLED_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.DBAPIError,
    sa.exc.TimeoutError,
)


def _default_model_class() -> type[sa_orm.DeclarativeBase]:
    return t.cast(
        "type[sa_orm.DeclarativeBase]",
        type("Model", (sa_orm.DeclarativeBase,), {"__module__": __name__}),
    )


def _fits(value: int, type_: sa.Integer, dialect: str) -> bool:
    """Whether an integer column of ``type_`` can hold ``value``."""
    bits = 64
    if dialect in _SIZED_INTEGERS and not isinstance(type_, sa.BigInteger):
        bits = 16 if isinstance(type_, sa.SmallInteger) else 32
    if getattr(type_, "unsigned", False):  # MySQL's
        return 0 <= value < 1 << bits
    return -(1 << (bits - 1)) <= value < 1 << (bits - 1)


class SQLAlchemy:
    """SQLAlchemy 2 for framework apps: engines from the config, a session
    per app context, a declarative model base, 404 helpers, pagination and
    the ``db`` commands.

    Use it directly, ``db = SQLAlchemy(app)``, or with an app factory,
    ``db = SQLAlchemy()`` then ``db.init_app(app)``. One instance may serve
    several apps: each gets its own engines, and ``db.session`` is always
    the one of the current app context.

    :param app: an app to set up right away.
    :param model_class: the declarative base of the models, a direct
        subclass of :class:`sqlalchemy.orm.DeclarativeBase`; a new one is
        made when ``None``. Pass your own to have type checkers see the
        models (they can't see through ``db.Model``).
    :param engine_options: default :func:`sqlalchemy.create_engine`
        arguments for every engine of every app; the app's
        ``SQLALCHEMY_ENGINE_OPTIONS`` override them.
    :param session_options: :class:`sqlalchemy.orm.Session` arguments, such
        as ``expire_on_commit=False``; ``class_`` chooses a subclass of
        :class:`~framework_sqlalchemy.Session`.
    """

    def __init__(
        self,
        app: App | None = None,
        *,
        model_class: type[sa_orm.DeclarativeBase] | None = None,
        engine_options: cabc.Mapping[str, t.Any] | None = None,
        session_options: cabc.Mapping[str, t.Any] | None = None,
    ) -> None:
        if model_class is None:
            model_class = _default_model_class()
        elif not (
            isinstance(model_class, type)
            and issubclass(model_class, sa_orm.DeclarativeBase)
            and sa_orm.DeclarativeBase in model_class.__bases__
        ):
            raise TypeError(
                "model_class must be a declarative base, a direct subclass of"
                " sqlalchemy.orm.DeclarativeBase ('class Model(DeclarativeBase):"
                f" pass'), got {model_class!r}."
            )
        #: The declarative base of the models: subclass it to define one.
        self.Model = model_class
        #: The metadata of :attr:`Model`: all tables of the models.
        self.metadata: sa.MetaData = model_class.metadata
        self._engine_options = dict(engine_options or {})
        options = dict(session_options or {})
        session_class = options.pop("class_", Session)
        if not (isinstance(session_class, type) and issubclass(session_class, Session)):
            raise TypeError(
                "session_options['class_'] must be a subclass of"
                f" framework_sqlalchemy.Session, got {session_class!r}."
            )
        for name in ("bind", "binds"):
            if name in options:
                raise TypeError(
                    f"session_options can't set {name!r}: the engines come from"
                    " SQLALCHEMY_DATABASE_URI and SQLALCHEMY_BINDS."
                )
        self._session_class: type[Session] = session_class
        self._session_options = options
        # The open sessions by id() of the app context's ``g``, which is
        # kept alive with its session so that the id can't be reused.
        self._sessions: dict[int, tuple[object, Session]] = {}

        # Models defined before this point, then the ones to come.
        for mapper in model_class.registry.mappers:
            record_bind_key(mapper, mapper.class_)
        if not sa.event.contains(
            model_class, "after_mapper_constructed", record_bind_key
        ):
            sa.event.listen(
                model_class, "after_mapper_constructed", record_bind_key, propagate=True
            )
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Set up ``app``: check its config and create its engines, store
        them in ``app.extensions["sqlalchemy"]``, close the session at the
        end of each app context, answer database outages with 503, add the
        ``db`` commands to ``app.cli`` (to its own ``db`` group if it has
        one) and ``db`` to the ``shell`` namespace.

        The ``SQLALCHEMY_*`` keys are read for good when the engines are
        first needed (the first ``db.session``, ``db.engine`` or
        ``db.create_all()``): one set or changed after ``init_app`` but
        before that is honoured.

        :param app: the app to set up.
        :raise ConfigError: if a ``SQLALCHEMY_*`` key has a value no engine
            can be made from.
        :raise RuntimeError: if the app already has a SQLAlchemy extension.
        """
        if "sqlalchemy" in app.extensions:
            raise RuntimeError(
                f"The app {app.name!r} already has a SQLAlchemy extension"
                " (app.extensions['sqlalchemy']): use that one, an app has one."
            )
        for key, value in CONFIG_KEYS.items():
            app.config.setdefault(key, value)
        app.extensions["sqlalchemy"] = SQLAlchemyState(self, app, self._engine_options)
        # Last: teardown callbacks of the app's own that use db.session run
        # first, even those registered before init_app.
        app.teardown_appcontext(self._close_session, last=True)
        for error_class in _HANDLED_ERRORS:
            app.register_error_handler(error_class, self._handle_database_error)
        app.shell_context_processor(self._shell_context)
        add_db_commands(app.cli)

    # -- per app -----------------------------------------------------------

    def _state(self) -> SQLAlchemyState:
        state = current_app.extensions.get("sqlalchemy")
        if not isinstance(state, SQLAlchemyState) or state.db is not self:
            raise RuntimeError(
                f"The app {current_app.name!r} is not set up with this SQLAlchemy"
                " extension: call db.init_app(app) first."
            )
        return state

    @property
    def engines(self) -> cabc.Mapping[str | None, Engine]:
        """The current app's engines by bind key; ``None`` is the default
        one. Needs an app context."""
        return self._state().engines

    @property
    def engine(self) -> Engine:
        """The current app's default engine. Needs an app context."""
        return self._state().engines[None]

    def _shell_context(self) -> dict[str, t.Any]:
        return {"db": self}

    # -- the session -------------------------------------------------------

    @property
    def session(self) -> Session:
        """The session of the current app context, created on first use and
        closed when the context ends (after each request, and at the end of
        ``with app.app_context():``). Rolled back first if the context ends
        with an error. Nothing is committed for you: call
        ``db.session.commit()``.

        A request shares the session of an app context of the same app
        that was already active, as it shares its ``g``.
        """
        scope = app_ctx.g
        entry = self._sessions.get(id(scope))
        if entry is not None:
            return entry[1]
        session = self._session_class(self._state().engines, **self._session_options)
        self._sessions[id(scope)] = (scope, session)
        return session

    def _close_session(self, exc: BaseException | None) -> None:
        """The ``teardown_appcontext`` callback."""
        # PERF: a context that never used a session (none is open anywhere)
        # stops here.
        if not self._sessions:
            return
        self._end_session(rollback=exc is not None)

    def _end_session(self, *, rollback: bool) -> None:
        """Close the current app context's session, if it has one, and
        forget it; roll it back first if ``rollback``. A connection lost
        meanwhile is not an error: the server ended the transaction with
        it."""
        entry = self._sessions.pop(id(app_ctx.g), None)
        if entry is None:
            return
        session = entry[1]
        try:
            if rollback:
                session.rollback()
        except sa.exc.SQLAlchemyError as e:
            if not is_connection_error(e):
                raise
        finally:
            try:
                session.close()
            except sa.exc.SQLAlchemyError as e:
                if not is_connection_error(e):
                    raise

    # -- outages -----------------------------------------------------------

    def _handle_database_error(self, error: Exception) -> t.Any:
        """The app's error handler for SQLAlchemy's errors: a connection
        error (the database is down, unreachable, restarting, or the pool
        is exhausted) is logged on one line and answered 503 with
        ``Retry-After``, the session rolled back and closed; any other error
        goes where it would have gone without this handler."""
        app = current_app
        if not is_connection_error(error):
            handler = self._next_handler(app, error)
            if handler is None:
                raise error
            return app.ensure_sync(handler)(error)
        app.logger.error(
            "The database is unavailable, answering 503: %s", describe(error)
        )
        self._end_session(rollback=True)
        unavailable = DatabaseUnavailable(retry_after=self._state().retry_after)
        return app.handle_http_exception(unavailable)

    def _next_handler(
        self, app: App, error: Exception
    ) -> t.Callable[[Exception], t.Any] | None:
        """The app's handler that ``error`` would reach if this extension
        had registered none: a handler of the app's own for a base class of
        ``error`` further up than the one this handler is registered for
        (``SQLAlchemyError``, ``Exception``). Only the app's own handlers
        are left: this one was found, so no blueprint had one."""
        handlers = app.error_handler_spec.get(None, {}).get(None, {})
        passed = False
        for cls in type(error).__mro__:
            handler = handlers.get(cls)
            if handler is None:
                continue
            if handler == self._handle_database_error:
                passed = True
            elif passed:
                return t.cast("t.Callable[[Exception], t.Any]", handler)
        return None

    # -- tables ------------------------------------------------------------

    def _tables_by_engine(
        self, bind_key: _BindKeys
    ) -> list[tuple[Engine, list[sa.Table]]]:
        engines = self._state().engines
        keys: list[str | None]
        if bind_key == ALL:
            keys = list(engines)
        elif bind_key is None or isinstance(bind_key, str):
            keys = [bind_key]
        else:
            keys = list(bind_key)
        for key in keys:
            if key not in engines:
                raise UnboundExecutionError(
                    f"The bind key {key!r} is not in SQLALCHEMY_BINDS."
                )
        tables: dict[str | None, list[sa.Table]] = {key: [] for key in keys}
        for table in self.metadata.sorted_tables:
            key = table_bind_key(table)
            if key not in engines:
                raise UnboundExecutionError(
                    f"The table {table.name!r} has the bind key {key!r}, which is"
                    " not in SQLALCHEMY_BINDS: add its database URL there."
                )
            if key in tables:
                tables[key].append(table)
        return [(engines[key], tables[key]) for key in keys]

    def create_all(self, bind_key: _BindKeys = ALL) -> None:
        """Create the tables of the models that don't exist yet, each in the
        database of its bind key. Needs an app context.

        :param bind_key: only the tables of this bind key, or of these; the
            default, ``"__all__"``, is every engine. ``None`` is the default
            engine.
        """
        for engine, tables in self._tables_by_engine(bind_key):
            self.metadata.create_all(engine, tables=tables)

    def drop_all(self, bind_key: _BindKeys = ALL) -> None:
        """Drop the tables of the models, each in the database of its bind
        key. Needs an app context.

        :param bind_key: as for :meth:`create_all`.
        """
        for engine, tables in self._tables_by_engine(bind_key):
            self.metadata.drop_all(engine, tables=tables)

    # -- views -------------------------------------------------------------

    def get_or_404(
        self, entity: type[_T], ident: t.Any, *, description: str | None = None
    ) -> _T:
        """The instance of ``entity`` with primary key ``ident``, or
        **404 Not Found**.

        A key its column can't hold is a 404 without a query, where the
        database would refuse the query with an error: an integer too
        large for its column, a string that is not an integer for an
        integer key or not a UUID for a UUID key, a string with a NUL
        character on PostgreSQL. A string of digits or a UUID string is
        converted, so a raw value from the URL works.

        :param entity: a model class.
        :param ident: the primary key value; a tuple for a composite key.
        :param description: the 404 page's message; werkzeug's default
            when ``None``.
        """
        mapper = sa.inspect(entity)
        checked = self._checked_ident(mapper, ident)
        value = None if checked is None else self.session.get(entity, checked)
        if value is None:
            abort(404, description=description)
        return value

    def _checked_ident(self, mapper: sa_orm.Mapper[t.Any], ident: t.Any) -> t.Any:
        """``ident`` with integer and UUID strings made ints and UUIDs, or
        ``None`` if some value can't be a key of its column."""
        single = not isinstance(ident, tuple)
        values = (ident,) if single else ident
        columns = mapper.primary_key
        if isinstance(ident, dict) or len(values) != len(columns):
            return ident  # let session.get() explain
        dialect = self.session.get_bind(mapper).dialect.name
        checked = []
        for column, value in zip(columns, values, strict=True):
            type_ = column.type
            if isinstance(type_, sa.Integer) and not isinstance(value, bool):
                if isinstance(value, str):
                    if not _INTEGER_LITERAL.fullmatch(value):
                        return None
                    value = int(value)
                if isinstance(value, int) and not _fits(value, type_, dialect):
                    return None
            elif isinstance(type_, sa.Uuid) and isinstance(value, str):
                # PostgreSQL refuses a malformed UUID with an error, and
                # a column of uuid.UUID values can't bind a string.
                try:
                    parsed = uuid.UUID(value)
                except ValueError:
                    return None
                if type_.as_uuid:
                    value = parsed
            elif isinstance(value, str) and "\x00" in value and dialect == "postgresql":
                # PostgreSQL's text can't hold NUL: no row has it, and the
                # query would fail with an error.
                return None
            checked.append(value)
        return checked[0] if single else tuple(checked)

    def first_or_404(
        self, statement: sa.Select[_T], *, description: str | None = None
    ) -> _T:
        """The first column of the first row of ``statement`` (the first
        model instance, for ``select(Model)``), or **404 Not Found** when
        there is no row.

        :param statement: a ``select()``.
        :param description: the 404 page's message.
        """
        value = self.session.scalar(statement)
        if value is None:
            abort(404, description=description)
        return value

    def one_or_404(
        self, statement: sa.Select[_T], *, description: str | None = None
    ) -> _T:
        """The first column of the only row of ``statement``, or **404 Not
        Found** when there is no row, or more than one.

        :param statement: a ``select()``.
        :param description: the 404 page's message.
        """
        try:
            return self.session.execute(statement).scalar_one()
        except (NoResultFound, MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        statement: sa.Select[_T],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
    ) -> Pagination[_T]:
        """One page of the results of ``statement``, in :attr:`session`.

        ``page`` and ``per_page`` default to the request's query arguments
        of those names, else to 1 and 20. A value that is not a positive
        integer, or a page past the last one, is **404 Not Found** (with
        ``error_out=False``: the default value, or an empty page);
        ``per_page`` is lowered to ``max_per_page``.

        :param statement: a ``select()``, with an ``order_by``.
        :param page: the page number, from 1.
        :param per_page: rows per page.
        :param max_per_page: the largest ``per_page`` allowed; ``None`` for
            no limit.
        :param error_out: answer bad page numbers with 404.
        """
        return paginate(
            self.session,
            statement,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
        )

    def __repr__(self) -> str:
        return f"<SQLAlchemy {self.Model.__qualname__}>"
