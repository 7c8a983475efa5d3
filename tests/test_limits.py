"""Request limits: ``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE`` and
``MAX_FORM_PARTS``, and malformed form bodies.

Bodies go through real WSGI environs, either with a ``Content-Length`` or
the way servers hand over chunked requests (``wsgi.input_terminated`` and
no ``CONTENT_LENGTH``). Every refusal is checked for its exact status, for
the view not having run on partial data, and for the app still answering
the next request.
"""

from __future__ import annotations

import io
import json
import typing as t

import pytest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder, run_wsgi_app

from framework import App, Request, request

# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")

#: A test that feeds ``wsgi.input`` itself, as a WSGI server does: WSGI
#: only. The ASGI adapter's body limits are tested in tests/test_asgi.py.
feeds_wsgi_input = pytest.mark.wsgi_only(reason="feeds wsgi.input itself")

#: A test that feeds ``wsgi.input`` itself, as a WSGI server does: WSGI
#: only. The ASGI adapter's body limits are tested in tests/test_asgi.py.
feeds_wsgi_input = pytest.mark.wsgi_only(reason="feeds wsgi.input itself")

LIMIT = 1000


class BodyStream:
    """A ``wsgi.input`` that serves ``body`` (or ``b"x"`` forever when
    ``body`` is ``None``) and counts the bytes it handed out. The framework
    must only ``read`` it: ``readline`` fails the test."""

    def __init__(self, body: bytes | None) -> None:
        self.body = body
        self.served = 0

    def read(self, size: int = -1) -> bytes:
        if self.body is None:
            n = 65536 if size is None or size < 0 else size
            self.served += n
            return b"x" * n
        if size is None or size < 0:
            size = len(self.body) - self.served
        chunk = self.body[self.served : self.served + size]
        self.served += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:  # pragma: no cover - unused
        raise AssertionError("the body must not be read by lines")


def environ_for(
    path: str,
    body: bytes | None,
    content_type: str | None,
    *,
    chunked: bool,
    terminated: bool = True,
) -> tuple[dict[str, t.Any], BodyStream]:
    """A POST environ whose ``wsgi.input`` is a :class:`BodyStream`. With
    ``chunked``, there is no ``CONTENT_LENGTH`` and a ``Transfer-Encoding:
    chunked`` header; ``terminated`` then says whether the server set
    ``wsgi.input_terminated``, as servers that decode chunked bodies do."""
    environ = EnvironBuilder(path=path, method="POST").get_environ()
    stream = BodyStream(body)
    environ["wsgi.input"] = stream
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if chunked:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        if terminated:
            environ["wsgi.input_terminated"] = True
    else:
        assert body is not None
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ, stream


def call(app: App, environ: dict[str, t.Any]) -> tuple[int, bytes]:
    """Call the app as a server would; the status code and the body."""
    app_iter, status, _ = run_wsgi_app(app, environ, buffered=True)
    return int(status.split()[0]), b"".join(app_iter)


# Each reader: the view that reads the body one way, and how to make a body of
# exactly N bytes that it reads, with the payload the view must then report.


