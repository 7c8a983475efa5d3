"""The Router strategy (framework/routing.py), alone and through App."""

from __future__ import annotations

import typing as t
import uuid
import warnings

import pytest
from attrs import define
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import (
    BaseConverter,
    BuildError,
    Map,
    RequestRedirect,
    Rule,
    ValidationError,
)
from werkzeug.test import EnvironBuilder, run_wsgi_app

from framework import App, g, request, url_for
from framework.ctx import AppContext
from framework.globals import request_ctx
from framework.routing import Router
from framework.testing import AppClient

# -- helpers -------------------------------------------------------------


def make_app(**kwargs: t.Any) -> App:
    app = App("test_routing", static_folder=None, **kwargs)
    app.testing = True
    return app


def echo(**kwargs: t.Any) -> dict[str, t.Any]:
    """A view that reports what routing gave it."""
    return {
        "endpoint": request.endpoint,
        "args": {k: repr(v) for k, v in kwargs.items()},
    }


def wsgi_path(text: str) -> str:
    """``text`` as a WSGI ``PATH_INFO`` value (UTF-8 bytes as latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def raw_environ(
    path_info: str,
    method: str = "GET",
    query: str = "",
    host: str = "localhost",
    **extra: str,
) -> dict[str, t.Any]:
    """A complete WSGI environ whose ``PATH_INFO`` is set verbatim; ``extra``
    adds environ keys."""
    builder = EnvironBuilder("/", base_url=f"http://{host}/", method=method)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    environ["PATH_INFO"] = path_info
    environ["QUERY_STRING"] = query
    environ.update(extra)
    return environ


def call(app: App, environ: dict[str, t.Any]) -> tuple[int, Headers, bytes]:
    """One real WSGI call."""
    app_iter, status, headers = run_wsgi_app(app, environ)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return int(status.split()[0]), headers, body


# -- converters -----------------------------------------------------------


@pytest.fixture
def conv_client(app: App) -> AppClient:
    app.add_url_rule("/int/<int:n>", "int_view", echo)
    app.add_url_rule("/signed/<int(signed=True):n>", "signed_view", echo)
    app.add_url_rule("/range/<int(min=1, max=10):n>", "range_view", echo)
    app.add_url_rule("/float/<float:x>", "float_view", echo)
    app.add_url_rule("/files/<path:p>", "path_view", echo)
    app.add_url_rule("/u/<uuid:uid>", "uuid_view", echo)
    app.add_url_rule("/kind/<any(cat, dog):kind>", "any_view", echo)
    app.add_url_rule("/code/<string(length=3):code>", "length_view", echo)
    app.add_url_rule(
        "/name/<string(minlength=2, maxlength=4):name>", "minmax_view", echo
    )
    app.add_url_rule("/s/<name>", "default_view", echo)
    return app.test_client()


def test_int_converter_gives_an_int(conv_client: AppClient) -> None:
    assert conv_client.get("/int/42").json == {
        "endpoint": "int_view",
        "args": {"n": "42"},
    }
    assert conv_client.get("/int/-1").status_code == 404
    assert conv_client.get("/int/4x").status_code == 404
    assert conv_client.get("/signed/-7").json["args"] == {"n": "-7"}


def test_int_converter_min_max(conv_client: AppClient) -> None:
    assert conv_client.get("/range/10").status_code == 200
    assert conv_client.get("/range/11").status_code == 404
    assert conv_client.get("/range/0").status_code == 404


def test_float_converter(conv_client: AppClient) -> None:
    assert conv_client.get("/float/1.5").json["args"] == {"x": "1.5"}
    # werkzeug's float converter needs a dot
    assert conv_client.get("/float/1").status_code == 404


def test_path_converter_takes_slashes(conv_client: AppClient) -> None:
    response = conv_client.get("/files/a/b/c.txt")
    assert response.json["args"] == {"p": "'a/b/c.txt'"}


def test_uuid_converter(conv_client: AppClient) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    response = conv_client.get(f"/u/{value}")
    assert response.json["args"] == {"uid": repr(value)}
    assert conv_client.get("/u/not-a-uuid").status_code == 404


def test_any_converter(conv_client: AppClient) -> None:
    assert conv_client.get("/kind/dog").json["args"] == {"kind": "'dog'"}
    assert conv_client.get("/kind/cow").status_code == 404


def test_string_converter_length(conv_client: AppClient) -> None:
    assert conv_client.get("/code/abc").json["args"] == {"code": "'abc'"}
    assert conv_client.get("/code/ab").status_code == 404
    assert conv_client.get("/code/abcd").status_code == 404
    assert conv_client.get("/name/a").status_code == 404
    assert conv_client.get("/name/ab").status_code == 200
    assert conv_client.get("/name/abcd").status_code == 200
    assert conv_client.get("/name/abcde").status_code == 404


def test_default_converter_decodes_percent_escapes(conv_client: AppClient) -> None:
    response = conv_client.get("/s/caf%C3%A9%20au%20lait")
    assert response.json["args"] == {"name": repr("café au lait")}


def test_converters_build_urls(app: App, conv_client: AppClient) -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with app.test_request_context():
        assert url_for("int_view", n=3) == "/int/3"
        assert url_for("float_view", x=2.5) == "/float/2.5"
        assert url_for("path_view", p="a/b c") == "/files/a/b%20c"
        assert url_for("uuid_view", uid=value) == f"/u/{value}"
        assert url_for("any_view", kind="cat") == "/kind/cat"
        assert url_for("default_view", name="café") == "/s/caf%C3%A9"
        with pytest.raises(ValueError, match="not one of"):
            url_for("any_view", kind="cow")


class ListConverter(BaseConverter):
    """``a,b,c`` in the URL, ``["a", "b", "c"]`` in the view."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


