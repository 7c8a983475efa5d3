"""Falcon's ASGI apps (``falcon.asgi.App``): resources with ``async def``
responders, middleware objects for the request hooks, Jinja2 used directly
for the template (Falcon has no template layer). Falcon has no sessions, so
it sits the session scenario out."""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import falcon
import falcon.asgi
import jinja2

from ..asgi_driver import ASGIApp
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

__all__ = ["ASYNC"]


def _served(app: falcon.asgi.App) -> ASGIApp:
    return t.cast(ASGIApp, app)


def _one_resource(resource: object) -> ASGIApp:
    app = falcon.asgi.App()
    app.add_route("/", resource)
    return _served(app)


class Hello:
    """The hello resource."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = HELLO


class Data:
    """The json resource."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = JSON_DATA


class Large:
    """The json-large resource."""

    def __init__(self) -> None:
        self.payload = records(JSON_RECORD_COUNT)

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = self.payload


class Echo:
    """The json-echo resource."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.media = await req.get_media()


class Order:
    """The form resource."""

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        fields = await req.get_media()
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = form_answer(fields["item"], fields["count"])


class Numbered:
    """One of the routing scenario's resources."""

    def __init__(self, number: int) -> None:
        self.number = number

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: int
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"route {self.number}, id {id}"


def routing() -> ASGIApp:
    """The routing scenario's app."""
    app = falcon.asgi.App()
    for number in range(ROUTE_COUNT):
        app.add_route(f"/r{number}/{{id:int}}", Numbered(number))
    return _served(app)


class Found:
    """The resource of each of the 404 scenario's routes."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, **_: t.Any
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "found"


def not_found() -> ASGIApp:
    """The 404 scenario's app."""
    app = falcon.asgi.App()
    for rule in NOT_FOUND_RULES:
        app.add_route(rule.replace("<int:id>", "{id:int}"), Found())
    return _served(app)


class Hook:
    """Middleware doing what one before- and one after-request hook do.

    :param number: its number, in the header's name.
    """

    def __init__(self, number: int) -> None:
        self.header = f"X-After-{number}"

    async def process_request(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        req.context.hooks_run = req.context.get("hooks_run", 0) + 1

    async def process_response(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        resp.set_header(self.header, "1")


class Counted:
    """The hooks scenario's resource."""

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = f"before_request hooks run: {req.context.hooks_run}"


def hooks() -> ASGIApp:
    """The hooks scenario's app."""
    app = falcon.asgi.App(middleware=[Hook(number) for number in range(3)])
    app.add_route("/", Counted())
    return _served(app)


class Page:
    """The template resource."""

    def __init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(),
        )
        self.items = template_items()

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.env.get_template("items.html").render(items=self.items)


#: ``async def`` responders, by scenario.
ASYNC: dict[str, Callable[[], ASGIApp]] = {
    "hello": lambda: _one_resource(Hello()),
    "json": lambda: _one_resource(Data()),
    "json-echo": lambda: _one_resource(Echo()),
    "routing": routing,
    "404": not_found,
    "hooks": hooks,
    "template": lambda: _one_resource(Page()),
    "form": lambda: _one_resource(Order()),
    "json-large": lambda: _one_resource(Large()),
}
