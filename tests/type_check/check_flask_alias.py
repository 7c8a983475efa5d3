"""Type-only checks, run by ``mypy --strict`` in ``make test``: an application
that keeps ``import flask`` under ``framework.compat.flask.install()`` is
checked against this framework's API (the stubs in ``typings/flask/``), not
against the Flask package installed next to it. Nothing here runs under
pytest.

Each ``assert_type`` below names a framework type, and the app uses
framework-only attributes (``app.router``, ``app.load_settings``): with
Flask's own types in effect, mypy would reject this file.
"""

from __future__ import annotations

import typing as t

import attrs
import flask
import flask.json.provider
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    session,
    url_for,
)
from flask.ctx import AppContext
from flask.globals import app_ctx
from flask.signals import Namespace
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from flask.views import MethodView

import framework
import framework.testing
from framework.routing import Router

app = Flask(__name__)
t.assert_type(app, framework.App)
t.assert_type(flask.Flask, type[framework.App])
app.secret_key = "dev"

bp = Blueprint("api", __name__, url_prefix="/api")


@app.route("/")
def index() -> str:
    t.assert_type(request, framework.Request)
    t.assert_type(current_app, framework.App)
    session["seen"] = True
    g.user = "ann"
    return render_template_string("{{ 1 + 1 }}")


@app.get("/go")
def go() -> ResponseReturnValue:
    return redirect(url_for("index"))


@bp.get("/items/<int:item_id>")
def item(item_id: int) -> framework.Response:
    if item_id < 0:
        abort(404)
    return jsonify(id=item_id)


class Things(MethodView):
    def get(self) -> dict[str, t.Any]:
        return {"things": []}


app.register_blueprint(bp)
app.add_url_rule("/things", view_func=Things.as_view("things"))

# Framework-only API, reached through the Flask names.
t.assert_type(app.router, framework.interfaces.Router)
assert isinstance(app.router, Router)


@attrs.frozen
class Settings:
    debug: bool = False


settings = app.load_settings(Settings)
t.assert_type(settings, Settings)

client = app.test_client()
t.assert_type(client, framework.testing.AppClient)
assert isinstance(client, FlaskClient)
t.assert_type(FlaskClient, type[framework.testing.AppClient])

provider = flask.json.provider.DefaultJSONProvider(app)
t.assert_type(provider.dumps({"a": 1}), str)

t.assert_type(app_ctx, AppContext)
t.assert_type(app_ctx.app_context, AppContext)

custom_signals = Namespace()
user_logged_in = custom_signals.signal("user-logged-in")
