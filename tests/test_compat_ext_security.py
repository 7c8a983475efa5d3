"""Flask's security extensions, unmodified, on an App through
``framework.compat.flask``: Flask-Limiter, Flask-HTTPAuth, Flask-Talisman,
Flask-Principal, Flask-Security-Too and Authlib's Flask OAuth client.

Each extension gets one small app for the whole module (the alias is
installed for the module: see tests/compat_alias.py), driven through the
test client.
"""

from __future__ import annotations

import base64
import sys
import textwrap
import typing as t
import urllib.parse

import pytest
from compat_alias import load
from processes import free_port
from servers import ServerProcess, server_environment

from framework.testing import AppClient

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("flask_alias_for_module", "transport")


# -- Flask-Limiter -------------------------------------------------------------


#: One limited app per transport: the limits count across a module's tests.
_LIMITER_CLIENTS: dict[str, AppClient] = {}


@pytest.fixture
def limiter_client(transport: str) -> AppClient:
    """The limited app of this transport (see :func:`_limited_client`)."""
    if transport not in _LIMITER_CLIENTS:
        _LIMITER_CLIENTS[transport] = _limited_client()
    return _LIMITER_CLIENTS[transport]


def _limited_client() -> AppClient:
    """``/limited`` at 2 a minute, ``/free`` exempt from the default limit
    of 100 a minute, and a blueprint whose routes are limited to 1 a minute
    each."""
    flask = load("flask")
    flask_limiter = load("flask_limiter")
    util = load("flask_limiter.util")

    app = flask.Flask(__name__)
    limiter = flask_limiter.Limiter(
        util.get_remote_address,
        app=app,
        default_limits=["100 per minute"],
        storage_uri="memory://",
        headers_enabled=True,
    )

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited() -> str:
        return "limited"

    @app.get("/free")
    @limiter.exempt
    def free() -> str:
        return "free"

    @app.get("/default")
    def default() -> str:
        return "default"

    api = flask.Blueprint("api", __name__)

    @api.get("/one")
    def one() -> str:
        return "one"

    @api.get("/two")
    def two() -> str:
        return "two"

    limiter.limit("1 per minute")(api)
    app.register_blueprint(api, url_prefix="/api")
    return app.test_client()


def test_flask_limiter_headers_count_down(limiter_client: AppClient) -> None:
    first = limiter_client.get("/default")
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "100"
    remaining = int(first.headers["X-RateLimit-Remaining"])
    second = limiter_client.get("/default")
    assert int(second.headers["X-RateLimit-Remaining"]) == remaining - 1
    assert int(second.headers["X-RateLimit-Reset"]) > 0


def test_flask_limiter_over_the_limit_is_429(limiter_client: AppClient) -> None:
    assert limiter_client.get("/limited").status_code == 200
    assert limiter_client.get("/limited").status_code == 200
    refused = limiter_client.get("/limited")
    assert refused.status_code == 429
    assert "Too Many Requests" in refused.text
    assert "2 per 1 minute" in refused.text
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" in refused.headers


def test_flask_limiter_exempt_route_has_no_limit(limiter_client: AppClient) -> None:
    for _ in range(3):
        response = limiter_client.get("/free")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def test_flask_limiter_blueprint_limit_applies_to_each_of_its_routes(
    limiter_client: AppClient,
) -> None:
    assert limiter_client.get("/api/one").status_code == 200
    assert limiter_client.get("/api/one").status_code == 429
    # The blueprint's limit is per route: the other route has its own count.
    assert limiter_client.get("/api/two").status_code == 200
    assert limiter_client.get("/api/two").status_code == 429


# -- Flask-HTTPAuth ------------------------------------------------------------


