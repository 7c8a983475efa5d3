"""SQLAlchemy 2 for framework apps.

:class:`SQLAlchemy` creates the app's engines from its config, gives each
app context its own session (closed when the context ends, rolled back if
it ends with an error), and adds 404 helpers, pagination for templates and
the ``framework db create`` / ``framework db drop`` commands::

    from sqlalchemy import select
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    from framework import App
    from framework_sqlalchemy import SQLAlchemy


    class Model(DeclarativeBase):
        pass


    class User(Model):
        __tablename__ = "user"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]


    app = App(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.sqlite3"
    db = SQLAlchemy(app, model_class=Model)


    @app.get("/users/<int:user_id>")
    def user(user_id):
        return {"name": db.get_or_404(User, user_id).name}

When the database can't be reached (down, restarting, the pool
exhausted), a request gets a 503 (:exc:`DatabaseUnavailable`) with a
``Retry-After`` header, and one line is logged; the app recovers by itself
when the database is back.

The extension uses only the public API: ``app.extensions``, a
``teardown_appcontext`` callback, an error handler, a shell context
processor, ``app.cli``, the app context's ``g``, the config and the
instance folder.
"""

from __future__ import annotations

from . import _requirements  # noqa: F401 (first: fails early, with the fix)
from .engines import DEFAULT_DATABASE_URI, ConfigError
from .extension import SQLAlchemy
from .outages import DEFAULT_RETRY_AFTER, DatabaseUnavailable
from .pagination import Pagination
from .session import Session
from .state import SQLAlchemyState

__all__ = [
    "DEFAULT_DATABASE_URI",
    "DEFAULT_RETRY_AFTER",
    "ConfigError",
    "DatabaseUnavailable",
    "Pagination",
    "SQLAlchemy",
    "SQLAlchemyState",
    "Session",
]
