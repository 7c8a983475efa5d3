"""Small apps with an OpenAPI document, its /docs page and the ``api``
commands, for tests/test_contrib_api_docs_ui.py and
tests/test_contrib_api_cli.py.

``app``'s one view is a plain one that reads its query itself; the
document describes it from an operation written by hand, as the binder
would make it for a typed view, so that the page and the command are
tested on their own. ``typed_app`` is the same API as a user writes it,
a typed view and :class:`~framework_api.Api`: the browser test is served
that one, and ``redoc_app``, the same on a Redoc page.
"""

from __future__ import annotations

import typing as t

import msgspec
from framework_api import Api, Query
from framework_api.cli import add_api_commands
from framework_api.docs_ui import register_docs
from framework_api.openapi import OpenAPIGenerator, operation_routes
from framework_api.operations import Operation, ParamSpec, ReturnSpec, Source

from framework import App, Blueprint, Response, request


def greet() -> dict[str, str]:
    """Greet someone."""
    return {"greeting": f"Hello, {request.args.get('name', 'nobody')}!"}


OPERATIONS = [
    Operation(
        "greet",
        None,
        greet,
        params=(
            ParamSpec("name", Source.QUERY, "name", str, description="Who to greet."),
        ),
        returns=ReturnSpec(dict[str, str], description="The greeting."),
        summary="Greet someone.",
        tags=("greetings",),
    )
]

#: How many times the document was made, per app.
BUILDS: dict[int, int] = {}


def build_spec(app: App) -> dict[str, t.Any]:
    BUILDS[id(app)] = BUILDS.get(id(app), 0) + 1
    generator = OpenAPIGenerator(
        title="Greeter", version="1.0", tags={"greetings": "Saying hello."}
    )
    return generator.generate(operation_routes(app.url_map, OPERATIONS))


def create_app(**docs: t.Any) -> App:
    """The app, its docs registered with ``docs`` (register_docs's
    options), and the ``api`` commands."""
    app = App(__name__)
    app.add_url_rule("/greet", view_func=greet)
    register_docs(app, docs.pop("build_spec", build_spec), **docs)
    add_api_commands(app.cli, build_spec)

    app.after_request(_no_inline_scripts)
    return app


def _no_inline_scripts(response: Response) -> Response:
    # The page must work under a strict policy: no inline script.
    response.headers["Content-Security-Policy"] = "script-src 'self'"
    return response


class Greeting(msgspec.Struct):
    greeting: str


def create_typed_app(docs_ui: str = "swagger") -> App:
    """The API of :func:`create_app` as a user writes it: a typed view in
    a blueprint (its tag), documented by :class:`~framework_api.Api` on
    the ``docs_ui`` page."""
    app = App(__name__)
    Api(
        app,
        title="Greeter",
        version="1.0",
        docs_title="API documentation",
        docs_ui=docs_ui,
        tags={"greetings": "Saying hello."},
    )
    greetings = Blueprint("greetings", __name__)

    @greetings.get("/greet")
    def greet(
        name: Query[t.Annotated[str, msgspec.Meta(description="Who to greet.")]],
    ) -> Greeting:
        """Greet someone."""
        return Greeting(f"Hello, {name}!")

    app.register_blueprint(greetings)
    app.after_request(_no_inline_scripts)
    return app


app = create_app()
typed_app = create_typed_app()
redoc_app = create_typed_app("redoc")
