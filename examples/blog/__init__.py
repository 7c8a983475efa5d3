"""A small blog, the example application that ``make run`` serves.

:func:`create_app` builds it: configuration from the instance folder, the
SQLite storage of :mod:`.db`, the ``auth`` and ``blog`` blueprints, and the
error pages. Try it with ``python -m examples.blog``, or with the command
line: ``framework --app examples.blog init-db``.
"""

from __future__ import annotations

import os
import typing as t

from framework import App, render_template

from . import auth, blog, db


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
    app.register_blueprint(auth.bp)
    app.register_blueprint(blog.bp)

    @app.errorhandler(403)
    @app.errorhandler(404)
    def show_error(error: t.Any) -> tuple[str, int]:
        # The page shows the description passed to abort(), or werkzeug's.
        return render_template("error.html", http_error=error), error.code

    return app
