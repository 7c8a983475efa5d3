"""Starlette's apps, the yardstick of the ASGI benchmarks.

:data:`ASYNC` has ``async def`` endpoints; :data:`SYNC` has plain ``def``
endpoints, which Starlette runs in anyio's thread pool. A ``def`` endpoint
cannot read a request body in Starlette (``request.json()`` and
``request.form()`` are coroutines), so the json-echo and form scenarios
have no ``def`` version. Request hooks are pure ASGI middleware, the kind
Starlette's docs recommend over ``BaseHTTPMiddleware``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp as StarletteApp
from starlette.types import Message, Receive, Scope, Send

from ..asgi_driver import ASGIApp
from ..payloads import records
from ..shapes import (
    HELLO,
    JSON_DATA,
    JSON_RECORD_COUNT,
    NOT_FOUND_RULES,
    ROUTE_COUNT,
    SESSION_DATA,
    SESSION_SECRET,
    TEMPLATES,
    form_answer,
    template_items,
)

__all__ = ["ASYNC", "SYNC"]

Endpoint = Callable[[Request], t.Any]


def _served(app: Starlette) -> ASGIApp:
    return t.cast(ASGIApp, app)


def _one_route(endpoint: Endpoint, methods: list[str] | None = None) -> ASGIApp:
    return _served(Starlette(routes=[Route("/", endpoint, methods=methods)]))


# -- hello, json -----------------------------------------------------------------


async def hello_async(request: Request) -> Response:
    """The hello endpoint, async."""
    return PlainTextResponse(HELLO)


def hello_sync(request: Request) -> Response:
    """The hello endpoint, sync."""
    return PlainTextResponse(HELLO)


async def json_async(request: Request) -> Response:
    """The json endpoint, async."""
    return JSONResponse(JSON_DATA)


def json_sync(request: Request) -> Response:
    """The json endpoint, sync."""
    return JSONResponse(JSON_DATA)


def json_large(sync: bool) -> ASGIApp:
    """The json-large scenario's app."""
    payload = records(JSON_RECORD_COUNT)
    if sync:

        def data(request: Request) -> Response:
            return JSONResponse(payload)

    else:

        async def data(request: Request) -> Response:  # type: ignore[misc]
            return JSONResponse(payload)

    return _one_route(data)


async def echo(request: Request) -> Response:
    """The json-echo endpoint."""
    return JSONResponse(await request.json())


async def order(request: Request) -> Response:
    """The form endpoint."""
    fields = await request.form()
    return PlainTextResponse(form_answer(str(fields["item"]), str(fields["count"])))


# -- routing, 404 ----------------------------------------------------------------


def _numbered(number: int, sync: bool) -> Endpoint:
    if sync:

        def view(request: Request) -> Response:
            return PlainTextResponse(f"route {number}, id {request.path_params['id']}")

        return view

    async def async_view(request: Request) -> Response:
        return PlainTextResponse(f"route {number}, id {request.path_params['id']}")

    return async_view


def routing(sync: bool) -> ASGIApp:
    """The routing scenario's app."""
    routes = [
        Route(f"/r{number}/{{id:int}}", _numbered(number, sync))
        for number in range(ROUTE_COUNT)
    ]
    return _served(Starlette(routes=routes))


def not_found(sync: bool) -> ASGIApp:
    """The 404 scenario's app."""
    if sync:

        def found(request: Request) -> Response:
            return PlainTextResponse("found")

    else:

        async def found(request: Request) -> Response:  # type: ignore[misc]
            return PlainTextResponse("found")

    routes = [
        Route(rule.replace("<int:id>", "{id:int}"), found) for rule in NOT_FOUND_RULES
    ]
    return _served(Starlette(routes=routes))


# -- hooks -----------------------------------------------------------------------


class Hook:
    """Pure ASGI middleware doing what one before- and one after-request
    hook do: count itself in the request state, add a header to the answer.

    :param app: the app it wraps.
    :param number: its number, in the header's name.
    """

    def __init__(self, app: StarletteApp, number: int) -> None:
        self.app = app
        self.header = f"x-after-{number}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["hooks_run"] = state.get("hooks_run", 0) + 1
        header = self.header

        async def send_marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(header, "1")
            await send(message)

        await self.app(scope, receive, send_marked)


def hooks(sync: bool) -> ASGIApp:
    """The hooks scenario's app."""
    if sync:

        def index(request: Request) -> Response:
            return PlainTextResponse(
                f"before_request hooks run: {request.state.hooks_run}"
            )

    else:

        async def index(request: Request) -> Response:  # type: ignore[misc]
            return PlainTextResponse(
                f"before_request hooks run: {request.state.hooks_run}"
            )

    return _served(
        Starlette(
            routes=[Route("/", index)],
            middleware=[Middleware(Hook, number=number) for number in range(3)],
        )
    )


# -- template, session -------------------------------------------------------------


def template(sync: bool) -> ASGIApp:
    """The template scenario's app."""
    templates = Jinja2Templates(directory=TEMPLATES)
    items = template_items()
    if sync:

        def page(request: Request) -> Response:
            return templates.TemplateResponse(request, "items.html", {"items": items})

    else:

        async def page(request: Request) -> Response:  # type: ignore[misc]
            return templates.TemplateResponse(request, "items.html", {"items": items})

    return _one_route(page)


def session_write(sync: bool) -> ASGIApp:
    """The session scenario's app."""
    if sync:

        def login(request: Request) -> Response:
            request.session.update(SESSION_DATA)
            return PlainTextResponse("logged in")

        def visit(request: Request) -> Response:
            request.session["last_page"] = "/"
            return PlainTextResponse(f"user {request.session['user_id']}")

    else:

        async def login(request: Request) -> Response:  # type: ignore[misc]
            request.session.update(SESSION_DATA)
            return PlainTextResponse("logged in")

        async def visit(request: Request) -> Response:  # type: ignore[misc]
            request.session["last_page"] = "/"
            return PlainTextResponse(f"user {request.session['user_id']}")

    return _served(
        Starlette(
            routes=[Route("/login", login), Route("/", visit)],
            middleware=[Middleware(SessionMiddleware, secret_key=SESSION_SECRET)],
        )
    )


#: ``async def`` endpoints, by scenario.
ASYNC: dict[str, Callable[[], ASGIApp]] = {
    "hello": lambda: _one_route(hello_async),
    "json": lambda: _one_route(json_async),
    "json-echo": lambda: _one_route(echo, ["POST"]),
    "routing": lambda: routing(sync=False),
    "404": lambda: not_found(sync=False),
    "hooks": lambda: hooks(sync=False),
    "template": lambda: template(sync=False),
    "form": lambda: _one_route(order, ["POST"]),
    "json-large": lambda: json_large(sync=False),
    "session": lambda: session_write(sync=False),
}

#: ``def`` endpoints, run in the thread pool, by scenario.
SYNC: dict[str, Callable[[], ASGIApp]] = {
    "hello": lambda: _one_route(hello_sync),
    "json": lambda: _one_route(json_sync),
    "routing": lambda: routing(sync=True),
    "404": lambda: not_found(sync=True),
    "hooks": lambda: hooks(sync=True),
    "template": lambda: template(sync=True),
    "json-large": lambda: json_large(sync=True),
    "session": lambda: session_write(sync=True),
}
