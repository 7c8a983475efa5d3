"""Falcon's WSGI apps (``falcon.App``), the WSGI benchmarks' fastest peer:
resources with ``on_get``/``on_post`` responders, middleware objects for
the request hooks, ``resp.media`` for JSON both ways (Falcon's own
handlers, urlencoded forms included), and Jinja2 used directly for the
template (Falcon has no template layer). Falcon has no sessions, so it sits
the session scenario out.

Text answers are sent as ``text/html``, as Flask and ``framework`` send a
returned string, so that every app of a scenario answers alike.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import falcon
import jinja2

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


def _served(app: falcon.App) -> WSGIApplication:
    return t.cast("WSGIApplication", app)


def _one_resource(resource: object) -> WSGIApplication:
    app = falcon.App()
    app.add_route("/", resource)
    return _served(app)


def _text(resp: falcon.Response, text: str) -> None:
    resp.content_type = falcon.MEDIA_HTML
    resp.text = text


class Hello:
    """The hello resource."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _text(resp, HELLO)


class Data:
    """The json resource: a dict sent with Falcon's JSON handler."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = JSON_DATA


class Large:
    """The json-large resource."""

    def __init__(self) -> None:
        self.payload = records(JSON_RECORD_COUNT)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.payload


class Echo:
    """The json-echo resource: the posted document, parsed and sent back."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()


class Order:
    """The form resource: Falcon parses urlencoded bodies as media."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        fields = req.get_media()
        _text(resp, form_answer(fields["item"], fields["count"]))


class Numbered:
    """One of the routing scenario's resources."""

    def __init__(self, number: int) -> None:
        self.number = number

    def on_get(self, req: falcon.Request, resp: falcon.Response, id: int) -> None:
        _text(resp, f"route {self.number}, id {id}")


def routing() -> WSGIApplication:
    """The routing scenario's app: Falcon's compiled router."""
    app = falcon.App()
    for number in range(ROUTE_COUNT):
        app.add_route(f"/r{number}/{{id:int}}", Numbered(number))
    return _served(app)


class Found:
    """The resource of each of the 404 scenario's routes."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, **_: t.Any) -> None:
        _text(resp, "found")


def not_found() -> WSGIApplication:
    """The 404 scenario's app."""
    app = falcon.App()
    for rule in NOT_FOUND_RULES:
        app.add_route(rule.replace("<int:id>", "{id:int}"), Found())
    return _served(app)


class Hook:
    """Middleware doing what one before- and one after-request hook do:
    count itself on the request's context, add a header to the response.

    :param number: its number, in the header's name.
    """

    def __init__(self, number: int) -> None:
        self.header = f"X-After-{number}"

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.hooks_run = req.context.get("hooks_run", 0) + 1

    def process_response(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        resp.set_header(self.header, "1")


class Counted:
    """The hooks scenario's resource."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _text(resp, f"before_request hooks run: {req.context.hooks_run}")


def hooks() -> WSGIApplication:
    """The hooks scenario's app."""
    app = falcon.App(middleware=[Hook(number) for number in range(3)])
    app.add_route("/", Counted())
    return _served(app)


class Page:
    """The template resource: a Jinja2 environment of its own, whose
    template cache keeps the compiled page."""

    def __init__(self) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(),
        )
        self.items = template_items()

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _text(resp, self.env.get_template("items.html").render(items=self.items))


#: The apps, by scenario of :mod:`benchmarks.run`.
WSGI: dict[str, Callable[[], WSGIApplication]] = {
    "hello": lambda: _one_resource(Hello()),
    "json": lambda: _one_resource(Data()),
    "routing": routing,
    "404": not_found,
    "hooks": hooks,
    "template": lambda: _one_resource(Page()),
    "form": lambda: _one_resource(Order()),
    "json-echo": lambda: _one_resource(Echo()),
    "json-large": lambda: _one_resource(Large()),
    # framework's fast JSON providers against the same app here.
    "json-large-orjson": lambda: _one_resource(Large()),
    "json-large-msgspec": lambda: _one_resource(Large()),
}
