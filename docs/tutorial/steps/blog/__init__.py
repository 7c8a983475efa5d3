"""A small blog, the example application that ``make run`` serves.

:func:`create_app` builds it: configuration from the instance folder, CSRF
protection for every form, the SQLite storage of :mod:`.db`, the ``auth``
and ``blog`` blueprints, and the error pages. Try it with
``python -m examples.blog``, or with the command line:
``framework --app examples.blog init-db``.
"""

from __future__ import annotations

import os
import typing as t

from framework_csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from framework import App, render_template

from . import auth, blog, db

#: The errors the site answers with a page of its own, in its layout.
#: 400 covers a form sent without its CSRF token.
ERROR_CODES = (400, 403, 404, 405, 413, 500)


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
        # Browsers leave the session cookie out of requests that other sites
        # start with a form or a script: a second guard beside CSRF tokens.
        SESSION_COOKIE_SAMESITE="Lax",
        # The largest form the blog takes is a post of 20,000 characters;
        # refuse bigger bodies (413) before reading them.
        MAX_CONTENT_LENGTH=1024 * 1024,
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
    # Every POST must send back the session's token, which the templates
    # put in each form with {{ csrf_token() }}; one without it is a 400.
    # Set up after auth, whose hook loads g.user first: the 400 page still
    # shows who is logged in.
    CSRFProtect(app)
    for code in ERROR_CODES:
        app.register_error_handler(code, show_error)
    return app


def show_error(error: HTTPException) -> tuple[str, int, list[tuple[str, str]]]:
    """The site's page for an HTTP error, showing the description passed to
    ``abort()`` (or werkzeug's). The error's own headers are kept: a 405
    must say which methods the URL allows."""
    page = render_template("error.html", http_error=error)
    return page, error.code or 500, error.get_headers()
