"""Server-sent events (framework/sse.py): the encoding, the response through
both transports, keep-alives, the generator stopped when the client goes
away (in-process under ASGI), and real servers (waitress, the default WSGI
server, and uvicorn) keeping a stream open past their timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import pathlib
import sys
import threading
import time
import typing as t

import pytest
from asgi_scopes import http_scope
from processes import free_port
from servers import ServerProcess, server_environment

from framework import App, stream_with_context
from framework.sse import KEEPALIVE, Event, EventStream, encode_event, last_event_id

Message = t.MutableMapping[str, t.Any]


@pytest.fixture
def app() -> App:
    return App(__name__)


def producers() -> list[threading.Thread]:
    return [
        thread
        for thread in threading.enumerate()
        if thread.name == "framework-sse-producer"
    ]


def eventually(check: t.Callable[[], bool], timeout: float = 5) -> bool:
    """Whether ``check()`` turns true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- the encoding ---------------------------------------------------------------


def test_string_is_data_only() -> None:
    assert encode_event("hello") == b"data: hello\n\n"


def test_every_kind_of_line_end_in_data_starts_a_new_data_line() -> None:
    assert encode_event("a\nb\r\nc\rd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"


def test_dict_and_list_are_sent_as_json() -> None:
    assert encode_event({"n": 1}) == b'data: {"n": 1}\n\n'
    assert encode_event([1, "x"]) == b'data: [1, "x"]\n\n'


def test_event_fields_come_before_the_data() -> None:
    event = Event("up", event="status", id="42", retry=3000)
    assert encode_event(event) == (b"event: status\nid: 42\nretry: 3000\ndata: up\n\n")


def test_event_data_that_is_not_a_string_is_json() -> None:
    assert encode_event(Event({"a": [1]}, event="x")) == (
        b'event: x\ndata: {"a": [1]}\n\n'
    )


def test_events_are_frozen() -> None:
    event = Event("x")
    with pytest.raises(AttributeError):
        event.data = "y"  # type: ignore[misc]


@pytest.mark.parametrize("field", ["event", "id"])
@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\ndata: injected", "a\0b"])
def test_event_name_or_id_with_a_line_end_is_refused(field: str, bad: str) -> None:
    with pytest.raises(ValueError, match=f"event's {field} must not contain CR"):
        Event("x", **{field: bad})  # type: ignore[arg-type]


def test_event_name_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        Event("x", event=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_bad_retry_is_refused(bad: t.Any) -> None:
    with pytest.raises(ValueError, match="retry must be a whole number"):
        Event("x", retry=bad)


def test_other_items_are_refused() -> None:
    with pytest.raises(TypeError, match="not bytes"):
        encode_event(b"raw")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, float("nan"), "5", True])
def test_bad_keepalive_is_refused(bad: t.Any) -> None:
    with pytest.raises(ValueError, match="keepalive must be"):
        EventStream([], keepalive=bad)


def test_bad_keepalive_setting_is_refused_when_the_stream_is_made(app: App) -> None:
    app.config["SSE_KEEPALIVE_INTERVAL"] = "soon"
    with app.app_context(), pytest.raises(ValueError, match="SSE_KEEPALIVE_INTERVAL"):
        EventStream([])


def test_keepalive_comes_from_the_config_or_the_argument(app: App) -> None:
    assert app.config["SSE_KEEPALIVE_INTERVAL"] == 15
    assert EventStream([]).keepalive == 15  # no app: the default
    with app.app_context():
        assert EventStream([]).keepalive == 15
        app.config["SSE_KEEPALIVE_INTERVAL"] = 0
        assert EventStream([]).keepalive is None
        app.config["SSE_KEEPALIVE_INTERVAL"] = None
        assert EventStream([]).keepalive is None
        assert EventStream([], keepalive=2).keepalive == 2
        app.config["SSE_KEEPALIVE_INTERVAL"] = 5
        assert EventStream([], keepalive=0).keepalive is None


# -- through the test client, on both transports ---------------------------------


def test_headers(app: App, transport: str) -> None:
    app.get("/")(lambda: EventStream(["x"]))
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in response.headers
    assert response.data == b"data: x\n\n"


