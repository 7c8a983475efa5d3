"""The application logger: ``app.logger`` and its default handler.

Layer 4. :func:`create_logger` gives each app the standard-library logger
named after it. When nothing would print that logger's records (no handler at
its effective level on it or on an ancestor it propagates to), it gets
:data:`default_handler`, which writes to the current request's
``wsgi.errors`` stream (the server's error log) or to ``sys.stderr`` outside
a request. Configure :mod:`logging` before the logger is first used and the
default handler stays out of the way.
"""

from __future__ import annotations

import logging
import sys
import typing as t

from werkzeug.local import LocalProxy

from .ctx import _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App

__all__ = [
    "DEFAULT_FORMAT",
    "FLASK_FORMAT",
    "RequestFormatter",
    "create_logger",
    "default_handler",
    "has_level_handler",
    "wsgi_errors_stream",
]


def _errors_stream() -> t.TextIO:
    # _cv_request, as Flask's: the request stays visible in an app context
    # pushed during it (a task run eagerly inside a view logs there too).
    ctx = _cv_request.get(None)
    if ctx is not None:
        return t.cast(t.TextIO, ctx.request.environ["wsgi.errors"])
    return sys.stderr


#: The current request's ``wsgi.errors`` stream, or ``sys.stderr`` outside a
#: request; resolved on each write, so one handler serves every request.
wsgi_errors_stream: t.TextIO = t.cast(t.TextIO, LocalProxy(_errors_stream))


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler would print ``logger``'s records at its effective
    level: one on the logger, or on an ancestor reached through
    ``propagate``, whose own level is no higher.

    :param logger: the logger to check.
    """
    level = logger.getEffectiveLevel()
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler.level <= level for handler in current.handlers):
            return True
        if not current.propagate:
            break
        current = current.parent
    return False


#: The line :data:`default_handler` writes: the time, the logger (the
#: app's is named after it), the request's method and path during one, then
#: Flask's own line from the level on, which log searches written for Flask
#: apps still find: ``[2026-05-04 10:12:31,042] shop [POST /buy/tea] ERROR
#: in views: out of stock``.
DEFAULT_FORMAT = (
    "[%(asctime)s] %(name)s%(request)s %(levelname)s in %(module)s: %(message)s"
)

#: Flask's default line, for :meth:`logging.Handler.setFormatter` where a
#: log parser wants it exactly.
FLASK_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


class RequestFormatter(logging.Formatter):
    """A formatter whose records carry ``request``: ``" [GET /path]"``
    inside a request, empty outside one, so a format string can say which
    request a line came from. :data:`default_handler` uses one with
    :data:`DEFAULT_FORMAT`."""

    def format(self, record: logging.LogRecord) -> str:
        ctx = _cv_request.get(None)
        if ctx is not None:
            request = ctx.request
            record.request = f" [{request.method} {request.path}]"
        else:
            record.request = ""
        return super().format(record)


#: The handler :func:`create_logger` adds when nothing else would print the
#: app's records. Remove it with ``app.logger.removeHandler(default_handler)``.
default_handler: logging.StreamHandler[t.TextIO] = logging.StreamHandler(
    wsgi_errors_stream
)
default_handler.setFormatter(RequestFormatter(DEFAULT_FORMAT))


def create_logger(app: App) -> logging.Logger:
    """The standard-library logger named after ``app.name``, set up for the
    app: in debug mode a logger without a level of its own logs ``DEBUG``
    records; and when no configured handler would print its records (see
    :func:`has_level_handler`), :data:`default_handler` is added so that
    errors are never lost silently.

    :param app: the application.
    :return: the logger, also ``app.logger``.
    """
    logger = logging.getLogger(app.name)
    wants_debug = app.debug and logger.level == logging.NOTSET
    if wants_debug:
        logger.setLevel(logging.DEBUG)
    # Checked after the level is settled: the level decides which handlers
    # count as printing the records.
    unheard = not has_level_handler(logger)
    if unheard:
        logger.addHandler(default_handler)
    return logger
