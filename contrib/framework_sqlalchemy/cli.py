"""The ``db`` command group: ``framework db create`` and ``framework db drop``.

Added to ``app.cli`` by :meth:`SQLAlchemy.init_app
<framework_sqlalchemy.SQLAlchemy.init_app>`; the commands run in an app
context and use the extension set up on that app.
"""

from __future__ import annotations

import collections.abc as cabc
import contextlib
import typing as t

import click
from sqlalchemy.exc import DBAPIError, UnboundExecutionError

from framework import current_app
from framework.cli import AppGroup

from .state import SQLAlchemyState

if t.TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["add_db_commands", "db_cli"]

db_cli = AppGroup("db", help="Create or drop the tables of the app's models.")


def add_db_commands(cli: click.Group) -> None:
    """Add :data:`db_cli` to ``cli``; if ``cli`` already has a ``db`` group
    (a migrations extension's, say), add the ``create`` and ``drop``
    commands it lacks to that group instead of replacing it.

    :param cli: the app's commands, ``app.cli``.
    """
    existing = cli.commands.get("db")
    if existing is None:
        cli.add_command(db_cli)
    elif isinstance(existing, click.Group) and existing is not db_cli:
        for name, command in db_cli.commands.items():
            if name not in existing.commands:
                existing.add_command(command, name)


def _extension() -> SQLAlchemy:
    state = current_app.extensions.get("sqlalchemy")
    if not isinstance(state, SQLAlchemyState):
        raise click.UsageError(
            "The app has no SQLAlchemy extension: call db.init_app(app)."
        )
    return state.db


def _table_names(db: SQLAlchemy) -> str:
    names = sorted(db.metadata.tables)
    return ", ".join(names) if names else "(no models)"


@contextlib.contextmanager
def _database_errors(action: str) -> cabc.Iterator[None]:
    """Turn what the database or the config refuses into a one-line error
    (exit status 1) rather than a traceback: the database can't be reached,
    the user lacks a permission, a bind key is missing."""
    try:
        yield
    except DBAPIError as e:
        # The driver's own message: SQLAlchemy's adds the statement.
        raise click.ClickException(f"Can't {action}: {e.orig or e}") from e
    except UnboundExecutionError as e:
        raise click.ClickException(f"Can't {action}: {e}") from e


@db_cli.command("create")
def create_command() -> None:
    """Create the tables of all models that don't exist yet, in every
    database (existing tables are left as they are)."""
    db = _extension()
    with _database_errors("create the tables"):
        db.create_all()
    click.echo(f"Created the missing tables among: {_table_names(db)}.")


@db_cli.command("drop")
@click.confirmation_option(
    "--yes",
    "-y",
    prompt="Drop the tables of all models, and all their data?",
    help="Drop without asking first.",
)
def drop_command() -> None:
    """Drop the tables of all models, in every database."""
    db = _extension()
    with _database_errors("drop the tables"):
        db.drop_all()
    click.echo(f"Dropped the tables: {_table_names(db)}.")