def multipart(name: str, content: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return (
        f"--b\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        + content
        + b"\r\n--b--\r\n"
    )


def body_of_size(reader: str, size: int) -> tuple[str, bytes, int]:
    """(content type, body of exactly ``size`` bytes, payload length the
    view reports) for ``reader``."""
    if reader == "form":
        return "application/x-www-form-urlencoded", b"a=" + b"x" * (size - 2), size - 2
    if reader == "files":
        envelope = len(multipart("f", b"", "f.bin"))
        content = b"x" * (size - envelope)
        body = multipart("f", content, "f.bin")
        return "multipart/form-data; boundary=b", body, len(content)
    if reader == "get_json":
        return "application/json", b'"' + b"x" * (size - 2) + b'"', size - 2
    return "application/octet-stream", b"x" * size, size


READERS = ["get_data", "data", "form", "files", "get_json", "stream"]


@pytest.fixture
def limited() -> tuple[App, list[int]]:
    """A production app with ``MAX_CONTENT_LENGTH = LIMIT`` whose ``/<reader>``
    views read the body and record the payload length they got."""
    app = App("limits")
    app.config["MAX_CONTENT_LENGTH"] = LIMIT
    seen: list[int] = []

    @app.post("/get_data")
    def get_data() -> str:
        seen.append(len(request.get_data()))
        return "ok"

    @app.post("/data")
    def data() -> str:
        seen.append(len(request.data))
        return "ok"

    @app.post("/form")
    def form() -> str:
        seen.append(len(request.form["a"]))
        return "ok"

    @app.post("/files")
    def files() -> str:
        seen.append(len(request.files["f"].read()))
        return "ok"

    @app.post("/get_json")
    def get_json() -> str:
        seen.append(len(request.get_json()))
        return "ok"

    @app.post("/stream")
    def stream() -> str:
        total = 0
        while chunk := request.stream.read(100):
            total += len(chunk)
        seen.append(total)
        return "ok"

    @app.get("/")
    def index() -> str:
        return "still fine"

    return app, seen


def assert_app_still_works(app: App) -> None:
    assert app.test_client().get("/").text == "still fine"


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_declared_length_over_the_limit_is_413_before_reading(
    limited: tuple[App, list[int]], reader: str
) -> None:
    app, seen = limited
    content_type, body, _ = body_of_size(reader, LIMIT + 1)
    environ, stream = environ_for("/" + reader, body, content_type, chunked=False)
    assert call(app, environ)[0] == 413
    assert seen == []
    assert stream.served == 0
    assert_app_still_works(app)


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_chunked_body_over_the_limit_is_413_not_truncated(
    limited: tuple[App, list[int]], reader: str
) -> None:
    """werkzeug would hand the view the first LIMIT bytes; the view must not
    run on them."""
    app, seen = limited
    content_type, body, _ = body_of_size(reader, LIMIT + 1)
    environ, stream = environ_for("/" + reader, body, content_type, chunked=True)
    assert call(app, environ)[0] == 413
    assert seen == []
    assert stream.served <= LIMIT + 1
    assert_app_still_works(app)


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_endless_chunked_body_reads_at_most_limit_plus_one_byte(
    limited: tuple[App, list[int]], reader: str
) -> None:
    app, seen = limited
    content_type, _, _ = body_of_size(reader, LIMIT)
    environ, stream = environ_for("/" + reader, None, content_type, chunked=True)
    assert call(app, environ)[0] == 413
    assert seen == []
    assert 0 < stream.served <= LIMIT + 1


@feeds_wsgi_input
@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
@pytest.mark.parametrize("reader", READERS)
def test_body_exactly_at_the_limit_is_read_whole(
    limited: tuple[App, list[int]], reader: str, chunked: bool
) -> None:
    app, seen = limited
    content_type, body, payload = body_of_size(reader, LIMIT)
    assert len(body) == LIMIT
    environ, _ = environ_for("/" + reader, body, content_type, chunked=chunked)
    assert call(app, environ) == (200, b"ok")
    assert seen == [payload]


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_without_a_limit_a_chunked_body_is_read_whole(
    limited: tuple[App, list[int]], reader: str
) -> None:
    app, seen = limited
    app.config["MAX_CONTENT_LENGTH"] = None
    size = 300_000
    content_type, body, payload = body_of_size(reader, size)
    environ, stream = environ_for("/" + reader, body, content_type, chunked=True)
    assert call(app, environ) == (200, b"ok")
    assert seen == [payload]
    assert stream.served == size


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_chunked_body_the_server_did_not_terminate_is_411(
    limited: tuple[App, list[int]], reader: str
) -> None:
    """Reading a chunked body the server left undecoded could block or read
    past the request; werkzeug would give the view an empty body."""
    app, seen = limited
    app.config["MAX_CONTENT_LENGTH"] = None
    content_type, body, _ = body_of_size(reader, 100)
    environ, stream = environ_for(
        "/" + reader, body, content_type, chunked=True, terminated=False
    )
    assert call(app, environ)[0] == 411
    assert seen == []
    assert stream.served == 0
    assert_app_still_works(app)


@feeds_wsgi_input
def test_no_length_and_no_transfer_encoding_is_an_empty_body(
    limited: tuple[App, list[int]],
) -> None:
    app, seen = limited
    environ, stream = environ_for("/get_data", b"ignored", None, chunked=False)
    del environ["CONTENT_LENGTH"]
    assert call(app, environ) == (200, b"ok")
    assert seen == [0]
    assert stream.served == 0


@feeds_wsgi_input
def test_view_that_never_reads_the_body_is_not_refused(
    limited: tuple[App, list[int]],
) -> None:
    """As in Flask: the limit applies when the body is read."""
    app, _ = limited

    @app.post("/ignore")
    def ignore() -> str:
        return "ignored"

    environ, stream = environ_for("/ignore", None, "text/plain", chunked=True)
    assert call(app, environ) == (200, b"ignored")
    assert stream.served == 0


@feeds_wsgi_input
def test_limit_set_on_the_request_wins_over_config(
    limited: tuple[App, list[int]],
) -> None:
    app, seen = limited

    @app.post("/small")
    def small() -> str:
        request.max_content_length = 10
        seen.append(len(request.get_data()))
        return "ok"

    environ, _ = environ_for("/small", b"x" * 11, None, chunked=True)
    assert call(app, environ)[0] == 413
    environ, _ = environ_for("/small", b"x" * 10, None, chunked=True)
    assert call(app, environ) == (200, b"ok")
    assert seen == [10]


@feeds_wsgi_input
def test_reading_again_after_the_413_is_still_413(app: App) -> None:
    """A view that catches the error can't then get the truncated body."""
    app.config["MAX_CONTENT_LENGTH"] = 10
    outcomes: list[str] = []

    @app.post("/retry")
    def retry() -> str:
        for _ in range(2):
            try:
                request.get_data()
            except Exception as e:
                outcomes.append(type(e).__name__)
        return "done"

    environ, _ = environ_for("/retry", b"x" * 50, None, chunked=True)
    assert call(app, environ) == (200, b"done")
    assert outcomes == ["RequestEntityTooLarge", "RequestEntityTooLarge"]


def test_test_client_body_over_the_limit_is_413(app: App) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10
    seen: list[bytes] = []

    @app.post("/")
    def index() -> str:
        seen.append(request.get_data())
        return "ok"

    client = app.test_client()
    assert client.post("/", data=b"x" * 11).status_code == 413
    assert client.post("/", data=b"x" * 10).status_code == 200
    assert seen == [b"x" * 10]


# MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS


@pytest.fixture
def form_app(app: App) -> tuple[App, list[tuple[dict[str, list[str]], list[str]]]]:
    """An app whose ``/form`` view records the form fields and file names."""
    seen: list[tuple[dict[str, list[str]], list[str]]] = []

    @app.post("/form")
    def form() -> dict[str, t.Any]:
        fields = request.form.to_dict(flat=False)
        files = sorted(request.files)
        seen.append((fields, files))
        return {"fields": fields, "files": files}

    @app.get("/")
    def index() -> str:
        return "still fine"

    return app, seen


def parts(*fields: tuple[str, bytes], files: int = 0) -> bytes:
    out = b""
    for name, value in fields:
        out += (
            f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value
            + b"\r\n"
        )
    for i in range(files):
        out += (
            f'--b\r\nContent-Disposition: form-data; name="f{i}"; '
            f'filename="f{i}.txt"\r\n\r\n'.encode()
            + b"data\r\n"
        )
    return out + b"--b--\r\n"


MULTIPART = "multipart/form-data; boundary=b"
URLENCODED = "application/x-www-form-urlencoded"


def test_multipart_field_over_max_form_memory_size_is_413(
    form_app: tuple[App, list[t.Any]],
) -> None:
    app, seen = form_app
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    client = app.test_client()
    over = client.post("/form", data=parts(("a", b"x" * 101)), content_type=MULTIPART)
    assert over.status_code == 413
    assert seen == []
    at = client.post("/form", data=parts(("a", b"x" * 100)), content_type=MULTIPART)
    assert at.status_code == 200
    assert seen == [({"a": ["x" * 100]}, [])]


def test_multipart_files_are_not_held_to_max_form_memory_size(
    form_app: tuple[App, list[t.Any]],
) -> None:
    """The limit is for each non-file field. (werkzeug reads 64 KiB at a time
    and refuses any piece over the limit, so in Flask this body is a 413.)"""
    app, seen = form_app
    app.config["MAX_FORM_MEMORY_SIZE"] = 200
    body = (
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="big.bin"'
        b"\r\n\r\n" + b"x" * 5000 + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
        + b"y" * 200
        + b"\r\n--b--\r\n"
    )
    response = app.test_client().post("/form", data=body, content_type=MULTIPART)
    assert response.status_code == 200
    assert seen == [({"a": ["y" * 200]}, ["f"])]


def test_files_parsed_before_a_413_are_closed(app: App) -> None:
    containers: list[io.BytesIO] = []

    class TrackingRequest(Request):
        def _get_file_stream(self, *args: t.Any, **kwargs: t.Any) -> t.IO[bytes]:
            containers.append(io.BytesIO())
            return containers[-1]

    app.request_class = TrackingRequest
    app.config["MAX_FORM_PARTS"] = 2

    @app.post("/form")
    def form() -> str:
        return str(len(request.files))

    body = parts(files=3)
    response = app.test_client().post("/form", data=body, content_type=MULTIPART)
    assert response.status_code == 413
    assert len(containers) == 2
    assert all(c.closed for c in containers)


def test_too_many_multipart_parts_is_413(form_app: tuple[App, list[t.Any]]) -> None:
    app, seen = form_app
    app.config["MAX_FORM_PARTS"] = 3
    client = app.test_client()
    body = parts(("a", b"1"), ("b", b"2"), files=2)
    assert client.post("/form", data=body, content_type=MULTIPART).status_code == 413
    assert seen == []
    body = parts(("a", b"1"), files=2)
    assert client.post("/form", data=body, content_type=MULTIPART).status_code == 200
    assert seen == [({"a": ["1"]}, ["f0", "f1"])]
    assert client.get("/").text == "still fine"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"a=" + b"x" * 101, id="value"),
        pytest.param(b"x" * 101 + b"=1", id="name"),
        pytest.param(b"ok=1&a=" + b"x" * 101 + b"&z=2", id="value among others"),
        pytest.param(b"a=" + b"%C3%A9" * 51, id="percent-encoded value"),
        pytest.param(b"a=" + b"+" * 101, id="value of plus signs"),
    ],
)
def test_urlencoded_field_over_max_form_memory_size_is_413(
    form_app: tuple[App, list[t.Any]], body: bytes
) -> None:
    """werkzeug applies the limit to multipart fields only; here a urlencoded
    name or value over it (in decoded bytes) is refused the same way."""
    app, seen = form_app
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    client = app.test_client()
    assert client.post("/form", data=body, content_type=URLENCODED).status_code == 413
    assert seen == []
    assert client.get("/").text == "still fine"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(b"a=" + b"x" * 100, {"a": ["x" * 100]}, id="value at the limit"),
        pytest.param(
            b"a=" + b"%41" * 100, {"a": ["A" * 100]}, id="encoded over, decoded at"
        ),
        pytest.param(
            b"&".join(b"k%d=" % i + b"x" * 50 for i in range(10)),
            {f"k{i}": ["x" * 50] for i in range(10)},
            id="whole body over, each field under",
        ),
    ],
)
def test_urlencoded_fields_within_max_form_memory_size_are_accepted(
    form_app: tuple[App, list[t.Any]], body: bytes, fields: dict[str, list[str]]
) -> None:
    app, seen = form_app
    app.config["MAX_FORM_MEMORY_SIZE"] = 100
    response = app.test_client().post("/form", data=body, content_type=URLENCODED)
    assert response.status_code == 200
    assert seen == [(fields, [])]