@pytest.fixture(scope="module")
def httpauth_client() -> AppClient:
    """``/basic`` behind HTTP Basic (ann:secret), ``/token`` behind a
    bearer token, ``/admin`` for the admin role only."""
    flask = load("flask")
    flask_httpauth = load("flask_httpauth")

    app = flask.Flask(__name__)
    basic = flask_httpauth.HTTPBasicAuth()
    token = flask_httpauth.HTTPTokenAuth(scheme="Bearer")
    passwords = {"ann": "secret", "bob": "hunter2"}

    @basic.verify_password
    def verify_password(username: str, password: str) -> str | None:
        return username if passwords.get(username) == password else None

    @basic.get_user_roles
    def roles(user: str) -> list[str]:
        return ["admin"] if user == "ann" else []

    @token.verify_token
    def verify_token(value: str) -> str | None:
        return "robot" if value == "tok-123" else None

    @app.get("/basic")
    @basic.login_required
    def basic_view() -> str:
        return f"hello {basic.current_user()}"

    @app.get("/admin")
    @basic.login_required(role="admin")
    def admin() -> str:
        return "admin area"

    @app.get("/token")
    @token.login_required
    def token_view() -> str:
        return f"hello {token.current_user()}"

    return app.test_client()


def _basic(user: str, password: str) -> dict[str, str]:
    value = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {value}"}


def test_flask_httpauth_basic_challenges_then_accepts(
    httpauth_client: AppClient,
) -> None:
    refused = httpauth_client.get("/basic")
    assert refused.status_code == 401
    assert (
        refused.headers["WWW-Authenticate"] == 'Basic realm="Authentication Required"'
    )
    wrong = httpauth_client.get("/basic", headers=_basic("ann", "nope"))
    assert wrong.status_code == 401
    ok = httpauth_client.get("/basic", headers=_basic("ann", "secret"))
    assert ok.text == "hello ann"


def test_flask_httpauth_role_is_403_for_others(httpauth_client: AppClient) -> None:
    reader = httpauth_client.get("/admin", headers=_basic("bob", "hunter2"))
    assert reader.status_code == 403
    admin = httpauth_client.get("/admin", headers=_basic("ann", "secret"))
    assert admin.text == "admin area"


