"""framework.compat.flask: ``import flask`` resolves to this framework, and
Flask extensions (Flask-Login, Flask-WTF, Flask-SQLAlchemy, Flask-CORS,
Flask-JWT-Extended, Flask-Bcrypt) run on an ``App`` unmodified, each through
a small app and the test client.

The alias changes ``sys.modules`` for the whole process, so every test that
uses it goes through the ``flask_alias`` fixture, which installs it and
afterwards removes the hook and every ``flask``/``flask_*`` module imported
meanwhile. Real Flask is installed in the test environment (the extensions
depend on it), which is what the alias has to win against; the one test
that imports real Flask runs in a subprocess.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import logging
import pathlib
import re
import subprocess
import sys
import types
import typing as t

import pytest

import framework
import framework.compat.flask as compat
from framework import App
from framework.cli import FrameworkGroup
from framework.testing import AppClient, AppCliRunner

# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")

# -- fixtures ------------------------------------------------------------------


def _is_flask_module(name: str) -> bool:
    return name == "flask" or name.startswith(("flask.", "flask_"))


def _import(name: str) -> t.Any:
    return importlib.import_module(name)


# -- the alias -----------------------------------------------------------------


@pytest.mark.one_transport
def test_real_flask_is_installed_so_the_alias_has_to_win() -> None:
    # Without an installed Flask these tests would prove nothing about the
    # import hook's precedence.
    assert importlib.machinery.PathFinder.find_spec("flask") is not None


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_import_flask_gives_the_framework_namespace() -> None:
    flask = _import("flask")
    assert flask.Flask is App
    assert flask.request is framework.request
    assert flask.jsonify is framework.jsonify


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_namespace_has_every_name_framework_exports() -> None:
    flask = _import("flask")
    # __all__, not vars(): the package imports its names on first use.
    exported = [
        name
        for name in framework.__all__
        if not isinstance(getattr(framework, name), types.ModuleType)
    ]
    assert exported
    assert [
        name
        for name in exported
        if getattr(flask, name, None) is not getattr(framework, name)
    ] == []


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
@pytest.mark.parametrize(
    "flask_name",
    sorted(
        name
        for name, target in compat.FLASK_MODULES.items()
        if not target.startswith("framework.compat.")
    ),
)
def test_flask_module_path_is_the_framework_module(flask_name: str) -> None:
    module = _import(flask_name)
    assert module is sys.modules[compat.FLASK_MODULES[flask_name]]


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_json_provider_imports_as_a_dotted_path() -> None:
    import flask.json.provider

    assert flask.json.provider.DefaultJSONProvider is (
        framework.json.provider.DefaultJSONProvider
    )


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_submodules_are_attributes_of_flask() -> None:
    flask = _import("flask")
    assert flask.globals is sys.modules["framework.globals"]
    assert flask.signals.Namespace is not None


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_has_no_attribute_outside_its_api() -> None:
    flask = _import("flask")
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = flask.no_such_thing


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_class_names_map_to_ours() -> None:
    assert _import("flask.app").Flask is App
    assert _import("flask.testing").FlaskClient is AppClient
    assert _import("flask.testing").FlaskCliRunner is AppCliRunner
    assert _import("flask.cli").FlaskGroup is FrameworkGroup
    helpers = _import("flask.helpers")
    assert helpers.get_root_path("framework") == str(
        pathlib.Path(framework.__file__).resolve().parent
    )
    assert helpers.url_for is framework.url_for


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_renaming_modules_forward_their_other_names() -> None:
    # framework.cli.get_version is not in its __all__, flask.cli has it.
    assert _import("flask.cli").get_version is sys.modules["framework.cli"].get_version


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_objects_are_framework_objects_to_isinstance() -> None:
    flask = _import("flask")
    app = flask.Flask(__name__)
    assert isinstance(app, framework.App)
    with app.test_request_context("/"):
        assert isinstance(flask.request._get_current_object(), framework.Request)
        assert isinstance(flask.make_response("x"), flask.Response)


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_version_is_the_api_level_implemented() -> None:
    assert _import("flask").__version__ == "3.1.0"


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_aliased_framework_module_keeps_its_own_spec() -> None:
    _import("flask.globals")
    module = sys.modules["framework.globals"]
    assert module.__spec__ is not None
    assert module.__spec__.name == "framework.globals"
    assert not hasattr(module, "__path__")


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_module_missing_here_is_a_clear_error() -> None:
    # flask.scaffold is Flask 2's path (3.x moved it to flask.sansio);
    # extensions try it and fall back on ImportError.
    with pytest.raises(ModuleNotFoundError, match=r"Flask's\s+public modules"):
        _import("flask.scaffold")


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_sansio_modules_resolve_to_the_one_class_of_each() -> None:
    from framework.blueprints import Blueprint, BlueprintSetupState
    from framework.scaffold import Scaffold, setupmethod

    sansio_app = _import("flask.sansio.app")
    assert sansio_app.App is App
    assert isinstance(App("sansio_app"), sansio_app.App)
    blueprints = _import("flask.sansio.blueprints")
    assert blueprints.Blueprint is Blueprint
    assert blueprints.BlueprintSetupState is BlueprintSetupState
    scaffold = _import("flask.sansio.scaffold")
    assert scaffold.Scaffold is Scaffold
    assert scaffold.setupmethod is setupmethod
    assert scaffold._endpoint_from_view_func(test_install_is_idempotent) == (
        "test_install_is_idempotent"
    )
    # The package makes its modules reachable as attributes, as Flask's does.
    assert _import("flask").sansio.scaffold is scaffold


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_flask_private_names_extensions_import_resolve() -> None:
    from framework.ctx import _cv_app, _cv_request
    from framework.sessions import SecureCookieSessionInterface

    flask_globals = _import("flask.globals")
    assert flask_globals._cv_app is _cv_app
    assert flask_globals._cv_request is _cv_request
    assert "application context" in flask_globals._no_app_msg
    assert "request context" in flask_globals._no_req_msg
    sessions = _import("flask.sessions")
    assert sessions.session_json_serializer is SecureCookieSessionInterface.serializer
    assert "patch" in _import("flask.views").http_method_funcs


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_g_is_named_flask_g_under_the_alias() -> None:
    app = App("named_g")
    with app.app_context():
        assert repr(_import("flask").g) == "<flask.g of 'named_g'>"
    compat.uninstall()
    with app.app_context():
        assert repr(_import("framework").g) == "<framework.g of 'named_g'>"


@pytest.mark.one_transport
@pytest.mark.usefixtures("flask_alias")
def test_install_is_idempotent() -> None:
    compat.install()
    assert sum(type(f).__name__ == "_AliasFinder" for f in sys.meta_path) == 1
    assert sys.meta_path[0].__class__.__name__ == "_AliasFinder"
    assert _import("flask").Flask is App


@pytest.mark.one_transport
def test_uninstall_forgets_the_alias(flask_alias: None) -> None:
    _import("flask.json.tag")
    assert compat.is_installed()
    compat.uninstall()
    assert not compat.is_installed()
    assert [name for name in sys.modules if _is_flask_module(name)] == []
    assert all(type(f).__name__ != "_AliasFinder" for f in sys.meta_path)
    # The framework modules themselves stay imported and usable.
    assert sys.modules["framework.json.tag"].TaggedJSONSerializer is not None


@pytest.mark.one_transport
def test_not_installed_by_default() -> None:
    assert not compat.is_installed()
    assert "flask" not in sys.modules


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.one_transport
def test_install_after_real_flask_was_imported_is_a_clear_error() -> None:
    result = _run_python(
        "import flask_login\n"  # an extension importing real Flask
        "import framework.compat.flask as c\n"
        "try:\n"
        "    c.install()\n"
        "except c.FlaskAlreadyImportedError as e:\n"
        "    print(e)\n"
        "    print('installed:', c.is_installed())\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Flask itself is already imported" in result.stdout
    assert "site-packages" in result.stdout
    assert "before anything imports flask or a Flask extension" in result.stdout
    assert "installed: False" in result.stdout


@pytest.mark.one_transport
def test_every_public_name_of_flask_modules_exists_under_the_alias(
    flask_alias: None,
) -> None:
    # Flask's own module list and names, read from real Flask in a
    # subprocess so that this process never imports it.
    result = _run_python(
        "import importlib, inspect, json, pathlib\n"
        "import flask\n"
        "root = pathlib.Path(flask.__file__).parent\n"
        "paths = sorted(\n"
        "    'flask.' + '.'.join(p.relative_to(root).with_suffix('').parts)\n"
        "    for p in root.rglob('*.py')\n"
        ")\n"
        "names = {}\n"
        "for path in ['flask'] + paths:\n"
        "    path = path.removesuffix('.__init__')\n"
        "    if path == 'flask.__main__':\n"
        "        continue\n"
        "    m = importlib.import_module(path)\n"
        "    names[path] = sorted(getattr(m, '__all__', None) or [\n"
        "        n for n, v in vars(m).items() if not n.startswith('_')\n"
        "        and (inspect.isclass(v) or inspect.isfunction(v))\n"
        "        and (v.__module__ == path or path == 'flask')])\n"
        "print(json.dumps(names))\n"
    )
    assert result.returncode == 0, result.stderr
    flask_names: dict[str, list[str]] = json.loads(result.stdout)
    # flask.sansio is a namespace package, without a file of its own.
    assert sorted(flask_names) == sorted(set(compat.FLASK_MODULES) - {"flask.sansio"})
    missing = {
        path: [name for name in names if not hasattr(_import(path), name)]
        for path, names in flask_names.items()
    }
    assert {path: names for path, names in missing.items() if names} == {}
    assert "FlaskClient" in flask_names["flask.testing"]


# -- Flask-Login ---------------------------------------------------------------


class _LoginApp(t.NamedTuple):
    app: App
    client: AppClient
    login_manager: t.Any
    user_class: t.Any


@pytest.fixture
def login_app(flask_alias: None) -> _LoginApp:
    """An app with Flask-Login: ``POST /login/<id>``, ``POST /logout``, and
    ``GET /me`` behind ``login_required``."""
    flask = _import("flask")
    flask_login = _import("flask_login")

    class User(flask_login.UserMixin):  # type: ignore[misc]
        def __init__(self, user_id: str) -> None:
            self.id = user_id

    users = {"1": User("1"), "2": User("2")}
    app = flask.Flask(__name__)
    app.secret_key = "login-test-key"
    login_manager = flask_login.LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return users.get(user_id)

    @app.post("/login/<user_id>")
    def login(user_id: str) -> str:
        flask_login.login_user(users[user_id], remember=True)
        return "logged in"

    @app.post("/logout")
    def logout() -> str:
        flask_login.logout_user()
        return "logged out"

    @app.get("/me")
    @flask_login.login_required
    def me() -> str:
        return f"user {flask_login.current_user.id}"

    @app.get("/sign-in")
    def sign_in() -> str:
        return "the login page"

    return _LoginApp(app, app.test_client(), login_manager, User)


@pytest.mark.one_transport
def test_flask_login_is_attached_to_the_app(login_app: _LoginApp) -> None:
    assert login_app.app.login_manager is login_app.login_manager  # type: ignore[attr-defined]


def test_flask_login_required_is_401_when_logged_out(login_app: _LoginApp) -> None:
    assert login_app.client.get("/me").status_code == 401


def test_flask_login_required_redirects_to_the_login_view(
    login_app: _LoginApp,
) -> None:
    login_app.login_manager.login_view = "sign_in"
    response = login_app.client.get("/me")
    assert response.status_code == 302
    assert response.location == "/sign-in?next=%2Fme"


def test_flask_login_logout_round_trip(login_app: _LoginApp) -> None:
    client = login_app.client
    assert client.post("/login/2").text == "logged in"
    assert client.get("/me").text == "user 2"
    assert client.post("/logout").text == "logged out"
    assert client.get("/me").status_code == 401


def test_flask_login_remember_cookie_logs_back_in(login_app: _LoginApp) -> None:
    client = login_app.client
    client.post("/login/1")
    assert client.get_cookie("remember_token") is not None
    # A new browser session: the session cookie is gone, the remember
    # cookie is not.
    client.delete_cookie("session")
    assert client.get("/me").text == "user 1"


def test_flask_login_test_client_subclasses_flask_client(
    login_app: _LoginApp,
) -> None:
    flask_login = _import("flask_login")
    assert issubclass(flask_login.FlaskLoginClient, AppClient)
    login_app.app.test_client_class = flask_login.FlaskLoginClient
    client = login_app.app.test_client(user=login_app.user_class("1"))
    assert client.get("/me").text == "user 1"


# -- Flask-WTF -----------------------------------------------------------------

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def wtf_client(flask_alias: None) -> AppClient:
    """An app with ``CSRFProtect`` and a ``FlaskForm`` at ``/form``; an
    exempt ``POST /hook``."""
    flask = _import("flask")
    flask_wtf = _import("flask_wtf")
    wtforms = _import("wtforms")
    validators = _import("wtforms.validators")

    class NameForm(flask_wtf.FlaskForm):  # type: ignore[misc]
        name = wtforms.StringField("Name", validators=[validators.DataRequired()])

    app = flask.Flask(__name__)
    app.secret_key = "wtf-test-key"
    csrf = flask_wtf.CSRFProtect(app)

    @app.route("/form", methods=["GET", "POST"])
    def form() -> t.Any:
        form = NameForm()
        if form.validate_on_submit():
            return f"hello {form.name.data}"
        if flask.request.method == "POST":
            return {"errors": form.errors}, 422
        return flask.render_template_string(
            "<form method=post>{{ form.csrf_token }}{{ form.name }}</form>",
            form=form,
        )

    @app.post("/hook")
    @csrf.exempt
    def hook() -> str:
        return "no token needed"

    return app.test_client()


def _csrf_token(client: AppClient) -> str:
    match = _TOKEN.search(client.get("/form").text)
    assert match is not None
    return match.group(1)


def test_flask_wtf_form_renders_a_csrf_token(wtf_client: AppClient) -> None:
    assert _csrf_token(wtf_client)


def test_flask_wtf_post_without_token_is_400(wtf_client: AppClient) -> None:
    response = wtf_client.post("/form", data={"name": "Ann"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text


def test_flask_wtf_post_with_a_wrong_token_is_400(wtf_client: AppClient) -> None:
    _csrf_token(wtf_client)
    response = wtf_client.post("/form", data={"name": "Ann", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text


def test_flask_wtf_post_with_the_token_is_accepted(wtf_client: AppClient) -> None:
    token = _csrf_token(wtf_client)
    response = wtf_client.post("/form", data={"name": "Ann", "csrf_token": token})
    assert response.status_code == 200
    assert response.text == "hello Ann"


def test_flask_wtf_token_in_a_header_is_accepted(wtf_client: AppClient) -> None:
    token = _csrf_token(wtf_client)
    response = wtf_client.post(
        "/form", data={"name": "Bo"}, headers={"X-CSRFToken": token}
    )
    assert response.text == "hello Bo"


def test_flask_wtf_form_validation_reports_errors(wtf_client: AppClient) -> None:
    token = _csrf_token(wtf_client)
    response = wtf_client.post("/form", data={"name": "", "csrf_token": token})
    assert response.status_code == 422
    assert response.json == {"errors": {"name": ["This field is required."]}}


def test_flask_wtf_exempt_view_needs_no_token(wtf_client: AppClient) -> None:
    response = wtf_client.post("/hook")
    assert response.status_code == 200
    assert response.text == "no token needed"


# -- Flask-SQLAlchemy ----------------------------------------------------------


class _DatabaseApp(t.NamedTuple):
    app: App
    client: AppClient
    sessions: list[t.Any]


@pytest.fixture
def database_app(flask_alias: None, tmp_path: pathlib.Path) -> _DatabaseApp:
    """An app with Flask-SQLAlchemy on SQLite in ``tmp_path``, an ``Item``
    model and views that insert, list, count and fetch items."""
    flask = _import("flask")
    flask_sqlalchemy = _import("flask_sqlalchemy")

    app = flask.Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'items.db'}"
    db = flask_sqlalchemy.SQLAlchemy(app)
    sessions: list[t.Any] = []

    class Item(db.Model):  # type: ignore[name-defined, misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False)

    with app.app_context():
        db.create_all()

    @app.post("/items/<name>")
    def add(name: str) -> tuple[dict[str, int], int]:
        item = Item(name=name)
        db.session.add(item)
        db.session.commit()
        return {"id": item.id}, 201

    @app.get("/items")
    def listing() -> list[str]:
        sessions.append(db.session())
        query = db.select(Item).order_by(Item.name)
        return [item.name for item in db.session.execute(query).scalars()]

    @app.get("/items/<int:item_id>")
    def one(item_id: int) -> dict[str, str]:
        return {"name": db.get_or_404(Item, item_id).name}

    @app.get("/count")
    def count() -> dict[str, int]:
        return {"count": Item.query.count()}

    return _DatabaseApp(app, app.test_client(), sessions)


def test_flask_sqlalchemy_insert_and_query(database_app: _DatabaseApp) -> None:
    client = database_app.client
    assert client.post("/items/pear").json == {"id": 1}
    assert client.post("/items/apple").json == {"id": 2}
    assert client.get("/items").json == ["apple", "pear"]
    assert client.get("/items/1").json == {"name": "pear"}
    assert client.get("/count").json == {"count": 2}


def test_flask_sqlalchemy_get_or_404_is_404(database_app: _DatabaseApp) -> None:
    assert database_app.client.get("/items/99").status_code == 404


def test_flask_sqlalchemy_session_is_removed_after_each_request(
    database_app: _DatabaseApp,
) -> None:
    # The extension keys its scoped session on the app context and removes
    # it in teardown_appcontext: the request's session must be closed when
    # the request ends, and the next request must get a new one.
    client = database_app.client
    client.post("/items/fig")
    client.get("/items")
    client.get("/items")
    first, second = database_app.sessions
    assert first is not second
    assert not first.in_transaction()
    assert not second.in_transaction()


def test_flask_sqlalchemy_inside_an_app_context_shares_its_session(
    database_app: _DatabaseApp,
) -> None:
    flask_sqlalchemy = _import("flask_sqlalchemy")
    db = database_app.app.extensions["sqlalchemy"]
    assert isinstance(db, flask_sqlalchemy.SQLAlchemy)
    with database_app.app.app_context():
        outer = db.session()
        database_app.client.get("/items")
        assert database_app.sessions == [outer]


# -- Flask-CORS ----------------------------------------------------------------

_GOOD = "https://good.example"


@pytest.fixture
def cors_client(flask_alias: None) -> AppClient:
    """An app with CORS on ``/api/*`` for one origin, and a view with the
    ``cross_origin`` decorator."""
    flask = _import("flask")
    flask_cors = _import("flask_cors")

    app = flask.Flask(__name__)
    flask_cors.CORS(
        app,
        resources={r"/api/*": {"origins": _GOOD}},
        methods=["GET", "PUT"],
        max_age=600,
    )

    @app.route("/api/items", methods=["GET", "PUT"])
    def items() -> dict[str, list[str]]:
        return {"items": []}

    @app.get("/api/missing")
    def missing() -> str:
        flask.abort(404)

    @app.get("/api/broken")
    def broken() -> str:
        raise ValueError("broken view")

    @app.get("/page")
    def page() -> str:
        return "not shared"

    @app.post("/open")
    @flask_cors.cross_origin(origins="*")
    def open_view() -> str:
        return "open"

    return app.test_client()


def test_flask_cors_preflight_gets_the_allow_headers(cors_client: AppClient) -> None:
    response = cors_client.options(
        "/api/items",
        headers={"Origin": _GOOD, "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == _GOOD
    assert response.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_flask_cors_simple_request_gets_allow_origin(cors_client: AppClient) -> None:
    response = cors_client.get("/api/items", headers={"Origin": _GOOD})
    assert response.json == {"items": []}
    assert response.headers["Access-Control-Allow-Origin"] == _GOOD


def test_flask_cors_other_origin_gets_no_allow_origin(cors_client: AppClient) -> None:
    response = cors_client.get("/api/items", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_flask_cors_path_outside_the_resources_is_untouched(
    cors_client: AppClient,
) -> None:
    response = cors_client.get("/page", headers={"Origin": _GOOD})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_flask_cors_error_responses_get_the_headers(
    cors_client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask-CORS wraps app.handle_user_exception and app.handle_exception
    # by assigning to the instance; both wrappers must be used.
    response = cors_client.get("/api/missing", headers={"Origin": _GOOD})
    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == _GOOD
    with caplog.at_level(logging.ERROR):
        response = cors_client.get("/api/broken", headers={"Origin": _GOOD})
    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == _GOOD
    # Still logged as an unhandled error, as without the extension.
    assert any(
        record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
        for record in caplog.records
    )


def test_flask_cors_cross_origin_decorator_answers_preflight(
    cors_client: AppClient,
) -> None:
    response = cors_client.options(
        "/open",
        headers={
            "Origin": "https://any.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://any.example"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


# -- Flask-JWT-Extended --------------------------------------------------------


@pytest.fixture
def jwt_client(flask_alias: None) -> AppClient:
    """An app with ``JWTManager``: ``POST /login/<name>`` answers an access
    token, ``GET /me`` needs one."""
    flask = _import("flask")
    flask_jwt_extended = _import("flask_jwt_extended")

    app = flask.Flask(__name__)
    app.config["JWT_SECRET_KEY"] = "jwt-test-key-long-enough-for-hs256!"
    flask_jwt_extended.JWTManager(app)

    @app.post("/login/<name>")
    def login(name: str) -> dict[str, str]:
        claims = {"role": "admin"}
        token = flask_jwt_extended.create_access_token(name, additional_claims=claims)
        return {"token": token}

    @app.get("/me")
    @flask_jwt_extended.jwt_required()
    def me() -> dict[str, str]:
        return {
            "user": flask_jwt_extended.get_jwt_identity(),
            "role": flask_jwt_extended.get_jwt()["role"],
        }

    return app.test_client()


def test_flask_jwt_token_round_trip(jwt_client: AppClient) -> None:
    token = jwt_client.post("/login/ann").json["token"]  # type: ignore[index]
    response = jwt_client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json) == (
        200,
        {"user": "ann", "role": "admin"},
    )


def test_flask_jwt_required_refuses_missing_and_malformed_tokens(
    jwt_client: AppClient,
) -> None:
    response = jwt_client.get("/me")
    assert (response.status_code, response.json) == (
        401,
        {"msg": "Missing Authorization Header"},
    )
    response = jwt_client.get("/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code == 422


# -- Flask-Bcrypt --------------------------------------------------------------


@pytest.mark.one_transport
def test_flask_bcrypt_hash_and_check(flask_alias: None) -> None:
    flask = _import("flask")
    flask_bcrypt = _import("flask_bcrypt")
    app = flask.Flask(__name__)
    app.config["BCRYPT_LOG_ROUNDS"] = 4  # the least bcrypt allows: fast
    bcrypt = flask_bcrypt.Bcrypt(app)
    hashed = bcrypt.generate_password_hash("correct horse")
    # The cost came from app.config, read by init_app.
    assert hashed.startswith(b"$2b$04$")
    assert bcrypt.check_password_hash(hashed, "correct horse")
    assert not bcrypt.check_password_hash(hashed, "wrong horse")