def test_sync_generator_of_events(app: App, transport: str) -> None:
    @app.get("/")
    def index() -> EventStream:
        def events() -> t.Iterator[t.Any]:
            yield "one"
            yield Event({"two": 2}, event="count", id="2")
            yield ["three"]

        return EventStream(events(), keepalive=0)

    assert app.test_client().get("/").data == (
        b'data: one\n\nevent: count\nid: 2\ndata: {"two": 2}\n\ndata: ["three"]\n\n'
    )


def test_async_generator_of_events(app: App, transport: str) -> None:
    @app.get("/")
    async def index() -> EventStream:
        async def events() -> t.AsyncIterator[t.Any]:
            yield "one"
            await asyncio.sleep(0)
            yield Event("two", id="2")

        return EventStream(events(), keepalive=0)

    assert app.test_client().get("/").data == b"data: one\n\nid: 2\ndata: two\n\n"


def test_keepalives_fill_the_silences_of_a_sync_generator(
    app: App, transport: str
) -> None:
    @app.get("/")
    def index() -> EventStream:
        def events() -> t.Iterator[str]:
            yield "a"
            time.sleep(0.35)
            yield "b"

        return EventStream(events(), keepalive=0.1)

    data = app.test_client().get("/").data
    assert data.startswith(b"data: a\n\n" + KEEPALIVE)
    assert data.endswith(KEEPALIVE + b"data: b\n\n")
    assert 2 <= data.count(KEEPALIVE) <= 4


def test_keepalives_do_not_break_an_async_generator(app: App, transport: str) -> None:
    steps: list[str] = []

    @app.get("/")
    async def index() -> EventStream:
        async def events() -> t.AsyncIterator[str]:
            try:
                yield "a"
                # One await spanning several keep-alives: cancelling it
                # would end the generator here.
                await asyncio.sleep(0.35)
                steps.append("slept")
                yield "b"
            finally:
                steps.append("finally")

        return EventStream(events(), keepalive=0.1)

    data = app.test_client().get("/").data
    assert data.startswith(b"data: a\n\n" + KEEPALIVE)
    assert data.endswith(KEEPALIVE + b"data: b\n\n")
    assert 2 <= data.count(KEEPALIVE) <= 4
    assert steps == ["slept", "finally"]


def test_no_keepalive_when_disabled_by_the_config(app: App, transport: str) -> None:
    app.config["SSE_KEEPALIVE_INTERVAL"] = 0

    @app.get("/")
    def index() -> EventStream:
        def events() -> t.Iterator[str]:
            time.sleep(0.2)
            yield "late"

        return EventStream(events())

    assert app.test_client().get("/").data == b"data: late\n\n"


def test_keepalive_interval_from_the_config(app: App, transport: str) -> None:
    app.config["SSE_KEEPALIVE_INTERVAL"] = 0.1

    @app.get("/")
    async def index() -> EventStream:
        async def events() -> t.AsyncIterator[str]:
            await asyncio.sleep(0.25)
            yield "late"

        return EventStream(events())

    assert app.test_client().get("/").data.startswith(KEEPALIVE)


def test_last_event_id_reaches_the_view(app: App, transport: str) -> None:
    @app.get("/")
    def index() -> EventStream:
        last = last_event_id()
        return EventStream([Event(repr(last), id="next")])

    client = app.test_client()
    assert client.get("/").data == b"id: next\ndata: None\n\n"
    reply = client.get("/", headers={"Last-Event-ID": "41"})
    assert reply.data == b"id: next\ndata: '41'\n\n"


def test_last_event_id_outside_a_request_raises() -> None:
    with pytest.raises(RuntimeError, match="outside of request context"):
        last_event_id()


def test_sync_stream_with_context_sees_the_request_and_tears_down(
    app: App, transport: str
) -> None:
    teardowns: list[str] = []
    app.teardown_request(lambda exc: teardowns.append("teardown"))

    @app.get("/")
    def index() -> EventStream:
        from framework import request

        @stream_with_context
        def events() -> t.Iterator[str]:
            yield request.args["name"]

        return EventStream(events(), keepalive=0.05)

    assert app.test_client().get("/?name=ada").data == b"data: ada\n\n"
    assert teardowns == ["teardown", "teardown"]


