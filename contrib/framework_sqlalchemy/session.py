"""The session class, and how a table chooses its engine.

A table belongs to the default engine unless it has a *bind key*: the
``"bind_key"`` entry of its ``info`` dict, or else of its metadata's
``info``. A model sets it with the class attribute ``__bind_key__``, which
:func:`record_bind_key` copies into its table's ``info`` when the class is
mapped, so that ORM queries, Core queries on the table and ``create_all``
all agree.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from sqlalchemy.exc import UnboundExecutionError
from sqlalchemy.sql import visitors

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.sql.elements import ClauseElement

    #: What ``Session.get_bind`` receives as its ``mapper``.
    _Entity: t.TypeAlias = type[t.Any] | sa_orm.Mapper[t.Any]

__all__ = ["BIND_KEY", "Session", "record_bind_key", "table_bind_key"]

#: The ``info`` key of a table or metadata that names its engine.
BIND_KEY = "bind_key"


def table_bind_key(table: sa.Table) -> str | None:
    """The bind key of ``table``: its own ``info["bind_key"]``, else its
    metadata's, else ``None`` (the default engine)."""
    key = table.info.get(BIND_KEY)
    if key is None:
        key = table.metadata.info.get(BIND_KEY)
    return t.cast("str | None", key)


def record_bind_key(mapper: sa_orm.Mapper[t.Any], class_: type[t.Any]) -> None:
    """Copy a model's ``__bind_key__`` into the ``info`` of the table it
    maps, unless the table is inherited from a parent model (which then
    decides). A listener of the ``after_mapper_constructed`` mapper event.

    :raise TypeError: if ``__bind_key__`` is not a string.
    """
    key = getattr(class_, "__bind_key__", None)
    if key is None:
        return
    if not isinstance(key, str):
        raise TypeError(
            f"{class_.__qualname__}.__bind_key__ must be a string, a key of"
            f" SQLALCHEMY_BINDS, got {key!r}."
        )
    table = mapper.local_table
    inherited = mapper.inherits is not None and mapper.inherits.local_table is table
    if isinstance(table, sa.Table) and not inherited:
        table.info[BIND_KEY] = key


def _key_of_mapper(entity: _Entity) -> str | None:
    mapper = sa.inspect(entity)
    for table in mapper.tables:
        if isinstance(table, sa.Table):
            key = table_bind_key(table)
            if key is not None:
                return key
    return None


def _key_of_clause(clause: ClauseElement) -> str | None:
    for element in visitors.iterate(clause):
        if isinstance(element, sa.Table):
            key = table_bind_key(element)
            if key is not None:
                return key
    return None


class Session(sa_orm.Session):
    """A :class:`sqlalchemy.orm.Session` that sends each query to the engine
    of the tables it uses: the default engine, or the one of their bind
    key.

    ``db.session`` is one of these; you rarely create one yourself.

    :param engines: the engines by bind key, ``None`` for the default.
    :param options: other :class:`~sqlalchemy.orm.Session` arguments.
    """

    def __init__(
        self, engines: cabc.Mapping[str | None, Engine], **options: t.Any
    ) -> None:
        super().__init__(bind=engines[None], **options)
        self._engines = engines

    def get_bind(
        self,
        mapper: _Entity | None = None,
        *,
        clause: ClauseElement | None = None,
        bind: Engine | Connection | None = None,
        **kwargs: t.Any,
    ) -> Engine | Connection:
        """The engine for a query on ``mapper`` or ``clause``: that of the
        first table with a bind key, else the default engine.

        :raise sqlalchemy.exc.UnboundExecutionError: if the bind key is not
            in ``SQLALCHEMY_BINDS``.
        """
        if bind is None:
            key = None
            if mapper is not None:
                key = _key_of_mapper(mapper)
            if key is None and clause is not None:
                key = _key_of_clause(clause)
            if key is not None:
                try:
                    return self._engines[key]
                except KeyError:
                    raise UnboundExecutionError(
                        f"The bind key {key!r} is not in SQLALCHEMY_BINDS: add"
                        " its database URL there."
                    ) from None
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
