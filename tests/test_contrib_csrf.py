"""framework_csrf: the first-party CSRF extension, through real apps and the
test client."""

from __future__ import annotations

import re
import typing as t

import pytest
from compat_alias import aliased_flask, load
from framework_csrf import CSRFError, CSRFProtect, csrf_token, validate_csrf

from framework import App, Blueprint, render_template_string, request, session
from framework import request as request_proxy
from framework.testing import AppClient
from framework.views import MethodView

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("transport")

FORM = (
    '<form method="post">'
    '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">'
    "</form>"
)
UNSAFE = ["POST", "PUT", "PATCH", "DELETE"]


def make_app() -> tuple[App, CSRFProtect]:
    app = App(__name__)
    app.testing = True
    app.secret_key = "test secret"
    csrf = CSRFProtect(app)

    @app.route("/form", methods=["GET", *UNSAFE])
    def form() -> str:
        if request.method == "GET":
            return render_template_string(FORM)
        return "saved"

    @app.get("/token")
    def token() -> str:
        return csrf_token()

    @app.post("/api")
    def api() -> dict[str, object]:
        return {"got": request.get_json()}

    @app.post("/logout")
    def logout() -> str:
        session.clear()
        return "bye"

    return app, csrf


@pytest.fixture
def app() -> App:
    return make_app()[0]


@pytest.fixture
def client(app: App) -> AppClient:
    return app.test_client()


def get_token(client: AppClient) -> str:
    return client.get("/token").get_data(as_text=True)


def test_extension_registered(app: App) -> None:
    assert isinstance(app.extensions["framework_csrf"], CSRFProtect)
    # "csrf" is Flask-WTF's key, which Flask extensions look up.
    assert "csrf" not in app.extensions
    assert app.config["CSRF_ENABLED"] is True
    assert app.config["CSRF_FIELD_NAME"] == "csrf_token"
    assert app.config["CSRF_HEADER_NAME"] == "X-CSRFToken"


def test_init_app_factory() -> None:
    csrf = CSRFProtect()
    app = App(__name__)
    app.secret_key = "test secret"
    csrf.init_app(app)

    @app.post("/")
    def index() -> str:
        return "ok"

    assert app.extensions["framework_csrf"] is csrf
    assert app.test_client().post("/").status_code == 400