MALFORMED_MULTIPART = [
    pytest.param(
        "multipart/form-data", parts(("a", b"1")), id="missing boundary parameter"
    ),
    pytest.param(
        "multipart/form-data; boundary=", parts(("a", b"1")), id="empty boundary"
    ),
    pytest.param(
        "multipart/form-data; boundary=other", parts(("a", b"1")), id="wrong boundary"
    ),
    pytest.param(
        "multipart/form-data; boundary=\u00e9",
        parts(("a", b"1")),
        id="non-ASCII boundary",
    ),
    pytest.param(
        MULTIPART,
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end',
        id="truncated in a part",
    ),
    pytest.param(
        MULTIPART, b"--b\r\nContent-Disposition: form-da", id="truncated in headers"
    ),
    pytest.param(MULTIPART, b"no boundary anywhere", id="garbage"),
    pytest.param(
        MULTIPART,
        b"--b\r\nContent-Type: text/plain\r\n\r\n1\r\n--b--\r\n",
        id="part without Content-Disposition",
    ),
]


@pytest.mark.parametrize(("content_type", "body"), MALFORMED_MULTIPART)
def test_malformed_multipart_is_400_not_an_empty_form(
    form_app: tuple[App, list[t.Any]], content_type: str, body: bytes
) -> None:
    app, seen = form_app
    app.testing = False
    client = app.test_client()
    response = client.post("/form", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "malformed" in response.text
    assert seen == []
    assert client.get("/").text == "still fine"


@pytest.mark.parametrize(
    "body",
    [pytest.param(b"", id="no body"), pytest.param(b"--b--\r\n", id="no parts")],
)
def test_multipart_without_fields_is_an_empty_form(
    form_app: tuple[App, list[t.Any]], body: bytes
) -> None:
    """An empty ``FormData`` (only the closing delimiter) or no body at all:
    nothing was sent, so an empty form hides nothing."""
    app, seen = form_app
    response = app.test_client().post("/form", data=body, content_type=MULTIPART)
    assert response.status_code == 200
    assert seen == [({}, [])]


@feeds_wsgi_input
def test_empty_chunked_multipart_body_is_an_empty_form(
    form_app: tuple[App, list[t.Any]],
) -> None:
    app, seen = form_app
    environ, _ = environ_for("/form", b"", MULTIPART, chunked=True)
    assert call(app, environ)[0] == 200
    assert seen == [({}, [])]


@feeds_wsgi_input
def test_chunked_multipart_over_the_limit_is_413(
    form_app: tuple[App, list[t.Any]],
) -> None:
    app, seen = form_app
    app.testing = False
    app.config["MAX_CONTENT_LENGTH"] = 200
    body = parts(("a", b"x" * 50), ("b", b"y" * 200))
    environ, stream = environ_for("/form", body, MULTIPART, chunked=True)
    assert call(app, environ)[0] == 413
    assert seen == []
    assert stream.served <= 201
    environ, _ = environ_for("/form", parts(("a", b"x" * 50)), MULTIPART, chunked=True)
    status, page = call(app, environ)
    assert status == 200
    assert json.loads(page) == {"fields": {"a": ["x" * 50]}, "files": []}


# What the server's wsgi.input raises -------------------------------------


class FailingServerStream(BodyStream):
    """A ``wsgi.input`` that hands out ``body`` and then raises ``error``,
    as a server's stream does on a malformed chunk (gunicorn's classes are
    not all ``OSError``) or a socket error."""

    def __init__(self, body: bytes, error: Exception) -> None:
        super().__init__(body)
        self.error = error

    def read(self, size: int = -1) -> bytes:
        assert self.body is not None
        # Reading to the end never gets there.
        if size < 0 or self.served >= len(self.body):
            raise self.error
        return super().read(size)


class InvalidChunkSize(Exception):
    """Named like gunicorn's, and like it not an ``OSError``."""


SERVER_ERRORS = [
    pytest.param(InvalidChunkSize("Invalid chunk size: b'zz'"), id="parse error"),
    pytest.param(ConnectionResetError(104, "reset"), id="socket error"),
    pytest.param(ValueError("I/O operation on closed file"), id="closed"),
]


@feeds_wsgi_input
@pytest.mark.parametrize("error", SERVER_ERRORS)
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "length"])
@pytest.mark.parametrize("reader", READERS)
def test_an_error_from_the_servers_input_is_a_400_with_one_warning(
    limited: tuple[App, list[int]],
    reader: str,
    chunked: bool,
    error: Exception,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, seen = limited
    content_type, body, _ = body_of_size(reader, 100)
    environ, _ = environ_for("/" + reader, body, content_type, chunked=chunked)
    # The server raises after handing out part of the body.
    environ["wsgi.input"] = FailingServerStream(body[:40], error)
    with caplog.at_level("INFO"):
        status, page = call(app, environ)
    assert status == 400
    assert b"could not read it" in page
    assert seen == []
    records = [r for r in caplog.records if r.name == app.name]
    assert [r.levelname for r in records] == ["WARNING"]
    assert type(error).__name__ in records[0].getMessage()
    assert records[0].exc_info is None
    assert_app_still_works(app)


@feeds_wsgi_input
@pytest.mark.parametrize("reader", READERS)
def test_a_declared_length_cut_short_is_a_400_even_when_terminated(
    limited: tuple[App, list[int]], reader: str, caplog: pytest.LogCaptureFixture
) -> None:
    """gunicorn and waitress set ``wsgi.input_terminated`` on every request
    and end a body quietly when the client goes away: the declared length
    tells that it was cut short."""
    app, seen = limited
    content_type, body, _ = body_of_size(reader, 100)
    environ, _ = environ_for("/" + reader, body, content_type, chunked=False)
    environ["wsgi.input_terminated"] = True
    environ["wsgi.input"] = BodyStream(body[:60])
    with caplog.at_level("INFO"):
        assert call(app, environ)[0] == 400
    assert seen == []
    messages = [r.getMessage() for r in caplog.records if r.name == app.name]
    assert messages == [
        "The request body ended after 60 of its 100 declared bytes, answering 400"
    ]
    assert_app_still_works(app)


@feeds_wsgi_input
def test_an_http_error_from_the_input_stream_is_kept(
    limited: tuple[App, list[int]],
) -> None:
    """A middleware may wrap ``wsgi.input`` and raise an HTTP error of its
    own choosing: that one is not turned into a 400."""
    app, _ = limited
    app.config["MAX_CONTENT_LENGTH"] = None
    environ, _ = environ_for("/get_data", b"x" * 100, None, chunked=True)
    environ["wsgi.input"] = FailingServerStream(b"x" * 20, RequestEntityTooLarge())
    assert call(app, environ)[0] == 413


@feeds_wsgi_input
@pytest.mark.parametrize("sent", [b"a\nbb\nccc\n", b"a\nbb\nc"])
def test_reading_the_stream_by_lines_keeps_to_the_declared_length(
    sent: bytes,
) -> None:
    """Lines of a ``Content-Length`` body end at its length (the bytes after
    it are the next request's); lines of a body cut short are a 400."""
    app = App("lines")

    @app.post("/lines")
    def lines() -> list[str]:
        return [line.decode() for line in request.stream]

    environ, _ = environ_for("/lines", b"a\nbb\nccc\n", None, chunked=False)
    environ["wsgi.input_terminated"] = True
    if len(sent) < 9:
        environ["wsgi.input"] = io.BytesIO(sent)
        assert call(app, environ)[0] == 400
    else:
        environ["wsgi.input"] = io.BytesIO(sent + b"GET / HTTP/1.1\r\n")
        assert call(app, environ) == (200, b'["a\\n","bb\\n","ccc\\n"]\n')
