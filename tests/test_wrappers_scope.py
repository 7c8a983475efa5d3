"""``Request.from_scope`` and ``scope_to_environ``: a request built from an
ASGI scope must be, attribute for attribute and byte for byte of its body,
the request a WSGI server's environ gives, while building no environ until
something reads it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import typing as t

import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.test import EnvironBuilder

from framework import App, Request
from framework.bodies import BodyReadError
from framework.wrappers import ScopeHeaders, scope_to_environ

Scope = dict[str, t.Any]

#: What a browser sends for a page, as uvicorn hands it over.
BROWSER = [
    (b"host", b"example.com"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Firefox/120.0"),
    (b"accept", b"text/html,application/xhtml+xml,*/*;q=0.8"),
    (b"accept-language", b"en-US,en;q=0.5"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"connection", b"keep-alive"),
    (b"cookie", b"session=abc; theme=dark"),
    (b"if-none-match", b'"v1", "v2"'),
    (b"cache-control", b"max-age=0"),
]


def make_scope(
    path: str = "/",
    *,
    query: bytes = b"",
    headers: t.Sequence[t.Sequence[bytes]] | None = None,
    method: str = "GET",
    **extra: t.Any,
) -> Scope:
    """An HTTP scope as a server builds it: ``path`` includes the root."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8"),
        "root_path": "",
        "query_string": query,
        "headers": BROWSER if headers is None else headers,
        "client": ("127.0.0.1", 51000),
        "server": ("127.0.0.1", 8000),
    }
    scope.update(extra)
    return scope


#: id -> (scope, what the reference request from EnvironBuilder is built
#: from: its path, base URL, query string and headers), or None where
#: EnvironBuilder cannot say the same thing (no server, no client...).
SCOPES: dict[str, tuple[Scope, dict[str, t.Any] | None]] = {
    "browser GET": (
        make_scope("/articles/42", query=b"page=2"),
        {"path": "/articles/42", "base_url": "http://example.com/", "qs": "page=2"},
    ),
    "root_path": (
        make_scope("/app/articles/42", root_path="/app"),
        {"path": "/articles/42", "base_url": "http://example.com/app"},
    ),
    "root_path with a trailing slash": (
        make_scope("/app/x", root_path="/app/"),
        {"path": "/x", "base_url": "http://example.com/app"},
    ),
    "root_path that is only a prefix of a segment": (
        make_scope("/apple", root_path="/app"),
        None,
    ),
    "path equal to root_path": (
        make_scope("/app", root_path="/app"),
        {"path": "/", "base_url": "http://example.com/app"},
    ),
    "root_path the server left out of path": (
        make_scope("/x", root_path="/app"),
        {"path": "/x", "base_url": "http://example.com/app"},
    ),
    "percent-encoded path (decoded by the server)": (
        make_scope("/a b/%2F/?", raw_path=b"/a%20b/%252F/%3F"),
        {"path": "/a%20b/%252F/%3F", "base_url": "http://example.com/"},
    ),
    "non-ASCII path": (
        make_scope("/café/日本", raw_path=b"/caf%C3%A9/%E6%97%A5%E6%9C%AC"),
        {"path": "/café/日本", "base_url": "http://example.com/"},
    ),
    "non-ASCII root_path": (
        make_scope("/ré/x", root_path="/ré"),
        {"path": "/x", "base_url": "http://example.com/r%C3%A9"},
    ),
    "double leading slash": (make_scope("//x"), None),
    "repeated query keys": (
        make_scope("/s", query=b"a=1&a=2&b=&c&a=3"),
        {"path": "/s", "base_url": "http://example.com/", "qs": "a=1&a=2&b=&c&a=3"},
    ),
    "query string with invalid UTF-8 and plus signs": (
        make_scope("/s", query=b"q=%FF+x&r=\xff&t=%E2%82%AC"),
        None,
    ),
    "repeated headers": (
        make_scope(
            "/",
            headers=[
                (b"host", b"example.com"),
                (b"x-forwarded-for", b"10.0.0.1"),
                (b"accept", b"text/html"),
                (b"x-forwarded-for", b"10.0.0.2"),
                (b"accept", b"*/*"),
            ],
        ),
        {"path": "/", "base_url": "http://example.com/"},
    ),
    "cookies in several headers (HTTP/2)": (
        make_scope(
            "/",
            http_version="2",
            headers=[
                (b"host", b"example.com"),
                (b"cookie", b"a=1"),
                (b"cookie", b"b=2; c=3"),
            ],
        ),
        {"path": "/", "base_url": "http://example.com/"},
    ),
    "header name with an underscore": (
        make_scope(
            "/",
            headers=[
                (b"host", b"example.com"),
                (b"x-forwarded-for", b"10.0.0.1"),
                (b"x-forwarded_for", b"6.6.6.6"),
            ],
        ),
        None,
    ),
    "empty content type": (
        make_scope("/", headers=[(b"host", b"h"), (b"content-type", b"")]),
        None,
    ),
    "latin-1 bytes in a header value": (
        make_scope("/", headers=[(b"host", b"h"), (b"x-name", b"J\xe9r\xf4me")]),
        None,
    ),
    "IPv6 client and server": (
        make_scope(
            "/",
            headers=[(b"host", b"[::1]:8443")],
            client=("::1", 40000),
            server=("::1", 8443),
            scheme="https",
        ),
        {"path": "/", "base_url": "https://[::1]:8443/"},
    ),
    "no client": (make_scope("/", client=None), None),
    "no server and no host header": (
        make_scope("/", headers=[], server=None),
        None,
    ),
    "unix socket server": (
        make_scope("/", headers=[], server=("/run/app.sock", None)),
        None,
    ),
    "HTTP/1.0 without a host header": (
        make_scope("/old", http_version="1.0", headers=[]),
        None,
    ),
    "https with the default port": (
        make_scope(
            "/",
            scheme="https",
            headers=[(b"host", b"example.com")],
            server=("10.0.0.5", 443),
        ),
        {"path": "/", "base_url": "https://example.com/"},
    ),
    "host header differs from server": (
        make_scope(
            "/", headers=[(b"host", b"shop.example.com:8080")], server=("0.0.0.0", 80)
        ),
        {"path": "/", "base_url": "http://shop.example.com:8080/"},
    ),
    "no scheme key": (
        {k: v for k, v in make_scope("/").items() if k != "scheme"},
        {"path": "/", "base_url": "http://example.com/"},
    ),
    "lower-case method": (make_scope("/", method="post"), None),
    "headers as a tuple of lists": (
        make_scope("/", headers=tuple([[b"host", b"h"], [b"x-a", b"1"]])),
        None,
    ),
}

