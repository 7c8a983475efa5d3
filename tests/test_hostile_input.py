"""Hostile input: untrusted hosts, invalid UTF-8, response splitting and open
redirects.

Requests go through the test client or raw WSGI environs to a production
app (not in testing mode), so a status is what a real client would get and
an error in the framework shows up as the 500 it would be.
"""

from __future__ import annotations

import json
import typing as t
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.http import dump_cookie
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Response as WerkzeugResponse

from framework import App, Response, make_response, redirect, request, url_for

STATIC_ROOT = Path(__file__).parent / "static_files"


def call(app: App, environ: dict[str, t.Any]) -> tuple[int, Headers, bytes]:
    """Call the app as a server would: status code, headers, body."""
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), headers, b"".join(app_iter)


def raw_environ(path: str = "/", **overrides: str) -> dict[str, t.Any]:
    """A GET environ with ``overrides`` (``PATH_INFO``, ``QUERY_STRING``,
    ``HTTP_COOKIE``...) given as the bytes a server received, latin-1
    decoded the way PEP 3333 hands them over."""
    environ = EnvironBuilder(path=path).get_environ()
    environ.update(overrides)
    return environ


def wsgi(raw: bytes) -> str:
    return raw.decode("latin-1")


# TRUSTED_HOSTS


@pytest.fixture
def hosts_app() -> tuple[App, list[str]]:
    app = App("hosts", root_path=str(STATIC_ROOT))
    app.config["TRUSTED_HOSTS"] = ["example.com", ".example.org"]
    ran: list[str] = []

    @app.get("/")
    def index() -> str:
        ran.append("index")
        return "index"

    @app.get("/user/<name>")
    def user(name: str) -> str:
        ran.append(name)
        return name

    return app, ran


ROUTES = [
    pytest.param("/", b"index", id="static route"),
    pytest.param("/user/ann", b"ann", id="dynamic route"),
    pytest.param("/static/app.js", None, id="static file"),
]


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "example.com:8080",
        "example.org",
        "www.example.org",
        "a.b.example.org:443",
    ],
)
@pytest.mark.parametrize(("path", "body"), ROUTES)
def test_trusted_host_is_served(
    hosts_app: tuple[App, list[str]], host: str, path: str, body: bytes | None
) -> None:
    app, _ = hosts_app
    with app.test_client().get(path, headers={"Host": host}) as response:
        assert response.status_code == 200
        if body is None:
            body = (STATIC_ROOT / "static" / "app.js").read_bytes()
        assert response.data == body


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "www.example.com",
        "notexample.com",
        "example.com.evil.example",
        "xexample.org",
        "example.org.evil.example:80",
        "example.com:99999",
        "example.com@evil.example",
        "",
    ],
)
@pytest.mark.parametrize(("path", "body"), ROUTES)
def test_untrusted_host_is_400(
    hosts_app: tuple[App, list[str]], host: str, path: str, body: bytes | None
) -> None:
    app, ran = hosts_app
    client = app.test_client()
    assert client.get(path, headers={"Host": host}).status_code == 400
    assert ran == []
    with client.get(path, headers={"Host": "example.com"}) as response:
        assert response.status_code == 200


@pytest.mark.parametrize(("path", "body"), ROUTES[:2])
def test_a_checked_host_does_not_let_others_through(
    hosts_app: tuple[App, list[str]], path: str, body: bytes
) -> None:
    """The router remembers hosts it checked; an untrusted one that comes
    after a trusted one is still refused, on every request."""
    app, ran = hosts_app
    client = app.test_client()
    for _ in range(2):
        assert client.get(path, headers={"Host": "example.com"}).data == body
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400
    assert len(ran) == 2


def test_request_host_is_checked_on_the_static_route_table(
    hosts_app: tuple[App, list[str]],
) -> None:
    """A static route is matched without werkzeug's matcher, and
    ``request.host`` there still knows the trusted hosts."""
    app, _ = hosts_app

    @app.get("/host")
    def host() -> str:
        return request.host

    client = app.test_client()
    for _ in range(2):
        response = client.get("/host", headers={"Host": "www.example.org:8080"})
        assert response.data == b"www.example.org:8080"


def test_trusted_hosts_set_after_requests_still_apply(app: App) -> None:
    """A host that was fine (and cached by the router) is refused once
    ``TRUSTED_HOSTS`` leaves it out."""

    @app.get("/")
    def index() -> str:
        return "index"

    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 200
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "example.com"}).status_code == 200


