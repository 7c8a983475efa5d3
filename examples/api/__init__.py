"""A typed JSON API: a bookshelf, the example of the "Typed APIs" page.

``python -m examples.api`` serves it on http://127.0.0.1:5000/; its
documentation, generated from the views' type hints, is at ``/docs`` and
the OpenAPI document at ``/openapi.json``.

:func:`create_app` builds it: the :class:`~framework_api.Api` extension,
the ``books``, ``reviews`` and ``covers`` blueprints, a shelf in memory per app, a
bearer token for the views that write, and every HTTP error answered as
problem details, like the extension's own 4xx answers.
"""

from __future__ import annotations

import os
import secrets
import typing as t

from framework_api import Api, Problem
from werkzeug.exceptions import HTTPException

from framework import App, Response, current_app, request

from . import books, covers, reviews, store

api = Api(
    title="Bookshelf",
    version="1.0.0",
    description="Books, their reviews and covers: an example of framework_api.",
    tags={
        "books": "The books on the shelf.",
        "reviews": "What readers thought.",
        "covers": "Their cover images.",
    },
    security_schemes={"token": {"type": "http", "scheme": "bearer"}},
)

#: The methods that change the shelf, and so need the token.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def create_app(test_config: t.Mapping[str, t.Any] | None = None) -> App:
    """Build the bookshelf.

    :param test_config: settings over the defaults; tests pass ``TESTING``
        and their own ``BOOKSHELF_TOKEN``.
    """
    app = App(__name__)
    app.config.from_mapping(
        # Clients that write send "Authorization: Bearer <token>". In
        # production set FRAMEWORK_BOOKSHELF_TOKEN to a long random value.
        BOOKSHELF_TOKEN=os.environ.get("FRAMEWORK_BOOKSHELF_TOKEN", "dev-only-token"),
        # Check each typed view's return value against its annotation: for
        # development and tests, where a wrong value should fail loudly.
        API_VALIDATE_RESPONSES=app.debug,
        # A cover upload over this is refused with a 413 before it is read.
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    api.init_app(app)
    store.init_app(app)
    app.register_blueprint(books.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(covers.bp)
    app.before_request(require_token)
    app.register_error_handler(HTTPException, problem_for_http_error)
    return app


def require_token() -> None:
    """Refuse a write without the token: the writing views say
    ``security("token")`` for the document, enforcing it is the app's job.
    It runs before the views, so an anonymous write is a 401 whatever its
    body."""
    if request.method not in WRITES:
        return
    expected = f"Bearer {current_app.config['BOOKSHELF_TOKEN']}"
    sent = request.headers.get("Authorization", "")
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Problem(
            401,
            "Send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )


def problem_for_http_error(error: HTTPException) -> Response:
    """Every HTTP error as RFC 9457 problem details, as the extension
    answers a bad request: a client of the API reads one error format.
    (The extension's own problems keep their handler, the more specific.)"""
    headers = {
        name: value
        for name, value in error.get_headers()
        if name.lower() != "content-type"
    }
    problem = Problem(error.code or 500, error.description, headers=headers)
    return api.problem_response(problem)
