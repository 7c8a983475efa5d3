"""Storage: one SQLite connection per app context, and the ``init-db``
command that creates the tables from ``schema.sql``.

:func:`get_db` opens the connection the first time a request (or a command)
needs it and keeps it on :data:`~framework.g`; :func:`close_db`, registered
with ``teardown_appcontext``, closes it when the context ends, error or not.
"""

from __future__ import annotations

import os
import sqlite3

import click

from framework import App, current_app, g
from framework.cli import with_appcontext


def get_db() -> sqlite3.Connection:
    """The connection of the current app context, opened on first use.

    Rows come back as :class:`sqlite3.Row`, readable by column name, and
    foreign keys are enforced (SQLite leaves them off by default).
    """
    if "db" not in g:
        db = sqlite3.connect(current_app.config["DATABASE"])
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        g.db = db
    return g.db  # type: ignore[no-any-return]


def close_db(error: BaseException | None = None) -> None:
    """Close the context's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db() -> None:
    """Create the tables anew in the configured database, erasing its
    data. Runs in an app context; the folder holding the file is created
    when missing."""
    folder = os.path.dirname(os.path.abspath(current_app.config["DATABASE"]))
    os.makedirs(folder, exist_ok=True)
    with current_app.open_resource("schema.sql", "r", encoding="utf-8") as f:
        get_db().executescript(f.read())


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the blog's tables (erasing any data already there)."""
    init_db()
    click.echo(f"Initialized the database at {current_app.config['DATABASE']}.")


def init_app(app: App) -> None:
    """Close connections at the end of each context and add ``init-db`` to
    the app's command line."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
