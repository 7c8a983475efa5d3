"""The test client and request builder: ``framework/testing.py``."""

from __future__ import annotations

import datetime
import typing as t

import pytest

from framework import (
    App,
    Response,
    g,
    has_request_context,
    redirect,
    request,
)
from framework.testing import AppClient, EnvironBuilder

# The client behaves the same whichever way its requests go (see the
# ``transport`` fixture in conftest.py).
pytestmark = pytest.mark.usefixtures("transport")


def _echo_routes(app: App) -> None:
    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo() -> dict[str, t.Any]:
        return {
            "method": request.method,
            "path": request.path,
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "json": request.get_json(silent=True),
            "is_json": request.is_json,
            "token": request.headers.get("X-Token"),
            "remote_addr": request.remote_addr,
        }

    @app.route("/json", methods=["POST"])
    def json_body() -> dict[str, t.Any]:
        return {"got": request.get_json()}


# -- requests ------------------------------------------------------------------


def test_get_returns_response(app: App, client: AppClient) -> None:
    _echo_routes(app)
    response = client.get("/echo")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["method"] == "GET"
    assert response.json["path"] == "/echo"
    assert response.json["remote_addr"] == "127.0.0.1"


def test_post_json(app: App, client: AppClient) -> None:
    _echo_routes(app)
    response = client.post("/echo", json={"name": "ann", "tags": [1, 2]})
    assert response.json is not None
    assert response.json["is_json"] is True
    assert response.json["json"] == {"name": "ann", "tags": [1, 2]}
    assert response.json["method"] == "POST"


def test_post_json_uses_app_json_provider(app: App, client: AppClient) -> None:
    _echo_routes(app)
    day = datetime.date(2024, 2, 29)
    response = client.post("/json", json={"day": day})
    assert response.status_code == 200
    assert response.json == {"got": {"day": "Thu, 29 Feb 2024 00:00:00 GMT"}}


def test_post_malformed_json_is_400(app: App, client: AppClient) -> None:
    _echo_routes(app)
    response = client.post("/json", data="{oops", content_type="application/json")
    assert response.status_code == 400


def test_post_form_data(app: App, client: AppClient) -> None:
    _echo_routes(app)
    response = client.post("/echo", data={"a": "1", "b": ["x", "y"]})
    assert response.json is not None
    assert response.json["form"] == {"a": ["1"], "b": ["x", "y"]}
    assert response.json["is_json"] is False


def test_query_string_argument_and_in_path(app: App, client: AppClient) -> None:
    _echo_routes(app)
    by_argument = client.get("/echo", query_string={"q": "term", "n": ["1", "2"]})
    assert by_argument.json is not None
    assert by_argument.json["args"] == {"q": ["term"], "n": ["1", "2"]}
    in_path = client.get("/echo?q=a%20b&q=c")
    assert in_path.json is not None
    assert in_path.json["args"] == {"q": ["a b", "c"]}


def test_headers(app: App, client: AppClient) -> None:
    _echo_routes(app)
    response = client.get("/echo", headers={"X-Token": "secret"})
    assert response.json is not None
    assert response.json["token"] == "secret"


def test_open_with_environ_builder(app: App, client: AppClient) -> None:
    _echo_routes(app)
    builder = EnvironBuilder(app, "/echo", method="PUT", query_string={"k": "v"})
    try:
        response = client.open(builder)
    finally:
        builder.close()
    assert response.json is not None
    assert response.json["method"] == "PUT"
    assert response.json["args"] == {"k": ["v"]}


def test_follow_redirects(app: App, client: AppClient) -> None:
    @app.route("/first")
    def first() -> Response:
        return redirect("/second")  # type: ignore[return-value]

    @app.route("/second")
    def second() -> Response:
        return redirect("/final?done=1", code=301)  # type: ignore[return-value]

    @app.route("/final")
    def final() -> str:
        return f"arrived {request.args['done']}"

    not_followed = client.get("/first")
    assert not_followed.status_code == 302
    assert not_followed.headers["Location"] == "/second"

    response = client.get("/first", follow_redirects=True)
    assert response.status_code == 200
    assert response.data == b"arrived 1"
    assert response.request.path == "/final"
    assert [r.status_code for r in response.history] == [302, 301]


# -- cookies -------------------------------------------------------------------


def _cookie_routes(app: App) -> None:
    @app.route("/set")
    def set_cookie() -> Response:
        response = app.response_class("set")
        response.set_cookie("flavor", "oatmeal")
        return response

    @app.route("/get")
    def get_cookie() -> str:
        return request.cookies.get("flavor", "none")

    @app.route("/delete")
    def delete_cookie() -> Response:
        response = app.response_class("deleted")
        response.delete_cookie("flavor")
        return response