def test_form_post_with_token(client: AppClient) -> None:
    token = get_token(client)
    response = client.post("/form", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "saved"


@pytest.mark.parametrize("method", UNSAFE)
def test_unsafe_methods_need_token(client: AppClient, method: str) -> None:
    token = get_token(client)
    assert client.open("/form", method=method).status_code == 400
    response = client.open("/form", method=method, data={"csrf_token": token})
    assert response.status_code == 200


def test_form_post_without_token(client: AppClient) -> None:
    get_token(client)
    response = client.post("/form", data={"name": "x"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.get_data(as_text=True)


def test_post_before_any_token(client: AppClient) -> None:
    # A fresh session has no token to compare with.
    response = client.post("/form", data={"csrf_token": "made-up"})
    assert response.status_code == 400
    assert "CSRF session token is missing" in response.get_data(as_text=True)


def test_form_post_wrong_token(client: AppClient) -> None:
    token = get_token(client)
    response = client.post("/form", data={"csrf_token": token + "x"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.get_data(as_text=True)


def test_header_token(client: AppClient) -> None:
    token = get_token(client)
    response = client.post("/form", headers={"X-CSRFToken": token})
    assert response.status_code == 200
    wrong = client.post("/form", headers={"X-CSRFToken": "nope"})
    assert wrong.status_code == 400


def test_json_api_with_header(client: AppClient) -> None:
    token = get_token(client)
    response = client.post("/api", json={"a": 1}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert response.get_json() == {"got": {"a": 1}}
    assert client.post("/api", json={"a": 1}).status_code == 400


def test_custom_field_and_header_names() -> None:
    app, _ = make_app()
    app.config["CSRF_FIELD_NAME"] = "_token"
    app.config["CSRF_HEADER_NAME"] = "X-XSRF-Token"
    client = app.test_client()
    token = get_token(client)
    assert client.post("/form", data={"_token": token}).status_code == 200
    assert client.post("/form", data={"csrf_token": token}).status_code == 400
    assert client.post("/form", headers={"X-XSRF-Token": token}).status_code == 200
    assert client.post("/form", headers={"X-CSRFToken": token}).status_code == 400


def test_custom_session_key() -> None:
    app, _ = make_app()
    app.config["CSRF_SESSION_KEY"] = "_my_csrf"
    client = app.test_client()
    token = get_token(client)
    with client.session_transaction() as sess:
        assert sess["_my_csrf"] == token
        assert "_csrf_token" not in sess
    assert client.post("/form", data={"csrf_token": token}).status_code == 200


def test_known_token_set_with_session_transaction(client: AppClient) -> None:
    with client.session_transaction() as sess:
        sess["_csrf_token"] = "known"
    assert client.post("/form", data={"csrf_token": "known"}).status_code == 200
    assert client.post("/form", data={"csrf_token": "other"}).status_code == 400


def test_exempt_view() -> None:
    app, csrf = make_app()

    @csrf.exempt
    @app.post("/webhook")
    def webhook() -> str:
        return "hooked"

    @app.post("/webhook2")
    @csrf.exempt
    def webhook2() -> str:
        return "hooked"

    client = app.test_client()
    assert client.post("/webhook").get_data(as_text=True) == "hooked"
    assert client.post("/webhook2").status_code == 200
    assert client.post("/form").status_code == 400


def test_exempt_class_based_view() -> None:
    app, csrf = make_app()

    class Items(MethodView):
        def post(self) -> str:
            return "created"

    csrf.exempt(Items)
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert app.test_client().post("/items").status_code == 200


def test_exempt_blueprint() -> None:
    app, csrf = make_app()
    api = Blueprint("api", __name__)
    protected = Blueprint("protected", __name__)

    @api.post("/ping")
    def ping() -> str:
        return "pong"

    @protected.post("/ping")
    def protected_ping() -> str:
        return "pong"

    csrf.exempt(api)
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(protected, url_prefix="/protected")
    client = app.test_client()
    assert client.post("/api/ping").status_code == 200
    assert client.post("/protected/ping").status_code == 400


def test_exempt_blueprint_nested_and_renamed() -> None:
    app, csrf = make_app()
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.post("/ping")
    def ping() -> str:
        return "pong"

    csrf.exempt(child)
    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    app.register_blueprint(child, url_prefix="/other", name="other")
    client = app.test_client()
    assert client.post("/parent/child/ping").status_code == 200
    assert client.post("/other/ping").status_code == 200


def test_exempt_parent_blueprint_covers_children() -> None:
    app, csrf = make_app()
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @child.post("/ping")
    def ping() -> str:
        return "pong"

    parent.register_blueprint(child, url_prefix="/child")
    csrf.exempt(parent)
    app.register_blueprint(parent, url_prefix="/parent")
    assert app.test_client().post("/parent/child/ping").status_code == 200


def test_exempt_blueprint_after_registration() -> None:
    app, csrf = make_app()
    api = Blueprint("api", __name__)

    @api.post("/ping")
    def ping() -> str:
        return "pong"

    app.register_blueprint(api, url_prefix="/api")
    assert csrf.exempt(api) is api
    assert app.test_client().post("/api/ping").status_code == 200


def test_blueprint_exempted_after_registration_only_by_its_own_name() -> None:
    app, csrf = make_app()
    api = Blueprint("api", __name__)

    @api.post("/ping")
    def ping() -> str:
        return "pong"

    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(api, url_prefix="/v2", name="api_v2")
    csrf.exempt(api)
    client = app.test_client()
    assert client.post("/api/ping").status_code == 200
    assert client.post("/v2/ping").status_code == 400


def test_disabled(app: App, client: AppClient) -> None:
    app.config["CSRF_ENABLED"] = False
    assert client.post("/form").status_code == 200
    # The token is still there for templates.
    assert len(get_token(client)) > 20


def test_custom_error_handler() -> None:
    app, _ = make_app()

    @app.errorhandler(CSRFError)
    def csrf_failed(e: CSRFError) -> tuple[dict[str, object], int]:
        return {"error": e.description}, 419

    client = app.test_client()
    response = client.post("/form")
    assert response.status_code == 419
    assert response.get_json() == {"error": "The CSRF token is missing."}


def test_is_bad_request() -> None:
    from werkzeug.exceptions import BadRequest

    assert issubclass(CSRFError, BadRequest)
    assert CSRFError.code == 400


def test_token_in_rendered_template(client: AppClient) -> None:
    page = client.get("/form").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    token = match.group(1)
    assert token == get_token(client)
    assert client.post("/form", data={"csrf_token": token}).status_code == 200


def test_token_stable_across_requests(client: AppClient) -> None:
    first = get_token(client)
    assert client.post("/form", data={"csrf_token": first}).status_code == 200
    assert get_token(client) == first
    assert client.post("/form", data={"csrf_token": first}).status_code == 200
    assert get_token(client) == first


def test_token_is_random_per_session(app: App) -> None:
    assert get_token(app.test_client()) != get_token(app.test_client())


def test_other_sessions_token_refused(app: App) -> None:
    alice = app.test_client()
    mallory = app.test_client()
    alice_token = get_token(alice)
    get_token(mallory)
    assert mallory.post("/form", data={"csrf_token": alice_token}).status_code == 400
    assert alice.post("/form", data={"csrf_token": alice_token}).status_code == 200


def test_cleared_session_gets_new_token(client: AppClient) -> None:
    token = get_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    assert client.post("/form", data={"csrf_token": token}).status_code == 400
    assert get_token(client) != token


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_safe_methods_unchecked(app: App, method: str) -> None:
    @app.route("/safe", methods=[method])
    def safe() -> str:
        return "ok"

    response = app.test_client().open("/safe", method=method)
    assert response.status_code == 200


def test_unrouted_request_is_not_checked(client: AppClient) -> None:
    assert client.post("/missing").status_code == 404
    assert client.post("/token").status_code == 405


@pytest.mark.parametrize(
    "garbage",
    ["", "é" * 10, "\u2603\U0001f600", "x" * 100_000, "\x00", "%ff", " "],
    ids=["empty", "non-ascii", "emoji", "huge", "nul", "percent", "space"],
)
def test_garbage_tokens_are_400(client: AppClient, garbage: str) -> None:
    get_token(client)
    assert client.post("/form", data={"csrf_token": garbage}).status_code == 400
    assert (
        client.post(
            "/api",
            json={},
            headers={"X-CSRFToken": garbage.encode("utf-8").decode("latin-1")},
        ).status_code
        == 400
    )


def test_non_utf8_header_bytes_are_400(client: AppClient) -> None:
    get_token(client)
    environ = {"HTTP_X_CSRFTOKEN": b"\xff\xfe".decode("latin-1")}
    response = client.post("/form", environ_overrides=environ)
    assert response.status_code == 400


def test_validate_csrf_and_protect_by_hand() -> None:
    app, csrf = make_app()

    @app.post("/manual")
    @csrf.exempt
    def manual() -> str:
        if request.form.get("check"):
            csrf.protect()
        return "ok"

    client = app.test_client()
    token = get_token(client)
    assert client.post("/manual").status_code == 200
    assert client.post("/manual", data={"check": "1"}).status_code == 400
    data = {"check": "1", "csrf_token": token}
    assert client.post("/manual", data=data).status_code == 200

    with app.test_request_context():
        with pytest.raises(CSRFError):
            validate_csrf(None)
        token = csrf_token()
        assert csrf_token() == token
        validate_csrf(token)
        with pytest.raises(CSRFError, match="invalid"):
            validate_csrf(token[:-1])


def test_docs_page_examples_run() -> None:
    # tests/test_docs.py runs the top-level pages only; this page is in
    # docs/contrib/.
    import pathlib

    from test_docs import python_blocks

    page = pathlib.Path(__file__).resolve().parent.parent / "docs/contrib/csrf.rst"
    blocks = python_blocks(page)
    assert blocks
    namespace: dict[str, object] = {"__name__": "docs_contrib_csrf"}
    # The section on Flask-WTF installs the Flask alias; this undoes it.
    with aliased_flask():
        for line, code in blocks:
            exec(compile(code, f"csrf.rst:{line}", "exec"), namespace)


# -- next to other extensions ----------------------------------------------------


def test_both_template_globals_render_the_token(app: App) -> None:
    with app.test_request_context():
        rendered = render_template_string(
            "{{ csrf_token() }} {{ framework_csrf_token() }}"
        )
        token = csrf_token()
    assert rendered == f"{token} {token}"


def _other_token() -> str:
    return "another extension: token"


@pytest.mark.parametrize("environment_exists", [False, True])
def test_csrf_token_global_of_another_extension_is_kept(
    environment_exists: bool,
) -> None:
    app = App(__name__)
    app.secret_key = "test secret"
    if environment_exists:
        # Flask-WTF writes the Jinja environment's globals directly.
        app.jinja_env.globals["csrf_token"] = _other_token
    else:
        app.add_template_global(_other_token, "csrf_token")
    CSRFProtect(app)
    with app.test_request_context():
        rendered = render_template_string(
            "{{ csrf_token() }}|{{ framework_csrf_token() }}"
        )
        assert rendered == f"{_other_token()}|{csrf_token()}"


class _BothApp(t.NamedTuple):
    client: AppClient
    wtf_csrf: t.Any
    csrf: CSRFProtect


@pytest.fixture(params=["flask_wtf_first", "framework_csrf_first"])
def both_app(request: pytest.FixtureRequest) -> t.Iterator[_BothApp]:
    """Flask-WTF's CSRFProtect (through the Flask alias) and ours on one
    app, set up in either order. Ours reads its token from its own field,
    so that a form carries both."""
    with aliased_flask():
        flask_wtf_csrf = load("flask_wtf.csrf")
        app = App(__name__)
        app.secret_key = "test secret"
        app.config["CSRF_FIELD_NAME"] = "framework_csrf_token"
        if request.param == "flask_wtf_first":
            wtf_csrf = flask_wtf_csrf.CSRFProtect(app)
            csrf = CSRFProtect(app)
        else:
            csrf = CSRFProtect(app)
            wtf_csrf = flask_wtf_csrf.CSRFProtect(app)

        @app.route("/form", methods=["GET", "POST"])
        def form() -> str:
            if request_proxy.method == "POST":
                return "saved"
            return render_template_string(
                "{{ csrf_token() }} {{ framework_csrf_token() }}"
            )

        @app.post("/wtf-exempt")
        @wtf_csrf.exempt
        def wtf_exempt() -> str:
            return "saved"

        @app.post("/ours-exempt")
        @csrf.exempt
        def ours_exempt() -> str:
            return "saved"

        @app.errorhandler(flask_wtf_csrf.CSRFError)
        def flask_wtf_refused(e: Exception) -> tuple[str, int]:
            return "refused by Flask-WTF", 400

        @app.errorhandler(CSRFError)
        def ours_refused(e: Exception) -> tuple[str, int]:
            return "refused by framework_csrf", 400

        yield _BothApp(app.test_client(), wtf_csrf, csrf)


def _both_tokens(client: AppClient) -> dict[str, str]:
    wtf_token, our_token = client.get("/form").get_data(as_text=True).split()
    return {"csrf_token": wtf_token, "framework_csrf_token": our_token}


def test_flask_wtf_and_framework_csrf_keep_their_own_keys(both_app: _BothApp) -> None:
    extensions = both_app.client.application.extensions
    assert extensions["csrf"] is both_app.wtf_csrf
    assert extensions["framework_csrf"] is both_app.csrf


def test_flask_wtf_and_framework_csrf_each_check_their_token(
    both_app: _BothApp,
) -> None:
    client = both_app.client
    tokens = _both_tokens(client)
    # Flask-WTF's token is signed, ours is the raw session token.
    assert tokens["csrf_token"] != tokens["framework_csrf_token"]
    assert client.post("/form", data=tokens).get_data(as_text=True) == "saved"
    without_ours = {"csrf_token": tokens["csrf_token"]}
    refused = client.post("/form", data=without_ours)
    assert (refused.status_code, refused.get_data(as_text=True)) == (
        400,
        "refused by framework_csrf",
    )
    without_flask_wtf = {"framework_csrf_token": tokens["framework_csrf_token"]}
    refused = client.post("/form", data=without_flask_wtf)
    assert (refused.status_code, refused.get_data(as_text=True)) == (
        400,
        "refused by Flask-WTF",
    )


def test_flask_wtf_and_framework_csrf_exemptions_are_separate(
    both_app: _BothApp,
) -> None:
    client = both_app.client
    tokens = _both_tokens(client)
    # Exempt from one check only: the other one still applies.
    refused = client.post("/wtf-exempt")
    assert refused.get_data(as_text=True) == "refused by framework_csrf"
    ours_only = {"framework_csrf_token": tokens["framework_csrf_token"]}
    assert client.post("/wtf-exempt", data=ours_only).status_code == 200
    refused = client.post("/ours-exempt")
    assert refused.get_data(as_text=True) == "refused by Flask-WTF"
    flask_wtf_only = {"csrf_token": tokens["csrf_token"]}
    assert client.post("/ours-exempt", data=flask_wtf_only).status_code == 200
