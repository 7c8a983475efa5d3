"""Request and Response: limits from config, JSON parsing errors, and the
fast response lane, which must send exactly what werkzeug's general path
sends."""

from __future__ import annotations

import io
import typing as t

import pytest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response as WerkzeugResponse

from framework import App, Request, Response, request


def _send(
    response: WerkzeugResponse, method: str = "GET"
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``response`` as WSGI the way a server does."""
    captured: dict[str, t.Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured["status"] = status
        captured["headers"] = headers
        return lambda data: None

    environ = EnvironBuilder("/", method=method).get_environ()
    iterable = response(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return captured["status"], captured["headers"], body


def _general(response: Response) -> WerkzeugResponse:
    """The same response sent through werkzeug's general path."""
    clone = WerkzeugResponse(
        response.response,
        headers=list(response.headers.items()),
        status=response.status,
    )
    clone.autocorrect_location_header = False
    return clone


#: Location values werkzeug's header pass sends as they are, and values it
#: rewrites or may rewrite (iri_to_uri quotes, drops or lower-cases).
LOCATIONS_KEPT = ["/", "/items/1", "/a;b=c/@x:y", "/search?q=a%20b&page=2", "/~u/?x"]
LOCATIONS_REWRITTEN = [
    "/späť",
    "/a b",
    "/a?",
    "/a#top",
    "//other.example/x",
    "http://Example.com/a",
    "items/1",
    '/a"b',
]

MUTATIONS: list[tuple[str, t.Callable[[Response], None]]] = [
    ("untouched", lambda r: None),
    ("header added", lambda r: r.headers.__setitem__("X-Extra", "1")),
    (
        "content type replaced",
        lambda r: r.headers.__setitem__("Content-Type", "text/plain"),
    ),
    ("status changed", lambda r: setattr(r, "status_code", 201)),
    ("status 204", lambda r: setattr(r, "status_code", 204)),
    ("status 304", lambda r: setattr(r, "status_code", 304)),
    ("location set", lambda r: r.headers.__setitem__("Location", "/späť")),
    ("content location set", lambda r: r.headers.__setitem__("Content-Location", "/é")),
    *(
        (f"location {value}", lambda r, v=value: r.headers.__setitem__("Location", v))
        for value in LOCATIONS_KEPT + LOCATIONS_REWRITTEN
        # Sent as a path on this host, unlike werkzeug (get_wsgi_headers).
        if not value.startswith("//")
    ),
    ("body replaced", lambda r: r.set_data(b"replaced body")),
    ("content length removed", lambda r: r.headers.__delitem__("Content-Length")),
    ("cookie set", lambda r: r.set_cookie("k", "v")),
]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(("name", "mutate"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_fast_response_sends_what_the_general_path_sends(
    name: str, mutate: t.Callable[[Response], None], method: str
) -> None:
    fast = Response.fast(b"Hello, World!", "text/html; charset=utf-8")
    mutate(fast)
    expected = _send(_general(fast), method)
    assert _send(fast, method) == expected


@pytest.mark.parametrize("header", ["Location", "Content-Location"])
def test_a_location_sent_unchanged_keeps_the_fast_lane(header: str) -> None:
    """A 201 or a redirect to a plain path stays in the fast lane (under
    ASGI, its body is not sent from a thread); anything werkzeug would
    rewrite leaves it."""

    def head(value: str, autocorrect: bool = False) -> t.Any:
        response = Response.fast(b"{}", "application/json", "201 CREATED")
        response.headers[header] = value
        response.autocorrect_location_header = autocorrect
        return response.asgi_head("POST")

    for value in LOCATIONS_KEPT:
        found = head(value)
        assert found is not None, value
        assert (header.lower().encode(), value.encode()) in found[1]
    for value in LOCATIONS_REWRITTEN:
        assert head(value) is None, value
    # werkzeug makes a Location absolute when asked to.
    assert (head("/items/1", autocorrect=True) is None) is (header == "Location")


@pytest.mark.parametrize("method", ["POST", "HEAD"])
@pytest.mark.parametrize("location", LOCATIONS_KEPT + LOCATIONS_REWRITTEN)
def test_a_location_given_to_fast_is_sent_as_if_set_after(
    location: str, method: str
) -> None:
    """``fast(..., location=)`` sends what setting the header afterwards
    sends, under WSGI and ASGI, and keeps the fast lane exactly when that
    would."""
    given = Response.fast(b"{}", "application/json", "201 CREATED", location)
    set_after = Response.fast(b"{}", "application/json", "201 CREATED")
    set_after.headers["Location"] = location
    assert given.location == location
    head = given.asgi_head(method)
    assert head == set_after.asgi_head(method)
    assert (head is None) is (location in LOCATIONS_REWRITTEN)
    assert _send(given, method) == _send(set_after, method)


def test_a_location_given_to_fast_is_checked_and_corrected() -> None:
    with pytest.raises(ValueError, match="newline"):
        Response.fast(b"", "text/plain", "302 FOUND", "/a\r\nSet-Cookie: x=1")

    class Absolute(Response):
        autocorrect_location_header = True

    response = Absolute.fast(b"", "text/plain", "302 FOUND", "/items/1")
    assert response.asgi_head("GET") is None
    assert dict(_send(response)[1])["Location"] == "http://localhost/items/1"


def test_fast_error_status_line_and_on_close() -> None:
    closed: list[bool] = []
    fast = Response.fast(b"gone", "text/plain", "410 GONE")
    assert fast.status_code == 410
    fast.call_on_close(lambda: closed.append(True))
    assert _send(fast) == (
        "410 GONE",
        [("Content-Type", "text/plain"), ("Content-Length", "4")],
        b"gone",
    )
    assert closed == [True]


def test_fast_lane_is_off_for_a_response_class_that_customizes_output() -> None:
    class Custom(Response):
        def get_wsgi_headers(self, environ: t.Any) -> t.Any:
            headers = super().get_wsgi_headers(environ)
            headers["X-Custom"] = "yes"
            return headers

    assert Response.supports_fast()
    assert not Custom.supports_fast()
    app = App(__name__)
    app.response_class = Custom

    @app.get("/")
    def index() -> str:
        return "hi"

    assert app.test_client().get("/").headers["X-Custom"] == "yes"


def test_request_limits_come_from_config(app: App) -> None:
    app.config.update(MAX_CONTENT_LENGTH=10, MAX_FORM_MEMORY_SIZE=5, MAX_FORM_PARTS=3)
    with app.test_request_context("/"):
        assert request.max_content_length == 10
        assert request.max_form_memory_size == 5
        assert request.max_form_parts == 3
        request.max_content_length = 99
        request.max_form_memory_size = 98
        request.max_form_parts = 97
        assert request.max_content_length == 99
        assert request.max_form_memory_size == 98
        assert request.max_form_parts == 97
    # Outside an app, werkzeug's defaults.
    outside = Request(EnvironBuilder("/").get_environ())
    assert outside.max_content_length is None
    assert outside.max_form_memory_size == 500_000
    assert outside.max_form_parts == 1000


def test_invalid_json_is_400_with_detail_only_in_debug(app: App) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return request.get_json()

    app.testing = False
    client = app.test_client()
    response = client.post("/", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert b"not valid JSON" in response.data
    assert b"Expecting" not in response.data
    app.debug = True
    response = client.post("/", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert b"Expecting property name" in response.data


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{", b'{"a": "\xc3\x28"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["invalid utf-8 start", "invalid utf-8 inside", "nested too deep"],
)
def test_hostile_json_bodies_are_400(app: App, body: bytes) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return {"got": request.get_json()}

    app.testing = False
    response = app.test_client().post("/", data=body, content_type="application/json")
    assert response.status_code == 400


def test_wrong_content_type_for_json_is_415(app: App) -> None:
    @app.post("/")
    def echo() -> t.Any:
        return {"got": request.get_json()}

    response = app.test_client().post("/", data="{}", content_type="text/plain")
    assert response.status_code == 415


def test_request_endpoint_and_blueprint_names(app: App) -> None:
    app.add_url_rule("/x", endpoint="admin.users.list", view_func=lambda: "x")
    with app.test_request_context("/x"):
        assert request.endpoint == "admin.users.list"
        assert request.blueprint == "admin.users"
        assert request.blueprints == ["admin.users", "admin"]
    with app.test_request_context("/missing"):
        assert request.endpoint is None
        assert request.blueprint is None
        assert request.blueprints == []


def test_fast_lane_respects_response_class_defaults() -> None:
    class Accepted(Response):
        default_status = 202

    class NoLength(Response):
        automatically_set_content_length = False

    assert not Accepted.supports_fast()
    assert not NoLength.supports_fast()
    app = App(__name__)
    app.response_class = Accepted
    app.add_url_rule("/", "index", lambda: "queued")
    assert app.test_client().get("/").status_code == 202


def test_json_module_uses_the_active_apps_provider(app: App) -> None:
    json_module = Request.json_module
    # Outside an app: the standard library, keys in insertion order.
    assert json_module.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'
    assert json_module.loads('{"a": 1}') == {"a": 1}
    app.json.sort_keys = True  # type: ignore[attr-defined]
    with app.app_context():
        assert json_module.dumps({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_uploaded_files_are_closed_when_the_request_ends(app: App) -> None:
    # close() skips werkzeug's work when no form was parsed; a parsed
    # upload is still closed.
    kept: list[t.Any] = []

    @app.post("/upload")
    def upload() -> str:
        kept.append(request.files["f"])
        return "ok"

    @app.post("/ignore")
    def ignore() -> str:
        kept.append(request._get_current_object())  # type: ignore[attr-defined]
        return "ok"

    client = app.test_client()
    client.post("/upload", data={"f": (io.BytesIO(b"data"), "a.txt")})
    assert kept[0].stream.closed
    client.post("/ignore", data={"f": (io.BytesIO(b"data"), "a.txt")})
    assert "files" not in kept[1].__dict__  # closing did not parse the body


class _ParserRequest(Request):
    """Parses every form through its parser object, as werkzeug does."""

    def make_form_data_parser(self) -> t.Any:
        return super().make_form_data_parser()


URLENCODED_BODIES = [
    b"item=tea&count=3",
    b"a=1&a=2&b=",
    b"plus=a+b&pct=%41%42&bad=%FF&raw=\xff",
    b"",
    b"novalue&=empty",
    b"long=" + b"x" * 50,
    b"x" * 50 + b"=long-name",
]


@pytest.mark.parametrize("body", URLENCODED_BODIES)
def test_urlencoded_form_read_directly_matches_the_parser(body: bytes) -> None:
    """A urlencoded body parsed without a parser object (the default request
    class) gives the form, files and status the parser gives."""
    outcomes = []
    for request_class in (Request, _ParserRequest):
        app = App(__name__)
        app.config["MAX_FORM_MEMORY_SIZE"] = 40
        app.request_class = request_class

        @app.post("/")
        def form() -> t.Any:
            return {
                "class": type(request._get_current_object()).__name__,
                "form": list(request.form.items(multi=True)),
                "files": len(request.files),
                "rest": request.stream.read(),
            }

        response = app.test_client().post(
            "/",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        answer = response.get_json(silent=True) or {}
        assert answer.get("class", request_class.__name__) == request_class.__name__
        answer.pop("class", None)
        outcomes.append((response.status_code, answer))
    assert outcomes[0] == outcomes[1]


def test_urlencoded_form_after_get_data_reads_the_cached_body() -> None:
    app = App(__name__)

    @app.post("/")
    def form() -> t.Any:
        raw = request.get_data()
        return {"raw": raw.decode(), "form": request.form.to_dict()}

    response = app.test_client().post(
        "/", data=b"a=1&b=2", content_type="application/x-www-form-urlencoded"
    )
    assert response.get_json() == {"raw": "a=1&b=2", "form": {"a": "1", "b": "2"}}


def test_urlencoded_form_over_max_content_length_is_413() -> None:
    app = App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def form() -> t.Any:
        return request.form.to_dict()

    response = app.test_client().post(
        "/", data=b"a=" + b"1" * 20, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_setting_a_header_replaces_the_first_and_drops_the_others() -> None:
    """``headers[name] = value`` does what werkzeug's ``set`` does, whatever
    the case of the names."""
    response = Response("body")
    response.headers.add("X-A", "1")
    response.headers.add("X-B", "2")
    response.headers.add("x-a", "3")
    response.headers["x-A"] = "4"
    response.headers["X-New"] = "5"
    assert [(k, v) for k, v in response.headers if k.startswith(("X", "x"))] == [
        ("x-A", "4"),
        ("X-B", "2"),
        ("X-New", "5"),
    ]
    with pytest.raises(ValueError, match="Invalid header name"):
        response.headers["Bad Name"] = "v"
    with pytest.raises(ValueError, match="newline"):
        response.headers["X-A"] = "a\nb"


def test_a_refused_header_name_stays_refused_and_names_are_told_apart() -> None:
    response = Response("body")
    for _ in range(2):
        with pytest.raises(ValueError, match="Invalid header name"):
            response.headers["Bad:Name"] = "v"
    response.headers["X-Aa"] = "1"
    response.headers["X-Ab"] = "2"
    response.headers["x-aa"] = "3"
    response.headers["X-Longer"] = "4"
    assert [(k, v) for k, v in response.headers if k.lower().startswith("x")] == [
        ("x-aa", "3"),
        ("X-Ab", "2"),
        ("X-Longer", "4"),
    ]


def _form_request(body: bytes, **environ: t.Any) -> Request:
    return Request(
        EnvironBuilder(
            "/",
            method="POST",
            data=body,
            content_type="application/x-www-form-urlencoded",
            environ_overrides=environ,
        ).get_environ()
    )


def test_the_form_is_parsed_once_and_kept_on_the_request() -> None:
    req = _form_request(b"a=1&a=2")
    form = req.form
    assert form.getlist("a") == ["1", "2"]
    assert req.form is form
    assert "form" in vars(req) and "files" in vars(req)
    # get_data(parse_form_data=True) does not parse the consumed body again.
    assert req.get_data(parse_form_data=True) == b""
    assert req.form is form
    assert len(req.files) == 0


def test_a_deleted_or_assigned_form_is_forgotten_or_replaced() -> None:
    req = _form_request(b"a=1")
    first = req.form
    del req.form
    # Parsed again, from the body already read: werkzeug's behaviour.
    assert req.form is not first
    replacement = ImmutableMultiDict([("b", "2")])
    req.form = replacement  # type: ignore[assignment]
    assert req.form is replacement


def test_a_limit_assigned_on_the_request_wins_over_the_config(app: App) -> None:
    with app.test_request_context(
        "/", method="POST", data=b"a=" + b"1" * 20,
        content_type="application/x-www-form-urlencoded",
    ):  # fmt: skip
        req = request._get_current_object()
        assert req.max_content_length is None
        req.max_content_length = 5
        assert req.max_content_length == 5
        assert "max_content_length" not in vars(req)
        with pytest.raises(RequestEntityTooLarge):
            req.form  # noqa: B018
        req.max_content_length = None
        app.config["MAX_CONTENT_LENGTH"] = 7
        assert req.max_content_length == 7


def test_get_json_parses_once_and_keeps_the_body(app: App) -> None:
    with app.test_request_context("/", method="POST", json={"a": [1, 2]}):
        req = request._get_current_object()
        parsed = req.get_json()
        assert parsed == {"a": [1, 2]}
        assert req.get_json() is parsed
        assert req.get_json(silent=True) is parsed
        assert req.get_data() == b'{"a": [1, 2]}'
        assert req.json is parsed


def test_get_json_after_get_data_parses_the_cached_body(app: App) -> None:
    with app.test_request_context("/", method="POST", json=[1]):
        assert request.get_data() == b"[1]"
        assert request.get_json() == [1]


def test_get_json_of_invalid_json_is_400_and_silent_is_none(app: App) -> None:
    with app.test_request_context(
        "/", method="POST", data=b"{nope", content_type="application/json"
    ):
        with pytest.raises(BadRequest):
            request.get_json()
        assert request.get_json(silent=True) is None
        with pytest.raises(BadRequest):
            request.get_json()


def test_get_json_of_another_type_is_415_unless_forced(app: App) -> None:
    with app.test_request_context(
        "/", method="POST", data=b"[2]", content_type="text/plain"
    ):
        with pytest.raises(UnsupportedMediaType):
            request.get_json()
        assert request.get_json(silent=True) is None
        assert request.get_json(force=True) == [2]


def test_get_json_of_a_class_with_its_own_get_data_uses_it(app: App) -> None:
    class Rewriting(Request):
        def get_data(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            return b'{"rewritten": true}'

    app.request_class = Rewriting

    @app.post("/")
    def echo() -> t.Any:
        return request.get_json()

    response = app.test_client().post("/", json={"a": 1})
    assert response.get_json() == {"rewritten": True}


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"SERVER_PORT": "/tmp/app.sock"},
        {"SERVER_NAME": None},
        {"SCRIPT_NAME": "/root/", "PATH_INFO": "//page/"},
        {"PATH_INFO": "/caf\xc3\xa9/\xff"},
        {"PATH_INFO": None, "SCRIPT_NAME": None, "QUERY_STRING": None},
        {"REQUEST_METHOD": "patch", "REMOTE_ADDR": None, "wsgi.url_scheme": None},
        {"QUERY_STRING": "a=1&b=\xe9"},
    ],
)
def test_request_from_an_environ_has_werkzeugs_attributes(
    overrides: dict[str, t.Any],
) -> None:
    from werkzeug.wrappers import Request as WerkzeugRequest

    environ = EnvironBuilder("/x", headers={"X-Thing": "1"}).get_environ()
    environ["REMOTE_ADDR"] = "10.0.0.1"
    for key, value in overrides.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    ours = Request(dict(environ))
    theirs = WerkzeugRequest(dict(environ))
    names = [
        "method",
        "scheme",
        "server",
        "root_path",
        "path",
        "query_string",
        "remote_addr",
        "shallow",
        "url",
    ]
    assert {n: getattr(ours, n) for n in names} == {
        n: getattr(theirs, n) for n in names
    }
    assert list(ours.headers.items()) == list(theirs.headers.items())
    assert ours.environ["werkzeug.request"] is ours
    assert "werkzeug.request" not in Request(dict(environ), shallow=True).environ


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", True),
        ("application/json; charset=utf-8", True),
        ("Application/JSON", True),
        ("application/vnd.api+json", True),
        ("text/plain", False),
        ("application/jsonx", False),
        (None, False),
    ],
)
def test_is_json_reads_the_content_type(
    content_type: str | None, expected: bool
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    environ = EnvironBuilder("/", method="POST", headers=headers).get_environ()
    assert Request(environ).is_json is expected
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    assert Request.from_scope(scope).is_json is expected