def test_strict_slash_redirect_never_goes_to_an_untrusted_host(
    hosts_app: tuple[App, list[str]],
) -> None:
    app, _ = hosts_app

    @app.get("/folder/")
    def folder() -> str:
        return "folder"

    client = app.test_client()
    assert client.get("/folder", headers={"Host": "evil.example"}).status_code == 400
    response = client.get("/folder", headers={"Host": "example.com"})
    assert response.status_code == 308
    assert response.location == "http://example.com/folder/"


# Invalid UTF-8


@pytest.fixture
def echo_app() -> App:
    """A production app whose views echo what they decoded."""
    app = App("echo")

    @app.get("/path/<value>")
    def path(value: str) -> dict[str, str]:
        return {"value": value, "path": request.path}

    @app.get("/static-route")
    def static_route() -> str:
        return "static"

    @app.get("/args")
    def args() -> dict[str, t.Any]:
        return {"args": request.args.to_dict(flat=False), "full": request.full_path}

    @app.post("/form")
    def form() -> dict[str, t.Any]:
        return {
            "form": request.form.to_dict(flat=False),
            "files": {k: f.filename for k, f in request.files.items()},
        }

    @app.post("/json")
    def json_body() -> t.Any:
        return {"json": request.get_json()}

    @app.get("/cookies")
    def cookies() -> dict[str, str]:
        return request.cookies.to_dict()

    return app


def test_invalid_utf8_in_a_path_argument_is_replaced(echo_app: App) -> None:
    environ = raw_environ(PATH_INFO=wsgi(b"/path/a\xffb"))
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert body == b'{"path":"/path/a\\ufffdb","value":"a\\ufffdb"}\n'


def test_invalid_utf8_percent_encoded_in_the_path_is_replaced(echo_app: App) -> None:
    response = echo_app.test_client().get("/path/a%FFb")
    assert response.status_code == 200
    assert response.json == {"value": "a\ufffdb", "path": "/path/a\ufffdb"}


def test_invalid_utf8_path_of_no_route_is_404(echo_app: App) -> None:
    environ = raw_environ(PATH_INFO=wsgi(b"/static-route\xff"))
    assert call(echo_app, environ)[0] == 404
    assert echo_app.test_client().get("/static-route").text == "static"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(b"a=%FF&b=ok", id="percent-encoded"),
        pytest.param(b"a=\xff&b=ok", id="raw byte"),
    ],
)
def test_invalid_utf8_in_the_query_string_stays_percent_encoded(
    echo_app: App, query: bytes
) -> None:
    """As werkzeug does for ``%FF``; a raw byte is a 500 there (in ``args``
    and ``full_path``)."""
    environ = raw_environ("/args", QUERY_STRING=wsgi(query))
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert echo_app.json.loads(body) == {
        "args": {"a": ["%FF"], "b": ["ok"]},
        "full": "/args?a=%FF&b=ok",
    }