def test_flask_httpauth_bearer_token(httpauth_client: AppClient) -> None:
    assert httpauth_client.get("/token").status_code == 401
    bad = httpauth_client.get("/token", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    good = httpauth_client.get("/token", headers={"Authorization": "Bearer tok-123"})
    assert good.text == "hello robot"


# -- Flask-Talisman ------------------------------------------------------------


@pytest.fixture(scope="module")
def talisman_client() -> AppClient:
    """Talisman's defaults (HTTPS forced, HSTS, a CSP) on ``/``, and a
    view with its own frame options."""
    flask = load("flask")
    flask_talisman = load("flask_talisman")

    app = flask.Flask(__name__)
    talisman = flask_talisman.Talisman(
        app, content_security_policy={"default-src": "'self'"}
    )

    @app.get("/")
    def index() -> str:
        return "home"

    @app.get("/embeddable")
    @talisman(frame_options="DENY")
    def embeddable() -> str:
        return "never framed"

    return app.test_client()


def test_flask_talisman_redirects_http_to_https(talisman_client: AppClient) -> None:
    response = talisman_client.get("/?q=1")
    # Talisman's default is a temporary redirect (force_https_permanent).
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/?q=1"


def test_flask_talisman_sets_the_security_headers(talisman_client: AppClient) -> None:
    response = talisman_client.get("/", base_url="https://localhost")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_flask_talisman_per_view_options(talisman_client: AppClient) -> None:
    response = talisman_client.get("/embeddable", base_url="https://localhost")
    assert response.headers["X-Frame-Options"] == "DENY"


# -- Flask-Principal -----------------------------------------------------------


@pytest.fixture(scope="module")
def principal_client() -> AppClient:
    """Identity from a ``X-User`` header; ``/admin`` needs the admin role
    (403 otherwise), ``/whoami`` shows the identity's needs."""
    flask = load("flask")
    principal = load("flask_principal")

    app = flask.Flask(__name__)
    app.secret_key = "principal-key"
    roles = {"ann": "admin", "bob": "reader"}
    ext = principal.Principal(app, use_sessions=False)
    admin_permission = principal.Permission(principal.RoleNeed("admin"))

    @ext.identity_loader
    def from_header() -> t.Any:
        user = flask.request.headers.get("X-User")
        return principal.Identity(user) if user else None

    @principal.identity_loaded.connect_via(app)
    def add_roles(sender: t.Any, identity: t.Any) -> None:
        if identity.id in roles:
            identity.provides.add(principal.RoleNeed(roles[identity.id]))

    @app.get("/admin")
    @admin_permission.require(http_exception=403)
    def admin() -> str:
        return "admin area"

    @app.get("/whoami")
    def whoami() -> dict[str, t.Any]:
        identity = flask.g.identity
        return {
            "id": identity.id,
            "admin": admin_permission.can(),
            "needs": sorted(list(need) for need in identity.provides),
        }

    return app.test_client()


def test_flask_principal_permission_refuses_with_403(
    principal_client: AppClient,
) -> None:
    assert principal_client.get("/admin").status_code == 403
    assert principal_client.get("/admin", headers={"X-User": "bob"}).status_code == 403
    ok = principal_client.get("/admin", headers={"X-User": "ann"})
    assert ok.text == "admin area"


def test_flask_principal_identity_loaded_signal_adds_needs(
    principal_client: AppClient,
) -> None:
    data = principal_client.get("/whoami", headers={"X-User": "ann"}).get_json()
    assert data == {"id": "ann", "admin": True, "needs": [["role", "admin"]]}
    anonymous = principal_client.get("/whoami").get_json()
    assert anonymous["id"] is None
    assert anonymous["admin"] is False


# -- Flask-Security-Too --------------------------------------------------------


@pytest.fixture(scope="module")
def security_client(
    tmp_path_factory: pytest.TempPathFactory,
) -> t.Iterator[AppClient]:
    """Flask-Security on Flask-SQLAlchemy (SQLite): a user ann@example.com
    with the role admin, ``/profile`` behind ``auth_required``, ``/admin``
    behind ``roles_required("admin")``."""
    flask = load("flask")
    flask_sqlalchemy = load("flask_sqlalchemy")
    security = load("flask_security")
    fsqla = load("flask_security.models.fsqla_v3")

    app = flask.Flask(__name__)
    database = tmp_path_factory.mktemp("security") / "users.db"
    app.config.update(
        SECRET_KEY="security-key",
        SECURITY_PASSWORD_SALT="salt",
        # A fast hash keeps the test quick; the default is argon2.
        SECURITY_PASSWORD_HASH="pbkdf2_sha256",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        WTF_CSRF_ENABLED=False,
    )
    db = flask_sqlalchemy.SQLAlchemy(app)
    fsqla.FsModels.set_db_info(db)

    class Role(db.Model, fsqla.FsRoleMixin):  # type: ignore[misc, name-defined]
        pass

    class User(db.Model, fsqla.FsUserMixin):  # type: ignore[misc, name-defined]
        pass

    datastore = security.SQLAlchemyUserDatastore(db, User, Role)
    app.security = security.Security(app, datastore)

    @app.get("/profile")
    @security.auth_required()
    def profile() -> dict[str, str]:
        return {"email": security.current_user.email}

    @app.get("/admin")
    @security.roles_required("admin")
    def admin() -> str:
        return "admin area"

    with app.app_context():
        db.create_all()
        admin_role = datastore.create_role(name="admin")
        datastore.create_user(
            email="ann@example.com",
            password=security.hash_password("correct horse"),
            roles=[admin_role],
        )
        datastore.create_user(
            email="bob@example.com", password=security.hash_password("battery")
        )
        db.session.commit()
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


def _security_login(client: AppClient, email: str, password: str) -> t.Any:
    return client.post("/login", json={"email": email, "password": password})


def test_flask_security_auth_required_refuses_anonymous(
    security_client: AppClient,
) -> None:
    response = security_client.get("/profile", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_flask_security_json_login_then_profile(security_client: AppClient) -> None:
    wrong = _security_login(security_client, "ann@example.com", "nope")
    assert wrong.status_code == 400
    login = _security_login(security_client, "ann@example.com", "correct horse")
    assert login.status_code == 200, login.text
    assert security_client.get("/profile").get_json() == {"email": "ann@example.com"}
    assert security_client.get("/admin").text == "admin area"
    security_client.post("/logout", json={})
    after = security_client.get("/profile", headers={"Accept": "application/json"})
    assert after.status_code == 401


def test_flask_security_role_required_is_403(security_client: AppClient) -> None:
    login = _security_login(security_client, "bob@example.com", "battery")
    assert login.status_code == 200
    assert security_client.get("/admin").status_code == 403
    security_client.post("/logout", json={})


def test_flask_security_login_page_renders_its_form(security_client: AppClient) -> None:
    page = security_client.get("/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text
    assert 'name="password"' in page.text


# -- Authlib's Flask OAuth client ------------------------------------------------

_PROVIDER = textwrap.dedent(
    """
    import json, sys, urllib.parse
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Provider(BaseHTTPRequestHandler):
        def _send(self, status, data):
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/ready":
                self._send(200, {"ready": True})
            elif self.headers.get("Authorization") == "Bearer access-1":
                self._send(200, {"sub": "42", "name": "Ann"})
            else:
                self._send(401, {"error": "invalid_token"})

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if form.get("code") == ["code-1"]:
                self._send(200, {"access_token": "access-1", "token_type": "Bearer",
                                 "expires_in": 3600})
            else:
                self._send(400, {"error": "invalid_grant"})

        def log_message(self, *args):
            pass

    HTTPServer(("127.0.0.1", int(sys.argv[1])), Provider).serve_forever()
    """
)


@pytest.fixture(scope="module")
def oauth_provider(
    tmp_path_factory: pytest.TempPathFactory,
) -> t.Iterator[ServerProcess]:
    """A real OAuth 2 token and user-info endpoint in a subprocess."""
    folder = tmp_path_factory.mktemp("provider")
    script = folder / "provider.py"
    script.write_text(_PROVIDER)
    port = free_port()
    server = ServerProcess(
        [sys.executable, str(script), str(port)],
        port=port,
        folder=folder,
        env=server_environment(folder),
        name="the OAuth provider",
    )
    try:
        server.wait_ready("/ready")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def oauth_client(oauth_provider: ServerProcess) -> AppClient:
    """An app that logs in through the provider: ``/login`` redirects to
    its authorization page, ``/callback`` exchanges the code and reads the
    user's profile into the session."""
    flask = load("flask")
    flask_client = load("authlib.integrations.flask_client")

    base = f"http://127.0.0.1:{oauth_provider.port}"
    app = flask.Flask(__name__)
    app.secret_key = "oauth-key"
    oauth = flask_client.OAuth(app)
    oauth.register(
        "provider",
        client_id="client-1",
        client_secret="client-secret",
        authorize_url=f"{base}/authorize",
        access_token_url=f"{base}/token",
        api_base_url=f"{base}/",
    )

    @app.get("/login")
    def login() -> t.Any:
        return oauth.provider.authorize_redirect(
            flask.url_for("callback", _external=True)
        )

    @app.get("/callback")
    def callback() -> dict[str, t.Any]:
        token = oauth.provider.authorize_access_token()
        profile = oauth.provider.get("userinfo", token=token).json()
        flask.session["user"] = profile["name"]
        return {"token": token["access_token"], "profile": profile}

    @app.errorhandler(load("authlib.integrations.base_client").MismatchingStateError)
    def mismatching_state(e: Exception) -> tuple[str, int]:
        return "state mismatch", 400

    return app.test_client()


def test_authlib_authorize_redirect_carries_client_and_state(
    oauth_client: AppClient, oauth_provider: ServerProcess
) -> None:
    response = oauth_client.get("/login")
    assert response.status_code == 302
    location = urllib.parse.urlsplit(response.headers["Location"])
    assert location.netloc == f"127.0.0.1:{oauth_provider.port}"
    assert location.path == "/authorize"
    query = urllib.parse.parse_qs(location.query)
    assert query["client_id"] == ["client-1"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://localhost/callback"]
    assert query["state"][0]


def test_authlib_callback_exchanges_the_code_with_the_provider(
    oauth_client: AppClient,
) -> None:
    location = oauth_client.get("/login").headers["Location"]
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["state"][0]
    response = oauth_client.get(f"/callback?code=code-1&state={state}")
    assert response.status_code == 200, response.text
    assert response.get_json() == {
        "token": "access-1",
        "profile": {"sub": "42", "name": "Ann"},
    }
    with oauth_client.session_transaction() as session:
        assert session["user"] == "Ann"


def test_authlib_callback_with_a_foreign_state_is_refused(
    oauth_client: AppClient,
) -> None:
    oauth_client.get("/login")
    response = oauth_client.get("/callback?code=code-1&state=forged")
    assert response.status_code == 400
    assert response.text == "state mismatch"
