"""``python -m examples.blog [--host H] [--port P]``: serve the blog as
``make run`` does, creating its database first if the file is missing.

It runs under the server ``framework serve`` picks: uvicorn, an ASGI
server, when it is installed (the ``asgi`` extra), because the blog's live
updates use a WebSocket; else waitress (the ``serve`` extra), where pages
get them as server-sent events instead. For the reloader and the
debugger, use ``framework --app examples.blog run --debug``.
"""

from __future__ import annotations

import argparse
import os

import click

from framework import App
from framework.serving import ServeError, serve

from . import create_app
from .db import init_db


def init_db_if_missing(app: App) -> bool:
    """Run ``init-db``'s code when the configured database file doesn't
    exist, and say so.

    :return: whether the database was created.
    """
    path = app.config["DATABASE"]
    if os.path.exists(path):
        return False
    with app.app_context():
        init_db()
    click.echo(f"Initialized the database at {path}.")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)
    app = create_app()
    init_db_if_missing(app)
    try:
        serve(app, host=args.host, port=args.port)
    except ServeError as e:
        # No server installed, or the port is taken: say so, no traceback.
        raise SystemExit(f"Error: {e.format_message()}") from None


if __name__ == "__main__":
    main()