class EvenConverter(BaseConverter):
    """Even numbers only; anything else does not match."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number % 2:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return f"{value:04d}"


@pytest.fixture
def custom_app(app: App) -> App:
    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["even"] = EvenConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, t.Any]:
        return {"tags": tags, "self": url_for("tags", tags=tags)}

    @app.route("/even/<even:n>")
    def even(n: int) -> dict[str, t.Any]:
        return {"n": n, "type": type(n).__name__}

    return app


def test_custom_converter_to_python_and_to_url_in_request(custom_app: App) -> None:
    response = custom_app.test_client().get("/tags/a,b%20c,d")
    assert response.status_code == 200
    assert response.json == {"tags": ["a", "b c", "d"], "self": "/tags/a,b%20c,d"}


def test_custom_converter_to_url_via_url_for(custom_app: App) -> None:
    with custom_app.test_request_context():
        assert url_for("tags", tags=["x", "y z"]) == "/tags/x,y%20z"
        assert url_for("even", n=8) == "/even/0008"


def test_custom_converter_validation_error_is_404(custom_app: App) -> None:
    client = custom_app.test_client()
    assert client.get("/even/0008").json == {"n": 8, "type": "int"}
    assert client.get("/even/7").status_code == 404
    assert client.get("/even/x").status_code == 404


# -- methods ----------------------------------------------------------------


def test_route_methods_list(app: App, client: AppClient) -> None:
    @app.route("/form", methods=["GET", "post"])
    def form() -> str:
        return request.method

    assert client.get("/form").data == b"GET"
    assert client.post("/form").data == b"POST"
    response = client.put("/form")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_method_shortcuts(app: App, client: AppClient) -> None:
    @app.get("/res")
    def res_get() -> str:
        return "get"

    @app.post("/res")
    def res_post() -> str:
        return "post"

    @app.put("/res")
    def res_put() -> str:
        return "put"

    @app.patch("/res")
    def res_patch() -> str:
        return "patch"

    @app.delete("/res")
    def res_delete() -> str:
        return "delete"

    assert client.get("/res").data == b"get"
    assert client.head("/res").status_code == 200
    assert client.post("/res").data == b"post"
    assert client.put("/res").data == b"put"
    assert client.patch("/res").data == b"patch"
    assert client.delete("/res").data == b"delete"
    assert {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"} == {
        "res_get",
        "res_post",
        "res_put",
        "res_patch",
        "res_delete",
    }


def test_methods_as_a_string_is_a_type_error(app: App) -> None:
    with pytest.raises(TypeError, match="methods"):

        @app.route("/x", methods="POST")
        def x() -> str:
            return ""

    with pytest.raises(TypeError, match="methods"):
        app.add_url_rule("/y", "y", lambda: "", methods="GET")


def test_same_path_different_methods_and_endpoints(app: App, client: AppClient) -> None:
    @app.route("/thing", methods=["GET"])
    def show_thing() -> str:
        return f"show {request.endpoint}"

    @app.route("/thing", methods=["POST"])
    def make_thing() -> str:
        return f"make {request.endpoint}"

    assert client.get("/thing").data == b"show show_thing"
    assert client.post("/thing").data == b"make make_thing"
    response = client.delete("/thing")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


# -- strict slashes ---------------------------------------------------------


def test_strict_slash_rule_redirects_and_keeps_query(
    app: App, client: AppClient
) -> None:
    @app.route("/foo/", methods=["GET", "POST"])
    def foo() -> str:
        return "foo"

    response = client.get("/foo?x=1&y=%C3%A9")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/foo/?x=1&y=%C3%A9"
    assert client.get("/foo/").data == b"foo"
    assert client.get("/foo", follow_redirects=True).data == b"foo"
    # bound adapters are reused between requests: each keeps its own query
    again = client.get("/foo?other=2")
    assert again.headers["Location"] == "http://localhost/foo/?other=2"
    assert client.get("/foo").headers["Location"] == "http://localhost/foo/"
    post = client.post("/foo?x=1")
    assert post.status_code == 308
    assert post.headers["Location"] == "http://localhost/foo/?x=1"


def test_strict_slashes_false_matches_both(app: App, client: AppClient) -> None:
    @app.route("/bar/", strict_slashes=False)
    def bar() -> str:
        return "bar"

    assert client.get("/bar").status_code == 200
    assert client.get("/bar").data == b"bar"
    assert client.get("/bar/").data == b"bar"


def test_no_slash_rule_with_slash_is_404(app: App, client: AppClient) -> None:
    @app.route("/plain")
    def plain() -> str:
        return "plain"

    assert client.get("/plain").status_code == 200
    assert client.get("/plain/").status_code == 404


def test_empty_path_info_redirects_to_root(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    status, headers, _ = call(app, raw_environ(""))
    assert status == 308
    assert headers["Location"] == "http://localhost/"


# -- the static fast path agrees with werkzeug -----------------------------


def view(**kwargs: t.Any) -> str:
    return ""


def build_mixed_app() -> tuple[App, list[tuple[str | None, t.Any]]]:
    app = make_app()
    add = app.add_url_rule
    add("/", "index", view)
    add("/about", "about", view)
    add("/about/team/", "team", view)
    add("/loose/", "loose", view, strict_slashes=False)
    # a static rule and a converter rule for the same path, other methods
    add("/items/new", "items_new", view, methods=["GET"])
    add("/items/<name>", "item_post", view, methods=["POST"])
    add("/items/<int:item_id>", "item_get", view)
    add("/forms/new", "forms_new", view, methods=["POST"])
    add("/forms/<name>", "form_get", view)
    # static wins over a converter at the same path and method
    add("/api/v1", "api_v1", view)
    add("/api/<version>", "api", view)
    add("/files/<path:p>", "files", view)
    # one endpoint, several rules, defaults
    add("/page/", "page", view, defaults={"n": 1})
    add("/page/<int:n>", "page", view)
    add("/twice-a", "twice", view)
    add("/twice-b", "twice", view, methods=["GET", "POST"])
    # a static rule with defaults, alone for its endpoint
    add("/greet", "greet", view, defaults={"who": "world"})
    add("/old", "old", view, redirect_to="/about")
    add("/old/<int:x>", "old_item", view, redirect_to="/items/<x>")
    # two static rules, one path, different endpoints
    add("/dup", "dup_get", view, methods=["GET"])
    add("/dup", "dup_post", view, methods=["POST", "PUT"])
    add("/both", "both_get", view, methods=["GET"])
    add("/both", "both_any", view, methods=["GET", "POST"])
    add("/café", "cafe", view)
    add("/kind/<any(a, b):kind>", "kind", view)
    add("/u/<uuid:uid>", "uid", view)
    add("/no-options", "no_options", view, provide_automatic_options=False)
    # werkzeug never matches a build-only rule; it only builds URLs
    add("/build-only", "build_only", view, build_only=True)
    add("/ws", "ws", view, websocket=True)
    # alone under their first segment: matched without werkzeug's matcher
    add("/num/<int:n>", "num", view)
    add("/pair/<int:a>-<int:b>", "pair", view)
    add("/deep/<int:n>/end", "deep", view)
    add("/slash/<name>/", "slash", view)
    add("/lim/<int(min=3):n>", "lim", view)
    add("/defs/<int:n>", "defs", view, defaults={"extra": 1})
    add("/posted/<int:n>", "posted", view, methods=["POST"])
    add("/nonstrict/<int:n>", "nonstrict", view, strict_slashes=False)

    records: list[tuple[str | None, t.Any]] = []

    @app.after_request
    def record(response: t.Any) -> t.Any:
        rule = request.url_rule
        records.append((None if rule is None else rule.endpoint, request.view_args))
        return response

    return app, records


PATHS = [
    "",
    "/",
    "//",
    "/about",
    "//about",
    "///about",
    "/about/",
    "/about//",
    "/about/team",
    "/about/team/",
    "/loose",
    "/loose/",
    "/items/new",
    "/items/new/",
    "/items//new",
    "/items/42",
    "/items/abc",
    "/items/",
    "/items/50%",
    "/forms/new",
    "/forms/x",
    "/api/v1",
    "/api/v2",
    "/files/a/b/c.txt",
    "/files/",
    "/page/",
    "/page",
    "/page/1",
    "/page/2",
    "/twice-a",
    "/twice-b",
    "/greet",
    "/greet/",
    "/old",
    "/old/5",
    "/dup",
    "/both",
    wsgi_path("/café"),
    wsgi_path("//café"),
    "/caf\xc3",  # invalid UTF-8: a lone lead byte
    "/items/\xff\xfe",  # invalid UTF-8 through a converter
    "/\xff",
    wsgi_path("/items/日本"),
    "/kind/a",
    "/kind/c",
    "/u/12345678-1234-5678-1234-567812345678",
    "/u/nope",
    "/no-options",
    "/build-only",
    "/ws",
    "about",  # no leading slash
    "/nothing/here",
    "/num/5",
    "/num/x",
    "/num/5/",
    "/num//5",
    "/num/05",
    "/num",
    "/num/",
    "/num/5/6",
    "/pair/3-4",
    "/pair/3",
    "/deep/4/end",
    "/deep/4/end/",
    "/deep/4",
    "/slash/a",
    "/slash/a/",
    "/slash//",
    "/lim/2",
    "/lim/9",
    "/defs/3",
    "/posted/1",
    "/nonstrict/1",
    "/nonstrict/1/",
    wsgi_path("/num/日本"),
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


Expectation = tuple[int, "str | None", t.Any, "str | None", "set[str] | None"]


def werkzeug_expectation(url_map: Map, environ: dict[str, t.Any]) -> Expectation:
    """(status, endpoint, view args, Location, Allow) per werkzeug alone."""
    adapter = url_map.bind_to_environ(environ)
    try:
        rule, args = adapter.match(return_rule=True)
    except RequestRedirect as e:
        return e.code, None, None, e.new_url, None
    except MethodNotAllowed as e:
        return 405, None, None, None, set(e.valid_methods or ())
    except HTTPException as e:
        assert e.code is not None
        return e.code, None, None, None, None
    allow = None
    if environ["REQUEST_METHOD"] == "OPTIONS":
        allow = set(adapter.allowed_methods())
    return 200, rule.endpoint, args, None, allow


ENVIRON_VARIANTS = {
    "plain": {},
    "query": {"QUERY_STRING": "q=1&r=%C3%A9"},
    "websocket": {
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "keep-alive, Upgrade",
    },
}


@pytest.mark.parametrize("variant", ENVIRON_VARIANTS)
def test_static_fast_path_agrees_with_werkzeug(variant: str) -> None:
    """For each path and method, the app's status, endpoint, view args,
    Location and Allow are what werkzeug's matcher gives for the same rules."""
    extra = ENVIRON_VARIANTS[variant]
    app, records = build_mixed_app()
    reference = app.url_map
    mismatches = []
    for path in PATHS:
        for method in METHODS:
            expected = werkzeug_expectation(
                reference, raw_environ(path, method, **extra)
            )
            records.clear()
            status, headers, _ = call(app, raw_environ(path, method, **extra))
            endpoint, args = records[-1] if records else ("<no record>", None)
            allow = None
            if status == 405 or (status == 200 and method == "OPTIONS"):
                allow = set(headers.get("Allow", "").split(", ")) - {""}
            location = headers.get("Location") if 300 <= status < 400 else None
            actual = (status, endpoint, args, location, allow)
            if actual != expected:
                mismatches.append((path, method, expected, actual))
    assert mismatches == []


