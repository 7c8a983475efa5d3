"""Type-only checks, run by ``mypy --strict`` in ``make test``: the public API
keeps users' types. Nothing here runs under pytest."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import NotFound

from framework import (
    App,
    Request,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    request,
    url_for,
)
from framework.testing import AppClient

app = App(__name__)


@app.route("/<int:n>")
def view(n: int) -> str:
    return str(n)


@app.get("/json")
def as_json() -> dict[str, t.Any]:
    return {"a": 1}


@app.errorhandler(NotFound)
def not_found(e: NotFound) -> tuple[str, int]:
    return "missing", 404


@app.before_request
def before() -> None:
    g.user = "ann"


@app.after_request
def after(response: Response) -> Response:
    return response


@app.teardown_request
def teardown(exc: BaseException | None) -> None:
    pass


# Decorators return the function unchanged, with its type.
t.assert_type(view(1), str)
t.assert_type(not_found(NotFound()), tuple[str, int])
t.assert_type(after(Response()), Response)

t.assert_type(app.test_client(), AppClient)
t.assert_type(app.config["DEBUG"], t.Any)
t.assert_type(app.debug, bool)
t.assert_type(request, Request)
t.assert_type(current_app, App)
t.assert_type(url_for("view", n=1), str)
t.assert_type(make_response("x", 201), Response)
t.assert_type(jsonify(a=1), Response)
t.assert_type(app.make_response("x"), Response)


def aborts() -> t.NoReturn:
    abort(404)


class MyRequest(Request):
    @property
    def tenant(self) -> str:
        return self.headers.get("X-Tenant", "")


class MyApp(App):
    request_class = MyRequest


my_app = MyApp(__name__)
t.assert_type(my_app.request_class, type[MyRequest])