#: Public attributes that read the body (compared by the body tests) or
#: that are methods.
_NOT_COMPARED = {
    "data",
    "files",
    "form",
    "input_stream",
    "json",
    "stream",
    "values",
    "environ",
    "application",
    "from_values",
    "from_scope",
}


def _public_attributes() -> list[str]:
    names = []
    for name in dir(Request):
        if name.startswith("_") or name in _NOT_COMPARED:
            continue
        value = getattr(Request, name)
        if callable(value) and not isinstance(value, type):
            continue
        names.append(name)
    return names


#: The attributes werkzeug's ``__init__`` sets on the instance, which
#: ``dir(Request)`` does not list.
_INSTANCE = [
    "method",
    "scheme",
    "server",
    "root_path",
    "path",
    "query_string",
    "headers",
    "remote_addr",
    "shallow",
]
PUBLIC = _INSTANCE + _public_attributes()
#: The public attributes that read the environ by definition.
ENVIRON_PROPERTIES = {"is_multithread", "is_multiprocess", "is_run_once", "remote_user"}


def _comparable(value: t.Any) -> t.Any:
    """A value that compares by content (some werkzeug header objects
    compare by identity)."""
    if isinstance(value, type):
        return value
    if isinstance(value, (Headers, list)):
        return list(value)
    if hasattr(value, "to_header"):
        return (type(value).__name__, value.to_header())
    if type(value).__name__ == "UserAgent":
        return value.string
    return value


def _attributes(request: Request, names: t.Iterable[str]) -> dict[str, t.Any]:
    out = {}
    for name in names:
        try:
            out[name] = _comparable(getattr(request, name))
        except HTTPException as e:  # an error is an attribute's value too
            out[name] = ("raises", type(e).__name__)
    return out


