"""Type-only checks, run by ``mypy --strict`` in ``make test``: a user's
``Request`` subclass is visible through the ``request`` proxy.
``request_proxy(app)`` types the one proxy as the app's ``request_class``,
whether it is given the app, its ``App`` subclass (an app factory's module
has no app) or the request class (a blueprint's module). Nothing here runs
under pytest (tests/test_globals.py runs the same calls).

The checks that must fail carry a ``type: ignore`` with the error code:
under ``--strict`` an ignore that is not needed is itself an error, so each
of them fails the check if mypy stops reporting its error."""

from __future__ import annotations

import typing as t

from framework import App, Blueprint, Request
from framework.globals import request_proxy


class TenantRequest(Request):
    @property
    def tenant(self) -> str:
        return self.headers.get("X-Tenant", "public")

    def is_admin(self) -> bool:
        return self.tenant == "admin"


class TenantApp(App):
    request_class = TenantRequest


class AuditedApp(TenantApp):
    """A subclass of the subclass keeps its request class."""


class AnnotatedApp(App):
    """The request class declared with an annotation, as App itself does."""

    request_class: type[TenantRequest] = TenantRequest


app = TenantApp(__name__)

# From the app, from its class, from the request class: the same type.
request = request_proxy(app)
t.assert_type(request, TenantRequest)
t.assert_type(request_proxy(TenantApp), TenantRequest)
t.assert_type(request_proxy(AuditedApp(__name__)), TenantRequest)
t.assert_type(request_proxy(AuditedApp), TenantRequest)
t.assert_type(request_proxy(AnnotatedApp(__name__)), TenantRequest)
t.assert_type(request_proxy(AnnotatedApp), TenantRequest)
t.assert_type(request_proxy(TenantRequest), TenantRequest)

# The plain App gives the plain Request.
t.assert_type(request_proxy(App(__name__)), Request)
t.assert_type(request_proxy(App), Request)


@app.get("/")
def index() -> dict[str, t.Any]:
    # The user's own attributes are known, with their types...
    t.assert_type(request.tenant, str)
    t.assert_type(request.is_admin(), bool)
    # ...and so are Request's.
    t.assert_type(request.path, str)
    return {"tenant": request.tenant, "admin": request.is_admin()}


# In a blueprint's module the app is not importable; the request class is.
bp = Blueprint("tenants", __name__)
bp_request = request_proxy(TenantRequest)


@bp.get("/tenant")
def tenant() -> str:
    return bp_request.tenant


# What the checker must refuse.
_ = request.no_such_attribute  # type: ignore[attr-defined]
_ = request.tenant + 1  # type: ignore[operator]
_ = request_proxy(App(__name__)).tenant  # type: ignore[attr-defined]
request_proxy(int)  # type: ignore[type-var]
request_proxy("TenantRequest")  # type: ignore[call-overload]
request_proxy(object())  # type: ignore[call-overload]