def test_valid_utf8_in_the_query_string_is_decoded(echo_app: App) -> None:
    environ = raw_environ("/args", QUERY_STRING=wsgi("a=é&b=%C3%A9".encode()))
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert echo_app.json.loads(body) == {
        "args": {"a": ["é"], "b": ["é"]},
        "full": "/args?a=é&b=%C3%A9",
    }


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"a=%FF&b=ok", id="percent-encoded"),
        pytest.param(b"a=\xff&b=ok", id="raw byte"),
    ],
)
def test_invalid_utf8_in_a_urlencoded_form_stays_percent_encoded(
    echo_app: App, body: bytes
) -> None:
    """werkzeug drops the whole form for the raw byte."""
    response = echo_app.test_client().post(
        "/form", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert response.json == {"form": {"a": ["%FF"], "b": ["ok"]}, "files": {}}


def multipart_part(disposition: bytes, content: bytes) -> bytes:
    return (
        b"--b\r\nContent-Disposition: form-data; "
        + disposition
        + b"\r\n\r\n"
        + content
        + b"\r\n--b--\r\n"
    )


def test_invalid_utf8_in_a_multipart_value_is_replaced(echo_app: App) -> None:
    body = multipart_part(b'name="a"', b"x\xffy")
    response = echo_app.test_client().post(
        "/form", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 200
    assert response.json == {"form": {"a": ["x\ufffdy"]}, "files": {}}


@pytest.mark.parametrize(
    "disposition",
    [
        pytest.param(b'name="f"; filename="a\xffb.txt"', id="filename"),
        pytest.param(b'name="a\xffb"', id="field name"),
    ],
)
def test_invalid_utf8_in_multipart_part_headers_is_400(
    echo_app: App, disposition: bytes
) -> None:
    """Part headers that are not UTF-8 make the body malformed: werkzeug can't
    decode them, and would give an empty form."""
    client = echo_app.test_client()
    response = client.post(
        "/form",
        data=multipart_part(disposition, b"data"),
        content_type="multipart/form-data; boundary=b",
    )
    assert response.status_code == 400
    assert client.get("/static-route").text == "static"


def test_utf8_multipart_filename_is_decoded(echo_app: App) -> None:
    body = multipart_part('name="f"; filename="café.txt"'.encode(), b"data")
    response = echo_app.test_client().post(
        "/form", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 200
    assert response.json == {"form": {}, "files": {"f": "café.txt"}}


def test_invalid_utf8_in_a_json_body_is_400(echo_app: App) -> None:
    response = echo_app.test_client().post(
        "/json", data=b'{"a": "\xff"}', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        pytest.param(b"a=x\xffy", {"a": "x\ufffdy"}, id="raw byte"),
        pytest.param(b'a="x\\377y"', {"a": "x\ufffdy"}, id="octal escape"),
        pytest.param(b"a=x%FFy", {"a": "x%FFy"}, id="percent is not decoded"),
        pytest.param(b"\xff=1; b=2", {"\ufffd": "1", "b": "2"}, id="in the name"),
        pytest.param("a=café".encode(), {"a": "café"}, id="valid UTF-8"),
    ],
)
def test_cookies_are_utf8_with_invalid_bytes_replaced(
    echo_app: App, cookie: bytes, expected: dict[str, str]
) -> None:
    """werkzeug reads raw bytes as latin-1 (``café`` comes out as ``cafÃ©``)."""
    environ = raw_environ("/cookies", HTTP_COOKIE=wsgi(cookie))
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert echo_app.json.loads(body) == expected


# CR and LF: response splitting


BAD_NAMES = ["X\r\nY", "X\nY", "X\rY", "X-A: b", "X Y", "", "X\x00Y", "Café"]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize(
    "setter",
    [
        pytest.param(lambda h, n: h.__setitem__(n, "v"), id="[name] ="),
        pytest.param(lambda h, n: h.add(n, "v"), id="add"),
        pytest.param(lambda h, n: h.set(n, "v"), id="set"),
        pytest.param(lambda h, n: h.setdefault(n, "v"), id="setdefault"),
        pytest.param(lambda h, n: h.setlist(n, ["v", "w"]), id="setlist"),
        pytest.param(lambda h, n: h.extend({n: "v"}), id="extend"),
        pytest.param(lambda h, n: h.update({n: "v"}), id="update"),
        pytest.param(lambda h, n: h.__setitem__(0, (n, "v")), id="[index] ="),
        pytest.param(lambda h, n: h.__setitem__(slice(0, 1), [(n, "v")]), id="[:] ="),
    ],
)
def test_invalid_header_name_is_refused_when_set(
    name: str, setter: t.Callable[[Headers, str], None]
) -> None:
    response = Response("body")
    before = list(response.headers.items())
    with pytest.raises(ValueError, match="Invalid header name"):
        setter(response.headers, name)
    assert list(response.headers.items()) == before


@pytest.mark.parametrize(
    "setter",
    [
        pytest.param(lambda h: h.__setitem__("X", "a\r\nb"), id="[name] ="),
        pytest.param(lambda h: h.add("X", "a\nb"), id="add"),
        pytest.param(lambda h: h.set("X", "a\rb"), id="set"),
        pytest.param(lambda h: h.extend({"X": "a\r\nb"}), id="extend"),
        pytest.param(lambda h: h.__setitem__(0, ("X", "a\nb")), id="[index] ="),
    ],
)
def test_header_value_with_cr_or_lf_is_refused_when_set(
    setter: t.Callable[[Headers], None],
) -> None:
    response = Response("body")
    before = list(response.headers.items())
    with pytest.raises(ValueError, match="newline"):
        setter(response.headers)
    assert list(response.headers.items()) == before


@pytest.mark.parametrize(
    "name", ["X-Custom", "x-lower_1", "!#$%&'*+-.^_`|~", "Content-Type"]
)
def test_valid_header_names_are_accepted(name: str) -> None:
    response = Response("body")
    response.headers[name] = "v"
    assert response.headers[name] == "v"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X\r\nY": "1"}, id="dict"),
        pytest.param([("X\nY", "1")], id="list"),
        pytest.param(Headers([("X\r\nY", "1")]), id="werkzeug Headers"),
        pytest.param({"X": "a\r\nb"}, id="bad value"),
    ],
)
def test_response_constructor_refuses_bad_headers(headers: t.Any) -> None:
    with pytest.raises(ValueError):
        Response("body", headers=headers)