@pytest.mark.parametrize("case", SCOPES, ids=list(SCOPES))
def test_every_public_attribute_equals_the_environ_requests(case: str) -> None:
    scope, _ = SCOPES[case]
    from_scope = Request.from_scope(scope, b"")
    reference = Request(scope_to_environ(scope, b""))
    assert type(from_scope) is Request
    names = PUBLIC
    if case == "empty content type":
        # werkzeug's environ headers answer "" for it but skip it when
        # iterated; from_scope lists it, so that asking agrees.
        names = [name for name in PUBLIC if name != "headers"]
        assert from_scope.headers.get("Content-Type") == ""
        assert reference.headers.get("Content-Type") == ""
        assert list(from_scope.headers) == [("Host", "h"), ("Content-Type", "")]
        assert list(reference.headers) == [("Host", "h")]
    assert _attributes(from_scope, names) == _attributes(reference, names)
    assert repr(from_scope) == repr(reference)


def test_the_compared_attributes_cover_the_url_and_header_ones() -> None:
    # Guards the enumeration above: a broken one would compare nothing.
    for name in ("url", "path", "full_path", "args", "cookies", "headers", "host"):
        assert name in PUBLIC
    assert "access_route" in PUBLIC and "if_none_match" in PUBLIC


_BUILDER_COMPARED = [
    "method",
    "scheme",
    "root_path",
    "path",
    "full_path",
    "url",
    "base_url",
    "url_root",
    "host_url",
    "host",
    "args",
    "cookies",
    "is_secure",
]


@pytest.mark.parametrize(
    "case", [c for c, (_, ref) in SCOPES.items() if ref is not None]
)
def test_url_attributes_equal_those_of_a_werkzeug_environbuilder_request(
    case: str,
) -> None:
    scope, ref = SCOPES[case]
    assert ref is not None
    # What a WSGI server makes of repeated headers: one, joined.
    joined: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        if name != "host":
            joint = "; " if name == "cookie" else ", "
            joined[name] = f"{joined[name]}{joint}{value}" if name in joined else value
    headers = Headers(list(joined.items()))
    builder = EnvironBuilder(
        path=ref["path"],
        base_url=ref["base_url"],
        query_string=ref.get("qs"),
        headers=headers,
    )
    try:
        reference = t.cast(Request, builder.get_request(Request))
    finally:
        builder.close()
    from_scope = Request.from_scope(scope, b"")
    assert _attributes(from_scope, _BUILDER_COMPARED) == _attributes(
        reference, _BUILDER_COMPARED
    )
    # Repeated headers are joined as a WSGI server joins them.
    for name in {n.decode() for n, _ in scope["headers"]} - {"host", "cookie"}:
        assert from_scope.headers.get(name) == reference.headers.get(name)


def test_repeated_headers_are_joined_and_cookies_joined_with_semicolons() -> None:
    scope, _ = SCOPES["repeated headers"]
    request = Request.from_scope(scope)
    assert request.headers.getlist("X-Forwarded-For") == ["10.0.0.1, 10.0.0.2"]
    assert request.access_route == ["10.0.0.1", "10.0.0.2"]
    assert list(request.headers)[1:] == [
        ("X-Forwarded-For", "10.0.0.1, 10.0.0.2"),
        ("Accept", "text/html, */*"),
    ]
    scope, _ = SCOPES["cookies in several headers (HTTP/2)"]
    request = Request.from_scope(scope)
    assert request.headers["Cookie"] == "a=1; b=2; c=3"
    assert request.cookies.to_dict() == {"a": "1", "b": "2", "c": "3"}


def test_a_header_name_with_an_underscore_is_dropped() -> None:
    scope, _ = SCOPES["header name with an underscore"]
    request = Request.from_scope(scope)
    assert request.headers.getlist("X-Forwarded-For") == ["10.0.0.1"]
    assert request.access_route == ["10.0.0.1"]
    assert "HTTP_X_FORWARDED_FOR" in request.environ
    assert request.environ["HTTP_X_FORWARDED_FOR"] == "10.0.0.1"