def test_fast_path_never_500_on_invalid_utf8() -> None:
    app, _ = build_mixed_app()
    status, _, _ = call(app, raw_environ("/caf\xc3\xa9\xc3"))
    assert status == 404
    status, _, _ = call(app, raw_environ("/items/\xc3(", "POST"))
    assert status == 200


def test_static_rule_then_converter_rule_same_path() -> None:
    app, records = build_mixed_app()
    client = app.test_client()
    assert client.get("/items/new").status_code == 200
    assert records[-1] == ("items_new", {})
    assert client.post("/items/new").status_code == 200
    assert records[-1] == ("item_post", {"name": "new"})
    assert client.get("/forms/new").status_code == 200
    assert records[-1] == ("form_get", {"name": "new"})
    assert client.post("/forms/new").status_code == 200
    assert records[-1] == ("forms_new", {})


def test_build_only_rule_is_not_matched(app: App, client: AppClient) -> None:
    app.add_url_rule("/ext", "ext", build_only=True)

    @app.route("/")
    def index() -> str:
        return url_for("ext")

    assert client.get("/").data == b"/ext"
    assert client.get("/ext").status_code == 404
    assert client.head("/ext").status_code == 404


def test_websocket_upgrade_to_a_plain_rule_is_400(app: App, client: AppClient) -> None:
    """werkzeug refuses a websocket request to a non-websocket rule."""

    @app.route("/about")
    def about() -> str:
        return "about"

    @app.route("/n/<int:n>")
    def number(n: int) -> str:
        return "n"

    headers = {"Upgrade": "websocket", "Connection": "Upgrade"}
    assert client.get("/n/1", headers=headers).status_code == 400
    assert client.get("/about", headers=headers).status_code == 400
    assert client.get("/about").status_code == 200