def test_cookies_kept_across_requests(app: App, client: AppClient) -> None:
    _cookie_routes(app)
    assert client.get("/get").data == b"none"
    set_response = client.get("/set")
    assert "flavor=oatmeal" in set_response.headers["Set-Cookie"]
    assert client.get("/get").data == b"oatmeal"
    cookie = client.get_cookie("flavor")
    assert cookie is not None and cookie.value == "oatmeal"
    client.get("/delete")
    assert client.get("/get").data == b"none"
    assert client.get_cookie("flavor") is None


def test_client_set_cookie_reaches_view(app: App, client: AppClient) -> None:
    _cookie_routes(app)
    client.set_cookie("flavor", "ginger")
    assert client.get("/get").data == b"ginger"


def test_use_cookies_false_keeps_nothing(app: App) -> None:
    _cookie_routes(app)
    client = app.test_client(use_cookies=False)
    client.get("/set")
    assert client.get("/get").data == b"none"


# -- with client ----------------------------------------------------------------


def test_with_client_keeps_last_request_context(app: App, client: AppClient) -> None:
    @app.route("/a")
    def a() -> str:
        g.marker = "from a"
        return "a"

    @app.route("/b")
    def b() -> str:
        return "b"

    with client:
        client.get("/a?x=1")
        assert has_request_context()
        assert request.path == "/a"
        assert request.args["x"] == "1"
        assert g.marker == "from a"
        client.get("/b")
        assert request.path == "/b"
        assert "marker" not in g
    assert not has_request_context()