def test_async_stream_with_context_sees_the_request_and_tears_down(
    app: App, transport: str
) -> None:
    teardowns: list[str] = []
    app.teardown_request(lambda exc: teardowns.append("teardown"))

    @app.get("/")
    async def index() -> EventStream:
        from framework import request

        @stream_with_context
        async def events() -> t.AsyncIterator[str]:
            await asyncio.sleep(0.15)  # spans keep-alives
            yield request.args["name"]

        return EventStream(events(), keepalive=0.05)

    data = app.test_client().get("/?name=ada").data
    assert data.endswith(b"data: ada\n\n") and KEEPALIVE in data
    assert teardowns == ["teardown", "teardown"]


def test_error_in_the_generator_reaches_the_test(app: App, transport: str) -> None:
    app.testing = True  # propagated, not only logged

    @app.get("/")
    def index() -> EventStream:
        def events() -> t.Iterator[str]:
            yield "a"
            raise LookupError("mid-stream")

        return EventStream(events())

    with pytest.raises(LookupError, match="mid-stream"):
        app.test_client().get("/").data  # noqa: B018


# -- the client goes away, in-process under ASGI --------------------------------


async def _leave_after(app: App, path: str, chunks: int) -> list[bytes]:
    """GET ``path`` through ``app.asgi``; the client disconnects once it got
    ``chunks`` body chunks."""
    got: list[bytes] = []
    gone = asyncio.Event()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            got.append(message["body"])
            if len(got) >= chunks:
                gone.set()

    await asyncio.wait_for(app.asgi(http_scope(path), receive, send), 10)
    return got


def _tick_app(closed: threading.Event, teardowns: list[str]) -> App:
    app = App(__name__)
    app.teardown_request(lambda exc: teardowns.append("teardown"))

    @app.get("/sync")
    def sync_ticks() -> EventStream:
        @stream_with_context
        def events() -> t.Iterator[str]:
            try:
                while True:
                    time.sleep(0.02)
                    yield "tick"
            finally:
                closed.set()

        return EventStream(events(), keepalive=0.01)

    @app.get("/async")
    async def async_ticks() -> EventStream:
        @stream_with_context
        async def events() -> t.AsyncIterator[str]:
            try:
                while True:
                    await asyncio.sleep(0.02)
                    yield "tick"
            finally:
                closed.set()

        return EventStream(events(), keepalive=0.01)

    @app.get("/silent")
    async def silent() -> EventStream:
        async def events() -> t.AsyncIterator[str]:
            try:
                await asyncio.Event().wait()  # no event ever
                yield "never"
            finally:
                closed.set()

        return EventStream(events(), keepalive=0.01)

    return app


@pytest.mark.parametrize("path", ["/sync", "/async", "/silent"])
def test_asgi_disconnect_stops_the_generator_and_leaves_nothing_behind(
    path: str,
) -> None:
    closed = threading.Event()
    teardowns: list[str] = []
    app = _tick_app(closed, teardowns)
    before = set(producers())

    async def main() -> set[asyncio.Task[t.Any]]:
        got = await _leave_after(app, path, 4)
        assert all(chunk in (b"data: tick\n\n", KEEPALIVE) for chunk in got)
        await asyncio.sleep(0.1)
        return asyncio.all_tasks() - {asyncio.current_task()}

    left = asyncio.run(main())
    assert closed.wait(5)
    assert not left, left
    assert eventually(lambda: not set(producers()) - before)
    expected = ["teardown"] if path == "/silent" else ["teardown", "teardown"]
    assert eventually(lambda: teardowns == expected), teardowns


# -- real servers ---------------------------------------------------------------