def test_static_rule_defaults_are_not_shared_between_requests() -> None:
    app, records = build_mixed_app()

    @app.url_value_preprocessor
    def mutate(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values is not None and endpoint == "greet":
            values["who"] = values["who"] + "!"

    client = app.test_client()
    client.get("/greet")
    client.get("/greet")
    assert records == [("greet", {"who": "world!"}), ("greet", {"who": "world!"})]


# -- host and subdomain matching ---------------------------------------------


@pytest.fixture
def host_app() -> App:
    app = make_app(host_matching=True)

    @app.route("/", host="example.com")
    def index() -> str:
        return f"main {url_for('user_home', user='bob')} {url_for('index')}"

    @app.route("/", host="<user>.example.org")
    def user_home(user: str) -> str:
        return f"user {user} {url_for('index')} {url_for('user_home', user=user)}"

    return app


def test_host_matching_routes_by_host(host_app: App) -> None:
    client = host_app.test_client()
    main = client.get("/", headers={"Host": "example.com"})
    assert main.data == b"main http://bob.example.org/ /"
    user = client.get("/", headers={"Host": "alice.example.org"})
    assert user.data == b"user alice http://example.com/ /"
    assert client.get("/", headers={"Host": "other.net"}).status_code == 404


def test_host_matching_url_for_in_request_context(host_app: App) -> None:
    with host_app.test_request_context("/", base_url="http://alice.example.org/"):
        assert url_for("index") == "http://example.com/"
        assert url_for("user_home", user="alice") == "/"
        assert url_for("user_home", user="zoe") == "http://zoe.example.org/"


@pytest.fixture
def subdomain_app() -> App:
    app = make_app(subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"

    @app.route("/")
    def index() -> str:
        return f"main {url_for('user', user='bob')}"

    @app.route("/", subdomain="<user>")
    def user(user: str) -> str:
        return f"user {user} {url_for('index')} {url_for('user', user=user)}"

    @app.route("/static-page", subdomain="docs")
    def docs_page() -> str:
        return "docs"

    return app


def test_subdomain_matching(subdomain_app: App) -> None:
    client = subdomain_app.test_client()
    assert client.get("/").data == b"main http://bob.example.com/"
    alice = client.get("/", subdomain="alice")
    assert alice.data == b"user alice http://example.com/ /"
    assert client.get("/static-page", subdomain="docs").data == b"docs"
    assert client.get("/static-page").status_code == 404


def test_subdomain_url_for_outside_request(subdomain_app: App) -> None:
    with subdomain_app.app_context():
        assert url_for("user", user="carol") == "http://carol.example.com/"
        assert url_for("index") == "http://example.com/"
        assert url_for("docs_page") == "http://docs.example.com/static-page"


# -- url_for ------------------------------------------------------------------


@pytest.fixture
def url_app(app: App) -> App:
    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/items/<int:item_id>", methods=["GET", "POST"])
    def item(item_id: int) -> str:
        return url_for("item", item_id=item_id + 1)

    @app.route("/about")
    def about() -> str:
        return url_for("about")

    app.add_url_rule("/read", "doc", view, methods=["GET"])
    app.add_url_rule("/write", "doc", view, methods=["POST"])
    return app


def test_url_for_in_request_is_a_path(url_app: App) -> None:
    client = url_app.test_client()
    assert client.get("/items/1").data == b"/items/2"
    with url_app.test_request_context("/items/1"):
        assert url_for("index") == "/"
        assert url_for("item", item_id=7) == "/items/7"


def test_url_for_external(url_app: App) -> None:
    with url_app.test_request_context("/", base_url="http://site.test:8080/"):
        assert url_for("about", _external=True) == "http://site.test:8080/about"


def test_url_for_anchor_is_quoted(url_app: App) -> None:
    with url_app.test_request_context():
        assert url_for("index", _anchor="x y/é#?") == "/#x%20y/%C3%A9#?"
        assert url_for("about", _anchor="top") == "/about#top"


def test_url_for_method_picks_the_rule(url_app: App) -> None:
    with url_app.test_request_context():
        assert url_for("doc") == "/read"
        assert url_for("doc", _method="GET") == "/read"
        assert url_for("doc", _method="POST") == "/write"
        with pytest.raises(BuildError):
            url_for("doc", _method="DELETE")


def test_url_for_scheme_implies_external(url_app: App) -> None:
    with url_app.test_request_context():
        assert url_for("index", _scheme="https") == "https://localhost/"
        assert (
            url_for("about", _scheme="https", _external=True)
            == "https://localhost/about"
        )
        with pytest.raises(ValueError, match="_external"):
            url_for("index", _scheme="https", _external=False)


def test_url_for_unknown_values_go_to_query_string(url_app: App) -> None:
    with url_app.test_request_context():
        url = url_for("item", item_id=1, q="a b", page=2, z=["1", "2"])
        assert url == "/items/1?q=a+b&page=2&z=1&z=2"


def test_url_for_outside_request_without_server_name(url_app: App) -> None:
    with url_app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_for("index")
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        url_app.url_for("index")


def test_url_for_outside_request_with_server_name(url_app: App) -> None:
    url_app.config.update(
        SERVER_NAME="example.com",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with url_app.app_context():
        assert url_for("index") == "https://example.com/app/"
        assert url_for("item", item_id=2, _external=False) == "/app/items/2"
        assert url_for("about", _scheme="http") == "http://example.com/app/about"
    assert url_app.url_for("about") == "https://example.com/app/about"


def test_application_root_and_scheme_in_request(url_app: App) -> None:
    url_app.config.update(
        SERVER_NAME="example.com",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    client = url_app.test_client()
    response = client.get("/items/5")
    assert response.status_code == 200
    assert response.request.url == "https://example.com/app/items/5"
    assert response.data == b"/app/items/6"
    with url_app.test_request_context("/about"):
        assert url_for("about") == "/app/about"
        assert url_for("about", _external=True) == "https://example.com/app/about"


@pytest.fixture
def lang_app(app: App) -> App:
    @app.url_defaults
    def add_language_code(endpoint: str, values: dict[str, t.Any]) -> None:
        if "lang_code" in values or not g.get("lang_code"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            values["lang_code"] = g.lang_code

    @app.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        g.lang_code = values.pop("lang_code", None) if values else None

    @app.route("/<lang_code>/")
    def index() -> str:
        return url_for("about")

    @app.route("/<lang_code>/about")
    def about() -> str:
        return f"{g.lang_code} {url_for('index')} {url_for('plain')}"

    @app.route("/plain")
    def plain() -> str:
        return url_for("about", lang_code="fr")

    return app


def test_url_value_preprocessor_and_url_defaults(lang_app: App) -> None:
    client = lang_app.test_client()
    assert client.get("/de/").data == b"/de/about"
    assert client.get("/en/about").data == b"en /en/ /plain"
    assert client.get("/plain").data == b"/fr/about"


def test_url_defaults_run_outside_request(lang_app: App) -> None:
    lang_app.config["SERVER_NAME"] = "example.com"
    with lang_app.app_context():
        g.lang_code = "it"
        assert url_for("about") == "http://example.com/it/about"


def test_build_error_for_unknown_endpoint(url_app: App) -> None:
    with url_app.test_request_context():
        with pytest.raises(BuildError, match="nope"):
            url_for("nope")
        with pytest.raises(BuildError):
            url_for("item")  # missing item_id


def test_url_build_error_handlers(url_app: App) -> None:
    seen: list[tuple[str, dict[str, t.Any]]] = []

    def declines(error: Exception, endpoint: str, values: dict[str, t.Any]) -> None:
        seen.append((endpoint, dict(values)))
        return None

    def docs(error: Exception, endpoint: str, values: dict[str, t.Any]) -> str | None:
        assert isinstance(error, BuildError)
        if endpoint == "external_docs":
            return f"https://docs.example/{values['page']}"
        return None

    url_app.url_build_error_handlers.extend([declines, docs])
    with url_app.test_request_context():
        assert url_for("external_docs", page="intro") == "https://docs.example/intro"
        assert seen == [
            (
                "external_docs",
                {
                    "page": "intro",
                    "_anchor": None,
                    "_method": None,
                    "_scheme": None,
                    # Resolved as Flask resolves it: a path inside a request.
                    "_external": False,
                },
            )
        ]
        with pytest.raises(BuildError, match="still_missing"):
            url_for("still_missing")
        assert [endpoint for endpoint, _ in seen] == ["external_docs", "still_missing"]


def test_handle_url_build_error_override() -> None:
    class MyApp(App):
        def handle_url_build_error(
            self, error: BuildError, endpoint: str, values: dict[str, t.Any]
        ) -> str:
            return f"/missing/{endpoint}"

    app = MyApp("test_routing", static_folder=None)
    with app.test_request_context():
        assert url_for("nowhere") == "/missing/nowhere"


# -- trusted hosts ---------------------------------------------------------------


def test_trusted_hosts(app: App, client: AppClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.test", ".trusted.test"]

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/x/<int:a>")
    def x(a: int) -> str:
        return "ok"

    assert client.get("/", headers={"Host": "evil.test"}).status_code == 400
    assert client.get("/x/1", headers={"Host": "evil.test"}).status_code == 400
    assert client.get("/", headers={"Host": "good.test"}).data == b"ok"
    assert client.get("/", headers={"Host": "good.test:8080"}).status_code == 200
    assert client.get("/x/1", headers={"Host": "a.trusted.test"}).status_code == 200
    assert client.get("/nope", headers={"Host": "good.test"}).status_code == 404


# -- the adapter cache ----------------------------------------------------------


def test_adapter_cache_stays_bounded(app: App, client: AppClient) -> None:
    @app.route("/n/<int:n>")
    def number(n: int) -> str:
        return url_for("number", n=n, _external=True)

    size = app.router.binding_cache_size
    for i in range(size * 2 + 5):
        response = client.get(f"/n/{i}", headers={"Host": f"h{i}.test"})
        assert response.data == f"http://h{i}.test/n/{i}".encode()
        assert len(app.router._bindings) <= size
    assert client.get("/n/1", headers={"Host": "h1.test"}).data == b"http://h1.test/n/1"


# -- a custom Router ---------------------------------------------------------------


@define(slots=True)
class PrefixRouter(Router):
    """Mounts every rule under ``prefix``."""

    prefix: str = "/api"

    def add_rule(
        self,
        app: App,
        rule: str,
        endpoint: str,
        methods: set[str],
        options: dict[str, t.Any],
    ) -> Rule:
        return super().add_rule(app, self.prefix + rule, endpoint, methods, options)


def _check_prefixed(app: App, prefix: str) -> None:
    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return url_for("user", user_id=user_id)

    @app.route("/ping")
    def ping() -> str:
        return url_for("ping")

    client = app.test_client()
    assert client.get(f"{prefix}/users/3").data == f"{prefix}/users/3".encode()
    assert client.get(f"{prefix}/ping").data == f"{prefix}/ping".encode()
    assert client.get("/ping").status_code == 404
    assert client.get("/users/3").status_code == 404
    with app.test_request_context():
        assert url_for("user", user_id=9) == f"{prefix}/users/9"


def test_custom_router_instance() -> None:
    router = PrefixRouter(prefix="/v2")
    app = App("test_routing", static_folder=None, router=router)
    app.testing = True
    assert app.router is router
    _check_prefixed(app, "/v2")


def test_custom_router_class_attribute() -> None:
    class MyApp(App):
        router_class = PrefixRouter

    app = MyApp("test_routing", static_folder=None)
    app.testing = True
    assert type(app.router) is PrefixRouter
    _check_prefixed(app, "/api")


# -- automatic OPTIONS and 405 --------------------------------------------------


@pytest.fixture
def options_app(app: App) -> App:
    @app.route("/items/<int:item_id>", methods=["GET", "POST"])
    def item(item_id: int) -> str:
        return "item"

    @app.route("/about")
    def about() -> str:
        return "about"

    @app.route("/about", methods=["DELETE"], endpoint="remove_about")
    def remove_about() -> str:
        return "removed"

    @app.route("/contact", methods=["PUT"])
    def contact() -> str:
        return "contact"

    return app


def test_automatic_options_converter_route(options_app: App) -> None:
    response = options_app.test_client().options("/items/3")
    assert response.status_code == 200
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert response.data == b""


def test_automatic_options_static_route(options_app: App) -> None:
    client = options_app.test_client()
    response = client.options("/contact")
    assert response.status_code == 200
    assert set(response.allow) == {"PUT", "OPTIONS"}
    # a path with two rules lists the methods of both
    response = client.options("/about")
    assert response.status_code == 200
    assert set(response.allow) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_405_has_allow_header(options_app: App) -> None:
    client = options_app.test_client()
    response = client.post("/contact")
    assert response.status_code == 405
    assert set(response.allow) == {"PUT", "OPTIONS"}
    response = client.put("/items/3")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "POST", "OPTIONS"}


# -- the strategy alone ------------------------------------------------------------


def test_router_strategy_methods_directly(app: App) -> None:
    """match, build and bind called on the strategy with an explicit context,
    without pushing it."""
    app.add_url_rule("/items/<int:item_id>", "item", echo)
    app.add_url_rule("/about", "about", echo)
    app.add_url_rule("/dir/", "directory", echo)
    router = app.router
    ctx = app.test_request_context("/items/3?x=1")
    rule, args = router.match(ctx)
    assert (rule.endpoint, args) == ("item", {"item_id": 3})
    rule, args = router.match(app.test_request_context("/about"))
    assert (rule.endpoint, args) == ("about", {})
    with pytest.raises(NotFound):
        router.match(app.test_request_context("/missing"))
    with pytest.raises(RequestRedirect):
        router.match(app.test_request_context("/dir"))
    assert router.build(ctx, "item", {"item_id": 4}) == "/items/4"
    assert (
        router.build(ctx, "item", {"item_id": 4}, external=True, anchor="a b")
        == "http://localhost/items/4#a%20b"
    )
    assert router.bind(AppContext(app)) is None
    app.config["SERVER_NAME"] = "example.com"
    adapter = router.bind(AppContext(app))
    assert adapter is not None
    assert adapter.build("about", force_external=True) == "http://example.com/about"


def test_url_adapter_belongs_to_its_own_request(app: App) -> None:
    """Bindings are cached per host, but an adapter never carries another
    request's path or query string."""
    seen: list[tuple[str, t.Any]] = []

    @app.get("/a/<x>")
    def a(x: str) -> str:
        adapter = request_ctx.url_adapter
        assert adapter is not None
        seen.append((adapter.path_info, adapter.query_args))
        return adapter.match()[1]["x"]  # type: ignore[no-any-return]

    client = app.test_client()
    assert client.get("/a/first?secret=token1").data == b"first"
    assert client.get("/a/second?other=1").data == b"second"
    assert seen == [("/a/first", "secret=token1"), ("/a/second", "other=1")]


@pytest.mark.parametrize("host", ["a..b", "x" * 300])
def test_invalid_host_is_400_on_static_and_dynamic_paths(app: App, host: str) -> None:
    app.add_url_rule("/static", "static_view", lambda: "s")
    app.add_url_rule("/dyn/<int:n>", "dyn", lambda n: "d")
    client = app.test_client()
    assert client.get("/static").status_code == 200
    for path in ("/static", "/dyn/1"):
        assert client.get(path, headers={"Host": host}).status_code == 400
    assert client.get("/static").status_code == 200


def test_url_defaults_cache_is_not_grown_by_client_endpoints(app: App) -> None:
    @app.get("/go")
    def go() -> str:
        try:
            return url_for(request.args["to"])
        except BuildError:
            return "no such endpoint"

    client = app.test_client()
    for i in range(50):
        assert client.get(f"/go?to=bp{i}.view").data == b"no such endpoint"
    assert len(app.router._url_defaults) <= 1


def test_rules_with_double_slashes_are_left_to_werkzeug(app: App) -> None:
    """werkzeug merges slashes in a rule and redirects a request for the
    unmerged path to the merged one; the static table must not short-cut it."""
    app.add_url_rule("/a//b", "ab", lambda: "ab", methods=["POST"])
    response = app.test_client().post("/a//b")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/a/b"


def test_url_build_error_handler_raising_build_error_replaces_the_error(
    url_app: App,
) -> None:
    def rethrows(error: BuildError, endpoint: str, values: dict[str, t.Any]) -> None:
        raise BuildError("rethrown", {}, None)

    url_app.url_build_error_handlers.append(rethrows)
    with url_app.test_request_context(), pytest.raises(BuildError, match="rethrown"):
        url_for("missing")


def test_relative_endpoint_outside_a_request_is_the_app_endpoint() -> None:
    app = App("test_routing", static_folder=None)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/page", "page", lambda: "")
    with app.app_context():
        assert url_for(".page") == "http://example.test/page"


# -- hosts outside SERVER_NAME with subdomain matching -------------------------


@pytest.fixture
def server_name_app() -> App:
    app = App(__name__, subdomain_matching=True)

    @app.get("/")
    def index() -> str:
        return "default"

    @app.get("/", subdomain="foo")
    def foo() -> str:
        return "foo"

    return app


@pytest.mark.parametrize(
    ("server_name", "base_url", "expected"),
    [
        ("dev.local:5000", "http://dev.local:5000", b"default"),
        ("dev.local:5000", "http://foo.dev.local:5000", b"foo"),
        ("dev.local:443", "https://dev.local", b"default"),
        ("dev.local:80", "http://foo.dev.local", b"foo"),
        ("DEV.local", "http://foo.dev.LOCAL", b"foo"),
    ],
)
def test_subdomains_are_read_under_server_name(
    server_name_app: App, server_name: str, base_url: str, expected: bytes
) -> None:
    server_name_app.config["SERVER_NAME"] = server_name
    response = server_name_app.test_client().get("/", base_url)
    assert response.data == expected


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:5000", "http://foo.localhost", "http://xdev.local"],
)
def test_a_host_outside_server_name_is_a_404_with_werkzeugs_warning(
    server_name_app: App, base_url: str
) -> None:
    server_name_app.config["SERVER_NAME"] = "dev.local"
    with pytest.warns(UserWarning, match="doesn't match configured server name"):
        response = server_name_app.test_client().get("/", base_url)
    assert response.status_code == 404


def test_the_server_name_warning_is_filtered_by_the_app_module(
    server_name_app: App,
) -> None:
    # As Flask's is (by "flask.app" under the alias): filters written for
    # the app module apply.
    server_name_app.config["SERVER_NAME"] = "dev.local"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings(
            "ignore", "Current server name", UserWarning, "framework.app"
        )
        response = server_name_app.test_client().get("/", "http://127.0.0.1")
    assert response.status_code == 404


# -- a server on a Unix socket -----------------------------------------------
# waitress on a Unix socket puts the socket's path in SERVER_PORT; werkzeug
# reads such a port as "none" (Request.server), and so must the router.


def unix_socket_environ(host: str, path: str = "/") -> dict[str, t.Any]:
    environ = EnvironBuilder(path=path, base_url=f"http://{host}").get_environ()
    environ.update(SERVER_NAME="localhost", SERVER_PORT="/run/app.sock")
    return environ


def serve(app: App, environ: dict[str, t.Any]) -> tuple[int, bytes]:
    app_iter, status, _ = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), b"".join(app_iter)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("example.com", (200, b"http://example.com/")), ("evil.example", (400, None))],
)
def test_trusted_hosts_behind_a_unix_socket(
    host: str, expected: tuple[int, bytes | None]
) -> None:
    app = make_app()
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    app.add_url_rule("/", "index", lambda: url_for("index", _external=True))
    status, body = serve(app, unix_socket_environ(host))
    assert status == expected[0]
    if expected[1] is not None:
        assert body == expected[1]


def test_subdomains_behind_a_unix_socket() -> None:
    app = make_app(subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.com"
    app.add_url_rule("/", "index", lambda: "default")
    app.add_url_rule("/", "shop", lambda: "shop", subdomain="shop")
    assert serve(app, unix_socket_environ("shop.example.com")) == (200, b"shop")
    assert serve(app, unix_socket_environ("example.com")) == (200, b"default")


def test_url_for_after_a_refused_host_behind_a_unix_socket() -> None:
    app = make_app()
    app.testing = False
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    app.add_url_rule("/", "index", lambda: "index")
    app.register_error_handler(400, lambda e: (url_for("index", _external=True), 400))
    # The socket's path is no port: the server's name alone.
    assert serve(app, unix_socket_environ("evil.example")) == (
        400,
        b"http://localhost/",
    )


@pytest.mark.parametrize(
    ("server_name", "port", "scheme", "expected"),
    [
        ("10.0.0.5", "8000", "http", b"http://10.0.0.5:8000/"),
        ("10.0.0.5", "80", "http", b"http://10.0.0.5/"),
        ("10.0.0.5", "443", "https", b"https://10.0.0.5/"),
        ("::1", "8000", "http", b"http://[::1]:8000/"),
    ],
)
def test_url_for_after_a_refused_host_uses_the_servers_address(
    server_name: str, port: str, scheme: str, expected: bytes
) -> None:
    app = make_app()
    app.testing = False
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    app.add_url_rule("/", "index", lambda: "index")
    app.register_error_handler(400, lambda e: (url_for("index", _external=True), 400))
    environ = EnvironBuilder(
        path="/", base_url=f"{scheme}://evil.example"
    ).get_environ()
    environ.update(SERVER_NAME=server_name, SERVER_PORT=port)
    assert serve(app, environ) == (400, expected)


def test_a_remembered_miss_is_forgotten_when_the_router_prepares_again() -> None:
    # The app prepares its router whenever setup changes (new rules), so a
    # miss never outlives the rules it was a miss against.
    app = App(__name__)
    client = app.test_client()
    assert client.get("/late").status_code == 404
    assert client.get("/late").status_code == 404  # the remembered miss
    assert app.router._misses
    app.router.prepare(app)
    assert not app.router._misses


def test_remembered_misses_stay_bounded() -> None:
    app = App(__name__)
    client = app.test_client()
    router = app.router
    for n in range(router.binding_cache_size + 5):
        assert client.get(f"/missing/{n}").status_code == 404
    assert 0 < len(router._misses) <= router.binding_cache_size


def test_a_remembered_miss_still_binds_the_context_on_a_hit() -> None:
    # The default binding lane sets the context's URL adapter itself, the
    # one url_for then builds with.
    app = App(__name__)

    @app.get("/items/<int:n>")
    def item(n: int) -> str:
        from framework import url_for

        return url_for("item", n=n + 1, _external=True)

    client = app.test_client()
    assert client.get("/items/x").status_code == 404
    assert client.get("/items/x").status_code == 404
    assert client.get("/items/1").data == b"http://localhost/items/2"
