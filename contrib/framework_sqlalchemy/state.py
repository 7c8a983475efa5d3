"""What the extension keeps per app, in ``app.extensions["sqlalchemy"]``."""

from __future__ import annotations

import collections.abc as cabc
import typing as t

import attrs

if t.TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from .extension import SQLAlchemy

__all__ = ["SQLAlchemyState"]


@attrs.frozen
class SQLAlchemyState:
    """The extension's state on one app, stored as
    ``app.extensions["sqlalchemy"]`` by :meth:`SQLAlchemy.init_app
    <framework_sqlalchemy.SQLAlchemy.init_app>`."""

    #: The extension that set up the app.
    db: SQLAlchemy
    #: The app's engines by bind key; ``None`` is the default engine.
    engines: cabc.Mapping[str | None, Engine]
