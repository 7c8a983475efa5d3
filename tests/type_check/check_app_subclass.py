"""Type-only checks: a user's ``App`` subclass with its own ``request_class``
and ``response_class`` stays typed through ``request``, hooks and views.
Run by ``mypy --strict`` in ``make test``; nothing here runs under pytest
(tests/test_globals.py runs the same app)."""

from __future__ import annotations

import typing as t

from framework import App, Blueprint, Request, Response, current_app
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


app = TenantApp(__name__)
request = request_proxy(TenantApp.request_class)

t.assert_type(app.request_class, type[TenantRequest])
t.assert_type(app.response_class, type[TracedResponse])
t.assert_type(request, TenantRequest)
t.assert_type(request_proxy(TenantRequest), TenantRequest)


@app.before_request
def check_tenant() -> TracedResponse | None:
    t.assert_type(request.tenant, str)
    if request.tenant == "blocked":
        return app.make_response(("blocked", 403))
    return None


@app.get("/")
def index() -> TracedResponse:
    response = app.make_response(f"hello {request.tenant}")
    t.assert_type(response, TracedResponse)
    response.trace_id = request.tenant
    return response


@app.get("/elsewhere")
def elsewhere() -> TracedResponse:
    return app.redirect("/")


@app.after_request
def add_trace(response: TracedResponse) -> TracedResponse:
    response.headers["X-Trace"] = response.trace_id
    return response


@app.after_request
async def add_tenant(response: TracedResponse) -> TracedResponse:
    response.headers["X-Tenant"] = request.tenant
    return response


# Decorators give the functions back with their types.
t.assert_type(index(), TracedResponse)
t.assert_type(add_trace(TracedResponse()), TracedResponse)

# The subclass's subclasses keep its classes.


class AuditedApp(TenantApp):
    pass


t.assert_type(AuditedApp(__name__).make_response("x"), TracedResponse)

# A blueprint's hooks and views take the app's classes too.
bp = Blueprint("tenants", __name__)


@bp.get("/tenant")
def tenant() -> dict[str, str]:
    return {"tenant": request.tenant}


@bp.after_request
def bp_trace(response: TracedResponse) -> TracedResponse:
    return response


# current_app can't know the app's class; a cast says it.
t.assert_type(t.cast(TenantApp, current_app).make_response("x"), TracedResponse)

# The plain App keeps the plain classes.
plain = App(__name__)
t.assert_type(plain.make_response("x"), Response)
t.assert_type(plain.redirect("/"), Response)

# What the checker must refuse (an unneeded ignore fails under --strict).
request_proxy(Response)  # type: ignore[type-var]
_ = app.make_response("x").no_such_attribute  # type: ignore[attr-defined]
_ = plain.make_response("x").trace_id  # type: ignore[attr-defined]
