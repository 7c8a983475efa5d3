"""``framework.globals.request_proxy``, and the app of
tests/type_check/check_app_subclass.py run for real: an ``App`` subclass with
its own request and response classes."""

from __future__ import annotations

import pytest

import framework
from framework import App, Request, Response
from framework.globals import request_proxy


class TenantRequest(Request):
    @property
    def tenant(self) -> str:
        return self.headers.get("X-Tenant", "public")


class TracedResponse(Response):
    trace_id: str = ""


class TenantApp(App):
    request_class = TenantRequest
    response_class = TracedResponse


request = request_proxy(TenantApp.request_class)


def test_request_proxy_is_the_request_proxy() -> None:
    # The same object: nothing is added to attribute access.
    assert request is framework.request
    assert request_proxy(Request) is framework.request


def test_request_proxy_takes_an_app_or_its_class() -> None:
    # The request class comes from the app, so the app's module names it
    # once; every form is the same proxy.
    assert request_proxy(TenantApp("tenants")) is framework.request
    assert request_proxy(TenantApp) is framework.request
    assert request_proxy(App) is framework.request


class NotAnApp:
    request_class = Response


@pytest.mark.parametrize(
    "bad", [Response, int, TenantRequest(environ={}), "Request", NotAnApp, None]
)
def test_request_proxy_refuses_anything_else(bad: object) -> None:
    with pytest.raises(
        TypeError,
        match=r"takes an app, an App subclass or a subclass of framework\.Request",
    ):
        request_proxy(bad)  # type: ignore[call-overload]


def test_subclass_request_and_response_reach_views_and_hooks() -> None:
    app = TenantApp("tenants")
    seen: list[object] = []

    @app.before_request
    def check_tenant() -> TracedResponse | None:
        seen.append(request._get_current_object())  # type: ignore[attr-defined]
        if request.tenant == "blocked":
            return app.make_response(("blocked", 403))
        return None

    @app.get("/")
    def index() -> TracedResponse:
        response = app.make_response(f"hello {request.tenant}")
        response.trace_id = f"trace-{request.tenant}"
        return response

    @app.get("/elsewhere")
    def elsewhere() -> TracedResponse:
        return app.redirect("/")

    @app.after_request
    def add_trace(response: TracedResponse) -> TracedResponse:
        seen.append(response)
        response.headers["X-Trace"] = response.trace_id or "none"
        return response

    client = app.test_client()
    reply = client.get("/", headers={"X-Tenant": "acme"})
    assert reply.text == "hello acme"
    assert reply.headers["X-Trace"] == "trace-acme"
    assert isinstance(seen[0], TenantRequest)
    assert type(seen[1]) is TracedResponse

    reply = client.get("/", headers={"X-Tenant": "blocked"})
    assert (reply.status_code, reply.text) == (403, "blocked")
    assert type(seen[-1]) is TracedResponse

    reply = client.get("/elsewhere")
    assert (reply.status_code, reply.headers["Location"]) == (302, "/")
    assert type(seen[-1]) is TracedResponse

    with app.test_request_context():
        assert type(app.make_response("x")) is TracedResponse
        assert type(framework.make_response("x")) is TracedResponse
