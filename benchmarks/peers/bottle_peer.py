"""Bottle's apps (``bottle.Bottle``): decorated route callbacks, the
thread-local ``request`` and ``response``, ``before_request`` and
``after_request`` hooks, and Bottle's own template engine (SimpleTemplate,
``templates/items.tpl``, which renders the same page as ``items.html``).
Bottle has no sessions (only signed cookies of pickled values), so it sits
the session scenario out.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Callable

import bottle
from bottle import request, response

from ..payloads import records
from ..shapes import (
    HELLO,
    JSON_DATA,
    JSON_RECORD_COUNT,
    NOT_FOUND_RULES,
    ROUTE_COUNT,
    TEMPLATES,
    form_answer,
    template_items,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["WSGI"]


def _served(app: bottle.Bottle) -> WSGIApplication:
    return t.cast("WSGIApplication", app)


def _one_route(callback: Callable[..., t.Any], method: str = "GET") -> WSGIApplication:
    app = bottle.Bottle()
    app.route("/", method=method, callback=callback)
    return _served(app)


def hello() -> str:
    """The hello callback."""
    return HELLO


def data() -> dict[str, t.Any]:
    """The json callback: Bottle sends a returned dict as JSON."""
    return JSON_DATA


def large() -> WSGIApplication:
    """The json-large app: Bottle turns only dicts into JSON, so the list
    is dumped by hand, as Bottle's docs advise."""
    payload = records(JSON_RECORD_COUNT)

    def send() -> str:
        response.content_type = "application/json"
        return json.dumps(payload)

    return _one_route(send)


def echo() -> t.Any:
    """The json-echo callback: ``request.json`` is the parsed body."""
    return request.json


def order() -> str:
    """The form callback."""
    fields = request.forms
    return form_answer(fields.get("item"), fields.get("count"))


def _numbered(number: int) -> Callable[[int], str]:
    def view(id: int) -> str:
        return f"route {number}, id {id}"

    return view


def routing() -> WSGIApplication:
    """The routing scenario's app."""
    app = bottle.Bottle()
    for number in range(ROUTE_COUNT):
        app.route(f"/r{number}/<id:int>", callback=_numbered(number))
    return _served(app)


def not_found() -> WSGIApplication:
    """The 404 scenario's app."""
    app = bottle.Bottle()
    for rule in NOT_FOUND_RULES:
        app.route(rule.replace("<int:id>", "<id:int>"), callback=lambda **_: "found")
    return _served(app)


def hooks() -> WSGIApplication:
    """The hooks scenario's app: 3 ``before_request`` hooks counting
    themselves in the environ, 3 ``after_request`` hooks adding a header."""
    app = bottle.Bottle()

    def count() -> None:
        request.environ["hooks_run"] = request.environ.get("hooks_run", 0) + 1

    def mark(number: int) -> Callable[[], None]:
        header = f"X-After-{number}"

        def hook() -> None:
            response.set_header(header, "1")

        return hook

    for number in range(3):
        app.add_hook("before_request", count)
        app.add_hook("after_request", mark(number))

    @app.route("/")
    def index() -> str:
        return f"before_request hooks run: {request.environ['hooks_run']}"

    return _served(app)


def template() -> WSGIApplication:
    """The template scenario's app: ``bottle.template`` compiles the page
    once and keeps it in Bottle's template cache."""
    items = template_items()
    lookup = [TEMPLATES]

    def page() -> str:
        return bottle.template("items", items=items, template_lookup=lookup)

    return _one_route(page)


#: The apps, by scenario of :mod:`benchmarks.run`.
WSGI: dict[str, Callable[[], WSGIApplication]] = {
    "hello": lambda: _one_route(hello),
    "json": lambda: _one_route(data),
    "routing": routing,
    "404": not_found,
    "hooks": hooks,
    "template": template,
    "form": lambda: _one_route(order, "POST"),
    "json-echo": lambda: _one_route(echo, "POST"),
    "json-large": large,
    # framework's fast JSON providers against the same app here.
    "json-large-orjson": large,
    "json-large-msgspec": large,
}