def test_werkzeug_headers_given_to_a_response_are_kept_and_checked() -> None:
    headers = Headers([("X-A", "1")])
    response = Response("body", headers=headers)
    assert response.headers is headers
    with pytest.raises(ValueError, match="Invalid header name"):
        headers["X\r\nY"] = "1"


def test_fast_response_headers_are_checked(app: App) -> None:
    @app.get("/")
    def index() -> str:
        with pytest.raises(ValueError, match="Invalid header name"):
            make_response("fast body").headers["X\r\nY"] = "1"
        return "done"

    assert app.test_client().get("/").text == "done"


@pytest.mark.parametrize(
    "status",
    ["200 OK\r\nSet-Cookie: a=b", "200 OK\n", "299 X\rY"],
)
def test_status_with_cr_or_lf_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match="CR or LF"):
        Response("body", status=status)
    response = Response("body")
    with pytest.raises(ValueError, match="CR or LF"):
        response.status = status
    assert response.status == "200 OK"


#: Redirect targets with a control character: each would split the
#: Location header or reach the client raw.
BAD_TARGETS = [
    "/next\r\nSet-Cookie: a=b",
    "http://example.com/\nX: y",
    "/a\rb",
    "/a\x00b",
    "/a\x01b",
    "/a\x1fb",
    "/a\x7fb",
]


@pytest.mark.parametrize("location", BAD_TARGETS)
def test_redirect_to_a_location_with_a_control_character_is_refused(
    app: App, location: str
) -> None:
    with pytest.raises(BadRequest, match="control character"):
        redirect(location)
    with pytest.raises(BadRequest, match="control character"):
        redirect(location, Response=Response)
    with pytest.raises(BadRequest, match="control character"):
        app.redirect(location)
    with app.test_request_context(), pytest.raises(BadRequest, match="control"):
        redirect(location)


@pytest.mark.parametrize("location", BAD_TARGETS)
def test_redirect_to_a_client_target_with_a_control_character_is_a_400(
    app: App, location: str
) -> None:
    @app.get("/go")
    def go() -> Response:
        return redirect(request.args["next"])

    @app.get("/app-go")
    def app_go() -> Response:
        return app.redirect(request.args["next"])

    client = app.test_client()
    for path in ("/go", "/app-go"):
        response = client.get(path, query_string={"next": location})
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert "Set-Cookie" not in response.headers
        assert b"control character" in response.data


def test_redirect_to_a_target_without_control_characters_is_kept(app: App) -> None:
    # Spaces, quotes and non-ASCII letters are no control characters; a tab
    # may be in a header value (see the scheme-relative tests below).
    with app.test_request_context():
        response = redirect('/caf\u00e9?q=a b&x="y"')
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/caf")


COOKIE_CASES = [
    pytest.param({"key": "a\r\nSet-Cookie: b"}, "name", id="name CRLF"),
    pytest.param({"key": "a\nb"}, "name", id="name LF"),
    pytest.param({"key": "a;b"}, "name", id="name semicolon"),
    pytest.param({"key": "a\x00b"}, "name", id="name NUL"),
    pytest.param({"key": "k", "value": "v\r\nSet-Cookie: x=1"}, "value", id="value"),
    pytest.param({"key": "k", "value": "v\rw"}, "value", id="value CR"),
    pytest.param({"key": "k", "domain": "example.com\r\nX: y"}, "domain", id="domain"),
    pytest.param(
        {"key": "k", "domain": "evil.example; Secure"}, "domain", id="domain ;"
    ),
    pytest.param({"key": "k", "path": "/\r\nX: y"}, "path", id="path"),
    pytest.param({"key": "k", "path": "/; Domain=evil"}, "path", id="path ;"),
    pytest.param({"key": "k", "expires": "Thu\r\nX: y"}, "expiry", id="expires"),
]


