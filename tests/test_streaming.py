"""Streamed responses: the request context while streaming, teardown, errors
mid-stream (through a real server) and closing a stream early."""

from __future__ import annotations

import http.client
import inspect
import logging
import threading
import typing as t
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.test import EnvironBuilder

from framework import (
    App,
    g,
    has_app_context,
    has_request_context,
    request,
    stream_template,
    stream_template_string,
    stream_with_context,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")

#: A test that calls the WSGI callable itself (:func:`call_wsgi`), to look
#: at the body before a WSGI server iterates it: WSGI only. The same
#: streams go through both transports in the client tests here.
calls_wsgi = pytest.mark.wsgi_only(reason="calls the WSGI callable itself")

FIXTURES = Path(__file__).parent / "templates_fixture"


def make_app(testing: bool = True) -> App:
    app = App("stream_app", root_path=str(FIXTURES))
    app.testing = testing
    return app


@pytest.fixture
def app() -> App:
    return make_app()


@pytest.fixture
def teardowns(app: App) -> list[BaseException | None]:
    """What the app's ``teardown_request`` received, one item a call."""
    received: list[BaseException | None] = []
    app.teardown_request(received.append)
    return received


def call_wsgi(
    app: App, path: str
) -> tuple[t.Iterable[bytes], list[tuple[str, list[tuple[str, str]]]]]:
    """Call the app as a WSGI server would, without iterating the body."""
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        started.append((status, headers))
        return lambda data: None

    builder = EnvironBuilder(path)
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    return app(environ, start_response), started


class ListHandler(logging.Handler):
    """Keeps the records logged on a logger, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def app_log(app: App) -> t.Iterator[ListHandler]:
    handler = ListHandler()
    app.logger.addHandler(handler)
    yield handler
    app.logger.removeHandler(handler)


# -- the request context while streaming -----------------------------------------


@calls_wsgi
def test_stream_with_context_keeps_request_after_the_view_returned(app: App) -> None:
    events: list[str] = []

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            events.append("generating")
            yield request.args["a"]
            yield request.path
            yield f"{has_request_context()}"

        rv = stream_with_context(generate())
        events.append("view returned")
        return rv

    body, started = call_wsgi(app, "/stream?a=hello")
    assert events == ["view returned"]
    assert started[0][0] == "200 OK"
    assert not has_request_context()
    assert b"".join(body) == b"hello/streamTrue"
    assert events == ["view returned", "generating"]
    assert not has_request_context()


def test_a_response_made_around_an_async_generator_streams(app: App) -> None:
    # As make_response() does for a returned async generator: built
    # directly, with its own mimetype, the response streams too.
    from framework import Response

    @app.route("/ticks")
    async def ticks() -> Response:
        async def generate() -> t.AsyncIterator[str]:
            for n in range(3):
                yield f"tick {n}\n"

        return Response(generate(), mimetype="text/plain")

    response = app.test_client().get("/ticks")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.data == b"tick 0\ntick 1\ntick 2\n"


def test_an_async_stream_closed_early_cleans_up_in_its_context(app: App) -> None:
    # The client leaves after the first chunk: the generator's finally
    # block still sees the request (stream_with_context's promise).
    cleanups: list[str] = []
    stopped = threading.Event()

    @app.route("/endless")
    async def endless() -> t.AsyncIterator[str]:
        async def generate() -> t.AsyncIterator[str]:
            try:
                while True:
                    yield "tick\n"
            finally:
                cleanups.append(request.args["name"])
                stopped.set()

        return stream_with_context(generate())

    response = app.test_client().get("/endless?name=ada", buffered=False)
    assert next(iter(response.response)) == b"tick\n"
    response.close()
    assert stopped.wait(5)
    assert cleanups == ["ada"]


def test_stream_with_context_through_the_client(app: App) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "Hello "
            yield request.args["name"]
            yield "!"

        return stream_with_context(generate())

    response = app.test_client().get("/stream?name=World")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.get_data(as_text=True) == "Hello World!"


@calls_wsgi
def test_stream_with_context_as_a_decorator(app: App) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        @stream_with_context
        def generate(prefix: str) -> t.Iterator[str]:
            yield prefix
            yield request.args["x"]

        return generate("x=")

    body, _ = call_wsgi(app, "/stream?x=42")
    assert b"".join(body) == b"x=42"


def test_stream_sees_the_g_of_the_view(app: App) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        g.user = "ann"

        def generate() -> t.Iterator[str]:
            yield g.user

        return stream_with_context(generate())

    assert app.test_client().get("/stream").text == "ann"


@calls_wsgi
def test_stream_without_context_loses_the_request(app: App) -> None:
    """The reason stream_with_context exists: a bare generator runs after the
    request context is gone."""

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "start"
            yield request.path

        return generate()

    body, _ = call_wsgi(app, "/stream")
    iterator = iter(body)
    assert next(iterator) == b"start"
    with pytest.raises(RuntimeError, match="outside of request context"):
        next(iterator)


@pytest.mark.one_transport
def test_stream_with_context_outside_a_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError, match="active request"):
        stream_with_context(iter(["a"]))
    with app.app_context(), pytest.raises(RuntimeError, match="active request"):
        stream_with_context(iter(["a"]))


@calls_wsgi
def test_stream_template_keeps_request(app: App) -> None:
    @app.route("/file")
    def from_file() -> t.Iterator[str]:
        return stream_template("stream.html", items=[1, 2, 3])

    @app.route("/string")
    def from_string() -> t.Iterator[str]:
        return stream_template_string(
            "{% for i in items %}{{ i }}{{ request.args.sep }}{% endfor %}"
            "{{ request.path }}",
            items="ab",
        )

    body, _ = call_wsgi(app, "/file?sep=;")
    assert b"".join(body) == b"1;2;3;"
    body, _ = call_wsgi(app, "/string?sep=-")
    assert b"".join(body) == b"a-b-/string"
    assert not has_request_context()


def test_async_view_returning_stream_with_context(app: App) -> None:
    @app.route("/async")
    async def view() -> t.Iterator[str]:
        g.where = "async view"

        def generate() -> t.Iterator[str]:
            yield request.args["q"]
            yield " "
            yield g.where

        return stream_with_context(generate())

    response = app.test_client().get("/async?q=query")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "query async view"
    body, _ = call_wsgi(app, "/async?q=direct")
    assert b"".join(body) == b"direct async view"
    assert not has_app_context()


# -- teardown ------------------------------------------------------------------


@calls_wsgi
def test_teardown_runs_when_the_view_ends_and_again_after_the_stream(
    app: App,
) -> None:
    """Flask 3.1 semantics: ``teardown_request`` runs when the view's request
    ends, and once more when the streamed body is finished."""
    events: list[t.Any] = []

    @app.teardown_request
    def record(exc: BaseException | None) -> None:
        events.append(("teardown", exc))

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            events.append("generating")
            yield "a"
            yield "b"
            events.append("generated")

        return stream_with_context(generate())

    body, _ = call_wsgi(app, "/stream")
    assert events == [("teardown", None)]
    iterator = iter(body)
    assert next(iterator) == b"a"
    assert events == [("teardown", None), "generating"]
    assert list(iterator) == [b"b"]
    assert events == [
        ("teardown", None),
        "generating",
        "generated",
        ("teardown", None),
    ]
    t.cast(t.Any, body).close()
    assert len(events) == 4


def test_teardown_count_through_the_client(
    app: App, teardowns: list[BaseException | None]
) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "a"
            yield "b"

        return stream_with_context(generate())

    response = app.test_client().get("/stream")
    assert teardowns == [None]
    assert response.get_data() == b"ab"
    assert teardowns == [None, None]


@calls_wsgi
def test_teardown_appcontext_also_runs_again_after_the_stream(app: App) -> None:
    teardowns: list[BaseException | None] = []

    @app.teardown_appcontext
    def record(exc: BaseException | None) -> None:
        teardowns.append(exc)

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "a"

        return stream_with_context(generate())

    body, _ = call_wsgi(app, "/stream")
    assert teardowns == [None]
    assert b"".join(body) == b"a"
    assert teardowns == [None, None]


@calls_wsgi
def test_teardown_with_stream_template(
    app: App, teardowns: list[BaseException | None]
) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        return stream_template("stream.html", items=[1])

    body, _ = call_wsgi(app, "/stream?sep=.")
    assert teardowns == [None]
    assert b"".join(body) == b"1."
    assert teardowns == [None, None]


# -- errors mid-stream, through the test client ----------------------------------


def test_mid_stream_error_reaches_the_server_and_teardown(
    app: App, app_log: ListHandler, teardowns: list[BaseException | None]
) -> None:
    @app.route("/boom")
    def boom() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            yield "first"
            raise ValueError("mid-stream")

        return stream_with_context(generate())

    response = app.test_client().get("/boom")
    assert response.status_code == 200
    with pytest.raises(ValueError, match="mid-stream"):
        response.get_data()
    assert teardowns[0] is None
    assert len(teardowns) == 2
    assert isinstance(teardowns[1], ValueError)
    assert not has_request_context()
    errors = [r for r in app_log.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "/boom" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], ValueError)


# -- a real server -------------------------------------------------------------


class HTTP11Handler(WSGIRequestHandler):
    """HTTP/1.1, so that streamed bodies are chunked whatever the threading
    mode (and werkzeug's own handler class is left as it is)."""

    protocol_version = "HTTP/1.1"


Serve = t.Callable[..., int]


@pytest.fixture
def serve() -> t.Iterator[Serve]:
    """Start werkzeug's development server for an app on a free port, in a
    daemon thread; shut down when the test ends."""
    running: list[tuple[t.Any, threading.Thread]] = []

    def start(app: App, threaded: bool = True) -> int:
        server = make_server(
            "127.0.0.1", 0, app, threaded=threaded, request_handler=HTTP11Handler
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        running.append((server, thread))
        return int(server.server_port)

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(5)


def http_get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _mid_stream_app(first_read: threading.Event) -> tuple[App, list[t.Any]]:
    app = make_app(testing=False)
    events: list[t.Any] = []

    @app.teardown_request
    def record(exc: BaseException | None) -> None:
        events.append(("teardown", request.path, exc))

    @app.route("/boom")
    def boom() -> t.Iterator[str]:
        g.marker = "stale"
        events.append(("thread", threading.get_ident()))

        def generate() -> t.Iterator[str]:
            yield "first"
            # Fail only once the client has the first chunk: the error is
            # truly mid-stream.
            first_read.wait(5)
            raise ValueError("mid-stream")

        return stream_with_context(generate())

    @app.route("/fresh")
    def fresh() -> str:
        events.append(("thread", threading.get_ident()))
        return f"{g.get('marker', 'fresh')} {request.args['n']}"

    return app, events


def _read_truncated_stream(port: int, first_read: threading.Event) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/boom")
        response = conn.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert response.read(5) == b"first"
        first_read.set()
        with pytest.raises(http.client.IncompleteRead) as info:
            response.read()
        assert info.value.partial == b""
    finally:
        conn.close()


@pytest.mark.wsgi_only(reason="served by werkzeug's WSGI server")
def test_mid_stream_error_on_a_real_server(serve: Serve) -> None:
    first_read = threading.Event()
    app, events = _mid_stream_app(first_read)
    handler = ListHandler()
    app.logger.addHandler(handler)
    try:
        port = serve(app, threaded=True)
        _read_truncated_stream(port, first_read)
        # The server goes on serving, with a fresh context.
        assert http_get(port, "/fresh?n=1") == (200, b"fresh 1")
        assert http_get(port, "/fresh?n=2") == (200, b"fresh 2")
    finally:
        app.logger.removeHandler(handler)

    teardowns = [e for e in events if e[0] == "teardown"]
    assert len(teardowns) == 4
    assert teardowns[0] == ("teardown", "/boom", None)
    assert teardowns[1][:2] == ("teardown", "/boom")
    assert isinstance(teardowns[1][2], ValueError)
    assert str(teardowns[1][2]) == "mid-stream"
    assert teardowns[2:] == [
        ("teardown", "/fresh", None),
        ("teardown", "/fresh", None),
    ]
    errors = [r for r in handler.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert "/boom" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], ValueError)


@pytest.mark.wsgi_only(reason="checks the WSGI server's thread, through app.wsgi_app")
def test_mid_stream_error_leaves_no_context_in_the_serving_thread(
    serve: Serve,
) -> None:
    """With a single-threaded server every request runs in the same thread,
    so a context left active by the failed stream would be seen by the next
    request."""
    first_read = threading.Event()
    app, events = _mid_stream_app(first_read)
    active_on_entry: list[bool] = []
    inner = app.wsgi_app

    def check_entry(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        active_on_entry.append(has_app_context())
        return inner(environ, start_response)

    app.wsgi_app = check_entry  # type: ignore[method-assign]
    port = serve(app, threaded=False)
    _read_truncated_stream(port, first_read)
    assert http_get(port, "/fresh?n=3") == (200, b"fresh 3")

    threads = {e[1] for e in events if e[0] == "thread"}
    assert len(threads) == 1
    assert active_on_entry == [False, False]
    assert [e[:2] for e in events if e[0] == "teardown"] == [
        ("teardown", "/boom"),
        ("teardown", "/boom"),
        ("teardown", "/fresh"),
    ]


@pytest.mark.wsgi_only(reason="served by werkzeug's WSGI server")
def test_streaming_on_a_real_server(serve: Serve) -> None:
    app = make_app(testing=False)

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            for i in range(3):
                yield f"{request.args['p']}{i} "

        return stream_with_context(generate())

    port = serve(app)
    assert http_get(port, "/stream?p=x") == (200, b"x0 x1 x2 ")


# -- closing a stream early ----------------------------------------------------


@pytest.mark.wsgi_only(
    reason="closes the WSGI body before iterating it, which only WSGI can"
)
def test_wsgi_close_before_iterating_closes_the_generator(
    app: App, teardowns: list[BaseException | None]
) -> None:
    generators: list[t.Generator[str, None, None]] = []

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Generator[str, None, None]:
            yield "never sent"

        gen = generate()
        generators.append(gen)
        return stream_with_context(gen)

    body, _ = call_wsgi(app, "/stream")
    assert inspect.getgeneratorstate(generators[0]) == inspect.GEN_CREATED
    t.cast(t.Any, body).close()
    assert inspect.getgeneratorstate(generators[0]) == inspect.GEN_CLOSED
    # The stream never started, so the context was not pushed again.
    assert teardowns == [None]


@pytest.mark.wsgi_only(
    reason="closes the WSGI body before iterating it, which only WSGI can"
)
def test_wsgi_close_before_iterating_runs_the_finally_of_a_started_generator(
    app: App,
) -> None:
    """A view may start its generator (to fail early) before returning it;
    closing the unread stream still runs the generator's ``finally``."""
    cleanups: list[str] = []

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            try:
                yield ""
                yield "body"
            finally:
                cleanups.append("finally")

        gen = generate()
        next(gen)
        return stream_with_context(gen)

    body, _ = call_wsgi(app, "/stream")
    assert cleanups == []
    t.cast(t.Any, body).close()
    assert cleanups == ["finally"]


def test_client_response_close_runs_the_generator_finally(app: App) -> None:
    """The client reads the first chunk eagerly; closing the response without
    reading the rest closes the generator, whose ``finally`` still sees the
    request, and teardown runs for the stream."""
    events: list[t.Any] = []

    @app.teardown_request
    def record(exc: BaseException | None) -> None:
        events.append("teardown")

    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            try:
                yield "a"
                yield "b"
                events.append("not reached")
            finally:
                events.append(("finally", request.path))

        return stream_with_context(generate())

    response = app.test_client().get("/stream")
    assert events == ["teardown"]
    response.close()
    assert events == ["teardown", ("finally", "/stream"), "teardown"]
    assert not has_request_context()


@calls_wsgi
def test_stream_template_closed_before_iterating(
    app: App, teardowns: list[BaseException | None]
) -> None:
    @app.route("/stream")
    def stream() -> t.Iterator[str]:
        return stream_template("stream.html", items=[1, 2])

    body, _ = call_wsgi(app, "/stream")
    t.cast(t.Any, body).close()
    assert teardowns == [None]
    assert not has_request_context()