def test_without_with_block_no_context_is_kept(app: App, client: AppClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    assert not has_request_context()


@pytest.mark.one_transport
def test_nested_with_client_raises(app: App, client: AppClient) -> None:
    with client, pytest.raises(RuntimeError), client:
        pass
    assert not has_request_context()
    # The client is usable again after the block.
    with client:
        pass


# -- building requests from config ----------------------------------------------


@pytest.mark.one_transport
def test_test_request_context_defaults(app: App) -> None:
    with app.test_request_context("/p?q=1"):
        assert request.url == "http://localhost/p?q=1"
        assert request.host == "localhost"
        assert request.script_root == ""


@pytest.mark.one_transport
def test_test_request_context_from_config(app: App) -> None:
    app.config.update(
        SERVER_NAME="example.com:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with app.test_request_context("/p?q=1"):
        assert request.url == "https://example.com:8080/app/p?q=1"
        assert request.scheme == "https"
        assert request.host == "example.com:8080"
        assert request.script_root == "/app"
        assert request.path == "/p"
        assert request.args["q"] == "1"


@pytest.mark.one_transport
def test_test_request_context_full_url_path(app: App) -> None:
    app.config.update(SERVER_NAME="example.com", APPLICATION_ROOT="/app")
    with app.test_request_context("https://other.test/z"):
        assert request.host == "other.test"
        assert request.scheme == "https"
        assert request.path == "/z"
        assert request.script_root == "/app"


@pytest.mark.one_transport
def test_test_request_context_subdomain_and_url_scheme(app: App) -> None:
    app.config["SERVER_NAME"] = "example.com"
    with app.test_request_context("/x", subdomain="api"):
        assert request.host == "api.example.com"
        assert request.scheme == "http"
    with app.test_request_context("/x", url_scheme="https"):
        assert request.url == "https://example.com/x"
    with app.test_request_context("/x", subdomain="api", url_scheme="https"):
        assert request.url == "https://api.example.com/x"


@pytest.mark.one_transport
def test_subdomain_without_server_name_uses_localhost(app: App) -> None:
    with app.test_request_context("/", subdomain="api"):
        assert request.host == "api.localhost"


@pytest.mark.one_transport
def test_test_request_context_base_url(app: App) -> None:
    with app.test_request_context("/p", base_url="http://h.test/root"):
        assert request.url == "http://h.test/root/p"
        assert request.script_root == "/root"


@pytest.mark.one_transport
def test_base_url_with_subdomain_or_scheme_raises_type_error(app: App) -> None:
    with pytest.raises(TypeError):
        app.test_request_context("/", base_url="http://h.test", subdomain="api")
    with pytest.raises(TypeError):
        app.test_request_context("/", base_url="http://h.test", url_scheme="https")


def test_client_builds_requests_from_config(app: App, client: AppClient) -> None:
    app.config.update(SERVER_NAME="example.com", PREFERRED_URL_SCHEME="https")

    @app.route("/where")
    def where() -> str:
        return request.url

    assert client.get("/where?a=1").data == b"https://example.com/where?a=1"


def test_client_subdomain_routing() -> None:
    app = App("sub_app", subdomain_matching=True)
    app.testing = True
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/", subdomain="api")
    def api_index() -> str:
        return f"api at {request.host}"

    @app.route("/")
    def index() -> str:
        return f"main at {request.host}"

    client = app.test_client()
    assert client.get("/", subdomain="api").data == b"api at api.example.com"
    assert client.get("/").data == b"main at example.com"


# -- the client class ------------------------------------------------------------


def test_test_client_class_override(app: App) -> None:
    class TokenClient(AppClient):
        def __init__(self, *args: t.Any, token: str = "none", **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.environ_base["HTTP_X_TOKEN"] = token

    _echo_routes(app)
    app.test_client_class = TokenClient
    client = app.test_client(token="abc")
    assert isinstance(client, TokenClient)
    response = client.get("/echo")
    assert response.json is not None
    assert response.json["token"] == "abc"


@pytest.mark.one_transport
def test_default_test_client_class(app: App) -> None:
    assert app.test_client_class is None
    client = app.test_client()
    assert type(client) is AppClient
    assert client.application is app


# -- Flask's private helpers other test clients call ------------------------------


@pytest.mark.one_transport
def test_request_from_builder_args_builds_over_environ_base(
    app: App, client: AppClient
) -> None:
    client.environ_base["HTTP_X_BASE"] = "base"
    built = client._request_from_builder_args(
        (), {"path": "/socket.io?x=1", "headers": {"X-Extra": "yes"}}
    )
    assert built.path == "/socket.io"
    assert built.args["x"] == "1"
    assert built.headers["X-Extra"] == "yes"
    assert built.headers["X-Base"] == "base"
    assert built.remote_addr == "127.0.0.1"
    assert "werkzeug.debug.preserve_context" not in built.environ
    with client:
        kept = client._request_from_builder_args((), {"path": "/"})
        assert "werkzeug.debug.preserve_context" in kept.environ


def test_a_context_pushed_from_a_builder_request_sees_the_clients_session(
    app: App, client: AppClient
) -> None:
    # What Flask-SocketIO's test client does: build the environ with the
    # HTTP client, add its cookies, and handle events in a request context
    # pushed for that environ.
    from framework import session

    app.secret_key = "test secret"

    @app.post("/login/<name>")
    def login(name: str) -> str:
        session["user"] = name
        return "ok"

    client.post("/login/ann")
    environ = client._request_from_builder_args((), {"path": "/socket.io"}).environ
    client._add_cookies_to_wsgi(environ)
    with app.request_context(environ):
        assert session["user"] == "ann"
        assert request.path == "/socket.io"


# -- the transport ------------------------------------------------------------------


class _RecordingTransport:
    """A transport that runs requests through the WSGI one and keeps what
    it ran: the way another transport slots in."""

    def __init__(self, app: App) -> None:
        from framework.testing import WSGITransport

        self.inner = WSGITransport(app)
        self.paths: list[str] = []

    def run(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, t.Any]:
        self.paths.append(environ["PATH_INFO"])
        return self.inner.run(environ, buffered=buffered)


@pytest.mark.wsgi_only(reason="checks that the default transport is WSGI's")
def test_client_sends_requests_through_its_transport(app: App) -> None:
    from framework import session
    from framework.testing import WSGITransport

    app.secret_key = "test secret"

    @app.get("/set")
    def set_value() -> str:
        session["v"] = "kept"
        return "set"

    @app.get("/get")
    def get_value() -> str:
        return str(session.get("v"))

    @app.get("/go")
    def go() -> t.Any:
        return redirect("/get")

    assert isinstance(app.test_client().transport, WSGITransport)
    transport = _RecordingTransport(app)
    client = app.test_client(transport=transport)
    assert client.transport is transport
    client.get("/set")
    # Cookies are the client's business, whatever the transport.
    assert client.get("/go", follow_redirects=True).data == b"kept"
    assert transport.paths == ["/set", "/go", "/get"]


# -- Flask's defaults and messages ----------------------------------------------------


def test_default_user_agent_is_werkzeugs_as_in_flask(
    app: App, client: AppClient
) -> None:
    import importlib.metadata

    @app.get("/")
    def index() -> str:
        return request.user_agent.string

    version = importlib.metadata.version("werkzeug")
    assert client.get("/").data == f"Werkzeug/{version}".encode()


@pytest.mark.one_transport
def test_session_transaction_errors_say_what_is_missing(app: App) -> None:
    no_cookies = app.test_client(use_cookies=False)
    with (
        pytest.raises(TypeError, match="Cookies are disabled"),
        no_cookies.session_transaction(),
    ):
        pass
    keyless = App("keyless").test_client()
    with (
        pytest.raises(RuntimeError, match=r"did not open a session.*SECRET_KEY"),
        keyless.session_transaction(),
    ):
        pass
