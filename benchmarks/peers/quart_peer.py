"""Quart's apps: Flask's API with ``async def`` views, the way Quart's docs
write them (``await request.get_json()``, ``await render_template``)."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from quart import Quart, g, jsonify, render_template, request, session

from ..asgi_driver import ASGIApp
from ..payloads import records
from ..shapes import (
    BENCHMARKS_ROOT,
    HELLO,
    JSON_DATA,
    JSON_RECORD_COUNT,
    NOT_FOUND_RULES,
    ROUTE_COUNT,
    SESSION_DATA,
    SESSION_SECRET,
    form_answer,
    template_items,
)

__all__ = ["ASYNC"]


def _served(app: Quart) -> ASGIApp:
    return t.cast(ASGIApp, app)


def hello() -> ASGIApp:
    """The hello scenario's app."""
    app = Quart(__name__)

    @app.route("/")
    async def index() -> str:
        return HELLO

    return _served(app)


def json_data() -> ASGIApp:
    """The json scenario's app."""
    app = Quart(__name__)

    @app.route("/")
    async def data() -> dict[str, t.Any]:
        return JSON_DATA

    return _served(app)


def json_echo() -> ASGIApp:
    """The json-echo scenario's app."""
    app = Quart(__name__)

    @app.post("/")
    async def echo() -> t.Any:
        return await request.get_json()

    return _served(app)


def json_large() -> ASGIApp:
    """The json-large scenario's app."""
    app = Quart(__name__)
    payload = records(JSON_RECORD_COUNT)

    @app.route("/")
    async def data() -> t.Any:
        return jsonify(payload)

    return _served(app)


def _numbered(number: int) -> Callable[[int], t.Awaitable[str]]:
    async def view(id: int) -> str:
        return f"route {number}, id {id}"

    return view


def routing() -> ASGIApp:
    """The routing scenario's app."""
    app = Quart(__name__)
    for number in range(ROUTE_COUNT):
        app.add_url_rule(
            f"/r{number}/<int:id>", endpoint=f"r{number}", view_func=_numbered(number)
        )
    return _served(app)


def not_found() -> ASGIApp:
    """The 404 scenario's app."""
    app = Quart(__name__)

    async def found(**_: t.Any) -> str:
        return "found"

    for number, rule in enumerate(NOT_FOUND_RULES):
        app.add_url_rule(rule, endpoint=f"e{number}", view_func=found)
    return _served(app)


def _count_before() -> Callable[[], t.Awaitable[None]]:
    async def hook() -> None:
        g.hooks_run = g.get("hooks_run", 0) + 1

    return hook


def _mark_after(number: int) -> Callable[[t.Any], t.Awaitable[t.Any]]:
    # Named once, as the other peers' hooks name theirs.
    name = f"X-After-{number}"

    async def hook(response: t.Any) -> t.Any:
        response.headers[name] = "1"
        return response

    return hook


def hooks() -> ASGIApp:
    """The hooks scenario's app."""
    app = Quart(__name__)
    for number in range(3):
        app.before_request(_count_before())
        app.after_request(_mark_after(number))

    @app.route("/")
    async def index() -> str:
        return f"before_request hooks run: {g.hooks_run}"

    return _served(app)


def template() -> ASGIApp:
    """The template scenario's app."""
    app = Quart(__name__, root_path=BENCHMARKS_ROOT)
    items = template_items()

    @app.route("/")
    async def page() -> str:
        return await render_template("items.html", items=items)

    return _served(app)


def form() -> ASGIApp:
    """The form scenario's app."""
    app = Quart(__name__)

    @app.post("/")
    async def order() -> str:
        fields = await request.form
        return form_answer(fields["item"], fields["count"])

    return _served(app)


def session_write() -> ASGIApp:
    """The session scenario's app."""
    app = Quart(__name__)
    app.secret_key = SESSION_SECRET

    @app.route("/login")
    async def login() -> str:
        session.update(SESSION_DATA)
        return "logged in"

    @app.route("/")
    async def visit() -> str:
        session["last_page"] = "/"
        return f"user {session['user_id']}"

    return _served(app)


#: ``async def`` views (and hooks), by scenario.
ASYNC: dict[str, Callable[[], ASGIApp]] = {
    "hello": hello,
    "json": json_data,
    "json-echo": json_echo,
    "routing": routing,
    "404": not_found,
    "hooks": hooks,
    "template": template,
    "form": form,
    "json-large": json_large,
    "session": session_write,
}