#: The app the real servers run. Streams write a file named after their
#: ``tag`` when their generator ends, so the test sees that it was closed.
SERVER_APP = """
import asyncio
import pathlib
import time

from framework import App, request
from framework.sse import Event, EventStream, last_event_id

app = App(__name__)
HERE = pathlib.Path(__file__).parent


@app.get("/health")
def health():
    return "ok"


@app.get("/spaced")
def spaced():
    # Events further apart than the server's idle timeout, with keep-alives
    # in between; then a silence longer than it with none at all.
    def events():
        for n in range(3):
            yield Event(str(n), id=str(n))
            time.sleep(1.5)
        yield "last"

    return EventStream(events(), keepalive=0.5)


@app.get("/silent")
def silent():
    seconds = float(request.args.get("for", 2.5))

    def events():
        time.sleep(seconds)
        yield "late"

    return EventStream(events(), keepalive=0)


@app.get("/async-spaced")
async def async_spaced():
    async def events():
        for n in range(3):
            yield Event(str(n), id=str(n))
            await asyncio.sleep(1.5)
        yield "last"

    return EventStream(events(), keepalive=0.5)


def ended(tag):
    (HERE / f"ended-{tag}").write_text("yes")


@app.get("/ticks")
def ticks():
    tag = request.args["tag"]
    last = last_event_id()

    def events():
        try:
            yield Event(f"resumed after {last}")
            while True:
                time.sleep(0.05)
                yield "tick"
        finally:
            ended(tag)

    return EventStream(events(), keepalive=0.5)


@app.get("/async-ticks")
async def async_ticks():
    tag = request.args["tag"]

    async def events():
        try:
            while True:
                await asyncio.sleep(0.05)
                yield "tick"
        finally:
            # Cancelled in the sleep, or closed at the yield.
            ended(tag)

    return EventStream(events(), keepalive=0.5)
"""

#: The idle timeout the servers get: shorter than the streams above.
IDLE_TIMEOUT = 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("sse")
    (path / "sseapp.py").write_text(SERVER_APP, encoding="utf-8")
    return path


#: What each server is started with: waitress (what ``framework serve``
#: runs by default for a WSGI app) and uvicorn with the short idle timeout;
#: gunicorn's ``sync`` worker (one thread) restarted when silent for
#: ``WORKER_TIMEOUT`` seconds.
SERVER_OPTIONS = {
    "waitress": ["--threads", "4", "--idle-timeout", str(IDLE_TIMEOUT)],
    "uvicorn": ["--threads", "4", "--idle-timeout", str(IDLE_TIMEOUT)],
    "gunicorn": ["--workers", "1", "--threads", "1", "--timeout", "2"],
}
WORKER_TIMEOUT = 2


@pytest.fixture(scope="module", params=list(SERVER_OPTIONS))
def server(
    request: pytest.FixtureRequest, folder: pathlib.Path
) -> t.Iterator[ServerProcess]:
    """``framework serve`` of the app on each server in turn, with its
    timeouts shorter than the streams."""
    port = free_port()
    argv = [sys.executable, "-m", "framework.cli", "--app", "sseapp", "serve"]
    argv += ["--server", request.param, *SERVER_OPTIONS[request.param]]
    argv += ["--port", str(port)]
    process = ServerProcess(
        argv,
        port=port,
        folder=folder,
        env=server_environment(folder, FRAMEWORK_SKIP_DOTENV="1"),
        name=request.param,
    )
    process.wait_ready("/health", body=b"ok")
    yield process
    assert process.stop() == 0, process.output()
    output = process.output()
    # gunicorn logs the worker it restarts on purpose (the silent stream).
    restarts = output.count("WORKER TIMEOUT")
    assert output.count("Traceback") == restarts, output


@contextlib.contextmanager
def _open(
    server: ServerProcess, path: str, **headers: str
) -> t.Iterator[http.client.HTTPResponse]:
    """An open stream; the connection closes after the block."""
    connection = server.connect(timeout=10)
    try:
        response = _get(connection, path, headers)
        try:
            yield response
        finally:
            # The response holds the socket open until it is closed too.
            response.close()
    finally:
        connection.close()


def _get(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str]
) -> http.client.HTTPResponse:
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.getheader("Content-Length") is None
    return response