def test_path_root_path_and_server_facts() -> None:
    request = Request.from_scope(SCOPES["root_path"][0])
    assert (request.root_path, request.path) == ("/app", "/articles/42")
    assert request.url == "http://example.com/app/articles/42"
    request = Request.from_scope(
        SCOPES["root_path that is only a prefix of a segment"][0]
    )
    assert (request.root_path, request.path) == ("/app", "/apple")
    request = Request.from_scope(SCOPES["no server and no host header"][0])
    assert request.server is None and request.host == ""
    request = Request.from_scope(SCOPES["unix socket server"][0])
    assert request.server == ("/run/app.sock", None)
    request = Request.from_scope(SCOPES["no client"][0])
    assert request.remote_addr is None and request.access_route == []
    request = Request.from_scope(SCOPES["IPv6 client and server"][0])
    assert request.remote_addr == "::1" and request.is_secure
    request = Request.from_scope(
        SCOPES["query string with invalid UTF-8 and plus signs"][0]
    )
    assert request.args.to_dict(flat=False) == {
        "q": ["%FF x"],
        "r": ["%FF"],
        "t": ["€"],
    }
    assert request.method == "GET"
    assert Request.from_scope(SCOPES["lower-case method"][0]).method == "POST"


def test_scope_to_environ_is_what_a_wsgi_server_would_give() -> None:
    scope = make_scope(
        "/app/café",
        root_path="/app",
        raw_path=b"/app/caf%C3%A9",
        query=b"x=%41&y=\xe9",
        http_version="1.0",
        client=("::1", 40000),
        headers=[
            (b"host", b"example.com"),
            (b"content-type", b"text/plain"),
            (b"content-length", b"3"),
            (b"x-a", b"1"),
            (b"x-a", b"2"),
        ],
    )
    environ = scope_to_environ(scope, b"abc")
    assert environ["REQUEST_METHOD"] == "GET"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["PATH_INFO"] == "/caf\xc3\xa9"  # UTF-8 bytes as latin-1
    assert environ["QUERY_STRING"] == "x=%41&y=\xe9"
    assert environ["REQUEST_URI"] == environ["RAW_URI"] == "/app/caf%C3%A9?x=%41&y=\xe9"
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "8000")
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"]) == ("::1", "40000")
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "3"
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["HTTP_HOST"] == "example.com"
    assert environ["HTTP_X_A"] == "1, 2"
    assert environ["wsgi.url_scheme"] == "http"
    assert environ["wsgi.input"].read() == b"abc"
    assert environ["wsgi.input_terminated"] is True
    assert environ["asgi.scope"] is scope
    assert environ["wsgi.version"] == (1, 0)
    assert hasattr(environ["wsgi.errors"], "write")

    bare = scope_to_environ(
        {"type": "http", "method": "GET", "path": "/", "headers": []}
    )
    assert bare["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert bare["QUERY_STRING"] == "" and bare["SCRIPT_NAME"] == ""
    for missing in ("SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REQUEST_URI"):
        assert missing not in bare
    assert bare["wsgi.input"].read() == b""
    assert scope_to_environ(make_scope("/", http_version="2"))["SERVER_PROTOCOL"] == (
        "HTTP/2"
    )


def test_scope_to_environ_keeps_a_file_body_as_it_is() -> None:
    body = _spooled(b"data")
    environ = scope_to_environ(make_scope("/"), body)
    assert environ["wsgi.input"] is body


def test_environ_is_not_built_until_read() -> None:
    scope = make_scope(
        "/p",
        method="POST",
        query=b"a=1",
        headers=[
            *BROWSER,
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"7"),
        ],
    )
    request = Request.from_scope(scope, b"x=1&y=2")
    for name in PUBLIC:
        if name not in ENVIRON_PROPERTIES:
            getattr(request, name)
    assert request.form.to_dict() == {"x": "1", "y": "2"}
    assert "environ" not in request.__dict__
    environ = request.environ
    assert "environ" in request.__dict__
    assert request.environ is environ  # built once
    assert environ["werkzeug.request"] is request
    assert environ["asgi.scope"] is scope
    assert environ["PATH_INFO"] == "/p"
    # Reading the body before did not leave the environ a second stream.
    assert environ["wsgi.input"] is request._asgi_input()
    assert request.is_multithread is True