@pytest.mark.parametrize(("kwargs", "part"), COOKIE_CASES)
def test_set_cookie_refuses_cr_lf_and_attribute_injection(
    kwargs: dict[str, t.Any], part: str
) -> None:
    response = Response("body")
    before = list(response.headers.items())
    with pytest.raises(ValueError, match=f"The cookie {part} "):
        response.set_cookie(**kwargs)
    assert list(response.headers.items()) == before


def test_delete_cookie_refuses_a_bad_name() -> None:
    response = Response("body")
    with pytest.raises(ValueError, match="The cookie name "):
        response.delete_cookie("a\r\nb")
    assert "Set-Cookie" not in response.headers


def test_valid_cookies_are_set_as_werkzeug_sets_them() -> None:
    response = Response("body")
    value = 'spaces, "quotes"; semicolons and é'
    response.set_cookie("name[1]", value, path="/a b", domain="example.com")
    assert response.headers.getlist("Set-Cookie") == [
        dump_cookie("name[1]", value, path="/a b", domain="example.com")
    ]


@pytest.fixture
def splitting_app() -> tuple[App, list[str]]:
    """A production app whose views return bad headers or statuses."""
    app = App("splitting")
    ran: list[str] = []

    @app.get("/value")
    def value() -> t.Any:
        ran.append("value")
        return "body", 200, {"X-Bad": "a\r\nSet-Cookie: evil=1"}

    @app.get("/name")
    def name() -> t.Any:
        ran.append("name")
        return "body", 200, {"X-Bad\r\nSet-Cookie: evil": "1"}

    @app.get("/status")
    def status() -> t.Any:
        ran.append("status")
        return "body", "200 OK\r\nSet-Cookie: evil=1"

    @app.get("/werkzeug")
    def werkzeug_response() -> t.Any:
        ran.append("werkzeug")
        response = WerkzeugResponse("body")
        response.headers["X-Bad\r\nSet-Cookie: evil"] = "1"  # werkzeug allows it
        return response

    @app.get("/hook")
    def hook() -> str:
        ran.append("hook")
        return "body"

    @app.after_request
    def add_header(response: Response) -> Response:
        if request.path == "/hook":
            response.headers["X-Bad\r\nSet-Cookie: evil"] = "1"
        return response

    @app.get("/")
    def index() -> str:
        return "fine"

    return app, ran


@pytest.mark.parametrize("path", ["/value", "/name", "/status", "/werkzeug", "/hook"])
def test_bad_header_from_a_view_is_a_500_without_the_header(
    splitting_app: tuple[App, list[str]], path: str
) -> None:
    app, ran = splitting_app
    status, headers, body = call(app, raw_environ(path))
    assert status == 500
    assert ran == [path.lstrip("/")]
    assert "Set-Cookie" not in headers
    assert "X-Bad" not in headers
    assert b"evil" not in body
    assert b"Traceback" not in body
    assert app.test_client().get("/").text == "fine"


def test_bad_header_from_a_view_raises_in_testing(
    splitting_app: tuple[App, list[str]],
) -> None:
    app, _ = splitting_app
    app.testing = True
    with pytest.raises(ValueError):
        app.test_client().get("/name")


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "general"])
def test_unchecked_headers_assigned_later_are_refused_when_sent(fast: bool) -> None:
    """Headers replaced wholesale by werkzeug's unchecked ``Headers`` are
    checked before anything is sent."""
    response = (
        Response.fast(b"body", "text/plain; charset=utf-8")
        if fast
        else Response("body")
    )
    response.headers = Headers([("X\r\nY", "1"), ("Content-Length", "4")])
    started: list[str] = []
    environ = EnvironBuilder("/").get_environ()
    with pytest.raises(ValueError, match="Invalid header name"):
        response(environ, lambda status, headers, exc_info=None: started.append(status))
    assert started == []


# Open redirects


def browser_host(request_url: str, location: str) -> str | None:
    """The host a browser goes to for ``location`` on ``request_url``: it
    drops tabs and newlines, strips leading spaces and controls, and reads
    backslashes as slashes in http(s) URLs."""
    cleaned = location.lstrip("".join(map(chr, range(0x21))))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "")
    cleaned = cleaned.replace("\\", "/")
    return urlsplit(urljoin(request_url, cleaned)).hostname


