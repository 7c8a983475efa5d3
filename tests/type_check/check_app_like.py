"""Type-only checks: the lower layers name the app as
:class:`framework.interfaces.AppLike`, never ``App``, and users see no
difference. A user's ``App`` subclass goes wherever the strategies, the
contexts and the config take an app; ``current_app`` is still an ``App``;
session interfaces and strategies written with ``app: App`` (as for Flask)
still fit. Run by ``mypy --strict`` in ``make test``; tests/test_layers.py
checks the import rule itself."""

from __future__ import annotations

import typing as t

from werkzeug.exceptions import HTTPException

import framework.globals
from framework import App, Blueprint, Request, Response, current_app
from framework.config import Config
from framework.ctx import AppContext, RequestContext
from framework.dispatch import Dispatcher
from framework.interfaces import AppLike, ScaffoldLike
from framework.json.provider import DefaultJSONProvider
from framework.routing import Router
from framework.sessions import (
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)
from framework.templating import Environment, TemplateRenderer
from framework.testing import AppClient
from framework.typing import ResponseReturnValue


class TenantApp(App):
    def tenant_header(self) -> str:
        return "X-Tenant"


app = TenantApp(__name__)

# The app and its blueprints are what the lower layers take.
_: AppLike = app
_owner: ScaffoldLike = Blueprint("shop", __name__)

# current_app is the composed App for users, by either path.
t.assert_type(current_app, App)
t.assert_type(framework.globals.current_app, App)
t.assert_type(framework.globals.request, Request)

# The subclass goes where a strategy, a context or the config takes the app.
Router().prepare(app)
Dispatcher().prepare(app)
TemplateRenderer().prepare(app)
t.assert_type(TemplateRenderer().environment(app), Environment)
t.assert_type(Environment(app).app, AppLike)
DefaultJSONProvider(app).prepare(app)
SecureCookieSessionInterface().get_cookie_name(app)
with AppContext(app) as ctx:
    t.assert_type(ctx.app, AppLike)
RequestContext(app, {})
Config().attach_app(app)
t.assert_type(app.config.app, AppLike | None)


# A session interface written as for Flask, overrides saying ``app: App``.
class FlaskStyleSessions(SessionInterface):
    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        return None

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        return None


class CookieSessions(SecureCookieSessionInterface):
    def get_cookie_name(self, app: App) -> str:
        return f"{app.name}-session"


app.session_interface = FlaskStyleSessions()
app.session_interface = CookieSessions()


# A strategy of one's own whose prepare says ``app: App`` still fits (the
# protocols are generic in the app, Any by default); a subclass of a
# default strategy overrides prepare with ``app: AppLike``, as it is typed.
class AppConverter:
    def prepare(self, app: App) -> None:
        return None

    def make_response(
        self, ctx: AppContext | None, rv: ResponseReturnValue | HTTPException
    ) -> Response:
        return Response("converted")


class OwnRouter(Router):
    def prepare(self, app: AppLike) -> None:
        super().prepare(app)


App(__name__, response_converter=AppConverter(), router=OwnRouter())
t.assert_type(current_app.test_client(), AppClient)

# What the checker must refuse (an unneeded ignore fails under --strict).
Router().prepare(object())  # type: ignore[arg-type]
