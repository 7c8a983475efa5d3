"""Database outages: which errors mean the database can't be reached, and
the 503 a request gets for one.

A *connection error* is one where the database was not there to answer:
the connection was refused, or could not be made at all; the server went
away mid-request (shut down, restarted, crashed, the network dropped); the
pool had no connection to give within its timeout. SQLAlchemy flags the
dropped connections itself (``connection_invalidated``, after which it
invalidates the pool so that no stale connection is handed out again); a
``handle_error`` listener on each engine (:func:`mark_connect_failure`)
flags the failed connects the same way. Everything else the database
reports (a bad query, a constraint violated, a deadlock) is not one.
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from werkzeug.exceptions import ServiceUnavailable

if t.TYPE_CHECKING:
    from sqlalchemy.engine import ExceptionContext

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "DatabaseUnavailable",
    "describe",
    "is_connection_error",
    "mark_connect_failure",
]

#: The default of ``SQLALCHEMY_RETRY_AFTER``: seconds a client is asked to
#: wait before retrying a request that got a 503 for a database outage.
DEFAULT_RETRY_AFTER = 5


class DatabaseUnavailable(ServiceUnavailable):
    """The database could not be reached while the request used it:
    **503 Service Unavailable**, with a ``Retry-After`` header of
    ``SQLALCHEMY_RETRY_AFTER`` seconds.

    Register an error handler for it (or for ``503``) to answer with your
    own page; its ``retry_after`` is the number of seconds::

        @app.errorhandler(DatabaseUnavailable)
        def database_down(e):
            return "Back in a moment.", 503, {"Retry-After": e.retry_after}
    """

    description = (
        "The database is unavailable, so this request could not be"
        " completed. Please try again in a moment."
    )


def is_connection_error(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached (see the
    module's docstring), rather than that it refused a statement."""
    if isinstance(error, sa.exc.DBAPIError):
        return error.connection_invalidated
    return isinstance(error, sa.exc.TimeoutError)


def mark_connect_failure(context: ExceptionContext) -> None:
    """A ``handle_error`` listener: flag a failure to connect as a
    disconnect, so that the error it raises has ``connection_invalidated``
    set, as for a connection lost later.

    SQLAlchemy's dialects differ there: MySQL's count a refused connection
    as a disconnect, psycopg's do not (they only look at a connection, and
    there is none yet). A failed *pre-ping* is left alone: the pool decides
    from it whether to reconnect.
    """
    if context.connection is None and not context.is_pre_ping:
        context.is_disconnect = True


def describe(error: BaseException) -> str:
    """``error`` on one line, for the log: the driver's own error for a
    DB-API error, without the statement and its parameters (which may
    hold personal data)."""
    if isinstance(error, sa.exc.DBAPIError):
        orig = error.orig
        kind = type(orig)
        text = f"{type(error).__name__}: ({kind.__module__}.{kind.__qualname__}) {orig}"
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())