@pytest.fixture(params=[True, False], ids=["merge slashes", "keep slashes"])
def routes_app(request: pytest.FixtureRequest) -> App:
    app = App("redirects")
    app.url_map.merge_slashes = request.param

    @app.get("/folder/")
    def folder() -> str:
        return "folder"

    @app.get("/files/<path:name>/")
    def files(name: str) -> str:
        return name

    @app.get("/a/b/")
    def nested() -> str:
        return "nested"

    @app.get("/<path:anything>/")
    def catch_all(anything: str) -> str:
        return anything

    app.add_url_rule("/old/<path:rest>", endpoint="old", redirect_to="/<rest>")
    return app


HOSTILE_PATHS = [
    "//evil.example/",
    "//evil.example",
    "/\\evil.example/",
    "/\\evil.example",
    "\\\\evil.example/",
    "/%2F%2Fevil.example/",
    "/%2F/evil.example/",
    "/%5Cevil.example/",
    "///evil.example//",
    "//evil.example/folder",
    "//evil.example//folder",
    "//folder",
    "//folder/",
    "/folder",
    "///folder",
    "/files//evil.example",
    "/files/\\evil.example",
    "/files/%2F%2Fevil.example",
    "//files//evil.example",
    "/a//b",
    "//a/b",
    "//a//b//",
    "/old//evil.example",
    "/old/\\evil.example",
    "/old/%2F%2Fevil.example",
]


@pytest.mark.parametrize("path", HOSTILE_PATHS)
def test_framework_redirects_stay_on_the_requested_host(
    routes_app: App, path: str
) -> None:
    """Whatever the framework answers (a page, a 404, or a strict-slash,
    merge-slashes or ``redirect_to`` redirect), a browser following it stays
    on the request's host."""
    environ = raw_environ(PATH_INFO=path, HTTP_HOST="example.com")
    status, headers, _ = call(routes_app, environ)
    assert status in (200, 308, 404)
    location = headers.get("Location")
    if status == 308:
        assert location is not None
        assert browser_host("http://example.com" + path, location) == "example.com"
    else:
        assert location is None


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("//folder", "http://example.com/folder/"),
        ("/folder", "http://example.com/folder/"),
        ("//evil.example", "http://example.com/evil.example/"),
        ("/\\evil.example", "http://example.com/%5Cevil.example/"),
    ],
)
def test_framework_redirects_are_absolute_on_the_requested_host(
    routes_app: App, path: str, location: str
) -> None:
    environ = raw_environ(PATH_INFO=path, HTTP_HOST="example.com")
    status, headers, _ = call(routes_app, environ)
    assert status == 308
    assert headers["Location"] == location


@pytest.mark.parametrize(
    ("target", "sent"),
    [
        ("//evil.example/x", "/evil.example/x"),
        ("//evil.example", "/evil.example"),
        ("////evil.example/x", "/evil.example/x"),
        ("/\\evil.example/x", "/%5Cevil.example/x"),
        ("\\\\evil.example/x", "%5C%5Cevil.example/x"),
        ("/\t/evil.example/x", "/evil.example/x"),
        ("//evil.example:8080/x?y=1#z", "/evil.example:8080/x?y=1#z"),
    ],
)
def test_redirect_to_a_scheme_relative_location_stays_on_this_host(
    app: App, target: str, sent: str
) -> None:
    """A location a browser would read as another host, as a view might build
    from a request path, is sent as a path on this host."""

    @app.get("/go")
    def go() -> t.Any:
        return redirect(target)

    @app.get("/manual")
    def manual() -> t.Any:
        response = make_response("moved", 302)
        response.headers["Location"] = target
        return response

    for path in ("/go", "/manual"):
        response = app.test_client().get(path, headers={"Host": "example.com"})
        assert response.status_code == 302
        assert response.headers["Location"] == sent
        assert browser_host("http://example.com" + path, sent) == "example.com"


@pytest.mark.parametrize(
    "target",
    [
        "https://other.example/x",
        "http://other.example",
        "/local/path?q=1",
        "relative/path",
        "/",
    ],
)
def test_redirect_to_an_explicit_url_or_a_path_is_unchanged(
    app: App, target: str
) -> None:
    @app.get("/go")
    def go() -> t.Any:
        return redirect(target)

    response = app.test_client().get("/go")
    assert response.status_code == 302
    assert response.headers["Location"] == target