def test_the_lazy_environ_costs_wsgi_requests_nothing_until_a_scope_is_served() -> None:
    # A class-level descriptor would slow every read of a WSGI request's
    # environ; it is installed by the first from_scope. A fresh process,
    # since other tests here already called from_scope.
    code = """
from framework.wrappers import Request
from werkzeug.test import EnvironBuilder
assert "environ" not in Request.__dict__
wsgi_request = Request(EnvironBuilder("/w").get_environ())
scope = {"type": "http", "method": "GET", "path": "/s", "headers": []}
scope_request = Request.from_scope(scope)
assert "environ" in Request.__dict__
assert wsgi_request.environ["PATH_INFO"] == "/w"
assert scope_request.environ["PATH_INFO"] == "/s"
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr


def test_headers_are_read_only_like_a_wsgi_requests() -> None:
    request = Request.from_scope(make_scope("/"))
    assert isinstance(request.headers, ScopeHeaders)
    with pytest.raises(TypeError):
        request.headers["X-New"] = "1"
    with pytest.raises(TypeError):
        request.headers.add("X-New", "1")
    assert list(request.headers[1:3]) == list(request.headers)[1:3]
    copied = request.headers.copy()
    copied["X-New"] = "1"
    assert type(copied) is Headers
    assert "X-New" not in request.headers


def test_headers_are_decoded_when_first_read() -> None:
    request = Request.from_scope(make_scope("/p", query=b"a=1"))
    assert (request.path, request.args["a"], request.method) == ("/p", "1", "GET")
    assert "_list" not in request.headers.__dict__
    assert request.headers["User-Agent"].startswith("Mozilla/5.0")
    decoded = request.headers.__dict__["_list"]
    assert request.headers._list is decoded  # decoded once
    assert len(decoded) == len(BROWSER)


def test_made_up_header_names_do_not_grow_the_name_cache_without_end() -> None:
    from framework import wrappers

    headers = [(f"x-made-up-{i}".encode(), b"v") for i in range(700)]
    request = Request.from_scope(make_scope("/", headers=headers))
    assert len(request.headers) == 700
    assert request.headers["X-Made-Up-699"] == "v"
    assert len(wrappers._ENVIRON_KEYS) <= wrappers._NAMES_KEPT
    assert len(wrappers._HEADER_NAMES) <= wrappers._NAMES_KEPT


# Bodies ------------------------------------------------------------------

_MULTIPART = (
    b"--B\r\n"
    b'Content-Disposition: form-data; name="title"\r\n\r\n'
    b"hello\r\n"
    b"--B\r\n"
    b'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n"
    b"file contents\r\n"
    b"--B--\r\n"
)


def _body_scope(body: bytes, content_type: str | None, length: bool = True) -> Scope:
    headers = [(b"host", b"example.com")]
    if content_type is not None:
        headers.append((b"content-type", content_type.encode()))
    if length:
        headers.append((b"content-length", str(len(body)).encode()))
    return make_scope("/upload", method="POST", headers=headers)


#: Spooled bodies and requests to close after each test.
_OPENED: list[t.IO[bytes] | Request] = []


@pytest.fixture(autouse=True)
def _close_spooled_files() -> t.Iterator[None]:
    yield
    while _OPENED:
        _OPENED.pop().close()


def _spooled(body: bytes) -> t.IO[bytes]:
    # Closed after the test by _close_spooled_files.
    spooled = tempfile.SpooledTemporaryFile(max_size=4)  # noqa: SIM115
    _OPENED.append(t.cast("t.IO[bytes]", spooled))
    spooled.write(body)
    spooled.seek(0)
    return t.cast("t.IO[bytes]", spooled)


BODY_FORMS: dict[str, t.Callable[[bytes], bytes | t.IO[bytes]]] = {
    "bytes": lambda body: body,
    "spooled file": _spooled,
}


def _both(scope: Scope, body: bytes, form: str) -> tuple[Request, Request]:
    """The request from the scope, and the reference request from its
    environ, each with its own copy of the body."""
    make = BODY_FORMS[form]
    pair = (
        Request.from_scope(scope, make(body)),
        Request(scope_to_environ(scope, make(body))),
    )
    _OPENED.extend(pair)  # closes their uploaded files
    return pair


def _read(request: Request, what: str) -> t.Any:
    try:
        if what == "get_data":
            return request.get_data()
        if what == "stream":
            return request.stream.read()
        if what == "form":
            return request.form.to_dict(flat=False)
        if what == "files":
            return {k: (v.filename, v.read()) for k, v in request.files.items()}
        if what == "json":
            return request.get_json()
        if what == "data":
            return request.data
    except HTTPException as e:
        return ("raises", e.code)
    raise AssertionError(what)


BODIES = [
    ("urlencoded form", b"a=1&a=2&b=%C3%A9", "application/x-www-form-urlencoded"),
    ("multipart with a file", _MULTIPART, "multipart/form-data; boundary=B"),
    ("json", json.dumps({"x": [1, 2], "é": None}).encode(), "application/json"),
    ("invalid json", b"{nope", "application/json"),
    ("malformed multipart", b"--B\r\nbroken", "multipart/form-data; boundary=B"),
    ("plain bytes", b"\x00\x01raw", "application/octet-stream"),
    ("no content type", b"raw", None),
    ("empty", b"", None),
]


@pytest.mark.parametrize("form", BODY_FORMS)
@pytest.mark.parametrize(
    "what", ["get_data", "stream", "form", "files", "json", "data"]
)
@pytest.mark.parametrize("body_case", BODIES, ids=[b[0] for b in BODIES])
def test_body_reads_as_under_wsgi(
    body_case: tuple[str, bytes, str | None], what: str, form: str
) -> None:
    _, body, content_type = body_case
    scope = _body_scope(body, content_type)
    from_scope, reference = _both(scope, body, form)
    assert _read(from_scope, what) == _read(reference, what)
    assert "environ" not in from_scope.__dict__


def test_multipart_file_and_field_are_parsed() -> None:
    scope = _body_scope(_MULTIPART, "multipart/form-data; boundary=B")
    request = Request.from_scope(scope, _spooled(_MULTIPART))
    assert request.form["title"] == "hello"
    assert request.files["upload"].filename == "a.txt"
    assert request.files["upload"].read() == b"file contents"
    _OPENED.append(request)


def test_a_body_without_content_length_is_read_to_its_end() -> None:
    # HTTP/2 or chunked: the server delimited the body.
    body = b'{"chunked": true}'
    request = Request.from_scope(
        _body_scope(body, "application/json", length=False), body
    )
    assert request.get_json() == {"chunked": True}


@pytest.fixture
def limited_app() -> App:
    app = App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10
    app.config["MAX_FORM_MEMORY_SIZE"] = 8
    return app


@pytest.mark.parametrize("form", BODY_FORMS)
@pytest.mark.parametrize(
    ("case", "body", "content_type", "length", "reads", "expected"),
    [
        # The declared length alone is over: the adapter read nothing.
        ("declared over", b"", "text/plain", "11", "get_data", 413),
        (
            "declared over, form",
            b"",
            "application/x-www-form-urlencoded",
            "11",
            "form",
            413,
        ),
        # No declared length: the adapter stopped at the limit plus one byte.
        ("undeclared over", b"x" * 11, "text/plain", None, "get_data", 413),
        (
            "undeclared at the limit",
            b"x" * 10,
            "text/plain",
            None,
            "get_data",
            b"x" * 10,
        ),
        ("declared at the limit", b"x" * 10, "text/plain", "10", "get_data", b"x" * 10),
        ("cut short", b"x" * 5, "text/plain", "9", "get_data", 400),
        ("malformed length", b"", "text/plain", "ten", "get_data", 400),
        (
            "field over form memory",
            b"f=123456789",
            "application/x-www-form-urlencoded",
            None,
            "form",
            413,
        ),
        (
            "field within form memory",
            b"f=1234567",
            "application/x-www-form-urlencoded",
            None,
            "form",
            {"f": ["1234567"]},
        ),
    ],
)
def test_limits_apply_as_under_wsgi(
    limited_app: App,
    form: str,
    case: str,
    body: bytes,
    content_type: str,
    length: str | None,
    reads: str,
    expected: t.Any,
) -> None:
    headers = [(b"host", b"h"), (b"content-type", content_type.encode())]
    if length is not None:
        headers.append((b"content-length", length.encode()))
    scope = make_scope("/", method="POST", headers=headers)
    with limited_app.app_context():
        from_scope, reference = _both(scope, body, form)
        got = _read(from_scope, reads)
        assert got == _read(reference, reads)
        assert got == (("raises", expected) if isinstance(expected, int) else expected)
        # Reading again gives the same answer, without the environ.
        assert _read(from_scope, reads) == _read(reference, reads)
        assert "environ" not in from_scope.__dict__


def test_limits_are_werkzeugs_outside_an_app() -> None:
    request = Request.from_scope(
        _body_scope(b"x" * 20, "text/plain", length=False), b"x" * 20
    )
    assert request.max_content_length is None
    assert request.get_data() == b"x" * 20


def test_the_limit_set_on_the_request_wins(limited_app: App) -> None:
    scope = _body_scope(b"x" * 12, "text/plain")
    with limited_app.app_context():
        request = Request.from_scope(scope, b"x" * 12)
        request.max_content_length = 20
        assert request.get_data() == b"x" * 12
        request = Request.from_scope(scope, b"x" * 12)
        with pytest.raises(RequestEntityTooLarge):
            request.get_data()


def test_cut_short_body_is_a_body_read_error() -> None:
    request = Request.from_scope(_body_scope(b"x" * 9, "text/plain"), b"x" * 4)
    with pytest.raises(BodyReadError):
        request.get_data()
    assert issubclass(BodyReadError, BadRequest)


def test_body_read_after_the_environ_was_built_reads_its_input() -> None:
    body = b"a=1"
    scope = _body_scope(body, "application/x-www-form-urlencoded")
    request = Request.from_scope(scope, body)
    environ = request.environ
    assert request.form.to_dict() == {"a": "1"}
    assert environ["wsgi.input"].read() == b""  # the same stream, consumed


def test_input_stream_is_the_raw_body() -> None:
    request = Request.from_scope(_body_scope(b"raw", "text/plain"), b"raw")
    assert request.input_stream.read() == b"raw"


# Request classes ------------------------------------------------------------


def test_a_subclass_without_its_own_init_is_built_from_the_scope() -> None:
    class MyRequest(Request):
        pass

    request = MyRequest.from_scope(make_scope("/x"))
    assert type(request) is MyRequest
    assert "environ" not in request.__dict__
    assert request.path == "/x"


def test_a_subclass_overriding_init_is_built_from_the_environ() -> None:
    seen: list[dict[str, t.Any]] = []

    class MyRequest(Request):
        def __init__(self, environ: dict[str, t.Any], **kwargs: t.Any) -> None:
            seen.append(environ)
            super().__init__(environ, **kwargs)
            self.tag = environ["PATH_INFO"]

    scope = make_scope("/app/x", root_path="/app", query=b"q=1")
    request = MyRequest.from_scope(scope, b"")
    assert type(request) is MyRequest
    assert request.tag == "/x"
    assert request.environ is seen[0]
    assert request.environ["asgi.scope"] is scope
    assert (request.root_path, request.path, request.args["q"]) == ("/app", "/x", "1")


def test_environ_of_a_request_made_without_init_is_an_attribute_error() -> None:
    request = Request.__new__(Request)
    with pytest.raises(AttributeError, match="environ"):
        request.environ  # noqa: B018
    assert not hasattr(request, "environ")


def test_a_wsgi_request_keeps_its_own_environ() -> None:
    environ = EnvironBuilder("/x").get_environ()
    request = Request(environ)
    assert request.environ is environ
    assert request.__dict__["environ"] is environ
    stream = io.BytesIO(b"new")
    request.environ = {**environ, "wsgi.input": stream}
    assert request.environ["wsgi.input"] is stream


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ([b"application/json"], True),
        ([b"application/vnd.api+json"], True),
        ([b"text/plain"], False),
        ([], False),
        # Joined into one value, which is no JSON type.
        ([b"application/json", b"text/plain"], False),
    ],
)
def test_is_json_from_the_scope_is_as_from_its_environ(
    types: list[bytes], expected: bool
) -> None:
    scope = make_scope(
        headers=[(b"host", b"x"), *((b"content-type", v) for v in types)]
    )
    from_scope = Request.from_scope(scope)
    from_environ = Request(scope_to_environ(scope, io.BytesIO()))
    assert from_scope.is_json is expected
    assert from_environ.is_json is expected