@pytest.mark.parametrize("path", ["/spaced", "/async-spaced", "/silent"])
def test_stream_outlives_the_servers_idle_timeout(
    server: ServerProcess, path: str
) -> None:
    if path == "/silent" and server.name == "gunicorn":
        # Nothing sent, so nothing told the master the worker is alive: it
        # is restarted. That the others survive is the heartbeat's doing.
        connection = server.connect(timeout=10)
        try:
            connection.request("GET", f"{path}?for={3 * WORKER_TIMEOUT}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                reply = connection.getresponse()
                assert reply.status != 200 or reply.read() != b"data: late\n\n"
        finally:
            connection.close()
        server.wait_ready("/health", body=b"ok")  # the new worker
        return
    started = time.monotonic()
    with _open(server, path) as response:
        body = response.read()
    took = time.monotonic() - started
    assert took > max(2 * IDLE_TIMEOUT, WORKER_TIMEOUT)
    if path == "/silent":
        assert body == b"data: late\n\n"
    else:
        assert body.replace(KEEPALIVE, b"") == (
            b"id: 0\ndata: 0\n\nid: 1\ndata: 1\n\nid: 2\ndata: 2\n\ndata: last\n\n"
        )
        assert body.count(KEEPALIVE) >= 6


@pytest.mark.parametrize("path", ["/ticks", "/async-ticks"])
def test_client_going_away_ends_the_generator(
    server: ServerProcess, path: str, folder: pathlib.Path
) -> None:
    tag = f"{server.name}-{path.strip('/')}"
    with _open(server, f"{path}?tag={tag}", **{"Last-Event-ID": "7"}) as response:
        if path == "/ticks":
            assert response.readline() == b"data: resumed after 7\n"
            assert response.readline() == b"\n"
        assert response.readline() == b"data: tick\n"
    assert eventually(lambda: (folder / f"ended-{tag}").exists(), 10), server.output()


#: Long enough that a drain waiting for the streams would be caught.
GRACEFUL_TIMEOUT = 30


#: Each server, with its options, and the streams it holds at once in the
#: test below: gunicorn's ``sync`` worker serves one request at a time.
STOPPING = {
    "waitress": ([], ["/ticks", "/async-ticks"]),
    "gunicorn-sync": (["--threads", "1"], ["/ticks"]),
    "gunicorn-gthread": (["--threads", "2"], ["/ticks", "/async-ticks"]),
    "uvicorn": ([], ["/ticks", "/async-ticks"]),
    "hypercorn": ([], ["/ticks", "/async-ticks"]),
}


@pytest.mark.parametrize("name", list(STOPPING))
def test_stopping_the_server_ends_its_streams_at_once(
    name: str, folder: pathlib.Path
) -> None:
    # A restart must not wait out the grace period for streams that never
    # end: they end, their generators are closed, and the server exits.
    options, paths = STOPPING[name]
    port = free_port()
    argv = [sys.executable, "-m", "framework.cli", "--app", "sseapp", "serve"]
    argv += ["--server", name.partition("-")[0], "--workers", "1", *options]
    argv += ["--port", str(port), "--graceful-timeout", str(GRACEFUL_TIMEOUT)]
    process = ServerProcess(
        argv,
        port=port,
        folder=folder,
        env=server_environment(folder, FRAMEWORK_SKIP_DOTENV="1"),
        name=name,
    )
    try:
        process.wait_ready("/health", body=b"ok")
        tags = {path: f"stop-{name}-{path.strip('/')}" for path in paths}
        with contextlib.ExitStack() as streams:
            responses = [
                streams.enter_context(_open(process, f"{path}?tag={tag}"))
                for path, tag in tags.items()
            ]
            for response in responses:
                assert response.readline().startswith(b"data: ")
            started = time.monotonic()
            process.process.terminate()
            for response in responses:
                response.read()  # to the end of the stream: it ended
            assert time.monotonic() - started < GRACEFUL_TIMEOUT / 3
        status = process.process.wait(timeout=GRACEFUL_TIMEOUT / 3)
        assert status == 0, process.output()
        for tag in tags.values():
            assert (folder / f"ended-{tag}").exists(), process.output()
    finally:
        process.kill()