# A malformed environ: 400, never 500


@pytest.mark.parametrize(
    "host",
    ["\x8a", "a b", "\xe4 b.com", "a\x00b", "a\r\nb", "a/b", "a@b"],
    ids=["c1 control", "space", "idna with space", "nul", "crlf", "slash", "at"],
)
@pytest.mark.parametrize("path", ["/", "/user/ann", "/static/app.js"])
def test_a_host_header_that_is_not_a_host_name_is_400(
    hosts_app: tuple[App, list[str]], host: str, path: str
) -> None:
    app, ran = hosts_app
    app.config["TRUSTED_HOSTS"] = None
    status, _, _ = call(app, raw_environ(path, HTTP_HOST=host))
    assert status == 400
    assert ran == []


@pytest.mark.parametrize("host", ["b\xfccher.de", "\u0105\u015b\u017c.com"])
def test_an_international_host_name_is_served(echo_app: App, host: str) -> None:
    status, _, _ = call(echo_app, raw_environ("/args", HTTP_HOST=host))
    assert status == 200


def test_a_bad_host_reaches_the_apps_400_handler(app: App) -> None:
    app.testing = False

    @app.errorhandler(400)
    def bad(e: Exception) -> tuple[str, int]:
        return "bad host", 400

    status, _, body = call(app, raw_environ("/", HTTP_HOST="\x8a"))
    assert (status, body) == (400, b"bad host")


@pytest.mark.parametrize(
    "overrides",
    [
        {"PATH_INFO": "/p/\u20ac"},
        {"PATH_INFO": "/\udcff"},
        {"QUERY_STRING": "a=\u20ac"},
    ],
    ids=["path over latin-1", "path surrogate", "query over latin-1"],
)
def test_environ_strings_no_request_can_be_built_from_are_400(
    echo_app: App, overrides: dict[str, str]
) -> None:
    status, _, body = call(echo_app, raw_environ("/args", **overrides))
    assert status == 400
    assert b"could not be decoded" in body


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "0x10", "3 3"])
def test_a_malformed_content_length_is_400_when_the_body_is_read(
    echo_app: App, length: str
) -> None:
    environ = EnvironBuilder(path="/form", method="POST", data={"a": "1"}).get_environ()
    environ["CONTENT_LENGTH"] = length
    status, _, body = call(echo_app, environ)
    assert status == 400
    assert b"Content-Length" in body


def test_a_content_length_with_blanks_is_read(echo_app: App) -> None:
    environ = EnvironBuilder(path="/form", method="POST", data={"a": "1"}).get_environ()
    environ["CONTENT_LENGTH"] = f" {environ['CONTENT_LENGTH']} "
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert b'"a":["1"]' in body


def test_a_missing_input_stream_is_an_empty_body(echo_app: App) -> None:
    environ = EnvironBuilder(
        path="/form",
        method="POST",
        content_type="application/x-www-form-urlencoded",
    ).get_environ()
    del environ["wsgi.input"]
    status, _, body = call(echo_app, environ)
    assert status == 200
    assert json.loads(body) == {"form": {}, "files": {}}


# url_for after a refused Host


@pytest.fixture
def refused_app() -> App:
    app = App("refused")
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.get("/")
    def index() -> str:
        return "index"

    @app.errorhandler(400)
    def bad_host(e: Exception) -> tuple[str, int]:
        return f"{url_for('index')} {url_for('index', _external=True)}", 400

    return app


def test_url_for_after_a_refused_host_builds_against_server_name(
    refused_app: App,
) -> None:
    refused_app.config["SERVER_NAME"] = "good.example"
    environ = raw_environ("/", HTTP_HOST="evil.example")
    status, _, body = call(refused_app, environ)
    assert (status, body) == (400, b"/ http://good.example/")


def test_url_for_after_a_refused_host_uses_the_servers_own_address(
    refused_app: App,
) -> None:
    environ = raw_environ(
        "/", HTTP_HOST="evil.example", SERVER_NAME="10.0.0.5", SERVER_PORT="8000"
    )
    status, _, body = call(refused_app, environ)
    assert (status, body) == (400, b"/ http://10.0.0.5:8000/")
    assert b"evil" not in body
