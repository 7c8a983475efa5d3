"""A small blog. So far, :func:`create_app` reads the configuration and sets up
the database."""

from __future__ import annotations

import os
import typing as t

from framework import App

from . import db


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> App:
    """Build the blog.

    :param test_config: settings that replace ``instance/config.py``; tests
        pass ``TESTING``, their own ``DATABASE`` path and ``SECRET_KEY``.
    :return: the app, with ``init-db`` on its command line.
    """
    app = App(__name__, instance_relative_config=True)
    app.config.from_mapping(
        # Sessions (and so logins) are signed with this key. In production
        # set FRAMEWORK_SECRET_KEY, or SECRET_KEY in instance/config.py, to
        # a long random value: anyone who knows it can log in as anyone.
        SECRET_KEY=os.environ.get("FRAMEWORK_SECRET_KEY", "dev-only-not-a-secret"),
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
    )
    if test_config is None:
        # Deployment settings, kept out of version control.
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    # The default database lives in the instance folder: make sure it exists.
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    return app
